//! Special functions in log space: log-gamma, digamma, log-beta, and the Gauss hypergeometric
//! series. Pure Rust (`libm`), so results are the same on every platform.

/// ln Γ(x) for x > 0.
pub fn ln_gamma(x: f64) -> f64 {
    libm::lgamma(x)
}

/// ln B(a, b) for a, b > 0.
pub fn ln_beta(a: f64, b: f64) -> f64 {
    ln_gamma(a) + ln_gamma(b) - ln_gamma(a + b)
}

/// The digamma function ψ(x) for x > 0: recurrence up to x ≥ 10, then the asymptotic series.
pub fn digamma(mut x: f64) -> f64 {
    let mut result = 0.0;
    while x < 10.0 {
        result -= 1.0 / x;
        x += 1.0;
    }
    let inv = 1.0 / x;
    let inv2 = inv * inv;
    // ψ(x) ~ ln x − 1/(2x) − Σ B_2k / (2k x^2k)
    let series = inv2
        * (1.0 / 12.0
            - inv2
                * (1.0 / 120.0
                    - inv2 * (1.0 / 252.0 - inv2 * (1.0 / 240.0 - inv2 * (1.0 / 132.0)))));
    result + libm::log(x) - 0.5 * inv - series
}

/// The Gauss hypergeometric function ₂F₁(a, b; c; z) by its power series, for 0 ≤ z < 1 and
/// c > 0 (enough for BG/NBD, whose arguments are of the form t/(α+t)). Returns `None` if the
/// series has not converged after 100,000 terms or is not finite.
pub fn hyp2f1_series(a: f64, b: f64, c: f64, z: f64) -> Option<f64> {
    if !(0.0..1.0).contains(&z) || c <= 0.0 {
        return None;
    }
    let mut term = 1.0;
    let mut sum = 1.0;
    for k in 0..100_000 {
        let k = k as f64;
        term *= (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        sum += term;
        if term.abs() <= 1e-16 * sum.abs() {
            return sum.is_finite().then_some(sum);
        }
    }
    None
}

/// ln(eᵃ + eᵇ) without overflow.
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + libm::log1p(libm::exp(-(a - b).abs()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn known_values() {
        assert_relative_eq!(
            ln_gamma(0.5),
            0.5 * std::f64::consts::PI.ln(),
            max_relative = 1e-14
        );
        assert_relative_eq!(ln_gamma(10.0), 362_880f64.ln(), max_relative = 1e-14);
        // ψ(1) = −γ, ψ(0.5) = −γ − 2 ln 2
        let euler = 0.577_215_664_901_532_9;
        assert_relative_eq!(digamma(1.0), -euler, max_relative = 1e-13);
        assert_relative_eq!(digamma(0.5), -euler - 2.0 * 2f64.ln(), max_relative = 1e-13);
        assert_relative_eq!(digamma(30.0), 3.384_438_132_685_525, max_relative = 1e-13);
        // ₂F₁(1, 1; 2; z) = −ln(1 − z)/z
        let z = 0.9;
        assert_relative_eq!(
            hyp2f1_series(1.0, 1.0, 2.0, z).unwrap(),
            -(1.0f64 - z).ln() / z,
            max_relative = 1e-13
        );
        assert_eq!(hyp2f1_series(1.0, 1.0, 2.0, 1.0), None);
        assert_relative_eq!(log_add_exp(1000.0, 1000.0), 1000.0 + 2f64.ln());
        assert_relative_eq!(log_add_exp(f64::NEG_INFINITY, -3.0), -3.0);
    }
}
