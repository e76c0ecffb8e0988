//! BG/BB, the discrete-time model (Fader, Hardie and Shang 2010, "Customer-base analysis in a
//! discrete-time noncontractual setting"): in each of n opportunities an alive customer
//! transacts with probability p ~ Beta(α, β) and then may die with probability θ ~ Beta(γ, δ).

use super::fit::{check_lengths, compress, fit, total, FitReport, Spec, ValueRows};
use super::special::{digamma, hyp2f1_series, ln_beta, ln_gamma, log_add_exp};
use super::ValueError;
use serde::{Deserialize, Serialize};

/// BG/BB parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct BetaGeoBetaBinom {
    /// Transaction beta's α.
    pub alpha: f64,
    /// Transaction beta's β.
    pub beta: f64,
    /// Dropout beta's γ.
    pub gamma: f64,
    /// Dropout beta's δ.
    pub delta: f64,
}

/// Parameter names in [`FitReport`] order.
pub const NAMES: [&str; 4] = ["alpha", "beta", "gamma", "delta"];

/// BG/BB parameters for the fit: all four are beta shapes.
const SPEC: Spec = Spec {
    names: &NAMES,
    shapes: &[true, true, true, true],
    limit: "a beta distribution collapses to one value (alpha, beta → ∞: one transaction \
            probability for everyone; gamma, delta → ∞: one dropout probability)",
};

/// Checks one customer's (frequency, recency, periods) in discrete time: whole numbers with
/// x ≤ recency ≤ periods, periods ≥ 1, recency 0 exactly when x is 0. Shared by the fit and
/// every prediction (the error's row is 0; the caller sets it).
pub fn check_discrete_history(x: f64, tx: f64, p: f64) -> Result<(), ValueError> {
    let whole = |v: f64| v.is_finite() && v >= 0.0 && v.fract() == 0.0;
    let bad = |field: &str, reason: &str| ValueError::InvalidData {
        row: 0,
        field: field.into(),
        reason: reason.into(),
    };
    if !whole(x) || !whole(tx) || !whole(p) {
        return Err(bad(
            "frequency",
            "frequency, recency and periods must be whole numbers ≥ 0",
        ));
    }
    if p < 1.0 || tx > p || x > tx || (x == 0.0) != (tx == 0.0) {
        return Err(bad(
            "recency",
            "must satisfy x ≤ recency ≤ periods, recency 0 exactly when x is 0",
        ));
    }
    Ok(())
}

/// Checks `frequency` (x), `recency` (t_x, the opportunity of the last transaction) and
/// `periods` (n): whole numbers with 0 ≤ x ≤ t_x ≤ n, t_x = 0 when x = 0, x ≥ 1 otherwise.
pub fn discrete_rows(
    frequency: &[f64],
    recency: &[f64],
    periods: &[f64],
    weights: Option<&[f64]>,
) -> Result<ValueRows, ValueError> {
    let n = frequency.len();
    check_lengths(
        n,
        &[("recency", recency.len()), ("periods", periods.len())],
        weights,
    )?;
    for i in 0..n {
        check_discrete_history(frequency[i], recency[i], periods[i]).map_err(|e| e.at_row(i))?;
    }
    compress(n, |i| (frequency[i], recency[i], periods[i]), weights)
}

/// d/dp and d/dq of ln B(p, q).
fn d_ln_beta(p: f64, q: f64) -> (f64, f64) {
    let s = digamma(p + q);
    (digamma(p) - s, digamma(q) - s)
}

impl BetaGeoBetaBinom {
    /// Log-likelihood of a customer with `x` transactions, the last at opportunity `t_x`, out of
    /// `n`, and its gradient with respect to (α, β, γ, δ).
    pub fn log_likelihood(&self, x: f64, t_x: f64, n: f64) -> (f64, [f64; 4]) {
        let BetaGeoBetaBinom {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let base = ln_beta(alpha, beta) + ln_beta(gamma, delta);
        let (dab_a, dab_b) = d_ln_beta(alpha, beta);
        let (dgd_g, dgd_d) = d_ln_beta(gamma, delta);
        // Alive throughout: B(α+x, β+n−x) B(γ, δ+n).
        let term = |p1: f64, q1: f64, p2: f64, q2: f64| {
            let l = ln_beta(p1, q1) + ln_beta(p2, q2) - base;
            let (d1p, d1q) = d_ln_beta(p1, q1);
            let (d2p, d2q) = d_ln_beta(p2, q2);
            (l, [d1p - dab_a, d1q - dab_b, d2p - dgd_g, d2q - dgd_d])
        };
        let mut terms = vec![term(alpha + x, beta + n - x, gamma, delta + n)];
        // Died after opportunity t_x + j, for j = 0 .. n − t_x − 1.
        let mut j = 0.0;
        while j < n - t_x {
            terms.push(term(
                alpha + x,
                beta + t_x - x + j,
                gamma + 1.0,
                delta + t_x + j,
            ));
            j += 1.0;
        }
        let ll = terms
            .iter()
            .map(|t| t.0)
            .fold(f64::NEG_INFINITY, log_add_exp);
        let mut g = [0.0; 4];
        for (l, d) in &terms {
            let w = (l - ll).exp();
            for k in 0..4 {
                g[k] += w * d[k];
            }
        }
        (ll, g)
    }

    /// Fits by maximum likelihood on rows from [`discrete_rows`].
    pub fn fit(
        rows: &ValueRows,
        penalizer: f64,
    ) -> Result<(BetaGeoBetaBinom, FitReport), ValueError> {
        let report = fit(&SPEC, &[1.0; 4], penalizer, rows, |rows, p| {
            let model = BetaGeoBetaBinom {
                alpha: p[0],
                beta: p[1],
                gamma: p[2],
                delta: p[3],
            };
            total(rows, 4, |i| {
                model.log_likelihood(rows.x[i], rows.t_x[i], rows.t[i])
            })
        })?;
        let p = &report.params;
        Ok((
            BetaGeoBetaBinom {
                alpha: p[0],
                beta: p[1],
                gamma: p[2],
                delta: p[3],
            },
            report,
        ))
    }

    /// P(alive at opportunity n + 1 | x, t_x, n).
    pub fn probability_alive(&self, x: f64, t_x: f64, n: f64) -> f64 {
        self.probability_alive_at(1.0, x, t_x, n)
    }

    /// P(alive at opportunity n + m | x, t_x, n) (Fader, Hardie and Shang 2010, A10):
    /// B(α+x, β+n−x)/B(α, β) · B(γ, δ+n+m)/B(γ, δ) / L(x, t_x, n); m = 0 is alive through n.
    pub fn probability_alive_at(&self, m: f64, x: f64, t_x: f64, n: f64) -> f64 {
        let BetaGeoBetaBinom {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let alive = ln_beta(alpha + x, beta + n - x) - ln_beta(alpha, beta)
            + ln_beta(gamma, delta + n + m)
            - ln_beta(gamma, delta);
        (alive - self.log_likelihood(x, t_x, n).0).exp()
    }

    /// Expected transactions in the next `future` opportunities, given x, t_x and n.
    pub fn conditional_expected_purchases(&self, future: f64, x: f64, t_x: f64, n: f64) -> f64 {
        let BetaGeoBetaBinom {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let ll = self.log_likelihood(x, t_x, n).0;
        let lead = ln_beta(alpha + x + 1.0, beta + n - x) - ln_beta(alpha, beta)
            + (delta / (gamma - 1.0)).abs().ln()
            + ln_gamma(gamma + delta)
            - ln_gamma(1.0 + delta)
            - ll;
        let g = |m: f64| (ln_gamma(1.0 + delta + m) - ln_gamma(gamma + delta + m)).exp();
        let sign = (delta / (gamma - 1.0)).signum();
        sign * lead.exp() * (g(n) - g(n + future))
    }

    /// Discounted expected residual transactions (Fader, Hardie and Shang 2010): Σ over future
    /// opportunities n+t of P(transaction at n+t | x, t_x, n) / (1 + d)^t, with the discount
    /// rate `d` per opportunity; in closed form B(α+x+1, β+n−x)/B(α, β) · B(γ, δ+n+1) /
    /// ((1+d) B(γ, δ)) · ₂F₁(1, δ+n+1; γ+δ+n+1; 1/(1+d)) / L.
    pub fn discounted_expected_residual_transactions(
        &self,
        d: f64,
        x: f64,
        t_x: f64,
        n: f64,
    ) -> Result<f64, ValueError> {
        if !(d.is_finite() && d > 0.0) {
            return Err(ValueError::InvalidOption {
                option: "discount rate".into(),
                reason: "must be a finite number > 0".into(),
            });
        }
        let BetaGeoBetaBinom {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let f = hyp2f1_series(
            1.0,
            delta + n + 1.0,
            gamma + delta + n + 1.0,
            1.0 / (1.0 + d),
        )
        .ok_or_else(|| ValueError::NumericalFailure {
            what: "the hypergeometric series of DERT did not converge".into(),
        })?;
        let ln = ln_beta(alpha + x + 1.0, beta + n - x) - ln_beta(alpha, beta)
            + ln_beta(gamma, delta + n + 1.0)
            - ln_beta(gamma, delta)
            - d.ln_1p()
            - self.log_likelihood(x, t_x, n).0;
        Ok(ln.exp() * f)
    }

    /// P(alive through opportunity n | x, t_x, n): the share of the likelihood in which the
    /// customer never dropped out.
    pub fn probability_alive_through(&self, x: f64, t_x: f64, n: f64) -> f64 {
        let BetaGeoBetaBinom {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let ln_alive = ln_beta(alpha + x, beta + n - x) - ln_beta(alpha, beta)
            + ln_beta(gamma, delta + n)
            - ln_beta(gamma, delta);
        (ln_alive - self.log_likelihood(x, t_x, n).0).exp().min(1.0)
    }

    /// Expected transactions in each of the next `futures` opportunities' spans of a customer
    /// alive through opportunity n with x transactions: E[p | x, n] · Σⱼ P(alive at n+j) =
    /// (α+x)/(α+β+n) · δ'/(γ−1) · [1 − Γ(γ+δ')Γ(1+δ'+m) / (Γ(1+δ')Γ(γ+δ'+m))], δ' = δ+n.
    pub fn expected_purchases_if_alive(&self, futures: &[f64], x: f64, n: f64, out: &mut [f64]) {
        let BetaGeoBetaBinom {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let d = delta + n;
        let rate = (alpha + x) / (alpha + beta + n);
        let base = ln_gamma(gamma + d) - ln_gamma(1.0 + d);
        for (o, &m) in out.iter_mut().zip(futures) {
            let ratio = (base + ln_gamma(1.0 + d + m) - ln_gamma(gamma + d + m)).exp();
            *o = rate * d / (gamma - 1.0) * (1.0 - ratio);
        }
    }

    /// P(X(m) = y): y transactions in the first `m` opportunities of a customer just acquired
    /// (Fader, Hardie and Shang 2010, eq. 7).
    pub fn probability_of_purchases(&self, y: u32, m: u32) -> f64 {
        let BetaGeoBetaBinom {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        if y > m {
            return 0.0;
        }
        let (yf, mf) = (f64::from(y), f64::from(m));
        let base = ln_beta(alpha, beta) + ln_beta(gamma, delta);
        let ln_choose = |i: f64| ln_gamma(i + 1.0) - ln_gamma(yf + 1.0) - ln_gamma(i - yf + 1.0);
        let alive =
            ln_choose(mf) + ln_beta(alpha + yf, beta + mf - yf) + ln_beta(gamma, delta + mf);
        let mut total = (alive - base).exp();
        // Dropped out at opportunity i + 1 after y transactions in the first i.
        for i in y..m {
            let i = f64::from(i);
            let ln =
                ln_choose(i) + ln_beta(alpha + yf, beta + i - yf) + ln_beta(gamma + 1.0, delta + i);
            total += (ln - base).exp();
        }
        total
    }

    /// P(y transactions in the next `m` opportunities | x, t_x, n). A customer alive through
    /// opportunity n continues as a BG/BB customer with p ~ B(α+x, β+n−x), θ ~ B(γ, δ+n).
    pub fn conditional_probability_of_purchases(
        &self,
        y: u32,
        m: u32,
        x: f64,
        t_x: f64,
        n: f64,
    ) -> f64 {
        let BetaGeoBetaBinom {
            alpha,
            beta,
            gamma,
            delta,
        } = *self;
        let alive = self.probability_alive_through(x, t_x, n);
        let posterior = BetaGeoBetaBinom {
            alpha: alpha + x,
            beta: beta + n - x,
            gamma,
            delta: delta + n,
        };
        alive * posterior.probability_of_purchases(y, m) + if y == 0 { 1.0 - alive } else { 0.0 }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn gradient_matches_finite_differences() {
        let m = BetaGeoBetaBinom {
            alpha: 1.2,
            beta: 0.75,
            gamma: 0.66,
            delta: 2.8,
        };
        for (x, tx, n) in [(0.0, 0.0, 6.0), (3.0, 4.0, 6.0), (6.0, 6.0, 6.0)] {
            let (_, g) = m.log_likelihood(x, tx, n);
            let p = [m.alpha, m.beta, m.gamma, m.delta];
            for k in 0..4 {
                let h = 1e-6 * p[k];
                let (mut up, mut down) = (p, p);
                up[k] += h;
                down[k] -= h;
                let f = |q: [f64; 4]| {
                    BetaGeoBetaBinom {
                        alpha: q[0],
                        beta: q[1],
                        gamma: q[2],
                        delta: q[3],
                    }
                    .log_likelihood(x, tx, n)
                    .0
                };
                assert_relative_eq!(
                    g[k],
                    (f(up) - f(down)) / (2.0 * h),
                    max_relative = 1e-6,
                    epsilon = 1e-9
                );
            }
        }
    }

    /// Against lifetimes 0.11.3's BetaGeoBetaBinomFitter at the paper's estimates.
    #[test]
    fn predictions_match_lifetimes() {
        let m = BetaGeoBetaBinom {
            alpha: 1.204,
            beta: 0.750,
            gamma: 0.657,
            delta: 2.783,
        };
        assert_relative_eq!(
            m.conditional_expected_purchases(5.0, 3.0, 4.0, 6.0),
            1.034228498420919,
            max_relative = 1e-10
        );
        assert_relative_eq!(
            m.probability_alive(3.0, 4.0, 6.0),
            0.43946285705567345,
            max_relative = 1e-10
        );
        assert_relative_eq!(
            m.probability_alive(0.0, 0.0, 6.0),
            0.10801658416867378,
            max_relative = 1e-10
        );
    }

    /// DERT against the plain discounted sum of expected transactions at each future
    /// opportunity, P(transaction at n+t | data) = E[p (1−θ)^t … ] from the Beta posteriors.
    #[test]
    fn expectation_factors_into_alive_and_the_future_if_alive() {
        let m = BetaGeoBetaBinom {
            alpha: 1.204,
            beta: 0.750,
            gamma: 0.657,
            delta: 2.783,
        };
        for (x, tx, n) in [
            (0.0, 0.0, 6.0),
            (3.0, 4.0, 6.0),
            (6.0, 6.0, 6.0),
            (1.0, 1.0, 6.0),
        ] {
            let mut out = [0.0; 3];
            m.expected_purchases_if_alive(&[1.0, 5.0, 10.0], x, n, &mut out);
            let alive = m.probability_alive_through(x, tx, n);
            for (future, v) in [1.0, 5.0, 10.0].iter().zip(out) {
                let want = m.conditional_expected_purchases(*future, x, tx, n);
                assert_relative_eq!(alive * v, want, max_relative = 1e-12);
            }
        }
    }

    #[test]
    fn dert_equals_the_discounted_sum() {
        let m = BetaGeoBetaBinom {
            alpha: 1.204,
            beta: 0.750,
            gamma: 0.657,
            delta: 2.783,
        };
        for (x, tx, n) in [(0.0, 0.0, 6.0), (3.0, 4.0, 6.0), (6.0, 6.0, 6.0)] {
            let d = 0.1;
            let ll = m.log_likelihood(x, tx, n).0;
            let lead = ln_beta(m.alpha + x + 1.0, m.beta + n - x)
                - ln_beta(m.alpha, m.beta)
                - ln_beta(m.gamma, m.delta)
                - ll;
            let direct: f64 = (1..20_000)
                .map(|t| {
                    let t = f64::from(t);
                    (lead + ln_beta(m.gamma, m.delta + n + t) - t * 1.1f64.ln()).exp()
                })
                .sum();
            let dert = m
                .discounted_expected_residual_transactions(d, x, tx, n)
                .unwrap();
            assert_relative_eq!(dert, direct, max_relative = 1e-10);
        }
        assert!(m
            .discounted_expected_residual_transactions(-0.1, 1.0, 1.0, 6.0)
            .is_err());
    }
}
