//! RFM scores: recency, frequency and monetary value binned into scores 1…bins with an
//! explicit tie policy (equal values always get equal scores, except under `first`).

use super::SegmentError;
use crate::profile::CustomerProfile;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

/// How customers with equal values are ranked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Ties {
    /// Mid-rank: p = (count of values < v + ½ · count of values = v) / n (the default).
    #[default]
    Mid,
    /// Every tied value takes the lowest rank of its group.
    Min,
    /// Every tied value takes the highest rank of its group.
    Max,
    /// Row order breaks ties, and bins follow pandas' `qcut(x.rank(method="first"), bins)`:
    /// the common pandas recipe, whose scores depend on the order of the rows.
    First,
}

/// How one of R, F, M is turned into scores.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Binning {
    /// `bins` equal-frequency bins by rank: with rank position p in (0, 1) from the tie policy,
    /// score = min(bins, 1 + ⌊bins · p⌋).
    Quantiles {
        /// Number of scores (≥ 2).
        bins: u32,
        /// Tie policy.
        ties: Ties,
    },
    /// Bins at custom rank cut-offs 0 < c₁ < … < 1: score = 1 + #{cᵢ ≤ p}.
    CutOffs {
        /// Increasing rank shares.
        cut_offs: Vec<f64>,
        /// Tie policy (`first` ranks by row order, then cuts like the others).
        ties: Ties,
    },
    /// Bins at fixed value edges e₁ < … < eₖ (e.g. 30, 90, 180, 365 days): score = 1 + #{eᵢ ≤ v}
    /// (a value equal to an edge belongs to the bin above it).
    Edges {
        /// Increasing value edges.
        edges: Vec<f64>,
    },
}

impl Default for Binning {
    fn default() -> Self {
        RfmScoreOptions::default().binnings().recency
    }
}

impl Binning {
    /// The number of scores this binning produces.
    pub fn bins(&self) -> u32 {
        match self {
            Binning::Quantiles { bins, .. } => *bins,
            Binning::CutOffs { cut_offs, .. } => cut_offs.len() as u32 + 1,
            Binning::Edges { edges } => edges.len() as u32 + 1,
        }
    }

    fn check(&self, field: &str) -> Result<(), SegmentError> {
        let bad = |reason: &str| SegmentError::InvalidOption {
            option: format!("{field} binning"),
            reason: reason.into(),
        };
        let increasing =
            |v: &[f64]| v.windows(2).all(|w| w[0] < w[1]) && v.iter().all(|x| x.is_finite());
        match self {
            Binning::Quantiles { bins, .. } if !(2..=100).contains(bins) => {
                Err(bad("bins must be between 2 and 100"))
            }
            Binning::CutOffs { cut_offs, .. }
                if cut_offs.is_empty()
                    || !increasing(cut_offs)
                    || cut_offs[0] <= 0.0
                    || cut_offs[cut_offs.len() - 1] >= 1.0 =>
            {
                Err(bad("cut-offs must increase strictly within (0, 1)"))
            }
            Binning::Edges { edges } if edges.is_empty() || !increasing(edges) => {
                Err(bad("edges must be finite and increase strictly"))
            }
            _ if self.bins() > 100 => Err(bad("at most 100 bins")),
            _ => Ok(()),
        }
    }
}

/// Scores 1…bins of `values` (higher values score higher), each row's own.
pub fn scores(values: &[f64], binning: &Binning, field: &str) -> Result<Vec<u32>, SegmentError> {
    binning.check(field)?;
    if let Some(row) = values.iter().position(|v| !v.is_finite()) {
        return Err(SegmentError::InvalidData {
            row,
            field: field.into(),
            reason: "must be a finite number".into(),
        });
    }
    let n = values.len();
    let (ties, cut) = match binning {
        Binning::Edges { edges } => {
            return Ok(values
                .par_iter()
                .map(|v| 1 + edges.partition_point(|e| e <= v) as u32)
                .collect())
        }
        Binning::Quantiles { bins, ties } => (*ties, Cut::Bins(*bins)),
        Binning::CutOffs { cut_offs, ties } => (*ties, Cut::Shares(cut_offs)),
    };
    // Rows ordered by value, then by row: groups of equal values are contiguous.
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.par_sort_unstable_by(|&a, &b| {
        values[a as usize]
            .total_cmp(&values[b as usize])
            .then(a.cmp(&b))
    });
    let mut out = vec![0u32; n];
    let mut start = 0;
    while start < n {
        let v = values[order[start] as usize];
        let mut end = start + 1;
        while end < n && values[order[end] as usize] == v {
            end += 1;
        }
        for (offset, &row) in order[start..end].iter().enumerate() {
            // 1-based ranks of the group's rows under the tie policy.
            let rank = match ties {
                Ties::Mid => (start + 1 + end) as f64 / 2.0,
                Ties::Min => (start + 1) as f64,
                Ties::Max => end as f64,
                Ties::First => (start + offset + 1) as f64,
            };
            out[row as usize] = cut.score(rank, n, ties == Ties::First);
        }
        start = end;
    }
    Ok(out)
}

enum Cut<'a> {
    Bins(u32),
    Shares(&'a [f64]),
}

impl Cut<'_> {
    fn score(&self, rank: f64, n: usize, qcut: bool) -> u32 {
        match *self {
            Cut::Bins(bins) if qcut => {
                // pandas' qcut of ranks 1…n: edges 1 + (n−1)·j/bins, right-closed, the lowest
                // rank in the first bin; bin j is the least with (rank − 1)·bins ≤ (n − 1)·j.
                if n <= 1 {
                    return 1;
                }
                let above = (rank as u64 - 1) * u64::from(bins);
                let j = above.div_ceil(n as u64 - 1);
                j.clamp(1, u64::from(bins)) as u32
            }
            Cut::Bins(bins) => {
                let p = (rank - 0.5) / n as f64;
                (1 + (f64::from(bins) * p).floor() as u32).min(bins)
            }
            Cut::Shares(cut_offs) => {
                let p = (rank - 0.5) / n as f64;
                1 + cut_offs.partition_point(|c| *c <= p) as u32
            }
        }
    }
}

/// What counts as a purchase for F (and the unit of M's mean).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FrequencyBasis {
    /// Transactions (rows).
    #[default]
    Transactions,
    /// Distinct orders (rows without an order id count one each).
    Orders,
    /// Distinct purchase days.
    Days,
}

/// How spend becomes M.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MonetaryBasis {
    /// Total spend.
    #[default]
    Sum,
    /// Spend per purchase of the frequency basis.
    Mean,
}

/// R, F and M inputs per customer.
#[derive(Debug, Clone, PartialEq)]
pub struct RfmInputs {
    /// Days since the last purchase at the profiles' observation end (lower is better).
    pub recency_days: Vec<f64>,
    /// Purchases by the frequency basis.
    pub frequency: Vec<f64>,
    /// Spend by the monetary basis.
    pub monetary: Vec<f64>,
}

/// R, F and M of each profile (profiles computed with the snapshot date as observation end;
/// RFM's usual snapshot is the day after the last transaction).
pub fn rfm_inputs(
    profiles: &[CustomerProfile],
    frequency: FrequencyBasis,
    monetary: MonetaryBasis,
) -> RfmInputs {
    let count = |p: &CustomerProfile| match frequency {
        FrequencyBasis::Transactions => p.transactions as f64,
        FrequencyBasis::Orders => p.orders as f64,
        FrequencyBasis::Days => p.frequency + 1.0,
    };
    RfmInputs {
        recency_days: profiles
            .iter()
            .map(|p| p.days_since_last_purchase)
            .collect(),
        frequency: profiles.iter().map(count).collect(),
        monetary: profiles
            .iter()
            .map(|p| match monetary {
                MonetaryBasis::Sum => p.total_spend,
                MonetaryBasis::Mean => p.total_spend / count(p),
            })
            .collect(),
    }
}

/// R, F, M scores per customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmScores {
    /// Recency scores (more recent = higher).
    pub r: Vec<u32>,
    /// Frequency scores.
    pub f: Vec<u32>,
    /// Monetary scores.
    pub m: Vec<u32>,
    /// The number of scores of R, F and M (each runs 1…bins), as [`rfm_scores`] binned them;
    /// `None` when unknown. Segment maps refuse scores binned for another range.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bins: Option<[u32; 3]>,
}

/// How R, F and M are binned (default: 5 mid-rank quantile bins each).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct RfmOptions {
    /// Binning of recency (in days; the score is reversed: fewer days score higher).
    pub recency: Binning,
    /// Binning of frequency.
    pub frequency: Binning,
    /// Binning of monetary value.
    pub monetary: Binning,
}

/// The RFM options a user gives, as every binding takes them: `bins` (default 5) and `ties`
/// (default mid-rank) for quantile bins, `cut_offs` (rank shares, for all three columns) in
/// their place, and per-column value edges, which win over both for their column. Absent
/// fields take these defaults; unknown ones are refused.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RfmScoreOptions {
    /// Quantile bins per column (≥ 2).
    pub bins: u32,
    /// Tie policy of quantile and cut-off bins.
    pub ties: Ties,
    /// Rank cut-offs used instead of `bins` quantiles.
    pub cut_offs: Option<Vec<f64>>,
    /// Value edges of recency (days).
    pub recency_edges: Option<Vec<f64>>,
    /// Value edges of frequency.
    pub frequency_edges: Option<Vec<f64>>,
    /// Value edges of monetary value.
    pub monetary_edges: Option<Vec<f64>>,
}

impl Default for RfmScoreOptions {
    fn default() -> Self {
        RfmScoreOptions {
            bins: 5,
            ties: Ties::Mid,
            cut_offs: None,
            recency_edges: None,
            frequency_edges: None,
            monetary_edges: None,
        }
    }
}

impl RfmScoreOptions {
    /// Each column's binning: its edges if given, else the cut-offs if given, else quantiles.
    pub fn binnings(&self) -> RfmOptions {
        let of = |edges: &Option<Vec<f64>>| match (edges, &self.cut_offs) {
            (Some(edges), _) => Binning::Edges {
                edges: edges.clone(),
            },
            (None, Some(cut_offs)) => Binning::CutOffs {
                cut_offs: cut_offs.clone(),
                ties: self.ties,
            },
            (None, None) => Binning::Quantiles {
                bins: self.bins,
                ties: self.ties,
            },
        };
        RfmOptions {
            recency: of(&self.recency_edges),
            frequency: of(&self.frequency_edges),
            monetary: of(&self.monetary_edges),
        }
    }
}

/// Scores R, F and M. Recency is in days (lower is better): its score is bins + 1 − the score
/// of the days, so the most recent customers score highest.
pub fn rfm_scores(
    recency_days: &[f64],
    frequency: &[f64],
    monetary: &[f64],
    opts: &RfmOptions,
) -> Result<RfmScores, SegmentError> {
    let n = recency_days.len();
    for (field, len) in [("frequency", frequency.len()), ("monetary", monetary.len())] {
        if len != n {
            return Err(SegmentError::InvalidData {
                row: len.min(n),
                field: field.into(),
                reason: format!("has {len} values, expected {n}"),
            });
        }
    }
    if let Some(row) = recency_days.iter().position(|v| *v < 0.0) {
        return Err(SegmentError::InvalidData {
            row,
            field: "recency".into(),
            reason: "days since the last purchase must be ≥ 0".into(),
        });
    }
    if let Some(row) = frequency.iter().position(|v| *v < 0.0) {
        return Err(SegmentError::InvalidData {
            row,
            field: "frequency".into(),
            reason: "must be ≥ 0".into(),
        });
    }
    let bins = opts.recency.bins();
    let r = scores(recency_days, &opts.recency, "recency")?
        .into_iter()
        .map(|s| bins + 1 - s)
        .collect();
    Ok(RfmScores {
        r,
        f: scores(frequency, &opts.frequency, "frequency")?,
        m: scores(monetary, &opts.monetary, "monetary")?,
        bins: Some([bins, opts.frequency.bins(), opts.monetary.bins()]),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quantiles(ties: Ties) -> Binning {
        Binning::Quantiles { bins: 5, ties }
    }

    #[test]
    fn score_options_default_and_take_edges_over_cut_offs_over_quantiles() {
        let parse = |t: &str| crate::format::parse_json::<RfmScoreOptions>(t).map(|o| o.binnings());
        assert_eq!(parse("{}").unwrap(), RfmOptions::default());
        assert_eq!(RfmOptions::default().monetary, quantiles(Ties::Mid));
        let o = parse(r#"{"ties": "min", "cut_offs": [0.5], "recency_edges": [30, 90]}"#).unwrap();
        assert_eq!(
            o.recency,
            Binning::Edges {
                edges: vec![30.0, 90.0]
            }
        );
        assert_eq!(
            o.frequency,
            Binning::CutOffs {
                cut_offs: vec![0.5],
                ties: Ties::Min
            }
        );
        let o = parse(r#"{"bins": 3}"#).unwrap();
        assert_eq!(
            o.monetary,
            Binning::Quantiles {
                bins: 3,
                ties: Ties::Mid
            }
        );
        assert!(parse(r#"{"bin": 3}"#).is_err());
        assert!(parse(r#"{"ties": "average"}"#).is_err());
    }

    #[test]
    fn mid_rank_follows_the_formula_and_ties_share_scores() {
        // n = 10 with a tie at sorted positions 2 and 3: p = (1 + 0.5·2)/10 = 0.2 → score 2.
        let v = [1.0, 2.0, 2.0, 4.0, 5.0, 6.0, 7.0, 8.0, 9.0, 10.0];
        let s = scores(&v, &quantiles(Ties::Mid), "x").unwrap();
        assert_eq!(s, [1, 2, 2, 2, 3, 3, 4, 4, 5, 5]);
        let all_equal = scores(&[3.0; 7], &quantiles(Ties::Mid), "x").unwrap();
        assert_eq!(all_equal, [3; 7]);
        let min = scores(&[3.0; 7], &quantiles(Ties::Min), "x").unwrap();
        let max = scores(&[3.0; 7], &quantiles(Ties::Max), "x").unwrap();
        assert_eq!((min[0], max[0]), (1, 5));
    }

    #[test]
    fn first_follows_pandas_qcut_of_first_ranks() {
        // pd.qcut(pd.Series(range(7)).rank(method="first"), 5, labels=False) + 1
        let v: Vec<f64> = (0..7).map(f64::from).collect();
        assert_eq!(
            scores(&v, &quantiles(Ties::First), "x").unwrap(),
            [1, 1, 2, 3, 4, 5, 5]
        );
        // Row order breaks ties: equal values may get different scores.
        let s = scores(&[1.0, 1.0, 1.0, 1.0, 1.0], &quantiles(Ties::First), "x").unwrap();
        assert_eq!(s, [1, 2, 3, 4, 5]);
    }

    #[test]
    fn edges_cut_offs_and_recency_reversal() {
        let edges = Binning::Edges {
            edges: vec![30.0, 90.0, 180.0, 365.0],
        };
        let opts = RfmOptions {
            recency: edges,
            ..Default::default()
        };
        let r = rfm_scores(&[10.0, 30.0, 200.0, 400.0], &[1.0; 4], &[5.0; 4], &opts).unwrap();
        assert_eq!(r.r, [5, 4, 2, 1]);
        assert_eq!(r.f, [3; 4]);
        let c = Binning::CutOffs {
            cut_offs: vec![0.5, 0.9],
            ties: Ties::Mid,
        };
        let v: Vec<f64> = (0..10).map(f64::from).collect();
        assert_eq!(scores(&v, &c, "x").unwrap(), [1, 1, 1, 1, 1, 2, 2, 2, 2, 3]);
    }

    #[test]
    fn bad_input_names_row_and_field() {
        let opts = RfmOptions::default();
        let e = rfm_scores(&[1.0, f64::NAN], &[1.0, 2.0], &[1.0, 2.0], &opts).unwrap_err();
        assert_eq!(
            e,
            SegmentError::InvalidData {
                row: 1,
                field: "recency".into(),
                reason: "must be a finite number".into()
            }
        );
        let e = rfm_scores(&[1.0, 2.0], &[1.0, -2.0], &[1.0, 2.0], &opts).unwrap_err();
        assert!(matches!(e, SegmentError::InvalidData { row: 1, .. }));
        assert!(rfm_scores(&[1.0], &[1.0, 2.0], &[1.0], &opts).is_err());
        let bad = Binning::Quantiles {
            bins: 1,
            ties: Ties::Mid,
        };
        assert!(scores(&[1.0], &bad, "x").is_err());
        let bad = Binning::Edges {
            edges: vec![3.0, 2.0],
        };
        assert!(scores(&[1.0], &bad, "x").is_err());
    }
}
