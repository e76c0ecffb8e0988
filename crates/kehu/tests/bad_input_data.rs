//! Bad input at the CSV intake (issue 15): every record is accepted or reported with its row and
//! reason, header problems are typed errors naming the column, messages carry no customer data.

use kehu::data::csv::{
    header_position, read_transactions, read_transactions_path, CsvOptions, CsvTransactions,
    Delimiter,
};
use kehu::data::{validate, ColumnMapping, DataError, Field, RejectReason, ValidationOptions};

fn mapping() -> ColumnMapping {
    ColumnMapping {
        customer_id: "cust".into(),
        timestamp: "when".into(),
        amount: Some("value".into()),
        ..Default::default()
    }
}

fn read(text: &str) -> Result<CsvTransactions, DataError> {
    read_transactions(text.as_bytes(), &mapping(), &CsvOptions::default())
}

fn reasons(t: &CsvTransactions, opts: &ValidationOptions) -> Vec<(usize, &'static str, String)> {
    let (_, report) = t.validate(opts).unwrap();
    assert_eq!(report.accepted + report.rejected.len(), report.total_rows);
    report
        .rejected
        .iter()
        .map(|r| (r.row, r.field.name(), r.reason.code().to_string()))
        .collect()
}

#[test]
fn records_with_a_wrong_number_of_fields_are_reported_not_dropped() {
    let t = read(
        "cust,when,value\n\
         alice@example.com,2024-01-01,10\n\
         bob@example.com,2024-01-02,20,secret-extra\n\
         carol@example.com,2024-01-03\n\
         dave@example.com,2024-01-04,5\n",
    )
    .unwrap();
    assert_eq!(t.len(), 4);
    let got = reasons(&t, &ValidationOptions::default());
    assert_eq!(
        got,
        vec![
            (1, "event", "wrong_field_count".into()),
            (2, "event", "wrong_field_count".into()),
        ]
    );
    let (accepted, report) = t.validate(&ValidationOptions::default()).unwrap();
    assert_eq!((accepted.len(), report.total_rows), (2, 4));
    assert_eq!(
        report.rejected[0].reason,
        RejectReason::WrongFieldCount {
            found: 4,
            expected: 3
        }
    );
    let detail = report.rejected[0].reason.to_string();
    assert!(
        detail.contains("4 fields") && detail.contains('3'),
        "{detail}"
    );
    assert!(
        !detail.contains("secret") && !detail.contains("bob"),
        "{detail}"
    );
    // Even plain validation of the columns never accepts a malformed record.
    let (_, plain) = validate(&t.columns(), &ValidationOptions::default()).unwrap();
    assert_eq!(plain.accepted, 2);
    assert_eq!(plain.rejected.len(), 2);
}

#[test]
fn strict_mode_stops_at_a_malformed_record() {
    let t = read("cust,when,value\na,2024-01-01,1\nb,2024-01-02,2,3\n").unwrap();
    let opts = ValidationOptions {
        strict: true,
        ..Default::default()
    };
    let e = t.validate(&opts).unwrap_err();
    assert_eq!(
        e,
        DataError::Rejected {
            row: 1,
            field: Field::Event,
            reason: RejectReason::WrongFieldCount {
                found: 4,
                expected: 3
            }
        }
    );
    assert_eq!(e.code(), "DATA_REJECTED_ROW");
}

#[test]
fn whitespace_records_are_counted_too() {
    let opts = CsvOptions {
        delimiter: Delimiter::Whitespace,
        has_header: false,
        date_format: Some("%Y%m%d".into()),
    };
    let m = ColumnMapping {
        customer_id: "0".into(),
        timestamp: "1".into(),
        amount: Some("2".into()),
        ..Default::default()
    };
    let t = read_transactions(
        "1 20240101 3\n2 20240102 4 9\n3 20240103\n".as_bytes(),
        &m,
        &opts,
    )
    .unwrap();
    assert_eq!(
        reasons(&t, &ValidationOptions::default()),
        vec![
            (1, "event", "wrong_field_count".into()),
            (2, "event", "wrong_field_count".into())
        ]
    );
}

#[test]
fn unparseable_numbers_are_not_not_finite() {
    let t = read(
        "cust,when,value\n\
         a,2024-01-01,4242.42 some text\n\
         b,2024-01-02,NaN\n\
         c,2024-01-03,inf\n\
         d,2024-01-04,1\n\
         e,2024-01-05,12,5\n",
    )
    .unwrap();
    assert_eq!(
        reasons(&t, &ValidationOptions::default()),
        vec![
            (0, "amount", "unparseable".into()),
            (1, "amount", "not_finite".into()),
            (2, "amount", "not_finite".into()),
            (4, "event", "wrong_field_count".into()),
        ]
    );
    // A row's first problem in column order is reported: a missing id before the amount.
    let t = read("cust,when,value\n,2024-01-01,x\n").unwrap();
    assert_eq!(
        reasons(&t, &ValidationOptions::default()),
        vec![(0, "customer_id", "missing".into())]
    );
    assert_eq!(
        RejectReason::Unparseable.to_string(),
        "text is not a number"
    );
}

#[test]
fn a_duplicate_mapped_column_is_an_error_naming_it() {
    let e = read("cust,when,value,value\na,2024-01-01,1,2\n").unwrap_err();
    assert_eq!(e.code(), "DATA_CSV");
    let msg = e.to_string();
    assert!(msg.contains("'value'") && msg.contains("2 times"), "{msg}");
    // Names compare trimmed: " value" repeats "value".
    assert_eq!(
        read("cust,when,value, value\na,2024-01-01,1,2\n")
            .unwrap_err()
            .code(),
        "DATA_CSV"
    );
    // A repeated column nobody maps is left alone.
    let t = read("cust,when,value,note,note\na,2024-01-01,1,x,y\n").unwrap();
    assert_eq!(t.len(), 1);
    assert_eq!(header_position(&["a", "b", "a"], "b", 1), Ok(1));
    assert!(matches!(
        header_position(&["a", "b"], "c", 1),
        Err(DataError::MissingColumn { .. })
    ));
}

#[test]
fn header_problems_are_explained() {
    // Wrong delimiter: the header is one column holding ';'.
    let e = read("cust;when;value\na;2024-01-01;1\n").unwrap_err();
    assert_eq!(e.code(), "DATA_CSV");
    assert!(e.to_string().contains("';'"), "{e}");
    // A plain missing column stays DATA_MISSING_COLUMN.
    assert_eq!(
        read("cust,when\na,2024-01-01\n").unwrap_err(),
        DataError::MissingColumn {
            column: "value".into()
        }
    );
    // Without a header, columns are numbers.
    let e = read_transactions(
        "a,2024-01-01,1\n".as_bytes(),
        &mapping(),
        &CsvOptions {
            has_header: false,
            ..Default::default()
        },
    )
    .unwrap_err();
    assert_eq!(e.code(), "DATA_INVALID_OPTION");
    // Empty and header-only files have no rows.
    assert_eq!(read("").unwrap_err(), DataError::Empty);
    let header_only = read("cust,when,value\n").unwrap();
    assert_eq!(
        header_only.validate(&Default::default()).unwrap_err(),
        DataError::Empty
    );
}

#[test]
fn bom_crlf_and_blank_lines() {
    let t = read("\u{feff}cust,when,value\r\na,2024-01-01,1\r\n\r\nb,2024-01-02,2\r\n").unwrap();
    assert_eq!(t.len(), 2);
    assert!(reasons(&t, &Default::default()).is_empty());
    let ws = read_transactions(
        "\u{feff}cust when value\r\na 2024-01-01 1\r\n".as_bytes(),
        &mapping(),
        &CsvOptions {
            delimiter: Delimiter::Whitespace,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(ws.len(), 1);
    assert!(reasons(&ws, &Default::default()).is_empty());
}

#[test]
fn a_bad_date_format_is_an_option_error() {
    for format in ["%Q", "no fields"] {
        let e = read_transactions(
            "cust,when,value\na,2024-01-01,1\n".as_bytes(),
            &mapping(),
            &CsvOptions {
                date_format: Some(format.into()),
                ..Default::default()
            },
        )
        .unwrap_err();
        assert_eq!(e.code(), "DATA_INVALID_OPTION", "{format}: {e}");
        assert!(e.to_string().contains("date_format"));
    }
}

#[test]
fn file_errors_name_the_path() {
    let dir = std::env::temp_dir().join(format!("kehu-bad-input-data-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let opts = CsvOptions::default();
    let e = read_transactions_path(&dir, &mapping(), &opts).unwrap_err();
    assert_eq!(e.code(), "DATA_IO");
    assert!(e.to_string().contains(&*dir.to_string_lossy()), "{e}");
    let missing = dir.join("missing.csv");
    let e = read_transactions_path(&missing, &mapping(), &opts).unwrap_err();
    assert!(e.to_string().contains("missing.csv"), "{e}");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, b"cust,when,value\na,2024-01-01,\xff\n").unwrap();
    let e = read_transactions_path(&bad, &mapping(), &opts).unwrap_err();
    assert_eq!(e.code(), "DATA_CSV");
    assert!(e.to_string().contains("bad.csv") && e.to_string().contains("line 2"));
    std::fs::remove_dir_all(&dir).unwrap();
}
