//! The k-prototypes iterations (Lloyd-style batch passes): each pass assigns every row to its
//! nearest centre in fixed chunks reduced in order, then moves every centre to the weighted mean
//! and mode of its rows; a cluster left empty takes the row farthest from its centre.

use super::encoding::{Categories, MixedRows};
use super::{Centres, KPrototypesOptions, CHUNK};
use rayon::prelude::*;

/// The outcome of one run: its centres (numbers and modes), labels, cost, passes and notes.
pub(super) struct Run {
    pub(super) numeric: Vec<f64>,
    pub(super) modes: Vec<i32>,
    pub(super) labels: Vec<u32>,
    pub(super) cost: f64,
    pub(super) n_iter: usize,
    pub(super) notes: Vec<String>,
}

/// Per-chunk sums of one assignment pass.
struct Partial {
    /// Σ w·x per cluster and numeric column.
    sums: Vec<f64>,
    /// Σ w over observed values per cluster and numeric column.
    counts: Vec<f64>,
    /// Σ w per cluster and category (columns laid out by `offsets`).
    freq: Vec<f64>,
    /// Σ w per cluster.
    size: Vec<f64>,
    /// Σ w · distance.
    cost: f64,
    /// Labels that changed.
    changed: usize,
}

impl Partial {
    /// Empty sums for `k` clusters, `p` numeric columns and `width` categories in all.
    fn new(k: usize, p: usize, width: usize) -> Self {
        Partial {
            sums: vec![0.0; k * p],
            counts: vec![0.0; k * p],
            freq: vec![0.0; k * width],
            size: vec![0.0; k],
            cost: 0.0,
            changed: 0,
        }
    }
}

/// One run from the given centres: batch passes (assign every row, then move every centre to
/// its rows' weighted mean and mode, refilling emptied clusters) until no label changes,
/// `max_iter` passes or an interrupt.
#[allow(clippy::too_many_arguments)]
pub(super) fn run(
    x: &MixedRows,
    categories: &Categories,
    w: &[f64],
    gamma: &[f64],
    mut numeric: Vec<f64>,
    mut modes: Vec<i32>,
    opts: &KPrototypesOptions,
    run_no: usize,
) -> Run {
    let (n, p, q, k) = (x.n, x.p, x.q, opts.k);
    let mut offsets = Vec::with_capacity(q + 1);
    offsets.push(0);
    for c in &categories.columns {
        offsets.push(offsets.last().copied().unwrap_or(0) + c.len());
    }
    let width = offsets[q];
    let mut labels = vec![u32::MAX; n];
    let mut dist = vec![0.0; n];
    let mut notes = Vec::new();
    let mut n_iter = 0;
    let mut cost;
    loop {
        n_iter += 1;
        let centres = Centres {
            numeric: &numeric,
            modes: &modes,
            gamma,
            p,
        };
        let partials: Vec<Partial> = labels
            .par_chunks_mut(CHUNK)
            .zip(dist.par_chunks_mut(CHUNK))
            .enumerate()
            .map(|(chunk, (labels, dist))| {
                let mut part = Partial::new(k, p, width);
                for (o, (label, d)) in labels.iter_mut().zip(dist.iter_mut()).enumerate() {
                    let i = chunk * CHUNK + o;
                    let (c, best) = centres.nearest(x.num(i), x.cat(i));
                    if *label != c {
                        part.changed += 1;
                        *label = c;
                    }
                    *d = best;
                    let wi = w[i];
                    part.cost += wi * best;
                    let c = c as usize;
                    part.size[c] += wi;
                    accumulate(&mut part, x, i, c, wi, &offsets, width, 1.0);
                }
                part
            })
            .collect();
        let mut total = Partial::new(k, p, width);
        for part in &partials {
            for (t, v) in total.sums.iter_mut().zip(&part.sums) {
                *t += v;
            }
            for (t, v) in total.counts.iter_mut().zip(&part.counts) {
                *t += v;
            }
            for (t, v) in total.freq.iter_mut().zip(&part.freq) {
                *t += v;
            }
            for (t, v) in total.size.iter_mut().zip(&part.size) {
                *t += v;
            }
            total.cost += part.cost;
            total.changed += part.changed;
        }
        cost = total.cost;
        // An interrupted fit ends here too; `fit` returns `Cancelled`.
        if total.changed == 0 || n_iter >= opts.max_iter || crate::cancel::requested() {
            break;
        }
        // Refill clusters left without weight with the rows farthest from their centres.
        for c in 0..k {
            if total.size[c] > 0.0 {
                continue;
            }
            let mut far: Option<usize> = None;
            for i in 0..n {
                let from = labels[i] as usize;
                if w[i] > 0.0 && total.size[from] > w[i] && far.is_none_or(|f| dist[i] > dist[f]) {
                    far = Some(i);
                }
            }
            let Some(i) = far else { continue };
            let from = labels[i] as usize;
            accumulate(&mut total, x, i, from, w[i], &offsets, width, -1.0);
            accumulate(&mut total, x, i, c, w[i], &offsets, width, 1.0);
            total.size[from] -= w[i];
            total.size[c] += w[i];
            labels[i] = c as u32;
            dist[i] = 0.0;
            notes.push(format!(
                "run {run_no}, pass {n_iter}: cluster {c} was empty and took the row farthest from its centre"
            ));
        }
        for c in 0..k {
            for j in 0..p {
                let count = total.counts[c * p + j];
                if count > 0.0 {
                    numeric[c * p + j] = total.sums[c * p + j] / count;
                }
            }
            for j in 0..q {
                let freq = &total.freq[c * width + offsets[j]..c * width + offsets[j + 1]];
                let mut best: Option<usize> = None;
                for (v, f) in freq.iter().enumerate() {
                    if *f > 0.0 && best.is_none_or(|b| *f > freq[b]) {
                        best = Some(v);
                    }
                }
                if let Some(b) = best {
                    modes[c * q + j] = b as i32;
                }
            }
        }
    }
    Run {
        numeric,
        modes,
        labels,
        cost,
        n_iter,
        notes,
    }
}

/// Adds (`sign` = 1) or removes (−1) row `i` of weight `wi` to cluster `c`'s sums.
#[allow(clippy::too_many_arguments)]
#[inline]
fn accumulate(
    part: &mut Partial,
    x: &MixedRows,
    i: usize,
    c: usize,
    wi: f64,
    offsets: &[usize],
    width: usize,
    sign: f64,
) {
    let p = x.p;
    for (j, v) in x.num(i).iter().enumerate() {
        if !v.is_nan() {
            part.sums[c * p + j] += sign * wi * v;
            part.counts[c * p + j] += sign * wi;
        }
    }
    for (j, code) in x.cat(i).iter().enumerate() {
        if *code >= 0 {
            part.freq[c * width + offsets[j] + *code as usize] += sign * wi;
        }
    }
}
