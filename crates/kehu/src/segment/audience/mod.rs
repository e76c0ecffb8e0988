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

use super::names::shown;
use super::SegmentError;
use crate::data::customers::{Attribute, CustomerTable};
use crate::data::time::{parse_timestamp, MICROS_PER_DAY};
use crate::data::Transactions;
use crate::format::{self, Versioned};
use crate::profile::{profile_customers, CustomerProfile, ProfileOptions};
use rayon::prelude::*;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;
use std::collections::BTreeMap;

/// One audience as written in the document.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AudienceDefinition {
    /// The audience's name (unique in the document).
    pub name: String,
    /// Its rule (see the module documentation).
    pub rule: Json,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct AudienceDocument {
    audiences: Vec<AudienceDefinition>,
}

/// The longest event window, in days (1000 years).
const MAX_WINDOW_DAYS: f64 = 365_250.0;

impl Versioned for AudienceDocument {
    const KIND: &'static str = "audiences";
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A constant of a rule; texts that read as dates also keep their day number.
#[derive(Debug, Clone, PartialEq)]
enum Scalar {
    Num(f64),
    Text(String, Option<i64>),
    Bool(bool),
}

#[derive(Debug, Clone, PartialEq)]
enum Test {
    Compare(Op, Scalar),
    In(Vec<Scalar>, bool),
    Between(Scalar, Scalar),
    Missing(bool),
}

/// An event property.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Property {
    Amount,
    Quantity,
    Category,
    Channel,
    ProductId,
    OrderId,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Aggregate {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    Distinct,
}

#[derive(Debug, Clone, PartialEq)]
enum Node {
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    Field {
        path: String,
        name: String,
        test: Test,
    },
    Attribute {
        path: String,
        name: String,
        test: Test,
    },
    Segment {
        path: String,
        name: String,
        test: Test,
    },
    Events {
        path: String,
        within_micros: Option<i64>,
        filters: Vec<(Property, Test)>,
        aggregate: Aggregate,
        of: Option<Property>,
        test: Test,
    },
    Audience(usize),
}

/// A value of a customer's attribute.
#[derive(Debug, Clone, PartialEq)]
pub enum AttributeValue {
    /// A number.
    Number(f64),
    /// A category.
    Text(String),
    /// A flag.
    Bool(bool),
    /// A date, days since 1970-01-01.
    Date(i64),
}

/// A borrowed value being tested.
#[derive(Debug, Clone, Copy)]
enum Val<'a> {
    Num(f64),
    Text(&'a str),
    Bool(bool),
    Date(i64),
}

impl AttributeValue {
    fn view(&self) -> Val<'_> {
        match self {
            AttributeValue::Number(v) => Val::Num(*v),
            AttributeValue::Text(v) => Val::Text(v),
            AttributeValue::Bool(v) => Val::Bool(*v),
            AttributeValue::Date(v) => Val::Date(*v),
        }
    }
}

/// One purchase event of a customer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PurchaseEvent {
    /// µs since the epoch.
    pub timestamp: i64,
    /// Amount.
    pub amount: Option<f64>,
    /// Quantity.
    pub quantity: Option<f64>,
    /// Category.
    pub category: Option<String>,
    /// Channel.
    pub channel: Option<String>,
    /// Product.
    pub product_id: Option<String>,
    /// Order.
    pub order_id: Option<String>,
}

/// A borrowed event.
#[derive(Debug, Clone, Copy)]
struct EventView<'a> {
    timestamp: i64,
    amount: Option<f64>,
    quantity: Option<f64>,
    category: Option<&'a str>,
    channel: Option<&'a str>,
    product_id: Option<&'a str>,
    order_id: Option<&'a str>,
}

impl<'a> EventView<'a> {
    fn get(&self, p: Property) -> Option<Val<'a>> {
        match p {
            Property::Amount => self.amount.map(Val::Num),
            Property::Quantity => self.quantity.map(Val::Num),
            Property::Category => self.category.map(Val::Text),
            Property::Channel => self.channel.map(Val::Text),
            Property::ProductId => self.product_id.map(Val::Text),
            Property::OrderId => self.order_id.map(Val::Text),
        }
    }
}

/// What the rules may ask of one customer.
trait Facts {
    fn field(&self, name: &str) -> Option<f64>;
    fn attribute(&self, name: &str) -> Option<Val<'_>>;
    fn segment(&self, name: &str) -> Option<&str>;
    fn visit_events(&self, f: &mut dyn FnMut(&EventView));
    fn as_of(&self) -> i64;
}

/// Everything known about one customer, for evaluating audiences on one profile (on device).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct OneCustomer {
    /// The customer's profile (`None` before the first purchase).
    pub profile: Option<CustomerProfile>,
    /// Attribute values by name (absent = missing).
    pub attributes: BTreeMap<String, AttributeValue>,
    /// Segment labels by segmentation name (absent = missing).
    pub segments: BTreeMap<String, String>,
    /// Purchase events (any order).
    pub events: Vec<PurchaseEvent>,
    /// Evaluation time, µs since the epoch: windows end here and later events are left out.
    pub as_of: i64,
}

impl Facts for OneCustomer {
    fn field(&self, name: &str) -> Option<f64> {
        self.profile.as_ref()?.numeric(name)
    }
    fn attribute(&self, name: &str) -> Option<Val<'_>> {
        self.attributes.get(name).map(AttributeValue::view)
    }
    fn segment(&self, name: &str) -> Option<&str> {
        self.segments.get(name).map(String::as_str)
    }
    fn visit_events(&self, f: &mut dyn FnMut(&EventView)) {
        for e in &self.events {
            f(&EventView {
                timestamp: e.timestamp,
                amount: e.amount,
                quantity: e.quantity,
                category: e.category.as_deref(),
                channel: e.channel.as_deref(),
                product_id: e.product_id.as_deref(),
                order_id: e.order_id.as_deref(),
            });
        }
    }
    fn as_of(&self) -> i64 {
        self.as_of
    }
}

/// A checked set of audiences.
#[derive(Debug, Clone, PartialEq)]
pub struct Audiences {
    definitions: Vec<AudienceDefinition>,
    rules: Vec<Node>,
    /// Evaluation order: every audience after those it refers to.
    order: Vec<usize>,
}

fn invalid(reason: String) -> SegmentError {
    SegmentError::InvalidMap { reason }
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
        let doc: AudienceDocument = super::names::read_document(text)?;
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

/// Customers to evaluate: those of the customer table, then those with transactions only.
#[derive(Debug, Clone)]
pub struct Population {
    ids: Vec<String>,
    attributes: Vec<(String, Attribute)>,
    profiles: Vec<Option<CustomerProfile>>,
    events: Vec<Vec<usize>>,
    transactions: Option<Transactions>,
    segments: Vec<(String, Vec<Option<String>>)>,
    as_of: i64,
}

/// One named segmentation: each listed customer's label.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentColumn {
    /// The segmentation's name (as rules refer to it).
    pub name: String,
    /// Customer ids.
    pub ids: Vec<String>,
    /// Their labels (`None`: no segment).
    pub labels: Vec<Option<String>>,
}

impl Population {
    /// The customers of `customers` (with their attributes) and of `transactions` (profiled as
    /// of `as_of`, µs since the epoch), with the labels of `segments`.
    pub fn new(
        customers: Option<&CustomerTable>,
        transactions: Option<Transactions>,
        segments: &[SegmentColumn],
        as_of: i64,
        profile: &ProfileOptions,
    ) -> Result<Self, crate::Error> {
        let mut ids: Vec<String> = customers.map_or_else(Vec::new, |c| c.ids().to_vec());
        let mut row_of: FxHashMap<String, usize> = ids
            .iter()
            .enumerate()
            .map(|(i, id)| (id.clone(), i))
            .collect();
        let mut events = vec![Vec::new(); ids.len()];
        let mut profiles = vec![None; ids.len()];
        if let Some(t) = &transactions {
            let names = t.ids().to_strings();
            let mut code_row = vec![0usize; names.len()];
            for code in t.customers_in_id_order() {
                let id = &names[code as usize];
                let row = *row_of.entry(id.clone()).or_insert_with(|| {
                    ids.push(id.clone());
                    events.push(Vec::new());
                    profiles.push(None);
                    ids.len() - 1
                });
                code_row[code as usize] = row;
            }
            for (i, c) in t.customer().iter().enumerate() {
                events[code_row[*c as usize]].push(i);
            }
            let opts = ProfileOptions {
                observation_end: Some(as_of),
                ..profile.clone()
            };
            if !t.is_empty() && t.timestamp().iter().any(|ts| *ts <= as_of) {
                for p in profile_customers(t, &opts)?.profiles {
                    let row = row_of[&p.customer_id];
                    profiles[row] = Some(p);
                }
            }
        }
        let n = ids.len();
        let mut attributes = Vec::new();
        if let Some(c) = customers {
            for (name, a) in c.attributes() {
                let mut a = a.clone();
                let extra = n - c.len();
                match &mut a {
                    Attribute::Numeric(v) => v.extend(std::iter::repeat_n(None, extra)),
                    Attribute::Categorical(v) => v.extend(std::iter::repeat_n(None, extra)),
                    Attribute::Boolean(v) => v.extend(std::iter::repeat_n(None, extra)),
                    Attribute::Date(v) => v.extend(std::iter::repeat_n(None, extra)),
                }
                attributes.push((name.clone(), a));
            }
        }
        let mut columns = Vec::with_capacity(segments.len());
        for s in segments {
            let bad = |row: usize, reason: &str| SegmentError::InvalidData {
                row,
                field: format!("segment '{}'", s.name),
                reason: reason.into(),
            };
            if s.ids.len() != s.labels.len() {
                return Err(bad(s.ids.len().min(s.labels.len()), "one label per id").into());
            }
            let mut labels = vec![None; n];
            let mut seen = vec![false; n];
            for (i, (id, label)) in s.ids.iter().zip(&s.labels).enumerate() {
                let Some(&row) = row_of.get(id) else {
                    return Err(bad(
                        i,
                        "the customer is not in the customer table or transactions",
                    )
                    .into());
                };
                if std::mem::replace(&mut seen[row], true) {
                    return Err(bad(i, "the customer is listed twice").into());
                }
                labels[row] = label.clone();
            }
            columns.push((s.name.clone(), labels));
        }
        Ok(Population {
            ids,
            attributes,
            profiles,
            events,
            transactions,
            segments: columns,
            as_of,
        })
    }

    /// Customer ids in evaluation order.
    pub fn ids(&self) -> &[String] {
        &self.ids
    }
}

struct RowFacts<'a> {
    population: &'a Population,
    row: usize,
}

impl Facts for RowFacts<'_> {
    fn field(&self, name: &str) -> Option<f64> {
        self.population.profiles[self.row].as_ref()?.numeric(name)
    }
    fn attribute(&self, name: &str) -> Option<Val<'_>> {
        let (_, a) = self.population.attributes.iter().find(|(n, _)| n == name)?;
        let r = self.row;
        match a {
            Attribute::Numeric(v) => v[r].map(Val::Num),
            Attribute::Categorical(v) => v[r].as_deref().map(Val::Text),
            Attribute::Boolean(v) => v[r].map(Val::Bool),
            Attribute::Date(v) => v[r].map(Val::Date),
        }
    }
    fn segment(&self, name: &str) -> Option<&str> {
        let (_, s) = self.population.segments.iter().find(|(n, _)| n == name)?;
        s[self.row].as_deref()
    }
    fn visit_events(&self, f: &mut dyn FnMut(&EventView)) {
        let Some(t) = &self.population.transactions else {
            return;
        };
        for &i in &self.population.events[self.row] {
            f(&EventView {
                timestamp: t.timestamp()[i],
                amount: t.amount().map(|a| a[i]),
                quantity: t.quantity().map(|q| q[i]),
                category: t.category().and_then(|c| c.get(i)),
                channel: t.channel().and_then(|c| c.get(i)),
                product_id: t.product_id().and_then(|c| c.get(i)),
                order_id: t.order_id().and_then(|c| c.get(i)),
            });
        }
    }
    fn as_of(&self) -> i64 {
        self.population.as_of
    }
}

// ---- compiling rules ----

fn scalar(v: &Json, path: &str) -> Result<Scalar, String> {
    match v {
        Json::Number(n) => n
            .as_f64()
            .filter(|x| x.is_finite())
            .map(Scalar::Num)
            .ok_or_else(|| format!("{path}: not a finite number")),
        Json::String(s) => {
            let day = parse_timestamp(s, Some("%Y-%m-%d")).map(|us| us.div_euclid(MICROS_PER_DAY));
            Ok(Scalar::Text(s.clone(), day))
        }
        Json::Bool(b) => Ok(Scalar::Bool(*b)),
        _ => Err(format!(
            "{path}: a value must be a number, text or true/false"
        )),
    }
}

fn test(obj: &serde_json::Map<String, Json>, path: &str) -> Result<Test, String> {
    let op = obj
        .get("op")
        .and_then(Json::as_str)
        .ok_or_else(|| format!("{path}: needs \"op\""))?;
    let value = obj.get("value");
    let need = || value.ok_or_else(|| format!("{path}: operator '{op}' needs \"value\""));
    let list = |v: &Json| -> Result<Vec<Scalar>, String> {
        let items = v
            .as_array()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| format!("{path}: operator '{op}' needs a non-empty list"))?;
        items
            .iter()
            .enumerate()
            .map(|(i, x)| scalar(x, &format!("{path}.value[{i}]")))
            .collect()
    };
    let compare = |o: Op| -> Result<Test, String> {
        Ok(Test::Compare(o, scalar(need()?, &format!("{path}.value"))?))
    };
    match op {
        "=" | "==" => compare(Op::Eq),
        "!=" => compare(Op::Ne),
        "<" => compare(Op::Lt),
        "<=" => compare(Op::Le),
        ">" => compare(Op::Gt),
        ">=" => compare(Op::Ge),
        "in" => Ok(Test::In(list(need()?)?, false)),
        "not_in" => Ok(Test::In(list(need()?)?, true)),
        "between" => {
            let v = list(need()?)?;
            let [lo, hi] = <[Scalar; 2]>::try_from(v)
                .map_err(|_| format!("{path}: 'between' needs [low, high]"))?;
            let reversed = match (&lo, &hi) {
                (Scalar::Num(a), Scalar::Num(b)) => a > b,
                (Scalar::Text(_, Some(a)), Scalar::Text(_, Some(b))) => a > b,
                (Scalar::Text(a, None), Scalar::Text(b, None)) => a > b,
                (Scalar::Text(..), Scalar::Text(..)) => {
                    return Err(format!(
                        "{path}: 'between' needs two dates or two texts, not one of each"
                    ))
                }
                (Scalar::Bool(_), _) | (_, Scalar::Bool(_)) => {
                    return Err(format!(
                        "{path}: 'between' takes numbers, dates or texts, not true/false"
                    ))
                }
                _ => return Err(format!("{path}: 'between' needs low and high of one type")),
            };
            if reversed {
                return Err(format!(
                    "{path}: 'between' needs [low, high] with low ≤ high (they are reversed)"
                ));
            }
            Ok(Test::Between(lo, hi))
        }
        "is_missing" | "is_present" => {
            if value.is_some() {
                return Err(format!("{path}: operator '{op}' takes no value"));
            }
            Ok(Test::Missing(op == "is_missing"))
        }
        _ => Err(format!(
            "{path}: unknown operator; use =, !=, <, <=, >, >=, in, not_in, between, \
             is_missing or is_present"
        )),
    }
}

fn numeric_test(t: &Test) -> bool {
    let num = |s: &Scalar| matches!(s, Scalar::Num(_));
    match t {
        Test::Compare(_, s) => num(s),
        Test::In(v, _) => v.iter().all(num),
        Test::Between(a, b) => num(a) && num(b),
        Test::Missing(_) => true,
    }
}

fn property(name: &str, path: &str) -> Result<Property, String> {
    Ok(match name {
        "amount" => Property::Amount,
        "quantity" => Property::Quantity,
        "category" => Property::Category,
        "channel" => Property::Channel,
        "product_id" => Property::ProductId,
        "order_id" => Property::OrderId,
        other => {
            return Err(format!(
                "{path}: unknown event property {}; known: amount, quantity, category, channel, product_id, order_id",
                shown(other)
            ))
        }
    })
}

fn only_keys(
    obj: &serde_json::Map<String, Json>,
    allowed: &[&str],
    path: &str,
) -> Result<(), String> {
    match obj.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(k) => Err(format!(
            "{path}: unexpected key {}; allowed: {}",
            shown(k),
            allowed.join(", ")
        )),
        None => Ok(()),
    }
}

const NODE_KINDS: [&str; 8] = [
    "and",
    "or",
    "not",
    "field",
    "attribute",
    "segment",
    "events",
    "audience",
];

fn compile(v: &Json, path: &str, names: &FxHashMap<&str, usize>) -> Result<Node, String> {
    let obj = v
        .as_object()
        .ok_or_else(|| format!("{path}: a node must be a JSON object"))?;
    let kinds: Vec<&str> = NODE_KINDS
        .iter()
        .copied()
        .filter(|k| obj.contains_key(*k))
        .collect();
    let [kind] = kinds[..] else {
        return Err(format!(
            "{path}: a node needs exactly one of {}",
            NODE_KINDS.join(", ")
        ));
    };
    let inner = &obj[kind];
    let here = format!("{path}.{kind}");
    match kind {
        "and" | "or" => {
            only_keys(obj, &[kind], path)?;
            let parts = inner
                .as_array()
                .filter(|a| !a.is_empty())
                .ok_or_else(|| format!("{here}: needs a non-empty list of nodes"))?;
            let nodes = parts
                .iter()
                .enumerate()
                .map(|(i, p)| compile(p, &format!("{here}[{i}]"), names))
                .collect::<Result<Vec<_>, _>>()?;
            Ok(if kind == "and" {
                Node::And(nodes)
            } else {
                Node::Or(nodes)
            })
        }
        "not" => {
            only_keys(obj, &["not"], path)?;
            Ok(Node::Not(Box::new(compile(inner, &here, names)?)))
        }
        "field" | "attribute" | "segment" => {
            only_keys(obj, &[kind, "op", "value"], path)?;
            let name = inner
                .as_str()
                .ok_or_else(|| format!("{here}: needs a name"))?
                .to_string();
            let t = test(obj, path)?;
            match kind {
                "field" => {
                    if CustomerProfile::NUMERIC_FIELDS.iter().all(|f| *f != name) && name != "T" {
                        return Err(format!(
                            "{here}: unknown profile field {}; known: {}",
                            shown(&name),
                            CustomerProfile::NUMERIC_FIELDS.join(", ")
                        ));
                    }
                    if !numeric_test(&t) {
                        return Err(format!("{path}: profile fields compare with numbers"));
                    }
                    Ok(Node::Field {
                        path: path.into(),
                        name,
                        test: t,
                    })
                }
                "attribute" => Ok(Node::Attribute {
                    path: path.into(),
                    name,
                    test: t,
                }),
                _ => Ok(Node::Segment {
                    path: path.into(),
                    name,
                    test: t,
                }),
            }
        }
        "events" => {
            only_keys(obj, &["events"], path)?;
            compile_events(inner, &here)
        }
        _ => {
            only_keys(obj, &["audience"], path)?;
            let name = inner
                .as_str()
                .ok_or_else(|| format!("{here}: needs an audience name"))?;
            names
                .get(name)
                .map(|&i| Node::Audience(i))
                .ok_or_else(|| format!("{here}: no audience named {} in the document", shown(name)))
        }
    }
}

fn compile_events(v: &Json, path: &str) -> Result<Node, String> {
    let obj = v
        .as_object()
        .ok_or_else(|| format!("{path}: must be an object"))?;
    only_keys(
        obj,
        &["within_days", "where", "aggregate", "of", "op", "value"],
        path,
    )?;
    let within_micros = match obj.get("within_days") {
        None => None,
        Some(d) => {
            let days = d
                .as_f64()
                .filter(|d| d.is_finite() && *d > 0.0 && *d <= MAX_WINDOW_DAYS)
                .ok_or_else(|| {
                    format!(
                        "{path}.within_days: must be a number of days > 0 and ≤ {MAX_WINDOW_DAYS}"
                    )
                })?;
            Some((days * MICROS_PER_DAY as f64).round() as i64)
        }
    };
    let filters = match obj.get("where") {
        None => Vec::new(),
        Some(w) => w
            .as_array()
            .filter(|a| !a.is_empty())
            .ok_or_else(|| {
                format!("{path}.where: must be a non-empty list of conditions (omit it for none)")
            })?
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let here = format!("{path}.where[{i}]");
                let c = c
                    .as_object()
                    .ok_or_else(|| format!("{here}: must be an object"))?;
                only_keys(c, &["property", "op", "value"], &here)?;
                let name = c
                    .get("property")
                    .and_then(Json::as_str)
                    .ok_or_else(|| format!("{here}: needs \"property\""))?;
                Ok((property(name, &here)?, test(c, &here)?))
            })
            .collect::<Result<Vec<_>, String>>()?,
    };
    let aggregate = match obj.get("aggregate").map(|a| a.as_str()) {
        None | Some(Some("count")) => Aggregate::Count,
        Some(Some("sum")) => Aggregate::Sum,
        Some(Some("avg")) => Aggregate::Avg,
        Some(Some("min")) => Aggregate::Min,
        Some(Some("max")) => Aggregate::Max,
        Some(Some("distinct")) => Aggregate::Distinct,
        _ => {
            return Err(format!(
                "{path}.aggregate: one of count, sum, avg, min, max, distinct"
            ))
        }
    };
    let of = match obj.get("of") {
        None => None,
        Some(o) => Some(property(
            o.as_str()
                .ok_or_else(|| format!("{path}.of: needs a property name"))?,
            &format!("{path}.of"),
        )?),
    };
    match (aggregate, of) {
        (Aggregate::Count, Some(_)) => {
            return Err(format!(
                "{path}.of: 'count' counts events and takes no property"
            ))
        }
        (Aggregate::Sum | Aggregate::Avg | Aggregate::Min | Aggregate::Max, p)
            if !matches!(p, Some(Property::Amount | Property::Quantity)) =>
        {
            return Err(format!(
                "{path}.of: this aggregate needs amount or quantity"
            ))
        }
        (Aggregate::Distinct, None) => {
            return Err(format!("{path}.of: 'distinct' needs a property"))
        }
        _ => {}
    }
    let t = test(obj, path)?;
    if !numeric_test(&t) || matches!(t, Test::Missing(_)) {
        return Err(format!("{path}: an aggregate compares with numbers"));
    }
    Ok(Node::Events {
        path: path.into(),
        within_micros,
        filters,
        aggregate,
        of,
        test: t,
    })
}

fn evaluation_order(
    definitions: &[AudienceDefinition],
    rules: &[Node],
) -> Result<Vec<usize>, SegmentError> {
    fn refs(node: &Node, out: &mut Vec<usize>) {
        match node {
            Node::And(v) | Node::Or(v) => v.iter().for_each(|n| refs(n, out)),
            Node::Not(n) => refs(n, out),
            Node::Audience(i) => out.push(*i),
            _ => {}
        }
    }
    let deps: Vec<Vec<usize>> = rules
        .iter()
        .map(|r| {
            let mut v = Vec::new();
            refs(r, &mut v);
            v
        })
        .collect();
    // 0 = unvisited, 1 = on the path, 2 = done.
    let mut state = vec![0u8; rules.len()];
    let mut order = Vec::with_capacity(rules.len());
    fn visit(
        a: usize,
        deps: &[Vec<usize>],
        state: &mut [u8],
        order: &mut Vec<usize>,
        defs: &[AudienceDefinition],
    ) -> Result<(), SegmentError> {
        match state[a] {
            2 => return Ok(()),
            1 => {
                return Err(invalid(format!(
                    "audience '{}' refers to itself through its references",
                    defs[a].name
                )))
            }
            _ => {}
        }
        state[a] = 1;
        for &d in &deps[a] {
            visit(d, deps, state, order, defs)?;
        }
        state[a] = 2;
        order.push(a);
        Ok(())
    }
    for a in 0..rules.len() {
        visit(a, &deps, &mut state, &mut order, definitions)?;
    }
    Ok(order)
}

// ---- evaluating ----

fn compare_op(o: Op, ord: std::cmp::Ordering) -> bool {
    use std::cmp::Ordering::*;
    match o {
        Op::Eq => ord == Equal,
        Op::Ne => ord != Equal,
        Op::Lt => ord == Less,
        Op::Le => ord != Greater,
        Op::Gt => ord == Greater,
        Op::Ge => ord != Less,
    }
}

/// The order of a value against a constant; an error when their types cannot be compared.
fn order(v: Val, s: &Scalar, op: Option<Op>) -> Result<std::cmp::Ordering, String> {
    use std::cmp::Ordering;
    let ordered = !matches!(op, Some(Op::Eq | Op::Ne) | None);
    match (v, s) {
        (Val::Num(a), Scalar::Num(b)) => Ok(a.partial_cmp(b).unwrap_or(Ordering::Equal)),
        (Val::Text(a), Scalar::Text(b, _)) => Ok(a.cmp(b.as_str())),
        (Val::Bool(a), Scalar::Bool(b)) if !ordered => Ok(a.cmp(b)),
        (Val::Date(a), Scalar::Text(_, Some(b))) => Ok(a.cmp(b)),
        (Val::Bool(_), Scalar::Bool(_)) => Err("true/false values only take = and !=".into()),
        (Val::Date(_), _) => Err("a date compares with a \"YYYY-MM-DD\" text".into()),
        (Val::Num(_), _) => Err("a number compares with numbers".into()),
        (Val::Text(_), _) => Err("a text compares with texts".into()),
        (Val::Bool(_), _) => Err("a true/false value compares with true or false".into()),
    }
}

fn apply(t: &Test, v: Option<Val>) -> Result<bool, String> {
    let Some(v) = v else {
        return Ok(matches!(t, Test::Missing(true)));
    };
    Ok(match t {
        Test::Missing(m) => !m,
        Test::Compare(o, s) => compare_op(*o, order(v, s, Some(*o))?),
        Test::In(list, negate) => {
            let mut found = false;
            for s in list {
                found |= order(v, s, None)? == std::cmp::Ordering::Equal;
            }
            found != *negate
        }
        Test::Between(lo, hi) => {
            order(v, lo, Some(Op::Ge))? != std::cmp::Ordering::Less
                && order(v, hi, Some(Op::Le))? != std::cmp::Ordering::Greater
        }
    })
}

fn eval(node: &Node, f: &dyn Facts, done: &[bool]) -> Result<bool, String> {
    Ok(match node {
        Node::And(v) => {
            for n in v {
                if !eval(n, f, done)? {
                    return Ok(false);
                }
            }
            true
        }
        Node::Or(v) => {
            for n in v {
                if eval(n, f, done)? {
                    return Ok(true);
                }
            }
            false
        }
        Node::Not(n) => !eval(n, f, done)?,
        Node::Audience(a) => done[*a],
        Node::Field { path, name, test } => {
            apply(test, f.field(name).map(Val::Num)).map_err(|e| format!("{path}: {e}"))?
        }
        Node::Attribute { path, name, test } => {
            apply(test, f.attribute(name)).map_err(|e| format!("{path}: {e}"))?
        }
        Node::Segment { path, name, test } => {
            apply(test, f.segment(name).map(Val::Text)).map_err(|e| format!("{path}: {e}"))?
        }
        Node::Events {
            path,
            within_micros,
            filters,
            aggregate,
            of,
            test,
        } => {
            let end = f.as_of();
            let start = within_micros.map(|w| end.saturating_sub(w));
            let mut error = None;
            let (mut count, mut sum) = (0usize, 0.0);
            let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
            let mut distinct: Vec<String> = Vec::new();
            f.visit_events(&mut |e| {
                let outside = e.timestamp > end || start.is_some_and(|s| e.timestamp <= s);
                if error.is_some() || outside || e.amount.is_some_and(|a| a < 0.0) {
                    return;
                }
                for (p, t) in filters {
                    match apply(t, e.get(*p)) {
                        Ok(true) => {}
                        Ok(false) => return,
                        Err(m) => {
                            error = Some(m);
                            return;
                        }
                    }
                }
                match (aggregate, of) {
                    (Aggregate::Count, _) => count += 1,
                    (Aggregate::Distinct, Some(p)) => {
                        let key = match e.get(*p) {
                            Some(Val::Text(s)) => s.to_string(),
                            Some(Val::Num(x)) => x.to_bits().to_string(),
                            _ => return,
                        };
                        if let Err(i) = distinct.binary_search(&key) {
                            distinct.insert(i, key);
                        }
                    }
                    (_, Some(p)) => {
                        if let Some(Val::Num(x)) = e.get(*p) {
                            count += 1;
                            sum += x;
                            min = min.min(x);
                            max = max.max(x);
                        }
                    }
                    _ => {}
                }
            });
            if let Some(m) = error {
                return Err(format!("{path}: {m}"));
            }
            let value = match aggregate {
                Aggregate::Count => Some(count as f64),
                Aggregate::Sum => Some(sum),
                Aggregate::Distinct => Some(distinct.len() as f64),
                Aggregate::Avg => (count > 0).then(|| sum / count as f64),
                Aggregate::Min => (count > 0).then_some(min),
                Aggregate::Max => (count > 0).then_some(max),
            };
            apply(test, value.map(Val::Num)).map_err(|e| format!("{path}: {e}"))?
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
