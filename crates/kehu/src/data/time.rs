//! Timestamps: microseconds since 1970-01-01T00:00:00 (UTC or naive local time, as given),
//! civil-calendar conversions and text parsing.

use chrono::{NaiveDate, NaiveDateTime};

/// Microseconds in one second.
pub const MICROS_PER_SECOND: i64 = 1_000_000;
/// Microseconds in one day.
pub const MICROS_PER_DAY: i64 = 86_400 * MICROS_PER_SECOND;

/// The unit of an integer timestamp column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    /// Days since the epoch (Arrow `date32`).
    Days,
    /// Seconds since the epoch.
    Seconds,
    /// Milliseconds since the epoch.
    Millis,
    /// Microseconds since the epoch.
    Micros,
    /// Nanoseconds since the epoch (pandas `datetime64[ns]`).
    Nanos,
}

impl TimeUnit {
    /// Converts a value in this unit to microseconds; `None` when it overflows.
    pub fn to_micros(self, value: i64) -> Option<i64> {
        match self {
            TimeUnit::Days => value.checked_mul(MICROS_PER_DAY),
            TimeUnit::Seconds => value.checked_mul(MICROS_PER_SECOND),
            TimeUnit::Millis => value.checked_mul(1_000),
            TimeUnit::Micros => Some(value),
            TimeUnit::Nanos => Some(value.div_euclid(1_000)),
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = month as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The (year, month, day) of a day number (days since 1970-01-01).
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// Day number (days since the epoch) of a timestamp.
pub fn day_of(micros: i64) -> i64 {
    micros.div_euclid(MICROS_PER_DAY)
}

/// Weekday of a timestamp, 0 = Monday … 6 = Sunday.
pub fn weekday_of(micros: i64) -> u8 {
    // 1970-01-01 was a Thursday (index 3).
    (day_of(micros) + 3).rem_euclid(7) as u8
}

/// Hour of the day (0–23) of a timestamp.
pub fn hour_of(micros: i64) -> u8 {
    (micros.rem_euclid(MICROS_PER_DAY) / (3_600 * MICROS_PER_SECOND)) as u8
}

/// Formats a timestamp as ISO 8601 (`YYYY-MM-DDTHH:MM:SS`, with `.ffffff` when needed).
pub fn format_iso(micros: i64) -> String {
    let (y, m, d) = civil_from_days(day_of(micros));
    let rest = micros.rem_euclid(MICROS_PER_DAY);
    let secs = rest / MICROS_PER_SECOND;
    let frac = rest % MICROS_PER_SECOND;
    let (hh, mm, ss) = (secs / 3600, secs / 60 % 60, secs % 60);
    if frac == 0 {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}")
    } else {
        format!("{y:04}-{m:02}-{d:02}T{hh:02}:{mm:02}:{ss:02}.{frac:06}")
    }
}

/// Parses a timestamp. With `format` (chrono `strftime` syntax, e.g. `%Y%m%d` or
/// `%d/%m/%Y %H:%M`) the text must match it, as a date-time or as a date (midnight). Without it,
/// ISO 8601 is accepted: `YYYY-MM-DD`, optionally followed by `T` or a space and
/// `HH:MM[:SS[.fraction]]`, optionally ending in `Z` or a UTC offset (`+08:00`, `-0500`, `+01`).
/// An offset names an instant: the result is that instant in UTC (`10:00+02:00` is 08:00).
/// A date alone may also leave out the leading zeros of its month and day (`2019-1-1`, as
/// lifetimes writes its defaults): unambiguous, and read the same in every binding.
pub fn parse_timestamp(text: &str, format: Option<&str>) -> Option<i64> {
    let text = text.trim();
    match format {
        None => parse_iso(text).or_else(|| parse_short_date(text)),
        Some("%Y-%m-%d") => parse_iso(text).filter(|_| text.len() == 10),
        Some("%Y%m%d") => parse_compact_date(text),
        Some(fmt) => {
            // A format with an offset (`%z`, `%:z`) names an instant, kept in UTC, as ISO text
            // with an offset is.
            if let Ok(dt) = chrono::DateTime::parse_from_str(text, fmt) {
                return Some(dt.naive_utc().and_utc().timestamp_micros());
            }
            if let Ok(dt) = NaiveDateTime::parse_from_str(text, fmt) {
                return Some(dt.and_utc().timestamp_micros());
            }
            NaiveDate::parse_from_str(text, fmt)
                .ok()
                .and_then(|d| d.and_hms_opt(0, 0, 0))
                .map(|dt| dt.and_utc().timestamp_micros())
        }
    }
}

/// Parses an optional time option (an observation end, say) by the one rule every binding
/// shares: text in the transactions' datetime `format` when one is given, or else ISO 8601
/// (which is how a binding hands over a time it holds as an object: a pandas Timestamp, a JS
/// Date). Text like `Sep 30 1997` is refused in every language. The error names the option and
/// the rule, never the value.
pub fn parse_time_option(
    option: &str,
    text: Option<&str>,
    format: Option<&str>,
) -> Result<Option<i64>, super::DataError> {
    text.map(|t| {
        format
            .and_then(|f| parse_timestamp(t, Some(f)))
            .or_else(|| parse_timestamp(t, None))
            .ok_or_else(|| super::DataError::InvalidOption {
                option: option.to_string(),
                reason: match format {
                    None => {
                        "must be an ISO 8601 date or date-time (or give a datetime format)".into()
                    }
                    Some(f) => format!("must match the datetime format '{f}' or be ISO 8601"),
                },
            })
    })
    .transpose()
}

/// Timestamps that arrived as numbers (a JS number column, a numeric DataFrame column), read
/// by [`numeric_timestamps`].
#[derive(Debug, Clone, PartialEq)]
pub enum NumericTimestamps {
    /// Microseconds since the epoch (read as [`TimeUnit::Micros`]).
    Micros(Vec<Option<i64>>),
    /// Each number as text (`20240101`), to be parsed with the datetime format.
    Text(Vec<Option<String>>),
}

/// The one rule for numbers given as timestamps, in every binding. A number has no unit of its
/// own (epoch seconds, milliseconds and `20240101` all look alike), so it needs one of:
///
/// - `unit` (`"s"`, `"ms"` or `"us"`): the number counts that unit since 1970-01-01; fractions
///   are kept to the nearest microsecond;
/// - `format` (a chrono `strftime` format such as `%Y%m%d`): the number is written as text
///   (`20240101`) and parsed with the format, so a value that does not match is reported by
///   validation as an unparseable timestamp.
///
/// Giving both is an [`DataError::InvalidOption`]; giving neither, while some value is present,
/// is a [`DataError::WrongType`] naming `column` and saying to give a unit or a format. A
/// missing or non-finite number, or one whose microseconds do not fit an `i64`, is missing
/// (validation reports the row).
pub fn numeric_timestamps(
    column: &str,
    values: &dyn super::NumberColumn,
    unit: Option<&str>,
    format: Option<&str>,
) -> Result<NumericTimestamps, super::DataError> {
    let n = values.len();
    match (unit, format) {
        (Some(_), Some(_)) => Err(super::DataError::InvalidOption {
            option: "timestamp unit".into(),
            reason: "numbers as timestamps take a unit or a datetime format, not both".into(),
        }),
        (Some(unit), None) => {
            let per_unit = match unit {
                "s" => 1e6,
                "ms" => 1e3,
                "us" => 1.0,
                _ => {
                    return Err(super::DataError::InvalidOption {
                        option: "timestamp unit".into(),
                        reason: "must be 's', 'ms' or 'us'".into(),
                    })
                }
            };
            // i64::MAX as f64 rounds up to 2^63, so the bound is exclusive.
            let limit = i64::MAX as f64;
            Ok(NumericTimestamps::Micros(
                (0..n)
                    .map(|row| {
                        let micros = (values.get(row)? * per_unit).round();
                        (micros.is_finite() && micros.abs() < limit).then_some(micros as i64)
                    })
                    .collect(),
            ))
        }
        (None, Some(_)) => Ok(NumericTimestamps::Text(
            (0..n)
                .map(|row| {
                    values
                        .get(row)
                        .filter(|v| v.is_finite())
                        .map(|v| v.to_string())
                })
                .collect(),
        )),
        (None, None) if (0..n).all(|row| values.get(row).is_none()) => {
            Ok(NumericTimestamps::Micros(vec![None; n]))
        }
        (None, None) => Err(super::DataError::WrongType {
            column: column.to_string(),
            expected: "text or dates; numbers need a timestamp unit ('s', 'ms' or 'us') or a \
                       datetime format such as '%Y%m%d'"
                .into(),
            found: "numbers".into(),
        }),
    }
}

fn digits(bytes: &[u8]) -> Option<u32> {
    if bytes.is_empty() || !bytes.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(
        bytes
            .iter()
            .fold(0u32, |acc, b| acc * 10 + u32::from(b - b'0')),
    )
}

fn valid_date(year: i64, month: u32, day: u32) -> bool {
    if !(1..=12).contains(&month) || day == 0 {
        return false;
    }
    let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    let days_in_month = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    day <= days_in_month
}

fn parse_compact_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 8 {
        return None;
    }
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[4..6])?, digits(&b[6..8])?);
    valid_date(y.into(), m, d).then(|| days_from_civil(y.into(), m, d) * MICROS_PER_DAY)
}

/// `YYYY-M-D` (month and day of one or two digits), a date alone.
fn parse_short_date(text: &str) -> Option<i64> {
    let mut parts = text.split('-');
    let (y, m, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some()
        || y.len() != 4
        || !(1..=2).contains(&m.len())
        || !(1..=2).contains(&d.len())
    {
        return None;
    }
    let (y, m, d) = (
        digits(y.as_bytes())?,
        digits(m.as_bytes())?,
        digits(d.as_bytes())?,
    );
    valid_date(y.into(), m, d).then(|| days_from_civil(y.into(), m, d) * MICROS_PER_DAY)
}

fn parse_iso(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let (y, m, d) = (digits(&b[0..4])?, digits(&b[5..7])?, digits(&b[8..10])?);
    if !valid_date(y.into(), m, d) {
        return None;
    }
    let day_micros = days_from_civil(y.into(), m, d) * MICROS_PER_DAY;
    let mut rest = &b[10..];
    if rest.is_empty() {
        return Some(day_micros);
    }
    if rest[0] != b'T' && rest[0] != b' ' {
        return None;
    }
    rest = &rest[1..];
    let mut offset_micros = 0i64;
    if rest.last() == Some(&b'Z') {
        rest = &rest[..rest.len() - 1];
    } else if let Some(at) = rest.iter().position(|&c| c == b'+' || c == b'-') {
        offset_micros = parse_utc_offset(&rest[at..])?;
        rest = &rest[..at];
    }
    if rest.len() < 5 || rest[2] != b':' {
        return None;
    }
    let hh = digits(&rest[0..2])?;
    let mm = digits(&rest[3..5])?;
    let mut ss = 0;
    let mut frac_micros = 0i64;
    rest = &rest[5..];
    if !rest.is_empty() {
        if rest.len() < 3 || rest[0] != b':' {
            return None;
        }
        ss = digits(&rest[1..3])?;
        rest = &rest[3..];
        if !rest.is_empty() {
            if rest[0] != b'.' || rest.len() < 2 {
                return None;
            }
            let frac = &rest[1..];
            if !frac.iter().all(u8::is_ascii_digit) {
                return None;
            }
            // Keep microsecond precision; finer digits are truncated.
            let mut scale = 100_000i64;
            for &c in frac.iter().take(6) {
                frac_micros += i64::from(c - b'0') * scale;
                scale /= 10;
            }
        }
    }
    if hh > 23 || mm > 59 || ss > 59 {
        return None;
    }
    let secs = i64::from(hh) * 3600 + i64::from(mm) * 60 + i64::from(ss);
    Some(day_micros + secs * MICROS_PER_SECOND + frac_micros - offset_micros)
}

/// A UTC offset `±HH:MM`, `±HHMM` or `±HH`, in microseconds east of UTC.
fn parse_utc_offset(text: &[u8]) -> Option<i64> {
    let sign = if text[0] == b'-' { -1 } else { 1 };
    let body = &text[1..];
    let (hh, mm) = match body.len() {
        2 => (digits(body)?, 0),
        4 => (digits(&body[0..2])?, digits(&body[2..4])?),
        5 if body[2] == b':' => (digits(&body[0..2])?, digits(&body[3..5])?),
        _ => return None,
    };
    if hh > 23 || mm > 59 {
        return None;
    }
    Some(sign * (i64::from(hh) * 3600 + i64::from(mm) * 60) * MICROS_PER_SECOND)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn civil_round_trip() {
        for days in [-800_000, -1, 0, 1, 10_000, 20_000, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
        assert_eq!(days_from_civil(1997, 1, 1), 9862);
        assert_eq!(weekday_of(days_from_civil(1997, 1, 1) * MICROS_PER_DAY), 2);
        // Wednesday
    }

    #[test]
    fn parses_iso_and_formats() {
        let t = parse_timestamp("1997-03-25 13:45:10.5", None).unwrap();
        assert_eq!(format_iso(t), "1997-03-25T13:45:10.500000");
        assert_eq!(hour_of(t), 13);
        assert_eq!(
            parse_timestamp("1997-03-25", None),
            parse_timestamp("19970325", Some("%Y%m%d"))
        );
        assert_eq!(
            parse_timestamp("25/03/1997 13:45", Some("%d/%m/%Y %H:%M")),
            parse_timestamp("1997-03-25T13:45:00Z", None)
        );
        assert_eq!(
            parse_timestamp("25/03/1997", Some("%d/%m/%Y")),
            parse_timestamp("1997-03-25", None)
        );
        for bad in [
            "",
            "1997-02-30",
            "1997-13-01",
            "97-01-01",
            "1997-01-01X",
            "1997-01-01 25:00",
            "abc",
            "1997-2-30",
            "1997-003-1",
            "1997-1-1T10:00",
            "1997-1-",
            "1997-1-1-1",
        ] {
            assert_eq!(parse_timestamp(bad, None), None, "{bad}");
        }
        // lifetimes' default dates leave out leading zeros.
        assert_eq!(
            parse_timestamp("2019-1-1", None),
            parse_timestamp("2019-01-01", None)
        );
        assert_eq!(
            parse_timestamp(" 1997-3-05 ", None),
            parse_timestamp("1997-03-05", None)
        );
        assert_eq!(parse_timestamp("19970230", Some("%Y%m%d")), None);
        let utc = parse_timestamp("1997-03-25T08:00:00Z", None);
        for zoned in [
            "1997-03-25T10:00:00+02:00",
            "1997-03-25T10:00+0200",
            "1997-03-25 10:00:00.000+02",
            "1997-03-24T23:30:00-08:30",
        ] {
            assert_eq!(parse_timestamp(zoned, None), utc, "{zoned}");
        }
        assert_eq!(
            parse_timestamp("25/03/1997 10:00 +0200", Some("%d/%m/%Y %H:%M %z")),
            utc
        );
        for bad in [
            "1997-03-25T10:00:00+2:00",
            "1997-03-25T10:00:00+24:00",
            "1997-03-25T10:00:00+02:60",
            "1997-03-25+02:00",
            "1997-03-25T10:00:00+",
        ] {
            assert_eq!(parse_timestamp(bad, None), None, "{bad}");
        }
    }

    #[test]
    fn units_convert() {
        assert_eq!(TimeUnit::Nanos.to_micros(-1), Some(-1));
        assert_eq!(TimeUnit::Days.to_micros(1), Some(MICROS_PER_DAY));
        assert_eq!(TimeUnit::Days.to_micros(i64::MAX), None);
    }

    #[test]
    fn numbers_need_a_unit_or_a_format() {
        let v: Vec<Option<f64>> = vec![Some(1_704_067_200.5), None, Some(f64::NAN)];
        assert_eq!(
            numeric_timestamps("t", &v, Some("s"), None).unwrap(),
            NumericTimestamps::Micros(vec![Some(1_704_067_200_500_000), None, None])
        );
        let ms: Vec<Option<f64>> = vec![Some(1_704_067_200_000.0), Some(1e300)];
        assert_eq!(
            numeric_timestamps("t", &ms, Some("ms"), None).unwrap(),
            NumericTimestamps::Micros(vec![Some(1_704_067_200_000_000), None])
        );
        let us: Vec<Option<f64>> = vec![Some(-1.0)];
        assert_eq!(
            numeric_timestamps("t", &us, Some("us"), None).unwrap(),
            NumericTimestamps::Micros(vec![Some(-1)])
        );
        let ymd: Vec<Option<f64>> = vec![Some(20_240_101.0), Some(20_240_101.5), None];
        let NumericTimestamps::Text(text) =
            numeric_timestamps("t", &ymd, None, Some("%Y%m%d")).unwrap()
        else {
            panic!("a format gives text")
        };
        assert_eq!(
            parse_timestamp(text[0].as_deref().unwrap(), Some("%Y%m%d")),
            Some(days_from_civil(2024, 1, 1) * MICROS_PER_DAY)
        );
        assert_eq!(
            parse_timestamp(text[1].as_deref().unwrap(), Some("%Y%m%d")),
            None
        );
        assert_eq!(text[2], None);
        let e = numeric_timestamps("date", &ymd, None, None).unwrap_err();
        assert_eq!(e.code(), "DATA_WRONG_TYPE");
        assert!(e.to_string().contains("'date'") && e.to_string().contains("unit"));
        assert!(!e.to_string().contains("2024"));
        let none: Vec<Option<f64>> = vec![None, None];
        assert_eq!(
            numeric_timestamps("t", &none, None, None).unwrap(),
            NumericTimestamps::Micros(vec![None, None])
        );
        for (unit, format) in [(Some("sec"), None), (Some("s"), Some("%Y%m%d"))] {
            let e = numeric_timestamps("t", &v, unit, format).unwrap_err();
            assert_eq!(e.code(), "DATA_INVALID_OPTION");
        }
    }

    #[test]
    fn time_options_read_the_format_or_else_iso() {
        let day = days_from_civil(1997, 9, 30) * 86_400_000_000;
        let read = |t: &str, f: Option<&str>| parse_time_option("end", Some(t), f);
        assert_eq!(read("1997-09-30", None), Ok(Some(day)));
        assert_eq!(read("19970930", Some("%Y%m%d")), Ok(Some(day)));
        assert_eq!(
            read("1997-09-30T00:00:00.000Z", Some("%Y%m%d")),
            Ok(Some(day))
        );
        assert_eq!(read("30/09/1997", Some("%d/%m/%Y")), Ok(Some(day)));
        for (t, f) in [
            ("Sep 30 1997", None),
            ("19970930", None),
            ("1997/09/30", Some("%Y%m%d")),
        ] {
            let e = read(t, f).unwrap_err().to_string();
            assert!(e.contains("'end'") && !e.contains(t), "{e}");
        }
    }
}
