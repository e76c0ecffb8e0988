//! Progress of long calls. A caller that wants to show progress runs the call inside
//! [`observe`] with a sink; the core's long loops (value fits, k-means seeding and runs, EM,
//! k-prototypes, mini-batch steps, silhouette rounds, k sweeps) report their [`Progress`] to it.
//!
//! Reports are made on the thread that called the core (never from a worker of the thread
//! pool), so a sink may call back into an interpreter that lives on that thread (Node does).
//! Each stage reports `done = 0` when it starts and `done = total` when it ends, also when it
//! ends early (a converged fit): a bar can close on `done == total`. A call that fails or is
//! cancelled may leave its stage unfinished. With no sink, a report costs one thread-local read.
//!
//! The CLI draws its bars from these reports; Python polls a [`Meter`] from the thread that
//! waits for the call; Node calls a JS callback from the sink.

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::{Arc, Mutex};

/// How far a stage of a long call has come.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// What is running, e.g. `"k-means"`, `"value fit"`, `"silhouette"`.
    pub stage: &'static str,
    /// Units done (iterations, rounds, centres…), at most `total`.
    pub done: u64,
    /// Units in the stage: an upper bound where the stage may end early.
    pub total: u64,
}

type Sink = Rc<dyn Fn(Progress)>;

thread_local! {
    static SINK: RefCell<Option<Sink>> = const { RefCell::new(None) };
}

/// Runs `f` with `sink` receiving the progress reports of the core calls it makes on this
/// thread; the previous sink (if any) is restored afterwards, also when `f` panics.
pub fn observe<T>(sink: impl Fn(Progress) + 'static, f: impl FnOnce() -> T) -> T {
    struct Restore(Option<Sink>);
    impl Drop for Restore {
        fn drop(&mut self) {
            let previous = self.0.take();
            SINK.with(|s| *s.borrow_mut() = previous);
        }
    }
    let previous = SINK.with(|s| s.borrow_mut().replace(Rc::new(sink)));
    let _restore = Restore(previous);
    f()
}

/// Sends a report to this thread's sink, if there is one.
fn report(progress: Progress) {
    // The sink is cloned out first, so that it may itself call into kehu.
    if let Some(sink) = SINK.with(|s| s.borrow().clone()) {
        sink(progress);
    }
}

/// One stage of a long call: reports its start when made, [`Stage::at`] on the way and its end
/// on [`Stage::finish`].
#[derive(Debug)]
pub struct Stage {
    stage: &'static str,
    total: u64,
}

impl Stage {
    /// Starts a stage of `total` units (reports `done = 0`).
    pub fn start(stage: &'static str, total: usize) -> Stage {
        let total = total as u64;
        report(Progress {
            stage,
            done: 0,
            total,
        });
        Stage { stage, total }
    }

    /// Reports `done` units (capped at the total).
    pub fn at(&self, done: usize) {
        report(Progress {
            stage: self.stage,
            done: (done as u64).min(self.total),
            total: self.total,
        });
    }

    /// Reports the stage as done (`done = total`), also when it ended early.
    pub fn finish(self) {
        self.at(self.total as usize);
    }
}

/// The latest report, kept for a thread other than the caller's to read: a binding whose
/// caller waits on another thread (Python) runs the call under `observe(meter.sink(), …)` and
/// polls [`Meter::take`].
#[derive(Debug, Default)]
pub struct Meter {
    latest: Mutex<Latest>,
}

#[derive(Debug, Default)]
struct Latest {
    progress: Option<Progress>,
    /// A stage finished since the last take (kept so that a bar sees every end).
    finished: Vec<Progress>,
}

impl Meter {
    /// A sink that records each report in this meter.
    pub fn sink(self: &Arc<Self>) -> impl Fn(Progress) + 'static {
        let meter = Arc::clone(self);
        move |p| {
            let mut latest = meter.latest.lock().unwrap_or_else(|e| e.into_inner());
            if p.done == p.total {
                latest.finished.push(p);
                latest.progress = None;
            } else {
                latest.progress = Some(p);
            }
        }
    }

    /// The reports since the last take: every stage that finished, in order, then the latest
    /// report of the running stage.
    pub fn take(&self) -> Vec<Progress> {
        let mut latest = self.latest.lock().unwrap_or_else(|e| e.into_inner());
        let mut out = std::mem::take(&mut latest.finished);
        out.extend(latest.progress.take());
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::RefCell;

    #[test]
    fn reports_reach_the_sink_of_the_calling_thread_only() {
        let seen = Rc::new(RefCell::new(Vec::new()));
        let s = Rc::clone(&seen);
        observe(
            move |p| s.borrow_mut().push((p.stage, p.done, p.total)),
            || {
                let stage = Stage::start("work", 3);
                stage.at(1);
                stage.at(9);
                std::thread::scope(|t| {
                    // Another thread has no sink: its reports go nowhere.
                    t.spawn(|| Stage::start("elsewhere", 1).finish());
                });
                stage.finish();
            },
        );
        assert_eq!(
            *seen.borrow(),
            [
                ("work", 0, 3),
                ("work", 1, 3),
                ("work", 3, 3),
                ("work", 3, 3)
            ]
        );
        // Outside `observe` nothing is recorded.
        Stage::start("after", 1).finish();
        assert_eq!(seen.borrow().len(), 4);
    }

    #[test]
    fn a_meter_keeps_every_end_and_the_latest_report() {
        let meter = Arc::new(Meter::default());
        observe(meter.sink(), || {
            let a = Stage::start("a", 2);
            a.at(1);
            a.finish();
            let b = Stage::start("b", 10);
            b.at(4);
        });
        let seen: Vec<(&str, u64)> = meter.take().iter().map(|p| (p.stage, p.done)).collect();
        assert_eq!(seen, [("a", 2), ("b", 4)]);
        assert!(meter.take().is_empty());
    }

    #[test]
    fn the_previous_sink_is_restored_after_a_panic() {
        let seen = Rc::new(RefCell::new(0));
        let s = Rc::clone(&seen);
        observe(
            move |_| *s.borrow_mut() += 1,
            || {
                let inner = std::panic::catch_unwind(|| {
                    observe(|_| {}, || panic!("inside"));
                });
                assert!(inner.is_err());
                Stage::start("outer", 1);
            },
        );
        assert_eq!(*seen.borrow(), 1);
    }
}
