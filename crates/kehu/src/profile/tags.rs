//! Rule tags (标签): named conditions on profile fields, configured in a versioned JSON document.
//!
//! ```json
//! {"format_version": 1, "kind": "tag_rules", "tags": [
//!   {"name": "high_value", "when": "monetary_value >= 500"},
//!   {"name": "loyal_not_returning", "when": {"all": ["orders >= 5", {"not": "return_ratio > 0.2"}]}}
//! ]}
//! ```
//! A comparison is `field op number` with `op` one of `>=`, `<=`, `>`, `<`, `==`, `!=`; a field
//! without a value (e.g. `interval_std_days` with fewer than two gaps) makes it false.

use super::features::CustomerProfile;
use super::ProfileError;
use crate::format::{self, Versioned};
use serde::{Deserialize, Serialize};

/// A condition tree.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Condition {
    /// `field op number`.
    Compare(String),
    /// True when every part is.
    All {
        /// The parts.
        all: Vec<Condition>,
    },
    /// True when any part is.
    Any {
        /// The parts.
        any: Vec<Condition>,
    },
    /// True when the part is not.
    Not {
        /// The part.
        not: Box<Condition>,
    },
}

/// One named tag.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagRule {
    /// The tag's name.
    pub name: String,
    /// When a customer has it.
    pub when: Condition,
}

/// A set of tag rules, checked when loaded.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TagRules {
    /// The rules, in output order.
    pub tags: Vec<TagRule>,
}

impl Versioned for TagRules {
    const KIND: &'static str = "tag_rules";
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Ge,
    Le,
    Gt,
    Lt,
    Eq,
    Ne,
}

fn parse_compare(text: &str) -> Result<(String, Op, f64), String> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [field, op, value] = parts[..] else {
        return Err(format!("'{text}' is not of the form 'field op number'"));
    };
    if CustomerProfile::NUMERIC_FIELDS.iter().all(|f| *f != field) && field != "T" {
        return Err(format!(
            "unknown field '{field}'; known: {}",
            CustomerProfile::NUMERIC_FIELDS.join(", ")
        ));
    }
    let op = match op {
        ">=" => Op::Ge,
        "<=" => Op::Le,
        ">" => Op::Gt,
        "<" => Op::Lt,
        "==" => Op::Eq,
        "!=" => Op::Ne,
        other => return Err(format!("unknown operator '{other}'")),
    };
    let value: f64 = value
        .parse()
        .ok()
        .filter(|v: &f64| v.is_finite())
        .ok_or_else(|| format!("'{value}' is not a finite number"))?;
    Ok((field.to_string(), op, value))
}

impl Condition {
    fn check(&self) -> Result<(), String> {
        match self {
            Condition::Compare(text) => parse_compare(text).map(|_| ()),
            Condition::All { all: parts } | Condition::Any { any: parts } => {
                parts.iter().try_for_each(Condition::check)
            }
            Condition::Not { not } => not.check(),
        }
    }

    /// Whether the profile meets the condition (the condition must have been checked).
    pub fn matches(&self, p: &CustomerProfile) -> bool {
        match self {
            Condition::Compare(text) => {
                let Ok((field, op, value)) = parse_compare(text) else {
                    return false;
                };
                let Some(x) = p.numeric(&field) else {
                    return false;
                };
                match op {
                    Op::Ge => x >= value,
                    Op::Le => x <= value,
                    Op::Gt => x > value,
                    Op::Lt => x < value,
                    Op::Eq => x == value,
                    Op::Ne => x != value,
                }
            }
            Condition::All { all } => all.iter().all(|c| c.matches(p)),
            Condition::Any { any } => any.iter().any(|c| c.matches(p)),
            Condition::Not { not } => !not.matches(p),
        }
    }
}

impl TagRules {
    /// Checks every rule: names present and unique, fields known, operators and numbers valid.
    pub fn new(tags: Vec<TagRule>) -> Result<Self, ProfileError> {
        for (i, rule) in tags.iter().enumerate() {
            let fail = |reason: String| ProfileError::InvalidRule {
                tag: rule.name.clone(),
                reason,
            };
            if rule.name.trim().is_empty() {
                return Err(fail(format!("tag {i} has no name")));
            }
            if tags[..i].iter().any(|r| r.name == rule.name) {
                return Err(fail("the name is used twice".into()));
            }
            rule.when.check().map_err(fail)?;
        }
        Ok(TagRules { tags })
    }

    /// Reads and checks a `tag_rules` document.
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        let raw: TagRules = format::from_json(text)?;
        Ok(TagRules::new(raw.tags)?)
    }

    /// Reads and checks tag rules as a user gives them: a `tag_rules` document, its payload alone
    /// (`{"tags": [...]}`), a list of rules (`[{"name": ..., "when": ...}]`) or an object of
    /// conditions by tag name (`{"vip": "monetary_value >= 500"}`, in written order).
    pub fn from_given_json(text: &str) -> Result<Self, crate::Error> {
        let raw: TagRules = format::from_given_json(text, |given| match given {
            format::Shorthand::List(rules) => {
                [("tags".to_string(), rules.into())].into_iter().collect()
            }
            format::Shorthand::Entries(e) if e.iter().any(|(k, _)| k == "tags") => {
                e.into_iter().collect()
            }
            format::Shorthand::Entries(e) => {
                let rules = e
                    .into_iter()
                    .map(|(name, when)| serde_json::json!({"name": name, "when": when}))
                    .collect::<Vec<_>>();
                [("tags".to_string(), rules.into())].into_iter().collect()
            }
        })?;
        Ok(TagRules::new(raw.tags)?)
    }

    /// Writes the rules as a versioned document.
    pub fn to_json(&self) -> String {
        format::to_json(self)
    }

    /// The names of the tags a profile has, in rule order.
    pub fn evaluate(&self, p: &CustomerProfile) -> Vec<&str> {
        self.tags
            .iter()
            .filter(|r| r.when.matches(p))
            .map(|r| r.name.as_str())
            .collect()
    }

    /// How many profiles have each tag, in rule order.
    pub fn count(&self, profiles: &[CustomerProfile]) -> Vec<(String, usize)> {
        use rayon::prelude::*;
        self.tags
            .iter()
            .map(|r| {
                let n = profiles.par_iter().filter(|p| r.when.matches(p)).count();
                (r.name.clone(), n)
            })
            .collect()
    }
}
