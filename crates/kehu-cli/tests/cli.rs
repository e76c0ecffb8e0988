//! The `kehu` binary end to end.

use std::process::Command;

fn kehu(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_kehu"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
    )
}

#[test]
fn demo_runs_and_reports() {
    let (ok, stdout, _) = kehu(&["demo", "--customers", "2000", "--seed", "3"]);
    assert!(ok);
    assert!(
        stdout.contains("customers simulated            2000"),
        "{stdout}"
    );
    for section in [
        "rejected",
        "duplicate_event",
        "Profiles",
        "Weekly RFM summary",
        "Tags",
        "repeat_buyer",
        "model comparison",
        "Pareto/NBD",
        "counted vs BG/NBD's expectation",
        "12-month CLV",
        "Segments (RFM scores",
        "Champions",
        "chosen k =",
        "Lifecycle stages: own cadence",
        "k-prototypes (k = 4",
        "Audiences (rules",
        "not_win_back_but_lapsing",
    ] {
        assert!(stdout.contains(section), "missing {section}");
    }
}

#[test]
fn profile_writes_summary_profiles_and_rejects() {
    let dir = std::env::temp_dir().join(format!("kehu-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let input = dir.join("tx.csv");
    std::fs::write(
        &input,
        "cust,when,value,cat\na,2024-01-01,10,books\na,2024-01-08,20,music\nb,2024-01-02,5,books\nc,bad-date,1,books\n",
    )
    .unwrap();
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let common = [
        "profile",
        "--input",
        &path("tx.csv"),
        "--customer-col",
        "cust",
        "--date-col",
        "when",
        "--amount-col",
        "value",
    ];
    let summary_path = path("s.csv");
    let mut args = common.to_vec();
    args.extend([
        "--summary",
        "--observation-end",
        "2024-01-31",
        "--output",
        &summary_path,
    ]);
    let (ok, _, stderr) = kehu(&args);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("1 rejected"), "{stderr}");
    let summary = std::fs::read_to_string(dir.join("s.csv")).unwrap();
    assert_eq!(summary.lines().nth(1).unwrap(), "a,1,7,30,20");

    let mut args = common.to_vec();
    let rejects = path("rejects.csv");
    let out = path("p.json");
    args.extend([
        "--category-col",
        "cat",
        "--format",
        "json",
        "--output",
        &out,
        "--rejects",
        &rejects,
    ]);
    let (ok, _, stderr) = kehu(&args);
    assert!(ok, "{stderr}");
    let profiles: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("p.json")).unwrap()).unwrap();
    assert_eq!(profiles.as_array().unwrap().len(), 2);
    assert_eq!(profiles[0]["total_spend"], 30.0);
    assert_eq!(profiles[0]["top_categories"][0]["name"], "music");
    let rejected = std::fs::read_to_string(dir.join("rejects.csv")).unwrap();
    assert_eq!(
        rejected.lines().nth(1).unwrap(),
        "3,timestamp,unparseable_timestamp,cannot be parsed as a timestamp in the expected format"
    );

    let (ok, _, stderr) = kehu(&[
        "profile",
        "--input",
        &path("tx.csv"),
        "--customer-col",
        "nope",
        "--date-col",
        "when",
    ]);
    assert!(!ok);
    assert!(stderr.contains("DATA_MISSING_COLUMN"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn value_fit_then_score() {
    let dir = std::env::temp_dir().join(format!("kehu-cli-value-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    // A weekly summary of 400 customers simulated from the CDNOW Pareto/NBD estimates.
    let model = kehu::value::ValueModel::ParetoNbd(
        kehu::value::ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(),
    );
    let t: Vec<f64> = (0..400).map(|i| 26.0 + (i % 27) as f64).collect();
    let s = kehu::value::simulate::simulate_summaries(&model, &t, 11).unwrap();
    let mut csv = String::from("customer_id,frequency,recency,T,monetary_value\n");
    for (i, age) in t.iter().enumerate() {
        let (x, tx) = (s.frequency[i], s.recency[i]);
        let m = 10.0 + (i % 13) as f64;
        csv.push_str(&format!("c{i},{x},{tx},{age},{m}\n"));
    }
    std::fs::write(path("summary.csv"), csv).unwrap();
    for kind in ["bgnbd", "pnbd"] {
        let (ok, _, err) = kehu(&[
            "value",
            "fit",
            "--input",
            &path("summary.csv"),
            "--model",
            kind,
            "--output",
            &path(&format!("{kind}.json")),
        ]);
        assert!(ok, "{err}");
        assert!(
            err.contains("400 customers") && err.contains("converged"),
            "{err}"
        );
    }
    let (ok, _, err) = kehu(&[
        "value",
        "fit",
        "--input",
        &path("summary.csv"),
        "--model",
        "gamma_gamma",
        "--output",
        &path("gg.json"),
    ]);
    assert!(ok, "{err}");
    let (ok, out, err) = kehu(&[
        "value",
        "score",
        "--input",
        &path("summary.csv"),
        "--model",
        &path("pnbd.json"),
        "--spend-model",
        &path("gg.json"),
        "--units-per-month",
        "4.345",
    ]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(
        lines[0],
        "customer_id,expected_purchases,probability_alive,expected_spend,clv"
    );
    assert_eq!(lines.len(), 401);
    assert!(lines[1].starts_with("c0,"));
    // Wrong model for the spend slot; a bad number names its row and column.
    let (ok, _, err) = kehu(&[
        "value",
        "score",
        "--input",
        &path("summary.csv"),
        "--model",
        &path("pnbd.json"),
        "--spend-model",
        &path("bgnbd.json"),
    ]);
    assert!(!ok && err.contains("VALUE_INVALID_OPTION"), "{err}");
    std::fs::write(path("bad.csv"), "frequency,recency,T\n1,2,3\nx,1,2\n").unwrap();
    let (ok, _, err) = kehu(&[
        "value",
        "fit",
        "--input",
        &path("bad.csv"),
        "--model",
        "bgnbd",
    ]);
    assert!(
        !ok && err.contains("row 1") && err.contains("frequency"),
        "{err}"
    );
    assert!(!err.contains("x,1"), "no values in messages: {err}");
}

#[test]
fn segment_writes_scores_stages_clusters_and_audiences() {
    let dir = std::env::temp_dir().join(format!("kehu-cli-segment-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let mut csv = String::from("cust,when,value,cat\n");
    for c in 0..60 {
        for k in 0..(1 + c % 5) {
            let day = 1 + (c * 7 + k * 13) % 150;
            let cat = if k % 2 == 0 { "books" } else { "music" };
            csv.push_str(&format!(
                "c{c},2024-{:02}-{:02},{},{cat}\n",
                1 + day / 30,
                1 + day % 28,
                5 + c % 40
            ));
        }
    }
    csv.push_str("bad,not-a-date,1,books\n");
    std::fs::write(dir.join("tx.csv"), csv).unwrap();
    std::fs::write(
        dir.join("aud.json"),
        r#"{"format_version": 1, "kind": "audiences", "audiences": [
            {"name": "books_twice", "rule": {"events": {"where": [{"property": "category", "op": "=", "value": "books"}], "op": ">=", "value": 2}}},
            {"name": "active_now", "rule": {"segment": "stage", "op": "=", "value": "active"}}]}"#,
    )
    .unwrap();
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let (ok, _, stderr) = kehu(&[
        "segment",
        "--input",
        &path("tx.csv"),
        "--customer-col",
        "cust",
        "--date-col",
        "when",
        "--amount-col",
        "value",
        "--category-col",
        "cat",
        "--clusters",
        "2..3",
        "--audiences",
        &path("aud.json"),
        "--output",
        &path("out.csv"),
    ]);
    assert!(ok, "{stderr}");
    assert!(stderr.contains("1 rejected"), "{stderr}");
    assert!(stderr.contains("clusters: k ="), "{stderr}");
    let out = std::fs::read_to_string(dir.join("out.csv")).unwrap();
    let mut lines = out.lines();
    assert_eq!(
        lines.next().unwrap(),
        "customer_id,recency_days,orders,spend,R,F,M,segment,stage,cluster,books_twice,active_now"
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert_eq!(rows.len(), 60);
    // c4 bought 5 times, 3 of them books.
    let c4 = rows.iter().find(|r| r[0] == "c4").unwrap();
    assert_eq!((c4[2], c4[10]), ("5", "true"));
    let c0 = rows.iter().find(|r| r[0] == "c0").unwrap();
    assert_eq!(c0[10], "false");
    assert!(rows.iter().all(|r| r[11] == (r[8] == "active").to_string()));
    let (ok, _, stderr) = kehu(&[
        "segment",
        "--input",
        &path("tx.csv"),
        "--customer-col",
        "cust",
        "--date-col",
        "when",
        "--clusters",
        "9..3",
    ]);
    assert!(!ok && stderr.contains("SEGMENT_INVALID_OPTION"), "{stderr}");
}
