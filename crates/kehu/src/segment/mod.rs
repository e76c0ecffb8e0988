//! Customer segmentation (客群分类): RFM scores with explicit tie policies and segment maps as
//! data; k-means (Lloyd, Hamerly), mini-batch k-means, k-prototypes / k-modes and Gaussian
//! mixtures; scores for choosing k; lifecycle stages; rule audiences; portraits.
//!
//! The numeric families read one row view, [`kmeans::Rows`] (defined in the private `rows`
//! module with the weight and variance helpers they share); k-means, audiences and
//! k-prototypes are folders whose `mod.rs` holds the public API (see `docs/architecture.md`).

pub mod audience;
mod distance;
pub mod gmm;
pub mod kmeans;
pub mod kprototypes;
pub mod lifecycle;
pub mod maps;
pub mod minibatch;
mod names;
pub mod portrait;
pub mod quality;
pub mod rfm;
mod rows;

pub use maps::{MapCheck, Range, ScoreRange, SegmentMap, SegmentRule};
pub use rfm::{
    rfm_inputs, rfm_scores, Binning, FrequencyBasis, MonetaryBasis, RfmInputs, RfmOptions,
    RfmScoreOptions, RfmScores, Ties,
};

/// Why a segmentation failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum SegmentError {
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
    /// An option is invalid.
    #[error("invalid option '{option}': {reason}")]
    InvalidOption {
        /// The option.
        option: String,
        /// Why.
        reason: String,
    },
    /// The call was interrupted ([`crate::cancel`]).
    #[error(transparent)]
    Cancelled(#[from] crate::cancel::Cancelled),
    /// A segment map is malformed.
    #[error("invalid segment map: {reason}")]
    InvalidMap {
        /// Why (names the rule or line).
        reason: String,
    },
    /// An audience rule is malformed or cannot be evaluated (an unknown field, an operator that
    /// does not fit the value, a reference cycle).
    #[error("invalid audience rule: {reason}")]
    InvalidRule {
        /// Why (names the audience and the node, e.g. `audience 'vip', rule.and[2]`).
        reason: String,
    },
    /// A score is outside the range a segment map is written for (e.g. 10-bin scores under a
    /// map for scores 1…5).
    #[error("row {row}, {field}: outside the scores {min}…{max} the segment map is written for")]
    ScoreOutOfRange {
        /// 0-based row.
        row: usize,
        /// `recency score`, `frequency score` or `monetary score`.
        field: String,
        /// The map's lowest score.
        min: u32,
        /// The map's highest score.
        max: u32,
    },
    /// Scores were binned for another range than the segment map is written for (e.g. 2-bin
    /// scores, which all fall in a 1…5 map's lowest cells).
    #[error("{field}: the scores run 1…{bins}, the segment map is written for {min}…{max}")]
    ScoreRangeMismatch {
        /// `recency score`, `frequency score` or `monetary score`.
        field: String,
        /// The scoring's number of scores.
        bins: u32,
        /// The map's lowest score.
        min: u32,
        /// The map's highest score.
        max: u32,
    },
}

impl SegmentError {
    /// Stable code of the variant.
    pub fn code(&self) -> &'static str {
        match self {
            SegmentError::InvalidData { .. } => "SEGMENT_INVALID_DATA",
            SegmentError::InvalidOption { .. } => "SEGMENT_INVALID_OPTION",
            SegmentError::InvalidMap { .. } => "SEGMENT_INVALID_MAP",
            SegmentError::InvalidRule { .. } => "SEGMENT_INVALID_RULE",
            SegmentError::ScoreOutOfRange { .. } => "SEGMENT_SCORE_OUT_OF_RANGE",
            SegmentError::ScoreRangeMismatch { .. } => "SEGMENT_SCORE_RANGE_MISMATCH",
            SegmentError::Cancelled(_) => crate::cancel::CODE,
        }
    }
}
