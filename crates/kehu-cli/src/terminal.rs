//! What the CLI shows and hears on the terminal: spinners for its own phases, a bar per stage
//! of the core's long calls (from [`kehu::progress`]), and Ctrl-C, which asks the running call
//! to stop ([`kehu::cancel`]); a second Ctrl-C ends the process at once.

use indicatif::{MultiProgress, ProgressBar, ProgressStyle};
use std::cell::RefCell;
use std::sync::OnceLock;
use std::time::Duration;

/// The exit code of a run stopped by Ctrl-C (128 + SIGINT, as shells report it).
pub const INTERRUPTED: u8 = 130;

fn bars() -> &'static MultiProgress {
    static BARS: OnceLock<MultiProgress> = OnceLock::new();
    BARS.get_or_init(MultiProgress::new)
}

/// A spinner for one of the CLI's phases, with its elapsed time.
pub fn spinner(message: &str) -> ProgressBar {
    let bar = bars().add(ProgressBar::new_spinner());
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})").expect("valid template"),
    );
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}

/// Runs `f` with a bar for each stage the core reports (k-means runs, fit iterations…),
/// removed when the stage ends.
pub fn with_stage_bars<T>(f: impl FnOnce() -> T) -> T {
    let open: RefCell<Vec<(&'static str, ProgressBar)>> = RefCell::new(Vec::new());
    let sink = move |p: kehu::progress::Progress| {
        let mut open = open.borrow_mut();
        let at = open.iter().position(|(stage, _)| *stage == p.stage);
        let index = at.unwrap_or_else(|| {
            let bar = bars().add(ProgressBar::new(p.total));
            bar.set_style(
                ProgressStyle::with_template("  {msg} [{bar:30}] {pos}/{len} ({elapsed})")
                    .expect("valid template"),
            );
            bar.set_message(p.stage);
            open.push((p.stage, bar));
            open.len() - 1
        });
        let bar = &open[index].1;
        bar.set_length(p.total);
        bar.set_position(p.done);
        if p.done == p.total {
            bar.finish_and_clear();
            open.remove(index);
        }
    };
    kehu::progress::observe(sink, f)
}

/// Makes Ctrl-C ask the running core call to stop (it then returns `CANCELLED`, and the CLI
/// exits with [`INTERRUPTED`]); a second Ctrl-C exits at once.
pub fn stop_on_interrupt() {
    // Without a handler (a platform ctrlc cannot serve) Ctrl-C keeps ending the process.
    let _ = ctrlc::set_handler(|| {
        if kehu::cancel::requested() {
            std::process::exit(i32::from(INTERRUPTED));
        }
        eprintln!("\ninterrupted: stopping (Ctrl-C again to quit at once)");
        kehu::cancel::request();
    });
}
