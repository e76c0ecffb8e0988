//! Special functions in log space: log-gamma, digamma, log-beta, and the Gauss hypergeometric
//! series. Pure Rust (`libm`), so results are the same on every platform.

use super::ValueError;

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

/// 1 − (1−z)^q · ₂F₁(p, q; c; z) at several z in [0, 1) at once (written to `out`), the
/// coefficients of the series shared between them. The BG/NBD family's expected purchases are
/// 1 − (1−z)^(A) ₂F₁(…) after Euler's transformation ₂F₁(A, B; C; z) = (1−z)^(C−A−B)
/// ₂F₁(C−A, C−B; C; z), which leaves the parameters p, q free of the purchase count x: the
/// series then converges like zᵏ for any x once k passes p·q·z/c, where the untransformed one
/// first grows for heavy buyers; for huge q (dropout shapes ~ 10⁷) it needs ~q·z terms and the
/// callers fall back to the untransformed series. `None` when a z is outside [0, 1) or the
/// series does not converge within its term limit.
pub fn one_minus_scaled_hyp2f1(p: f64, q: f64, c: f64, zs: &[f64], out: &mut [f64]) -> Option<()> {
    debug_assert_eq!(zs.len(), out.len());
    for (z, o) in zs.chunks(SERIES_LANES).zip(out.chunks_mut(SERIES_LANES)) {
        series_lanes(p, q, c, z, o)?;
    }
    Some(())
}

/// Series evaluated side by side, on the stack.
const SERIES_LANES: usize = 16;

fn series_lanes(p: f64, q: f64, c: f64, zs: &[f64], out: &mut [f64]) -> Option<()> {
    if c <= 0.0 || zs.iter().any(|z| !(0.0..1.0).contains(z)) {
        return None;
    }
    let n = zs.len();
    // Lanes in increasing z converge in order: only lanes from `first` on are still summed.
    let mut order = [0usize; SERIES_LANES];
    for (i, o) in order[..n].iter_mut().enumerate() {
        *o = i;
    }
    order[..n].sort_by(|&i, &j| zs[i].total_cmp(&zs[j]));
    let mut z = [0.0; SERIES_LANES];
    for (zi, &o) in z.iter_mut().zip(&order[..n]) {
        *zi = zs[o];
    }
    let mut power = [1.0; SERIES_LANES];
    let mut sum = [1.0; SERIES_LANES];
    let mut first = 0;
    let mut coefficient = 1.0;
    let mut ratio = p * q / c;
    let mut k = 0.0;
    while first < n {
        if k > 100_000.0 {
            return None;
        }
        coefficient *= ratio;
        for ((s, w), zi) in sum[first..n]
            .iter_mut()
            .zip(&mut power[first..n])
            .zip(&z[first..n])
        {
            *w *= zi;
            *s += coefficient * *w;
        }
        k += 1.0;
        ratio = (p + k) * (q + k) / ((c + k) * (k + 1.0));
        // Past k ≈ |p| + |q| + c the coefficient ratio moves monotonically towards 1, so a
        // lane's later term ratios stay below ρ = z·max(1, next ratio): its tail is bounded by
        // a geometric series. Sooner where the ratio can no longer exceed 1: once every factor
        // is positive (k ≥ −p, −q), ratio − 1 = (pq − c + k·s) / ((c+k)(k+1)) with
        // s = p + q − c − 1, which stays ≤ 0 from k on when s ≤ 0 and it is ≤ 0 at k (as for a
        // BG/NBD near its b → ∞ limit, where |p| + |q| + c is far beyond the term cap).
        let slope = p + q - c - 1.0;
        let at_most_one = k >= (-p).max(-q) && slope <= 0.0 && p * q - c + k * slope <= 0.0;
        if at_most_one || k > p.abs() + q.abs() + c {
            while first < n {
                let rho = z[first] * ratio.abs().max(1.0);
                let last = (coefficient * power[first]).abs();
                if rho < 1.0 && last * rho <= 1e-17 * sum[first].abs() * (1.0 - rho) {
                    first += 1;
                } else {
                    break;
                }
            }
        }
    }
    for (lane, &o) in order[..n].iter().enumerate() {
        out[o] = 1.0 - (1.0 - z[lane]).powf(q) * sum[lane];
    }
    out.iter().all(|v| v.is_finite()).then_some(())
}

/// e^z z^−a Γ(a, z) = ∫₀^∞ e^(−z·t) (1+t)^(a−1) dt for z > 0 and any real a < 1 (Γ(a, z) the
/// upper incomplete gamma function), the confluent hypergeometric U(1, 1+a, z). A continued
/// fraction for z > 1; below, the series of the lower function with its 1/a pole cancelled
/// analytically for a in (−½, 1), and the stable downward recurrence in a from there.
pub fn upper_incomplete_gamma_scaled(a: f64, z: f64) -> Result<f64, ValueError> {
    let fail = || ValueError::NumericalFailure {
        what: "the incomplete gamma function did not converge".into(),
    };
    if !(z > 0.0 && z.is_finite() && a < 1.0 && a.is_finite()) {
        return Err(ValueError::InvalidOption {
            option: "incomplete gamma argument".into(),
            reason: "needs z > 0 and a < 1".into(),
        });
    }
    if z > 1.0 {
        // Modified Lentz evaluation of Γ(a, z) = e^−z z^a / (z+1−a − 1(1−a)/(z+3−a − …)).
        let tiny = 1e-300;
        let mut b = z + 1.0 - a;
        let mut c = 1.0 / tiny;
        let mut d = 1.0 / b;
        let mut h = d;
        for i in 1..100_000 {
            let an = -(i as f64) * (i as f64 - a);
            b += 2.0;
            d = an * d + b;
            if d.abs() < tiny {
                d = tiny;
            }
            c = b + an / c;
            if c.abs() < tiny {
                c = tiny;
            }
            d = 1.0 / d;
            let step = d * c;
            h *= step;
            if (step - 1.0).abs() < 1e-16 {
                return Ok(h);
            }
        }
        return Err(fail());
    }
    // Start at a₀ = a + m in (−½, 1), then recur down: U(a−1) = (z U(a) − 1)/(a − 1).
    let m = if a > -0.5 {
        0.0
    } else {
        (-0.5 - a).floor() + 1.0
    };
    let a0 = a + m;
    // e^z [ (z^−a₀ Γ(a₀) − 1/a₀) − Σ_{k≥1} (−z)^k / (k! (a₀+k)) ]
    // (e^g − 1)/a₀ with g = ln Γ(1+a₀) − a₀ ln z; near a₀ = 0 by the Taylor series of
    // ln Γ(1+a) (1 + a₀ would lose a₀'s low digits).
    let pole_free = if a0.abs() < 1e-3 {
        let c = [
            -EULER_GAMMA - z.ln(),
            1.644_934_066_848_226_4 / 2.0,
            -1.202_056_903_159_594_2 / 3.0,
            1.082_323_233_711_138_2 / 4.0,
            -1.036_927_755_143_37 / 5.0,
        ];
        let g_over_a = c.iter().rev().fold(0.0, |acc, ci| acc * a0 + ci);
        let g = g_over_a * a0;
        if g == 0.0 {
            g_over_a
        } else {
            g.exp_m1() / g * g_over_a
        }
    } else {
        (ln_gamma(1.0 + a0) - a0 * z.ln()).exp_m1() / a0
    };
    let mut series = 0.0;
    let mut power = 1.0;
    for k in 1..200 {
        power *= -z / k as f64;
        let term = power / (a0 + k as f64);
        series += term;
        if term.abs() < 1e-17 * series.abs() {
            break;
        }
    }
    let mut value = z.exp() * (pole_free - series);
    let mut b = a0;
    for _ in 0..m as usize {
        value = (z * value - 1.0) / (b - 1.0);
        b -= 1.0;
    }
    if value.is_finite() {
        Ok(value)
    } else {
        Err(fail())
    }
}

/// The Euler–Mascheroni constant γ.
const EULER_GAMMA: f64 = 0.577_215_664_901_532_9;

/// ln(eᵃ + eᵇ) without overflow.
pub fn log_add_exp(a: f64, b: f64) -> f64 {
    let m = a.max(b);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + libm::log1p(libm::exp(-(a - b).abs()))
}

/// Nodes and weights of the 32-point Gauss–Legendre rule on [−1, 1], computed once by Newton's
/// method on the Legendre polynomial.
fn gauss_legendre_32() -> &'static [(f64, f64); 32] {
    static RULE: std::sync::OnceLock<[(f64, f64); 32]> = std::sync::OnceLock::new();
    RULE.get_or_init(|| {
        const N: usize = 32;
        let mut rule = [(0.0, 0.0); N];
        for (i, entry) in rule.iter_mut().enumerate() {
            let mut z = (std::f64::consts::PI * (i as f64 + 0.75) / (N as f64 + 0.5)).cos();
            let mut derivative = 0.0;
            for _ in 0..100 {
                // P_N(z) and P_N'(z) by the three-term recurrence.
                let (mut p0, mut p1) = (1.0, z);
                for k in 2..=N {
                    let kf = k as f64;
                    let p2 = ((2.0 * kf - 1.0) * z * p1 - (kf - 1.0) * p0) / kf;
                    p0 = p1;
                    p1 = p2;
                }
                derivative = N as f64 * (z * p1 - p0) / (z * z - 1.0);
                let step = p1 / derivative;
                z -= step;
                if step.abs() < 1e-16 {
                    break;
                }
            }
            *entry = (z, 2.0 / ((1.0 - z * z) * derivative * derivative));
        }
        rule
    })
}

/// ln ∫₀ᵗ e^{f(τ)} dτ for a log-integrand `f` analytic on a neighbourhood of [0, t] that
/// reaches no closer to it than `gap` (the distance of its nearest singularity left of 0).
/// Panels [0, h], [h, 2h], [2h, 4h], … with h = min(gap, t) keep every singularity at least a
/// panel width away, where the 32-point rule is accurate to rounding; the sum is taken in log
/// space, so integrands of any magnitude work.
pub fn ln_integral_0_to(t: f64, gap: f64, f: impl Fn(f64) -> f64) -> f64 {
    let rule = gauss_legendre_32();
    let mut terms = Vec::new();
    let (mut lo, mut hi) = (0.0, gap.min(t));
    loop {
        let (mid, half) = ((lo + hi) / 2.0, (hi - lo) / 2.0);
        for &(z, w) in rule {
            terms.push(f(mid + half * z) + (w * half).ln());
        }
        if hi >= t {
            break;
        }
        lo = hi;
        hi = (2.0 * hi).min(t);
    }
    let m = terms.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    if m == f64::NEG_INFINITY {
        return m;
    }
    m + terms.iter().map(|v| (v - m).exp()).sum::<f64>().ln()
}

/// ∫₀ᴸ f(v) dv for a vector of K non-negative integrands, by tanh-sinh (double-exponential)
/// quadrature: v = L / (1 + e^(−π sinh t)), the trapezoid rule in t with steps 1/2, 1/4, …,
/// 1/256, stopping when a halving changes no sum by more than 1e-13 of itself. The nodes crowd
/// double-exponentially towards both ends, so an integrand concentrated in a thin layer at an
/// end (a sharply falling power or exponential) is resolved as well as a smooth one. At most
/// about 2,000 evaluations: `None` when the sums have not settled by then (or are not finite).
pub fn tanh_sinh<const K: usize>(length: f64, f: impl Fn(f64) -> [f64; K]) -> Option<[f64; K]> {
    const T_MAX: f64 = 4.0;
    const LEVELS: u32 = 8;
    let half_pi = std::f64::consts::FRAC_PI_2;
    // The transformed integrand at t: f(v(t)) v'(t).
    let at = |t: f64| -> [f64; K] {
        let q = half_pi * t.sinh();
        let v = length / (1.0 + (-2.0 * q).exp());
        let cosh_q = q.cosh();
        let weight = length * half_pi * t.cosh() / (2.0 * cosh_q * cosh_q);
        if weight == 0.0 || !weight.is_finite() {
            return [0.0; K];
        }
        let mut values = f(v);
        for value in &mut values {
            *value *= weight;
        }
        values
    };
    let add = |sums: &mut [f64; K], values: [f64; K]| {
        for (s, v) in sums.iter_mut().zip(values) {
            *s += v;
        }
    };
    // Level 0: step 1/2, nodes k/2 for |k| ≤ 2 T_MAX.
    let mut h = 0.5;
    let mut raw = at(0.0);
    let steps = (T_MAX / h) as i32;
    for k in 1..=steps {
        let t = f64::from(k) * h;
        add(&mut raw, at(t));
        add(&mut raw, at(-t));
    }
    let mut estimate = raw.map(|v| v * h);
    for _ in 1..LEVELS {
        h /= 2.0;
        // The new nodes are the odd multiples of the new step.
        let steps = (T_MAX / h) as i32;
        for k in (1..=steps).step_by(2) {
            let t = f64::from(k) * h;
            add(&mut raw, at(t));
            add(&mut raw, at(-t));
        }
        let next = raw.map(|v| v * h);
        if next.iter().any(|v| !v.is_finite()) {
            return None;
        }
        let settled = next
            .iter()
            .zip(&estimate)
            .all(|(a, b)| (a - b).abs() <= 1e-13 * a.abs());
        estimate = next;
        if settled {
            return Some(estimate);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use approx::assert_relative_eq;

    #[test]
    fn tanh_sinh_integrates_smooth_and_end_layers() {
        // ∫₀² e^(−v) dv and ∫₀³⁰ (1e-3 + v)^(−40) dv, a layer of width ~1e-3/39 at 0.
        let [a] = tanh_sinh(2.0, |v| [(-v).exp()]).unwrap();
        assert_relative_eq!(a, 1.0 - (-2.0f64).exp(), max_relative = 1e-13);
        let c = 1e-3f64;
        let [b] = tanh_sinh(30.0, |v| [((c + v) / c).powf(-40.0)]).unwrap();
        let exact = c / 39.0 * (1.0 - ((c + 30.0) / c).powf(-39.0));
        assert_relative_eq!(b, exact, max_relative = 1e-12);
    }

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

    #[test]
    fn scaled_upper_incomplete_gamma() {
        // e^z z^−a Γ(a, z) from mpmath's gammainc at 40 digits.
        let expected = [
            (0.394, 0.136, 2.8643291992520665),
            (0.0, 0.3, 1.2225356050805856),
            (-1.0, 0.5, 0.5385446837581348),
            (-1.2, 0.05, 0.7516683667073599),
            (0.9, 0.01, 66.98657522052467),
            (-0.4, 2.0, 0.3230179225997868),
            (0.5, 5.0, 0.18415702889077878),
            (-3.7, 0.7, 0.21822853343573517),
            (0.999, 1.5, 0.6663679336656696),
            (-2.0, 1.0, 0.29817368116159704),
        ];
        for (a, z, e) in expected {
            let got = upper_incomplete_gamma_scaled(a, z).unwrap();
            assert_relative_eq!(got, e, max_relative = 1e-12);
        }
        // Continuous across a = 0 and across the switch at z = 1.
        let near = upper_incomplete_gamma_scaled(1e-9, 0.3).unwrap();
        assert_relative_eq!(near, 1.2225356050805856, max_relative = 1e-8);
        let below = upper_incomplete_gamma_scaled(-0.3, 1.0).unwrap();
        let above = upper_incomplete_gamma_scaled(-0.3, 1.0 + 1e-12).unwrap();
        assert_relative_eq!(below, above, max_relative = 1e-10);
        assert!(upper_incomplete_gamma_scaled(1.0, 1.0).is_err());
    }

    #[test]
    fn gauss_legendre_integrals() {
        let weights: f64 = gauss_legendre_32().iter().map(|p| p.1).sum();
        assert_relative_eq!(weights, 2.0, max_relative = 1e-14);
        // ∫₀¹⁰⁰ τ⁵⁰ (1+τ)^−52 dτ = B(51, 1) · I(100/101; 51, 1) = (100/101)^51 / 51.
        let got = ln_integral_0_to(100.0, 1.0, |v| 50.0 * v.ln() - 52.0 * (1.0 + v).ln());
        let want = 51.0 * (100.0f64 / 101.0).ln() - 51f64.ln();
        assert_relative_eq!(got, want, max_relative = 1e-13);
        // ∫₀⁴⁰ (0.01+τ)^−2 dτ = 1/0.01 − 1/40.01, a singularity 0.01 left of 0.
        let got = ln_integral_0_to(40.0, 0.01, |v| -2.0 * (0.01 + v).ln()).exp();
        assert_relative_eq!(got, 100.0 - 1.0 / 40.01, max_relative = 1e-12);
    }
}
