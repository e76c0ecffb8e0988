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
    check_simulation(model, t)?;
    let rows: Vec<(f64, f64)> = t
        .par_iter()
        .with_min_len(1024)
        .enumerate()
        .map(|(i, &tt)| {
            let c = customer(model, tt, &mut Draw::new(seed, i as u64), None);
            (c.x, c.t_x)
        })
        .collect();
    if rows.iter().any(|r| r.0 >= MAX_PURCHASES_PER_CUSTOMER) {
        return Err(too_many_purchases());
    }
    let (frequency, recency): (Vec<f64>, Vec<f64>) = rows.into_iter().unzip();
    Ok(SimulatedSummaries {
        frequency,
        recency,
        t: t.to_vec(),
    })
}

/// A purchase model (not Gamma-Gamma) and observation lengths `t` that it can simulate.
fn check_simulation(model: &ValueModel, t: &[f64]) -> Result<(), ValueError> {
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
    Ok(())
}

/// The observation lengths of `size` simulated customers, as lifetimes' generators take them:
/// one length for all (`t` of one value), or the first `size` of `t` (a fitted model's lengths,
/// as `generate_new_data` passes them). Fewer than `size` lengths (other than one) is
/// `InvalidData`; the lengths themselves are checked by the simulation.
pub fn observation_lengths(t: &[f64], size: usize) -> Result<Vec<f64>, ValueError> {
    if size > MAX_CUSTOMERS {
        return Err(ValueError::InvalidOption {
            option: "size".into(),
            reason: format!("must be at most {MAX_CUSTOMERS}"),
        });
    }
    match t.len() {
        1 => Ok(vec![t[0]; size]),
        n if n >= size => Ok(t[..size].to_vec()),
        n => Err(ValueError::InvalidData {
            row: n,
            field: "T".into(),
            reason: format!(
                "{n} observation lengths for {size} customers: give one, or one per customer"
            ),
        }),
    }
}

/// The observation lengths of `size` customers simulated like a model's fitted data, as
/// lifetimes' `generate_new_data` takes them: the fitted lengths `t` (see
/// [`observation_lengths`]); for BG/BB each row repeated `weights[i]` times, since its rows are
/// aggregated (lifetimes' BG/BB fitter repeats them, its other fitters use the rows as they
/// are, and so does this). Weights must be whole numbers ≥ 0.
pub fn fitted_lengths(
    model: &ValueModel,
    t: &[f64],
    weights: Option<&[f64]>,
    size: usize,
) -> Result<Vec<f64>, ValueError> {
    let (Some(weights), ValueModel::BetaGeoBetaBinom(_)) = (weights, model) else {
        return observation_lengths(t, size);
    };
    super::same_length(&[("T", t.len()), ("weights", weights.len())])?;
    if size > MAX_CUSTOMERS {
        return observation_lengths(t, size);
    }
    let mut lengths = Vec::with_capacity(size.min(1 << 20));
    for (row, (&length, &w)) in t.iter().zip(weights).enumerate() {
        if !(w >= 0.0 && w.fract() == 0.0 && w <= MAX_CUSTOMERS as f64) {
            return Err(ValueError::InvalidData {
                row,
                field: "weights".into(),
                reason: format!("must be a whole number from 0 to {MAX_CUSTOMERS}"),
            });
        }
        let take = (w as usize).min(size - lengths.len());
        lengths.extend(std::iter::repeat_n(length, take));
    }
    observation_lengths(&lengths, size)
}

/// Transactions of simulated customers on a calendar, in lifetimes' transactional generator
/// layout: one row per purchase (the first, then each repeat), customers in order.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedTransactions {
    /// The customer (0, 1, …) of each purchase.
    pub customer: Vec<u64>,
    /// When it was made: µs since the epoch.
    pub timestamp: Vec<i64>,
}

/// Simulates one customer per entry of `t` (observation lengths in units of `freq`) and dates
/// their purchases: the first `t[i]` units before `end` (µs since the epoch), each repeat at
/// the first plus its time since the first, to the nearest microsecond, so every purchase lies
/// within the observation. The histories are those of [`simulate_purchase_times`] for the same
/// seed. `freq` is a pandas alias of a unit of fixed length (`s`, `min`, `h`, `D`, `W`; not
/// calendar months).
pub fn simulate_transactions(
    model: &ValueModel,
    t: &[f64],
    seed: u64,
    end: i64,
    freq: &str,
) -> Result<SimulatedTransactions, ValueError> {
    let unit = freq
        .parse::<crate::profile::Freq>()
        .ok()
        .and_then(crate::profile::Freq::unit_micros)
        .ok_or_else(|| ValueError::InvalidOption {
            option: "freq".into(),
            reason: "must be a unit of fixed length: s, min, h, D or W".into(),
        })? as f64;
    let times = simulate_purchase_times(model, t, seed)?;
    let at = |row: usize, base: i64, units: f64| {
        let offset = (units * unit).round();
        // i64::MAX as f64 rounds up to 2^63, so the bound is exclusive.
        (offset.abs() < i64::MAX as f64)
            .then(|| base.checked_add(offset as i64))
            .flatten()
            .ok_or_else(|| ValueError::InvalidData {
                row,
                field: "T".into(),
                reason: "the purchase dates fall outside the representable times".into(),
            })
    };
    let rows = times.iter().map(|ts| ts.len() + 1).sum();
    let (mut customer, mut timestamp) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
    for (i, (ts, &length)) in times.iter().zip(t).enumerate() {
        let first = at(i, end, -length)?;
        customer.extend(std::iter::repeat_n(i as u64, ts.len() + 1));
        timestamp.push(first);
        for &since in ts {
            timestamp.push(at(i, first, since)?);
        }
    }
    Ok(SimulatedTransactions {
        customer,
        timestamp,
    })
}

/// Simulated customers with the latent draws behind their histories, as lifetimes' generators
/// report them.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedCustomers {
    /// The summaries: the same numbers as [`simulate_summaries`] gives for the same seed.
    pub summaries: SimulatedSummaries,
    /// The names of the two latent draws: (`lambda`, `p`) for BG/NBD and MBG/NBD, (`lambda`,
    /// `mu`) for Pareto/NBD, (`p`, `theta`) for BG/BB.
    pub latent_names: [&'static str; 2],
    /// The first latent draw per customer: the purchase rate λ, or BG/BB's transaction
    /// probability p.
    pub first: Vec<f64>,
    /// The second latent draw per customer: the dropout probability p (BG/NBD, MBG/NBD), the
    /// dropout rate μ (Pareto/NBD), or BG/BB's dropout probability θ.
    pub second: Vec<f64>,
    /// Whether the customer is alive at the end of the observation (BG/BB: at the next
    /// opportunity, as its P(alive) is defined).
    pub alive: Vec<bool>,
}

/// The names of the latent draws of `model`'s customers (see [`SimulatedCustomers`]).
pub fn latent_names(model: &ValueModel) -> Result<[&'static str; 2], ValueError> {
    match model {
        ValueModel::BetaGeo(_) | ValueModel::ModifiedBetaGeo(_) => Ok(["lambda", "p"]),
        ValueModel::ParetoNbd(_) => Ok(["lambda", "mu"]),
        ValueModel::BetaGeoBetaBinom(_) => Ok(["p", "theta"]),
        ValueModel::GammaGamma(_) => Err(ValueError::InvalidOption {
            option: "model".into(),
            reason: "a gamma_gamma model simulates spend: use simulate_spend".into(),
        }),
    }
}

/// [`simulate_summaries`] with each customer's latent draws and whether it is alive at the end:
/// for the same `model`, `t` and `seed` the summaries are the same numbers.
pub fn simulate_customers(
    model: &ValueModel,
    t: &[f64],
    seed: u64,
) -> Result<SimulatedCustomers, ValueError> {
    check_simulation(model, t)?;
    let latent_names = latent_names(model)?;
    let rows: Vec<Customer> = t
        .par_iter()
        .with_min_len(1024)
        .enumerate()
        .map(|(i, &tt)| customer(model, tt, &mut Draw::new(seed, i as u64), None))
        .collect();
    check_purchases(&rows)?;
    Ok(SimulatedCustomers {
        summaries: SimulatedSummaries {
            frequency: rows.iter().map(|c| c.x).collect(),
            recency: rows.iter().map(|c| c.t_x).collect(),
            t: t.to_vec(),
        },
        latent_names,
        first: rows.iter().map(|c| c.latent[0]).collect(),
        second: rows.iter().map(|c| c.latent[1]).collect(),
        alive: rows.iter().map(|c| c.alive).collect(),
    })
}

/// Each simulated customer's repeat-purchase times since the first purchase (at 0), in
/// increasing order (opportunities 1, 2, … for BG/BB): the histories [`simulate_summaries`]
/// summarises for the same seed (customer i made `frequency[i]` repeat purchases, the last at
/// `recency[i]`).
pub fn simulate_purchase_times(
    model: &ValueModel,
    t: &[f64],
    seed: u64,
) -> Result<Vec<Vec<f64>>, ValueError> {
    check_simulation(model, t)?;
    let all: Vec<Vec<f64>> = t
        .par_iter()
        .with_min_len(1024)
        .enumerate()
        .map(|(i, &tt)| {
            let mut times = Vec::new();
            customer(model, tt, &mut Draw::new(seed, i as u64), Some(&mut times));
            times
        })
        .collect();
    if all
        .iter()
        .any(|times| times.len() as f64 >= MAX_PURCHASES_PER_CUSTOMER)
    {
        return Err(too_many_purchases());
    }
    Ok(all)
}

/// One simulated customer: the summary and the latent draws behind it.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Customer {
    x: f64,
    t_x: f64,
    latent: [f64; 2],
    alive: bool,
}

/// The most purchases one simulated customer may make: parameters that imply more (a purchase
/// rate drawn beyond any data, a dropout probability of 0 over a long time) are refused with a
/// typed error instead of a loop without end.
pub const MAX_PURCHASES_PER_CUSTOMER: f64 = 1e6;

/// The most customers one simulation may hold.
pub const MAX_CUSTOMERS: usize = 100_000_000;

fn too_many_purchases() -> ValueError {
    ValueError::InvalidOption {
        option: "params".into(),
        reason: format!(
            "a simulated customer would make more than {MAX_PURCHASES_PER_CUSTOMER:e} purchases: \
             the parameters imply purchase rates beyond any customer base"
        ),
    }
}

/// Whether any simulated customer ran into [`MAX_PURCHASES_PER_CUSTOMER`].
fn check_purchases(rows: &[Customer]) -> Result<(), ValueError> {
    if rows.iter().any(|c| c.x >= MAX_PURCHASES_PER_CUSTOMER) {
        return Err(too_many_purchases());
    }
    Ok(())
}

/// One customer of `model` observed for `t`; each repeat purchase's time (opportunity, for
/// BG/BB) since the first purchase is pushed onto `times` when it is given. The draws come in
/// the same order whether or not `times` is given.
fn customer(
    model: &ValueModel,
    t: f64,
    rng: &mut Draw,
    mut times: Option<&mut Vec<f64>>,
) -> Customer {
    let (mut x, mut t_x) = (0.0, 0.0);
    let mut record = |x: &mut f64, t_x: &mut f64, at: f64| {
        *x += 1.0;
        *t_x = at;
        if let Some(times) = times.as_deref_mut() {
            times.push(at);
        }
    };
    match model {
        ValueModel::BetaGeo(m) | ValueModel::ModifiedBetaGeo(super::ModifiedBetaGeo(m)) => {
            // MBG/NBD: the customer may also drop out right after the first purchase.
            let lambda = rng.gamma(m.r, 1.0 / m.alpha);
            let p = rng.beta(m.a, m.b);
            let latent = [lambda, p];
            if matches!(model, ValueModel::ModifiedBetaGeo(_)) && rng.uniform() < p {
                return Customer {
                    x,
                    t_x,
                    latent,
                    alive: false,
                };
            }
            let mut alive = true;
            let mut now = rng.exponential(lambda);
            while now <= t && x < MAX_PURCHASES_PER_CUSTOMER {
                record(&mut x, &mut t_x, now);
                if rng.uniform() < p {
                    alive = false;
                    break;
                }
                now += rng.exponential(lambda);
            }
            Customer {
                x,
                t_x,
                latent,
                alive,
            }
        }
        ValueModel::ParetoNbd(m) => {
            let lambda = rng.gamma(m.r, 1.0 / m.alpha);
            let mu = rng.gamma(m.s, 1.0 / m.beta);
            let death = rng.exponential(mu);
            let end = death.min(t);
            let mut now = rng.exponential(lambda);
            while now <= end && x < MAX_PURCHASES_PER_CUSTOMER {
                record(&mut x, &mut t_x, now);
                now += rng.exponential(lambda);
            }
            Customer {
                x,
                t_x,
                latent: [lambda, mu],
                alive: death > t,
            }
        }
        ValueModel::BetaGeoBetaBinom(m) => {
            let p = rng.beta(m.alpha, m.beta);
            let theta = rng.beta(m.gamma, m.delta);
            let mut alive = true;
            for opportunity in 1..=t as u64 {
                if rng.uniform() < theta {
                    alive = false;
                    break;
                }
                if rng.uniform() < p {
                    record(&mut x, &mut t_x, opportunity as f64);
                }
            }
            // Alive means alive at the next opportunity, n + 1 (as P(alive) is defined): one
            // more dropout chance, drawn after the history so that the history does not change.
            if alive {
                alive = rng.uniform() >= theta;
            }
            Customer {
                x,
                t_x,
                latent: [p, theta],
                alive,
            }
        }
        ValueModel::GammaGamma(_) => unreachable!("rejected by check_purchase_model"),
    }
}

/// The seed of a simulation when the caller gives none.
pub const DEFAULT_SEED: u64 = 0;

/// What [`simulate`] gives for a model: purchase histories, or a spend model's mean spends.
#[derive(Debug, Clone, PartialEq)]
pub enum Simulated {
    /// Frequency and recency per customer of a purchase model.
    Summaries(SimulatedSummaries),
    /// Mean spend per customer of a Gamma-Gamma model.
    Spend(Vec<f64>),
}

/// Simulates one customer per entry of `t` with `seed` ([`DEFAULT_SEED`] when `None`): for a
/// purchase model, histories observed for `t[i]` ([`simulate_summaries`]); for a Gamma-Gamma
/// model, mean spends over `t[i]` transactions ([`simulate_spend`]).
pub fn simulate(model: &ValueModel, t: &[f64], seed: Option<u64>) -> Result<Simulated, ValueError> {
    let seed = seed.unwrap_or(DEFAULT_SEED);
    match model {
        ValueModel::GammaGamma(gg) => simulate_spend(gg, t, seed).map(Simulated::Spend),
        other => simulate_summaries(other, t, seed).map(Simulated::Summaries),
    }
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
    use crate::value::{BetaGeo, BetaGeoBetaBinom, ModifiedBetaGeo, ParetoNbd};

    fn bgbb() -> ValueModel {
        ValueModel::BetaGeoBetaBinom(BetaGeoBetaBinom {
            alpha: 1.2,
            beta: 0.75,
            gamma: 0.66,
            delta: 2.8,
        })
    }

    #[test]
    fn fitted_lengths_repeat_bgbb_rows_by_weight_only() {
        let (t, w) = ([4.0, 6.0, 9.0], [2.0, 0.0, 3.0]);
        assert_eq!(
            fitted_lengths(&bgbb(), &t, Some(&w), 4).unwrap(),
            [4.0, 4.0, 9.0, 9.0]
        );
        // Other fitters take the rows as they are, as lifetimes' do.
        let bg = ValueModel::BetaGeo(BetaGeo::new(0.24, 4.4, 0.79, 2.4).unwrap());
        assert_eq!(fitted_lengths(&bg, &t, Some(&w), 2).unwrap(), [4.0, 6.0]);
        assert_eq!(fitted_lengths(&bgbb(), &t, None, 3).unwrap(), t);
        // Fewer weighted rows than customers, bad weights, mismatched lengths: typed errors.
        let short = fitted_lengths(&bgbb(), &t, Some(&w), 6).unwrap_err();
        assert_eq!(short.code(), "VALUE_INVALID_DATA");
        for bad in [[1.0, -1.0, 1.0], [1.0, 0.5, 1.0], [1.0, f64::NAN, 1.0]] {
            let e = fitted_lengths(&bgbb(), &t, Some(&bad), 1).unwrap_err();
            assert!(matches!(e, ValueError::InvalidData { row: 1, .. }), "{e}");
        }
        assert!(fitted_lengths(&bgbb(), &t, Some(&[1.0]), 1).is_err());
    }

    #[test]
    fn transactions_are_dated_within_the_observation() {
        use crate::data::time::{parse_timestamp, MICROS_PER_DAY};
        let bg = ValueModel::BetaGeo(BetaGeo::new(0.5, 4.4, 0.79, 2.4).unwrap());
        let t: Vec<f64> = (10..60).map(f64::from).collect();
        let end = parse_timestamp("2020-06-30", None).unwrap();
        let tx = simulate_transactions(&bg, &t, 5, end, "W").unwrap();
        let times = simulate_purchase_times(&bg, &t, 5).unwrap();
        let week = 7 * MICROS_PER_DAY;
        let mut row = 0;
        for (i, ts) in times.iter().enumerate() {
            let first = end - t[i] as i64 * week;
            assert_eq!((tx.customer[row], tx.timestamp[row]), (i as u64, first));
            for (k, &since) in ts.iter().enumerate() {
                let at = tx.timestamp[row + 1 + k];
                assert!((at - first) as f64 / week as f64 - since < 1e-9);
                assert!(at <= end && at >= first);
                assert_eq!(tx.customer[row + 1 + k], i as u64);
            }
            row += ts.len() + 1;
        }
        assert_eq!(row, tx.customer.len());
        assert_eq!(
            simulate_transactions(&bg, &t, 5, end, "M")
                .unwrap_err()
                .code(),
            "VALUE_INVALID_OPTION"
        );
        let far = simulate_transactions(&bg, &[1e300], 5, end, "D").unwrap_err();
        assert_eq!(far.code(), "VALUE_INVALID_DATA");
    }

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

    #[test]
    fn customers_and_purchase_times_match_the_summaries() {
        let bg = BetaGeo::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let models = [
            ValueModel::BetaGeo(bg),
            ValueModel::ModifiedBetaGeo(ModifiedBetaGeo(bg)),
            ValueModel::ParetoNbd(ParetoNbd::new(0.55, 10.6, 0.6, 11.7).unwrap()),
            ValueModel::BetaGeoBetaBinom(BetaGeoBetaBinom {
                alpha: 1.2,
                beta: 0.75,
                gamma: 0.66,
                delta: 2.8,
            }),
        ];
        let t: Vec<f64> = (0..3000).map(|i| 1.0 + (i % 40) as f64).collect();
        for m in &models {
            let s = simulate_summaries(m, &t, 3).unwrap();
            let c = simulate_customers(m, &t, 3).unwrap();
            assert_eq!(c.summaries, s, "{}", m.kind());
            assert_eq!(c.latent_names, latent_names(m).unwrap());
            let times = simulate_purchase_times(m, &t, 3).unwrap();
            for i in 0..t.len() {
                assert_eq!(times[i].len() as f64, s.frequency[i]);
                assert_eq!(times[i].last().copied().unwrap_or(0.0), s.recency[i]);
                assert!(times[i].windows(2).all(|w| w[0] < w[1]));
                assert!(times[i].iter().all(|&v| v > 0.0 && v <= t[i]));
                // A customer who dropped out before the end of the observation is not alive;
                // MBG/NBD's dropouts at the first purchase made no repeat purchase.
                let [first, second] = [c.first[i], c.second[i]];
                assert!(first > 0.0 && second > 0.0);
            }
            // Some alive, some not.
            let alive = c.alive.iter().filter(|a| **a).count();
            assert!(alive > 0 && alive < t.len(), "{}: {alive} alive", m.kind());
        }
        // Pareto/NBD: alive exactly when the lifetime outlasts T, so the share alive is
        // E[(β/(β+T))^s] — at T = 1..40 with s = 0.6, β = 11.7 between 0.45 and 0.95.
        let pnbd = simulate_customers(&models[2], &t, 5).unwrap();
        let expected: f64 = t
            .iter()
            .map(|&tt| (11.7f64 / (11.7 + tt)).powf(0.6))
            .sum::<f64>()
            / t.len() as f64;
        let share = pnbd.alive.iter().filter(|a| **a).count() as f64 / t.len() as f64;
        // 5 binomial standard errors.
        assert!(
            (share - expected).abs() < 5.0 * (0.25 / t.len() as f64).sqrt(),
            "{share} vs {expected}"
        );
    }

    #[test]
    fn observation_lengths_and_models_of_a_kind() {
        assert_eq!(observation_lengths(&[5.0], 3).unwrap(), vec![5.0; 3]);
        assert_eq!(
            observation_lengths(&[1.0, 2.0, 3.0], 2).unwrap(),
            vec![1.0, 2.0]
        );
        assert!(observation_lengths(&[5.0], 0).unwrap().is_empty());
        let e = observation_lengths(&[1.0, 2.0], 3).unwrap_err();
        assert_eq!(e.code(), "VALUE_INVALID_DATA");
        let params = |v: [f64; 4]| -> Vec<(String, f64)> {
            ["r", "alpha", "a", "b"]
                .iter()
                .zip(v)
                .map(|(n, x)| (n.to_string(), x))
                .collect()
        };
        let m = ValueModel::at_params("bgnbd", &params([0.2, 4.0, 0.8, 2.4])).unwrap();
        assert_eq!(
            m,
            ValueModel::BetaGeo(BetaGeo::new(0.2, 4.0, 0.8, 2.4).unwrap())
        );
        for bad in [
            [-0.2, 4.0, 0.8, 2.4],
            [f64::NAN, 4.0, 0.8, 2.4],
            [0.2, 0.0, 0.8, 2.4],
        ] {
            let e = ValueModel::at_params("bgnbd", &params(bad)).unwrap_err();
            assert_eq!(e.code(), "VALUE_INVALID_PARAMETER");
        }
        assert_eq!(
            ValueModel::at_params("bgnbd", &params([0.2, 4.0, 0.8, 2.4])[..3])
                .unwrap_err()
                .code(),
            "VALUE_INVALID_OPTION"
        );
        assert_eq!(
            ValueModel::at_params("nbd", &[]).unwrap_err().code(),
            "VALUE_INVALID_OPTION"
        );
        let gg = ValueModel::GammaGamma(GammaGamma {
            p: 1.0,
            q: 1.0,
            gamma: 1.0,
        });
        assert_eq!(
            simulate_customers(&gg, &[1.0], 1).unwrap_err().code(),
            "VALUE_INVALID_OPTION"
        );
        assert_eq!(
            simulate_purchase_times(&m, &[0.0], 1).unwrap_err().code(),
            "VALUE_INVALID_DATA"
        );
        assert_eq!(
            simulate_customers(&m, &[f64::NAN], 1).unwrap_err().code(),
            "VALUE_INVALID_DATA"
        );
    }

    #[test]
    fn runaway_parameters_are_an_error_not_a_hang() {
        // A purchase rate of ~10^12 per unit: every customer would buy without end.
        let m = ValueModel::ParetoNbd(ParetoNbd {
            r: 1e6,
            alpha: 1e-6,
            s: 1e-3,
            beta: 1e6,
        });
        for result in [
            simulate_summaries(&m, &[10.0], 1).map(|_| ()),
            simulate_customers(&m, &[10.0], 1).map(|_| ()),
            simulate_purchase_times(&m, &[10.0], 1).map(|_| ()),
        ] {
            assert_eq!(result.unwrap_err().code(), "VALUE_INVALID_OPTION");
        }
        assert!(observation_lengths(&[1.0], MAX_CUSTOMERS + 1).is_err());
    }
}
