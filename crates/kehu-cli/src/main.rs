//! `kehu`: the command line. `kehu demo` runs the whole pipeline on simulated data;
//! `kehu profile` profiles a user's CSV file; `kehu value fit|score` fits and applies value models;
//! `kehu segment` segments the customers of a user's CSV file.

mod output;
mod segment_cmd;
mod segment_step;
mod terminal;
mod value_cmd;
mod value_step;

use clap::{Parser, Subcommand, ValueEnum};
use kehu::data::csv::{read_transactions_path, CsvOptions, Delimiter};
use kehu::data::time::{format_iso, parse_timestamp};
use kehu::data::ColumnMapping;
use kehu::data::{validate, ValidationOptions, ValidationReport};
use kehu::profile::{profile_customers, summarize, Freq, ProfileOptions, SummaryOptions, TagRules};
use kehu::simulate::{simulate, SimulationConfig};
use std::path::PathBuf;
use std::process::ExitCode;
pub use terminal::spinner;

/// The tags `kehu demo` shows (and `kehu profile` uses without `--tags`).
const DEMO_TAGS: &str = r#"{"format_version": 1, "kind": "tag_rules", "tags": [
  {"name": "repeat_buyer", "when": "frequency >= 1"},
  {"name": "one_time_buyer", "when": "frequency == 0"},
  {"name": "high_value", "when": "total_spend >= 500"},
  {"name": "big_basket", "when": "avg_order_value >= 60"},
  {"name": "lapsing", "when": {"all": ["days_since_last_purchase >= 180", "frequency >= 1"]}},
  {"name": "growing", "when": "spend_trend > 0"},
  {"name": "frequent_returner", "when": "return_ratio > 0.1"}
]}"#;

#[derive(Parser)]
#[command(
    name = "kehu",
    version,
    about = "Customer analytics: profile, identify, segment, score, match, reach."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Simulate a customer base, validate it, profile it and print a summary.
    Demo {
        /// Number of customers to simulate.
        #[arg(long, allow_negative_numbers = true, default_value_t = 100_000)]
        customers: usize,
        /// Random seed.
        #[arg(long, allow_negative_numbers = true, default_value_t = 42)]
        seed: u64,
        /// Share of rows made dirty.
        #[arg(long, allow_negative_numbers = true, default_value_t = 0.01)]
        dirty_rate: f64,
    },
    /// Validate and profile a transaction file.
    Profile(Box<ProfileArgs>),
    /// Fit value models on a summary file, or score customers with a saved model.
    #[command(subcommand)]
    Value(ValueCommand),
    /// Segment the customers of a transaction file: RFM scores and segments, lifecycle
    /// stages, optional k-means clusters and rule audiences, one CSV row per customer.
    Segment(Box<segment_cmd::SegmentArgs>),
}

#[derive(Subcommand)]
enum ValueCommand {
    /// Fit a value model (bgnbd, mbgnbd, pnbd, bgbb, gamma_gamma) and write its JSON document.
    Fit(Box<value_cmd::FitArgs>),
    /// Score customers with a saved model: expected purchases, P(alive), spend and CLV.
    Score(Box<value_cmd::ScoreArgs>),
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Csv,
    Json,
}

/// Where the transactions come from and how to read them (shared by `profile` and `segment`).
#[derive(clap::Args)]
pub struct InputArgs {
    /// Input CSV file.
    #[arg(long)]
    input: PathBuf,
    /// Customer id column (a name, or a 0-based number with --no-header).
    #[arg(long)]
    customer_col: String,
    /// Timestamp column.
    #[arg(long)]
    date_col: String,
    /// Amount column.
    #[arg(long)]
    amount_col: Option<String>,
    /// Order id column.
    #[arg(long)]
    order_col: Option<String>,
    /// Category column.
    #[arg(long)]
    category_col: Option<String>,
    /// Channel column.
    #[arg(long)]
    channel_col: Option<String>,
    /// Timestamp format (chrono strftime, e.g. %Y%m%d); ISO 8601 by default.
    #[arg(long)]
    date_format: Option<String>,
    /// Field delimiter: one character, or "whitespace".
    #[arg(long, default_value = ",")]
    delimiter: String,
    /// The file has no header line; columns are named 0, 1, 2, ...
    #[arg(long)]
    no_header: bool,
    /// End of observation (ISO date); later rows are rejected. Default: the latest row.
    #[arg(long)]
    observation_end: Option<String>,
    /// Accept negative amounts as returns.
    #[arg(long)]
    allow_returns: bool,
    /// Write the rejected rows (row, field, reason) to this CSV file.
    #[arg(long)]
    rejects: Option<PathBuf>,
}

#[derive(clap::Args)]
struct ProfileArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Write the lifetimes summary (frequency, recency, T, monetary_value) instead of profiles,
    /// with lifetimes' intake: duplicates and negative amounts kept, later rows left out.
    #[arg(long)]
    summary: bool,
    /// Period of the summary (pandas alias: D, W, h, min, s, M).
    #[arg(long, default_value = "D")]
    freq: String,
    /// Periods per output time unit (e.g. 7 with D for weeks).
    #[arg(long, allow_negative_numbers = true, default_value_t = 1.0)]
    freq_multiplier: f64,
    /// Tag rules JSON (kind tag_rules); the demo tags by default.
    #[arg(long)]
    tags: Option<PathBuf>,
    /// Output file; standard output by default.
    #[arg(long)]
    output: Option<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "csv")]
    format: Format,
}

fn print_report(report: &ValidationReport) {
    eprintln!(
        "rows: {} read, {} accepted, {} rejected",
        report.total_rows,
        report.accepted,
        report.rejected.len()
    );
    for (reason, count) in report.counts_by_reason() {
        eprintln!("  rejected {reason}: {count}");
    }
}

fn demo(customers: usize, seed: u64, dirty_rate: f64) -> Result<(), kehu::Error> {
    let config = SimulationConfig {
        customers,
        seed,
        dirty_rate,
        ..Default::default()
    };
    let bar = spinner(&format!("simulating {customers} customers"));
    let data = simulate(&config)?;
    bar.finish_with_message(format!(
        "simulated {} transaction rows",
        data.transactions.len()
    ));
    let bar = spinner("validating");
    let opts = ValidationOptions {
        allow_returns: true,
        observation_end: Some(data.observation_end),
        ..Default::default()
    };
    let (transactions, report) = validate(&data.transactions.columns(), &opts)?;
    bar.finish_with_message("validated");
    let bar = spinner("profiling");
    let popts = ProfileOptions {
        observation_end: Some(data.observation_end),
        ..Default::default()
    };
    let profiles = profile_customers(&transactions, &popts)?;
    // The purchase models see purchases only: returns are left out of the weekly summary.
    let purchases: Vec<usize> = (0..transactions.len())
        .filter(|&r| transactions.amount().is_some_and(|a| a[r] >= 0.0))
        .collect();
    let weekly = summarize(
        &transactions.select(&purchases),
        &SummaryOptions {
            freq: Freq::Day,
            freq_multiplier: 7.0,
            observation_period_end: Some(data.observation_end),
            include_first_transaction: false,
        },
    )?;
    bar.finish_with_message("profiled");
    let rules = TagRules::from_json(DEMO_TAGS)?;
    println!(
        "kehu demo — seed {seed}, observation end {}",
        format_iso(data.observation_end)
    );
    println!();
    println!("Data");
    println!("  customers simulated      {:>10}", data.customers.len());
    println!("  transaction rows         {:>10}", report.total_rows);
    println!("  accepted                 {:>10}", report.accepted);
    println!("  rejected                 {:>10}", report.rejected.len());
    for (reason, count) in report.counts_by_reason() {
        println!("    {reason:<23}{count:>10}");
    }
    println!("  customers profiled       {:>10}", profiles.profiles.len());
    println!(
        "  customers with only returns {:>7}",
        profiles.without_purchases.len()
    );
    println!();
    output::print_distribution(&profiles.profiles);
    println!();
    println!("Weekly RFM summary (lifetimes semantics, freq=D, freq_multiplier=7)");
    output::print_summary_stats(&weekly);
    println!();
    value_step::run(&weekly, &config, &spinner("valuing"))?;
    println!();
    segment_step::run(&profiles.profiles, &spinner("segmenting"))?;
    println!();
    segment_step::run_customers(
        &profiles.profiles,
        &transactions,
        &data.customers,
        data.observation_end,
        &spinner("segmenting customers"),
    )?;
    println!();
    println!("Tags");
    let n = profiles.profiles.len() as f64;
    let mut counts = rules.count(&profiles.profiles);
    counts.sort_by_key(|x| std::cmp::Reverse(x.1));
    for (name, count) in counts {
        println!(
            "  {name:<22}{count:>10}  {:>5.1}%",
            100.0 * count as f64 / n
        );
    }
    Ok(())
}

/// Reads and validates the input transactions (`lifetimes`: lifetimes' intake for summaries),
/// prints the validation report and writes the rejects when asked; returns the transactions
/// and the observation end given.
pub fn read_input(
    args: &InputArgs,
    lifetimes: bool,
) -> Result<(kehu::data::Transactions, Option<i64>), output::CliError> {
    let delimiter = match args.delimiter.as_str() {
        "whitespace" => Delimiter::Whitespace,
        "\\t" | "tab" => Delimiter::Byte(b'\t'),
        d if d.len() == 1 => Delimiter::Byte(d.as_bytes()[0]),
        _ => {
            return Err(kehu::data::DataError::InvalidOption {
                option: "delimiter".into(),
                reason: "must be one character, 'tab' or 'whitespace'".into(),
            }
            .into())
        }
    };
    let observation_end = args
        .observation_end
        .as_deref()
        .map(|t| {
            parse_timestamp(t, None).ok_or_else(|| kehu::data::DataError::InvalidOption {
                option: "observation_end".into(),
                reason: "must be an ISO date or date-time".into(),
            })
        })
        .transpose()?;
    let mapping = ColumnMapping {
        customer_id: args.customer_col.clone(),
        timestamp: args.date_col.clone(),
        amount: args.amount_col.clone(),
        order_id: args.order_col.clone(),
        category: args.category_col.clone(),
        channel: args.channel_col.clone(),
        ..Default::default()
    };
    let csv_opts = CsvOptions {
        delimiter,
        has_header: !args.no_header,
        date_format: args.date_format.clone(),
    };
    let bar = spinner("reading");
    if let Some(path) = &args.rejects {
        output::check_writable("rejects", path)?;
    }
    let raw = output::in_file(
        "input",
        &args.input,
        read_transactions_path(&args.input, &mapping, &csv_opts),
    )?;
    bar.set_message("validating");
    let vopts = if lifetimes {
        // lifetimes' semantics: duplicates and returns are data, later rows are left to the
        // summary; other bad rows are reported and skipped.
        ValidationOptions {
            strict: false,
            ..ValidationOptions::lifetimes()
        }
    } else {
        ValidationOptions {
            allow_returns: args.allow_returns,
            observation_end,
            ..Default::default()
        }
    };
    // The reader's problems (records with a wrong number of fields, numbers that do not parse)
    // are reported with the rest.
    let validated = raw.validate(&vopts);
    bar.finish_and_clear();
    let (transactions, report) = output::in_file("input", &args.input, validated)?;
    print_report(&report);
    if let Some(path) = &args.rejects {
        output::write_rejects(path, &report)?;
    }
    // Nothing accepted: say why (the first rejected row) rather than fail later on no data.
    if let (0, Some(first)) = (report.accepted, report.rejected.first()) {
        return output::in_file(
            "input",
            &args.input,
            Err(kehu::data::DataError::Rejected {
                row: first.row,
                field: first.field,
                reason: first.reason,
            }),
        );
    }
    Ok((transactions, observation_end))
}

fn profile(args: &ProfileArgs) -> Result<(), output::CliError> {
    if let Some(path) = &args.output {
        output::check_writable("output", path)?;
    }
    let rules = match &args.tags {
        Some(path) => output::in_file(
            "tags",
            path,
            TagRules::from_given_json(&output::read_file("tags", path)?),
        )?,
        None => TagRules::from_json(DEMO_TAGS)?,
    };
    let freq: Freq = args
        .freq
        .parse()
        .map_err(|_| kehu::profile::ProfileError::InvalidOption {
            option: "freq".into(),
            reason: "use D, W, h, min, s or M".into(),
        })?;
    let (transactions, observation_end) = read_input(&args.input, args.summary)?;
    let mut out = output::open(args.output.as_deref())?;
    if args.summary {
        let s = summarize(
            &transactions,
            &SummaryOptions {
                freq,
                freq_multiplier: args.freq_multiplier,
                observation_period_end: observation_end,
                include_first_transaction: false,
            },
        )?;
        match args.format {
            Format::Csv => output::write_summary_csv(&mut out, &s)?,
            Format::Json => output::write_summary_json(&mut out, &s)?,
        }
        return Ok(());
    }
    let profiles = profile_customers(
        &transactions,
        &ProfileOptions {
            observation_end,
            ..Default::default()
        },
    )?;
    eprintln!("customers profiled: {}", profiles.profiles.len());
    match args.format {
        Format::Csv => output::write_profiles_csv(&mut out, &profiles.profiles, &rules)?,
        Format::Json => output::write_profiles_json(&mut out, &profiles.profiles, &rules)?,
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    terminal::stop_on_interrupt();
    let result = terminal::with_stage_bars(|| match &cli.command {
        Command::Demo {
            customers,
            seed,
            dirty_rate,
        } => demo(*customers, *seed, *dirty_rate).map_err(output::CliError::from),
        Command::Profile(args) => profile(args),
        Command::Value(ValueCommand::Fit(args)) => value_cmd::fit(args),
        Command::Value(ValueCommand::Score(args)) => value_cmd::score(args),
        Command::Segment(args) => segment_cmd::run(args),
    });
    if kehu::cancel::requested() {
        // Stopped by Ctrl-C, whether or not the call had come to a check.
        eprintln!(
            "error [{}]: {}",
            kehu::cancel::CODE,
            kehu::cancel::Cancelled
        );
        return ExitCode::from(terminal::INTERRUPTED);
    }
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error [{}]: {e}", e.error.code());
            ExitCode::FAILURE
        }
    }
}
