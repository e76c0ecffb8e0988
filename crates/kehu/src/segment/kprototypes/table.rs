//! A mixed table as a binding hands it over ([`MixedColumn`]s, or rows of given values) split
//! by the indices of its categorical columns into the numeric matrix and the category columns a
//! fit reads ([`MixedTable`]), by one rule in every binding:
//!
//! - a numeric column holds numbers, flags (1 and 0), numeric text (`"3"`, `" 2.5 "`, as
//!   numpy's `astype(float)` reads it, which kmodes applies) or missing values;
//! - a categorical column holds text, numbers (written as [`number_text`] writes them: `1.0` is
//!   "1"), flags ("true" / "false") or missing values;
//! - dates and values of other types are errors naming the row and the column, never the value.

use crate::data::customers::GivenValue;
use crate::data::text::{flag_text, number_text};
use crate::segment::SegmentError;

/// One column of a mixed table.
#[derive(Debug, Clone, PartialEq)]
pub enum MixedColumn {
    /// Numbers, NaN missing (a binding's float array).
    Numbers(Vec<f64>),
    /// Given values, `None` missing.
    Values(Vec<Option<GivenValue>>),
}

impl MixedColumn {
    fn len(&self) -> usize {
        match self {
            MixedColumn::Numbers(v) => v.len(),
            MixedColumn::Values(v) => v.len(),
        }
    }
}

/// A mixed table split into its numeric and categorical parts.
#[derive(Debug, Clone, PartialEq)]
pub struct MixedTable {
    /// The numeric columns, row-major (n × `p`), NaN missing.
    pub numeric: Vec<f64>,
    /// Numeric columns.
    pub p: usize,
    /// The categorical columns as text, `None` missing, in column order.
    pub categorical: Vec<Vec<Option<String>>>,
    /// The indices of the categorical columns in the given table, increasing.
    pub categorical_columns: Vec<usize>,
}

fn invalid(row: usize, column: usize, reason: String) -> SegmentError {
    SegmentError::InvalidData {
        row,
        field: format!("column {column}"),
        reason,
    }
}

/// The sorted distinct categorical column indices, each in 0..width.
fn categorical_indices(categorical: &[i64], width: usize) -> Result<Vec<usize>, SegmentError> {
    let mut out = Vec::with_capacity(categorical.len());
    for &c in categorical {
        match usize::try_from(c) {
            Ok(c) if c < width => out.push(c),
            _ => {
                return Err(SegmentError::InvalidOption {
                    option: "categorical".into(),
                    reason: format!(
                        "column {c} is not one of the {width} columns (0…{})",
                        width.saturating_sub(1)
                    ),
                })
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

fn number_of(value: &Option<GivenValue>, row: usize, column: usize) -> Result<f64, SegmentError> {
    let not_numeric = |got: String| {
        invalid(
            row,
            column,
            format!("must be a number or missing, got {got}; list the column in `categorical` if it holds categories"),
        )
    };
    match value {
        None => Ok(f64::NAN),
        Some(GivenValue::Number(x)) => Ok(*x),
        Some(GivenValue::Flag(b)) => Ok(if *b { 1.0 } else { 0.0 }),
        Some(GivenValue::Text(t)) => t
            .trim()
            .parse::<f64>()
            .map_err(|_| not_numeric("text that is not a number".into())),
        Some(other) => Err(not_numeric(other.kind())),
    }
}

fn text_of(
    value: &Option<GivenValue>,
    row: usize,
    column: usize,
) -> Result<Option<String>, SegmentError> {
    match value {
        None => Ok(None),
        Some(GivenValue::Text(t)) => Ok(Some(t.clone())),
        Some(GivenValue::Number(x)) => Ok(number_text(*x)),
        Some(GivenValue::Flag(b)) => Ok(Some(flag_text(*b).to_string())),
        Some(other) => Err(invalid(
            row,
            column,
            format!(
                "a category must be text, a number, a flag or missing, got {}",
                other.kind()
            ),
        )),
    }
}

impl MixedTable {
    /// Splits columns of equal length by the categorical column indices (any order, repeats
    /// allowed; `None`: every column is categorical, as in k-modes).
    pub fn from_columns(
        columns: Vec<MixedColumn>,
        categorical: Option<&[i64]>,
    ) -> Result<MixedTable, SegmentError> {
        let width = columns.len();
        let cat = match categorical {
            Some(given) => categorical_indices(given, width)?,
            None => (0..width).collect(),
        };
        let n = columns.first().map_or(0, MixedColumn::len);
        if let Some(j) = columns.iter().position(|c| c.len() != n) {
            return Err(SegmentError::InvalidOption {
                option: "X".into(),
                reason: format!(
                    "column {j} has {} values, column 0 has {n}",
                    columns[j].len()
                ),
            });
        }
        let p = width - cat.len();
        let mut numeric = vec![0.0; n * p];
        let mut categorical = Vec::with_capacity(cat.len());
        let mut c = 0;
        for (j, column) in columns.into_iter().enumerate() {
            if cat.binary_search(&j).is_ok() {
                categorical.push(match column {
                    MixedColumn::Numbers(v) => v.into_iter().map(number_text).collect(),
                    MixedColumn::Values(v) => v
                        .iter()
                        .enumerate()
                        .map(|(i, x)| text_of(x, i, j))
                        .collect::<Result<_, _>>()?,
                });
                continue;
            }
            match column {
                MixedColumn::Numbers(v) => {
                    for (i, x) in v.into_iter().enumerate() {
                        numeric[i * p + c] = x;
                    }
                }
                MixedColumn::Values(v) => {
                    for (i, x) in v.iter().enumerate() {
                        numeric[i * p + c] = number_of(x, i, j)?;
                    }
                }
            }
            c += 1;
        }
        Ok(MixedTable {
            numeric,
            p,
            categorical,
            categorical_columns: cat,
        })
    }

    /// Splits rows of given values (every row as long as row 0) by the categorical column
    /// indices (`None`: every column).
    pub fn from_rows(
        rows: Vec<Vec<Option<GivenValue>>>,
        categorical: Option<&[i64]>,
    ) -> Result<MixedTable, SegmentError> {
        let width = rows.first().map_or(0, Vec::len);
        if let Some(i) = rows.iter().position(|r| r.len() != width) {
            return Err(SegmentError::InvalidData {
                row: i,
                field: "X".into(),
                reason: format!("has {} columns, row 0 has {width}", rows[i].len()),
            });
        }
        let mut columns: Vec<Vec<Option<GivenValue>>> =
            (0..width).map(|_| Vec::with_capacity(rows.len())).collect();
        for row in rows {
            for (column, value) in columns.iter_mut().zip(row) {
                column.push(value);
            }
        }
        let columns = columns.into_iter().map(MixedColumn::Values).collect();
        MixedTable::from_columns(columns, categorical)
    }

    /// Rows of given values as JSON text (an array of arrays), as [`from_rows`](Self::from_rows).
    pub fn from_rows_json(
        rows: &str,
        categorical: Option<&[i64]>,
    ) -> Result<MixedTable, SegmentError> {
        let rows =
            crate::format::parse_json(rows).map_err(|reason| SegmentError::InvalidOption {
                option: "X".into(),
                reason: format!("rows of values: {reason}"),
            })?;
        MixedTable::from_rows(rows, categorical)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(v: &str) -> MixedColumn {
        MixedColumn::Values(serde_json::from_str(v).unwrap())
    }

    #[test]
    fn splits_by_the_categorical_indices() {
        let columns = vec![
            values(r#"["a", 1.0, true, null]"#),
            MixedColumn::Numbers(vec![1.5, f64::NAN, 3.0, 4.0]),
            values(r#"[" 2.5 ", 7, false, null]"#),
            MixedColumn::Numbers(vec![1.0, 2.5, f64::NAN, 1e21]),
        ];
        let t = MixedTable::from_columns(columns, Some(&[3, 0, 3])).unwrap();
        assert_eq!(t.p, 2);
        let (a, b) = (
            t.numeric.clone(),
            [1.5, 2.5, f64::NAN, 7.0, 3.0, 0.0, 4.0, f64::NAN],
        );
        assert!(a
            .iter()
            .zip(&b)
            .all(|(x, y)| x == y || (x.is_nan() && y.is_nan())));
        let text = |v: &[Option<&str>]| v.iter().map(|s| s.map(str::to_owned)).collect::<Vec<_>>();
        assert_eq!(
            t.categorical[0],
            text(&[Some("a"), Some("1"), Some("true"), None])
        );
        assert_eq!(
            t.categorical[1],
            text(&[Some("1"), Some("2.5"), None, Some("1000000000000000000000")])
        );
    }

    #[test]
    fn rows_read_as_columns_do() {
        let rows = r#"[[1, "x", 2], [2.5, "y", null], [3, 4, "5"]]"#;
        let t = MixedTable::from_rows_json(rows, Some(&[1])).unwrap();
        assert_eq!(t.p, 2);
        assert_eq!(t.numeric[..3], [1.0, 2.0, 2.5]);
        assert!(t.numeric[3].is_nan());
        assert_eq!(t.numeric[4..], [3.0, 5.0]);
        assert_eq!(t.categorical[0][2].as_deref(), Some("4"));
    }

    #[test]
    fn bad_tables_name_the_row_and_column() {
        let row_col = |e: SegmentError| match e {
            SegmentError::InvalidData { row, field, reason } => (row, field, reason),
            other => panic!("{other:?}"),
        };
        let (row, field, reason) = row_col(
            MixedTable::from_rows_json(r#"[[1, "a"], ["x", "b"]]"#, Some(&[1])).unwrap_err(),
        );
        assert_eq!((row, field.as_str()), (1, "column 0"));
        assert!(
            reason.contains("categorical") && !reason.contains("\"x\""),
            "{reason}"
        );
        let (row, field, _) = row_col(
            MixedTable::from_rows_json(r#"[[1, "a"], [2, {"time": 0}]]"#, Some(&[1])).unwrap_err(),
        );
        assert_eq!((row, field.as_str()), (1, "column 1"));
        let (row, field, _) =
            row_col(MixedTable::from_rows_json(r#"[[1, "a"], [2]]"#, Some(&[1])).unwrap_err());
        assert_eq!((row, field.as_str()), (1, "X"));
        for bad in [&[2][..], &[-1]] {
            let e = MixedTable::from_rows_json(r#"[[1, "a"]]"#, Some(bad)).unwrap_err();
            assert!(
                matches!(e, SegmentError::InvalidOption { ref option, .. } if option == "categorical")
            );
        }
        // No rows: no column to be categorical; a huge index is out of range too.
        let e = MixedTable::from_rows_json("[]", Some(&[0])).unwrap_err();
        assert!(
            matches!(e, SegmentError::InvalidOption { ref option, .. } if option == "categorical")
        );
        assert!(MixedTable::from_rows_json(r#"[[1, "a"]]"#, Some(&[i64::MAX])).is_err());
        let e = MixedTable::from_rows_json(r#"[[1, "a"]"#, Some(&[1])).unwrap_err();
        assert!(matches!(e, SegmentError::InvalidOption { ref option, .. } if option == "X"));
        let e = MixedTable::from_columns(
            vec![MixedColumn::Numbers(vec![1.0]), values("[]")],
            Some(&[1]),
        );
        assert!(e.is_err());
    }

    #[test]
    fn a_fitted_model_keeps_its_table_layout() {
        use crate::segment::kprototypes::{KPrototypesModel, KPrototypesOptions};
        // Categories first, numbers second: the layout travels with the model.
        let rows = r#"[["a", 0.0], ["a", 0.2], ["b", 5.0], ["b", 5.1], ["a", 0.1], ["b", 4.9]]"#;
        let table = MixedTable::from_rows_json(rows, Some(&[0])).unwrap();
        assert_eq!(table.categorical_columns, [0]);
        let opts = KPrototypesOptions {
            k: 2,
            ..Default::default()
        };
        let fit = opts.fit_table(&table, None).unwrap();
        let loaded: KPrototypesModel =
            crate::format::from_json(&crate::format::to_json(&fit.model)).unwrap();
        assert_eq!(loaded.categorical_columns(), [0]);
        assert_eq!(loaded.layout(None), [0]);
        assert_eq!(loaded.layout(Some(vec![1])), [1]);
        let again = MixedTable::from_rows_json(rows, Some(&loaded.layout(None))).unwrap();
        assert_eq!(loaded.predict_table(&again, None).unwrap().0, fit.labels);
        // A model saved before layouts were kept reads numbers first, then categories.
        let old = KPrototypesModel {
            categorical_columns: None,
            ..fit.model.clone()
        };
        assert_eq!(old.categorical_columns(), [1]);
        // No indices: every column is categorical (k-modes).
        let all = MixedTable::from_rows_json(r#"[["a", "x"], ["b", "y"]]"#, None).unwrap();
        assert_eq!((all.p, all.categorical_columns.clone()), (0, vec![0, 1]));
    }
}
