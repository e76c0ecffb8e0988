//! One customer's value scores, for on-device scoring: a purchase model, optionally a spend
//! model and tier thresholds, applied to one history at a time.

use super::clv::{customer_lifetime_value, tier_of, ClvOptions};
use super::{GammaGamma, ValueError, ValueModel};

/// A purchase model (bgnbd, mbgnbd, pnbd or bgbb), optionally with a gamma_gamma spend model
/// and value tiers, that scores one customer at a time.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueScorer {
    purchase: ValueModel,
    spend: Option<GammaGamma>,
    tier_thresholds: Vec<f64>,
}

/// One customer's scores.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CustomerScore {
    /// Expected purchases within the horizon.
    pub expected_purchases: f64,
    /// Probability the customer is still active.
    pub probability_alive: f64,
    /// Expected mean spend (with a spend model).
    pub expected_spend: Option<f64>,
    /// Customer lifetime value (with a spend model).
    pub clv: Option<f64>,
    /// Value tier by the thresholds (with a spend model and thresholds).
    pub tier: Option<usize>,
}

impl ValueScorer {
    /// A scorer of these models; `tier_thresholds` are descending CLV values (from
    /// [`tier_thresholds`](super::tier_thresholds) over a population), empty for no tiers.
    pub fn new(
        purchase: ValueModel,
        spend: Option<ValueModel>,
        tier_thresholds: Vec<f64>,
    ) -> Result<Self, ValueError> {
        if matches!(purchase, ValueModel::GammaGamma(_)) {
            return Err(ValueError::InvalidOption {
                option: "purchase_model".into(),
                reason: "must be a bgnbd, mbgnbd, pnbd or bgbb model".into(),
            });
        }
        let spend = match spend {
            None => None,
            Some(ValueModel::GammaGamma(g)) => Some(g),
            Some(_) => {
                return Err(ValueError::InvalidOption {
                    option: "spend_model".into(),
                    reason: "must be a gamma_gamma model".into(),
                })
            }
        };
        if tier_thresholds.iter().any(|t| !t.is_finite())
            || tier_thresholds.windows(2).any(|w| w[0] < w[1])
        {
            return Err(ValueError::InvalidOption {
                option: "tier_thresholds".into(),
                reason: "must be finite and descending".into(),
            });
        }
        Ok(ValueScorer {
            purchase,
            spend,
            tier_thresholds,
        })
    }

    /// The purchase model.
    pub fn purchase(&self) -> &ValueModel {
        &self.purchase
    }

    /// Scores one customer (frequency `x`, recency `t_x`, age `t`, mean spend `m`) over
    /// `horizon` time units, valued with `clv`.
    pub fn score(
        &self,
        (x, t_x, t, m): (f64, f64, f64, f64),
        horizon: f64,
        clv: &ClvOptions,
    ) -> Result<CustomerScore, ValueError> {
        let expected_purchases = self
            .purchase
            .conditional_expected_purchases(horizon, x, t_x, t)?;
        let probability_alive = self.purchase.probability_alive(x, t_x, t)?;
        let (expected_spend, value, tier) = match &self.spend {
            None => (None, None, None),
            Some(spend) => {
                let value =
                    customer_lifetime_value(&self.purchase, spend, &[x], &[t_x], &[t], &[m], clv)?
                        [0];
                let tier = (!self.tier_thresholds.is_empty())
                    .then(|| tier_of(value, &self.tier_thresholds));
                (
                    Some(spend.conditional_expected_spend(x, m)?),
                    Some(value),
                    tier,
                )
            }
        };
        Ok(CustomerScore {
            expected_purchases,
            probability_alive,
            expected_spend,
            clv: value,
            tier,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::BetaGeo;

    #[test]
    fn scores_agree_with_the_batch_functions() {
        let bg = ValueModel::BetaGeo(BetaGeo {
            r: 0.24,
            alpha: 4.41,
            a: 0.79,
            b: 2.43,
        });
        let gg = ValueModel::GammaGamma(GammaGamma {
            p: 6.25,
            q: 3.74,
            gamma: 15.45,
        });
        let scorer = ValueScorer::new(bg, Some(gg), vec![500.0, 100.0, 20.0]).unwrap();
        let s = scorer
            .score((2.0, 30.4, 38.9, 22.35), 39.0, &ClvOptions::default())
            .unwrap();
        let ValueModel::GammaGamma(g) = gg else {
            unreachable!()
        };
        let batch = customer_lifetime_value(
            &bg,
            &g,
            &[2.0],
            &[30.4],
            &[38.9],
            &[22.35],
            &ClvOptions::default(),
        )
        .unwrap();
        assert_eq!(s.clv, Some(batch[0]));
        assert_eq!(
            s.probability_alive,
            bg.probability_alive(2.0, 30.4, 38.9).unwrap()
        );
        assert_eq!(s.tier, Some(tier_of(batch[0], &[500.0, 100.0, 20.0])));
        assert!(ValueScorer::new(gg, None, vec![]).is_err());
        assert!(ValueScorer::new(bg, Some(bg), vec![]).is_err());
        assert!(ValueScorer::new(bg, None, vec![1.0, 2.0]).is_err());
    }
}
