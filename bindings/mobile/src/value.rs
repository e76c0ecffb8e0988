//! On-device customer scoring with value models saved by any kehu binding.

use crate::KehuError;
use kehu::value::{ClvOptions, ValueModel};
use std::sync::Arc;

/// One customer's purchase history summary (lifetimes' frequency, recency, T, monetary value),
/// in the model's time unit.
#[derive(Debug, Clone, uniffi::Record)]
pub struct CustomerHistory {
    pub frequency: f64,
    pub recency: f64,
    pub t: f64,
    pub monetary_value: f64,
}

/// CLV settings; `None` fields take the core's defaults (12 months, 1% monthly discount,
/// margin 1, 30 time units per month).
#[derive(Debug, Clone, Default, uniffi::Record)]
pub struct ClvSettings {
    pub months: Option<u32>,
    pub discount_rate: Option<f64>,
    pub margin: Option<f64>,
    pub units_per_month: Option<f64>,
}

/// A customer's scores.
#[derive(Debug, Clone, uniffi::Record)]
pub struct ValueScore {
    /// Expected purchases within the horizon.
    pub expected_purchases: f64,
    /// Probability the customer is still active.
    pub probability_alive: f64,
    /// Expected mean spend (with a spend model).
    pub expected_spend: Option<f64>,
    /// Customer lifetime value (with a spend model).
    pub clv: Option<f64>,
    /// Value tier from the thresholds given (with a spend model and thresholds).
    pub tier: Option<u32>,
}

/// Scores customers with a purchase model (bgnbd, mbgnbd, pnbd or bgbb) and optionally a
/// gamma_gamma spend model.
#[derive(uniffi::Object)]
pub struct ValueScorer {
    scorer: kehu::value::ValueScorer,
}

#[uniffi::export]
impl ValueScorer {
    /// Loads the models; `tier_thresholds` are descending CLV values (from `tier_thresholds` in
    /// the core or a server), empty for no tiers.
    #[uniffi::constructor]
    pub fn from_json(
        purchase_model: String,
        spend_model: Option<String>,
        tier_thresholds: Vec<f64>,
    ) -> Result<Arc<Self>, KehuError> {
        let purchase = ValueModel::from_json(&purchase_model)?;
        let spend = spend_model.map(|t| ValueModel::from_json(&t)).transpose()?;
        let scorer = kehu::value::ValueScorer::new(purchase, spend, tier_thresholds)?;
        Ok(Arc::new(ValueScorer { scorer }))
    }

    /// Scores one customer over `horizon` time units.
    pub fn score(
        &self,
        customer: CustomerHistory,
        horizon: f64,
        clv: Option<ClvSettings>,
    ) -> Result<ValueScore, KehuError> {
        let c = customer;
        let s = clv.unwrap_or_default();
        let clv = ClvOptions::given(s.months, s.discount_rate, s.margin, s.units_per_month);
        let score = self.scorer.score(
            (c.frequency, c.recency, c.t, c.monetary_value),
            horizon,
            &clv,
        )?;
        Ok(ValueScore {
            expected_purchases: score.expected_purchases,
            probability_alive: score.probability_alive,
            expected_spend: score.expected_spend,
            clv: score.clv,
            tier: score.tier.map(|t| t as u32),
        })
    }

    /// Discounted expected residual transactions of one customer (pnbd: continuous `rate` per
    /// time unit; bgbb: per opportunity).
    pub fn discounted_expected_residual_transactions(
        &self,
        customer: CustomerHistory,
        rate: f64,
    ) -> Result<f64, KehuError> {
        let CustomerHistory {
            frequency,
            recency,
            t,
            ..
        } = customer;
        Ok(self
            .scorer
            .purchase()
            .discounted_expected_residual_transactions(rate, frequency, recency, t)?)
    }

    /// P(`n` purchases in the next `horizon` time units) for one customer.
    pub fn probability_of_purchases(
        &self,
        customer: CustomerHistory,
        n: u32,
        horizon: f64,
    ) -> Result<f64, KehuError> {
        let CustomerHistory {
            frequency,
            recency,
            t,
            ..
        } = customer;
        Ok(self.scorer.purchase().probability_of_purchases(
            f64::from(n),
            horizon,
            Some((frequency, recency, t)),
        )?)
    }
}
