//! Fitted segmentation models as native handles: each Python object holds the core's model
//! (read and checked once), with getters; JSON is read and written only by `from_json` /
//! `to_json` (and pickling, which goes through them).

use crate::{document, to_py};
use kehu::format::Versioned;
use kehu::learn::{Fit, Predict, Transform, Weighted};
use kehu::segment::gmm::{GaussianMixture, GmmOptions};
use kehu::segment::kmeans::{KMeansModel, KMeansOptions, Rows};
use kehu::segment::kprototypes::{KPrototypesModel, KPrototypesOptions, MixedColumn, MixedTable};
use kehu::segment::minibatch::{MiniBatchKMeans, MiniBatchOptions};
use kehu::segment::SegmentError;
use numpy::{
    PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::PyTuple;

/// Options from their JSON text (absent: the core's defaults); a parse failure names `what`.
pub(crate) fn options<T: serde::de::DeserializeOwned + Default>(
    what: &str,
    json: Option<&str>,
) -> PyResult<T> {
    match json {
        None => Ok(T::default()),
        Some(text) => kehu::format::parse_json(text).map_err(|reason| {
            to_py(SegmentError::InvalidOption {
                option: what.into(),
                reason,
            })
        }),
    }
}

/// An estimator's options as the core reads them, as JSON: `given` (JSON text of the options
/// the user gave) with the core's defaults for the rest; `given` None: the defaults alone. The
/// tests use it to pin the Python signatures' visible defaults to the core's.
#[pyfunction]
#[pyo3(signature = (estimator, given=None))]
pub fn resolved_options(estimator: &str, given: Option<&str>) -> PyResult<String> {
    fn resolve<T>(what: &str, given: Option<&str>) -> PyResult<String>
    where
        T: serde::de::DeserializeOwned + serde::Serialize + Default,
    {
        let options: T = options(what, given)?;
        Ok(serde_json::to_string(&options).expect("options serialise"))
    }
    match estimator {
        "KMeans" => resolve::<KMeansOptions>(estimator, given),
        "MiniBatchKMeans" => resolve::<MiniBatchOptions>(estimator, given),
        "GaussianMixture" => resolve::<GmmOptions>(estimator, given),
        "KPrototypes" => resolve::<KPrototypesOptions>(estimator, given),
        "ClvOptions" => resolve::<kehu::value::ClvOptions>(estimator, given),
        "RfmScoreOptions" => resolve::<kehu::segment::RfmScoreOptions>(estimator, given),
        "SweepOptions" => resolve::<kehu::segment::quality::SweepOptions>(estimator, given),
        "ValueOptions" => {
            // No default kind: `given` names one.
            let o: kehu::value::ValueOptions = kehu::format::parse_json(given.unwrap_or("{}"))
                .map_err(|reason| {
                    to_py(kehu::value::ValueError::InvalidOption {
                        option: estimator.into(),
                        reason,
                    })
                })?;
            Ok(serde_json::to_string(&o).expect("options serialise"))
        }
        other => Err(to_py(SegmentError::InvalidOption {
            option: "estimator".into(),
            reason: format!("no options named '{other}'"),
        })),
    }
}

/// Rows of a 2-D float array, borrowed (C-contiguous; the Python layer makes it so).
pub(crate) fn rows<'a>(x: &'a PyReadonlyArray2<'_, f64>) -> PyResult<Rows<'a>> {
    Rows::new(x.as_slice()?, x.shape()[1]).map_err(to_py)
}

fn weights<'a>(w: &'a Option<PyReadonlyArray1<'_, f64>>) -> PyResult<Option<&'a [f64]>> {
    Ok(w.as_ref().map(|w| w.as_slice()).transpose()?)
}

/// Cluster labels as scikit-learn's int32 array.
fn int32_labels(py: Python<'_>, labels: Vec<u32>) -> Bound<'_, PyArray1<i32>> {
    // Labels are below k ≤ the row count, far under i32::MAX.
    PyArray1::from_vec(py, labels.into_iter().map(|l| l as i32).collect())
}

fn int64_labels(py: Python<'_>, labels: Vec<u32>) -> Bound<'_, PyArray1<i64>> {
    PyArray1::from_vec(py, labels.into_iter().map(i64::from).collect())
}

/// A flat row-major vector as an `rows` × `cols` array (no copy of the buffer).
fn matrix(
    py: Python<'_>,
    flat: Vec<f64>,
    rows: usize,
    cols: usize,
) -> PyResult<Bound<'_, PyArray2<f64>>> {
    PyArray1::from_vec(py, flat).reshape([rows, cols])
}

/// `(cls.from_json, (document,))`: how pickle and copy rebuild a handle.
fn reduce<'py>(slf: &Bound<'py, PyAny>, json: String) -> PyResult<Bound<'py, PyTuple>> {
    let load = slf.get_type().getattr("from_json")?;
    PyTuple::new(slf.py(), [load, PyTuple::new(slf.py(), [json])?.into_any()])
}

/// A fitted k-means model.
#[pyclass(module = "kehu._native", name = "KMeansModel", frozen)]
pub struct PyKMeansModel {
    model: KMeansModel,
}

#[pymethods]
impl PyKMeansModel {
    /// Reads and checks a `kmeans` document saved by any binding.
    #[staticmethod]
    fn from_json(document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = self::document(document, KMeansModel::KIND)?;
        Ok(PyKMeansModel {
            model: KMeansModel::from_json(&text).map_err(to_py)?,
        })
    }

    /// The model as a versioned document.
    fn to_json(&self) -> String {
        self.model.to_json()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        reduce(slf.as_any(), slf.get().model.to_json())
    }

    /// Number of clusters.
    #[getter]
    fn k(&self) -> usize {
        self.model.k()
    }

    /// Columns per row.
    #[getter]
    fn d(&self) -> usize {
        self.model.d
    }

    /// The centres, k × d.
    #[getter]
    fn centers<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        matrix(py, self.model.centers.clone(), self.model.k(), self.model.d)
    }

    /// The nearest centre of each row (the lowest index among equally near ones).
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<i32>>> {
        let x = rows(&x)?;
        let labels = crate::interruptible(py, || self.model.predict(&x)).map_err(to_py)?;
        Ok(int32_labels(py, labels))
    }

    /// Euclidean distances of each row to every centre (n × k).
    fn transform<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let x = rows(&x)?;
        let n = x.len();
        let out = crate::interruptible(py, || self.model.transform(&x)).map_err(to_py)?;
        matrix(py, out, n, self.model.k())
    }

    /// Σ weight · squared distance of each row to its nearest centre.
    #[pyo3(signature = (x, sample_weight=None))]
    fn inertia<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
        sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    ) -> PyResult<f64> {
        let x = rows(&x)?;
        let w = weights(&sample_weight)?;
        crate::interruptible(py, || self.model.inertia(&x, w)).map_err(to_py)
    }

    fn __repr__(&self) -> String {
        format!("KMeansModel(k={}, d={})", self.model.k(), self.model.d)
    }
}

/// Fits k-means; `options` is the core's KMeansOptions as JSON (absent: its defaults).
/// Returns (model, labels, inertia, iterations).
#[pyfunction]
#[pyo3(signature = (x, options=None, sample_weight=None))]
pub fn segment_kmeans_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    options: Option<&str>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<(PyKMeansModel, Bound<'py, PyArray1<i32>>, f64, usize)> {
    let opts: KMeansOptions = self::options("KMeans", options)?;
    let x = rows(&x)?;
    let w = weights(&sample_weight)?;
    let f = crate::interruptible(py, || opts.fit(&Weighted::new(&x, w))).map_err(to_py)?;
    let model = PyKMeansModel { model: f.model };
    Ok((model, int32_labels(py, f.labels), f.inertia, f.n_iter))
}

/// The training state of mini-batch k-means (continued by `partial_fit` in any binding).
#[pyclass(module = "kehu._native", name = "MiniBatchState", frozen)]
pub struct PyMiniBatchState {
    state: MiniBatchKMeans,
}

#[pymethods]
impl PyMiniBatchState {
    /// Reads and checks a `minibatch_kmeans` state saved by any binding.
    #[staticmethod]
    fn from_json(document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = self::document(document, MiniBatchKMeans::KIND)?;
        Ok(PyMiniBatchState {
            state: MiniBatchKMeans::from_json(&text).map_err(to_py)?,
        })
    }

    /// The state as a versioned document.
    fn to_json(&self) -> String {
        self.state.to_json()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        reduce(slf.as_any(), slf.get().state.to_json())
    }

    /// Steps taken.
    #[getter]
    fn steps(&self) -> u64 {
        self.state.steps
    }

    /// Weight absorbed by each centre.
    #[getter]
    fn counts<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.state.counts.clone())
    }

    /// The k-means model of the current centres.
    #[getter]
    fn model(&self) -> PyKMeansModel {
        PyKMeansModel {
            model: self.state.model(),
        }
    }

    fn __repr__(&self) -> String {
        format!(
            "MiniBatchState(k={}, d={}, steps={})",
            self.state.counts.len(),
            self.state.d,
            self.state.steps
        )
    }
}

/// (state, labels, inertia, passes, steps) of a mini-batch fit.
type MiniBatchResult<'py> = (
    PyMiniBatchState,
    Bound<'py, PyArray1<i32>>,
    f64,
    usize,
    usize,
);

/// Fits mini-batch k-means; `options` is the core's MiniBatchOptions as JSON.
#[pyfunction]
#[pyo3(signature = (x, options=None, sample_weight=None))]
pub fn segment_minibatch_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    options: Option<&str>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<MiniBatchResult<'py>> {
    let opts: MiniBatchOptions = self::options("MiniBatchKMeans", options)?;
    let x = rows(&x)?;
    let w = weights(&sample_weight)?;
    let f = crate::interruptible(py, || opts.fit(&Weighted::new(&x, w))).map_err(to_py)?;
    Ok((
        PyMiniBatchState { state: f.state },
        int32_labels(py, f.labels),
        f.inertia,
        f.n_iter,
        f.n_steps,
    ))
}

/// One `partial_fit` step on a batch from `state` (None: the first batch initialises).
#[pyfunction]
#[pyo3(signature = (state, x, options=None, sample_weight=None))]
pub fn segment_minibatch_partial_fit<'py>(
    py: Python<'py>,
    state: Option<PyRef<'py, PyMiniBatchState>>,
    x: PyReadonlyArray2<'py, f64>,
    options: Option<&str>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<PyMiniBatchState> {
    let opts: MiniBatchOptions = self::options("MiniBatchKMeans", options)?;
    let state = state.map(|s| s.state.clone());
    let x = rows(&x)?;
    let w = weights(&sample_weight)?;
    let state = crate::interruptible(py, || MiniBatchKMeans::partial_fit(state, &x, w, &opts))
        .map_err(to_py)?;
    Ok(PyMiniBatchState { state })
}

/// A fitted Gaussian mixture.
#[pyclass(module = "kehu._native", name = "GaussianMixtureModel", frozen)]
pub struct PyGaussianMixture {
    model: GaussianMixture,
}

#[pymethods]
impl PyGaussianMixture {
    /// Reads and checks a `gaussian_mixture` document saved by any binding.
    #[staticmethod]
    fn from_json(document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = self::document(document, GaussianMixture::KIND)?;
        Ok(PyGaussianMixture {
            model: GaussianMixture::from_json(&text).map_err(to_py)?,
        })
    }

    /// The model as a versioned document.
    fn to_json(&self) -> String {
        self.model.to_json()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        reduce(slf.as_any(), slf.get().model.to_json())
    }

    /// Components.
    #[getter]
    fn k(&self) -> usize {
        self.model.k()
    }

    /// Columns per row.
    #[getter]
    fn d(&self) -> usize {
        self.model.d
    }

    /// The covariance shape: "full" or "diag".
    #[getter]
    fn covariance_type(&self) -> String {
        serde_json::to_value(self.model.covariance)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    }

    /// Mixture weights (k).
    #[getter]
    fn weights<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f64>> {
        PyArray1::from_vec(py, self.model.weights.clone())
    }

    /// Means, k × d.
    #[getter]
    fn means<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        matrix(py, self.model.means.clone(), self.model.k(), self.model.d)
    }

    /// Covariances: k × d × d (full) or k × d (diag).
    #[getter]
    fn covariances<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let (k, d) = (self.model.k(), self.model.d);
        let flat = PyArray1::from_vec(py, self.model.covariances.clone());
        match self.model.covariance {
            kehu::segment::gmm::Covariance::Full => Ok(flat.reshape([k, d, d])?.into_any()),
            kehu::segment::gmm::Covariance::Diag => Ok(flat.reshape([k, d])?.into_any()),
        }
    }

    /// The most probable component of each row.
    fn predict<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<i64>>> {
        let x = rows(&x)?;
        let l = crate::interruptible(py, || self.model.predict(&x)).map_err(to_py)?;
        Ok(int64_labels(py, l))
    }

    /// Responsibilities, n × k.
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        let x = rows(&x)?;
        let n = x.len();
        let p = crate::interruptible(py, || self.model.predict_proba(&x)).map_err(to_py)?;
        matrix(py, p, n, self.model.k())
    }

    /// ln p(x) of each row.
    fn score_samples<'py>(
        &self,
        py: Python<'py>,
        x: PyReadonlyArray2<'py, f64>,
    ) -> PyResult<Bound<'py, PyArray1<f64>>> {
        let x = rows(&x)?;
        let s = crate::interruptible(py, || self.model.score_samples(&x)).map_err(to_py)?;
        Ok(PyArray1::from_vec(py, s))
    }

    /// The mean ln p(x) of the rows.
    fn score<'py>(&self, py: Python<'py>, x: PyReadonlyArray2<'py, f64>) -> PyResult<f64> {
        let x = rows(&x)?;
        crate::interruptible(py, || self.model.score(&x)).map_err(to_py)
    }

    /// Bayesian information criterion of the rows (lower is better).
    fn bic<'py>(&self, py: Python<'py>, x: PyReadonlyArray2<'py, f64>) -> PyResult<f64> {
        let x = rows(&x)?;
        crate::interruptible(py, || self.model.bic(&x)).map_err(to_py)
    }

    /// Akaike information criterion of the rows.
    fn aic<'py>(&self, py: Python<'py>, x: PyReadonlyArray2<'py, f64>) -> PyResult<f64> {
        let x = rows(&x)?;
        crate::interruptible(py, || self.model.aic(&x)).map_err(to_py)
    }

    fn __repr__(&self) -> String {
        format!(
            "GaussianMixtureModel(k={}, d={}, covariance_type={:?})",
            self.model.k(),
            self.model.d,
            self.covariance_type()
        )
    }
}

/// Fits a Gaussian mixture; `options` is the core's GmmOptions as JSON. Returns (model,
/// converged, iterations, lower bound).
#[pyfunction]
#[pyo3(signature = (x, options=None))]
pub fn segment_gmm_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    options: Option<&str>,
) -> PyResult<(PyGaussianMixture, bool, usize, f64)> {
    let opts: GmmOptions = self::options("GaussianMixture", options)?;
    let x = rows(&x)?;
    let f = crate::interruptible(py, || opts.fit(&x)).map_err(to_py)?;
    let model = PyGaussianMixture { model: f.model };
    Ok((model, f.converged, f.n_iter, f.lower_bound))
}

/// A mixed table from Python's columns (each a float array, NaN missing, or JSON text of the
/// core's given values) split by the core at the categorical column indices (`None`: every
/// column).
fn mixed_table(
    columns: Vec<Bound<'_, PyAny>>,
    categorical: Option<&[i64]>,
) -> PyResult<MixedTable> {
    let columns = columns
        .iter()
        .enumerate()
        .map(|(j, c)| {
            if let Ok(a) = c.extract::<PyReadonlyArray1<'_, f64>>() {
                return Ok(MixedColumn::Numbers(a.as_array().to_vec()));
            }
            let text: String = c.extract()?;
            kehu::format::parse_json(&text)
                .map(MixedColumn::Values)
                .map_err(|reason| {
                    to_py(SegmentError::InvalidOption {
                        option: format!("column {j}"),
                        reason,
                    })
                })
        })
        .collect::<PyResult<_>>()?;
    MixedTable::from_columns(columns, categorical).map_err(to_py)
}

/// A fitted k-prototypes (or k-modes) model.
#[pyclass(module = "kehu._native", name = "KPrototypesModel", frozen)]
pub struct PyKPrototypesModel {
    model: KPrototypesModel,
}

#[pymethods]
impl PyKPrototypesModel {
    /// Reads and checks a `kprototypes` document saved by any binding.
    #[staticmethod]
    fn from_json(document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = self::document(document, KPrototypesModel::KIND)?;
        Ok(PyKPrototypesModel {
            model: KPrototypesModel::from_json(&text).map_err(to_py)?,
        })
    }

    /// The model as a versioned document.
    fn to_json(&self) -> String {
        self.model.to_json()
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        reduce(slf.as_any(), slf.get().model.to_json())
    }

    /// Number of clusters.
    #[getter]
    fn k(&self) -> usize {
        self.model.k()
    }

    /// Numeric columns.
    #[getter]
    fn p(&self) -> usize {
        self.model.p
    }

    /// Categorical columns.
    #[getter]
    fn q(&self) -> usize {
        self.model.gamma.len()
    }

    /// The weight of a mismatch in each categorical column.
    #[getter]
    fn gamma(&self) -> Vec<f64> {
        self.model.gamma.clone()
    }

    /// The numeric part of each centre, k × p.
    #[getter]
    fn numeric_centres<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyArray2<f64>>> {
        matrix(py, self.model.numeric.clone(), self.model.k(), self.model.p)
    }

    /// The modes of each centre as category values (k lists of q values).
    #[getter]
    fn mode_values(&self) -> Vec<Vec<String>> {
        self.model.mode_values()
    }

    /// The indices of the categorical columns of the table the model was fitted on.
    #[getter]
    fn categorical_columns(&self) -> Vec<usize> {
        self.model.categorical_columns()
    }

    /// The nearest centre of each row and the cost (Σ weight · distance) of the rows, the
    /// table's columns split by the core at the `categorical` indices (`None`: the fitted
    /// table's layout).
    #[pyo3(signature = (columns, categorical=None, sample_weight=None))]
    fn predict<'py>(
        &self,
        py: Python<'py>,
        columns: Vec<Bound<'py, PyAny>>,
        categorical: Option<Vec<i64>>,
        sample_weight: Option<PyReadonlyArray1<'py, f64>>,
    ) -> PyResult<(Bound<'py, PyArray1<i64>>, f64)> {
        let layout = self.model.layout(categorical);
        let table = mixed_table(columns, Some(&layout))?;
        let w = weights(&sample_weight)?;
        let (labels, cost) =
            crate::interruptible(py, || self.model.predict_table(&table, w)).map_err(to_py)?;
        Ok((int64_labels(py, labels), cost))
    }

    fn __repr__(&self) -> String {
        format!(
            "KPrototypesModel(k={}, p={}, q={})",
            self.model.k(),
            self.model.p,
            self.model.gamma.len()
        )
    }
}

/// (model, labels, cost, iterations, notes) of a k-prototypes fit.
type ModesFit<'py> = (
    PyKPrototypesModel,
    Bound<'py, PyArray1<i64>>,
    f64,
    usize,
    Vec<String>,
);

/// Fits k-prototypes (k-modes without numeric columns); `options` is the core's
/// KPrototypesOptions as JSON, the table's columns split by the core at the `categorical`
/// indices (`None`: every column, k-modes).
#[pyfunction]
#[pyo3(signature = (columns, categorical, options=None, sample_weight=None))]
pub fn segment_kprototypes_fit<'py>(
    py: Python<'py>,
    columns: Vec<Bound<'py, PyAny>>,
    categorical: Option<Vec<i64>>,
    options: Option<&str>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<ModesFit<'py>> {
    let opts: KPrototypesOptions = self::options("KPrototypes", options)?;
    let table = mixed_table(columns, categorical.as_deref())?;
    let w = weights(&sample_weight)?;
    let f = crate::interruptible(py, || opts.fit_table(&table, w)).map_err(to_py)?;
    let labels = int64_labels(py, f.labels);
    Ok((
        PyKPrototypesModel { model: f.model },
        labels,
        f.cost,
        f.n_iter,
        f.notes,
    ))
}

/// Registers the handles and their fit functions.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyKMeansModel>()?;
    m.add_class::<PyMiniBatchState>()?;
    m.add_class::<PyGaussianMixture>()?;
    m.add_class::<PyKPrototypesModel>()?;
    m.add_function(wrap_pyfunction!(resolved_options, m)?)?;
    m.add_function(wrap_pyfunction!(segment_kmeans_fit, m)?)?;
    m.add_function(wrap_pyfunction!(segment_minibatch_fit, m)?)?;
    m.add_function(wrap_pyfunction!(segment_minibatch_partial_fit, m)?)?;
    m.add_function(wrap_pyfunction!(segment_gmm_fit, m)?)?;
    m.add_function(wrap_pyfunction!(segment_kprototypes_fit, m)?)?;
    Ok(())
}
