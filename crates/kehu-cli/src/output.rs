//! Printing and writing results.

use kehu::data::time::format_iso;
use kehu::data::{DataError, ValidationReport};
use kehu::profile::{CustomerProfile, Summary, TagRules};
use std::io::{BufWriter, Write};
use std::path::Path;

pub fn io(e: impl std::fmt::Display) -> kehu::Error {
    DataError::Io(e.to_string()).into()
}

/// An error of the command line: kehu's typed error and, when it is about the contents of a file
/// given with an option, that option and path.
pub struct CliError {
    pub error: kehu::Error,
    pub file: Option<String>,
}

impl<E: Into<kehu::Error>> From<E> for CliError {
    fn from(e: E) -> Self {
        CliError {
            error: e.into(),
            file: None,
        }
    }
}

impl std::fmt::Display for CliError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.file {
            Some(file) => write!(f, "{file}: {}", self.error),
            None => write!(f, "{}", self.error),
        }
    }
}

/// `r`, its error said to be about the file `path` given with `--option` (errors that name the
/// path already are left as they are).
pub fn in_file<T, E: Into<kehu::Error>>(
    option: &str,
    path: &Path,
    r: Result<T, E>,
) -> Result<T, CliError> {
    r.map_err(|e| {
        let error = e.into();
        let named = error.to_string().contains(&format!("'{}'", path.display()));
        CliError {
            error,
            file: (!named).then(|| format!("--{option} '{}'", path.display())),
        }
    })
}

/// An error about the file `path` given with `--option`: names both (paths on the command line
/// are the user's own words, not customer data).
pub fn file_error(option: &str, path: &Path, what: impl std::fmt::Display) -> kehu::Error {
    DataError::Io(format!("--{option} '{}': {what}", path.display())).into()
}

/// The text of the file given with `--option`.
pub fn read_file(option: &str, path: &Path) -> Result<String, kehu::Error> {
    if path.is_dir() {
        return Err(file_error(option, path, "is a directory, not a file"));
    }
    std::fs::read_to_string(path).map_err(|e| file_error(option, path, format!("cannot read: {e}")))
}

/// Checks, before any work, that `path` (given with `--option`) can be written: not a
/// directory, in a directory that exists.
pub fn check_writable(option: &str, path: &Path) -> Result<(), kehu::Error> {
    if path.is_dir() {
        return Err(file_error(option, path, "is a directory, not a file"));
    }
    let parent = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    if !parent.is_dir() {
        return Err(file_error(
            option,
            path,
            format!("cannot write: no directory '{}'", parent.display()),
        ));
    }
    Ok(())
}

/// Creates the file given with `--option`.
pub fn create(option: &str, path: &Path) -> Result<std::fs::File, kehu::Error> {
    check_writable(option, path)?;
    std::fs::File::create(path).map_err(|e| file_error(option, path, format!("cannot write: {e}")))
}

/// The `--output` file, or standard output.
pub fn open(path: Option<&Path>) -> Result<Box<dyn Write>, kehu::Error> {
    Ok(match path {
        Some(p) => Box::new(BufWriter::new(create("output", p)?)),
        None => Box::new(BufWriter::new(std::io::stdout())),
    })
}

fn quantile(sorted: &[f64], q: f64) -> f64 {
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

fn print_stats_row(name: &str, mut values: Vec<f64>) {
    if values.is_empty() {
        return;
    }
    values.sort_by(f64::total_cmp);
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    println!(
        "  {name:<26}{:>10.2}{:>10.2}{:>10.2}{:>10.2}{:>10.2}",
        mean,
        quantile(&values, 0.1),
        quantile(&values, 0.5),
        quantile(&values, 0.9),
        values[values.len() - 1]
    );
}

fn header() {
    println!(
        "  {:<26}{:>10}{:>10}{:>10}{:>10}{:>10}",
        "", "mean", "p10", "median", "p90", "max"
    );
}

/// Prints the distribution of the main profile fields.
pub fn print_distribution(profiles: &[CustomerProfile]) {
    println!("Profiles");
    header();
    let col = |f: &dyn Fn(&CustomerProfile) -> Option<f64>| {
        profiles.iter().filter_map(f).collect::<Vec<_>>()
    };
    print_stats_row("orders", col(&|p| Some(p.orders as f64)));
    print_stats_row("total spend", col(&|p| Some(p.total_spend)));
    print_stats_row("average order value", col(&|p| Some(p.avg_order_value)));
    print_stats_row("tenure (days)", col(&|p| Some(p.tenure_days)));
    print_stats_row(
        "days since last purchase",
        col(&|p| Some(p.days_since_last_purchase)),
    );
    print_stats_row("purchase interval (days)", col(&|p| p.interval_mean_days));
    print_stats_row("return ratio", col(&|p| p.return_ratio));
    let mut by_category = std::collections::BTreeMap::<&str, usize>::new();
    for p in profiles {
        if let Some(top) = p.top_categories.first() {
            *by_category.entry(top.name.as_str()).or_default() += 1;
        }
    }
    let mut top: Vec<_> = by_category.into_iter().collect();
    top.sort_by_key(|x| std::cmp::Reverse(x.1));
    let text: Vec<String> = top
        .iter()
        .take(5)
        .map(|(c, n)| format!("{c} {n}"))
        .collect();
    println!("  favourite category         {}", text.join(", "));
}

/// Prints the distribution of a summary's columns.
pub fn print_summary_stats(s: &Summary) {
    header();
    print_stats_row("frequency", s.frequency.clone());
    print_stats_row("recency (weeks)", s.recency.clone());
    print_stats_row("T (weeks)", s.t.clone());
    if let Some(m) = &s.monetary_value {
        print_stats_row("monetary value", m.clone());
    }
}

/// Writes the rejected rows as CSV: row, field, reason.
pub fn write_rejects(path: &Path, report: &ValidationReport) -> Result<(), kehu::Error> {
    let mut w = csv::Writer::from_writer(create("rejects", path)?);
    w.write_record(["row", "field", "reason", "detail"])
        .map_err(io)?;
    for r in &report.rejected {
        w.write_record([
            r.row.to_string(),
            r.field.to_string(),
            r.reason.code().to_string(),
            r.reason.to_string(),
        ])
        .map_err(io)?;
    }
    w.flush().map_err(io)
}

/// Writes a summary as CSV.
pub fn write_summary_csv(out: &mut dyn Write, s: &Summary) -> Result<(), kehu::Error> {
    let mut w = csv::Writer::from_writer(out);
    let mut head = vec!["customer_id", "frequency", "recency", "T"];
    if s.monetary_value.is_some() {
        head.push("monetary_value");
    }
    w.write_record(&head).map_err(io)?;
    for i in 0..s.len() {
        let mut row = vec![
            s.customer_ids.display(i),
            s.frequency[i].to_string(),
            s.recency[i].to_string(),
            s.t[i].to_string(),
        ];
        if let Some(m) = &s.monetary_value {
            row.push(m[i].to_string());
        }
        w.write_record(&row).map_err(io)?;
    }
    w.flush().map_err(io)
}

/// Writes a summary as a JSON array of objects.
pub fn write_summary_json(out: &mut dyn Write, s: &Summary) -> Result<(), kehu::Error> {
    let rows: Vec<serde_json::Value> = (0..s.len())
        .map(|i| {
            serde_json::json!({
                "customer_id": s.customer_ids.display(i),
                "frequency": s.frequency[i],
                "recency": s.recency[i],
                "T": s.t[i],
                "monetary_value": s.monetary_value.as_ref().map(|m| m[i]),
            })
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rows).map_err(io)?;
    writeln!(out).map_err(io)
}

fn shares(v: &[kehu::profile::Share]) -> String {
    v.iter()
        .map(|s| format!("{}:{:.4}", s.name, s.share))
        .collect::<Vec<_>>()
        .join(";")
}

fn opt(v: Option<f64>) -> String {
    v.map(|x| x.to_string()).unwrap_or_default()
}

/// Writes profiles (with their tags) as CSV.
pub fn write_profiles_csv(
    out: &mut dyn Write,
    profiles: &[CustomerProfile],
    rules: &TagRules,
) -> Result<(), kehu::Error> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record([
        "customer_id",
        "first_purchase",
        "last_purchase",
        "tenure_days",
        "days_since_last_purchase",
        "transactions",
        "orders",
        "total_spend",
        "avg_order_value",
        "frequency",
        "recency",
        "T",
        "monetary_value",
        "interval_mean_days",
        "interval_median_days",
        "interval_std_days",
        "interval_p80_days",
        "top_categories",
        "top_channels",
        "preferred_weekday",
        "preferred_hour",
        "spend_trend",
        "returns",
        "returned_amount",
        "return_ratio",
        "tags",
    ])
    .map_err(io)?;
    for p in profiles {
        w.write_record([
            p.customer_id.clone(),
            format_iso(p.first_purchase),
            format_iso(p.last_purchase),
            p.tenure_days.to_string(),
            p.days_since_last_purchase.to_string(),
            p.transactions.to_string(),
            p.orders.to_string(),
            p.total_spend.to_string(),
            p.avg_order_value.to_string(),
            p.frequency.to_string(),
            p.recency.to_string(),
            p.t.to_string(),
            p.monetary_value.to_string(),
            opt(p.interval_mean_days),
            opt(p.interval_median_days),
            opt(p.interval_std_days),
            opt(p.interval_p80_days),
            shares(&p.top_categories),
            shares(&p.top_channels),
            p.preferred_weekday.to_string(),
            p.preferred_hour.to_string(),
            p.spend_trend.to_string(),
            p.returns.to_string(),
            p.returned_amount.to_string(),
            opt(p.return_ratio),
            rules.evaluate(p).join(";"),
        ])
        .map_err(io)?;
    }
    w.flush().map_err(io)
}

/// Writes profiles (with their tags) as a JSON array.
pub fn write_profiles_json(
    out: &mut dyn Write,
    profiles: &[CustomerProfile],
    rules: &TagRules,
) -> Result<(), kehu::Error> {
    let rows: Vec<serde_json::Value> = profiles
        .iter()
        .map(|p| {
            let mut v = serde_json::to_value(p).expect("profiles serialize");
            v["tags"] = serde_json::json!(rules.evaluate(p));
            v
        })
        .collect();
    serde_json::to_writer_pretty(&mut *out, &rows).map_err(io)?;
    writeln!(out).map_err(io)
}
