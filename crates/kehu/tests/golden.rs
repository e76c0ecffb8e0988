//! Golden vectors: the core writes `testdata/golden_profile.json` (run with
//! `KEHU_REGENERATE_GOLDEN=1` after an intentional change); the Rust, Python, Node and Kotlin
//! suites all assert the same values from that file.

use kehu::data::time::format_iso;
use kehu::data::{validate, ValidationOptions};
use kehu::profile::{profile_customers, summarize, Freq, ProfileOptions, SummaryOptions, TagRules};
use kehu::simulate::{simulate, SimulationConfig};
use serde_json::{json, Value};

mod common;

const TAGS: &str = r#"{"format_version": 1, "kind": "tag_rules", "tags": [
  {"name": "repeat_buyer", "when": "frequency >= 1"},
  {"name": "high_value", "when": "total_spend >= 150"},
  {"name": "returner", "when": {"all": ["returns >= 1", {"not": "return_ratio > 0.5"}]}}
]}"#;

fn golden() -> Value {
    let config = SimulationConfig {
        customers: 40,
        seed: 2024,
        dirty_rate: 0.0,
        return_rate: 0.1,
        ..Default::default()
    };
    let data = simulate(&config).unwrap();
    let raw = &data.transactions;
    let opts = ValidationOptions {
        allow_returns: true,
        ..Default::default()
    };
    let (t, report) = validate(&raw.columns(), &opts).unwrap();
    assert!(report.rejected.is_empty());
    let end = data.observation_end;
    let summary = summarize(
        &t,
        &SummaryOptions {
            freq: Freq::Day,
            freq_multiplier: 7.0,
            observation_period_end: Some(end),
            include_first_transaction: false,
        },
    )
    .unwrap();
    let profiles = profile_customers(
        &t,
        &ProfileOptions {
            observation_end: Some(end),
            ..Default::default()
        },
    )
    .unwrap();
    let rules = TagRules::from_json(TAGS).unwrap();
    let events: Vec<Value> = (0..raw.len())
        .map(|i| {
            json!({
                "customer_id": raw.customer_id[i],
                "timestamp": raw.timestamp[i],
                "amount": raw.amount.as_ref().unwrap()[i],
                "order_id": raw.order_id.as_ref().unwrap()[i],
                "category": raw.category.as_ref().unwrap()[i],
                "channel": raw.channel.as_ref().unwrap()[i],
            })
        })
        .collect();
    let tags: Vec<Value> = profiles
        .profiles
        .iter()
        .map(|p| json!(rules.evaluate(p)))
        .collect();
    json!({
        "about": "kehu golden vectors: events, and the summary, profiles and tags the core computes from them",
        "observation_end": format_iso(end),
        "events": events,
        "summary": {
            "freq": "D",
            "freq_multiplier": 7.0,
            "customer_id": summary.customer_ids.to_strings(),
            "frequency": summary.frequency,
            "recency": summary.recency,
            "T": summary.t,
            "monetary_value": summary.monetary_value,
        },
        "tag_rules": serde_json::from_str::<Value>(TAGS).unwrap(),
        "profiles": profiles.profiles,
        "tags": tags,
    })
}

#[test]
fn golden_vectors_match_the_core() {
    let computed = golden();
    common::check_golden("golden_profile.json", &computed);
    assert!(computed["profiles"].as_array().unwrap().len() >= 30);
}
