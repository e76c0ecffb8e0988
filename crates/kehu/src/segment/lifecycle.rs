//! Lifecycle stages (生命周期阶段): prospect, new, active, at risk, lapsed, lost — by fixed day
//! thresholds, by each customer's own purchase cadence or by a value model's P(alive) — and the
//! migration between two snapshots.

use super::names::shown;
use super::SegmentError;
use serde::{Deserialize, Serialize};

/// A customer's lifecycle stage.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Known, no purchase yet.
    Prospect,
    /// First purchase recently.
    New,
    /// Buying as expected.
    Active,
    /// Overdue.
    AtRisk,
    /// Long overdue.
    Lapsed,
    /// Gone.
    Lost,
}

/// Every stage, in lifecycle order.
pub const STAGES: [Stage; 6] = [
    Stage::Prospect,
    Stage::New,
    Stage::Active,
    Stage::AtRisk,
    Stage::Lapsed,
    Stage::Lost,
];

impl Stage {
    /// The stage of a name given by [`Stage::name`].
    pub fn from_name(name: &str) -> Result<Stage, SegmentError> {
        STAGES
            .iter()
            .copied()
            .find(|s| s.name() == name)
            .ok_or_else(|| SegmentError::InvalidOption {
                option: "stage".into(),
                reason: format!(
                    "unknown stage {}; use prospect, new, active, at_risk, lapsed or lost",
                    shown(name)
                ),
            })
    }

    /// The stage's name (`prospect`, `new`, `active`, `at_risk`, `lapsed`, `lost`).
    pub fn name(&self) -> &'static str {
        match self {
            Stage::Prospect => "prospect",
            Stage::New => "new",
            Stage::Active => "active",
            Stage::AtRisk => "at_risk",
            Stage::Lapsed => "lapsed",
            Stage::Lost => "lost",
        }
    }
}

/// How stages are decided. A customer whose first purchase is at most `new_days` old is new in
/// every rule; one without purchases is a prospect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum StageRule {
    /// By days since the last purchase: active up to `active_days`, at risk up to
    /// `at_risk_days`, lapsed up to `lost_days`, lost beyond.
    Days {
        /// New customers' window (days since the first purchase).
        new_days: f64,
        /// Active up to this many days since the last purchase.
        active_days: f64,
        /// At risk up to this many.
        at_risk_days: f64,
        /// Lapsed up to this many; lost beyond.
        lost_days: f64,
    },
    /// By each customer's own cadence c (their 80th-percentile gap between purchase days,
    /// `interval_p80_days` of the profile, at least `min_interval_days`; a customer with a
    /// single purchase day takes `single_purchase_interval_days`): active while the days since
    /// the last purchase are at most c, at risk up to `lapsed_multiple` × c, lapsed up to
    /// `lost_multiple` × c, lost beyond.
    Cadence {
        /// New customers' window (days since the first purchase).
        new_days: f64,
        /// Floor of c (a customer buying twice on consecutive days is not overdue on day 2).
        min_interval_days: f64,
        /// c of customers with one purchase day.
        single_purchase_interval_days: f64,
        /// At risk up to this multiple of c.
        lapsed_multiple: f64,
        /// Lapsed up to this multiple of c; lost beyond.
        lost_multiple: f64,
    },
    /// By P(alive) from a fitted value model: active from `active`, at risk from `at_risk`,
    /// lapsed from `lapsed`, lost below.
    Alive {
        /// New customers' window (days since the first purchase).
        new_days: f64,
        /// Lowest P(alive) of an active customer.
        active: f64,
        /// Lowest P(alive) of an at-risk customer.
        at_risk: f64,
        /// Lowest P(alive) of a lapsed customer.
        lapsed: f64,
    },
}

impl Default for StageRule {
    fn default() -> Self {
        StageRule::Days {
            new_days: 30.0,
            active_days: 90.0,
            at_risk_days: 180.0,
            lost_days: 365.0,
        }
    }
}

impl StageRule {
    /// The default rule of a kind: `days` (30 / 90 / 180 / 365 days), `cadence` (new within
    /// 30 days; c at least 7 days, 90 for one purchase day; at risk beyond c, lapsed beyond 2c,
    /// lost beyond 4c) or `alive` (new within 30 days; P(alive) 0.7 / 0.4 / 0.15).
    pub fn default_of(kind: &str) -> Result<StageRule, SegmentError> {
        match kind {
            "days" => Ok(StageRule::default()),
            "cadence" => Ok(StageRule::Cadence {
                new_days: 30.0,
                min_interval_days: 7.0,
                single_purchase_interval_days: 90.0,
                lapsed_multiple: 2.0,
                lost_multiple: 4.0,
            }),
            "alive" => Ok(StageRule::Alive {
                new_days: 30.0,
                active: 0.7,
                at_risk: 0.4,
                lapsed: 0.15,
            }),
            other => Err(SegmentError::InvalidOption {
                option: "stage rule".into(),
                reason: format!("unknown kind {}; use days, cadence or alive", shown(other)),
            }),
        }
    }

    /// A rule from a JSON object of overrides: `kind` (default `days`) and any of that kind's
    /// thresholds; the rest keep their defaults.
    pub fn from_overrides(text: &str) -> Result<StageRule, SegmentError> {
        let bad = |reason: String| SegmentError::InvalidOption {
            option: "stage rule".into(),
            reason,
        };
        let given: serde_json::Map<String, serde_json::Value> =
            crate::format::parse_json(text).map_err(bad)?;
        let kind = given
            .get("kind")
            .and_then(|k| k.as_str())
            .unwrap_or("days")
            .to_string();
        let mut merged = match serde_json::to_value(StageRule::default_of(&kind)?) {
            Ok(serde_json::Value::Object(m)) => m,
            _ => unreachable!("a rule serialises to an object"),
        };
        for (key, value) in given {
            if !merged.contains_key(&key) {
                return Err(bad(format!(
                    "{} is not a setting of the {kind} rule",
                    shown(&key)
                )));
            }
            if key != "kind" && !value.is_number() {
                // Every threshold is a number; serde could not name the setting inside the
                // tagged rule.
                return Err(bad(format!("{}: must be a number", shown(&key))));
            }
            merged.insert(key, value);
        }
        // Parsed from text again so that errors name the setting (values are never quoted).
        let merged = serde_json::Value::Object(merged).to_string();
        crate::format::parse_json(&merged).map_err(bad)
    }

    fn check(&self) -> Result<(), SegmentError> {
        let bad = |reason: &str| SegmentError::InvalidOption {
            option: "stage rule".into(),
            reason: reason.into(),
        };
        match *self {
            StageRule::Days {
                new_days,
                active_days,
                at_risk_days,
                lost_days,
            } => {
                let ok = new_days >= 0.0
                    && 0.0 <= active_days
                    && active_days <= at_risk_days
                    && at_risk_days <= lost_days
                    && lost_days.is_finite();
                ok.then_some(()).ok_or_else(|| {
                    bad("needs 0 ≤ new_days and 0 ≤ active_days ≤ at_risk_days ≤ lost_days")
                })
            }
            StageRule::Cadence {
                new_days,
                min_interval_days,
                single_purchase_interval_days,
                lapsed_multiple,
                lost_multiple,
            } => {
                let ok = new_days >= 0.0
                    && min_interval_days > 0.0
                    && single_purchase_interval_days > 0.0
                    && single_purchase_interval_days.is_finite()
                    && 1.0 <= lapsed_multiple
                    && lapsed_multiple <= lost_multiple
                    && lost_multiple.is_finite();
                ok.then_some(()).ok_or_else(|| {
                    bad("needs 0 ≤ new_days, intervals > 0 and 1 ≤ lapsed_multiple ≤ lost_multiple")
                })
            }
            StageRule::Alive {
                new_days,
                active,
                at_risk,
                lapsed,
            } => {
                let ok = new_days >= 0.0
                    && 0.0 <= lapsed
                    && lapsed <= at_risk
                    && at_risk <= active
                    && active <= 1.0;
                ok.then_some(())
                    .ok_or_else(|| bad("needs 0 ≤ new_days and 0 ≤ lapsed ≤ at_risk ≤ active ≤ 1"))
            }
        }
    }
}

/// Per-customer inputs: `None` tenure marks a prospect (no purchase).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StageInputs {
    /// Days since the first purchase (`None`: no purchase).
    pub tenure_days: Vec<Option<f64>>,
    /// Days since the last purchase (ignored for prospects).
    pub days_since_last: Vec<f64>,
    /// P(alive) from a value model (needed by [`StageRule::Alive`] only).
    pub probability_alive: Option<Vec<f64>>,
    /// Each customer's 80th-percentile gap between purchase days (needed by
    /// [`StageRule::Cadence`] only; `None` for a customer with one purchase day).
    pub interval_p80_days: Option<Vec<Option<f64>>>,
}

impl StageInputs {
    /// Tenure, days since the last purchase and p80 purchase gap of profiled customers (no
    /// P(alive): set `probability_alive` for the alive rule).
    pub fn from_profiles(profiles: &[crate::profile::CustomerProfile]) -> Self {
        StageInputs {
            tenure_days: profiles.iter().map(|p| Some(p.tenure_days)).collect(),
            days_since_last: profiles
                .iter()
                .map(|p| p.days_since_last_purchase)
                .collect(),
            probability_alive: None,
            interval_p80_days: Some(profiles.iter().map(|p| p.interval_p80_days).collect()),
        }
    }
}

/// Each customer's stage under `rule`.
pub fn lifecycle_stages(
    inputs: &StageInputs,
    rule: &StageRule,
) -> Result<Vec<Stage>, SegmentError> {
    rule.check()?;
    let n = inputs.tenure_days.len();
    let bad = |row: usize, field: &str, reason: &str| SegmentError::InvalidData {
        row,
        field: field.into(),
        reason: reason.into(),
    };
    if inputs.days_since_last.len() != n {
        return Err(bad(
            inputs.days_since_last.len().min(n),
            "days_since_last",
            "one value per customer",
        ));
    }
    let alive = match (rule, &inputs.probability_alive) {
        (StageRule::Alive { .. }, None) => {
            return Err(SegmentError::InvalidOption {
                option: "probability_alive".into(),
                reason: "the alive rule needs P(alive) per customer".into(),
            })
        }
        (_, Some(p)) if p.len() != n => {
            return Err(bad(
                p.len().min(n),
                "probability_alive",
                "one value per customer",
            ))
        }
        (_, p) => p.as_deref(),
    };
    let cadence = match (rule, &inputs.interval_p80_days) {
        (StageRule::Cadence { .. }, None) => {
            return Err(SegmentError::InvalidOption {
                option: "interval_p80_days".into(),
                reason: "the cadence rule needs each customer's p80 purchase interval".into(),
            })
        }
        (_, Some(c)) if c.len() != n => {
            return Err(bad(
                c.len().min(n),
                "interval_p80_days",
                "one value per customer",
            ))
        }
        (_, c) => c.as_deref(),
    };
    (0..n)
        .map(|i| {
            let Some(tenure) = inputs.tenure_days[i] else {
                return Ok(Stage::Prospect);
            };
            let since = inputs.days_since_last[i];
            if !(tenure.is_finite() && tenure >= 0.0) {
                return Err(bad(i, "tenure_days", "must be a finite number ≥ 0"));
            }
            if !(since.is_finite() && since >= 0.0 && since <= tenure) {
                return Err(bad(
                    i,
                    "days_since_last",
                    "must be between 0 and the tenure",
                ));
            }
            Ok(match *rule {
                StageRule::Days { new_days, .. }
                | StageRule::Cadence { new_days, .. }
                | StageRule::Alive { new_days, .. }
                    if tenure <= new_days =>
                {
                    Stage::New
                }
                StageRule::Days {
                    active_days,
                    at_risk_days,
                    lost_days,
                    ..
                } => {
                    if since <= active_days {
                        Stage::Active
                    } else if since <= at_risk_days {
                        Stage::AtRisk
                    } else if since <= lost_days {
                        Stage::Lapsed
                    } else {
                        Stage::Lost
                    }
                }
                StageRule::Cadence {
                    min_interval_days,
                    single_purchase_interval_days,
                    lapsed_multiple,
                    lost_multiple,
                    ..
                } => {
                    let c = match cadence.expect("checked above")[i] {
                        None => single_purchase_interval_days,
                        Some(v) if v.is_finite() && v >= 0.0 => v.max(min_interval_days),
                        Some(_) => {
                            return Err(bad(i, "interval_p80_days", "must be a finite number ≥ 0"))
                        }
                    };
                    if since <= c {
                        Stage::Active
                    } else if since <= lapsed_multiple * c {
                        Stage::AtRisk
                    } else if since <= lost_multiple * c {
                        Stage::Lapsed
                    } else {
                        Stage::Lost
                    }
                }
                StageRule::Alive {
                    active,
                    at_risk,
                    lapsed,
                    ..
                } => {
                    let p = alive.expect("checked above")[i];
                    if !(0.0..=1.0).contains(&p) {
                        return Err(bad(i, "probability_alive", "must be between 0 and 1"));
                    }
                    if p >= active {
                        Stage::Active
                    } else if p >= at_risk {
                        Stage::AtRisk
                    } else if p >= lapsed {
                        Stage::Lapsed
                    } else {
                        Stage::Lost
                    }
                }
            })
        })
        .collect()
}

/// Customers moving between stages from one snapshot to the next: `counts[from][to]` in
/// [`STAGES`] order (both snapshots list the same customers in the same order).
pub fn migration_matrix(
    before: &[Stage],
    after: &[Stage],
) -> Result<[[usize; 6]; 6], SegmentError> {
    if before.len() != after.len() {
        return Err(SegmentError::InvalidData {
            row: before.len().min(after.len()),
            field: "stages".into(),
            reason: "both snapshots need the same customers".into(),
        });
    }
    let index = |s: &Stage| {
        STAGES
            .iter()
            .position(|t| t == s)
            .expect("every stage listed")
    };
    let mut counts = [[0usize; 6]; 6];
    for (a, b) in before.iter().zip(after) {
        counts[index(a)][index(b)] += 1;
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_thresholds_and_migration() {
        let inputs = StageInputs {
            tenure_days: vec![
                None,
                Some(10.0),
                Some(400.0),
                Some(400.0),
                Some(400.0),
                Some(400.0),
            ],
            days_since_last: vec![0.0, 10.0, 30.0, 120.0, 300.0, 399.0],
            ..Default::default()
        };
        let stages = lifecycle_stages(&inputs, &StageRule::default()).unwrap();
        assert_eq!(stages, STAGES);
        let later = [
            Stage::New,
            Stage::Active,
            Stage::AtRisk,
            Stage::AtRisk,
            Stage::Lost,
            Stage::Lost,
        ];
        let m = migration_matrix(&stages, &later).unwrap();
        assert_eq!(m[0][1], 1);
        assert_eq!(m[3][3], 1);
        assert_eq!(m[5][5], 1);
        assert_eq!(m.iter().flatten().sum::<usize>(), 6);
        assert!(migration_matrix(&stages, &later[..2]).is_err());
        assert_eq!(Stage::from_name("at_risk").unwrap(), Stage::AtRisk);
        assert!(Stage::from_name("dormant").is_err());
    }

    #[test]
    fn cadence_rule_uses_each_customers_own_interval() {
        // A weekly buyer (p80 gap 8 days) is at risk after 10 days; a quarterly one is active.
        let inputs = StageInputs {
            tenure_days: vec![Some(200.0); 7],
            days_since_last: vec![10.0, 10.0, 20.0, 40.0, 3.0, 100.0, 200.0],
            interval_p80_days: Some(vec![
                Some(8.0),
                Some(95.0),
                Some(8.0),
                Some(8.0),
                Some(1.0),
                None,
                None,
            ]),
            ..Default::default()
        };
        let rule = StageRule::default_of("cadence").unwrap();
        assert_eq!(
            lifecycle_stages(&inputs, &rule).unwrap(),
            [
                Stage::AtRisk,
                Stage::Active,
                Stage::Lapsed,
                Stage::Lost,
                // Floored at 7 days.
                Stage::Active,
                // One purchase day: c = 90.
                Stage::AtRisk,
                Stage::Lapsed,
            ]
        );
        let overrides = StageRule::from_overrides(r#"{"kind": "cadence", "lost_multiple": 2.5}"#);
        assert!(matches!(
            overrides,
            Ok(StageRule::Cadence { lost_multiple, .. }) if lost_multiple == 2.5
        ));
        let mut missing = inputs.clone();
        missing.interval_p80_days = None;
        assert!(lifecycle_stages(&missing, &rule).is_err());
        let mut bad = inputs.clone();
        bad.interval_p80_days.as_mut().unwrap()[2] = Some(f64::NAN);
        let e = lifecycle_stages(&bad, &rule).unwrap_err();
        assert!(e.to_string().contains("row 2"), "{e}");
    }

    #[test]
    fn alive_rule_and_errors() {
        let inputs = StageInputs {
            tenure_days: vec![Some(100.0), Some(100.0), Some(100.0), Some(100.0)],
            days_since_last: vec![10.0; 4],
            probability_alive: Some(vec![0.9, 0.5, 0.2, 0.01]),
            ..Default::default()
        };
        let rule = StageRule::Alive {
            new_days: 30.0,
            active: 0.7,
            at_risk: 0.4,
            lapsed: 0.15,
        };
        assert_eq!(
            lifecycle_stages(&inputs, &rule).unwrap(),
            [Stage::Active, Stage::AtRisk, Stage::Lapsed, Stage::Lost]
        );
        let mut no_alive = inputs.clone();
        no_alive.probability_alive = None;
        assert!(lifecycle_stages(&no_alive, &rule).is_err());
        let mut bad = inputs.clone();
        bad.days_since_last[2] = 500.0;
        assert!(matches!(
            lifecycle_stages(&bad, &StageRule::default()),
            Err(SegmentError::InvalidData { row: 2, .. })
        ));
        let inverted = StageRule::Days {
            new_days: 30.0,
            active_days: 200.0,
            at_risk_days: 100.0,
            lost_days: 365.0,
        };
        assert!(lifecycle_stages(&inputs, &inverted).is_err());
        let r = StageRule::from_overrides(r#"{"kind": "alive", "active": 0.8}"#).unwrap();
        assert_eq!(
            r,
            StageRule::Alive {
                new_days: 30.0,
                active: 0.8,
                at_risk: 0.4,
                lapsed: 0.15
            }
        );
        assert_eq!(
            StageRule::from_overrides("{}").unwrap(),
            StageRule::default()
        );
        assert!(StageRule::from_overrides(r#"{"active": 0.8}"#).is_err());
        assert!(StageRule::from_overrides(r#"{"kind": "dormant"}"#).is_err());
    }
}
