//! P(n purchases) for new and existing customers in every purchase model: against lifetimes
//! (MBG/NBD, Pareto/NBD's closed form with Gauss hypergeometric functions), a 30-digit mpmath
//! evaluation of BG/BB's eq. 7, and the models' own expectations (Σ P = 1, Σ n P = E).

use approx::assert_relative_eq;
use kehu::value::{BetaGeo, BetaGeoBetaBinom, ModifiedBetaGeo, ParetoNbd, ValueModel};

fn models() -> Vec<ValueModel> {
    let bg = BetaGeo::new(0.243, 4.414, 0.793, 2.426).unwrap();
    vec![
        ValueModel::BetaGeo(bg),
        ValueModel::ModifiedBetaGeo(ModifiedBetaGeo(
            BetaGeo::new(0.525, 6.183, 0.891, 1.614).unwrap(),
        )),
        ValueModel::ParetoNbd(ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap()),
    ]
}

fn pmf(m: &ValueModel, n: u32, t: f64, history: Option<(f64, f64, f64)>) -> f64 {
    m.probability_of_purchases(f64::from(n), t, history)
        .unwrap()
}

#[test]
fn matches_lifetimes() {
    let mbg = &models()[1];
    for (t, n, want) in [
        (39.0, 0, 0.5824731894932891),
        (39.0, 1, 0.18278307728754056),
        (39.0, 5, 0.01938732355357039),
        (78.0, 2, 0.09280632936438965),
    ] {
        assert_relative_eq!(pmf(mbg, n, t, None), want, max_relative = 1e-10);
    }
    let pnbd = &models()[2];
    for (n, t, x, tx, age, want) in [
        (0, 52.0, 0.0, 0.0, 38.86, 0.9200959516147964),
        (1, 52.0, 2.0, 30.43, 38.86, 0.19206239790381885),
        (3, 26.0, 4.0, 20.0, 30.0, 0.10913577599066454),
        (10, 52.0, 26.0, 30.85714, 31.0, 0.013368175547304703),
    ] {
        let got = pmf(pnbd, n, t, Some((x, tx, age)));
        assert_relative_eq!(got, want, max_relative = 1e-9);
    }
}

#[test]
fn bgbb_matches_eq_7() {
    let m = ValueModel::BetaGeoBetaBinom(BetaGeoBetaBinom {
        alpha: 1.204,
        beta: 0.750,
        gamma: 0.657,
        delta: 2.783,
    });
    for (y, opportunities, want) in [
        (0, 6.0, 0.311_217_743_263_849_3),
        (3, 6.0, 0.10026311502480369),
        (6, 6.0, 0.11278764820774684),
        (2, 10.0, 0.10100361128568957),
    ] {
        assert_relative_eq!(pmf(&m, y, opportunities, None), want, max_relative = 1e-12);
    }
    assert_eq!(pmf(&m, 7, 6.0, None), 0.0);
    // Existing customers: the distribution sums to 1 and its mean is the closed-form E[Y].
    for (x, tx, n) in [
        (0.0, 0.0, 6.0),
        (3.0, 4.0, 6.0),
        (6.0, 6.0, 6.0),
        (2.0, 2.0, 6.0),
    ] {
        let probs: Vec<f64> = (0..=5).map(|y| pmf(&m, y, 5.0, Some((x, tx, n)))).collect();
        assert_relative_eq!(probs.iter().sum::<f64>(), 1.0, max_relative = 1e-12);
        let mean: f64 = probs.iter().enumerate().map(|(y, p)| y as f64 * p).sum();
        let want = m.conditional_expected_purchases(5.0, x, tx, n).unwrap();
        assert_relative_eq!(mean, want, max_relative = 1e-10);
    }
    assert!(m.probability_of_purchases(1.0, 2.5, None).is_err());
}

#[test]
fn distributions_sum_to_one_with_the_models_means() {
    let histories = [
        None,
        Some((0.0, 0.0, 38.86)),
        Some((2.0, 30.43, 38.86)),
        Some((26.0, 30.85714, 31.0)),
        Some((7.0, 5.0, 40.0)),
    ];
    for m in models() {
        for history in histories {
            for t in [1.0, 13.0, 52.0] {
                let probs: Vec<f64> = (0..600).map(|n| pmf(&m, n, t, history)).collect();
                let total: f64 = probs.iter().sum();
                assert_relative_eq!(total, 1.0, max_relative = 1e-9);
                let mean: f64 = probs.iter().enumerate().map(|(n, p)| n as f64 * p).sum();
                let want = match history {
                    None => m.expected_purchases_new(t).unwrap(),
                    Some((x, tx, age)) => m.conditional_expected_purchases(t, x, tx, age).unwrap(),
                };
                assert_relative_eq!(mean, want, max_relative = 1e-8);
            }
        }
    }
}

#[test]
fn rejects_bad_counts() {
    let m = &models()[0];
    for (n, t) in [
        (-1.0, 5.0),
        (1.5, 5.0),
        (f64::NAN, 5.0),
        (1.0, 0.0),
        (1.0, f64::INFINITY),
    ] {
        assert!(m.probability_of_purchases(n, t, None).is_err(), "{n} {t}");
    }
}
