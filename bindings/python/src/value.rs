//! Value models for Python: arrays in, arrays out; fitting, prediction and CLV are the core's.

use crate::{document, opt_whole, to_py, whole};
use kehu::learn::Fit;
use kehu::value::simulate::{simulate, Simulated};
use kehu::value::tracking::{alive_path_columns, cumulative_transactions_columns};
use kehu::value::{
    customer_lifetime_value, discounted_value, expected_customers_by_frequency, holdout_check,
    map_customers, period_transactions, same_length, spend_model, value_tiers, ClvOptions,
    FitReport, FrequencyBin, GridValue, ValueError, ValueModel, DEFAULT_TIER_CUT_OFFS,
};
use kehu::value::{ValueColumns, ValueFit, ValueOptions};
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

fn value_option(option: String, reason: String) -> ValueError {
    ValueError::InvalidOption { option, reason }
}

fn report_dict<'py>(py: Python<'py>, r: &FitReport) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    d.set_item("names", r.names.clone())?;
    d.set_item("params", r.params.clone())?;
    d.set_item("standard_errors", r.standard_errors.clone())?;
    d.set_item("covariance", r.covariance.clone())?;
    d.set_item("confidence_intervals", r.confidence_intervals())?;
    d.set_item("log_likelihood", r.log_likelihood)?;
    d.set_item("aic", r.aic)?;
    d.set_item("bic", r.bic)?;
    d.set_item("customers", r.customers)?;
    d.set_item("max_frequency", r.max_frequency)?;
    d.set_item("max_T", r.max_t)?;
    d.set_item("objective", r.objective)?;
    d.set_item("iterations", r.iterations)?;
    d.set_item("gradient_norm", r.gradient_norm)?;
    d.set_item("converged", r.converged)?;
    d.set_item("warnings", r.warnings.clone())?;
    Ok(d)
}

/// A fitted value model (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB or Gamma-Gamma), held natively.
#[pyclass(module = "kehu._native", name = "ValueModel", frozen)]
pub struct PyValueModel {
    pub(crate) model: ValueModel,
}

/// A float array handed back to Python.
type Array<'py> = Bound<'py, PyArray1<f64>>;

#[pymethods]
impl PyValueModel {
    /// Reads and checks a model document saved by any binding: of any value kind, or of
    /// `kind` only (another kind is `FORMAT_WRONG_KIND`).
    #[staticmethod]
    #[pyo3(signature = (document, kind=None))]
    fn from_json(document: &Bound<'_, PyAny>, kind: Option<&str>) -> PyResult<Self> {
        let text = self::document(document, kind.unwrap_or("value model"))?;
        let model = match kind {
            None => ValueModel::from_json(&text),
            Some(kind) => ValueModel::from_json_of(&text, kind),
        };
        Ok(PyValueModel {
            model: model.map_err(to_py)?,
        })
    }

    /// The model as a versioned document.
    fn to_json(&self) -> String {
        self.model.to_json()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let load = slf.get_type().getattr("from_json")?;
        let args = PyTuple::new(slf.py(), [slf.get().model.to_json()])?;
        PyTuple::new(slf.py(), [load, args.into_any()])
    }

    /// `bgnbd`, `mbgnbd`, `pnbd`, `bgbb` or `gamma_gamma`.
    #[getter]
    fn kind(&self) -> &'static str {
        self.model.kind()
    }

    /// Parameter names and values, in the model's order.
    #[getter]
    fn params(&self) -> Vec<(&'static str, f64)> {
        self.model.params()
    }

    /// A model of `kind` at the given parameters (each named once; checked), to score with.
    #[staticmethod]
    fn at_params(kind: &str, params: Vec<(String, f64)>) -> PyResult<Self> {
        Ok(PyValueModel {
            model: ValueModel::at_params(kind, &params).map_err(to_py)?,
        })
    }

    /// The same kind of model at the given parameters (each named once; checked).
    fn with_params(&self, params: Vec<(String, f64)>) -> PyResult<Self> {
        Ok(PyValueModel {
            model: self.model.with_params(&params).map_err(to_py)?,
        })
    }

    /// One prediction per customer. `what`: expected_purchases_new (t in `c`),
    /// conditional_expected_purchases (horizon `s`; x, t_x, T in a, b, c), probability_alive,
    /// probability_alive_at (BG/BB: `s` opportunities ahead),
    /// dert (discount rate `s`; x, t_x, T in a, b, c), conditional_expected_spend (x, m in a, b).
    fn predict<'py>(
        &self,
        py: Python<'py>,
        what: &str,
        s: PyReadonlyArray1<'py, f64>,
        a: PyReadonlyArray1<'py, f64>,
        b: PyReadonlyArray1<'py, f64>,
        c: PyReadonlyArray1<'py, f64>,
    ) -> PyResult<Array<'py>> {
        let model = &self.model;
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
            "probability_alive" => model.probability_alive_all(a, b, c),
            "probability_alive_at" => {
                map_customers(n, |i| model.probability_alive_at(s[i], a[i], b[i], c[i]))
            }
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
    #[pyo3(signature = (n, t, frequency=None, recency=None, age=None))]
    fn pmf<'py>(
        &self,
        py: Python<'py>,
        n: PyReadonlyArray1<'py, f64>,
        t: PyReadonlyArray1<'py, f64>,
        frequency: Option<PyReadonlyArray1<'py, f64>>,
        recency: Option<PyReadonlyArray1<'py, f64>>,
        age: Option<PyReadonlyArray1<'py, f64>>,
    ) -> PyResult<Array<'py>> {
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
                self.model.probability_of_purchases(n[i], t[i], h)
            })
        })
        .map_err(to_py)?;
        Ok(PyArray1::from_vec(py, out))
    }

    /// Predicted against actual holdout purchases by calibration frequency: (bins, metrics).
    /// `max_frequency` None: the core's default.
    #[pyo3(signature = (frequency_cal, recency_cal, t_cal, frequency_holdout, duration_holdout, max_frequency=None))]
    #[allow(clippy::too_many_arguments)]
    fn holdout_check<'py>(
        &self,
        py: Python<'py>,
        frequency_cal: PyReadonlyArray1<'py, f64>,
        recency_cal: PyReadonlyArray1<'py, f64>,
        t_cal: PyReadonlyArray1<'py, f64>,
        frequency_holdout: PyReadonlyArray1<'py, f64>,
        duration_holdout: PyReadonlyArray1<'py, f64>,
        max_frequency: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyDict>, Bound<'py, PyDict>)> {
        let max_frequency = opt_whole(max_frequency.as_ref(), "max_frequency", value_option)?;
        let (fc, rc, tc) = (
            frequency_cal.as_slice()?,
            recency_cal.as_slice()?,
            t_cal.as_slice()?,
        );
        let (fh, dh) = (frequency_holdout.as_slice()?, duration_holdout.as_slice()?);
        let check = crate::interruptible(py, || {
            holdout_check(&self.model, fc, rc, tc, fh, dh, max_frequency)
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
    #[pyo3(signature = (frequency, t, max_frequency=None))]
    fn period_transactions<'py>(
        &self,
        py: Python<'py>,
        frequency: PyReadonlyArray1<'py, f64>,
        t: PyReadonlyArray1<'py, f64>,
        max_frequency: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyDict>> {
        let max_frequency = opt_whole(max_frequency.as_ref(), "max_frequency", value_option)?;
        let (f, t) = (frequency.as_slice()?, t.as_slice()?);
        let bins =
            crate::interruptible(py, || period_transactions(&self.model, f, t, max_frequency))
                .map_err(to_py)?;
        bins_dict(py, &bins)
    }

    /// CLV per customer from this purchase model and a Gamma-Gamma `spend` model (`None`: the
    /// monetary values are the value per purchase); `options` is the core's ClvOptions as JSON
    /// with only the options the user gave.
    #[pyo3(signature = (spend, frequency, recency, t, monetary_value, options=None))]
    #[allow(clippy::too_many_arguments)]
    fn clv<'py>(
        &self,
        py: Python<'py>,
        spend: Option<PyRef<'py, PyValueModel>>,
        frequency: PyReadonlyArray1<'py, f64>,
        recency: PyReadonlyArray1<'py, f64>,
        t: PyReadonlyArray1<'py, f64>,
        monetary_value: PyReadonlyArray1<'py, f64>,
        options: Option<&str>,
    ) -> PyResult<Array<'py>> {
        let spend = spend
            .as_ref()
            .map(|s| spend_model(&s.model))
            .transpose()
            .map_err(to_py)?;
        let opts = ClvOptions::from_json(options).map_err(to_py)?;
        let (f, r, tt, m) = (
            frequency.as_slice()?,
            recency.as_slice()?,
            t.as_slice()?,
            monetary_value.as_slice()?,
        );
        let out = crate::interruptible(py, || match &spend {
            Some(spend) => customer_lifetime_value(&self.model, spend, f, r, tt, m, &opts),
            None => discounted_value(&self.model, f, r, tt, m, &opts),
        })
        .map_err(to_py)?;
        Ok(PyArray1::from_vec(py, out))
    }

    /// Simulates customers of a purchase model observed for `t` (returns frequency and
    /// recency), or for a gamma_gamma model the mean spend of customers with `t` transactions
    /// (core `simulate`; `seed` absent: the core's default).
    #[pyo3(signature = (t, seed=None))]
    fn simulate<'py>(
        &self,
        py: Python<'py>,
        t: PyReadonlyArray1<'py, f64>,
        seed: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Array<'py>, Option<Array<'py>>)> {
        let seed: Option<u64> = opt_whole(seed.as_ref(), "seed", value_option)?;
        let t = t.as_slice()?;
        let out = crate::interruptible(py, || simulate(&self.model, t, seed)).map_err(to_py)?;
        Ok(match out {
            Simulated::Spend(spend) => (PyArray1::from_vec(py, spend), None),
            Simulated::Summaries(s) => (
                PyArray1::from_vec(py, s.frequency),
                Some(PyArray1::from_vec(py, s.recency)),
            ),
        })
    }

    /// The (recency × frequency) grid of P(alive) (`horizon` None) or of expected purchases in
    /// the next `horizon` time units, for a customer observed for `max_recency`: rows recency
    /// 0 … max_recency, columns frequency 0 … max_frequency, row-major. A bound not given is
    /// taken from the fitted data (`frequency`, `t`) by the core's `grid_bounds`. Returns
    /// (grid, max_frequency, max_recency).
    #[pyo3(signature = (max_frequency=None, max_recency=None, horizon=None, frequency=None, t=None))]
    fn grid<'py>(
        &self,
        py: Python<'py>,
        max_frequency: Option<Bound<'py, PyAny>>,
        max_recency: Option<Bound<'py, PyAny>>,
        horizon: Option<f64>,
        frequency: Option<PyReadonlyArray1<'py, f64>>,
        t: Option<PyReadonlyArray1<'py, f64>>,
    ) -> PyResult<(Array<'py>, u32, u32)> {
        let mf = opt_whole(max_frequency.as_ref(), "max_frequency", value_option)?;
        let mr = opt_whole(max_recency.as_ref(), "max_recency", value_option)?;
        let f = frequency.as_ref().map(|a| a.as_slice()).transpose()?;
        let t = t.as_ref().map(|a| a.as_slice()).transpose()?;
        let (mf, mr) =
            ValueModel::grid_bounds(f.unwrap_or(&[]), t.unwrap_or(&[]), mf, mr).map_err(to_py)?;
        let what = horizon.map_or(GridValue::ProbabilityAlive, GridValue::ExpectedPurchases);
        let out = crate::interruptible(py, || self.model.frequency_recency_grid(what, mf, mr))
            .map_err(to_py)?;
        Ok((PyArray1::from_vec(py, out), mf, mr))
    }

    /// Customers expected to make each number of transactions in their first `n` time units:
    /// (the distinct frequencies of the data, the expected customers for each), weighted by
    /// `weights` (core `expected_customers_by_frequency`).
    #[pyo3(signature = (frequency, n, weights=None))]
    fn expected_customers_by_frequency<'py>(
        &self,
        py: Python<'py>,
        frequency: PyReadonlyArray1<'py, f64>,
        n: f64,
        weights: Option<PyReadonlyArray1<'py, f64>>,
    ) -> PyResult<(Array<'py>, Array<'py>)> {
        let w = weights.as_ref().map(|a| a.as_slice()).transpose()?;
        let pairs = expected_customers_by_frequency(&self.model, frequency.as_slice()?, w, n)
            .map_err(to_py)?;
        let (x, expected): (Vec<f64>, Vec<f64>) = pairs.into_iter().unzip();
        Ok((PyArray1::from_vec(py, x), PyArray1::from_vec(py, expected)))
    }

    /// One customer's P(alive) at each age 0 … `t` periods of `freq` since their first
    /// purchase, from the timestamps in column `datetime_col` of `table`: (P(alive), each
    /// age's period start, each purchase period's start), the starts in µs.
    #[pyo3(signature = (table, datetime_col, t, freq=None, datetime_format=None))]
    fn alive_path<'py>(
        &self,
        py: Python<'py>,
        table: pyo3_arrow::PyTable,
        datetime_col: &str,
        t: Bound<'py, PyAny>,
        freq: Option<&str>,
        datetime_format: Option<String>,
    ) -> PyResult<AlivePathArrays<'py>> {
        let t: u32 = whole(&t, "t", value_option)?;
        let freq = kehu::profile::Freq::from_option(freq).map_err(to_py)?;
        let batch = crate::batch_of(table)?;
        let times = crate::arrow_columns::ArrowTimes::new(&batch, datetime_col, datetime_format)
            .map_err(to_py)?;
        let out = crate::interruptible(py, || {
            alive_path_columns(&self.model, times.column(), freq, t)
        })
        .map_err(to_py)?;
        Ok((
            PyArray1::from_vec(py, out.probability),
            PyArray1::from_vec(py, out.period_starts),
            PyArray1::from_vec(py, out.purchase_starts),
        ))
    }

    /// Actual and expected cumulative repeat transactions over the `t` periods of `freq` from
    /// the first transaction, every `freq_multiplier` periods: (actual, predicted, each row's
    /// last period as its first microsecond); with `increments`, each row's step instead.
    #[pyo3(signature = (table, columns, t, freq=None, freq_multiplier=None, datetime_format=None, increments=false))]
    #[allow(clippy::too_many_arguments)]
    fn cumulative_transactions<'py>(
        &self,
        py: Python<'py>,
        table: pyo3_arrow::PyTable,
        columns: std::collections::HashMap<String, String>,
        t: Bound<'py, PyAny>,
        freq: Option<&str>,
        freq_multiplier: Option<Bound<'py, PyAny>>,
        datetime_format: Option<String>,
        increments: bool,
    ) -> PyResult<(Array<'py>, Array<'py>, Bound<'py, PyArray1<i64>>)> {
        let t: u32 = whole(&t, "t", value_option)?;
        let m = opt_whole(freq_multiplier.as_ref(), "freq_multiplier", value_option)?;
        let freq = kehu::profile::Freq::from_option(freq).map_err(to_py)?;
        let batch = crate::batch_of(table)?;
        let cols = crate::arrow_columns::ArrowTransactions::new(&batch, &columns, datetime_format)
            .map_err(to_py)?;
        let c = crate::interruptible(py, || {
            cumulative_transactions_columns(&self.model, &cols.columns(), freq, t, m)
        })
        .map_err(to_py)?;
        let c = if increments { c.increments() } else { c };
        Ok((
            PyArray1::from_vec(py, c.actual),
            PyArray1::from_vec(py, c.predicted),
            PyArray1::from_vec(py, c.period_starts),
        ))
    }

    fn __repr__(&self) -> String {
        let params: Vec<String> = self
            .model
            .params()
            .iter()
            .map(|(n, v)| format!("{n}={v:.4}"))
            .collect();
        format!("ValueModel({}: {})", self.model.kind(), params.join(", "))
    }
}

/// (P(alive), each age's period start, each purchase period's start) as arrays.
type AlivePathArrays<'py> = (
    Array<'py>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
);

/// Fits a value model; `options` is the core's ValueOptions as JSON (`kind`, and `penalizer`
/// when the user gave one). Returns (model, fit report).
#[pyfunction]
#[pyo3(signature = (options, a, b, c, weights=None))]
pub fn fit_value_model<'py>(
    py: Python<'py>,
    options: &str,
    a: PyReadonlyArray1<'py, f64>,
    b: PyReadonlyArray1<'py, f64>,
    c: Option<PyReadonlyArray1<'py, f64>>,
    weights: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<(PyValueModel, Bound<'py, PyDict>)> {
    let opts: ValueOptions = kehu::format::parse_json(options)
        .map_err(|reason| to_py(value_option("options".into(), reason)))?;
    let (a, b) = (a.as_slice()?, b.as_slice()?);
    let c = c.as_ref().map(|c| c.as_slice()).transpose()?;
    let w = weights.as_ref().map(|w| w.as_slice()).transpose()?;
    let (model, report) = crate::interruptible(py, || {
        opts.fit(&ValueColumns {
            a,
            b,
            c,
            weights: w,
        })
        .map(ValueFit::into_parts)
    })
    .map_err(to_py)?;
    Ok((PyValueModel { model }, report_dict(py, &report)?))
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

/// Value tiers by top shares (`cut_offs` increasing; None: the core's default tiers).
#[pyfunction]
#[pyo3(signature = (values, cut_offs=None))]
pub fn value_tiers_of<'py>(
    py: Python<'py>,
    values: PyReadonlyArray1<'py, f64>,
    cut_offs: Option<Vec<f64>>,
) -> PyResult<Bound<'py, PyArray1<i64>>> {
    let cut_offs = cut_offs.unwrap_or_else(|| DEFAULT_TIER_CUT_OFFS.to_vec());
    let tiers = value_tiers(values.as_slice()?, &cut_offs).map_err(to_py)?;
    Ok(PyArray1::from_vec(
        py,
        tiers.into_iter().map(|t| t as i64).collect(),
    ))
}

/// Model time units per month for lifetimes' CLV `freq` (D, W, M, H).
#[pyfunction]
pub fn units_per_month(freq: &Bound<'_, PyAny>) -> PyResult<f64> {
    let text: String = freq.extract().unwrap_or_default();
    kehu::value::units_per_month(&text).map_err(to_py)
}

/// Registers the value model handle and the value functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyValueModel>()?;
    m.add_function(wrap_pyfunction!(fit_value_model, m)?)?;
    m.add_function(wrap_pyfunction!(value_tiers_of, m)?)?;
    m.add_function(wrap_pyfunction!(units_per_month, m)?)?;
    Ok(())
}
