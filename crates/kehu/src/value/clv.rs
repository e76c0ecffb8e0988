//! Customer lifetime value with lifetimes' discrete monthly discounting, and value tiers.

use super::gamma_gamma::GammaGamma;
use super::ValueError;
use rayon::prelude::*;

/// A model of purchase counts that predicts a customer's expected purchases.
pub trait PurchaseModel: Sync {
    /// E[Y(s) | x, t_x, T]: expected purchases in the next `s` time units.
    fn conditional_expected_purchases(
        &self,
        s: f64,
        x: f64,
        t_x: f64,
        t: f64,
    ) -> Result<f64, ValueError>;
}

/// Each purchase model's own `conditional_expected_purchases` (which may fail, as in BG/NBD's
/// series, or not) behind the trait.
macro_rules! purchase_model {
    ($($model:ty),*) => {$(
        impl PurchaseModel for $model {
            fn conditional_expected_purchases(
                &self,
                s: f64,
                x: f64,
                t_x: f64,
                t: f64,
            ) -> Result<f64, ValueError> {
                <$model>::conditional_expected_purchases(self, s, x, t_x, t)
            }
        }
    )*};
}

purchase_model!(super::BetaGeo, super::ModifiedBetaGeo, super::ParetoNbd);

/// How to value customers.
#[derive(Debug, Clone, Copy, PartialEq)]
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
    let n = frequency.len();
    for (name, len) in [
        ("recency", recency.len()),
        ("T", t.len()),
        ("monetary_value", monetary_value.len()),
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
    (0..n)
        .into_par_iter()
        .with_min_len(1024)
        .map(|i| {
            let (x, tx, tt, m) = (frequency[i], recency[i], t[i], monetary_value[i]);
            let value = spend.conditional_expected_spend(x, m)? * opts.margin;
            let mut clv = 0.0;
            let mut previous = 0.0;
            for month in 1..=opts.months {
                let horizon = f64::from(month) * opts.units_per_month;
                let cumulative = model.conditional_expected_purchases(horizon, x, tx, tt)?;
                clv +=
                    value * (cumulative - previous) / (1.0 + opts.discount_rate).powi(month as i32);
                previous = cumulative;
            }
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
