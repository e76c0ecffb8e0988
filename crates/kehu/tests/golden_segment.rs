//! Golden vectors for segmentation: `testdata/golden_segment.json` holds a k-means model and a
//! segment map saved by the core, with the labels, segments and scores the core computes. The
//! Python, Node and Kotlin suites load the same documents and must reproduce them. Regenerate
//! with `KEHU_REGENERATE_GOLDEN=1`.

use kehu::segment::kmeans::{fit, KMeansOptions, Rows};
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
    let f = fit(&x, None, &opts).unwrap();
    let points: Vec<Vec<f64>> = data.chunks(3).take(20).map(|c| c.to_vec()).collect();
    let recency: Vec<f64> = (0..20).map(|i| f64::from((i * 37) % 200)).collect();
    let frequency: Vec<f64> = (0..20).map(|i| f64::from(1 + (i * 7) % 9)).collect();
    let monetary: Vec<f64> = (0..20).map(|i| f64::from(10 + (i * 53) % 400)).collect();
    let scores = rfm_scores(&recency, &frequency, &monetary, &RfmOptions::default()).unwrap();
    let map = SegmentMap::rf10();
    json!({
        "about": "kehu golden vectors: a k-means model and a segment map saved by the core, and what they assign",
        "kmeans": serde_json::from_str::<Value>(&f.model.to_json()).unwrap(),
        "points": points,
        "labels": f.labels[..20].to_vec(),
        "inertia": f.inertia,
        "rfm_inputs": {"recency": recency, "frequency": frequency, "monetary": monetary},
        "rfm_scores": {"R": scores.r, "F": scores.f, "M": scores.m},
        "segment_map": serde_json::from_str::<Value>(&map.to_json()).unwrap(),
        "segments": map.assign(&scores),
    })
}

#[test]
fn golden_segment_vectors_match_the_core() {
    common::check_golden("golden_segment.json", &golden());
}
