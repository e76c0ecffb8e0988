//! Gaussian mixtures by EM with scikit-learn's semantics: k-means initialisation (or given
//! weights, means and precisions), `reg_covar` added to every covariance, convergence when the
//! mean log-likelihood changes by less than `tol`, a final E-step so labels match the model;
//! full or diagonal covariances; probabilities, BIC and AIC. Sums run in fixed chunks reduced in
//! order: the same result on any thread count.

use super::kmeans::{self, Init, KMeansOptions};
use super::rows::Rows;
use super::SegmentError;
use crate::learn::{Fit, Predict};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

const CHUNK: usize = 4096;

/// The most values of a fit's work arrays (responsibilities rows × k, covariances k × d × d):
/// 2³¹ (16 GiB of f64); a larger request is refused before anything is allocated.
const MAX_CELLS: usize = 1 << 31;

/// The shape of each component's covariance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Covariance {
    /// A full d × d matrix per component.
    #[default]
    Full,
    /// A diagonal (independent columns) per component.
    Diag,
}

/// How EM starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", deny_unknown_fields)]
pub enum GmmInit {
    /// Responsibilities from a k-means fit (one run of greedy k-means++ with the seed).
    KMeans,
    /// Any of weights (k), means (k × d) and precisions (k × d × d for full, k × d for diag)
    /// given, as scikit-learn's `weights_init`, `means_init` and `precisions_init`: the parts
    /// not given are estimated from the k-means responsibilities (covariances about those
    /// responsibilities' means, whether or not means are given, as scikit-learn does).
    Given {
        /// Mixture weights: each in [0, 1], summing to 1.
        #[serde(default)]
        weights: Option<Vec<f64>>,
        /// Means, row-major.
        #[serde(default)]
        means: Option<Vec<f64>>,
        /// Inverse covariances.
        #[serde(default)]
        precisions: Option<Vec<f64>>,
    },
}

/// Gaussian mixture settings (scikit-learn's defaults).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct GmmOptions {
    /// Components (also read as scikit-learn's `n_components`).
    #[serde(alias = "n_components")]
    pub k: usize,
    /// Covariance shape (also read as scikit-learn's `covariance_type`).
    #[serde(alias = "covariance_type")]
    pub covariance: Covariance,
    /// Added to every covariance's diagonal.
    pub reg_covar: f64,
    /// Convergence threshold on the change of the mean log-likelihood.
    pub tol: f64,
    /// EM iterations at most.
    pub max_iter: usize,
    /// Initialisation.
    pub init: GmmInit,
    /// Seed of the k-means initialisation (also read as scikit-learn's `random_state`).
    #[serde(alias = "random_state")]
    pub seed: u64,
}

impl Default for GmmOptions {
    fn default() -> Self {
        GmmOptions {
            k: 1,
            covariance: Covariance::Full,
            reg_covar: 1e-6,
            tol: 1e-3,
            max_iter: 100,
            init: GmmInit::KMeans,
            seed: 0,
        }
    }
}

/// A fitted mixture.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GaussianMixture {
    /// Columns.
    pub d: usize,
    /// Covariance shape.
    pub covariance: Covariance,
    /// Mixture weights (k).
    pub weights: Vec<f64>,
    /// Means (k × d).
    pub means: Vec<f64>,
    /// Covariances (k × d × d, or k × d for diag).
    pub covariances: Vec<f64>,
    /// Per component: Cholesky factor L of the covariance (lower, d × d; diag: standard
    /// deviations) used for densities.
    #[serde(skip)]
    factors: Vec<f64>,
}

impl crate::format::Versioned for GaussianMixture {
    const KIND: &'static str = "gaussian_mixture";
}

/// The outcome of a fit.
#[derive(Debug, Clone, PartialEq)]
pub struct GmmFit {
    /// The model.
    pub model: GaussianMixture,
    /// Whether EM met the tolerance.
    pub converged: bool,
    /// EM iterations.
    pub n_iter: usize,
    /// Mean log-likelihood at the last EM step (scikit-learn's `lower_bound_`).
    pub lower_bound: f64,
}

/// Lower Cholesky factor of a symmetric positive-definite d × d matrix, or `None`.
fn cholesky(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let mut l = vec![0.0; d * d];
    for i in 0..d {
        for j in 0..=i {
            let mut s = a[i * d + j];
            for p in 0..j {
                s -= l[i * d + p] * l[j * d + p];
            }
            if i == j {
                if s.is_nan() || s <= 0.0 {
                    return None;
                }
                l[i * d + i] = s.sqrt();
            } else {
                l[i * d + j] = s / l[j * d + j];
            }
        }
    }
    Some(l)
}

/// Inverse of a symmetric positive-definite matrix through its Cholesky factor.
fn spd_inverse(a: &[f64], d: usize) -> Option<Vec<f64>> {
    let l = cholesky(a, d)?;
    let mut inv = vec![0.0; d * d];
    for col in 0..d {
        // Solve L y = e_col, then Lᵀ x = y.
        let mut y = vec![0.0; d];
        for i in 0..d {
            let mut s = if i == col { 1.0 } else { 0.0 };
            for p in 0..i {
                s -= l[i * d + p] * y[p];
            }
            y[i] = s / l[i * d + i];
        }
        for i in (0..d).rev() {
            let mut s = y[i];
            for p in i + 1..d {
                s -= l[p * d + i] * inv[p * d + col];
            }
            inv[i * d + col] = s / l[i * d + i];
        }
    }
    Some(inv)
}

const LN_2PI: f64 = 1.837_877_066_409_345_5;

impl GaussianMixture {
    /// Components.
    pub fn k(&self) -> usize {
        self.weights.len()
    }

    fn prepare(&mut self) -> Result<(), SegmentError> {
        let (k, d) = (self.k(), self.d);
        let mut factors = Vec::with_capacity(k * d * d);
        for c in 0..k {
            match self.covariance {
                Covariance::Full => {
                    let cov = &self.covariances[c * d * d..(c + 1) * d * d];
                    let l = cholesky(cov, d).ok_or_else(|| SegmentError::InvalidOption {
                        option: "covariances".into(),
                        reason: format!(
                            "component {c}'s covariance is not positive definite; raise reg_covar"
                        ),
                    })?;
                    factors.extend(l);
                }
                Covariance::Diag => {
                    for &v in &self.covariances[c * d..(c + 1) * d] {
                        if v.is_nan() || v <= 0.0 {
                            return Err(SegmentError::InvalidOption {
                                option: "covariances".into(),
                                reason: format!("component {c} has a variance ≤ 0"),
                            });
                        }
                        factors.push(v.sqrt());
                    }
                }
            }
        }
        self.factors = factors;
        Ok(())
    }

    /// ln(weight_c · N(x | μ_c, Σ_c)) for every component.
    fn log_weighted(&self, x: &[f64], out: &mut [f64]) {
        let d = self.d;
        let mut z = vec![0.0; d];
        for (c, o) in out.iter_mut().enumerate() {
            let mean = &self.means[c * d..(c + 1) * d];
            let (maha, log_det) = match self.covariance {
                Covariance::Full => {
                    let l = &self.factors[c * d * d..(c + 1) * d * d];
                    let mut log_det = 0.0;
                    for i in 0..d {
                        let mut s = x[i] - mean[i];
                        for p in 0..i {
                            s -= l[i * d + p] * z[p];
                        }
                        z[i] = s / l[i * d + i];
                        log_det += l[i * d + i].ln();
                    }
                    (z.iter().map(|v| v * v).sum::<f64>(), 2.0 * log_det)
                }
                Covariance::Diag => {
                    let sd = &self.factors[c * d..(c + 1) * d];
                    let mut maha = 0.0;
                    let mut log_det = 0.0;
                    for i in 0..d {
                        let t = (x[i] - mean[i]) / sd[i];
                        maha += t * t;
                        log_det += sd[i].ln();
                    }
                    (maha, 2.0 * log_det)
                }
            };
            *o = self.weights[c].ln() - 0.5 * (d as f64 * LN_2PI + log_det + maha);
        }
    }

    fn check(&self, x: &Rows) -> Result<(), SegmentError> {
        if x.dim() != self.d {
            return Err(SegmentError::InvalidOption {
                option: "X".into(),
                reason: format!("has {} columns, the model {}", x.dim(), self.d),
            });
        }
        Ok(())
    }

    /// Per row: ln p(x) and the responsibilities (k values).
    fn e_step(&self, x: &Rows) -> (Vec<f64>, Vec<f64>) {
        let (n, k) = (x.len(), self.k());
        let mut resp = vec![0.0; n * k];
        let log_norm: Vec<f64> = resp
            .par_chunks_mut(k * CHUNK)
            .enumerate()
            .flat_map_iter(|(c, block)| {
                let mut norms = Vec::with_capacity(block.len() / k);
                for (offset, r) in block.chunks_exact_mut(k).enumerate() {
                    let start = (c * CHUNK + offset) * self.d;
                    self.log_weighted(&x.data()[start..start + self.d], r);
                    let m = r.iter().copied().fold(f64::NEG_INFINITY, f64::max);
                    let norm = m + r.iter().map(|v| (v - m).exp()).sum::<f64>().ln();
                    for v in r.iter_mut() {
                        *v = (*v - norm).exp();
                    }
                    norms.push(norm);
                }
                norms
            })
            .collect();
        (log_norm, resp)
    }

    /// ln p(x) of each row.
    pub fn score_samples(&self, x: &Rows) -> Result<Vec<f64>, SegmentError> {
        self.check(x)?;
        Ok(self.e_step(x).0)
    }

    /// Mean ln p(x) over the rows.
    pub fn score(&self, x: &Rows) -> Result<f64, SegmentError> {
        let s = self.score_samples(x)?;
        Ok(ordered_sum(&s) / s.len() as f64)
    }
}

impl GaussianMixture {
    /// Responsibilities (n × k, row-major).
    pub fn predict_proba(&self, x: &Rows) -> Result<Vec<f64>, SegmentError> {
        self.check(x)?;
        Ok(self.e_step(x).1)
    }
}

impl GaussianMixture {
    /// One row of `d` values, checked (another length is an error, never an empty result).
    fn one_row<'a>(&self, features: &'a [f64]) -> Result<Rows<'a>, SegmentError> {
        if features.len() != self.d {
            return Err(SegmentError::InvalidOption {
                option: "features".into(),
                reason: format!("has {} values, the model {}", features.len(), self.d),
            });
        }
        Rows::new(features, self.d)
    }

    /// The most probable component of one row (on-device scoring).
    pub fn predict_one(&self, features: &[f64]) -> Result<u32, SegmentError> {
        let labels = self.predict(&self.one_row(features)?)?;
        Ok(labels[0])
    }

    /// The responsibilities of one row (k values).
    pub fn predict_proba_one(&self, features: &[f64]) -> Result<Vec<f64>, SegmentError> {
        self.predict_proba(&self.one_row(features)?)
    }
}

impl Predict<Rows<'_>> for GaussianMixture {
    type Output = Vec<u32>;
    type Error = SegmentError;

    /// The most probable component of each row (the lowest index among equals).
    fn predict(&self, x: &Rows) -> Result<Vec<u32>, SegmentError> {
        let k = self.k();
        Ok(self
            .predict_proba(x)?
            .chunks_exact(k)
            .map(|r| {
                let mut best = 0;
                for (c, v) in r.iter().enumerate() {
                    if *v > r[best] {
                        best = c;
                    }
                }
                best as u32
            })
            .collect())
    }
}

impl GaussianMixture {
    /// Free parameters: k−1 weights, k·d means and the covariances.
    pub fn n_parameters(&self) -> usize {
        let (k, d) = (self.k(), self.d);
        let cov = match self.covariance {
            Covariance::Full => k * d * (d + 1) / 2,
            Covariance::Diag => k * d,
        };
        cov + k * d + k - 1
    }

    /// Bayesian information criterion on `x` (lower is better).
    pub fn bic(&self, x: &Rows) -> Result<f64, SegmentError> {
        let n = x.len() as f64;
        Ok(-2.0 * self.score(x)? * n + self.n_parameters() as f64 * n.ln())
    }

    /// Akaike information criterion on `x`.
    pub fn aic(&self, x: &Rows) -> Result<f64, SegmentError> {
        let n = x.len() as f64;
        Ok(-2.0 * self.score(x)? * n + 2.0 * self.n_parameters() as f64)
    }

    /// Reads a `gaussian_mixture` document.
    pub fn from_json(text: &str) -> Result<Self, crate::Error> {
        let mut m: GaussianMixture = crate::format::from_json(text)?;
        let (k, d) = (m.weights.len(), m.d);
        let cov_len = match m.covariance {
            Covariance::Full => k.checked_mul(d).and_then(|v| v.checked_mul(d)),
            Covariance::Diag => k.checked_mul(d),
        };
        if k == 0
            || d == 0
            || Some(m.means.len()) != k.checked_mul(d)
            || Some(m.covariances.len()) != cov_len
            || m.weights.iter().any(|w| !(w.is_finite() && *w >= 0.0))
        {
            return Err(SegmentError::InvalidOption {
                option: "model".into(),
                reason: "weights, means and covariances do not match k and d".into(),
            }
            .into());
        }
        m.prepare()?;
        Ok(m)
    }

    /// Writes the model as a versioned document.
    pub fn to_json(&self) -> String {
        crate::format::to_json(self)
    }
}

fn ordered_sum(v: &[f64]) -> f64 {
    v.chunks(CHUNK)
        .map(|c| c.iter().sum::<f64>())
        .collect::<Vec<f64>>()
        .iter()
        .sum()
}

/// The M-step: weights, means and covariances from responsibilities (scikit-learn's
/// `_estimate_gaussian_parameters`, with nk + 10·ε).
fn m_step(x: &Rows, resp: &[f64], k: usize, opts: &GmmOptions) -> GaussianMixture {
    let (n, d) = (x.len(), x.dim());
    let cov_len = match opts.covariance {
        Covariance::Full => d * d,
        Covariance::Diag => d,
    };
    // Pass 1: nk and Σ r x, in fixed chunks.
    let partial: Vec<(Vec<f64>, Vec<f64>)> = (0..n)
        .collect::<Vec<_>>()
        .par_chunks(CHUNK)
        .map(|rows| {
            let mut nk = vec![0.0; k];
            let mut sx = vec![0.0; k * d];
            for &i in rows {
                let row = &x.data()[i * d..(i + 1) * d];
                for c in 0..k {
                    let r = resp[i * k + c];
                    nk[c] += r;
                    for j in 0..d {
                        sx[c * d + j] += r * row[j];
                    }
                }
            }
            (nk, sx)
        })
        .collect();
    let mut nk = vec![0.0; k];
    let mut means = vec![0.0; k * d];
    for (a, b) in &partial {
        for c in 0..k {
            nk[c] += a[c];
        }
        for (m, v) in means.iter_mut().zip(b) {
            *m += v;
        }
    }
    for c in 0..k {
        nk[c] += 10.0 * f64::EPSILON;
        for j in 0..d {
            means[c * d + j] /= nk[c];
        }
    }
    // Pass 2: Σ r (x − μ)(x − μ)ᵀ (or its diagonal).
    let partial: Vec<Vec<f64>> = (0..n)
        .collect::<Vec<_>>()
        .par_chunks(CHUNK)
        .map(|rows| {
            let mut s = vec![0.0; k * cov_len];
            let mut diff = vec![0.0; d];
            for &i in rows {
                let row = &x.data()[i * d..(i + 1) * d];
                for c in 0..k {
                    let r = resp[i * k + c];
                    for j in 0..d {
                        diff[j] = row[j] - means[c * d + j];
                    }
                    let block = &mut s[c * cov_len..(c + 1) * cov_len];
                    match opts.covariance {
                        Covariance::Full => {
                            for a in 0..d {
                                for b in 0..d {
                                    block[a * d + b] += r * diff[a] * diff[b];
                                }
                            }
                        }
                        Covariance::Diag => {
                            for a in 0..d {
                                block[a] += r * diff[a] * diff[a];
                            }
                        }
                    }
                }
            }
            s
        })
        .collect();
    let mut covariances = vec![0.0; k * cov_len];
    for p in &partial {
        for (t, v) in covariances.iter_mut().zip(p) {
            *t += v;
        }
    }
    for c in 0..k {
        let block = &mut covariances[c * cov_len..(c + 1) * cov_len];
        for v in block.iter_mut() {
            *v /= nk[c];
        }
        match opts.covariance {
            Covariance::Full => {
                for a in 0..d {
                    block[a * d + a] += opts.reg_covar;
                }
            }
            Covariance::Diag => {
                for v in block.iter_mut() {
                    *v += opts.reg_covar;
                }
            }
        }
    }
    GaussianMixture {
        d,
        covariance: opts.covariance,
        weights: nk.iter().map(|v| v / n as f64).collect(),
        means,
        covariances,
        factors: vec![],
    }
}

/// Fits a Gaussian mixture to the rows of `x` by EM.
impl Fit<Rows<'_>> for GmmOptions {
    type Fitted = GmmFit;
    type Error = SegmentError;

    /// Fits the mixture to the rows.
    fn fit(&self, x: &Rows) -> Result<GmmFit, SegmentError> {
        fit(x, self)
    }
}

/// The mixture the k-means responsibilities give (one hard assignment per row).
fn k_means_start(x: &Rows, opts: &GmmOptions) -> Result<GaussianMixture, SegmentError> {
    let (n, k) = (x.len(), opts.k);
    let km = kmeans::fit(
        x,
        None,
        &KMeansOptions {
            k,
            init: Init::KMeansPlusPlus,
            n_init: Some(1),
            seed: opts.seed,
            ..Default::default()
        },
    )?;
    let mut resp = vec![0.0; n * k];
    for (i, l) in km.labels.iter().enumerate() {
        resp[i * k + *l as usize] = 1.0;
    }
    Ok(m_step(x, &resp, k, opts))
}

/// The starting mixture from the given parts, the others from [`k_means_start`] (run only
/// when a part is missing), checked as scikit-learn checks them.
fn given_start(
    x: &Rows,
    opts: &GmmOptions,
    weights: &Option<Vec<f64>>,
    means: &Option<Vec<f64>>,
    precisions: &Option<Vec<f64>>,
) -> Result<GaussianMixture, SegmentError> {
    let (d, k) = (x.dim(), opts.k);
    let bad = |option: &str, reason: String| SegmentError::InvalidOption {
        option: option.into(),
        reason,
    };
    let cov_len = match opts.covariance {
        Covariance::Full => d * d,
        Covariance::Diag => d,
    };
    let shape = |option: &str, given: &Option<Vec<f64>>, len: usize, what: &str| match given {
        Some(v) if v.len() != len => Err(bad(
            option,
            format!("must hold {len} values ({what}), not {}", v.len()),
        )),
        Some(v) if v.iter().any(|x| !x.is_finite()) => {
            Err(bad(option, "must be finite numbers".into()))
        }
        _ => Ok(()),
    };
    shape("weights_init", weights, k, "one per component")?;
    shape("means_init", means, k * d, "components × columns")?;
    let per = if opts.covariance == Covariance::Full {
        "components × columns × columns"
    } else {
        "components × columns"
    };
    shape("precisions_init", precisions, k * cov_len, per)?;
    if let Some(w) = weights {
        let total: f64 = w.iter().sum();
        if w.iter().any(|&v| !(0.0..=1.0).contains(&v)) || (1.0 - total).abs() > 1e-8 {
            return Err(bad(
                "weights_init",
                format!("must each lie in [0, 1] and sum to 1 (they sum to {total})"),
            ));
        }
    }
    let covariances = match precisions {
        None => None,
        Some(p) => {
            let mut covariances = Vec::with_capacity(k * cov_len);
            for c in 0..k {
                let p = &p[c * cov_len..(c + 1) * cov_len];
                let not_pd = || {
                    bad(
                        "precisions_init",
                        format!("precision {c} is not positive definite"),
                    )
                };
                match opts.covariance {
                    Covariance::Full => covariances.extend(spd_inverse(p, d).ok_or_else(not_pd)?),
                    Covariance::Diag => {
                        if p.iter().any(|&v| v <= 0.0) {
                            return Err(not_pd());
                        }
                        covariances.extend(p.iter().map(|v| 1.0 / v))
                    }
                }
            }
            Some(covariances)
        }
    };
    let mut model = if weights.is_some() && means.is_some() && covariances.is_some() {
        GaussianMixture {
            d,
            covariance: opts.covariance,
            weights: vec![],
            means: vec![],
            covariances: vec![],
            factors: vec![],
        }
    } else {
        k_means_start(x, opts)?
    };
    if let Some(w) = weights {
        model.weights = w.clone();
    }
    if let Some(m) = means {
        model.means = m.clone();
    }
    if let Some(c) = covariances {
        model.covariances = c;
    }
    Ok(model)
}

pub(crate) fn fit(x: &Rows, opts: &GmmOptions) -> Result<GmmFit, SegmentError> {
    let (n, d, k) = (x.len(), x.dim(), opts.k);
    let bad = |option: &str, reason: String| SegmentError::InvalidOption {
        option: option.into(),
        reason,
    };
    if k == 0 || k > n {
        return Err(bad(
            "k",
            format!("must be between 1 and the {n} rows (n_samples={n})"),
        ));
    }
    let cov_cells = match opts.covariance {
        Covariance::Full => k.saturating_mul(d).saturating_mul(d),
        Covariance::Diag => k.saturating_mul(d),
    };
    if n.saturating_mul(k) > MAX_CELLS || cov_cells > MAX_CELLS {
        return Err(bad(
            "k",
            format!("{k} components of {d} columns over {n} rows need more than {MAX_CELLS} values; use fewer components or diagonal covariances"),
        ));
    }
    if !(opts.reg_covar >= 0.0 && opts.tol >= 0.0 && opts.max_iter >= 1) {
        return Err(bad(
            "reg_covar / tol / max_iter",
            "must be ≥ 0, ≥ 0 and ≥ 1".into(),
        ));
    }
    let mut model = match &opts.init {
        GmmInit::KMeans => k_means_start(x, opts)?,
        GmmInit::Given {
            weights,
            means,
            precisions,
        } => given_start(x, opts, weights, means, precisions)?,
    };
    model.prepare()?;
    let mut lower_bound = f64::NEG_INFINITY;
    let mut converged = false;
    let mut n_iter = 0;
    let progress = crate::progress::Stage::start("gaussian mixture", opts.max_iter);
    for _ in 0..opts.max_iter {
        crate::cancel::check()?;
        progress.at(n_iter);
        n_iter += 1;
        let previous = lower_bound;
        let (log_norm, resp) = model.e_step(x);
        let mut next = m_step(x, &resp, k, opts);
        next.prepare()?;
        model = next;
        lower_bound = ordered_sum(&log_norm) / n as f64;
        if (lower_bound - previous).abs() < opts.tol {
            converged = true;
            break;
        }
    }
    progress.finish();
    Ok(GmmFit {
        model,
        converged,
        n_iter,
        lower_bound,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::Draw;

    fn two_blobs() -> Vec<f64> {
        let mut draw = Draw::new(5, 0);
        let mut data = Vec::new();
        for i in 0..2000 {
            let (cx, cy) = if i % 2 == 0 { (0.0, 0.0) } else { (6.0, 3.0) };
            // Sum of uniforms: roughly normal.
            let u = |d: &mut Draw| (0..6).map(|_| d.uniform()).sum::<f64>() - 3.0;
            data.push(cx + u(&mut draw));
            data.push(cy + 0.5 * u(&mut draw));
        }
        data
    }

    #[test]
    fn given_parts_replace_the_k_means_estimates() {
        let data = two_blobs();
        let x = Rows::new(&data, 2).unwrap();
        let opts = |init| GmmOptions {
            k: 2,
            seed: 3,
            max_iter: 1,
            init,
            ..Default::default()
        };
        let start = |init| given_start_of(&x, &opts(init));
        let k_means = k_means_start(&x, &opts(GmmInit::KMeans)).unwrap();
        // Only the means given: weights and covariances stay k-means', means are replaced.
        let means = vec![1.0, 1.0, 5.0, 2.0];
        let only_means = start(GmmInit::Given {
            weights: None,
            means: Some(means.clone()),
            precisions: None,
        })
        .unwrap();
        assert_eq!(only_means.means, means);
        assert_eq!(only_means.weights, k_means.weights);
        assert_eq!(only_means.covariances, k_means.covariances);
        // All given: k-means is not needed, covariances are the precisions' inverses.
        let all = start(GmmInit::Given {
            weights: Some(vec![0.25, 0.75]),
            means: Some(means.clone()),
            precisions: Some(vec![4.0, 0.0, 0.0, 2.0, 1.0, 0.0, 0.0, 1.0]),
        })
        .unwrap();
        assert_eq!(all.weights, vec![0.25, 0.75]);
        assert!(
            (all.covariances[0] - 0.25).abs() < 1e-15 && (all.covariances[3] - 0.5).abs() < 1e-15
        );
        // scikit-learn's checks, each naming the option.
        let err = |init| match start(init) {
            Err(SegmentError::InvalidOption { option, .. }) => option,
            other => panic!("{other:?}"),
        };
        let weights = |w: Vec<f64>| GmmInit::Given {
            weights: Some(w),
            means: None,
            precisions: None,
        };
        assert_eq!(err(weights(vec![0.5, 0.6])), "weights_init");
        assert_eq!(err(weights(vec![1.0])), "weights_init");
        assert_eq!(err(weights(vec![-0.5, 1.5])), "weights_init");
        assert_eq!(err(weights(vec![f64::NAN, 1.0])), "weights_init");
        assert_eq!(err(weights(vec![f64::INFINITY, 1.0])), "weights_init");
        let means = GmmInit::Given {
            weights: None,
            means: Some(vec![0.0; 3]),
            precisions: None,
        };
        assert_eq!(err(means), "means_init");
        let precisions = GmmInit::Given {
            weights: None,
            means: None,
            precisions: Some(vec![1.0, 2.0, 2.0, 1.0, 1.0, 0.0, 0.0, 1.0]),
        };
        assert_eq!(err(precisions), "precisions_init");
        // Read from the options document with any part left out.
        let o: GmmOptions =
            serde_json::from_str(r#"{"k": 2, "init": {"kind": "given", "means": [1, 1, 5, 2]}}"#)
                .unwrap();
        assert!(matches!(
            o.init,
            GmmInit::Given {
                weights: None,
                means: Some(_),
                precisions: None
            }
        ));
        // EM runs from such a start.
        assert!(
            fit(&x, &GmmOptions { max_iter: 100, ..o })
                .unwrap()
                .converged
        );
    }

    fn given_start_of(x: &Rows, opts: &GmmOptions) -> Result<GaussianMixture, SegmentError> {
        match &opts.init {
            GmmInit::Given {
                weights,
                means,
                precisions,
            } => given_start(x, opts, weights, means, precisions),
            GmmInit::KMeans => k_means_start(x, opts),
        }
    }

    #[test]
    fn recovers_two_components_and_is_consistent() {
        let data = two_blobs();
        let x = Rows::new(&data, 2).unwrap();
        for covariance in [Covariance::Full, Covariance::Diag] {
            let f = fit(
                &x,
                &GmmOptions {
                    k: 2,
                    covariance,
                    seed: 3,
                    ..Default::default()
                },
            )
            .unwrap();
            assert!(f.converged);
            let m = &f.model;
            assert!((m.weights[0] - 0.5).abs() < 0.02 && (m.weights[1] - 0.5).abs() < 0.02);
            let mut means: Vec<(f64, f64)> = m.means.chunks(2).map(|c| (c[0], c[1])).collect();
            means.sort_by(|a, b| a.0.total_cmp(&b.0));
            assert!(means[0].0.abs() < 0.1 && (means[1].0 - 6.0).abs() < 0.1);
            let proba = m.predict_proba(&x).unwrap();
            assert!(proba.chunks(2).all(|r| (r[0] + r[1] - 1.0).abs() < 1e-12));
            let labels = m.predict(&x).unwrap();
            assert!(labels.chunks(2).all(|p| p[0] != p[1]));
            let again = GaussianMixture::from_json(&m.to_json()).unwrap();
            assert_eq!(again.score(&x).unwrap(), m.score(&x).unwrap());
            assert!(m.bic(&x).unwrap() > m.aic(&x).unwrap());
            assert_eq!(m.predict_one(x.row(3)).unwrap(), labels[3]);
            assert_eq!(m.predict_proba_one(x.row(3)).unwrap(), proba[6..8]);
            // One row of the wrong length (an empty one too) is an error, not a panic.
            assert!(m.predict_one(&[]).is_err() && m.predict_proba_one(&[1.0]).is_err());
        }
    }

    #[test]
    fn cholesky_inverse_and_errors() {
        let a = [4.0, 2.0, 2.0, 3.0];
        let inv = spd_inverse(&a, 2).unwrap();
        let det = 4.0 * 3.0 - 4.0;
        for (got, want) in inv
            .iter()
            .zip([3.0 / det, -2.0 / det, -2.0 / det, 4.0 / det])
        {
            assert!((got - want).abs() < 1e-15);
        }
        assert!(cholesky(&[1.0, 2.0, 2.0, 1.0], 2).is_none());
        let data = [0.0, 1.0, 2.0];
        let x = Rows::new(&data, 1).unwrap();
        let opts = GmmOptions {
            k: 4,
            ..Default::default()
        };
        assert!(fit(&x, &opts).is_err());
    }
}
