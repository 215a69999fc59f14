//! Long actions a shell can cancel by name: each running task's cancellation token under the
//! id the shell gave it (the desktop app's `cancel_task`).

use std::collections::HashMap;
use std::sync::Mutex;

use tokio_util::sync::CancellationToken;

/// The cancellation tokens of the running tasks, by task id.
#[derive(Debug, Default)]
pub struct Tasks {
    tokens: Mutex<HashMap<String, CancellationToken>>,
}

impl Tasks {
    fn tokens(&self) -> std::sync::MutexGuard<'_, HashMap<String, CancellationToken>> {
        crate::lock(&self.tokens)
    }

    /// Registers a task under `id` (replacing an ended one of the same id); returns its token.
    pub fn start(&self, id: &str) -> CancellationToken {
        let token = CancellationToken::new();
        self.tokens().insert(id.to_owned(), token.clone());
        token
    }

    /// Forgets a task that ended.
    pub fn end(&self, id: &str) {
        self.tokens().remove(id);
    }

    /// Cancels a running task; false when no task has this id.
    pub fn cancel(&self, id: &str) -> bool {
        (self.tokens().get(id))
            .map(CancellationToken::cancel)
            .is_some()
    }
}
