//! Tag rules and audiences as users give them: the whole document, or a shorthand (a list, or
//! an object by name in written order), read by the core the same way for every front end.

use kehu::profile::TagRules;
use kehu::segment::audience::Audiences;

const TAG_DOC: &str = r#"{"format_version": 1, "kind": "tag_rules", "tags": [
    {"name": "vip", "when": "monetary_value >= 500"}, {"name": "loyal", "when": "frequency >= 3"}]}"#;

#[test]
fn tag_rule_shorthands_equal_the_document() {
    let doc = TagRules::from_given_json(TAG_DOC).unwrap();
    assert_eq!(doc, TagRules::from_json(TAG_DOC).unwrap());
    let list = r#"[{"name": "vip", "when": "monetary_value >= 500"}, {"name": "loyal", "when": "frequency >= 3"}]"#;
    let body = format!(r#"{{"tags": {list}}}"#);
    let by_name = r#"{"vip": "monetary_value >= 500", "loyal": "frequency >= 3"}"#;
    for given in [list, body.as_str(), by_name] {
        assert_eq!(TagRules::from_given_json(given).unwrap(), doc, "{given}");
    }
    // Written order is kept, not sorted: "zeta" stays before "alpha".
    let ordered =
        TagRules::from_given_json(r#"{"zeta": "frequency >= 1", "alpha": "frequency >= 2"}"#)
            .unwrap();
    let back: serde_json::Value = serde_json::from_str(&ordered.to_json()).unwrap();
    assert_eq!(back["tags"][0]["name"], "zeta");
    assert_eq!(back["tags"][1]["name"], "alpha");
}

#[test]
fn bad_given_tag_rules_are_typed_errors() {
    let e = TagRules::from_given_json(r#"{"vip": "monetary_valu >= 500"}"#).unwrap_err();
    assert_eq!(e.code(), "PROFILE_INVALID_RULE", "{e}");
    for text in [
        "5",
        r#""vip""#,
        "{not json",
        r#"[{"name": "vip"}]"#,
        r#"{"vip": 5}"#,
    ] {
        let e = TagRules::from_given_json(text).unwrap_err();
        assert_eq!(e.code(), "FORMAT_INVALID", "{text}: {e}");
    }
    let newer = r#"{"format_version": 9, "kind": "tag_rules", "tags": []}"#;
    assert_eq!(
        TagRules::from_given_json(newer).unwrap_err().code(),
        "FORMAT_NEWER_VERSION"
    );
    let other = r#"{"format_version": 1, "kind": "audiences", "audiences": []}"#;
    assert_eq!(
        TagRules::from_given_json(other).unwrap_err().code(),
        "FORMAT_WRONG_KIND"
    );
}

#[test]
fn audience_shorthands_equal_the_document() {
    let rule = r#"{"field": "frequency", "op": ">=", "value": 3}"#;
    let doc = format!(
        r#"{{"format_version": 1, "kind": "audiences", "audiences": [{{"name": "b_loyal", "rule": {rule}}}, {{"name": "a_all", "rule": {{"field": "recency", "op": ">", "value": 0}}}}]}}"#
    );
    let want = Audiences::from_json(&doc).unwrap();
    let list = format!(
        r#"[{{"name": "b_loyal", "rule": {rule}}}, {{"name": "a_all", "rule": {{"field": "recency", "op": ">", "value": 0}}}}]"#
    );
    let by_name =
        format!(r#"{{"b_loyal": {rule}, "a_all": {{"field": "recency", "op": ">", "value": 0}}}}"#);
    for given in [doc.as_str(), list.as_str(), by_name.as_str()] {
        let got = Audiences::from_given_json(given).unwrap();
        assert_eq!(got.names(), ["b_loyal", "a_all"], "{given}");
        assert_eq!(got, want);
    }
    let e = Audiences::from_given_json(r#"{"vip": {"field": "frequency", "op": "~", "value": 3}}"#)
        .unwrap_err();
    assert_eq!(e.code(), "SEGMENT_INVALID_RULE", "{e}");
    assert_eq!(
        Audiences::from_given_json("[1]").unwrap_err().code(),
        "FORMAT_INVALID"
    );
}

#[test]
fn one_customer_inputs_are_read_by_the_cores_rules() {
    use kehu::segment::audience::{AttributeValue, OneCustomer, PurchaseEvent};
    let date = |d: &str| AttributeValue::from_given("signup", None, None, None, Some(d));
    // 2024-01-05 is day 19727; a date-time counts its day, as in the tabular path.
    assert_eq!(date("2024-01-05").unwrap(), AttributeValue::Date(19727));
    assert_eq!(
        date("2024-01-05T23:59:00").unwrap(),
        AttributeValue::Date(19727)
    );
    let e = date("Jan 5 2024").unwrap_err();
    assert_eq!(e.code(), "DATA_INVALID_OPTION");
    assert!(
        e.to_string().contains("attribute 'signup'") && !e.to_string().contains("Jan"),
        "{e}"
    );
    let two = AttributeValue::from_given("age", Some(40.0), Some("x".into()), None, None);
    assert_eq!(two.unwrap_err().code(), "SEGMENT_INVALID_OPTION");
    assert_eq!(
        OneCustomer::as_of("2024-02-01").unwrap().as_of,
        19754 * 86_400_000_000
    );
    assert_eq!(
        OneCustomer::as_of("tomorrow").unwrap_err().code(),
        "DATA_INVALID_OPTION"
    );
    assert!(PurchaseEvent::at(3, "2024-02-01 10:00:00").is_ok());
    let bad = PurchaseEvent::at(3, "02/01/2024").unwrap_err().to_string();
    assert!(bad.contains("row 3"), "{bad}");
}

#[test]
fn given_customer_columns_infer_kinds_and_reject_bad_json() {
    use kehu::data::customers::Attribute;
    use kehu::segment::audience::given_customers;
    let (ids, cols) = given_customers(
        vec![Some("a".into()), None],
        vec![("age".into(), "[40, null]".into())],
    )
    .unwrap();
    assert_eq!(ids, [Some("a".to_string()), None]);
    assert_eq!(
        cols,
        [(
            "age".to_string(),
            Attribute::Numeric(vec![Some(40.0), None])
        )]
    );
    for bad in ["{not json", "5", r#"[1, "x"]"#] {
        let e = given_customers(vec![Some("a".into())], vec![("age".into(), bad.into())]);
        let e = kehu::Error::from(e.unwrap_err());
        assert!(e.code().starts_with("DATA_"), "{bad}: {e}");
    }
}
