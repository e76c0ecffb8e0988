//! Golden vectors for value models: `testdata/golden_value.json` holds models fitted by the core
//! on simulated data (saved as versioned documents) and the predictions the core makes for a set
//! of customers. The Python, Node and Kotlin suites load the same documents and must reproduce
//! the numbers. Regenerate with `KEHU_REGENERATE_GOLDEN=1`.

use kehu::data::{validate, ValidationOptions};
use kehu::learn::Fit;
use kehu::profile::{summarize, Freq, SummaryOptions};
use kehu::simulate::{simulate, SimulationConfig};
use kehu::value::{customer_lifetime_value, tier_thresholds, value_tiers, ClvOptions, ValueModel};
use kehu::value::{ValueColumns, ValueFit, ValueOptions};
use serde_json::{json, Value};

mod common;

fn golden() -> Value {
    let data = simulate(&SimulationConfig {
        customers: 3000,
        seed: 99,
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
            freq_multiplier: 7.0,
            observation_period_end: Some(data.observation_end),
            include_first_transaction: false,
        },
    )
    .unwrap();
    let m = s.monetary_value.clone().unwrap();
    let (bg, _) = ValueOptions {
        kind: "bgnbd".to_string(),
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
    let (f, mv): (Vec<f64>, Vec<f64>) = s
        .frequency
        .iter()
        .zip(&m)
        .filter(|(f, _)| **f > 0.0)
        .map(|(f, m)| (*f, *m))
        .unzip();
    let (gg, _) = ValueOptions {
        kind: "gamma_gamma".to_string(),
        penalizer: 0.0,
        q_constraint: false,
    }
    .fit(&ValueColumns {
        a: &f,
        b: &mv,
        c: None,
        weights: None,
    })
    .map(ValueFit::into_parts)
    .unwrap();
    let ValueModel::GammaGamma(spend) = gg else {
        unreachable!("fitted a gamma_gamma model")
    };
    // Twenty customers spread over the base, repeat buyers and one-timers.
    let picks: Vec<usize> = (0..20).map(|k| k * s.len() / 20).collect();
    let col = |v: &[f64]| picks.iter().map(|&i| v[i]).collect::<Vec<f64>>();
    let (x, tx, tt, mm) = (col(&s.frequency), col(&s.recency), col(&s.t), col(&m));
    let opts = ClvOptions {
        units_per_month: 4.345,
        ..Default::default()
    };
    let clv = customer_lifetime_value(&bg, &spend, &x, &tx, &tt, &mm, &opts).unwrap();
    let n = picks.len();
    let expected_52: Vec<f64> = (0..n)
        .map(|i| {
            bg.conditional_expected_purchases(52.0, x[i], tx[i], tt[i])
                .unwrap()
        })
        .collect();
    let alive: Vec<f64> = (0..n)
        .map(|i| bg.probability_alive(x[i], tx[i], tt[i]).unwrap())
        .collect();
    let (pnbd, _) = ValueOptions {
        kind: "pnbd".to_string(),
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
    let pnbd_52: Vec<f64> = (0..n)
        .map(|i| {
            pnbd.conditional_expected_purchases(52.0, x[i], tx[i], tt[i])
                .unwrap()
        })
        .collect();
    let pnbd_alive: Vec<f64> = (0..n)
        .map(|i| pnbd.probability_alive(x[i], tx[i], tt[i]).unwrap())
        .collect();
    let pnbd_clv = customer_lifetime_value(&pnbd, &spend, &x, &tx, &tt, &mm, &opts).unwrap();
    let weekly_15_percent = 1.15f64.ln() / 52.0;
    let pnbd_dert: Vec<f64> = (0..n)
        .map(|i| {
            pnbd.discounted_expected_residual_transactions(weekly_15_percent, x[i], tx[i], tt[i])
                .unwrap()
        })
        .collect();
    let pnbd_one_in_26: Vec<f64> = (0..n)
        .map(|i| {
            pnbd.probability_of_purchases(1.0, 26.0, Some((x[i], tx[i], tt[i])))
                .unwrap()
        })
        .collect();
    let bg_new_39: Vec<f64> = (0..5)
        .map(|k| {
            bg.probability_of_purchases(f64::from(k), 39.0, None)
                .unwrap()
        })
        .collect();
    json!({
        "pnbd_dert_rate": weekly_15_percent,
        "pnbd_dert": pnbd_dert,
        "pnbd_probability_one_purchase_in_26": pnbd_one_in_26,
        "bgnbd_new_customer_purchases_39": bg_new_39,
        "pnbd": serde_json::from_str::<Value>(&pnbd.to_json()).unwrap(),
        "pnbd_expected_purchases_52": pnbd_52,
        "pnbd_probability_alive": pnbd_alive,
        "pnbd_clv": pnbd_clv,
        "about": "kehu golden vectors: value models fitted by the core, and their predictions",
        "bgnbd": serde_json::from_str::<Value>(&bg.to_json()).unwrap(),
        "gamma_gamma": serde_json::from_str::<Value>(&gg.to_json()).unwrap(),
        "customers": {"frequency": x, "recency": tx, "T": tt, "monetary_value": mm},
        "clv_options": {"months": opts.months, "discount_rate": opts.discount_rate, "margin": opts.margin, "units_per_month": opts.units_per_month},
        "expected_purchases_52": expected_52,
        "probability_alive": alive,
        "clv": clv,
        "tiers": value_tiers(&clv, &[0.1, 0.3]).unwrap(),
        "tier_thresholds": tier_thresholds(&clv, &[0.1, 0.3]).unwrap(),
    })
}

#[test]
fn golden_value_vectors_match_the_core() {
    let computed = golden();
    common::check_golden("golden_value.json", &computed);
}
