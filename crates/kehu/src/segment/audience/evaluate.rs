//! Evaluating compiled rules against what is known of one customer ([`Facts`]: profile fields,
//! attributes, segments, purchase events, the evaluation time), and [`OneCustomer`], those facts
//! given directly (on device); `population` provides them for every row of a [`Population`].
//!
//! [`Population`]: super::Population

use super::compile::{Aggregate, Node, Op, Property, Scalar, Test};
use crate::profile::CustomerProfile;
use crate::segment::SegmentError;
use std::collections::BTreeMap;

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

impl AttributeValue {
    /// An attribute value as a caller gives it: exactly one of a number, text, a flag or a date
    /// (ISO 8601 date or date-time text, read by the core's one rule for times; a date-time
    /// counts its day). The error names the attribute, never the value.
    pub fn from_given(
        name: &str,
        number: Option<f64>,
        text: Option<String>,
        flag: Option<bool>,
        date: Option<&str>,
    ) -> Result<AttributeValue, crate::Error> {
        let option = format!("attribute '{name}'");
        let invalid = |reason: &str| SegmentError::InvalidOption {
            option: option.clone(),
            reason: reason.into(),
        };
        Ok(match (number, text, flag, date) {
            (Some(v), None, None, None) => AttributeValue::Number(v),
            (None, Some(v), None, None) => AttributeValue::Text(v),
            (None, None, Some(v), None) => AttributeValue::Bool(v),
            (None, None, None, Some(d)) => {
                crate::data::time::parse_time_option(&option, Some(d), None)?
                    .map(|us| AttributeValue::Date(crate::data::time::day_of(us)))
                    .ok_or_else(|| invalid("the date is missing"))?
            }
            _ => return Err(invalid("set exactly one of number, text, flag or date").into()),
        })
    }
}

impl PurchaseEvent {
    /// An event at `timestamp` (ISO 8601 text, as transactions' text timestamps are read);
    /// otherwise empty. A timestamp that does not parse is an error naming the event's `row`.
    pub fn at(row: usize, timestamp: &str) -> Result<PurchaseEvent, SegmentError> {
        let timestamp = crate::data::time::parse_timestamp(timestamp, None).ok_or_else(|| {
            SegmentError::InvalidData {
                row,
                field: "timestamp".into(),
                reason: "is not ISO 8601".into(),
            }
        })?;
        Ok(PurchaseEvent {
            timestamp,
            ..Default::default()
        })
    }
}

impl OneCustomer {
    /// A customer with no facts yet, evaluated as of `as_of` (ISO 8601, the core's one rule
    /// for time options).
    pub fn as_of(as_of: &str) -> Result<OneCustomer, crate::Error> {
        let as_of = crate::data::time::parse_time_option("as_of", Some(as_of), None)?;
        Ok(OneCustomer {
            as_of: as_of.unwrap_or_default(),
            ..Default::default()
        })
    }
}

/// A borrowed value being tested.
#[derive(Debug, Clone, Copy)]
pub(super) enum Val<'a> {
    Num(f64),
    Text(&'a str),
    Bool(bool),
    Date(i64),
}

impl AttributeValue {
    /// The value, borrowed for a test.
    pub(super) fn view(&self) -> Val<'_> {
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
pub(super) struct EventView<'a> {
    pub(super) timestamp: i64,
    pub(super) amount: Option<f64>,
    pub(super) quantity: Option<f64>,
    pub(super) category: Option<&'a str>,
    pub(super) channel: Option<&'a str>,
    pub(super) product_id: Option<&'a str>,
    pub(super) order_id: Option<&'a str>,
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
pub(super) trait Facts {
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

/// Whether the customer `f` satisfies `node`; `done` holds the audiences evaluated before.
pub(super) fn eval(node: &Node, f: &dyn Facts, done: &[bool]) -> Result<bool, String> {
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
