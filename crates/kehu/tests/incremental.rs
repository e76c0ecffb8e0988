//! Property: feeding events one at a time gives the same profile as the batch computation.

use kehu::data::time::{format_iso, MICROS_PER_SECOND};
use kehu::data::{validate, RawTransactions, ValidationOptions};
use kehu::profile::{
    profile_customers, CustomerProfile, Event, ProfileAccumulator, ProfileOptions,
};
use proptest::prelude::*;

#[derive(Debug, Clone)]
struct Ev {
    customer: usize,
    seconds: i64,
    cents: i64,
    order: Option<u8>,
    category: Option<u8>,
    channel: Option<u8>,
}

fn events() -> impl Strategy<Value = Vec<Ev>> {
    let ev = (
        0usize..3,
        0i64..(400 * 86_400),
        -5_000i64..50_000,
        proptest::option::of(0u8..4),
        proptest::option::of(0u8..3),
        proptest::option::of(0u8..2),
    )
        .prop_map(|(customer, seconds, cents, order, category, channel)| Ev {
            customer,
            seconds,
            cents,
            order,
            category,
            channel,
        });
    proptest::collection::vec(ev, 1..60)
}

const START: i64 = 1_700_000_000 * MICROS_PER_SECOND;
const CATEGORIES: [&str; 3] = ["books", "music", "toys"];
const CHANNELS: [&str; 2] = ["web", "store"];

fn ts(e: &Ev) -> i64 {
    START + e.seconds * MICROS_PER_SECOND
}

fn feed(acc: &mut ProfileAccumulator, e: &Ev, order: &str) {
    let event = Event {
        timestamp: ts(e),
        amount: e.cents as f64 / 100.0,
        order_id: e.order.map(|_| order),
        category: e.category.map(|c| CATEGORIES[c as usize]),
        channel: e.channel.map(|c| CHANNELS[c as usize]),
    };
    acc.add(&event).unwrap();
}

fn order_id(e: &Ev) -> String {
    format!("o{}-{}", e.customer, e.order.unwrap_or(0))
}

fn batch(events: &[Ev], opts: &ProfileOptions) -> Vec<CustomerProfile> {
    let raw = RawTransactions {
        customer_id: events
            .iter()
            .map(|e| Some(format!("c{}", e.customer)))
            .collect(),
        timestamp: events.iter().map(|e| Some(format_iso(ts(e)))).collect(),
        amount: Some(
            events
                .iter()
                .map(|e| Some(e.cents as f64 / 100.0))
                .collect(),
        ),
        order_id: Some(
            events
                .iter()
                .map(|e| e.order.map(|_| order_id(e)))
                .collect(),
        ),
        category: Some(
            events
                .iter()
                .map(|e| e.category.map(|c| CATEGORIES[c as usize].to_string()))
                .collect(),
        ),
        channel: Some(
            events
                .iter()
                .map(|e| e.channel.map(|c| CHANNELS[c as usize].to_string()))
                .collect(),
        ),
        ..Default::default()
    };
    let vopts = ValidationOptions {
        allow_returns: true,
        deduplicate: false,
        ..Default::default()
    };
    let (t, report) = validate(&raw.columns(), &vopts).unwrap();
    assert_eq!(report.accepted, events.len());
    match profile_customers(&t, opts) {
        Ok(set) => set.profiles,
        Err(_) => Vec::new(), // only returns: no profile in either computation
    }
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * a.abs().max(b.abs()).max(1.0)
}

fn assert_close(a: &CustomerProfile, b: &CustomerProfile) {
    assert_eq!(a.customer_id, b.customer_id);
    assert_eq!(
        (a.first_purchase, a.last_purchase),
        (b.first_purchase, b.last_purchase)
    );
    assert_eq!(
        (a.transactions, a.orders, a.returns),
        (b.transactions, b.orders, b.returns)
    );
    for field in CustomerProfile::NUMERIC_FIELDS {
        match (a.numeric(field), b.numeric(field)) {
            (Some(x), Some(y)) => assert!(close(x, y), "{field}: {x} vs {y}"),
            (x, y) => assert_eq!(x, y, "{field}"),
        }
    }
    assert_eq!(a.top_categories.len(), b.top_categories.len());
    for (x, y) in a.top_categories.iter().zip(&b.top_categories) {
        assert!(close(x.share, y.share));
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn incremental_equals_batch(events in events(), shuffle_seed in any::<u64>()) {
        let end = START + 401 * 86_400 * MICROS_PER_SECOND;
        let opts = ProfileOptions { observation_end: Some(end), ..Default::default() };
        let expected = batch(&events, &opts);
        for profile in &expected {
            let c: usize = profile.customer_id[1..].parse().unwrap();
            let mut mine: Vec<(usize, &Ev)> = events.iter().enumerate().filter(|(_, e)| e.customer == c).collect();
            // In time order (ties in input order): bit-identical to the batch result.
            mine.sort_by_key(|(i, e)| (ts(e), *i));
            let mut acc = ProfileAccumulator::new();
            for (_, e) in &mine {
                feed(&mut acc, e, &order_id(e));
            }
            let got = acc.profile(&profile.customer_id, &opts).unwrap().unwrap();
            prop_assert_eq!(&got, profile);
            // In any order: equal up to floating-point summation order.
            let mut state = shuffle_seed | 1;
            for i in (1..mine.len()).rev() {
                state ^= state << 13; state ^= state >> 7; state ^= state << 17;
                mine.swap(i, (state % (i as u64 + 1)) as usize);
            }
            let mut acc = ProfileAccumulator::new();
            for (_, e) in &mine {
                feed(&mut acc, e, &order_id(e));
            }
            assert_close(&acc.profile(&profile.customer_id, &opts).unwrap().unwrap(), profile);
        }
    }
}

#[test]
fn profile_columns_reports_bad_rows_and_uses_the_validation_end() {
    use kehu::data::time::parse_timestamp;
    use kehu::profile::profile_columns;
    let raw = RawTransactions {
        customer_id: vec![Some("a".into()), Some("a".into()), Some("b".into())],
        timestamp: vec![
            Some("2024-01-01".into()),
            Some("bad".into()),
            Some("2024-01-05".into()),
        ],
        amount: Some(vec![Some(10.0), Some(1.0), Some(5.0)]),
        ..Default::default()
    };
    let end = parse_timestamp("2024-01-31", None);
    let v = ValidationOptions {
        strict: true,
        observation_end: end,
        ..Default::default()
    };
    let (set, report) = profile_columns(&raw.columns(), &v, &ProfileOptions::default()).unwrap();
    assert_eq!((report.accepted, report.rejected.len()), (2, 1));
    assert_eq!(set.profiles[0].t, 30.0); // T runs to the validation's observation end
}
