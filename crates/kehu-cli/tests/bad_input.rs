//! The `kehu` binary on bad input (issue 15): clear typed errors naming options, paths, rows and
//! columns (never customer data), no panics, no silently dropped rows.

use std::path::{Path, PathBuf};
use std::process::Command;

fn kehu(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kehu"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A scratch directory per test.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kehu-bad-input-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn file(dir: &Path, name: &str, text: &[u8]) -> String {
    let p = dir.join(name);
    std::fs::write(&p, text).unwrap();
    p.to_string_lossy().into_owned()
}

const GOOD: &str = "cust,when,value\n\
    alice@example.com,2024-01-01,10\n\
    alice@example.com,2024-02-01,20\n\
    bob@example.com,2024-01-05,5\n\
    carol@example.com,2024-01-07,7\n\
    carol@example.com,2024-03-07,9\n\
    dave@example.com,2024-02-07,3\n";

fn input_args(input: &str) -> Vec<String> {
    [
        "--input",
        input,
        "--customer-col",
        "cust",
        "--date-col",
        "when",
        "--amount-col",
        "value",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

fn run(cmd: &[&str], input: &str, extra: &[&str]) -> (bool, String, String) {
    let mut args: Vec<String> = cmd.iter().map(|s| s.to_string()).collect();
    args.extend(input_args(input));
    args.extend(extra.iter().map(|s| s.to_string()));
    let refs: Vec<&str> = args.iter().map(String::as_str).collect();
    kehu(&refs)
}

fn no_customer_data(stderr: &str) {
    for secret in ["alice", "bob", "carol", "dave", "example.com", "secret"] {
        assert!(!stderr.contains(secret), "customer data in: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn map_and_stages_name_the_path_and_the_built_ins() {
    let d = dir("names");
    let input = file(&d, "tx.csv", GOOD.as_bytes());
    let (ok, _, err) = run(&["segment"], &input, &["--map", "bogus"]);
    assert!(!ok);
    assert!(err.contains("--map 'bogus'"), "{err}");
    assert!(err.contains("rf10") && err.contains("rfm8"), "{err}");
    let missing = d.join("maps").join("x.json");
    let missing = missing.to_string_lossy();
    let (ok, _, err) = run(&["segment"], &input, &["--map", &missing]);
    assert!(!ok && err.contains(&*missing), "{err}");
    let (ok, _, err) = run(&["segment"], &input, &["--stages", "weird"]);
    assert!(!ok);
    assert!(err.contains("--stages 'weird'"), "{err}");
    assert!(err.contains("days") && err.contains("cadence"), "{err}");
    // The alive rule needs P(alive), which `kehu segment` has not.
    let (ok, _, err) = run(&["segment"], &input, &["--stages", "alive"]);
    assert!(
        !ok && err.contains("'stages'") && err.contains("P(alive)"),
        "{err}"
    );
    // A file that is not a valid document: the error names the option and path.
    let bad = file(&d, "bad.json", b"{");
    for option in ["--map", "--stages", "--audiences"] {
        let (ok, _, err) = run(&["segment"], &input, &[option, &bad]);
        assert!(!ok && err.contains(&format!("{option} '{bad}'")), "{err}");
    }
    let (ok, _, err) = run(&["profile"], &input, &["--tags", &bad]);
    assert!(!ok && err.contains(&format!("--tags '{bad}'")), "{err}");
    let (ok, _, err) = run(&["segment"], &input, &["--map", &d.to_string_lossy()]);
    assert!(!ok && err.contains("directory"), "{err}");
    let (ok, _, _) = run(&["segment"], &input, &["--map", "rfm8", "--stages", "days"]);
    assert!(ok);
}

#[test]
fn wrong_field_counts_and_unparseable_amounts_are_reported() {
    let d = dir("fields");
    let input = file(
        &d,
        "tx.csv",
        b"cust,when,value\n\
          alice@example.com,2024-01-01,10\n\
          bob@example.com,2024-01-02,20,secret\n\
          carol@example.com,2024-01-03\n\
          dave@example.com,2024-01-04,4242.42 secret text\n\
          dave@example.com,2024-01-05,NaN\n\
          dave@example.com,2024-01-06,3\n",
    );
    let rejects = d.join("rejects.csv").to_string_lossy().into_owned();
    let (ok, _, err) = run(&["profile"], &input, &["--rejects", &rejects]);
    assert!(ok, "{err}");
    assert!(err.contains("6 read, 2 accepted, 4 rejected"), "{err}");
    assert!(err.contains("wrong_field_count: 2"), "{err}");
    assert!(
        err.contains("unparseable: 1") && err.contains("not_finite: 1"),
        "{err}"
    );
    no_customer_data(&err);
    let text = std::fs::read_to_string(&rejects).unwrap();
    assert_eq!(
        text.lines().collect::<Vec<_>>(),
        vec![
            "row,field,reason,detail",
            "1,event,wrong_field_count,the record has 4 fields where the header has 3",
            "2,event,wrong_field_count,the record has 2 fields where the header has 3",
            "3,amount,unparseable,text is not a number",
            "4,amount,not_finite,value is NaN or infinite",
        ]
    );
}

#[test]
fn a_duplicate_mapped_header_is_an_error() {
    let d = dir("dup");
    let input = file(&d, "tx.csv", b"cust,when,value,value\na,2024-01-01,1,2\n");
    let (ok, _, err) = run(&["profile"], &input, &[]);
    assert!(!ok);
    assert!(err.contains("DATA_CSV") && err.contains("'value'"), "{err}");
    assert!(err.contains("2 times"), "{err}");
    // Also in the summary read by `kehu value`.
    let summary = file(
        &d,
        "s.csv",
        b"customer_id,frequency,recency,T,T\na,1,2,3,4\n",
    );
    let (ok, _, err) = kehu(&["value", "fit", "--input", &summary, "--model", "bgnbd"]);
    assert!(
        !ok && err.contains("'T'") && err.contains(&summary),
        "{err}"
    );
}

#[test]
fn empty_header_only_bom_crlf_and_delimiters() {
    let d = dir("shapes");
    for (name, text) in [
        ("empty.csv", &b""[..]),
        ("header.csv", b"cust,when,value\n"),
    ] {
        let input = file(&d, name, text);
        let (ok, _, err) = run(&["profile"], &input, &[]);
        assert!(
            !ok && err.contains("DATA_EMPTY") && err.contains(name),
            "{err}"
        );
    }
    let bom = file(
        &d,
        "bom.csv",
        b"\xef\xbb\xbfcust,when,value\r\nalice@example.com,2024-01-01,10\r\n\r\n",
    );
    let (ok, out, err) = run(&["profile"], &bom, &[]);
    assert!(ok && err.contains("1 read, 1 accepted"), "{err}");
    assert!(out.lines().count() == 2, "{out}");
    // Wrong delimiter: the error says which one the header suggests.
    let semi = file(&d, "semi.csv", b"cust;when;value\na;2024-01-01;1\n");
    let (ok, _, err) = run(&["profile"], &semi, &[]);
    assert!(!ok && err.contains("delimiter ';'"), "{err}");
    let (ok, _, err) = run(&["profile"], &semi, &["--delimiter", ";;"]);
    assert!(!ok && err.contains("'delimiter'"), "{err}");
    let (ok, _, err) = run(&["profile"], &semi, &["--delimiter", ";", "--no-header"]);
    assert!(!ok && err.contains("0-based"), "{err}");
}

#[test]
fn input_and_output_paths_are_named() {
    let d = dir("paths");
    let input = file(&d, "tx.csv", GOOD.as_bytes());
    let dir_path = d.to_string_lossy().into_owned();
    let (ok, _, err) = run(&["profile"], &dir_path, &[]);
    assert!(
        !ok && err.contains(&dir_path) && err.contains("directory"),
        "{err}"
    );
    let missing = d.join("missing.csv").to_string_lossy().into_owned();
    let (ok, _, err) = run(&["profile"], &missing, &[]);
    assert!(!ok && err.contains(&missing), "{err}");
    let nowhere = d.join("no").join("out.csv").to_string_lossy().into_owned();
    for option in ["--output", "--rejects"] {
        let (ok, _, err) = run(&["profile"], &input, &[option, &nowhere]);
        assert!(
            !ok && err.contains(&format!("{option} '{nowhere}'")),
            "{err}"
        );
        let (ok, _, err) = run(&["profile"], &input, &[option, &dir_path]);
        assert!(!ok && err.contains("directory"), "{err}");
    }
    let (ok, _, err) = run(&["segment"], &input, &["--output", &nowhere]);
    assert!(!ok && err.contains(&nowhere), "{err}");
    let (ok, _, err) = kehu(&["value", "fit", "--input", &missing, "--model", "bgnbd"]);
    assert!(!ok && err.contains(&missing), "{err}");
    let (ok, _, err) = kehu(&["value", "score", "--input", &input, "--model", &missing]);
    assert!(
        !ok && err.contains(&format!("--model '{missing}'")),
        "{err}"
    );
    // --input missing altogether: clap's usage error.
    let (ok, _, err) = kehu(&["profile", "--customer-col", "c", "--date-col", "d"]);
    assert!(!ok && err.contains("--input"), "{err}");
}

#[test]
fn cluster_counts_are_checked_without_panics() {
    let d = dir("clusters");
    let input = file(&d, "tx.csv", GOOD.as_bytes());
    for spec in ["0..0", "9..2", "1..3", "0", "x", "2..x"] {
        let (ok, _, err) = run(&["segment"], &input, &["--clusters", spec]);
        assert!(!ok && err.contains("'clusters'"), "{spec}: {err}");
        no_customer_data(&err);
    }
    // More clusters than customers, and a range that would not fit in memory.
    for spec in ["100000000000", "2..99999999999999", "2..4"] {
        let (ok, _, err) = run(&["segment"], &input, &["--clusters", spec]);
        assert!(!ok, "{spec}");
        assert!(
            err.contains("'clusters'") && err.contains("4 customers"),
            "{err}"
        );
        no_customer_data(&err);
    }
    let (ok, out, err) = run(&["segment"], &input, &["--clusters", "2"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("customer_id,"), "{out}");
}

#[test]
fn value_options_reach_the_core_checks() {
    let d = dir("value");
    let summary = file(
        &d,
        "s.csv",
        b"customer_id,frequency,recency,T,monetary_value\n\
          a,2,5,10,20\nb,0,0,8,0\nc,3,7,9,15\nd,1,2,9,5\n",
    );
    let (ok, _, err) = kehu(&["value", "fit", "--input", &summary, "--model", "weird"]);
    assert!(
        !ok && err.contains("'model'") && err.contains("bgnbd"),
        "{err}"
    );
    let model = d.join("m.json").to_string_lossy().into_owned();
    let (ok, _, err) = kehu(&[
        "value", "fit", "--input", &summary, "--model", "bgnbd", "--output", &model,
    ]);
    assert!(ok, "{err}");
    for horizon in ["-5", "NaN", "inf"] {
        let (ok, _, err) = kehu(&[
            "value",
            "score",
            "--input",
            &summary,
            "--model",
            &model,
            "--horizon",
            horizon,
        ]);
        assert!(!ok && err.contains("'horizon'"), "{horizon}: {err}");
    }
    let (ok, _, err) = kehu(&[
        "value",
        "fit",
        "--input",
        &summary,
        "--model",
        "bgnbd",
        "--penalizer",
        "-1",
    ]);
    assert!(!ok && err.contains("'penalizer'"), "{err}");
    // Summary rows with another number of fields, or not a number.
    let short = file(
        &d,
        "short.csv",
        b"customer_id,frequency,recency,T\na,1,2,3\nb,1,2\n",
    );
    let (ok, _, err) = kehu(&["value", "fit", "--input", &short, "--model", "bgnbd"]);
    assert!(
        !ok && err.contains("line 3") && err.contains(&short),
        "{err}"
    );
    let text = file(
        &d,
        "text.csv",
        b"customer_id,frequency,recency,T\nalice@example.com,1,2,secret\n",
    );
    let (ok, _, err) = kehu(&["value", "fit", "--input", &text, "--model", "bgnbd"]);
    assert!(!ok && err.contains("row 0") && err.contains("'T'"), "{err}");
    no_customer_data(&err);
}

#[test]
fn profile_options_and_all_rows_rejected() {
    let d = dir("profile");
    let input = file(&d, "tx.csv", GOOD.as_bytes());
    let (ok, _, err) = run(
        &["profile"],
        &input,
        &["--summary", "--freq-multiplier", "-1"],
    );
    assert!(!ok && err.contains("'freq_multiplier'"), "{err}");
    let (ok, _, err) = run(&["profile"], &input, &["--date-format", "%Q"]);
    assert!(!ok && err.contains("'date_format'"), "{err}");
    // Every row rejected: the first one is named, no later "no data" puzzle.
    let (ok, _, err) = run(&["profile"], &input, &["--date-format", "%d/%m/%Y"]);
    assert!(!ok, "{err}");
    assert!(
        err.contains("DATA_REJECTED_ROW") && err.contains("row 0"),
        "{err}"
    );
    no_customer_data(&err);
    let (ok, _, err) = run(&["profile"], &input, &["--freq", "Q", "--summary"]);
    assert!(!ok && err.contains("'freq'"), "{err}");
    let (ok, _, err) = run(&["profile"], &input, &["--observation-end", "yesterday"]);
    assert!(!ok && err.contains("'observation_end'"), "{err}");
}

// ---- value models (issue 15, value/) ----

fn value(args: &[&str]) -> (bool, String, String) {
    let mut all = vec!["value"];
    all.extend_from_slice(args);
    kehu(&all)
}

const SUMMARY_HEAD: &str = "customer_id,frequency,recency,T,monetary_value\n";

/// A clean simulated base as a transaction CSV with the `GOOD` columns, every customer acquired
/// within the observation (so some first buy on the last day).
fn simulated_csv(d: &Path, customers: usize, days: u32) -> String {
    use std::fmt::Write;
    let data = kehu::simulate::simulate(&kehu::simulate::SimulationConfig {
        customers,
        seed: 1,
        dirty_rate: 0.0,
        return_rate: 0.0,
        acquisition_days: days,
        observation_days: days,
        ..Default::default()
    })
    .unwrap();
    let t = &data.transactions;
    let amount = t.amount.as_ref().unwrap();
    let mut text = String::from("cust,when,value\n");
    for ((id, when), value) in t.customer_id.iter().zip(&t.timestamp).zip(amount) {
        writeln!(
            text,
            "{},{},{}",
            id.as_deref().unwrap(),
            when.as_deref().unwrap(),
            value.unwrap()
        )
        .unwrap();
    }
    file(d, "sim.csv", text.as_bytes())
}

/// The number in column `name` of a CSV line under `header`.
fn field(header: &str, line: &str, name: &str) -> f64 {
    let c = header.split(',').position(|h| h == name).unwrap();
    line.split(',').nth(c).unwrap().parse().unwrap()
}

fn params(model_json: &str) -> serde_json::Value {
    serde_json::from_str(model_json).unwrap()
}

#[test]
fn customers_first_seen_on_the_last_day_fit_bgnbd() {
    let d = dir("t0");
    let input = simulated_csv(&d, 2000, 120);
    let (ok, summary, err) = run(&["profile"], &input, &["--summary"]);
    assert!(ok, "{err}");
    let mut lines = summary.lines();
    let header = lines.next().unwrap();
    let rows: Vec<&str> = lines.collect();
    let (zero, rest): (Vec<&str>, Vec<&str>) =
        rows.iter().partition(|l| field(header, l, "T") == 0.0);
    assert!(!zero.is_empty(), "no T = 0 customer in the summary");
    assert!(zero
        .iter()
        .all(|l| field(header, l, "frequency") == 0.0 && field(header, l, "recency") == 0.0));
    let with = file(&d, "summary.csv", summary.as_bytes());
    let without = file(
        &d,
        "rest.csv",
        format!("{header}\n{}\n", rest.join("\n")).as_bytes(),
    );
    let (ok, model, err) = value(&["fit", "--input", &with, "--model", "bgnbd"]);
    assert!(ok, "{err}");
    assert!(
        err.contains(&format!("bgnbd: {} customers", rows.len())) && err.contains(", converged"),
        "{err}"
    );
    assert!(err.contains(" ± "), "no standard errors: {err}");
    // Their likelihood term is 1: the fit is the one without them.
    let (ok, model_rest, err) = value(&["fit", "--input", &without, "--model", "bgnbd"]);
    assert!(ok, "{err}");
    let (a, b) = (params(&model), params(&model_rest));
    for name in ["r", "alpha", "a", "b"] {
        let (a, b) = (a[name].as_f64().unwrap(), b[name].as_f64().unwrap());
        assert!((a - b).abs() <= 1e-6 * b.abs(), "{name}: {a} vs {b}");
    }
}

#[test]
fn value_score_checks_every_row_and_names_it() {
    let d = dir("score");
    let bg = file(
        &d,
        "bg.json",
        br#"{"format_version": 1, "kind": "bgnbd", "r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}"#,
    );
    let pn = file(
        &d,
        "pn.json",
        br#"{"format_version": 1, "kind": "pnbd", "r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}"#,
    );
    let gg = file(
        &d,
        "gg.json",
        br#"{"format_version": 1, "kind": "gamma_gamma", "p": 6.25, "q": 3.74, "gamma": 15.44}"#,
    );
    let summary = |name: &str, bad: &str| {
        let text = format!("{SUMMARY_HEAD}alice@example.com,2,5,30,20\n{bad}\n");
        file(&d, name, text.as_bytes())
    };
    let late = summary("late.csv", "bob@example.com,3,40,30,15");
    let negative_t = summary("negative_t.csv", "bob@example.com,3,4,-30,15");
    let negative_spend = summary("negative_spend.csv", "bob@example.com,2,5,30,-104");
    for model in [&bg, &pn] {
        for (input, what) in [
            (&late, "row 1, field 'recency'"),
            (&negative_t, "row 1, field 'T'"),
        ] {
            let (ok, out, err) = value(&["score", "--input", input, "--model", model]);
            assert!(!ok && out.is_empty(), "{out}");
            assert!(
                err.contains("error [VALUE_INVALID_DATA]") && err.contains(what),
                "{err}"
            );
            no_customer_data(&err);
        }
        let spend = ["--spend-model", gg.as_str()];
        let mut args = vec!["score", "--input", &negative_spend, "--model", model];
        // Without a spend model the spend is not read; with one it is checked.
        let (ok, _, err) = value(&args);
        assert!(ok, "{err}");
        args.extend(spend);
        let (ok, _, err) = value(&args);
        assert!(!ok, "{err}");
        assert!(
            err.contains("error [VALUE_INVALID_DATA]")
                && err.contains("row 1, field 'monetary_value'"),
            "{err}"
        );
        no_customer_data(&err);
        // No repeat purchases: the expected spend is the population mean p·γ/(q − 1), whatever
        // the spend given; a customer first seen at T = 0 is scored, alive for sure.
        let good = summary("good.csv", "bob,0,0,30,0\ncarol,0,0,30,37\ndave,0,0,0,0");
        let (ok, out, err) = value(&[
            "score",
            "--input",
            &good,
            "--model",
            model,
            "--spend-model",
            &gg,
        ]);
        assert!(ok, "{err}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 5, "{out}");
        let mean = 6.25 * 15.44 / (3.74 - 1.0);
        for line in &lines[2..] {
            let spend = field(lines[0], line, "expected_spend");
            assert!((spend - mean).abs() <= 1e-12 * mean, "{line}");
        }
        assert_eq!(field(lines[0], lines[4], "probability_alive"), 1.0, "{out}");
    }
}

#[test]
fn amounts_whose_sums_would_overflow_are_rejected_not_summed() {
    let d = dir("overflow");
    let input = file(
        &d,
        "tx.csv",
        b"cust,when,value\n\
          alice@example.com,2024-01-01,1e308\n\
          alice@example.com,2024-01-02,1e308\n\
          alice@example.com,2024-01-03,1e308\n\
          bob@example.com,2024-01-04,5\n",
    );
    let rejects = d.join("rejects.csv").to_string_lossy().into_owned();
    let (ok, out, err) = run(&["profile"], &input, &["--rejects", &rejects]);
    assert!(ok, "{err}");
    assert!(err.contains("4 read, 1 accepted, 3 rejected"), "{err}");
    assert!(err.contains("too_large: 3"), "{err}");
    no_customer_data(&err);
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    assert!(lines[1].starts_with("bob@example.com,"), "{out}");
    assert_eq!(field(lines[0], lines[1], "total_spend"), 5.0, "{out}");
    assert!(!out.to_lowercase().contains("inf"), "{out}");
    let text = std::fs::read_to_string(&rejects).unwrap();
    let rows: Vec<&str> = text.lines().skip(1).collect();
    assert_eq!(rows.len(), 3, "{text}");
    for (i, row) in rows.iter().enumerate() {
        assert!(row.starts_with(&format!("{i},amount,too_large,")), "{text}");
    }
    // The lifetimes summary rejects them too, rather than summing to inf.
    let (ok, out, err) = run(&["profile"], &input, &["--summary"]);
    assert!(ok, "{err}");
    assert!(err.contains("too_large: 3"), "{err}");
    assert_eq!(out.lines().count(), 2, "{out}");
    assert!(!out.to_lowercase().contains("inf"), "{out}");
}

#[test]
fn value_fit_without_repeat_purchases_is_not_identified() {
    let d = dir("zero");
    let mut text = String::from(SUMMARY_HEAD);
    for i in 0..10 {
        text.push_str(&format!("c{i},0,0,30,0\n"));
    }
    let input = file(&d, "s.csv", text.as_bytes());
    for model in ["bgnbd", "mbgnbd", "pnbd", "bgbb"] {
        let (ok, out, err) = value(&["fit", "--input", &input, "--model", model]);
        assert!(!ok && out.is_empty(), "{model}: {out}");
        assert!(
            err.contains("error [VALUE_NOT_IDENTIFIED]"),
            "{model}: {err}"
        );
    }
}

#[test]
fn pareto_nbd_at_its_limit_ends_and_says_so() {
    let d = dir("limit");
    let x = [0, 1, 2, 3, 0, 5, 1, 7, 2, 0];
    let tx = [0, 5, 10, 20, 0, 28, 3, 29, 15, 0];
    let mut text = String::from(SUMMARY_HEAD);
    for i in 0..10 {
        text.push_str(&format!("c{i},{},{},30,10\n", x[i], tx[i]));
    }
    let input = file(&d, "s.csv", text.as_bytes());
    let model = d.join("pnbd.json").to_string_lossy().into_owned();
    let (ok, _, err) = value(&[
        "fit", "--input", &input, "--model", "pnbd", "--output", &model,
    ]);
    assert!(ok, "{err}");
    assert!(err.contains("NOT converged"), "{err}");
    // The reasons are printed too, as Python and Node give them.
    assert!(
        err.contains("warning: ") && err.contains("no standard errors"),
        "{err}"
    );
    // No standard errors at the boundary (never 0 or NaN).
    assert!(!err.contains('±') && !err.contains("NaN"), "{err}");
    let p = params(&std::fs::read_to_string(&model).unwrap());
    let rate = p["r"].as_f64().unwrap() / p["alpha"].as_f64().unwrap();
    assert!((rate - 0.128).abs() < 0.002, "{p}");
    // The model at its limit still scores customers, also those whose last purchase is at T
    // (alive for sure), the one first seen at T = 0 among them.
    text.push_str("late,3,30,30,10\nnew,0,0,0,0\n");
    let more = file(&d, "more.csv", text.as_bytes());
    let (ok, out, err) = value(&["score", "--input", &more, "--model", &model]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 13, "{out}");
    for line in &lines[1..] {
        let alive = field(lines[0], line, "probability_alive");
        assert!((0.0..=1.0).contains(&alive), "{line}");
    }
    for line in &lines[11..] {
        assert_eq!(field(lines[0], line, "probability_alive"), 1.0, "{line}");
    }
}
