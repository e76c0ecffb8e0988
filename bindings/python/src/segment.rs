//! Segmentation for Python: arrays in, arrays out; scoring and maps are the core's.

use crate::{document, opt_whole, to_py, whole};
use kehu::data::customers::{Attribute, CustomerTable};
use kehu::format::Versioned;
use kehu::learn::{Fit, Predict, Transform, Weighted};
use kehu::segment::audience::{Audiences, Population, SegmentColumn};
use kehu::segment::gmm::{GaussianMixture, GmmOptions};
use kehu::segment::kmeans::{KMeansModel, KMeansOptions, Rows};
use kehu::segment::kprototypes::MixedSample;
use kehu::segment::kprototypes::{Categories, KPrototypesModel, KPrototypesOptions, MixedRows};
use kehu::segment::lifecycle::{
    lifecycle_stages, migration_matrix, Stage, StageInputs, StageRule, STAGES,
};
use kehu::segment::minibatch::{MiniBatchKMeans, MiniBatchOptions};
use kehu::segment::{portrait, quality, rfm_scores, RfmOptions, SegmentError, SegmentMap};
use numpy::{
    PyArray1, PyArray2, PyArrayMethods, PyReadonlyArray1, PyReadonlyArray2, PyUntypedArrayMethods,
};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Options from their JSON text (absent: the core's defaults), a parse failure naming `what`.
fn options<T: serde::de::DeserializeOwned + Default>(
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

fn segment_option(option: String, reason: String) -> SegmentError {
    SegmentError::InvalidOption { option, reason }
}

/// R, F and M scores as int64 arrays, and the number of bins of each (`None`: unknown).
type Scores<'py> = (
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
    Bound<'py, PyArray1<i64>>,
    Option<[u32; 3]>,
);

/// R, F, M scores; `options` is the core's RfmOptions as JSON (absent: 5 mid-rank bins each).
#[pyfunction]
#[pyo3(signature = (recency, frequency, monetary, options=None))]
pub fn segment_rfm_scores<'py>(
    py: Python<'py>,
    recency: PyReadonlyArray1<'py, f64>,
    frequency: PyReadonlyArray1<'py, f64>,
    monetary: PyReadonlyArray1<'py, f64>,
    options: Option<&str>,
) -> PyResult<Scores<'py>> {
    let opts: RfmOptions = self::options("binning", options)?;
    let (r, f, m) = (
        recency.as_slice()?,
        frequency.as_slice()?,
        monetary.as_slice()?,
    );
    let s = crate::interruptible(py, || rfm_scores(r, f, m, &opts)).map_err(to_py)?;
    let wide = |v: Vec<u32>| PyArray1::from_vec(py, v.into_iter().map(i64::from).collect());
    Ok((wide(s.r), wide(s.f), wide(s.m), s.bins))
}

/// A map document: a built-in by name, or a code table's CSV text.
#[pyfunction]
#[pyo3(signature = (name=None, code_table=None))]
pub fn segment_map_json(name: Option<&str>, code_table: Option<&str>) -> PyResult<String> {
    let map = match (name, code_table) {
        (Some(n), None) => SegmentMap::builtin(n),
        (None, Some(t)) => SegmentMap::from_code_table(t),
        _ => Err(SegmentError::InvalidOption {
            option: "map".into(),
            reason: "give a built-in name or a code table".into(),
        }),
    }
    .map_err(to_py)?;
    Ok(map.to_json())
}

/// Unassigned codes, and overlapping codes with their segments.
type MapCheckPy = (Vec<String>, Vec<(String, Vec<String>)>);

/// Checks a map over every code of `bins` scores: (unassigned codes, [(code, segments)]).
#[pyfunction]
pub fn segment_map_check(json: &str, bins: Bound<'_, PyAny>) -> PyResult<MapCheckPy> {
    let map = SegmentMap::from_json(json).map_err(to_py)?;
    let c = map
        .check(whole(&bins, "bins", segment_option)?)
        .map_err(to_py)?;
    Ok((c.unassigned, c.overlapping))
}

/// Segment names of a map, in rule order.
#[pyfunction]
pub fn segment_map_segments(json: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let text = document(json, SegmentMap::KIND)?;
    Ok(SegmentMap::from_json(&text).map_err(to_py)?.segments())
}

/// Each customer's segment under a map (`None` where no rule matches); `bins`: the scores'
/// bins when known (the core refuses scores binned for another range than the map's).
#[pyfunction]
#[pyo3(signature = (json, r, f, m, bins=None))]
pub fn segment_assign<'py>(
    json: &str,
    r: PyReadonlyArray1<'py, i64>,
    f: PyReadonlyArray1<'py, i64>,
    m: PyReadonlyArray1<'py, i64>,
    bins: Option<[u32; 3]>,
) -> PyResult<Vec<Option<String>>> {
    let map = SegmentMap::from_json(json).map_err(to_py)?;
    map.assign_columns(r.as_slice()?, f.as_slice()?, m.as_slice()?, bins)
        .map_err(to_py)
}

fn rows<'a>(x: &'a PyReadonlyArray2<'_, f64>) -> PyResult<Rows<'a>> {
    let d = x.shape()[1];
    Rows::new(x.as_slice()?, d).map_err(to_py)
}

/// Cluster labels as scikit-learn's int32 array; the buffer is reused, not copied.
fn int32_labels(py: Python<'_>, labels: Vec<u32>) -> Bound<'_, PyArray1<i32>> {
    // Labels are below k ≤ the row count, far under i32::MAX.
    PyArray1::from_vec(py, labels.into_iter().map(|l| l as i32).collect())
}

/// Fits k-means; `options` is the core's KMeansOptions as JSON. Returns (model JSON, labels,
/// inertia, iterations).
#[pyfunction]
#[pyo3(signature = (x, options, sample_weight=None))]
pub fn segment_kmeans_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    options: &str,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<(String, Bound<'py, PyArray1<i32>>, f64, usize)> {
    let opts: KMeansOptions = self::options("KMeans", Some(options))?;
    let x = rows(&x)?;
    let w = sample_weight.as_ref().map(|w| w.as_slice()).transpose()?;
    let f = crate::interruptible(py, || opts.fit(&Weighted::new(&x, w))).map_err(to_py)?;
    let json = f.model.to_json();
    Ok((json, int32_labels(py, f.labels), f.inertia, f.n_iter))
}

/// Nearest centre of each row.
#[pyfunction]
pub fn segment_kmeans_predict<'py>(
    py: Python<'py>,
    json: &str,
    x: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray1<i32>>> {
    let model = KMeansModel::from_json(json).map_err(to_py)?;
    let x = rows(&x)?;
    let labels = crate::interruptible(py, || model.predict(&x)).map_err(to_py)?;
    Ok(int32_labels(py, labels))
}

/// Distances of each row to every centre (n × k).
#[pyfunction]
pub fn segment_kmeans_transform<'py>(
    py: Python<'py>,
    json: &str,
    x: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyArray2<f64>>> {
    let model = KMeansModel::from_json(json).map_err(to_py)?;
    let x = rows(&x)?;
    let n = x.len();
    let out = crate::interruptible(py, || model.transform(&x)).map_err(to_py)?;
    let k = model.k();
    let flat = PyArray1::from_vec(py, out);
    flat.reshape([n, k])
}

/// Σ weight · squared distance to the nearest centre.
#[pyfunction]
#[pyo3(signature = (json, x, sample_weight=None))]
pub fn segment_kmeans_inertia<'py>(
    py: Python<'py>,
    json: &str,
    x: PyReadonlyArray2<'py, f64>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<f64> {
    let model = KMeansModel::from_json(json).map_err(to_py)?;
    let x = rows(&x)?;
    let w = sample_weight.as_ref().map(|w| w.as_slice()).transpose()?;
    crate::interruptible(py, || model.inertia(&x, w)).map_err(to_py)
}

fn labels_u32(labels: &PyReadonlyArray1<'_, i64>) -> PyResult<Vec<u32>> {
    labels
        .as_slice()?
        .iter()
        .enumerate()
        .map(|(i, &l)| {
            u32::try_from(l).map_err(|_| {
                to_py(SegmentError::InvalidData {
                    row: i,
                    field: "labels".into(),
                    reason: "must be whole numbers ≥ 0".into(),
                })
            })
        })
        .collect()
}

/// A clustering score: `which` is silhouette, calinski_harabasz or davies_bouldin; a
/// silhouette on a seeded sample when `sample_size` is given.
#[pyfunction]
#[pyo3(signature = (which, x, labels, sample_size=None, seed=None))]
pub fn segment_score<'py>(
    py: Python<'py>,
    which: &str,
    x: PyReadonlyArray2<'py, f64>,
    labels: PyReadonlyArray1<'py, i64>,
    sample_size: Option<Bound<'py, PyAny>>,
    seed: Option<Bound<'py, PyAny>>,
) -> PyResult<f64> {
    let sample_size: Option<usize> =
        opt_whole(sample_size.as_ref(), "sample_size", segment_option)?;
    let seed: u64 = opt_whole(seed.as_ref(), "random_state", segment_option)?.unwrap_or(0);
    let x = rows(&x)?;
    let labels = labels_u32(&labels)?;
    crate::interruptible(py, || match (which, sample_size) {
        ("silhouette", None) => quality::silhouette_score(&x, &labels),
        ("silhouette", Some(s)) => quality::silhouette_score_sampled(&x, &labels, s, seed),
        ("calinski_harabasz", _) => quality::calinski_harabasz_score(&x, &labels),
        ("davies_bouldin", _) => quality::davies_bouldin_score(&x, &labels),
        (other, _) => Err(SegmentError::InvalidOption {
            option: "score".into(),
            reason: format!("unknown score '{other}'"),
        }),
    })
    .map_err(to_py)
}

/// k-means for every k in `ks` with every criterion, as a JSON list of rows.
#[pyfunction]
#[pyo3(signature = (x, ks, options, min_cluster_size=None, silhouette_sample=None, gmm=None))]
#[allow(clippy::too_many_arguments)]
pub fn segment_k_sweep<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    ks: Vec<Bound<'py, PyAny>>,
    options: &str,
    min_cluster_size: Option<Bound<'py, PyAny>>,
    silhouette_sample: Option<Bound<'py, PyAny>>,
    gmm: Option<&str>,
) -> PyResult<String> {
    let ks = ks
        .iter()
        .map(|k| whole(k, "k_range", segment_option))
        .collect::<PyResult<Vec<usize>>>()?;
    let min_cluster_size: usize = opt_whole(
        min_cluster_size.as_ref(),
        "min_cluster_size",
        segment_option,
    )?
    .unwrap_or(0);
    let silhouette_sample: Option<usize> = opt_whole(
        silhouette_sample.as_ref(),
        "silhouette_sample",
        segment_option,
    )?;
    let gmm = gmm
        .map(|g| {
            serde_json::from_value::<kehu::segment::gmm::Covariance>(serde_json::Value::from(g))
                .map_err(|e| {
                    to_py(SegmentError::InvalidOption {
                        option: "gmm".into(),
                        reason: e.to_string(),
                    })
                })
        })
        .transpose()?;
    let opts: KMeansOptions = self::options("KMeans", Some(options))?;
    let x = rows(&x)?;
    let table = crate::interruptible(py, || {
        quality::k_sweep(&x, &ks, &opts, min_cluster_size, silhouette_sample, gmm)
    })
    .map_err(to_py)?;
    Ok(serde_json::to_string(&table).expect("rows serialise"))
}

/// Lifecycle stage names per customer; NaN tenure marks a prospect. `rule`: a JSON object of
/// overrides of the core's rule (`kind` days or alive and its thresholds).
#[pyfunction]
#[pyo3(signature = (tenure_days, days_since_last, probability_alive=None, interval_p80_days=None, rule=None))]
pub fn segment_lifecycle<'py>(
    tenure_days: PyReadonlyArray1<'py, f64>,
    days_since_last: PyReadonlyArray1<'py, f64>,
    probability_alive: Option<PyReadonlyArray1<'py, f64>>,
    interval_p80_days: Option<PyReadonlyArray1<'py, f64>>,
    rule: Option<&str>,
) -> PyResult<Vec<&'static str>> {
    let rule = match rule {
        None => StageRule::default(),
        Some(text) => StageRule::from_overrides(text).map_err(to_py)?,
    };
    let present = |v: &f64| (!v.is_nan()).then_some(*v);
    let inputs = StageInputs {
        tenure_days: tenure_days.as_slice()?.iter().map(present).collect(),
        days_since_last: days_since_last.as_slice()?.to_vec(),
        probability_alive: probability_alive
            .map(|p| p.as_slice().map(<[f64]>::to_vec))
            .transpose()?,
        interval_p80_days: interval_p80_days
            .map(|c| c.as_slice().map(|c| c.iter().map(present).collect()))
            .transpose()?,
    };
    let stages = lifecycle_stages(&inputs, &rule).map_err(to_py)?;
    Ok(stages.iter().map(Stage::name).collect())
}

/// Stage names in lifecycle order.
#[pyfunction]
pub fn segment_stage_names() -> Vec<&'static str> {
    STAGES.iter().map(Stage::name).collect()
}

/// Customers by stage in one snapshot (rows) and the next (columns), in lifecycle order.
#[pyfunction]
pub fn segment_migration(before: Vec<String>, after: Vec<String>) -> PyResult<Vec<Vec<usize>>> {
    let parse = |names: &[String]| -> PyResult<Vec<Stage>> {
        names
            .iter()
            .map(|n| Stage::from_name(n).map_err(to_py))
            .collect()
    };
    let m = migration_matrix(&parse(&before)?, &parse(&after)?).map_err(to_py)?;
    Ok(m.iter().map(|row| row.to_vec()).collect())
}

/// Portraits of a segmentation: (numeric rows, category rows) as JSON lists.
#[pyfunction]
#[pyo3(signature = (segments, numeric_names, numeric, category_names, categories, top))]
pub fn segment_portrait<'py>(
    segments: Vec<Option<String>>,
    numeric_names: Vec<String>,
    numeric: Vec<PyReadonlyArray1<'py, f64>>,
    category_names: Vec<String>,
    categories: Vec<Vec<Option<String>>>,
    top: Bound<'py, PyAny>,
) -> PyResult<(String, String)> {
    let top: usize = whole(&top, "top", segment_option)?;
    let slices: Vec<&[f64]> = numeric
        .iter()
        .map(|a| a.as_slice())
        .collect::<Result<_, _>>()?;
    let features: Vec<(&str, &[f64])> = numeric_names
        .iter()
        .map(String::as_str)
        .zip(slices)
        .collect();
    let cats: Vec<(&str, &[Option<String>])> = category_names
        .iter()
        .map(String::as_str)
        .zip(categories.iter().map(Vec::as_slice))
        .collect();
    let n = portrait::numeric_portrait(&segments, &features).map_err(to_py)?;
    let c = portrait::category_portrait(&segments, &cats, top).map_err(to_py)?;
    Ok((
        serde_json::to_string(&n).expect("rows serialise"),
        serde_json::to_string(&c).expect("rows serialise"),
    ))
}

/// Fits a Gaussian mixture; `options` is the core's GmmOptions as JSON. Returns (model JSON,
/// converged, iterations, lower bound).
#[pyfunction]
pub fn segment_gmm_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    options: &str,
) -> PyResult<(String, bool, usize, f64)> {
    let opts: GmmOptions = self::options("GaussianMixture", Some(options))?;
    let x = rows(&x)?;
    let f = crate::interruptible(py, || opts.fit(&x)).map_err(to_py)?;
    Ok((f.model.to_json(), f.converged, f.n_iter, f.lower_bound))
}

/// A Gaussian mixture's `what` of rows: proba (n × k), score_samples, predict, bic, aic.
#[pyfunction]
pub fn segment_gmm_apply<'py>(
    py: Python<'py>,
    json: &str,
    what: &str,
    x: PyReadonlyArray2<'py, f64>,
) -> PyResult<Bound<'py, PyAny>> {
    let model = GaussianMixture::from_json(json).map_err(to_py)?;
    let x = rows(&x)?;
    let n = x.len();
    match what {
        "proba" => {
            let p = crate::interruptible(py, || model.predict_proba(&x)).map_err(to_py)?;
            Ok(PyArray1::from_vec(py, p)
                .reshape([n, model.k()])?
                .into_any())
        }
        "score_samples" => {
            let s = crate::interruptible(py, || model.score_samples(&x)).map_err(to_py)?;
            Ok(PyArray1::from_vec(py, s).into_any())
        }
        "predict" => {
            let l = crate::interruptible(py, || model.predict(&x)).map_err(to_py)?;
            Ok(PyArray1::from_vec(py, l.into_iter().map(i64::from).collect()).into_any())
        }
        "bic" => Ok(model.bic(&x).map_err(to_py)?.into_pyobject(py)?.into_any()),
        "aic" => Ok(model.aic(&x).map_err(to_py)?.into_pyobject(py)?.into_any()),
        other => Err(to_py(SegmentError::InvalidOption {
            option: "what".into(),
            reason: format!("unknown '{other}'"),
        })),
    }
}

/// Mixed rows from a numeric matrix (n × p, NaN = missing) and category codes.
fn mixed<'a>(
    numeric: &'a PyReadonlyArray2<'_, f64>,
    codes: &'a [i32],
    q: usize,
) -> PyResult<MixedRows<'a>> {
    MixedRows::new(numeric.as_slice()?, numeric.shape()[1], codes, q).map_err(to_py)
}

/// (model JSON, labels, cost, iterations, notes) of a k-prototypes fit.
type ModesFit<'py> = (String, Bound<'py, PyArray1<i64>>, f64, usize, Vec<String>);

/// Fits k-prototypes (k-modes without numeric columns); `options` is the core's
/// KPrototypesOptions as JSON, `categorical` the categorical columns (None = missing). Returns
/// (model JSON, labels, cost, iterations, notes).
#[pyfunction]
#[pyo3(signature = (numeric, categorical, options, sample_weight=None))]
pub fn segment_kprototypes_fit<'py>(
    py: Python<'py>,
    numeric: PyReadonlyArray2<'py, f64>,
    categorical: Vec<Vec<Option<String>>>,
    options: &str,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<ModesFit<'py>> {
    let opts: KPrototypesOptions = self::options("KPrototypes", Some(options))?;
    let categories = Categories::learn(&categorical);
    let codes = categories.encode(&categorical).map_err(to_py)?;
    let x = mixed(&numeric, &codes, categorical.len())?;
    let w = sample_weight.as_ref().map(|w| w.as_slice()).transpose()?;
    let f = crate::interruptible(py, || {
        opts.fit(&MixedSample {
            rows: &x,
            categories: &categories,
            weights: w,
        })
    })
    .map_err(to_py)?;
    let labels = PyArray1::from_vec(py, f.labels.into_iter().map(i64::from).collect());
    Ok((f.model.to_json(), labels, f.cost, f.n_iter, f.notes))
}

/// The nearest centre of each row and the cost (Σ weight · distance) of the rows.
#[pyfunction]
#[pyo3(signature = (json, numeric, categorical, sample_weight=None))]
pub fn segment_kprototypes_predict<'py>(
    py: Python<'py>,
    json: &str,
    numeric: PyReadonlyArray2<'py, f64>,
    categorical: Vec<Vec<Option<String>>>,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<(Bound<'py, PyArray1<i64>>, f64)> {
    let model = KPrototypesModel::from_json(json).map_err(to_py)?;
    let codes = model.categories.encode(&categorical).map_err(to_py)?;
    let x = mixed(&numeric, &codes, categorical.len())?;
    let w = sample_weight.as_ref().map(|w| w.as_slice()).transpose()?;
    let (labels, cost) = crate::interruptible(py, || {
        Ok::<_, SegmentError>((model.predict(&x)?, model.cost(&x, w)?))
    })
    .map_err(to_py)?;
    Ok((
        PyArray1::from_vec(py, labels.into_iter().map(i64::from).collect()),
        cost,
    ))
}

/// One attribute column from Python: (name, kind, values) with kind numeric, boolean, date
/// (days since 1970-01-01) or categorical.
type AttributeColumn<'py> = (String, String, Bound<'py, PyAny>);

fn attribute_column(kind: &str, values: &Bound<'_, PyAny>) -> PyResult<Attribute> {
    Ok(match kind {
        "numeric" => Attribute::Numeric(values.extract()?),
        "boolean" => Attribute::Boolean(values.extract()?),
        "date" => Attribute::Date(values.extract()?),
        _ => Attribute::Categorical(values.extract()?),
    })
}

/// Audience membership of every customer (those of `customer_ids`, then those with
/// transactions only): (ids, audience names, membership per audience, validation report).
#[pyfunction]
#[pyo3(signature = (document, as_of, table=None, columns=None, datetime_format=None, allow_returns=None, customer_ids=None, attributes=None, segments=None))]
#[allow(clippy::too_many_arguments)]
pub fn segment_audiences<'py>(
    py: Python<'py>,
    document: &str,
    as_of: &str,
    table: Option<crate::PyTable>,
    columns: Option<std::collections::HashMap<String, String>>,
    datetime_format: Option<String>,
    allow_returns: Option<bool>,
    customer_ids: Option<Vec<Option<String>>>,
    attributes: Option<Vec<AttributeColumn<'py>>>,
    segments: Option<Vec<SegmentLabels>>,
) -> PyResult<AudienceResult<'py>> {
    let audiences = Audiences::from_json(document).map_err(to_py)?;
    let as_of = crate::time_arg("as_of", Some(as_of))
        .map_err(to_py)?
        .expect("a time was given");
    let customers = match customer_ids {
        None => None,
        Some(ids) => {
            // A missing id is handed to the core as an empty one, which it reports by row.
            let ids: Vec<String> = ids.into_iter().map(Option::unwrap_or_default).collect();
            let columns = attributes
                .unwrap_or_default()
                .into_iter()
                .map(|(name, kind, values)| Ok((name, attribute_column(&kind, &values)?)))
                .collect::<PyResult<Vec<_>>>()?;
            Some(
                CustomerTable::with_attributes(ids, columns)
                    .map_err(|e| to_py(kehu::Error::from(e)))?,
            )
        }
    };
    let report = PyDict::new(py);
    let transactions = match table {
        None => None,
        Some(table) => {
            let batch = crate::batch_of(table)?;
            let vopts =
                crate::validation_options(allow_returns, None, None, None).map_err(to_py)?;
            let cols = crate::arrow_columns::ArrowTransactions::new(
                &batch,
                &columns.unwrap_or_default(),
                datetime_format,
            )
            .map_err(to_py)?;
            let (t, r) = crate::interruptible(py, || kehu::data::validate(&cols.columns(), &vopts))
                .map_err(to_py)?;
            crate::report_into(py, &report, &r)?;
            Some(t)
        }
    };
    let segments: Vec<SegmentColumn> = segments
        .unwrap_or_default()
        .into_iter()
        .map(|(name, ids, labels)| SegmentColumn { name, ids, labels })
        .collect();
    let m = crate::interruptible(py, || {
        let population = Population::new(
            customers.as_ref(),
            transactions,
            &segments,
            as_of,
            &Default::default(),
        )?;
        Ok::<_, kehu::Error>(audiences.evaluate(&population)?)
    })
    .map_err(to_py)?;
    Ok((m.ids, m.names, m.members, report))
}

/// One segmentation from Python: (name, customer ids, labels).
type SegmentLabels = (String, Vec<String>, Vec<Option<String>>);

/// (customer ids, audience names, membership per audience, validation report).
type AudienceResult<'py> = (Vec<String>, Vec<String>, Vec<Vec<bool>>, Bound<'py, PyDict>);

/// Checks an audiences document; returns the audience names.
#[pyfunction]
pub fn segment_audience_names(document: &Bound<'_, PyAny>) -> PyResult<Vec<String>> {
    let text = crate::document(document, "audiences")?;
    let a = Audiences::from_json(&text).map_err(to_py)?;
    Ok(a.names().iter().map(|s| s.to_string()).collect())
}

/// Fits mini-batch k-means; `options` is the core's MiniBatchOptions as JSON. Returns (state
/// JSON, k-means model JSON, labels, inertia, passes, steps).
#[pyfunction]
#[pyo3(signature = (x, options, sample_weight=None))]
pub fn segment_minibatch_fit<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    options: &str,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<MiniBatchResult<'py>> {
    let opts: MiniBatchOptions = self::options("MiniBatchKMeans", Some(options))?;
    let x = rows(&x)?;
    let w = sample_weight.as_ref().map(|w| w.as_slice()).transpose()?;
    let f = crate::interruptible(py, || opts.fit(&Weighted::new(&x, w))).map_err(to_py)?;
    Ok((
        f.state.to_json(),
        f.state.model().to_json(),
        int32_labels(py, f.labels),
        f.inertia,
        f.n_iter,
        f.n_steps,
    ))
}

/// (state JSON, k-means model JSON, labels, inertia, passes, steps) of a mini-batch fit.
type MiniBatchResult<'py> = (String, String, Bound<'py, PyArray1<i32>>, f64, usize, usize);

/// One `partial_fit` step on a batch; returns (state JSON, k-means model JSON).
#[pyfunction]
#[pyo3(signature = (state, x, options, sample_weight=None))]
pub fn segment_minibatch_partial_fit<'py>(
    py: Python<'py>,
    state: Option<&str>,
    x: PyReadonlyArray2<'py, f64>,
    options: &str,
    sample_weight: Option<PyReadonlyArray1<'py, f64>>,
) -> PyResult<(String, String)> {
    let opts: MiniBatchOptions = self::options("MiniBatchKMeans", Some(options))?;
    let state = state
        .map(MiniBatchKMeans::from_json)
        .transpose()
        .map_err(to_py)?;
    let x = rows(&x)?;
    let w = sample_weight.as_ref().map(|w| w.as_slice()).transpose()?;
    let s = crate::interruptible(py, || MiniBatchKMeans::partial_fit(state, &x, w, &opts))
        .map_err(to_py)?;
    Ok((s.to_json(), s.model().to_json()))
}

/// The k-means model JSON of a saved mini-batch state (checked).
#[pyfunction]
pub fn segment_minibatch_model(state: &str) -> PyResult<String> {
    let s = MiniBatchKMeans::from_json(state).map_err(to_py)?;
    Ok(s.model().to_json())
}

/// Loads and checks a saved segmentation document of `kind` (kmeans, minibatch_kmeans,
/// gaussian_mixture, kprototypes) and describes it: `json` (the document as the core writes
/// it), `k` and the shapes the Python classes need (`d`; `p`, `q`, `gamma`; `covariance`;
/// `model`, `steps`, `counts` of a mini-batch state).
#[pyfunction]
pub fn segment_load<'py>(
    py: Python<'py>,
    kind: &str,
    json: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyDict>> {
    let d = PyDict::new(py);
    match kind {
        "kmeans" => {
            let m = KMeansModel::from_json(&document(json, KMeansModel::KIND)?).map_err(to_py)?;
            d.set_item("k", m.k())?;
            d.set_item("d", m.d)?;
            d.set_item("json", m.to_json())?;
        }
        "minibatch_kmeans" => {
            let text = document(json, MiniBatchKMeans::KIND)?;
            let s = MiniBatchKMeans::from_json(&text).map_err(to_py)?;
            let model = s.model();
            d.set_item("k", model.k())?;
            d.set_item("d", model.d)?;
            d.set_item("model", model.to_json())?;
            d.set_item("steps", s.steps)?;
            d.set_item("counts", s.counts.clone())?;
            d.set_item("json", s.to_json())?;
        }
        "gaussian_mixture" => {
            let text = document(json, GaussianMixture::KIND)?;
            let m = GaussianMixture::from_json(&text).map_err(to_py)?;
            d.set_item("k", m.k())?;
            d.set_item("d", m.d)?;
            d.set_item(
                "covariance",
                serde_json::to_value(m.covariance).expect("a name").as_str(),
            )?;
            d.set_item("json", m.to_json())?;
        }
        "kprototypes" => {
            let text = document(json, KPrototypesModel::KIND)?;
            let m = KPrototypesModel::from_json(&text).map_err(to_py)?;
            d.set_item("k", m.k())?;
            d.set_item("p", m.p)?;
            d.set_item("q", m.gamma.len())?;
            d.set_item("gamma", m.gamma.clone())?;
            d.set_item("json", m.to_json())?;
        }
        other => {
            return Err(to_py(SegmentError::InvalidOption {
                option: "kind".into(),
                reason: format!("unknown model kind '{other}'"),
            }))
        }
    }
    Ok(d)
}
