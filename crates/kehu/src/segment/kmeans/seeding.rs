//! Initial centres: greedy k-means++ ([`Init::KMeansPlusPlus`], which also hands the first
//! step each row's nearest centre among all but the last one chosen), k-means‖
//! ([`Init::KMeansParallel`]) and random rows ([`Init::Random`]). Every choice is drawn from the
//! run's seeded stream, and the passes over rows run in fixed chunks reduced in order, so the
//! centres do not depend on the thread count.
//!
//! [`Init::KMeansPlusPlus`]: super::Init::KMeansPlusPlus
//! [`Init::KMeansParallel`]: super::Init::KMeansParallel
//! [`Init::Random`]: super::Init::Random

use super::hamerly::BOUND_MARGIN;
use super::{chunked_sum, filled, CHUNK};
use crate::rng::Draw;
use crate::segment::distance::{nearest, simd, sq_dist, with_width, Width};
use crate::segment::rows::Rows;
use rayon::prelude::*;

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
pub(super) fn far(gap: f64, closest: f64) -> bool {
    gap >= 4.0 * closest * (1.0 + BOUND_MARGIN)
}

/// A row's nearest centre so far (`label`, at squared distance `closest`) after adding the
/// centre `centre`, numbered `gaps.len()` and at squared distances `gaps` from the centres
/// before it. Ties keep the lower index.
#[inline(always)]
pub(super) fn fold<W: Width>(
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
    pub(super) start: Option<Start>,
}

/// Each row's nearest centre among the first k − 1 (label and squared distance), and the last
/// centre's squared distances to them.
pub(super) struct Start {
    pub(super) labels: Vec<u32>,
    pub(super) closest: Vec<f64>,
    pub(super) gaps: Vec<f64>,
}

impl From<Vec<f64>> for Seeding {
    fn from(centers: Vec<f64>) -> Self {
        Seeding {
            centers,
            start: None,
        }
    }
}

/// Greedy k-means++ (see [`Init::KMeansPlusPlus`](super::Init::KMeansPlusPlus)).
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

/// k-means‖ seeding (see [`Init::KMeansParallel`](super::Init::KMeansParallel)); falls back
/// to greedy k-means++ on all rows when the rounds keep fewer than k candidates.
pub(super) fn kmeans_parallel(
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

/// k distinct rows drawn with probability ∝ weight (see [`Init::Random`](super::Init::Random)).
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::kmeans::tests::blobs;
    use crate::segment::kmeans::{fit, run, Algorithm, Init, KMeansOptions};
    use crate::segment::rows::mean_variance;

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
}
