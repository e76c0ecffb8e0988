//! Hamerly's step ([`Algorithm::Hamerly`], the default): per row an upper bound on the distance
//! to its centre and a lower bound on the distance to every other centre, moved with the
//! centres after each step; a row whose bounds prove its centre unchanged costs no distance. It
//! gives Lloyd's labels and centres, and shares Lloyd's centre update.
//!
//! [`Algorithm::Hamerly`]: super::Algorithm::Hamerly

use super::lloyd::{step_result, Partial, Step};
use super::{filled, CHUNK};
use crate::segment::distance::{simd, sq_dist, Width};
use crate::segment::rows::Rows;
use rayon::prelude::*;

/// Relative safety margin of Hamerly's bounds against rounding.
pub(super) const BOUND_MARGIN: f64 = 1e-10;

/// Hamerly's per-row bounds (distances, not squared); `valid` is false before the first step.
pub(super) struct Bounds {
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
    pub(super) fn new(n: usize) -> Self {
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
    pub(super) fn seeded(mut closest: Vec<f64>) -> Self {
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
    pub(super) fn follow(&mut self, centers: &[f64], new_centers: &[f64], d: usize) {
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
pub(super) fn hamerly_step<W: Width>(
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

#[cfg(test)]
mod tests {
    use crate::rng::Draw;
    use crate::segment::kmeans::tests::blobs;
    use crate::segment::kmeans::{fit, Algorithm, KMeansOptions};
    use crate::segment::rows::Rows;

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
}
