//! Hostile and careless input to the value models (issue 15): every fit ends in bounded time
//! with a result or a typed error, T = 0 customers fit as lifetimes fits them, and predictions
//! check their inputs as the fits do.

use kehu::data::{validate, ValidationOptions};
use kehu::learn::Fit;
use kehu::profile::{summarize, Freq, SummaryOptions};
use kehu::simulate::{simulate, SimulationConfig};
use kehu::value::{customer_lifetime_value, ClvOptions, GammaGamma, ValueError, ValueModel};
use kehu::value::{ValueColumns, ValueFit, ValueOptions};
use proptest::prelude::*;
use std::time::{Duration, Instant};

/// A hang guard, not a speed test: a fit of a few hundred customers takes milliseconds; one that
/// never returns fails here instead of stalling the suite.
const HANG: Duration = Duration::from_secs(60);

fn fit(kind: &str, x: &[f64], tx: &[f64], t: &[f64]) -> Result<kehu::value::FitReport, ValueError> {
    let start = Instant::now();
    let out = ValueOptions {
        kind: kind.to_string(),
        penalizer: 0.0,
        q_constraint: false,
    }
    .fit(&ValueColumns {
        a: x,
        b: tx,
        // Gamma-Gamma has no T: the tests give it none.
        c: Some(t).filter(|t| !t.is_empty()),
        weights: None,
    })
    .map(ValueFit::into_parts)
    .map(|(_, r)| r);
    assert!(start.elapsed() < HANG, "{kind} took {:?}", start.elapsed());
    if let Ok(r) = &out {
        assert!(r.log_likelihood.is_finite(), "{kind}: {r:?}");
        assert!(
            r.params.iter().all(|p| p.is_finite() && *p > 0.0),
            "{kind}: {r:?}"
        );
        if let Some(se) = &r.standard_errors {
            assert!(
                se.iter().all(|s| s.is_finite() && *s > 0.0),
                "{kind}: {r:?}"
            );
        }
        // Not converged always comes with a reason.
        assert!(r.converged || !r.warnings.is_empty(), "{kind}: {r:?}");
    }
    out
}

#[test]
fn pareto_nbd_at_its_limit_ends_and_says_so() {
    // The probe's data: no evidence of heterogeneity; lifetimes returns r, alpha → ∞.
    let x = [0., 1., 2., 3., 0., 5., 1., 7., 2., 0.];
    let tx = [0., 5., 10., 20., 0., 28., 3., 29., 15., 0.];
    let t = [30.0; 10];
    for kind in ["pnbd", "bgnbd", "mbgnbd"] {
        let r = fit(kind, &x, &tx, &t).unwrap();
        if !r.converged {
            assert!(r.standard_errors.is_none(), "{kind}: {r:?}");
        }
    }
    let r = fit("pnbd", &x, &tx, &t).unwrap();
    assert!(!r.converged);
    // The purchase rate r/alpha is still estimated: lifetimes 0.11 gives 0.1280 at its limit.
    assert!((r.params[0] / r.params[1] - 0.128).abs() < 0.002, "{r:?}");
}

#[test]
fn no_repeat_purchases_is_not_identified() {
    let z = [0.0; 10];
    let t = [30.0; 10];
    for kind in ["bgnbd", "mbgnbd", "pnbd", "bgbb"] {
        let err = fit(kind, &z, &z, &t).unwrap_err();
        assert_eq!(err.code(), "VALUE_NOT_IDENTIFIED", "{kind}");
    }
}

#[test]
fn identical_spend_reaches_the_gamma_gamma_limit() {
    let x = [1.0, 2.0, 3.0, 1.0, 4.0];
    let m = [10.0; 5];
    let r = fit("gamma_gamma", &x, &m, &[]).unwrap();
    assert!(!r.converged && r.standard_errors.is_none(), "{r:?}");
    assert!(
        r.warnings.iter().any(|w| w.contains("without bound")),
        "{r:?}"
    );
}

fn simulated_summary(customers: usize) -> (Vec<f64>, Vec<f64>, Vec<f64>, Vec<f64>) {
    let data = simulate(&SimulationConfig {
        customers,
        seed: 1,
        dirty_rate: 0.0,
        return_rate: 0.0,
        ..Default::default()
    })
    .unwrap();
    let (t, _) = validate(
        &data.transactions.columns(),
        &ValidationOptions::lifetimes(),
    )
    .unwrap();
    let s = summarize(
        &t,
        &SummaryOptions {
            freq: Freq::Day,
            freq_multiplier: 1.0,
            observation_period_end: Some(data.observation_end),
            include_first_transaction: false,
        },
    )
    .unwrap();
    let m = s.monetary_value.clone().unwrap();
    (s.frequency, s.recency, s.t, m)
}

#[test]
fn small_samples_of_simulated_customers_fit_in_bounded_time() {
    // The probe's 50- and 500-customer samples of a 3,000-customer simulation hung Pareto/NBD.
    let (x, tx, t, m) = simulated_summary(3000);
    for size in [50, 500] {
        for offset in [0, 1000, 2000] {
            let r = offset..offset + size;
            for kind in ["bgnbd", "mbgnbd", "pnbd"] {
                let _ = fit(kind, &x[r.clone()], &tx[r.clone()], &t[r.clone()]);
            }
            let repeat: Vec<usize> = r.filter(|&i| x[i] > 0.0).collect();
            let xs: Vec<f64> = repeat.iter().map(|&i| x[i]).collect();
            let ms: Vec<f64> = repeat.iter().map(|&i| m[i]).collect();
            let _ = fit("gamma_gamma", &xs, &ms, &[]);
        }
    }
}

#[test]
fn customers_first_seen_on_the_last_day_fit_as_lifetimes_fits_them() {
    // A summary's customers with T = 0 (first purchase on the last day) carry a likelihood term
    // of exactly 1: fits with and without them give the same estimates.
    let (x, tx, t, _) = simulated_summary(2000);
    let keep: Vec<usize> = (0..t.len()).filter(|&i| t[i] > 0.0).collect();
    let col = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let (x, tx, t) = (col(&x), col(&tx), col(&t));
    let with = |v: &[f64]| v.iter().copied().chain([0.0; 9]).collect::<Vec<f64>>();
    for kind in ["bgnbd", "mbgnbd", "pnbd"] {
        let all = fit(kind, &with(&x), &with(&tx), &with(&t)).unwrap();
        let without = fit(kind, &x, &tx, &t).unwrap();
        assert!(all.converged && without.converged, "{kind}");
        for (a, b) in all.params.iter().zip(&without.params) {
            assert!((a - b).abs() <= 1e-6 * b.abs(), "{kind}: {a} vs {b}");
        }
        assert!((all.log_likelihood - without.log_likelihood).abs() < 1e-6);
        assert_eq!(all.customers - without.customers, 9.0);
    }
}

#[test]
fn predictions_check_their_inputs() {
    let bg = ValueModel::BetaGeo(kehu::value::BetaGeo::new(0.243, 4.414, 0.793, 2.426).unwrap());
    let pnbd =
        ValueModel::ParetoNbd(kehu::value::ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap());
    for m in [bg, pnbd] {
        let field = |e: ValueError| match e {
            ValueError::InvalidData { field, .. } => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            field(m.probability_alive(3.0, 40.0, 30.0).unwrap_err()),
            "recency"
        );
        assert_eq!(
            field(m.probability_alive(3.0, 4.0, -30.0).unwrap_err()),
            "T"
        );
        assert_eq!(
            field(m.probability_alive(1.5, 4.0, 30.0).unwrap_err()),
            "frequency"
        );
        assert_eq!(
            field(m.probability_alive(0.0, 4.0, 30.0).unwrap_err()),
            "recency"
        );
        assert_eq!(
            m.conditional_expected_purchases(-1.0, 3.0, 4.0, 30.0)
                .unwrap_err()
                .code(),
            "VALUE_INVALID_OPTION"
        );
        assert_eq!(
            m.expected_purchases_new(-1.0).unwrap_err().code(),
            "VALUE_INVALID_OPTION"
        );
        // A customer first seen at the end of the observation is scored.
        assert!(m.probability_alive(0.0, 0.0, 0.0).unwrap() > 0.0);
    }
    let gg = GammaGamma {
        p: 6.25,
        q: 3.74,
        gamma: 15.44,
    };
    assert!(gg.conditional_expected_spend(2.0, -5.0).is_err());
    assert!(gg.conditional_expected_spend(-1.0, 5.0).is_err());
    assert!(gg.conditional_expected_spend(2.0, f64::NAN).is_err());
    // No repeat transactions: the population mean, as lifetimes gives.
    let mean = gg.p * gg.gamma / (gg.q - 1.0);
    assert!((gg.conditional_expected_spend(0.0, 0.0).unwrap() - mean).abs() < 1e-12);
    // The row of the first bad customer is named.
    let err = kehu::value::map_customers(4, |i| {
        let tx = [1.0, 2.0, 40.0, 3.0][i];
        pnbd.probability_alive(3.0, tx, 30.0)
    })
    .unwrap_err();
    assert!(
        matches!(err, ValueError::InvalidData { row: 2, .. }),
        "{err:?}"
    );
    let ValueModel::BetaGeo(model) = bg else {
        unreachable!()
    };
    let clv = customer_lifetime_value(
        &model,
        &gg,
        &[1.0, 2.0],
        &[3.0, 5.0],
        &[30.0, 30.0],
        &[20.0, -104.0],
        &ClvOptions::default(),
    )
    .unwrap_err();
    assert!(
        matches!(&clv, ValueError::InvalidData { row: 1, field, .. } if field == "monetary_value"),
        "{clv:?}"
    );
}

fn history() -> impl Strategy<Value = Vec<(u32, f64, f64)>> {
    prop::collection::vec((0u32..12, 0.0f64..1.0, 1.0f64..60.0), 2..40)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random small data sets: every model returns finite estimates or a typed error, in
    /// bounded time.
    #[test]
    fn random_small_data_sets_fit_or_fail_cleanly(rows in history(), spends in prop::collection::vec(1.0f64..500.0, 40)) {
        let x: Vec<f64> = rows.iter().map(|r| f64::from(r.0)).collect();
        let t: Vec<f64> = rows.iter().map(|r| r.2.round()).collect();
        let tx: Vec<f64> = rows
            .iter()
            .zip(&t)
            .map(|(r, t)| if r.0 == 0 { 0.0 } else { (r.1 * t).round().max(1.0).min(*t) })
            .collect();
        for kind in ["bgnbd", "mbgnbd", "pnbd"] {
            let _ = fit(kind, &x, &tx, &t);
        }
        // BG/BB: opportunities, x ≤ recency ≤ n.
        let n: Vec<f64> = t.iter().map(|v| (v / 5.0).ceil().max(1.0)).collect();
        let (xb, txb): (Vec<f64>, Vec<f64>) = rows
            .iter()
            .zip(&n)
            .map(|(r, n)| {
                let x = f64::from(r.0).min(*n);
                let tx = if x == 0.0 { 0.0 } else { (x + r.1 * (n - x)).round().min(*n) };
                (x, tx)
            })
            .unzip();
        let _ = fit("bgbb", &xb, &txb, &n);
        let repeat: Vec<usize> = (0..x.len()).filter(|&i| x[i] > 0.0).collect();
        if !repeat.is_empty() {
            let xs: Vec<f64> = repeat.iter().map(|&i| x[i]).collect();
            let ms: Vec<f64> = repeat.iter().map(|&i| spends[i]).collect();
            let _ = fit("gamma_gamma", &xs, &ms, &[]);
        }
    }
}

#[test]
fn amounts_whose_sums_would_overflow_are_reported_not_summed() {
    let text = |v: &[&str]| v.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>();
    let raw = kehu::data::RawTransactions {
        customer_id: text(&["a", "a", "a", "b"]),
        timestamp: text(&["2024-01-01", "2024-01-02", "2024-01-03", "2024-01-04"]),
        amount: Some(vec![Some(1e308), Some(1e308), Some(1e308), Some(5.0)]),
        ..Default::default()
    };
    let cols = raw.columns();
    let (t, report) = validate(&cols, &ValidationOptions::default()).unwrap();
    assert_eq!(report.accepted, 1);
    assert_eq!(report.counts_by_reason(), vec![("too_large", 3)]);
    assert!(report.rejected.iter().all(|r| r.field.name() == "amount"));
    let p =
        kehu::profile::profile_customers(&t, &kehu::profile::ProfileOptions::default()).unwrap();
    assert!(p.profiles.iter().all(|c| c.total_spend.is_finite()));
    // Gamma-Gamma on such spend is refused at the input.
    let err = ValueOptions {
        kind: "gamma_gamma".to_string(),
        penalizer: 0.0,
        q_constraint: false,
    }
    .fit(&ValueColumns {
        a: &[2.0, 3.0],
        b: &[1e308, 1e308],
        c: None,
        weights: None,
    })
    .map(ValueFit::into_parts)
    .unwrap_err();
    assert!(
        matches!(err, ValueError::InvalidData { row: 0, .. }),
        "{err:?}"
    );
}

#[test]
fn a_bg_nbd_at_its_no_dropout_limit_still_scores() {
    // Data with no evidence of dropout: the fit runs to b → ∞ (a tiny, b huge), where the
    // hypergeometric series of the predictions only settled after ~|p| + |q| + c terms, far
    // beyond the term cap: every prediction failed. The model is then an NBD without dropout,
    // so E[Y(s) | x, T] = (r + x) s / (α + T) and P(alive) ≈ 1.
    let (x, tx, t) = (
        [0., 1., 2., 3., 0., 5.],
        [0., 10., 20., 25., 0., 28.],
        [30.0; 6],
    );
    let f = ValueOptions::new("bgnbd")
        .fit(&ValueColumns {
            a: &x,
            b: &tx,
            c: Some(&t),
            weights: None,
        })
        .unwrap();
    let ValueModel::BetaGeo(m) = f.model else {
        panic!("a BG/NBD")
    };
    assert!(m.b > 1e3 * m.a, "{m:?}");
    for (xi, txi) in [(0.0, 0.0), (2.0, 20.0), (5.0, 28.0)] {
        let alive = m.probability_alive(xi, txi, 30.0);
        assert!(alive > 0.99 && alive <= 1.0, "{alive}");
        let e = m
            .conditional_expected_purchases(10.0, xi, txi, 30.0)
            .unwrap();
        let nbd = (m.r + xi) * 10.0 / (m.alpha + 30.0);
        assert!((e - nbd).abs() <= 1e-3 * nbd, "{e} vs {nbd}");
    }
    let new = m.expected_purchases_new(30.0).unwrap();
    let nbd = m.r * 30.0 / m.alpha;
    assert!((new - nbd).abs() <= 1e-3 * nbd, "{new} vs {nbd}");
}
