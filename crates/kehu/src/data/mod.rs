//! Data intake (数据收集) and validation (数据清洗): columnar transaction and customer tables,
//! CSV reading with a column mapping, and validation that reports every rejected row.

mod columns;
pub mod csv;
pub mod customers;
mod group;
mod intern;
mod mapping;
mod scatter;
pub mod text;
pub mod time;
mod transactions;
mod validate;

pub use columns::{
    IdColumn, IntColumn, NumberColumn, RawTransactions, TextColumn, TimeColumn, TransactionColumns,
};
pub use group::Grouping;
pub use intern::MISSING;
pub use mapping::{ColumnMapping, FieldKind, MappedField};
pub use transactions::{CustomerIds, Encoded, Transactions};
pub use validate::{
    validate, Field, GivenValidationOptions, RejectReason, Rejection, ValidationOptions,
    ValidationReport, MAX_MAGNITUDE,
};

/// Why input data could not be taken in.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum DataError {
    /// The input has no rows.
    #[error("the input has no rows")]
    Empty,
    /// A required column is not in the input.
    #[error("missing column '{column}'")]
    MissingColumn {
        /// The column's name (as mapped by the caller).
        column: String,
    },
    /// Columns of one table have different lengths.
    #[error("column '{column}' has {found} rows, expected {expected}")]
    LengthMismatch {
        /// The offending column.
        column: String,
        /// Rows in the first column.
        expected: usize,
        /// Rows in this one.
        found: usize,
    },
    /// A column has a type that cannot be read as the field needs.
    #[error("column '{column}' has type {found}, expected {expected}")]
    WrongType {
        /// The offending column.
        column: String,
        /// What the field needs.
        expected: String,
        /// What was given.
        found: String,
    },
    /// Strict mode: the first problem found.
    #[error("row {row}, field '{field}': {reason}")]
    Rejected {
        /// 0-based row index in the input.
        row: usize,
        /// The field.
        field: Field,
        /// Why it was rejected.
        reason: RejectReason,
    },
    /// A CSV file could not be read.
    #[error("CSV line {line}: {reason}")]
    Csv {
        /// 1-based line number (0 when unknown).
        line: u64,
        /// What went wrong, without the line's content.
        reason: String,
    },
    /// An option has an invalid value.
    #[error("invalid option '{option}': {reason}")]
    InvalidOption {
        /// The option's name.
        option: String,
        /// Why.
        reason: String,
    },
    /// Reading a file failed.
    #[error("I/O error: {0}")]
    Io(String),
}

impl DataError {
    /// Stable code of the variant.
    pub fn code(&self) -> &'static str {
        match self {
            DataError::Empty => "DATA_EMPTY",
            DataError::MissingColumn { .. } => "DATA_MISSING_COLUMN",
            DataError::LengthMismatch { .. } => "DATA_LENGTH_MISMATCH",
            DataError::WrongType { .. } => "DATA_WRONG_TYPE",
            DataError::Rejected { .. } => "DATA_REJECTED_ROW",
            DataError::Csv { .. } => "DATA_CSV",
            DataError::InvalidOption { .. } => "DATA_INVALID_OPTION",
            DataError::Io(_) => "DATA_IO",
        }
    }
}
