//! Customer segmentation (客群分类): RFM scores with explicit tie policies and segment maps as
//! data; k-means (Lloyd, Hamerly), mini-batch k-means, k-prototypes / k-modes and Gaussian
//! mixtures; scores for choosing k; lifecycle stages; rule audiences; portraits.

pub mod audience;
mod distance;
pub mod gmm;
pub mod kmeans;
pub mod kprototypes;
pub mod lifecycle;
pub mod maps;
pub mod minibatch;
pub mod portrait;
pub mod quality;
pub mod rfm;

pub use maps::{MapCheck, Range, SegmentMap, SegmentRule};
pub use rfm::{
    rfm_inputs, rfm_scores, Binning, FrequencyBasis, MonetaryBasis, RfmInputs, RfmOptions,
    RfmScores, Ties,
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
    /// A segment map is malformed.
    #[error("invalid segment map: {reason}")]
    InvalidMap {
        /// Why (names the rule or line).
        reason: String,
    },
}

impl SegmentError {
    /// Stable code of the variant.
    pub fn code(&self) -> &'static str {
        match self {
            SegmentError::InvalidData { .. } => "SEGMENT_INVALID_DATA",
            SegmentError::InvalidOption { .. } => "SEGMENT_INVALID_OPTION",
            SegmentError::InvalidMap { .. } => "SEGMENT_INVALID_MAP",
        }
    }
}
