//! RFM segment maps as data: rules over score ranges, the two common named maps built in,
//! custom maps from JSON or from a code table (CSV), and a totality check.

use super::rfm::RfmScores;
use super::SegmentError;
use serde::{Deserialize, Serialize};

/// An inclusive range of scores, `[lo, hi]`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range(pub f64, pub f64);

impl Range {
    fn contains(&self, v: f64) -> bool {
        self.0 <= v && v <= self.1
    }
}

/// One rule: a segment and the score ranges it takes (an absent range takes any score).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentRule {
    /// The segment's name.
    pub segment: String,
    /// Recency score range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub r: Option<Range>,
    /// Frequency score range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub f: Option<Range>,
    /// Monetary score range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub m: Option<Range>,
    /// Range of FM = (F + M) / 2.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fm: Option<Range>,
}

impl SegmentRule {
    fn matches(&self, r: u32, f: u32, m: u32) -> bool {
        let fm = (f64::from(f) + f64::from(m)) / 2.0;
        [
            (self.r, f64::from(r)),
            (self.f, f64::from(f)),
            (self.m, f64::from(m)),
            (self.fm, fm),
        ]
        .iter()
        .all(|(range, v)| range.is_none_or(|range| range.contains(*v)))
    }
}

/// A segment map: the first rule that matches a customer's (R, F, M) names the segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentMap {
    /// Rules in priority order.
    pub rules: Vec<SegmentRule>,
}

impl crate::format::Versioned for SegmentMap {
    const KIND: &'static str = "segment_map";
}

/// What a map leaves unassigned or assigns more than once, over every code of a scoring.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MapCheck {
    /// Codes no rule matches.
    pub unassigned: Vec<String>,
    /// Codes more than one rule matches, with every matching segment in rule order (the first
    /// wins).
    pub overlapping: Vec<(String, Vec<String>)>,
}

impl MapCheck {
    /// Whether every code gets exactly one segment.
    pub fn is_total_and_exclusive(&self) -> bool {
        self.unassigned.is_empty() && self.overlapping.is_empty()
    }
}

/// The code of a customer's scores, e.g. `"545"` (with `-` between scores above 9).
pub fn code(r: u32, f: u32, m: u32) -> String {
    if r < 10 && f < 10 && m < 10 {
        format!("{r}{f}{m}")
    } else {
        format!("{r}-{f}-{m}")
    }
}

fn rule(
    segment: &str,
    r: (f64, f64),
    f: Option<(f64, f64)>,
    fm: Option<(f64, f64)>,
) -> SegmentRule {
    SegmentRule {
        segment: segment.into(),
        r: Some(Range(r.0, r.1)),
        f: f.map(|(a, b)| Range(a, b)),
        m: None,
        fm: fm.map(|(a, b)| Range(a, b)),
    }
}

impl SegmentMap {
    /// The 10-segment R×F map (M is not used), one segment per cell of a 5×5 grid.
    pub fn rf10() -> SegmentMap {
        let cells = [
            ("Champions", (5.0, 5.0), (4.0, 5.0)),
            ("Loyal Customers", (3.0, 4.0), (4.0, 5.0)),
            ("Potential Loyalists", (4.0, 5.0), (2.0, 3.0)),
            ("New Customers", (5.0, 5.0), (1.0, 1.0)),
            ("Promising", (4.0, 4.0), (1.0, 1.0)),
            ("Need Attention", (3.0, 3.0), (3.0, 3.0)),
            ("About to Sleep", (3.0, 3.0), (1.0, 2.0)),
            ("At Risk", (1.0, 2.0), (3.0, 4.0)),
            ("Can't Lose Them", (1.0, 2.0), (5.0, 5.0)),
            ("Hibernating", (1.0, 2.0), (1.0, 2.0)),
        ];
        SegmentMap {
            rules: cells
                .iter()
                .map(|(name, r, f)| rule(name, *r, Some(*f), None))
                .collect(),
        }
    }

    /// The 8-segment R×FM table (FM = (F+M)/2), first match wins in this order.
    pub fn rfm8() -> SegmentMap {
        let rows = [
            ("Champions", (4.0, 5.0), (4.0, 5.0)),
            ("Loyal Customers", (2.0, 5.0), (3.0, 5.0)),
            ("Potential Loyalists", (3.0, 5.0), (1.0, 3.0)),
            ("New Customers", (4.0, 5.0), (0.0, 1.0)),
            ("Need Attention", (2.0, 3.0), (2.0, 3.0)),
            ("At Risk", (0.0, 2.0), (2.0, 5.0)),
            ("Hibernating", (1.0, 2.0), (1.0, 2.0)),
            ("Lost", (0.0, 2.0), (0.0, 2.0)),
        ];
        SegmentMap {
            rules: rows
                .iter()
                .map(|(name, r, fm)| rule(name, *r, None, Some(*fm)))
                .collect(),
        }
    }

    /// A built-in map by name: `rf10` or `rfm8`. (The 125-code table of some RFM tools is
    /// loaded from its CSV with [`SegmentMap::from_code_table`].)
    pub fn builtin(name: &str) -> Result<SegmentMap, SegmentError> {
        match name {
            "rf10" => Ok(SegmentMap::rf10()),
            "rfm8" => Ok(SegmentMap::rfm8()),
            "rfm125" => Err(SegmentError::InvalidOption {
                option: "map".into(),
                reason: "'rfm125' is a vendor's published 125-code list that kehu may not \
                         ship; load it from its CSV file (R,F,M,code,segment) as a code table"
                    .into(),
            }),
            other => Err(SegmentError::InvalidOption {
                option: "map".into(),
                reason: format!(
                    "unknown map '{other}'; built in are rf10 and rfm8 (load code tables such \
                     as a 125-code map from their CSV)"
                ),
            }),
        }
    }

    /// A map from a code table: CSV lines `R,F,M,code,segment` (a header line and lines
    /// starting with `#` are skipped), one exact rule per code.
    pub fn from_code_table(text: &str) -> Result<SegmentMap, SegmentError> {
        let mut rules = Vec::new();
        for (i, line) in text.lines().enumerate() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let fields: Vec<&str> = line.split(',').map(str::trim).collect();
            let bad = |reason: &str| SegmentError::InvalidMap {
                reason: format!("line {}: {reason}", i + 1),
            };
            if fields.len() != 5 {
                return Err(bad("expected R,F,M,code,segment"));
            }
            let score = |s: &str| s.parse::<u32>().ok().filter(|v| (1..=100).contains(v));
            match (score(fields[0]), score(fields[1]), score(fields[2])) {
                (Some(r), Some(f), Some(m)) => {
                    let exact = |v: u32| Some(Range(f64::from(v), f64::from(v)));
                    if fields[4].is_empty() {
                        return Err(bad("empty segment name"));
                    }
                    rules.push(SegmentRule {
                        segment: fields[4].to_string(),
                        r: exact(r),
                        f: exact(f),
                        m: exact(m),
                        fm: None,
                    });
                }
                _ if rules.is_empty() && fields[0].eq_ignore_ascii_case("r") => continue,
                _ => return Err(bad("R, F and M must be whole scores 1…100")),
            }
        }
        if rules.is_empty() {
            return Err(SegmentError::InvalidMap {
                reason: "the code table has no rows".into(),
            });
        }
        Ok(SegmentMap { rules })
    }

    /// Reads a `segment_map` document.
    pub fn from_json(text: &str) -> Result<SegmentMap, crate::Error> {
        let map: SegmentMap = crate::format::from_json(text)?;
        if map.rules.is_empty() {
            return Err(SegmentError::InvalidMap {
                reason: "no rules".into(),
            }
            .into());
        }
        if let Some(i) = map.rules.iter().position(|r| r.segment.is_empty()) {
            return Err(SegmentError::InvalidMap {
                reason: format!("rule {i} has an empty segment name"),
            }
            .into());
        }
        Ok(map)
    }

    /// Writes the map as a versioned document.
    pub fn to_json(&self) -> String {
        crate::format::to_json(self)
    }

    /// Segment names in order of first appearance in the rules.
    pub fn segments(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        for r in &self.rules {
            if !names.contains(&r.segment) {
                names.push(r.segment.clone());
            }
        }
        names
    }

    /// The segment of one customer's scores: the first matching rule's, `None` when no rule
    /// matches.
    pub fn segment_of(&self, r: u32, f: u32, m: u32) -> Option<&str> {
        self.rules
            .iter()
            .find(|rule| rule.matches(r, f, m))
            .map(|rule| rule.segment.as_str())
    }

    /// Each customer's segment (`None`: no rule matches; such customers are kept and counted,
    /// never dropped).
    pub fn assign(&self, scores: &RfmScores) -> Vec<Option<String>> {
        (0..scores.r.len())
            .map(|i| {
                self.segment_of(scores.r[i], scores.f[i], scores.m[i])
                    .map(str::to_string)
            })
            .collect()
    }

    /// Each customer's segment from score columns as given by a caller (any integers): checks
    /// the lengths and that scores are whole numbers ≥ 1, naming the row and column.
    pub fn assign_columns(
        &self,
        r: &[i64],
        f: &[i64],
        m: &[i64],
    ) -> Result<Vec<Option<String>>, SegmentError> {
        let n = r.len();
        for (field, len) in [("F", f.len()), ("M", m.len())] {
            if len != n {
                return Err(SegmentError::InvalidData {
                    row: len.min(n),
                    field: field.into(),
                    reason: format!("has {len} scores, expected {n}"),
                });
            }
        }
        let score = |v: i64, row: usize, field: &str| {
            u32::try_from(v)
                .ok()
                .filter(|s| *s >= 1)
                .ok_or_else(|| SegmentError::InvalidData {
                    row,
                    field: field.into(),
                    reason: "scores are whole numbers ≥ 1".into(),
                })
        };
        (0..n)
            .map(|i| {
                let (a, b, c) = (
                    score(r[i], i, "R")?,
                    score(f[i], i, "F")?,
                    score(m[i], i, "M")?,
                );
                Ok(self.segment_of(a, b, c).map(str::to_string))
            })
            .collect()
    }

    /// Which of the bins³ codes the map leaves unassigned or matches more than once.
    pub fn check(&self, bins: u32) -> MapCheck {
        let mut check = MapCheck {
            unassigned: vec![],
            overlapping: vec![],
        };
        for r in (1..=bins).rev() {
            for f in (1..=bins).rev() {
                for m in (1..=bins).rev() {
                    let hits: Vec<String> = self
                        .rules
                        .iter()
                        .filter(|rule| rule.matches(r, f, m))
                        .map(|rule| rule.segment.clone())
                        .collect();
                    match hits.len() {
                        0 => check.unassigned.push(code(r, f, m)),
                        1 => {}
                        _ => check.overlapping.push((code(r, f, m), hits)),
                    }
                }
            }
        }
        check
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rf10_covers_every_cell_once() {
        let map = SegmentMap::rf10();
        assert!(map.check(5).is_total_and_exclusive(), "{:?}", map.check(5));
        assert_eq!(map.segments().len(), 10);
        assert_eq!(map.segment_of(5, 5, 1), Some("Champions"));
        assert_eq!(map.segment_of(3, 3, 5), Some("Need Attention"));
        assert_eq!(map.segment_of(1, 5, 1), Some("Can't Lose Them"));
        assert_eq!(map.segment_of(2, 1, 3), Some("Hibernating"));
    }

    #[test]
    fn rfm8_first_match_is_total() {
        let map = SegmentMap::rfm8();
        let check = map.check(5);
        assert!(check.unassigned.is_empty(), "{check:?}");
        // Overlaps are resolved by order: R5 FM5 is Champions before Loyal Customers.
        assert!(check
            .overlapping
            .iter()
            .any(|(c, s)| c == "555" && s[0] == "Champions" && s[1] == "Loyal Customers"));
        assert_eq!(map.segment_of(5, 5, 5), Some("Champions"));
        assert_eq!(map.segment_of(5, 3, 4), Some("Loyal Customers")); // FM 3.5
        assert_eq!(map.segment_of(3, 1, 1), Some("Potential Loyalists"));
        assert_eq!(map.segment_of(1, 1, 1), Some("Hibernating"));
        assert_eq!(map.segment_of(1, 5, 4), Some("At Risk"));
    }

    #[test]
    fn code_tables_and_json_round_trip() {
        let text = "# a comment\nR,F,M,code,segment\n5,5,5,555,Champions\n1,1,1,111,Lost\n";
        let map = SegmentMap::from_code_table(text).unwrap();
        assert_eq!(map.segment_of(5, 5, 5), Some("Champions"));
        assert_eq!(map.segment_of(5, 5, 4), None);
        let check = map.check(5);
        assert_eq!(check.unassigned.len(), 123);
        let again = SegmentMap::from_json(&map.to_json()).unwrap();
        assert_eq!(again, map);
        for bad in [
            "R,F,M,code,segment\n",
            "5,5,x,55x,Champions\n",
            "5,5,5,555\n",
            "6,0,1,601,X\n",
        ] {
            assert!(SegmentMap::from_code_table(bad).is_err(), "{bad}");
        }
        let scores = RfmScores {
            r: vec![5, 1, 3],
            f: vec![5, 1, 3],
            m: vec![5, 1, 3],
        };
        assert_eq!(
            map.assign(&scores),
            [Some("Champions".into()), Some("Lost".into()), None]
        );
        assert!(SegmentMap::builtin("rfm125").is_err());
        assert_eq!(
            map.assign_columns(&[5, 1], &[5, 1], &[5, 1]).unwrap(),
            [Some("Champions".into()), Some("Lost".into())]
        );
        assert!(matches!(
            map.assign_columns(&[5, 0], &[5, 1], &[5, 1]),
            Err(SegmentError::InvalidData { row: 1, .. })
        ));
        assert!(map.assign_columns(&[5], &[5, 1], &[5]).is_err());
    }
}
