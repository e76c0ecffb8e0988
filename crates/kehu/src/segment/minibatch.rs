//! Mini-batch k-means (Sculley 2010) with scikit-learn's update rules, for data that does not fit
//! in memory: `partial_fit` takes one batch at a time and keeps its state in a versioned JSON
//! document, so training can continue in another session or binding.
//!
//! Each step assigns the batch's rows to their nearest centres and moves every centre to the
//! weighted mean of all rows it has been given so far (learning rate weight / running count).
//! Every tenth step, centres whose running count is below `reassignment_ratio` × the largest are
//! moved to batch rows drawn with probability ∝ weight × squared distance to their centre. `fit`
//! draws batches of `batch_size` rows with replacement and stops after `max_iter` passes, when
//! the smoothed batch inertia has not improved for `max_no_improvement` steps, or when the
//! centres move less than `tol` (× the mean feature variance). Batches are cut in fixed chunks
//! and every random choice comes from the seed: the same result on any thread count.

use super::kmeans::{kmeans_plus_plus, nearest, random_init, Init, KMeansModel};
use super::rows::{check_weights, mean_variance, Rows};
use super::SegmentError;
use crate::learn::{Fit, Weighted};
use crate::rng::Draw;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

const CHUNK: usize = 1024;

/// Mini-batch k-means settings (scikit-learn's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct MiniBatchOptions {
    /// Number of clusters (also read as scikit-learn's `n_clusters`).
    #[serde(alias = "n_clusters")]
    pub k: usize,
    /// Initialisation: k-means++ or random rows of the initialisation sample, or given centres.
    pub init: Init,
    /// Rows per batch.
    pub batch_size: usize,
    /// Passes over the data at most (`fit`).
    pub max_iter: usize,
    /// Stop after this many steps without improvement of the smoothed batch inertia (`None`:
    /// never).
    pub max_no_improvement: Option<usize>,
    /// Stop when the squared centre shift of a step is at most `tol` × the mean feature variance
    /// (0: never).
    pub tol: f64,
    /// Centres with a running count below this share of the largest are reassigned.
    pub reassignment_ratio: f64,
    /// Rows sampled to initialise (`None`: 3 × batch_size, at least k).
    pub init_size: Option<usize>,
    /// Initialisations tried, the best on a common sample kept (`None`: 1 for k-means++ and
    /// given centres, 3 for random).
    #[serde(with = "crate::learn::auto_runs")]
    pub n_init: Option<usize>,
    /// Seed of every random choice (also read as scikit-learn's `random_state`).
    #[serde(alias = "random_state")]
    pub seed: u64,
}

impl Default for MiniBatchOptions {
    fn default() -> Self {
        MiniBatchOptions {
            k: 8,
            init: Init::KMeansPlusPlus,
            batch_size: 1024,
            max_iter: 100,
            max_no_improvement: Some(10),
            tol: 0.0,
            reassignment_ratio: 0.01,
            init_size: None,
            n_init: None,
            seed: 0,
        }
    }
}

/// The running state of a mini-batch k-means: centres and the weight each has absorbed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MiniBatchKMeans {
    /// Columns.
    pub d: usize,
    /// Centres, k × d row-major.
    pub centers: Vec<f64>,
    /// Weight absorbed by each centre.
    pub counts: Vec<f64>,
    /// Steps taken.
    pub steps: u64,
    /// Settings (used by later `partial_fit` calls).
    pub options: MiniBatchOptions,
}

impl crate::format::Versioned for MiniBatchKMeans {
    const KIND: &'static str = "minibatch_kmeans";
}

/// The outcome of `fit`.
#[derive(Debug, Clone, PartialEq)]
pub struct MiniBatchFit {
    /// The state (its centres give the model).
    pub state: MiniBatchKMeans,
    /// Each row's nearest centre after the last step.
    pub labels: Vec<u32>,
    /// Σ weight · squared distance to the nearest centre, over all rows.
    pub inertia: f64,
    /// Steps taken.
    pub n_steps: usize,
    /// Passes over the data (steps × batch size / rows, rounded up).
    pub n_iter: usize,
}

fn bad(option: &str, reason: String) -> SegmentError {
    SegmentError::InvalidOption {
        option: option.into(),
        reason,
    }
}

fn check(opts: &MiniBatchOptions) -> Result<(), SegmentError> {
    if opts.k == 0 || opts.batch_size == 0 || opts.max_iter == 0 || opts.n_init == Some(0) {
        return Err(bad(
            "k / batch_size / max_iter / n_init",
            "must be ≥ 1".into(),
        ));
    }
    if !(opts.tol.is_finite() && opts.tol >= 0.0) {
        return Err(bad("tol", "must be ≥ 0".into()));
    }
    if opts.n_init.is_some_and(|r| r > super::kmeans::MAX_RUNS) {
        return Err(bad(
            "n_init",
            format!("at most {} initialisations", super::kmeans::MAX_RUNS),
        ));
    }
    if !(0.0..=1.0).contains(&opts.reassignment_ratio) {
        return Err(bad("reassignment_ratio", "must be between 0 and 1".into()));
    }
    Ok(())
}

/// Per-chunk sums of a batch.
struct Partial {
    sums: Vec<f64>,
    weights: Vec<f64>,
    inertia: f64,
}

impl MiniBatchKMeans {
    /// The fitted centres as a k-means model (predict, transform, score; every binding).
    pub fn model(&self) -> KMeansModel {
        KMeansModel {
            d: self.d,
            centers: self.centers.clone(),
        }
    }

    fn k(&self) -> usize {
        self.counts.len()
    }

    /// Starts a state from the first centres.
    fn start(d: usize, centers: Vec<f64>, options: &MiniBatchOptions) -> Self {
        MiniBatchKMeans {
            d,
            counts: vec![0.0; centers.len() / d],
            centers,
            steps: 0,
            options: options.clone(),
        }
    }

    /// One step on the batch `rows` of `x`; returns (mean batch inertia, squared centre shift).
    fn step(&mut self, x: &Rows, w: &[f64], rows: &[usize]) -> (f64, f64) {
        let (d, k) = (self.d, self.k());
        let centers = &self.centers;
        let mut labels = vec![0u32; rows.len()];
        let mut dist = vec![0.0; rows.len()];
        let partials: Vec<Partial> = labels
            .par_chunks_mut(CHUNK)
            .zip(dist.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(c, (labels, dist))| {
                let mut p = Partial {
                    sums: vec![0.0; k * d],
                    weights: vec![0.0; k],
                    inertia: 0.0,
                };
                for (o, (l, dd)) in labels.iter_mut().zip(dist.iter_mut()).enumerate() {
                    let i = rows[c * CHUNK + o];
                    let (label, best) = nearest(x.row(i), centers, d);
                    *l = label;
                    *dd = best;
                    let a = label as usize;
                    p.weights[a] += w[i];
                    p.inertia += w[i] * best;
                    for (s, v) in p.sums[a * d..(a + 1) * d].iter_mut().zip(x.row(i)) {
                        *s += w[i] * v;
                    }
                }
                p
            })
            .collect();
        let mut sums = vec![0.0; k * d];
        let mut weights = vec![0.0; k];
        let mut inertia = 0.0;
        for p in &partials {
            for (s, v) in sums.iter_mut().zip(&p.sums) {
                *s += v;
            }
            for (s, v) in weights.iter_mut().zip(&p.weights) {
                *s += v;
            }
            inertia += p.inertia;
        }
        let old = self.centers.clone();
        for c in 0..k {
            if weights[c] > 0.0 {
                let total = self.counts[c] + weights[c];
                for j in 0..d {
                    let v = &mut self.centers[c * d + j];
                    *v = (*v * self.counts[c] + sums[c * d + j]) / total;
                }
                self.counts[c] = total;
            }
        }
        self.steps += 1;
        if self.steps.is_multiple_of(10) && self.options.reassignment_ratio > 0.0 {
            self.reassign(x, w, rows, &dist);
        }
        let shift = (0..k * d)
            .map(|i| (self.centers[i] - old[i]).powi(2))
            .sum::<f64>();
        let batch_weight: f64 = weights.iter().sum();
        (inertia / batch_weight.max(f64::MIN_POSITIVE), shift)
    }

    /// Moves centres with too small a running count to batch rows drawn ∝ weight × squared
    /// distance (distinct rows; at most half the batch).
    fn reassign(&mut self, x: &Rows, w: &[f64], rows: &[usize], dist: &[f64]) {
        let d = self.d;
        let largest = self.counts.iter().cloned().fold(0.0, f64::max);
        let limit = self.options.reassignment_ratio * largest;
        let mut low: Vec<usize> = (0..self.k()).filter(|&c| self.counts[c] < limit).collect();
        low.truncate(rows.len() / 2);
        if low.is_empty() {
            return;
        }
        let mut draw = Draw::new(self.options.seed, 1_000_000 + self.steps);
        let mut weights: Vec<f64> = rows.iter().zip(dist).map(|(&i, dd)| w[i] * dd).collect();
        let kept_min = (0..self.k())
            .filter(|c| !low.contains(c))
            .map(|c| self.counts[c])
            .fold(f64::INFINITY, f64::min);
        for c in low {
            let total: f64 = weights.iter().sum();
            if total <= 0.0 {
                break;
            }
            let target = draw.uniform() * total;
            let mut acc = 0.0;
            let mut pick = weights.len() - 1;
            for (b, v) in weights.iter().enumerate() {
                acc += v;
                if acc > target {
                    pick = b;
                    break;
                }
            }
            weights[pick] = 0.0;
            self.centers[c * d..(c + 1) * d].copy_from_slice(x.row(rows[pick]));
            self.counts[c] = if kept_min.is_finite() { kept_min } else { 1.0 };
        }
    }

    /// Continues training on one batch `x` (the first call initialises from it: it needs at
    /// least k rows).
    pub fn partial_fit(
        state: Option<MiniBatchKMeans>,
        x: &Rows,
        weights: Option<&[f64]>,
        opts: &MiniBatchOptions,
    ) -> Result<MiniBatchKMeans, SegmentError> {
        let ones;
        let w = match check_weights(weights, x.len())? {
            Some(w) => w,
            None => {
                ones = vec![1.0; x.len()];
                &ones
            }
        };
        let mut state = match state {
            Some(s) => {
                if s.d != x.dim() {
                    return Err(bad(
                        "X",
                        format!("has {} columns, the model {}", x.dim(), s.d),
                    ));
                }
                s
            }
            None => {
                check(opts)?;
                if x.len() < opts.k {
                    return Err(bad(
                        "k",
                        format!("the first batch needs at least k = {} rows", opts.k),
                    ));
                }
                let mut draw = Draw::new(opts.seed, 0);
                let centers =
                    initial_centers(x, w, &(0..x.len()).collect::<Vec<_>>(), opts, &mut draw)?;
                MiniBatchKMeans::start(x.dim(), centers, opts)
            }
        };
        let rows: Vec<usize> = (0..x.len()).collect();
        state.step(x, w, &rows);
        Ok(state)
    }

    /// Reads a `minibatch_kmeans` document.
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        let s: MiniBatchKMeans = crate::format::from_json(text)?;
        let k = s.counts.len();
        if s.d == 0
            || k == 0
            || Some(s.centers.len()) != k.checked_mul(s.d)
            || s.centers.iter().any(|v| !v.is_finite())
            || s.counts.iter().any(|v| !(v.is_finite() && *v >= 0.0))
            || s.options.k != k
        {
            return Err(bad("model", "needs k × d finite centres and k counts".into()).into());
        }
        check(&s.options)?;
        Ok(s)
    }

    /// Writes the state as a versioned document.
    pub fn to_json(&self) -> String {
        crate::format::to_json(self)
    }
}

/// First centres from the rows `sample` of `x`.
fn initial_centers(
    x: &Rows,
    w: &[f64],
    sample: &[usize],
    opts: &MiniBatchOptions,
    draw: &mut Draw,
) -> Result<Vec<f64>, SegmentError> {
    let d = x.dim();
    let data: Vec<f64> = sample
        .iter()
        .flat_map(|&i| x.row(i).iter().copied())
        .collect();
    let sw: Vec<f64> = sample.iter().map(|&i| w[i]).collect();
    let rows = Rows::new(&data, d)?;
    if sw.iter().filter(|v| **v > 0.0).count() < opts.k {
        return Err(bad(
            "k",
            "exceeds the sampled rows of positive weight".into(),
        ));
    }
    Ok(match &opts.init {
        Init::KMeansPlusPlus => kmeans_plus_plus(&rows, &sw, opts.k, draw).centers,
        Init::Random => random_init(&rows, &sw, opts.k, draw),
        Init::KMeansParallel { .. } => {
            return Err(bad(
                "init",
                "mini-batch k-means starts from k-means++, random rows or given centres".into(),
            ))
        }
        Init::Centers { centers } => {
            if centers.len() != opts.k * d || centers.iter().any(|v| !v.is_finite()) {
                return Err(bad(
                    "init",
                    format!("needs {} finite values (k × d)", opts.k * d),
                ));
            }
            centers.clone()
        }
    })
}

impl Fit<Rows<'_>> for MiniBatchOptions {
    type Fitted = MiniBatchFit;
    type Error = SegmentError;

    /// Fits mini-batch k-means to the rows.
    fn fit(&self, x: &Rows) -> Result<MiniBatchFit, SegmentError> {
        fit(x, None, self)
    }
}

impl Fit<Weighted<'_, Rows<'_>>> for MiniBatchOptions {
    type Fitted = MiniBatchFit;
    type Error = SegmentError;

    /// Fits mini-batch k-means to weighted rows.
    fn fit(&self, x: &Weighted<Rows>) -> Result<MiniBatchFit, SegmentError> {
        fit(x.data, x.weights, self)
    }
}

/// Fits mini-batch k-means to the rows of `x` (with optional `weights`, ≥ 0).
fn fit(
    x: &Rows,
    weights: Option<&[f64]>,
    opts: &MiniBatchOptions,
) -> Result<MiniBatchFit, SegmentError> {
    check(opts)?;
    let (n, d) = (x.len(), x.dim());
    if opts.k > n {
        return Err(bad(
            "k",
            format!("must be between 1 and the {n} rows (n_samples={n})"),
        ));
    }
    let ones;
    let w = match check_weights(weights, n)? {
        Some(w) => w,
        None => {
            ones = vec![1.0; n];
            &ones
        }
    };
    let mut draw = Draw::new(opts.seed, 0);
    let init_size = opts
        .init_size
        .unwrap_or(opts.batch_size.saturating_mul(3))
        .max(opts.k)
        .min(n);
    let sample = |draw: &mut Draw, size: usize| -> Vec<usize> {
        (0..size)
            .map(|_| ((draw.uniform() * n as f64) as usize).min(n - 1))
            .collect()
    };
    let runs = opts.n_init.unwrap_or(match opts.init {
        Init::Random => 3,
        _ => 1,
    });
    let validation = sample(&mut draw, init_size);
    let mut best: Option<(f64, Vec<f64>)> = None;
    for _ in 0..if matches!(opts.init, Init::Centers { .. }) {
        1
    } else {
        runs
    } {
        let rows = sample(&mut draw, init_size);
        let centers = initial_centers(x, w, &rows, opts, &mut draw)?;
        let inertia: f64 = validation
            .iter()
            .map(|&i| w[i] * nearest(x.row(i), &centers, d).1)
            .sum();
        if best.as_ref().is_none_or(|b| inertia < b.0) {
            best = Some((inertia, centers));
        }
    }
    let mut state = MiniBatchKMeans::start(d, best.expect("one run").1, opts);
    let tol = opts.tol * mean_variance(x);
    let batch = opts.batch_size.min(n);
    let max_steps = opts.max_iter.saturating_mul(n.div_ceil(batch));
    let alpha = (2.0 * batch as f64 / (n as f64 + 1.0)).min(1.0);
    let (mut ewa, mut best_ewa, mut stale) = (None::<f64>, f64::INFINITY, 0usize);
    let mut steps = 0;
    let progress = crate::progress::Stage::start("mini-batch k-means", max_steps);
    while steps < max_steps {
        crate::cancel::check()?;
        progress.at(steps);
        let rows = sample(&mut draw, batch);
        let (inertia, shift) = state.step(x, w, &rows);
        steps += 1;
        if steps == 1 {
            // The first step only places the centres.
            continue;
        }
        let smoothed = ewa.map_or(inertia, |e| e * (1.0 - alpha) + inertia * alpha);
        ewa = Some(smoothed);
        if opts.tol > 0.0 && shift <= tol {
            break;
        }
        if smoothed < best_ewa {
            best_ewa = smoothed;
            stale = 0;
        } else {
            stale += 1;
            if opts.max_no_improvement.is_some_and(|m| stale >= m) {
                break;
            }
        }
    }
    progress.finish();
    let centers = &state.centers;
    let labels: Vec<u32> = (0..n)
        .into_par_iter()
        .with_min_len(CHUNK)
        .map(|i| nearest(x.row(i), centers, d).0)
        .collect();
    let model = state.model();
    let inertia = model.inertia(x, weights)?;
    Ok(MiniBatchFit {
        state,
        labels,
        inertia,
        n_steps: steps,
        n_iter: (steps * batch).div_ceil(n),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::learn::Predict;
    use crate::segment::kmeans::{self, KMeansOptions};

    fn blobs(n_per: usize, seed: u64) -> Vec<f64> {
        let mut draw = Draw::new(seed, 0);
        let mut data = Vec::new();
        for _ in 0..n_per {
            for (cx, cy) in [(0.0, 0.0), (8.0, 0.0), (0.0, 8.0), (8.0, 8.0)] {
                data.push(cx + 2.0 * draw.uniform() - 1.0);
                data.push(cy + 2.0 * draw.uniform() - 1.0);
            }
        }
        data
    }

    /// Full k-means (k = 4, defaults) on the same rows, the yardstick for mini-batch inertia.
    fn full_kmeans(x: &Rows) -> kmeans::KMeansFit {
        let opts = KMeansOptions {
            k: 4,
            ..Default::default()
        };
        kmeans::fit(x, None, &opts).unwrap()
    }

    #[test]
    fn close_to_full_kmeans_and_thread_independent() {
        let data = blobs(10_000, 1);
        let x = Rows::new(&data, 2).unwrap();
        let opts = MiniBatchOptions {
            k: 4,
            seed: 3,
            ..Default::default()
        };
        let on = |t: usize| crate::on_threads(t, || fit(&x, None, &opts).unwrap());
        let one = on(1);
        assert_eq!(one, on(3));
        let full = full_kmeans(&x);
        assert!(
            one.inertia <= full.inertia * 1.01,
            "{} vs {}",
            one.inertia,
            full.inertia
        );
        assert!(one.n_steps < 100 * 40, "early stop: {}", one.n_steps);
        assert_eq!(one.state.model().predict(&x).unwrap(), one.labels);
    }

    #[test]
    fn partial_fit_over_chunks_and_json_state() {
        let data = blobs(5_000, 2);
        let x = Rows::new(&data, 2).unwrap();
        let opts = MiniBatchOptions {
            k: 4,
            seed: 9,
            ..Default::default()
        };
        let mut state = None;
        for (i, chunk) in data.chunks(2 * 1000).enumerate() {
            let batch = Rows::new(chunk, 2).unwrap();
            let s = MiniBatchKMeans::partial_fit(state.take(), &batch, None, &opts).unwrap();
            // Saved and reloaded between batches: the same state.
            let text = s.to_json();
            let back = MiniBatchKMeans::from_json(&text).unwrap();
            assert_eq!(back, s, "batch {i}");
            state = Some(back);
        }
        let state = state.unwrap();
        assert_eq!(state.steps, 20);
        let total: f64 = state.counts.iter().sum();
        assert!((total - 20_000.0).abs() < 1e-9);
        let full = full_kmeans(&x);
        let inertia = state.model().inertia(&x, None).unwrap();
        assert!(
            inertia <= full.inertia * 1.02,
            "{inertia} vs {}",
            full.inertia
        );
        let tiny = Rows::new(&data[..4], 2).unwrap();
        assert!(MiniBatchKMeans::partial_fit(None, &tiny, None, &opts).is_err());
        let wrong = Rows::new(&data[..6], 3).unwrap();
        assert!(MiniBatchKMeans::partial_fit(Some(state), &wrong, None, &opts).is_err());
    }
}
