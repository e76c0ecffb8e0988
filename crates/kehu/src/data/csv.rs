//! Reading a transaction table from CSV (or whitespace-separated) text with a column mapping.

use super::columns::RawTransactions;
use super::DataError;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

/// Which input column holds each field. Names are header names, or 0-based column numbers
/// (`"0"`, `"1"`, …) for a file without a header.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CsvMapping {
    /// Customer id column (required).
    pub customer_id: String,
    /// Timestamp column (required).
    pub timestamp: String,
    /// Amount column.
    pub amount: Option<String>,
    /// Order id column.
    pub order_id: Option<String>,
    /// Quantity column.
    pub quantity: Option<String>,
    /// Product id column.
    pub product_id: Option<String>,
    /// Category column.
    pub category: Option<String>,
    /// Channel column.
    pub channel: Option<String>,
}

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

fn column_index(header: &[String], name: &str, has_header: bool) -> Result<usize, DataError> {
    let found = if has_header {
        header.iter().position(|h| h.trim() == name)
    } else {
        name.parse::<usize>().ok().filter(|&i| i < header.len())
    };
    found.ok_or_else(|| DataError::MissingColumn {
        column: name.to_string(),
    })
}

fn text(v: &str) -> Option<String> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.to_string())
}

/// Parses a number; an unparseable one becomes NaN, which validation reports as `not_finite`.
fn number(v: &str) -> Option<f64> {
    let v = v.trim();
    (!v.is_empty()).then(|| v.parse::<f64>().unwrap_or(f64::NAN))
}

struct Mapped {
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
    fn new(mapping: &CsvMapping, header: &[String], has_header: bool) -> Result<Self, DataError> {
        let opt = |name: &Option<String>| {
            name.as_deref()
                .map(|n| column_index(header, n, has_header))
                .transpose()
        };
        Ok(Mapped {
            customer_id: column_index(header, &mapping.customer_id, has_header)?,
            timestamp: column_index(header, &mapping.timestamp, has_header)?,
            amount: opt(&mapping.amount)?,
            order_id: opt(&mapping.order_id)?,
            quantity: opt(&mapping.quantity)?,
            product_id: opt(&mapping.product_id)?,
            category: opt(&mapping.category)?,
            channel: opt(&mapping.channel)?,
        })
    }

    fn empty_table(&self, date_format: Option<String>) -> RawTransactions {
        RawTransactions {
            amount: self.amount.map(|_| Vec::new()),
            order_id: self.order_id.map(|_| Vec::new()),
            quantity: self.quantity.map(|_| Vec::new()),
            product_id: self.product_id.map(|_| Vec::new()),
            category: self.category.map(|_| Vec::new()),
            channel: self.channel.map(|_| Vec::new()),
            date_format,
            ..Default::default()
        }
    }

    /// Appends one record; a short record leaves its missing fields empty (then reported).
    fn push<'r>(&self, t: &mut RawTransactions, field: impl Fn(usize) -> Option<&'r str>) {
        let txt = |i: usize| field(i).and_then(text);
        t.customer_id.push(txt(self.customer_id));
        t.timestamp.push(txt(self.timestamp));
        let pairs_num = [
            (self.amount, &mut t.amount),
            (self.quantity, &mut t.quantity),
        ];
        for (idx, col) in pairs_num {
            if let (Some(i), Some(col)) = (idx, col.as_mut()) {
                col.push(field(i).and_then(number));
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

/// Reads transactions from CSV text. Every data record becomes one row (row `i` is the `i`-th
/// record after the header), so validation's row numbers point back into the file.
pub fn read_transactions<R: Read>(
    input: R,
    mapping: &CsvMapping,
    options: &CsvOptions,
) -> Result<RawTransactions, DataError> {
    match options.delimiter {
        Delimiter::Byte(b) => read_delimited(input, mapping, options, b),
        Delimiter::Whitespace => read_whitespace(input, mapping, options),
    }
}

/// Reads transactions from a CSV file.
pub fn read_transactions_path(
    path: &Path,
    mapping: &CsvMapping,
    options: &CsvOptions,
) -> Result<RawTransactions, DataError> {
    let file = std::fs::File::open(path).map_err(|e| DataError::Io(e.to_string()))?;
    read_transactions(BufReader::new(file), mapping, options)
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
    mapping: &CsvMapping,
    options: &CsvOptions,
    delimiter: u8,
) -> Result<RawTransactions, DataError> {
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
    let header: Vec<String> = first.iter().map(str::to_string).collect();
    let mapped = Mapped::new(mapping, &header, options.has_header)?;
    let mut table = mapped.empty_table(options.date_format.clone());
    if !options.has_header {
        mapped.push(&mut table, |i| first.get(i));
    }
    for record in records {
        let record = record.map_err(|e| csv_error(&e))?;
        mapped.push(&mut table, |i| record.get(i));
    }
    Ok(table)
}

fn read_whitespace<R: Read>(
    input: R,
    mapping: &CsvMapping,
    options: &CsvOptions,
) -> Result<RawTransactions, DataError> {
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
    let Some((_, first)) = next_line()? else {
        return Err(DataError::Empty);
    };
    let header: Vec<String> = first.split_whitespace().map(str::to_string).collect();
    let mapped = Mapped::new(mapping, &header, options.has_header)?;
    let mut table = mapped.empty_table(options.date_format.clone());
    if !options.has_header {
        let fields: Vec<&str> = first.split_whitespace().collect();
        mapped.push(&mut table, |i| fields.get(i).copied());
    }
    while let Some((_, line)) = next_line()? {
        let fields: Vec<&str> = line.split_whitespace().collect();
        mapped.push(&mut table, |i| fields.get(i).copied());
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
        let mapping = CsvMapping {
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
            t.customer_id,
            vec![Some("A".into()), Some("B".into()), Some("C;1".into())]
        );
        let amount = t.amount.unwrap();
        assert_eq!(amount[0], Some(1.5));
        assert!(amount[1].unwrap().is_nan());
        assert_eq!(amount[2], None);
        assert_eq!(t.category.unwrap()[1], None);
        let bad = CsvMapping {
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
        let mapping = CsvMapping {
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
        assert_eq!(t.amount.unwrap(), vec![Some(29.33), Some(29.73)]);
        assert_eq!(
            read_transactions("".as_bytes(), &CsvMapping::default(), &opts).unwrap_err(),
            DataError::Empty
        );
    }
}
