//! Golden vectors for segmentation: `testdata/golden_segment.json` holds a k-means model and a
//! segment map saved by the core, with the labels, segments and scores the core computes. The
//! Python, Node and Kotlin suites load the same documents and must reproduce them. Regenerate
//! with `KEHU_REGENERATE_GOLDEN=1`.

use kehu::data::time::parse_timestamp;
use kehu::learn::{Fit, Predict};
use kehu::profile::{Event, ProfileAccumulator, ProfileOptions};
use kehu::segment::audience::{AttributeValue, Audiences, OneCustomer, PurchaseEvent};
use kehu::segment::gmm::GmmOptions;
use kehu::segment::kmeans::{KMeansOptions, Rows};
use kehu::segment::kprototypes::MixedSample;
use kehu::segment::kprototypes::{Categories, KPrototypesOptions, MixedRows};
use kehu::segment::{rfm_scores, RfmOptions, SegmentMap};
use serde_json::{json, Value};

mod common;

fn golden() -> Value {
    // 300 points around four centres in 3-D, from a fixed integer recurrence.
    let mut state: u64 = 12345;
    let mut next = || {
        state = state
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (state >> 11) as f64 / (1u64 << 53) as f64
    };
    let centres = [
        [0.0, 0.0, 0.0],
        [5.0, 5.0, 0.0],
        [0.0, 5.0, 5.0],
        [5.0, 0.0, 5.0],
    ];
    let mut data = Vec::new();
    for i in 0..300 {
        for c in centres[i % 4] {
            data.push(c + 2.0 * next() - 1.0);
        }
    }
    let x = Rows::new(&data, 3).unwrap();
    let opts = KMeansOptions {
        k: 4,
        seed: 11,
        ..Default::default()
    };
    let f = opts.fit(&x).unwrap();
    let points: Vec<Vec<f64>> = data.chunks(3).take(20).map(|c| c.to_vec()).collect();
    let mixture = (GmmOptions {
        k: 4,
        seed: 3,
        ..Default::default()
    })
    .fit(&x)
    .unwrap()
    .model;
    let head = Rows::new(&data[..60], 3).unwrap();
    let gmm_components = mixture.predict(&head).unwrap();
    let gmm_probabilities: Vec<Vec<f64>> = mixture
        .predict_proba(&head)
        .unwrap()
        .chunks(4)
        .map(|c| c.to_vec())
        .collect();
    let recency: Vec<f64> = (0..20).map(|i| f64::from((i * 37) % 200)).collect();
    let frequency: Vec<f64> = (0..20).map(|i| f64::from(1 + (i * 7) % 9)).collect();
    let monetary: Vec<f64> = (0..20).map(|i| f64::from(10 + (i * 53) % 400)).collect();
    let scores = rfm_scores(&recency, &frequency, &monetary, &RfmOptions::default()).unwrap();
    let map = SegmentMap::rf10();
    // Mixed rows: two numbers (the first missing now and then) and two categories.
    let (mut numeric, mut channel, mut tier) = (Vec::new(), Vec::new(), Vec::new());
    for i in 0..240 {
        let g = i % 3;
        let spend = if i % 17 == 0 {
            f64::NAN
        } else {
            10.0 * g as f64 + 4.0 * next()
        };
        numeric.extend([spend, 30.0 + 5.0 * g as f64 + 3.0 * next()]);
        channel.push(Some(
            ["app", "web", "store"][if next() < 0.8 { g } else { (g + 1) % 3 }].to_string(),
        ));
        tier.push((i % 13 != 0).then(|| ["gold", "silver", "bronze"][g].to_string()));
    }
    let columns = vec![channel, tier];
    let categories = Categories::learn(&columns);
    let codes = categories.encode(&columns).unwrap();
    let mixed = MixedRows::new(&numeric, 2, &codes, 2).unwrap();
    let kp = (KPrototypesOptions {
        k: 3,
        seed: 5,
        ..Default::default()
    })
    .fit(&MixedSample {
        rows: &mixed,
        categories: &categories,
        weights: None,
    })
    .unwrap();
    let mixed_numeric: Vec<Vec<Option<f64>>> = numeric
        .chunks(2)
        .take(20)
        .map(|c| c.iter().map(|v| (!v.is_nan()).then_some(*v)).collect())
        .collect();
    let mixed_categories: Vec<Vec<Option<String>>> = (0..20)
        .map(|i| vec![columns[0][i].clone(), columns[1][i].clone()])
        .collect();
    // One customer and audiences over every kind of node.
    let events = [
        ("2025-01-03T10:00:00", 40.0, "shoes", "web"),
        ("2025-02-10T18:30:00", 25.5, "shoes", "app"),
        ("2025-03-01T09:15:00", 120.0, "bags", "store"),
        ("2025-03-20T12:00:00", 15.0, "shoes", "app"),
    ];
    let as_of = "2025-03-31T00:00:00";
    let audiences = Audiences::from_json(&json!({
        "format_version": 1, "kind": "audiences", "audiences": [
            {"name": "shoes_twice_60d", "rule": {"events": {"within_days": 60, "where": [{"property": "category", "op": "=", "value": "shoes"}], "op": ">=", "value": 2}}},
            {"name": "app_spend_over_50", "rule": {"events": {"aggregate": "sum", "of": "amount", "where": [{"property": "channel", "op": "=", "value": "app"}], "op": ">", "value": 50}}},
            {"name": "spent_200", "rule": {"field": "total_spend", "op": ">=", "value": 200}},
            {"name": "adult_member", "rule": {"and": [{"attribute": "age", "op": "between", "value": [18, 40]}, {"attribute": "member", "op": "=", "value": true}]}},
            {"name": "south_new_signup", "rule": {"and": [{"attribute": "region", "op": "in", "value": ["south", "east"]}, {"attribute": "signup", "op": ">=", "value": "2024-06-01"}]}},
            {"name": "champion_not_lapsed", "rule": {"and": [{"segment": "rfm", "op": "=", "value": "Champions"}, {"not": {"field": "days_since_last_purchase", "op": ">", "value": 30}}]}},
            {"name": "target", "rule": {"or": [{"audience": "spent_200"}, {"and": [{"audience": "shoes_twice_60d"}, {"audience": "adult_member"}]}]}},
        ]
    }).to_string())
    .unwrap();
    let end = parse_timestamp(as_of, None).unwrap();
    let mut acc = ProfileAccumulator::new();
    let mut customer = OneCustomer {
        as_of: end,
        ..Default::default()
    };
    for (t, amount, category, channel) in events {
        let ts = parse_timestamp(t, None).unwrap();
        acc.add(&Event {
            timestamp: ts,
            amount,
            order_id: None,
            category: Some(category),
            channel: Some(channel),
        })
        .unwrap();
        customer.events.push(PurchaseEvent {
            timestamp: ts,
            amount: Some(amount),
            category: Some(category.into()),
            channel: Some(channel.into()),
            ..Default::default()
        });
    }
    let popts = ProfileOptions {
        observation_end: Some(end),
        ..Default::default()
    };
    customer.profile = acc.profile("G1", &popts).unwrap();
    customer
        .attributes
        .insert("age".into(), AttributeValue::Number(34.0));
    customer
        .attributes
        .insert("member".into(), AttributeValue::Bool(true));
    customer
        .attributes
        .insert("region".into(), AttributeValue::Text("south".into()));
    customer
        .attributes
        .insert("signup".into(), AttributeValue::Date(20_089)); // 2025-01-01
    customer.segments.insert("rfm".into(), "Champions".into());
    let member = audiences.evaluate_one(&customer).unwrap();
    let members: Vec<&str> = audiences
        .names()
        .into_iter()
        .zip(&member)
        .filter(|(_, m)| **m)
        .map(|(n, _)| n)
        .collect();
    json!({
        "about": "kehu golden vectors: a k-means model and a segment map saved by the core, and what they assign",
        "kmeans": serde_json::from_str::<Value>(&f.model.to_json()).unwrap(),
        "points": points,
        "labels": f.labels[..20].to_vec(),
        "inertia": f.inertia,
        "rfm_inputs": {"recency": recency, "frequency": frequency, "monetary": monetary},
        "rfm_scores": {"R": scores.r, "F": scores.f, "M": scores.m},
        "segment_map": serde_json::from_str::<Value>(&map.to_json()).unwrap(),
        "segments": map.try_assign(&scores).unwrap(),
        "gmm": serde_json::from_str::<Value>(&mixture.to_json()).unwrap(),
        "gmm_components": gmm_components,
        "gmm_probabilities": gmm_probabilities,
        "kprototypes": serde_json::from_str::<Value>(&kp.model.to_json()).unwrap(),
        "mixed_numeric": mixed_numeric,
        "mixed_categories": mixed_categories,
        "mixed_labels": kp.labels[..20].to_vec(),
        "audiences": serde_json::from_str::<Value>(&audiences.to_json()).unwrap(),
        "audience_customer": {
            "customer_id": "G1",
            "events": events.iter().map(|(t, a, c, ch)| json!({"timestamp": t, "amount": a, "category": c, "channel": ch})).collect::<Vec<_>>(),
            "attributes": {"age": 34.0, "member": true, "region": "south", "signup": "2025-01-01"},
            "segments": {"rfm": "Champions"},
            "as_of": as_of,
        },
        "audience_members": members,
    })
}

#[test]
fn golden_segment_vectors_match_the_core() {
    common::check_golden("golden_segment.json", &golden());
}
