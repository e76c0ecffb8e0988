//! The demo's segmentation step (客群分类): RFM scores and the R×F segment map, then k-means on
//! the standardised log RFM features with a sweep over k.

use indicatif::ProgressBar;
use kehu::profile::CustomerProfile;
use kehu::segment::kmeans::{KMeansOptions, Rows};
use kehu::segment::quality::k_sweep;
use kehu::segment::{
    rfm_inputs, rfm_scores, FrequencyBasis, MonetaryBasis, RfmOptions, SegmentMap,
};

fn mean(v: impl Iterator<Item = f64>) -> f64 {
    let (s, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    s / n.max(1) as f64
}

/// Scores, segments and clusters the profiled customers and prints each step.
pub fn run(profiles: &[CustomerProfile], bar: &ProgressBar) -> Result<(), kehu::Error> {
    bar.set_message("segmenting");
    let inputs = rfm_inputs(profiles, FrequencyBasis::Orders, MonetaryBasis::Sum);
    let scores = rfm_scores(
        &inputs.recency_days,
        &inputs.frequency,
        &inputs.monetary,
        &RfmOptions::default(),
    )?;
    let map = SegmentMap::rf10();
    let segments = map.assign(&scores);

    // k-means on standardised ln(1 + x) of recency days, orders and spend.
    let n = profiles.len();
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
    let x = Rows::new(&features, 3)?;
    let opts = KMeansOptions {
        seed: 1,
        ..Default::default()
    };
    let sweep = k_sweep(&x, &[2, 3, 4, 5, 6], &opts, n / 50, Some(5000.min(n)), None)?;
    let best = sweep
        .iter()
        .filter(|r| r.meets_min_size)
        .max_by(|a, b| a.silhouette.total_cmp(&b.silhouette))
        .unwrap_or(&sweep[0]);
    let fit = kehu::segment::kmeans::fit(
        &x,
        None,
        &KMeansOptions {
            k: best.k,
            ..opts.clone()
        },
    )?;
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
