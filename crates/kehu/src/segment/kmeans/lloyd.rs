//! Lloyd's step, every distance in every iteration ([`Algorithm::Lloyd`]), and what every
//! step shares: the per-chunk partial sums, the centre update (weighted means reduced in chunk
//! order) and scikit-learn's relocation of empty clusters. Also the first step after greedy
//! k-means++, which folds the last seeded centre into the nearest centres seeding left.
//!
//! [`Algorithm::Lloyd`]: super::Algorithm::Lloyd

use super::seeding::{fold, Start};
use super::CHUNK;
use crate::segment::distance::{simd, sq_dist, Width};
use crate::segment::rows::Rows;
use rayon::prelude::*;

/// Per-chunk partial sums of one step.
pub(super) struct Partial {
    sums: Vec<f64>,
    weights: Vec<f64>,
    /// Σ weight · squared distance to the step's centre of the row's label.
    inertia: f64,
    /// Rows whose label changed.
    pub(super) changed: usize,
}

impl Partial {
    pub(super) fn new(k: usize, d: usize) -> Self {
        Partial {
            sums: vec![0.0; k * d],
            weights: vec![0.0; k],
            inertia: 0.0,
            changed: 0,
        }
    }

    /// Adds a row of weight `w` labelled `label`, at squared distance `dist` from its centre.
    #[inline(always)]
    pub(super) fn add(&mut self, row: &[f64], w: f64, label: u32, dist: f64) {
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
pub(super) struct Step {
    pub(super) shift: f64,
    pub(super) inertia: f64,
    pub(super) changed: usize,
}

/// One Lloyd step: labels from `centers`, then the new centres (weighted means, empty clusters
/// relocated to the rows farthest from their centres).
pub(super) fn lloyd_step<W: Width>(
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
pub(super) fn seeded_step<W: Width>(
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
pub(super) fn step_result(
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

#[cfg(test)]
mod tests {
    use crate::segment::kmeans::{fit, Init, KMeansOptions};
    use crate::segment::rows::Rows;

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
}
