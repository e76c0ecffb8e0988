//! Starting centres of a k-prototypes run ([`ModesInit`]): rows chosen by greedy k-means++ on the
//! mixed distance, Cao et al.'s density and distance, Huang's modes drawn by frequency, or at
//! random, then taken whole as centres (a missing number takes the column mean); or given
//! centres, their categories encoded.
//!
//! [`ModesInit`]: super::ModesInit

use super::encoding::{Categories, MixedRows, MISSING};
use super::CHUNK;
use crate::rng::Draw;
use crate::segment::SegmentError;
use rayon::prelude::*;

/// Given centres, their categories encoded.
pub(super) fn given_centres(
    x: &MixedRows,
    categories: &Categories,
    k: usize,
    numeric: &[f64],
    categorical: &[String],
) -> Result<(Vec<f64>, Vec<i32>), SegmentError> {
    let bad = |reason: String| SegmentError::InvalidOption {
        option: "init".into(),
        reason,
    };
    if numeric.len() != k * x.p || categorical.len() != k * x.q {
        return Err(bad(format!(
            "needs k × {} numbers and k × {} categories",
            x.p, x.q
        )));
    }
    if numeric.iter().any(|v| !v.is_finite()) {
        return Err(bad("numbers must be finite".into()));
    }
    let codes = categorical
        .iter()
        .enumerate()
        .map(|(i, v)| {
            categories.columns[i % x.q]
                .binary_search(v)
                .map(|c| c as i32)
                .map_err(|_| {
                    bad(format!(
                        "centre {}, categorical column {}: not a category of the data",
                        i / x.q,
                        i % x.q
                    ))
                })
        })
        .collect::<Result<_, _>>()?;
    Ok((numeric.to_vec(), codes))
}

/// Centres taken from rows (a missing number takes the column mean; a missing category the
/// column's first category, which then moves to the cluster's mode).
pub(super) fn centres_from_rows(
    x: &MixedRows,
    rows: &[usize],
    means: &[f64],
) -> (Vec<f64>, Vec<i32>) {
    let mut numeric = Vec::with_capacity(rows.len() * x.p);
    let mut modes = Vec::with_capacity(rows.len() * x.q);
    for &r in rows {
        numeric.extend(
            x.num(r)
                .iter()
                .zip(means)
                .map(|(v, m)| if v.is_nan() { *m } else { *v }),
        );
        modes.extend(x.cat(r).iter().map(|c| (*c).max(0)));
    }
    (numeric, modes)
}

/// Mixed distance between two rows (missing values on either side left out).
fn row_distance(x: &MixedRows, gamma: &[f64], a: usize, b: usize) -> f64 {
    let mut d = 0.0;
    for (u, v) in x.num(a).iter().zip(x.num(b)) {
        let diff = u - v;
        if !diff.is_nan() {
            d += diff * diff;
        }
    }
    for ((u, v), g) in x.cat(a).iter().zip(x.cat(b)).zip(gamma) {
        if *u != MISSING && *v != MISSING && u != v {
            d += g;
        }
    }
    d
}

/// Cao et al.'s rows: the densest row first, then each time the row maximising
/// density × distance to its nearest chosen row (ties: the lowest index).
pub(super) fn cao_rows(x: &MixedRows, gamma: &[f64], k: usize) -> Vec<usize> {
    let (n, q) = (x.n, x.q);
    let mut density = vec![0.0; n];
    for j in 0..q {
        let mut freq: rustc_hash::FxHashMap<i32, usize> = Default::default();
        for i in 0..n {
            *freq.entry(x.codes[i * q + j]).or_default() += 1;
        }
        for (i, d) in density.iter_mut().enumerate() {
            let c = x.codes[i * q + j];
            if c != MISSING {
                *d += freq[&c] as f64 / n as f64 / q as f64;
            }
        }
    }
    let argmax = |v: &[f64]| {
        let mut best = 0;
        for (i, value) in v.iter().enumerate() {
            if *value > v[best] {
                best = i;
            }
        }
        best
    };
    let mut rows = vec![argmax(&density)];
    let mut nearest = vec![f64::INFINITY; n];
    while rows.len() < k {
        let last = *rows.last().expect("one row");
        nearest
            .par_iter_mut()
            .enumerate()
            .with_min_len(CHUNK)
            .for_each(|(i, m)| *m = m.min(row_distance(x, gamma, i, last) * density[i]));
        rows.push(argmax(&nearest));
    }
    rows
}

/// Huang's rows: for each centre, one value per categorical column drawn with probability ∝
/// its frequency, then the nearest row (by the categorical part; ties: the lowest index) that is
/// not a copy of a row already chosen.
pub(super) fn huang_rows(x: &MixedRows, gamma: &[f64], k: usize, draw: &mut Draw) -> Vec<usize> {
    let (n, q) = (x.n, x.q);
    let mut sampled = vec![MISSING; k * q];
    for j in 0..q {
        let observed: Vec<i32> = (0..n)
            .map(|i| x.codes[i * q + j])
            .filter(|c| *c != MISSING)
            .collect();
        for c in 0..k {
            if !observed.is_empty() {
                let r = ((draw.uniform() * observed.len() as f64) as usize).min(observed.len() - 1);
                sampled[c * q + j] = observed[r];
            }
        }
    }
    let mut rows: Vec<usize> = Vec::with_capacity(k);
    for c in 0..k {
        let mode = &sampled[c * q..(c + 1) * q];
        let dist = |i: usize| -> f64 {
            x.cat(i)
                .iter()
                .zip(mode)
                .zip(gamma)
                .filter(|((u, m), _)| **u != MISSING && **m != MISSING && u != m)
                .map(|(_, g)| g)
                .sum()
        };
        let mut best: Option<(usize, f64)> = None;
        for i in 0..n {
            let d = dist(i);
            if best.is_none_or(|(_, b)| d < b) && !rows.iter().any(|&r| x.same_row(r, i)) {
                best = Some((i, d));
            }
        }
        rows.push(best.expect("k ≤ distinct rows").0);
    }
    rows
}

/// k distinct rows of positive weight, drawn uniformly.
pub(super) fn random_rows(x: &MixedRows, w: &[f64], k: usize, draw: &mut Draw) -> Vec<usize> {
    let eligible: Vec<usize> = (0..x.n).filter(|&i| w[i] > 0.0).collect();
    let mut rows: Vec<usize> = Vec::with_capacity(k);
    // Draw until k distinct rows: k ≤ distinct rows is checked before, and a row is drawn at
    // most once, so the loop ends.
    let mut pool = eligible;
    while rows.len() < k && !pool.is_empty() {
        let r = ((draw.uniform() * pool.len() as f64) as usize).min(pool.len() - 1);
        let i = pool.swap_remove(r);
        if !rows.iter().any(|&s| x.same_row(s, i)) {
            rows.push(i);
        }
    }
    if rows.len() < k {
        // Rows of positive weight hold fewer distinct values than k: fill with any row.
        for i in 0..x.n {
            if rows.len() == k {
                break;
            }
            if !rows.iter().any(|&s| x.same_row(s, i)) {
                rows.push(i);
            }
        }
    }
    rows
}

/// Greedy k-means++ rows on the mixed distance (a row at distance 0 from every chosen centre is
/// never drawn; if only such rows remain, the first row unlike the chosen ones is taken).
pub(super) fn plus_plus_rows(
    x: &MixedRows,
    w: &[f64],
    gamma: &[f64],
    k: usize,
    draw: &mut Draw,
) -> Vec<usize> {
    let n = x.n;
    let trials = 2 + (k as f64).ln().floor() as usize;
    let pick = |cum: &[f64], target: f64| cum.partition_point(|c| *c <= target).min(n - 1);
    let running = |v: &mut Vec<f64>, f: &dyn Fn(usize) -> f64| {
        let mut total = 0.0;
        for (i, c) in v.iter_mut().enumerate() {
            total += f(i);
            *c = total;
        }
        total
    };
    let mut cum = vec![0.0; n];
    let total = running(&mut cum, &|i| w[i]);
    let mut rows = vec![pick(&cum, draw.uniform() * total)];
    let mut closest: Vec<f64> = (0..n)
        .into_par_iter()
        .with_min_len(CHUNK)
        .map(|i| row_distance(x, gamma, i, rows[0]))
        .collect();
    while rows.len() < k {
        let total = running(&mut cum, &|i| w[i] * closest[i]);
        let next = if total > 0.0 {
            let candidates: Vec<usize> = (0..trials)
                .map(|_| pick(&cum, draw.uniform() * total))
                .collect();
            let starts: Vec<usize> = (0..n).step_by(CHUNK).collect();
            let partials: Vec<Vec<f64>> = starts
                .par_iter()
                .map(|&s| {
                    let mut pot = vec![0.0; candidates.len()];
                    for i in s..(s + CHUNK).min(n) {
                        for (p, &c) in pot.iter_mut().zip(&candidates) {
                            *p += w[i] * closest[i].min(row_distance(x, gamma, i, c));
                        }
                    }
                    pot
                })
                .collect();
            let mut potentials = vec![0.0; candidates.len()];
            for part in &partials {
                for (t, v) in potentials.iter_mut().zip(part) {
                    *t += v;
                }
            }
            let mut best = 0;
            for (j, p) in potentials.iter().enumerate() {
                if *p < potentials[best] {
                    best = j;
                }
            }
            candidates[best]
        } else {
            (0..n)
                .find(|&i| !rows.iter().any(|&r| x.same_row(r, i)))
                .expect("k ≤ distinct rows")
        };
        rows.push(next);
        closest
            .par_iter_mut()
            .enumerate()
            .with_min_len(CHUNK)
            .for_each(|(i, d)| *d = d.min(row_distance(x, gamma, i, next)));
    }
    rows
}
