//! The customer table: one row per customer with typed attributes and per-channel consent.

use super::DataError;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

/// The values of one attribute column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", content = "values", rename_all = "snake_case")]
pub enum Attribute {
    /// Numbers.
    Numeric(Vec<Option<f64>>),
    /// Categories (text labels).
    Categorical(Vec<Option<String>>),
    /// Yes/no flags.
    Boolean(Vec<Option<bool>>),
    /// Dates as days since 1970-01-01.
    Date(Vec<Option<i64>>),
}

impl Attribute {
    fn len(&self) -> usize {
        match self {
            Attribute::Numeric(v) => v.len(),
            Attribute::Categorical(v) => v.len(),
            Attribute::Boolean(v) => v.len(),
            Attribute::Date(v) => v.len(),
        }
    }
}

/// One attribute value as a binding received it, before its column's kind is known. Bindings
/// hand a column over as a JSON array of these: `null`, a boolean, a number, a string,
/// `{"date": days since 1970-01-01}` (a calendar date; `{"date": null}`: an invalid date),
/// `{"time": µs since the epoch}` (an instant, such as a date-time object holds: its date is the
/// UTC day, in every binding) or `{"other": "type"}` for a value of another type.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum GivenValue {
    /// A yes/no flag.
    Flag(bool),
    /// A number.
    Number(f64),
    /// Text.
    Text(String),
    /// A date, or `None` for an invalid one.
    Date {
        /// Days since 1970-01-01.
        date: Option<i64>,
    },
    /// An instant, or `None` for an invalid one; an attribute keeps its UTC day.
    Time {
        /// µs since 1970-01-01T00:00Z.
        time: Option<i64>,
    },
    /// A value of a type no attribute holds (named by its type).
    Other {
        /// The value's type.
        other: String,
    },
}

impl GivenValue {
    pub(crate) fn kind(&self) -> String {
        match self {
            GivenValue::Flag(_) => "a boolean".into(),
            GivenValue::Number(_) => "a number".into(),
            GivenValue::Text(_) => "text".into(),
            GivenValue::Date { .. } | GivenValue::Time { .. } => "a date".into(),
            GivenValue::Other { other } => format!("a value of type {other}"),
        }
    }
}

impl Attribute {
    /// The one rule for an attribute column's kind, in every binding: the kind of its first
    /// present value (numbers: numeric, flags: boolean, dates: date, text: categorical); every
    /// other present value must be of that kind, and dates must be valid. The error names the
    /// attribute and the row, never the value.
    pub fn infer(name: &str, values: &[Option<GivenValue>]) -> Result<Attribute, DataError> {
        let wrong = |row: usize, expected: &str, found: &str| DataError::WrongType {
            column: name.to_string(),
            expected: format!("{expected} (the type of its first value)"),
            found: format!("{found} in row {row}"),
        };
        let first = values.iter().flatten().next();
        macro_rules! column {
            ($variant:ident, $pattern:pat => $value:expr, $expected:expr) => {
                Attribute::$variant(
                    values
                        .iter()
                        .enumerate()
                        .map(|(row, v)| match v {
                            None => Ok(None),
                            Some($pattern) => Ok(Some($value)),
                            Some(other) => Err(wrong(row, $expected, &other.kind())),
                        })
                        .collect::<Result<_, _>>()?,
                )
            };
        }
        Ok(match first {
            None | Some(GivenValue::Number(_)) => {
                column!(Numeric, GivenValue::Number(x) => *x, "a number")
            }
            Some(GivenValue::Flag(_)) => column!(Boolean, GivenValue::Flag(b) => *b, "a boolean"),
            Some(GivenValue::Text(_)) => {
                column!(Categorical, GivenValue::Text(t) => t.clone(), "text")
            }
            Some(GivenValue::Date { .. } | GivenValue::Time { .. }) => Attribute::Date(
                values
                    .iter()
                    .enumerate()
                    .map(|(row, v)| match v {
                        None => Ok(None),
                        Some(GivenValue::Date { date: Some(d) }) => Ok(Some(*d)),
                        Some(GivenValue::Time { time: Some(t) }) => {
                            Ok(Some(crate::data::time::day_of(*t)))
                        }
                        Some(GivenValue::Date { date: None } | GivenValue::Time { time: None }) => {
                            Err(wrong(row, "a valid date", "an invalid date"))
                        }
                        Some(other) => Err(wrong(row, "a date", &other.kind())),
                    })
                    .collect::<Result<_, _>>()?,
            ),
            Some(other @ GivenValue::Other { .. }) => {
                let row = values.iter().position(Option::is_some).unwrap_or(0);
                return Err(wrong(row, "a number, boolean, date or text", &other.kind()));
            }
        })
    }

    /// [`infer`](Self::infer) on a column handed over as JSON text (an array of `null` and
    /// [`GivenValue`]s).
    pub fn infer_json(name: &str, json: &str) -> Result<Attribute, DataError> {
        let values: Vec<Option<GivenValue>> =
            crate::format::parse_json(json).map_err(|reason| DataError::InvalidOption {
                option: format!("attribute '{name}'"),
                reason,
            })?;
        Attribute::infer(name, &values)
    }
}

/// Customers with attributes and consent flags; every column has one value per customer.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct CustomerTable {
    ids: Vec<String>,
    attributes: Vec<(String, Attribute)>,
    consent: Vec<(String, Vec<bool>)>,
}

impl CustomerTable {
    /// A table of these customers. Ids must be present and unique: the error names the first
    /// row that repeats (or lacks) an id, never the id itself.
    pub fn new(ids: Vec<String>) -> Result<Self, DataError> {
        let mut seen: FxHashMap<&str, usize> = FxHashMap::default();
        for (row, id) in ids.iter().enumerate() {
            if id.trim().is_empty() {
                return Err(DataError::InvalidOption {
                    option: "customer_id".into(),
                    reason: format!("row {row} has no customer id"),
                });
            }
            if let Some(first) = seen.insert(id.as_str(), row) {
                return Err(DataError::InvalidOption {
                    option: "customer_id".into(),
                    reason: format!("row {row} repeats the customer id of row {first}"),
                });
            }
        }
        Ok(CustomerTable {
            ids,
            ..Default::default()
        })
    }

    fn check(&self, name: &str, len: usize) -> Result<(), DataError> {
        if len != self.ids.len() {
            return Err(DataError::LengthMismatch {
                column: name.to_string(),
                expected: self.ids.len(),
                found: len,
            });
        }
        let taken = self.attributes.iter().any(|(n, _)| n == name)
            || self
                .consent
                .iter()
                .any(|(n, _)| format!("consent_{n}") == name);
        if taken {
            return Err(DataError::InvalidOption {
                option: name.to_string(),
                reason: "a column of this name already exists".into(),
            });
        }
        Ok(())
    }

    /// A table of `ids` with the attribute columns `attributes` (each one value per customer).
    pub fn with_attributes(
        ids: Vec<String>,
        attributes: Vec<(String, Attribute)>,
    ) -> Result<Self, DataError> {
        let mut table = CustomerTable::new(ids)?;
        for (name, values) in attributes {
            table.add_attribute(&name, values)?;
        }
        Ok(table)
    }

    /// Adds an attribute column.
    pub fn add_attribute(&mut self, name: &str, values: Attribute) -> Result<(), DataError> {
        self.check(name, values.len())?;
        self.attributes.push((name.to_string(), values));
        Ok(())
    }

    /// Adds the consent flags of one channel (`email`, `sms`, `push`, …); the column is listed as
    /// `consent_<channel>`.
    pub fn add_consent(&mut self, channel: &str, flags: Vec<bool>) -> Result<(), DataError> {
        self.check(&format!("consent_{channel}"), flags.len())?;
        self.consent.push((channel.to_string(), flags));
        Ok(())
    }

    /// Number of customers.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// Whether the table is empty.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }

    /// Customer ids.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }

    /// Attribute columns by name.
    pub fn attributes(&self) -> &[(String, Attribute)] {
        &self.attributes
    }

    /// The attribute column `name`.
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, a)| a)
    }

    /// Consent flags by channel.
    pub fn consent(&self) -> &[(String, Vec<bool>)] {
        &self.consent
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_kinds_follow_the_first_present_value() {
        let read = |json: &str| Attribute::infer_json("age", json);
        assert_eq!(
            read("[null, 40, 41.5]"),
            Ok(Attribute::Numeric(vec![None, Some(40.0), Some(41.5)]))
        );
        assert_eq!(
            read("[true, null]"),
            Ok(Attribute::Boolean(vec![Some(true), None]))
        );
        assert_eq!(
            read(r#"["a", null]"#),
            Ok(Attribute::Categorical(vec![Some("a".into()), None]))
        );
        assert_eq!(
            read(r#"[{"date": 3}, null]"#),
            Ok(Attribute::Date(vec![Some(3), None]))
        );
        // An instant keeps its UTC day: 1970-01-04T23:30Z is day 3, 1969-12-31T23:00Z day -1.
        let day = crate::data::time::MICROS_PER_DAY;
        assert_eq!(
            read(&format!(
                r#"[{{"time": {}}}, {{"date": 5}}, {{"time": -3600000000}}]"#,
                4 * day - 1_800_000_000
            )),
            Ok(Attribute::Date(vec![Some(3), Some(5), Some(-1)]))
        );
        assert_eq!(read("[null]"), Ok(Attribute::Numeric(vec![None])));
        for (json, row) in [
            (r#"[{"time": 0}, {"time": null}]"#, 1),
            (r#"[40, "41"]"#, 1),
            (r#"["a", 1]"#, 1),
            (r#"[{"date": 3}, {"date": null}]"#, 1),
            (r#"[null, {"other": "list"}]"#, 1),
        ] {
            let e = read(json).unwrap_err();
            assert_eq!(e.code(), "DATA_WRONG_TYPE");
            let m = e.to_string();
            assert!(
                m.contains("'age'") && m.contains(&format!("row {row}")) && !m.contains("41"),
                "{m}"
            );
        }
    }

    #[test]
    fn checks_ids_and_lengths() {
        assert!(CustomerTable::new(vec!["a".into(), "a".into()])
            .unwrap_err()
            .to_string()
            .contains("row 1 repeats"));
        let mut t = CustomerTable::new(vec!["a".into(), "b".into()]).unwrap();
        t.add_attribute("age", Attribute::Numeric(vec![Some(30.0), None]))
            .unwrap();
        assert_eq!(
            t.add_attribute("x", Attribute::Boolean(vec![Some(true)]))
                .unwrap_err()
                .code(),
            "DATA_LENGTH_MISMATCH"
        );
        assert!(t
            .add_attribute("age", Attribute::Numeric(vec![None, None]))
            .is_err());
        t.add_consent("email", vec![true, false]).unwrap();
        assert_eq!(t.consent()[0].1, vec![true, false]);
    }
}
