//! Value models for Node: arrays in, typed arrays out; everything is computed by the core.

use crate::{to_js, Code};
use kehu::learn::Fit;
use kehu::value::{
    customer_lifetime_value, holdout_check, map_customers, period_transactions, same_length,
    spend_model, value_tiers, ClvOptions, FrequencyBin, ValueError, ValueModel,
};
use kehu::value::{ValueColumns, ValueFit, ValueOptions};
use napi::bindgen_prelude::Float64Array;
use napi_derive::napi;

/// A fit's outcome.
#[napi(object, object_from_js = false)]
pub struct FitResult {
    /// The fitted model, held natively.
    pub model: FittedValueModel,
    pub names: Vec<String>,
    pub params: Vec<f64>,
    pub standard_errors: Option<Vec<f64>>,
    pub log_likelihood: f64,
    pub aic: f64,
    pub bic: f64,
    pub iterations: u32,
    pub converged: bool,
    /// Why the fit may not be trusted (a parameter at a limit, no standard errors, ...).
    pub warnings: Vec<String>,
}

/// Fits a value model: `options` is the core's ValueOptions as JSON (`kind`: bgnbd, mbgnbd,
/// pnbd, bgbb with a, b, c = frequency, recency, T or periods, or gamma_gamma with a, b =
/// frequency, monetary value; only the options the user gave).
#[napi]
pub fn fit_value_model(
    options: String,
    a: Vec<f64>,
    b: Vec<f64>,
    c: Option<Vec<f64>>,
    weights: Option<Vec<f64>>,
) -> napi::Result<FitResult, Code> {
    let options: ValueOptions = kehu::format::parse_json(&options).map_err(|reason| {
        to_js(ValueError::InvalidOption {
            option: "options".into(),
            reason,
        })
    })?;
    let (model, r) = options
        .fit(&ValueColumns {
            a: &a,
            b: &b,
            c: c.as_deref(),
            weights: weights.as_deref(),
        })
        .map(ValueFit::into_parts)
        .map_err(to_js)?;
    Ok(FitResult {
        model: FittedValueModel { model },
        names: r.names,
        params: r.params,
        standard_errors: r.standard_errors,
        log_likelihood: r.log_likelihood,
        aic: r.aic,
        bic: r.bic,
        iterations: r.iterations as u32,
        converged: r.converged,
        warnings: r.warnings,
    })
}

/// One core value per customer from (frequency, recency, T) columns of equal length.
fn per_customer(
    frequency: &[f64],
    recency: &[f64],
    t: &[f64],
    f: impl Fn(f64, f64, f64) -> Result<f64, ValueError> + Sync,
) -> napi::Result<Float64Array, Code> {
    let n = same_length(&[
        ("frequency", frequency.len()),
        ("recency", recency.len()),
        ("T", t.len()),
    ])
    .map_err(to_js)?;
    let out = map_customers(n, |i| f(frequency[i], recency[i], t[i])).map_err(to_js)?;
    Ok(out.into())
}

/// One frequency bin of a model check.
#[napi(object)]
pub struct FrequencyBinJs {
    pub frequency: u32,
    pub open_ended: bool,
    pub customers: u32,
    pub actual: f64,
    pub predicted: f64,
}

fn bins_js(bins: Vec<FrequencyBin>) -> Vec<FrequencyBinJs> {
    bins.into_iter()
        .map(|b| FrequencyBinJs {
            frequency: b.frequency,
            open_ended: b.open_ended,
            customers: b.customers as u32,
            actual: b.actual,
            predicted: b.predicted,
        })
        .collect()
}

/// Predicted against actual holdout purchases by calibration frequency.
#[napi(object)]
pub struct HoldoutCheckJs {
    pub bins: Vec<FrequencyBinJs>,
    pub actual_total: f64,
    pub predicted_total: f64,
    pub mean_absolute_error: f64,
    pub root_mean_squared_error: f64,
}

/// One model parameter.
#[napi(object)]
pub struct ParamJs {
    pub name: String,
    pub value: f64,
}

/// A fitted value model, held natively: predictions, checks and CLV; JSON only through
/// `fromJson` / `toJson`.
#[napi]
pub struct FittedValueModel {
    model: ValueModel,
}

#[napi]
impl FittedValueModel {
    /// Reads and checks a value model document of any kind, saved by any binding.
    #[napi(factory)]
    pub fn from_json(json: String) -> napi::Result<Self, Code> {
        let model = ValueModel::from_json(&json).map_err(to_js)?;
        Ok(FittedValueModel { model })
    }

    /// The model as a versioned document.
    #[napi]
    pub fn to_json(&self) -> String {
        self.model.to_json()
    }

    /// bgnbd, mbgnbd, pnbd, bgbb or gamma_gamma.
    #[napi(getter)]
    pub fn kind(&self) -> &'static str {
        self.model.kind()
    }

    /// Parameter names and values, in the model's order.
    #[napi(getter)]
    pub fn params(&self) -> Vec<ParamJs> {
        self.model
            .params()
            .into_iter()
            .map(|(name, value)| ParamJs {
                name: name.to_string(),
                value,
            })
            .collect()
    }

    /// Expected purchases in the next `horizon` time units, per customer.
    #[napi]
    pub fn conditional_expected_purchases(
        &self,
        horizon: f64,
        frequency: Vec<f64>,
        recency: Vec<f64>,
        t: Vec<f64>,
    ) -> napi::Result<Float64Array, Code> {
        let m = &self.model;
        per_customer(&frequency, &recency, &t, |x, tx, tt| {
            m.conditional_expected_purchases(horizon, x, tx, tt)
        })
    }

    /// P(alive) per customer.
    #[napi]
    pub fn probability_alive(
        &self,
        frequency: Vec<f64>,
        recency: Vec<f64>,
        t: Vec<f64>,
    ) -> napi::Result<Float64Array, Code> {
        let p = self
            .model
            .probability_alive_all(&frequency, &recency, &t)
            .map_err(to_js)?;
        Ok(p.into())
    }

    /// Discounted expected residual transactions per customer (pnbd: continuous `rate` per time
    /// unit; bgbb: per opportunity).
    #[napi]
    pub fn discounted_expected_residual_transactions(
        &self,
        rate: f64,
        frequency: Vec<f64>,
        recency: Vec<f64>,
        t: Vec<f64>,
    ) -> napi::Result<Float64Array, Code> {
        let m = &self.model;
        per_customer(&frequency, &recency, &t, |x, tx, tt| {
            m.discounted_expected_residual_transactions(rate, x, tx, tt)
        })
    }

    /// P(n purchases in (0, t]) of a customer just acquired, for each `n`.
    #[napi]
    pub fn probability_of_purchases(
        &self,
        n: Vec<f64>,
        t: f64,
    ) -> napi::Result<Float64Array, Code> {
        let m = &self.model;
        let out =
            map_customers(n.len(), |i| m.probability_of_purchases(n[i], t, None)).map_err(to_js)?;
        Ok(out.into())
    }

    /// P(n purchases in the next `t` time units) per customer.
    #[napi]
    pub fn conditional_probability_of_purchases(
        &self,
        n: f64,
        t: f64,
        frequency: Vec<f64>,
        recency: Vec<f64>,
        age: Vec<f64>,
    ) -> napi::Result<Float64Array, Code> {
        let m = &self.model;
        per_customer(&frequency, &recency, &age, |x, tx, tt| {
            m.probability_of_purchases(n, t, Some((x, tx, tt)))
        })
    }

    /// Holdout check: mean actual against mean predicted holdout purchases per frequency bin
    /// (`maxFrequency` absent: the core's `DEFAULT_MAX_FREQUENCY`).
    #[napi]
    pub fn holdout_check(
        &self,
        frequency_cal: Vec<f64>,
        recency_cal: Vec<f64>,
        t_cal: Vec<f64>,
        frequency_holdout: Vec<f64>,
        duration_holdout: Vec<f64>,
        max_frequency: Option<u32>,
    ) -> napi::Result<HoldoutCheckJs, Code> {
        let c = holdout_check(
            &self.model,
            &frequency_cal,
            &recency_cal,
            &t_cal,
            &frequency_holdout,
            &duration_holdout,
            max_frequency,
        )
        .map_err(to_js)?;
        Ok(HoldoutCheckJs {
            bins: bins_js(c.bins),
            actual_total: c.actual_total,
            predicted_total: c.predicted_total,
            mean_absolute_error: c.mean_absolute_error,
            root_mean_squared_error: c.root_mean_squared_error,
        })
    }

    /// Customers by calibration repeat purchases: counted (`actual`) and expected
    /// (`predicted`); `maxFrequency` absent: the core's `DEFAULT_MAX_FREQUENCY`.
    #[napi]
    pub fn period_transactions(
        &self,
        frequency: Vec<f64>,
        t: Vec<f64>,
        max_frequency: Option<u32>,
    ) -> napi::Result<Vec<FrequencyBinJs>, Code> {
        let bins =
            period_transactions(&self.model, &frequency, &t, max_frequency).map_err(to_js)?;
        Ok(bins_js(bins))
    }

    /// CLV per customer with a gamma_gamma `spend` model; `options`: the core's ClvOptions as
    /// JSON (months, discount_rate, margin, units_per_month; absent ones take its defaults).
    #[napi]
    pub fn customer_lifetime_value(
        &self,
        spend: &FittedValueModel,
        frequency: Vec<f64>,
        recency: Vec<f64>,
        t: Vec<f64>,
        monetary_value: Vec<f64>,
        options: Option<String>,
    ) -> napi::Result<Float64Array, Code> {
        let spend = spend_model(&spend.model).map_err(to_js)?;
        let opts = ClvOptions::from_json(options.as_deref()).map_err(to_js)?;
        let out = customer_lifetime_value(
            &self.model,
            spend,
            &frequency,
            &recency,
            &t,
            &monetary_value,
            &opts,
        )
        .map_err(to_js)?;
        Ok(out.into())
    }
}

/// Value tiers by top shares (absent: the core's default tiers).
#[napi]
pub fn value_tiers_of(
    values: Vec<f64>,
    cut_offs: Option<Vec<f64>>,
) -> napi::Result<Vec<u32>, Code> {
    let cut_offs = cut_offs.unwrap_or_else(|| kehu::value::DEFAULT_TIER_CUT_OFFS.to_vec());
    let tiers = value_tiers(&values, &cut_offs).map_err(to_js)?;
    Ok(tiers.into_iter().map(|t| t as u32).collect())
}
