//! Segmentation for Python: arrays in, arrays out; scoring and maps are the core's.

use crate::models::{options, rows};
use crate::{document, opt_whole, to_py, whole};
use kehu::format::Versioned;
use kehu::segment::audience::{given_customers, AudienceInputs, Audiences, SegmentColumn};
use kehu::segment::kmeans::KMeansOptions;
use kehu::segment::lifecycle::{
    lifecycle_stages, migration_matrix, Stage, StageInputs, StageRule, STAGES,
};
use kehu::segment::{portrait, quality, rfm_scores, RfmScoreOptions, SegmentError, SegmentMap};
use numpy::{PyArray1, PyReadonlyArray1, PyReadonlyArray2};
use pyo3::prelude::*;
use pyo3::types::PyDict;

/// Options from their JSON text (absent: the core's defaults), a parse failure naming `what`.
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

/// R, F, M scores; `options` is the core's RfmScoreOptions as JSON (only what the user gave).
#[pyfunction]
#[pyo3(signature = (recency, frequency, monetary, options=None))]
pub fn segment_rfm_scores<'py>(
    py: Python<'py>,
    recency: PyReadonlyArray1<'py, f64>,
    frequency: PyReadonlyArray1<'py, f64>,
    monetary: PyReadonlyArray1<'py, f64>,
    options: Option<&str>,
) -> PyResult<Scores<'py>> {
    let opts = self::options::<RfmScoreOptions>("binning", options)?.binnings();
    let (r, f, m) = (
        recency.as_slice()?,
        frequency.as_slice()?,
        monetary.as_slice()?,
    );
    let s = crate::interruptible(py, || rfm_scores(r, f, m, &opts)).map_err(to_py)?;
    let wide = |v: Vec<u32>| PyArray1::from_vec(py, v.into_iter().map(i64::from).collect());
    Ok((wide(s.r), wide(s.f), wide(s.m), s.bins))
}

/// Unassigned codes, and overlapping codes with their segments.
type MapCheckPy = (Vec<String>, Vec<(String, Vec<String>)>);

/// A segment map (rules from R, F, M scores to names), held natively: parsed and checked once.
#[pyclass(module = "kehu._native", name = "SegmentMap", frozen)]
pub struct PySegmentMap {
    map: SegmentMap,
}

#[pymethods]
impl PySegmentMap {
    /// A built-in map by name (`rf10`, `rfm8`).
    #[staticmethod]
    fn builtin(name: &str) -> PyResult<Self> {
        Ok(PySegmentMap {
            map: SegmentMap::builtin(name).map_err(to_py)?,
        })
    }

    /// A map from a code table's CSV text (`R,F,M,code,segment` per line).
    #[staticmethod]
    fn from_code_table(text: &str) -> PyResult<Self> {
        Ok(PySegmentMap {
            map: SegmentMap::from_code_table(text).map_err(to_py)?,
        })
    }

    /// A map from its document (str or UTF-8 bytes); malformed text is FORMAT_INVALID.
    #[staticmethod]
    fn from_json(document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = self::document(document, SegmentMap::KIND)?;
        Ok(PySegmentMap {
            map: SegmentMap::from_json(&text).map_err(to_py)?,
        })
    }

    /// The map as a versioned document.
    fn to_json(&self) -> String {
        self.map.to_json()
    }

    /// Segment names in rule order.
    #[getter]
    fn segments(&self) -> Vec<String> {
        self.map.segments()
    }

    /// Checks the map over every code of `bins` scores: (unassigned codes, [(code, segments)]).
    fn check(&self, bins: Bound<'_, PyAny>) -> PyResult<MapCheckPy> {
        let c = self
            .map
            .check(whole(&bins, "bins", segment_option)?)
            .map_err(to_py)?;
        Ok((c.unassigned, c.overlapping))
    }

    /// Each customer's segment (`None` where no rule matches); `bins`: the scores' bins when
    /// known (the core refuses scores binned for another range than the map's).
    #[pyo3(signature = (r, f, m, bins=None))]
    fn assign<'py>(
        &self,
        r: PyReadonlyArray1<'py, i64>,
        f: PyReadonlyArray1<'py, i64>,
        m: PyReadonlyArray1<'py, i64>,
        bins: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Vec<Option<String>>> {
        let bins = bins
            .filter(|b| !b.is_none())
            .map(|b| {
                b.extract::<[u32; 3]>().map_err(|_| {
                    to_py(SegmentError::InvalidOption {
                        option: "bins".into(),
                        reason: "the scores' bins must be three whole numbers ≥ 0 (R, F and M)"
                            .into(),
                    })
                })
            })
            .transpose()?;
        self.map
            .assign_columns(r.as_slice()?, f.as_slice()?, m.as_slice()?, bins)
            .map_err(to_py)
    }
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
    let seed: Option<u64> = opt_whole(seed.as_ref(), "random_state", segment_option)?;
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

/// k-means (`options`) for every k of the sweep (`sweep`: the core's `SweepOptions`, defaults
/// for what is not given) with every criterion, as a JSON list of rows.
#[pyfunction]
pub fn segment_k_sweep<'py>(
    py: Python<'py>,
    x: PyReadonlyArray2<'py, f64>,
    options: &str,
    sweep: &str,
) -> PyResult<String> {
    let opts: KMeansOptions = self::options("KMeans", Some(options))?;
    let sweep: quality::SweepOptions = self::options("k_sweep", Some(sweep))?;
    let x = rows(&x)?;
    let table = crate::interruptible(py, || quality::k_sweep(&x, &opts, &sweep)).map_err(to_py)?;
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

/// Portraits: numeric columns as float arrays (NaN missing), the other columns as JSON arrays of
/// the core's given values, whose kind the core decides (`portrait_of_given`); `top` None is
/// the core's default.
#[pyfunction]
#[pyo3(signature = (segments, numeric_names, numeric, given_names, given, top=None))]
pub fn segment_portrait<'py>(
    segments: Vec<Option<String>>,
    numeric_names: Vec<String>,
    numeric: Vec<PyReadonlyArray1<'py, f64>>,
    given_names: Vec<String>,
    given: Vec<String>,
    top: Option<Bound<'py, PyAny>>,
) -> PyResult<(String, String)> {
    use kehu::data::customers::GivenValue;
    let top: Option<usize> = opt_whole(top.as_ref(), "top", segment_option)?;
    let mut features = Vec::with_capacity(numeric.len() + given.len());
    for (name, values) in numeric_names.into_iter().zip(&numeric) {
        let values = values
            .as_slice()?
            .iter()
            .map(|&x| (!x.is_nan()).then_some(GivenValue::Number(x)))
            .collect();
        features.push(portrait::GivenFeature { name, values });
    }
    for (name, json) in given_names.into_iter().zip(&given) {
        let values = kehu::format::parse_json(json)
            .map_err(|reason| to_py(segment_option(format!("feature '{name}'"), reason)))?;
        features.push(portrait::GivenFeature { name, values });
    }
    let (n, c) = portrait::portrait_of_given(&segments, &features, top).map_err(to_py)?;
    Ok((
        serde_json::to_string(&n).expect("rows serialise"),
        serde_json::to_string(&c).expect("rows serialise"),
    ))
}

/// One attribute column from Python: (name, its values as JSON given values), whose kind the
/// core infers ([`Attribute::infer_json`]).
type AttributeColumn = (String, String);

/// Rule audiences, held natively: the document is parsed and compiled once.
#[pyclass(module = "kehu._native", name = "Audiences", frozen)]
pub struct PyAudiences {
    audiences: Audiences,
}

#[pymethods]
impl PyAudiences {
    /// Audiences from their document or a shorthand the core reads (a list of definitions or
    /// an object of rules by name; str or UTF-8 bytes); malformed text is FORMAT_INVALID, an
    /// invalid rule SEGMENT_INVALID_RULE naming the node.
    #[staticmethod]
    fn from_json(document: &Bound<'_, PyAny>) -> PyResult<Self> {
        let text = self::document(document, "audiences")?;
        Ok(PyAudiences {
            audiences: Audiences::from_given_json(&text).map_err(to_py)?,
        })
    }

    /// The audiences as a versioned document.
    fn to_json(&self) -> String {
        self.audiences.to_json()
    }

    /// Audience names, in document order.
    #[getter]
    fn names(&self) -> Vec<String> {
        self.audiences
            .names()
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    /// Audience membership of every customer (those of `customer_ids`, then those with
    /// transactions only): (ids, audience names, membership per audience, validation report).
    #[pyo3(signature = (as_of, table=None, columns=None, datetime_format=None, allow_returns=None, customer_ids=None, attributes=None, segments=None))]
    #[allow(clippy::too_many_arguments)]
    fn evaluate<'py>(
        &self,
        py: Python<'py>,
        as_of: &str,
        table: Option<crate::PyTable>,
        columns: Option<std::collections::HashMap<String, String>>,
        datetime_format: Option<String>,
        allow_returns: Option<bool>,
        customer_ids: Option<Vec<Option<String>>>,
        attributes: Option<Vec<AttributeColumn>>,
        segments: Option<Vec<SegmentLabels>>,
    ) -> PyResult<AudienceResult<'py>> {
        let audiences = &self.audiences;
        let customers = customer_ids
            .map(|ids| given_customers(ids, attributes.unwrap_or_default()))
            .transpose()
            .map_err(|e| to_py(kehu::Error::from(e)))?;
        let batch = table.map(crate::batch_of).transpose()?;
        let cols = batch
            .as_ref()
            .map(|b| {
                crate::arrow_columns::ArrowTransactions::new(
                    b,
                    &columns.unwrap_or_default(),
                    datetime_format,
                )
            })
            .transpose()
            .map_err(to_py)?;
        let vopts = crate::validation_options(allow_returns, None, None, None).map_err(to_py)?;
        let views = cols.as_ref().map(|c| c.columns());
        let segments: Vec<SegmentColumn> = segments
            .unwrap_or_default()
            .into_iter()
            .map(|(name, ids, labels)| SegmentColumn { name, ids, labels })
            .collect();
        let inputs = AudienceInputs {
            as_of,
            customers,
            transactions: views.as_ref().map(|v| (v, &vopts)),
            segments,
        };
        let (m, r) =
            crate::interruptible(py, || audiences.evaluate_inputs(inputs)).map_err(to_py)?;
        let report = PyDict::new(py);
        if let Some(r) = r {
            crate::report_into(py, &report, &r)?;
        }
        Ok((m.ids, m.names, m.members, report))
    }
}

/// One segmentation from Python: (name, customer ids, labels).
type SegmentLabels = (String, Vec<Option<String>>, Vec<Option<String>>);

/// (customer ids, audience names, membership per audience, validation report).
type AudienceResult<'py> = (Vec<String>, Vec<String>, Vec<Vec<bool>>, Bound<'py, PyDict>);

/// Values as text by the core's rule (`kehu::data::text`), as categories, segment labels and ids
/// are read in every binding: text as given; booleans "true"/"false"; numbers as the core
/// writes them (`1.0` is "1"); None (and non-finite floats) missing; another object by its
/// `str()`. Numpy scalars come as Python numbers (the Python layer unwraps them).
#[pyfunction]
pub fn value_texts(values: Vec<Bound<'_, PyAny>>) -> PyResult<Vec<Option<String>>> {
    use kehu::data::text::{flag_text, number_text};
    use pyo3::types::{PyBool, PyFloat, PyInt, PyString};
    values
        .iter()
        .map(|v| {
            Ok(if v.is_none() {
                None
            } else if let Ok(s) = v.cast::<PyString>() {
                Some(s.to_cow()?.into_owned())
            } else if let Ok(b) = v.cast::<PyBool>() {
                Some(flag_text(b.is_true()).to_string())
            } else if v.is_instance_of::<PyInt>() {
                Some(v.str()?.to_cow()?.into_owned())
            } else if let Ok(f) = v.cast::<PyFloat>() {
                number_text(f.value())
            } else {
                Some(v.str()?.to_cow()?.into_owned())
            })
        })
        .collect()
}
