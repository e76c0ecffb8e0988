//! The lifetimes-compatible RFM summary (`frequency`, `recency`, `T`, `monetary_value`) and the
//! calibration/holdout split.
//!
//! Semantics follow lifetimes' `summary_data_from_transaction_data`: timestamps are floored to
//! periods of `freq`; several transactions in one period count as one (their amounts summed);
//! `frequency` is the number of periods with a purchase after the first, `recency` the time from
//! the first to the last such period, `T` from the first period to the observation end's period,
//! all divided by `freq_multiplier`; `monetary_value` is the mean of the repeat periods' sums
//! (0 without repeats). Transactions in periods after the observation end are left out and
//! counted in [`Summary::rows_after_end`].

use super::freq::Freq;
use super::ProfileError;
use crate::data::{CustomerIds, Transactions};
use rayon::prelude::*;

/// Options of [`summarize`].
#[derive(Debug, Clone, PartialEq)]
pub struct SummaryOptions {
    /// Period length (default days).
    pub freq: Freq,
    /// Periods per time unit of the output, e.g. 7 with days for weeks (default 1).
    pub freq_multiplier: f64,
    /// End of observation (µs since the epoch); default the latest transaction.
    pub observation_period_end: Option<i64>,
    /// Count the first purchase in `frequency` and `monetary_value` (default false).
    pub include_first_transaction: bool,
}

impl Default for SummaryOptions {
    fn default() -> Self {
        SummaryOptions {
            freq: Freq::Day,
            freq_multiplier: 1.0,
            observation_period_end: None,
            include_first_transaction: false,
        }
    }
}

/// Per-customer summary, one entry per customer with a transaction by the observation end,
/// ordered by customer id.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Customer ids.
    pub customer_ids: CustomerIds,
    /// Repeat purchase periods.
    pub frequency: Vec<f64>,
    /// Time between the first and the last purchase.
    pub recency: Vec<f64>,
    /// Time between the first purchase and the observation end (lifetimes' `T`).
    pub t: Vec<f64>,
    /// Mean repeat-period spend; `None` when the transactions have no amounts.
    pub monetary_value: Option<Vec<f64>>,
    /// Transactions after the observation end's period, left out.
    pub rows_after_end: usize,
}

impl Summary {
    /// Number of customers.
    pub fn len(&self) -> usize {
        self.frequency.len()
    }

    /// Whether there are no customers.
    pub fn is_empty(&self) -> bool {
        self.frequency.is_empty()
    }
}

/// The summary columns by customer code; `present[c]` is false for a customer without
/// transactions by the end (the other columns are then 0).
struct ByCode {
    present: Vec<bool>,
    frequency: Vec<f64>,
    recency: Vec<f64>,
    t: Vec<f64>,
    monetary: Vec<f64>,
}

fn check_multiplier(m: f64) -> Result<(), ProfileError> {
    if m.is_finite() && m > 0.0 {
        Ok(())
    } else {
        Err(ProfileError::InvalidOption {
            option: "freq_multiplier".into(),
            reason: "must be a finite number greater than 0".into(),
        })
    }
}

/// Summarises transactions per customer (see the module documentation).
pub fn summarize(t: &Transactions, opts: &SummaryOptions) -> Result<Summary, ProfileError> {
    check_multiplier(opts.freq_multiplier)?;
    let end = match opts.observation_period_end.or_else(|| t.max_timestamp()) {
        Some(end) => end,
        None => return Err(ProfileError::Empty),
    };
    let (by_code, rows_after_end) = summarize_customers(t, opts, end);
    into_summary(t, by_code, rows_after_end).map(|(s, _)| s)
}

/// The summary columns of every customer, by code, and the number of rows after the end.
fn summarize_customers(t: &Transactions, opts: &SummaryOptions, end: i64) -> (ByCode, usize) {
    const CHUNK: usize = 4096;
    let freq = opts.freq;
    let end_period = freq.period(end);
    let amounts = t.amount();
    let ts = t.timestamp();
    let grouping =
        t.group_by_customer(|r| Some((freq.period(ts[r]), amounts.map_or(0.0, |a| a[r]))));
    let n = grouping.groups();
    let mut by = ByCode {
        present: vec![false; n],
        frequency: vec![0.0; n],
        recency: vec![0.0; n],
        t: vec![0.0; n],
        monetary: vec![0.0; n],
    };
    // Written in place by chunks of codes: no per-customer intermediate rows.
    by.present
        .par_chunks_mut(CHUNK)
        .zip(by.frequency.par_chunks_mut(CHUNK))
        .zip(by.recency.par_chunks_mut(CHUNK))
        .zip(by.t.par_chunks_mut(CHUNK))
        .zip(by.monetary.par_chunks_mut(CHUNK))
        .enumerate()
        .for_each_init(Vec::new, |buf: &mut Vec<(i64, f64)>, (chunk, cols)| {
            let ((((present, frequency), recency), t), monetary) = cols;
            for i in 0..present.len() {
                let pairs = grouping.of(chunk * CHUNK + i);
                let sorted_by_end = pairs.is_sorted_by_key(|x| x.0)
                    && pairs.last().is_some_and(|x| x.0 <= end_period);
                let pairs = if sorted_by_end {
                    pairs
                } else {
                    buf.clear();
                    buf.extend(pairs.iter().filter(|x| x.0 <= end_period));
                    buf.sort_by_key(|x| x.0);
                    &buf[..]
                };
                if pairs.is_empty() {
                    continue;
                }
                let row = customer_row(pairs, end_period, opts);
                present[i] = true;
                frequency[i] = row.frequency;
                recency[i] = row.recency;
                t[i] = row.t;
                monetary[i] = row.monetary;
            }
        });
    let after = ts
        .par_iter()
        .filter(|&&x| freq.period(x) > end_period)
        .count();
    (by, after)
}

/// One customer's summary.
struct Row {
    frequency: f64,
    recency: f64,
    t: f64,
    monetary: f64,
}

/// The summary of one customer from (period, amount) pairs sorted by period.
fn customer_row(pairs: &[(i64, f64)], end_period: i64, opts: &SummaryOptions) -> Row {
    let first = pairs[0].0;
    let last = pairs[pairs.len() - 1].0;
    let mut periods = 0usize;
    let mut repeat_sum = 0.0;
    let mut repeat_periods = 0usize;
    let mut i = 0;
    while i < pairs.len() {
        let p = pairs[i].0;
        let mut sum = 0.0;
        while i < pairs.len() && pairs[i].0 == p {
            sum += pairs[i].1;
            i += 1;
        }
        if periods > 0 || opts.include_first_transaction {
            repeat_sum += sum;
            repeat_periods += 1;
        }
        periods += 1;
    }
    let frequency = if opts.include_first_transaction {
        periods
    } else {
        periods - 1
    };
    let monetary = if repeat_periods > 0 {
        repeat_sum / repeat_periods as f64
    } else {
        0.0
    };
    Row {
        frequency: frequency as f64,
        recency: (last - first) as f64 / opts.freq_multiplier,
        t: (end_period - first) as f64 / opts.freq_multiplier,
        monetary,
    }
}

/// The summary in customer-id order of the customers that have a row, with their codes.
fn into_summary(
    t: &Transactions,
    by: ByCode,
    rows_after_end: usize,
) -> Result<(Summary, Vec<u32>), ProfileError> {
    let order = t.customers_in_id_order();
    let every_code_in_order = order.len() == by.present.len()
        && order.par_iter().enumerate().all(|(i, &c)| c as usize == i)
        && by.present.par_iter().all(|&p| p);
    let has_amounts = t.amount().is_some();
    let (codes, columns) = if every_code_in_order {
        // The common case (ids in code order, every customer kept): the columns as they are.
        (order, [by.frequency, by.recency, by.t, by.monetary])
    } else {
        let codes: Vec<u32> = order
            .into_par_iter()
            .filter(|&c| by.present[c as usize])
            .collect();
        let column = |v: &[f64]| codes.par_iter().map(|&c| v[c as usize]).collect();
        let columns = [
            column(&by.frequency),
            column(&by.recency),
            column(&by.t),
            column(&by.monetary),
        ];
        (codes, columns)
    };
    if codes.is_empty() {
        return Err(ProfileError::Empty);
    }
    let [frequency, recency, t_column, monetary] = columns;
    let summary = Summary {
        customer_ids: t.ids().select(&codes),
        frequency,
        recency,
        t: t_column,
        monetary_value: has_amounts.then_some(monetary),
        rows_after_end,
    };
    Ok((summary, codes))
}

/// Summary and holdout options as a user gives them: every field optional, times as text. The
/// one reader of these options for every binding: what is absent takes the core's default, and
/// the times are read by [`parse_time_option`](crate::data::time::parse_time_option) with the
/// transactions' `datetime_format` (as lifetimes reads them with pandas and the same format).
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct GivenSummaryOptions<'a> {
    /// `freq` (D, W, h, min, s or M; default D).
    pub freq: Option<&'a str>,
    /// Periods per time unit of the output (default 1).
    pub freq_multiplier: Option<f64>,
    /// End of observation (default the latest transaction).
    pub observation_period_end: Option<&'a str>,
    /// Count the first purchase (default false).
    pub include_first_transaction: Option<bool>,
    /// The strftime format of the times (default ISO 8601).
    pub datetime_format: Option<&'a str>,
}

impl GivenSummaryOptions<'_> {
    /// The summary options, checked.
    pub fn summary(&self) -> Result<SummaryOptions, crate::Error> {
        let d = SummaryOptions::default();
        Ok(SummaryOptions {
            freq: Freq::from_option(self.freq)?,
            freq_multiplier: self.freq_multiplier.unwrap_or(d.freq_multiplier),
            observation_period_end: self
                .time("observation_period_end", self.observation_period_end)?,
            include_first_transaction: self
                .include_first_transaction
                .unwrap_or(d.include_first_transaction),
        })
    }

    /// The calibration/holdout options with the calibration period's end, checked.
    pub fn holdout(&self, calibration_period_end: &str) -> Result<HoldoutOptions, crate::Error> {
        let s = self.summary()?;
        Ok(HoldoutOptions {
            calibration_period_end: self
                .time("calibration_period_end", Some(calibration_period_end))?
                .expect("a time was given"),
            observation_period_end: s.observation_period_end,
            freq: s.freq,
            freq_multiplier: s.freq_multiplier,
            include_first_transaction: s.include_first_transaction,
        })
    }

    fn time(&self, option: &str, text: Option<&str>) -> Result<Option<i64>, crate::Error> {
        Ok(crate::data::time::parse_time_option(
            option,
            text,
            self.datetime_format,
        )?)
    }
}

/// Options of [`calibration_and_holdout`].
#[derive(Debug, Clone, PartialEq)]
pub struct HoldoutOptions {
    /// Last moment of the calibration period (µs since the epoch).
    pub calibration_period_end: i64,
    /// End of the holdout period; default the latest transaction.
    pub observation_period_end: Option<i64>,
    /// Period length.
    pub freq: Freq,
    /// Periods per output time unit.
    pub freq_multiplier: f64,
    /// Count the first purchase in the calibration `frequency`.
    pub include_first_transaction: bool,
}

/// Calibration summary plus holdout purchases, per customer seen in the calibration period
/// (lifetimes' `calibration_and_holdout_data`).
#[derive(Debug, Clone, PartialEq)]
pub struct CalibrationHoldout {
    /// The calibration summary (`*_cal` columns); its `rows_after_end` counts the rows after
    /// the observation period end, which are in neither period.
    pub calibration: Summary,
    /// Purchase periods in the holdout period.
    pub frequency_holdout: Vec<f64>,
    /// Mean transaction amount in the holdout period (0 without holdout purchases).
    pub monetary_value_holdout: Option<Vec<f64>>,
    /// Length of the holdout period in output time units.
    pub duration_holdout: f64,
}

/// Splits transactions at `calibration_period_end`: the summary of the calibration part, and per
/// calibration customer the number of purchase periods and the mean amount in the holdout part
/// (`calibration_period_end < t <= observation_period_end`). Customers first seen in the holdout
/// period are not in the result, as in lifetimes.
pub fn calibration_and_holdout(
    t: &Transactions,
    opts: &HoldoutOptions,
) -> Result<CalibrationHoldout, ProfileError> {
    check_multiplier(opts.freq_multiplier)?;
    let cal_end = opts.calibration_period_end;
    let obs_end = match opts.observation_period_end.or_else(|| t.max_timestamp()) {
        Some(end) => end,
        None => return Err(ProfileError::Empty),
    };
    if cal_end >= obs_end {
        return Err(ProfileError::InvalidOption {
            option: "calibration_period_end".into(),
            reason: "must be before the observation period end".into(),
        });
    }
    let ts = t.timestamp();
    let cal_rows: Vec<usize> = (0..t.len()).filter(|&r| ts[r] <= cal_end).collect();
    let in_holdout = |r: usize| ts[r] > cal_end && ts[r] <= obs_end;
    if !(0..t.len()).any(in_holdout) {
        return Err(ProfileError::NoHoldoutData);
    }
    let cal = t.select(&cal_rows);
    let summary_opts = SummaryOptions {
        freq: opts.freq,
        freq_multiplier: opts.freq_multiplier,
        observation_period_end: Some(cal_end),
        include_first_transaction: opts.include_first_transaction,
    };
    let (by_code, _) = summarize_customers(&cal, &summary_opts, cal_end);
    let after_end = ts.par_iter().filter(|&&x| x > obs_end).count();
    let (calibration, codes) = into_summary(&cal, by_code, after_end)?;
    // Holdout per customer code, then joined onto the calibration customers (same dictionary).
    let amounts = t.amount();
    let grouping = t.group_by_customer(|r| {
        in_holdout(r).then(|| (opts.freq.period(ts[r]), amounts.map_or(0.0, |a| a[r])))
    });
    let holdout: Vec<(f64, f64)> = (0..t.ids().len())
        .into_par_iter()
        .with_min_len(1024)
        .map(|code| {
            let items = grouping.of(code);
            let mut periods: Vec<i64> = items.iter().map(|x| x.0).collect();
            periods.sort_unstable();
            periods.dedup();
            let sum: f64 = items.iter().map(|x| x.1).sum();
            let mean = if items.is_empty() {
                0.0
            } else {
                sum / items.len() as f64
            };
            (periods.len() as f64, mean)
        })
        .collect();
    let duration =
        (opts.freq.period(obs_end) - opts.freq.period(cal_end)) as f64 / opts.freq_multiplier;
    Ok(CalibrationHoldout {
        frequency_holdout: codes.iter().map(|&c| holdout[c as usize].0).collect(),
        monetary_value_holdout: amounts
            .map(|_| codes.iter().map(|&c| holdout[c as usize].1).collect()),
        duration_holdout: duration,
        calibration,
    })
}
