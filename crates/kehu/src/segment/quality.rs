//! How good a clustering is, and which k to choose: silhouette (exact in O(n) memory, or on a
//! seeded sample), Calinski–Harabasz, Davies–Bouldin, and a sweep over k.

use super::distance::simd;
use super::gmm::{Covariance, GmmOptions};
use super::kmeans::{self, KMeansOptions};
use super::rows::Rows;
use super::SegmentError;
use crate::rng::Draw;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Labels checked against the rows, renumbered 0…k−1 in the order of their values (so any
/// `u32` labels work and nothing is sized from a label's value), with k the distinct labels.
fn check_labels(x: &Rows, labels: &[u32]) -> Result<(Vec<u32>, usize), SegmentError> {
    if labels.len() != x.len() {
        return Err(SegmentError::InvalidData {
            row: labels.len().min(x.len()),
            field: "labels".into(),
            reason: format!("has {} values, expected {}", labels.len(), x.len()),
        });
    }
    let mut distinct = labels.to_vec();
    distinct.par_sort_unstable();
    distinct.dedup();
    let used = distinct.len();
    if used < 2 || used >= x.len() {
        return Err(SegmentError::InvalidOption {
            option: "labels".into(),
            reason: format!(
                "{used} clusters in use; these scores need between 2 and n − 1 = {}",
                x.len().saturating_sub(1)
            ),
        });
    }
    let dense = labels
        .par_iter()
        .map(|l| distinct.binary_search(l).expect("every label is listed") as u32)
        .collect();
    Ok((dense, used))
}

/// Above this many per-cluster sums (clusters × rows) the silhouette is computed row by row
/// (each pair twice, O(n) memory per thread) instead of pair-once with a clusters × rows table.
const MAX_SUM_CELLS: usize = 1 << 25;

fn dist(a: &[f64], b: &[f64]) -> f64 {
    a.iter()
        .zip(b)
        .map(|(x, y)| (x - y) * (x - y))
        .sum::<f64>()
        .sqrt()
}

/// Mean silhouette over all rows (Euclidean): s = (b − a) / max(a, b) with a the mean distance
/// to the row's own cluster and b the least mean distance to another; 0 for rows alone in their
/// cluster. Exact, every pair computed once and counted for both rows, with O(n·(d + k)) memory:
/// the rows are laid out by cluster and by column, so distances and per-cluster sums are straight
/// vector loops, summed in a fixed order whatever the thread count.
pub fn silhouette_score(x: &Rows, labels: &[u32]) -> Result<f64, SegmentError> {
    silhouette_with(x, labels, MAX_SUM_CELLS)
}

fn silhouette_with(x: &Rows, labels: &[u32], max_cells: usize) -> Result<f64, SegmentError> {
    let (labels, k) = check_labels(x, labels)?;
    let labels = &labels[..];
    let (n, d) = (x.len(), x.dim());
    // Rows ordered by cluster (stable): cluster c occupies ranges[c].
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| labels[i]);
    let mut ranges = vec![0..0; k];
    let mut start = 0;
    for (c, range) in ranges.iter_mut().enumerate() {
        let mut end = start;
        while end < n && labels[order[end]] as usize == c {
            end += 1;
        }
        *range = start..end;
        start = end;
    }
    // Columns in that order.
    let columns: Vec<Vec<f64>> = (0..d)
        .map(|j| order.iter().map(|&i| x.data()[i * d + j]).collect())
        .collect();
    // Each pair of blocks of BLOCK cluster-ordered rows is computed once and counted for both
    // sides. Pairs are scheduled in rounds (the circle method) in which no block appears twice,
    // so every row receives one contribution per round, added in round order: the same sums on
    // any thread count.
    const BLOCK: usize = 256;
    let ordered: Vec<f64> = order
        .iter()
        .flat_map(|&i| x.data()[i * d..(i + 1) * d].iter().copied())
        .collect();
    let cluster_of: Vec<usize> = order.iter().map(|&i| labels[i] as usize).collect();
    if k.saturating_mul(n) > max_cells {
        return silhouette_by_row(&columns, &ordered, &ranges, &cluster_of);
    }
    let nb = n.div_ceil(BLOCK);
    let block = |b: usize| b * BLOCK..((b + 1) * BLOCK).min(n);
    let pair = |bi: usize, bj: usize| -> (Vec<f64>, Vec<f64>) {
        let (ri, rj) = (block(bi), block(bj));
        let (li, lj) = (ri.len(), rj.len());
        let mut row_side = vec![0.0; k * li];
        let mut col_side = vec![0.0; if bi == bj { 0 } else { k * lj }];
        let mut buf = vec![0.0; lj];
        for (a, p) in ri.clone().enumerate() {
            distances(&columns, rj.start, &ordered[p * d..(p + 1) * d], &mut buf);
            for (c, range) in ranges.iter().enumerate() {
                let (lo, hi) = (range.start.max(rj.start), range.end.min(rj.end));
                if lo < hi {
                    row_side[c * li + a] += block_sum(&buf[lo - rj.start..hi - rj.start]);
                }
            }
            if bi != bj {
                let c = cluster_of[p];
                for (t, v) in col_side[c * lj..(c + 1) * lj].iter_mut().zip(&buf) {
                    *t += v;
                }
            }
        }
        (row_side, col_side)
    };
    // sums[c * n + p]: Σ distance from cluster-ordered row p to the rows of cluster c.
    let mut sums = vec![0.0; k * n];
    let mut apply = |bi: usize, bj: usize, (row_side, col_side): (Vec<f64>, Vec<f64>)| {
        let add = |sums: &mut [f64], b: usize, side: &[f64]| {
            let r = block(b);
            for (c, part) in side.chunks_exact(r.len()).enumerate() {
                for (t, v) in sums[c * n + r.start..c * n + r.end].iter_mut().zip(part) {
                    *t += v;
                }
            }
        };
        add(&mut sums, bi, &row_side);
        if bi != bj {
            add(&mut sums, bj, &col_side);
        }
    };
    let mut rounds: Vec<Vec<(usize, usize)>> = vec![(0..nb).map(|b| (b, b)).collect()];
    let m = nb + nb % 2;
    for r in 0..m.saturating_sub(1) {
        let mut pairs = vec![(r, m - 1)];
        for t in 1..m / 2 {
            pairs.push(((r + t) % (m - 1), (r + m - 1 - t) % (m - 1)));
        }
        pairs.retain(|&(a, b)| a < nb && b < nb);
        rounds.push(
            pairs
                .into_iter()
                .map(|(a, b)| (a.min(b), a.max(b)))
                .collect(),
        );
    }
    let progress = crate::progress::Stage::start("silhouette", rounds.len());
    for (r, round) in rounds.iter().enumerate() {
        crate::cancel::check()?;
        progress.at(r);
        let done: Vec<(Vec<f64>, Vec<f64>)> =
            round.par_iter().map(|&(bi, bj)| pair(bi, bj)).collect();
        for (&(bi, bj), result) in round.iter().zip(done) {
            apply(bi, bj, result);
        }
    }
    progress.finish();
    let size = |c: usize| ranges[c].len();
    let values: Vec<f64> = (0..n)
        .map(|p| {
            let own = cluster_of[p];
            if size(own) <= 1 {
                return 0.0;
            }
            // The row's distance to itself is 0: the own-cluster sum needs no correction.
            let a = sums[own * n + p] / (size(own) - 1) as f64;
            let b = (0..k)
                .filter(|&c| c != own && size(c) > 0)
                .map(|c| sums[c * n + p] / size(c) as f64)
                .fold(f64::INFINITY, f64::min);
            silhouette_of(a, b)
        })
        .collect();
    Ok(block_sum(&values) / n as f64)
}

/// One row's silhouette from its mean distance `a` to its own cluster and `b` to the nearest
/// other: (b − a) / max(a, b), 0 when both are 0.
fn silhouette_of(a: f64, b: f64) -> f64 {
    if a.max(b) > 0.0 {
        (b - a) / a.max(b)
    } else {
        0.0
    }
}

/// The silhouette with many clusters: each cluster-ordered row's distances to all rows, summed
/// per cluster range (each row on its own, so the same sums on any thread count). Rows are
/// taken in rounds of 4,096, between which a cancel request is seen.
fn silhouette_by_row(
    columns: &[Vec<f64>],
    ordered: &[f64],
    ranges: &[std::ops::Range<usize>],
    cluster_of: &[usize],
) -> Result<f64, SegmentError> {
    const ROWS_PER_ROUND: usize = 4096;
    let n = cluster_of.len();
    let d = columns.len();
    let progress = crate::progress::Stage::start("silhouette", n);
    let mut values = Vec::with_capacity(n);
    for start in (0..n).step_by(ROWS_PER_ROUND) {
        crate::cancel::check()?;
        progress.at(start);
        let end = (start + ROWS_PER_ROUND).min(n);
        values.par_extend((start..end).into_par_iter().map_init(
            || vec![0.0; n],
            |buf, p| {
                let own = cluster_of[p];
                let size = ranges[own].len();
                if size <= 1 {
                    return 0.0;
                }
                distances(columns, 0, &ordered[p * d..(p + 1) * d], buf);
                let a = block_sum(&buf[ranges[own].clone()]) / (size - 1) as f64;
                let b = ranges
                    .iter()
                    .enumerate()
                    .filter(|(c, r)| *c != own && !r.is_empty())
                    .map(|(_, r)| block_sum(&buf[r.clone()]) / r.len() as f64)
                    .fold(f64::INFINITY, f64::min);
                silhouette_of(a, b)
            },
        ));
    }
    progress.finish();
    Ok(block_sum(&values) / n as f64)
}

/// Euclidean distances of `row` to the rows `tile..tile + out.len()` of `columns`. The same
/// operations in the same order on every machine (compiled for AVX where the CPU has it).
fn distances(columns: &[Vec<f64>], tile: usize, row: &[f64], out: &mut [f64]) {
    simd(
        #[inline(always)]
        || distances_plain(columns, tile, row, out),
    );
}

#[inline(always)]
fn distances_plain(columns: &[Vec<f64>], tile: usize, row: &[f64], out: &mut [f64]) {
    out.fill(0.0);
    let len = out.len();
    for (column, &v) in columns.iter().zip(row) {
        for (o, c) in out.iter_mut().zip(&column[tile..tile + len]) {
            let t = c - v;
            *o += t * t;
        }
    }
    for o in out.iter_mut() {
        *o = o.sqrt();
    }
}

/// Σ of a slice with four running sums (fixed order, vectorisable).
fn block_sum(v: &[f64]) -> f64 {
    let mut acc = [0.0; 4];
    let chunks = v.chunks_exact(4);
    let rest = chunks.remainder();
    for c in chunks {
        for j in 0..4 {
            acc[j] += c[j];
        }
    }
    let mut s = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for r in rest {
        s += r;
    }
    s
}

/// The silhouette of a seeded sample of `sample_size` rows (drawn without replacement), as
/// scikit-learn's `silhouette_score(..., sample_size, random_state)` estimates it. No seed is
/// seed 0: kehu's results are reproducible (scikit-learn's `None` would draw afresh).
pub fn silhouette_score_sampled(
    x: &Rows,
    labels: &[u32],
    sample_size: usize,
    seed: Option<u64>,
) -> Result<f64, SegmentError> {
    let seed = seed.unwrap_or(0);
    check_labels(x, labels)?;
    let n = x.len();
    if sample_size < 2 || sample_size > n {
        return Err(SegmentError::InvalidOption {
            option: "sample_size".into(),
            reason: format!("must be between 2 and the {n} rows"),
        });
    }
    // A partial Fisher–Yates shuffle picks the sample.
    let mut draw = Draw::new(seed, 0);
    let mut index: Vec<usize> = (0..n).collect();
    for i in 0..sample_size {
        let j = i + ((draw.uniform() * (n - i) as f64) as usize).min(n - i - 1);
        index.swap(i, j);
    }
    let picked = &index[..sample_size];
    let d = x.dim();
    let data: Vec<f64> = picked
        .iter()
        .flat_map(|&i| x.data()[i * d..(i + 1) * d].iter().copied())
        .collect();
    let sub_labels: Vec<u32> = picked.iter().map(|&i| labels[i]).collect();
    silhouette_score(&Rows::new(&data, d)?, &sub_labels)
}

/// Cluster sizes, centroids and the overall mean.
struct Centroids {
    sizes: Vec<usize>,
    centers: Vec<f64>,
    mean: Vec<f64>,
}

fn centroids(x: &Rows, labels: &[u32], k: usize) -> Centroids {
    let d = x.dim();
    let mut sizes = vec![0usize; k];
    let mut centers = vec![0.0; k * d];
    let mut mean = vec![0.0; d];
    for (i, row) in x.data().chunks_exact(d).enumerate() {
        let l = labels[i] as usize;
        sizes[l] += 1;
        for j in 0..d {
            centers[l * d + j] += row[j];
            mean[j] += row[j];
        }
    }
    for c in 0..k {
        if sizes[c] > 0 {
            for j in 0..d {
                centers[c * d + j] /= sizes[c] as f64;
            }
        }
    }
    for m in &mut mean {
        *m /= x.len() as f64;
    }
    Centroids {
        sizes,
        centers,
        mean,
    }
}

/// Calinski–Harabasz: (between-cluster dispersion / (k − 1)) / (within / (n − k)).
pub fn calinski_harabasz_score(x: &Rows, labels: &[u32]) -> Result<f64, SegmentError> {
    let (labels, k) = check_labels(x, labels)?;
    let labels = &labels[..];
    let d = x.dim();
    let c = centroids(x, labels, k);
    let used = c.sizes.iter().filter(|s| **s > 0).count();
    let mut between = 0.0;
    for cl in 0..k {
        let center = &c.centers[cl * d..(cl + 1) * d];
        between += c.sizes[cl] as f64
            * center
                .iter()
                .zip(&c.mean)
                .map(|(a, b)| (a - b) * (a - b))
                .sum::<f64>();
    }
    let within: f64 = x
        .data()
        .chunks_exact(d)
        .enumerate()
        .map(|(i, row)| {
            let l = labels[i] as usize;
            dist(row, &c.centers[l * d..(l + 1) * d]).powi(2)
        })
        .sum();
    let n = x.len() as f64;
    if within == 0.0 {
        return Ok(1.0);
    }
    Ok(between * (n - used as f64) / (within * (used as f64 - 1.0)))
}

/// Davies–Bouldin: the mean over clusters of max over others of (sᵢ + sⱼ) / ‖cᵢ − cⱼ‖, with sᵢ
/// the mean distance of a cluster's rows to its centroid (lower is better).
pub fn davies_bouldin_score(x: &Rows, labels: &[u32]) -> Result<f64, SegmentError> {
    let (labels, k) = check_labels(x, labels)?;
    let labels = &labels[..];
    let d = x.dim();
    let c = centroids(x, labels, k);
    let mut spread = vec![0.0; k];
    for (i, row) in x.data().chunks_exact(d).enumerate() {
        let l = labels[i] as usize;
        spread[l] += dist(row, &c.centers[l * d..(l + 1) * d]);
    }
    let used: Vec<usize> = (0..k).filter(|&cl| c.sizes[cl] > 0).collect();
    for &cl in &used {
        spread[cl] /= c.sizes[cl] as f64;
    }
    if used.iter().all(|&cl| spread[cl] == 0.0) {
        return Ok(0.0);
    }
    let center = |cl: usize| &c.centers[cl * d..(cl + 1) * d];
    let total: f64 = used
        .iter()
        .map(|&i| {
            used.iter()
                .filter(|&&j| j != i)
                .map(|&j| {
                    let m = dist(center(i), center(j));
                    if m == 0.0 {
                        0.0
                    } else {
                        (spread[i] + spread[j]) / m
                    }
                })
                .fold(0.0, f64::max)
        })
        .sum();
    Ok(total / used.len() as f64)
}

/// One k of a sweep.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepRow {
    /// Clusters.
    pub k: usize,
    /// k-means inertia.
    pub inertia: f64,
    /// Silhouette (exact, or on the sample asked for).
    pub silhouette: f64,
    /// Calinski–Harabasz.
    pub calinski_harabasz: f64,
    /// Davies–Bouldin.
    pub davies_bouldin: f64,
    /// Cluster sizes, largest first.
    pub sizes: Vec<usize>,
    /// Whether every cluster has at least the minimum size asked for.
    pub meets_min_size: bool,
    /// BIC of a Gaussian mixture with k components, when asked for (lower is better).
    pub gmm_bic: Option<f64>,
}

/// What a [`k_sweep`] tries and reports; read with defaults for what is not given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SweepOptions {
    /// The k to fit, each 2 or more (default 2 to 10).
    pub k_range: Vec<usize>,
    /// The smallest cluster a k may give and still meet `meets_min_size` (default 0: any).
    pub min_cluster_size: usize,
    /// Rows of a seeded sample for the silhouette (default `None`: exact).
    pub silhouette_sample: Option<usize>,
    /// Also fit a Gaussian mixture of this covariance shape per k and report its BIC (default
    /// `None`: no mixture).
    pub gmm: Option<Covariance>,
}

impl Default for SweepOptions {
    fn default() -> Self {
        SweepOptions {
            k_range: (2..=10).collect(),
            min_cluster_size: 0,
            silhouette_sample: None,
            gmm: None,
        }
    }
}

/// Fits k-means for every k of `sweep.k_range` (with `opts`' other settings) and reports every
/// criterion.
pub fn k_sweep(
    x: &Rows,
    opts: &KMeansOptions,
    sweep: &SweepOptions,
) -> Result<Vec<SweepRow>, SegmentError> {
    let SweepOptions {
        k_range: ks,
        min_cluster_size,
        silhouette_sample,
        gmm,
    } = sweep;
    let (min_cluster_size, silhouette_sample, gmm) = (*min_cluster_size, *silhouette_sample, *gmm);
    if ks.is_empty() || ks.iter().any(|k| *k < 2) {
        return Err(SegmentError::InvalidOption {
            option: "k range".into(),
            reason: "needs at least one k, each 2 or more".into(),
        });
    }
    if ks.iter().any(|k| *k >= x.len()) {
        return Err(SegmentError::InvalidOption {
            option: "k range".into(),
            reason: format!(
                "each k must be below the {} rows (the scores need n − 1 clusters at most)",
                x.len()
            ),
        });
    }
    let progress = crate::progress::Stage::start("k sweep", ks.len());
    let rows = ks
        .iter()
        .enumerate()
        .map(|(i, &k)| {
            progress.at(i);
            let fit = kmeans::fit(x, None, &KMeansOptions { k, ..opts.clone() })?;
            let labels = &fit.labels;
            let silhouette = match silhouette_sample {
                Some(s) => silhouette_score_sampled(x, labels, s.min(x.len()), Some(opts.seed))?,
                None => silhouette_score(x, labels)?,
            };
            let mut sizes = vec![0usize; k];
            for l in labels {
                sizes[*l as usize] += 1;
            }
            sizes.sort_unstable_by(|a, b| b.cmp(a));
            let gmm_bic = match gmm {
                None => None,
                Some(covariance) => {
                    let options = GmmOptions {
                        k,
                        covariance,
                        seed: opts.seed,
                        ..Default::default()
                    };
                    Some(super::gmm::fit(x, &options)?.model.bic(x)?)
                }
            };
            Ok(SweepRow {
                gmm_bic,
                k,
                inertia: fit.inertia,
                silhouette,
                calinski_harabasz: calinski_harabasz_score(x, labels)?,
                davies_bouldin: davies_bouldin_score(x, labels)?,
                meets_min_size: sizes.iter().all(|s| *s >= min_cluster_size),
                sizes,
            })
        })
        .collect::<Result<Vec<_>, SegmentError>>()?;
    progress.finish();
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scores_on_a_small_example() {
        // Two clusters on a line: {0, 1} and {10, 12}.
        let data = [0.0, 1.0, 10.0, 12.0];
        let x = Rows::new(&data, 1).unwrap();
        let labels = [0, 0, 1, 1];
        // Row 0: a = 1, b = (10 + 12)/2 = 11 → s = 10/11; row 1: a = 1, b = 10 → 0.9;
        // row 2: a = 2, b = 9.5 → 7.5/9.5; row 3: a = 2, b = 11.5 → 9.5/11.5.
        let want = (10.0 / 11.0 + 0.9 + 7.5 / 9.5 + 9.5 / 11.5) / 4.0;
        assert!((silhouette_score(&x, &labels).unwrap() - want).abs() < 1e-15);
        // CH: centroids 0.5 and 11, mean 5.75; between = 2·5.25² + 2·5.25², within = 0.5 + 2.
        let ch = (4.0 * 5.25f64.powi(2)) * 2.0 / (2.5 * 1.0);
        assert!((calinski_harabasz_score(&x, &labels).unwrap() - ch).abs() < 1e-12);
        // DB: s = 0.5 and 1, centroid distance 10.5.
        let db = 1.5 / 10.5;
        assert!((davies_bouldin_score(&x, &labels).unwrap() - db).abs() < 1e-15);
        assert!(silhouette_score(&x, &[0, 0, 0, 0]).is_err());
        assert!(silhouette_score(&x, &[0, 0, 1]).is_err());
        let full = silhouette_score_sampled(&x, &labels, 4, Some(1)).unwrap();
        assert!((full - want).abs() < 1e-15);
    }

    #[test]
    fn silhouette_counts_every_pair_once_per_side_on_any_thread_count() {
        // 3 clusters of uneven sizes over several blocks (odd block count), against a direct
        // double loop.
        let mut draw = Draw::new(5, 2);
        let n = 1_300;
        let data: Vec<f64> = (0..n * 3)
            .map(|i| draw.uniform() + (i % 7) as f64)
            .collect();
        let labels: Vec<u32> = (0..n).map(|i| ((i * i) % 3) as u32).collect();
        let x = Rows::new(&data, 3).unwrap();
        let mut total = 0.0;
        for i in 0..n {
            let mut sum = [0.0; 3];
            let mut count = [0usize; 3];
            for j in 0..n {
                sum[labels[j] as usize] += dist(x.row(i), x.row(j));
                count[labels[j] as usize] += 1;
            }
            let own = labels[i] as usize;
            let a = sum[own] / (count[own] - 1) as f64;
            let b = (0..3)
                .filter(|&c| c != own)
                .map(|c| sum[c] / count[c] as f64)
                .fold(f64::INFINITY, f64::min);
            total += (b - a) / a.max(b);
        }
        let want = total / n as f64;
        let on = |t: usize| crate::on_threads(t, || silhouette_score(&x, &labels).unwrap());
        let one = on(1);
        assert!((one - want).abs() < 1e-12, "{one} vs {want}");
        assert_eq!(one.to_bits(), on(3).to_bits());
        // Row by row (many clusters): the same value, the same bits on any thread count.
        let by_row = |t: usize| crate::on_threads(t, || silhouette_with(&x, &labels, 0).unwrap());
        assert!((by_row(1) - want).abs() < 1e-12);
        assert_eq!(by_row(1).to_bits(), by_row(3).to_bits());
        // Sparse label values are renumbered: the same scores as 0, 1, 2.
        let sparse: Vec<u32> = labels
            .iter()
            .map(|l| [7, 1_000_000_000, u32::MAX][*l as usize])
            .collect();
        assert_eq!(
            silhouette_score(&x, &sparse).unwrap().to_bits(),
            one.to_bits()
        );
        assert_eq!(
            calinski_harabasz_score(&x, &sparse).unwrap().to_bits(),
            calinski_harabasz_score(&x, &labels).unwrap().to_bits()
        );
        assert_eq!(
            davies_bouldin_score(&x, &sparse).unwrap().to_bits(),
            davies_bouldin_score(&x, &labels).unwrap().to_bits()
        );
    }

    #[test]
    fn sweep_prefers_the_true_k() {
        let mut draw = Draw::new(9, 0);
        let mut data = Vec::new();
        for c in 0..4 {
            for _ in 0..300 {
                data.push(f64::from(c) * 20.0 + draw.uniform());
                data.push(draw.uniform());
            }
        }
        let x = Rows::new(&data, 2).unwrap();
        let sweep = SweepOptions {
            k_range: vec![2, 3, 4, 5, 6],
            min_cluster_size: 100,
            gmm: Some(Covariance::Diag),
            ..Default::default()
        };
        let rows = k_sweep(&x, &KMeansOptions::default(), &sweep).unwrap();
        let best = rows
            .iter()
            .max_by(|a, b| a.silhouette.total_cmp(&b.silhouette))
            .unwrap();
        assert_eq!(best.k, 4);
        assert_eq!(best.sizes, [300; 4]);
        // Uniform squares are not Gaussian: BIC is reported, not expected to pick 4 here.
        assert!(rows.iter().all(|r| r.gmm_bic.is_some_and(f64::is_finite)));
        assert!(rows
            .iter()
            .all(|r| r.meets_min_size == r.sizes.iter().all(|s| *s >= 100)));
    }
}
