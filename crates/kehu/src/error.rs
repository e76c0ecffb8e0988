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

/// Every error area; a code begins with its area in capitals (`DATA_MISSING_COLUMN` is `data`).
pub const AREAS: [&str; 6] = ["data", "profile", "format", "simulate", "value", "segment"];

/// The area of a kehu error code, or `None` for text that is not one (including `CANCELLED`,
/// an interrupt rather than an error of an area).
pub fn area_of_code(code: &str) -> Option<&'static str> {
    let (prefix, rest) = code.split_once('_')?;
    let well_formed = !rest.is_empty()
        && rest
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    AREAS.into_iter().find(|a| {
        well_formed
            && a.eq_ignore_ascii_case(prefix)
            && prefix.bytes().all(|b| b.is_ascii_uppercase())
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_name_their_area() {
        let e = Error::from(DataError::Empty);
        assert_eq!(area_of_code(e.code()), Some(e.area()));
        assert_eq!(area_of_code("SEGMENT_INVALID_RULE"), Some("segment"));
        for not_one in [
            "CANCELLED",
            "data_empty",
            "DATA_",
            "OTHER_THING",
            "InvalidArg",
            "",
        ] {
            assert_eq!(area_of_code(not_one), None, "{not_one}");
        }
    }
}
