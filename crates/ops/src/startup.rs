//! How a start of the desktop app went, kept for the window to ask: a failure never ends the
//! process (an app that exits while starting simply vanishes), it is kept and tried again on
//! demand, one attempt at a time, until one succeeds.

use std::sync::{Mutex, MutexGuard, PoisonError};

/// Where a start stands.
#[derive(Debug)]
enum Stage<E> {
    NotTried,
    Failed(E),
    Started,
}

/// A start: the warnings of what did not stop it, or why it failed.
#[derive(Debug)]
pub struct Start<E> {
    stage: Mutex<Stage<E>>,
    warnings: Mutex<Vec<E>>,
    /// Held by one attempt at a time, so that two retries start once.
    attempt: Mutex<()>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<E: Clone> Start<E> {
    /// A start not tried yet, with the warnings of what came before it.
    pub fn new(warnings: Vec<E>) -> Self {
        Start {
            stage: Mutex::new(Stage::NotTried),
            warnings: Mutex::new(warnings),
            attempt: Mutex::new(()),
        }
    }

    /// Starts with `open` unless a start succeeded already: keeps its failure, or adds its
    /// warnings. Answers as [`Start::status`].
    pub fn attempt(&self, open: impl FnOnce() -> Result<Vec<E>, E>) -> Result<Vec<E>, E> {
        let _one_at_a_time = lock(&self.attempt);
        if !matches!(*lock(&self.stage), Stage::Started) {
            let stage = match open() {
                Ok(warnings) => {
                    lock(&self.warnings).extend(warnings);
                    Stage::Started
                }
                Err(e) => Stage::Failed(e),
            };
            *lock(&self.stage) = stage;
        }
        self.status()
    }

    /// The warnings of the start, or why it failed (a start not tried yet has no failure).
    pub fn status(&self) -> Result<Vec<E>, E> {
        match &*lock(&self.stage) {
            Stage::Failed(e) => Err(e.clone()),
            Stage::NotTried | Stage::Started => Ok(lock(&self.warnings).clone()),
        }
    }
}
