//! Gamma-Gamma spend model (Fader and Hardie 2013, "The Gamma-Gamma model of monetary value").

use super::fit::{check_lengths, compress, fit, total, FitReport, Spec, ValueRows};
use super::special::{digamma, ln_gamma};
use super::ValueError;
use serde::{Deserialize, Serialize};

/// Gamma-Gamma parameters: a transaction's value ~ Gamma(p, ν), the customer's ν ~ Gamma(q, γ).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct GammaGamma {
    /// Shape of the transaction-value gamma.
    pub p: f64,
    /// Shape of the ν gamma.
    pub q: f64,
    /// Rate of the ν gamma.
    pub gamma: f64,
}

/// Parameter names in [`FitReport`] order.
pub const NAMES: [&str; 3] = ["p", "q", "gamma"];

/// Gamma-Gamma parameters for the fit: p and q are shapes (gamma is in money units).
const SPEC: Spec = Spec {
    names: &NAMES,
    shapes: &[true, true, false],
    limit: "spend per transaction hardly varies around each customer's mean (p → ∞) or the \
            mean spend is the same for every customer (q, gamma → ∞)",
};

/// Checks one customer's (frequency, monetary value): frequency a whole number ≥ 0, the mean
/// spend finite and > 0 for a repeat buyer (≥ 0 without repeat transactions, where it is not
/// used). Shared by the fit and the predictions (the error's row is 0; the caller sets it).
pub fn check_spend(x: f64, m: f64) -> Result<(), ValueError> {
    let bad = |field: &str, reason: &str| ValueError::InvalidData {
        row: 0,
        field: field.into(),
        reason: reason.into(),
    };
    if !x.is_finite() || x < 0.0 || x.fract() != 0.0 {
        return Err(bad("frequency", "must be a whole number ≥ 0"));
    }
    if !m.is_finite() || m < 0.0 || (x > 0.0 && m == 0.0) || m > crate::data::MAX_MAGNITUDE {
        return Err(bad(
            "monetary_value",
            "must be a finite number > 0 (≥ 0 when frequency is 0) and at most 1e150",
        ));
    }
    Ok(())
}

/// Checks `frequency` (≥ 1 repeat transaction) and `monetary_value` (> 0) of repeat buyers and
/// merges identical rows.
pub fn repeat_buyers(
    frequency: &[f64],
    monetary_value: &[f64],
    weights: Option<&[f64]>,
) -> Result<ValueRows, ValueError> {
    let n = frequency.len();
    check_lengths(n, &[("monetary_value", monetary_value.len())], weights)?;
    for i in 0..n {
        if frequency[i] == 0.0 {
            return Err(ValueError::InvalidData {
                row: i,
                field: "frequency".into(),
                reason: "must be ≥ 1 (fit Gamma-Gamma on repeat buyers only)".into(),
            });
        }
        check_spend(frequency[i], monetary_value[i]).map_err(|e| e.at_row(i))?;
    }
    compress(n, |i| (frequency[i], monetary_value[i], 0.0), weights)
}

impl GammaGamma {
    /// Log-likelihood of a customer's mean spend `m` over `x` transactions, and its gradient
    /// with respect to (p, q, γ).
    pub fn log_likelihood(&self, x: f64, m: f64) -> (f64, [f64; 3]) {
        let GammaGamma { p, q, gamma } = *self;
        let px = p * x;
        let denom = gamma + m * x;
        let ll = ln_gamma(px + q) - ln_gamma(px) - ln_gamma(q)
            + q * gamma.ln()
            + (px - 1.0) * m.ln()
            + px * x.ln()
            - (px + q) * denom.ln();
        let psi = digamma(px + q);
        let g = [
            x * (psi - digamma(px) + m.ln() + x.ln() - denom.ln()),
            psi - digamma(q) + gamma.ln() - denom.ln(),
            q / gamma - (px + q) / denom,
        ];
        (ll, g)
    }

    /// Fits by maximum likelihood on rows from [`repeat_buyers`].
    pub fn fit(rows: &ValueRows, penalizer: f64) -> Result<(GammaGamma, FitReport), ValueError> {
        let report = fit(&SPEC, &[1.0; 3], penalizer, rows, |rows, p| {
            let model = GammaGamma {
                p: p[0],
                q: p[1],
                gamma: p[2],
            };
            total(rows, 3, |i| {
                let (l, g) = model.log_likelihood(rows.x[i], rows.t_x[i]);
                (l, [g[0], g[1], g[2], 0.0])
            })
        })?;
        let p = &report.params;
        Ok((
            GammaGamma {
                p: p[0],
                q: p[1],
                gamma: p[2],
            },
            report,
        ))
    }

    /// E[M | x, m]: expected mean transaction value of a customer with `x` transactions of mean
    /// `m` (needs q > 1).
    pub fn conditional_expected_spend(&self, x: f64, m: f64) -> Result<f64, ValueError> {
        check_spend(x, m)?;
        if self.q <= 1.0 {
            return Err(ValueError::InvalidParameter {
                name: "q".into(),
                reason: "must be > 1 for a finite mean".into(),
            });
        }
        Ok(self.p * (self.gamma + x * m) / (self.p * x + self.q - 1.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn gradient_matches_finite_differences() {
        let m = GammaGamma {
            p: 6.0,
            q: 3.5,
            gamma: 15.0,
        };
        let (_, g) = m.log_likelihood(3.0, 27.5);
        let base = [m.p, m.q, m.gamma];
        for j in 0..3 {
            let h = 1e-6 * base[j];
            let (mut up, mut down) = (base, base);
            up[j] += h;
            down[j] -= h;
            let f = |v: [f64; 3]| {
                GammaGamma {
                    p: v[0],
                    q: v[1],
                    gamma: v[2],
                }
                .log_likelihood(3.0, 27.5)
                .0
            };
            assert_relative_eq!(g[j], (f(up) - f(down)) / (2.0 * h), max_relative = 1e-6);
        }
        assert!(repeat_buyers(&[0.0], &[10.0], None).is_err());
        assert_relative_eq!(
            m.conditional_expected_spend(0.0, 0.0).unwrap(),
            6.0 * 15.0 / 2.5
        );
    }
}
