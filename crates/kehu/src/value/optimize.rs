//! A small deterministic quasi-Newton minimiser (BFGS with a backtracking Armijo line search),
//! for the few parameters of the value models.

/// How a minimisation ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Minimum {
    /// The argument of the minimum.
    pub x: Vec<f64>,
    /// The objective there.
    pub value: f64,
    /// The gradient's largest absolute component there.
    pub gradient_norm: f64,
    /// Iterations made.
    pub iterations: usize,
    /// Evaluations of the objective made.
    pub evaluations: usize,
    /// Whether the gradient tolerance was met.
    pub converged: bool,
    /// The final BFGS approximation of the inverse Hessian.
    pub inverse_hessian: Vec<Vec<f64>>,
}

/// Evaluations of the objective one minimisation makes at the most.
pub const MAX_EVALUATIONS: usize = 4_000;
/// Iterations over which a search must gain more than 1e-12 of the objective to go on.
const STALL: usize = 10;

/// Minimises `f` (returning the value and the gradient) from `x0`. Stops when the largest
/// gradient component is below `gtol`, when the line search can make no progress, after
/// `max_iter` iterations, after [`MAX_EVALUATIONS`] evaluations, or when ten iterations
/// together gained less than 1e-12 of the objective. A non-finite value counts
/// as +∞ (the line search backs off). Iterations are reported as [`progress`] of `stage`.
///
/// [`progress`]: crate::progress
pub fn minimize<F>(stage: &'static str, f: F, x0: &[f64], gtol: f64, max_iter: usize) -> Minimum
where
    F: Fn(&[f64]) -> (f64, Vec<f64>),
{
    minimize_from(stage, f, x0, &identity(x0.len()), gtol, max_iter)
}

/// [`minimize`] starting from an approximation `h0` of the inverse Hessian at `x0` (for a
/// start near the minimum, such as the estimate on a subsample).
pub fn minimize_from<F>(
    stage: &'static str,
    f: F,
    x0: &[f64],
    h0: &[Vec<f64>],
    gtol: f64,
    max_iter: usize,
) -> Minimum
where
    F: Fn(&[f64]) -> (f64, Vec<f64>),
{
    let progress = crate::progress::Stage::start(stage, max_iter);
    let n = x0.len();
    let mut x = x0.to_vec();
    let (mut fx, mut g) = f(&x);
    let mut h = h0.to_vec();
    let norm = |g: &[f64]| g.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    let mut iterations = 0;
    let mut evaluations = 1;
    // The objective STALL iterations ago: a search that gains almost nothing over that many
    // iterations is crawling along a flat ridge (towards a limiting model) and stops.
    let mut history = std::collections::VecDeque::with_capacity(STALL + 1);
    while iterations < max_iter && evaluations < MAX_EVALUATIONS {
        if norm(&g) < gtol || crate::cancel::requested() {
            break;
        }
        history.push_back(fx);
        if history.len() > STALL {
            let before = history.pop_front().unwrap_or(fx);
            if before - fx <= 1e-12 * fx.abs().max(1.0) {
                break;
            }
        }
        progress.at(iterations);
        iterations += 1;
        let mut p: Vec<f64> = (0..n)
            .map(|i| -(0..n).map(|j| h[i][j] * g[j]).sum::<f64>())
            .collect();
        let mut slope: f64 = p.iter().zip(&g).map(|(a, b)| a * b).sum();
        if slope >= 0.0 || !slope.is_finite() {
            h = identity(n);
            p = g.iter().map(|v| -v).collect();
            slope = -g.iter().map(|v| v * v).sum::<f64>();
        }
        // Trust at most a change of 2 in any coordinate per iteration (log parameters: a factor
        // of e²), so that a poor early Hessian cannot throw the search far away.
        let largest = p.iter().fold(0.0f64, |m, v| m.max(v.abs()));
        let mut step = if largest > 2.0 { 2.0 / largest } else { 1.0 };
        let mut accepted = None;
        for _ in 0..60 {
            let candidate: Vec<f64> = x.iter().zip(&p).map(|(xi, pi)| xi + step * pi).collect();
            let (fc, gc) = f(&candidate);
            evaluations += 1;
            if fc.is_finite() && gc.iter().all(|v| v.is_finite()) && fc <= fx + 1e-4 * step * slope
            {
                accepted = Some((candidate, fc, gc));
                break;
            }
            step *= 0.5;
        }
        let Some((xn, fn_, gn)) = accepted else { break };
        let s: Vec<f64> = xn.iter().zip(&x).map(|(a, b)| a - b).collect();
        let y: Vec<f64> = gn.iter().zip(&g).map(|(a, b)| a - b).collect();
        let sy: f64 = s.iter().zip(&y).map(|(a, b)| a * b).sum();
        if sy > 1e-12 {
            // H ← (I − ρ s yᵀ) H (I − ρ y sᵀ) + ρ s sᵀ
            let rho = 1.0 / sy;
            let hy: Vec<f64> = (0..n)
                .map(|i| (0..n).map(|j| h[i][j] * y[j]).sum())
                .collect();
            let yhy: f64 = y.iter().zip(&hy).map(|(a, b)| a * b).sum();
            for i in 0..n {
                for j in 0..n {
                    h[i][j] += -rho * (s[i] * hy[j] + hy[i] * s[j])
                        + (rho * rho * yhy + rho) * s[i] * s[j];
                }
            }
        }
        x = xn;
        fx = fn_;
        g = gn;
    }
    progress.finish();
    let gradient_norm = norm(&g);
    Minimum {
        x,
        value: fx,
        gradient_norm,
        iterations,
        evaluations,
        converged: gradient_norm < gtol,
        inverse_hessian: h,
    }
}

fn identity(n: usize) -> Vec<Vec<f64>> {
    (0..n)
        .map(|i| (0..n).map(|j| f64::from(u8::from(i == j))).collect())
        .collect()
}

/// The inverse of a symmetric positive-definite matrix (Gauss-Jordan with partial pivoting);
/// `None` when it is singular.
pub fn invert(m: &[Vec<f64>]) -> Option<Vec<Vec<f64>>> {
    let n = m.len();
    let mut a: Vec<Vec<f64>> = m.to_vec();
    let mut inv = identity(n);
    for col in 0..n {
        let pivot = (col..n).max_by(|&i, &j| a[i][col].abs().total_cmp(&a[j][col].abs()))?;
        if a[pivot][col].abs() < 1e-300 {
            return None;
        }
        a.swap(col, pivot);
        inv.swap(col, pivot);
        let d = a[col][col];
        for j in 0..n {
            a[col][j] /= d;
            inv[col][j] /= d;
        }
        for i in 0..n {
            if i != col {
                let factor = a[i][col];
                for j in 0..n {
                    a[i][j] -= factor * a[col][j];
                    inv[i][j] -= factor * inv[col][j];
                }
            }
        }
    }
    inv.iter().flatten().all(|v| v.is_finite()).then_some(inv)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn minimises_rosenbrock() {
        let f = |x: &[f64]| {
            let (a, b) = (x[0], x[1]);
            let v = (1.0 - a).powi(2) + 100.0 * (b - a * a).powi(2);
            (
                v,
                vec![
                    -2.0 * (1.0 - a) - 400.0 * a * (b - a * a),
                    200.0 * (b - a * a),
                ],
            )
        };
        let m = minimize("test", f, &[-1.2, 1.0], 1e-8, 1000);
        assert!(m.converged, "{m:?}");
        assert!((m.x[0] - 1.0).abs() < 1e-6 && (m.x[1] - 1.0).abs() < 1e-6);
    }

    #[test]
    fn inverts() {
        let m = vec![vec![4.0, 1.0], vec![1.0, 3.0]];
        let inv = invert(&m).unwrap();
        assert!((inv[0][0] - 3.0 / 11.0).abs() < 1e-15 && (inv[0][1] + 1.0 / 11.0).abs() < 1e-15);
        assert_eq!(invert(&[vec![1.0, 2.0], vec![2.0, 4.0]]), None);
    }
}
