//! k-prototypes and k-modes for customers described by numeric and categorical attributes.
//!
//! The distance of a row to a centre is Σ (xⱼ − μⱼ)² over the numeric columns plus
//! Σ γₗ · [xₗ ≠ modeₗ] over the categorical ones (k-modes is the case without numeric columns
//! and γ = 1). Iterations are batch (Lloyd-style): every row is assigned to its nearest centre,
//! then every centre becomes the weighted mean and mode of its rows, until no label changes; each
//! step lowers the cost, so a run ends. Rows are processed in fixed chunks reduced in order and
//! restarts run in parallel: a seed gives the same result on any thread count.
//!
//! - Missing values: a missing number (NaN) or category leaves that column out of the row's
//!   distance and out of its centre's mean or mode; a category not seen in fitting differs from
//!   every mode (it counts γ against each centre alike).
//! - Modes: the most frequent category (by weight); ties go to the first in sorted order.
//!   Nearest centres: ties go to the lowest index.
//! - Initialisation: greedy k-means++ on the mixed distance (the default: on the credit data it
//!   reaches a lower cost than kmodes' Cao and Huang starts), Cao et al. (2009), deterministic (density from the categorical columns,
//!   then the row maximising density × distance to the nearest chosen centre, with the full
//!   mixed distance); Huang (1997) (each categorical column's mode drawn by frequency, then the
//!   nearest row not yet chosen); random distinct rows; or given centres. Centres that start
//!   from rows take the whole row, numbers included (a missing number takes the column mean),
//!   so every cluster starts non-empty; a cluster emptied later is refilled with the row farthest
//!   from its centre, and the fit says so in its notes.
//!
//! Layout: `table` (a binding's table split into numbers and categories, [`MixedTable`]),
//! `encoding` ([`Categories`], [`MixedRows`]), `seeding` (the starting centres),
//! `lloyd` (one run's passes); this module holds the options, the model and the fit.

mod encoding;
mod lloyd;
mod seeding;
mod table;

use super::rows::check_weights;
use super::SegmentError;
use crate::learn::{Fit, Predict};
use crate::rng::Draw;
use lloyd::{run, Run};
use rayon::prelude::*;
use seeding::{
    cao_rows, centres_from_rows, given_centres, huang_rows, plus_plus_rows, random_rows,
};
use serde::{Deserialize, Serialize};

pub use encoding::{Categories, MixedRows, MISSING, UNSEEN};
pub use table::{MixedColumn, MixedTable};

/// Rows per chunk of every parallel pass (fixed, so sums do not depend on the thread count).
const CHUNK: usize = 2048;

/// How the first centres are chosen. Read from a name (`"cao"`, `"Huang"`, `"random"`,
/// `"k-prototypes++"`: any case, as kmodes reads them) or from `{"kind": name, ...}`; written as
/// `{"kind": ...}`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum ModesInit {
    /// Cao et al. (2009): density and distance, no randomness.
    Cao,
    /// Huang (1997): modes drawn by frequency, moved to the nearest distinct rows.
    Huang,
    /// k distinct rows drawn uniformly.
    Random,
    /// Greedy k-means++ on the mixed distance: each new centre is the best of 2 + ⌊ln k⌋ rows
    /// drawn with probability ∝ weight × distance to the nearest chosen centre. Also read as
    /// `k-prototypes++`.
    PlusPlus,
    /// Given centres: numeric parts k × p and categories k × q (values seen in the data),
    /// row-major; a single run.
    Centers {
        /// Numeric parts.
        numeric: Vec<f64>,
        /// Category values.
        categorical: Vec<String>,
    },
}

impl<'de> Deserialize<'de> for ModesInit {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error;
        use serde_json::Value;
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Centers {
            #[allow(dead_code)]
            kind: String,
            numeric: Vec<f64>,
            categorical: Vec<Option<String>>,
        }
        let value = Value::deserialize(deserializer)?;
        let kind = match &value {
            Value::String(name) => name.clone(),
            Value::Object(fields) => match fields.get("kind") {
                Some(Value::String(kind)) => kind.clone(),
                _ => return Err(D::Error::missing_field("kind")),
            },
            _ => return Err(D::Error::custom("init must be a name or {\"kind\": ...}")),
        };
        let plain = |init: ModesInit| match &value {
            Value::Object(fields) if fields.len() > 1 => Err(D::Error::custom(format!(
                "init '{kind}' takes no other fields"
            ))),
            _ => Ok(init),
        };
        match kind.to_ascii_lowercase().as_str() {
            "cao" => plain(ModesInit::Cao),
            "huang" => plain(ModesInit::Huang),
            "random" => plain(ModesInit::Random),
            "plus_plus" | "k-prototypes++" => plain(ModesInit::PlusPlus),
            "centers" => {
                let c = Centers::deserialize(value).map_err(D::Error::custom)?;
                let categorical = c
                    .categorical
                    .into_iter()
                    .enumerate()
                    .map(|(i, v)| {
                        v.ok_or_else(|| {
                            D::Error::custom(format!(
                                "init's category centre {i} is missing: every mode must be a category of the data"
                            ))
                        })
                    })
                    .collect::<Result<_, _>>()?;
                Ok(ModesInit::Centers {
                    numeric: c.numeric,
                    categorical,
                })
            }
            _ => Err(D::Error::unknown_variant(
                &kind,
                &[
                    "cao",
                    "huang",
                    "random",
                    "plus_plus",
                    "k-prototypes++",
                    "centers",
                ],
            )),
        }
    }
}

/// The weight γ of categorical mismatches.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(
    rename_all = "snake_case",
    tag = "kind",
    content = "value",
    deny_unknown_fields
)]
pub enum Gamma {
    /// 0.5 × the mean standard deviation of the numeric columns (1 without numeric columns).
    Auto,
    /// One weight for every categorical column.
    All(f64),
    /// One weight per categorical column.
    PerColumn(Vec<f64>),
}

/// k-prototypes settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KPrototypesOptions {
    /// Number of clusters (also read as scikit-learn's `n_clusters`).
    #[serde(alias = "n_clusters")]
    pub k: usize,
    /// Initialisation.
    pub init: ModesInit,
    /// Runs from different initialisations, the lowest cost kept; `None`: 1 for Cao and given
    /// centres (deterministic), 10 otherwise.
    #[serde(with = "crate::learn::auto_runs")]
    pub n_init: Option<usize>,
    /// Assignment passes at most per run.
    pub max_iter: usize,
    /// Weight of categorical mismatches.
    pub gamma: Gamma,
    /// Seed of every random choice (also read as scikit-learn's `random_state`).
    #[serde(alias = "random_state")]
    pub seed: u64,
}

impl Default for KPrototypesOptions {
    fn default() -> Self {
        KPrototypesOptions {
            k: 8,
            init: ModesInit::PlusPlus,
            n_init: None,
            max_iter: 100,
            gamma: Gamma::Auto,
            seed: 0,
        }
    }
}

/// A fitted k-prototypes (or k-modes) model.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KPrototypesModel {
    /// Numeric columns per row (0 for k-modes).
    pub p: usize,
    /// Numeric parts of the centres, k × p row-major.
    pub numeric: Vec<f64>,
    /// Modes of the centres as category codes, k × q row-major.
    pub modes: Vec<i32>,
    /// γ per categorical column.
    pub gamma: Vec<f64>,
    /// The categories the codes index.
    pub categories: Categories,
    /// The indices of the categorical columns in the table it was fitted on (`None` in models
    /// saved before kehu kept them: the numeric columns first, then the categorical ones).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub categorical_columns: Option<Vec<usize>>,
}

impl crate::format::Versioned for KPrototypesModel {
    const KIND: &'static str = "kprototypes";
}

/// The outcome of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct KPrototypesFit {
    /// The model.
    pub model: KPrototypesModel,
    /// Each row's cluster.
    pub labels: Vec<u32>,
    /// Σ weight · distance to the row's centre.
    pub cost: f64,
    /// Assignment passes of the kept run.
    pub n_iter: usize,
    /// What the fit had to do that a user should know (a refilled empty cluster).
    pub notes: Vec<String>,
}

impl KPrototypesModel {
    /// Number of clusters.
    pub fn k(&self) -> usize {
        match (self.gamma.len(), self.p) {
            (0, 0) => 0,
            (0, p) => self.numeric.len() / p,
            (q, _) => self.modes.len() / q,
        }
    }

    /// The numeric part of each centre (k rows of p values).
    pub fn numeric_centres(&self) -> Vec<Vec<f64>> {
        if self.p == 0 {
            return vec![Vec::new(); self.k()];
        }
        self.numeric.chunks(self.p).map(<[f64]>::to_vec).collect()
    }

    /// The modes of each centre as category values (k rows of q values).
    pub fn mode_values(&self) -> Vec<Vec<String>> {
        let q = self.gamma.len();
        self.modes
            .chunks(q)
            .map(|modes| {
                modes
                    .iter()
                    .enumerate()
                    .map(|(j, &code)| self.categories.value(j, code).unwrap_or("").to_string())
                    .collect()
            })
            .collect()
    }

    fn check(&self, x: &MixedRows) -> Result<(), SegmentError> {
        let (k, q) = (self.k(), self.gamma.len());
        if k == 0 || self.numeric.len() != k * self.p || self.modes.len() != k * q {
            return Err(SegmentError::InvalidOption {
                option: "model".into(),
                reason: "needs at least one centre, each with p numeric values and q modes".into(),
            });
        }
        if x.p != self.p || x.q != self.gamma.len() {
            return Err(SegmentError::InvalidOption {
                option: "X".into(),
                reason: format!(
                    "has {} numeric and {} categorical columns, the model {} and {}",
                    x.p,
                    x.q,
                    self.p,
                    self.gamma.len()
                ),
            });
        }
        Ok(())
    }

    fn centres(&self) -> Centres<'_> {
        Centres {
            numeric: &self.numeric,
            modes: &self.modes,
            gamma: &self.gamma,
            p: self.p,
        }
    }
}

impl Predict<MixedRows<'_>> for KPrototypesModel {
    type Output = Vec<u32>;
    type Error = SegmentError;

    /// The nearest centre of each row.
    fn predict(&self, x: &MixedRows) -> Result<Vec<u32>, SegmentError> {
        self.check(x)?;
        let c = self.centres();
        Ok((0..x.n)
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|i| c.nearest(x.num(i), x.cat(i)).0)
            .collect())
    }
}

impl KPrototypesModel {
    /// The nearest centre of one customer: `p` numbers (NaN = missing) and one value per
    /// categorical column (the on-device case).
    pub fn predict_one(
        &self,
        numeric: &[f64],
        categorical: &[Option<String>],
    ) -> Result<u32, SegmentError> {
        let columns: Vec<Vec<Option<String>>> =
            categorical.iter().map(|v| vec![v.clone()]).collect();
        let codes = self.categories.encode(&columns)?;
        let x = MixedRows::new(numeric, self.p, &codes, self.gamma.len())?;
        self.check(&x)?;
        Ok(self.centres().nearest(x.num(0), x.cat(0)).0)
    }

    /// The indices of the categorical columns in the tables the model reads: those of the table
    /// it was fitted on.
    pub fn categorical_columns(&self) -> Vec<usize> {
        self.categorical_columns
            .clone()
            .unwrap_or_else(|| (self.p..self.p + self.gamma.len()).collect())
    }

    /// The layout a table to score is split by: the `given` categorical indices, or the fitted
    /// table's.
    pub fn layout(&self, given: Option<Vec<i64>>) -> Vec<i64> {
        given.unwrap_or_else(|| {
            self.categorical_columns()
                .into_iter()
                .map(|c| c as i64)
                .collect()
        })
    }

    /// The nearest centre of each row of a split table, and the rows' cost (Σ weight ·
    /// distance).
    pub fn predict_table(
        &self,
        table: &MixedTable,
        weights: Option<&[f64]>,
    ) -> Result<(Vec<u32>, f64), SegmentError> {
        let codes = self.categories.encode(&table.categorical)?;
        let x = MixedRows::new(&table.numeric, table.p, &codes, table.categorical.len())?;
        Ok((self.predict(&x)?, self.cost(&x, weights)?))
    }

    /// Σ weight · distance to the nearest centre.
    pub fn cost(&self, x: &MixedRows, weights: Option<&[f64]>) -> Result<f64, SegmentError> {
        self.check(x)?;
        let w = check_weights(weights, x.n)?;
        let c = self.centres();
        let starts: Vec<usize> = (0..x.n).step_by(CHUNK).collect();
        let parts: Vec<f64> = starts
            .par_iter()
            .map(|&s| {
                (s..(s + CHUNK).min(x.n))
                    .map(|i| w.map_or(1.0, |w| w[i]) * c.nearest(x.num(i), x.cat(i)).1)
                    .sum()
            })
            .collect();
        Ok(parts.iter().sum())
    }

    /// Reads a `kprototypes` document.
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        let m: KPrototypesModel = crate::format::from_json(text)?;
        let q = m.categories.columns.len();
        let bad = |reason: &str| SegmentError::InvalidOption {
            option: "model".into(),
            reason: reason.into(),
        };
        if q == 0 || m.gamma.len() != q || m.modes.is_empty() || !m.modes.len().is_multiple_of(q) {
            return Err(bad("needs k × q modes and one γ per categorical column").into());
        }
        if Some(m.numeric.len()) != (m.modes.len() / q).checked_mul(m.p) {
            return Err(bad("needs k × p numeric centre values").into());
        }
        let known = m
            .modes
            .iter()
            .enumerate()
            .all(|(i, c)| m.categories.value(i % q, *c).is_some());
        if !known || m.numeric.iter().any(|v| !v.is_finite()) {
            return Err(bad("centres must be finite and modes known categories").into());
        }
        if m.gamma.iter().any(|g| !(g.is_finite() && *g >= 0.0)) {
            return Err(bad("γ must be finite and ≥ 0").into());
        }
        Ok(m)
    }

    /// Writes the model as a versioned document.
    pub fn to_json(&self) -> String {
        crate::format::to_json(self)
    }
}

/// Centres borrowed for distance computations.
#[derive(Clone, Copy)]
struct Centres<'a> {
    numeric: &'a [f64],
    modes: &'a [i32],
    gamma: &'a [f64],
    p: usize,
}

impl Centres<'_> {
    #[inline]
    fn distance(&self, c: usize, num: &[f64], cat: &[i32]) -> f64 {
        let q = self.gamma.len();
        let mu = &self.numeric[c * self.p..(c + 1) * self.p];
        let mut d = 0.0;
        for (x, m) in num.iter().zip(mu) {
            let diff = x - m;
            if !diff.is_nan() {
                d += diff * diff;
            }
        }
        for ((x, m), g) in cat
            .iter()
            .zip(&self.modes[c * q..(c + 1) * q])
            .zip(self.gamma)
        {
            if *x != MISSING && x != m {
                d += g;
            }
        }
        d
    }

    /// The nearest centre and its distance (ties: the lowest index).
    fn nearest(&self, num: &[f64], cat: &[i32]) -> (u32, f64) {
        let k = self.modes.len() / self.gamma.len();
        let mut best = (0u32, f64::INFINITY);
        for c in 0..k {
            let d = self.distance(c, num, cat);
            if d < best.1 {
                best = (c as u32, d);
            }
        }
        best
    }
}

/// What k-prototypes fits: mixed rows, the categories their codes refer to, optional weights.
#[derive(Debug, Clone, Copy)]
pub struct MixedSample<'a> {
    /// The rows (numeric and categorical codes).
    pub rows: &'a MixedRows<'a>,
    /// The categories of each categorical column.
    pub categories: &'a Categories,
    /// One weight per row (≥ 0); `None`: every row counts once.
    pub weights: Option<&'a [f64]>,
}

impl KPrototypesOptions {
    /// Fits on a split table: its categories learnt, its layout kept in the model (so a saved
    /// model scores tables of the same layout without being told it again).
    pub fn fit_table(
        &self,
        table: &MixedTable,
        weights: Option<&[f64]>,
    ) -> Result<KPrototypesFit, SegmentError> {
        let categories = Categories::learn(&table.categorical);
        let codes = categories.encode(&table.categorical)?;
        let x = MixedRows::new(&table.numeric, table.p, &codes, table.categorical.len())?;
        let mut fit = self.fit(&MixedSample {
            rows: &x,
            categories: &categories,
            weights,
        })?;
        fit.model.categorical_columns = Some(table.categorical_columns.clone());
        Ok(fit)
    }
}

impl Fit<MixedSample<'_>> for KPrototypesOptions {
    type Fitted = KPrototypesFit;
    type Error = SegmentError;

    /// Fits k-prototypes (k-modes when the rows have no numeric columns).
    fn fit(&self, x: &MixedSample) -> Result<KPrototypesFit, SegmentError> {
        fit(x.rows, x.categories, x.weights, self)
    }
}

/// Fits k-prototypes (k-modes when `x` has no numeric columns) with optional `weights` (≥ 0).
fn fit(
    x: &MixedRows,
    categories: &Categories,
    weights: Option<&[f64]>,
    opts: &KPrototypesOptions,
) -> Result<KPrototypesFit, SegmentError> {
    let bad = |option: &str, reason: String| SegmentError::InvalidOption {
        option: option.into(),
        reason,
    };
    if categories.columns.len() != x.q {
        return Err(bad(
            "categorical",
            format!(
                "{} columns, categories for {}",
                x.q,
                categories.columns.len()
            ),
        ));
    }
    if let Some(i) = (0..x.n * x.q)
        .find(|&i| x.codes[i] != MISSING && categories.value(i % x.q, x.codes[i]).is_none())
    {
        return Err(SegmentError::InvalidData {
            row: i / x.q,
            field: format!("categorical column {}", i % x.q),
            reason: "is not one of the learned categories".into(),
        });
    }
    if opts.k == 0 || opts.k > x.n {
        return Err(bad(
            "k",
            format!(
                "must be between 1 and the {n} rows (n_samples={n})",
                n = x.n
            ),
        ));
    }
    if opts.max_iter == 0 || opts.n_init == Some(0) {
        return Err(bad("max_iter / n_init", "must be ≥ 1".into()));
    }
    if opts.n_init.is_some_and(|r| r > super::kmeans::MAX_RUNS) {
        return Err(bad(
            "n_init",
            format!("at most {} runs", super::kmeans::MAX_RUNS),
        ));
    }
    let ones;
    let w = match check_weights(weights, x.n)? {
        Some(w) => w,
        None => {
            ones = vec![1.0; x.n];
            &ones
        }
    };
    let positive = w.iter().filter(|v| **v > 0.0).count();
    if positive < opts.k {
        return Err(bad(
            "k",
            format!("exceeds the {positive} rows of positive weight"),
        ));
    }
    let gamma = resolve_gamma(&opts.gamma, x, w)?;
    let distinct = count_distinct_rows(x, opts.k);
    if distinct < opts.k && !matches!(opts.init, ModesInit::Centers { .. }) {
        return Err(bad(
            "k",
            format!(
                "exceeds the {distinct} distinct rows: no {} different centres exist",
                opts.k
            ),
        ));
    }
    let runs = opts.n_init.unwrap_or(match opts.init {
        ModesInit::Huang | ModesInit::Random | ModesInit::PlusPlus => 10,
        _ => 1,
    });
    let runs = match opts.init {
        ModesInit::Cao | ModesInit::Centers { .. } => 1,
        _ => runs,
    };
    let column_means = column_means(x, w);
    let starts: Vec<(Vec<f64>, Vec<i32>)> = (0..runs)
        .map(|r| {
            let mut draw = Draw::new(opts.seed, r as u64);
            let rows = match &opts.init {
                ModesInit::Cao => cao_rows(x, &gamma, opts.k),
                ModesInit::Huang => huang_rows(x, &gamma, opts.k, &mut draw),
                ModesInit::Random => random_rows(x, w, opts.k, &mut draw),
                ModesInit::PlusPlus => plus_plus_rows(x, w, &gamma, opts.k, &mut draw),
                ModesInit::Centers {
                    numeric,
                    categorical,
                } => return given_centres(x, categories, opts.k, numeric, categorical),
            };
            Ok(centres_from_rows(x, &rows, &column_means))
        })
        .collect::<Result<_, SegmentError>>()?;
    // The runs are taken in parallel, so only their start and end are reported.
    let progress = crate::progress::Stage::start("k-prototypes", runs);
    let results: Vec<Run> = starts
        .into_par_iter()
        .enumerate()
        .map(|(r, (numeric, modes))| run(x, categories, w, &gamma, numeric, modes, opts, r))
        .collect();
    crate::cancel::check()?;
    progress.finish();
    let best = results
        .into_iter()
        .reduce(|a, b| if b.cost < a.cost { b } else { a })
        .expect("at least one run");
    Ok(KPrototypesFit {
        model: KPrototypesModel {
            p: x.p,
            numeric: best.numeric,
            modes: best.modes,
            gamma,
            categories: categories.clone(),
            categorical_columns: None,
        },
        labels: best.labels,
        cost: best.cost,
        n_iter: best.n_iter,
        notes: best.notes,
    })
}

fn resolve_gamma(g: &Gamma, x: &MixedRows, w: &[f64]) -> Result<Vec<f64>, SegmentError> {
    let bad = |reason: String| SegmentError::InvalidOption {
        option: "gamma".into(),
        reason,
    };
    let gamma = match g {
        Gamma::Auto => {
            if x.p == 0 {
                vec![1.0; x.q]
            } else {
                let means = column_means(x, w);
                let sq = weighted_column_sums(x, w, |j, v| (v - means[j]) * (v - means[j]));
                let mean_std = sq
                    .iter()
                    .map(|(s, n)| if *n > 0.0 { (s / n).sqrt() } else { 0.0 })
                    .sum::<f64>()
                    / x.p as f64;
                vec![0.5 * mean_std; x.q]
            }
        }
        Gamma::All(v) => vec![*v; x.q],
        Gamma::PerColumn(v) => {
            if v.len() != x.q {
                return Err(bad(format!(
                    "{} values for {} categorical columns",
                    v.len(),
                    x.q
                )));
            }
            v.clone()
        }
    };
    if gamma.iter().any(|g| !(g.is_finite() && *g >= 0.0)) {
        return Err(bad("must be finite and ≥ 0".into()));
    }
    Ok(gamma)
}

/// Per numeric column, (Σ w · f(column, value), Σ w) over the observed values.
fn weighted_column_sums(
    x: &MixedRows,
    w: &[f64],
    f: impl Fn(usize, f64) -> f64,
) -> Vec<(f64, f64)> {
    let mut acc = vec![(0.0, 0.0); x.p];
    for (i, wi) in w.iter().enumerate() {
        for (j, (a, v)) in acc.iter_mut().zip(x.num(i)).enumerate() {
            if !v.is_nan() {
                a.0 += wi * f(j, *v);
                a.1 += wi;
            }
        }
    }
    acc
}

/// Weighted means of the numeric columns over their observed values (0 for a column with none).
fn column_means(x: &MixedRows, w: &[f64]) -> Vec<f64> {
    weighted_column_sums(x, w, |_, v| v)
        .iter()
        .map(|(s, n)| if *n > 0.0 { s / n } else { 0.0 })
        .collect()
}

/// Distinct rows, counted up to `limit`.
fn count_distinct_rows(x: &MixedRows, limit: usize) -> usize {
    let mut seen: Vec<usize> = Vec::with_capacity(limit);
    for i in 0..x.n {
        if !seen.iter().any(|&s| x.same_row(s, i)) {
            seen.push(i);
            if seen.len() == limit {
                break;
            }
        }
    }
    seen.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(super) fn column(values: &[&str]) -> Vec<Option<String>> {
        values
            .iter()
            .map(|v| (!v.is_empty()).then(|| v.to_string()))
            .collect()
    }

    /// Two groups: numbers near 0 with category "a", numbers near 10 with "b".
    fn two_groups() -> (Vec<f64>, Vec<Vec<Option<String>>>) {
        let mut numeric = Vec::new();
        let mut cat = Vec::new();
        for i in 0..200 {
            let g = i % 2;
            numeric.push(g as f64 * 10.0 + (i % 7) as f64 * 0.1);
            cat.push(if g == 0 { "a" } else { "b" });
        }
        (numeric, vec![column(&cat)])
    }

    #[test]
    fn separates_groups_with_every_init_and_any_thread_count() {
        let (numeric, cols) = two_groups();
        let cats = Categories::learn(&cols);
        let codes = cats.encode(&cols).unwrap();
        let x = MixedRows::new(&numeric, 1, &codes, 1).unwrap();
        for init in [ModesInit::Cao, ModesInit::Huang, ModesInit::Random] {
            let opts = KPrototypesOptions {
                k: 2,
                init,
                seed: 3,
                ..Default::default()
            };
            let one = crate::on_threads(1, || fit(&x, &cats, None, &opts).unwrap());
            let four = crate::on_threads(4, || fit(&x, &cats, None, &opts).unwrap());
            assert_eq!(one, four);
            for i in 0..200 {
                assert_eq!(one.labels[i], one.labels[i % 2]);
            }
            assert_ne!(one.labels[0], one.labels[1]);
            let again = one.model.cost(&x, None).unwrap();
            assert!((again - one.cost).abs() <= 1e-12 * one.cost.max(1.0));
            assert_eq!(one.model.predict(&x).unwrap(), one.labels);
        }
    }

    #[test]
    fn missing_values_leave_their_column_out() {
        let numeric = vec![0.0, f64::NAN, 10.0, 10.2];
        let cols = vec![column(&["a", "a", "", "b"])];
        let cats = Categories::learn(&cols);
        let codes = cats.encode(&cols).unwrap();
        let x = MixedRows::new(&numeric, 1, &codes, 1).unwrap();
        let opts = KPrototypesOptions {
            k: 2,
            gamma: Gamma::All(1.0),
            ..Default::default()
        };
        let f = fit(&x, &cats, None, &opts).unwrap();
        assert_eq!(f.labels[0], f.labels[1]);
        assert_eq!(f.labels[2], f.labels[3]);
        assert_ne!(f.labels[0], f.labels[2]);
        // Row 1 counts only its category (0), row 2 only its number (0.1² from 10.1).
        let c2 = f.labels[2] as usize;
        assert!((f.model.numeric[c2] - 10.1).abs() < 1e-12);
        assert!((f.cost - 0.02).abs() < 1e-12, "{}", f.cost);
        // A category the model never saw counts γ against every centre alike.
        let one = f.model.predict_one(&[10.0], &[Some("zzz".into())]).unwrap();
        assert_eq!(one, f.labels[2]);
        assert!(MixedRows::new(&[f64::INFINITY], 1, &[0], 1).is_err());
    }

    #[test]
    fn too_few_distinct_rows_is_an_error_not_a_retry() {
        let numeric = vec![1.0; 10];
        let cols = vec![column(&["a"; 10])];
        let cats = Categories::learn(&cols);
        let codes = cats.encode(&cols).unwrap();
        let x = MixedRows::new(&numeric, 1, &codes, 1).unwrap();
        let opts = KPrototypesOptions {
            k: 2,
            ..Default::default()
        };
        let e = fit(&x, &cats, None, &opts).unwrap_err();
        assert!(e.to_string().contains("1 distinct rows"), "{e}");
    }

    #[test]
    fn model_round_trips_through_json() {
        let (numeric, cols) = two_groups();
        let cats = Categories::learn(&cols);
        let codes = cats.encode(&cols).unwrap();
        let x = MixedRows::new(&numeric, 1, &codes, 1).unwrap();
        let f = fit(
            &x,
            &cats,
            None,
            &KPrototypesOptions {
                k: 2,
                ..Default::default()
            },
        )
        .unwrap();
        let back = KPrototypesModel::from_json(&f.model.to_json()).unwrap();
        assert_eq!(back, f.model);
        assert!(
            KPrototypesModel::from_json(&f.model.to_json().replace("\"p\": 1", "\"p\": 2"))
                .is_err()
        );
    }

    #[test]
    fn init_names_are_read_in_any_case() {
        let read = |text: &str| serde_json::from_str::<ModesInit>(text);
        for (text, init) in [
            ("\"CAO\"", ModesInit::Cao),
            ("\"Huang\"", ModesInit::Huang),
            ("{\"kind\": \"Random\"}", ModesInit::Random),
            ("\"k-prototypes++\"", ModesInit::PlusPlus),
            ("{\"kind\": \"plus_plus\"}", ModesInit::PlusPlus),
        ] {
            assert_eq!(read(text).unwrap(), init, "{text}");
        }
        let centers = ModesInit::Centers {
            numeric: vec![1.0],
            categorical: vec!["a".into()],
        };
        assert_eq!(
            read(&serde_json::to_string(&centers).unwrap()).unwrap(),
            centers
        );
        for bad in [
            "\"cau\"",
            "{\"kind\": \"cao\", \"numeric\": []}",
            "{\"kind\": \"centers\", \"numeric\": []}",
            "3",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
        let missing = r#"{"kind": "centers", "numeric": [1.0, 2.0], "categorical": ["a", null]}"#;
        let e = read(missing).unwrap_err().to_string();
        assert!(e.contains("category centre 1 is missing"), "{e}");
    }
}
