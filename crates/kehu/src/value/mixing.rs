//! The mixing distributions of the purchase models' latent quantities: the purchase rate
//! λ ~ Gamma(r, α) of BG/NBD, MBG/NBD and Pareto/NBD, and the dropout probability p ~ Beta(a, b)
//! of BG/NBD and MBG/NBD. Their densities, moments and quantiles draw lifetimes' heterogeneity
//! plots; models without the distribution (the dropout of Pareto/NBD, which is a rate
//! μ ~ Gamma(s, β), or anything of BG/BB and Gamma-Gamma) are an `InvalidOption`, as lifetimes'
//! plots fail for them too.

use super::special::{ln_beta, ln_gamma};
use super::{ModifiedBetaGeo, ValueError, ValueModel};

/// The latent purchase rate λ (`latent` of [`mixing_distribution`]).
pub const TRANSACTION_RATE: &str = "transaction_rate";
/// The latent dropout probability p (`latent` of [`mixing_distribution`]).
pub const DROPOUT: &str = "dropout";

/// A mixing distribution of customers' latent rates or probabilities.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum MixingDistribution {
    /// Gamma with `shape` and `rate` (mean shape / rate).
    Gamma {
        /// The shape (r).
        shape: f64,
        /// The rate (α).
        rate: f64,
    },
    /// Beta with shapes `a` and `b` (mean a / (a + b)).
    Beta {
        /// The first shape.
        a: f64,
        /// The second shape.
        b: f64,
    },
}

/// The distribution of `model`'s latent `latent` ([`TRANSACTION_RATE`] or [`DROPOUT`]) across
/// customers.
pub fn mixing_distribution(
    model: &ValueModel,
    latent: &str,
) -> Result<MixingDistribution, ValueError> {
    let missing = |what: &str| ValueError::InvalidOption {
        option: "latent".into(),
        reason: format!("a {} model has no {what}", model.kind()),
    };
    match (latent, model) {
        (
            TRANSACTION_RATE,
            ValueModel::BetaGeo(m) | ValueModel::ModifiedBetaGeo(ModifiedBetaGeo(m)),
        ) => Ok(MixingDistribution::Gamma {
            shape: m.r,
            rate: m.alpha,
        }),
        (TRANSACTION_RATE, ValueModel::ParetoNbd(m)) => Ok(MixingDistribution::Gamma {
            shape: m.r,
            rate: m.alpha,
        }),
        (TRANSACTION_RATE, _) => Err(missing("purchase rate λ ~ Gamma(r, α)")),
        (DROPOUT, ValueModel::BetaGeo(m) | ValueModel::ModifiedBetaGeo(ModifiedBetaGeo(m))) => {
            Ok(MixingDistribution::Beta { a: m.a, b: m.b })
        }
        (DROPOUT, ValueModel::ParetoNbd(_)) => Err(missing(
            "dropout probability p ~ Beta(a, b): its dropout is a rate μ ~ Gamma(s, β)",
        )),
        (DROPOUT, _) => Err(missing("dropout probability p ~ Beta(a, b)")),
        (other, _) => Err(ValueError::InvalidOption {
            option: "latent".into(),
            reason: format!(
                "unknown latent quantity '{other}'; use {TRANSACTION_RATE} or {DROPOUT}"
            ),
        }),
    }
}

/// The density of `model`'s latent `latent` at each of `x` (finite numbers; 0 outside the
/// support, +∞ at 0 when the first shape is below 1, as scipy gives it).
pub fn mixing_density(model: &ValueModel, latent: &str, x: &[f64]) -> Result<Vec<f64>, ValueError> {
    let d = mixing_distribution(model, latent)?;
    if let Some(row) = x.iter().position(|v| !v.is_finite()) {
        return Err(ValueError::InvalidData {
            row,
            field: "x".into(),
            reason: "must be a finite number".into(),
        });
    }
    Ok(x.iter().map(|&v| d.pdf(v)).collect())
}

impl MixingDistribution {
    /// The density at `x`.
    pub fn pdf(&self, x: f64) -> f64 {
        match *self {
            MixingDistribution::Gamma { shape, rate } => {
                if x < 0.0 {
                    0.0
                } else if x == 0.0 {
                    at_zero(shape, rate)
                } else {
                    (shape * rate.ln() + (shape - 1.0) * x.ln() - rate * x - ln_gamma(shape)).exp()
                }
            }
            MixingDistribution::Beta { a, b } => {
                if !(0.0..=1.0).contains(&x) {
                    0.0
                } else if x == 0.0 {
                    at_zero(a, b)
                } else if x == 1.0 {
                    at_zero(b, a)
                } else {
                    ((a - 1.0) * x.ln() + (b - 1.0) * (-x).ln_1p() - ln_beta(a, b)).exp()
                }
            }
        }
    }

    /// The mean.
    pub fn mean(&self) -> f64 {
        match *self {
            MixingDistribution::Gamma { shape, rate } => shape / rate,
            MixingDistribution::Beta { a, b } => a / (a + b),
        }
    }

    /// The variance.
    pub fn variance(&self) -> f64 {
        match *self {
            MixingDistribution::Gamma { shape, rate } => shape / (rate * rate),
            MixingDistribution::Beta { a, b } => a * b / ((a + b) * (a + b) * (a + b + 1.0)),
        }
    }

    /// The distribution function at `x`: the regularized incomplete gamma or beta function.
    pub fn cdf(&self, x: f64) -> Result<f64, ValueError> {
        match *self {
            MixingDistribution::Gamma { shape, rate } => {
                if x <= 0.0 {
                    Ok(0.0)
                } else {
                    lower_gamma_regularized(shape, rate * x)
                }
            }
            MixingDistribution::Beta { a, b } => {
                if x <= 0.0 {
                    Ok(0.0)
                } else if x >= 1.0 {
                    Ok(1.0)
                } else {
                    beta_regularized(a, b, x)
                }
            }
        }
    }

    /// The `q`-quantile (0 < q < 1), by bisection of [`cdf`](Self::cdf) to a relative 1e-14.
    pub fn quantile(&self, q: f64) -> Result<f64, ValueError> {
        if !(q > 0.0 && q < 1.0) {
            return Err(ValueError::InvalidOption {
                option: "quantile".into(),
                reason: "must be a number in (0, 1)".into(),
            });
        }
        let (mut lo, mut hi) = (0.0, 1.0);
        if let MixingDistribution::Gamma { .. } = self {
            hi = self.mean() + 10.0 * self.variance().sqrt();
            while self.cdf(hi)? < q {
                lo = hi;
                hi *= 2.0;
            }
        }
        for _ in 0..2000 {
            let mid = 0.5 * (lo + hi);
            if mid <= lo || mid >= hi || hi - lo <= 1e-14 * hi {
                break;
            }
            if self.cdf(mid)? < q {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        Ok(0.5 * (lo + hi))
    }
}

/// The density at 0 of a gamma (shape, rate) or beta (shape, other shape) distribution: +∞
/// below shape 1, 0 above; at shape 1 the gamma's rate, or the beta's other shape b (1/B(1, b)).
fn at_zero(shape: f64, other: f64) -> f64 {
    if shape < 1.0 {
        f64::INFINITY
    } else if shape > 1.0 {
        0.0
    } else {
        other
    }
}

fn no_convergence(what: &str) -> ValueError {
    ValueError::NumericalFailure {
        what: format!("the regularized incomplete {what} function did not converge"),
    }
}

/// P(a, z) = γ(a, z) / Γ(a): the power series below z = a + 1, the continued fraction of the
/// upper function (modified Lentz) above.
fn lower_gamma_regularized(a: f64, z: f64) -> Result<f64, ValueError> {
    let log_prefactor = a * z.ln() - z - ln_gamma(a);
    if z < a + 1.0 {
        let (mut term, mut sum, mut n) = (1.0 / a, 1.0 / a, a);
        for _ in 0..100_000 {
            n += 1.0;
            term *= z / n;
            sum += term;
            if term.abs() < sum.abs() * 1e-17 {
                return Ok((sum.ln() + log_prefactor).exp().min(1.0));
            }
        }
        return Err(no_convergence("gamma"));
    }
    let fraction = lentz(
        |i| {
            let i = i as f64;
            (-i * (i - a), z + 2.0 * i + 1.0 - a)
        },
        z + 1.0 - a,
    )
    .ok_or_else(|| no_convergence("gamma"))?;
    Ok((1.0 - (log_prefactor.exp() * fraction)).max(0.0))
}

/// I_x(a, b): the continued fraction of the incomplete beta function, of x or (by symmetry) of
/// 1 − x, whichever converges fast.
fn beta_regularized(a: f64, b: f64, x: f64) -> Result<f64, ValueError> {
    if x > (a + 1.0) / (a + b + 2.0) {
        return Ok(1.0 - beta_regularized(b, a, 1.0 - x)?);
    }
    let log_prefactor = a * x.ln() + b * (-x).ln_1p() - ln_beta(a, b) - a.ln();
    // 1 / (1 + d1 / (1 + d2 / (1 + …))), d_{2m+1} = −(a+m)(a+b+m)x / ((a+2m)(a+2m+1)),
    // d_{2m} = m(b−m)x / ((a+2m−1)(a+2m)).
    let fraction = lentz(
        |i| {
            let m = (i / 2) as f64;
            let d = if i % 2 == 1 {
                -(a + m) * (a + b + m) * x / ((a + 2.0 * m) * (a + 2.0 * m + 1.0))
            } else {
                m * (b - m) * x / ((a + 2.0 * m - 1.0) * (a + 2.0 * m))
            };
            (d, 1.0)
        },
        1.0,
    )
    .ok_or_else(|| no_convergence("beta"))?;
    Ok((log_prefactor.exp() * fraction).clamp(0.0, 1.0))
}

/// 1 / (b0 + a1 / (b1 + a2 / (b2 + …))) by the modified Lentz method, `term(i)` giving
/// (a_i, b_i) for i ≥ 1; None when it does not converge.
fn lentz(term: impl Fn(u32) -> (f64, f64), b0: f64) -> Option<f64> {
    let tiny = 1e-300;
    let guard = |v: f64| if v.abs() < tiny { tiny } else { v };
    let mut c = 1.0 / tiny;
    let mut d = 1.0 / guard(b0);
    let mut h = d;
    for i in 1..100_000 {
        let (an, bn) = term(i);
        d = 1.0 / guard(bn + an * d);
        c = guard(bn + an / c);
        let step = c * d;
        h *= step;
        if (step - 1.0).abs() < 1e-16 {
            return Some(h);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::simulate::simulate_customers;
    use crate::value::{BetaGeo, BetaGeoBetaBinom, ParetoNbd};

    fn bg() -> ValueModel {
        ValueModel::BetaGeo(BetaGeo::new(0.243, 4.414, 0.793, 2.426).unwrap())
    }

    #[test]
    fn densities_are_the_closed_forms() {
        let (r, alpha, a, b) = (0.243_f64, 4.414_f64, 0.793_f64, 2.426_f64);
        let xs = [0.01, 0.2, 0.5, 0.9];
        let gamma = mixing_density(&bg(), TRANSACTION_RATE, &xs).unwrap();
        let beta = mixing_density(&bg(), DROPOUT, &xs).unwrap();
        for (i, &x) in xs.iter().enumerate() {
            let g = alpha.powf(r) * x.powf(r - 1.0) * (-alpha * x).exp() / libm::tgamma(r);
            let be = x.powf(a - 1.0) * (1.0 - x).powf(b - 1.0) * libm::tgamma(a + b)
                / (libm::tgamma(a) * libm::tgamma(b));
            assert!((gamma[i] - g).abs() <= 1e-12 * g, "gamma pdf at {x}");
            assert!((beta[i] - be).abs() <= 1e-12 * be, "beta pdf at {x}");
        }
        let at = mixing_density(&bg(), DROPOUT, &[-0.1, 0.0, 1.0, 1.5]).unwrap();
        assert_eq!(at, vec![0.0, f64::INFINITY, 0.0, 0.0]);
        // Shape 1: the exponential density, rate at 0.
        let e = MixingDistribution::Gamma {
            shape: 1.0,
            rate: 2.0,
        };
        assert_eq!(e.pdf(0.0), 2.0);
        assert!((e.pdf(0.7) - 2.0 * (-1.4f64).exp()).abs() < 1e-15);
        let d = mixing_distribution(&bg(), TRANSACTION_RATE).unwrap();
        assert!((d.mean() - r / alpha).abs() < 1e-15);
        assert!((d.variance() - r / (alpha * alpha)).abs() < 1e-15);
        let d = mixing_distribution(&bg(), DROPOUT).unwrap();
        assert!((d.mean() - a / (a + b)).abs() < 1e-15);
        assert!((d.variance() - a * b / ((a + b).powi(2) * (a + b + 1.0))).abs() < 1e-15);
    }

    #[test]
    fn distribution_functions_and_quantiles() {
        // Closed forms: Gamma(1, λ) is exponential; Gamma(2, 1) has CDF 1 − (1 + x)e^−x;
        // Beta(a, 1) has CDF x^a; Beta(2, 2) has CDF 3x² − 2x³.
        let e = MixingDistribution::Gamma {
            shape: 1.0,
            rate: 3.0,
        };
        let g2 = MixingDistribution::Gamma {
            shape: 2.0,
            rate: 1.0,
        };
        let b1 = MixingDistribution::Beta { a: 0.4, b: 1.0 };
        let b22 = MixingDistribution::Beta { a: 2.0, b: 2.0 };
        for x in [0.05, 0.3, 0.6, 0.95] {
            assert!((e.cdf(x).unwrap() - (1.0 - (-3.0 * x).exp())).abs() < 1e-14);
            let z = 5.0 * x;
            assert!((g2.cdf(z).unwrap() - (1.0 - (1.0 + z) * (-z).exp())).abs() < 1e-14);
            assert!((b1.cdf(x).unwrap() - x.powf(0.4)).abs() < 1e-14);
            assert!((b22.cdf(x).unwrap() - (3.0 * x * x - 2.0 * x * x * x)).abs() < 1e-14);
        }
        let q = e.quantile(0.99).unwrap();
        assert!((q - (100.0f64).ln() / 3.0).abs() < 1e-12);
        assert!((b1.quantile(0.99).unwrap() - 0.99f64.powf(1.0 / 0.4)).abs() < 1e-12);
        let d = mixing_distribution(&bg(), TRANSACTION_RATE).unwrap();
        assert!((d.cdf(d.quantile(0.99).unwrap()).unwrap() - 0.99).abs() < 1e-12);
        assert_eq!(e.quantile(1.0).unwrap_err().code(), "VALUE_INVALID_OPTION");
    }

    #[test]
    fn models_without_the_distribution_are_typed_errors() {
        let pnbd = ValueModel::ParetoNbd(ParetoNbd::new(0.55, 10.6, 0.6, 11.7).unwrap());
        assert!(mixing_distribution(&pnbd, TRANSACTION_RATE).is_ok());
        let bb = ValueModel::BetaGeoBetaBinom(BetaGeoBetaBinom {
            alpha: 1.2,
            beta: 0.75,
            gamma: 0.66,
            delta: 2.8,
        });
        for (m, latent) in [
            (&pnbd, DROPOUT),
            (&bb, DROPOUT),
            (&bb, TRANSACTION_RATE),
            (&bg(), "churn"),
        ] {
            let e = mixing_distribution(m, latent).unwrap_err();
            assert_eq!(e.code(), "VALUE_INVALID_OPTION");
        }
        let e = mixing_density(&bg(), DROPOUT, &[0.5, f64::NAN]).unwrap_err();
        assert_eq!(
            e,
            ValueError::InvalidData {
                row: 1,
                field: "x".into(),
                reason: "must be a finite number".into()
            }
        );
    }

    #[test]
    fn simulated_latent_draws_follow_the_mixing_distributions() {
        let n = 40_000;
        let t = vec![10.0; n];
        let sim = simulate_customers(&bg(), &t, 11).unwrap();
        for (draws, latent) in [(&sim.first, TRANSACTION_RATE), (&sim.second, DROPOUT)] {
            let d = mixing_distribution(&bg(), latent).unwrap();
            let mean = draws.iter().sum::<f64>() / n as f64;
            // 5 standard errors of the mean.
            let tolerance = 5.0 * (d.variance() / n as f64).sqrt();
            assert!(
                (mean - d.mean()).abs() < tolerance,
                "{latent}: {mean} vs {}",
                d.mean()
            );
        }
    }
}
