#![warn(missing_docs)]
//! kehu (客户, "customer"): a deterministic, fast core for customer analytics.
//!
//! The crate is organised by area:
//! - [`data`]: transaction and customer intake (columnar, CSV) with loss-free validation;
//! - [`profile`]: lifetimes-compatible RFM summaries, calibration/holdout splits, rich customer
//!   profiles (batch and incremental) and rule tags;
//! - [`simulate`]: a seeded simulator of a customer base (BG/NBD purchases, Gamma-Gamma spend);
//! - [`value`]: customer value models (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB, Gamma-Gamma) by
//!   maximum likelihood, with predictions, CLV, model checks and simulation;
//! - [`segment`]: segmentation: RFM scores and segment maps;
//! - [`format`]: the versioned JSON envelope for models and configurations;
//! - [`learn`]: the `Fit` / `Predict` / `Transform` traits every model family implements;
//! - [`cancel`] and [`progress`]: stopping long calls and reporting how far they are.
//! - `rng` (crate-private): `Draw`, the seeded ChaCha8 streams every random choice comes from.
//!
//! Every fallible call returns an area error ([`data::DataError`], [`profile::ProfileError`],
//! [`format::FormatError`], [`simulate::SimulateError`], [`value::ValueError`],
//! [`segment::SegmentError`]); [`Error`] unites them for callers that
//! handle all areas alike (the bindings do).

pub mod cancel;
pub mod data;
pub mod error;
pub mod format;
pub mod learn;
pub mod profile;
pub mod progress;
mod rng;
pub mod segment;
pub mod simulate;
pub mod value;

pub use error::Error;

/// Runs `f` on a pool of `threads` threads (tests check results do not depend on the count).
#[cfg(test)]
pub(crate) fn on_threads<T: Send>(threads: usize, f: impl FnOnce() -> T + Send) -> T {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("a thread pool")
        .install(f)
}
