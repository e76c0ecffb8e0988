//! UniFFI bindings for Kotlin (package `kehu`) and Swift (module `Kehu`): the on-device part of
//! kehu. An app keeps an incremental profile per customer, feeds it events, reads features and
//! tags, loads model/config JSON documents written by any other kehu binding, and scores a
//! customer's value with fitted value models.

use kehu::data::time::format_iso;
use kehu::profile::{CustomerProfile, Event, ProfileAccumulator, ProfileOptions, TagRules};
use kehu::simulate::SimulationConfig;
use std::sync::{Arc, Mutex};

uniffi::setup_scaffolding!();

mod segment;
mod value;
pub use segment::{
    lifecycle_stage, AttributeEntry, AudienceEvaluator, ClusterAssigner, MixtureAssigner,
    ModesAssigner, SegmentMapper,
};
pub use value::{ClvSettings, CustomerHistory, ValueScore, ValueScorer};

/// Every error kehu raises, by area; `code` is stable (e.g. `FORMAT_NEWER_VERSION`) and
/// `reason` says what is wrong (never with customer data).
#[derive(Debug, thiserror::Error, uniffi::Error)]
pub enum KehuError {
    /// Input data could not be taken in.
    #[error("{reason}")]
    Data { code: String, reason: String },
    /// A profile computation was asked for something it cannot do.
    #[error("{reason}")]
    Profile { code: String, reason: String },
    /// A model or configuration document was rejected.
    #[error("{reason}")]
    Format { code: String, reason: String },
    /// Simulation settings are invalid.
    #[error("{reason}")]
    Simulate { code: String, reason: String },
    /// A value model could not be fitted or evaluated.
    #[error("{reason}")]
    Value { code: String, reason: String },
    /// A segmentation could not be computed.
    #[error("{reason}")]
    Segment { code: String, reason: String },
}

impl<E: Into<kehu::Error>> From<E> for KehuError {
    fn from(e: E) -> Self {
        let e = e.into();
        let (code, reason) = (e.code().to_string(), e.to_string());
        match e {
            kehu::Error::Data(_) => KehuError::Data { code, reason },
            kehu::Error::Profile(_) => KehuError::Profile { code, reason },
            kehu::Error::Format(_) => KehuError::Format { code, reason },
            kehu::Error::Simulate(_) => KehuError::Simulate { code, reason },
            kehu::Error::Value(_) => KehuError::Value { code, reason },
            kehu::Error::Segment(_) => KehuError::Segment { code, reason },
        }
    }
}

/// One event: ISO 8601 timestamp, amount (negative for a return) and optional details.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ProfileEvent {
    pub timestamp: String,
    pub amount: f64,
    pub order_id: Option<String>,
    pub category: Option<String>,
    pub channel: Option<String>,
}

/// Profile options; `None` fields take the core's defaults.
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct ProfileSettings {
    /// ISO 8601 end of observation; default the latest event.
    pub observation_end: Option<String>,
    pub top_n: Option<u32>,
    pub trend_periods: Option<u32>,
    pub trend_period_days: Option<u32>,
}

/// A category's or channel's share of spend.
#[derive(Debug, Clone, uniffi::Record)]
pub struct Share {
    pub name: String,
    pub share: f64,
}

/// One customer's profile (definitions as in the Rust core's `CustomerProfile`).
#[derive(Debug, Clone, uniffi::Record)]
pub struct Profile {
    pub customer_id: String,
    /// µs since the epoch.
    pub first_purchase: i64,
    /// µs since the epoch.
    pub last_purchase: i64,
    /// ISO 8601 of `first_purchase`.
    pub first_purchase_iso: String,
    pub tenure_days: f64,
    pub days_since_last_purchase: f64,
    pub transactions: u64,
    pub orders: u64,
    pub total_spend: f64,
    pub avg_order_value: f64,
    pub frequency: f64,
    pub recency: f64,
    pub t: f64,
    pub monetary_value: f64,
    pub interval_mean_days: Option<f64>,
    pub interval_median_days: Option<f64>,
    pub interval_std_days: Option<f64>,
    pub interval_p80_days: Option<f64>,
    pub top_categories: Vec<Share>,
    pub top_channels: Vec<Share>,
    pub preferred_weekday: u8,
    pub preferred_hour: u8,
    pub spend_trend: f64,
    pub returns: u64,
    pub returned_amount: f64,
    pub return_ratio: Option<f64>,
}

fn share(v: &[kehu::profile::Share]) -> Vec<Share> {
    v.iter()
        .map(|s| Share {
            name: s.name.clone(),
            share: s.share,
        })
        .collect()
}

impl From<&CustomerProfile> for Profile {
    fn from(p: &CustomerProfile) -> Self {
        Profile {
            customer_id: p.customer_id.clone(),
            first_purchase: p.first_purchase,
            last_purchase: p.last_purchase,
            first_purchase_iso: format_iso(p.first_purchase),
            tenure_days: p.tenure_days,
            days_since_last_purchase: p.days_since_last_purchase,
            transactions: p.transactions,
            orders: p.orders,
            total_spend: p.total_spend,
            avg_order_value: p.avg_order_value,
            frequency: p.frequency,
            recency: p.recency,
            t: p.t,
            monetary_value: p.monetary_value,
            interval_mean_days: p.interval_mean_days,
            interval_median_days: p.interval_median_days,
            interval_std_days: p.interval_std_days,
            interval_p80_days: p.interval_p80_days,
            top_categories: share(&p.top_categories),
            top_channels: share(&p.top_channels),
            preferred_weekday: p.preferred_weekday,
            preferred_hour: p.preferred_hour,
            spend_trend: p.spend_trend,
            returns: p.returns,
            returned_amount: p.returned_amount,
            return_ratio: p.return_ratio,
        }
    }
}

fn options(s: Option<ProfileSettings>) -> Result<ProfileOptions, KehuError> {
    let s = s.unwrap_or_default();
    Ok(kehu::profile::GivenProfileOptions {
        observation_end: s.observation_end.as_deref(),
        top_n: s.top_n.map(|n| n as usize),
        trend_periods: s.trend_periods.map(|n| n as usize),
        trend_period_days: s.trend_period_days,
    }
    .options()?)
}

/// Tag rules (a `tag_rules` document), checked when loaded.
#[derive(uniffi::Object)]
pub struct Tags {
    rules: TagRules,
}

#[uniffi::export]
impl Tags {
    /// Loads and checks tag rules: a `tag_rules` document, a list of rules or an object of
    /// conditions by tag name.
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>, KehuError> {
        Ok(Arc::new(Tags {
            rules: TagRules::from_given_json(&json)?,
        }))
    }

    /// The tag names, in rule order.
    pub fn names(&self) -> Vec<String> {
        self.rules.tags.iter().map(|t| t.name.clone()).collect()
    }

    /// The rules as a versioned document.
    pub fn to_json(&self) -> String {
        self.rules.to_json()
    }
}

/// One customer's profile kept on the device, updated event by event.
#[derive(uniffi::Object)]
pub struct IncrementalProfile {
    state: Mutex<ProfileAccumulator>,
}

impl IncrementalProfile {
    fn state(&self) -> std::sync::MutexGuard<'_, ProfileAccumulator> {
        // A panic while holding the lock cannot leave the state half-updated (`add` validates
        // before it mutates), so a poisoned lock still holds a consistent state.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    pub(crate) fn compute(
        &self,
        customer_id: &str,
        settings: Option<ProfileSettings>,
    ) -> Result<Option<CustomerProfile>, KehuError> {
        Ok(self.state().profile(customer_id, &options(settings)?)?)
    }
}

#[uniffi::export]
impl IncrementalProfile {
    /// An empty profile.
    #[uniffi::constructor]
    pub fn new() -> Arc<Self> {
        Arc::new(IncrementalProfile {
            state: Mutex::new(ProfileAccumulator::new()),
        })
    }

    /// Restores a state saved with `to_json` (a `profile_state` document).
    #[uniffi::constructor]
    pub fn from_json(json: String) -> Result<Arc<Self>, KehuError> {
        Ok(Arc::new(IncrementalProfile {
            state: Mutex::new(ProfileAccumulator::from_json(&json)?),
        }))
    }

    /// Adds one event.
    pub fn add(&self, event: ProfileEvent) -> Result<(), KehuError> {
        let ts = ProfileAccumulator::event_time(&event.timestamp)?;
        self.state().add(&Event {
            timestamp: ts,
            amount: event.amount,
            order_id: event.order_id.as_deref(),
            category: event.category.as_deref(),
            channel: event.channel.as_deref(),
        })?;
        Ok(())
    }

    /// The profile, `None` before the first purchase.
    pub fn profile(
        &self,
        customer_id: String,
        settings: Option<ProfileSettings>,
    ) -> Result<Option<Profile>, KehuError> {
        Ok(self
            .compute(&customer_id, settings)?
            .as_ref()
            .map(Profile::from))
    }

    /// The tags the customer has now (empty before the first purchase).
    pub fn tags(
        &self,
        customer_id: String,
        tags: Arc<Tags>,
        settings: Option<ProfileSettings>,
    ) -> Result<Vec<String>, KehuError> {
        Ok(match self.compute(&customer_id, settings)? {
            Some(p) => tags
                .rules
                .evaluate(&p)
                .into_iter()
                .map(String::from)
                .collect(),
            None => Vec::new(),
        })
    }

    /// The state as a versioned JSON document, to persist between app sessions.
    pub fn to_json(&self) -> String {
        self.state().to_json()
    }
}

/// The `kind` of a kehu JSON document (after checking its `format_version`), to dispatch on.
#[uniffi::export]
pub fn document_kind(json: String) -> Result<String, KehuError> {
    Ok(kehu::format::peek_kind(&json)?)
}

/// Loads and checks a `simulation_config` document; returns it normalised.
#[uniffi::export]
pub fn check_simulation_config(json: String) -> Result<String, KehuError> {
    Ok(SimulationConfig::from_json(&json)?.to_json())
}

/// The newest `format_version` this build reads and writes.
#[uniffi::export]
pub fn format_version() -> u32 {
    kehu::format::FORMAT_VERSION
}
