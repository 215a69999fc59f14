//! One sync at a time for the open workspace, as the app runs them in the background: a
//! request while a sync runs joins it (waits for its end, receives its progress); a request
//! from an edit marks it to run once more afterwards; opening another workspace cancels the
//! running sync and starts a new generation, so a sync of the previous workspace never
//! changes the new one's status.

use std::fmt;
use std::sync::{Arc, Mutex};

use tokio::sync::watch;

use crate::{Cancel, lock};

/// The progress listeners of a running sync: every caller that started or joined it.
#[derive(Debug)]
pub struct Listeners<L>(Arc<Mutex<Vec<L>>>);

impl<L> Clone for Listeners<L> {
    fn clone(&self) -> Self {
        Listeners(self.0.clone())
    }
}

impl<L> Listeners<L> {
    /// Calls `send` with every listener; one it returns false for (its page went away) is
    /// dropped.
    pub fn send(&self, send: impl FnMut(&L) -> bool) {
        lock(&self.0).retain(send);
    }
}

struct Running<L> {
    cancel: Cancel,
    listeners: Listeners<L>,
    done: watch::Receiver<bool>,
}

struct Inner<S, L> {
    status: S,
    generation: u64,
    running: Option<Running<L>>,
    again: bool,
}

/// The open workspace's sync status `S` and its running sync, whose callers listen with `L`.
pub struct SyncSlot<S, L> {
    inner: Mutex<Inner<S, L>>,
}

impl<S: fmt::Debug, L> fmt::Debug for SyncSlot<S, L> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let inner = lock(&self.inner);
        f.debug_struct("SyncSlot")
            .field("status", &inner.status)
            .field("generation", &inner.generation)
            .field("running", &inner.running.is_some())
            .finish_non_exhaustive()
    }
}

/// A sync a request started: its caller runs it, asks [`SyncSlot::run_again`] after each run,
/// then calls [`Started::finish`].
#[derive(Debug)]
pub struct Started<L> {
    /// The generation of the workspace it syncs.
    pub generation: u64,
    /// Stops it at its next batch.
    pub cancel: Cancel,
    /// Who receives its progress.
    pub listeners: Listeners<L>,
    done: watch::Sender<bool>,
}

impl<L> Started<L> {
    /// Tells everyone waiting that the sync ended.
    pub fn finish(self) {
        let _ = self.done.send(true);
    }
}

impl<S: Clone, L> SyncSlot<S, L> {
    /// No sync yet, with `status`.
    pub fn new(status: S) -> Self {
        SyncSlot {
            inner: Mutex::new(Inner {
                status,
                generation: 0,
                running: None,
                again: false,
            }),
        }
    }

    /// The open workspace's status.
    pub fn status(&self) -> S {
        lock(&self.inner).status.clone()
    }

    /// The open workspace's generation.
    pub fn generation(&self) -> u64 {
        lock(&self.inner).generation
    }

    /// Changes the status if `generation` is still the open workspace's; returns it then.
    pub fn update(&self, generation: u64, f: impl FnOnce(&mut S)) -> Option<S> {
        let mut inner = lock(&self.inner);
        if inner.generation != generation {
            return None;
        }
        f(&mut inner.status);
        Some(inner.status.clone())
    }

    /// Another workspace is open, with `status`: cancels the running sync, forgets a run
    /// asked for after it, and returns the new generation.
    pub fn reset(&self, status: S) -> u64 {
        let mut inner = lock(&self.inner);
        inner.generation += 1;
        if let Some(running) = inner.running.take() {
            running.cancel.cancel();
        }
        inner.again = false;
        inner.status = status;
        inner.generation
    }

    /// Starts a sync, or joins the running one (`again`: run once more after it); `listener`
    /// receives its progress. Returns what to wait on for its end, and the sync to run when
    /// this request started one.
    pub fn request(
        &self,
        listener: Option<L>,
        again: bool,
    ) -> (watch::Receiver<bool>, Option<Started<L>>) {
        let mut inner = lock(&self.inner);
        if let Some(running) = &inner.running {
            lock(&running.listeners.0).extend(listener);
            let done = running.done.clone();
            inner.again |= again;
            return (done, None);
        }
        let (tx, rx) = watch::channel(false);
        let started = Started {
            generation: inner.generation,
            cancel: Cancel::new(),
            listeners: Listeners(Arc::new(Mutex::new(listener.into_iter().collect()))),
            done: tx,
        };
        inner.running = Some(Running {
            cancel: started.cancel.clone(),
            listeners: started.listeners.clone(),
            done: rx.clone(),
        });
        inner.again = false;
        (rx, Some(started))
    }

    /// After a run of `started`: true when it is to run once more (asked for during it, not
    /// cancelled, same workspace); else the slot is free for the next request.
    pub fn run_again(&self, started: &Started<L>) -> bool {
        let mut inner = lock(&self.inner);
        let current = inner.generation == started.generation;
        if current && inner.again && !started.cancel.is_cancelled() {
            inner.again = false;
            return true;
        }
        if current {
            inner.running = None;
        }
        false
    }

    /// Stops the running sync at its next batch; false when none runs.
    pub fn cancel(&self) -> bool {
        let inner = lock(&self.inner);
        inner.running.as_ref().map(|r| r.cancel.cancel()).is_some()
    }
}
