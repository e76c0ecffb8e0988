//! Customer lifetime value with lifetimes' discrete monthly discounting, and value tiers.

use super::gamma_gamma::{check_spend, GammaGamma};
use super::model::map_customers;
use super::ValueError;
use rayon::prelude::*;

/// A model of purchase counts that predicts a customer's expected purchases. Every model here
/// factors E[Y(s) | x, t_x, T] = P(alive at T | x, t_x, T) · E[Y(s) | alive at T, x, T]: the
/// future of a customer known to be alive depends on x and T alone, so customers who share them
/// share the second factor.
pub trait PurchaseModel: Sync {
    /// E[Y(s) | x, t_x, T]: expected purchases in the next `s` time units.
    fn conditional_expected_purchases(
        &self,
        s: f64,
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ValueError>;

    /// P(alive at T | x, t_x, T) (for BG/BB: alive through the last opportunity observed).
    fn alive_at_t(&self, x: f64, t_x: f64, t: f64) -> Result<f64, ValueError>;

    /// E[Y(s) | alive at T, x, T] for every s in `horizons`, written to `out`.
    fn expected_purchases_if_alive(
        &self,
        horizons: &[f64],
        x: f64,
        t: f64,
        out: &mut [f64],
    ) -> Result<(), ValueError>;

    /// Checks one customer's (x, t_x, T) by the model's rule (row 0 in the error).
    fn check(&self, x: f64, t_x: f64, t: f64) -> Result<(), ValueError>;
}

/// Fallible and infallible model methods alike, as results.
trait IntoResult<T> {
    fn into_result(self) -> Result<T, ValueError>;
}

impl<T> IntoResult<T> for Result<T, ValueError> {
    fn into_result(self) -> Self {
        self
    }
}

impl IntoResult<f64> for f64 {
    fn into_result(self) -> Result<f64, ValueError> {
        Ok(self)
    }
}

impl IntoResult<()> for () {
    fn into_result(self) -> Result<(), ValueError> {
        Ok(())
    }
}

/// Each purchase model's own methods (some may fail, as BG/NBD's series, some not) behind the
/// trait.
macro_rules! purchase_model {
    ($($model:ty => $alive:ident, $check:path),*) => {$(
        impl PurchaseModel for $model {
            fn conditional_expected_purchases(
                &self,
                s: f64,
                x: f64,
                t_x: f64,
                t: f64,
            ) -> Result<f64, ValueError> {
                <$model>::conditional_expected_purchases(self, s, x, t_x, t).into_result()
            }

            fn alive_at_t(&self, x: f64, t_x: f64, t: f64) -> Result<f64, ValueError> {
                <$model>::$alive(self, x, t_x, t).into_result()
            }

            fn expected_purchases_if_alive(
                &self,
                horizons: &[f64],
                x: f64,
                t: f64,
                out: &mut [f64],
            ) -> Result<(), ValueError> {
                <$model>::expected_purchases_if_alive(self, horizons, x, t, out).into_result()
            }

            fn check(&self, x: f64, t_x: f64, t: f64) -> Result<(), ValueError> {
                $check(x, t_x, t)
            }
        }
    )*};
}

purchase_model!(
    super::BetaGeo => probability_alive, super::fit::check_history,
    super::ModifiedBetaGeo => probability_alive, super::fit::check_history,
    super::ParetoNbd => probability_alive, super::fit::check_history,
    super::BetaGeoBetaBinom => probability_alive_through, super::bgbb::check_discrete_history
);

/// How to value customers. As a document (from a binding), absent fields take the defaults and
/// unknown ones are refused.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClvOptions {
    /// Months ahead (default 12).
    pub months: u32,
    /// Monthly discount rate (default 0.01).
    pub discount_rate: f64,
    /// Profit margin applied to spend (default 1: value in revenue).
    pub margin: f64,
    /// Model time units per month: 30 for days, 4.345 for weeks, 1 for months (lifetimes' factors).
    pub units_per_month: f64,
}

impl Default for ClvOptions {
    fn default() -> Self {
        ClvOptions {
            months: 12,
            discount_rate: 0.01,
            margin: 1.0,
            units_per_month: 30.0,
        }
    }
}

/// Model time units per month for lifetimes' `freq` of a CLV (`D` 30, `W` 4.345, `M` 1,
/// `H` 720): the factors lifetimes' `customer_lifetime_value` uses.
pub fn units_per_month(freq: &str) -> Result<f64, ValueError> {
    Ok(match freq {
        "D" => 30.0,
        "W" => 4.345,
        "M" => 1.0,
        "H" => 30.0 * 24.0,
        _ => {
            return Err(ValueError::InvalidOption {
                option: "freq".into(),
                reason: "must be one of D, W, M, H".into(),
            })
        }
    })
}

impl ClvOptions {
    /// Options from a JSON document of the options a user gave (absent ones, or no document:
    /// the defaults); a malformed one is `InvalidOption` naming `clv`.
    pub fn from_json(text: Option<&str>) -> Result<ClvOptions, ValueError> {
        text.map_or(Ok(ClvOptions::default()), |t| {
            crate::format::parse_json(t).map_err(|reason| ValueError::InvalidOption {
                option: "clv".into(),
                reason,
            })
        })
    }

    /// The options a user gave (`None`: the default), for bindings with typed optional fields.
    pub fn given(
        months: Option<u32>,
        discount_rate: Option<f64>,
        margin: Option<f64>,
        units_per_month: Option<f64>,
    ) -> Self {
        let d = ClvOptions::default();
        ClvOptions {
            months: months.unwrap_or(d.months),
            discount_rate: discount_rate.unwrap_or(d.discount_rate),
            margin: margin.unwrap_or(d.margin),
            units_per_month: units_per_month.unwrap_or(d.units_per_month),
        }
    }
}

/// The spend model of a CLV: `model` must be a Gamma-Gamma model.
pub fn spend_model(model: &super::ValueModel) -> Result<&GammaGamma, ValueError> {
    match model {
        super::ValueModel::GammaGamma(g) => Ok(g),
        other => Err(ValueError::InvalidOption {
            option: "spend model".into(),
            reason: format!("must be a gamma_gamma model, not {}", other.kind()),
        }),
    }
}

/// CLV of each customer: Σ over months i of margin · E[spend] · (E[Y(i·u)] − E[Y((i−1)·u)]) /
/// (1 + d)^i, with E[spend] from Gamma-Gamma — lifetimes' `customer_lifetime_value`.
pub fn customer_lifetime_value<M: PurchaseModel>(
    model: &M,
    spend: &GammaGamma,
    frequency: &[f64],
    recency: &[f64],
    t: &[f64],
    monetary_value: &[f64],
    opts: &ClvOptions,
) -> Result<Vec<f64>, ValueError> {
    check_clv_inputs(frequency, recency, t, monetary_value, opts)?;
    let row_check = |i: usize| {
        model
            .check(frequency[i], recency[i], t[i])
            .and_then(|()| check_spend(frequency[i], monetary_value[i]))
            .map_err(|e| e.at_row(i))
    };
    if let Some(i) = (0..frequency.len())
        .into_par_iter()
        .position_first(|i| row_check(i).is_err())
    {
        return row_check(i).map(|()| Vec::new());
    }
    let per_purchase = map_customers(frequency.len(), |i| {
        spend.conditional_expected_spend(frequency[i], monetary_value[i])
    })?;
    discounted_value(model, frequency, recency, t, &per_purchase, opts)
}

/// CLV of each customer with its value per purchase given (not a Gamma-Gamma estimate):
/// Σ over months i of margin · value · (E[Y(i·u)] − E[Y((i−1)·u)]) / (1 + d)^i — lifetimes'
/// `utils._customer_lifetime_value`. Each value must be finite.
pub fn discounted_value<M: PurchaseModel>(
    model: &M,
    frequency: &[f64],
    recency: &[f64],
    t: &[f64],
    value_per_purchase: &[f64],
    opts: &ClvOptions,
) -> Result<Vec<f64>, ValueError> {
    check_clv_inputs(frequency, recency, t, value_per_purchase, opts)?;
    let n = frequency.len();
    let row_check = |i: usize| {
        model
            .check(frequency[i], recency[i], t[i])
            .and_then(|()| {
                if value_per_purchase[i].is_finite() {
                    Ok(())
                } else {
                    Err(ValueError::InvalidData {
                        row: 0,
                        field: "monetary_value".into(),
                        reason: "must be a finite number".into(),
                    })
                }
            })
            .map_err(|e| e.at_row(i))
    };
    if let Some(i) = (0..n)
        .into_par_iter()
        .position_first(|i| row_check(i).is_err())
    {
        return row_check(i).map(|()| Vec::new());
    }
    let horizons: Vec<f64> = (1..=opts.months)
        .map(|month| f64::from(month) * opts.units_per_month)
        .collect();
    let discounts: Vec<f64> = (1..=opts.months)
        .map(|month| (1.0 + opts.discount_rate).powi(month as i32))
        .collect();
    // CLV = margin · E[spend] · P(alive) · G(x, T) with G = Σᵢ (Aᵢ − Aᵢ₋₁)/(1+d)^i over the
    // expected purchases if alive Aᵢ: customers sharing (x, T) share G (most do, at day
    // resolution), so it is computed once per distinct pair when that saves work.
    let discounted = |x: f64, tt: f64, scratch: &mut Vec<f64>| -> Result<f64, ValueError> {
        model.expected_purchases_if_alive(&horizons, x, tt, scratch)?;
        let mut g = 0.0;
        let mut previous = 0.0;
        for (a, d) in scratch.iter().zip(&discounts) {
            g += (a - previous) / d;
            previous = *a;
        }
        Ok(g)
    };
    let scratch = || vec![0.0; horizons.len()];
    let mut pairs: Vec<(u64, u64)> = (0..n)
        .into_par_iter()
        .map(|i| (frequency[i].to_bits(), t[i].to_bits()))
        .collect();
    pairs.par_sort_unstable();
    pairs.dedup();
    let shared: Option<Vec<f64>> = if pairs.len() * 2 <= n {
        Some(
            pairs
                .par_iter()
                .map_init(scratch, |buf, &(x, tt)| {
                    discounted(f64::from_bits(x), f64::from_bits(tt), buf)
                })
                .collect::<Result<_, _>>()?,
        )
    } else {
        None
    };
    (0..n)
        .into_par_iter()
        .with_min_len(1024)
        .map_init(scratch, |buf, i| {
            let (x, tx, tt, m) = (frequency[i], recency[i], t[i], value_per_purchase[i]);
            let value = m * opts.margin;
            let g = match &shared {
                Some(g) => {
                    let key = (x.to_bits(), tt.to_bits());
                    g[pairs.binary_search(&key).expect("every pair was collected")]
                }
                None => discounted(x, tt, buf)?,
            };
            let clv = value * model.alive_at_t(x, tx, tt)? * g;
            if clv.is_finite() {
                Ok(clv)
            } else {
                Err(ValueError::NumericalFailure {
                    what: format!("CLV of row {i} is not finite"),
                })
            }
        })
        .collect()
}

/// The lengths and options every CLV shares.
fn check_clv_inputs(
    frequency: &[f64],
    recency: &[f64],
    t: &[f64],
    values: &[f64],
    opts: &ClvOptions,
) -> Result<(), ValueError> {
    let n = frequency.len();
    for (name, len) in [
        ("recency", recency.len()),
        ("T", t.len()),
        ("monetary_value", values.len()),
    ] {
        if len != n {
            return Err(ValueError::InvalidData {
                row: len.min(n),
                field: name.into(),
                reason: format!("has {len} values, expected {n}"),
            });
        }
    }
    let checks = [
        (
            "discount_rate",
            opts.discount_rate > -1.0 && opts.discount_rate.is_finite(),
        ),
        ("margin", opts.margin.is_finite()),
        (
            "units_per_month",
            opts.units_per_month > 0.0 && opts.units_per_month.is_finite(),
        ),
    ];
    for (option, ok) in checks {
        if !ok {
            return Err(ValueError::InvalidOption {
                option: option.into(),
                reason: "out of range".into(),
            });
        }
    }
    Ok(())
}

/// The default tiers' top shares: the top 1%, the next 4%, the next 15%, the rest.
pub const DEFAULT_TIER_CUT_OFFS: [f64; 3] = [0.01, 0.05, 0.2];

/// Value tiers: `cut_offs` are top shares in increasing order (e.g. `[0.01, 0.05, 0.2]`); a
/// customer's tier is the index of the first cut-off its rank falls within (ties share the better
/// tier's rank: ranks are by value, then by position), or `cut_offs.len()` for the rest.
pub fn value_tiers(values: &[f64], cut_offs: &[f64]) -> Result<Vec<usize>, ValueError> {
    if cut_offs.windows(2).any(|w| w[0] >= w[1])
        || cut_offs.iter().any(|c| !(0.0..=1.0).contains(c))
    {
        return Err(ValueError::InvalidOption {
            option: "cut_offs".into(),
            reason: "must increase within [0, 1]".into(),
        });
    }
    if let Some(i) = values.iter().position(|v| !v.is_finite()) {
        return Err(ValueError::InvalidData {
            row: i,
            field: "value".into(),
            reason: "must be finite".into(),
        });
    }
    let n = values.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by(|&a, &b| values[b].total_cmp(&values[a]).then(a.cmp(&b)));
    let mut tiers = vec![cut_offs.len(); n];
    for (rank, &i) in order.iter().enumerate() {
        let share = (rank + 1) as f64 / n as f64;
        tiers[i] = cut_offs
            .iter()
            .position(|&c| share <= c + 1e-12)
            .unwrap_or(cut_offs.len());
    }
    Ok(tiers)
}

/// The tier of one value given descending thresholds (e.g. the values at the top 1%, 5%, 20%
/// of a population, from [`tier_thresholds`]): the first tier whose threshold the value reaches,
/// or `thresholds.len()`. For scoring one customer on a device.
pub fn tier_of(value: f64, thresholds: &[f64]) -> usize {
    thresholds
        .iter()
        .position(|&t| value >= t)
        .unwrap_or(thresholds.len())
}

/// For each cut-off share, the smallest value inside that top share of `values` (so that
/// [`tier_of`] with these thresholds agrees with [`value_tiers`] for values without ties).
pub fn tier_thresholds(values: &[f64], cut_offs: &[f64]) -> Result<Vec<f64>, ValueError> {
    let tiers = value_tiers(values, cut_offs)?;
    Ok((0..cut_offs.len())
        .map(|k| {
            values
                .iter()
                .zip(&tiers)
                .filter(|(_, &t)| t <= k)
                .map(|(v, _)| *v)
                .fold(f64::INFINITY, f64::min)
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::BetaGeo;
    use approx::assert_relative_eq;

    #[test]
    fn spend_models_and_options_are_read_in_one_place() {
        let bg = super::super::ValueModel::BetaGeo(BetaGeo::new(0.24, 4.4, 0.79, 2.4).unwrap());
        let e = spend_model(&bg).unwrap_err();
        assert_eq!(e.code(), "VALUE_INVALID_OPTION");
        assert!(e.to_string().contains("not bgnbd"), "{e}");
        let gg = GammaGamma {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        };
        let model = super::super::ValueModel::GammaGamma(gg);
        assert_eq!(spend_model(&model).unwrap(), &gg);
        assert_eq!(ClvOptions::from_json(None).unwrap(), ClvOptions::default());
        let given = ClvOptions::from_json(Some(r#"{"months": 6}"#)).unwrap();
        assert_eq!((given.months, given.margin), (6, 1.0));
        let bad = ClvOptions::from_json(Some(r#"{"month": 6}"#)).unwrap_err();
        assert!(matches!(bad, ValueError::InvalidOption { ref option, .. } if option == "clv"));
    }

    #[test]
    fn customers_sharing_frequency_and_age_get_their_own_values() {
        // Many customers share (x, T) but not recency or spend: the shared path must give each
        // the value it gets alone, for every purchase model.
        let bg = BetaGeo::new(0.243, 4.414, 0.793, 2.426).unwrap();
        let models = [
            crate::value::ValueModel::BetaGeo(bg),
            crate::value::ValueModel::ModifiedBetaGeo(crate::value::ModifiedBetaGeo(bg)),
            crate::value::ValueModel::ParetoNbd(
                crate::value::ParetoNbd::new(0.553, 10.578, 0.606, 11.669).unwrap(),
            ),
        ];
        let gg = GammaGamma {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        };
        let n = 400;
        let x: Vec<f64> = (0..n).map(|i| (i % 4) as f64).collect();
        let t: Vec<f64> = (0..n).map(|i| 30.0 + (i % 3) as f64).collect();
        let tx: Vec<f64> = (0..n)
            .map(|i| if i % 4 == 0 { 0.0 } else { (i % 29) as f64 })
            .collect();
        let m: Vec<f64> = (0..n).map(|i| 10.0 + i as f64).collect();
        let opts = ClvOptions {
            units_per_month: 4.345,
            ..Default::default()
        };
        for model in &models {
            let all = customer_lifetime_value(model, &gg, &x, &tx, &t, &m, &opts).unwrap();
            for i in [0, 1, 2, 3, 57, 398, 399] {
                let one = customer_lifetime_value(
                    model,
                    &gg,
                    &x[i..=i],
                    &tx[i..=i],
                    &t[i..=i],
                    &m[i..=i],
                    &opts,
                )
                .unwrap()[0];
                assert_eq!(all[i], one, "{} row {i}", model.kind());
            }
        }
    }

    #[test]
    fn clv_matches_lifetimes_formula_and_tiers_rank() {
        // A BG/NBD in days and a Gamma-Gamma; CLV summed by hand month by month.
        let bg = BetaGeo {
            r: 0.243,
            alpha: 4.414 * 7.0,
            a: 0.793,
            b: 2.426,
        };
        let gg = GammaGamma {
            p: 6.25,
            q: 3.74,
            gamma: 15.44,
        };
        let opts = ClvOptions {
            months: 3,
            discount_rate: 0.01,
            margin: 0.5,
            units_per_month: 30.0,
        };
        let clv =
            customer_lifetime_value(&bg, &gg, &[2.0], &[200.0], &[270.0], &[30.0], &opts).unwrap();
        let spend = gg.conditional_expected_spend(2.0, 30.0).unwrap() * 0.5;
        let e = |s: f64| {
            bg.conditional_expected_purchases(s, 2.0, 200.0, 270.0)
                .unwrap()
        };
        let by_hand = spend
            * (e(30.0) / 1.01
                + (e(60.0) - e(30.0)) / 1.01f64.powi(2)
                + (e(90.0) - e(60.0)) / 1.01f64.powi(3));
        assert_relative_eq!(clv[0], by_hand, max_relative = 1e-14);
        let tiers = value_tiers(
            &[5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0, 0.0],
            &[0.1, 0.3],
        )
        .unwrap();
        assert_eq!(tiers, vec![2, 2, 0, 2, 1, 2, 1, 2, 2, 2]);
        assert!(value_tiers(&[1.0], &[0.5, 0.2]).is_err());
        let values = [5.0, 1.0, 9.0, 3.0, 7.0, 2.0, 8.0, 4.0, 6.0, 0.0];
        let thresholds = tier_thresholds(&values, &[0.1, 0.3]).unwrap();
        assert_eq!(thresholds, vec![9.0, 7.0]);
        let on_device: Vec<usize> = values.iter().map(|v| tier_of(*v, &thresholds)).collect();
        assert_eq!(on_device, tiers);
    }
}
