//! Rich customer profiles (客户画像), computed by one accumulator that serves both the batch
//! computation over a table and the incremental, event-by-event one (on a phone or a stream).

use super::ProfileError;
use crate::data::time::{day_of, hour_of, weekday_of, MICROS_PER_DAY};
use crate::data::Transactions;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Options of profile computation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ProfileOptions {
    /// End of observation (µs since the epoch); default the latest event.
    pub observation_end: Option<i64>,
    /// How many top categories and channels to keep (default 3).
    pub top_n: usize,
    /// Number of recent periods the spend trend is fitted over (default 6, at least 2).
    pub trend_periods: usize,
    /// Length of one trend period in days (default 30).
    pub trend_period_days: u32,
}

/// Profile options as a binding receives them: each `None` takes the core's default, the
/// observation end is text read by the core's one rule for times.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GivenProfileOptions<'a> {
    /// End of observation (ISO 8601).
    pub observation_end: Option<&'a str>,
    /// How many top categories and channels to keep.
    pub top_n: Option<usize>,
    /// Number of recent periods the spend trend is fitted over.
    pub trend_periods: Option<usize>,
    /// Length of one trend period in days.
    pub trend_period_days: Option<u32>,
}

impl GivenProfileOptions<'_> {
    /// The options, the core's defaults for what was not given.
    pub fn options(&self) -> Result<ProfileOptions, crate::data::DataError> {
        let d = ProfileOptions::default();
        Ok(ProfileOptions {
            observation_end: crate::data::time::parse_time_option(
                "observation_end",
                self.observation_end,
                None,
            )?,
            top_n: self.top_n.unwrap_or(d.top_n),
            trend_periods: self.trend_periods.unwrap_or(d.trend_periods),
            trend_period_days: self.trend_period_days.unwrap_or(d.trend_period_days),
        })
    }
}

impl Default for ProfileOptions {
    fn default() -> Self {
        ProfileOptions {
            observation_end: None,
            top_n: 3,
            trend_periods: 6,
            trend_period_days: 30,
        }
    }
}

impl ProfileOptions {
    fn check(&self) -> Result<(), ProfileError> {
        let invalid = |option: &str, reason: &str| ProfileError::InvalidOption {
            option: option.into(),
            reason: reason.into(),
        };
        if self.trend_periods < 2 {
            return Err(invalid("trend_periods", "must be at least 2"));
        }
        if self.trend_period_days == 0 {
            return Err(invalid("trend_period_days", "must be at least 1"));
        }
        Ok(())
    }
}

/// A named share of spend (a category or a channel).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Share {
    /// The category or channel.
    pub name: String,
    /// Its share of the customer's total spend, 0..1.
    pub share: f64,
}

/// One customer's profile. Timestamps are µs since the epoch; day counts are in days of 24 h.
/// Purchases are events with an amount ≥ 0; returns (amount < 0) only enter the return fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CustomerProfile {
    /// The customer's id.
    pub customer_id: String,
    /// First purchase.
    pub first_purchase: i64,
    /// Last purchase.
    pub last_purchase: i64,
    /// Days from the first purchase to the observation end.
    pub tenure_days: f64,
    /// Days from the last purchase to the observation end.
    pub days_since_last_purchase: f64,
    /// Purchase events.
    pub transactions: u64,
    /// Distinct orders (distinct order ids; an event without an order id is an order).
    pub orders: u64,
    /// Sum of purchase amounts.
    pub total_spend: f64,
    /// `total_spend / orders`.
    pub avg_order_value: f64,
    /// Repeat purchase days (lifetimes' `frequency` with `freq="D"`).
    pub frequency: f64,
    /// Days from the first to the last purchase day (lifetimes' `recency`).
    pub recency: f64,
    /// Days from the first purchase day to the observation end's day (lifetimes' `T`).
    pub t: f64,
    /// Mean spend of the repeat purchase days (lifetimes' `monetary_value`), 0 without repeats.
    pub monetary_value: f64,
    /// Mean gap between consecutive purchase days, in days (none with one purchase day).
    pub interval_mean_days: Option<f64>,
    /// Median gap between consecutive purchase days.
    pub interval_median_days: Option<f64>,
    /// Sample standard deviation of the gaps (needs two gaps).
    pub interval_std_days: Option<f64>,
    /// 80th percentile of the gaps (linear interpolation between order statistics, as numpy's
    /// default): the customer's own "overdue" threshold.
    pub interval_p80_days: Option<f64>,
    /// Categories with the largest share of spend, largest first.
    pub top_categories: Vec<Share>,
    /// Channels with the largest share of spend, largest first.
    pub top_channels: Vec<Share>,
    /// Weekday with the most purchases, 0 = Monday (ties: the earliest).
    pub preferred_weekday: u8,
    /// Hour of the day with the most purchases (ties: the earliest).
    pub preferred_hour: u8,
    /// Least-squares slope of spend per trend period over the recent periods (currency/period).
    pub spend_trend: f64,
    /// Return events.
    pub returns: u64,
    /// Sum of returned amounts (positive).
    pub returned_amount: f64,
    /// `returned_amount / total_spend`; none when nothing was spent.
    pub return_ratio: Option<f64>,
}

impl CustomerProfile {
    /// Names of the numeric fields, usable in tag rules and audiences.
    pub const NUMERIC_FIELDS: [&'static str; 20] = [
        "tenure_days",
        "days_since_last_purchase",
        "transactions",
        "orders",
        "total_spend",
        "avg_order_value",
        "frequency",
        "recency",
        "t",
        "monetary_value",
        "interval_mean_days",
        "interval_median_days",
        "interval_std_days",
        "interval_p80_days",
        "preferred_weekday",
        "preferred_hour",
        "spend_trend",
        "returns",
        "returned_amount",
        "return_ratio",
    ];

    /// The value of a numeric field by name; `None` for an unknown name or a missing value.
    pub fn numeric(&self, field: &str) -> Option<f64> {
        Some(match field {
            "tenure_days" => self.tenure_days,
            "days_since_last_purchase" => self.days_since_last_purchase,
            "transactions" => self.transactions as f64,
            "orders" => self.orders as f64,
            "total_spend" => self.total_spend,
            "avg_order_value" => self.avg_order_value,
            "frequency" => self.frequency,
            "recency" => self.recency,
            "t" | "T" => self.t,
            "monetary_value" => self.monetary_value,
            "interval_mean_days" => return self.interval_mean_days,
            "interval_median_days" => return self.interval_median_days,
            "interval_std_days" => return self.interval_std_days,
            "interval_p80_days" => return self.interval_p80_days,
            "preferred_weekday" => f64::from(self.preferred_weekday),
            "preferred_hour" => f64::from(self.preferred_hour),
            "spend_trend" => self.spend_trend,
            "returns" => self.returns as f64,
            "returned_amount" => self.returned_amount,
            "return_ratio" => return self.return_ratio,
            _ => return None,
        })
    }
}

/// One event fed to a [`ProfileAccumulator`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Event<'a> {
    /// When (µs since the epoch).
    pub timestamp: i64,
    /// Amount; negative for a return.
    pub amount: f64,
    /// Order id, if known.
    pub order_id: Option<&'a str>,
    /// Product category, if known.
    pub category: Option<&'a str>,
    /// Channel, if known.
    pub channel: Option<&'a str>,
}

/// The running state of one customer's profile. Feeding events one at a time gives the same
/// profile as the batch computation (which uses this type, in time order). It serializes, so an
/// app can persist it between sessions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ProfileAccumulator {
    #[serde(with = "pairs")]
    day_spend: BTreeMap<i64, f64>,
    first: Option<i64>,
    last: Option<i64>,
    latest_event: Option<i64>,
    transactions: u64,
    order_ids: BTreeSet<String>,
    orders_without_id: u64,
    total_spend: f64,
    returns: u64,
    returned_amount: f64,
    category_spend: BTreeMap<String, f64>,
    channel_spend: BTreeMap<String, f64>,
    weekdays: [u64; 7],
    hours: [u64; 24],
}

impl crate::format::Versioned for ProfileAccumulator {
    const KIND: &'static str = "profile_state";
}

impl ProfileAccumulator {
    /// Reads a saved state (`profile_state` document).
    pub fn from_json(text: &str) -> Result<Self, crate::format::FormatError> {
        crate::format::from_json(text)
    }

    /// Writes the state as a versioned document, to be resumed later or elsewhere.
    pub fn to_json(&self) -> String {
        crate::format::to_json(self)
    }

    /// An empty profile.
    pub fn new() -> Self {
        Self::default()
    }

    /// An event's time from text by the rule every binding shares: ISO 8601 (see
    /// [`parse_timestamp`](crate::data::time::parse_timestamp)); anything else is
    /// `InvalidEvent` (the text itself is not repeated).
    pub fn event_time(text: &str) -> Result<i64, ProfileError> {
        crate::data::time::parse_timestamp(text, None).ok_or_else(|| ProfileError::InvalidEvent {
            reason: "timestamp is not ISO 8601".into(),
        })
    }

    /// Adds one event. A NaN or infinite amount, or one beyond validation's
    /// [`MAX_MAGNITUDE`](crate::data::MAX_MAGNITUDE), is rejected (the state is
    /// unchanged).
    pub fn add(&mut self, event: &Event) -> Result<(), ProfileError> {
        if !event.amount.is_finite() {
            return Err(ProfileError::InvalidEvent {
                reason: "amount is NaN or infinite".into(),
            });
        }
        if event.amount.abs() > crate::data::MAX_MAGNITUDE {
            return Err(ProfileError::InvalidEvent {
                reason: crate::data::RejectReason::TooLarge.to_string(),
            });
        }
        let ts = event.timestamp;
        self.latest_event = Some(self.latest_event.map_or(ts, |l| l.max(ts)));
        if event.amount < 0.0 {
            self.returns += 1;
            self.returned_amount += -event.amount;
            return Ok(());
        }
        self.first = Some(self.first.map_or(ts, |f| f.min(ts)));
        self.last = Some(self.last.map_or(ts, |l| l.max(ts)));
        self.transactions += 1;
        match event.order_id {
            Some(id) => {
                if !self.order_ids.contains(id) {
                    self.order_ids.insert(id.to_string());
                }
            }
            None => self.orders_without_id += 1,
        }
        self.total_spend += event.amount;
        *self.day_spend.entry(day_of(ts)).or_insert(0.0) += event.amount;
        for (map, key) in [
            (&mut self.category_spend, event.category),
            (&mut self.channel_spend, event.channel),
        ] {
            if let Some(key) = key {
                match map.get_mut(key) {
                    Some(v) => *v += event.amount,
                    None => {
                        map.insert(key.to_string(), event.amount);
                    }
                }
            }
        }
        self.weekdays[weekday_of(ts) as usize] += 1;
        self.hours[hour_of(ts) as usize] += 1;
        Ok(())
    }

    /// Whether any purchase was added.
    pub fn has_purchases(&self) -> bool {
        self.first.is_some()
    }

    /// The profile as of `opts.observation_end` (default: the latest event added); `None`
    /// before the first purchase.
    pub fn profile(
        &self,
        customer_id: &str,
        opts: &ProfileOptions,
    ) -> Result<Option<CustomerProfile>, ProfileError> {
        opts.check()?;
        let (Some(first), Some(last)) = (self.first, self.last) else {
            return Ok(None);
        };
        let end = opts.observation_end.or(self.latest_event).unwrap_or(last);
        let days = |micros: i64| micros as f64 / MICROS_PER_DAY as f64;
        let first_day = *self.day_spend.keys().next().expect("purchases have days");
        let last_day = *self
            .day_spend
            .keys()
            .next_back()
            .expect("purchases have days");
        let end_day = day_of(end);
        let repeat: Vec<f64> = self.day_spend.values().skip(1).copied().collect();
        let monetary_value = if repeat.is_empty() {
            0.0
        } else {
            repeat.iter().sum::<f64>() / repeat.len() as f64
        };
        let gaps: Vec<f64> = self
            .day_spend
            .keys()
            .zip(self.day_spend.keys().skip(1))
            .map(|(a, b)| (b - a) as f64)
            .collect();
        let orders = self.order_ids.len() as u64 + self.orders_without_id;
        Ok(Some(CustomerProfile {
            customer_id: customer_id.to_string(),
            first_purchase: first,
            last_purchase: last,
            tenure_days: days(end - first),
            days_since_last_purchase: days(end - last),
            transactions: self.transactions,
            orders,
            total_spend: self.total_spend,
            avg_order_value: self.total_spend / orders as f64,
            frequency: (self.day_spend.len() - 1) as f64,
            recency: (last_day - first_day) as f64,
            t: (end_day - first_day) as f64,
            monetary_value,
            interval_mean_days: mean(&gaps),
            interval_median_days: median(&gaps),
            interval_std_days: sample_std(&gaps),
            interval_p80_days: quantile(&gaps, 0.8),
            top_categories: top_shares(&self.category_spend, self.total_spend, opts.top_n),
            top_channels: top_shares(&self.channel_spend, self.total_spend, opts.top_n),
            preferred_weekday: argmax(&self.weekdays) as u8,
            preferred_hour: argmax(&self.hours) as u8,
            spend_trend: self.spend_trend(end_day, opts),
            returns: self.returns,
            returned_amount: self.returned_amount,
            return_ratio: (self.total_spend > 0.0).then(|| self.returned_amount / self.total_spend),
        }))
    }

    fn spend_trend(&self, end_day: i64, opts: &ProfileOptions) -> f64 {
        let periods = opts.trend_periods;
        let len = i64::from(opts.trend_period_days);
        let window = len * periods as i64;
        let mut spend = vec![0.0; periods];
        for (&day, &amount) in self.day_spend.range(end_day - window + 1..=end_day) {
            let back = ((end_day - day) / len) as usize;
            spend[periods - 1 - back] += amount;
        }
        let x_mean = (periods - 1) as f64 / 2.0;
        let y_mean = spend.iter().sum::<f64>() / periods as f64;
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for (k, y) in spend.iter().enumerate() {
            let dx = k as f64 - x_mean;
            sxy += dx * (y - y_mean);
            sxx += dx * dx;
        }
        sxy / sxx
    }
}

/// Serializes the day map as a list of `[day, spend]` pairs (JSON object keys are text).
mod pairs {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use std::collections::BTreeMap;

    pub fn serialize<S: Serializer>(map: &BTreeMap<i64, f64>, s: S) -> Result<S::Ok, S::Error> {
        let v: Vec<(i64, f64)> = map.iter().map(|(k, v)| (*k, *v)).collect();
        v.serialize(s)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<BTreeMap<i64, f64>, D::Error> {
        Ok(Vec::<(i64, f64)>::deserialize(d)?.into_iter().collect())
    }
}

fn mean(v: &[f64]) -> Option<f64> {
    (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
}

/// The `q` quantile by linear interpolation between order statistics (numpy's default).
fn quantile(v: &[f64], q: f64) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let h = (s.len() - 1) as f64 * q;
    let lo = h.floor() as usize;
    let hi = (lo + 1).min(s.len() - 1);
    Some(s[lo] + (h - lo as f64) * (s[hi] - s[lo]))
}

fn median(v: &[f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    let mut s = v.to_vec();
    s.sort_by(f64::total_cmp);
    let m = s.len() / 2;
    Some(if s.len() % 2 == 1 {
        s[m]
    } else {
        (s[m - 1] + s[m]) / 2.0
    })
}

fn sample_std(v: &[f64]) -> Option<f64> {
    if v.len() < 2 {
        return None;
    }
    let m = mean(v)?;
    let ss: f64 = v.iter().map(|x| (x - m) * (x - m)).sum();
    Some((ss / (v.len() - 1) as f64).sqrt())
}

fn argmax(counts: &[u64]) -> usize {
    let mut best = 0;
    for (i, &c) in counts.iter().enumerate() {
        if c > counts[best] {
            best = i;
        }
    }
    best
}

fn top_shares(spend: &BTreeMap<String, f64>, total: f64, n: usize) -> Vec<Share> {
    let mut shares: Vec<Share> = spend
        .iter()
        .map(|(name, &s)| Share {
            name: name.clone(),
            share: if total > 0.0 { s / total } else { 0.0 },
        })
        .collect();
    // Largest first; equal shares in name order (the map's order, kept by the stable sort).
    shares.sort_by(|a, b| b.share.total_cmp(&a.share));
    shares.truncate(n);
    shares
}

/// Profiles of a table: one per customer with a purchase, in customer-id order.
#[derive(Debug, Clone, PartialEq)]
pub struct ProfileSet {
    /// The profiles.
    pub profiles: Vec<CustomerProfile>,
    /// Customers with only returns (no purchase): reported, not profiled.
    pub without_purchases: Vec<String>,
    /// Events after the observation end, left out.
    pub rows_after_end: usize,
}

/// Profiles every customer of `t` in parallel: each customer's events are fed to a
/// [`ProfileAccumulator`] in time order (ties in table order).
pub fn profile_customers(
    t: &Transactions,
    opts: &ProfileOptions,
) -> Result<ProfileSet, ProfileError> {
    opts.check()?;
    let end = opts
        .observation_end
        .or_else(|| t.max_timestamp())
        .ok_or(ProfileError::Empty)?;
    let opts = ProfileOptions {
        observation_end: Some(end),
        ..opts.clone()
    };
    let grouping = t.group_by_customer(Some);
    let order = t.customers_in_id_order();
    let ts = t.timestamp();
    let results: Vec<(Result<Option<CustomerProfile>, ProfileError>, String, usize)> = order
        .par_iter()
        .with_min_len(64)
        .map(|&code| {
            let code = code as usize;
            let mut rows: Vec<usize> = grouping.of(code).to_vec();
            rows.sort_by_key(|&r| (ts[r], r));
            let mut acc = ProfileAccumulator::new();
            let mut after = 0;
            for r in rows {
                if ts[r] > end {
                    after += 1;
                    continue;
                }
                let event = Event {
                    timestamp: ts[r],
                    amount: t.amount().map_or(0.0, |a| a[r]),
                    order_id: t.order_id().and_then(|e| e.get(r)),
                    category: t.category().and_then(|e| e.get(r)),
                    channel: t.channel().and_then(|e| e.get(r)),
                };
                if let Err(e) = acc.add(&event) {
                    return (Err(e), String::new(), after);
                }
            }
            let id = t.ids().display(code);
            (acc.profile(&id, &opts), id, after)
        })
        .collect();
    let mut set = ProfileSet {
        profiles: Vec::with_capacity(results.len()),
        without_purchases: Vec::new(),
        rows_after_end: 0,
    };
    for (profile, id, after) in results {
        set.rows_after_end += after;
        match profile? {
            Some(p) => set.profiles.push(p),
            None if after == 0 => set.without_purchases.push(id),
            None => {}
        }
    }
    if set.profiles.is_empty() {
        return Err(ProfileError::Empty);
    }
    Ok(set)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::time::parse_timestamp;

    fn ev(ts: &str, amount: f64, cat: &'static str) -> (i64, f64, &'static str) {
        (parse_timestamp(ts, None).unwrap(), amount, cat)
    }

    #[test]
    fn computes_features_by_hand() {
        let events = [
            ev("2024-01-01 10:00", 10.0, "books"),
            ev("2024-01-01 18:00", 5.0, "music"),
            ev("2024-01-11 10:00", 20.0, "books"),
            ev("2024-01-31 10:00", 30.0, "books"),
            ev("2024-02-01 09:00", -6.0, "books"),
        ];
        let mut acc = ProfileAccumulator::new();
        for (ts, amount, cat) in events {
            acc.add(&Event {
                timestamp: ts,
                amount,
                order_id: None,
                category: Some(cat),
                channel: Some("web"),
            })
            .unwrap();
        }
        let opts = ProfileOptions {
            observation_end: parse_timestamp("2024-02-10", None),
            trend_periods: 2,
            trend_period_days: 20,
            ..Default::default()
        };
        let p = acc.profile("c1", &opts).unwrap().unwrap();
        assert_eq!(p.transactions, 4);
        assert_eq!(p.orders, 4);
        assert_eq!(p.total_spend, 65.0);
        assert_eq!(p.avg_order_value, 16.25);
        assert_eq!(
            (p.frequency, p.recency, p.t, p.monetary_value),
            (2.0, 30.0, 40.0, 25.0)
        );
        assert_eq!(p.interval_mean_days, Some(15.0));
        assert_eq!(p.interval_median_days, Some(15.0));
        assert!((p.interval_std_days.unwrap() - 50f64.sqrt()).abs() < 1e-12);
        // Gaps 10 and 20: numpy.percentile([10, 20], 80) = 18.
        assert_eq!(p.interval_p80_days, Some(18.0));
        assert_eq!(
            p.top_categories[0],
            Share {
                name: "books".into(),
                share: 60.0 / 65.0
            }
        );
        assert_eq!(p.top_channels[0].share, 1.0);
        assert_eq!(p.preferred_weekday, 0); // three Mondays? 01-01 Mon twice, 01-11 Thu, 01-31 Wed
        assert_eq!(p.preferred_hour, 10);
        // periods: (01-02..01-21] -> 20, (01-22..02-10] -> 30; slope 10
        assert!((p.spend_trend - 10.0).abs() < 1e-12);
        assert_eq!((p.returns, p.returned_amount), (1, 6.0));
        assert!((p.return_ratio.unwrap() - 6.0 / 65.0).abs() < 1e-15);
        assert!((p.tenure_days - 40.0 + 10.0 / 24.0).abs() < 1e-12);
        assert_eq!(p.numeric("monetary_value"), Some(25.0));
        assert_eq!(p.numeric("nope"), None);
        let resumed = ProfileAccumulator::from_json(&acc.to_json()).unwrap();
        assert_eq!(resumed, acc);
    }

    #[test]
    fn rejects_bad_events_and_options() {
        let mut acc = ProfileAccumulator::new();
        let bad = Event {
            timestamp: 0,
            amount: f64::NAN,
            order_id: None,
            category: None,
            channel: None,
        };
        assert_eq!(acc.add(&bad).unwrap_err().code(), "PROFILE_INVALID_EVENT");
        assert_eq!(acc, ProfileAccumulator::new());
        assert_eq!(acc.profile("x", &ProfileOptions::default()).unwrap(), None);
        let opts = ProfileOptions {
            trend_periods: 1,
            ..Default::default()
        };
        assert!(acc.profile("x", &opts).is_err());
    }
}
