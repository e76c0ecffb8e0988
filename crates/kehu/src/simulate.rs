//! A seeded simulator of a customer base (the built-in sample data).
//!
//! Each customer makes a first purchase during the acquisition window, then repeat purchases
//! following the BG/NBD process (purchase rate λ ~ Gamma(r, α) per week; after each repeat
//! purchase the customer drops out with probability p ~ Beta(a, b)); order values follow
//! Gamma-Gamma (ν ~ Gamma(q, γ), value ~ Gamma(p, ν)). Customers have demographics, consent
//! flags, category and channel affinities; a share of rows can be made dirty for validation
//! demos. Random numbers come from ChaCha8 (`crate::rng`, one stream per customer) and pure-Rust
//! `libm` functions, so a seed gives the same data on every platform and for any number of
//! threads.

use crate::data::customers::{Attribute, CustomerTable};
use crate::data::time::{
    civil_from_days, day_of, parse_timestamp, MICROS_PER_DAY, MICROS_PER_SECOND,
};
use crate::data::RawTransactions;
use crate::format::{self, Versioned};
use crate::rng::Draw;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Why a simulation could not run.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SimulateError {
    /// A configuration field is out of range.
    #[error("invalid simulation setting '{field}': {reason}")]
    InvalidConfig {
        /// The field.
        field: String,
        /// Why.
        reason: String,
    },
}

impl SimulateError {
    /// Stable code of the variant.
    pub fn code(&self) -> &'static str {
        match self {
            SimulateError::InvalidConfig { .. } => "SIMULATE_INVALID_CONFIG",
        }
    }
}

/// BG/NBD parameters, time in weeks (defaults: the CDNOW estimates of Fader, Hardie and Lee 2005).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BgNbdParams {
    /// Shape of the purchase-rate gamma.
    pub r: f64,
    /// Rate of the purchase-rate gamma.
    pub alpha: f64,
    /// Dropout beta's a.
    pub a: f64,
    /// Dropout beta's b.
    pub b: f64,
}

/// Gamma-Gamma spend parameters (defaults: the CDNOW estimates).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGammaParams {
    /// Shape of the transaction-value gamma.
    pub p: f64,
    /// Shape of the customer-mean gamma.
    pub q: f64,
    /// Rate of the customer-mean gamma.
    pub gamma: f64,
}

/// What to simulate. Stored as the versioned JSON kind `simulation_config`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct SimulationConfig {
    /// Number of customers (default 100,000).
    pub customers: usize,
    /// Random seed (default 42).
    pub seed: u64,
    /// First day of the acquisition window, `YYYY-MM-DD` (default 2024-01-01).
    pub start: String,
    /// Length of the acquisition window in days (default 84: 12 weeks, as in CDNOW).
    pub acquisition_days: u32,
    /// Length of the observation period in days from `start` (default 546: 78 weeks).
    pub observation_days: u32,
    /// Purchase process.
    pub purchase: BgNbdParams,
    /// Spend process.
    pub spend: GammaGammaParams,
    /// Product categories.
    pub categories: Vec<String>,
    /// Products per category.
    pub products_per_category: u32,
    /// Sales channels.
    pub channels: Vec<String>,
    /// Share of order lines returned later (default 0.02).
    pub return_rate: f64,
    /// Share of rows made dirty (default 0.01): missing id, bad date, NaN amount, date after the
    /// end, exact duplicate.
    pub dirty_rate: f64,
}

impl Default for SimulationConfig {
    fn default() -> Self {
        SimulationConfig {
            customers: 100_000,
            seed: 42,
            start: "2024-01-01".into(),
            acquisition_days: 84,
            observation_days: 546,
            purchase: BgNbdParams {
                r: 0.243,
                alpha: 4.414,
                a: 0.793,
                b: 2.426,
            },
            spend: GammaGammaParams {
                p: 6.25,
                q: 3.74,
                gamma: 15.44,
            },
            categories: [
                "books",
                "music",
                "electronics",
                "home",
                "garden",
                "toys",
                "sports",
                "beauty",
            ]
            .map(String::from)
            .to_vec(),
            products_per_category: 25,
            channels: ["web", "app", "store"].map(String::from).to_vec(),
            return_rate: 0.02,
            dirty_rate: 0.01,
        }
    }
}

impl Versioned for SimulationConfig {
    const KIND: &'static str = "simulation_config";
}

/// A simulated customer base.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedData {
    /// Customers with `age`, `gender`, `region`, `loyalty_member`, `signup_date` and consent
    /// for `email`, `sms` and `push`.
    pub customers: CustomerTable,
    /// Transactions (order lines) with text timestamps `YYYY-MM-DD HH:MM:SS`.
    pub transactions: RawTransactions,
    /// End of the observation period (µs since the epoch).
    pub observation_end: i64,
}

impl SimulationConfig {
    /// Reads a `simulation_config` document.
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        let config: SimulationConfig = format::from_json(text)?;
        config.check()?;
        Ok(config)
    }

    /// The defaults with some settings changed: `text` is a JSON object of settings (e.g.
    /// `{"customers": 1000, "seed": 7}`); an unknown setting is an error.
    pub fn from_overrides(text: &str) -> Result<Self, crate::Error> {
        let invalid = |reason: String| SimulateError::InvalidConfig {
            field: "settings".into(),
            reason,
        };
        let overrides: serde_json::Map<String, serde_json::Value> =
            format::parse_json(text).map_err(invalid)?;
        let serde_json::Value::Object(mut merged) =
            serde_json::to_value(SimulationConfig::default()).expect("the config serializes")
        else {
            unreachable!("a struct serializes to an object")
        };
        for (key, value) in overrides {
            if !merged.contains_key(&key) {
                return Err(SimulateError::InvalidConfig {
                    field: key,
                    reason: "unknown setting".into(),
                }
                .into());
            }
            merged.insert(key, value);
        }
        let config: SimulationConfig =
            format::parse_json(&serde_json::Value::Object(merged).to_string()).map_err(invalid)?;
        config.check()?;
        Ok(config)
    }

    /// Writes the configuration as a versioned document.
    pub fn to_json(&self) -> String {
        format::to_json(self)
    }

    fn check(&self) -> Result<(), SimulateError> {
        let bad = |field: &str, reason: &str| {
            Err(SimulateError::InvalidConfig {
                field: field.into(),
                reason: reason.into(),
            })
        };
        let positive = [
            ("purchase.r", self.purchase.r),
            ("purchase.alpha", self.purchase.alpha),
            ("purchase.a", self.purchase.a),
            ("purchase.b", self.purchase.b),
            ("spend.p", self.spend.p),
            ("spend.q", self.spend.q),
            ("spend.gamma", self.spend.gamma),
        ];
        for (field, v) in positive {
            if !(v.is_finite() && v > 0.0) {
                return bad(field, "must be a finite number greater than 0");
            }
        }
        if self.customers == 0 {
            return bad("customers", "must be at least 1");
        }
        if self.customers > u32::MAX as usize {
            return bad("customers", "must be at most 4294967295");
        }
        if self.acquisition_days == 0 || self.acquisition_days > self.observation_days {
            return bad("acquisition_days", "must be between 1 and observation_days");
        }
        if parse_timestamp(&self.start, Some("%Y-%m-%d")).is_none() {
            return bad("start", "must be a date YYYY-MM-DD");
        }
        if self.categories.is_empty() || self.channels.is_empty() || self.products_per_category == 0
        {
            return bad(
                "categories",
                "categories, channels and products_per_category must not be empty",
            );
        }
        for (field, v) in [
            ("return_rate", self.return_rate),
            ("dirty_rate", self.dirty_rate),
        ] {
            if !(0.0..1.0).contains(&v) {
                return bad(field, "must be in [0, 1)");
            }
        }
        Ok(())
    }
}

struct Customer {
    age: f64,
    gender: &'static str,
    region: &'static str,
    loyalty: bool,
    signup_day: i64,
    consent: [bool; 3],
    rows: Vec<Line>,
}

#[derive(Clone)]
struct Line {
    timestamp: Option<String>,
    customer_id: Option<String>,
    amount: Option<f64>,
    order_id: String,
    quantity: f64,
    product_id: String,
    category: usize,
    channel: usize,
}

fn format_ts(micros: i64) -> String {
    let (y, m, d) = civil_from_days(day_of(micros));
    let secs = micros.rem_euclid(MICROS_PER_DAY) / MICROS_PER_SECOND;
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn cents(x: f64) -> f64 {
    libm::round(x * 100.0) / 100.0
}

fn simulate_customer(cfg: &SimulationConfig, index: usize, start_day: i64, end: i64) -> Customer {
    let mut rng = Draw::new(cfg.seed, index as u64);
    let id = format!("C{:07}", index + 1);
    let week = 7.0 * MICROS_PER_DAY as f64;
    let age = libm::round(42.0 + 14.0 * rng.normal()).clamp(18.0, 90.0);
    let gender = ["female", "male", "other"][rng.choose(&[0.49, 0.49, 0.02])];
    let region = ["north", "south", "east", "west", "central"][rng.below(5)];
    let loyalty = rng.bernoulli(0.35);
    let consent = [rng.bernoulli(0.7), rng.bernoulli(0.4), rng.bernoulli(0.3)];
    let category_affinity = rng.dirichlet(cfg.categories.len(), 0.5);
    let channel_affinity = rng.dirichlet(cfg.channels.len(), 1.0);
    let lambda = rng.gamma(cfg.purchase.r, 1.0 / cfg.purchase.alpha);
    let dropout = rng.beta(cfg.purchase.a, cfg.purchase.b);
    let nu = rng.gamma(cfg.spend.q, 1.0 / cfg.spend.gamma);
    let first_day = start_day + rng.below(cfg.acquisition_days as usize) as i64;
    let signup_day = first_day - rng.below(365) as i64;
    // Purchases happen between 08:00 and 22:00.
    let time_of_day =
        |rng: &mut Draw| (8.0 * 3600.0 + rng.uniform() * 14.0 * 3600.0) as i64 * MICROS_PER_SECOND;
    let mut times = vec![first_day * MICROS_PER_DAY + time_of_day(&mut rng)];
    let mut t = times[0] as f64;
    loop {
        t += rng.exponential(lambda) * week;
        if t >= end as f64 {
            break;
        }
        times.push(day_of(t as i64) * MICROS_PER_DAY + time_of_day(&mut rng));
        if rng.bernoulli(dropout) {
            break;
        }
    }
    let mut rows = Vec::new();
    for (k, &ts) in times.iter().enumerate() {
        let value = rng.gamma(cfg.spend.p, 1.0 / nu);
        let order_id = format!("{id}-{k}");
        let channel = rng.choose(&channel_affinity);
        // One order line in five orders is split in two lines of unequal value.
        let split = rng.bernoulli(0.2).then(|| 0.2 + 0.6 * rng.uniform());
        let parts = match split {
            Some(f) => vec![value * f, value * (1.0 - f)],
            None => vec![value],
        };
        for (line, part) in parts.into_iter().enumerate() {
            let category = rng.choose(&category_affinity);
            let product = rng.below(cfg.products_per_category as usize);
            let amount = cents(part).max(0.01);
            let l = Line {
                timestamp: Some(format_ts(ts)),
                customer_id: Some(id.clone()),
                amount: Some(amount),
                order_id: order_id.clone(),
                quantity: (1 + (line + rng.below(3)) % 3) as f64,
                product_id: format!("P{category:02}{product:03}"),
                category,
                channel,
            };
            if rng.bernoulli(cfg.return_rate) {
                let back = ts + (1 + rng.below(30) as i64) * MICROS_PER_DAY;
                if back < end {
                    rows.push(Line {
                        timestamp: Some(format_ts(back)),
                        amount: Some(-amount),
                        ..l.clone()
                    });
                }
            }
            rows.push(l);
        }
    }
    rows.sort_by(|a, b| a.timestamp.cmp(&b.timestamp));
    let mut dirty = Vec::with_capacity(rows.len());
    for line in rows {
        if !rng.bernoulli(cfg.dirty_rate) {
            dirty.push(line);
            continue;
        }
        match rng.below(5) {
            0 => dirty.push(Line {
                customer_id: None,
                ..line
            }),
            1 => dirty.push(Line {
                timestamp: Some("2024-13-45 25:61:00".into()),
                ..line
            }),
            2 => dirty.push(Line {
                amount: Some(f64::NAN),
                ..line
            }),
            3 => dirty.push(Line {
                timestamp: Some(format_ts(end + 30 * MICROS_PER_DAY)),
                ..line
            }),
            _ => {
                dirty.push(line.clone());
                dirty.push(line);
            }
        }
    }
    Customer {
        age,
        gender,
        region,
        loyalty,
        signup_day,
        consent,
        rows: dirty,
    }
}

/// Simulates a customer base. The same configuration gives the same data everywhere.
pub fn simulate(cfg: &SimulationConfig) -> Result<SimulatedData, SimulateError> {
    cfg.check()?;
    let start = parse_timestamp(&cfg.start, Some("%Y-%m-%d")).expect("checked");
    let start_day = day_of(start);
    let end = (start_day + i64::from(cfg.observation_days)) * MICROS_PER_DAY;
    let customers: Vec<Customer> = (0..cfg.customers)
        .into_par_iter()
        .with_min_len(256)
        .map(|i| simulate_customer(cfg, i, start_day, end))
        .collect();
    let n_rows: usize = customers.iter().map(|c| c.rows.len()).sum();
    let mut tx = RawTransactions {
        customer_id: Vec::with_capacity(n_rows),
        timestamp: Vec::with_capacity(n_rows),
        amount: Some(Vec::with_capacity(n_rows)),
        order_id: Some(Vec::with_capacity(n_rows)),
        quantity: Some(Vec::with_capacity(n_rows)),
        product_id: Some(Vec::with_capacity(n_rows)),
        category: Some(Vec::with_capacity(n_rows)),
        channel: Some(Vec::with_capacity(n_rows)),
        date_format: None,
    };
    for c in &customers {
        for l in &c.rows {
            tx.customer_id.push(l.customer_id.clone());
            tx.timestamp.push(l.timestamp.clone());
            tx.amount.as_mut().expect("set").push(l.amount);
            tx.order_id
                .as_mut()
                .expect("set")
                .push(Some(l.order_id.clone()));
            tx.quantity.as_mut().expect("set").push(Some(l.quantity));
            tx.product_id
                .as_mut()
                .expect("set")
                .push(Some(l.product_id.clone()));
            tx.category
                .as_mut()
                .expect("set")
                .push(Some(cfg.categories[l.category].clone()));
            tx.channel
                .as_mut()
                .expect("set")
                .push(Some(cfg.channels[l.channel].clone()));
        }
    }
    let ids: Vec<String> = (0..cfg.customers)
        .map(|i| format!("C{:07}", i + 1))
        .collect();
    let mut table = CustomerTable::new(ids).expect("simulated ids are unique");
    let attrs = [
        (
            "age",
            Attribute::Numeric(customers.iter().map(|c| Some(c.age)).collect()),
        ),
        (
            "gender",
            Attribute::Categorical(
                customers
                    .iter()
                    .map(|c| Some(c.gender.to_string()))
                    .collect(),
            ),
        ),
        (
            "region",
            Attribute::Categorical(
                customers
                    .iter()
                    .map(|c| Some(c.region.to_string()))
                    .collect(),
            ),
        ),
        (
            "loyalty_member",
            Attribute::Boolean(customers.iter().map(|c| Some(c.loyalty)).collect()),
        ),
        (
            "signup_date",
            Attribute::Date(customers.iter().map(|c| Some(c.signup_day)).collect()),
        ),
    ];
    for (name, values) in attrs {
        table
            .add_attribute(name, values)
            .expect("simulated columns have one value per customer");
    }
    for (k, channel) in ["email", "sms", "push"].iter().enumerate() {
        table
            .add_consent(channel, customers.iter().map(|c| c.consent[k]).collect())
            .expect("simulated columns have one value per customer");
    }
    Ok(SimulatedData {
        customers: table,
        transactions: tx,
        observation_end: end,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_seed_same_data_and_thread_independent() {
        let cfg = SimulationConfig {
            customers: 500,
            ..Default::default()
        };
        let a = simulate(&cfg).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| simulate(&cfg).unwrap());
        assert_eq!(
            format!("{:?}", a.transactions),
            format!("{:?}", b.transactions)
        );
        let c = simulate(&SimulationConfig { seed: 7, ..cfg }).unwrap();
        assert_ne!(
            format!("{:?}", a.transactions),
            format!("{:?}", c.transactions)
        );
    }

    #[test]
    fn rejects_bad_config() {
        let cfg = SimulationConfig {
            dirty_rate: 1.5,
            ..Default::default()
        };
        assert_eq!(
            simulate(&cfg).unwrap_err().code(),
            "SIMULATE_INVALID_CONFIG"
        );
        assert_eq!(
            SimulationConfig::from_overrides(r#"{"customers": 10, "sede": 1}"#)
                .unwrap_err()
                .code(),
            "SIMULATE_INVALID_CONFIG"
        );
        assert_eq!(
            SimulationConfig::from_overrides(r#"{"customers": 10}"#)
                .unwrap()
                .customers,
            10
        );
        let json = SimulationConfig::default().to_json();
        assert_eq!(
            SimulationConfig::from_json(&json).unwrap(),
            SimulationConfig::default()
        );
    }
}
