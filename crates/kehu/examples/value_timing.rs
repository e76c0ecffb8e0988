use kehu::value::simulate::simulate_summaries;
use kehu::value::{BetaGeo, ParetoNbd, Rows, ValueModel};
use std::time::Instant;
fn main() {
    let n = 1_000_000;
    let t: Vec<f64> = (0..n)
        .map(|i| 26.0 + 26.0 * (i as f64 + 0.5) / n as f64)
        .collect();
    for (kind, m) in [
        (
            "bgnbd",
            ValueModel::BetaGeo(BetaGeo::new(0.243, 4.414, 0.793, 2.426).unwrap()),
        ),
        (
            "pnbd",
            ValueModel::ParetoNbd(ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap()),
        ),
    ] {
        let s = simulate_summaries(&m, &t, 1).unwrap();
        let t0 = Instant::now();
        let rows = Rows::frequency_recency_t(&s.frequency, &s.recency, &s.t, None).unwrap();
        let t1 = t0.elapsed();
        let (_, r) = ValueModel::fit(kind, &s.frequency, &s.recency, &s.t, None, 0.0).unwrap();
        println!(
            "{kind}: rows {} compress {:?} fit total {:?} iters {}",
            rows.len(),
            t1,
            t0.elapsed() - t1,
            r.iterations
        );
    }
}
