//! Categorical data for k-prototypes: [`Categories`] (each column's sorted categories, a
//! category's code being its position) encodes text columns to codes ([`MISSING`], [`UNSEEN`]),
//! and [`MixedRows`] is the checked view of numeric values and category codes a fit reads.

use crate::segment::SegmentError;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// The code of a missing category.
pub const MISSING: i32 = -1;
/// The code of a category the model has not seen.
pub const UNSEEN: i32 = -2;

/// The categories of each categorical column, sorted (a category's code is its position).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Categories {
    /// Per column, its distinct values in sorted order.
    pub columns: Vec<Vec<String>>,
}

impl Categories {
    /// The distinct non-missing values of each column.
    pub fn learn(columns: &[Vec<Option<String>>]) -> Self {
        let columns = columns
            .iter()
            .map(|c| {
                let set: BTreeSet<&str> = c.iter().flatten().map(String::as_str).collect();
                set.into_iter().map(str::to_owned).collect()
            })
            .collect();
        Categories { columns }
    }

    /// Row-major codes (n × columns) of column-major values: [`MISSING`] for `None`,
    /// [`UNSEEN`] for a value the columns do not hold.
    pub fn encode(&self, columns: &[Vec<Option<String>>]) -> Result<Vec<i32>, SegmentError> {
        if columns.len() != self.columns.len() {
            return Err(SegmentError::InvalidOption {
                option: "categorical".into(),
                reason: format!(
                    "{} categorical columns given, the model has {}",
                    columns.len(),
                    self.columns.len()
                ),
            });
        }
        let n = columns.first().map_or(0, Vec::len);
        if let Some(j) = columns.iter().position(|c| c.len() != n) {
            return Err(SegmentError::InvalidOption {
                option: "categorical".into(),
                reason: format!("column {j} has {} values, column 0 {n}", columns[j].len()),
            });
        }
        let q = columns.len();
        let mut codes = vec![MISSING; n * q];
        for (j, (values, known)) in columns.iter().zip(&self.columns).enumerate() {
            for (i, v) in values.iter().enumerate() {
                if let Some(v) = v {
                    codes[i * q + j] = known
                        .binary_search_by(|k| k.as_str().cmp(v))
                        .map_or(UNSEEN, |c| c as i32);
                }
            }
        }
        Ok(codes)
    }

    /// The value of `code` in column `column` (`None` for a code outside the column).
    pub fn value(&self, column: usize, code: i32) -> Option<&str> {
        let c = usize::try_from(code).ok()?;
        self.columns.get(column)?.get(c).map(String::as_str)
    }
}

/// Mixed rows: `p` numeric values (NaN = missing) and `q` category codes per row, both
/// row-major.
#[derive(Debug, Clone, Copy)]
pub struct MixedRows<'a> {
    pub(super) numeric: &'a [f64],
    pub(super) p: usize,
    pub(super) codes: &'a [i32],
    pub(super) q: usize,
    pub(super) n: usize,
}

impl<'a> MixedRows<'a> {
    /// A view of `n` rows; numbers must be finite or NaN (missing), codes ≥ [`UNSEEN`].
    pub fn new(
        numeric: &'a [f64],
        p: usize,
        codes: &'a [i32],
        q: usize,
    ) -> Result<Self, SegmentError> {
        let shape = |what: &str, len: usize, width: usize| SegmentError::InvalidOption {
            option: "X".into(),
            reason: format!("{len} {what} values do not make rows of {width} columns"),
        };
        if q == 0 {
            return Err(SegmentError::InvalidOption {
                option: "categorical".into(),
                reason: "at least one categorical column is needed (use k-means otherwise)".into(),
            });
        }
        if !codes.len().is_multiple_of(q) {
            return Err(shape("categorical", codes.len(), q));
        }
        let n = codes.len() / q;
        if numeric.len() != n * p {
            return Err(shape("numeric", numeric.len(), p));
        }
        if let Some(i) = numeric.iter().position(|v| v.is_infinite()) {
            return Err(SegmentError::InvalidData {
                row: i / p,
                field: format!("numeric column {}", i % p),
                reason: "must be a finite number or missing".into(),
            });
        }
        if let Some(i) = codes.iter().position(|c| *c < UNSEEN) {
            return Err(SegmentError::InvalidData {
                row: i / q,
                field: format!("categorical column {}", i % q),
                reason: "is not a category code".into(),
            });
        }
        Ok(MixedRows {
            numeric,
            p,
            codes,
            q,
            n,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.n
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.n == 0
    }

    /// Row `i`'s numbers.
    pub(super) fn num(&self, i: usize) -> &'a [f64] {
        &self.numeric[i * self.p..(i + 1) * self.p]
    }

    /// Row `i`'s category codes.
    pub(super) fn cat(&self, i: usize) -> &'a [i32] {
        &self.codes[i * self.q..(i + 1) * self.q]
    }

    /// Whether rows `a` and `b` hold the same values (missing numbers alike).
    pub(super) fn same_row(&self, a: usize, b: usize) -> bool {
        self.cat(a) == self.cat(b)
            && self
                .num(a)
                .iter()
                .zip(self.num(b))
                .all(|(x, y)| x == y || (x.is_nan() && y.is_nan()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::segment::kprototypes::tests::column;

    #[test]
    fn categories_encode_missing_and_unseen() {
        let cols = vec![column(&["b", "a", "", "b"]), column(&["x", "y", "x", "x"])];
        let cats = Categories::learn(&cols);
        assert_eq!(cats.columns, vec![vec!["a", "b"], vec!["x", "y"]]);
        let codes = cats.encode(&cols).unwrap();
        assert_eq!(codes, vec![1, 0, 0, 1, MISSING, 0, 1, 0]);
        let other = cats.encode(&[column(&["c"]), column(&["y"])]).unwrap();
        assert_eq!(other, vec![UNSEEN, 1]);
        assert!(cats.encode(&[column(&["a"])]).is_err());
    }
}
