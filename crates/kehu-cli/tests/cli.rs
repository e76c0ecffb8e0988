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
