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

    /// [`fit`](Self::fit), with `q_at_least_one` under the constraint q ≥ 1 (lifetimes'
    /// `q_constraint`, a bound on log q at 0). When the unconstrained estimate has q ≥ 1 it is
    /// the answer; otherwise the likelihood's maximum over q ≥ 1 lies on the bound (the
    /// log-likelihood has one maximum in log q for given p and γ), so q is held at 1 and p, γ
    /// are fitted. The report then says so; q's standard error is 0 and the others' are
    /// conditional on q = 1.
    pub fn fit_constrained(
        rows: &ValueRows,
        penalizer: f64,
        q_at_least_one: bool,
    ) -> Result<(GammaGamma, FitReport), ValueError> {
        let (free, report) = Self::fit(rows, penalizer)?;
        if !q_at_least_one || free.q >= 1.0 {
            return Ok((free, report));
        }
        const HELD: Spec = Spec {
            names: &["p", "gamma"],
            shapes: &[true, false],
            limit: SPEC.limit,
        };
        let start = [free.p, free.gamma];
        let held = fit(&HELD, &start, penalizer, rows, |rows, v| {
            let model = GammaGamma {
                p: v[0],
                q: 1.0,
                gamma: v[1],
            };
            let (ll, g) = total(rows, 3, |i| {
                let (l, g) = model.log_likelihood(rows.x[i], rows.t_x[i]);
                (l, [g[0], g[1], g[2], 0.0])
            });
            (ll, vec![g[0], g[2]])
        })?;
        let model = GammaGamma {
            p: held.params[0],
            q: 1.0,
            gamma: held.params[1],
        };
        let embed = |v: &[f64]| vec![v[0], 0.0, v[1]];
        let covariance = held.covariance.as_ref().map(|c| {
            let mut full = vec![0.0; 9];
            for (i, fi) in [0, 2].into_iter().enumerate() {
                for (j, fj) in [0, 2].into_iter().enumerate() {
                    full[fi * 3 + fj] = c[i * 2 + j];
                }
            }
            full
        });
        let mut warnings = vec![format!(
            "q held at its bound 1 (q_constraint): the unconstrained estimate q = {:.4} is below \
             it; q's standard error is 0 and the others' are conditional on q = 1 (the AIC and \
             BIC count the 2 free parameters)",
            free.q
        )];
        warnings.extend(held.warnings);
        Ok((
            model,
            FitReport {
                names: NAMES.iter().map(|s| s.to_string()).collect(),
                params: vec![model.p, model.q, model.gamma],
                standard_errors: held.standard_errors.as_deref().map(embed),
                covariance,
                warnings,
                ..held
            },
        ))
    }

    /// E[M | x, m]: expected mean transaction value of a customer with `x` transactions of mean
    /// `m`. Finite when p x + q > 1: for every repeat buyer at q ≥ 1 (a `q_constraint` fit),
    /// for a customer without repeat transactions only when q > 1.
    pub fn conditional_expected_spend(&self, x: f64, m: f64) -> Result<f64, ValueError> {
        check_spend(x, m)?;
        if self.p * x + self.q <= 1.0 {
            return Err(ValueError::InvalidParameter {
                name: "q".into(),
                reason: "the expected spend is infinite: needs p·x + q > 1 (q > 1 for a \
                         customer without repeat transactions)"
                    .into(),
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
    fn q_constraint_holds_q_at_one_only_when_the_free_fit_is_below() {
        use crate::value::simulate::simulate_spend;
        let frequency: Vec<f64> = (0..4000).map(|i| f64::from(1 + i % 6)).collect();
        let spend_of = |q: f64| {
            let truth = GammaGamma {
                p: 5.0,
                q,
                gamma: 10.0,
            };
            simulate_spend(&truth, &frequency, 3).unwrap()
        };
        // Data from q = 0.6: the free estimate is below 1, the constrained one at 1.
        let m = spend_of(0.6);
        let rows = repeat_buyers(&frequency, &m, None).unwrap();
        let (free, free_report) = GammaGamma::fit(&rows, 0.0).unwrap();
        assert!(free.q < 1.0, "{free:?}");
        let (held, report) = GammaGamma::fit_constrained(&rows, 0.0, true).unwrap();
        assert_eq!(held.q, 1.0);
        assert_eq!(report.params, [held.p, 1.0, held.gamma]);
        assert!(report.log_likelihood <= free_report.log_likelihood);
        assert!(report.warnings[0].contains("q held at its bound 1"));
        let se = report.standard_errors.as_ref().unwrap();
        assert_eq!(se[1], 0.0);
        assert!(se[0] > 0.0 && se[2] > 0.0);
        // The held model scores every repeat buyer (p·x + q > 1), not a customer without one.
        assert!(held
            .conditional_expected_spend(1.0, 20.0)
            .unwrap()
            .is_finite());
        assert!(held.conditional_expected_spend(0.0, 0.0).is_err());
        // At the estimate the likelihood is flat in p and γ, and falls moving q above 1.
        let ll = |g: GammaGamma| -> (f64, [f64; 3]) {
            let (mut l, mut d) = (0.0, [0.0; 3]);
            for i in 0..rows.len() {
                let (li, di) = g.log_likelihood(rows.x[i], rows.t_x[i]);
                l += rows.weight[i] * li;
                for k in 0..3 {
                    d[k] += rows.weight[i] * di[k];
                }
            }
            (l, d)
        };
        let (l0, d) = ll(held);
        assert!(
            d[0].abs() * held.p < 1e-3 * rows.customers()
                && d[2].abs() * held.gamma < 1e-3 * rows.customers(),
            "{d:?}"
        );
        assert!(d[1] < 0.0, "q wants to fall below 1: {d:?}");
        assert!(ll(GammaGamma { q: 1.05, ..held }).0 < l0);
        // Data from q = 3: the constraint is not active, the fit is the free one.
        let rows = repeat_buyers(&frequency, &spend_of(3.0), None).unwrap();
        let free = GammaGamma::fit(&rows, 0.0).unwrap();
        assert_eq!(GammaGamma::fit_constrained(&rows, 0.0, true).unwrap(), free);
    }

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
