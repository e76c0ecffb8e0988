//! Loss-free validation: every input row is either accepted or reported with its row number,
//! field and reason.

use super::columns::{IdColumn, TextColumn, TimeColumn, TransactionColumns};
use super::intern::{intern, intern_in_order, MISSING};
use super::time::parse_timestamp;
use super::transactions::{CustomerIds, Encoded, Transactions};
use super::DataError;
use rayon::prelude::*;
use serde::Serialize;
use std::fmt;

/// The field a problem was found in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    /// The customer id.
    CustomerId,
    /// The timestamp.
    Timestamp,
    /// The amount.
    Amount,
    /// The quantity.
    Quantity,
    /// The event as a whole (duplicates, records with a wrong number of fields).
    Event,
}

impl Field {
    /// The field's name as used in reports: `customer_id`, `timestamp`, `amount`, `quantity`,
    /// `event`.
    pub fn name(self) -> &'static str {
        match self {
            Field::CustomerId => "customer_id",
            Field::Timestamp => "timestamp",
            Field::Amount => "amount",
            Field::Quantity => "quantity",
            Field::Event => "event",
        }
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a row was rejected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RejectReason {
    /// The value is missing.
    Missing,
    /// The text is not a timestamp in the expected format.
    UnparseableTimestamp,
    /// The timestamp is outside the representable range.
    TimestampOutOfRange,
    /// The timestamp is after the observation end.
    AfterObservationEnd,
    /// The number is NaN or infinite.
    NotFinite,
    /// The text does not parse as a number (as read from text, e.g. CSV; `NaN` and `inf` parse
    /// and are [`RejectReason::NotFinite`]).
    Unparseable,
    /// The record has another number of fields than the header (or, without a header, the
    /// first record); its values are not read, as they may be shifted.
    WrongFieldCount {
        /// Fields in the record.
        found: usize,
        /// Fields in the header.
        expected: usize,
    },
    /// The amount is negative and returns are not allowed.
    Negative,
    /// The number's magnitude is beyond [`MAX_MAGNITUDE`], where sums and squares of a
    /// customer's amounts could overflow.
    TooLarge,
    /// The row repeats an earlier row exactly.
    Duplicate {
        /// The row it repeats (kept).
        first_row: usize,
    },
}

impl RejectReason {
    /// A stable code: `missing`, `unparseable_timestamp`, `timestamp_out_of_range`,
    /// `after_observation_end`, `not_finite`, `unparseable`, `wrong_field_count`, `negative`,
    /// `too_large`, `duplicate_event`.
    pub fn code(&self) -> &'static str {
        match self {
            RejectReason::Missing => "missing",
            RejectReason::UnparseableTimestamp => "unparseable_timestamp",
            RejectReason::TimestampOutOfRange => "timestamp_out_of_range",
            RejectReason::AfterObservationEnd => "after_observation_end",
            RejectReason::NotFinite => "not_finite",
            RejectReason::Unparseable => "unparseable",
            RejectReason::WrongFieldCount { .. } => "wrong_field_count",
            RejectReason::Negative => "negative",
            RejectReason::TooLarge => "too_large",
            RejectReason::Duplicate { .. } => "duplicate_event",
        }
    }
}

impl fmt::Display for RejectReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RejectReason::Missing => f.write_str("value is missing"),
            RejectReason::UnparseableTimestamp => {
                f.write_str("cannot be parsed as a timestamp in the expected format")
            }
            RejectReason::TimestampOutOfRange => f.write_str("timestamp is out of range"),
            RejectReason::AfterObservationEnd => {
                f.write_str("timestamp is after the observation end")
            }
            RejectReason::NotFinite => f.write_str("value is NaN or infinite"),
            RejectReason::Unparseable => f.write_str("text is not a number"),
            RejectReason::WrongFieldCount { found, expected } => write!(
                f,
                "the record has {found} fields where the header has {expected}"
            ),
            RejectReason::Negative => f.write_str("amount is negative and returns are not allowed"),
            RejectReason::TooLarge => write!(
                f,
                "magnitude beyond {MAX_MAGNITUDE:e}, where sums and squares would overflow"
            ),
            RejectReason::Duplicate { first_row } => {
                write!(f, "exact duplicate of row {first_row}")
            }
        }
    }
}

/// One rejected row: its 0-based index in the input, the field and the reason. When a row has
/// several problems, the first in column order (customer id, timestamp, amount, quantity) is
/// reported; a malformed record (field `event`, e.g. a wrong number of fields) before any.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rejection {
    /// 0-based row index in the input.
    pub row: usize,
    /// The field.
    pub field: Field,
    /// The reason.
    pub reason: RejectReason,
}

/// What validation accepted and what it rejected.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct ValidationReport {
    /// Rows in the input.
    pub total_rows: usize,
    /// Rows accepted.
    pub accepted: usize,
    /// Rejected rows, by row index.
    pub rejected: Vec<Rejection>,
}

impl ValidationReport {
    /// Number of rejected rows for each reason code, sorted by code.
    pub fn counts_by_reason(&self) -> Vec<(&'static str, usize)> {
        let mut counts = std::collections::BTreeMap::new();
        for r in &self.rejected {
            *counts.entry(r.reason.code()).or_insert(0) += 1;
        }
        counts.into_iter().collect()
    }
}

/// How strictly to validate.
#[derive(Debug, Clone, PartialEq)]
pub struct ValidationOptions {
    /// Accept negative amounts as returns (default: reject them).
    pub allow_returns: bool,
    /// Reject events after this timestamp (µs since the epoch).
    pub observation_end: Option<i64>,
    /// Reject exact duplicate events, keeping the first (default: true).
    pub deduplicate: bool,
    /// Turn the first problem into [`DataError::Rejected`] instead of a report entry.
    pub strict: bool,
}

impl Default for ValidationOptions {
    fn default() -> Self {
        ValidationOptions {
            allow_returns: false,
            observation_end: None,
            deduplicate: true,
            strict: false,
        }
    }
}

/// Validation options as a binding receives them: each `None` takes the core's default, the
/// observation end is text read by the core's one rule for times.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GivenValidationOptions<'a> {
    /// Accept negative amounts as returns.
    pub allow_returns: Option<bool>,
    /// Reject events after this time (ISO 8601).
    pub observation_end: Option<&'a str>,
    /// Reject exact duplicate events.
    pub deduplicate: Option<bool>,
    /// Turn the first problem into an error.
    pub strict: Option<bool>,
}

impl GivenValidationOptions<'_> {
    /// The options, the core's defaults for what was not given.
    pub fn options(&self) -> Result<ValidationOptions, DataError> {
        let d = ValidationOptions::default();
        Ok(ValidationOptions {
            allow_returns: self.allow_returns.unwrap_or(d.allow_returns),
            observation_end: crate::data::time::parse_time_option(
                "observation_end",
                self.observation_end,
                None,
            )?,
            deduplicate: self.deduplicate.unwrap_or(d.deduplicate),
            strict: self.strict.unwrap_or(d.strict),
        })
    }
}

impl ValidationOptions {
    /// The intake lifetimes' functions imply: negative amounts and duplicate rows are data (a
    /// duplicate falls in the same period anyway), rows after the observation end are left to
    /// the summary, and any other bad row is an error (strict).
    pub fn lifetimes() -> Self {
        ValidationOptions {
            allow_returns: true,
            observation_end: None,
            deduplicate: false,
            strict: true,
        }
    }
}

const OK: u8 = 0;
/// The row's problem is the one in the intake list (found by the reader).
const INTAKE: u8 = u8::MAX;

fn problem_code(field: Field, reason: RejectReason) -> u8 {
    let f = field as u8;
    let r = match reason {
        RejectReason::Missing => 1,
        RejectReason::UnparseableTimestamp => 2,
        RejectReason::TimestampOutOfRange => 3,
        RejectReason::AfterObservationEnd => 4,
        RejectReason::NotFinite => 5,
        RejectReason::Negative => 6,
        RejectReason::Duplicate { .. } => 7,
        RejectReason::TooLarge => 8,
        // Found by readers: reported from the intake list (`INTAKE`), never coded.
        RejectReason::Unparseable | RejectReason::WrongFieldCount { .. } => {
            unreachable!("intake problems are not coded")
        }
    };
    (f << 4) | r
}

fn decode_problem(code: u8) -> (Field, RejectReason) {
    let field = match code >> 4 {
        0 => Field::CustomerId,
        1 => Field::Timestamp,
        2 => Field::Amount,
        3 => Field::Quantity,
        _ => Field::Event,
    };
    let reason = match code & 15 {
        8 => RejectReason::TooLarge,
        1 => RejectReason::Missing,
        2 => RejectReason::UnparseableTimestamp,
        3 => RejectReason::TimestampOutOfRange,
        4 => RejectReason::AfterObservationEnd,
        5 => RejectReason::NotFinite,
        _ => RejectReason::Negative,
    };
    (field, reason)
}

/// The largest magnitude an amount or quantity may have: the sum of a billion of them and the
/// square of each stay finite, so no total, mean or spread computed from them overflows.
pub const MAX_MAGNITUDE: f64 = 1e150;

fn check_length(name: &str, len: usize, expected: usize) -> Result<(), DataError> {
    if len == expected {
        Ok(())
    } else {
        Err(DataError::LengthMismatch {
            column: name.to_string(),
            expected,
            found: len,
        })
    }
}

fn check_row(cols: &TransactionColumns, opts: &ValidationOptions, row: usize) -> (i64, u8) {
    let id_present = match cols.customer_id {
        IdColumn::Text(c) => c.get(row).is_some_and(|s| !s.trim().is_empty()),
        IdColumn::Int(c) => c.get(row).is_some(),
    };
    if !id_present {
        return (0, problem_code(Field::CustomerId, RejectReason::Missing));
    }
    let ts = match cols.timestamp {
        TimeColumn::Text { values, format } => match values.get(row) {
            None => Err(RejectReason::Missing),
            Some(s) if s.trim().is_empty() => Err(RejectReason::Missing),
            Some(s) => parse_timestamp(s, format).ok_or(RejectReason::UnparseableTimestamp),
        },
        TimeColumn::Epoch { values, unit } => match values.get(row) {
            None => Err(RejectReason::Missing),
            Some(v) => unit.to_micros(v).ok_or(RejectReason::TimestampOutOfRange),
        },
    };
    let ts = match ts {
        Ok(ts) => ts,
        Err(reason) => return (0, problem_code(Field::Timestamp, reason)),
    };
    if opts.observation_end.is_some_and(|end| ts > end) {
        return (
            ts,
            problem_code(Field::Timestamp, RejectReason::AfterObservationEnd),
        );
    }
    if let Some(amount) = cols.amount {
        match amount.get(row) {
            None => return (ts, problem_code(Field::Amount, RejectReason::Missing)),
            Some(v) if !v.is_finite() => {
                return (ts, problem_code(Field::Amount, RejectReason::NotFinite))
            }
            Some(v) if v < 0.0 && !opts.allow_returns => {
                return (ts, problem_code(Field::Amount, RejectReason::Negative))
            }
            Some(v) if v.abs() > MAX_MAGNITUDE => {
                return (ts, problem_code(Field::Amount, RejectReason::TooLarge))
            }
            Some(_) => {}
        }
    }
    if let Some(q) = cols.quantity.and_then(|q| q.get(row)) {
        if !q.is_finite() {
            return (ts, problem_code(Field::Quantity, RejectReason::NotFinite));
        }
        if q.abs() > MAX_MAGNITUDE {
            return (ts, problem_code(Field::Quantity, RejectReason::TooLarge));
        }
    }
    (ts, OK)
}

fn encode_text(col: Option<&dyn TextColumn>, n: usize) -> Option<Encoded> {
    col.map(|c| {
        let (dict, codes) = intern(n, |row| c.get(row).filter(|s| !s.is_empty()));
        Encoded {
            values: dict.into_iter().map(str::to_string).collect(),
            codes,
        }
    })
}

/// Validates a transaction table. Returns the accepted rows as [`Transactions`] and a report of
/// every rejected row; in strict mode the first problem is an error instead. Errors are only for
/// problems with the table as a whole: no rows, columns of different lengths, or (strict) a bad
/// row.
pub fn validate(
    cols: &TransactionColumns,
    opts: &ValidationOptions,
) -> Result<(Transactions, ValidationReport), DataError> {
    validate_with_intake(cols, opts, &[])
}

/// Rank of a field among a row's problems: a malformed record first, then column order.
fn field_rank(field: Field) -> u8 {
    match field {
        Field::Event => 0,
        other => other as u8 + 1,
    }
}

/// [`validate`] with the problems a reader found while building the columns (e.g.
/// [`super::csv`]: records with a wrong number of fields, number text that does not parse).
/// Every row in `intake` is rejected and reported like the rows the column checks reject: a row's
/// reported problem is the first in column order, a problem with the whole record (field
/// `event`) before any, and the reader's when both name the same field (it knows the text, the
/// column only holds NaN). An intake row beyond the table is [`DataError::InvalidOption`].
pub(crate) fn validate_with_intake(
    cols: &TransactionColumns,
    opts: &ValidationOptions,
    intake: &[Rejection],
) -> Result<(Transactions, ValidationReport), DataError> {
    let n = cols.customer_id.len();
    if n == 0 {
        return Err(DataError::Empty);
    }
    if let Some(r) = intake.iter().find(|r| r.row >= n) {
        return Err(DataError::InvalidOption {
            option: "intake".into(),
            reason: format!("row {} is beyond the table's {n} rows", r.row),
        });
    }
    // One problem per row: the first by rank.
    let mut intake: Vec<Rejection> = intake.to_vec();
    intake.sort_by_key(|r| (r.row, field_rank(r.field)));
    intake.dedup_by_key(|r| r.row);
    check_length("timestamp", cols.timestamp.len(), n)?;
    let optional_lengths = [
        ("amount", cols.amount.map(|c| c.len())),
        ("order_id", cols.order_id.map(|c| c.len())),
        ("quantity", cols.quantity.map(|c| c.len())),
        ("product_id", cols.product_id.map(|c| c.len())),
        ("category", cols.category.map(|c| c.len())),
        ("channel", cols.channel.map(|c| c.len())),
    ];
    for (name, len) in optional_lengths {
        if let Some(len) = len {
            check_length(name, len, n)?;
        }
    }

    let (timestamps, problems): (Vec<i64>, Vec<u8>) = (0..n)
        .into_par_iter()
        .with_min_len(4096)
        .map(|row| check_row(cols, opts, row))
        .unzip();
    let mut problems = problems;
    for r in &intake {
        let p = problems[r.row];
        if p == OK || field_rank(r.field) <= field_rank(decode_problem(p).0) {
            problems[r.row] = INTAKE;
        }
    }

    let mut rejected: Vec<Rejection> = problems
        .par_iter()
        .enumerate()
        .filter(|(_, &p)| p != OK)
        .map(|(row, &p)| {
            if p == INTAKE {
                let i = intake
                    .binary_search_by_key(&row, |r| r.row)
                    .expect("intake rows are listed");
                return intake[i];
            }
            let (field, reason) = decode_problem(p);
            Rejection { row, field, reason }
        })
        .collect();
    if opts.strict {
        if let Some(first) = rejected.first() {
            return Err(DataError::Rejected {
                row: first.row,
                field: first.field,
                reason: first.reason,
            });
        }
    }

    let ok = |row: usize| problems[row] == OK;
    let (ids, customer) = match cols.customer_id {
        IdColumn::Text(c) => {
            let (dict, codes) = intern_in_order(n, |row| if ok(row) { c.get(row) } else { None });
            (
                CustomerIds::Text(dict.into_iter().map(str::to_string).collect()),
                codes,
            )
        }
        IdColumn::Int(c) => {
            let (dict, codes) = intern_in_order(n, |row| if ok(row) { c.get(row) } else { None });
            (CustomerIds::Int(dict), codes)
        }
    };
    let amount: Option<Vec<f64>> = cols.amount.map(|c| {
        (0..n)
            .into_par_iter()
            .map(|r| c.get(r).unwrap_or(0.0))
            .collect()
    });
    let quantity: Option<Vec<f64>> = cols.quantity.map(|c| {
        (0..n)
            .into_par_iter()
            .map(|r| c.get(r).unwrap_or(f64::NAN))
            .collect()
    });
    let full = Transactions {
        ids,
        customer,
        timestamp: timestamps,
        amount,
        quantity,
        order_id: encode_text(cols.order_id, n),
        product_id: encode_text(cols.product_id, n),
        category: encode_text(cols.category, n),
        channel: encode_text(cols.channel, n),
    };

    let mut keep: Vec<bool> = Vec::new();
    if opts.deduplicate {
        keep = problems.par_iter().map(|&p| p == OK).collect();
        let duplicates = find_duplicates(&full, &keep);
        if opts.strict {
            if let Some(&(row, first_row)) = duplicates.iter().min() {
                return Err(DataError::Rejected {
                    row,
                    field: Field::Event,
                    reason: RejectReason::Duplicate { first_row },
                });
            }
        }
        for &(row, first_row) in &duplicates {
            keep[row] = false;
            rejected.push(Rejection {
                row,
                field: Field::Event,
                reason: RejectReason::Duplicate { first_row },
            });
        }
        rejected.par_sort_unstable_by_key(|r| r.row);
    }
    let transactions = if rejected.is_empty() {
        full
    } else {
        let accepted = |r: &usize| {
            if keep.is_empty() {
                problems[*r] == OK
            } else {
                keep[*r]
            }
        };
        let rows: Vec<usize> = (0..n).filter(accepted).collect();
        full.select(&rows)
    };
    let report = ValidationReport {
        total_rows: n,
        accepted: transactions.len(),
        rejected,
    };
    Ok((transactions, report))
}

/// Exact duplicates among rows with `keep[row]`: pairs (duplicate row, first row it repeats).
fn find_duplicates(t: &Transactions, keep: &[bool]) -> Vec<(usize, usize)> {
    let grouping = super::group::group(&t.customer, t.ids.len(), |row| {
        (keep[row] && t.customer[row] != MISSING).then_some(row)
    });
    let code = |e: &Option<Encoded>, r: usize| e.as_ref().map_or(MISSING, |e| e.codes[r]);
    let key = |r: usize| {
        (
            t.timestamp[r],
            t.amount.as_ref().map_or(0, |a| a[r].to_bits()),
            t.quantity.as_ref().map_or(0, |q| q[r].to_bits()),
            code(&t.order_id, r),
            code(&t.product_id, r),
            code(&t.category, r),
            code(&t.channel, r),
        )
    };
    let mut duplicates: Vec<(usize, usize)> = (0..grouping.groups())
        .into_par_iter()
        .with_min_len(256)
        .flat_map_iter(|c| {
            let mut group: Vec<usize> = grouping.of(c).to_vec();
            group.sort_unstable_by_key(|&r| (key(r), r));
            let mut found = Vec::new();
            let mut first = 0;
            for i in 1..group.len() {
                if key(group[i]) == key(group[first]) {
                    found.push((group[i], group[first]));
                } else {
                    first = i;
                }
            }
            found
        })
        .collect();
    duplicates.sort_unstable();
    duplicates
}

#[cfg(test)]
mod tests {
    use super::super::columns::{NumberColumn, TransactionColumns};
    use super::*;

    fn s(v: &[&str]) -> Vec<Option<String>> {
        v.iter()
            .map(|x| (!x.is_empty()).then(|| x.to_string()))
            .collect()
    }

    #[test]
    fn reports_every_problem_and_keeps_good_rows() {
        let ids = s(&["a", "", "b", "c", "d", "e", "a", "f"]);
        let ts = s(&[
            "2020-01-01",
            "2020-01-01",
            "nope",
            "2020-01-02",
            "2020-01-03",
            "2031-01-01",
            "2020-01-01",
            "2020-01-05",
        ]);
        let amount: Vec<Option<f64>> = vec![
            Some(1.0),
            Some(1.0),
            Some(1.0),
            Some(f64::NAN),
            Some(-2.0),
            Some(1.0),
            Some(1.0),
            None,
        ];
        let mut cols = TransactionColumns::new(
            IdColumn::Text(&ids),
            TimeColumn::Text {
                values: &ts,
                format: None,
            },
        );
        cols.amount = Some(&amount as &dyn NumberColumn);
        let opts = ValidationOptions {
            observation_end: parse_timestamp("2025-01-01", None),
            ..Default::default()
        };
        let (t, report) = validate(&cols, &opts).unwrap();
        assert_eq!(report.total_rows, 8);
        assert_eq!(report.accepted, 1);
        assert_eq!(t.len(), 1);
        let got: Vec<(usize, &str, &str)> = report
            .rejected
            .iter()
            .map(|r| (r.row, r.field.name(), r.reason.code()))
            .collect();
        assert_eq!(
            got,
            vec![
                (1, "customer_id", "missing"),
                (2, "timestamp", "unparseable_timestamp"),
                (3, "amount", "not_finite"),
                (4, "amount", "negative"),
                (5, "timestamp", "after_observation_end"),
                (6, "event", "duplicate_event"),
                (7, "amount", "missing"),
            ]
        );
        assert_eq!(
            report.rejected[5].reason,
            RejectReason::Duplicate { first_row: 0 }
        );
        assert_eq!(report.accepted + report.rejected.len(), report.total_rows);
    }

    #[test]
    fn strict_mode_errors_on_first_problem() {
        let ids = s(&["a", "b"]);
        let ts = s(&["2020-01-01", "bad"]);
        let cols = TransactionColumns::new(
            IdColumn::Text(&ids),
            TimeColumn::Text {
                values: &ts,
                format: None,
            },
        );
        let opts = ValidationOptions {
            strict: true,
            ..Default::default()
        };
        assert_eq!(
            validate(&cols, &opts).unwrap_err(),
            DataError::Rejected {
                row: 1,
                field: Field::Timestamp,
                reason: RejectReason::UnparseableTimestamp
            }
        );
    }

    #[test]
    fn table_level_errors() {
        let ids: Vec<Option<String>> = vec![];
        let cols = TransactionColumns::new(
            IdColumn::Text(&ids),
            TimeColumn::Text {
                values: &ids,
                format: None,
            },
        );
        assert_eq!(
            validate(&cols, &Default::default()).unwrap_err(),
            DataError::Empty
        );
        let ids = s(&["a", "b"]);
        let ts = s(&["2020-01-01"]);
        let cols = TransactionColumns::new(
            IdColumn::Text(&ids),
            TimeColumn::Text {
                values: &ts,
                format: None,
            },
        );
        assert_eq!(
            validate(&cols, &Default::default()).unwrap_err().code(),
            "DATA_LENGTH_MISMATCH"
        );
    }

    #[test]
    fn returns_allowed_and_dedup_optional() {
        let ids = s(&["a", "a"]);
        let ts = s(&["2020-01-01", "2020-01-01"]);
        let amount = vec![-5.0, -5.0];
        let mut cols = TransactionColumns::new(
            IdColumn::Text(&ids),
            TimeColumn::Text {
                values: &ts,
                format: None,
            },
        );
        cols.amount = Some(&amount as &dyn NumberColumn);
        let opts = ValidationOptions {
            allow_returns: true,
            deduplicate: false,
            ..Default::default()
        };
        let (t, report) = validate(&cols, &opts).unwrap();
        assert_eq!((t.len(), report.rejected.len()), (2, 0));
    }
}
