//! k-means with scikit-learn's semantics (greedy k-means++, relative tolerance, sample
//! weights, inertia as a sum, empty-cluster relocation, a final assignment pass), computed in
//! fixed chunks whose partial sums are reduced in order: the same seed gives bit-identical
//! results on 1, 2 or N threads. Ties between equally near centres go to the lowest index.
//!
//! This module holds the options, the model and the driver (`fit` and one run's iterations);
//! the initial centres are chosen in `seeding` (k-means++, k-means‖, random rows), and each
//! iteration is a step of `lloyd` or `hamerly` (same labels and centres, Hamerly skipping the
//! distances its bounds make unnecessary). The row view [`Rows`] is `segment::rows`'s,
//! re-exported here.

mod hamerly;
mod lloyd;
mod seeding;

pub(crate) use super::distance::{nearest, sq_dist};
use super::distance::{simd, with_width, Width};
pub use super::rows::Rows;
use super::rows::{check_weights, mean_variance};
use super::SegmentError;
use crate::learn::{Fit, Predict, Transform, Weighted};
use crate::rng::Draw;
use hamerly::{hamerly_step, Bounds};
use lloyd::{lloyd_step, seeded_step};
use rayon::prelude::*;
use seeding::{kmeans_parallel, Seeding};
pub(crate) use seeding::{kmeans_plus_plus, random_init};
use serde::{Deserialize, Serialize};

/// Rows per chunk of every parallel pass (fixed, so sums do not depend on the thread count).
const CHUNK: usize = 4096;

/// The most runs (`n_init`) and k-means‖ rounds a fit takes.
pub(crate) const MAX_RUNS: usize = 1000;

/// How the first centres are chosen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum Init {
    /// Greedy k-means++: each new centre is the best of 2 + ⌊ln k⌋ candidates drawn with
    /// probability ∝ weight × squared distance to the nearest chosen centre. Also read as
    /// `k-means++` (scikit-learn's name).
    #[serde(alias = "k-means++")]
    KMeansPlusPlus,
    /// k distinct rows drawn with probability ∝ weight.
    Random,
    /// k-means‖ (Bahmani et al. 2012): `rounds` passes that each keep every row with
    /// probability min(1, ℓ · weight · D² / Σ weight · D²), ℓ = `oversampling` × k, then greedy
    /// k-means++ on the candidates weighted by the rows nearest to them. Each chunk of rows draws
    /// from its own stream, so the candidates do not depend on the thread count. Also read as
    /// `k-means||` (Spark's name).
    #[serde(alias = "k-means||")]
    KMeansParallel {
        /// Sampling passes (5, as Bahmani et al. suggest).
        #[serde(default = "default_rounds")]
        rounds: usize,
        /// ℓ / k (2).
        #[serde(default = "default_oversampling")]
        oversampling: f64,
    },
    /// Given centres (k × d, row-major); a single run.
    Centers {
        /// The centres.
        centers: Vec<f64>,
    },
}

fn default_rounds() -> usize {
    5
}

fn default_oversampling() -> f64 {
    2.0
}

/// k-means settings (scikit-learn's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct KMeansOptions {
    /// Number of clusters (also read as scikit-learn's `n_clusters`).
    #[serde(alias = "n_clusters")]
    pub k: usize,
    /// Initialisation.
    pub init: Init,
    /// Runs from different initialisations, the best (lowest inertia) kept; `None` = "auto":
    /// 1 for k-means++ and given centres, 10 for random.
    #[serde(with = "crate::learn::auto_runs")]
    pub n_init: Option<usize>,
    /// Iterations at most per run.
    pub max_iter: usize,
    /// Relative tolerance: a run stops when the squared centre shift is at most `tol` × the
    /// mean feature variance.
    pub tol: f64,
    /// Seed of every random choice (also read as scikit-learn's `random_state`).
    #[serde(alias = "random_state")]
    pub seed: u64,
    /// How each iteration finds the nearest centres.
    pub algorithm: Algorithm,
}

/// How each iteration finds the nearest centres; both give the same labels and centres.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Algorithm {
    /// Every distance in every iteration.
    Lloyd,
    /// Hamerly (2010): per row an upper bound on the distance to its centre and a lower bound
    /// on the distance to every other centre; a row whose bounds prove its centre unchanged
    /// (with a relative margin of 1e-10 against rounding) costs no distance. Also read as
    /// `elkan` (scikit-learn's bounds algorithm, which gives the same result as Lloyd too).
    #[default]
    #[serde(alias = "elkan")]
    Hamerly,
}

impl Default for KMeansOptions {
    fn default() -> Self {
        KMeansOptions {
            k: 8,
            init: Init::KMeansPlusPlus,
            n_init: None,
            max_iter: 300,
            tol: 1e-4,
            seed: 0,
            algorithm: Algorithm::Hamerly,
        }
    }
}

/// A fitted k-means model: the centres.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KMeansModel {
    /// Columns.
    pub d: usize,
    /// Centres, k × d row-major.
    pub centers: Vec<f64>,
}

impl crate::format::Versioned for KMeansModel {
    const KIND: &'static str = "kmeans";
}

/// The outcome of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct KMeansFit {
    /// The model.
    pub model: KMeansModel,
    /// Each row's cluster.
    pub labels: Vec<u32>,
    /// Σ weight · squared distance to the row's centre.
    pub inertia: f64,
    /// Iterations of the kept run.
    pub n_iter: usize,
}

impl KMeansModel {
    /// Number of clusters (0 for a model without columns, which predicts nothing).
    pub fn k(&self) -> usize {
        self.centers.len().checked_div(self.d).unwrap_or(0)
    }

    /// A model of these centres (k × d, row-major), checked: d ≥ 1, at least one centre, whole
    /// rows, finite values.
    pub fn new(d: usize, centers: Vec<f64>) -> Result<Self, SegmentError> {
        let model = KMeansModel { d, centers };
        model.check_shape()?;
        Ok(model)
    }

    /// A model built field by field (its fields are public) is checked before any use.
    fn check_shape(&self) -> Result<(), SegmentError> {
        let bad = |reason: &str| SegmentError::InvalidOption {
            option: "model".into(),
            reason: reason.into(),
        };
        if self.d == 0 || self.centers.is_empty() || !self.centers.len().is_multiple_of(self.d) {
            return Err(bad("needs d ≥ 1 and at least one whole centre of d values"));
        }
        if self.centers.iter().any(|c| !c.is_finite()) {
            return Err(bad("centres must be finite"));
        }
        Ok(())
    }

    fn check(&self, x: &Rows) -> Result<(), SegmentError> {
        self.check_shape()?;
        if x.dim() != self.d {
            return Err(SegmentError::InvalidOption {
                option: "X".into(),
                reason: format!("has {} columns, the model {}", x.dim(), self.d),
            });
        }
        Ok(())
    }
}

impl Predict<Rows<'_>> for KMeansModel {
    type Output = Vec<u32>;
    type Error = SegmentError;

    /// The nearest centre of each row.
    fn predict(&self, x: &Rows) -> Result<Vec<u32>, SegmentError> {
        self.check(x)?;
        Ok((0..x.len())
            .into_par_iter()
            .with_min_len(CHUNK)
            .map(|i| nearest(x.row(i), &self.centers, self.d).0)
            .collect())
    }
}

impl KMeansModel {
    /// The nearest centre of one row of `d` values (the on-device case).
    pub fn predict_one(&self, features: &[f64]) -> Result<u32, SegmentError> {
        self.check_shape()?;
        if features.len() != self.d {
            return Err(SegmentError::InvalidOption {
                option: "features".into(),
                reason: format!("has {} values, the model {}", features.len(), self.d),
            });
        }
        let row = Rows::new(features, self.d)?;
        Ok(nearest(row.row(0), &self.centers, self.d).0)
    }
}

impl Transform<Rows<'_>> for KMeansModel {
    type Output = Vec<f64>;
    type Error = SegmentError;

    /// Euclidean distances of each row to every centre (n × k, row-major).
    fn transform(&self, x: &Rows) -> Result<Vec<f64>, SegmentError> {
        self.check(x)?;
        let k = self.k();
        let mut out = vec![0.0; x.len() * k];
        out.par_chunks_mut(k).enumerate().for_each(|(i, row)| {
            for (c, o) in row.iter_mut().enumerate() {
                *o = sq_dist(x.row(i), &self.centers[c * self.d..(c + 1) * self.d]).sqrt();
            }
        });
        Ok(out)
    }
}

impl KMeansModel {
    /// Σ weight · squared distance to the nearest centre (scikit-learn's `score` is its
    /// negative).
    pub fn inertia(&self, x: &Rows, weights: Option<&[f64]>) -> Result<f64, SegmentError> {
        self.check(x)?;
        let w = check_weights(weights, x.len())?;
        Ok(chunked_sum(x.len(), |i| {
            w.map_or(1.0, |w| w[i]) * nearest(x.row(i), &self.centers, self.d).1
        }))
    }

    /// Reads a `kmeans` document.
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        let m: KMeansModel = crate::format::from_json(text)?;
        if m.d == 0 || m.centers.is_empty() || !m.centers.len().is_multiple_of(m.d) {
            return Err(SegmentError::InvalidOption {
                option: "model".into(),
                reason: "centres must be k × d values".into(),
            }
            .into());
        }
        Ok(m)
    }

    /// Writes the model as a versioned document.
    pub fn to_json(&self) -> String {
        crate::format::to_json(self)
    }
}

/// `n` copies of `value`, written by parallel chunks: a large buffer's pages are mapped here
/// at once rather than one by one inside the passes (page faults there cost several times
/// the pass itself).
fn filled<T: Copy + Send + Sync>(n: usize, value: T) -> Vec<T> {
    (0..n)
        .into_par_iter()
        .with_min_len(CHUNK)
        .map(|_| value)
        .collect()
}

/// Σ f(i) over rows in fixed chunks, reduced in order.
fn chunked_sum(n: usize, f: impl Fn(usize) -> f64 + Sync) -> f64 {
    let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
    starts
        .par_iter()
        .map(|&s| (s..(s + CHUNK).min(n)).map(&f).sum::<f64>())
        .collect::<Vec<f64>>()
        .iter()
        .sum()
}

/// One run from `seeding`: steps (the seeded one first, then Hamerly's or Lloyd's) until no
/// label changes, the squared centre shift is at most `tol` or `max_iter` steps are done; then
/// labels that match the final centres, and the inertia.
fn run<W: Width>(
    width: W,
    x: &Rows,
    w: &[f64],
    seeding: Seeding,
    opts: &KMeansOptions,
    tol: f64,
    progress: &dyn Fn(usize),
) -> KMeansFit {
    let (n, d) = (x.len(), x.dim());
    let Seeding {
        mut centers,
        mut start,
    } = seeding;
    let hamerly = opts.algorithm == Algorithm::Hamerly;
    let mut labels = if start.is_some() {
        Vec::new()
    } else {
        filled(n, 0u32)
    };
    let mut bounds = match (&start, hamerly) {
        (None, true) => Some(Bounds::new(n)),
        _ => None,
    };
    let mut new_centers = vec![0.0; centers.len()];
    let mut strict = false;
    let mut final_inertia = None;
    let mut iterations = 0;
    for iteration in 1..=opts.max_iter {
        // An interrupted fit ends here, with no labels; `fit` returns `Cancelled`.
        if crate::cancel::requested() {
            return KMeansFit {
                model: KMeansModel { d, centers },
                labels: Vec::new(),
                inertia: f64::INFINITY,
                n_iter: iterations,
            };
        }
        iterations = iteration;
        progress(iteration - 1);
        let step = if let Some(mut s) = start.take() {
            let step = seeded_step(width, x, w, &centers, &mut s, &mut new_centers);
            if hamerly {
                let mut b = Bounds::seeded(s.closest);
                b.follow(&centers, &new_centers, d);
                bounds = Some(b);
            }
            labels = s.labels;
            step
        } else if let Some(b) = bounds.as_mut() {
            hamerly_step(width, x, w, &centers, &mut labels, b, &mut new_centers)
        } else {
            lloyd_step(width, x, w, &centers, &mut labels, &mut new_centers)
        };
        std::mem::swap(&mut centers, &mut new_centers);
        if iteration > 1 && step.changed == 0 {
            strict = true;
            // The centres did not move (the same labels give the same means), so the step's
            // distances are the final ones.
            if step.shift == 0.0 {
                final_inertia = Some(step.inertia);
            }
            break;
        }
        if step.shift <= tol {
            break;
        }
    }
    if !strict {
        // Labels that match the final centres.
        labels
            .par_chunks_mut(CHUNK)
            .zip(x.data().par_chunks(CHUNK * d))
            .for_each(|(labels, rows)| {
                simd(
                    #[inline(always)]
                    || {
                        for (l, row) in labels.iter_mut().zip(rows.chunks_exact(width.d())) {
                            *l = width.nearest(row, &centers).0;
                        }
                    },
                )
            });
    }
    let inertia = final_inertia.unwrap_or_else(|| {
        chunked_sum(n, |i| {
            let l = labels[i] as usize;
            w[i] * sq_dist(x.row(i), &centers[l * d..(l + 1) * d])
        })
    });
    KMeansFit {
        model: KMeansModel { d, centers },
        labels,
        inertia,
        n_iter: iterations,
    }
}

impl Fit<Rows<'_>> for KMeansOptions {
    type Fitted = KMeansFit;
    type Error = SegmentError;

    /// Fits k-means to the rows.
    fn fit(&self, x: &Rows) -> Result<KMeansFit, SegmentError> {
        fit(x, None, self)
    }
}

impl Fit<Weighted<'_, Rows<'_>>> for KMeansOptions {
    type Fitted = KMeansFit;
    type Error = SegmentError;

    /// Fits k-means to weighted rows.
    fn fit(&self, x: &Weighted<Rows>) -> Result<KMeansFit, SegmentError> {
        fit(x.data, x.weights, self)
    }
}

/// Fits k-means to the rows of `x` (with optional `weights`, ≥ 0).
pub(crate) fn fit(
    x: &Rows,
    weights: Option<&[f64]>,
    opts: &KMeansOptions,
) -> Result<KMeansFit, SegmentError> {
    let (n, d) = (x.len(), x.dim());
    let bad = |option: &str, reason: String| SegmentError::InvalidOption {
        option: option.into(),
        reason,
    };
    if opts.k == 0 || opts.k > n {
        return Err(bad(
            "k",
            format!("must be between 1 and the {n} rows (n_samples={n})"),
        ));
    }
    if !(opts.tol.is_finite() && opts.tol >= 0.0) {
        return Err(bad("tol", "must be ≥ 0".into()));
    }
    if opts.max_iter == 0 || opts.n_init == Some(0) {
        return Err(bad("max_iter / n_init", "must be ≥ 1".into()));
    }
    if opts.n_init.is_some_and(|r| r > MAX_RUNS) {
        return Err(bad("n_init", format!("at most {MAX_RUNS} runs")));
    }
    let ones;
    let w = match check_weights(weights, n)? {
        Some(w) => w,
        None => {
            ones = filled(n, 1.0);
            &ones
        }
    };
    if w.iter().filter(|v| **v > 0.0).count() < opts.k {
        return Err(bad("k", "exceeds the rows of positive weight".into()));
    }
    let tol = opts.tol * mean_variance(x);
    let runs = opts.n_init.unwrap_or(match opts.init {
        Init::Random => 10,
        _ => 1,
    });
    let mut best: Option<KMeansFit> = None;
    let progress = crate::progress::Stage::start("k-means", runs.saturating_mul(opts.max_iter));
    for r in 0..runs {
        let mut draw = Draw::new(opts.seed, r as u64);
        let seeding: Seeding = match &opts.init {
            Init::KMeansPlusPlus => kmeans_plus_plus(x, w, opts.k, &mut draw),
            Init::Random => random_init(x, w, opts.k, &mut draw).into(),
            Init::KMeansParallel {
                rounds,
                oversampling,
            } => {
                if *rounds == 0
                    || *rounds > MAX_RUNS
                    || !(oversampling.is_finite() && *oversampling > 0.0)
                {
                    return Err(bad(
                        "init",
                        format!("k-means|| needs 1 ≤ rounds ≤ {MAX_RUNS} and oversampling > 0"),
                    ));
                }
                kmeans_parallel(x, w, opts.k, *rounds, *oversampling, opts.seed, r as u64)
            }
            Init::Centers { centers } => {
                if centers.len() != opts.k * d || centers.iter().any(|v| !v.is_finite()) {
                    return Err(bad(
                        "init",
                        format!("needs {} finite values (k × d)", opts.k * d),
                    ));
                }
                centers.clone().into()
            }
        };
        let at = |iteration: usize| {
            progress.at(r.saturating_mul(opts.max_iter).saturating_add(iteration))
        };
        let result = with_width!(d, |width| run(width, x, w, seeding, opts, tol, &at));
        crate::cancel::check()?;
        if best.as_ref().is_none_or(|b| result.inertia < b.inertia) {
            best = Some(result);
        }
        if matches!(opts.init, Init::Centers { .. }) {
            break;
        }
    }
    progress.finish();
    Ok(best.expect("at least one run"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Three tight, well-separated blobs in 2-D.
    pub(super) fn blobs(n_per: usize) -> Vec<f64> {
        let mut draw = Draw::new(3, 0);
        let mut data = Vec::new();
        for (cx, cy) in [(0.0, 0.0), (10.0, 0.0), (0.0, 10.0)] {
            for _ in 0..n_per {
                data.push(cx + draw.uniform() - 0.5);
                data.push(cy + draw.uniform() - 0.5);
            }
        }
        data
    }

    #[test]
    fn finds_separated_blobs_and_is_thread_independent() {
        let data = blobs(3000);
        let x = Rows::new(&data, 2).unwrap();
        let opts = KMeansOptions {
            k: 3,
            seed: 7,
            ..Default::default()
        };
        let fit1 = crate::on_threads(1, || fit(&x, None, &opts).unwrap());
        let fit4 = crate::on_threads(4, || fit(&x, None, &opts).unwrap());
        assert_eq!(fit1, fit4);
        // Each blob is one cluster.
        for b in 0..3 {
            let l = &fit1.labels[b * 3000..(b + 1) * 3000];
            assert!(l.iter().all(|v| *v == l[0]));
        }
        let mut centers: Vec<(f64, f64)> = fit1
            .model
            .centers
            .chunks(2)
            .map(|c| (c[0].round(), c[1].round()))
            .collect();
        centers.sort_by(|a, b| a.partial_cmp(b).unwrap());
        assert_eq!(centers, [(0.0, 0.0), (0.0, 10.0), (10.0, 0.0)]);
        // Inertia is the sum over rows, and predict agrees with the labels.
        let again = fit1.model.inertia(&x, None).unwrap();
        assert!((again - fit1.inertia).abs() <= 1e-9 * fit1.inertia);
        assert_eq!(fit1.model.predict(&x).unwrap(), fit1.labels);
        assert_eq!(fit1.model.predict_one(x.row(5)).unwrap(), fit1.labels[5]);
        assert!(fit1.model.predict_one(&[1.0]).is_err());
        // A model built by hand with no columns or no centres is an error, never a panic.
        for (d, centers) in [
            (0, vec![]),
            (0, vec![1.0]),
            (2, vec![]),
            (2, vec![1.0, 2.0, 3.0]),
        ] {
            let m = KMeansModel {
                d,
                centers: centers.clone(),
            };
            assert!(m.predict(&x).is_err() && m.predict_one(&[1.0, 2.0]).is_err());
            assert!(KMeansModel::new(d, centers).is_err());
        }
        assert_eq!(
            KMeansModel {
                d: 0,
                centers: vec![]
            }
            .k(),
            0
        );
        assert!(fit1.model.predict_one(&[1.0, f64::NAN]).is_err());
        let t = fit1.model.transform(&x).unwrap();
        assert_eq!(t.len(), 9000 * 3);
    }

    #[test]
    fn weights_count_like_repeated_rows() {
        // A row with weight 3 pulls its centre as three copies would.
        let data = [0.0, 0.0, 1.0, 0.0, 10.0, 10.0];
        let x = Rows::new(&data, 2).unwrap();
        let opts = KMeansOptions {
            k: 2,
            init: Init::Centers {
                centers: vec![0.0, 0.0, 10.0, 10.0],
            },
            ..Default::default()
        };
        let f = fit(&x, Some(&[3.0, 1.0, 1.0]), &opts).unwrap();
        assert!((f.model.centers[0] - 0.25).abs() < 1e-12);
        assert!((f.inertia - (3.0 * 0.0625 + 0.5625)).abs() < 1e-12);
    }

    #[test]
    fn options_read_scikit_learns_elkan_as_hamerly() {
        let o: KMeansOptions =
            crate::format::parse_json(r#"{"k": 3, "algorithm": "elkan"}"#).unwrap();
        assert_eq!(o.algorithm, Algorithm::Hamerly);
        let e = crate::format::parse_json::<KMeansOptions>(r#"{"algorithm": "fast"}"#).unwrap_err();
        assert!(e.contains("algorithm"), "{e}");
    }

    #[test]
    fn options_read_the_libraries_names() {
        let o: KMeansOptions =
            crate::format::parse_json(r#"{"init": {"kind": "k-means++"}, "n_init": "auto"}"#)
                .unwrap();
        assert_eq!((o.init, o.n_init), (Init::KMeansPlusPlus, None));
        let o: KMeansOptions =
            crate::format::parse_json(r#"{"init": {"kind": "k-means||"}, "n_init": 4}"#).unwrap();
        assert!(matches!(o.init, Init::KMeansParallel { rounds: 5, .. }));
        assert_eq!(o.n_init, Some(4));
        let e = crate::format::parse_json::<KMeansOptions>(r#"{"n_init": "many"}"#).unwrap_err();
        assert!(e.contains("n_init") && e.contains("auto"), "{e}");
        let o: crate::segment::kprototypes::KPrototypesOptions =
            crate::format::parse_json(r#"{"init": {"kind": "Huang"}, "n_init": "auto"}"#).unwrap();
        assert_eq!(o.init, crate::segment::kprototypes::ModesInit::Huang);
    }

    #[test]
    fn bad_input_is_a_typed_error() {
        let ok = [0.0, 1.0, 2.0, 3.0];
        let x = Rows::new(&ok, 2).unwrap();
        let k3 = KMeansOptions {
            k: 3,
            ..Default::default()
        };
        assert!(fit(&x, None, &k3).is_err());
        let k1 = KMeansOptions {
            k: 1,
            ..Default::default()
        };
        assert!(fit(&x, Some(&[1.0, -1.0]), &k1).is_err());
        let zero = fit(&x, Some(&[0.0, 0.0]), &k1).unwrap_err().to_string();
        assert!(zero.contains("every weight is zero"), "{zero}");
        let few = fit(&x, None, &k3).unwrap_err().to_string();
        assert!(few.contains("n_samples=2"), "{few}");
    }
}
