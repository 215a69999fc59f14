//! Progress of long work on standard error, for every command that reports it, and the
//! Ctrl-C that stops such work between its steps.

use std::io::IsTerminal;

/// Progress on standard error: rewritten in place on a terminal, else a line at most every
/// tenth of the way (and at the end).
pub struct Progress {
    tty: bool,
    last_tenth: std::sync::atomic::AtomicUsize,
}

impl std::fmt::Debug for Progress {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Progress").field("tty", &self.tty).finish()
    }
}

impl Progress {
    /// Progress on this process's standard error.
    pub fn new() -> Self {
        Progress {
            tty: std::io::stderr().is_terminal(),
            last_tenth: std::sync::atomic::AtomicUsize::new(usize::MAX),
        }
    }

    /// Reports `done` of `total` (when known) with `text`.
    pub fn report(&self, done: usize, total: Option<usize>, text: &str) {
        if self.tty {
            eprint!("\r{text}\x1b[K");
            return;
        }
        let tenth = match total {
            Some(t) if t > 0 => done * 10 / t,
            _ => done,
        };
        let previous = self
            .last_tenth
            .swap(tenth, std::sync::atomic::Ordering::Relaxed);
        if previous != tenth {
            eprintln!("{text}");
        }
    }

    /// Ends the in-place line.
    pub fn finish(&self) {
        if self.tty {
            eprintln!();
        }
    }
}

/// Waits for Ctrl-C, then says that `in_flight` is being finished and calls `cancel` (the work
/// stops at its next step); a second Ctrl-C quits at once (exit status 130). Spawned beside
/// the work.
pub async fn cancel_on_ctrl_c(in_flight: &'static str, cancel: impl FnOnce() + Send + 'static) {
    if tokio::signal::ctrl_c().await.is_ok() {
        eprintln!("\ncancelling: finishing {in_flight} (Ctrl-C again to quit now)");
        cancel();
        if tokio::signal::ctrl_c().await.is_ok() {
            std::process::exit(130);
        }
    }
}
