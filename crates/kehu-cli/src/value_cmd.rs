//! `kehu value fit|score`: fit a value model on a per-customer summary CSV (as written by
//! `kehu profile --summary`), and score customers with a saved model.

use crate::output::{file_error, in_file, io, open, read_file, CliError};
use kehu::data::csv::header_position;
use kehu::learn::Fit;
use kehu::value::{
    customer_lifetime_value, map_customers, ClvOptions, ValueError, ValueModel, DEFAULT_PENALIZER,
};
use kehu::value::{ValueColumns, ValueFit, ValueOptions};
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
    #[arg(long, allow_negative_numbers = true, default_value_t = DEFAULT_PENALIZER)]
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
    #[arg(long, allow_negative_numbers = true, default_value_t = 52.0)]
    horizon: f64,
    /// CLV months.
    #[arg(long, allow_negative_numbers = true, default_value_t = ClvOptions::default().months)]
    months: u32,
    /// Monthly discount rate of the CLV.
    #[arg(long, allow_negative_numbers = true, default_value_t = ClvOptions::default().discount_rate)]
    discount_rate: f64,
    /// Profit margin of the CLV.
    #[arg(long, allow_negative_numbers = true, default_value_t = ClvOptions::default().margin)]
    margin: f64,
    /// Model time units per month (30 for days, 4.345 for weeks).
    #[arg(long, allow_negative_numbers = true, default_value_t = ClvOptions::default().units_per_month)]
    units_per_month: f64,
    /// Output CSV; standard output by default.
    #[arg(long)]
    output: Option<PathBuf>,
}

/// A summary table: the ids (or row numbers) and the named numeric columns.
struct Table {
    path: PathBuf,
    ids: Vec<String>,
    headers: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

/// A CSV reading error of the summary file, with its line and what went wrong (never the
/// line's text).
fn csv_error(path: &Path, e: &csv::Error) -> kehu::Error {
    let line = e.position().map_or(0, |p| p.line());
    let what = match e.kind() {
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("line {line}: {len} fields where the header has {expected_len}"),
        csv::ErrorKind::Utf8 { .. } => format!("line {line}: invalid UTF-8"),
        csv::ErrorKind::Io(io) => format!("cannot read: {io}"),
        _ => format!("line {line}: malformed record"),
    };
    file_error("input", path, what)
}

impl Table {
    fn read(path: &Path) -> Result<Table, CliError> {
        let text = read_file("input", path)?;
        let mut reader = csv::Reader::from_reader(text.as_bytes());
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(path, &e))?
            .iter()
            .map(str::to_string)
            .collect();
        // Not flexible: a row with another number of fields is an error naming its line.
        let rows = reader
            .records()
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| csv_error(path, &e))?;
        if rows.is_empty() {
            return Err(file_error("input", path, "the summary has no rows").into());
        }
        let id = match header_position(&headers, "customer_id", 1) {
            Ok(c) => Some(c),
            Err(kehu::data::DataError::MissingColumn { .. }) => None,
            Err(e) => return in_file("input", path, Err(e)),
        };
        let ids = (0..rows.len())
            .map(|i| id.map_or(i.to_string(), |c| rows[i][c].to_string()))
            .collect();
        Ok(Table {
            path: path.to_path_buf(),
            ids,
            headers,
            rows,
        })
    }

    fn column(&self, name: &str) -> Result<Vec<f64>, CliError> {
        let c = match header_position(&self.headers, name, 1) {
            Ok(c) => c,
            Err(kehu::data::DataError::MissingColumn { .. }) => {
                return in_file(
                    "input",
                    &self.path,
                    Err(ValueError::InvalidData {
                        row: 0,
                        field: name.into(),
                        reason: "no such column in the summary".into(),
                    }),
                )
            }
            Err(e) => return in_file("input", &self.path, Err(e)),
        };
        let values = (0..self.rows.len())
            .map(|i| {
                let v = self.rows[i].get(c).map_or("", str::trim);
                let reason = if v.is_empty() {
                    "missing"
                } else {
                    "not a number"
                };
                v.parse::<f64>().map_err(|_| ValueError::InvalidData {
                    row: i,
                    field: name.into(),
                    reason: reason.into(),
                })
            })
            .collect::<Result<Vec<f64>, _>>();
        in_file("input", &self.path, values)
    }
}

/// `kehu value fit`.
pub fn fit(args: &FitArgs) -> Result<(), CliError> {
    // The options first, before reading the data (the core's error names the kinds).
    let options = ValueOptions {
        kind: args.model.clone(),
        penalizer: args.penalizer,
        q_constraint: false,
    };
    if let Err(ValueError::InvalidOption { option, reason }) = options.check() {
        let option = if option == "kind" {
            "model".into()
        } else {
            option
        };
        return Err(ValueError::InvalidOption { option, reason }.into());
    }
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
        let columns = ValueColumns {
            a: &pick(&frequency),
            b: &pick(&money),
            c: None,
            weights: w.as_deref(),
        };
        options.fit(&columns).map(ValueFit::into_parts)?
    } else {
        let (recency, t) = (table.column("recency")?, table.column("T")?);
        let columns = ValueColumns {
            a: &frequency,
            b: &recency,
            c: Some(&t),
            weights: weights.as_deref(),
        };
        options.fit(&columns).map(ValueFit::into_parts)?
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
    for warning in &report.warnings {
        eprintln!("warning: {warning}");
    }
    let mut out = open(args.output.as_deref())?;
    writeln!(out, "{}", model.to_json()).map_err(io)?;
    Ok(())
}

fn load(option: &str, path: &Path) -> Result<ValueModel, CliError> {
    in_file(
        option,
        path,
        ValueModel::from_json(&read_file(option, path)?),
    )
}

/// `kehu value score`.
pub fn score(args: &ScoreArgs) -> Result<(), CliError> {
    let model = load("model", &args.model)?;
    let spend = match args
        .spend_model
        .as_deref()
        .map(|p| load("spend-model", p))
        .transpose()?
    {
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
