//! Any fitted value model, by kind: one entry point to fit, load, save and predict, shared by
//! the bindings.

use super::bgbb::{check_discrete_history, discrete_rows, BetaGeoBetaBinom};
use super::fit::check_history;
use super::gamma_gamma::repeat_buyers;
use super::{
    BetaGeo, FitReport, GammaGamma, ModifiedBetaGeo, ParetoNbd, PurchaseModel, ValueError,
    ValueRows,
};
use crate::format;
use crate::learn::Fit;
use serde::{Deserialize, Serialize};

/// A value model of one of the supported kinds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum ValueModel {
    /// BG/NBD (`bgnbd`).
    BetaGeo(BetaGeo),
    /// MBG/NBD (`mbgnbd`).
    ModifiedBetaGeo(ModifiedBetaGeo),
    /// Pareto/NBD (`pnbd`).
    ParetoNbd(ParetoNbd),
    /// BG/BB (`bgbb`).
    BetaGeoBetaBinom(BetaGeoBetaBinom),
    /// Gamma-Gamma (`gamma_gamma`).
    GammaGamma(GammaGamma),
}

/// The kinds [`ValueOptions`] accepts.
pub const KINDS: [&str; 5] = ["bgnbd", "mbgnbd", "pnbd", "bgbb", "gamma_gamma"];

fn unsupported(kind: &str, what: &str) -> ValueError {
    ValueError::InvalidOption {
        option: what.into(),
        reason: format!("not available for a {kind} model"),
    }
}

/// Options of a value-model fit: the model `kind` (one of [`KINDS`]), the L2 `penalizer` of
/// the log parameters (default [`DEFAULT_PENALIZER`](super::DEFAULT_PENALIZER), lifetimes'
/// `penalizer_coef`) and, for Gamma-Gamma, `q_constraint`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueOptions {
    /// `bgnbd`, `mbgnbd`, `pnbd`, `bgbb` or `gamma_gamma`.
    pub kind: String,
    /// The L2 penalty on the log parameters.
    #[serde(default = "default_penalizer")]
    pub penalizer: f64,
    /// Gamma-Gamma only: keep q ≥ 1 (lifetimes' `q_constraint`), so that no repeat buyer's
    /// expected spend p (γ + x m) / (p x + q − 1) turns negative or infinite. Default false.
    #[serde(default)]
    pub q_constraint: bool,
}

fn default_penalizer() -> f64 {
    super::DEFAULT_PENALIZER
}

impl ValueOptions {
    /// A fit of `kind` with the default penalizer.
    pub fn new(kind: &str) -> Self {
        ValueOptions {
            kind: kind.into(),
            penalizer: super::DEFAULT_PENALIZER,
            q_constraint: false,
        }
    }

    /// Checks the options before any data is read: a known kind, a finite penalizer ≥ 0,
    /// `q_constraint` only for gamma_gamma.
    pub fn check(&self) -> Result<(), ValueError> {
        if !KINDS.contains(&self.kind.as_str()) {
            return Err(ValueError::InvalidOption {
                option: "kind".into(),
                reason: format!(
                    "unknown model kind '{}'; use one of {}",
                    self.kind,
                    KINDS.join(", ")
                ),
            });
        }
        if self.q_constraint && self.kind != "gamma_gamma" {
            return Err(ValueError::InvalidOption {
                option: "q_constraint".into(),
                reason: "only a gamma_gamma model has q".into(),
            });
        }
        super::fit::check_penalizer(self.penalizer)
    }
}

/// What a value model is fitted on, one entry per customer (or per group of identical
/// customers, counted by `weights`). For the purchase models `a`, `b`, `c` are frequency,
/// recency and T (periods for `bgbb`); for `gamma_gamma` they are frequency and monetary value
/// (`c` is not read).
#[derive(Debug, Clone, Copy)]
pub struct ValueColumns<'a> {
    /// Frequency (repeat purchases).
    pub a: &'a [f64],
    /// Recency, or the monetary value for `gamma_gamma`.
    pub b: &'a [f64],
    /// T (the age of the customer): required by the purchase models, `None` for `gamma_gamma`.
    pub c: Option<&'a [f64]>,
    /// Customers per row; `None`: one each.
    pub weights: Option<&'a [f64]>,
}

/// A fitted value model and its fit report.
#[derive(Debug, Clone, PartialEq)]
pub struct ValueFit {
    /// The model.
    pub model: ValueModel,
    /// Estimates, standard errors, convergence and warnings.
    pub report: FitReport,
}

impl ValueFit {
    /// The model and the report, as a pair.
    pub fn into_parts(self) -> (ValueModel, FitReport) {
        (self.model, self.report)
    }
}

impl Fit<ValueColumns<'_>> for ValueOptions {
    type Fitted = ValueFit;
    type Error = ValueError;

    /// Fits a model of the options' kind; identical rows are merged.
    fn fit(&self, data: &ValueColumns) -> Result<ValueFit, ValueError> {
        self.check()?;
        let (model, report) = ValueModel::fit_kind(self, data)?;
        Ok(ValueFit { model, report })
    }
}

impl ValueModel {
    fn fit_kind(
        options: &ValueOptions,
        data: &ValueColumns,
    ) -> Result<(ValueModel, FitReport), ValueError> {
        let (a, b, weights) = (data.a, data.b, data.weights);
        let t = || {
            data.c.ok_or_else(|| ValueError::InvalidOption {
                option: "T".into(),
                reason: format!("{} needs the customers' T (age)", options.kind),
            })
        };
        let penalizer = options.penalizer;
        Ok(match options.kind.as_str() {
            "bgnbd" => {
                let (m, r) = BetaGeo::fit(
                    &ValueRows::frequency_recency_t(a, b, t()?, weights)?,
                    penalizer,
                )?;
                (ValueModel::BetaGeo(m), r)
            }
            "mbgnbd" => {
                let (m, r) = ModifiedBetaGeo::fit(
                    &ValueRows::frequency_recency_t(a, b, t()?, weights)?,
                    penalizer,
                )?;
                (ValueModel::ModifiedBetaGeo(m), r)
            }
            "pnbd" => {
                let (m, r) = ParetoNbd::fit(
                    &ValueRows::frequency_recency_t(a, b, t()?, weights)?,
                    penalizer,
                )?;
                (ValueModel::ParetoNbd(m), r)
            }
            "bgbb" => {
                let (m, r) =
                    BetaGeoBetaBinom::fit(&discrete_rows(a, b, t()?, weights)?, penalizer)?;
                (ValueModel::BetaGeoBetaBinom(m), r)
            }
            "gamma_gamma" => {
                if data.c.is_some() {
                    return Err(ValueError::InvalidOption {
                        option: "T".into(),
                        reason: "gamma_gamma fits frequency and monetary value only".into(),
                    });
                }
                let (m, r) = GammaGamma::fit_constrained(
                    &repeat_buyers(a, b, weights)?,
                    penalizer,
                    options.q_constraint,
                )?;
                (ValueModel::GammaGamma(m), r)
            }
            other => {
                return Err(ValueError::InvalidOption {
                    option: "kind".into(),
                    reason: format!(
                        "unknown model kind '{other}'; use one of {}",
                        KINDS.join(", ")
                    ),
                })
            }
        })
    }

    /// The model's kind.
    pub fn kind(&self) -> &'static str {
        match self {
            ValueModel::BetaGeo(_) => "bgnbd",
            ValueModel::ModifiedBetaGeo(_) => "mbgnbd",
            ValueModel::ParetoNbd(_) => "pnbd",
            ValueModel::BetaGeoBetaBinom(_) => "bgbb",
            ValueModel::GammaGamma(_) => "gamma_gamma",
        }
    }

    /// Parameter names and values.
    pub fn params(&self) -> Vec<(&'static str, f64)> {
        match self {
            ValueModel::BetaGeo(m) | ValueModel::ModifiedBetaGeo(ModifiedBetaGeo(m)) => {
                vec![("r", m.r), ("alpha", m.alpha), ("a", m.a), ("b", m.b)]
            }
            ValueModel::ParetoNbd(m) => {
                vec![("r", m.r), ("alpha", m.alpha), ("s", m.s), ("beta", m.beta)]
            }
            ValueModel::BetaGeoBetaBinom(m) => {
                vec![
                    ("alpha", m.alpha),
                    ("beta", m.beta),
                    ("gamma", m.gamma),
                    ("delta", m.delta),
                ]
            }
            ValueModel::GammaGamma(m) => vec![("p", m.p), ("q", m.q), ("gamma", m.gamma)],
        }
    }

    /// A model of `kind` (one of [`KINDS`]) at given parameter values, checked as
    /// [`with_params`](Self::with_params) checks them: a model to score with, never fitted.
    pub fn at_params(kind: &str, params: &[(String, f64)]) -> Result<ValueModel, crate::Error> {
        let bg = BetaGeo {
            r: 1.0,
            alpha: 1.0,
            a: 1.0,
            b: 1.0,
        };
        let template = match kind {
            "bgnbd" => ValueModel::BetaGeo(bg),
            "mbgnbd" => ValueModel::ModifiedBetaGeo(ModifiedBetaGeo(bg)),
            "pnbd" => ValueModel::ParetoNbd(super::ParetoNbd {
                r: 1.0,
                alpha: 1.0,
                s: 1.0,
                beta: 1.0,
            }),
            "bgbb" => ValueModel::BetaGeoBetaBinom(super::BetaGeoBetaBinom {
                alpha: 1.0,
                beta: 1.0,
                gamma: 1.0,
                delta: 1.0,
            }),
            "gamma_gamma" => ValueModel::GammaGamma(super::GammaGamma {
                p: 1.0,
                q: 1.0,
                gamma: 1.0,
            }),
            other => {
                return Err(ValueError::InvalidOption {
                    option: "kind".into(),
                    reason: format!(
                        "unknown model kind '{other}'; use one of {}",
                        KINDS.join(", ")
                    ),
                }
                .into())
            }
        };
        template.with_params(params)
    }

    /// The same kind of model at other parameter values: every parameter named once, as
    /// [`params`](Self::params) names them, checked as a loaded document's values are (finite
    /// and > 0). This is how lifetimes' assignable `params_` scores at given parameters.
    pub fn with_params(&self, params: &[(String, f64)]) -> Result<ValueModel, crate::Error> {
        let names: Vec<&str> = self.params().iter().map(|(n, _)| *n).collect();
        let invalid = |reason: String| ValueError::InvalidOption {
            option: "params".into(),
            reason,
        };
        if let Some((name, _)) = params.iter().find(|(n, _)| !names.contains(&n.as_str())) {
            return Err(invalid(format!(
                "a {} model has no parameter '{name}' (it has {})",
                self.kind(),
                names.join(", ")
            ))
            .into());
        }
        for name in &names {
            match params.iter().filter(|(n, _)| n == name).count() {
                1 => {}
                0 => return Err(invalid(format!("parameter '{name}' is missing")).into()),
                _ => return Err(invalid(format!("parameter '{name}' is given twice")).into()),
            }
        }
        let mut doc: serde_json::Value =
            serde_json::from_str(&self.to_json()).expect("a model's own document parses");
        for (name, value) in params {
            if !value.is_finite() {
                return Err(ValueError::InvalidParameter {
                    name: name.clone(),
                    reason: "must be finite and > 0".into(),
                }
                .into());
            }
            doc[name.as_str()] = serde_json::Value::from(*value);
        }
        ValueModel::from_json(&doc.to_string())
    }

    /// Loads a model document of any supported kind.
    pub fn from_json(text: &str) -> Result<ValueModel, crate::Error> {
        Ok(match format::peek_kind(text)?.as_str() {
            "bgnbd" => ValueModel::BetaGeo(BetaGeo::from_json(text)?),
            "mbgnbd" => ValueModel::ModifiedBetaGeo(ModifiedBetaGeo::from_json(text)?),
            "pnbd" => ValueModel::ParetoNbd(ParetoNbd::from_json(text)?),
            "bgbb" => ValueModel::BetaGeoBetaBinom(BetaGeoBetaBinom::from_json(text)?),
            "gamma_gamma" => ValueModel::GammaGamma(GammaGamma::from_json(text)?),
            other => {
                return Err(format::FormatError::WrongKind {
                    expected: KINDS.join(" | "),
                    found: other.to_string(),
                }
                .into())
            }
        })
    }

    /// Loads a model document that must be of `kind` (one of [`KINDS`]); another kind is
    /// `FORMAT_WRONG_KIND`.
    pub fn from_json_of(text: &str, kind: &str) -> Result<ValueModel, crate::Error> {
        let found = format::peek_kind(text)?;
        if found != kind {
            return Err(format::FormatError::WrongKind {
                expected: kind.to_string(),
                found,
            }
            .into());
        }
        ValueModel::from_json(text)
    }

    /// The model as a versioned document.
    pub fn to_json(&self) -> String {
        match self {
            ValueModel::BetaGeo(m) => m.to_json(),
            ValueModel::ModifiedBetaGeo(m) => m.to_json(),
            ValueModel::ParetoNbd(m) => m.to_json(),
            ValueModel::BetaGeoBetaBinom(m) => m.to_json(),
            ValueModel::GammaGamma(m) => m.to_json(),
        }
    }

    /// E[X(t)] for a customer just acquired (BG/NBD, MBG/NBD, Pareto/NBD).
    pub fn expected_purchases_new(&self, t: f64) -> Result<f64, ValueError> {
        if !(t.is_finite() && t >= 0.0) {
            return Err(ValueError::InvalidOption {
                option: "t".into(),
                reason: "must be a finite number ≥ 0".into(),
            });
        }
        match self {
            ValueModel::BetaGeo(m) => m.expected_purchases_new(t),
            ValueModel::ModifiedBetaGeo(m) => m.expected_purchases_new(t),
            ValueModel::ParetoNbd(m) => Ok(m.expected_purchases_new(t)),
            _ => Err(unsupported(self.kind(), "expected_purchases_new")),
        }
    }

    /// Expected purchases in the next `s` time units (or opportunities, BG/BB).
    pub fn conditional_expected_purchases(
        &self,
        s: f64,
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ValueError> {
        super::check_horizon(s)?;
        self.check(x, t_x, t)?;
        match self {
            ValueModel::BetaGeo(m) => m.conditional_expected_purchases(s, x, t_x, t),
            ValueModel::ModifiedBetaGeo(m) => m.conditional_expected_purchases(s, x, t_x, t),
            ValueModel::ParetoNbd(m) => m.conditional_expected_purchases(s, x, t_x, t),
            ValueModel::BetaGeoBetaBinom(m) => Ok(m.conditional_expected_purchases(s, x, t_x, t)),
            ValueModel::GammaGamma(_) => {
                Err(unsupported("gamma_gamma", "conditional_expected_purchases"))
            }
        }
    }

    /// P(alive | x, t_x, T).
    pub fn probability_alive(&self, x: f64, t_x: f64, t: f64) -> Result<f64, ValueError> {
        self.check(x, t_x, t)?;
        match self {
            ValueModel::BetaGeo(m) => Ok(m.probability_alive(x, t_x, t)),
            ValueModel::ModifiedBetaGeo(m) => Ok(m.probability_alive(x, t_x, t)),
            ValueModel::ParetoNbd(m) => m.probability_alive(x, t_x, t),
            ValueModel::BetaGeoBetaBinom(m) => Ok(m.probability_alive(x, t_x, t)),
            ValueModel::GammaGamma(_) => Err(unsupported("gamma_gamma", "probability_alive")),
        }
    }

    /// P(alive at opportunity n + `m` | x, t_x, n) of a BG/BB customer (`m` whole, ≥ 0; 0 is
    /// alive through n, 1 is [`probability_alive`](Self::probability_alive)). Continuous-time
    /// models have no opportunities ahead to count, so other kinds are refused.
    pub fn probability_alive_at(
        &self,
        m: f64,
        x: f64,
        t_x: f64,
        n: f64,
    ) -> Result<f64, ValueError> {
        let ValueModel::BetaGeoBetaBinom(model) = self else {
            return Err(unsupported(self.kind(), "probability_alive_at"));
        };
        if !(m >= 0.0 && m.fract() == 0.0 && m.is_finite()) {
            return Err(ValueError::InvalidOption {
                option: "m_periods_in_future".into(),
                reason: "must be a whole number ≥ 0".into(),
            });
        }
        self.check(x, t_x, n)?;
        let p = model.probability_alive_at(m, x, t_x, n);
        if !p.is_finite() {
            return Err(ValueError::NumericalFailure {
                what: "P(alive) is not finite at these parameters".into(),
            });
        }
        Ok(p.min(1.0))
    }

    /// A (frequency × recency) grid for a customer observed for `max_recency` time units:
    /// row r is recency r (0 … `max_recency`), column f is frequency f (0 … `max_frequency`),
    /// row-major. A customer without repeat purchases has recency 0 (any other is refused), so
    /// the frequency-0 column holds that customer's value in every row. `what`:
    /// [`GridValue`].
    pub fn frequency_recency_grid(
        &self,
        what: GridValue,
        max_frequency: u32,
        max_recency: u32,
    ) -> Result<Vec<f64>, ValueError> {
        let (width, height) = (max_frequency as usize + 1, max_recency as usize + 1);
        if width.saturating_mul(height) > 10_000_000 {
            return Err(ValueError::InvalidOption {
                option: "max_frequency, max_recency".into(),
                reason: "the grid would hold more than 10^7 cells".into(),
            });
        }
        if matches!(self, ValueModel::BetaGeoBetaBinom(_)) {
            // Most cells (more transactions than opportunities) are impossible histories.
            return Err(unsupported(self.kind(), "frequency_recency_grid"));
        }
        let t = f64::from(max_recency);
        map_customers(width * height, |cell| {
            let (r, f) = ((cell / width) as f64, (cell % width) as f64);
            let r = if f == 0.0 { 0.0 } else { r };
            match what {
                GridValue::ProbabilityAlive => self.probability_alive(f, r, t),
                GridValue::ExpectedPurchases(s) => self.conditional_expected_purchases(s, f, r, t),
            }
        })
    }

    /// The bounds of a [`frequency_recency_grid`](Self::frequency_recency_grid) for a model
    /// fitted on (`frequency`, `t`), by lifetimes' rule for its P(alive) matrix: a bound not
    /// given (or 0, which lifetimes' `or` reads as not given) is the data's largest frequency or
    /// observation length, truncated to a whole number. Returns (max_frequency, max_recency).
    pub fn grid_bounds(
        frequency: &[f64],
        t: &[f64],
        max_frequency: Option<u32>,
        max_recency: Option<u32>,
    ) -> Result<(u32, u32), ValueError> {
        let bound = |given: Option<u32>, data: &[f64], field: &str, option: &str| {
            if let Some(v) = given.filter(|&v| v > 0) {
                return Ok(v);
            }
            let mut largest: Option<f64> = None;
            for (row, &v) in data.iter().enumerate() {
                if !(v.is_finite() && v >= 0.0) {
                    return Err(ValueError::InvalidData {
                        row,
                        field: field.into(),
                        reason: "must be a finite number ≥ 0".into(),
                    });
                }
                largest = Some(largest.map_or(v, |l| l.max(v)));
            }
            match largest {
                Some(v) if v < f64::from(u32::MAX) => Ok(v as u32),
                Some(_) => Err(ValueError::InvalidOption {
                    option: option.into(),
                    reason: "the data's largest value is too large for a grid".into(),
                }),
                None => Err(ValueError::InvalidOption {
                    option: option.into(),
                    reason: "give it, or fit the model on data first".into(),
                }),
            }
        };
        Ok((
            bound(max_frequency, frequency, "frequency", "max_frequency")?,
            bound(max_recency, t, "T", "max_recency")?,
        ))
    }

    /// P(alive) of every customer of the columns (checked per row as
    /// [`probability_alive`](Self::probability_alive); the same values, in parallel).
    pub fn probability_alive_all(
        &self,
        x: &[f64],
        t_x: &[f64],
        t: &[f64],
    ) -> Result<Vec<f64>, ValueError> {
        let n = same_length(&[
            ("frequency", x.len()),
            ("recency", t_x.len()),
            ("T", t.len()),
        ])?;
        match self {
            ValueModel::BetaGeo(m) => {
                let alive = m.probability_alive_fn();
                map_customers(n, |i| {
                    check_history(x[i], t_x[i], t[i])?;
                    Ok(alive(x[i], t_x[i], t[i]))
                })
            }
            _ => map_customers(n, |i| self.probability_alive(x[i], t_x[i], t[i])),
        }
    }

    /// P(n purchases): in (0, t] for a customer just acquired (`history` `None`), or in the
    /// next `t` time units for a customer with `history` (x, t_x, T). For BG/BB, `t` counts
    /// opportunities and must be a whole number.
    pub fn probability_of_purchases(
        &self,
        n: f64,
        t: f64,
        history: Option<(f64, f64, f64)>,
    ) -> Result<f64, ValueError> {
        let whole = |name: &str, v: f64| {
            if v >= 0.0 && v.fract() == 0.0 && v <= f64::from(u32::MAX) {
                Ok(v as u32)
            } else {
                Err(ValueError::InvalidOption {
                    option: name.into(),
                    reason: "must be a whole number ≥ 0".into(),
                })
            }
        };
        let count = whole("n", n)?;
        if let Some((x, t_x, age)) = history {
            self.check(x, t_x, age)?;
        }
        if !(t.is_finite() && t > 0.0) {
            return Err(ValueError::InvalidOption {
                option: "t".into(),
                reason: "must be a finite number > 0".into(),
            });
        }
        Ok(match (self, history) {
            (ValueModel::BetaGeo(m), None) => m.probability_of_purchases(count, t),
            (ValueModel::BetaGeo(m), Some((x, tx, age))) => {
                m.conditional_probability_of_purchases(count, t, x, tx, age)
            }
            (ValueModel::ModifiedBetaGeo(m), None) => m.probability_of_purchases(count, t),
            (ValueModel::ModifiedBetaGeo(m), Some((x, tx, age))) => {
                m.conditional_probability_of_purchases(count, t, x, tx, age)
            }
            (ValueModel::ParetoNbd(m), None) => m.probability_of_purchases(count, t),
            (ValueModel::ParetoNbd(m), Some((x, tx, age))) => {
                m.conditional_probability_of_purchases(count, t, x, tx, age)?
            }
            (ValueModel::BetaGeoBetaBinom(m), None) => {
                m.probability_of_purchases(count, whole("t", t)?)
            }
            (ValueModel::BetaGeoBetaBinom(m), Some((x, tx, age))) => {
                m.conditional_probability_of_purchases(count, whole("t", t)?, x, tx, age)
            }
            (ValueModel::GammaGamma(_), _) => {
                return Err(unsupported("gamma_gamma", "probability_of_purchases"))
            }
        })
    }

    /// Discounted expected residual transactions at discount `rate` (Pareto/NBD: continuous,
    /// per time unit; BG/BB: per opportunity).
    pub fn discounted_expected_residual_transactions(
        &self,
        rate: f64,
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ValueError> {
        self.check(x, t_x, t)?;
        match self {
            ValueModel::ParetoNbd(m) => {
                m.discounted_expected_residual_transactions(rate, x, t_x, t)
            }
            ValueModel::BetaGeoBetaBinom(m) => {
                m.discounted_expected_residual_transactions(rate, x, t_x, t)
            }
            _ => Err(unsupported(
                self.kind(),
                "discounted_expected_residual_transactions",
            )),
        }
    }

    /// E[M | x, m] (Gamma-Gamma).
    pub fn conditional_expected_spend(&self, x: f64, m: f64) -> Result<f64, ValueError> {
        match self {
            ValueModel::GammaGamma(g) => g.conditional_expected_spend(x, m),
            _ => Err(unsupported(self.kind(), "conditional_expected_spend")),
        }
    }
}

/// What a [`ValueModel::frequency_recency_grid`] holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum GridValue {
    /// P(alive).
    ProbabilityAlive,
    /// Expected purchases in the next given time units.
    ExpectedPurchases(f64),
}

/// The common length of named input arrays, or an error naming the first that differs.
pub fn same_length(arrays: &[(&str, usize)]) -> Result<usize, ValueError> {
    let n = arrays.first().map_or(0, |a| a.1);
    match arrays.iter().find(|(_, len)| *len != n) {
        Some((name, len)) => Err(ValueError::InvalidData {
            row: (*len).min(n),
            field: name.to_string(),
            reason: format!("has {len} values, expected {n}"),
        }),
        None => Ok(n),
    }
}

/// Applies `f` to customers `0..n` in parallel (results in order); the first failing customer's
/// error is returned, naming its row (an input error of customer `i` gets row `i`).
pub fn map_customers<F>(n: usize, f: F) -> Result<Vec<f64>, ValueError>
where
    F: Fn(usize) -> Result<f64, ValueError> + Sync,
{
    use rayon::prelude::*;
    const CHUNK: usize = 4096;
    let mut out = vec![0.0; n];
    // Each chunk writes its rows in place and stops at its first failure; the failure of the
    // lowest row is reported, whatever the thread count.
    let failure = out
        .par_chunks_mut(CHUNK)
        .enumerate()
        .filter_map(|(c, chunk)| {
            chunk.iter_mut().enumerate().find_map(|(j, o)| {
                let i = c * CHUNK + j;
                match f(i) {
                    Ok(v) if v.is_finite() => {
                        *o = v;
                        None
                    }
                    Ok(_) => Some((
                        i,
                        ValueError::NumericalFailure {
                            what: format!("the result for row {i} is not finite"),
                        },
                    )),
                    Err(e) => Some((i, e.at_row(i))),
                }
            })
        })
        .min_by_key(|(i, _)| *i);
    match failure {
        Some((_, e)) => Err(e),
        None => Ok(out),
    }
}

impl PurchaseModel for ValueModel {
    fn conditional_expected_purchases(
        &self,
        s: f64,
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ValueError> {
        ValueModel::conditional_expected_purchases(self, s, x, t_x, t)
    }

    fn alive_at_t(&self, x: f64, t_x: f64, t: f64) -> Result<f64, ValueError> {
        match self {
            ValueModel::BetaGeo(m) => m.alive_at_t(x, t_x, t),
            ValueModel::ModifiedBetaGeo(m) => m.alive_at_t(x, t_x, t),
            ValueModel::ParetoNbd(m) => m.alive_at_t(x, t_x, t),
            ValueModel::BetaGeoBetaBinom(m) => m.alive_at_t(x, t_x, t),
            ValueModel::GammaGamma(_) => Err(unsupported("gamma_gamma", "probability_alive")),
        }
    }

    fn expected_purchases_if_alive(
        &self,
        horizons: &[f64],
        x: f64,
        t: f64,
        out: &mut [f64],
    ) -> Result<(), ValueError> {
        match self {
            ValueModel::BetaGeo(m) => m.expected_purchases_if_alive(horizons, x, t, out),
            ValueModel::ModifiedBetaGeo(m) => m.expected_purchases_if_alive(horizons, x, t, out),
            ValueModel::ParetoNbd(m) => m.expected_purchases_if_alive(horizons, x, t, out),
            ValueModel::BetaGeoBetaBinom(m) => {
                m.expected_purchases_if_alive(horizons, x, t, out);
                Ok(())
            }
            ValueModel::GammaGamma(_) => {
                Err(unsupported("gamma_gamma", "conditional_expected_purchases"))
            }
        }
    }

    /// Continuous time, or whole opportunities for BG/BB: every prediction of
    /// [`ValueModel`] runs it first.
    fn check(&self, x: f64, t_x: f64, t: f64) -> Result<(), ValueError> {
        match self {
            ValueModel::BetaGeoBetaBinom(_) => check_discrete_history(x, t_x, t),
            _ => check_history(x, t_x, t),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_bounds_default_to_the_data_as_lifetimes_does() {
        let (f, t) = ([0.0, 7.0, 3.0], [20.5, 38.9, 10.0]);
        assert_eq!(
            ValueModel::grid_bounds(&f, &t, None, None).unwrap(),
            (7, 38)
        );
        assert_eq!(
            ValueModel::grid_bounds(&f, &t, Some(2), None).unwrap(),
            (2, 38)
        );
        // 0 is "not given", as lifetimes' `max_frequency or …` reads it.
        assert_eq!(
            ValueModel::grid_bounds(&f, &t, Some(0), Some(5)).unwrap(),
            (7, 5)
        );
        assert_eq!(
            ValueModel::grid_bounds(&[], &[], Some(4), Some(5)).unwrap(),
            (4, 5)
        );
        let none = ValueModel::grid_bounds(&[], &[], None, Some(5)).unwrap_err();
        assert_eq!(none.code(), "VALUE_INVALID_OPTION");
        let bad = ValueModel::grid_bounds(&f, &[1.0, f64::NAN, 2.0], None, None).unwrap_err();
        assert!(
            matches!(bad, ValueError::InvalidData { row: 1, .. }),
            "{bad}"
        );
    }

    #[test]
    fn probability_alive_of_all_is_each_customers_bit_for_bit() {
        let m = ValueModel::BetaGeo(BetaGeo {
            r: 0.24,
            alpha: 4.41,
            a: 0.79,
            b: 2.43,
        });
        let x: Vec<f64> = (0..600).map(|i| (i % 300) as f64).collect();
        let t: Vec<f64> = (0..600).map(|i| 30.0 + (i % 7) as f64).collect();
        let t_x: Vec<f64> = x
            .iter()
            .zip(&t)
            .map(|(x, t)| if *x > 0.0 { t * 0.6 } else { 0.0 })
            .collect();
        let all = m.probability_alive_all(&x, &t_x, &t).unwrap();
        for i in 0..600 {
            assert_eq!(
                all[i].to_bits(),
                m.probability_alive(x[i], t_x[i], t[i]).unwrap().to_bits()
            );
        }
        let mut bad = t_x.clone();
        bad[5] = 99.0;
        bad[400] = -1.0;
        let e = m.probability_alive_all(&x, &bad, &t).unwrap_err();
        assert!(e.to_string().contains("row 5"), "{e}");
    }

    #[test]
    fn dispatches_by_kind() {
        let (m, report) = ValueOptions {
            kind: "gamma_gamma".to_string(),
            penalizer: 0.0,
            q_constraint: false,
        }
        .fit(&ValueColumns {
            a: &[1.0, 2.0, 3.0, 1.0],
            b: &[10.0, 20.0, 15.0, 30.0],
            c: None,
            weights: None,
        })
        .map(ValueFit::into_parts)
        .unwrap();
        assert_eq!(m.kind(), "gamma_gamma");
        assert_eq!(report.names, ["p", "q", "gamma"]);
        // T is the purchase models' third column and no part of a spend model.
        let fit = |kind: &str, c: Option<&[f64]>| {
            ValueOptions {
                kind: kind.to_string(),
                penalizer: 0.0,
                q_constraint: false,
            }
            .fit(&ValueColumns {
                a: &[1.0, 2.0],
                b: &[10.0, 20.0],
                c,
                weights: None,
            })
        };
        for (kind, c) in [
            ("bgnbd", None),
            ("bgbb", None),
            ("gamma_gamma", Some(&[30.0, 30.0][..])),
        ] {
            match fit(kind, c).unwrap_err() {
                ValueError::InvalidOption { option, .. } => assert_eq!(option, "T", "{kind}"),
                other => panic!("{kind}: {other:?}"),
            }
        }
        let loaded = ValueModel::from_json(&m.to_json()).unwrap();
        assert_eq!(loaded, m);
        assert_eq!(
            m.probability_alive(1.0, 1.0, 2.0).unwrap_err().code(),
            "VALUE_INVALID_OPTION"
        );
        let q_of_bgnbd = ValueOptions {
            q_constraint: true,
            ..ValueOptions::new("bgnbd")
        }
        .check()
        .unwrap_err();
        assert!(
            q_of_bgnbd.to_string().contains("q_constraint"),
            "{q_of_bgnbd}"
        );
        let parsed: ValueOptions =
            crate::format::parse_json(r#"{"kind": "gamma_gamma", "q_constraint": true}"#).unwrap();
        assert!(parsed.q_constraint && parsed.check().is_ok());
        assert!(ValueOptions {
            kind: "pareto_nbd".to_string(),
            penalizer: 0.0,
            q_constraint: false,
        }
        .fit(&ValueColumns {
            a: &[1.0],
            b: &[1.0],
            c: Some(&[1.0]),
            weights: None
        })
        .map(ValueFit::into_parts)
        .is_err());
        assert_eq!(
            ValueModel::from_json(r#"{"format_version": 1, "kind": "tag_rules", "tags": []}"#)
                .unwrap_err()
                .code(),
            "FORMAT_WRONG_KIND"
        );
    }
}
