//! `kehu segment`: segments the customers of a user's transaction file — RFM scores and a
//! segment map, lifecycle stages, optional k-means clusters on the log RFM features and rule
//! audiences — and writes one CSV row per customer.

use crate::output::{self, file_error, in_file, io, read_file, CliError};
use crate::segment_step::log_rfm_features;
use crate::{read_input, spinner, InputArgs};
use kehu::learn::Fit;
use kehu::profile::{profile_customers, ProfileOptions};
use kehu::segment::audience::{Audiences, Population, SegmentColumn};
use kehu::segment::kmeans::{KMeansOptions, Rows};
use kehu::segment::lifecycle::{lifecycle_stages, Stage, StageInputs, StageRule};
use kehu::segment::quality::{k_sweep, SweepOptions};
use kehu::segment::{SegmentError, SegmentMap};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Options of `kehu segment`.
#[derive(clap::Args)]
pub struct SegmentArgs {
    #[command(flatten)]
    input: InputArgs,
    /// Segment map: rf10, rfm8, or a file (a segment_map JSON document or a code-table CSV).
    #[arg(long, default_value = "rf10")]
    map: String,
    /// Lifecycle rule: days, cadence (each customer's own p80 purchase gap) or a JSON file of
    /// overrides such as {"kind": "cadence", "lost_multiple": 3}.
    #[arg(long, default_value = "cadence")]
    stages: String,
    /// k-means clusters on the standardised log recency, orders and spend: a number, or a range
    /// a..b swept for the best silhouette (every cluster at least 2% of customers).
    #[arg(long)]
    clusters: Option<String>,
    /// Audiences document (kind audiences); rules may refer to the segmentations rfm, stage
    /// and cluster.
    #[arg(long)]
    audiences: Option<PathBuf>,
    /// Seed of the clustering.
    #[arg(long, allow_negative_numbers = true, default_value_t = 0)]
    seed: u64,
    /// Output file; standard output by default.
    #[arg(long)]
    output: Option<PathBuf>,
}

fn option(option: &str, reason: &str) -> kehu::Error {
    SegmentError::InvalidOption {
        option: option.into(),
        reason: reason.into(),
    }
    .into()
}

/// A built-in name or a file (`--option`): a built-in name first; else the file if there is
/// one; else an error naming the path and saying, in the core's words, which names are built in.
fn builtin_or_file<T>(
    name: &str,
    spec: &str,
    builtin: impl Fn(&str) -> Result<T, SegmentError>,
    from_file: impl Fn(&Path, &str) -> Result<T, kehu::Error>,
) -> Result<T, CliError> {
    let not_builtin = match builtin(spec) {
        Ok(v) => return Ok(v),
        Err(e) => e,
    };
    let path = Path::new(spec);
    if path.exists() {
        return in_file(name, path, from_file(path, &read_file(name, path)?));
    }
    let why = match not_builtin {
        SegmentError::InvalidOption { reason, .. } => reason,
        other => other.to_string(),
    };
    Err(CliError::from(file_error(
        name,
        path,
        format!("no such file, and not a built-in name: {why}"),
    )))
}

fn segment_map(spec: &str) -> Result<SegmentMap, CliError> {
    builtin_or_file("map", spec, SegmentMap::builtin, |path, text| {
        if path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("csv"))
        {
            Ok(SegmentMap::from_code_table(text)?)
        } else {
            SegmentMap::from_json(text)
        }
    })
}

fn stage_rule(spec: &str) -> Result<StageRule, CliError> {
    let rule = builtin_or_file("stages", spec, StageRule::default_of, |_, text| {
        Ok(StageRule::from_overrides(text)?)
    })?;
    if matches!(rule, StageRule::Alive { .. }) {
        return Err(option(
            "stages",
            "the alive rule needs each customer's P(alive) from a value model, which kehu \
             segment does not fit; use days, cadence or a JSON file of their overrides",
        )
        .into());
    }
    Ok(rule)
}

/// The k values asked for: "5" or "2..8" (parsed only; checked against the customers later).
#[derive(Clone, Copy)]
enum Clusters {
    One(usize),
    Range(usize, usize),
}

fn cluster_range(spec: &str) -> Result<Clusters, kehu::Error> {
    let bad = || option("clusters", "give a number of clusters or a range a..b");
    let parse = |t: &str| t.trim().parse::<usize>().map_err(|_| bad());
    match spec.split_once("..") {
        Some((a, b)) => {
            let (a, b) = (parse(a)?, parse(b)?);
            if a < 2 || b < a {
                return Err(option("clusters", "a range needs 2 ≤ a ≤ b"));
            }
            Ok(Clusters::Range(a, b))
        }
        None => match parse(spec)? {
            0 => Err(option("clusters", "needs at least 1 cluster")),
            k => Ok(Clusters::One(k)),
        },
    }
}

impl Clusters {
    /// The k values for `n` customers: a number of clusters at most `n`, a swept range below
    /// `n` (the silhouette needs a customer outside each cluster).
    fn ks(self, n: usize) -> Result<Vec<usize>, kehu::Error> {
        match self {
            Clusters::One(k) if k > n => Err(option(
                "clusters",
                &format!("{k} clusters for {n} customers; give at most {n}"),
            )),
            Clusters::One(k) => Ok(vec![k]),
            Clusters::Range(_, b) if b >= n => Err(option(
                "clusters",
                &format!("a range up to {b} for {n} customers; a sweep needs b below {n}"),
            )),
            Clusters::Range(a, b) => Ok((a..=b).collect()),
        }
    }
}

/// Runs `kehu segment`.
pub fn run(args: &SegmentArgs) -> Result<(), CliError> {
    let map = segment_map(&args.map)?;
    let rule = stage_rule(&args.stages)?;
    let audiences = args
        .audiences
        .as_ref()
        .map(|p| {
            in_file(
                "audiences",
                p,
                Audiences::from_given_json(&read_file("audiences", p)?),
            )
        })
        .transpose()?;
    let clusters_asked = args.clusters.as_deref().map(cluster_range).transpose()?;
    if let Some(path) = &args.output {
        output::check_writable("output", path)?;
    }
    let (transactions, observation_end) = read_input(&args.input, false)?;
    let bar = spinner("profiling");
    let as_of = observation_end
        .or_else(|| transactions.max_timestamp())
        .ok_or_else(|| option("input", "no row was accepted, so no customer to segment"))?;
    let set = profile_customers(
        &transactions,
        &ProfileOptions {
            observation_end: Some(as_of),
            ..Default::default()
        },
    )?;
    let profiles = &set.profiles;
    bar.set_message("segmenting");
    let (inputs, scores) = crate::segment_step::rfm_of(profiles)?;
    let segments = map.try_assign(&scores)?;
    let stages = lifecycle_stages(&StageInputs::from_profiles(profiles), &rule)?;
    let n = profiles.len();
    let ks = clusters_asked.map(|c| c.ks(n)).transpose()?;
    let clusters = match &ks {
        None => None,
        Some(ks) => {
            let features = log_rfm_features(&inputs);
            let x = Rows::new(&features, 3)?;
            let opts = KMeansOptions {
                seed: args.seed,
                ..Default::default()
            };
            let k = if ks.len() == 1 {
                ks[0]
            } else {
                let sweep = k_sweep(
                    &x,
                    &opts,
                    &SweepOptions {
                        k_range: ks.to_vec(),
                        min_cluster_size: n / 50,
                        silhouette_sample: Some(5000.min(n)),
                        gmm: None,
                    },
                )?;
                for r in &sweep {
                    eprintln!(
                        "k = {:>2}: silhouette {:.4}, inertia {:.1}, sizes {:?}",
                        r.k, r.silhouette, r.inertia, r.sizes
                    );
                }
                sweep
                    .iter()
                    .filter(|r| r.meets_min_size)
                    .max_by(|a, b| a.silhouette.total_cmp(&b.silhouette))
                    .unwrap_or(&sweep[0])
                    .k
            };
            eprintln!("clusters: k = {k}");
            Some((KMeansOptions { k, ..opts }).fit(&x)?.labels)
        }
    };
    let ids: Vec<String> = profiles.iter().map(|p| p.customer_id.clone()).collect();
    let given_ids: Vec<Option<String>> = ids.iter().cloned().map(Some).collect();
    let membership = match &audiences {
        None => None,
        Some(a) => {
            let mut columns = vec![
                SegmentColumn {
                    name: "rfm".into(),
                    ids: given_ids.clone(),
                    labels: segments.clone(),
                },
                SegmentColumn {
                    name: "stage".into(),
                    ids: given_ids.clone(),
                    labels: stages.iter().map(|s| Some(s.name().to_string())).collect(),
                },
            ];
            if let Some(labels) = &clusters {
                columns.push(SegmentColumn {
                    name: "cluster".into(),
                    ids: given_ids.clone(),
                    labels: labels.iter().map(|c| Some(c.to_string())).collect(),
                });
            }
            let population = Population::new(
                None,
                Some(transactions),
                &columns,
                as_of,
                &ProfileOptions::default(),
            )?;
            let m = a.evaluate(&population)?;
            let row: BTreeMap<String, usize> = m
                .ids
                .iter()
                .cloned()
                .enumerate()
                .map(|(i, id)| (id, i))
                .collect();
            Some((m.names, m.members, row))
        }
    };
    bar.finish_and_clear();

    let mut out = csv::Writer::from_writer(output::open(args.output.as_deref())?);
    let mut header: Vec<String> = [
        "customer_id",
        "recency_days",
        "orders",
        "spend",
        "R",
        "F",
        "M",
        "segment",
        "stage",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    if clusters.is_some() {
        header.push("cluster".into());
    }
    if let Some((names, _, _)) = &membership {
        header.extend(names.iter().cloned());
    }
    out.write_record(&header).map_err(io)?;
    for i in 0..n {
        let mut record = vec![
            ids[i].clone(),
            inputs.recency_days[i].to_string(),
            inputs.frequency[i].to_string(),
            inputs.monetary[i].to_string(),
            scores.r[i].to_string(),
            scores.f[i].to_string(),
            scores.m[i].to_string(),
            segments[i].clone().unwrap_or_default(),
            stages[i].name().to_string(),
        ];
        if let Some(c) = &clusters {
            record.push(c[i].to_string());
        }
        if let Some((_, members, row)) = &membership {
            let r = row[&ids[i]];
            record.extend(members.iter().map(|m| m[r].to_string()));
        }
        out.write_record(&record).map_err(io)?;
    }
    // Customers with only returns have no purchase to score: listed as prospects.
    for id in &set.without_purchases {
        let mut record = vec![id.clone()];
        record.extend(std::iter::repeat_n(String::new(), 7));
        record.push(Stage::Prospect.name().into());
        if clusters.is_some() {
            record.push(String::new());
        }
        if let Some((names, members, row)) = &membership {
            let r = row.get(id);
            record.extend(
                (0..names.len()).map(|a| r.map_or(String::new(), |&r| members[a][r].to_string())),
            );
        }
        out.write_record(&record).map_err(io)?;
    }
    out.flush().map_err(io)?;
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for s in &segments {
        *counts
            .entry(s.as_deref().unwrap_or("(no segment)"))
            .or_default() += 1;
    }
    eprintln!(
        "customers segmented: {n} (+{} with only returns)",
        set.without_purchases.len()
    );
    for (name, count) in counts {
        eprintln!("  {name:<22}{count:>9}");
    }
    if let Some((names, members, _)) = &membership {
        for (name, m) in names.iter().zip(members) {
            eprintln!(
                "  audience {name:<13}{:>9}",
                m.iter().filter(|v| **v).count()
            );
        }
    }
    Ok(())
}
