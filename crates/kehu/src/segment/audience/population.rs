//! The customers audiences are evaluated for in bulk: [`Population`] joins the customer table
//! (attributes), transactions (profiled as of the evaluation time, and their events) and named
//! segmentations ([`SegmentColumn`]) by customer id, and gives each row's facts to the rules.

use super::evaluate::{EventView, Facts, Val};
use crate::data::customers::{Attribute, CustomerTable};
use crate::data::Transactions;
use crate::profile::{profile_customers, CustomerProfile, ProfileOptions};
use crate::segment::SegmentError;
use rustc_hash::FxHashMap;

/// Customers to evaluate: those of the customer table, then those with transactions only.
#[derive(Debug, Clone)]
pub struct Population {
    pub(super) ids: Vec<String>,
    pub(super) attributes: Vec<(String, Attribute)>,
    profiles: Vec<Option<CustomerProfile>>,
    events: Vec<Vec<usize>>,
    transactions: Option<Transactions>,
    pub(super) segments: Vec<(String, Vec<Option<String>>)>,
    as_of: i64,
}

/// One named segmentation: each listed customer's label.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentColumn {
    /// The segmentation's name (as rules refer to it).
    pub name: String,
    /// Customer ids (`None`: missing, reported by row).
    pub ids: Vec<Option<String>>,
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
                let Some(id) = id else {
                    return Err(bad(i, "the customer id is missing").into());
                };
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

/// The facts of one row of a population.
pub(super) struct RowFacts<'a> {
    pub(super) population: &'a Population,
    pub(super) row: usize,
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
