//! Borrowed column views: the intake reads any columnar source (Rust vectors, Arrow arrays from
//! Python, JS arrays) through these small traits, without copying it first.

use super::time::TimeUnit;

/// A column of optional text values (missing = `None`).
pub trait TextColumn: Sync {
    /// Number of rows.
    fn len(&self) -> usize;
    /// The value of `row`, `None` when missing.
    fn get(&self, row: usize) -> Option<&str>;
    /// Whether the column has no rows.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A column of optional floating-point values. NaN stays NaN (validation reports it).
pub trait NumberColumn: Sync {
    /// Number of rows.
    fn len(&self) -> usize;
    /// The value of `row`, `None` when missing.
    fn get(&self, row: usize) -> Option<f64>;
    /// Whether the column has no rows.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A column of optional integers (timestamps in a [`TimeUnit`], or integer customer ids).
pub trait IntColumn: Sync {
    /// Number of rows.
    fn len(&self) -> usize;
    /// The value of `row`, `None` when missing.
    fn get(&self, row: usize) -> Option<i64>;
    /// Whether the column has no rows.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl TextColumn for [Option<String>] {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn get(&self, row: usize) -> Option<&str> {
        self[row].as_deref()
    }
}

impl TextColumn for Vec<Option<String>> {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn get(&self, row: usize) -> Option<&str> {
        self[row].as_deref()
    }
}

impl TextColumn for Vec<String> {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn get(&self, row: usize) -> Option<&str> {
        Some(self[row].as_str())
    }
}

impl TextColumn for Vec<&str> {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn get(&self, row: usize) -> Option<&str> {
        Some(self[row])
    }
}

impl NumberColumn for [f64] {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn get(&self, row: usize) -> Option<f64> {
        Some(self[row])
    }
}

impl NumberColumn for Vec<f64> {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn get(&self, row: usize) -> Option<f64> {
        Some(self[row])
    }
}

impl NumberColumn for Vec<Option<f64>> {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn get(&self, row: usize) -> Option<f64> {
        self[row]
    }
}

impl IntColumn for [i64] {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn get(&self, row: usize) -> Option<i64> {
        Some(self[row])
    }
}

impl IntColumn for Vec<i64> {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn get(&self, row: usize) -> Option<i64> {
        Some(self[row])
    }
}

impl IntColumn for Vec<Option<i64>> {
    fn len(&self) -> usize {
        <[_]>::len(self)
    }
    fn get(&self, row: usize) -> Option<i64> {
        self[row]
    }
}

/// The customer id column: text or integers (integer ids keep numeric order in outputs).
#[derive(Clone, Copy)]
pub enum IdColumn<'a> {
    /// Text ids.
    Text(&'a dyn TextColumn),
    /// Integer ids.
    Int(&'a dyn IntColumn),
}

impl IdColumn<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            IdColumn::Text(c) => c.len(),
            IdColumn::Int(c) => c.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The timestamp column: text to parse, or integers in a unit.
#[derive(Clone, Copy)]
pub enum TimeColumn<'a> {
    /// Text parsed with [`super::time::parse_timestamp`] and the optional format.
    Text {
        /// The values.
        values: &'a dyn TextColumn,
        /// chrono `strftime` format; ISO 8601 when `None`.
        format: Option<&'a str>,
    },
    /// Integers since the epoch.
    Epoch {
        /// The values.
        values: &'a dyn IntColumn,
        /// Their unit.
        unit: TimeUnit,
    },
}

impl TimeColumn<'_> {
    /// Number of rows.
    pub fn len(&self) -> usize {
        match self {
            TimeColumn::Text { values, .. } => values.len(),
            TimeColumn::Epoch { values, .. } => values.len(),
        }
    }

    /// Whether the column has no rows.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// The columns of a transaction table, as borrowed views. Only the customer id and the timestamp
/// are required.
#[derive(Clone, Copy)]
pub struct TransactionColumns<'a> {
    /// Customer id of each event.
    pub customer_id: IdColumn<'a>,
    /// When the event happened.
    pub timestamp: TimeColumn<'a>,
    /// Monetary value (negative for a return, when returns are allowed).
    pub amount: Option<&'a dyn NumberColumn>,
    /// Order id: several rows of one order count as one order.
    pub order_id: Option<&'a dyn TextColumn>,
    /// Number of units.
    pub quantity: Option<&'a dyn NumberColumn>,
    /// Product id.
    pub product_id: Option<&'a dyn TextColumn>,
    /// Product category.
    pub category: Option<&'a dyn TextColumn>,
    /// Sales channel (web, app, store, …).
    pub channel: Option<&'a dyn TextColumn>,
}

impl<'a> TransactionColumns<'a> {
    /// Columns with only the required customer id and timestamp.
    pub fn new(customer_id: IdColumn<'a>, timestamp: TimeColumn<'a>) -> Self {
        TransactionColumns {
            customer_id,
            timestamp,
            amount: None,
            order_id: None,
            quantity: None,
            product_id: None,
            category: None,
            channel: None,
        }
    }
}

/// An owned transaction table with text timestamps, as read from CSV or made by the simulator.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RawTransactions {
    /// Customer ids.
    pub customer_id: Vec<Option<String>>,
    /// Timestamps as text.
    pub timestamp: Vec<Option<String>>,
    /// Amounts, when the table has them.
    pub amount: Option<Vec<Option<f64>>>,
    /// Order ids.
    pub order_id: Option<Vec<Option<String>>>,
    /// Quantities.
    pub quantity: Option<Vec<Option<f64>>>,
    /// Product ids.
    pub product_id: Option<Vec<Option<String>>>,
    /// Categories.
    pub category: Option<Vec<Option<String>>>,
    /// Channels.
    pub channel: Option<Vec<Option<String>>>,
    /// chrono format of the timestamps; ISO 8601 when `None`.
    pub date_format: Option<String>,
}

impl RawTransactions {
    /// Borrowed column views of this table, for [`super::validate()`].
    pub fn columns(&self) -> TransactionColumns<'_> {
        TransactionColumns {
            customer_id: IdColumn::Text(&self.customer_id),
            timestamp: TimeColumn::Text {
                values: &self.timestamp,
                format: self.date_format.as_deref(),
            },
            amount: self.amount.as_ref().map(|c| c as &dyn NumberColumn),
            order_id: self.order_id.as_ref().map(|c| c as &dyn TextColumn),
            quantity: self.quantity.as_ref().map(|c| c as &dyn NumberColumn),
            product_id: self.product_id.as_ref().map(|c| c as &dyn TextColumn),
            category: self.category.as_ref().map(|c| c as &dyn TextColumn),
            channel: self.channel.as_ref().map(|c| c as &dyn TextColumn),
        }
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.customer_id.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.customer_id.is_empty()
    }
}
