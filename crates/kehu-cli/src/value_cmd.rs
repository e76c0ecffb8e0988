//! `kehu value fit|score`: fit a value model on a per-customer summary CSV (as written by
//! `kehu profile --summary`), and score customers with a saved model.

use crate::output::{io, open};
use kehu::value::{
    customer_lifetime_value, map_customers, ClvOptions, ValueError, ValueModel, DEFAULT_PENALIZER,
};
use std::io::Write;
use std::path::{Path, PathBuf};

/// Arguments of `kehu value fit`.
#[derive(clap::Args)]
pub struct FitArgs {
    /// Summary CSV with a header (customer_id, frequency, recency, T, monetary_value).
    #[arg(long)]
    input: PathBuf,
    /// Model kind: bgnbd, mbgnbd, pnbd, bgbb (recency and T in opportunities), gamma_gamma
    /// (fitted on the rows with frequency ≥ 1 and monetary_value > 0).
    #[arg(long)]
    model: String,
    /// Column counting the customers each row stands for.
    #[arg(long)]
    weights_col: Option<String>,
    /// L2 penalizer (lifetimes' penalizer_coef).
    #[arg(long, default_value_t = DEFAULT_PENALIZER)]
    penalizer: f64,
    /// Where to write the model document; standard output by default.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// Arguments of `kehu value score`.
#[derive(clap::Args)]
pub struct ScoreArgs {
    /// Summary CSV with a header (customer_id, frequency, recency, T, monetary_value).
    #[arg(long)]
    input: PathBuf,
    /// A saved purchase model (bgnbd, mbgnbd, pnbd, bgbb).
    #[arg(long)]
    model: PathBuf,
    /// A saved gamma_gamma model: adds expected spend and CLV.
    #[arg(long)]
    spend_model: Option<PathBuf>,
    /// Horizon of the expected purchases, in the model's time unit.
    #[arg(long, default_value_t = 52.0)]
    horizon: f64,
    /// CLV months.
    #[arg(long, default_value_t = ClvOptions::default().months)]
    months: u32,
    /// Monthly discount rate of the CLV.
    #[arg(long, default_value_t = ClvOptions::default().discount_rate)]
    discount_rate: f64,
    /// Profit margin of the CLV.
    #[arg(long, default_value_t = ClvOptions::default().margin)]
    margin: f64,
    /// Model time units per month (30 for days, 4.345 for weeks).
    #[arg(long, default_value_t = ClvOptions::default().units_per_month)]
    units_per_month: f64,
    /// Output CSV; standard output by default.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// A summary table: the ids (or row numbers) and the named numeric columns.
struct Table {
    ids: Vec<String>,
    headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    fn read(path: &Path) -> Result<Table, kehu::Error> {
        let mut reader = csv::Reader::from_path(path).map_err(io)?;
        let headers: Vec<String> = reader
            .headers()
            .map_err(io)?
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(io)?;
        let id = headers.iter().position(|h| h == "customer_id");
        let ids = (0..rows.len())
            .map(|i| id.map_or(i.to_string(), |c| rows[i][c].to_string()))
            .collect();
        Ok(Table { ids, headers, rows })
    }

    fn column(&self, name: &str) -> Result<Vec<f64>, ValueError> {
        let c =
            self.headers
                .iter()
                .position(|h| h == name)
                .ok_or_else(|| ValueError::InvalidData {
                    row: 0,
                    field: name.into(),
                    reason: "no such column in the summary".into(),
                })?;
        (0..self.rows.len())
            .map(|i| {
                self.rows[i]
                    .get(c)
                    .and_then(|v| v.trim().parse::<f64>().ok())
                    .ok_or_else(|| ValueError::InvalidData {
                        row: i,
                        field: name.into(),
                        reason: "not a number".into(),
                    })
            })
            .collect()
    }
}

/// `kehu value fit`.
pub fn fit(args: &FitArgs) -> Result<(), kehu::Error> {
    let table = Table::read(&args.input)?;
    let weights = args
        .weights_col
        .as_deref()
        .map(|c| table.column(c))
        .transpose()?;
    let frequency = table.column("frequency")?;
    let (model, report) = if args.model == "gamma_gamma" {
        let money = table.column("monetary_value")?;
        let keep: Vec<usize> = (0..frequency.len())
            .filter(|&i| frequency[i] > 0.0 && money[i] > 0.0)
            .collect();
        let pick = |v: &[f64]| keep.iter().map(|&i| v[i]).collect::<Vec<f64>>();
        let w = weights.as_deref().map(pick);
        ValueModel::fit(
            "gamma_gamma",
            &pick(&frequency),
            &pick(&money),
            &[],
            w.as_deref(),
            args.penalizer,
        )?
    } else {
        let (recency, t) = (table.column("recency")?, table.column("T")?);
        ValueModel::fit(
            &args.model,
            &frequency,
            &recency,
            &t,
            weights.as_deref(),
            args.penalizer,
        )?
    };
    eprintln!(
        "{}: {} customers, log-likelihood {:.3}, AIC {:.1}, BIC {:.1}, {} iterations, {}",
        model.kind(),
        report.customers,
        report.log_likelihood,
        report.aic,
        report.bic,
        report.iterations,
        if report.converged {
            "converged"
        } else {
            "NOT converged (estimates may be off)"
        }
    );
    for (i, name) in report.names.iter().enumerate() {
        let se = report.standard_errors.as_ref().map(|s| s[i]);
        match se {
            Some(se) => eprintln!("  {name:<6} {:>14.6} ± {se:.6}", report.params[i]),
            None => eprintln!("  {name:<6} {:>14.6}", report.params[i]),
        }
    }
    let mut out = open(args.output.as_deref())?;
    writeln!(out, "{}", model.to_json()).map_err(io)?;
    Ok(())
}

fn load(path: &Path) -> Result<ValueModel, kehu::Error> {
    ValueModel::from_json(&std::fs::read_to_string(path).map_err(io)?)
}

/// `kehu value score`.
pub fn score(args: &ScoreArgs) -> Result<(), kehu::Error> {
    let model = load(&args.model)?;
    let spend = match args.spend_model.as_deref().map(load).transpose()? {
        None => None,
        Some(ValueModel::GammaGamma(g)) => Some(g),
        Some(_) => {
            return Err(ValueError::InvalidOption {
                option: "spend-model".into(),
                reason: "must be a gamma_gamma model".into(),
            }
            .into())
        }
    };
    let table = Table::read(&args.input)?;
    let (x, tx, t) = (
        table.column("frequency")?,
        table.column("recency")?,
        table.column("T")?,
    );
    let n = x.len();
    let expected = map_customers(n, |i| {
        model.conditional_expected_purchases(args.horizon, x[i], tx[i], t[i])
    })?;
    let alive = map_customers(n, |i| model.probability_alive(x[i], tx[i], t[i]))?;
    let valued = match &spend {
        None => None,
        Some(gg) => {
            let money = table.column("monetary_value")?;
            let opts = ClvOptions {
                months: args.months,
                discount_rate: args.discount_rate,
                margin: args.margin,
                units_per_month: args.units_per_month,
            };
            let clv = customer_lifetime_value(&model, gg, &x, &tx, &t, &money, &opts)?;
            let avg = map_customers(n, |i| gg.conditional_expected_spend(x[i], money[i]))?;
            Some((avg, clv))
        }
    };
    let mut w = csv::Writer::from_writer(open(args.output.as_deref())?);
    let mut head = vec!["customer_id", "expected_purchases", "probability_alive"];
    if valued.is_some() {
        head.extend(["expected_spend", "clv"]);
    }
    w.write_record(&head).map_err(io)?;
    for i in 0..n {
        let mut row = vec![
            table.ids[i].clone(),
            expected[i].to_string(),
            alive[i].to_string(),
        ];
        if let Some((avg, clv)) = &valued {
            row.extend([avg[i].to_string(), clv[i].to_string()]);
        }
        w.write_record(&row).map_err(io)?;
    }
    w.flush().map_err(io)?;
    Ok(())
}
