//! Value models for Python: arrays in, arrays out; fitting, prediction and CLV are the core's.

use crate::{document, opt_number, opt_whole, to_py, whole};
use kehu::learn::Fit;
use kehu::value::simulate::{simulate_spend, simulate_summaries};
use kehu::value::{
    customer_lifetime_value, holdout_check, map_customers, period_transactions, same_length,
    value_tiers, ClvOptions, FitReport, FrequencyBin, ValueError, ValueModel,
};
use kehu::value::{ValueColumns, ValueFit, ValueOptions};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn value_option(option: String, reason: String) -> ValueError {
    ValueError::InvalidOption { option, reason }
}

fn report_dict<'py>(py: Python<'py>, r: &FitReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("names", r.names.clone())?;
    d.set_item("params", r.params.clone())?;
    d.set_item("standard_errors", r.standard_errors.clone())?;
    d.set_item("confidence_intervals", r.confidence_intervals())?;
    d.set_item("log_likelihood", r.log_likelihood)?;
    d.set_item("aic", r.aic)?;
    d.set_item("bic", r.bic)?;
    d.set_item("customers", r.customers)?;
    d.set_item("iterations", r.iterations)?;
    d.set_item("gradient_norm", r.gradient_norm)?;
    d.set_item("converged", r.converged)?;
    d.set_item("warnings", r.warnings.clone())?;
    Ok(d)
}

/// Fits a value model of `kind`; returns (model JSON, fit report).
#[pyfunction]
#[pyo3(signature = (kind, a, b, c, weights=None, penalizer=None))]
pub fn fit_value_model<'py>(
    py: Python<'py>,
    kind: &str,
    a: PyReadonlyArray1<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    c: PyReadonlyArray1<'py, f64>,
    weights: Option<PyReadonlyArray1<'py, f64>>,
    penalizer: Option<Bound<'py, PyAny>>,
) -> PyResult<(String, Bound<'py, PyDict>)> {
    let (a, b, c) = (a.as_slice()?, b.as_slice()?, c.as_slice()?);
    let w = weights.as_ref().map(|w| w.as_slice()).transpose()?;
    let penalizer = opt_number(penalizer.as_ref(), "penalizer", value_option)?
        .unwrap_or(kehu::value::DEFAULT_PENALIZER);
    let (model, report) = crate::interruptible(py, || {
        ValueOptions {
            kind: kind.to_string(),
            penalizer,
        }
        .fit(&ValueColumns {
            a,
            b,
            c,
            weights: w,
        })
        .map(ValueFit::into_parts)
    })
    .map_err(to_py)?;
    Ok((model.to_json(), report_dict(py, &report)?))
}

/// Loads and checks a model document; returns (kind, parameter dict, the document as the core
/// writes it).
#[pyfunction]
pub fn load_value_model<'py>(
    py: Python<'py>,
    json: &Bound<'py, PyAny>,
) -> PyResult<(String, Bound<'py, PyDict>, String)> {
    let model = ValueModel::from_json(&document(json, "value model")?).map_err(to_py)?;
    let d = PyDict::new(py);
    for (name, v) in model.params() {
        d.set_item(name, v)?;
    }
    Ok((model.kind().to_string(), d, model.to_json()))
}

/// Evaluates one prediction per customer. `what`: expected_purchases_new (t in `c`),
/// conditional_expected_purchases (horizon `s`; x, t_x, T in a, b, c), probability_alive,
/// dert (discount rate `s`; x, t_x, T in a, b, c),
/// conditional_expected_spend (x, m in a, b).
#[pyfunction]
pub fn value_predict<'py>(
    py: Python<'py>,
    json: &str,
    what: &str,
    s: PyReadonlyArray1<'py, f64>,
    a: PyReadonlyArray1<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    c: PyReadonlyArray1<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let model = ValueModel::from_json(json).map_err(to_py)?;
    let (s, a, b, c) = (s.as_slice()?, a.as_slice()?, b.as_slice()?, c.as_slice()?);
    let n = same_length(&[
        ("horizon", s.len()),
        ("frequency", a.len()),
        ("recency", b.len()),
        ("T", c.len()),
    ])
    .map_err(to_py)?;
    let out = crate::interruptible(py, || match what {
        "expected_purchases_new" => map_customers(n, |i| model.expected_purchases_new(c[i])),
        "conditional_expected_purchases" => map_customers(n, |i| {
            model.conditional_expected_purchases(s[i], a[i], b[i], c[i])
        }),
        "probability_alive" => map_customers(n, |i| model.probability_alive(a[i], b[i], c[i])),
        "dert" => map_customers(n, |i| {
            model.discounted_expected_residual_transactions(s[i], a[i], b[i], c[i])
        }),
        "conditional_expected_spend" => {
            map_customers(n, |i| model.conditional_expected_spend(a[i], b[i]))
        }
        other => Err(ValueError::InvalidOption {
            option: "what".into(),
            reason: format!("unknown prediction '{other}'"),
        }),
    })
    .map_err(to_py)?;
    Ok(PyArray1::from_vec(py, out))
}

/// P(n purchases) per row: in (0, t] for a new customer, or in the next t time units given
/// (frequency, recency, T) when those are passed.
#[pyfunction]
#[pyo3(signature = (json, n, t, frequency=None, recency=None, age=None))]
pub fn value_pmf<'py>(
    py: Python<'py>,
    json: &str,
    n: PyReadonlyArray1<'py, f64>,
    t: PyReadonlyArray1<'py, f64>,
    frequency: Option<PyReadonlyArray1<'py, f64>>,
    recency: Option<PyReadonlyArray1<'py, f64>>,
    age: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let model = ValueModel::from_json(json).map_err(to_py)?;
    let (n, t) = (n.as_slice()?, t.as_slice()?);
    let history = match (&frequency, &recency, &age) {
        (Some(x), Some(r), Some(a)) => Some((x.as_slice()?, r.as_slice()?, a.as_slice()?)),
        _ => None,
    };
    let mut lengths = vec![("n", n.len()), ("t", t.len())];
    if let Some((x, r, a)) = history {
        lengths.extend([("frequency", x.len()), ("recency", r.len()), ("T", a.len())]);
    }
    let rows = same_length(&lengths).map_err(to_py)?;
    let out = crate::interruptible(py, || {
        map_customers(rows, |i| {
            let h = history.map(|(x, r, a)| (x[i], r[i], a[i]));
            model.probability_of_purchases(n[i], t[i], h)
        })
    })
    .map_err(to_py)?;
    Ok(PyArray1::from_vec(py, out))
}

fn bins_dict<'py>(py: Python<'py>, bins: &[FrequencyBin]) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    let column = |f: fn(&FrequencyBin) -> f64| bins.iter().map(f).collect::<Vec<f64>>();
    d.set_item(
        "frequency",
        bins.iter().map(|b| b.frequency).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "open_ended",
        bins.iter().map(|b| b.open_ended).collect::<Vec<_>>(),
    )?;
    d.set_item(
        "customers",
        bins.iter().map(|b| b.customers).collect::<Vec<_>>(),
    )?;
    d.set_item("actual", column(|b| b.actual))?;
    d.set_item("predicted", column(|b| b.predicted))?;
    Ok(d)
}

/// Predicted against actual holdout purchases by calibration frequency: (bins, metrics).
#[pyfunction]
#[allow(clippy::too_many_arguments)]
pub fn value_holdout_check<'py>(
    py: Python<'py>,
    json: &str,
    frequency_cal: PyReadonlyArray1<'py, f64>,
    recency_cal: PyReadonlyArray1<'py, f64>,
    t_cal: PyReadonlyArray1<'py, f64>,
    frequency_holdout: PyReadonlyArray1<'py, f64>,
    duration_holdout: PyReadonlyArray1<'py, f64>,
    max_frequency: Bound<'py, PyAny>,
) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
    let model = ValueModel::from_json(json).map_err(to_py)?;
    let max_frequency = whole(&max_frequency, "max_frequency", value_option)?;
    let (fc, rc, tc) = (
        frequency_cal.as_slice()?,
        recency_cal.as_slice()?,
        t_cal.as_slice()?,
    );
    let (fh, dh) = (frequency_holdout.as_slice()?, duration_holdout.as_slice()?);
    let check = crate::interruptible(py, || {
        holdout_check(&model, fc, rc, tc, fh, dh, max_frequency)
    })
    .map_err(to_py)?;
    let metrics = PyDict::new(py);
    metrics.set_item("actual_total", check.actual_total)?;
    metrics.set_item("predicted_total", check.predicted_total)?;
    metrics.set_item("mean_absolute_error", check.mean_absolute_error)?;
    metrics.set_item("root_mean_squared_error", check.root_mean_squared_error)?;
    Ok((bins_dict(py, &check.bins)?, metrics))
}

/// Customers by calibration repeat purchases: counted and expected by the model.
#[pyfunction]
pub fn value_period_transactions<'py>(
    py: Python<'py>,
    json: &str,
    frequency: PyReadonlyArray1<'py, f64>,
    t: PyReadonlyArray1<'py, f64>,
    max_frequency: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let model = ValueModel::from_json(json).map_err(to_py)?;
    let max_frequency = whole(&max_frequency, "max_frequency", value_option)?;
    let (f, t) = (frequency.as_slice()?, t.as_slice()?);
    let bins = crate::interruptible(py, || period_transactions(&model, f, t, max_frequency))
        .map_err(to_py)?;
    bins_dict(py, &bins)
}

/// 12-month (by default) CLV per customer from a purchase model and a Gamma-Gamma model.
#[pyfunction]
#[pyo3(signature = (purchase_json, spend_json, frequency, recency, t, monetary_value, months=None, discount_rate=None, margin=None, units_per_month=None))]
pub fn value_clv<'py>(
    py: Python<'py>,
    purchase_json: &str,
    spend_json: &str,
    frequency: PyReadonlyArray1<'py, f64>,
    recency: PyReadonlyArray1<'py, f64>,
    t: PyReadonlyArray1<'py, f64>,
    monetary_value: PyReadonlyArray1<'py, f64>,
    months: Option<Bound<'py, PyAny>>,
    discount_rate: Option<Bound<'py, PyAny>>,
    margin: Option<Bound<'py, PyAny>>,
    units_per_month: Option<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyArray1<f64>>> {
    let purchase = ValueModel::from_json(purchase_json).map_err(to_py)?;
    let ValueModel::GammaGamma(spend) = ValueModel::from_json(spend_json).map_err(to_py)? else {
        return Err(to_py(ValueError::InvalidOption {
            option: "spend model".into(),
            reason: "must be a gamma_gamma model".into(),
        }));
    };
    let d = ClvOptions::default();
    let opts = ClvOptions {
        months: opt_whole(months.as_ref(), "months", value_option)?.unwrap_or(d.months),
        discount_rate: opt_number(discount_rate.as_ref(), "discount_rate", value_option)?
            .unwrap_or(d.discount_rate),
        margin: opt_number(margin.as_ref(), "margin", value_option)?.unwrap_or(d.margin),
        units_per_month: opt_number(units_per_month.as_ref(), "units_per_month", value_option)?
            .unwrap_or(d.units_per_month),
    };
    let (f, r, tt, m) = (
        frequency.as_slice()?,
        recency.as_slice()?,
        t.as_slice()?,
        monetary_value.as_slice()?,
    );
    let out = crate::interruptible(py, || {
        customer_lifetime_value(&purchase, &spend, f, r, tt, m, &opts)
    })
    .map_err(to_py)?;
    Ok(PyArray1::from_vec(py, out))
}

/// A float array handed back to Python.
type Array<'py> = Bound<'py, PyArray1<f64>>;

/// Simulates customers of a purchase model observed for `t` (returns frequency and recency), or
/// for a gamma_gamma model the mean spend of customers with `t` transactions.
#[pyfunction]
pub fn value_simulate<'py>(
    py: Python<'py>,
    json: &str,
    t: PyReadonlyArray1<'py, f64>,
    seed: Bound<'py, PyAny>,
) -> PyResult<(Array<'py>, Option<Array<'py>>)> {
    let model = ValueModel::from_json(json).map_err(to_py)?;
    let seed: u64 = whole(&seed, "seed", value_option)?;
    let t = t.as_slice()?;
    if let ValueModel::GammaGamma(gg) = model {
        let spend = crate::interruptible(py, || simulate_spend(&gg, t, seed)).map_err(to_py)?;
        return Ok((PyArray1::from_vec(py, spend), None));
    }
    let s = crate::interruptible(py, || simulate_summaries(&model, t, seed)).map_err(to_py)?;
    Ok((
        PyArray1::from_vec(py, s.frequency),
        Some(PyArray1::from_vec(py, s.recency)),
    ))
}

/// Value tiers by top shares (`cut_offs` increasing, e.g. [0.01, 0.05, 0.2]).
#[pyfunction]
pub fn value_tiers_of<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    cut_offs: Vec<f64>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let tiers = value_tiers(values.as_slice()?, &cut_offs).map_err(to_py)?;
    Ok(PyArray1::from_vec(
        py,
        tiers.into_iter().map(|t| t as i64).collect(),
    ))
}
