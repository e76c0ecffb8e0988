//! A fitted purchase model tracked against purchases over time, as lifetimes' `utils` does:
//! one customer's P(alive) path since the first purchase ([`alive_path`],
//! `calculate_alive_path`) and the actual against the expected cumulative repeat transactions of
//! the whole base ([`cumulative_transactions`], `expected_cumulative_transactions`, Fader, Hardie
//! and Lee 2005, p. 8).
//!
//! Time is counted in periods of `freq` ([`Freq`]); several purchases of a customer in one
//! period count as one, as in the RFM summary.

use super::{map_customers, ValueError, ValueModel};
use crate::data::{
    validate, IdColumn, IntColumn, TimeColumn, TransactionColumns, Transactions, ValidationOptions,
};
use crate::profile::Freq;
use rayon::prelude::*;

/// The most periods a tracking result may span (a guard against a horizon given in the wrong
/// unit; 10⁶ days is 2,700 years).
const MAX_PERIODS: u32 = 1_000_000;

fn check_periods(option: &str, t: u32) -> Result<(), ValueError> {
    if t > MAX_PERIODS {
        return Err(ValueError::InvalidOption {
            option: option.into(),
            reason: format!("must be at most {MAX_PERIODS} periods"),
        });
    }
    Ok(())
}

/// P(alive) of one customer at ages 0, 1, … periods since the first purchase, given the
/// periods of their purchases (`periods`, any order, repeats allowed): at age a, frequency is
/// the number of later periods with a purchase up to a, recency the age of the last of them.
/// The path runs to age `t`, or to the last purchase when that is later (as lifetimes does).
pub fn alive_path(model: &ValueModel, periods: &[i64], t: u32) -> Result<Vec<f64>, ValueError> {
    check_periods("t", t)?;
    let Some(&first) = periods.iter().min() else {
        return Err(ValueError::InvalidData {
            row: 0,
            field: "timestamp".into(),
            reason: "the customer has no purchases".into(),
        });
    };
    let span = periods.iter().max().map_or(0, |&last| last - first);
    if span > i64::from(MAX_PERIODS) {
        return Err(ValueError::InvalidOption {
            option: "freq".into(),
            reason: format!("the purchases span more than {MAX_PERIODS} periods"),
        });
    }
    let ages = (span as usize).max(t as usize) + 1;
    let mut bought = vec![false; ages];
    for &p in periods {
        bought[(p - first) as usize] = true;
    }
    // (frequency, recency) at each age, then the model's P(alive) in parallel.
    let mut history = Vec::with_capacity(ages);
    let (mut frequency, mut recency) = (0.0, 0.0);
    for (age, &b) in bought.iter().enumerate().skip(1) {
        if b {
            frequency += 1.0;
            recency = age as f64;
        }
        history.push((frequency, recency));
    }
    history.insert(0, (0.0, 0.0));
    map_customers(ages, |age| {
        let (x, t_x) = history[age];
        model.probability_alive(x, t_x, age as f64)
    })
}

/// Every row one customer's: the id column [`alive_path_columns`] gives validation.
struct OneCustomer(usize);

impl IntColumn for OneCustomer {
    fn len(&self) -> usize {
        self.0
    }
    fn get(&self, _: usize) -> Option<i64> {
        Some(0)
    }
}

/// One customer's P(alive) path with the dates to draw it against.
#[derive(Debug, Clone, PartialEq)]
pub struct AlivePath {
    /// P(alive) at ages 0, 1, … periods since the first purchase ([`alive_path`]).
    pub probability: Vec<f64>,
    /// The first microsecond of each age's period.
    pub period_starts: Vec<i64>,
    /// The first microsecond of each period with a purchase, in time order.
    pub purchase_starts: Vec<i64>,
}

fn starts(freq: Freq, periods: impl Iterator<Item = i64>) -> Result<Vec<i64>, ValueError> {
    periods
        .map(|p| freq.period_start(p))
        .collect::<Option<_>>()
        .ok_or_else(|| ValueError::InvalidOption {
            option: "t".into(),
            reason: "the periods run beyond the timestamps kehu holds".into(),
        })
}

/// [`alive_path`] from one customer's purchase timestamps (validated as lifetimes' functions
/// validate: a bad timestamp is an error naming its row), with each age's and each purchase's
/// period start (lifetimes' `plot_history_alive` axis).
pub fn alive_path_columns(
    model: &ValueModel,
    timestamp: TimeColumn,
    freq: Freq,
    t: u32,
) -> Result<AlivePath, crate::Error> {
    let ids = OneCustomer(timestamp.len());
    let cols = TransactionColumns::new(IdColumn::Int(&ids), timestamp);
    let (tx, _) = validate(&cols, &ValidationOptions::lifetimes())?;
    let mut periods: Vec<i64> = tx.timestamp().iter().map(|&ts| freq.period(ts)).collect();
    let probability = alive_path(model, &periods, t)?;
    periods.sort_unstable();
    periods.dedup();
    let first = periods[0];
    let period_starts = starts(freq, (0..probability.len() as i64).map(|age| first + age))?;
    let purchase_starts = starts(freq, periods.into_iter())?;
    Ok(AlivePath {
        probability,
        period_starts,
        purchase_starts,
    })
}

/// Actual and expected cumulative repeat transactions, one row every `freq_multiplier` periods.
#[derive(Debug, Clone, PartialEq)]
pub struct CumulativeTransactions {
    /// Repeat transactions (customer-periods after each customer's first) in the periods
    /// before the row's end.
    pub actual: Vec<f64>,
    /// Σ over the customers whose first purchase came before the row's end of E[X(age)], the
    /// model's expected purchases of a new customer at that age (in periods ÷ multiplier).
    pub predicted: Vec<f64>,
    /// The period index (of `freq`) each row is labelled with: the last period it counts.
    pub periods: Vec<i64>,
    /// The first microsecond of each row's `periods` entry (a date to label the row with).
    pub period_starts: Vec<i64>,
}

impl CumulativeTransactions {
    /// The rows' increments: each row's actual and expected repeat transactions less the row
    /// before's (the first row's from zero), lifetimes' `plot_incremental_transactions` (whose
    /// first row is NaN, left undrawn).
    pub fn increments(mut self) -> Self {
        for column in [&mut self.actual, &mut self.predicted] {
            let mut before = 0.0;
            for value in column.iter_mut() {
                (*value, before) = (*value - before, *value);
            }
        }
        self
    }
}

/// The actual and expected cumulative repeat transactions of all customers over the `t`
/// periods from the first transaction, every `freq_multiplier` periods (lifetimes'
/// `expected_cumulative_transactions`; the model's time unit is `freq_multiplier` periods).
/// Transactions after those `t` periods are left out.
pub fn cumulative_transactions(
    model: &ValueModel,
    transactions: &Transactions,
    freq: Freq,
    t: u32,
    freq_multiplier: u32,
) -> Result<CumulativeTransactions, ValueError> {
    check_periods("t", t)?;
    if freq_multiplier == 0 {
        return Err(ValueError::InvalidOption {
            option: "freq_multiplier".into(),
            reason: "must be a whole number ≥ 1".into(),
        });
    }
    let ts = transactions.timestamp();
    let Some(start) = ts.par_iter().map(|&x| freq.period(x)).min() else {
        return Err(ValueError::InvalidData {
            row: 0,
            field: "timestamp".into(),
            reason: "there are no transactions".into(),
        });
    };
    let end = start + i64::from(t);
    let grouping = transactions.group_by_customer(|r| {
        let p = freq.period(ts[r]);
        (p <= end).then_some(p)
    });
    // Per period since the start: customers first seen there, and repeat customer-periods.
    let per_customer: Vec<(Option<i64>, Vec<i64>)> = (0..grouping.groups())
        .into_par_iter()
        .map(|code| {
            let mut periods = grouping.of(code).to_vec();
            periods.sort_unstable();
            periods.dedup();
            let first = periods.first().copied();
            let repeats = periods.into_iter().skip(1).collect();
            (first, repeats)
        })
        .collect();
    let slots = t as usize + 1;
    let (mut firsts, mut repeats) = (vec![0.0; slots], vec![0.0; slots]);
    for (first, later) in &per_customer {
        if let Some(f) = first {
            firsts[(f - start) as usize] += 1.0;
        }
        for p in later {
            repeats[(p - start) as usize] += 1.0;
        }
    }
    let m = freq_multiplier as usize;
    let rows = t as usize / m;
    // E[X(d / m)] of a new customer for every age d = 1 … t periods.
    let expected = map_customers(t as usize + 1, |d| {
        if d == 0 {
            Ok(0.0)
        } else {
            model.expected_purchases_new(d as f64 / f64::from(freq_multiplier))
        }
    })?;
    let cohorts: Vec<(usize, f64)> = firsts
        .iter()
        .enumerate()
        .filter(|(_, &n)| n > 0.0)
        .map(|(i, &n)| (i, n))
        .collect();
    // Each row sums over the cohorts before it: bound the work (10⁹ terms is seconds).
    if (rows as f64) * (cohorts.len() as f64) > 1e9 {
        return Err(ValueError::InvalidOption {
            option: "t".into(),
            reason: "too many periods × first-purchase cohorts (over 10^9): use a longer freq"
                .into(),
        });
    }
    let predicted: Vec<f64> = (1..=rows)
        .into_par_iter()
        .map(|row| {
            let i = row * m;
            cohorts
                .iter()
                .take_while(|(c, _)| *c < i)
                .map(|&(c, n)| n * expected[i - c])
                .sum()
        })
        .collect();
    let mut actual = Vec::with_capacity(rows);
    let mut running = 0.0;
    for (i, r) in repeats.iter().enumerate().take(rows * m) {
        running += r;
        if (i + 1) % m == 0 {
            actual.push(running);
        }
    }
    let periods: Vec<i64> = (1..=rows).map(|row| start + (row * m) as i64 - 1).collect();
    let period_starts = starts(freq, periods.iter().copied())?;
    Ok(CumulativeTransactions {
        actual,
        predicted,
        periods,
        period_starts,
    })
}

/// [`cumulative_transactions`] on transaction columns, validated as lifetimes' functions
/// validate; `freq_multiplier` `None` is lifetimes' default, 1.
pub fn cumulative_transactions_columns(
    model: &ValueModel,
    cols: &TransactionColumns,
    freq: Freq,
    t: u32,
    freq_multiplier: Option<u32>,
) -> Result<CumulativeTransactions, crate::Error> {
    let (tx, _) = validate(cols, &ValidationOptions::lifetimes())?;
    Ok(cumulative_transactions(
        model,
        &tx,
        freq,
        t,
        freq_multiplier.unwrap_or(1),
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::value::BetaGeo;

    fn bg() -> ValueModel {
        ValueModel::BetaGeo(BetaGeo {
            r: 0.243,
            alpha: 4.414,
            a: 0.793,
            b: 2.426,
        })
    }

    #[test]
    fn alive_path_follows_the_history() {
        let model = bg();
        // Purchases at ages 0, 0 (same period), 3 and 5; path to age 8.
        let path = alive_path(&model, &[10, 10, 13, 15], 8).unwrap();
        assert_eq!(path.len(), 9);
        let expect = |x: f64, tx: f64, age: f64| model.probability_alive(x, tx, age).unwrap();
        assert_eq!(path[0], 1.0);
        assert_eq!(path[2], expect(0.0, 0.0, 2.0));
        assert_eq!(path[3], expect(1.0, 3.0, 3.0));
        assert_eq!(path[4], expect(1.0, 3.0, 4.0));
        assert_eq!(path[8], expect(2.0, 5.0, 8.0));
        // A horizon shorter than the history still covers the history.
        assert_eq!(alive_path(&model, &[15, 10], 2).unwrap().len(), 6);
        assert!(alive_path(&model, &[], 2).is_err());
        assert!(alive_path(&model, &[0], MAX_PERIODS + 1).is_err());
    }

    #[test]
    fn alive_path_columns_give_the_dates_to_draw() {
        let model = bg();
        let day = crate::data::time::MICROS_PER_DAY;
        // Purchases on days 10 (twice, at noon and at 1 a.m.), 13 and 15 (in no order).
        let times: Vec<i64> = vec![
            13 * day,
            10 * day + day / 2,
            15 * day + 5,
            10 * day + day / 24,
        ];
        let column = TimeColumn::Epoch {
            values: &times,
            unit: crate::data::time::TimeUnit::Micros,
        };
        let path = alive_path_columns(&model, column, Freq::Day, 8).unwrap();
        assert_eq!(
            path.probability,
            alive_path(&model, &[10, 10, 13, 15], 8).unwrap()
        );
        let expect: Vec<i64> = (10..=18).map(|d| d * day).collect();
        assert_eq!(path.period_starts, expect);
        assert_eq!(path.purchase_starts, vec![10 * day, 13 * day, 15 * day]);
        // In weeks (Monday to Sunday): 1970-01-05 was the first Monday.
        let column = TimeColumn::Epoch {
            values: &times,
            unit: crate::data::time::TimeUnit::Micros,
        };
        let weeks = alive_path_columns(&model, column, Freq::Week, 2).unwrap();
        assert_eq!(weeks.period_starts, vec![4 * day, 11 * day, 18 * day]);
        assert_eq!(weeks.purchase_starts, vec![4 * day, 11 * day]);
    }

    #[test]
    fn cumulative_transactions_count_and_expect() {
        let model = bg();
        let day = crate::data::time::MICROS_PER_DAY;
        // Customer 1: days 0, 0, 2, 5; customer 2: days 1, 2; customer 3: day 9 (after t).
        let ids: Vec<i64> = vec![1, 1, 1, 1, 2, 2, 3];
        let times: Vec<i64> = [0, 0, 2, 5, 1, 2, 9].iter().map(|d| d * day).collect();
        let cols = TransactionColumns::new(
            IdColumn::Int(&ids),
            TimeColumn::Epoch {
                values: &times,
                unit: crate::data::time::TimeUnit::Micros,
            },
        );
        let c = cumulative_transactions_columns(&model, &cols, Freq::Day, 6, None).unwrap();
        assert_eq!(c.actual, vec![0.0, 0.0, 2.0, 2.0, 2.0, 3.0]);
        let e = |d: f64| model.expected_purchases_new(d).unwrap();
        assert_eq!(c.predicted[0], e(1.0));
        assert_eq!(c.predicted[2], e(3.0) + e(2.0));
        assert_eq!(c.periods, vec![0, 1, 2, 3, 4, 5]);
        let two = cumulative_transactions_columns(&model, &cols, Freq::Day, 6, Some(2)).unwrap();
        assert_eq!(two.actual, vec![0.0, 2.0, 3.0]);
        assert_eq!(two.predicted[0], e(1.0) + e(0.5));
        assert_eq!(two.periods, vec![1, 3, 5]);
        // Each row's label as a date: the first microsecond of its last period (days here).
        let day = crate::data::time::MICROS_PER_DAY;
        assert_eq!(two.period_starts, vec![day, 3 * day, 5 * day]);
        let steps = two.clone().increments();
        assert_eq!(steps.actual, vec![0.0, 2.0, 1.0]);
        assert_eq!(steps.predicted[0], two.predicted[0]);
        assert_eq!(steps.predicted[2], two.predicted[2] - two.predicted[1]);
        assert_eq!(steps.period_starts, two.period_starts);
        assert!(cumulative_transactions_columns(&model, &cols, Freq::Day, 6, Some(0)).is_err());
    }
}
