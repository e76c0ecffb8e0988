//! On-device customer scoring with value models saved by any kehu binding.

use crate::KehuError;
use kehu::value::{customer_lifetime_value, tier_of, ClvOptions, GammaGamma, ValueModel};
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
    purchase: ValueModel,
    spend: Option<GammaGamma>,
    tier_thresholds: Vec<f64>,
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
        if matches!(purchase, ValueModel::GammaGamma(_)) {
            return Err(kehu::value::ValueError::InvalidOption {
                option: "purchase_model".into(),
                reason: "must be a bgnbd, mbgnbd, pnbd or bgbb model".into(),
            }
            .into());
        }
        let spend = match spend_model {
            None => None,
            Some(text) => match ValueModel::from_json(&text)? {
                ValueModel::GammaGamma(g) => Some(g),
                _ => {
                    return Err(kehu::value::ValueError::InvalidOption {
                        option: "spend_model".into(),
                        reason: "must be a gamma_gamma model".into(),
                    }
                    .into())
                }
            },
        };
        Ok(Arc::new(ValueScorer {
            purchase,
            spend,
            tier_thresholds,
        }))
    }

    /// Scores one customer over `horizon` time units.
    pub fn score(
        &self,
        customer: CustomerHistory,
        horizon: f64,
        clv: Option<ClvSettings>,
    ) -> Result<ValueScore, KehuError> {
        let CustomerHistory {
            frequency: x,
            recency: tx,
            t,
            monetary_value: m,
        } = customer;
        let expected_purchases = self
            .purchase
            .conditional_expected_purchases(horizon, x, tx, t)?;
        let probability_alive = self.purchase.probability_alive(x, tx, t)?;
        let (expected_spend, value, tier) = match &self.spend {
            None => (None, None, None),
            Some(spend) => {
                let d = ClvOptions::default();
                let s = clv.unwrap_or_default();
                let opts = ClvOptions {
                    months: s.months.unwrap_or(d.months),
                    discount_rate: s.discount_rate.unwrap_or(d.discount_rate),
                    margin: s.margin.unwrap_or(d.margin),
                    units_per_month: s.units_per_month.unwrap_or(d.units_per_month),
                };
                let value =
                    customer_lifetime_value(&self.purchase, spend, &[x], &[tx], &[t], &[m], &opts)?
                        [0];
                let tier = (!self.tier_thresholds.is_empty())
                    .then(|| tier_of(value, &self.tier_thresholds) as u32);
                (
                    Some(spend.conditional_expected_spend(x, m)?),
                    Some(value),
                    tier,
                )
            }
        };
        Ok(ValueScore {
            expected_purchases,
            probability_alive,
            expected_spend,
            clv: value,
            tier,
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
            .purchase
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
        Ok(self.purchase.probability_of_purchases(
            f64::from(n),
            horizon,
            Some((frequency, recency, t)),
        )?)
    }
}
