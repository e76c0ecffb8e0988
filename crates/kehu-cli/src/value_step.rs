//! The demo's value step (价值评估): BG/NBD, Pareto/NBD and Gamma-Gamma on the weekly summary,
//! a model comparison and check, 12-month CLV and value tiers.

use indicatif::ProgressBar;
use kehu::profile::Summary;
use kehu::simulate::SimulationConfig;
use kehu::value::gamma_gamma::repeat_buyers;
use kehu::value::{
    customer_lifetime_value, period_transactions, value_tiers, BetaGeo, ClvOptions, FitReport,
    GammaGamma, ParetoNbd, Rows, ValueModel,
};

fn print_fit(title: &str, report: &FitReport, truth: &[f64]) {
    println!(
        "  {title}: log-likelihood {:.3}, AIC {:.1}, {} iterations{}",
        report.log_likelihood,
        report.aic,
        report.iterations,
        if report.converged {
            ""
        } else {
            " (NOT converged: estimates may be off)"
        }
    );
    println!(
        "    {:<8}{:>12}{:>12}{:>12}",
        "param", "estimate", "std. error", "simulated"
    );
    for (i, name) in report.names.iter().enumerate() {
        let se = report.standard_errors.as_ref().map_or(f64::NAN, |s| s[i]);
        println!(
            "    {name:<8}{:>12.4}{se:>12.4}{:>12.4}",
            report.params[i], truth[i]
        );
    }
}

/// The simulator follows BG/NBD, so BG/NBD should win on AIC and BIC against Pareto/NBD.
fn print_comparison(bg: &FitReport, pnbd: &FitReport) {
    println!("  model comparison (the data follow BG/NBD):");
    println!(
        "    {:<12}{:>14}{:>12}{:>12}",
        "model", "log-lik.", "AIC", "BIC"
    );
    for (name, r) in [("BG/NBD", bg), ("Pareto/NBD", pnbd)] {
        println!(
            "    {name:<12}{:>14.2}{:>12.1}{:>12.1}",
            r.log_likelihood, r.aic, r.bic
        );
    }
}

/// Fits the value models on the weekly summary and prints estimates, CLV and tiers.
pub fn run(
    weekly: &Summary,
    config: &SimulationConfig,
    bar: &ProgressBar,
) -> Result<(), kehu::Error> {
    bar.set_message("fitting BG/NBD, Pareto/NBD and Gamma-Gamma");
    let rows = Rows::frequency_recency_t(&weekly.frequency, &weekly.recency, &weekly.t, None)?;
    let (bg, bg_report) = BetaGeo::fit(&rows, 0.0)?;
    let (_, pnbd_report) = ParetoNbd::fit(&rows, 0.0)?;
    let money = weekly.monetary_value.as_deref().unwrap_or_default();
    let (f, m): (Vec<f64>, Vec<f64>) = weekly
        .frequency
        .iter()
        .zip(money)
        .filter(|(f, m)| **f > 0.0 && **m > 0.0)
        .map(|(f, m)| (*f, *m))
        .unzip();
    let (gg, gg_report) = GammaGamma::fit(&repeat_buyers(&f, &m, None)?, 0.0)?;
    bar.set_message("scoring customers");
    let opts = ClvOptions {
        units_per_month: 4.345,
        ..Default::default()
    };
    let clv = customer_lifetime_value(
        &bg,
        &gg,
        &weekly.frequency,
        &weekly.recency,
        &weekly.t,
        money,
        &opts,
    )?;
    let tiers = value_tiers(&clv, &kehu::value::DEFAULT_TIER_CUT_OFFS)?;
    bar.finish_and_clear();

    println!("Value (BG/NBD purchases, Gamma-Gamma spend, weeks)");
    let p = config.purchase;
    print_fit("BG/NBD", &bg_report, &[p.r, p.alpha, p.a, p.b]);
    print_comparison(&bg_report, &pnbd_report);
    let periods =
        period_transactions(&ValueModel::BetaGeo(bg), &weekly.frequency, &weekly.t, None)?;
    println!("  customers by repeat purchases, counted vs BG/NBD's expectation:");
    for b in &periods {
        println!(
            "    {:>3}{:<2}{:>9.0}{:>11.1}",
            b.frequency,
            if b.open_ended { "+" } else { "" },
            b.actual,
            b.predicted
        );
    }
    let s = config.spend;
    print_fit(
        &format!("Gamma-Gamma on {} repeat buyers", f.len()),
        &gg_report,
        &[s.p, s.q, s.gamma],
    );
    let next_year: f64 = (0..weekly.len())
        .map(|i| {
            bg.conditional_expected_purchases(
                52.0,
                weekly.frequency[i],
                weekly.recency[i],
                weekly.t[i],
            )
        })
        .sum::<Result<f64, _>>()?;
    println!("  expected purchases in the next 52 weeks: {next_year:.0}");
    println!("  12-month CLV (1% monthly discount) by tier:");
    let names = ["top 1%", "top 1-5%", "top 5-20%", "rest"];
    for (tier, name) in names.iter().enumerate() {
        let values: Vec<f64> = clv
            .iter()
            .zip(&tiers)
            .filter(|(_, t)| **t == tier)
            .map(|(v, _)| *v)
            .collect();
        let total: f64 = values.iter().sum();
        println!(
            "    {name:<12}{:>9} customers   mean {:>9.2}   share of value {:>5.1}%",
            values.len(),
            total / values.len().max(1) as f64,
            100.0 * total / clv.iter().sum::<f64>()
        );
    }
    let mut order: Vec<usize> = (0..clv.len()).collect();
    order.sort_by(|&a, &b| clv[b].total_cmp(&clv[a]));
    println!("  most valuable customers:");
    for &i in order.iter().take(5) {
        println!(
            "    {}  CLV {:>9.2}  P(alive) {:.3}  purchases {:>3}  mean spend {:>8.2}",
            weekly.customer_ids.display(i),
            clv[i],
            bg.probability_alive(weekly.frequency[i], weekly.recency[i], weekly.t[i]),
            weekly.frequency[i],
            money[i]
        );
    }
    Ok(())
}
