//! Shared maximum-likelihood machinery: input checks, compression of identical rows,
//! deterministic parallel sums, the fit itself and standard errors from the Hessian.

use super::optimize::{invert, minimize, minimize_from};
use super::ValueError;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// Rows summed per chunk; chunks are summed in order, so results do not depend on threads.
const CHUNK: usize = 4096;

/// Per-customer data of a value model (one entry per distinct row, with its weight). Also
/// reachable as `kehu::value::Rows`, its earlier name.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueRows {
    /// Repeat purchases (or repeat transactions for Gamma-Gamma).
    pub x: Vec<f64>,
    /// Recency (time of the last purchase) or, for Gamma-Gamma, the mean spend.
    pub t_x: Vec<f64>,
    /// Age (observation length); unused by Gamma-Gamma.
    pub t: Vec<f64>,
    /// How many customers each row stands for.
    pub weight: Vec<f64>,
    /// The distinct values of `x`, increasing.
    pub distinct_x: Vec<f64>,
    /// For each row, the index of its `x` in `distinct_x` (rows are ordered by `x`), so that
    /// models can compute what depends on `x` alone once per distinct value.
    pub x_index: Vec<u32>,
}

impl ValueRows {
    /// Checks `frequency`, `recency`, `T` (and `weights`) and merges identical rows.
    pub fn frequency_recency_t(
        frequency: &[f64],
        recency: &[f64],
        t: &[f64],
        weights: Option<&[f64]>,
    ) -> Result<ValueRows, ValueError> {
        let n = frequency.len();
        check_lengths(n, &[("recency", recency.len()), ("T", t.len())], weights)?;
        for i in 0..n {
            check_history(frequency[i], recency[i], t[i]).map_err(|e| e.at_row(i))?;
        }
        compress(n, |i| (frequency[i], recency[i], t[i]), weights)
    }

    /// Number of distinct rows.
    pub fn len(&self) -> usize {
        self.x.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.x.is_empty()
    }

    /// Total weight (number of customers).
    pub fn customers(&self) -> f64 {
        self.weight.iter().sum()
    }

    /// Appends a row; rows must come in increasing x.
    fn push(&mut self, x: f64, t_x: f64, t: f64, weight: f64) {
        if self.distinct_x.last() != Some(&x) {
            self.distinct_x.push(x);
        }
        self.x_index.push((self.distinct_x.len() - 1) as u32);
        self.x.push(x);
        self.t_x.push(t_x);
        self.t.push(t);
        self.weight.push(weight);
    }
}

/// Checks one customer's (frequency, recency, T) in continuous time: frequency a whole number
/// ≥ 0, 0 ≤ recency ≤ T, recency 0 when frequency is 0. T = 0 (first purchase at the end of
/// the observation) is allowed: such a customer's likelihood term is exactly 1, as in
/// lifetimes. The one rule shared by every fit and every prediction; the error's row is 0 (the
/// caller sets it, see [`ValueError::at_row`]).
pub fn check_history(x: f64, t_x: f64, t: f64) -> Result<(), ValueError> {
    let bad = |field: &str, reason: &str| {
        Err(ValueError::InvalidData {
            row: 0,
            field: field.into(),
            reason: reason.into(),
        })
    };
    if !x.is_finite() || x < 0.0 || x.fract() != 0.0 {
        return bad("frequency", "must be a whole number ≥ 0");
    }
    if !t.is_finite() || t < 0.0 {
        return bad("T", "must be a finite number ≥ 0");
    }
    if !t_x.is_finite() || t_x < 0.0 || t_x > t {
        return bad("recency", "must be between 0 and T");
    }
    if x == 0.0 && t_x != 0.0 {
        return bad("recency", "must be 0 when frequency is 0");
    }
    Ok(())
}

pub(crate) fn check_lengths(
    n: usize,
    others: &[(&str, usize)],
    weights: Option<&[f64]>,
) -> Result<(), ValueError> {
    if n == 0 {
        return Err(ValueError::InvalidData {
            row: 0,
            field: "frequency".into(),
            reason: "no customers".into(),
        });
    }
    let w = weights.map(|w| ("weights", w.len()));
    for (name, len) in others.iter().copied().chain(w) {
        if len != n {
            return Err(ValueError::InvalidData {
                row: len.min(n),
                field: name.into(),
                reason: format!("has {len} values, expected {n}"),
            });
        }
    }
    if let Some(w) = weights {
        if let Some(i) = w.iter().position(|v| !v.is_finite() || *v <= 0.0) {
            return Err(ValueError::InvalidData {
                row: i,
                field: "weights".into(),
                reason: "must be > 0".into(),
            });
        }
    }
    Ok(())
}

/// Merges rows with identical (x, t_x, T), summing their weights; rows come out in a fixed order.
pub(crate) fn compress(
    n: usize,
    row: impl Fn(usize) -> (f64, f64, f64),
    weights: Option<&[f64]>,
) -> Result<ValueRows, ValueError> {
    // Sort (key, row) pairs and merge equal keys, summing weights in row order.
    let mut keyed: Vec<((u64, u64, u64), usize)> = (0..n)
        .map(|i| {
            let (a, b, c) = row(i);
            ((a.to_bits(), b.to_bits(), c.to_bits()), i)
        })
        .collect();
    keyed.par_sort_unstable();
    let mut merged: Vec<((u64, u64, u64), f64)> = Vec::new();
    for (key, i) in keyed {
        let w = weights.map_or(1.0, |w| w[i]);
        match merged.last_mut() {
            Some((last, total)) if *last == key => *total += w,
            _ => merged.push((key, w)),
        }
    }
    let mut rows = ValueRows {
        x: vec![],
        t_x: vec![],
        t: vec![],
        weight: vec![],
        distinct_x: vec![],
        x_index: vec![],
    };
    // Keys of non-negative floats order as their values, so rows come out ordered by x.
    for ((a, b, c), w) in merged {
        rows.push(f64::from_bits(a), f64::from_bits(b), f64::from_bits(c), w);
    }
    Ok(rows)
}

/// Σ weight · (log-likelihood, gradient in natural parameters), summed deterministically.
pub(crate) fn total<F>(rows: &ValueRows, k: usize, per_row: F) -> (f64, Vec<f64>)
where
    F: Fn(usize) -> (f64, [f64; 4]) + Sync,
{
    let chunks: Vec<(f64, Vec<f64>)> = (0..rows.len())
        .collect::<Vec<_>>()
        .par_chunks(CHUNK)
        .map(|chunk| {
            let mut ll = 0.0;
            let mut g = vec![0.0; k];
            for &i in chunk {
                let (l, gi) = per_row(i);
                let w = rows.weight[i];
                ll += w * l;
                for j in 0..k {
                    g[j] += w * gi[j];
                }
            }
            (ll, g)
        })
        .collect();
    let mut ll = 0.0;
    let mut g = vec![0.0; k];
    for (l, gi) in chunks {
        ll += l;
        for j in 0..k {
            g[j] += gi[j];
        }
    }
    (ll, g)
}

/// The outcome of a maximum-likelihood fit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FitReport {
    /// Parameter names, in order.
    pub names: Vec<String>,
    /// Estimates.
    pub params: Vec<f64>,
    /// Standard errors from the inverse Hessian of the log-likelihood (`None` if singular).
    pub standard_errors: Option<Vec<f64>>,
    /// The estimates' covariance matrix (the inverse of the information matrix), k × k
    /// row-major, when standard errors exist.
    #[serde(default)]
    pub covariance: Option<Vec<f64>>,
    /// Log-likelihood at the estimates, in the data's time unit.
    pub log_likelihood: f64,
    /// Akaike information criterion, 2k − 2 LL.
    pub aic: f64,
    /// Bayesian information criterion, k ln n − 2 LL (n = customers).
    pub bic: f64,
    /// Customers (total weight).
    pub customers: f64,
    /// The minimised objective per customer: the negative log-likelihood per customer plus the
    /// penalty λ Σ θ² (what lifetimes keeps as `_negative_log_likelihood_`).
    #[serde(default)]
    pub objective: f64,
    /// The fitted data's largest frequency: with [`max_t`](Self::max_t), the default bounds
    /// of grids and plots, as lifetimes takes them from its data.
    #[serde(default)]
    pub max_frequency: f64,
    /// The fitted data's largest observation length `T` (0 for Gamma-Gamma, which has none).
    #[serde(default)]
    pub max_t: f64,
    /// Optimiser iterations.
    pub iterations: usize,
    /// Largest gradient component (log parameters) at the end.
    pub gradient_norm: f64,
    /// Whether the optimiser met its tolerance with every parameter inside the search region;
    /// when not, the estimates may be off and `warnings` says why.
    pub converged: bool,
    /// What the caller should know about the fit: a parameter that ran to a limit, standard
    /// errors that do not exist, an optimiser that stopped early.
    #[serde(default)]
    pub warnings: Vec<String>,
}

impl FitReport {
    /// 95% confidence intervals (estimate ± 1.96 standard errors), when standard errors exist.
    pub fn confidence_intervals(&self) -> Option<Vec<(f64, f64)>> {
        self.standard_errors.as_ref().map(|se| {
            self.params
                .iter()
                .zip(se)
                .map(|(p, s)| (p - 1.959_963_984_540_054 * s, p + 1.959_963_984_540_054 * s))
                .collect()
        })
    }
}

/// Rows beyond which a fit first runs on a subsample of about [`WARM_START_ROWS`] rows and
/// starts the full fit from that estimate (with its curvature), so that the full data are
/// summed only a few times.
const WARM_START_ABOVE: usize = 200_000;
/// Rows of the warm-start subsample.
const WARM_START_ROWS: usize = 40_000;

impl ValueRows {
    /// Every `stride`-th row (rows are ordered by x, so every x stratum is represented), with
    /// the weights scaled so that the subsample stands for as many customers as the whole.
    fn subsample(&self, stride: usize) -> ValueRows {
        let picked: Vec<usize> = (stride / 2..self.len()).step_by(stride).collect();
        let kept: f64 = picked.iter().map(|&i| self.weight[i]).sum();
        let scale = self.customers() / kept;
        let mut sub = ValueRows {
            x: vec![],
            t_x: vec![],
            t: vec![],
            weight: vec![],
            distinct_x: vec![],
            x_index: vec![],
        };
        for i in picked {
            sub.push(self.x[i], self.t_x[i], self.t[i], self.weight[i] * scale);
        }
        sub
    }
}

/// What the fit needs to know of a model's parameters.
pub(crate) struct Spec<'a> {
    /// Parameter names, in order.
    pub names: &'a [&'a str],
    /// Which parameters are shapes (dimensionless: a gamma's shape, a beta's a and b), whose
    /// size means the same in any time or money unit.
    pub shapes: &'a [bool],
    /// What it means when shapes grow without bound, for the warning.
    pub limit: &'a str,
}

/// Shapes beyond this are treated as a limit reached (a gamma with shape 10⁴ has a coefficient
/// of variation of 1%: no heterogeneity left); the fit reports it.
const SHAPE_LIMIT: f64 = 1e4;
/// The search stops shapes at e^18.4 ≈ 10⁸, so that a fit running towards a limit ends there.
const LN_SHAPE_CAP: f64 = 18.420_680_743_952_367;
/// Other parameters are searched within e^±40.
const LN_CAP: f64 = 40.0;

/// The L2 penalizer of a fit: finite and ≥ 0.
pub(crate) fn check_penalizer(penalizer: f64) -> Result<(), ValueError> {
    if penalizer.is_finite() && penalizer >= 0.0 {
        Ok(())
    } else {
        Err(ValueError::InvalidOption {
            option: "penalizer".into(),
            reason: "must be ≥ 0".into(),
        })
    }
}

/// Fits a model by maximum likelihood over log parameters. `ll_grad(rows, params)` returns the
/// total log-likelihood of `rows` and its gradient in natural parameters. `penalizer` λ adds
/// λ Σ θ² per customer (λ · n · Σ θ² to the negative log-likelihood): the same meaning in every
/// model, and the same as lifetimes' `penalizer_coef`. Large data are first fitted on a fixed
/// subsample whose estimate starts the full fit (deterministic, no random starts).
///
/// Every fit ends in bounded time: the optimiser has an iteration and an evaluation cap, and
/// the search region is bounded. A fit whose shapes run past [`SHAPE_LIMIT`] (the likelihood's
/// maximum lies at a limiting model, say a Pareto/NBD with no evidence of dropout) returns the
/// estimates at the boundary with `converged: false`, no standard errors and a warning naming
/// the limit. Data without a single repeat purchase identify no purchase model: an error.
pub(crate) fn fit<F>(
    spec: &Spec,
    start: &[f64],
    penalizer: f64,
    rows: &ValueRows,
    ll_grad: F,
) -> Result<FitReport, ValueError>
where
    F: Fn(&ValueRows, &[f64]) -> (f64, Vec<f64>),
{
    let names = spec.names;
    check_penalizer(penalizer)?;
    if rows.x.iter().all(|&x| x == 0.0) {
        return Err(ValueError::NotIdentified {
            reason: "no customer made a repeat purchase, so purchase rates and dropout cannot \
                     be estimated"
                .into(),
        });
    }
    let k = names.len();
    let customers = rows.customers();
    let weight = penalizer * customers;
    let objective = |data: &ValueRows, u: &[f64]| {
        // Parameters beyond e^±40 are outside any sensible model (and beyond the accuracy of
        // the special functions), shapes beyond 10⁸ at a limit: treat them as infeasible.
        let outside = u
            .iter()
            .zip(spec.shapes)
            .any(|(v, &shape)| v.abs() > LN_CAP || (shape && *v > LN_SHAPE_CAP));
        if outside {
            return (f64::INFINITY, vec![0.0; k]);
        }
        let theta: Vec<f64> = u.iter().map(|v| v.exp()).collect();
        let (ll, g) = ll_grad(data, &theta);
        let penalty: f64 = theta.iter().map(|t| t * t).sum::<f64>() * weight;
        let value = -ll + penalty;
        let grad: Vec<f64> = (0..k)
            .map(|j| (-g[j] + 2.0 * weight * theta[j]) * theta[j])
            .collect();
        (
            if value.is_finite() {
                value
            } else {
                f64::INFINITY
            },
            grad,
        )
    };
    let gtol = 1e-7 * customers.max(1.0);
    let mut u0: Vec<f64> = start.iter().map(|v| v.ln()).collect();
    let mut h0: Vec<Vec<f64>> = (0..k)
        .map(|i| (0..k).map(|j| f64::from(u8::from(i == j))).collect())
        .collect();
    if rows.len() > WARM_START_ABOVE {
        let sub = rows.subsample(rows.len() / WARM_START_ROWS);
        let warm = minimize(
            "value fit (subsample)",
            |u| objective(&sub, u),
            &u0,
            gtol,
            500,
        );
        crate::cancel::check()?;
        if warm.converged {
            u0 = warm.x;
            // The subsample's weights were scaled to the whole: its curvature estimates the
            // full data's.
            h0 = warm.inverse_hessian;
        }
    }
    crate::cancel::check()?;
    let m = minimize_from("value fit", |u| objective(rows, u), &u0, &h0, gtol, 500);
    crate::cancel::check()?;
    let ll_grad = |theta: &[f64]| ll_grad(rows, theta);
    let params: Vec<f64> = m.x.iter().map(|v| v.exp()).collect();
    let (ll, g0) = ll_grad(&params);
    if !ll.is_finite() {
        return Err(ValueError::NumericalFailure {
            what: "the log-likelihood is not finite at the estimates".into(),
        });
    }
    // Hessian of the log-likelihood in natural parameters, by forward differences of the
    // analytic gradient (relative step 1e-5: about five correct digits, ample for standard
    // errors).
    let mut hessian = vec![vec![0.0; k]; k];
    for j in 0..k {
        let h = 1e-5 * params[j];
        let mut up = params.clone();
        up[j] += h;
        let (_, gu) = ll_grad(&up);
        for i in 0..k {
            hessian[i][j] = (gu[i] - g0[i]) / h;
        }
    }
    let information: Vec<Vec<f64>> = (0..k)
        .map(|i| {
            (0..k)
                .map(|j| -(hessian[i][j] + hessian[j][i]) / 2.0)
                .collect()
        })
        .collect();
    let mut warnings = Vec::new();
    let mut converged = m.converged;
    if !m.converged {
        warnings.push(format!(
            "the optimiser stopped after {} iterations with a gradient of {:.3e} (tolerance \
             {gtol:.1e}): the estimates may be off",
            m.iterations, m.gradient_norm
        ));
    }
    let unbounded: Vec<String> = (0..k)
        .filter(|&j| spec.shapes[j] && params[j] > SHAPE_LIMIT)
        .map(|j| format!("{} = {:.3e}", names[j], params[j]))
        .collect();
    let at_edge = m.x.iter().any(|v| v.abs() > LN_CAP - 1.0);
    let covariance = if unbounded.is_empty() && !at_edge {
        positive_definite(&information)
            .then(|| invert(&information))
            .flatten()
            .filter(|cov| (0..k).all(|i| cov[i][i].is_finite() && cov[i][i] > 0.0))
    } else {
        None
    };
    let standard_errors = covariance
        .as_ref()
        .map(|cov| (0..k).map(|i| cov[i][i].sqrt()).collect::<Vec<_>>());
    let covariance = covariance.map(|cov| cov.into_iter().flatten().collect());
    if !unbounded.is_empty() {
        converged = false;
        warnings.push(format!(
            "shapes grew without bound ({}): {}; the estimates sit at the search boundary",
            unbounded.join(", "),
            spec.limit
        ));
    } else if at_edge {
        converged = false;
        warnings.push(
            "a parameter reached the edge of the search region (beyond e^±39): the data do not \
             identify it"
                .into(),
        );
    }
    if standard_errors.is_none() {
        warnings.push(
            "no standard errors: the information matrix is not positive definite at the \
             estimates, so some parameters are not identified by these data"
                .into(),
        );
    }
    let objective = -ll / customers + penalizer * params.iter().map(|p| p * p).sum::<f64>();
    Ok(FitReport {
        names: names.iter().map(|s| s.to_string()).collect(),
        params,
        standard_errors,
        covariance,
        log_likelihood: ll,
        aic: 2.0 * k as f64 - 2.0 * ll,
        bic: k as f64 * customers.ln() - 2.0 * ll,
        customers,
        objective,
        max_frequency: rows.x.iter().copied().fold(0.0, f64::max),
        max_t: rows.t.iter().copied().fold(0.0, f64::max),
        iterations: m.iterations,
        gradient_norm: m.gradient_norm,
        converged,
        warnings,
    })
}

/// Whether a symmetric matrix is positive definite (its Cholesky factorisation exists).
fn positive_definite(m: &[Vec<f64>]) -> bool {
    let n = m.len();
    let mut l = vec![vec![0.0; n]; n];
    for i in 0..n {
        for j in 0..=i {
            let sum: f64 = (0..j).map(|p| l[i][p] * l[j][p]).sum();
            if i == j {
                let d = m[i][i] - sum;
                if !(d > 0.0 && d.is_finite()) {
                    return false;
                }
                l[i][i] = d.sqrt();
            } else {
                l[i][j] = (m[i][j] - sum) / l[j][j];
            }
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subsample_keeps_every_x_stratum_and_the_customer_count() {
        let n = 1000;
        let x: Vec<f64> = (0..n).map(|i| (i % 7) as f64).collect();
        let t_x: Vec<f64> = (0..n)
            .map(|i| {
                if i % 7 == 0 {
                    0.0
                } else {
                    1.0 + (i % 13) as f64
                }
            })
            .collect();
        let t: Vec<f64> = (0..n).map(|i| 20.0 + i as f64).collect();
        let rows = ValueRows::frequency_recency_t(&x, &t_x, &t, None).unwrap();
        let sub = rows.subsample(10);
        assert_eq!(sub.len(), 100);
        assert!((sub.customers() - 1000.0).abs() < 1e-9);
        assert_eq!(sub.distinct_x, rows.distinct_x);
        for (i, &g) in sub.x_index.iter().enumerate() {
            assert_eq!(sub.distinct_x[g as usize], sub.x[i]);
        }
    }
}
