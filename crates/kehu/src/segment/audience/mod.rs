//! Rule audiences (the CDP audience builder): named rules over profile fields, customer
//! attributes, segments, purchase events and other audiences, in a versioned JSON document.
//!
//! ```json
//! {"format_version": 1, "kind": "audiences", "audiences": [
//!   {"name": "shoe_fans", "rule": {"events": {"within_days": 30, "aggregate": "count",
//!     "where": [{"property": "category", "op": "=", "value": "shoes"}], "op": ">=", "value": 2}}},
//!   {"name": "vip_shoe_fans", "rule": {"and": [
//!     {"audience": "shoe_fans"},
//!     {"field": "total_spend", "op": ">=", "value": 500},
//!     {"attribute": "city", "op": "in", "value": ["Beijing", "Shanghai"]},
//!     {"not": {"segment": "rfm", "op": "=", "value": "Hibernating"}}]}}
//! ]}
//! ```
//! - Nodes: `and` / `or` (non-empty lists), `not`; `field` (a numeric profile field),
//!   `attribute` (a customer attribute), `segment` (a named segmentation), each with `op` and
//!   `value`; `events` (an aggregate of the customer's purchases, optionally within the last
//!   `within_days` days before the evaluation time and filtered by `where` conditions on the same
//!   event, compared with `op` and `value`); `audience` (another audience of the document).
//! - Operators: `=`, `!=`, `<`, `<=`, `>`, `>=`, `in`, `not_in` (a list), `between` (`[low,
//!   high]`, both included), `is_missing`, `is_present` (no value). Dates compare with
//!   `"YYYY-MM-DD"` texts. Any comparison but `is_missing` is false on a missing value.
//! - Events are purchases: rows with a negative amount (returns) are left out.
//! - Aggregates: `count` (events), `sum` / `avg` / `min` / `max` of `amount` or `quantity`,
//!   `distinct` values of any property (`category`, `channel`, `product_id`, `order_id`, `amount`,
//!   `quantity`). `avg`, `min` and `max` of no events are missing (false).
//! - Invalid documents are rejected when loaded with the offending node's path, e.g.
//!   `audience 'vip', rule.and[2]: unknown operator '=>'`; cycles of references are rejected.
//!   Rules never echo customer data in errors.
//!
//! Layout: `document` (the serde types of the document), `compile` (checking rules and
//! compiling them to node trees, references and their order), `evaluate` (the rules against one
//! customer's facts; [`OneCustomer`]), `population` ([`Population`], every customer's facts
//! for bulk evaluation); this module holds [`Audiences`], the public entry point.

mod compile;
mod document;
mod evaluate;
mod population;

use super::names::shown;
use super::SegmentError;
use crate::format;
use compile::{compile, evaluation_order, Node};
use document::AudienceDocument;
use evaluate::{eval, Facts};
use population::RowFacts;
use rayon::prelude::*;
use rustc_hash::FxHashMap;

pub use document::AudienceDefinition;
pub use evaluate::{AttributeValue, OneCustomer, PurchaseEvent};
pub use population::{Population, SegmentColumn};

/// Customer ids (`None`: missing, reported by row) and their named attribute columns.
pub type CustomerColumns = (
    Vec<Option<String>>,
    Vec<(String, crate::data::customers::Attribute)>,
);

/// Customer ids and attribute columns as a binding receives them: each column as JSON text of
/// the core's given values, whose kind the core infers ([`Attribute::infer_json`]).
///
/// [`Attribute::infer_json`]: crate::data::customers::Attribute::infer_json
pub fn given_customers(
    ids: Vec<Option<String>>,
    attributes: Vec<(String, String)>,
) -> Result<CustomerColumns, crate::data::DataError> {
    let columns = attributes
        .into_iter()
        .map(|(name, values)| {
            crate::data::customers::Attribute::infer_json(&name, &values).map(|c| (name, c))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok((ids, columns))
}

/// Everything a binding hands over to evaluate audiences over a base of customers: the
/// evaluation time as text (read by the core's one rule for time options), the customer
/// table's ids and attribute columns, raw transaction columns with their validation options,
/// and segmentations. The pipeline (customer table, validation, profiles, evaluation) is
/// [`Audiences::evaluate_inputs`], the same in every binding.
pub struct AudienceInputs<'a> {
    /// When to evaluate (ISO 8601).
    pub as_of: &'a str,
    /// Customer ids (a missing one is reported by row) and their attribute columns.
    pub customers: Option<CustomerColumns>,
    /// Raw transactions and how to validate them.
    pub transactions: Option<(
        &'a crate::data::TransactionColumns<'a>,
        &'a crate::data::ValidationOptions,
    )>,
    /// Segmentations by name.
    pub segments: Vec<SegmentColumn>,
}

/// A checked set of audiences.
#[derive(Debug, Clone, PartialEq)]
pub struct Audiences {
    definitions: Vec<AudienceDefinition>,
    rules: Vec<Node>,
    /// Evaluation order: every audience after those it refers to.
    order: Vec<usize>,
}

/// An invalid audiences document (`reason` names the audience and node).
fn invalid(reason: String) -> SegmentError {
    SegmentError::InvalidRule { reason }
}

impl Audiences {
    /// Checks definitions: names present and unique, every node valid, references resolved
    /// and free of cycles.
    pub fn new(definitions: Vec<AudienceDefinition>) -> Result<Self, SegmentError> {
        let mut index: FxHashMap<&str, usize> = FxHashMap::default();
        for (i, d) in definitions.iter().enumerate() {
            if d.name.trim().is_empty() {
                return Err(invalid(format!("audience {i} has no name")));
            }
            if index.insert(d.name.as_str(), i).is_some() {
                return Err(invalid(format!(
                    "audience {i} ({}) has the name of an earlier one",
                    shown(&d.name)
                )));
            }
        }
        let rules = definitions
            .iter()
            .map(|d| {
                compile(&d.rule, "rule", &index)
                    .map_err(|e| invalid(format!("audience {}, {e}", shown(&d.name))))
            })
            .collect::<Result<Vec<_>, _>>()?;
        let order = evaluation_order(&definitions, &rules)?;
        Ok(Audiences {
            definitions,
            rules,
            order,
        })
    }

    /// Reads an `audiences` document.
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        let doc: AudienceDocument = crate::format::from_json(text)?;
        Ok(Audiences::new(doc.audiences)?)
    }

    /// Reads and checks audiences as a user gives them: an `audiences` document, a list of
    /// definitions (`[{"name": ..., "rule": ...}]`) or an object of rules by audience name (in
    /// written order).
    pub fn from_given_json(text: &str) -> Result<Self, crate::Error> {
        let doc: AudienceDocument = format::from_given_json(text, |given| {
            let list = match given {
                format::Shorthand::List(items) => items,
                format::Shorthand::Entries(e) => e
                    .into_iter()
                    .map(|(name, rule)| serde_json::json!({"name": name, "rule": rule}))
                    .collect(),
            };
            [("audiences".to_string(), list.into())]
                .into_iter()
                .collect()
        })?;
        Ok(Audiences::new(doc.audiences)?)
    }

    /// Writes the audiences as a versioned document.
    pub fn to_json(&self) -> String {
        format::to_json(&AudienceDocument {
            audiences: self.definitions.clone(),
        })
    }

    /// The audiences' names, in document order.
    pub fn names(&self) -> Vec<&str> {
        self.definitions.iter().map(|d| d.name.as_str()).collect()
    }

    fn evaluate_facts(&self, facts: &dyn Facts) -> Result<Vec<bool>, SegmentError> {
        let mut done = vec![false; self.rules.len()];
        for &a in &self.order {
            done[a] =
                eval(&self.rules[a], facts, &done).map_err(|e| SegmentError::InvalidOption {
                    option: "audience".into(),
                    reason: format!("audience {}, {e}", shown(&self.definitions[a].name)),
                })?;
        }
        Ok(done)
    }

    /// Membership of one customer in every audience (document order).
    pub fn evaluate_one(&self, customer: &OneCustomer) -> Result<Vec<bool>, SegmentError> {
        self.evaluate_facts(customer)
    }

    /// The whole audience pipeline on what a binding received: the customer table, the
    /// transactions validated (their report returned), profiles as of `as_of`, and every
    /// customer's membership.
    pub fn evaluate_inputs(
        &self,
        inputs: AudienceInputs,
    ) -> Result<(Membership, Option<crate::data::ValidationReport>), crate::Error> {
        let as_of = crate::data::time::parse_time_option("as_of", Some(inputs.as_of), None)?
            .expect("a time was given");
        let customers = inputs
            .customers
            .map(|(ids, attributes)| {
                // A missing id is an empty one, which the table reports by row.
                let ids = ids.into_iter().map(Option::unwrap_or_default).collect();
                crate::data::customers::CustomerTable::with_attributes(ids, attributes)
            })
            .transpose()?;
        let (transactions, report) = match inputs.transactions {
            None => (None, None),
            Some((columns, options)) => {
                let (t, r) = crate::data::validate(columns, options)?;
                (Some(t), Some(r))
            }
        };
        let population = Population::new(
            customers.as_ref(),
            transactions,
            &inputs.segments,
            as_of,
            &Default::default(),
        )?;
        Ok((self.evaluate(&population)?, report))
    }

    /// Membership of every customer of `population` in every audience, in parallel.
    pub fn evaluate(&self, population: &Population) -> Result<Membership, SegmentError> {
        self.check_names(population)?;
        let rows: Vec<Vec<bool>> = (0..population.ids.len())
            .into_par_iter()
            .map(|row| self.evaluate_facts(&RowFacts { population, row }))
            .collect::<Result<_, _>>()?;
        let members = (0..self.rules.len())
            .map(|a| rows.iter().map(|r| r[a]).collect())
            .collect();
        Ok(Membership {
            names: self.names().iter().map(|s| s.to_string()).collect(),
            ids: population.ids.clone(),
            members,
        })
    }

    /// Every attribute and segment a rule names must exist in the population.
    fn check_names(&self, population: &Population) -> Result<(), SegmentError> {
        fn walk(node: &Node, p: &Population) -> Result<(), String> {
            match node {
                Node::And(v) | Node::Or(v) => v.iter().try_for_each(|n| walk(n, p)),
                Node::Not(n) => walk(n, p),
                Node::Attribute { path, name, .. } => p
                    .attributes
                    .iter()
                    .any(|(n, _)| n == name)
                    .then_some(())
                    .ok_or_else(|| format!("{path}: unknown attribute {}", shown(name))),
                Node::Segment { path, name, .. } => p
                    .segments
                    .iter()
                    .any(|(n, _)| n == name)
                    .then_some(())
                    .ok_or_else(|| format!("{path}: unknown segmentation {}", shown(name))),
                _ => Ok(()),
            }
        }
        for (d, rule) in self.definitions.iter().zip(&self.rules) {
            walk(rule, population).map_err(|e| SegmentError::InvalidOption {
                option: "audience".into(),
                reason: format!("audience {}, {e}", shown(&d.name)),
            })?;
        }
        Ok(())
    }
}

/// Audience membership: `members[a][row]` for audience `names[a]` and customer `ids[row]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Membership {
    /// Audience names.
    pub names: Vec<String>,
    /// Customer ids.
    pub ids: Vec<String>,
    /// Per audience, per customer.
    pub members: Vec<Vec<bool>>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::time::MICROS_PER_DAY;
    use serde_json::{json, Value as Json};

    fn audiences(defs: Json) -> Result<Audiences, SegmentError> {
        let defs: Vec<AudienceDefinition> = serde_json::from_value(defs).unwrap();
        Audiences::new(defs)
    }

    const DAY: i64 = MICROS_PER_DAY;

    fn shopper(events: &[(i64, f64, &str)]) -> OneCustomer {
        OneCustomer {
            events: events
                .iter()
                .map(|(day, amount, cat)| PurchaseEvent {
                    timestamp: day * DAY,
                    amount: Some(*amount),
                    category: Some(cat.to_string()),
                    ..Default::default()
                })
                .collect(),
            as_of: 100 * DAY,
            ..Default::default()
        }
    }

    #[test]
    fn event_windows_filters_and_aggregates() {
        let a = audiences(json!([
            {"name": "shoes_twice_30d", "rule": {"events": {"within_days": 30,
                "where": [{"property": "category", "op": "=", "value": "shoes"}], "op": ">=", "value": 2}}},
            {"name": "big_spender", "rule": {"events": {"aggregate": "sum", "of": "amount", "op": ">", "value": 100}}},
            {"name": "varied", "rule": {"events": {"aggregate": "distinct", "of": "category", "op": ">=", "value": 3}}},
            {"name": "avg_between", "rule": {"events": {"aggregate": "avg", "of": "amount", "op": "between", "value": [20, 40]}}},
        ]))
        .unwrap();
        // Day 60 is outside the 30-day window ending on day 100; day 120 is after it.
        let c = shopper(&[
            (60, 10.0, "shoes"),
            (75, 30.0, "shoes"),
            (99, 50.0, "shoes"),
            (80, 20.0, "bags"),
            (120, 500.0, "hats"),
        ]);
        assert_eq!(a.evaluate_one(&c).unwrap(), [true, true, false, true]);
        let c = shopper(&[(75, 30.0, "shoes"), (50, 10.0, "hats"), (40, 1.0, "bags")]);
        assert_eq!(a.evaluate_one(&c).unwrap(), [false, false, true, false]);
        // No events: counts and sums are 0, an average is missing.
        assert_eq!(a.evaluate_one(&shopper(&[])).unwrap(), [false; 4]);
    }

    #[test]
    fn attributes_segments_references_and_missing_values() {
        let a = audiences(json!([
            {"name": "vip", "rule": {"and": [
                {"audience": "city"},
                {"attribute": "age", "op": "between", "value": [18, 35]},
                {"not": {"segment": "rfm", "op": "in", "value": ["Hibernating", "Lost"]}}]}},
            {"name": "city", "rule": {"attribute": "city", "op": "in", "value": ["Beijing", "Shanghai"]}},
            {"name": "no_age", "rule": {"attribute": "age", "op": "is_missing"}},
            {"name": "joined_2024", "rule": {"attribute": "joined", "op": ">=", "value": "2024-01-01"}},
            {"name": "opted_in", "rule": {"attribute": "newsletter", "op": "=", "value": true}},
        ]))
        .unwrap();
        assert_eq!(a.names()[0], "vip");
        let mut c = OneCustomer::default();
        c.attributes
            .insert("city".into(), AttributeValue::Text("Beijing".into()));
        c.attributes
            .insert("age".into(), AttributeValue::Number(30.0));
        c.attributes
            .insert("joined".into(), AttributeValue::Date(19_800));
        c.attributes
            .insert("newsletter".into(), AttributeValue::Bool(true));
        c.segments.insert("rfm".into(), "Champions".into());
        assert_eq!(a.evaluate_one(&c).unwrap(), [true, true, false, true, true]);
        c.segments.insert("rfm".into(), "Lost".into());
        c.attributes.remove("age");
        c.attributes
            .insert("joined".into(), AttributeValue::Date(19_000));
        assert_eq!(
            a.evaluate_one(&c).unwrap(),
            [false, true, true, false, true]
        );
        // A type mismatch names the node.
        c.attributes
            .insert("city".into(), AttributeValue::Number(3.0));
        let e = a.evaluate_one(&c).unwrap_err().to_string();
        assert!(
            e.contains("audience 'city', rule: a number compares with numbers"),
            "{e}"
        );
        // Round trip.
        assert_eq!(Audiences::from_json(&a.to_json()).unwrap(), a);
    }

    #[test]
    fn invalid_rules_name_the_node() {
        let cases = [
            (
                json!({"and": [{"field": "total_spend", "op": "=>", "value": 1}]}),
                "rule.and[0]: unknown operator; use =",
            ),
            (
                json!({"field": "spend", "op": ">", "value": 1}),
                "rule.field: unknown profile field 'spend'",
            ),
            (json!({"or": []}), "rule.or: needs a non-empty list"),
            (
                json!({"events": {"aggregate": "sum", "op": ">", "value": 1}}),
                "rule.events.of: this aggregate needs amount or quantity",
            ),
            (
                json!({"events": {"where": [{"property": "colour", "op": "=", "value": "red"}], "op": ">", "value": 1}}),
                "rule.events.where[0]: unknown event property 'colour'",
            ),
            (
                json!({"audience": "nobody"}),
                "rule.audience: no audience named 'nobody'",
            ),
            (
                json!({"attribute": "age", "op": "between", "value": [1]}),
                "rule: 'between' needs [low, high]",
            ),
            (
                json!({"field": "orders", "op": ">", "value": 1, "extra": 2}),
                "rule: unexpected key 'extra'",
            ),
            (
                json!({"field": "orders", "attribute": "x"}),
                "rule: a node needs exactly one of",
            ),
        ];
        for (rule, expected) in cases {
            let e = audiences(json!([{"name": "x", "rule": rule}]))
                .unwrap_err()
                .to_string();
            assert!(e.contains(expected), "{e} lacks {expected}");
        }
        let cycle = audiences(json!([
            {"name": "a", "rule": {"audience": "b"}},
            {"name": "b", "rule": {"not": {"audience": "a"}}},
        ]));
        assert!(cycle.unwrap_err().to_string().contains("refers to itself"));
        let twice = audiences(json!([
            {"name": "a", "rule": {"field": "orders", "op": ">", "value": 1}},
            {"name": "a", "rule": {"field": "orders", "op": ">", "value": 2}},
        ]));
        assert!(twice
            .unwrap_err()
            .to_string()
            .contains("has the name of an earlier one"));
    }
}
