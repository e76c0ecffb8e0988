//! Reading a transaction table from CSV (or whitespace-separated) text with a column mapping.

use super::columns::{RawTransactions, TransactionColumns};
use super::mapping::ColumnMapping;
use super::transactions::Transactions;
use super::validate::validate_with_intake;
use super::{DataError, Field, RejectReason, Rejection, ValidationOptions, ValidationReport};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// How fields are separated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delimiter {
    /// One byte, e.g. `b','`, `b';'`, `b'\t'` (quoted fields allowed).
    Byte(u8),
    /// Runs of spaces or tabs (no quoting), as in the CDNOW files.
    Whitespace,
}

/// Reader options.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvOptions {
    /// Field separator (default `,`).
    pub delimiter: Delimiter,
    /// Whether the first line names the columns (default true).
    pub has_header: bool,
    /// chrono format of the timestamps; ISO 8601 when `None`.
    pub date_format: Option<String>,
}

impl Default for CsvOptions {
    fn default() -> Self {
        CsvOptions {
            delimiter: Delimiter::Byte(b','),
            has_header: true,
            date_format: None,
        }
    }
}

/// The position of column `name` in a header (names compared without surrounding spaces).
/// A name missing is [`DataError::MissingColumn`]; a name the header has more than once is
/// [`DataError::Csv`] naming it (at `line`, the header's line), not a silent pick of the first.
/// Only names that are looked up are checked: a repeated column nobody maps is left alone.
pub fn header_position<S: AsRef<str>>(
    header: &[S],
    name: &str,
    line: u64,
) -> Result<usize, DataError> {
    let name = name.trim();
    let found: Vec<usize> = header
        .iter()
        .enumerate()
        .filter(|(_, h)| h.as_ref().trim() == name)
        .map(|(i, _)| i)
        .collect();
    match found.as_slice() {
        [] => Err(DataError::MissingColumn {
            column: name.to_string(),
        }),
        [i] => Ok(*i),
        many => Err(DataError::Csv {
            line,
            reason: format!(
                "column '{name}' appears {} times in the header (columns {}); rename the \
                 duplicates",
                many.len(),
                many.iter()
                    .map(|i| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        }),
    }
}

/// How a header is read: the fields of its line and what to say when a name is not there.
struct Header<'h> {
    fields: &'h [String],
    has_header: bool,
    /// 1-based line of the header (or first record).
    line: u64,
    /// The delimiter as the user would name it, for a hint when the header is one column.
    delimiter: Delimiter,
}

/// The field separators a header of one column may reveal.
const LIKELY_DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

fn delimiter_name(b: u8) -> String {
    match b {
        b'\t' => "tab".into(),
        b => format!("'{}'", b as char),
    }
}

impl Header<'_> {
    fn column(&self, name: &str) -> Result<usize, DataError> {
        if !self.has_header {
            let i = name
                .trim()
                .parse::<usize>()
                .map_err(|_| DataError::InvalidOption {
                    option: "mapping".into(),
                    reason: format!(
                    "column '{name}' is not a 0-based column number, as a file without a header \
                     needs"
                ),
                })?;
            if i >= self.fields.len() {
                return Err(DataError::MissingColumn {
                    column: name.to_string(),
                });
            }
            return Ok(i);
        }
        header_position(self.fields, name, self.line).map_err(|e| self.hint(e, name))
    }

    /// A missing column in a header of one column that holds another likely delimiter: the
    /// delimiter is probably wrong.
    fn hint(&self, e: DataError, name: &str) -> DataError {
        let [only] = self.fields else { return e };
        if !matches!(e, DataError::MissingColumn { .. }) {
            return e;
        }
        let given = match self.delimiter {
            Delimiter::Byte(b) => Some(b),
            Delimiter::Whitespace => None,
        };
        let found = LIKELY_DELIMITERS
            .into_iter()
            .filter(|&d| Some(d) != given)
            .find(|&d| only.as_bytes().contains(&d));
        match found {
            Some(d) => DataError::Csv {
                line: self.line,
                reason: format!(
                    "no column '{}': the header is one column holding {}; is the delimiter {} \
                     (given: {})?",
                    name.trim(),
                    delimiter_name(d),
                    delimiter_name(d),
                    given.map_or("whitespace".into(), delimiter_name)
                ),
            },
            None => e,
        }
    }
}

fn text(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// Parses a number: `Ok(None)` when empty, `Err(())` when the text is not a number (`NaN` and
/// `inf` are numbers, which validation reports as `not_finite`).
fn number(v: &str) -> Result<Option<f64>, ()> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    v.parse::<f64>().map(Some).map_err(|_| ())
}

struct Mapped {
    /// Fields every record must have.
    width: usize,
    customer_id: usize,
    timestamp: usize,
    amount: Option<usize>,
    order_id: Option<usize>,
    quantity: Option<usize>,
    product_id: Option<usize>,
    category: Option<usize>,
    channel: Option<usize>,
}

impl Mapped {
    fn new(mapping: &ColumnMapping, header: &Header) -> Result<Self, DataError> {
        let opt = |name: &Option<String>| name.as_deref().map(|n| header.column(n)).transpose();
        Ok(Mapped {
            width: header.fields.len(),
            customer_id: header.column(&mapping.customer_id)?,
            timestamp: header.column(&mapping.timestamp)?,
            amount: opt(&mapping.amount)?,
            order_id: opt(&mapping.order_id)?,
            quantity: opt(&mapping.quantity)?,
            product_id: opt(&mapping.product_id)?,
            category: opt(&mapping.category)?,
            channel: opt(&mapping.channel)?,
        })
    }

    fn empty_table(&self, date_format: Option<String>) -> CsvTransactions {
        CsvTransactions {
            transactions: RawTransactions {
                amount: self.amount.map(|_| Vec::new()),
                order_id: self.order_id.map(|_| Vec::new()),
                quantity: self.quantity.map(|_| Vec::new()),
                product_id: self.product_id.map(|_| Vec::new()),
                category: self.category.map(|_| Vec::new()),
                channel: self.channel.map(|_| Vec::new()),
                date_format,
                ..Default::default()
            },
            problems: Vec::new(),
        }
    }

    /// Appends one record of `len` fields. A record with another number of fields than the
    /// header is appended empty (its values may be shifted; an empty customer id keeps even
    /// plain [`super::validate()`] from accepting it) and listed as `wrong_field_count`; number
    /// text that does not parse becomes NaN and is listed as `unparseable`.
    fn push<'r>(
        &self,
        table: &mut CsvTransactions,
        len: usize,
        field: impl Fn(usize) -> Option<&'r str>,
    ) {
        let row = table.transactions.len();
        let malformed = len != self.width;
        if malformed {
            table.problems.push(Rejection {
                row,
                field: Field::Event,
                reason: RejectReason::WrongFieldCount {
                    found: len,
                    expected: self.width,
                },
            });
        }
        let field = |i: usize| if malformed { None } else { field(i) };
        let t = &mut table.transactions;
        let txt = |i: usize| field(i).and_then(text);
        t.customer_id.push(txt(self.customer_id));
        t.timestamp.push(txt(self.timestamp));
        let pairs_num = [
            (self.amount, &mut t.amount, Field::Amount),
            (self.quantity, &mut t.quantity, Field::Quantity),
        ];
        for (idx, col, name) in pairs_num {
            if let (Some(i), Some(col)) = (idx, col.as_mut()) {
                let value = field(i).map_or(Ok(None), number).unwrap_or_else(|()| {
                    table.problems.push(Rejection {
                        row,
                        field: name,
                        reason: RejectReason::Unparseable,
                    });
                    Some(f64::NAN)
                });
                col.push(value);
            }
        }
        let pairs_txt = [
            (self.order_id, &mut t.order_id),
            (self.product_id, &mut t.product_id),
            (self.category, &mut t.category),
            (self.channel, &mut t.channel),
        ];
        for (idx, col) in pairs_txt {
            if let (Some(i), Some(col)) = (idx, col.as_mut()) {
                col.push(txt(i));
            }
        }
    }
}

/// A transaction table read from CSV, with the problems found while reading it: records with
/// a wrong number of fields and number text that does not parse. Validate it with
/// [`CsvTransactions::validate`], which reports those rows with their reasons
/// (`wrong_field_count`, `unparseable`); plain [`super::validate()`] of
/// [`CsvTransactions::columns`] still rejects them, less precisely (`missing`, `not_finite`).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CsvTransactions {
    /// The table: row `i` is the `i`-th record after the header.
    pub transactions: RawTransactions,
    /// Rows the reader found bad, by row.
    pub problems: Vec<Rejection>,
}

impl CsvTransactions {
    /// Borrowed column views of the table.
    pub fn columns(&self) -> TransactionColumns<'_> {
        self.transactions.columns()
    }

    /// Number of rows (records after the header).
    pub fn len(&self) -> usize {
        self.transactions.len()
    }

    /// Whether the table has no rows.
    pub fn is_empty(&self) -> bool {
        self.transactions.is_empty()
    }

    /// Validates the table: [`super::validate()`] with the reader's problems reported too, so
    /// that every record is accepted or listed.
    pub fn validate(
        &self,
        options: &ValidationOptions,
    ) -> Result<(Transactions, ValidationReport), DataError> {
        validate_with_intake(&self.columns(), options, &self.problems)
    }
}

/// Reads transactions from CSV text. Every data record becomes one row (row `i` is the `i`-th
/// record after the header), so validation's row numbers point back into the file.
pub fn read_transactions<R: Read>(
    input: R,
    mapping: &ColumnMapping,
    options: &CsvOptions,
) -> Result<CsvTransactions, DataError> {
    if let Some(format) = &options.date_format {
        check_date_format(format)?;
    }
    match options.delimiter {
        Delimiter::Byte(b) => read_delimited(input, mapping, options, b),
        Delimiter::Whitespace => read_whitespace(input, mapping, options),
    }
}

/// Reads transactions from a CSV file. Errors opening or reading it name the path.
pub fn read_transactions_path(
    path: &Path,
    mapping: &ColumnMapping,
    options: &CsvOptions,
) -> Result<CsvTransactions, DataError> {
    let shown = path.display();
    if path.is_dir() {
        return Err(DataError::Io(format!(
            "'{shown}' is a directory, not a file"
        )));
    }
    let file = std::fs::File::open(path)
        .map_err(|e| DataError::Io(format!("cannot open '{shown}': {e}")))?;
    read_transactions(BufReader::new(file), mapping, options).map_err(|e| match e {
        DataError::Csv { line, reason } => DataError::Csv {
            line,
            reason: format!("{reason} (in '{shown}')"),
        },
        other => other,
    })
}

/// A timestamp format must be one chrono understands and must read something: otherwise every
/// row would be rejected as `unparseable_timestamp` for a typo in an option.
fn check_date_format(format: &str) -> Result<(), DataError> {
    use chrono::format::{Item, StrftimeItems};
    let bad = |reason: &str| DataError::InvalidOption {
        option: "date_format".into(),
        reason: reason.into(),
    };
    let items: Vec<Item> = StrftimeItems::new(format).collect();
    if items.iter().any(|i| matches!(i, Item::Error)) {
        return Err(bad("not a chrono strftime format (e.g. %Y-%m-%d %H:%M)"));
    }
    if !items
        .iter()
        .any(|i| matches!(i, Item::Numeric(..) | Item::Fixed(..)))
    {
        return Err(bad("has no date field (e.g. %Y, %m, %d)"));
    }
    Ok(())
}

fn csv_error(e: &csv::Error) -> DataError {
    let line = e.position().map_or(0, |p| p.line());
    let reason = match e.kind() {
        csv::ErrorKind::Utf8 { .. } => "invalid UTF-8".to_string(),
        csv::ErrorKind::Io(io) => io.to_string(),
        _ => "malformed record".to_string(),
    };
    DataError::Csv { line, reason }
}

fn read_delimited<R: Read>(
    input: R,
    mapping: &ColumnMapping,
    options: &CsvOptions,
    delimiter: u8,
) -> Result<CsvTransactions, DataError> {
    // Flexible: a record with another number of fields is read and reported as a row, not an
    // error for the whole file.
    let mut reader = csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(input);
    let mut records = reader.records();
    let first = match records.next() {
        None => return Err(DataError::Empty),
        Some(r) => r.map_err(|e| csv_error(&e))?,
    };
    let fields: Vec<String> = first.iter().map(str::to_string).collect();
    let header = Header {
        fields: &fields,
        has_header: options.has_header,
        line: first.position().map_or(1, |p| p.line()),
        delimiter: options.delimiter,
    };
    let mapped = Mapped::new(mapping, &header)?;
    let mut table = mapped.empty_table(options.date_format.clone());
    if !options.has_header {
        mapped.push(&mut table, first.len(), |i| first.get(i));
    }
    for record in records {
        let record = record.map_err(|e| csv_error(&e))?;
        mapped.push(&mut table, record.len(), |i| record.get(i));
    }
    Ok(table)
}

fn read_whitespace<R: Read>(
    input: R,
    mapping: &ColumnMapping,
    options: &CsvOptions,
) -> Result<CsvTransactions, DataError> {
    let mut lines = BufReader::new(input).lines().enumerate();
    let mut next_line = || -> Result<Option<(u64, String)>, DataError> {
        for (i, line) in lines.by_ref() {
            let line = line.map_err(|e| DataError::Csv {
                line: i as u64 + 1,
                reason: e.to_string(),
            })?;
            if !line.trim().is_empty() {
                return Ok(Some((i as u64 + 1, line)));
            }
        }
        Ok(None)
    };
    let Some((line, first)) = next_line()? else {
        return Err(DataError::Empty);
    };
    let first = first.strip_prefix('\u{feff}').unwrap_or(&first);
    let fields: Vec<String> = first.split_whitespace().map(str::to_string).collect();
    let header = Header {
        fields: &fields,
        has_header: options.has_header,
        line,
        delimiter: options.delimiter,
    };
    let mapped = Mapped::new(mapping, &header)?;
    let mut table = mapped.empty_table(options.date_format.clone());
    if !options.has_header {
        mapped.push(&mut table, fields.len(), |i| {
            fields.get(i).map(String::as_str)
        });
    }
    while let Some((_, line)) = next_line()? {
        let fields: Vec<&str> = line.split_whitespace().collect();
        mapped.push(&mut table, fields.len(), |i| fields.get(i).copied());
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_with_mapping_and_reports_missing_column() {
        let text =
            "cust;when;value;cat\nA;2020-01-01;1.5;x\nB;2020-01-02;oops;\n\"C;1\";2020-01-03;;y\n";
        let mapping = ColumnMapping {
            customer_id: "cust".into(),
            timestamp: "when".into(),
            amount: Some("value".into()),
            category: Some("cat".into()),
            ..Default::default()
        };
        let opts = CsvOptions {
            delimiter: Delimiter::Byte(b';'),
            ..Default::default()
        };
        let t = read_transactions(text.as_bytes(), &mapping, &opts).unwrap();
        assert_eq!(
            t.transactions.customer_id,
            vec![Some("A".into()), Some("B".into()), Some("C;1".into())]
        );
        let amount = t.transactions.amount.clone().unwrap();
        assert_eq!(amount[0], Some(1.5));
        assert!(amount[1].unwrap().is_nan());
        assert_eq!(amount[2], None);
        assert_eq!(t.transactions.category.clone().unwrap()[1], None);
        assert_eq!(
            t.problems,
            vec![Rejection {
                row: 1,
                field: Field::Amount,
                reason: RejectReason::Unparseable
            }]
        );
        let bad = ColumnMapping {
            amount: Some("price".into()),
            ..mapping
        };
        assert_eq!(
            read_transactions(text.as_bytes(), &bad, &opts).unwrap_err(),
            DataError::MissingColumn {
                column: "price".into()
            }
        );
    }

    #[test]
    fn reads_whitespace_without_header() {
        let text = "00004 1 19970101 1 29.33\n00004   1 19970118 1 29.73\n";
        let mapping = ColumnMapping {
            customer_id: "1".into(),
            timestamp: "2".into(),
            amount: Some("4".into()),
            ..Default::default()
        };
        let opts = CsvOptions {
            delimiter: Delimiter::Whitespace,
            has_header: false,
            date_format: Some("%Y%m%d".into()),
        };
        let t = read_transactions(text.as_bytes(), &mapping, &opts).unwrap();
        assert_eq!(t.len(), 2);
        assert_eq!(
            t.transactions.amount.unwrap(),
            vec![Some(29.33), Some(29.73)]
        );
        assert_eq!(
            read_transactions("".as_bytes(), &ColumnMapping::default(), &opts).unwrap_err(),
            DataError::Empty
        );
    }
}
