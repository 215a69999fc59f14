//! Long actions a shell can cancel by name: each running task's cancellation token under the
//! id the shell gave it (the desktop app's `cancel_task`).

use std::collections::HashMap;
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

/// The cancellation tokens of the running tasks, by task id.
#[derive(Debug, Default)]
pub struct Registry<T> {
    tokens: Mutex<HashMap<String, T>>,
}

/// The tasks that stop through a [`CancellationToken`] (the provider actions).
pub type Tasks = Registry<CancellationToken>;

/// The tasks that stop through a [`Cancel`] flag (bulk edits).
pub type Flags = Registry<Cancel>;

impl<T: Token> Registry<T> {
    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, T>> {
        crate::lock(&self.tokens)
    }

    /// Registers a task under `id` (replacing an ended one of the same id); returns its token.
    pub fn start(&self, id: &str) -> T {
        let token = T::default();
        self.tokens().insert(id.to_owned(), token.clone());
        token
    }

    /// Forgets a task that ended.
    pub fn end(&self, id: &str) {
        self.tokens().remove(id);
    }

    /// Cancels a running task; false when no task has this id.
    pub fn cancel(&self, id: &str) -> bool {
        (self.tokens().get(id)).map(T::cancel).is_some()
    }
}
