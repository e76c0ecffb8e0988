//! The demo's segmentation step (客群分类): RFM scores and the R×F segment map, k-means on the
//! standardised log RFM features with a sweep over k; then lifecycle stages, k-prototypes on
//! the customer attributes and rule audiences.

use indicatif::ProgressBar;
use kehu::data::customers::{Attribute, CustomerTable};
use kehu::data::Transactions;
use kehu::learn::Fit;
use kehu::profile::{CustomerProfile, ProfileOptions};
use kehu::segment::audience::{Audiences, Population, SegmentColumn};
use kehu::segment::kmeans::{KMeansOptions, Rows};
use kehu::segment::kprototypes::MixedSample;
use kehu::segment::kprototypes::{Categories, KPrototypesOptions, MixedRows};
use kehu::segment::lifecycle::{lifecycle_stages, StageInputs, StageRule, STAGES};
use kehu::segment::quality::{k_sweep, SweepOptions};
use kehu::segment::{
    rfm_inputs, rfm_scores, FrequencyBasis, MonetaryBasis, RfmInputs, RfmOptions, RfmScores,
    SegmentMap,
};
use rustc_hash::FxHashMap;

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    s / n.max(1) as f64
}

/// RFM inputs (days since the last order, orders, spend) and mid-rank scores of profiles.
pub fn rfm_of(profiles: &[CustomerProfile]) -> Result<(RfmInputs, RfmScores), kehu::Error> {
    let inputs = rfm_inputs(profiles, FrequencyBasis::Orders, MonetaryBasis::Sum);
    let scores = rfm_scores(
        &inputs.recency_days,
        &inputs.frequency,
        &inputs.monetary,
        &RfmOptions::default(),
    )?;
    Ok((inputs, scores))
}

/// Standardised ln(1 + x) of recency days, orders and spend (n × 3, row-major).
pub fn log_rfm_features(inputs: &RfmInputs) -> Vec<f64> {
    let n = inputs.recency_days.len();
    let raw: Vec<[f64; 3]> = (0..n)
        .map(|i| {
            [
                inputs.recency_days[i].ln_1p(),
                inputs.frequency[i].ln_1p(),
                inputs.monetary[i].max(0.0).ln_1p(),
            ]
        })
        .collect();
    let mut features = vec![0.0; n * 3];
    for j in 0..3 {
        let m = mean(raw.iter().map(|r| r[j]));
        let sd = mean(raw.iter().map(|r| (r[j] - m).powi(2)))
            .sqrt()
            .max(1e-12);
        for i in 0..n {
            features[i * 3 + j] = (raw[i][j] - m) / sd;
        }
    }
    features
}

/// Scores, segments and clusters the profiled customers and prints each step.
pub fn run(profiles: &[CustomerProfile], bar: &ProgressBar) -> Result<(), kehu::Error> {
    bar.set_message("segmenting");
    let (inputs, scores) = rfm_of(profiles)?;
    let map = SegmentMap::rf10();
    let segments = map.try_assign(&scores)?;

    let n = profiles.len();
    let features = log_rfm_features(&inputs);
    let x = Rows::new(&features, 3)?;
    let opts = KMeansOptions {
        seed: 1,
        ..Default::default()
    };
    let sweep = k_sweep(
        &x,
        &opts,
        &SweepOptions {
            k_range: vec![2, 3, 4, 5, 6],
            min_cluster_size: n / 50,
            silhouette_sample: Some(5000.min(n)),
            gmm: None,
        },
    )?;
    let best = sweep
        .iter()
        .filter(|r| r.meets_min_size)
        .max_by(|a, b| a.silhouette.total_cmp(&b.silhouette))
        .unwrap_or(&sweep[0]);
    let fit = (KMeansOptions {
        k: best.k,
        ..opts.clone()
    })
    .fit(&x)?;
    bar.finish_and_clear();

    println!("Segments (RFM scores 1-5, mid-rank ties; R x F map of 10 segments)");
    println!(
        "  {:<20}{:>9}{:>8}{:>14}{:>9}{:>11}",
        "segment", "customers", "share", "days since", "orders", "spend"
    );
    let names = map.segments();
    for name in &names {
        let members: Vec<usize> = (0..n)
            .filter(|&i| segments[i].as_deref() == Some(name.as_str()))
            .collect();
        print_row(name, &members, n, &inputs);
    }
    let unassigned = segments.iter().filter(|s| s.is_none()).count();
    println!("  (customers no rule matched: {unassigned})");

    println!("  k-means on standardised log R, F, M (silhouette on a 5,000-row sample):");
    println!(
        "    {:>2}{:>14}{:>12}{:>12}{:>10}   sizes",
        "k", "inertia", "silhouette", "Calinski-H", "Davies-B"
    );
    for r in &sweep {
        println!(
            "    {:>2}{:>14.1}{:>12.4}{:>12.1}{:>10.4}   {:?}",
            r.k, r.inertia, r.silhouette, r.calinski_harabasz, r.davies_bouldin, r.sizes
        );
    }
    println!(
        "  chosen k = {} (best silhouette, every cluster ≥ 2% of customers):",
        best.k
    );
    for c in 0..best.k {
        let members: Vec<usize> = (0..n).filter(|&i| fit.labels[i] as usize == c).collect();
        print_row(&format!("cluster {c}"), &members, n, &inputs);
    }
    Ok(())
}

fn print_row(name: &str, members: &[usize], n: usize, inputs: &kehu::segment::RfmInputs) {
    let avg = |v: &[f64]| mean(members.iter().map(|&i| v[i]));
    println!(
        "  {name:<20}{:>9}{:>7.1}%{:>14.1}{:>9.2}{:>11.2}",
        members.len(),
        100.0 * members.len() as f64 / n.max(1) as f64,
        avg(&inputs.recency_days),
        avg(&inputs.frequency),
        avg(&inputs.monetary)
    );
}

/// The audiences `kehu demo` evaluates.
const DEMO_AUDIENCES: &str = r#"{"format_version": 1, "kind": "audiences", "audiences": [
  {"name": "books_fans_90d", "rule": {"events": {"within_days": 90,
    "where": [{"property": "category", "op": "=", "value": "books"}], "op": ">=", "value": 2}}},
  {"name": "loyal_app_spenders", "rule": {"and": [
    {"attribute": "loyalty_member", "op": "=", "value": true},
    {"events": {"aggregate": "sum", "of": "amount", "where": [{"property": "channel", "op": "=", "value": "app"}], "op": ">=", "value": 200}}]}},
  {"name": "win_back", "rule": {"and": [
    {"segment": "rfm", "op": "in", "value": ["At Risk", "Can't Lose Them"]},
    {"attribute": "age", "op": "between", "value": [25, 55]}]}},
  {"name": "not_win_back_but_lapsing", "rule": {"and": [
    {"not": {"audience": "win_back"}}, {"segment": "stage", "op": "in", "value": ["at_risk", "lapsed"]}]}}
]}"#;

/// Lifecycle stages, mixed-attribute clusters and audiences of the demo customers.
pub fn run_customers(
    profiles: &[CustomerProfile],
    transactions: &Transactions,
    customers: &CustomerTable,
    as_of: i64,
    bar: &ProgressBar,
) -> Result<(), kehu::Error> {
    bar.set_message("staging, clustering attributes, evaluating audiences");
    let inputs = StageInputs::from_profiles(profiles);
    let cadence = lifecycle_stages(&inputs, &StageRule::default_of("cadence")?)?;
    let days = lifecycle_stages(&inputs, &StageRule::default())?;

    // k-prototypes on every customer: standardised age, ln(1 + spend), ln(1 + orders) and
    // gender, region, loyalty.
    let profile_of: FxHashMap<&str, &CustomerProfile> = profiles
        .iter()
        .map(|p| (p.customer_id.as_str(), p))
        .collect();
    let ids = customers.ids();
    let numbers = |name: &str| match customers.attribute(name) {
        Some(Attribute::Numeric(v)) => v.clone(),
        _ => vec![None; ids.len()],
    };
    let texts = |name: &str| -> Vec<Option<String>> {
        match customers.attribute(name) {
            Some(Attribute::Categorical(v)) => v.clone(),
            Some(Attribute::Boolean(v)) => v
                .iter()
                .map(|b| b.map(|b| if b { "yes" } else { "no" }.to_string()))
                .collect(),
            _ => vec![None; ids.len()],
        }
    };
    let age = numbers("age");
    let spend: Vec<Option<f64>> = ids
        .iter()
        .map(|id| {
            Some(
                profile_of
                    .get(id.as_str())
                    .map_or(0.0, |p| p.total_spend.max(0.0))
                    .ln_1p(),
            )
        })
        .collect();
    let orders: Vec<Option<f64>> = ids
        .iter()
        .map(|id| Some((profile_of.get(id.as_str()).map_or(0, |p| p.orders) as f64).ln_1p()))
        .collect();
    let columns = [&age, &spend, &orders];
    let mut numeric = vec![f64::NAN; ids.len() * 3];
    for (j, col) in columns.iter().enumerate() {
        let seen: Vec<f64> = col.iter().flatten().copied().collect();
        let m = mean(seen.iter().copied());
        let sd = mean(seen.iter().map(|v| (v - m).powi(2))).sqrt().max(1e-12);
        for (i, v) in col.iter().enumerate() {
            if let Some(v) = v {
                numeric[i * 3 + j] = (v - m) / sd;
            }
        }
    }
    let categorical = vec![texts("gender"), texts("region"), texts("loyalty_member")];
    let categories = Categories::learn(&categorical);
    let codes = categories.encode(&categorical)?;
    let x = MixedRows::new(&numeric, 3, &codes, 3)?;
    let kp = (KPrototypesOptions {
        k: 4,
        seed: 1,
        ..Default::default()
    })
    .fit(&MixedSample {
        rows: &x,
        categories: &categories,
        weights: None,
    })?;

    let rfm = {
        let (_, scores) = rfm_of(profiles)?;
        SegmentMap::rf10().try_assign(&scores)?
    };
    let profile_ids: Vec<Option<String>> = profiles
        .iter()
        .map(|p| Some(p.customer_id.clone()))
        .collect();
    let segments = [
        SegmentColumn {
            name: "rfm".into(),
            ids: profile_ids.clone(),
            labels: rfm,
        },
        SegmentColumn {
            name: "stage".into(),
            ids: profile_ids,
            labels: cadence.iter().map(|s| Some(s.name().to_string())).collect(),
        },
    ];
    let audiences = Audiences::from_json(DEMO_AUDIENCES)?;
    let population = Population::new(
        Some(customers),
        Some(transactions.clone()),
        &segments,
        as_of,
        &ProfileOptions::default(),
    )?;
    let membership = audiences.evaluate(&population)?;
    bar.finish_and_clear();

    let n = profiles.len();
    println!(
        "Lifecycle stages: own cadence (at risk beyond the customer's p80 purchase gap, lapsed"
    );
    println!("beyond 2x, lost beyond 4x) next to fixed days (90 / 180 / 365)");
    println!(
        "  {:<10}{:>10}{:>8}{:>10}{:>8}",
        "stage", "cadence", "share", "days", "share"
    );
    for stage in STAGES.iter().skip(1) {
        let a = cadence.iter().filter(|s| *s == stage).count();
        let b = days.iter().filter(|s| *s == stage).count();
        println!(
            "  {:<10}{a:>10}{:>7.1}%{b:>10}{:>7.1}%",
            stage.name(),
            100.0 * a as f64 / n.max(1) as f64,
            100.0 * b as f64 / n.max(1) as f64
        );
    }
    println!();
    println!("Customer attributes, k-prototypes (k = 4; standardised age, log spend, log orders;");
    println!(
        "gender, region, loyalty; gamma = {:.3}; cost {:.1})",
        kp.model.gamma[0], kp.cost
    );
    println!(
        "  {:<10}{:>10}{:>8}{:>8}{:>10}{:>8}   modes",
        "cluster", "customers", "share", "age", "spend", "orders"
    );
    let total = ids.len();
    for c in 0..4u32 {
        let members: Vec<usize> = (0..total).filter(|&i| kp.labels[i] == c).collect();
        let avg = |v: &dyn Fn(usize) -> Option<f64>| mean(members.iter().filter_map(|&i| v(i)));
        let modes: Vec<&str> = (0..3)
            .map(|j| {
                categories
                    .value(j, kp.model.modes[c as usize * 3 + j])
                    .unwrap_or("-")
            })
            .collect();
        println!(
            "  {:<10}{:>10}{:>7.1}%{:>8.1}{:>10.1}{:>8.2}   {}",
            format!("cluster {c}"),
            members.len(),
            100.0 * members.len() as f64 / total.max(1) as f64,
            avg(&|i| age[i]),
            avg(&|i| profile_of.get(ids[i].as_str()).map(|p| p.total_spend)),
            avg(&|i| profile_of.get(ids[i].as_str()).map(|p| p.orders as f64)),
            modes.join(", ")
        );
    }
    println!();
    println!("Audiences (rules over purchase events, attributes, segments and other audiences)");
    let everyone = membership.ids.len();
    for (name, m) in membership.names.iter().zip(&membership.members) {
        let count = m.iter().filter(|v| **v).count();
        println!(
            "  {name:<26}{count:>10}  {:>5.1}%",
            100.0 * count as f64 / everyone.max(1) as f64
        );
    }
    Ok(())
}
