//! Customer profiling (客户画像): lifetimes-compatible summaries, calibration/holdout splits, rich
//! per-customer profiles (batch and incremental) and rule tags.

mod features;
mod freq;
mod summary;
mod tags;

pub use features::{
    profile_customers, CustomerProfile, Event, GivenProfileOptions, ProfileAccumulator,
    ProfileOptions, ProfileSet, Share,
};
pub use freq::{Freq, UnknownFreq};
pub use summary::{
    calibration_and_holdout, summarize, CalibrationHoldout, GivenSummaryOptions, HoldoutOptions,
    Summary, SummaryOptions,
};
pub use tags::{Condition, TagRule, TagRules};

use crate::data::{validate, TransactionColumns, ValidationOptions};

/// Validates columns with [`ValidationOptions::lifetimes`] and summarises them: the
/// lifetimes-compatible entry point the bindings use.
pub fn summarize_columns(
    cols: &TransactionColumns,
    opts: &SummaryOptions,
) -> Result<Summary, crate::Error> {
    let (t, _) = validate(cols, &ValidationOptions::lifetimes())?;
    Ok(summarize(&t, opts)?)
}

/// Validates columns with [`ValidationOptions::lifetimes`] and splits them into calibration and
/// holdout.
pub fn calibration_and_holdout_columns(
    cols: &TransactionColumns,
    opts: &HoldoutOptions,
) -> Result<CalibrationHoldout, crate::Error> {
    let (t, _) = validate(cols, &ValidationOptions::lifetimes())?;
    Ok(calibration_and_holdout(&t, opts)?)
}

/// Validates columns and profiles the accepted rows: the entry point the bindings use. Bad rows
/// are reported, never an error (validation runs non-strict); the profiles' observation end
/// defaults to the validation's.
pub fn profile_columns(
    cols: &TransactionColumns,
    validation: &ValidationOptions,
    opts: &ProfileOptions,
) -> Result<(ProfileSet, crate::data::ValidationReport), crate::Error> {
    let validation = ValidationOptions {
        strict: false,
        ..validation.clone()
    };
    let opts = ProfileOptions {
        observation_end: opts.observation_end.or(validation.observation_end),
        ..opts.clone()
    };
    let (t, report) = validate(cols, &validation)?;
    Ok((profile_customers(&t, &opts)?, report))
}

/// Why a profile computation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ProfileError {
    /// No transactions to profile (none at all, or none by the observation end).
    #[error("no transactions to profile")]
    Empty,
    /// An option has an invalid value.
    #[error("invalid option '{option}': {reason}")]
    InvalidOption {
        /// The option.
        option: String,
        /// Why.
        reason: String,
    },
    /// No transactions fall in the holdout period.
    #[error("no transactions in the holdout period: check calibration_period_end and observation_period_end")]
    NoHoldoutData,
    /// A tag rule is invalid.
    #[error("invalid tag rule '{tag}': {reason}")]
    InvalidRule {
        /// The tag's name.
        tag: String,
        /// What is wrong.
        reason: String,
    },
    /// An incremental event was rejected.
    #[error("invalid event: {reason}")]
    InvalidEvent {
        /// Why.
        reason: String,
    },
}

impl ProfileError {
    /// Stable code of the variant.
    pub fn code(&self) -> &'static str {
        match self {
            ProfileError::Empty => "PROFILE_EMPTY",
            ProfileError::InvalidOption { .. } => "PROFILE_INVALID_OPTION",
            ProfileError::NoHoldoutData => "PROFILE_NO_HOLDOUT_DATA",
            ProfileError::InvalidRule { .. } => "PROFILE_INVALID_RULE",
            ProfileError::InvalidEvent { .. } => "PROFILE_INVALID_EVENT",
        }
    }
}
