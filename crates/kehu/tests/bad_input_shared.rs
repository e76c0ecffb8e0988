//! Hostile input to the pieces the bindings now share through the core (issue 11): time
//! options, summary options, attribute kinds, the audience pipeline, parameter replacement, the
//! batch P(alive), the on-device scorer and the one-row model checks. Each gets a typed error
//! with a code, never a panic or a silent guess.

use kehu::data::customers::Attribute;
use kehu::data::time::parse_time_option;
use kehu::data::{IdColumn, TimeColumn, TransactionColumns, ValidationOptions};
use kehu::profile::GivenSummaryOptions;
use kehu::segment::audience::{AudienceInputs, Audiences};
use kehu::segment::gmm::{Covariance, GaussianMixture};
use kehu::value::{BetaGeo, ClvOptions, GammaGamma, ValueModel, ValueScorer};

fn bg() -> ValueModel {
    ValueModel::BetaGeo(BetaGeo {
        r: 0.24,
        alpha: 4.41,
        a: 0.79,
        b: 2.43,
    })
}

fn gg() -> ValueModel {
    ValueModel::GammaGamma(GammaGamma {
        p: 6.25,
        q: 3.74,
        gamma: 15.45,
    })
}

fn code(e: &kehu::Error) -> &'static str {
    e.code()
}

#[test]
fn time_options_refuse_empty_huge_and_mismatched_text() {
    for (text, format) in [
        ("", None),
        ("   ", None),
        ("99999-01-01", None),
        ("1997-13-01", None),
        ("1997-02-30", None),
        ("19970930", None),
        ("30/09/1997", Some("%Y-%m-%d")),
        ("3000000000", Some("%s%s")),
    ] {
        let e = parse_time_option("end", Some(text), format).unwrap_err();
        assert_eq!(e.code(), "DATA_INVALID_OPTION", "{text:?}: {e}");
        assert!(e.to_string().contains("'end'"), "{e}");
    }
    assert_eq!(parse_time_option("end", None, Some("%Y")), Ok(None));
}

#[test]
fn summary_options_refuse_unknown_freq_and_bad_times() {
    let given = |freq, end| GivenSummaryOptions {
        freq,
        observation_period_end: end,
        ..Default::default()
    };
    let e = given(Some("fortnight"), None).summary().unwrap_err();
    assert_eq!(code(&e), "PROFILE_INVALID_OPTION", "{e}");
    let e = given(None, Some("soon")).summary().unwrap_err();
    assert_eq!(code(&e), "DATA_INVALID_OPTION", "{e}");
    let e = given(None, None).holdout("").unwrap_err();
    assert!(e.to_string().contains("calibration_period_end"), "{e}");
}

#[test]
fn attribute_columns_refuse_malformed_and_mixed_values() {
    for json in [
        "",
        "{",
        "42",
        r#"{"a": 1}"#,
        "[NaN]",
        "[1e400]",
        "[[1, 2]]",
        r#"[{"date": "x"}]"#,
        r#"[1, {"other": "list"}]"#,
        r#"[{"other": "non-finite number"}]"#,
        r#"[true, 1]"#,
    ] {
        let e = Attribute::infer_json("age", json).unwrap_err();
        assert!(
            matches!(e.code(), "DATA_INVALID_OPTION" | "DATA_WRONG_TYPE"),
            "{json}: {e}"
        );
        assert!(e.to_string().contains("age"), "{json}: {e}");
    }
    assert_eq!(
        Attribute::infer_json("age", "[]").unwrap(),
        Attribute::Numeric(vec![])
    );
}

#[test]
fn the_audience_pipeline_refuses_bad_times_ids_and_columns() {
    let audiences = Audiences::from_json(
        r#"{"format_version": 1, "kind": "audiences", "audiences": [{"name": "adults", "rule": {"attribute": "age", "op": ">=", "value": 30}}]}"#,
    )
    .unwrap();
    let inputs = |as_of, ids: Vec<&str>, ages: Vec<Option<f64>>| AudienceInputs {
        as_of,
        customers: Some((
            ids.into_iter().map(|id| Some(id.to_string())).collect(),
            vec![("age".to_string(), Attribute::Numeric(ages))],
        )),
        transactions: None,
        segments: vec![],
    };
    let e = audiences
        .evaluate_inputs(inputs("tomorrow", vec!["a"], vec![Some(40.0)]))
        .unwrap_err();
    assert_eq!(code(&e), "DATA_INVALID_OPTION", "{e}");
    let e = audiences
        .evaluate_inputs(inputs("2024-01-01", vec!["a", "a"], vec![None, None]))
        .unwrap_err();
    assert!(e.to_string().contains("row 1"), "{e}");
    let e = audiences
        .evaluate_inputs(inputs("2024-01-01", vec!["a", "b"], vec![None]))
        .unwrap_err();
    assert_eq!(code(&e), "DATA_LENGTH_MISMATCH", "{e}");
    // Raw transactions with a bad row are reported, not lost.
    let ids = vec!["a".to_string(), "b".to_string()];
    let times = vec!["2023-12-01".to_string(), "not a time".to_string()];
    let columns = TransactionColumns {
        customer_id: IdColumn::Text(&ids),
        timestamp: TimeColumn::Text {
            values: &times,
            format: None,
        },
        amount: None,
        order_id: None,
        quantity: None,
        product_id: None,
        category: None,
        channel: None,
    };
    let options = ValidationOptions::default();
    let buyers = Audiences::from_json(
        r#"{"format_version": 1, "kind": "audiences", "audiences": [{"name": "buyers", "rule": {"field": "orders", "op": ">=", "value": 1}}]}"#,
    )
    .unwrap();
    let (m, report) = buyers
        .evaluate_inputs(AudienceInputs {
            as_of: "2024-01-01",
            customers: None,
            transactions: Some((&columns, &options)),
            segments: vec![],
        })
        .unwrap();
    assert_eq!(m.ids, ["a"]);
    assert_eq!(report.unwrap().rejected.len(), 1);
}

#[test]
fn parameters_given_by_hand_are_checked() {
    let m = bg();
    let names = ["r", "alpha", "a", "b"];
    let with = |values: [f64; 4]| {
        let params: Vec<(String, f64)> = names.iter().map(|n| n.to_string()).zip(values).collect();
        m.with_params(&params)
    };
    for bad in [f64::NAN, f64::INFINITY, -1.0, 0.0] {
        let e = with([bad, 1.0, 1.0, 1.0]).unwrap_err();
        assert!(
            e.to_string().contains("'r'") || e.to_string().contains("r"),
            "{e}"
        );
        assert!(
            matches!(code(&e), "VALUE_INVALID_PARAMETER" | "FORMAT_INVALID"),
            "{bad}: {e}"
        );
    }
    // A huge value is a model; predictions that overflow say so by row.
    let huge = with([1e300, 1e-300, 1.0, 1.0]).unwrap();
    let e = huge
        .probability_alive_all(&[1.0, 2.0], &[1.0, 1.0], &[5.0, 5.0])
        .map(|p| p.iter().all(|v| v.is_finite()));
    assert!(matches!(e, Ok(true) | Err(_)));
    let e = m
        .with_params(&[("r".to_string(), 1.0), ("r".to_string(), 1.0)])
        .unwrap_err();
    assert!(e.to_string().contains("twice"), "{e}");
    let e = ValueModel::from_json_of(&m.to_json(), "nonsense").unwrap_err();
    assert_eq!(code(&e), "FORMAT_WRONG_KIND", "{e}");
    let e = ValueModel::from_json_of("{", "bgnbd").unwrap_err();
    assert_eq!(code(&e), "FORMAT_INVALID", "{e}");
}

#[test]
fn batch_probability_alive_checks_every_row() {
    let m = bg();
    assert_eq!(
        m.probability_alive_all(&[], &[], &[]).unwrap(),
        Vec::<f64>::new()
    );
    let e = m
        .probability_alive_all(&[1.0, f64::NAN], &[1.0, 1.0], &[5.0, 5.0])
        .unwrap_err();
    assert!(e.to_string().contains("row 1"), "{e}");
    let e = m
        .probability_alive_all(&[1.0], &[1.0, 1.0], &[5.0])
        .unwrap_err();
    assert!(e.to_string().contains("recency"), "{e}");
    let e = m
        .probability_alive_all(&[1.0, 1.0], &[1.0, 1.0], &[5.0, f64::INFINITY])
        .unwrap_err();
    assert!(e.to_string().contains("row 1"), "{e}");
    let e = gg()
        .probability_alive_all(&[1.0], &[1.0], &[5.0])
        .unwrap_err();
    assert_eq!(e.code(), "VALUE_INVALID_OPTION", "{e}");
}

#[test]
fn the_scorer_refuses_bad_models_thresholds_and_histories() {
    assert!(ValueScorer::new(bg(), Some(gg()), vec![f64::NAN]).is_err());
    assert!(ValueScorer::new(bg(), Some(gg()), vec![1.0, f64::INFINITY]).is_err());
    let s = ValueScorer::new(bg(), Some(gg()), vec![100.0, 10.0]).unwrap();
    let clv = ClvOptions::default();
    for (history, horizon) in [
        ((f64::NAN, 1.0, 5.0, 10.0), 10.0),
        ((1.0, 9.0, 5.0, 10.0), 10.0),
        ((1.0, 1.0, 5.0, 10.0), f64::NAN),
        ((1.0, 1.0, 5.0, 10.0), -1.0),
        ((1.0, 1.0, 5.0, f64::INFINITY), 10.0),
    ] {
        let e = s.score(history, horizon, &clv).unwrap_err();
        assert!(e.code().starts_with("VALUE_"), "{history:?} {horizon}: {e}");
    }
    let bad_clv = ClvOptions::given(Some(12), Some(f64::NAN), None, None);
    assert!(s.score((1.0, 1.0, 5.0, 10.0), 10.0, &bad_clv).is_err());
}

#[test]
fn one_row_mixture_scores_check_the_row() {
    let m = GaussianMixture::from_json(
        r#"{"format_version": 1, "kind": "gaussian_mixture", "d": 2, "covariance": "diag", "weights": [1.0], "means": [0.0, 0.0], "covariances": [1.0, 1.0]}"#,
    )
    .unwrap();
    assert_eq!(m.covariance, Covariance::Diag);
    for row in [
        &[][..],
        &[1.0][..],
        &[1.0, 2.0, 3.0][..],
        &[f64::NAN, 0.0][..],
        &[f64::INFINITY, 0.0][..],
    ] {
        let e = m.predict_one(row).unwrap_err();
        assert!(e.code().starts_with("SEGMENT_"), "{row:?}: {e}");
        assert!(m.predict_proba_one(row).is_err());
    }
    assert_eq!(m.predict_one(&[0.1, 0.2]).unwrap(), 0);
}
