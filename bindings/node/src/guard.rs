//! Every call of the addon runs inside [`guarded`]: Ctrl-C asks the core to stop, and the
//! core's progress reports reach a JS callback.
//!
//! Node's calls are synchronous, so while one runs the event loop cannot deliver a SIGINT to a
//! JS listener (`process.on('SIGINT')`): the signal would wait for the whole call. When the JS
//! side says SIGINT has a listener, [`guarded`] puts its own handler in front of Node's for the
//! duration of the call: it asks the core to stop (the call throws `CANCELLED`) and hands the
//! signal on to Node's handler afterwards, which runs the listener. Without a listener nothing
//! is installed and Ctrl-C ends the process at once, as it always does in Node.

use napi::bindgen_prelude::{FnArgs, Function, FunctionRef, Unknown};
use napi::Env;
use napi_derive::napi;
use std::cell::Cell;
use std::time::{Duration, Instant};

/// The least time between two reports of a running stage passed to the JS callback (starts
/// and ends of stages always pass).
const REPORT_EVERY: Duration = Duration::from_millis(100);

/// The JS `progress(stage, done, total)` callback.
type ProgressCallback = FunctionRef<FnArgs<(String, f64, f64)>, Unknown<'static>>;

thread_local! {
    /// [`stop_call`] asked the running call of this thread to stop.
    static STOPPED: Cell<bool> = const { Cell::new(false) };
}

/// Asks the running call to stop (it throws `CANCELLED`): the JS wrapper calls this when the
/// progress callback throws, and then throws the callback's error.
#[napi]
pub fn stop_call() {
    STOPPED.with(|s| s.set(true));
    kehu::cancel::request();
}

/// Runs `thunk` (a call of this addon) with Ctrl-C asking the core to stop where SIGINT has a
/// JS listener (`listened`) and, when given, `progress(stage, done, total)` receiving the
/// core's progress reports, on this thread.
#[napi]
pub fn guarded(
    env: Env,
    thunk: Function<(), Unknown>,
    listened: bool,
    progress: Option<ProgressCallback>,
) -> napi::Result<()> {
    let _interrupts = interrupt::Guard::install(listened);
    let out = match progress {
        None => thunk.call(()).map(drop),
        Some(progress) => {
            let last = Cell::new(None::<Instant>);
            let sink = move |p: kehu::progress::Progress| {
                let edge = p.done == 0 || p.done == p.total;
                if !edge && last.get().is_some_and(|t| t.elapsed() < REPORT_EVERY) {
                    return;
                }
                last.set(Some(Instant::now()));
                // The JS wrapper catches what the callback throws (and calls `stop_call`).
                let _ = progress.borrow_back(&env).and_then(|f| {
                    f.call(FnArgs::from((
                        p.stage.to_string(),
                        p.done as f64,
                        p.total as f64,
                    )))
                });
            };
            kehu::progress::observe(sink, || thunk.call(()).map(drop))
        }
    };
    if STOPPED.with(|s| s.replace(false)) {
        kehu::cancel::reset();
    }
    out
}

#[cfg(unix)]
mod interrupt {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;

    /// How many guarded calls are running, and the handler they put aside.
    static INSTALLED: Mutex<(usize, Option<libc::sigaction>)> = Mutex::new((0, None));
    /// A SIGINT arrived while the handler was installed.
    static RECEIVED: AtomicBool = AtomicBool::new(false);

    extern "C" fn on_interrupt(_: libc::c_int) {
        // Async-signal-safe: two atomic stores.
        RECEIVED.store(true, Ordering::SeqCst);
        kehu::cancel::request();
    }

    /// Keeps the handler installed while at least one guarded call runs.
    pub struct Guard(bool);

    impl Guard {
        /// Installs the handler when SIGINT has a JS `listener` (and is not ignored).
        pub fn install(listener: bool) -> Guard {
            if !listener {
                return Guard(false);
            }
            let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
            if installed.0 == 0 {
                // SAFETY: sigaction with a zeroed struct queries or sets the disposition; the
                // handler only stores atomics.
                unsafe {
                    let mut previous: libc::sigaction = std::mem::zeroed();
                    libc::sigaction(libc::SIGINT, std::ptr::null(), &mut previous);
                    let handled = previous.sa_sigaction != libc::SIG_DFL
                        && previous.sa_sigaction != libc::SIG_IGN;
                    if !handled {
                        return Guard(false);
                    }
                    let mut ours: libc::sigaction = std::mem::zeroed();
                    ours.sa_sigaction = on_interrupt as *const () as usize;
                    // As libuv's own: interrupted system calls restart.
                    ours.sa_flags = libc::SA_RESTART | libc::SA_ONSTACK;
                    libc::sigemptyset(&mut ours.sa_mask);
                    libc::sigaction(libc::SIGINT, &ours, std::ptr::null_mut());
                    installed.1 = Some(previous);
                }
            } else if installed.1.is_none() {
                return Guard(false);
            }
            installed.0 += 1;
            Guard(true)
        }
    }

    impl Drop for Guard {
        fn drop(&mut self) {
            if !self.0 {
                return;
            }
            let mut installed = INSTALLED.lock().unwrap_or_else(|e| e.into_inner());
            installed.0 -= 1;
            if installed.0 > 0 {
                return;
            }
            if let Some(previous) = installed.1.take() {
                // SAFETY: restores the disposition saved by `install`.
                unsafe { libc::sigaction(libc::SIGINT, &previous, std::ptr::null_mut()) };
            }
            if RECEIVED.swap(false, Ordering::SeqCst) {
                kehu::cancel::reset();
                // The previous handler (the REPL's, a JS listener's) still hears of it.
                // SAFETY: raising a signal whose handler was just restored.
                unsafe { libc::raise(libc::SIGINT) };
            }
        }
    }
}

#[cfg(not(unix))]
mod interrupt {
    /// No interrupt handling off Unix.
    pub struct Guard;

    impl Guard {
        pub fn install(_listener: bool) -> Guard {
            Guard
        }
    }
}
