//! The real data sets of `../shared/data` (next to the clone), which some tests read.

use std::path::PathBuf;

/// The path of `../shared/data/<relative>` when it exists. When it is absent the test is
/// skipped with a message in a user's fresh clone (`None`), but in CI (`CI=true`) a missing
/// data set fails the test: it must never pass without having run.
pub fn shared_data(relative: &str) -> Option<PathBuf> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data")
        .join(relative);
    if path.exists() {
        return Some(path);
    }
    if std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("../shared/data/{relative} is missing in CI: the data-dependent test cannot run");
    }
    eprintln!(
        "SKIPPED: ../shared/data/{relative} is absent (a fresh clone); this test did not run"
    );
    None
}
