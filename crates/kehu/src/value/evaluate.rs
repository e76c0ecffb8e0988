//! How well a fitted purchase model describes the data: predicted against actual holdout
//! purchases by calibration frequency, and expected against actual numbers of customers by
//! repeat purchases in the calibration period (Fader, Hardie and Lee 2005, figures 2 and 4).

use super::{map_customers, same_length, ValueError, ValueModel};
use serde::{Deserialize, Serialize};

/// The frequency from which model checks pool customers into one open-ended bin, when a caller
/// does not choose (lifetimes' `plot_period_transactions` default).
pub const DEFAULT_MAX_FREQUENCY: u32 = 7;

/// One frequency bin of a model check.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FrequencyBin {
    /// Calibration repeat purchases of the bin; with `open_ended`, this many or more.
    pub frequency: u32,
    /// Whether the bin holds every customer with `frequency` or more purchases.
    pub open_ended: bool,
    /// Customers in the bin.
    pub customers: usize,
    /// Holdout check: mean actual holdout purchases. Period check: customers counted.
    pub actual: f64,
    /// Holdout check: mean predicted holdout purchases. Period check: customers the model
    /// expects.
    pub predicted: f64,
}

/// Predicted against actual holdout purchases.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct HoldoutCheck {
    /// Bins 0, 1, …, `max_frequency − 1` and an open-ended `max_frequency`+ bin (empty bins
    /// are kept, with mean 0).
    pub bins: Vec<FrequencyBin>,
    /// Σ actual holdout purchases.
    pub actual_total: f64,
    /// Σ predicted holdout purchases.
    pub predicted_total: f64,
    /// Mean absolute error per customer.
    pub mean_absolute_error: f64,
    /// Root mean squared error per customer.
    pub root_mean_squared_error: f64,
}

fn bin_of(x: f64, max_frequency: u32) -> usize {
    (x.max(0.0) as u64).min(u64::from(max_frequency)) as usize
}

fn empty_bins(max_frequency: u32) -> Vec<FrequencyBin> {
    (0..=max_frequency)
        .map(|f| FrequencyBin {
            frequency: f,
            open_ended: f == max_frequency,
            customers: 0,
            actual: 0.0,
            predicted: 0.0,
        })
        .collect()
}

/// The given number of bins, or [`DEFAULT_MAX_FREQUENCY`]; 0 is an error.
fn check_max_frequency(max_frequency: Option<u32>) -> Result<u32, ValueError> {
    match max_frequency.unwrap_or(DEFAULT_MAX_FREQUENCY) {
        0 => Err(ValueError::InvalidOption {
            option: "max_frequency".into(),
            reason: "must be ≥ 1".into(),
        }),
        m => Ok(m),
    }
}

/// Compares `model`'s expected holdout purchases (over each customer's `duration_holdout`,
/// given the calibration summary) with the purchases made (`frequency_holdout`), by
/// calibration frequency (`max_frequency` bins, `None`: [`DEFAULT_MAX_FREQUENCY`]). No customer
/// is left out: the last bin is open-ended.
pub fn holdout_check(
    model: &ValueModel,
    frequency_cal: &[f64],
    recency_cal: &[f64],
    t_cal: &[f64],
    frequency_holdout: &[f64],
    duration_holdout: &[f64],
    max_frequency: Option<u32>,
) -> Result<HoldoutCheck, ValueError> {
    let max_frequency = check_max_frequency(max_frequency)?;
    let n = same_length(&[
        ("frequency_cal", frequency_cal.len()),
        ("recency_cal", recency_cal.len()),
        ("T_cal", t_cal.len()),
        ("frequency_holdout", frequency_holdout.len()),
        ("duration_holdout", duration_holdout.len()),
    ])?;
    let predicted = map_customers(n, |i| {
        let bad = |field: &str, reason: &str| ValueError::InvalidData {
            row: i,
            field: field.into(),
            reason: reason.into(),
        };
        if !(frequency_holdout[i] >= 0.0 && frequency_holdout[i].is_finite()) {
            return Err(bad("frequency_holdout", "must be a finite number ≥ 0"));
        }
        if !(duration_holdout[i] > 0.0 && duration_holdout[i].is_finite()) {
            return Err(bad("duration_holdout", "must be a finite number > 0"));
        }
        model.conditional_expected_purchases(
            duration_holdout[i],
            frequency_cal[i],
            recency_cal[i],
            t_cal[i],
        )
    })?;
    let mut bins = empty_bins(max_frequency);
    let (mut abs_sum, mut sq_sum) = (0.0, 0.0);
    for i in 0..n {
        let bin = &mut bins[bin_of(frequency_cal[i], max_frequency)];
        bin.customers += 1;
        bin.actual += frequency_holdout[i];
        bin.predicted += predicted[i];
        let e = predicted[i] - frequency_holdout[i];
        abs_sum += e.abs();
        sq_sum += e * e;
    }
    let actual_total = bins.iter().map(|b| b.actual).sum();
    let predicted_total = bins.iter().map(|b| b.predicted).sum();
    for bin in &mut bins {
        if bin.customers > 0 {
            bin.actual /= bin.customers as f64;
            bin.predicted /= bin.customers as f64;
        }
    }
    Ok(HoldoutCheck {
        bins,
        actual_total,
        predicted_total,
        mean_absolute_error: abs_sum / n as f64,
        root_mean_squared_error: (sq_sum / n as f64).sqrt(),
    })
}

/// Customers by repeat purchases in the calibration period: counted in `frequency`, and
/// expected by `model` as Σ over customers of P(X(Tᵢ) = x), each customer observed for `t[i]`
/// (exact, where lifetimes' `plot_period_transactions` simulates). Bins 0 … `max_frequency − 1`
/// and an open-ended last bin (`None`: [`DEFAULT_MAX_FREQUENCY`]).
pub fn period_transactions(
    model: &ValueModel,
    frequency: &[f64],
    t: &[f64],
    max_frequency: Option<u32>,
) -> Result<Vec<FrequencyBin>, ValueError> {
    let max_frequency = check_max_frequency(max_frequency)?;
    let n = same_length(&[("frequency", frequency.len()), ("T", t.len())])?;
    let mut bins = empty_bins(max_frequency);
    for (i, &x) in frequency.iter().enumerate() {
        if !(x >= 0.0 && x.is_finite()) {
            return Err(ValueError::InvalidData {
                row: i,
                field: "frequency".into(),
                reason: "must be a finite number ≥ 0".into(),
            });
        }
        let bin = &mut bins[bin_of(x, max_frequency)];
        bin.customers += 1;
        bin.actual += 1.0;
    }
    // Customers share few distinct ages: evaluate each once, weighted by its count.
    let mut ages: Vec<(u64, f64)> = Vec::new();
    let mut sorted: Vec<f64> = t.to_vec();
    if let Some(i) = sorted.iter().position(|v| !(v.is_finite() && *v > 0.0)) {
        return Err(ValueError::InvalidData {
            row: i,
            field: "T".into(),
            reason: "must be a finite number > 0".into(),
        });
    }
    sorted.sort_by(f64::total_cmp);
    for v in sorted {
        match ages.last_mut() {
            Some((count, age)) if *age == v => *count += 1,
            _ => ages.push((1, v)),
        }
    }
    let per_age: Vec<Vec<f64>> = {
        use rayon::prelude::*;
        ages.par_iter()
            .map(|&(_, age)| {
                (0..max_frequency)
                    .map(|x| model.probability_of_purchases(f64::from(x), age, None))
                    .collect::<Result<Vec<f64>, ValueError>>()
            })
            .collect::<Result<_, _>>()?
    };
    for ((count, _), probs) in ages.iter().zip(&per_age) {
        let mut below = 0.0;
        for (x, p) in probs.iter().enumerate() {
            bins[x].predicted += *count as f64 * p;
            below += p;
        }
        bins[max_frequency as usize].predicted += *count as f64 * (1.0 - below).max(0.0);
    }
    debug_assert_eq!(bins.iter().map(|b| b.customers).sum::<usize>(), n);
    Ok(bins)
}

/// The customers of a data set expected to make each number of transactions in their first
/// `n` time units (opportunities, for BG/BB): for each distinct `frequency` x of the data, in
/// increasing order, (x, P(X(n) = x) × the data's customers), the customers being Σ `weights`
/// (1 per row without weights). This is lifetimes' BG/BB
/// `expected_number_of_transactions_in_first_n_periods`, for any purchase model.
pub fn expected_customers_by_frequency(
    model: &ValueModel,
    frequency: &[f64],
    weights: Option<&[f64]>,
    n: f64,
) -> Result<Vec<(f64, f64)>, ValueError> {
    if let Some(w) = weights {
        same_length(&[("frequency", frequency.len()), ("weights", w.len())])?;
    }
    let mut customers = 0.0;
    let mut distinct = Vec::with_capacity(frequency.len());
    for (row, &x) in frequency.iter().enumerate() {
        if !(x >= 0.0 && x.fract() == 0.0 && x <= f64::from(u32::MAX)) {
            return Err(ValueError::InvalidData {
                row,
                field: "frequency".into(),
                reason: "must be a whole number ≥ 0".into(),
            });
        }
        let w = weights.map_or(1.0, |w| w[row]);
        if !(w.is_finite() && w >= 0.0) {
            return Err(ValueError::InvalidData {
                row,
                field: "weights".into(),
                reason: "must be a finite number ≥ 0".into(),
            });
        }
        customers += w;
        distinct.push(x);
    }
    distinct.sort_by(f64::total_cmp);
    distinct.dedup();
    distinct
        .into_iter()
        .map(|x| Ok((x, model.probability_of_purchases(x, n, None)? * customers)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::BetaGeo;

    fn model() -> ValueModel {
        ValueModel::BetaGeo(BetaGeo::new(0.243, 4.414, 0.793, 2.426).unwrap())
    }

    #[test]
    fn expected_customers_by_frequency_weighs_every_row() {
        use crate::value::BetaGeoBetaBinom;
        let bb = ValueModel::BetaGeoBetaBinom(BetaGeoBetaBinom {
            alpha: 1.2,
            beta: 0.75,
            gamma: 0.66,
            delta: 2.8,
        });
        let f = [3.0, 0.0, 3.0, 1.0];
        let w = [10.0, 5.0, 1.0, 4.0];
        let out = expected_customers_by_frequency(&bb, &f, Some(&w), 6.0).unwrap();
        let xs: Vec<f64> = out.iter().map(|p| p.0).collect();
        assert_eq!(xs, [0.0, 1.0, 3.0]);
        for (x, expected) in out {
            let p = bb.probability_of_purchases(x, 6.0, None).unwrap();
            approx::assert_relative_eq!(expected, 20.0 * p, max_relative = 1e-15);
        }
        let unweighted = expected_customers_by_frequency(&bb, &f, None, 6.0).unwrap();
        approx::assert_relative_eq!(unweighted[0].1, 4.0 * out_p(&bb, 0.0), max_relative = 1e-15);
        for (f, w) in [([0.5], [1.0]), ([1.0], [-1.0]), ([f64::NAN], [1.0])] {
            let e = expected_customers_by_frequency(&bb, &f, Some(&w), 6.0).unwrap_err();
            assert_eq!(e.code(), "VALUE_INVALID_DATA");
        }
        // BG/BB counts opportunities: a fractional n is refused.
        assert!(expected_customers_by_frequency(&bb, &f, None, 6.5).is_err());
        assert!(expected_customers_by_frequency(&bb, &f, Some(&[1.0]), 6.0).is_err());
    }

    fn out_p(m: &ValueModel, x: f64) -> f64 {
        m.probability_of_purchases(x, 6.0, None).unwrap()
    }

    #[test]
    fn holdout_bins_keep_every_customer() {
        let f = [0.0, 1.0, 1.0, 5.0, 9.0];
        let r = [0.0, 10.0, 20.0, 30.0, 35.0];
        let t = [40.0; 5];
        let fh = [0.0, 1.0, 3.0, 4.0, 8.0];
        let d = [39.0; 5];
        let c = holdout_check(&model(), &f, &r, &t, &fh, &d, Some(3)).unwrap();
        assert_eq!(c.bins.len(), 4);
        assert_eq!(
            c.bins.iter().map(|b| b.customers).collect::<Vec<_>>(),
            [1, 2, 0, 2]
        );
        assert!(c.bins[3].open_ended && !c.bins[2].open_ended);
        assert!((c.bins[1].actual - 2.0).abs() < 1e-12);
        assert!((c.actual_total - 16.0).abs() < 1e-12);
        let m = model();
        let want: f64 = (0..5)
            .map(|i| {
                m.conditional_expected_purchases(39.0, f[i], r[i], t[i])
                    .unwrap()
            })
            .sum();
        assert!((c.predicted_total - want).abs() < 1e-9);
        assert!(
            holdout_check(&m, &f, &r, &t, &fh, &[39.0, 39.0, 0.0, 39.0, 39.0], Some(3)).is_err()
        );
        assert!(holdout_check(&m, &f, &r, &t, &fh[..4], &d, Some(3)).is_err());
    }

    #[test]
    fn period_transactions_expect_as_many_customers_as_there_are() {
        let f = [0.0, 0.0, 1.0, 2.0, 7.0, 3.0];
        let t = [30.0, 30.0, 30.0, 40.0, 40.0, 52.0];
        let bins = period_transactions(&model(), &f, &t, Some(4)).unwrap();
        let expected: f64 = bins.iter().map(|b| b.predicted).sum();
        assert!((expected - 6.0).abs() < 1e-9);
        let m = model();
        let p = |t: f64| m.probability_of_purchases(0.0, t, None).unwrap();
        let p0 = 3.0 * p(30.0) + 2.0 * p(40.0) + p(52.0);
        assert!((bins[0].predicted - p0).abs() < 1e-12);
        assert_eq!(bins[0].actual, 2.0);
        assert_eq!(bins[4].actual, 1.0);
    }
}
