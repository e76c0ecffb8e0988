//! Customer value (价值评估): "buy till you die" models fitted by maximum likelihood, with
//! standard errors and predictions. Implemented so far: BG/NBD, MBG/NBD and Gamma-Gamma.

pub mod bgnbd;
mod fit;
pub mod gamma_gamma;
pub mod optimize;
pub mod special;

pub use bgnbd::{BetaGeo, ModifiedBetaGeo};
pub use fit::{FitReport, Rows};
pub use gamma_gamma::GammaGamma;

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
    /// A computation could not produce a finite result.
    #[error("numerical failure: {what}")]
    NumericalFailure {
        /// What failed.
        what: String,
    },
}

impl ValueError {
    /// Stable code of the variant.
    pub fn code(&self) -> &'static str {
        match self {
            ValueError::InvalidData { .. } => "VALUE_INVALID_DATA",
            ValueError::InvalidParameter { .. } => "VALUE_INVALID_PARAMETER",
            ValueError::InvalidOption { .. } => "VALUE_INVALID_OPTION",
            ValueError::NumericalFailure { .. } => "VALUE_NUMERICAL_FAILURE",
        }
    }
}
