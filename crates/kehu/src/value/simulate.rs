//! Simulation from a fitted value model by its exact generative process: per customer, draw the
//! latent rates or probabilities from their mixing distributions, then the purchase history.
//! Each customer has its own ChaCha8 stream of the seed, so the data do not depend on the
//! thread count or platform.

use super::{GammaGamma, ValueError, ValueModel};
use crate::rng::Draw;
use rayon::prelude::*;

/// Simulated per-customer summaries (the inputs of the purchase models).
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedSummaries {
    /// Repeat purchases (transactions, for BG/BB).
    pub frequency: Vec<f64>,
    /// Time of the last repeat purchase (its opportunity, for BG/BB); 0 without one.
    pub recency: Vec<f64>,
    /// Observation length (opportunities, for BG/BB), as given.
    pub t: Vec<f64>,
}

/// Simulates one customer of `model` per entry of `t` (observation lengths in the model's time
/// unit; whole numbers of opportunities for BG/BB), with `seed`.
pub fn simulate_summaries(
    model: &ValueModel,
    t: &[f64],
    seed: u64,
) -> Result<SimulatedSummaries, ValueError> {
    if let ValueModel::GammaGamma(_) = model {
        return Err(ValueError::InvalidOption {
            option: "model".into(),
            reason: "a gamma_gamma model simulates spend: use simulate_spend".into(),
        });
    }
    let discrete = matches!(model, ValueModel::BetaGeoBetaBinom(_));
    if let Some(i) = t
        .iter()
        .position(|&v| !(v.is_finite() && v > 0.0) || (discrete && (v.fract() != 0.0 || v > 1e7)))
    {
        return Err(ValueError::InvalidData {
            row: i,
            field: "T".into(),
            reason: if discrete {
                "must be a whole number of opportunities ≥ 1".into()
            } else {
                "must be a finite number > 0".into()
            },
        });
    }
    let rows: Vec<(f64, f64)> = t
        .par_iter()
        .with_min_len(1024)
        .enumerate()
        .map(|(i, &tt)| customer(model, tt, &mut Draw::new(seed, i as u64)))
        .collect();
    let (frequency, recency) = rows.into_iter().unzip();
    Ok(SimulatedSummaries {
        frequency,
        recency,
        t: t.to_vec(),
    })
}

/// (x, t_x) of one customer observed for `t`.
fn customer(model: &ValueModel, t: f64, rng: &mut Draw) -> (f64, f64) {
    let (mut x, mut t_x) = (0.0, 0.0);
    match model {
        ValueModel::BetaGeo(m) | ValueModel::ModifiedBetaGeo(super::ModifiedBetaGeo(m)) => {
            // MBG/NBD: the customer may also drop out right after the first purchase.
            let lambda = rng.gamma(m.r, 1.0 / m.alpha);
            let p = rng.beta(m.a, m.b);
            if matches!(model, ValueModel::ModifiedBetaGeo(_)) && rng.uniform() < p {
                return (0.0, 0.0);
            }
            let mut now = rng.exponential(lambda);
            while now <= t {
                x += 1.0;
                t_x = now;
                if rng.uniform() < p {
                    break;
                }
                now += rng.exponential(lambda);
            }
        }
        ValueModel::ParetoNbd(m) => {
            let lambda = rng.gamma(m.r, 1.0 / m.alpha);
            let mu = rng.gamma(m.s, 1.0 / m.beta);
            let end = rng.exponential(mu).min(t);
            let mut now = rng.exponential(lambda);
            while now <= end {
                x += 1.0;
                t_x = now;
                now += rng.exponential(lambda);
            }
        }
        ValueModel::BetaGeoBetaBinom(m) => {
            let p = rng.beta(m.alpha, m.beta);
            let theta = rng.beta(m.gamma, m.delta);
            for opportunity in 1..=t as u64 {
                if rng.uniform() < theta {
                    break;
                }
                if rng.uniform() < p {
                    x += 1.0;
                    t_x = opportunity as f64;
                }
            }
        }
        ValueModel::GammaGamma(_) => unreachable!("rejected by simulate_summaries"),
    }
    (x, t_x)
}

/// Simulates each customer's mean spend over `frequency[i]` transactions (≥ 1) under a
/// Gamma-Gamma model: ν ~ Gamma(q, γ), each transaction ~ Gamma(p, ν).
pub fn simulate_spend(
    model: &GammaGamma,
    frequency: &[f64],
    seed: u64,
) -> Result<Vec<f64>, ValueError> {
    if let Some(i) = frequency
        .iter()
        .position(|&v| !(v >= 1.0 && v.fract() == 0.0 && v <= 1e7))
    {
        return Err(ValueError::InvalidData {
            row: i,
            field: "frequency".into(),
            reason: "must be a whole number ≥ 1".into(),
        });
    }
    Ok(frequency
        .par_iter()
        .with_min_len(1024)
        .enumerate()
        .map(|(i, &x)| {
            let rng = &mut Draw::new(seed, i as u64);
            let nu = rng.gamma(model.q, 1.0 / model.gamma);
            let total: f64 = (0..x as u64).map(|_| rng.gamma(model.p, 1.0 / nu)).sum();
            total / x
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::{BetaGeoBetaBinom, ParetoNbd};

    #[test]
    fn same_seed_same_data_for_any_thread_count() {
        let m = ValueModel::ParetoNbd(ParetoNbd::new(0.55, 10.6, 0.6, 11.7).unwrap());
        let t: Vec<f64> = (0..5000).map(|i| 10.0 + (i % 30) as f64).collect();
        let a = simulate_summaries(&m, &t, 7).unwrap();
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap();
        let b = pool.install(|| simulate_summaries(&m, &t, 7).unwrap());
        assert_eq!(a, b);
        assert_ne!(a, simulate_summaries(&m, &t, 8).unwrap());
        for i in 0..t.len() {
            assert!(a.recency[i] <= a.t[i] && (a.frequency[i] > 0.0) == (a.recency[i] > 0.0));
        }
        let bb = ValueModel::BetaGeoBetaBinom(BetaGeoBetaBinom {
            alpha: 1.2,
            beta: 0.75,
            gamma: 0.66,
            delta: 2.8,
        });
        assert!(simulate_summaries(&bb, &[6.5], 1).is_err());
        let gg = GammaGamma {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        };
        let spend = simulate_spend(&gg, &[1.0, 3.0, 10.0], 1).unwrap();
        assert!(spend.iter().all(|v| *v > 0.0));
        assert!(simulate_spend(&gg, &[0.0], 1).is_err());
    }
}
