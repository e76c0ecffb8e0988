//! Fitting data simulated from a known model recovers its parameters: every estimate within 3
//! standard errors of the truth, on 1M customers, for each model.

use kehu::learn::Fit;
use kehu::value::simulate::{simulate_spend, simulate_summaries};
use kehu::value::{
    BetaGeo, BetaGeoBetaBinom, FitReport, GammaGamma, ModifiedBetaGeo, ParetoNbd, ValueModel,
};
use kehu::value::{ValueColumns, ValueFit, ValueOptions};

const CUSTOMERS: usize = 1_000_000;

/// Observation lengths of a cohort acquired evenly over 26 weeks and observed to week 52.
fn ages() -> Vec<f64> {
    (0..CUSTOMERS)
        .map(|i| 26.0 + 26.0 * (i as f64 + 0.5) / CUSTOMERS as f64)
        .collect()
}

fn assert_recovers(truth: &[f64], report: &FitReport) {
    assert!(report.converged, "{report:?}");
    let se = report.standard_errors.as_ref().expect("standard errors");
    for ((name, (got, want)), se) in report
        .names
        .iter()
        .zip(report.params.iter().zip(truth))
        .zip(se)
    {
        assert!(
            (got - want).abs() <= 3.0 * se,
            "{name}: {got} vs {want} (se {se})"
        );
    }
}

fn recover(model: ValueModel, kind: &str, t: &[f64], seed: u64) {
    let s = simulate_summaries(&model, t, seed).unwrap();
    let (fitted, report) = ValueOptions {
        kind: kind.to_string(),
        penalizer: 0.0,
        q_constraint: false,
    }
    .fit(&ValueColumns {
        a: &s.frequency,
        b: &s.recency,
        c: Some(&s.t),
        weights: None,
    })
    .map(ValueFit::into_parts)
    .unwrap();
    assert_eq!(fitted.kind(), kind);
    let truth: Vec<f64> = model.params().iter().map(|p| p.1).collect();
    assert_recovers(&truth, &report);
}

#[test]
fn bgnbd_and_mbgnbd_recover_their_parameters() {
    let m = BetaGeo::new(0.243, 4.414, 0.793, 2.426).unwrap();
    recover(ValueModel::BetaGeo(m), "bgnbd", &ages(), 1);
    let m = BetaGeo::new(0.525, 6.183, 0.891, 1.614).unwrap();
    recover(
        ValueModel::ModifiedBetaGeo(ModifiedBetaGeo(m)),
        "mbgnbd",
        &ages(),
        2,
    );
}

#[test]
fn pareto_nbd_recovers_its_parameters() {
    let m = ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap();
    recover(ValueModel::ParetoNbd(m), "pnbd", &ages(), 3);
}

#[test]
fn bgbb_and_gamma_gamma_recover_their_parameters() {
    let m = BetaGeoBetaBinom {
        alpha: 1.204,
        beta: 0.750,
        gamma: 0.657,
        delta: 2.783,
    };
    let periods: Vec<f64> = (0..CUSTOMERS).map(|i| (6 + i % 5) as f64).collect();
    recover(ValueModel::BetaGeoBetaBinom(m), "bgbb", &periods, 4);

    let gg = GammaGamma {
        p: 6.25,
        q: 3.74,
        gamma: 15.44,
    };
    let frequency: Vec<f64> = (0..CUSTOMERS).map(|i| (1 + i % 10) as f64).collect();
    let spend = simulate_spend(&gg, &frequency, 5).unwrap();
    let (_, report) = ValueOptions {
        kind: "gamma_gamma".to_string(),
        penalizer: 0.0,
        q_constraint: false,
    }
    .fit(&ValueColumns {
        a: &frequency,
        b: &spend,
        c: None,
        weights: None,
    })
    .map(ValueFit::into_parts)
    .unwrap();
    assert_recovers(&[6.25, 3.74, 15.44], &report);
}
