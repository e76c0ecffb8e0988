//! The versioned JSON envelope shared by every model and configuration kehu writes.
//!
//! A document is a JSON object with `format_version` (an integer), `kind` (what it holds) and the
//! payload's own fields beside them. Only the core reads and writes these documents; bindings pass
//! the JSON text through, so a file saved in one language loads unchanged in every other.

use serde::{de::DeserializeOwned, Deserialize, Serialize};

/// The newest `format_version` this build reads and the one it writes.
pub const FORMAT_VERSION: u32 = 1;

/// Why a JSON document was rejected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum FormatError {
    /// The text is not valid JSON or does not have the fields the kind needs.
    #[error("invalid {kind} document: {reason}")]
    Invalid {
        /// The kind that was expected.
        kind: String,
        /// What is wrong (parser message with line and column).
        reason: String,
    },
    /// The document holds another kind of object.
    #[error("expected a document of kind '{expected}', found '{found}'")]
    WrongKind {
        /// The kind the caller asked for.
        expected: String,
        /// The kind the document declares.
        found: String,
    },
    /// The document was written by a newer kehu.
    #[error("format_version {found} is newer than the newest this build reads ({supported}); upgrade kehu")]
    NewerVersion {
        /// The version in the document.
        found: u32,
        /// The newest version this build reads.
        supported: u32,
    },
}

impl FormatError {
    /// Stable code of the variant.
    pub fn code(&self) -> &'static str {
        match self {
            FormatError::Invalid { .. } => "FORMAT_INVALID",
            FormatError::WrongKind { .. } => "FORMAT_WRONG_KIND",
            FormatError::NewerVersion { .. } => "FORMAT_NEWER_VERSION",
        }
    }
}

/// A payload that can be stored in a versioned document.
pub trait Versioned: Serialize + DeserializeOwned {
    /// The `kind` string written into the document, e.g. `"tag_rules"`.
    const KIND: &'static str;
}

#[derive(Serialize)]
struct EnvelopeOut<'a, T> {
    format_version: u32,
    kind: &'a str,
    #[serde(flatten)]
    body: &'a T,
}

#[derive(Deserialize)]
struct Header {
    format_version: u32,
    kind: String,
}

/// Writes `value` as a pretty-printed versioned document.
pub fn to_json<T: Versioned>(value: &T) -> String {
    let envelope = EnvelopeOut {
        format_version: FORMAT_VERSION,
        kind: T::KIND,
        body: value,
    };
    serde_json::to_string_pretty(&envelope).expect("kehu payloads serialize to JSON")
}

/// serde's message for `e` without the values it quotes (a document's strings may be customer
/// data: `invalid type: string "alice@example.com"` becomes `invalid type, expected f64`),
/// keeping the kind of fault, field names and the line and column.
pub fn redact(e: &serde_json::Error) -> String {
    let message = e.to_string();
    let (text, position) = match message.rfind(" at line ") {
        Some(i) => message.split_at(i),
        None => (message.as_str(), ""),
    };
    let quotes_a_value = [
        "invalid type:",
        "invalid value:",
        "unknown variant",
        "invalid length",
    ]
    .iter()
    .any(|p| text.starts_with(p));
    if !quotes_a_value {
        return message;
    }
    let fault = text.split([':', ' ']).take(2).collect::<Vec<_>>().join(" ");
    let fault = fault.trim_end_matches(':');
    match text.find(", expected ") {
        Some(i) => format!("{fault}{}{position}", &text[i..]),
        None => format!("{fault}{position}"),
    }
}

/// Parses `text` as a `T`; the error names the path of the offending node (`tags[2].when`) and
/// serde's message without the values it quotes ([`redact`]).
pub fn parse_json<T: DeserializeOwned>(text: &str) -> Result<T, String> {
    let mut de = serde_json::Deserializer::from_str(text);
    let value: T = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        let path = e.path().to_string();
        let reason = redact(e.inner());
        if path == "." || path.is_empty() {
            reason
        } else {
            format!("at {path}: {reason}")
        }
    })?;
    de.end().map_err(|e| redact(&e))?;
    Ok(value)
}

fn check_version(found: u32) -> Result<(), FormatError> {
    if found > FORMAT_VERSION {
        return Err(FormatError::NewerVersion {
            found,
            supported: FORMAT_VERSION,
        });
    }
    if found == 0 {
        return Err(FormatError::Invalid {
            kind: "kehu".into(),
            reason: "format_version 0 does not exist; versions start at 1".into(),
        });
    }
    Ok(())
}

/// Reads a versioned document of kind `T::KIND`, checking the version and the kind first. The
/// payload is read from the document without `format_version` and `kind` (not through a
/// flattened envelope, which would hide the path), so an error names the path of the offending
/// node (`rules[0].r`) with serde's message stripped of the values it quotes, and payloads may
/// deny unknown fields.
pub fn from_json<T: Versioned>(text: &str) -> Result<T, FormatError> {
    let invalid = |reason: String| FormatError::Invalid {
        kind: T::KIND.to_string(),
        reason,
    };
    let header: Header = parse_json(text).map_err(invalid)?;
    check_version(header.format_version)?;
    if header.kind != T::KIND {
        return Err(FormatError::WrongKind {
            expected: T::KIND.to_string(),
            found: header.kind,
        });
    }
    let mut body: serde_json::Map<String, serde_json::Value> = parse_json(text).map_err(invalid)?;
    body.remove("format_version");
    body.remove("kind");
    serde_path_to_error::deserialize(serde_json::Value::Object(body)).map_err(|e| {
        let path = e.path().to_string();
        let reason = redact(e.inner());
        invalid(if path == "." || path.is_empty() {
            reason
        } else {
            format!("at {path}: {reason}")
        })
    })
}

/// A shorthand a user may give in place of a whole document: its items as a list, or as the
/// entries of an object in the order they are written.
#[derive(Debug, Clone, PartialEq)]
pub enum Shorthand {
    /// A JSON array.
    List(Vec<serde_json::Value>),
    /// A JSON object's entries, in written order (`serde_json`'s own map sorts its keys).
    Entries(Vec<(String, serde_json::Value)>),
}

struct OrderedEntries(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for OrderedEntries {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = OrderedEntries;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut m: A,
            ) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                while let Some(entry) = m.next_entry()? {
                    entries.push(entry);
                }
                Ok(OrderedEntries(entries))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// Reads what a user gave for a document of kind `T::KIND`: the whole document (an object with
/// `format_version` or `kind`, read by [`from_json`]), or a [`Shorthand`] that `body` turns
/// into the document's payload fields (read as the current version). Text that is neither (a
/// number, a string) is [`from_json`]'s error.
pub fn from_given_json<T: Versioned>(
    text: &str,
    body: impl FnOnce(Shorthand) -> serde_json::Map<String, serde_json::Value>,
) -> Result<T, FormatError> {
    let invalid = |reason: String| FormatError::Invalid {
        kind: T::KIND.to_string(),
        reason,
    };
    let shorthand = match parse_json::<serde_json::Value>(text).map_err(invalid)? {
        serde_json::Value::Object(m)
            if m.contains_key("format_version") || m.contains_key("kind") =>
        {
            return from_json(text)
        }
        serde_json::Value::Object(_) => {
            Shorthand::Entries(parse_json::<OrderedEntries>(text).map_err(invalid)?.0)
        }
        serde_json::Value::Array(items) => Shorthand::List(items),
        _ => return from_json(text),
    };
    let mut doc = body(shorthand);
    doc.insert("format_version".into(), FORMAT_VERSION.into());
    doc.insert("kind".into(), T::KIND.into());
    from_json(&serde_json::Value::Object(doc).to_string())
}

/// Reads only the `kind` of a document (after checking its version), to dispatch on it.
pub fn peek_kind(text: &str) -> Result<String, FormatError> {
    let header: Header = parse_json(text).map_err(|reason| FormatError::Invalid {
        kind: "kehu".to_string(),
        reason,
    })?;
    check_version(header.format_version)?;
    Ok(header.kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Thing {
        x: f64,
    }
    impl Versioned for Thing {
        const KIND: &'static str = "thing";
    }

    #[test]
    fn round_trips_floats_bit_exactly() {
        let t = Thing { x: 0.1 + 0.2 };
        let back: Thing = from_json(&to_json(&t)).unwrap();
        assert_eq!(back.x.to_bits(), t.x.to_bits());
    }

    #[test]
    fn rejects_newer_version_and_wrong_kind() {
        let newer = r#"{"format_version": 99, "kind": "thing", "x": 1.0}"#;
        assert_eq!(
            from_json::<Thing>(newer).unwrap_err(),
            FormatError::NewerVersion {
                found: 99,
                supported: 1
            }
        );
        let other = r#"{"format_version": 1, "kind": "other", "x": 1.0}"#;
        assert!(matches!(
            from_json::<Thing>(other),
            Err(FormatError::WrongKind { .. })
        ));
        assert!(matches!(
            from_json::<Thing>("{not json"),
            Err(FormatError::Invalid { .. })
        ));
        assert!(matches!(
            from_json::<Thing>(r#"{"format_version": 1, "kind": "thing"}"#),
            Err(FormatError::Invalid { .. })
        ));
    }

    #[test]
    fn errors_name_the_node_not_the_value() {
        let doc = r#"{"format_version": 1, "kind": "thing", "x": "alice@example.com"}"#;
        let err = from_json::<Thing>(doc).unwrap_err().to_string();
        assert!(!err.contains("alice"), "{err}");
        assert!(
            err.contains("invalid type") && err.contains("expected f64"),
            "{err}"
        );
        #[derive(Debug, Deserialize)]
        struct Rules {
            #[allow(dead_code)]
            rules: Vec<Thing>,
        }
        let err =
            parse_json::<Rules>(r#"{"rules": [{"x": 1}, {"x": "+44 7700 900123"}]}"#).unwrap_err();
        assert!(err.starts_with("at rules[1].x: invalid type"), "{err}");
        assert!(!err.contains("7700"), "{err}");
        assert!(parse_json::<Rules>(r#"{"rules": []} trailing"#).is_err());
    }

    #[test]
    fn format_version_zero_is_invalid() {
        let zero = r#"{"format_version": 0, "kind": "thing", "x": 1.0}"#;
        assert_eq!(
            from_json::<Thing>(zero).unwrap_err().code(),
            "FORMAT_INVALID"
        );
        assert_eq!(peek_kind(zero).unwrap_err().code(), "FORMAT_INVALID");
    }
}
