//! The shape every model family shares, in the spirit of linfa: an options type (checked, with
//! its defaults in the core) [`Fit`]s data into a fitted result, whose model [`Predict`]s (and,
//! where it has a natural one, [`Transform`]s) new data.
//!
//! | options | data | fitted | model |
//! |---|---|---|---|
//! | `KMeansOptions` | `Rows`, `Weighted<Rows>` | `KMeansFit` | `KMeansModel` |
//! | `MiniBatchOptions` | `Rows`, `Weighted<Rows>` | `MiniBatchFit` | `KMeansModel` |
//! | `GmmOptions` | `Rows` | `GmmFit` | `GaussianMixture` |
//! | `KPrototypesOptions` | `MixedSample` | `KPrototypesFit` | `KPrototypesModel` |
//! | `ValueOptions` | `ValueColumns` | `ValueFit` | `ValueModel` |
//!
//! A binding wraps each family the same way: options in as given, `fit`, and a native handle on
//! the model with `predict`/`transform` and `to_json`/`from_json`.

/// Options that fit a model on data of type `D`. Each call checks the options and the data and
/// returns a typed error of the family's area, never a panic.
pub trait Fit<D: ?Sized> {
    /// What a fit gives: the model and what was learnt on the way (labels, cost, a report).
    type Fitted;
    /// The area's error.
    type Error;
    /// Fits on `data`.
    fn fit(&self, data: &D) -> Result<Self::Fitted, Self::Error>;
}

/// A fitted model that gives one output per row of data of type `D` (a label, a score).
pub trait Predict<D: ?Sized> {
    /// The output for all rows.
    type Output;
    /// The area's error.
    type Error;
    /// Predicts for every row of `data` (checked against the model's shape).
    fn predict(&self, data: &D) -> Result<Self::Output, Self::Error>;
}

/// A fitted model that maps rows of data of type `D` to new features (distances to centres,
/// component responsibilities).
pub trait Transform<D: ?Sized> {
    /// The transformed rows.
    type Output;
    /// The area's error.
    type Error;
    /// Transforms every row of `data` (checked against the model's shape).
    fn transform(&self, data: &D) -> Result<Self::Output, Self::Error>;
}

/// Data with optional per-row weights (≥ 0; a weight counts the row that many times).
#[derive(Debug, Clone, Copy)]
pub struct Weighted<'a, X> {
    /// The rows.
    pub data: &'a X,
    /// One weight per row; `None`: every row counts once.
    pub weights: Option<&'a [f64]>,
}

impl<'a, X> Weighted<'a, X> {
    /// Rows with optional weights.
    pub fn new(data: &'a X, weights: Option<&'a [f64]>) -> Self {
        Weighted { data, weights }
    }
}

/// Serde for a number of runs (`n_init`) that may be "auto" (scikit-learn's spelling of
/// "the family's default"): `null` and `"auto"` read as `None`, a whole number as itself.
pub(crate) mod auto_runs {
    use serde::{de, Deserialize, Deserializer, Serialize, Serializer};

    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Given {
        Count(usize),
        Word(String),
    }

    /// Writes `None` as `null`.
    pub fn serialize<S: Serializer>(runs: &Option<usize>, s: S) -> Result<S::Ok, S::Error> {
        runs.serialize(s)
    }

    /// Reads `null`, `"auto"` or a whole number ≥ 0.
    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<usize>, D::Error> {
        match Option::<Given>::deserialize(d)
            .map_err(|_| de::Error::custom("expected a whole number of runs ≥ 1 or \"auto\""))?
        {
            None => Ok(None),
            Some(Given::Count(n)) => Ok(Some(n)),
            Some(Given::Word(w)) if w == "auto" => Ok(None),
            Some(Given::Word(_)) => Err(de::Error::custom(
                "expected a whole number of runs ≥ 1 or \"auto\"",
            )),
        }
    }
}
