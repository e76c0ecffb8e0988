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

/// Reads a versioned document of kind `T::KIND` (version and kind checked first) so that an
/// error names the path of the offending node (`rules[0].r`) with serde's message stripped of
/// the values it quotes. (The envelope's flattening would hide the path: the payload is read
/// here from the document without `format_version` and `kind`.)
pub(crate) fn read_document<T: crate::format::Versioned>(text: &str) -> Result<T, crate::Error> {
    use crate::format::{self, FormatError};
    let invalid = |reason: String| FormatError::Invalid {
        kind: T::KIND.to_string(),
        reason,
    };
    let kind = format::peek_kind(text)?;
    if kind != T::KIND {
        return Err(FormatError::WrongKind {
            expected: T::KIND.to_string(),
            found: kind,
        }
        .into());
    }
    let mut body: serde_json::Map<String, serde_json::Value> =
        format::parse_json(text).map_err(invalid)?;
    body.remove("format_version");
    body.remove("kind");
    serde_path_to_error::deserialize(serde_json::Value::Object(body)).map_err(|e| {
        let path = e.path().to_string();
        let reason = format::redact(e.inner());
        let reason = if path == "." || path.is_empty() {
            reason
        } else {
            format!("at {path}: {reason}")
        };
        invalid(reason).into()
    })
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
