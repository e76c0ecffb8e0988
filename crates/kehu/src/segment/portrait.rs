//! Segment portraits (画像): for any segmentation, each segment's size and share, numeric
//! features' mean, quartiles and index against the whole base, and categorical features' top
//! values with their share against the base's.

use super::SegmentError;
use serde::{Deserialize, Serialize};

/// One numeric feature of one segment (or of the whole base, `segment` `None`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NumericPortrait {
    /// The segment; `None` for the whole base.
    pub segment: Option<String>,
    /// The feature.
    pub feature: String,
    /// Customers in the segment.
    pub customers: usize,
    /// Their share of all customers.
    pub share: f64,
    /// Mean of the feature (over customers with a value).
    pub mean: f64,
    /// Quartiles and median (linear interpolation, as numpy's default).
    pub p25: f64,
    /// Median.
    pub median: f64,
    /// Upper quartile.
    pub p75: f64,
    /// 100 × segment mean / base mean (100 = like the base).
    pub index: f64,
    /// Customers without a value (NaN), counted, not dropped silently.
    pub missing: usize,
}

/// One of the top values of a categorical feature in a segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CategoryPortrait {
    /// The segment.
    pub segment: String,
    /// The feature.
    pub feature: String,
    /// The value.
    pub value: String,
    /// Share of the segment's customers with this value.
    pub share: f64,
    /// Share of all customers with this value.
    pub base_share: f64,
    /// share / base_share.
    pub lift: f64,
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn summary(values: &[f64]) -> (f64, f64, f64, f64, usize) {
    let mut present: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
    present.sort_by(f64::total_cmp);
    let mean = present.iter().sum::<f64>() / present.len() as f64;
    (
        mean,
        quantile(&present, 0.25),
        quantile(&present, 0.5),
        quantile(&present, 0.75),
        values.len() - present.len(),
    )
}

/// Segments in order of first appearance, and each one's rows (in row order). One pass with a
/// hash map: linear however many segments there are.
fn groups(segments: &[Option<String>]) -> (Vec<String>, Vec<Vec<usize>>) {
    let mut index: rustc_hash::FxHashMap<&str, usize> = Default::default();
    let mut names: Vec<String> = Vec::new();
    let mut rows: Vec<Vec<usize>> = Vec::new();
    for (i, s) in segments.iter().enumerate() {
        let Some(name) = s else { continue };
        let g = *index.entry(name.as_str()).or_insert_with(|| {
            names.push(name.clone());
            rows.push(Vec::new());
            names.len() - 1
        });
        rows[g].push(i);
    }
    (names, rows)
}

/// Numeric portraits: the base first, then every segment (customers without a segment are in
/// the base only). Values may be NaN (missing; counted per feature); infinities are errors.
pub fn numeric_portrait(
    segments: &[Option<String>],
    features: &[(&str, &[f64])],
) -> Result<Vec<NumericPortrait>, SegmentError> {
    let n = segments.len();
    for (name, values) in features {
        if values.len() != n {
            return Err(SegmentError::InvalidData {
                row: values.len().min(n),
                field: name.to_string(),
                reason: format!("has {} values, expected {n}", values.len()),
            });
        }
        if let Some(row) = values.iter().position(|v| v.is_infinite()) {
            return Err(SegmentError::InvalidData {
                row,
                field: name.to_string(),
                reason: "must be finite (NaN marks a missing value)".into(),
            });
        }
    }
    let (names, members_of) = groups(segments);
    let mut out = Vec::new();
    for (feature, values) in features {
        let (base_mean, p25, median, p75, missing) = summary(values);
        out.push(NumericPortrait {
            segment: None,
            feature: feature.to_string(),
            customers: n,
            share: 1.0,
            mean: base_mean,
            p25,
            median,
            p75,
            index: 100.0,
            missing,
        });
        for (g, name) in names.iter().enumerate() {
            let members: Vec<f64> = members_of[g].iter().map(|&i| values[i]).collect();
            let (mean, p25, median, p75, missing) = summary(&members);
            out.push(NumericPortrait {
                segment: Some(name.clone()),
                feature: feature.to_string(),
                customers: members.len(),
                share: members.len() as f64 / n as f64,
                mean,
                p25,
                median,
                p75,
                index: 100.0 * mean / base_mean,
                missing,
            });
        }
    }
    Ok(out)
}

/// The `top` most common values of each categorical feature in every segment (ties by value),
/// with their share in the segment and in the base. `None` values are not counted as a value.
pub fn category_portrait(
    segments: &[Option<String>],
    features: &[(&str, &[Option<String>])],
    top: usize,
) -> Result<Vec<CategoryPortrait>, SegmentError> {
    let n = segments.len();
    if top == 0 {
        return Err(SegmentError::InvalidOption {
            option: "top".into(),
            reason: "must be ≥ 1 (the number of values listed per segment)".into(),
        });
    }
    let (names, members_of) = groups(segments);
    let mut out = Vec::new();
    for (feature, values) in features {
        if values.len() != n {
            return Err(SegmentError::InvalidData {
                row: values.len().min(n),
                field: feature.to_string(),
                reason: format!("has {} values, expected {n}", values.len()),
            });
        }
        let count = |rows: &mut dyn Iterator<Item = usize>| {
            let mut counts: std::collections::BTreeMap<&str, usize> = Default::default();
            let mut total = 0;
            for i in rows {
                total += 1;
                if let Some(v) = &values[i] {
                    *counts.entry(v.as_str()).or_default() += 1;
                }
            }
            (counts, total)
        };
        let (base, _) = count(&mut (0..n));
        for (g, name) in names.iter().enumerate() {
            let (counts, total) = count(&mut members_of[g].iter().copied());
            let mut ranked: Vec<(&str, usize)> = counts.into_iter().collect();
            ranked.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
            for (value, c) in ranked.into_iter().take(top) {
                let share = c as f64 / total as f64;
                let base_share = base[value] as f64 / n as f64;
                out.push(CategoryPortrait {
                    segment: name.clone(),
                    feature: feature.to_string(),
                    value: value.to_string(),
                    share,
                    base_share,
                    lift: share / base_share,
                });
            }
        }
    }
    Ok(out)
}

/// The number of top values a categorical portrait lists per segment unless told.
pub const DEFAULT_TOP: usize = 3;

/// A feature column as a binding received it: its values as the given values of
/// [`GivenValue`](crate::data::customers::GivenValue) (JSON), of unknown kind.
#[derive(Debug, Clone, PartialEq)]
pub struct GivenFeature {
    /// The feature's name.
    pub name: String,
    /// One value per customer (`None`: missing).
    pub values: Vec<Option<crate::data::customers::GivenValue>>,
}

/// Portraits of features whose kinds are not known yet, by the one rule every binding shares:
/// a feature whose present values are all numbers (or that has none) is numeric; any other is
/// categorical, its values written as text by [`crate::data::text`] (dates as `YYYY-MM-DD`).
/// A value of a type no feature holds is a `DATA_WRONG_TYPE` error naming the feature and the
/// row. `top` `None` is [`DEFAULT_TOP`].
pub fn portrait_of_given(
    segments: &[Option<String>],
    features: &[GivenFeature],
    top: Option<usize>,
) -> Result<(Vec<NumericPortrait>, Vec<CategoryPortrait>), crate::Error> {
    use crate::data::customers::GivenValue;
    use crate::data::text::{flag_text, number_text};
    let mut numeric: Vec<(&str, Vec<f64>)> = Vec::new();
    let mut categorical: Vec<(&str, Vec<Option<String>>)> = Vec::new();
    for f in features {
        let all_numbers = f
            .values
            .iter()
            .flatten()
            .all(|v| matches!(v, GivenValue::Number(_)));
        if all_numbers {
            let values = f
                .values
                .iter()
                .map(|v| match v {
                    Some(GivenValue::Number(x)) => *x,
                    _ => f64::NAN,
                })
                .collect();
            numeric.push((&f.name, values));
            continue;
        }
        let text = |row: usize, v: &GivenValue| match v {
            GivenValue::Text(t) => Ok(Some(t.clone())),
            GivenValue::Number(x) => Ok(number_text(*x)),
            GivenValue::Flag(b) => Ok(Some(flag_text(*b).to_string())),
            GivenValue::Date { date: Some(d) } => Ok(Some(date_text(*d))),
            GivenValue::Time { time: Some(t) } => {
                Ok(Some(date_text(crate::data::time::day_of(*t))))
            }
            GivenValue::Date { date: None } | GivenValue::Time { time: None } => Ok(None),
            GivenValue::Other { other } => Err(crate::data::DataError::WrongType {
                column: f.name.clone(),
                expected: "a number or a category (text, number, boolean or date)".into(),
                found: format!("a value of type {other} in row {row}"),
            }),
        };
        let values = f
            .values
            .iter()
            .enumerate()
            .map(|(row, v)| v.as_ref().map_or(Ok(None), |v| text(row, v)))
            .collect::<Result<_, _>>()?;
        categorical.push((&f.name, values));
    }
    let num: Vec<(&str, &[f64])> = numeric.iter().map(|(n, v)| (*n, v.as_slice())).collect();
    let cat: Vec<(&str, &[Option<String>])> = categorical
        .iter()
        .map(|(n, v)| (*n, v.as_slice()))
        .collect();
    Ok((
        numeric_portrait(segments, &num)?,
        category_portrait(segments, &cat, top.unwrap_or(DEFAULT_TOP))?,
    ))
}

fn date_text(day: i64) -> String {
    let (y, m, d) = crate::data::time::civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn given_features_are_numeric_when_every_present_value_is_a_number() {
        let given = |name: &str, json: &str| GivenFeature {
            name: name.into(),
            values: crate::format::parse_json(json).unwrap(),
        };
        let segments: Vec<Option<String>> = ["a", "a", "b"]
            .iter()
            .map(|s| Some(s.to_string()))
            .collect();
        let features = [
            given("spend", "[1, null, 3]"),
            given("empty", "[null, null, null]"),
            given("tier", r#"[1.0, "gold", true]"#),
            given("joined", r#"[{"date": 0}, {"time": 86400000000}, null]"#),
        ];
        let (num, cat) = portrait_of_given(&segments, &features, None).unwrap();
        let numeric: Vec<&str> = num.iter().map(|p| p.feature.as_str()).collect();
        assert!(numeric.contains(&"spend") && numeric.contains(&"empty"));
        assert!(!numeric.contains(&"tier"));
        let mut values: Vec<(&str, &str)> = cat
            .iter()
            .map(|p| (p.feature.as_str(), p.value.as_str()))
            .collect();
        values.sort();
        values.dedup();
        assert_eq!(
            values,
            [
                ("joined", "1970-01-01"),
                ("joined", "1970-01-02"),
                ("tier", "1"),
                ("tier", "gold"),
                ("tier", "true")
            ]
        );
        let bad = [given("x", r#"[{"other": "list"}]"#)];
        let e = portrait_of_given(&segments[..1], &bad, None).unwrap_err();
        assert!(e.to_string().contains("row 0"), "{e}");
    }

    #[test]
    fn numeric_and_category_portraits() {
        let segments: Vec<Option<String>> = ["a", "a", "b", "b", "b"]
            .iter()
            .map(|s| Some(s.to_string()))
            .chain([None])
            .collect();
        let spend = [1.0, 3.0, 10.0, 20.0, f64::NAN, 6.0];
        let p = numeric_portrait(&segments, &[("spend", &spend)]).unwrap();
        assert_eq!(p.len(), 3);
        assert_eq!((p[0].customers, p[0].missing), (6, 1));
        assert_eq!(p[0].mean, 8.0);
        assert_eq!(p[1].segment.as_deref(), Some("a"));
        assert_eq!((p[1].mean, p[1].median, p[1].index), (2.0, 2.0, 25.0));
        assert_eq!((p[2].customers, p[2].missing, p[2].mean), (3, 1, 15.0));
        assert_eq!((p[2].p25, p[2].p75), (12.5, 17.5));
        assert!(numeric_portrait(&segments, &[("spend", &spend[..3])]).is_err());
        let channel: Vec<Option<String>> = ["app", "web", "app", "app", "web", "app"]
            .iter()
            .map(|s| Some(s.to_string()))
            .collect();
        let c = category_portrait(&segments, &[("channel", &channel)], 1).unwrap();
        assert_eq!(c.len(), 2);
        // Segment a: one app, one web → ties by value: "app"; segment b: app 2 of 3.
        assert_eq!((c[0].value.as_str(), c[0].share), ("app", 0.5));
        assert!((c[1].share - 2.0 / 3.0).abs() < 1e-15);
        assert!((c[1].lift - (2.0 / 3.0) / (4.0 / 6.0)).abs() < 1e-15);
    }
}
