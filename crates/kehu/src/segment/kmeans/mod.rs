//! k-means with scikit-learn's semantics (greedy k-means++, relative tolerance, sample
//! weights, inertia as a sum, empty-cluster relocation, a final assignment pass), computed in
//! fixed chunks whose partial sums are reduced in order: the same seed gives bit-identical
//! results on 1, 2 or N threads. Ties between equally near centres go to the lowest index.

pub(crate) use super::distance::{nearest, sq_dist};
use super::distance::{simd, with_width, Width};
pub use super::rows::Rows;
use super::rows::{check_weights, mean_variance};
use super::SegmentError;
use crate::learn::{Fit, Predict, Transform, Weighted};
use crate::rng::Draw;
use rayon::prelude::*;
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
    /// Number of clusters.
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
    /// Seed of every random choice.
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
    /// Number of clusters.
    pub fn k(&self) -> usize {
        self.centers.len() / self.d
    }

    fn check(&self, x: &Rows) -> Result<(), SegmentError> {
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

/// Index of the first running weight above `target`, the weights summed in row order (the
/// last row if rounding leaves none).
fn pick_row(w: &[f64], target: f64) -> usize {
    let mut total = 0.0;
    for (i, v) in w.iter().enumerate() {
        total += v;
        if total > target {
            return i;
        }
    }
    w.len() - 1
}

/// Index of the first cumulative weight above `target` (the last positive one if rounding
/// leaves none).
fn pick(cumulative: &[f64], target: f64) -> usize {
    let i = cumulative.partition_point(|c| *c <= target);
    i.min(cumulative.len() - 1)
}

/// Running sums of `v`, in row order.
fn cumulative(v: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(v.len());
    let mut total = 0.0;
    for x in v {
        total += x;
        out.push(total);
    }
    out
}

/// Whether a centre at squared distance `gap` from a row's nearest centre, itself at squared
/// distance `closest`, is provably no nearer to the row: by the triangle inequality, when
/// gap ≥ 4 · closest (with a margin against rounding).
#[inline(always)]
fn far(gap: f64, closest: f64) -> bool {
    gap >= 4.0 * closest * (1.0 + BOUND_MARGIN)
}

/// A row's nearest centre so far (`label`, at squared distance `closest`) after adding the
/// centre `centre`, numbered `gaps.len()` and at squared distances `gaps` from the centres
/// before it. Ties keep the lower index.
#[inline(always)]
fn fold<W: Width>(
    width: W,
    row: &[f64],
    centre: &[f64],
    gaps: &[f64],
    (label, closest): (u32, f64),
) -> (u32, f64) {
    if W::PRUNE && far(gaps[label as usize], closest) {
        return (label, closest);
    }
    let dist = width.dist(row, centre);
    if dist < closest {
        (gaps.len() as u32, dist)
    } else {
        (label, closest)
    }
}

/// Initial centres, and, from greedy k-means++, each row's nearest centre among all but the
/// last one chosen: the first step folds that one in instead of computing every distance.
pub(crate) struct Seeding {
    /// The centres, k × d row-major.
    pub(crate) centers: Vec<f64>,
    start: Option<Start>,
}

/// Each row's nearest centre among the first k − 1 (label and squared distance), and the last
/// centre's squared distances to them.
struct Start {
    labels: Vec<u32>,
    closest: Vec<f64>,
    gaps: Vec<f64>,
}

impl From<Vec<f64>> for Seeding {
    fn from(centers: Vec<f64>) -> Self {
        Seeding {
            centers,
            start: None,
        }
    }
}

/// Greedy k-means++ (see [`Init::KMeansPlusPlus`]).
pub(crate) fn kmeans_plus_plus(x: &Rows, w: &[f64], k: usize, draw: &mut Draw) -> Seeding {
    with_width!(x.dim(), |width| plus_plus(width, x, w, k, draw))
}

fn plus_plus<W: Width>(width: W, x: &Rows, w: &[f64], k: usize, draw: &mut Draw) -> Seeding {
    let (n, d) = (x.len(), x.dim());
    let trials = 2 + (k as f64).ln().floor() as usize;
    let mut centers = Vec::with_capacity(k * d);
    let first = pick_row(w, draw.uniform() * w.iter().sum::<f64>());
    centers.extend_from_slice(x.row(first));
    // Each row's nearest chosen centre (`labels`) and squared distance to it (`closest`).
    let mut closest = filled(n, 0.0);
    let mut labels = filled(n, 0u32);
    // Σ weight · closest per chunk of rows.
    let mut chunk_totals: Vec<f64> = closest
        .par_chunks_mut(CHUNK)
        .zip(x.data().par_chunks(CHUNK * d))
        .zip(w.par_chunks(CHUNK))
        .map(|((closest, rows), w)| {
            simd(
                #[inline(always)]
                || {
                    let centre = x.row(first);
                    let mut total = 0.0;
                    for ((v, row), wi) in
                        closest.iter_mut().zip(rows.chunks_exact(width.d())).zip(w)
                    {
                        *v = width.dist(row, centre);
                        total += wi * *v;
                    }
                    total
                },
            )
        })
        .collect();
    // The last chosen centre (its row, and its squared distances to the centres chosen before
    // it) is folded into `labels` and `closest` lazily, in the next round's single pass.
    let mut pending: Option<(&[f64], Vec<f64>)> = None;
    let folded =
        |i: usize, labels: &[u32], closest: &[f64], pending: &Option<(&[f64], Vec<f64>)>| {
            let now = (labels[i], closest[i]);
            pending.as_ref().map_or(now, |(centre, gaps)| {
                fold(width, x.row(i), centre, gaps, now)
            })
        };
    let progress = crate::progress::Stage::start("k-means++ seeding", k);
    for chosen in 1..k {
        progress.at(chosen);
        if crate::cancel::requested() {
            // Interrupted: fill the remaining places cheaply; `fit` returns `Cancelled` before
            // these centres are used.
            centers.extend_from_within(..d);
            continue;
        }
        // Candidates drawn ∝ weight × closest (with the pending centre folded in): the chunk
        // first, then the row within it.
        let chunk_cum = cumulative(&chunk_totals);
        let total = chunk_cum[chunk_cum.len() - 1];
        let candidates: Vec<usize> = (0..trials)
            .map(|_| {
                let target = draw.uniform() * total;
                let c = pick(&chunk_cum, target);
                let mut rest = target - if c > 0 { chunk_cum[c - 1] } else { 0.0 };
                let rows = c * CHUNK..((c + 1) * CHUNK).min(n);
                let last = rows.end - 1;
                for i in rows {
                    rest -= w[i] * folded(i, &labels, &closest, &pending).1;
                    if rest < 0.0 {
                        return i;
                    }
                }
                last
            })
            .collect();
        let chosen = centers.len() / d;
        let rows: Vec<f64> = candidates.iter().flat_map(|&c| x.row(c)).copied().collect();
        // gaps[t × chosen + o]: squared distance of candidate t to chosen centre o.
        let gaps: Vec<f64> = rows
            .chunks_exact(d)
            .flat_map(|r| centers.chunks_exact(d).map(|c| sq_dist(r, c)))
            .collect();
        // One pass: fold the pending centre, then each candidate's potential
        // Σ w · min(closest, d²), per chunk.
        let partials: Vec<Vec<f64>> = closest
            .par_chunks_mut(CHUNK)
            .zip(labels.par_chunks_mut(CHUNK))
            .zip(x.data().par_chunks(CHUNK * d))
            .zip(w.par_chunks(CHUNK))
            .map(|(((closest, labels), data), w)| {
                simd(
                    #[inline(always)]
                    || {
                        let mut p = vec![0.0; trials];
                        for (((cl, label), row), wi) in closest
                            .iter_mut()
                            .zip(labels.iter_mut())
                            .zip(data.chunks_exact(width.d()))
                            .zip(w)
                        {
                            if let Some((centre, gaps)) = &pending {
                                (*label, *cl) = fold(width, row, centre, gaps, (*label, *cl));
                            }
                            let o = *label as usize;
                            for (t, (pc, cand)) in
                                p.iter_mut().zip(rows.chunks_exact(width.d())).enumerate()
                            {
                                let dist = if W::PRUNE && far(gaps[t * chosen + o], *cl) {
                                    *cl
                                } else {
                                    cl.min(width.dist(row, cand))
                                };
                                *pc += wi * dist;
                            }
                        }
                        p
                    },
                )
            })
            .collect();
        let mut potentials = vec![0.0; trials];
        for p in &partials {
            for (t, v) in potentials.iter_mut().zip(p) {
                *t += v;
            }
        }
        let mut best = 0;
        for (j, p) in potentials.iter().enumerate() {
            if *p < potentials[best] {
                best = j;
            }
        }
        centers.extend_from_slice(x.row(candidates[best]));
        chunk_totals = partials.iter().map(|p| p[best]).collect();
        pending = Some((
            x.row(candidates[best]),
            gaps[best * chosen..(best + 1) * chosen].to_vec(),
        ));
    }
    progress.finish();
    let gaps = pending.map_or_else(Vec::new, |(_, gaps)| gaps);
    Seeding {
        centers,
        start: Some(Start {
            labels,
            closest,
            gaps,
        }),
    }
}

/// k-means‖ seeding (see [`Init::KMeansParallel`]); falls back to greedy k-means++ on all rows
/// when the rounds keep fewer than k candidates.
fn kmeans_parallel(
    x: &Rows,
    w: &[f64],
    k: usize,
    rounds: usize,
    oversampling: f64,
    seed: u64,
    run: u64,
) -> Seeding {
    let (n, d) = (x.len(), x.dim());
    let mut draw = Draw::new(seed, run);
    let first = pick_row(w, draw.uniform() * w.iter().sum::<f64>());
    let mut candidates = vec![first];
    let mut closest: Vec<f64> = (0..n)
        .into_par_iter()
        .with_min_len(CHUNK)
        .map(|i| sq_dist(x.row(i), x.row(first)))
        .collect();
    let ell = oversampling * k as f64;
    let chunks = n.div_ceil(CHUNK) as u64;
    for round in 0..rounds as u64 {
        let phi = chunked_sum(n, |i| w[i] * closest[i]);
        if phi <= 0.0 {
            break;
        }
        let kept: Vec<Vec<usize>> = (0..n)
            .step_by(CHUNK)
            .collect::<Vec<_>>()
            .par_iter()
            .map(|&start| {
                let stream =
                    1 + run * (rounds as u64 * chunks) + round * chunks + (start / CHUNK) as u64;
                let mut draw = Draw::new(seed ^ 0x6b6d_6561_6e73_7c7c, stream);
                (start..(start + CHUNK).min(n))
                    .filter(|&i| draw.uniform() < ell * w[i] * closest[i] / phi)
                    .collect()
            })
            .collect();
        let new: Vec<usize> = kept.into_iter().flatten().collect();
        if new.is_empty() {
            continue;
        }
        closest
            .par_iter_mut()
            .enumerate()
            .with_min_len(CHUNK)
            .for_each(|(i, c)| {
                for &j in &new {
                    *c = c.min(sq_dist(x.row(i), x.row(j)));
                }
            });
        candidates.extend(new);
    }
    if candidates.len() < k {
        return kmeans_plus_plus(x, w, k, &mut draw);
    }
    // Weight of each candidate: the rows nearest to it.
    let centres: Vec<f64> = candidates
        .iter()
        .flat_map(|&c| x.row(c).iter().copied())
        .collect();
    let partials: Vec<Vec<f64>> = (0..n)
        .step_by(CHUNK)
        .collect::<Vec<_>>()
        .par_iter()
        .map(|&start| {
            let mut p = vec![0.0; candidates.len()];
            for i in start..(start + CHUNK).min(n) {
                p[nearest(x.row(i), &centres, d).0 as usize] += w[i];
            }
            p
        })
        .collect();
    let mut weights = vec![0.0; candidates.len()];
    for p in &partials {
        for (t, v) in weights.iter_mut().zip(p) {
            *t += v;
        }
    }
    let rows = Rows::from_finite(&centres, d);
    if weights.iter().filter(|v| **v > 0.0).count() < k {
        return kmeans_plus_plus(x, w, k, &mut draw);
    }
    kmeans_plus_plus(&rows, &weights, k, &mut draw)
        .centers
        .into()
}

pub(crate) fn random_init(x: &Rows, w: &[f64], k: usize, draw: &mut Draw) -> Vec<f64> {
    let mut weights = w.to_vec();
    let mut centers = Vec::with_capacity(k * x.dim());
    for _ in 0..k {
        let cum = cumulative(&weights);
        let i = pick(&cum, draw.uniform() * cum[cum.len() - 1]);
        centers.extend_from_slice(x.row(i));
        weights[i] = 0.0;
    }
    centers
}

/// Per-chunk partial sums of one step.
struct Partial {
    sums: Vec<f64>,
    weights: Vec<f64>,
    /// Σ weight · squared distance to the step's centre of the row's label.
    inertia: f64,
    /// Rows whose label changed.
    changed: usize,
}

impl Partial {
    fn new(k: usize, d: usize) -> Self {
        Partial {
            sums: vec![0.0; k * d],
            weights: vec![0.0; k],
            inertia: 0.0,
            changed: 0,
        }
    }

    /// Adds a row of weight `w` labelled `label`, at squared distance `dist` from its centre.
    #[inline(always)]
    fn add(&mut self, row: &[f64], w: f64, label: u32, dist: f64) {
        let (l, d) = (label as usize, row.len());
        self.inertia += w * dist;
        self.weights[l] += w;
        for (s, v) in self.sums[l * d..(l + 1) * d].iter_mut().zip(row) {
            *s += w * v;
        }
    }
}

/// What a step did: the squared centre shift, Σ weight · squared distance to the step's
/// centres, and how many labels changed.
struct Step {
    shift: f64,
    inertia: f64,
    changed: usize,
}

/// One Lloyd step: labels from `centers`, then the new centres (weighted means, empty clusters
/// relocated to the rows farthest from their centres).
fn lloyd_step<W: Width>(
    width: W,
    x: &Rows,
    w: &[f64],
    centers: &[f64],
    labels: &mut [u32],
    new_centers: &mut [f64],
) -> Step {
    let (d, k) = (x.dim(), centers.len() / x.dim());
    let partials: Vec<Partial> = labels
        .par_chunks_mut(CHUNK)
        .zip(x.data().par_chunks(CHUNK * d))
        .zip(w.par_chunks(CHUNK))
        .map(|((labels, rows), w)| {
            simd(
                #[inline(always)]
                || {
                    let mut p = Partial::new(k, d);
                    for ((label, row), &wi) in
                        labels.iter_mut().zip(rows.chunks_exact(width.d())).zip(w)
                    {
                        let (l, dist) = width.nearest(row, centers);
                        p.changed += usize::from(l != *label);
                        *label = l;
                        p.add(row, wi, l, dist);
                    }
                    p
                },
            )
        })
        .collect();
    step_result(x, w, centers, labels, &partials, new_centers)
}

/// The first step after greedy k-means++: Lloyd's step, with each row's nearest centre found
/// by folding the last centre into the nearest among the others, which seeding left.
fn seeded_step<W: Width>(
    width: W,
    x: &Rows,
    w: &[f64],
    centers: &[f64],
    start: &mut Start,
    new_centers: &mut [f64],
) -> Step {
    let (d, k) = (x.dim(), centers.len() / x.dim());
    let last = &centers[(k - 1) * d..];
    let gaps = &start.gaps;
    let partials: Vec<Partial> = start
        .labels
        .par_chunks_mut(CHUNK)
        .zip(start.closest.par_chunks_mut(CHUNK))
        .zip(x.data().par_chunks(CHUNK * d))
        .zip(w.par_chunks(CHUNK))
        .map(|(((labels, closest), rows), w)| {
            simd(
                #[inline(always)]
                || {
                    let mut p = Partial::new(k, d);
                    for (((label, cl), row), &wi) in labels
                        .iter_mut()
                        .zip(closest.iter_mut())
                        .zip(rows.chunks_exact(width.d()))
                        .zip(w)
                    {
                        if k > 1 {
                            (*label, *cl) = fold(width, row, last, gaps, (*label, *cl));
                        }
                        p.add(row, wi, *label, *cl);
                    }
                    p.changed = labels.len();
                    p
                },
            )
        })
        .collect();
    step_result(x, w, centers, &start.labels, &partials, new_centers)
}

/// The step's figures from the chunks' partial sums; writes the new centres.
fn step_result(
    x: &Rows,
    w: &[f64],
    centers: &[f64],
    labels: &[u32],
    partials: &[Partial],
    new_centers: &mut [f64],
) -> Step {
    Step {
        shift: update_centers(x, w, centers, labels, partials, new_centers),
        inertia: partials.iter().map(|p| p.inertia).sum(),
        changed: partials.iter().map(|p| p.changed).sum(),
    }
}

/// New centres from the chunks' sums (reduced in order; empty clusters relocated to the rows
/// farthest from their centres). Returns the squared centre shift.
fn update_centers(
    x: &Rows,
    w: &[f64],
    centers: &[f64],
    labels: &[u32],
    partials: &[Partial],
    new_centers: &mut [f64],
) -> f64 {
    let d = x.dim();
    let k = centers.len() / d;
    let mut sums = vec![0.0; k * d];
    let mut weights = vec![0.0; k];
    for p in partials {
        for (s, v) in sums.iter_mut().zip(&p.sums) {
            *s += v;
        }
        for (s, v) in weights.iter_mut().zip(&p.weights) {
            *s += v;
        }
    }
    relocate_empty(x, w, centers, labels, &mut sums, &mut weights);
    let mut shift = 0.0;
    for c in 0..k {
        let new = &mut new_centers[c * d..(c + 1) * d];
        if weights[c] > 0.0 {
            for (n, s) in new.iter_mut().zip(&sums[c * d..(c + 1) * d]) {
                *n = s / weights[c];
            }
        } else {
            new.copy_from_slice(&centers[c * d..(c + 1) * d]);
        }
        shift += sq_dist(new, &centers[c * d..(c + 1) * d]);
    }
    shift
}

/// Relative safety margin of Hamerly's bounds against rounding.
const BOUND_MARGIN: f64 = 1e-10;

/// Hamerly's per-row bounds (distances, not squared); `valid` is false before the first step.
struct Bounds {
    upper: Vec<f64>,
    lower: Vec<f64>,
    valid: bool,
    /// The last step's centre moves, applied to each row's bounds when the next step reads
    /// them (saving a pass): the move of each centre, the largest-moving centre and the second
    /// largest move.
    moves: Vec<f64>,
    largest: usize,
    second: f64,
}

impl Bounds {
    /// Bounds for `n` rows, none known yet.
    fn new(n: usize) -> Self {
        Bounds {
            upper: filled(n, 0.0),
            lower: filled(n, 0.0),
            valid: false,
            moves: Vec::new(),
            largest: 0,
            second: 0.0,
        }
    }

    /// Bounds after the seeded step: the upper bound is the distance to the row's centre
    /// (`closest`, squared, is taken over), the lower bound 0 (no second centre known).
    fn seeded(mut closest: Vec<f64>) -> Self {
        closest.par_iter_mut().for_each(|v| *v = v.sqrt());
        let n = closest.len();
        Bounds {
            upper: closest,
            lower: filled(n, 0.0),
            valid: true,
            moves: Vec::new(),
            largest: 0,
            second: 0.0,
        }
    }

    /// Records how far each centre moved from `centers` to `new_centers`, for the next step.
    fn follow(&mut self, centers: &[f64], new_centers: &[f64], d: usize) {
        self.moves = centers
            .chunks_exact(d)
            .zip(new_centers.chunks_exact(d))
            .map(|(old, new)| sq_dist(new, old).sqrt())
            .collect();
        let mut order: Vec<usize> = (0..self.moves.len()).collect();
        order.sort_by(|a, b| self.moves[*b].total_cmp(&self.moves[*a]));
        self.largest = order[0];
        self.second = order.get(1).map_or(0.0, |&c| self.moves[c]);
    }
}

/// The nearest and the second-nearest squared distances (the lowest index among equals).
#[inline(always)]
fn two_nearest<W: Width>(width: W, x: &[f64], centers: &[f64]) -> (u32, f64, f64) {
    let (mut best, mut d1, mut d2) = (0u32, f64::INFINITY, f64::INFINITY);
    for (c, center) in centers.chunks_exact(width.d()).enumerate() {
        let dist = width.dist(x, center);
        if dist < d1 {
            d2 = d1;
            d1 = dist;
            best = c as u32;
        } else if dist < d2 {
            d2 = dist;
        }
    }
    (best, d1, d2)
}

/// One Hamerly step: the labels Lloyd's step would give, computed with the bounds, then the
/// same centre update; the bounds follow the centres' moves.
fn hamerly_step<W: Width>(
    width: W,
    x: &Rows,
    w: &[f64],
    centers: &[f64],
    labels: &mut [u32],
    bounds: &mut Bounds,
    new_centers: &mut [f64],
) -> Step {
    let d = x.dim();
    let k = centers.len() / d;
    // Half the distance from each centre to its nearest other centre.
    let half: Vec<f64> = (0..k)
        .map(|c| {
            let own = &centers[c * d..(c + 1) * d];
            let nearest = (0..k)
                .filter(|&o| o != c)
                .map(|o| sq_dist(own, &centers[o * d..(o + 1) * d]))
                .fold(f64::INFINITY, f64::min);
            0.5 * nearest.sqrt()
        })
        .collect();
    let valid = bounds.valid;
    let (moves, largest, second) = (&bounds.moves, bounds.largest, bounds.second);
    let partials: Vec<Partial> = labels
        .par_chunks_mut(CHUNK)
        .zip(bounds.upper.par_chunks_mut(CHUNK))
        .zip(bounds.lower.par_chunks_mut(CHUNK))
        .zip(x.data().par_chunks(CHUNK * d))
        .zip(w.par_chunks(CHUNK))
        .map(|((((labels, upper), lower), rows), w)| {
            simd(
                #[inline(always)]
                || {
                    let mut p = Partial::new(k, d);
                    let proven =
                        |u: f64, m: f64| u * (1.0 + BOUND_MARGIN) < m * (1.0 - BOUND_MARGIN);
                    for ((((label, u), l), row), &wi) in labels
                        .iter_mut()
                        .zip(upper.iter_mut())
                        .zip(lower.iter_mut())
                        .zip(rows.chunks_exact(width.d()))
                        .zip(w)
                    {
                        let mut keep = false;
                        // The squared distance to the assigned centre (the row is read for the
                        // sums anyway, so the step's inertia costs no extra pass).
                        let mut own = 0.0;
                        if valid {
                            let a = *label as usize;
                            *u += moves[a];
                            *l -= if a == largest { second } else { moves[largest] };
                            let m = half[a].max(*l);
                            own = width.dist(row, &centers[a * d..(a + 1) * d]);
                            if !proven(*u, m) {
                                *u = own.sqrt();
                            }
                            keep = proven(*u, m);
                        }
                        if !keep {
                            let (best, d1, d2) = two_nearest(width, row, centers);
                            p.changed += usize::from(best != *label);
                            *label = best;
                            *u = d1.sqrt();
                            *l = d2.sqrt();
                            own = d1;
                        }
                        p.add(row, wi, *label, own);
                    }
                    p
                },
            )
        })
        .collect();
    let step = step_result(x, w, centers, labels, &partials, new_centers);
    bounds.follow(centers, new_centers, d);
    bounds.valid = true;
    step
}

/// scikit-learn's relocation: each empty cluster takes the row farthest from its centre (the
/// farthest first, lower rows first among equals), moving that row's weight over.
fn relocate_empty(
    x: &Rows,
    w: &[f64],
    centers: &[f64],
    labels: &[u32],
    sums: &mut [f64],
    weights: &mut [f64],
) {
    let d = x.dim();
    let empty: Vec<usize> = (0..weights.len()).filter(|&c| weights[c] == 0.0).collect();
    if empty.is_empty() {
        return;
    }
    let distances: Vec<f64> = (0..x.len())
        .into_par_iter()
        .with_min_len(CHUNK)
        .map(|i| {
            let l = labels[i] as usize;
            sq_dist(x.row(i), &centers[l * d..(l + 1) * d])
        })
        .collect();
    let mut order: Vec<usize> = (0..x.len()).collect();
    order.par_sort_unstable_by(|&a, &b| distances[b].total_cmp(&distances[a]).then(a.cmp(&b)));
    for (&cluster, &far) in empty.iter().zip(&order) {
        let old = labels[far] as usize;
        let row = x.row(far);
        for j in 0..d {
            sums[old * d + j] -= w[far] * row[j];
            sums[cluster * d + j] = w[far] * row[j];
        }
        weights[old] -= w[far];
        weights[cluster] = w[far];
    }
}

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
    fn blobs(n_per: usize) -> Vec<f64> {
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
        assert!(fit1.model.predict_one(&[1.0, f64::NAN]).is_err());
        let t = fit1.model.transform(&x).unwrap();
        assert_eq!(t.len(), 9000 * 3);
    }

    #[test]
    fn kmeans_parallel_seeding_is_as_good_and_thread_independent() {
        let data = blobs(3000);
        let x = Rows::new(&data, 2).unwrap();
        let opts = KMeansOptions {
            k: 3,
            seed: 2,
            init: Init::KMeansParallel {
                rounds: 5,
                oversampling: 2.0,
            },
            ..Default::default()
        };
        let on = |t: usize| crate::on_threads(t, || fit(&x, None, &opts).unwrap());
        let one = on(1);
        assert_eq!(one, on(4));
        for b in 0..3 {
            let l = &one.labels[b * 3000..(b + 1) * 3000];
            assert!(l.iter().all(|v| *v == l[0]));
        }
        let mut draw = Draw::new(9, 4);
        let uniform: Vec<f64> = (0..30_000 * 3).map(|_| draw.uniform()).collect();
        let u = Rows::new(&uniform, 3).unwrap();
        let par = fit(
            &u,
            None,
            &KMeansOptions {
                k: 10,
                ..opts.clone()
            },
        )
        .unwrap();
        let pp = fit(
            &u,
            None,
            &KMeansOptions {
                k: 10,
                seed: 2,
                ..Default::default()
            },
        )
        .unwrap();
        assert!(
            par.inertia <= pp.inertia * 1.02,
            "{} vs {}",
            par.inertia,
            pp.inertia
        );
        let bad = KMeansOptions {
            init: Init::KMeansParallel {
                rounds: 0,
                oversampling: 2.0,
            },
            ..opts
        };
        assert!(fit(&x, None, &bad).is_err());
    }

    #[test]
    fn hamerly_gives_lloyds_labels_and_centres() {
        // Overlapping uniform data (many rows change centre) and separated blobs, with weights.
        let mut draw = Draw::new(9, 1);
        let uniform: Vec<f64> = (0..20_000 * 4).map(|_| draw.uniform()).collect();
        let weights: Vec<f64> = (0..20_000).map(|_| 0.5 + draw.uniform()).collect();
        for (data, d) in [(uniform, 4), (blobs(2000), 2)] {
            let x = Rows::new(&data, d).unwrap();
            for k in [2, 5, 12] {
                for w in [None, Some(&weights[..x.len()])] {
                    let opts = |algorithm| KMeansOptions {
                        k,
                        seed: 4,
                        algorithm,
                        ..Default::default()
                    };
                    let lloyd = fit(&x, w, &opts(Algorithm::Lloyd)).unwrap();
                    let hamerly = fit(&x, w, &opts(Algorithm::Hamerly)).unwrap();
                    assert_eq!(lloyd, hamerly, "k = {k}");
                    if d == 4 {
                        assert!(lloyd.n_iter > 5, "{}", lloyd.n_iter);
                    }
                }
            }
        }
    }

    #[test]
    fn seeded_first_step_equals_a_step_from_the_centres_alone() {
        // Seeding hands the first step each row's nearest centre among the first k − 1; the fit
        // must equal one that starts from the same centres and computes every distance. Narrow
        // rows (branch-free code) and wide ones (distances skipped by the triangle inequality).
        let mut draw = Draw::new(21, 0);
        for d in [2, 11] {
            let data: Vec<f64> = (0..6000 * d)
                .map(|i| draw.uniform() + ((i / d) % 4) as f64 * 3.0)
                .collect();
            let weights: Vec<f64> = (0..6000).map(|_| 0.5 + draw.uniform()).collect();
            let x = Rows::new(&data, d).unwrap();
            for k in [1, 3, 9] {
                for algorithm in [Algorithm::Lloyd, Algorithm::Hamerly] {
                    for max_iter in [1, 300] {
                        let opts = KMeansOptions {
                            k,
                            algorithm,
                            max_iter,
                            ..Default::default()
                        };
                        let seeding = kmeans_plus_plus(&x, &weights, k, &mut Draw::new(5, 0));
                        let plain = Seeding::from(seeding.centers.clone());
                        let tol = opts.tol * mean_variance(&x);
                        let (a, b) = with_width!(d, |width| (
                            run(width, &x, &weights, seeding, &opts, tol, &|_| {}),
                            run(width, &x, &weights, plain, &opts, tol, &|_| {})
                        ));
                        assert_eq!(a, b, "d = {d}, k = {k}, {algorithm:?}, max_iter {max_iter}");
                    }
                }
            }
        }
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
    fn empty_clusters_take_the_farthest_rows() {
        // Two centres start on top of each other far away: one ends empty and is relocated.
        let data = [0.0, 1.0, 2.0, 100.0];
        let x = Rows::new(&data, 1).unwrap();
        let opts = KMeansOptions {
            k: 2,
            init: Init::Centers {
                centers: vec![0.5, 0.5],
            },
            ..Default::default()
        };
        let f = fit(&x, None, &opts).unwrap();
        let mut c = f.model.centers.clone();
        c.sort_by(f64::total_cmp);
        assert_eq!(c, [1.0, 100.0]);
        assert_eq!(f.inertia, 2.0);
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
        let data = [0.0, 1.0, f64::NAN, 2.0];
        assert_eq!(
            Rows::new(&data, 2).unwrap_err(),
            SegmentError::InvalidData {
                row: 1,
                field: "column 0".into(),
                reason: "must be a finite number, got NaN".into()
            }
        );
        let inf = [0.0, f64::NEG_INFINITY];
        assert!(Rows::new(&inf, 2)
            .unwrap_err()
            .to_string()
            .ends_with("got -inf"));
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
        assert!(Rows::new(&ok, 3).is_err());
    }
}
