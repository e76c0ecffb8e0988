//! Shared by the golden-vector tests.

use serde_json::Value;
use std::path::PathBuf;

/// Writes `computed` to `testdata/<file>` when `KEHU_REGENERATE_GOLDEN` is set, then checks
/// that the stored file holds exactly the values the core computes now.
pub fn check_golden(file: &str, computed: &Value) {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata")
        .join(file);
    if std::env::var_os("KEHU_REGENERATE_GOLDEN").is_some() {
        std::fs::write(
            &path,
            serde_json::to_string_pretty(computed).unwrap() + "\n",
        )
        .unwrap();
    }
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| {
        panic!("testdata/{file} is missing: run KEHU_REGENERATE_GOLDEN=1 cargo test -p kehu")
    });
    let stored: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        &stored, computed,
        "the core no longer computes the values in testdata/{file}"
    );
}
