//! The validated, columnar transaction table.

use super::group::{group, Grouping};
use super::intern::MISSING;
use super::DataError;
use rayon::prelude::*;
use std::cmp::Ordering;

/// The distinct customer ids of a table, indexed by customer code.
#[derive(Debug, Clone, PartialEq)]
pub enum CustomerIds {
    /// Text ids.
    Text(Vec<String>),
    /// Integer ids.
    Int(Vec<i64>),
}

impl CustomerIds {
    /// Number of distinct customers.
    pub fn len(&self) -> usize {
        match self {
            CustomerIds::Text(v) => v.len(),
            CustomerIds::Int(v) => v.len(),
        }
    }

    /// Whether there are no customers.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The id of customer `code` as text.
    pub fn display(&self, code: usize) -> String {
        match self {
            CustomerIds::Text(v) => v[code].clone(),
            CustomerIds::Int(v) => v[code].to_string(),
        }
    }

    /// Compares two customers by id: text in byte order, integers numerically.
    pub fn compare(&self, a: usize, b: usize) -> Ordering {
        match self {
            CustomerIds::Text(v) => v[a].cmp(&v[b]),
            CustomerIds::Int(v) => v[a].cmp(&v[b]),
        }
    }

    /// The ids of `codes`, in that order.
    pub fn select(&self, codes: &[u32]) -> CustomerIds {
        match self {
            CustomerIds::Text(v) => {
                CustomerIds::Text(codes.par_iter().map(|&c| v[c as usize].clone()).collect())
            }
            CustomerIds::Int(v) => {
                CustomerIds::Int(codes.par_iter().map(|&c| v[c as usize]).collect())
            }
        }
    }

    /// All ids as text.
    pub fn to_strings(&self) -> Vec<String> {
        (0..self.len()).map(|i| self.display(i)).collect()
    }
}

/// A dictionary-encoded text column: `values[codes[row]]`, with [`MISSING`] for no value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Encoded {
    /// Distinct values.
    pub values: Vec<String>,
    /// Code of each row.
    pub codes: Vec<u32>,
}

impl Encoded {
    /// The value of `row`, `None` when missing.
    pub fn get(&self, row: usize) -> Option<&str> {
        match self.codes[row] {
            MISSING => None,
            c => Some(self.values[c as usize].as_str()),
        }
    }

    pub(crate) fn select(&self, rows: &[usize]) -> Encoded {
        Encoded {
            values: self.values.clone(),
            codes: rows.iter().map(|&r| self.codes[r]).collect(),
        }
    }
}

/// Validated transactions: every row has a customer, a timestamp (µs since the epoch) and, when
/// the table has amounts, a finite amount. Built by [`super::validate()`] or
/// [`Transactions::new`].
#[derive(Debug, Clone, PartialEq)]
pub struct Transactions {
    pub(crate) ids: CustomerIds,
    pub(crate) customer: Vec<u32>,
    pub(crate) timestamp: Vec<i64>,
    pub(crate) amount: Option<Vec<f64>>,
    pub(crate) quantity: Option<Vec<f64>>,
    pub(crate) order_id: Option<Encoded>,
    pub(crate) product_id: Option<Encoded>,
    pub(crate) category: Option<Encoded>,
    pub(crate) channel: Option<Encoded>,
}

impl Transactions {
    /// Builds a table from already clean columns: `customer[i]` indexes `ids`, timestamps are µs
    /// since the epoch. Columns of different lengths, or a customer code outside `ids`, are a
    /// [`DataError`]; use [`super::validate()`] for raw input.
    pub fn new(
        ids: CustomerIds,
        customer: Vec<u32>,
        timestamp: Vec<i64>,
        amount: Option<Vec<f64>>,
    ) -> Result<Self, DataError> {
        let lengths = [("timestamp", timestamp.len())]
            .into_iter()
            .chain(amount.as_ref().map(|a| ("amount", a.len())));
        for (column, found) in lengths {
            if found != customer.len() {
                return Err(DataError::LengthMismatch {
                    column: column.into(),
                    expected: customer.len(),
                    found,
                });
            }
        }
        if let Some(row) = customer.iter().position(|&c| c as usize >= ids.len()) {
            return Err(DataError::InvalidOption {
                option: "customer".into(),
                reason: format!(
                    "row {row}: the customer code is not below the {} ids",
                    ids.len()
                ),
            });
        }
        Ok(Transactions {
            ids,
            customer,
            timestamp,
            amount,
            quantity: None,
            order_id: None,
            product_id: None,
            category: None,
            channel: None,
        })
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.customer.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.customer.is_empty()
    }

    /// The customer dictionary.
    pub fn ids(&self) -> &CustomerIds {
        &self.ids
    }

    /// Customer code of each row.
    pub fn customer(&self) -> &[u32] {
        &self.customer
    }

    /// Timestamp of each row (µs since the epoch).
    pub fn timestamp(&self) -> &[i64] {
        &self.timestamp
    }

    /// Amount of each row, if the table has amounts.
    pub fn amount(&self) -> Option<&[f64]> {
        self.amount.as_deref()
    }

    /// Quantity of each row, if present.
    pub fn quantity(&self) -> Option<&[f64]> {
        self.quantity.as_deref()
    }

    /// Order ids, if present.
    pub fn order_id(&self) -> Option<&Encoded> {
        self.order_id.as_ref()
    }

    /// Product ids, if present.
    pub fn product_id(&self) -> Option<&Encoded> {
        self.product_id.as_ref()
    }

    /// Categories, if present.
    pub fn category(&self) -> Option<&Encoded> {
        self.category.as_ref()
    }

    /// Channels, if present.
    pub fn channel(&self) -> Option<&Encoded> {
        self.channel.as_ref()
    }

    /// The latest timestamp, `None` for an empty table.
    pub fn max_timestamp(&self) -> Option<i64> {
        self.timestamp.par_iter().copied().max()
    }

    /// Groups rows by customer: for each customer, the item `item(row)` of each of its rows
    /// in table order (rows where it is `None` are left out).
    pub fn group_by_customer<T, F>(&self, item: F) -> Grouping<T>
    where
        T: Copy + Send + Sync + Default,
        F: Fn(usize) -> Option<T> + Sync,
    {
        group(&self.customer, self.ids.len(), item)
    }

    /// Customer codes ordered by id (text in byte order, integers numerically). Validation
    /// numbers customers in id order, so this is usually `0..n`, found without sorting.
    pub fn customers_in_id_order(&self) -> Vec<u32> {
        fn in_order<K: Ord + Sync>(keys: &[K]) -> Vec<u32> {
            if keys.par_windows(2).all(|w| w[0] < w[1]) {
                return (0..keys.len() as u32).collect();
            }
            let mut keyed: Vec<(&K, u32)> = keys.iter().zip(0u32..).collect();
            keyed.par_sort_unstable();
            keyed.into_iter().map(|(_, c)| c).collect()
        }
        match &self.ids {
            CustomerIds::Int(v) => in_order(v),
            CustomerIds::Text(v) => in_order(v),
        }
    }

    /// The sub-table of `rows` (in that order), with the same dictionaries.
    pub fn select(&self, rows: &[usize]) -> Transactions {
        let pick_f = |v: &Vec<f64>| rows.iter().map(|&r| v[r]).collect::<Vec<_>>();
        Transactions {
            ids: self.ids.clone(),
            customer: rows.iter().map(|&r| self.customer[r]).collect(),
            timestamp: rows.iter().map(|&r| self.timestamp[r]).collect(),
            amount: self.amount.as_ref().map(pick_f),
            quantity: self.quantity.as_ref().map(pick_f),
            order_id: self.order_id.as_ref().map(|e| e.select(rows)),
            product_id: self.product_id.as_ref().map(|e| e.select(rows)),
            category: self.category.as_ref().map(|e| e.select(rows)),
            channel: self.channel.as_ref().map(|e| e.select(rows)),
        }
    }
}

#[cfg(test)]
mod construction_tests {
    use super::*;

    #[test]
    fn a_table_of_inconsistent_columns_is_an_error_not_a_panic() {
        let ids = || CustomerIds::Int(vec![7, 9]);
        assert!(Transactions::new(ids(), vec![0, 1], vec![1, 2], Some(vec![1.0, 2.0])).is_ok());
        let e = Transactions::new(ids(), vec![0, 1], vec![1], None).unwrap_err();
        assert_eq!(e.code(), "DATA_LENGTH_MISMATCH");
        let e = Transactions::new(ids(), vec![0, 1], vec![1, 2], Some(vec![1.0])).unwrap_err();
        assert!(e.to_string().contains("amount"), "{e}");
        let e = Transactions::new(ids(), vec![0, 2], vec![1, 2], None).unwrap_err();
        assert!(e.to_string().contains("row 1"), "{e}");
    }
}
