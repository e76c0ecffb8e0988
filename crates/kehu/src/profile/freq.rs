//! Time periods with pandas' semantics, as lifetimes uses them (`freq`).

use crate::data::time::{
    civil_from_days, day_of, days_from_civil, MICROS_PER_DAY, MICROS_PER_SECOND,
};
use serde::{Deserialize, Serialize};
use std::str::FromStr;

/// The period length that counts purchases and measures time (pandas `freq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Freq {
    /// Seconds (`"s"`).
    Second,
    /// Minutes (`"min"`).
    Minute,
    /// Hours (`"h"`).
    Hour,
    /// Days (`"D"`).
    Day,
    /// Weeks ending on Sunday, as pandas `"W"` (`"W-SUN"`).
    Week,
    /// Calendar months (`"M"`). lifetimes cannot use it; here a month counts as one unit.
    Month,
}

impl Freq {
    /// The index of the period holding a timestamp (µs since the epoch); consecutive periods have
    /// consecutive indices.
    pub fn period(self, micros: i64) -> i64 {
        match self {
            Freq::Second => micros.div_euclid(MICROS_PER_SECOND),
            Freq::Minute => micros.div_euclid(60 * MICROS_PER_SECOND),
            Freq::Hour => micros.div_euclid(3_600 * MICROS_PER_SECOND),
            Freq::Day => day_of(micros),
            // Weeks run Monday..Sunday; 1970-01-01 was a Thursday.
            Freq::Week => (day_of(micros) + 3).div_euclid(7),
            Freq::Month => {
                let (y, m, _) = civil_from_days(day_of(micros));
                y * 12 + i64::from(m) - 1
            }
        }
    }
}

impl Freq {
    /// The first microsecond of period `index` (the inverse of [`period`](Self::period)), or
    /// `None` when it lies beyond the microseconds an `i64` holds.
    pub fn period_start(self, index: i64) -> Option<i64> {
        let days = |d: i64| d.checked_mul(MICROS_PER_DAY);
        match self {
            Freq::Second => index.checked_mul(MICROS_PER_SECOND),
            Freq::Minute => index.checked_mul(60 * MICROS_PER_SECOND),
            Freq::Hour => index.checked_mul(3_600 * MICROS_PER_SECOND),
            Freq::Day => days(index),
            Freq::Week => days(index.checked_mul(7)?.checked_sub(3)?),
            Freq::Month => {
                let (y, m) = (index.div_euclid(12), index.rem_euclid(12) as u32 + 1);
                days(days_from_civil(y, m, 1))
            }
        }
    }
}

impl Freq {
    /// The length of one unit in µs, or `None` for calendar months (of varying length).
    pub fn unit_micros(self) -> Option<i64> {
        match self {
            Freq::Second => Some(MICROS_PER_SECOND),
            Freq::Minute => Some(60 * MICROS_PER_SECOND),
            Freq::Hour => Some(3_600 * MICROS_PER_SECOND),
            Freq::Day => Some(MICROS_PER_DAY),
            Freq::Week => Some(7 * MICROS_PER_DAY),
            Freq::Month => None,
        }
    }
}

impl Freq {
    /// Parses an optional `freq` option: `None` is days (lifetimes' default); an unknown alias is
    /// an [`InvalidOption`](super::ProfileError::InvalidOption) error.
    pub fn from_option(text: Option<&str>) -> Result<Freq, super::ProfileError> {
        match text {
            None => Ok(Freq::Day),
            Some(f) => f.parse().map_err(|_| super::ProfileError::InvalidOption {
                option: "freq".into(),
                reason: format!("unknown freq '{f}'; use D, W, h, min, s or M"),
            }),
        }
    }
}

/// An unknown `freq` string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UnknownFreq(pub String);

impl FromStr for Freq {
    type Err = UnknownFreq;

    /// Accepts pandas' aliases: `s`/`S`, `min`/`T`, `h`/`H`, `D`, `W`/`W-SUN`, `M`/`MS`/`ME`.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "s" | "S" => Freq::Second,
            "min" | "T" => Freq::Minute,
            "h" | "H" => Freq::Hour,
            "D" | "d" => Freq::Day,
            "W" | "W-SUN" | "w" => Freq::Week,
            "M" | "MS" | "ME" => Freq::Month,
            other => return Err(UnknownFreq(other.to_string())),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::data::time::parse_timestamp;

    #[test]
    fn weeks_start_on_monday() {
        let p = |s| Freq::Week.period(parse_timestamp(s, None).unwrap());
        assert_eq!(p("2024-01-01"), p("2024-01-07")); // Monday .. Sunday
        assert_eq!(p("2024-01-08"), p("2024-01-07") + 1);
        let m = |s| Freq::Month.period(parse_timestamp(s, None).unwrap());
        assert_eq!(m("2024-02-29") - m("2023-12-31"), 2);
        assert_eq!("W".parse::<Freq>(), Ok(Freq::Week));
        assert!("fortnight".parse::<Freq>().is_err());
    }

    #[test]
    fn period_start_inverts_period() {
        for freq in [
            Freq::Second,
            Freq::Minute,
            Freq::Hour,
            Freq::Day,
            Freq::Week,
            Freq::Month,
        ] {
            for micros in [
                -5 * MICROS_PER_DAY - 7,
                0,
                123_456_789_012,
                875_000_000_000_000,
            ] {
                let p = freq.period(micros);
                let start = freq.period_start(p).unwrap();
                assert!(start <= micros, "{freq:?} {micros}");
                assert_eq!(freq.period(start), p);
                assert_eq!(freq.period(start - 1), p - 1);
            }
        }
        assert_eq!(Freq::Second.period_start(i64::MAX / 2), None);
        assert_eq!(Freq::Week.period_start(i64::MIN / 3), None);
    }
}
