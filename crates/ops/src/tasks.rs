//! Long actions a shell can cancel by name: each running task's cancellation token under the
//! id the shell gave it (the desktop app's `cancel_task`).

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use tokio_util::sync::CancellationToken;

use crate::Cancel;

/// What a running task is told to stop through.
pub trait Token: Clone + Default {
    /// Asks the task to stop.
    fn cancel(&self);
}

impl Token for CancellationToken {
    fn cancel(&self) {
        CancellationToken::cancel(self);
    }
}

impl Token for Cancel {
    fn cancel(&self) {
        Cancel::cancel(self);
    }
}

/// How many cancels of tasks not started yet are kept (the oldest is forgotten first): a
/// shell's cancel may arrive before the task it names has started, and one that names no task
/// at all (a task that already ended) must not pile up.
const EARLY_CANCELS: usize = 64;

/// The cancellation tokens of the running tasks, by task id, and the cancels that arrived
/// before their task started.
#[derive(Debug, Default)]
pub struct Registry<T> {
    inner: Mutex<Inner<T>>,
}

#[derive(Debug, Default)]
struct Inner<T> {
    running: HashMap<String, T>,
    /// Ids cancelled while no task ran under them, oldest first.
    early: VecDeque<String>,
}

/// The tasks that stop through a [`CancellationToken`] (the provider actions).
pub type Tasks = Registry<CancellationToken>;

/// The tasks that stop through a [`Cancel`] flag (bulk edits).
pub type Flags = Registry<Cancel>;

impl<T: Token> Registry<T> {
    fn inner(&self) -> std::sync::MutexGuard<'_, Inner<T>> {
        crate::lock(&self.inner)
    }

    /// Registers a task under `id` (replacing an ended one of the same id); returns its token,
    /// already cancelled when a cancel named `id` before the task started. A shell registers
    /// its task before any of the task's work (reading its numbers included), so a cancel is
    /// never lost.
    pub fn start(&self, id: &str) -> T {
        let token = T::default();
        let mut inner = self.inner();
        if let Some(at) = inner.early.iter().position(|e| e == id) {
            inner.early.remove(at);
            token.cancel();
        }
        inner.running.insert(id.to_owned(), token.clone());
        token
    }

    /// Forgets a task that ended.
    pub fn end(&self, id: &str) {
        self.inner().running.remove(id);
    }

    /// Runs `work` as task `id` with its token: registered before `work` starts
    /// ([`Registry::start`]: a cancel sent before, or while `work` reads what it needs, is not
    /// lost) and forgotten after it ends.
    pub async fn run<F, Fut>(&self, id: &str, work: F) -> Fut::Output
    where
        F: FnOnce(T) -> Fut,
        Fut: Future,
    {
        let out = work(self.start(id)).await;
        self.end(id);
        out
    }

    /// Cancels the task running under `id`; true when one ran. Otherwise the cancel is kept
    /// for a task starting under `id` soon ([`Registry::start`]), and false is returned.
    pub fn cancel(&self, id: &str) -> bool {
        let mut inner = self.inner();
        if let Some(token) = inner.running.get(id) {
            token.cancel();
            return true;
        }
        if !inner.early.iter().any(|e| e == id) {
            if inner.early.len() == EARLY_CANCELS {
                inner.early.pop_front();
            }
            inner.early.push_back(id.to_owned());
        }
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cancel_before_the_start_cancels_the_task_once() {
        let tasks = Tasks::default();
        assert!(!tasks.cancel("t1"), "no task runs yet");
        let token = tasks.start("t1");
        assert!(token.is_cancelled(), "the early cancel is not lost");
        tasks.end("t1");
        assert!(
            !tasks.start("t1").is_cancelled(),
            "the early cancel was used up by the task it named"
        );
        assert!(
            !tasks.start("t2").is_cancelled(),
            "another task is not cancelled"
        );
    }

    #[test]
    fn a_cancel_while_running_cancels_the_token_given() {
        let tasks = Tasks::default();
        let token = tasks.start("t");
        assert!(tasks.cancel("t"));
        assert!(token.is_cancelled());
    }

    #[test]
    fn early_cancels_are_bounded() {
        let tasks = Tasks::default();
        for i in 0..=EARLY_CANCELS {
            tasks.cancel(&format!("ended-{i}"));
        }
        assert_eq!(tasks.inner().early.len(), EARLY_CANCELS);
        assert!(
            !tasks.start("ended-0").is_cancelled(),
            "the oldest was forgotten"
        );
        assert!(
            tasks
                .start(&format!("ended-{EARLY_CANCELS}"))
                .is_cancelled()
        );
    }
}
