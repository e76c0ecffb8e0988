//! The crate-wide error: one variant per area, each with a stable machine-readable code.

use crate::{
    data::DataError, format::FormatError, profile::ProfileError, segment::SegmentError,
    simulate::SimulateError, value::ValueError,
};

/// Any error kehu returns. Messages never contain customer data (ids, names, contact details).
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// Intake or validation of input data failed.
    #[error(transparent)]
    Data(#[from] DataError),
    /// A profile computation was asked for something it cannot do.
    #[error(transparent)]
    Profile(#[from] ProfileError),
    /// A model or configuration JSON document was rejected.
    #[error(transparent)]
    Format(#[from] FormatError),
    /// The simulator configuration is invalid.
    #[error(transparent)]
    Simulate(#[from] SimulateError),
    /// A value model could not be fitted or evaluated.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// A segmentation could not be computed.
    #[error(transparent)]
    Segment(#[from] SegmentError),
}

impl Error {
    /// The area of the error: `"data"`, `"profile"`, `"format"`, `"simulate"`, `"value"` or
    /// `"segment"`.
    pub fn area(&self) -> &'static str {
        match self {
            Error::Data(_) => "data",
            Error::Profile(_) => "profile",
            Error::Format(_) => "format",
            Error::Simulate(_) => "simulate",
            Error::Value(_) => "value",
            Error::Segment(_) => "segment",
        }
    }

    /// A stable code naming the variant, e.g. `"DATA_MISSING_COLUMN"`; bindings expose it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::Data(e) => e.code(),
            Error::Profile(e) => e.code(),
            Error::Format(e) => e.code(),
            Error::Simulate(e) => e.code(),
            Error::Value(e) => e.code(),
            Error::Segment(e) => e.code(),
        }
    }
}
