//! lifetimes' data generators and heterogeneity densities for Python: the core's simulation
//! with the latent draws, the purchase times, and the mixing densities, as free functions
//! taking a native value model.

use crate::value::PyValueModel;
use crate::{to_py, whole};
use kehu::data::time::parse_time_option;
use kehu::value::mixing::{mixing_density, mixing_distribution};
use kehu::value::simulate::{
    fitted_lengths, observation_lengths, simulate_customers, simulate_transactions,
};
use kehu::value::ValueError;
use numpy::{PyArray1, PyReadonlyArray1};
use pyo3::prelude::*;
use pyo3::types::PyDict;

fn value_option(option: String, reason: String) -> ValueError {
    ValueError::InvalidOption { option, reason }
}

/// `size` simulated customers of a purchase model observed for `t` (one length for all, or the
/// first `size` lengths; a fitted model's data `weights` repeat BG/BB rows, as the core's
/// `fitted_lengths` says), with `seed`: a dict of frequency, recency, T, the two latent draws
/// under their names, alive, and `latent_names`.
#[pyfunction]
#[pyo3(signature = (model, t, size, seed, weights=None))]
pub fn generate_customers<'py>(
    py: Python<'py>,
    model: &PyValueModel,
    t: PyReadonlyArray1<'py, f64>,
    size: Bound<'py, PyAny>,
    seed: Bound<'py, PyAny>,
    weights: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<Bound<'py, PyDict>> {
    let size: usize = whole(&size, "size", value_option)?;
    let seed: u64 = whole(&seed, "seed", value_option)?;
    let weights = weights.as_ref().map(|w| w.as_slice()).transpose()?;
    let t = fitted_lengths(&model.model, t.as_slice()?, weights, size).map_err(to_py)?;
    let sim =
        crate::interruptible(py, || simulate_customers(&model.model, &t, seed)).map_err(to_py)?;
    let d = PyDict::new(py);
    d.set_item("frequency", PyArray1::from_vec(py, sim.summaries.frequency))?;
    d.set_item("recency", PyArray1::from_vec(py, sim.summaries.recency))?;
    d.set_item("T", PyArray1::from_vec(py, sim.summaries.t))?;
    let [first, second] = sim.latent_names;
    d.set_item(first, PyArray1::from_vec(py, sim.first))?;
    d.set_item(second, PyArray1::from_vec(py, sim.second))?;
    d.set_item("alive", PyArray1::from_vec(py, sim.alive))?;
    d.set_item("latent_names", sim.latent_names.to_vec())?;
    Ok(d)
}

/// Transactions of `size` simulated customers observed for `t` (as [`generate_customers`]
/// takes it) units of `freq` up to `end` (a time option, read by the core's one rule), with
/// `seed`: (customer per purchase, µs since the epoch per purchase), customers in order, each
/// one's first purchase and then the repeats.
#[pyfunction]
#[allow(clippy::type_complexity)]
pub fn generate_transactions<'py>(
    py: Python<'py>,
    model: &PyValueModel,
    t: PyReadonlyArray1<'py, f64>,
    size: Bound<'py, PyAny>,
    seed: Bound<'py, PyAny>,
    end: &str,
    freq: &str,
) -> PyResult<(Bound<'py, PyArray1<u64>>, Bound<'py, PyArray1<i64>>)> {
    let size: usize = whole(&size, "size", value_option)?;
    let seed: u64 = whole(&seed, "seed", value_option)?;
    let t = observation_lengths(t.as_slice()?, size).map_err(to_py)?;
    let end = parse_time_option("observation_period_end", Some(end), None)
        .map_err(to_py)?
        .unwrap_or_default();
    let tx = crate::interruptible(py, || {
        simulate_transactions(&model.model, &t, seed, end, freq)
    })
    .map_err(to_py)?;
    Ok((
        PyArray1::from_vec(py, tx.customer),
        PyArray1::from_vec(py, tx.timestamp),
    ))
}

/// The density of a model's latent `latent` (`transaction_rate` or `dropout`) at `x`, with the
/// distribution's mean and variance: (density, mean, variance).
#[pyfunction]
pub fn mixing_density_of<'py>(
    py: Python<'py>,
    model: &PyValueModel,
    latent: &str,
    x: PyReadonlyArray1<'py, f64>,
) -> PyResult<(Bound<'py, PyArray1<f64>>, f64, f64)> {
    let d = mixing_distribution(&model.model, latent).map_err(to_py)?;
    let pdf = mixing_density(&model.model, latent, x.as_slice()?).map_err(to_py)?;
    Ok((PyArray1::from_vec(py, pdf), d.mean(), d.variance()))
}

/// The `q`-quantile of a model's latent `latent` (`transaction_rate` or `dropout`).
#[pyfunction]
pub fn mixing_quantile_of(model: &PyValueModel, latent: &str, q: f64) -> PyResult<f64> {
    mixing_distribution(&model.model, latent)
        .and_then(|d| d.quantile(q))
        .map_err(to_py)
}
