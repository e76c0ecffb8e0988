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
