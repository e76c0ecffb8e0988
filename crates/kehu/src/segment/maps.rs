//! RFM segment maps as data: rules over score ranges, the two common named maps built in,
//! custom maps from JSON or from a code table (CSV), and a totality check.

use super::rfm::RfmScores;
use super::SegmentError;
use serde::{Deserialize, Serialize};

/// The whole scores a map is written for, `min`…`max` (the built-in maps: 1…5). Scores outside
/// it are refused with [`SegmentError::ScoreOutOfRange`], never silently left unassigned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScoreRange {
    /// Lowest score (≥ 1).
    pub min: u32,
    /// Highest score (≤ 100).
    pub max: u32,
}

impl ScoreRange {
    /// Scores 1…5, those of the built-in maps.
    pub const ONE_TO_FIVE: ScoreRange = ScoreRange { min: 1, max: 5 };

    fn contains(&self, score: u32) -> bool {
        self.min <= score && score <= self.max
    }
}

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
#[serde(deny_unknown_fields)]
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
#[serde(try_from = "MapDocument", into = "MapDocumentOut")]
pub struct SegmentMap {
    /// Rules in priority order.
    pub rules: Vec<SegmentRule>,
    /// The scores the rules are written for. A document without `scores` takes 1…the largest
    /// whole upper end of its rules' ranges (so `scores` is written only when it differs: the
    /// documents of the built-in maps read the same in older kehu builds).
    pub scores: ScoreRange,
}

#[derive(Serialize)]
struct MapDocumentOut {
    rules: Vec<SegmentRule>,
    #[serde(skip_serializing_if = "Option::is_none")]
    scores: Option<ScoreRange>,
}

impl From<SegmentMap> for MapDocumentOut {
    fn from(map: SegmentMap) -> Self {
        let implied = implied_scores(&map.rules);
        MapDocumentOut {
            scores: (map.scores != implied).then_some(map.scores),
            rules: map.rules,
        }
    }
}

/// A `segment_map` document as read: `scores` may be absent, other keys are refused.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MapDocument {
    rules: Vec<SegmentRule>,
    #[serde(default)]
    scores: Option<ScoreRange>,
}

impl TryFrom<MapDocument> for SegmentMap {
    type Error = String;

    fn try_from(doc: MapDocument) -> Result<Self, String> {
        let scores = match doc.scores {
            Some(s) => s,
            None => implied_scores(&doc.rules),
        };
        Ok(SegmentMap {
            rules: doc.rules,
            scores,
        })
    }
}

/// 1…the largest whole upper end of the rules' ranges (at least 1, at most 100).
fn implied_scores(rules: &[SegmentRule]) -> ScoreRange {
    let top = rules
        .iter()
        .flat_map(|r| [r.r, r.f, r.m, r.fm])
        .flatten()
        .map(|range| range.1)
        .filter(|v| v.is_finite())
        .fold(1.0, f64::max);
    ScoreRange {
        min: 1,
        max: top.floor().clamp(1.0, 100.0) as u32,
    }
}

/// The score a field of a map is read from, as errors name it.
const FIELDS: [&str; 3] = ["recency score", "frequency score", "monetary score"];

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
            scores: ScoreRange::ONE_TO_FIVE,
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
            scores: ScoreRange::ONE_TO_FIVE,
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
    /// starting with `#` are skipped), one exact rule per code; it takes scores 1…the largest
    /// score in the table.
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
        let scores = implied_scores(&rules);
        Ok(SegmentMap { rules, scores })
    }

    /// Reads a `segment_map` document: rules, and the `scores` (`{"min": 1, "max": 5}`) they
    /// are written for. Every range must have its low end at most its high end.
    pub fn from_json(text: &str) -> Result<SegmentMap, crate::Error> {
        let map: SegmentMap = crate::format::from_json(text)?;
        map.validate()?;
        Ok(map)
    }

    /// Checks the rules and the score range (the loaders call this).
    pub fn validate(&self) -> Result<(), SegmentError> {
        let bad = |reason: String| SegmentError::InvalidMap { reason };
        if self.rules.is_empty() {
            return Err(bad("no rules".into()));
        }
        let ScoreRange { min, max } = self.scores;
        if !(1 <= min && min <= max && max <= 100) {
            return Err(bad("scores: needs whole scores 1 ≤ min ≤ max ≤ 100".into()));
        }
        for (i, rule) in self.rules.iter().enumerate() {
            if rule.segment.is_empty() {
                return Err(bad(format!("rule {i} has an empty segment name")));
            }
            for (name, range) in [("r", rule.r), ("f", rule.f), ("m", rule.m), ("fm", rule.fm)] {
                let Some(Range(lo, hi)) = range else { continue };
                if !(lo.is_finite() && hi.is_finite()) {
                    return Err(bad(format!("rules[{i}].{name}: the ends must be finite")));
                }
                if lo > hi {
                    return Err(bad(format!(
                        "rules[{i}].{name}: the low end is above the high end"
                    )));
                }
            }
        }
        Ok(())
    }

    /// Which scores the rules read: recency, frequency, monetary (FM reads F and M).
    fn reads(&self) -> [bool; 3] {
        let mut used = [false; 3];
        for rule in &self.rules {
            used[0] |= rule.r.is_some();
            used[1] |= rule.f.is_some() || rule.fm.is_some();
            used[2] |= rule.m.is_some() || rule.fm.is_some();
        }
        used
    }

    /// Refuses scores outside the map's range (only the scores its rules read).
    fn check_scores(&self, row: usize, scores: [u32; 3]) -> Result<(), SegmentError> {
        for ((field, used), score) in FIELDS.iter().zip(self.reads()).zip(scores) {
            if used && !self.scores.contains(score) {
                return Err(SegmentError::ScoreOutOfRange {
                    row,
                    field: (*field).into(),
                    min: self.scores.min,
                    max: self.scores.max,
                });
            }
        }
        Ok(())
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

    /// The segment of one customer's scores (checked against the map's score range): the first
    /// matching rule's, `None` when no rule matches.
    pub fn try_segment_of(&self, r: u32, f: u32, m: u32) -> Result<Option<&str>, SegmentError> {
        self.check_scores(0, [r, f, m])?;
        Ok(self.segment_of(r, f, m))
    }

    /// The segment of scores already checked against the map's range: the first matching
    /// rule's, `None` when no rule matches.
    fn segment_of(&self, r: u32, f: u32, m: u32) -> Option<&str> {
        self.rules
            .iter()
            .find(|rule| rule.matches(r, f, m))
            .map(|rule| rule.segment.as_str())
    }

    /// Each customer's segment (`None`: no rule matches; such customers are kept and counted,
    /// never dropped). Scores binned for another range than the map's are refused (e.g. 2-bin
    /// scores under a map for 1…5), and so are scores outside it, naming the row and the score.
    pub fn try_assign(&self, scores: &RfmScores) -> Result<Vec<Option<String>>, SegmentError> {
        let n = scores.r.len();
        for (field, len) in [(FIELDS[1], scores.f.len()), (FIELDS[2], scores.m.len())] {
            if len != n {
                return Err(SegmentError::InvalidData {
                    row: len.min(n),
                    field: field.into(),
                    reason: format!("has {len} scores, expected {n}"),
                });
            }
        }
        self.check_bins(scores.bins)?;
        (0..n)
            .map(|i| {
                let (r, f, m) = (scores.r[i], scores.f[i], scores.m[i]);
                self.check_scores(i, [r, f, m])?;
                Ok(self.segment_of(r, f, m).map(str::to_string))
            })
            .collect()
    }

    /// Refuses scores binned for another range than the map's (`bins`: the number of R, F
    /// and M scores, as [`RfmScores::bins`]; `None`: unknown, each score is still checked).
    fn check_bins(&self, bins: Option<[u32; 3]>) -> Result<(), SegmentError> {
        let Some(bins) = bins else { return Ok(()) };
        for ((field, used), bins) in FIELDS.iter().zip(self.reads()).zip(bins) {
            if used && (self.scores.min != 1 || self.scores.max != bins) {
                return Err(SegmentError::ScoreRangeMismatch {
                    field: (*field).into(),
                    bins,
                    min: self.scores.min,
                    max: self.scores.max,
                });
            }
        }
        Ok(())
    }

    /// Each customer's segment from score columns as given by a caller (any integers): checks
    /// the lengths, that scores are whole numbers ≥ 1 and that they are in the map's range,
    /// naming the row and column. `bins` (as [`RfmScores::bins`], when the caller has it from
    /// [`rfm_scores`](super::rfm_scores)) refuses scores binned for another range.
    pub fn assign_columns(
        &self,
        r: &[i64],
        f: &[i64],
        m: &[i64],
        bins: Option<[u32; 3]>,
    ) -> Result<Vec<Option<String>>, SegmentError> {
        self.check_bins(bins)?;
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
                self.check_scores(i, [a, b, c])?;
                Ok(self.segment_of(a, b, c).map(str::to_string))
            })
            .collect()
    }

    /// Which of the bins³ codes the map leaves unassigned or matches more than once; `bins`
    /// must be within the map's score range.
    pub fn check(&self, bins: u32) -> Result<MapCheck, SegmentError> {
        if !self.scores.contains(bins) {
            return Err(SegmentError::InvalidOption {
                option: "bins".into(),
                reason: format!(
                    "the map takes scores {}…{}; check it with bins in that range",
                    self.scores.min, self.scores.max
                ),
            });
        }
        let mut check = MapCheck {
            unassigned: vec![],
            overlapping: vec![],
        };
        let lo = self.scores.min;
        for r in (lo..=bins).rev() {
            for f in (lo..=bins).rev() {
                for m in (lo..=bins).rev() {
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
        Ok(check)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rf10_covers_every_cell_once() {
        let map = SegmentMap::rf10();
        assert!(
            map.check(5).unwrap().is_total_and_exclusive(),
            "{:?}",
            map.check(5).unwrap()
        );
        assert_eq!(map.segments().len(), 10);
        assert_eq!(map.segment_of(5, 5, 1), Some("Champions"));
        assert_eq!(map.segment_of(3, 3, 5), Some("Need Attention"));
        assert_eq!(map.segment_of(1, 5, 1), Some("Can't Lose Them"));
        assert_eq!(map.segment_of(2, 1, 3), Some("Hibernating"));
    }

    #[test]
    fn rfm8_first_match_is_total() {
        let map = SegmentMap::rfm8();
        let check = map.check(5).unwrap();
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
        let check = map.check(5).unwrap();
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
            bins: None,
        };
        assert_eq!(
            map.try_assign(&scores).unwrap(),
            [Some("Champions".into()), Some("Lost".into()), None]
        );
        assert!(SegmentMap::builtin("rfm125").is_err());
        assert_eq!(
            map.assign_columns(&[5, 1], &[5, 1], &[5, 1], None).unwrap(),
            [Some("Champions".into()), Some("Lost".into())]
        );
        assert!(matches!(
            map.assign_columns(&[5, 0], &[5, 1], &[5, 1], None),
            Err(SegmentError::InvalidData { row: 1, .. })
        ));
        assert!(map.assign_columns(&[5], &[5, 1], &[5], None).is_err());
    }
}
