//! Pareto/NBD (Schmittlein, Morrison and Colombo 1987) in the parameterisation of Fader, Hardie
//! and Lee (2005, "RFM and CLV: using iso-value curves for customer base analysis").
//!
//! A customer buys at rate λ ~ Gamma(r, α) while alive and lives for an exponential time with
//! rate μ ~ Gamma(s, β). The likelihood of (x, t_x, T) is
//!
//! L = Γ(r+x) αʳ βˢ / Γ(r) · [ (α+T)^−(r+x) (β+T)^−s + s ∫_{t_x}^{T} (α+y)^−(r+x) (β+y)^−(s+1) dy ].
//!
//! The integral is Fader and Hardie's A₀ term written without its Gauss hypergeometric function:
//! it is summed here as a series of positive terms in w = |α−β| / (max(α, β) + y) < 1, expanding
//! the factor of the smaller of α and β around the larger (the choice that keeps every term
//! positive, so there is no cancellation), in log space with rescaling, so heavy buyers
//! (x in the hundreds) neither overflow nor underflow. The derivatives with respect to all four
//! parameters are summed term by term alongside.

use super::bgnbd::nbd_ln_pmf;
use super::fit::{fit, total, FitReport, Spec, ValueRows};
use super::special::{
    digamma, ln_gamma, ln_integral_0_to, log_add_exp, tanh_sinh, upper_incomplete_gamma_scaled,
};
use super::ValueError;
use serde::{Deserialize, Serialize};

/// Pareto/NBD parameters.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct ParetoNbd {
    /// Shape of the purchase-rate gamma.
    pub r: f64,
    /// Rate (inverse time unit) of the purchase-rate gamma.
    pub alpha: f64,
    /// Shape of the dropout-rate gamma.
    pub s: f64,
    /// Rate (inverse time unit) of the dropout-rate gamma.
    pub beta: f64,
}

/// Parameter names in [`FitReport`] order.
pub const NAMES: [&str; 4] = ["r", "alpha", "s", "beta"];

/// Pareto/NBD parameters for the fit: r and s are shapes.
const SPEC: Spec = Spec {
    names: &NAMES,
    shapes: &[true, false, true, false],
    limit: "the data show no spread in dropout rates (s, beta → ∞: the Pareto/NBD tends to one \
            dropout rate s/beta for everyone, and to the NBD, no dropout, as s/beta → 0) or in \
            purchase rates (r, alpha → ∞)",
};

/// Series terms summed at the most (w within about 1e-3 of 1: one of α, β some thousand times
/// the other plus the recency, as when a fit runs towards a limit with s, β → ∞). Beyond, the
/// integral is taken by quadrature instead, so every evaluation has a bounded cost.
const MAX_TERMS: usize = 1_000;

/// ln G and its partial derivatives, where G(y) = u^−n₀ S(w), u = hi + y, w = (hi − lo)/u and
/// S(w) = Σₖ (e)ₖ/k! wᵏ/(n₀+k), so that ∫_y^∞ (hi+v)^−(n₀+1−e) (lo+v)^−e dv = G(y).
#[derive(Debug, Clone, Copy)]
struct Tail {
    /// ln G is `ln_g` + ln `scale` (the general series folds the scale into `ln_g`).
    ln_g: f64,
    scale: f64,
    d_n0: f64,
    d_e: f64,
    d_hi: f64,
    d_lo: f64,
}

fn tail(n0: f64, e: f64, hi: f64, lo: f64, y: f64) -> Option<Tail> {
    let u = hi + y;
    let ln_u = u.ln();
    let w = (hi - lo) / u;
    // q = (e)_k / k! · w^k, times a running scale; h = Σ_{j<k} 1/(e+j).
    let (mut s, mut s_n0, mut s_e, mut s_w) = (1.0 / n0, -1.0 / (n0 * n0), 0.0, 0.0);
    if w > 0.0 {
        // Terms rise to a peak near k = e·w/(1−w), then fall by about w each.
        if e * w / (1.0 - w) - 40.0 / w.ln() > MAX_TERMS as f64 {
            return None;
        }
        let mut q = 1.0;
        let mut h = 0.0;
        let mut ln_scale = 0.0;
        let mut converged = false;
        for k in 1..MAX_TERMS {
            let kf = k as f64;
            h += 1.0 / (e + kf - 1.0);
            q *= (e + kf - 1.0) / kf * w;
            let d = n0 + kf;
            let term = q / d;
            s += term;
            s_n0 -= term / d;
            s_e += term * h;
            s_w += kf * term / w;
            if q > 1e250 {
                let f = 1e-250;
                q *= f;
                s *= f;
                s_n0 *= f;
                s_e *= f;
                s_w *= f;
                ln_scale += 250.0 * std::f64::consts::LN_10;
            }
            let ratio = (e + kf) / (kf + 1.0) * w;
            if ratio < 1.0 {
                // Later ratios stay below max(ratio, w) < 1: bound the tail geometrically.
                let tail_factor = 1.0 / (1.0 - ratio.max(w));
                let small = |t: f64, sum: f64| t * tail_factor <= 1e-17 * sum.abs();
                if small(term, s) && small(kf * term / w, s_w) && small(term * (h + 1.0), s_e) {
                    converged = true;
                    break;
                }
            }
        }
        if !converged {
            return None;
        }
        let ln_g = -n0 * ln_u + s.ln() + ln_scale;
        return Some(Tail {
            ln_g,
            scale: 1.0,
            d_n0: -ln_u + s_n0 / s,
            d_e: s_e / s,
            d_hi: -n0 / u + s_w / s * (lo + y) / (u * u),
            d_lo: -s_w / s / u,
        });
    }
    // hi == lo: only the first terms survive.
    s_w = e / (n0 + 1.0);
    Some(Tail {
        ln_g: -n0 * ln_u + s.ln(),
        scale: 1.0,
        d_n0: -ln_u + s_n0 / s,
        d_e: s_e,
        d_hi: -n0 / u + s_w / s * (lo + y) / (u * u),
        d_lo: -s_w / s / u,
    })
}

/// The likelihood's mixture M = P + s·I in log space, with the pieces needed for P(alive),
/// predictions and the gradient.
struct Mixture {
    ln_m: f64,
    /// P / M: the probability of being alive at T.
    alive: f64,
    /// ∂ ln M / ∂(r, α, s, β).
    grad: [f64; 4],
}

impl ParetoNbd {
    /// The parameters, checked to be finite and positive.
    pub fn new(r: f64, alpha: f64, s: f64, beta: f64) -> Result<Self, ValueError> {
        for (name, v) in NAMES.iter().zip([r, alpha, s, beta]) {
            if !(v.is_finite() && v > 0.0) {
                return Err(ValueError::InvalidParameter {
                    name: name.to_string(),
                    reason: "must be finite and > 0".into(),
                });
            }
        }
        Ok(ParetoNbd { r, alpha, s, beta })
    }

    fn mixture(&self, x: f64, t_x: f64, t: f64) -> Option<Mixture> {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let rx = r + x;
        let ln_p = -rx * (alpha + t).ln() - s * (beta + t).ln();
        let d_ln_p = [
            -(alpha + t).ln(),
            -rx / (alpha + t),
            -(beta + t).ln(),
            -s / (beta + t),
        ];
        let n0 = rx + s;
        // Expand the factor of the smaller rate around the larger one.
        let alpha_high = alpha >= beta;
        let (e, hi, lo) = if alpha_high {
            (s + 1.0, alpha, beta)
        } else {
            (rx, beta, alpha)
        };
        let chain = |g: Tail| -> [f64; 4] {
            if alpha_high {
                [g.d_n0, g.d_hi, g.d_n0 + g.d_e, g.d_lo]
            } else {
                [g.d_n0 + g.d_e, g.d_lo, g.d_n0, g.d_hi]
            }
        };
        let (Some(lower), Some(upper)) = (tail(n0, e, hi, lo, t_x), tail(n0, e, hi, lo, t)) else {
            if t_x >= t {
                // The last purchase at T (also T = 0): the integral is 0, M = P, alive for sure
                // (the series branch gives the same through its zero gap).
                return ln_p.is_finite().then_some(Mixture {
                    ln_m: ln_p,
                    alive: 1.0,
                    grad: d_ln_p,
                });
            }
            // One rate far above the other: the series would need too many terms.
            let (ln_i, d_ln_i) = self.integral_by_quadrature(x, t_x, t)?;
            let ln_integral = s.ln() + ln_i;
            let ln_m = log_add_exp(ln_p, ln_integral);
            let alive = (ln_p - ln_m).exp();
            let dead = (ln_integral - ln_m).exp();
            let mut grad = [0.0; 4];
            for j in 0..4 {
                grad[j] = alive * d_ln_p[j] + dead * d_ln_i[j];
            }
            grad[2] += dead / s;
            return ln_m.is_finite().then_some(Mixture { ln_m, alive, grad });
        };
        debug_assert!(lower.scale == 1.0 && upper.scale == 1.0);
        // s·(G(t_x) − G(T)) = s·G(t_x)·(1 − e^{ln G(T) − ln G(t_x)}) ≥ 0
        let gap = (upper.ln_g - lower.ln_g).min(0.0);
        let ln_integral = if gap == 0.0 {
            f64::NEG_INFINITY
        } else {
            s.ln() + lower.ln_g + (-gap.exp()).ln_1p()
        };
        let ln_m = log_add_exp(ln_p, ln_integral);
        if !ln_m.is_finite() {
            return None;
        }
        let alive = (ln_p - ln_m).exp();
        let w_lower = (s.ln() + lower.ln_g - ln_m).exp();
        let w_upper = (s.ln() + upper.ln_g - ln_m).exp();
        let (cl, cu) = (chain(lower), chain(upper));
        let mut grad = [0.0; 4];
        for j in 0..4 {
            grad[j] = alive * d_ln_p[j] + w_lower * cl[j] - w_upper * cu[j];
        }
        grad[2] += (w_lower - w_upper) / s;
        Some(Mixture { ln_m, alive, grad })
    }

    /// ln I and ∂ ln I / ∂(r, α, s, β) for I = ∫_{t_x}^{T} (α+y)^−(r+x) (β+y)^−(s+1) dy, by
    /// tanh-sinh quadrature of the integrand relative to its value at t_x (the logarithms
    /// taken as ln(1 + v/(α+t_x)), so nothing cancels however large α, β, r or s are). Used
    /// where the series would need too many terms; `None` for I = 0 (t_x = T) or when the
    /// quadrature does not settle.
    fn integral_by_quadrature(&self, x: f64, t_x: f64, t: f64) -> Option<(f64, [f64; 4])> {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let rx = r + x;
        let (a0, b0) = (alpha + t_x, beta + t_x);
        let [i0, i_la, i_a, i_lb, i_b] = tanh_sinh(t - t_x, |v| {
            let (la, lb) = ((v / a0).ln_1p(), (v / b0).ln_1p());
            let f = (-rx * la - (s + 1.0) * lb).exp();
            [f, f * la, f / (a0 + v), f * lb, f / (b0 + v)]
        })?;
        if i0.is_nan() || i0 <= 0.0 {
            return None;
        }
        let ln_i = -rx * a0.ln() - (s + 1.0) * b0.ln() + i0.ln();
        let d = [
            -(a0.ln() + i_la / i0),
            -rx * i_a / i0,
            -(b0.ln() + i_lb / i0),
            -(s + 1.0) * i_b / i0,
        ];
        Some((ln_i, d))
    }

    /// Log-likelihood of one customer with `x` repeat purchases, the last at `t_x`, observed
    /// for `t`, and its gradient with respect to (r, α, s, β). NaN when the series cannot be
    /// summed (parameters far outside any sensible model).
    pub fn log_likelihood(&self, x: f64, t_x: f64, t: f64) -> (f64, [f64; 4]) {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let Some(m) = self.mixture(x, t_x, t) else {
            return (f64::NAN, [f64::NAN; 4]);
        };
        let ll = ln_gamma(r + x) - ln_gamma(r) + r * alpha.ln() + s * beta.ln() + m.ln_m;
        let g = [
            digamma(r + x) - digamma(r) + alpha.ln() + m.grad[0],
            r / alpha + m.grad[1],
            beta.ln() + m.grad[2],
            s / beta + m.grad[3],
        ];
        (ll, g)
    }

    /// Fits by maximum likelihood (log parameters, BFGS from r = α = s = β = 1).
    pub fn fit(rows: &ValueRows, penalizer: f64) -> Result<(ParetoNbd, FitReport), ValueError> {
        let report = fit(&SPEC, &[1.0; 4], penalizer, rows, |rows, p| {
            let model = ParetoNbd {
                r: p[0],
                alpha: p[1],
                s: p[2],
                beta: p[3],
            };
            let tables = Tables::new(&model, &rows.distinct_x);
            total(rows, 4, |i| {
                tables.log_likelihood(rows.x_index[i] as usize, rows.t_x[i], rows.t[i])
            })
        })?;
        let p = &report.params;
        Ok((
            ParetoNbd {
                r: p[0],
                alpha: p[1],
                s: p[2],
                beta: p[3],
            },
            report,
        ))
    }

    fn summed(&self, x: f64, t_x: f64, t: f64) -> Result<Mixture, ValueError> {
        self.mixture(x, t_x, t)
            .ok_or_else(|| ValueError::NumericalFailure {
                what: "the Pareto/NBD likelihood series did not converge".into(),
            })
    }

    /// P(alive | x, t_x, T).
    pub fn probability_alive(&self, x: f64, t_x: f64, t: f64) -> Result<f64, ValueError> {
        Ok(self.summed(x, t_x, t)?.alive)
    }

    /// E[X(t)]: expected purchases in (0, t] of a customer just acquired.
    pub fn expected_purchases_new(&self, t: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        r * beta / alpha * one_minus_power_over(s - 1.0, (beta / (beta + t)).ln())
    }

    /// E[Y(s) | x, t_x, T]: expected purchases in the next `horizon` time units.
    pub fn conditional_expected_purchases(
        &self,
        horizon: f64,
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ValueError> {
        let mut out = [0.0];
        self.expected_purchases_if_alive(&[horizon], x, t, &mut out)?;
        Ok(out[0] * self.probability_alive(x, t_x, t)?)
    }

    /// E[Y(s) | alive at T, x, T] = E[λ | x, T] · E[lifetime within s]: (r+x)/(α+T) ·
    /// (β+T)/(s−1) · [1 − ((β+T)/(β+T+s))^(s−1)], for every horizon in `horizons`.
    pub fn expected_purchases_if_alive(
        &self,
        horizons: &[f64],
        x: f64,
        t: f64,
        out: &mut [f64],
    ) -> Result<(), ValueError> {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let head = (r + x) * (beta + t) / (alpha + t);
        for (o, &horizon) in out.iter_mut().zip(horizons) {
            super::check_horizon(horizon)?;
            let ratio = ((beta + t) / (beta + t + horizon)).ln();
            *o = head * one_minus_power_over(s - 1.0, ratio);
        }
        Ok(())
    }

    /// Discounted expected residual transactions (Fader, Hardie and Lee 2005): the expected
    /// number of future purchases, each discounted continuously at `rate` per time unit,
    /// E[λ | alive] · P(alive) · ∫₀^∞ ((β+T)/(β+T+τ))ˢ e^−δτ dτ.
    pub fn discounted_expected_residual_transactions(
        &self,
        rate: f64,
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ValueError> {
        if !(rate.is_finite() && rate > 0.0) {
            return Err(ValueError::InvalidOption {
                option: "discount rate".into(),
                reason: "must be a finite number > 0".into(),
            });
        }
        let ParetoNbd { r, alpha, s, beta } = *self;
        let alive = self.probability_alive(x, t_x, t)?;
        // ∫₀^∞ (1 + τ/b)^−s e^−δτ dτ = b · e^z z^(s−1) Γ(1−s, z), z = δb.
        let b = beta + t;
        let z = rate * b;
        let scaled = upper_incomplete_gamma_scaled(1.0 - s, z)?;
        Ok((r + x) / (alpha + t) * alive * b * scaled)
    }

    /// P(X(t) = n) for a customer just acquired: alive throughout (0, t] with n purchases, or
    /// dropped out at some τ ≤ t after n purchases in (0, τ], the latter integrated over τ by
    /// Gauss–Legendre quadrature on geometric panels (accurate to rounding; checked against
    /// the closed form with Gauss hypergeometric functions).
    pub fn probability_of_purchases(&self, n: u32, t: f64) -> f64 {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let n = f64::from(n);
        let alive = (nbd_ln_pmf(r, alpha, t, n) + s * (beta.ln() - (beta + t).ln())).exp();
        let ln_c = ln_gamma(r + n) - ln_gamma(r) - ln_gamma(n + 1.0)
            + r * alpha.ln()
            + s.ln()
            + s * beta.ln();
        let ln_dropped = ln_integral_0_to(t, alpha.min(beta), |tau| {
            let purchases = if n > 0.0 { n * tau.ln() } else { 0.0 };
            ln_c + purchases - (r + n) * (alpha + tau).ln() - (s + 1.0) * (beta + tau).ln()
        });
        alive + ln_dropped.exp()
    }

    /// P(Y(t) = n | x, t_x, T): n purchases in the next `t` time units. A customer alive at T
    /// continues as a Pareto/NBD customer with λ ~ Γ(r+x, α+T), μ ~ Γ(s, β+T).
    pub fn conditional_probability_of_purchases(
        &self,
        n: u32,
        t: f64,
        x: f64,
        t_x: f64,
        age: f64,
    ) -> Result<f64, ValueError> {
        let ParetoNbd { r, alpha, s, beta } = *self;
        let alive = self.probability_alive(x, t_x, age)?;
        let posterior = ParetoNbd {
            r: r + x,
            alpha: alpha + age,
            s,
            beta: beta + age,
        };
        Ok(alive * posterior.probability_of_purchases(n, t)
            + if n == 0 { 1.0 - alive } else { 0.0 })
    }
}

/// Series terms of the table-driven evaluation; rows needing more use the general series.
const TABLE_TERMS: usize = 48;

/// What the log-likelihood needs of each distinct x, computed once per parameter vector: the
/// series coefficients (e)ₖ/k!, the harmonic sums Σ_{j<k} 1/(e+j), the reciprocals 1/(n₀+k),
/// ln Γ(r+x) − ln Γ(r) and ψ(r+x) − ψ(r). The fit evaluates each row from these with no
/// division in the series loop; the result equals [`ParetoNbd::log_likelihood`] to rounding.
struct Tables<'a> {
    model: ParetoNbd,
    x: &'a [f64],
    alpha_high: bool,
    /// Per x: [coefficient, harmonic sum, 1/(n₀+k)] for k = 0..TABLE_TERMS.
    series: Vec<[[f64; 3]; TABLE_TERMS]>,
    ln_gamma_ratio: Vec<f64>,
    digamma_diff: Vec<f64>,
    ln_alpha: f64,
    ln_beta: f64,
    /// G(0) for x = 0: every customer without repeat purchases shares it.
    zero_tail: Option<Tail>,
}

impl<'a> Tables<'a> {
    fn new(model: &ParetoNbd, x: &'a [f64]) -> Self {
        let ParetoNbd { r, alpha, s, beta } = *model;
        let alpha_high = alpha >= beta;
        let (lg_r, psi_r) = (ln_gamma(r), digamma(r));
        let mut series = Vec::with_capacity(x.len());
        let (mut ln_gamma_ratio, mut digamma_diff) = (vec![], vec![]);
        for &xv in x {
            let rx = r + xv;
            let n0 = rx + s;
            let e = if alpha_high { s + 1.0 } else { rx };
            let mut t = [[0.0; 3]; TABLE_TERMS];
            let (mut c, mut h) = (1.0, 0.0);
            for (k, entry) in t.iter_mut().enumerate() {
                let kf = k as f64;
                if k > 0 {
                    c *= (e + kf - 1.0) / kf;
                    h += 1.0 / (e + kf - 1.0);
                }
                *entry = [c, h, 1.0 / (n0 + kf)];
            }
            series.push(t);
            ln_gamma_ratio.push(ln_gamma(rx) - lg_r);
            digamma_diff.push(digamma(rx) - psi_r);
        }
        let mut tables = Tables {
            model: *model,
            x,
            alpha_high,
            series,
            ln_gamma_ratio,
            digamma_diff,
            ln_alpha: alpha.ln(),
            ln_beta: beta.ln(),
            zero_tail: None,
        };
        if x.first() == Some(&0.0) {
            let hi = if alpha_high { alpha } else { beta };
            tables.zero_tail = tables.tail(0, 0.0, hi.ln());
        }
        tables
    }

    /// The series S and its derivatives (S, ∂S/∂n₀, ∂S/∂e, ∂S/∂w) at w from the tables, or
    /// `None` when more terms are needed.
    fn series(&self, g: usize, w: f64) -> Option<[f64; 4]> {
        let t = &self.series[g];
        let mut s = t[0][2];
        let mut s_n0 = -t[0][2] * t[0][2];
        let (mut s_e, mut s_w) = (0.0, 0.0);
        let mut previous = 1.0; // w^(k−1)
        for (k, &[c, h, inv]) in t.iter().enumerate().skip(1) {
            let t_w = c * previous * inv;
            let term = t_w * w;
            s += term;
            s_n0 -= term * inv;
            s_e += term * h;
            s_w += k as f64 * t_w;
            // Terms fall at least geometrically by w once (e+k)/(k+1)·w < w' < 1.
            if term <= 1e-17 * s && k as f64 * t_w * w <= 1e-17 * s_w && term * h <= 1e-17 * s_e {
                let next = t.get(k + 1).map_or(f64::INFINITY, |n| n[0] / c * w);
                if next < 0.5 {
                    return Some([s, s_n0, s_e, s_w]);
                }
            }
            previous *= w;
        }
        None
    }

    fn tail(&self, g: usize, y: f64, ln_u: f64) -> Option<Tail> {
        let ParetoNbd { r, alpha, s, beta } = self.model;
        let (hi, lo, n0, e) = if self.alpha_high {
            (alpha, beta, r + self.x[g] + s, s + 1.0)
        } else {
            (beta, alpha, r + self.x[g] + s, r + self.x[g])
        };
        let u = hi + y;
        let w = (hi - lo) / u;
        let Some([sum, s_n0, s_e, s_w]) = self.series(g, w) else {
            return tail(n0, e, hi, lo, y);
        };
        let inv_s = 1.0 / sum;
        Some(Tail {
            // ln G without its ln S: `scale` carries S, so no logarithm is taken per row.
            ln_g: -n0 * ln_u,
            scale: sum,
            d_n0: -ln_u + s_n0 * inv_s,
            d_e: s_e * inv_s,
            d_hi: -n0 / u + s_w * inv_s * (lo + y) / (u * u),
            d_lo: -s_w * inv_s / u,
        })
    }

    /// Log-likelihood and gradient of a row with x = `self.x[g]`.
    fn log_likelihood(&self, g: usize, t_x: f64, t: f64) -> (f64, [f64; 4]) {
        let ParetoNbd { r, alpha, s, beta } = self.model;
        let rx = r + self.x[g];
        let (ln_a_t, ln_b_t) = ((alpha + t).ln(), (beta + t).ln());
        let ln_p = -rx * ln_a_t - s * ln_b_t;
        let (hi, ln_hi_t) = if self.alpha_high {
            (alpha, ln_a_t)
        } else {
            (beta, ln_b_t)
        };
        let lower = match self.zero_tail {
            Some(zero) if t_x == 0.0 && g == 0 => Some(zero),
            _ => self.tail(g, t_x, (hi + t_x).ln()),
        };
        let (Some(lower), Some(upper)) = (lower, self.tail(g, t, ln_hi_t)) else {
            return self.model.log_likelihood(self.x[g], t_x, t);
        };
        // M / P = 1 + s (G(t_x) − G(T)) / P, in linear space when it fits.
        let (da, db) = (lower.ln_g - ln_p, upper.ln_g - ln_p);
        let (a, b) = (s * lower.scale * da.exp(), s * upper.scale * db.exp());
        if !(da.abs() < 600.0 && db.abs() < 600.0 && a.is_finite() && b.is_finite()) {
            return self.model.log_likelihood(self.x[g], t_x, t);
        }
        let ratio = 1.0 + (a - b).max(0.0);
        let inv = 1.0 / ratio;
        let (alive, w_lower, w_upper) = (inv, a * inv, b * inv);
        let d_ln_p = [-ln_a_t, -rx / (alpha + t), -ln_b_t, -s / (beta + t)];
        let (cl, cu) = (self.chain(&lower), self.chain(&upper));
        let mut grad = [0.0; 4];
        for j in 0..4 {
            grad[j] = alive * d_ln_p[j] + w_lower * cl[j] - w_upper * cu[j];
        }
        grad[2] += (w_lower - w_upper) / s;
        let ll = self.ln_gamma_ratio[g] + r * self.ln_alpha + s * self.ln_beta + ln_p + ratio.ln();
        let dg = [
            self.digamma_diff[g] + self.ln_alpha + grad[0],
            r / alpha + grad[1],
            self.ln_beta + grad[2],
            s / beta + grad[3],
        ];
        (ll, dg)
    }

    fn chain(&self, g: &Tail) -> [f64; 4] {
        if self.alpha_high {
            [g.d_n0, g.d_hi, g.d_n0 + g.d_e, g.d_lo]
        } else {
            [g.d_n0 + g.d_e, g.d_lo, g.d_n0, g.d_hi]
        }
    }
}

/// (1 − e^{c·l}) / c for l ≤ 0, and its limit −l at c = 0.
fn one_minus_power_over(c: f64, l: f64) -> f64 {
    if c == 0.0 {
        -l
    } else {
        -(c * l).exp_m1() / c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    const FHL: ParetoNbd = ParetoNbd {
        r: 0.553,
        alpha: 10.578,
        s: 0.606,
        beta: 11.669,
    };

    fn ll(m: [f64; 4], x: f64, tx: f64, t: f64) -> f64 {
        ParetoNbd {
            r: m[0],
            alpha: m[1],
            s: m[2],
            beta: m[3],
        }
        .log_likelihood(x, tx, t)
        .0
    }

    /// Reference values from lifetimes 0.11.3 (`ParetoNBDFitter._conditional_log_likelihood`,
    /// scipy's `hyp2f1`) at points where scipy is accurate.
    #[test]
    fn log_likelihood_matches_the_hypergeometric_form() {
        for (p, x, tx, t, expected) in REFERENCE {
            assert_relative_eq!(ll(p, x, tx, t), expected, max_relative = 1e-11);
        }
    }

    #[test]
    fn gradient_matches_finite_differences() {
        let points = [
            ([0.553, 10.578, 0.606, 11.669], 2.0, 30.43, 38.86),
            ([0.553, 14.0, 0.606, 3.0], 0.0, 0.0, 38.86),
            ([2.5, 3.0, 1.4, 9.0], 17.0, 20.0, 39.0),
            ([0.8, 5.0, 0.3, 5.0], 4.0, 10.0, 30.0),
            ([10.465, 0.00798565181, 3.0516, 2.820], 400.0, 5.0, 6.0),
        ];
        for (p, x, tx, t) in points {
            let (_, g) = ParetoNbd {
                r: p[0],
                alpha: p[1],
                s: p[2],
                beta: p[3],
            }
            .log_likelihood(x, tx, t);
            for j in 0..4 {
                let h = 1e-6 * p[j];
                let (mut up, mut down) = (p, p);
                up[j] += h;
                down[j] -= h;
                let numeric = (ll(up, x, tx, t) - ll(down, x, tx, t)) / (2.0 * h);
                assert_relative_eq!(g[j], numeric, max_relative = 1e-5, epsilon = 1e-6);
            }
        }
    }

    /// The quadrature that takes over from the series (one rate far above the other) gives the
    /// series' likelihood and gradient where both work.
    #[test]
    fn quadrature_equals_the_series() {
        let points = [
            ([0.553, 10.578, 0.606, 11.669], 2.0, 30.43, 38.86),
            ([0.553, 14.0, 0.606, 3.0], 5.0, 12.0, 38.86),
            ([2.5, 3.0, 1.4, 9.0], 17.0, 20.0, 39.0),
            ([10.465, 0.00798565181, 3.0516, 2.820], 400.0, 1.0, 37.0),
            ([0.8, 5.0, 0.3, 500.0], 4.0, 0.5, 30.0),
        ];
        for (p, x, tx, t) in points {
            let m = ParetoNbd {
                r: p[0],
                alpha: p[1],
                s: p[2],
                beta: p[3],
            };
            let series = m.mixture(x, tx, t).unwrap();
            let (ln_i, d_ln_i) = m.integral_by_quadrature(x, tx, t).unwrap();
            let rx = p[0] + x;
            let ln_p = -rx * (p[1] + t).ln() - p[2] * (p[3] + t).ln();
            let ln_m = log_add_exp(ln_p, p[2].ln() + ln_i);
            assert_relative_eq!(ln_m, series.ln_m, max_relative = 1e-12, epsilon = 1e-13);
            let (alive, dead) = ((ln_p - ln_m).exp(), (p[2].ln() + ln_i - ln_m).exp());
            let d_ln_p = [
                -(p[1] + t).ln(),
                -rx / (p[1] + t),
                -(p[3] + t).ln(),
                -p[2] / (p[3] + t),
            ];
            for j in 0..4 {
                let g =
                    alive * d_ln_p[j] + dead * d_ln_i[j] + if j == 2 { dead / p[2] } else { 0.0 };
                assert_relative_eq!(g, series.grad[j], max_relative = 1e-10, epsilon = 1e-12);
            }
        }
    }

    #[test]
    fn table_evaluation_equals_the_reference() {
        let x = [0.0, 1.0, 2.0, 5.0, 17.0, 26.0, 400.0];
        for p in [
            [0.553, 10.578, 0.606, 11.669],
            [0.553, 14.0, 0.606, 3.0],
            [2.5, 3.0, 1.4, 9.0],
            [0.8, 5.0, 0.3, 5.0],
            [10.465, 0.00798565181, 3.0516, 2.820],
        ] {
            let m = ParetoNbd {
                r: p[0],
                alpha: p[1],
                s: p[2],
                beta: p[3],
            };
            let tables = Tables::new(&m, &x);
            for (g, &xv) in x.iter().enumerate() {
                for (tx, t) in [(0.0, 38.86), (5.0, 6.0), (30.43, 38.86), (1.0, 37.0)] {
                    let tx = if xv == 0.0 { 0.0 } else { tx };
                    let (l0, g0) = m.log_likelihood(xv, tx, t);
                    let (l1, g1) = tables.log_likelihood(g, tx, t);
                    assert_relative_eq!(l0, l1, max_relative = 1e-12);
                    for j in 0..4 {
                        assert_relative_eq!(g0[j], g1[j], max_relative = 1e-9, epsilon = 1e-12);
                    }
                }
            }
        }
    }

    #[test]
    fn heavy_buyers_are_finite() {
        let m = ParetoNbd::new(10.465, 0.00798565181, 3.0516, 2.820).unwrap();
        for (x, tx, t) in [(400.0, 5.0, 6.0), (500.0, 1.0, 37.0), (500.0, 4.0, 37.0)] {
            let (l, g) = m.log_likelihood(x, tx, t);
            assert!(
                l.is_finite() && g.iter().all(|v| v.is_finite()),
                "{x} {tx} {t}"
            );
            let alive = m.probability_alive(x, tx, t).unwrap();
            assert!((0.0..=1.0).contains(&alive));
            assert!(m
                .conditional_expected_purchases(10.0, x, tx, t)
                .unwrap()
                .is_finite());
        }
        let m = ParetoNbd::new(0.5143, 2.8845, 0.2856, 14.1087).unwrap();
        let rows = [
            (221.0, 103.43, 103.57),
            (254.0, 97.14, 97.29),
            (161.0, 94.71, 98.0),
            (204.0, 98.57, 99.43),
        ];
        for (x, tx, t) in rows {
            let alive = m.probability_alive(x, tx, t).unwrap();
            assert!(alive.is_finite() && (0.0..=1.0).contains(&alive), "{alive}");
        }
    }

    #[test]
    fn predictions() {
        // E[X(t)] by the closed form, and as t → ∞ with s ≤ 1 it grows without bound.
        let e = FHL.expected_purchases_new(39.0);
        let by_hand = FHL.r * FHL.beta / (FHL.alpha * (FHL.s - 1.0))
            * (1.0 - (FHL.beta / (FHL.beta + 39.0)).powf(FHL.s - 1.0));
        assert_relative_eq!(e, by_hand, max_relative = 1e-13);
        assert_relative_eq!(e, 1.2130028442810157, max_relative = 1e-12); // lifetimes
        let at_one = ParetoNbd { s: 1.0, ..FHL };
        assert_relative_eq!(
            at_one.expected_purchases_new(39.0),
            ParetoNbd {
                s: 1.0 + 1e-9,
                ..FHL
            }
            .expected_purchases_new(39.0),
            max_relative = 1e-8
        );
        // A customer who never came back is alive with the probability of the closed form
        // (x = 0: P(alive) = 1 / (1 + s/(r+s) · (...)) — checked against lifetimes).
        for (x, tx, t, alive, expected) in PREDICTIONS {
            assert_relative_eq!(
                FHL.probability_alive(x, tx, t).unwrap(),
                alive,
                max_relative = 1e-10
            );
            assert_relative_eq!(
                FHL.conditional_expected_purchases(52.0, x, tx, t).unwrap(),
                expected,
                max_relative = 1e-10
            );
        }
    }

    /// DERT against a direct numerical integral of E[purchases at T+τ | data] e^−δτ.
    #[test]
    fn dert_equals_the_discounted_integral() {
        let delta = 0.15f64.ln_1p() / 52.0;
        for (x, tx, t) in [(0.0, 0.0, 38.86), (2.0, 30.43, 38.86), (15.0, 37.0, 39.0)] {
            let dert = FHL
                .discounted_expected_residual_transactions(delta, x, tx, t)
                .unwrap();
            // Trapezoid on a fine grid over τ in [0, 20000] weeks, the rest negligible.
            let alive = FHL.probability_alive(x, tx, t).unwrap();
            let rate = (FHL.r + x) / (FHL.alpha + t);
            let (b, s) = (FHL.beta + t, FHL.s);
            let f = |tau: f64| (b / (b + tau)).powf(s) * (-delta * tau).exp();
            let (n, end) = (400_000, 20_000.0);
            let h = end / n as f64;
            let integral: f64 = (0..=n)
                .map(|i| {
                    let w = if i == 0 || i == n { 0.5 } else { 1.0 };
                    w * f(i as f64 * h)
                })
                .sum::<f64>()
                * h;
            assert_relative_eq!(dert, rate * alive * integral, max_relative = 1e-6);
        }
        assert!(FHL
            .discounted_expected_residual_transactions(0.0, 1.0, 1.0, 2.0)
            .is_err());
    }

    /// Exact values (40-digit quadrature of the integral form, mpmath); lifetimes' `hyp2f1` form agrees
    /// to 4e-15 at these points.
    #[rustfmt::skip]
    const REFERENCE: [([f64; 4], f64, f64, f64, f64); 7] = [
        ([0.553, 10.578, 0.606, 11.669], 2.0, 30.43, 38.86, -9.554283245150407),
        ([0.553, 10.578, 0.606, 11.669], 0.0, 0.0, 38.86, -0.5210462940808904),
        ([0.553, 10.578, 0.606, 11.669], 26.0, 30.85714, 31.0, -39.13162693151015),
        ([0.553, 14.0, 0.606, 3.0], 0.0, 0.0, 38.86, -0.2753000585668468),
        ([0.553, 14.0, 0.606, 3.0], 5.0, 12.0, 38.86, -15.892005702291488),
        ([2.5, 3.0, 1.4, 9.0], 17.0, 20.0, 39.0, -25.369184886336754),
        ([0.8, 5.0, 0.3, 5.0], 4.0, 10.0, 30.0, -11.951907663250605),
    ];

    /// (x, t_x, T, P(alive), E[Y(52)]) with the published CDNOW estimates: P(alive) exact (mpmath),
    /// E[Y(52)] from lifetimes 0.11.3.
    #[rustfmt::skip]
    const PREDICTIONS: [(f64, f64, f64, f64, f64); 4] = [
        (0.0, 0.0, 38.86, 0.29528660461689415, 0.1362010059239051),
        (2.0, 30.43, 38.86, 0.8691675591530112, 1.8508267207019504),
        (26.0, 30.85714, 31.0, 0.997874216098315, 25.457337305018736),
        (7.0, 10.0, 39.0, 0.010849341026045217, 0.06819000537491977),
    ];
}
