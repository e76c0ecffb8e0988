//! Checking and compiling rules: each audience's JSON rule becomes a [`Node`] tree (operators,
//! constants, event filters and aggregates checked, with the offending node's path in every
//! error), references to other audiences are resolved, and an evaluation order without cycles is
//! found.

use super::document::AudienceDefinition;
use super::invalid;
use crate::data::time::{parse_timestamp, MICROS_PER_DAY};
use crate::profile::CustomerProfile;
use crate::segment::names::shown;
use crate::segment::SegmentError;
use rustc_hash::FxHashMap;
use serde_json::Value as Json;

/// The longest event window, in days (1000 years).
const MAX_WINDOW_DAYS: f64 = 365_250.0;

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

/// A constant of a rule; texts that read as dates also keep their day number.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Scalar {
    Num(f64),
    Text(String, Option<i64>),
    Bool(bool),
}

/// The test of a node: a comparison, (not) in a list, between two bounds, (not) missing.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Test {
    Compare(Op, Scalar),
    In(Vec<Scalar>, bool),
    Between(Scalar, Scalar),
    Missing(bool),
}

/// An event property.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Property {
    Amount,
    Quantity,
    Category,
    Channel,
    ProductId,
    OrderId,
}

/// What an `events` node computes of the matching events.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Aggregate {
    Count,
    Sum,
    Avg,
    Min,
    Max,
    Distinct,
}

/// A compiled rule node; `path` names the node in the document for errors, `Audience` refers to
/// another audience by its index.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Node {
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

/// Compiles the rule `v` (at `path`), resolving audience references through `names`.
pub(super) fn compile(
    v: &Json,
    path: &str,
    names: &FxHashMap<&str, usize>,
) -> Result<Node, String> {
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

/// An evaluation order in which every audience comes after those it refers to; an error on a
/// cycle of references.
pub(super) fn evaluation_order(
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
