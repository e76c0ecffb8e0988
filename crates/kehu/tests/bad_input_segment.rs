//! Hostile and careless input to segmentation (issue 15): nothing is sized from a number the
//! caller gave (cluster labels, bins, k, top, batch sizes), segment maps refuse scores of the
//! wrong range, rule audiences refuse nonsense when loaded, and errors about users' documents
//! name the offending node, never its value.

use kehu::learn::Fit;
use kehu::segment::audience::Audiences;
use kehu::segment::gmm::GmmOptions;
use kehu::segment::kmeans::{Init, KMeansOptions, Rows};
use kehu::segment::lifecycle::StageRule;
use kehu::segment::minibatch::MiniBatchOptions;
use kehu::segment::portrait::category_portrait;
use kehu::segment::quality::{
    calinski_harabasz_score, davies_bouldin_score, k_sweep, silhouette_score, SweepOptions,
};
use kehu::segment::{rfm_scores, Binning, RfmOptions, ScoreRange, SegmentError, SegmentMap, Ties};
use std::time::{Duration, Instant};

/// A hang guard, not a speed test.
const HANG: Duration = Duration::from_secs(20);

fn rows50() -> Vec<f64> {
    (0..100).map(|i| f64::from(i % 17) * 0.5).collect()
}

// ---- item 1: one large label, and other user numbers ----

#[test]
fn one_large_cluster_label_is_a_label_not_a_size() {
    let data = rows50();
    let x = Rows::new(&data, 2).unwrap();
    let small: Vec<u32> = (0..50).map(|i| u32::from(i >= 25)).collect();
    let mut large = small.clone();
    for l in &mut large {
        if *l == 1 {
            *l = 1_000_000_000;
        }
    }
    let start = Instant::now();
    for labels in [&large, &small] {
        // Same scores whatever the label values (only their order matters).
        assert_eq!(
            silhouette_score(&x, labels).unwrap().to_bits(),
            silhouette_score(&x, &small).unwrap().to_bits()
        );
        assert_eq!(
            calinski_harabasz_score(&x, labels).unwrap().to_bits(),
            calinski_harabasz_score(&x, &small).unwrap().to_bits()
        );
        assert_eq!(
            davies_bouldin_score(&x, labels).unwrap().to_bits(),
            davies_bouldin_score(&x, &small).unwrap().to_bits()
        );
    }
    let max: Vec<u32> = small.iter().map(|l| l * u32::MAX).collect();
    assert!(silhouette_score(&x, &max).is_ok());
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // One label, or one per row: a typed error.
    let one = vec![1_000_000_000u32; 50];
    let e = silhouette_score(&x, &one).unwrap_err();
    assert_eq!(e.code(), "SEGMENT_INVALID_OPTION");
    let each: Vec<u32> = (0..50).map(|i| i * 80_000_000).collect();
    assert!(calinski_harabasz_score(&x, &each).is_err());
}

#[test]
fn many_clusters_do_not_need_a_clusters_by_rows_table() {
    // 6000 rows in 3000 clusters: a 3000 × 6000 table would be 144 MB; row by row it is not.
    let n = 6000;
    let data: Vec<f64> = (0..n).map(|i| f64::from(i as u32 % 97)).collect();
    let x = Rows::new(&data, 1).unwrap();
    let labels: Vec<u32> = (0..n as u32).map(|i| (i / 2) * 1_000_003).collect();
    let start = Instant::now();
    let s = silhouette_score(&x, &labels).unwrap();
    assert!(s.is_finite() && (-1.0..=1.0).contains(&s));
    assert!(start.elapsed() < HANG);
}

#[test]
fn oversized_requests_are_typed_errors() {
    let data = rows50();
    let x = Rows::new(&data, 2).unwrap();
    let code = |e: SegmentError| e.code();
    // k larger than the rows.
    let km = KMeansOptions {
        k: usize::MAX,
        ..Default::default()
    };
    assert_eq!(code(km.fit(&x).unwrap_err()), "SEGMENT_INVALID_OPTION");
    let g = GmmOptions {
        k: 1 << 40,
        ..Default::default()
    };
    assert!(g.fit(&x).is_err());
    // Runs and rounds.
    let runs = KMeansOptions {
        k: 2,
        n_init: Some(usize::MAX),
        ..Default::default()
    };
    assert!(runs.fit(&x).is_err());
    let rounds = KMeansOptions {
        k: 2,
        init: Init::KMeansParallel {
            rounds: usize::MAX,
            oversampling: 2.0,
        },
        ..Default::default()
    };
    assert!(rounds.fit(&x).is_err());
    // A huge batch is the rows; huge iterations do not overflow.
    let mb = MiniBatchOptions {
        k: 2,
        batch_size: usize::MAX,
        max_iter: usize::MAX,
        max_no_improvement: Some(3),
        ..Default::default()
    };
    let start = Instant::now();
    assert!(mb.fit(&x).is_ok());
    assert!(start.elapsed() < HANG);
    let mb = MiniBatchOptions {
        k: 2,
        n_init: Some(usize::MAX),
        ..Default::default()
    };
    assert!(mb.fit(&x).is_err());
    // A k sweep beyond the rows fails before fitting anything.
    let huge = SweepOptions {
        k_range: vec![2, 1 << 40],
        ..Default::default()
    };
    assert!(k_sweep(&x, &KMeansOptions::default(), &huge).is_err());
    // RFM bins above 100.
    let opts = RfmOptions {
        recency: Binning::Quantiles {
            bins: u32::MAX,
            ties: Ties::Mid,
        },
        ..Default::default()
    };
    assert!(rfm_scores(&[1.0, 2.0], &[1.0, 2.0], &[1.0, 2.0], &opts).is_err());
    // A map check over more scores than the map takes.
    let e = SegmentMap::rf10().check(u32::MAX).unwrap_err();
    assert_eq!(e.code(), "SEGMENT_INVALID_OPTION");
    // Portrait: top 0 is an error, a huge top lists what there is.
    let seg: Vec<Option<String>> = (0..4).map(|i| Some(format!("s{}", i % 2))).collect();
    let ch: Vec<Option<String>> = (0..4).map(|i| Some(format!("c{i}"))).collect();
    assert!(category_portrait(&seg, &[("channel", &ch)], 0).is_err());
    assert_eq!(
        category_portrait(&seg, &[("channel", &ch)], usize::MAX)
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn many_segments_portrait_in_linear_time() {
    let n = 200_000;
    let seg: Vec<Option<String>> = (0..n).map(|i| Some(format!("s{i}"))).collect();
    let ch: Vec<Option<String>> = (0..n).map(|i| Some(format!("c{}", i % 3))).collect();
    let start = Instant::now();
    assert_eq!(
        category_portrait(&seg, &[("channel", &ch)], 1)
            .unwrap()
            .len(),
        n
    );
    assert!(start.elapsed() < HANG, "{:?}", start.elapsed());
}

// ---- item 2: maps refuse scores of the wrong range ----

fn scores_with_bins(bins: u32) -> kehu::segment::RfmScores {
    let n = 200;
    let v: Vec<f64> = (0..n).map(f64::from).collect();
    let q = Binning::Quantiles {
        bins,
        ties: Ties::Mid,
    };
    let opts = RfmOptions {
        recency: q.clone(),
        frequency: q.clone(),
        monetary: q,
    };
    rfm_scores(&v, &v, &v, &opts).unwrap()
}

#[test]
fn maps_refuse_scores_outside_their_range() {
    for name in ["rf10", "rfm8"] {
        let map = SegmentMap::builtin(name).unwrap();
        assert_eq!(map.scores, ScoreRange { min: 1, max: 5 });
        // 5-bin scores: everyone has a segment.
        let ok = map.try_assign(&scores_with_bins(5)).unwrap();
        assert!(ok.iter().all(Option::is_some));
        // 100 bins: refused (no more None for everyone), naming the score and the range.
        let e = map.try_assign(&scores_with_bins(100)).unwrap_err();
        assert_eq!(e.code(), "SEGMENT_SCORE_RANGE_MISMATCH");
        let text = e.to_string();
        assert!(
            text.contains("recency score") && text.contains("1…5"),
            "{text}"
        );
        // Through the columns the bindings use, too.
        let s = scores_with_bins(100);
        let col = |v: &[u32]| v.iter().map(|x| i64::from(*x)).collect::<Vec<_>>();
        let e = map
            .assign_columns(&col(&s.r), &col(&s.f), &col(&s.m), None)
            .unwrap_err();
        assert!(matches!(
            e,
            SegmentError::ScoreOutOfRange { min: 1, max: 5, .. }
        ));
        // With the bins the scores were made with, as the bindings pass them: 2-bin scores
        // (all inside 1…5) are refused too, and 5-bin scores pass.
        let two = scores_with_bins(2);
        let e = map
            .assign_columns(&col(&two.r), &col(&two.f), &col(&two.m), two.bins)
            .unwrap_err();
        assert_eq!(e.code(), "SEGMENT_SCORE_RANGE_MISMATCH");
        let five = scores_with_bins(5);
        assert_eq!(
            map.assign_columns(&col(&five.r), &col(&five.f), &col(&five.m), five.bins)
                .unwrap(),
            map.try_assign(&five).unwrap()
        );
        assert!(map.try_segment_of(6, 1, 1).is_err());
    }
    // 2-bin scores fall inside 1…5 but are binned for another range: refused (they used to
    // make everyone "Hibernating"), naming the score and both ranges.
    for name in ["rf10", "rfm8"] {
        let e = SegmentMap::builtin(name)
            .unwrap()
            .try_assign(&scores_with_bins(2))
            .unwrap_err();
        assert_eq!(e.code(), "SEGMENT_SCORE_RANGE_MISMATCH");
        let text = e.to_string();
        assert!(text.contains("1…2") && text.contains("1…5"), "{text}");
    }
    // Scores whose binning is not known are checked row by row.
    let mut unknown = scores_with_bins(2);
    unknown.bins = None;
    assert!(SegmentMap::rf10().try_assign(&unknown).is_ok());
    let mut unknown = scores_with_bins(100);
    unknown.bins = None;
    let e = SegmentMap::rf10().try_assign(&unknown).unwrap_err();
    assert_eq!(e.code(), "SEGMENT_SCORE_OUT_OF_RANGE");
    assert!(e.to_string().contains("recency score"), "{e}");
    // A map written for 1…2 scores takes them, refusing 3.
    let doc = r#"{"format_version": 1, "kind": "segment_map",
        "scores": {"min": 1, "max": 2},
        "rules": [{"segment": "Good", "r": [2, 2]}, {"segment": "Hibernating", "r": [1, 1]}]}"#;
    let two = SegmentMap::from_json(doc).unwrap();
    let s = scores_with_bins(2);
    let seg = two.try_assign(&s).unwrap();
    assert!(seg.iter().any(|x| x.as_deref() == Some("Good")));
    let e = two.try_assign(&scores_with_bins(3)).unwrap_err();
    assert!(e.to_string().contains("1…2"), "{e}");
    // A frequency score out of range is named as such (R in range).
    let e = SegmentMap::rf10().try_segment_of(3, 9, 1).unwrap_err();
    assert!(e.to_string().contains("frequency score"), "{e}");
    // rf10 does not read M: a monetary score of another scoring does not matter.
    assert!(SegmentMap::rf10().try_segment_of(3, 3, 9).is_ok());
    // Round trip keeps the range; older documents without it take it from the rules.
    let back = SegmentMap::from_json(&two.to_json()).unwrap();
    assert_eq!(back.scores, ScoreRange { min: 1, max: 2 });
    let old = r#"{"format_version": 1, "kind": "segment_map",
        "rules": [{"segment": "A", "r": [4, 5]}, {"segment": "B", "r": [1, 3]}]}"#;
    assert_eq!(
        SegmentMap::from_json(old).unwrap().scores,
        ScoreRange { min: 1, max: 5 }
    );
    let table = SegmentMap::from_code_table("R,F,M,code,segment\n9,9,9,999,Top\n").unwrap();
    assert_eq!(table.scores, ScoreRange { min: 1, max: 9 });
}

#[test]
fn malformed_maps_are_refused() {
    let doc = |body: &str| format!(r#"{{"format_version": 1, "kind": "segment_map", {body}}}"#);
    for (body, expected) in [
        (
            r#""rules": [{"segment": "A", "r": [5, 1]}]"#,
            "rules[0].r: the low end is above",
        ),
        (
            r#""scores": {"min": 0, "max": 5}, "rules": [{"segment": "A"}]"#,
            "scores",
        ),
        (
            r#""scores": {"min": 1, "max": 1000}, "rules": [{"segment": "A"}]"#,
            "scores",
        ),
        (
            r#""rules": [{"segment": "A", "x": [1, 2]}]"#,
            "unknown field",
        ),
        (
            r#""rules": [{"segment": "A"}], "extra": 1"#,
            "unknown field",
        ),
    ] {
        let e = SegmentMap::from_json(&doc(body)).unwrap_err().to_string();
        assert!(e.contains(expected), "{body}: {e}");
    }
}

// ---- item 3: audiences ----

fn audience_error(rule: &str) -> String {
    let doc = format!(
        r#"{{"format_version": 1, "kind": "audiences", "audiences": [{{"name": "a", "rule": {rule}}}]}}"#
    );
    let e = Audiences::from_json(&doc).unwrap_err();
    assert_eq!(e.code(), "SEGMENT_INVALID_RULE", "{e}");
    e.to_string()
}

#[test]
fn reversed_between_is_refused_naming_the_node() {
    let e = audience_error(
        r#"{"and": [{"field": "orders", "op": ">", "value": 1},
                    {"field": "total_spend", "op": "between", "value": [100, 1]}]}"#,
    );
    assert!(e.contains("rule.and[1]") && e.contains("reversed"), "{e}");
    assert!(!e.contains("100"), "{e}");
    let e = audience_error(
        r#"{"attribute": "joined", "op": "between", "value": ["2024-12-31", "2024-01-01"]}"#,
    );
    assert!(e.contains("reversed") && !e.contains("2024"), "{e}");
    let e = audience_error(
        r#"{"events": {"where": [{"property": "amount", "op": "between", "value": [9, 2]}], "op": ">", "value": 0}}"#,
    );
    assert!(
        e.contains("rule.events.where[0]") && e.contains("reversed"),
        "{e}"
    );
    assert!(
        audience_error(r#"{"attribute": "x", "op": "between", "value": [1, "b"]}"#)
            .contains("one type")
    );
    // Equal ends are fine.
    let ok = r#"{"format_version": 1, "kind": "audiences", "audiences": [
        {"name": "a", "rule": {"field": "orders", "op": "between", "value": [2, 2]}}]}"#;
    assert!(Audiences::from_json(ok).is_ok());
}

#[test]
fn other_audience_nonsense_is_refused() {
    for (rule, expected) in [
        (r#"{"and": []}"#, "rule.and: needs a non-empty list"),
        (r#"{"or": []}"#, "rule.or: needs a non-empty list"),
        (
            r#"{"events": {"within_days": -3, "op": ">", "value": 0}}"#,
            "within_days",
        ),
        (
            r#"{"events": {"within_days": 1e300, "op": ">", "value": 0}}"#,
            "within_days",
        ),
        (
            r#"{"events": {"where": [], "op": ">", "value": 0}}"#,
            "rule.events.where",
        ),
        (
            r#"{"field": "orders", "op": "in", "value": []}"#,
            "non-empty list",
        ),
        (
            r#"{"field": "orders", "op": ">", "value": 1, "colour": 2}"#,
            "unexpected key",
        ),
    ] {
        let e = audience_error(rule);
        assert!(e.contains(expected), "{rule}: {e}");
    }
    // Unknown keys of a definition and of the document.
    let doc = r#"{"format_version": 1, "kind": "audiences", "audiences": [
        {"name": "a", "rule": {"field": "orders", "op": ">", "value": 1}, "rules": 1}]}"#;
    assert!(Audiences::from_json(doc)
        .unwrap_err()
        .to_string()
        .contains("unknown field"));
    let doc = r#"{"format_version": 1, "kind": "audiences", "audiences": [], "audience": []}"#;
    assert!(Audiences::from_json(doc)
        .unwrap_err()
        .to_string()
        .contains("unknown field"));
}

// ---- item 4: no values in messages ----

#[test]
fn document_errors_quote_paths_not_values() {
    let secret = "alice@example.com";
    let docs = [
        // Audiences: a value where a name belongs, an operator, a field, a key.
        format!(
            r#"{{"format_version": 1, "kind": "audiences", "audiences": [{{"name": 5, "rule": "{secret}"}}]}}"#
        ),
        format!(
            r#"{{"format_version": 1, "kind": "audiences", "audiences": [{{"name": "a", "rule": {{"field": "orders", "op": "{secret}", "value": 1}}}}]}}"#
        ),
        format!(
            r#"{{"format_version": 1, "kind": "audiences", "audiences": [{{"name": "a", "rule": {{"field": "{secret}", "op": ">", "value": 1}}}}]}}"#
        ),
        format!(
            r#"{{"format_version": 1, "kind": "audiences", "audiences": [{{"name": "{secret}", "rule": {{"audience": "{secret}x"}}}}]}}"#
        ),
        format!(
            r#"{{"format_version": 1, "kind": "audiences", "audiences": [{{"name": "a", "rule": {{"field": "orders", "op": ">", "value": 1, "{secret}": 1}}}}]}}"#
        ),
        // Segment maps.
        format!(
            r#"{{"format_version": 1, "kind": "segment_map", "rules": [{{"segment": "A", "r": ["{secret}", 2]}}]}}"#
        ),
        format!(
            r#"{{"format_version": 1, "kind": "segment_map", "rules": [{{"segment": "A"}}], "scores": "{secret}"}}"#
        ),
    ];
    for doc in &docs {
        let e = match doc.contains("segment_map") {
            true => SegmentMap::from_json(doc).unwrap_err().to_string(),
            false => Audiences::from_json(doc).unwrap_err().to_string(),
        };
        assert!(!e.contains("alice"), "{e}");
    }
    // Lifecycle rules: a value of the wrong type, an unknown setting, an unknown kind.
    for text in [
        format!(r#"{{"kind": "days", "active_days": "{secret}"}}"#),
        format!(r#"{{"kind": "days", "{secret}": 3}}"#),
        format!(r#"{{"kind": "{secret}"}}"#),
        format!(r#"{{"kind": "days", "active_days": 3, "lost_days": ["{secret}"]}}"#),
    ] {
        let e = StageRule::from_overrides(&text).unwrap_err().to_string();
        assert!(!e.contains("alice"), "{e}");
    }
    let e = StageRule::from_overrides(&format!(r#"{{"kind": "days", "active_days": "{secret}"}}"#))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("active_days") && e.contains("must be a number"),
        "{e}"
    );
    // The path of the offending map node is named.
    let e = SegmentMap::from_json(&docs[5]).unwrap_err().to_string();
    assert!(e.contains("rules[0].r"), "{e}");
}
