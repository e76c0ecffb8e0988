//! How errors about users' documents (audiences, segment maps, lifecycle rules) show what they
//! name: identifiers are shown, anything that could be customer data is not.

/// A name from a user's document as an error may show it: names that read as identifiers
/// (a letter or `_` first, then letters, digits, `_`, `-`, `.`, at most 64 characters) are shown
/// quoted; anything else (it could be customer data put in the wrong place) is not.
pub(crate) fn shown(name: &str) -> String {
    let mut chars = name.chars();
    let identifier = name.len() <= 64
        && chars
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if identifier {
        format!("'{name}'")
    } else {
        "(a name not shown)".into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_shown_and_data_is_not() {
        assert_eq!(shown("total_spend"), "'total_spend'");
        assert_eq!(shown("=>"), "(a name not shown)");
        assert_eq!(shown("alice@example.com"), "(a name not shown)");
        assert_eq!(shown("+44 7700 900123"), "(a name not shown)");
        assert_eq!(shown("4477009001"), "(a name not shown)");
    }
}
