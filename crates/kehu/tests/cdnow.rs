//! The CDNOW sample against lifetimes' `summary_data_from_transaction_data` and
//! `calibration_and_holdout_data` (values recorded from lifetimes 0.11.3 at full precision) and
//! against the shared 2-decimal summary for every customer.

use kehu::data::csv::{read_transactions_path, CsvOptions, Delimiter};
use kehu::data::time::parse_timestamp;
use kehu::data::ColumnMapping;
use kehu::data::{validate, CustomerIds, Transactions, ValidationOptions};
use kehu::profile::{calibration_and_holdout, summarize, Freq, HoldoutOptions, SummaryOptions};
use std::path::{Path, PathBuf};

mod shared_data;

fn cdnow_dir() -> Option<PathBuf> {
    shared_data::shared_data("cdnow/CDNOW_sample.txt")
        .map(|file| file.parent().expect("in a folder").to_path_buf())
}

fn load(dir: &Path) -> Transactions {
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
    let raw = read_transactions_path(&dir.join("CDNOW_sample.txt"), &mapping, &opts).unwrap();
    assert_eq!(raw.len(), 6919);
    let opts = ValidationOptions {
        deduplicate: false,
        ..Default::default()
    };
    let (t, report) = validate(&raw.columns(), &opts).unwrap();
    assert_eq!(report.accepted, 6919, "{:?}", report.counts_by_reason());
    t
}

fn ts(s: &str) -> i64 {
    parse_timestamp(s, None).unwrap()
}

fn close(a: f64, b: f64, tol: f64) -> bool {
    (a - b).abs() <= tol * b.abs().max(1.0)
}

#[test]
fn summary_matches_lifetimes() {
    let Some(dir) = cdnow_dir() else { return };
    let t = load(&dir);
    let opts = SummaryOptions {
        freq: Freq::Day,
        freq_multiplier: 7.0,
        observation_period_end: Some(ts("1997-09-30")),
        include_first_transaction: false,
    };
    let s = summarize(&t, &opts).unwrap();
    assert_eq!(s.len(), 2357);
    let after = t
        .timestamp()
        .iter()
        .filter(|&&x| x >= ts("1997-10-01"))
        .count();
    assert_eq!(s.rows_after_end, after);
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    assert!(close(sum(&s.frequency), 2457.0, 1e-12));
    assert!(close(sum(&s.recency), 16135.57142857143, 1e-12));
    assert!(close(sum(&s.t), 77111.28571428571, 1e-12));
    let m = s.monetary_value.as_ref().unwrap();
    assert!(close(sum(m), 33183.643766870584, 1e-12));
    // The file's ids are zero-padded ("0001"); lifetimes reads them as integers.
    let CustomerIds::Text(ids) = &s.customer_ids else {
        panic!("text ids")
    };
    let row = |id: &str| {
        let padded = format!("{:04}", id.parse::<u32>().unwrap());
        ids.iter().position(|x| *x == padded).unwrap()
    };
    let expected = [
        ("1", [2.0, 30.428571428571427, 38.857142857142854, 22.345]),
        ("100", [1.0, 23.857142857142858, 38.285714285714285, 26.22]),
        (
            "1000",
            [
                4.0,
                24.428571428571427,
                33.57142857142857,
                16.259999999999998,
            ],
        ),
        ("2357", [0.0, 0.0, 27.0, 0.0]),
    ];
    for (id, [f, r, tt, mv]) in expected {
        let i = row(id);
        assert_eq!(s.frequency[i], f);
        assert!(
            close(s.recency[i], r, 1e-9) && close(s.t[i], tt, 1e-9) && close(m[i], mv, 1e-9),
            "{id}"
        );
    }
    // Every customer against the shared 2-decimal summary.
    let text = std::fs::read_to_string(dir.join("cdnow_customers_summary.csv")).unwrap();
    let mut checked = 0;
    for line in text.lines().skip(1) {
        let v: Vec<&str> = line.split(',').collect();
        let i = row(v[0]);
        let [f, r, tt]: [f64; 3] = [v[1], v[2], v[3]].map(|x| x.parse().unwrap());
        assert_eq!(s.frequency[i], f, "customer {}", v[0]);
        assert!(
            (s.recency[i] - r).abs() <= 0.005 + 1e-9,
            "customer {}",
            v[0]
        );
        assert!((s.t[i] - tt).abs() <= 0.005 + 1e-9, "customer {}", v[0]);
        checked += 1;
    }
    assert_eq!(checked, 2357);
}

#[test]
fn weekly_summary_matches_lifetimes() {
    let Some(dir) = cdnow_dir() else { return };
    let t = load(&dir);
    let opts = SummaryOptions {
        freq: Freq::Week,
        observation_period_end: Some(ts("1997-09-30")),
        ..Default::default()
    };
    let s = summarize(&t, &opts).unwrap();
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    assert_eq!(sum(&s.frequency), 2248.0);
    assert_eq!(sum(&s.recency), 16580.0);
    assert_eq!(sum(&s.t), 77748.0);
    assert!(close(
        sum(s.monetary_value.as_ref().unwrap()),
        35559.25234065994,
        1e-12
    ));
}

#[test]
fn calibration_holdout_matches_lifetimes() {
    let Some(dir) = cdnow_dir() else { return };
    let t = load(&dir);
    let opts = HoldoutOptions {
        calibration_period_end: ts("1997-09-30"),
        observation_period_end: Some(ts("1998-06-30")),
        freq: Freq::Day,
        freq_multiplier: 7.0,
        include_first_transaction: false,
    };
    let ch = calibration_and_holdout(&t, &opts).unwrap();
    assert_eq!(ch.calibration.len(), 2357);
    let sum = |v: &[f64]| v.iter().sum::<f64>();
    assert!(close(sum(&ch.calibration.t), 77111.28571428571, 1e-12));
    assert_eq!(sum(&ch.frequency_holdout), 1882.0);
    assert!(close(
        sum(ch.monetary_value_holdout.as_ref().unwrap()),
        24901.080244160927,
        1e-12
    ));
    assert_eq!(ch.duration_holdout, 39.0);
    let CustomerIds::Text(ids) = &ch.calibration.customer_ids else {
        panic!("text ids")
    };
    let i = ids.iter().position(|x| x == "0001").unwrap();
    assert_eq!(ch.frequency_holdout[i], 1.0);
    assert!(close(
        ch.monetary_value_holdout.as_ref().unwrap()[i],
        26.48,
        1e-12
    ));
}
