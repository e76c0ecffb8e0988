//! Cancellation of long calls. A binding that learns of an interrupt (Python's Ctrl-C through
//! `check_signals`, say) calls [`request`]; the core's long loops (optimiser evaluations, k-means
//! and EM iterations, seeding steps, silhouette rounds) call [`check`] and return a typed
//! `Cancelled` error of their area, and the binding calls [`reset`] once the call has returned.
//!
//! The flag is process-wide, as an interrupt is: every call running when it is set stops.

use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);
static OBSERVED: AtomicBool = AtomicBool::new(false);

/// Asks every running kehu call to stop at its next check.
pub fn request() {
    REQUESTED.store(true, Ordering::SeqCst);
}

/// Clears a request (after the interrupted call returned); returns whether any call stopped
/// for it (returned `Cancelled`), so a binding knows whether the interrupt still has to be
/// raised by other means.
pub fn reset() -> bool {
    REQUESTED.store(false, Ordering::SeqCst);
    OBSERVED.swap(false, Ordering::SeqCst)
}

/// Whether a stop was requested.
pub fn requested() -> bool {
    REQUESTED.load(Ordering::Relaxed)
}

/// A long call was stopped by [`request`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("cancelled: the call was interrupted")]
pub struct Cancelled;

/// `Err(Cancelled)` when a stop was requested.
pub fn check() -> Result<(), Cancelled> {
    if requested() {
        OBSERVED.store(true, Ordering::SeqCst);
        Err(Cancelled)
    } else {
        Ok(())
    }
}

/// The code every area's `Cancelled` variant reports.
pub const CODE: &str = "CANCELLED";
