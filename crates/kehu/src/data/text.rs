//! How values that are not text become text (customer ids, categories, labels), by one rule in
//! every binding, so that a model fitted in one language reads the same categories in another.

/// A number as text: the shortest decimal that reads back as the same `f64`, without an
/// exponent and without a trailing `.0` (`1.0` is "1", `2.5` is "2.5", `1e21` is
/// "1000000000000000000000"), as an integer id of the same value is written. `-0.0` is "0".
/// NaN and infinities have no text: `None` (a missing value for validation to report).
pub fn number_text(x: f64) -> Option<String> {
    x.is_finite().then(|| (x + 0.0).to_string())
}

/// A boolean as text: "true" or "false".
pub fn flag_text(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_integer_ids_do() {
        assert_eq!(number_text(1.0).as_deref(), Some("1"));
        assert_eq!(number_text(2.5).as_deref(), Some("2.5"));
        assert_eq!(number_text(-0.0).as_deref(), Some("0"));
        assert_eq!(number_text(1e21).as_deref(), Some("1000000000000000000000"));
        assert_eq!(
            number_text(0.1 + 0.2).as_deref(),
            Some("0.30000000000000004")
        );
        assert_eq!(number_text(f64::NAN), None);
        assert_eq!(number_text(f64::INFINITY), None);
        assert_eq!((flag_text(true), flag_text(false)), ("true", "false"));
    }
}
