//! The row view the numeric segmentations read ([`Rows`]: a row-major matrix whose values are
//! checked finite once; k-means, mini-batch k-means, Gaussian mixtures and the quality scores
//! take it), and helpers several model families share: [`check_weights`] (sample weights of
//! k-means, mini-batch k-means and k-prototypes) and [`mean_variance`] (the mean column
//! variance that scales k-means' and mini-batch k-means' tolerance). `segment::kmeans`
//! re-exports [`Rows`], its public path.

use super::SegmentError;
use rayon::prelude::*;

/// Rows per chunk of [`mean_variance`]'s sums (fixed, so the result does not depend on the thread
/// count).
const CHUNK: usize = 4096;

/// Rows of a row-major matrix with `d` columns.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    data: &'a [f64],
    d: usize,
}

impl<'a> Rows<'a> {
    /// A view of `data` as rows of `d` values, every value checked to be finite.
    pub fn new(data: &'a [f64], d: usize) -> Result<Self, SegmentError> {
        if d == 0 || !data.len().is_multiple_of(d) {
            return Err(SegmentError::InvalidOption {
                option: "X".into(),
                reason: format!("{} values do not make rows of {d} columns", data.len()),
            });
        }
        if let Some(i) = data.iter().position(|v| !v.is_finite()) {
            // What the value is (NaN, inf or -inf) is said: it is not the customer's data.
            let what = if data[i].is_nan() {
                "NaN"
            } else if data[i] > 0.0 {
                "inf"
            } else {
                "-inf"
            };
            return Err(SegmentError::InvalidData {
                row: i / d,
                field: format!("column {}", i % d),
                reason: format!("must be a finite number, got {what}"),
            });
        }
        Ok(Rows { data, d })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.data.len() / self.d
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    /// The values, row-major.
    pub fn data(&self) -> &'a [f64] {
        self.data
    }

    /// Columns per row.
    pub fn dim(&self) -> usize {
        self.d
    }

    /// A view of values known to be finite (centres or rows taken from checked rows): not
    /// checked again.
    pub(super) fn from_finite(data: &'a [f64], d: usize) -> Self {
        Rows { data, d }
    }

    /// Row `i`.
    pub(crate) fn row(&self, i: usize) -> &'a [f64] {
        &self.data[i * self.d..(i + 1) * self.d]
    }
}

/// Checks optional sample weights for `n` rows: one per row, finite and ≥ 0, not all zero.
pub(crate) fn check_weights(
    weights: Option<&[f64]>,
    n: usize,
) -> Result<Option<&[f64]>, SegmentError> {
    let Some(w) = weights else { return Ok(None) };
    if w.len() != n {
        return Err(SegmentError::InvalidData {
            row: w.len().min(n),
            field: "sample_weight".into(),
            reason: format!("has {} values, expected {n}", w.len()),
        });
    }
    if let Some(i) = w.iter().position(|v| !(v.is_finite() && *v >= 0.0)) {
        return Err(SegmentError::InvalidData {
            row: i,
            field: "sample_weight".into(),
            reason: "must be a finite number ≥ 0".into(),
        });
    }
    if n > 0 && w.iter().all(|v| *v == 0.0) {
        return Err(SegmentError::InvalidOption {
            option: "sample_weight".into(),
            reason: "every weight is zero; at least one row needs a positive weight".into(),
        });
    }
    Ok(Some(w))
}

/// The mean of the (unweighted) column variances: scikit-learn scales `tol` by it. One pass of
/// sums shifted by the first row (numerically safe for data far from the origin), in fixed
/// chunks reduced in order.
pub(crate) fn mean_variance(x: &Rows) -> f64 {
    let (n, d) = (x.len(), x.dim());
    if n == 0 {
        return 0.0;
    }
    let shift = x.row(0);
    let partials: Vec<Vec<(f64, f64)>> = x
        .data()
        .par_chunks(CHUNK * d)
        .map(|block| {
            let mut s = vec![(0.0, 0.0); d];
            for row in block.chunks_exact(d) {
                for ((acc, v), c) in s.iter_mut().zip(row).zip(shift) {
                    let t = v - c;
                    acc.0 += t;
                    acc.1 += t * t;
                }
            }
            s
        })
        .collect();
    let mut total = vec![(0.0, 0.0); d];
    for p in &partials {
        for (t, v) in total.iter_mut().zip(p) {
            t.0 += v.0;
            t.1 += v.1;
        }
    }
    let n = n as f64;
    total
        .iter()
        .map(|(s1, s2)| ((s2 - s1 * s1 / n) / n).max(0.0))
        .sum::<f64>()
        / d as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_values_and_shapes_are_typed_errors() {
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
        assert!(Rows::new(&ok, 3).is_err());
    }
}
