//! `kehu._native`: the PyO3 module behind the `kehu` Python package. It converts Arrow tables
//! and Python values to the core's types, calls the core and maps its errors to exceptions;
//! everything else lives in the core crate.

// Python functions take keyword arguments; their Rust signatures mirror them.
#![allow(clippy::too_many_arguments)]

mod arrow_columns;
mod generate;
mod models;
mod segment;
mod value;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{ArrayRef, RecordBatch};
use arrow_columns::ArrowTransactions;
use arrow_schema::{DataType, Field, Schema};
use kehu::data::customers::{Attribute, CustomerTable};
use kehu::data::{
    validate as core_validate, CustomerIds, DataError as CoreDataError, RawTransactions,
    ValidationOptions,
};
use kehu::profile::{
    calibration_and_holdout_columns, profile_columns, summarize_columns, CustomerProfile, Event,
    GivenSummaryOptions, ProfileAccumulator, ProfileError as CoreProfileError, ProfileOptions,
    Summary, TagRules,
};
use kehu::simulate::{simulate as core_simulate, SimulationConfig};
use numpy::PyArray1;
use pyo3::create_exception;
use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList};
use pyo3_arrow::PyTable;
use std::collections::HashMap;
use std::sync::Arc;

create_exception!(
    kehu,
    KehuError,
    PyValueError,
    "Base class of every error kehu raises."
);
create_exception!(
    kehu,
    DataError,
    KehuError,
    "Input data could not be taken in."
);
create_exception!(
    kehu,
    ProfileError,
    KehuError,
    "A profile computation was asked for something it cannot do."
);
create_exception!(
    kehu,
    FormatError,
    KehuError,
    "A model or configuration JSON document was rejected."
);
create_exception!(
    kehu,
    SimulateError,
    KehuError,
    "The simulation settings are invalid."
);
create_exception!(
    kehu,
    ValueModelError,
    KehuError,
    "A value model could not be fitted or evaluated."
);
create_exception!(
    kehu,
    SegmentError,
    KehuError,
    "A segmentation could not be computed."
);

/// The callback `kehu.progress` set: called with (stage, done, total) from the thread that
/// waits for a core call ([`interruptible`]); `None`: no reports are collected.
static PROGRESS: std::sync::Mutex<Option<Py<PyAny>>> = std::sync::Mutex::new(None);

/// Sets the progress callback (`None`: none) and returns the previous one.
#[pyfunction]
#[pyo3(signature = (callback=None))]
fn set_progress(callback: Option<Py<PyAny>>) -> Option<Py<PyAny>> {
    let mut slot = PROGRESS.lock().unwrap_or_else(|e| e.into_inner());
    std::mem::replace(&mut *slot, callback)
}

thread_local! {
    /// What the progress callback raised during this thread's running call: the call is asked
    /// to stop, and [`to_py`] raises this instead of its `Cancelled`.
    static CALLBACK_ERROR: std::cell::RefCell<Option<PyErr>> = const { std::cell::RefCell::new(None) };
}

/// Hands the reports a meter collected to the progress callback (with the GIL held). A
/// callback that raises stops the call (as in Node), and its exception is raised; later
/// reports are dropped.
fn deliver(py: Python<'_>, callback: &Py<PyAny>, meter: &kehu::progress::Meter) {
    for p in meter.take() {
        if CALLBACK_ERROR.with(|e| e.borrow().is_some()) {
            return;
        }
        if let Err(e) = callback.call1(py, (p.stage, p.done, p.total)) {
            CALLBACK_ERROR.with(|slot| *slot.borrow_mut() = Some(e));
            kehu::cancel::request();
        }
    }
}

/// Runs `f` without the GIL on a scoped helper thread while this thread looks for signals every
/// 50 ms. On Ctrl-C it asks the core to stop ([`kehu::cancel`]) and waits for `f`: a core call
/// that stopped returns `Cancelled`, which [`to_py`] raises as `KeyboardInterrupt`; one that ran
/// to its end has the interrupt set again, so Python raises it right after. With a progress
/// callback set, the core's [`kehu::progress`] reports reach it from this thread on each look.
pub(crate) fn interruptible<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> T {
    use std::sync::mpsc::{channel, RecvTimeoutError};
    let callback = PROGRESS
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .as_ref()
        .map(|c| c.clone_ref(py));
    let meter = callback
        .as_ref()
        .map(|_| Arc::new(kehu::progress::Meter::default()));
    let (done, finished) = channel();
    // The receiver is waited on from whichever thread runs the detached closure.
    let finished = std::sync::Mutex::new(finished);
    std::thread::scope(|scope| {
        let worker_meter = meter.clone();
        let worker = scope.spawn(move || {
            let out = match worker_meter {
                Some(m) => kehu::progress::observe(m.sink(), f),
                None => f(),
            };
            let _ = done.send(());
            out
        });
        let mut interrupted = false;
        loop {
            let wait = py.detach(|| {
                let finished = finished.lock().unwrap_or_else(|e| e.into_inner());
                finished.recv_timeout(std::time::Duration::from_millis(50))
            });
            if let (Some(c), Some(m)) = (&callback, &meter) {
                deliver(py, c, m);
            }
            if !matches!(wait, Err(RecvTimeoutError::Timeout)) {
                break;
            }
            if !interrupted && py.check_signals().is_err() {
                interrupted = true;
                kehu::cancel::request();
            }
        }
        let out = worker
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        if let (Some(c), Some(m)) = (&callback, &meter) {
            deliver(py, c, m);
        }
        let failed = CALLBACK_ERROR.with(|e| e.borrow().is_some());
        if interrupted || failed {
            let stopped = kehu::cancel::reset();
            if !stopped {
                // The call ended before it saw the request: an interrupt is raised again right
                // after, a callback's exception is reported (the result stands).
                if interrupted {
                    // SAFETY: called with the GIL held; it only marks SIGINT as pending.
                    unsafe { pyo3::ffi::PyErr_SetInterrupt() };
                }
                if let Some(e) = CALLBACK_ERROR.with(|e| e.borrow_mut().take()) {
                    e.write_unraisable(py, None);
                }
            }
        }
        out
    })
}

/// Maps a core error to the exception of its area, with the stable code in `.code`; a
/// cancelled call becomes `KeyboardInterrupt`.
pub(crate) fn to_py(error: impl Into<kehu::Error>) -> PyErr {
    let error = error.into();
    let message = error.to_string();
    if error.code() == kehu::cancel::CODE {
        // Stopped for a progress callback that raised: its exception, else Ctrl-C's.
        if let Some(raised) = CALLBACK_ERROR.with(|e| e.borrow_mut().take()) {
            return raised;
        }
        return pyo3::exceptions::PyKeyboardInterrupt::new_err(message);
    }
    let err = match &error {
        kehu::Error::Data(_) => DataError::new_err(message),
        kehu::Error::Profile(_) => ProfileError::new_err(message),
        kehu::Error::Format(_) => FormatError::new_err(message),
        kehu::Error::Simulate(_) => SimulateError::new_err(message),
        kehu::Error::Value(_) => ValueModelError::new_err(message),
        kehu::Error::Segment(_) => SegmentError::new_err(message),
    };
    Python::attach(|py| {
        let _ = err.value(py).setattr("code", error.code());
    });
    err
}

pub(crate) fn batch_of(table: PyTable) -> PyResult<RecordBatch> {
    let (mut batches, schema) = table.into_inner();
    if batches.len() == 1 {
        return Ok(batches.remove(0));
    }
    arrow_select::concat::concat_batches(&schema, &batches).map_err(|e| {
        to_py(CoreDataError::InvalidOption {
            option: "table".into(),
            reason: e.to_string(),
        })
    })
}

/// A whole-number option (a count, a size, a seed) in the core's unsigned type. A value the type
/// cannot hold (negative, too large, not an integer) is the area's invalid-option error, as the
/// core would report it, instead of Python's OverflowError or TypeError.
pub(crate) fn whole<'py, T, E>(
    value: &Bound<'py, PyAny>,
    option: &str,
    invalid: fn(String, String) -> E,
) -> PyResult<T>
where
    T: for<'a> FromPyObject<'a, 'py>,
    E: Into<kehu::Error>,
{
    value.extract::<T>().map_err(|_| {
        to_py(invalid(
            option.to_string(),
            "must be a whole number ≥ 0 in range".to_string(),
        ))
    })
}

/// [`whole`] for an option that may be absent (`None`: the core's default).
pub(crate) fn opt_whole<'py, T, E>(
    value: Option<&Bound<'py, PyAny>>,
    option: &str,
    invalid: fn(String, String) -> E,
) -> PyResult<Option<T>>
where
    T: for<'a> FromPyObject<'a, 'py>,
    E: Into<kehu::Error>,
{
    value
        .filter(|v| !v.is_none())
        .map(|v| whole(v, option, invalid))
        .transpose()
}

/// A number option (`None`: the core's default); a value that is not a number is the area's
/// invalid-option error.
pub(crate) fn opt_number<E: Into<kehu::Error>>(
    value: Option<&Bound<'_, PyAny>>,
    option: &str,
    invalid: fn(String, String) -> E,
) -> PyResult<Option<f64>> {
    value
        .filter(|v| !v.is_none())
        .map(|v| {
            v.extract::<f64>()
                .map_err(|_| to_py(invalid(option.to_string(), "must be a number".to_string())))
        })
        .transpose()
}

/// The text of a JSON document given as `str` (or UTF-8 `bytes`); anything else is the core's
/// `FORMAT_INVALID` for `kind`, instead of Python's TypeError.
pub(crate) fn document(value: &Bound<'_, PyAny>, kind: &str) -> PyResult<String> {
    if let Ok(text) = value.extract::<String>() {
        return Ok(text);
    }
    let invalid = |reason: String| {
        to_py(kehu::format::FormatError::Invalid {
            kind: kind.to_string(),
            reason,
        })
    };
    if let Ok(bytes) = value.extract::<Vec<u8>>() {
        if !value.is_instance_of::<pyo3::types::PyString>() {
            return String::from_utf8(bytes).map_err(|_| invalid("the bytes are not UTF-8".into()));
        }
    }
    let found = value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "an object".into());
    Err(invalid(format!("expected JSON text (str), got {found}")))
}

fn profile_option(option: String, reason: String) -> CoreProfileError {
    CoreProfileError::InvalidOption { option, reason }
}

fn ids_to_py<'py>(py: Python<'py>, ids: CustomerIds) -> PyResult<Bound<'py, PyAny>> {
    Ok(match ids {
        CustomerIds::Text(v) => PyList::new(py, v)?.into_any(),
        CustomerIds::Int(v) => PyArray1::from_vec(py, v).into_any(),
    })
}

fn summary_into<'py>(
    py: Python<'py>,
    d: &Bound<'py, PyDict>,
    s: Summary,
    suffix: &str,
) -> PyResult<()> {
    d.set_item("customer_id", ids_to_py(py, s.customer_ids)?)?;
    d.set_item(
        format!("frequency{suffix}"),
        PyArray1::from_vec(py, s.frequency),
    )?;
    d.set_item(
        format!("recency{suffix}"),
        PyArray1::from_vec(py, s.recency),
    )?;
    d.set_item(format!("T{suffix}"), PyArray1::from_vec(py, s.t))?;
    if let Some(m) = s.monetary_value {
        d.set_item(format!("monetary_value{suffix}"), PyArray1::from_vec(py, m))?;
    }
    d.set_item("rows_after_end", s.rows_after_end)?;
    Ok(())
}

/// lifetimes' `summary_data_from_transaction_data` on an Arrow-compatible table.
#[pyfunction]
#[pyo3(signature = (table, columns, observation_period_end=None, freq=None, freq_multiplier=None, include_first_transaction=None, datetime_format=None))]
fn summarize<'py>(
    py: Python<'py>,
    table: PyTable,
    columns: HashMap<String, String>,
    observation_period_end: Option<&str>,
    freq: Option<&str>,
    freq_multiplier: Option<Bound<'py, PyAny>>,
    include_first_transaction: Option<bool>,
    datetime_format: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let batch = batch_of(table)?;
    let opts = GivenSummaryOptions {
        freq,
        freq_multiplier: opt_number(freq_multiplier.as_ref(), "freq_multiplier", profile_option)?,
        observation_period_end,
        include_first_transaction,
        datetime_format: datetime_format.as_deref(),
    }
    .summary()
    .map_err(to_py)?;
    let cols = ArrowTransactions::new(&batch, &columns, datetime_format).map_err(to_py)?;
    let summary =
        crate::interruptible(py, || summarize_columns(&cols.columns(), &opts)).map_err(to_py)?;
    let d = PyDict::new(py);
    summary_into(py, &d, summary, "")?;
    Ok(d)
}

/// lifetimes' `calibration_and_holdout_data` on an Arrow-compatible table.
#[pyfunction]
#[pyo3(signature = (table, columns, calibration_period_end, observation_period_end=None, freq=None, freq_multiplier=None, include_first_transaction=None, datetime_format=None))]
fn calibration_and_holdout<'py>(
    py: Python<'py>,
    table: PyTable,
    columns: HashMap<String, String>,
    calibration_period_end: &str,
    observation_period_end: Option<&str>,
    freq: Option<&str>,
    freq_multiplier: Option<Bound<'py, PyAny>>,
    include_first_transaction: Option<bool>,
    datetime_format: Option<String>,
) -> PyResult<Bound<'py, PyDict>> {
    let batch = batch_of(table)?;
    let opts = GivenSummaryOptions {
        freq,
        freq_multiplier: opt_number(freq_multiplier.as_ref(), "freq_multiplier", profile_option)?,
        observation_period_end,
        include_first_transaction,
        datetime_format: datetime_format.as_deref(),
    }
    .holdout(calibration_period_end)
    .map_err(to_py)?;
    let cols = ArrowTransactions::new(&batch, &columns, datetime_format).map_err(to_py)?;
    let ch = crate::interruptible(py, || {
        calibration_and_holdout_columns(&cols.columns(), &opts)
    })
    .map_err(to_py)?;
    let d = PyDict::new(py);
    summary_into(py, &d, ch.calibration, "_cal")?;
    d.set_item(
        "frequency_holdout",
        PyArray1::from_vec(py, ch.frequency_holdout),
    )?;
    if let Some(m) = ch.monetary_value_holdout {
        d.set_item("monetary_value_holdout", PyArray1::from_vec(py, m))?;
    }
    d.set_item("duration_holdout", ch.duration_holdout)?;
    Ok(d)
}

fn validation_options(
    allow_returns: Option<bool>,
    observation_end: Option<&str>,
    deduplicate: Option<bool>,
    strict: Option<bool>,
) -> Result<ValidationOptions, kehu::Error> {
    Ok(kehu::data::GivenValidationOptions {
        allow_returns,
        observation_end,
        deduplicate,
        strict,
    }
    .options()?)
}

fn report_into<'py>(
    py: Python<'py>,
    d: &Bound<'py, PyDict>,
    r: &kehu::data::ValidationReport,
) -> PyResult<()> {
    d.set_item("total_rows", r.total_rows)?;
    d.set_item("accepted", r.accepted)?;
    let by_reason = PyDict::new(py);
    for (reason, count) in r.counts_by_reason() {
        by_reason.set_item(reason, count)?;
    }
    d.set_item("by_reason", by_reason)?;
    let rows: Vec<i64> = r.rejected.iter().map(|x| x.row as i64).collect();
    d.set_item("rejected_row", PyArray1::from_vec(py, rows))?;
    d.set_item(
        "rejected_field",
        PyList::new(py, r.rejected.iter().map(|x| x.field.name()))?,
    )?;
    d.set_item(
        "rejected_reason",
        PyList::new(py, r.rejected.iter().map(|x| x.reason.code()))?,
    )?;
    d.set_item(
        "rejected_detail",
        PyList::new(py, r.rejected.iter().map(|x| x.reason.to_string()))?,
    )?;
    Ok(())
}

/// Validates a transaction table: counts and every rejected row.
#[pyfunction]
#[pyo3(signature = (table, columns, datetime_format=None, allow_returns=None, observation_end=None, deduplicate=None, strict=None))]
fn validate<'py>(
    py: Python<'py>,
    table: PyTable,
    columns: HashMap<String, String>,
    datetime_format: Option<String>,
    allow_returns: Option<bool>,
    observation_end: Option<&str>,
    deduplicate: Option<bool>,
    strict: Option<bool>,
) -> PyResult<Bound<'py, PyDict>> {
    let batch = batch_of(table)?;
    let opts =
        validation_options(allow_returns, observation_end, deduplicate, strict).map_err(to_py)?;
    let cols = ArrowTransactions::new(&batch, &columns, datetime_format).map_err(to_py)?;
    let (_, report) =
        crate::interruptible(py, || core_validate(&cols.columns(), &opts)).map_err(to_py)?;
    let d = PyDict::new(py);
    report_into(py, &d, &report)?;
    Ok(d)
}

fn profile_options(
    observation_end: Option<&str>,
    top_n: Option<&Bound<'_, PyAny>>,
    trend_periods: Option<&Bound<'_, PyAny>>,
    trend_period_days: Option<&Bound<'_, PyAny>>,
) -> PyResult<ProfileOptions> {
    kehu::profile::GivenProfileOptions {
        observation_end,
        top_n: opt_whole(top_n, "top_n", profile_option)?,
        trend_periods: opt_whole(trend_periods, "trend_periods", profile_option)?,
        trend_period_days: opt_whole(trend_period_days, "trend_period_days", profile_option)?,
    }
    .options()
    .map_err(to_py)
}

fn opt_vec(v: impl Iterator<Item = Option<f64>>) -> Vec<f64> {
    v.map(|x| x.unwrap_or(f64::NAN)).collect()
}

fn profiles_into<'py>(
    py: Python<'py>,
    d: &Bound<'py, PyDict>,
    p: &[CustomerProfile],
    rules: Option<&TagRules>,
) -> PyResult<()> {
    let f = |g: fn(&CustomerProfile) -> f64| PyArray1::from_vec(py, p.iter().map(g).collect());
    let i = |g: fn(&CustomerProfile) -> i64| PyArray1::from_vec(py, p.iter().map(g).collect());
    d.set_item(
        "customer_id",
        PyList::new(py, p.iter().map(|x| x.customer_id.as_str()))?,
    )?;
    d.set_item("first_purchase", i(|x| x.first_purchase))?;
    d.set_item("last_purchase", i(|x| x.last_purchase))?;
    d.set_item("tenure_days", f(|x| x.tenure_days))?;
    d.set_item(
        "days_since_last_purchase",
        f(|x| x.days_since_last_purchase),
    )?;
    d.set_item("transactions", i(|x| x.transactions as i64))?;
    d.set_item("orders", i(|x| x.orders as i64))?;
    d.set_item("total_spend", f(|x| x.total_spend))?;
    d.set_item("avg_order_value", f(|x| x.avg_order_value))?;
    d.set_item("frequency", f(|x| x.frequency))?;
    d.set_item("recency", f(|x| x.recency))?;
    d.set_item("T", f(|x| x.t))?;
    d.set_item("monetary_value", f(|x| x.monetary_value))?;
    d.set_item(
        "interval_mean_days",
        PyArray1::from_vec(py, opt_vec(p.iter().map(|x| x.interval_mean_days))),
    )?;
    d.set_item(
        "interval_median_days",
        PyArray1::from_vec(py, opt_vec(p.iter().map(|x| x.interval_median_days))),
    )?;
    d.set_item(
        "interval_std_days",
        PyArray1::from_vec(py, opt_vec(p.iter().map(|x| x.interval_std_days))),
    )?;
    d.set_item(
        "interval_p80_days",
        PyArray1::from_vec(py, opt_vec(p.iter().map(|x| x.interval_p80_days))),
    )?;
    let shares = |s: &[kehu::profile::Share]| -> PyResult<Bound<'py, PyDict>> {
        let m = PyDict::new(py);
        for x in s {
            m.set_item(&x.name, x.share)?;
        }
        Ok(m)
    };
    let cats: PyResult<Vec<_>> = p.iter().map(|x| shares(&x.top_categories)).collect();
    let chans: PyResult<Vec<_>> = p.iter().map(|x| shares(&x.top_channels)).collect();
    d.set_item("top_categories", PyList::new(py, cats?)?)?;
    d.set_item("top_channels", PyList::new(py, chans?)?)?;
    d.set_item("preferred_weekday", i(|x| i64::from(x.preferred_weekday)))?;
    d.set_item("preferred_hour", i(|x| i64::from(x.preferred_hour)))?;
    d.set_item("spend_trend", f(|x| x.spend_trend))?;
    d.set_item("returns", i(|x| x.returns as i64))?;
    d.set_item("returned_amount", f(|x| x.returned_amount))?;
    d.set_item(
        "return_ratio",
        PyArray1::from_vec(py, opt_vec(p.iter().map(|x| x.return_ratio))),
    )?;
    if let Some(rules) = rules {
        let tags: PyResult<Vec<_>> = p
            .iter()
            .map(|x| PyList::new(py, rules.evaluate(x)))
            .collect();
        d.set_item("tags", PyList::new(py, tags?)?)?;
    }
    Ok(())
}

/// Tag rules from their document or a shorthand the core reads (absent or `None`: no tags).
fn tag_rules(tags: Option<&Bound<'_, PyAny>>) -> PyResult<Option<TagRules>> {
    match tags.filter(|t| !t.is_none()) {
        None => Ok(None),
        Some(t) => {
            let text = document(t, <TagRules as kehu::format::Versioned>::KIND)?;
            TagRules::from_given_json(&text).map(Some).map_err(to_py)
        }
    }
}

/// Validates and profiles a transaction table.
#[pyfunction]
#[pyo3(signature = (table, columns, datetime_format=None, allow_returns=None, observation_end=None, deduplicate=None, top_n=None, trend_periods=None, trend_period_days=None, tags=None))]
fn profile<'py>(
    py: Python<'py>,
    table: PyTable,
    columns: HashMap<String, String>,
    datetime_format: Option<String>,
    allow_returns: Option<bool>,
    observation_end: Option<&str>,
    deduplicate: Option<bool>,
    top_n: Option<Bound<'py, PyAny>>,
    trend_periods: Option<Bound<'py, PyAny>>,
    trend_period_days: Option<Bound<'py, PyAny>>,
    tags: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let batch = batch_of(table)?;
    let vopts =
        validation_options(allow_returns, observation_end, deduplicate, None).map_err(to_py)?;
    let popts = profile_options(
        observation_end,
        top_n.as_ref(),
        trend_periods.as_ref(),
        trend_period_days.as_ref(),
    )?;
    let rules = tag_rules(tags.as_ref())?;
    let cols = ArrowTransactions::new(&batch, &columns, datetime_format).map_err(to_py)?;
    let (set, report) =
        crate::interruptible(py, || profile_columns(&cols.columns(), &vopts, &popts))
            .map_err(to_py)?;
    let d = PyDict::new(py);
    profiles_into(py, &d, &set.profiles, rules.as_ref())?;
    let r = PyDict::new(py);
    report_into(py, &r, &report)?;
    d.set_item("report", r)?;
    d.set_item("without_purchases", PyList::new(py, set.without_purchases)?)?;
    Ok(d)
}

fn text_array(v: &[Option<String>]) -> ArrayRef {
    let mut b = StringBuilder::with_capacity(v.len(), v.len() * 8);
    for x in v {
        b.append_option(x.as_deref());
    }
    Arc::new(b.finish())
}

fn float_array(v: &[Option<f64>]) -> ArrayRef {
    let mut b = Float64Builder::with_capacity(v.len());
    for x in v {
        b.append_option(*x);
    }
    Arc::new(b.finish())
}

fn table_of<'py>(py: Python<'py>, columns: Vec<(&str, ArrayRef)>) -> PyResult<Bound<'py, PyAny>> {
    let fields: Vec<Field> = columns
        .iter()
        .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
        .collect();
    let schema = Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(
        schema.clone(),
        columns.into_iter().map(|(_, a)| a).collect(),
    )
    .map_err(|e| PyValueError::new_err(e.to_string()))?;
    PyTable::try_new(vec![batch], schema)?.into_pyarrow(py)
}

fn transactions_table<'py>(py: Python<'py>, t: &RawTransactions) -> PyResult<Bound<'py, PyAny>> {
    let mut cols = vec![
        ("customer_id", text_array(&t.customer_id)),
        ("timestamp", text_array(&t.timestamp)),
    ];
    let optional_text = [
        ("order_id", &t.order_id),
        ("product_id", &t.product_id),
        ("category", &t.category),
        ("channel", &t.channel),
    ];
    if let Some(a) = &t.amount {
        cols.push(("amount", float_array(a)));
    }
    if let Some(q) = &t.quantity {
        cols.push(("quantity", float_array(q)));
    }
    for (name, c) in optional_text {
        if let Some(c) = c {
            cols.push((name, text_array(c)));
        }
    }
    table_of(py, cols)
}

fn customers_table<'py>(py: Python<'py>, c: &CustomerTable) -> PyResult<Bound<'py, PyAny>> {
    let ids: Vec<Option<String>> = c.ids().iter().cloned().map(Some).collect();
    let mut cols: Vec<(&str, ArrayRef)> = vec![("customer_id", text_array(&ids))];
    for (name, attr) in c.attributes() {
        let array: ArrayRef = match attr {
            Attribute::Numeric(v) => float_array(v),
            Attribute::Categorical(v) => text_array(v),
            Attribute::Boolean(v) => {
                let mut b = BooleanBuilder::with_capacity(v.len());
                v.iter().for_each(|x| b.append_option(*x));
                Arc::new(b.finish())
            }
            Attribute::Date(v) => {
                let mut b = Int64Builder::with_capacity(v.len());
                v.iter().for_each(|x| b.append_option(*x));
                arrow_cast::cast(&(Arc::new(b.finish()) as ArrayRef), &DataType::Int32)
                    .and_then(|a| arrow_cast::cast(&a, &DataType::Date32))
                    .map_err(|e| PyValueError::new_err(e.to_string()))?
            }
        };
        cols.push((name.as_str(), array));
    }
    let consent_names: Vec<String> = c
        .consent()
        .iter()
        .map(|(ch, _)| format!("consent_{ch}"))
        .collect();
    for ((_, flags), name) in c.consent().iter().zip(&consent_names) {
        let mut b = BooleanBuilder::with_capacity(flags.len());
        flags.iter().for_each(|x| b.append_value(*x));
        cols.push((name.as_str(), Arc::new(b.finish())));
    }
    table_of(py, cols)
}

/// Simulates a customer base; returns pyarrow tables of customers and transactions.
/// `config_json` is a JSON object of settings to change from the defaults.
#[pyfunction]
#[pyo3(signature = (config_json=None))]
fn simulate<'py>(py: Python<'py>, config_json: Option<&str>) -> PyResult<Bound<'py, PyDict>> {
    let config = match config_json {
        Some(text) => SimulationConfig::from_overrides(text).map_err(to_py)?,
        None => SimulationConfig::default(),
    };
    let data = crate::interruptible(py, || core_simulate(&config)).map_err(to_py)?;
    let d = PyDict::new(py);
    d.set_item("customers", customers_table(py, &data.customers)?)?;
    d.set_item("transactions", transactions_table(py, &data.transactions)?)?;
    d.set_item(
        "observation_end",
        kehu::data::time::format_iso(data.observation_end),
    )?;
    Ok(d)
}

/// The default simulation configuration as a versioned JSON document.
#[pyfunction]
fn default_simulation_config() -> String {
    SimulationConfig::default().to_json()
}

/// Checks a `tag_rules` document; returns it normalised.
#[pyfunction]
fn check_tag_rules(json: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(tag_rules(Some(json))?
        .map(|r| r.to_json())
        .unwrap_or_default())
}

/// One customer's profile, updated event by event (as on a device or a stream).
#[pyclass(module = "kehu._native")]
struct IncrementalProfile {
    state: ProfileAccumulator,
}

#[pymethods]
impl IncrementalProfile {
    #[new]
    fn new() -> Self {
        IncrementalProfile {
            state: ProfileAccumulator::new(),
        }
    }

    /// Adds one event; `timestamp` is ISO 8601 text.
    #[pyo3(signature = (timestamp, amount, order_id=None, category=None, channel=None))]
    fn add(
        &mut self,
        timestamp: Option<&str>,
        amount: &Bound<'_, PyAny>,
        order_id: Option<&str>,
        category: Option<&str>,
        channel: Option<&str>,
    ) -> PyResult<()> {
        let invalid = |reason: &str| {
            to_py(CoreProfileError::InvalidEvent {
                reason: reason.into(),
            })
        };
        let ts = ProfileAccumulator::event_time(timestamp.unwrap_or_default()).map_err(to_py)?;
        let amount: f64 = amount
            .extract()
            .map_err(|_| invalid("amount is not a number"))?;
        self.state
            .add(&Event {
                timestamp: ts,
                amount,
                order_id,
                category,
                channel,
            })
            .map_err(to_py)
    }

    /// The profile as a dict of scalars (None before the first purchase).
    #[pyo3(signature = (customer_id, observation_end=None, top_n=None, trend_periods=None, trend_period_days=None, tags=None))]
    fn profile<'py>(
        &self,
        py: Python<'py>,
        customer_id: &str,
        observation_end: Option<&str>,
        top_n: Option<Bound<'py, PyAny>>,
        trend_periods: Option<Bound<'py, PyAny>>,
        trend_period_days: Option<Bound<'py, PyAny>>,
        tags: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Option<Bound<'py, PyDict>>> {
        let opts = profile_options(
            observation_end,
            top_n.as_ref(),
            trend_periods.as_ref(),
            trend_period_days.as_ref(),
        )?;
        let rules = tag_rules(tags.as_ref())?;
        let Some(p) = self.state.profile(customer_id, &opts).map_err(to_py)? else {
            return Ok(None);
        };
        let d = PyDict::new(py);
        profiles_into(py, &d, std::slice::from_ref(&p), rules.as_ref())?;
        let scalars = PyDict::new(py);
        for (k, v) in d.iter() {
            scalars.set_item(k, v.get_item(0)?)?;
        }
        Ok(Some(scalars))
    }

    /// The state as a versioned JSON document.
    fn to_json(&self) -> String {
        self.state.to_json()
    }

    /// Restores a state saved with `to_json`.
    #[staticmethod]
    fn from_json(json: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = document(json, <ProfileAccumulator as kehu::format::Versioned>::KIND)?;
        Ok(IncrementalProfile {
            state: ProfileAccumulator::from_json(&text).map_err(to_py)?,
        })
    }
}

/// The `column` of `table` as customer id texts (as transaction ids are read; None: missing).
#[pyfunction]
fn customer_id_texts(table: PyTable, column: &str) -> PyResult<Vec<Option<String>>> {
    let batch = batch_of(table)?;
    let array = batch
        .column_by_name(column)
        .ok_or_else(|| {
            to_py(CoreDataError::MissingColumn {
                column: column.to_string(),
            })
        })?
        .clone();
    arrow_columns::id_texts(&array, column).map_err(to_py)
}

/// The newest model/config `format_version` this build reads and writes.
#[pyfunction]
fn format_version() -> u32 {
    kehu::format::FORMAT_VERSION
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    // The numpy crate loads NumPy's C API on first use and panics if that fails, as it does
    // when Ctrl-C lands while it runs NumPy's Python code: load it here, at import, where an
    // interrupt is an ordinary import failure.
    py.import("numpy")?;
    std::panic::catch_unwind(|| {
        let _ = numpy::PyArray1::<f64>::zeros(py, 0, false);
    })
    .map_err(|_| pyo3::exceptions::PyImportError::new_err("kehu could not load the NumPy C API"))?;
    m.add("KehuError", py.get_type::<KehuError>())?;
    m.add("DataError", py.get_type::<DataError>())?;
    m.add("ProfileError", py.get_type::<ProfileError>())?;
    m.add("FormatError", py.get_type::<FormatError>())?;
    m.add("SimulateError", py.get_type::<SimulateError>())?;
    m.add("ValueModelError", py.get_type::<ValueModelError>())?;
    m.add("SegmentError", py.get_type::<SegmentError>())?;
    m.add_function(wrap_pyfunction!(set_progress, m)?)?;
    m.add_function(wrap_pyfunction!(summarize, m)?)?;
    m.add_function(wrap_pyfunction!(calibration_and_holdout, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(profile, m)?)?;
    m.add_function(wrap_pyfunction!(simulate, m)?)?;
    m.add_function(wrap_pyfunction!(default_simulation_config, m)?)?;
    m.add_function(wrap_pyfunction!(check_tag_rules, m)?)?;
    m.add_function(wrap_pyfunction!(format_version, m)?)?;
    m.add_function(wrap_pyfunction!(customer_id_texts, m)?)?;
    m.add_class::<IncrementalProfile>()?;
    models::register(m)?;
    value::register(m)?;
    m.add_function(wrap_pyfunction!(generate::generate_customers, m)?)?;
    m.add_function(wrap_pyfunction!(generate::generate_transactions, m)?)?;
    m.add_function(wrap_pyfunction!(generate::mixing_density_of, m)?)?;
    m.add_function(wrap_pyfunction!(generate::mixing_quantile_of, m)?)?;
    m.add_function(wrap_pyfunction!(segment::segment_rfm_scores, m)?)?;
    m.add_function(wrap_pyfunction!(segment::value_texts, m)?)?;
    m.add_class::<segment::PySegmentMap>()?;
    m.add_class::<segment::PyAudiences>()?;
    m.add_function(wrap_pyfunction!(segment::segment_score, m)?)?;
    m.add_function(wrap_pyfunction!(segment::segment_k_sweep, m)?)?;
    m.add_function(wrap_pyfunction!(segment::segment_lifecycle, m)?)?;
    m.add_function(wrap_pyfunction!(segment::segment_stage_names, m)?)?;
    m.add_function(wrap_pyfunction!(segment::segment_migration, m)?)?;
    m.add_function(wrap_pyfunction!(segment::segment_portrait, m)?)?;
    Ok(())
}
