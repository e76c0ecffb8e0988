//! Customer value (价值评估): "buy till you die" models fitted by maximum likelihood, with
//! standard errors and predictions: BG/NBD, MBG/NBD, Pareto/NBD, BG/BB and Gamma-Gamma.

pub mod bgbb;
pub mod bgnbd;
pub mod clv;
pub mod evaluate;
mod fit;
pub mod gamma_gamma;
pub mod mixing;
pub mod model;
pub mod optimize;
pub mod pareto_nbd;
pub mod score;
pub mod simulate;
pub mod special;
pub mod tracking;

pub use bgbb::BetaGeoBetaBinom;
pub use bgnbd::{BetaGeo, ModifiedBetaGeo};
pub use clv::{
    customer_lifetime_value, discounted_value, spend_model, tier_of, tier_thresholds,
    units_per_month, value_tiers, ClvOptions, PurchaseModel, DEFAULT_TIER_CUT_OFFS,
};
pub use evaluate::{
    expected_customers_by_frequency, holdout_check, period_transactions, FrequencyBin,
    HoldoutCheck, DEFAULT_MAX_FREQUENCY,
};
/// The earlier name of [`ValueRows`], kept so that `kehu::value::Rows` still compiles (the
/// segmentations' row view is `kehu::segment::kmeans::Rows`).
pub use fit::ValueRows as Rows;
pub use fit::{FitReport, ValueRows};
pub use gamma_gamma::GammaGamma;
pub use model::{
    map_customers, same_length, GridValue, ValueColumns, ValueFit, ValueModel, ValueOptions,
};
pub use pareto_nbd::ParetoNbd;
pub use score::{CustomerScore, ValueScorer};

/// A prediction horizon must be a finite number ≥ 0.
pub(crate) fn check_horizon(s: f64) -> Result<(), ValueError> {
    if s.is_finite() && s >= 0.0 {
        Ok(())
    } else {
        Err(ValueError::InvalidOption {
            option: "horizon".into(),
            reason: "must be a finite number ≥ 0".into(),
        })
    }
}

/// The default L2 penalizer (none).
pub const DEFAULT_PENALIZER: f64 = 0.0;

/// Why a value computation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ValueError {
    /// An input value is invalid.
    #[error("row {row}, field '{field}': {reason}")]
    InvalidData {
        /// 0-based row.
        row: usize,
        /// The field.
        field: String,
        /// Why.
        reason: String,
    },
    /// A model parameter is invalid.
    #[error("invalid parameter '{name}': {reason}")]
    InvalidParameter {
        /// The parameter.
        name: String,
        /// Why.
        reason: String,
    },
    /// An option is invalid.
    #[error("invalid option '{option}': {reason}")]
    InvalidOption {
        /// The option.
        option: String,
        /// Why.
        reason: String,
    },
    /// The data cannot identify the model (no repeat purchases at all, say).
    #[error("the model is not identified by these data: {reason}")]
    NotIdentified {
        /// Why.
        reason: String,
    },
    /// The call was interrupted ([`crate::cancel`]).
    #[error(transparent)]
    Cancelled(#[from] crate::cancel::Cancelled),
    /// A computation could not produce a finite result.
    #[error("numerical failure: {what}")]
    NumericalFailure {
        /// What failed.
        what: String,
    },
}

impl ValueError {
    /// The same error with its row set to `row` (input checks of one customer report row 0).
    pub fn at_row(self, row: usize) -> ValueError {
        match self {
            ValueError::InvalidData { field, reason, .. } => {
                ValueError::InvalidData { row, field, reason }
            }
            other => other,
        }
    }

    /// Stable code of the variant.
    pub fn code(&self) -> &'static str {
        match self {
            ValueError::InvalidData { .. } => "VALUE_INVALID_DATA",
            ValueError::InvalidParameter { .. } => "VALUE_INVALID_PARAMETER",
            ValueError::InvalidOption { .. } => "VALUE_INVALID_OPTION",
            ValueError::NotIdentified { .. } => "VALUE_NOT_IDENTIFIED",
            ValueError::Cancelled(_) => crate::cancel::CODE,
            ValueError::NumericalFailure { .. } => "VALUE_NUMERICAL_FAILURE",
        }
    }
}

/// Fitted models are saved as versioned documents of these kinds (`bgnbd`, `mbgnbd`, `pnbd`,
/// `bgbb`, `gamma_gamma`), holding the parameters; loading checks them.
mod persist {
    use super::{BetaGeo, BetaGeoBetaBinom, GammaGamma, ModifiedBetaGeo, ParetoNbd, ValueError};
    use crate::format::{self, Versioned};

    impl Versioned for BetaGeo {
        const KIND: &'static str = "bgnbd";
    }

    impl Versioned for ModifiedBetaGeo {
        const KIND: &'static str = "mbgnbd";
    }

    impl Versioned for ParetoNbd {
        const KIND: &'static str = "pnbd";
    }

    impl ParetoNbd {
        /// The model as a versioned `pnbd` document.
        pub fn to_json(&self) -> String {
            format::to_json(self)
        }

        /// Loads a `pnbd` document.
        pub fn from_json(text: &str) -> Result<Self, crate::Error> {
            let m: ParetoNbd = format::from_json(text)?;
            Ok(ParetoNbd::new(m.r, m.alpha, m.s, m.beta)?)
        }
    }

    impl Versioned for GammaGamma {
        const KIND: &'static str = "gamma_gamma";
    }

    impl Versioned for BetaGeoBetaBinom {
        const KIND: &'static str = "bgbb";
    }

    impl BetaGeoBetaBinom {
        /// The model as a versioned `bgbb` document.
        pub fn to_json(&self) -> String {
            format::to_json(self)
        }

        /// Loads a `bgbb` document.
        pub fn from_json(text: &str) -> Result<Self, crate::Error> {
            let m: BetaGeoBetaBinom = format::from_json(text)?;
            positive(&[
                ("alpha", m.alpha),
                ("beta", m.beta),
                ("gamma", m.gamma),
                ("delta", m.delta),
            ])?;
            Ok(m)
        }
    }

    fn positive(params: &[(&str, f64)]) -> Result<(), ValueError> {
        match params.iter().find(|(_, v)| !(v.is_finite() && *v > 0.0)) {
            Some((name, _)) => Err(ValueError::InvalidParameter {
                name: name.to_string(),
                reason: "must be finite and > 0".into(),
            }),
            None => Ok(()),
        }
    }

    impl BetaGeo {
        /// The model as a versioned `bgnbd` document.
        pub fn to_json(&self) -> String {
            format::to_json(self)
        }

        /// Loads a `bgnbd` document.
        pub fn from_json(text: &str) -> Result<Self, crate::Error> {
            let m: BetaGeo = format::from_json(text)?;
            Ok(BetaGeo::new(m.r, m.alpha, m.a, m.b)?)
        }
    }

    impl ModifiedBetaGeo {
        /// The model as a versioned `mbgnbd` document.
        pub fn to_json(&self) -> String {
            format::to_json(self)
        }

        /// Loads an `mbgnbd` document.
        pub fn from_json(text: &str) -> Result<Self, crate::Error> {
            let m: ModifiedBetaGeo = format::from_json(text)?;
            Ok(ModifiedBetaGeo(BetaGeo::new(
                m.0.r, m.0.alpha, m.0.a, m.0.b,
            )?))
        }
    }

    impl GammaGamma {
        /// The model as a versioned `gamma_gamma` document.
        pub fn to_json(&self) -> String {
            format::to_json(self)
        }

        /// Loads a `gamma_gamma` document.
        pub fn from_json(text: &str) -> Result<Self, crate::Error> {
            let m: GammaGamma = format::from_json(text)?;
            positive(&[("p", m.p), ("q", m.q), ("gamma", m.gamma)])?;
            Ok(m)
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn models_round_trip_and_are_checked() {
            let m = BetaGeo {
                r: 0.2425945057553981,
                alpha: 4.413599924015533,
                a: 0.7929243754928647,
                b: 2.4259133000424655,
            };
            assert_eq!(BetaGeo::from_json(&m.to_json()).unwrap(), m);
            let mbg = ModifiedBetaGeo(m);
            assert_eq!(ModifiedBetaGeo::from_json(&mbg.to_json()).unwrap(), mbg);
            let gg = GammaGamma {
                p: 6.25,
                q: 3.74,
                gamma: 15.44,
            };
            assert_eq!(GammaGamma::from_json(&gg.to_json()).unwrap(), gg);
            let bb = BetaGeoBetaBinom {
                alpha: 1.204,
                beta: 0.75,
                gamma: 0.657,
                delta: 2.783,
            };
            assert_eq!(BetaGeoBetaBinom::from_json(&bb.to_json()).unwrap(), bb);
            let pnbd = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
            assert_eq!(ParetoNbd::from_json(&pnbd.to_json()).unwrap(), pnbd);
            assert_eq!(
                BetaGeo::from_json(&gg.to_json()).unwrap_err().code(),
                "FORMAT_WRONG_KIND"
            );
            let bad =
                r#"{"format_version": 1, "kind": "gamma_gamma", "p": -1, "q": 1, "gamma": 1}"#;
            assert_eq!(
                GammaGamma::from_json(bad).unwrap_err().code(),
                "VALUE_INVALID_PARAMETER"
            );
            let newer =
                r#"{"format_version": 2, "kind": "bgnbd", "r": 1, "alpha": 1, "a": 1, "b": 1}"#;
            assert_eq!(
                BetaGeo::from_json(newer).unwrap_err().code(),
                "FORMAT_NEWER_VERSION"
            );
        }
    }
}
