//! The objects a run's numbers share, read once a run.
//!
//! Many numbers sit on one object other than the number (a Vonage or Twilio application, a
//! Telnyx connection or messaging profile, a Bandwidth location or application, a Plivo
//! application): a bulk drift check, plan or re-point reads each number's webhooks through
//! that object, and would read it again for every number on it. A client made for a run
//! ([`crate::ProviderClient::sharing_reads`]) keeps what it read of those objects in a
//! [`SharedReads`] of its own, so each is read once in the run, however many numbers sit on
//! it and however many of them are in flight at once (the first asks; the others wait for its
//! answer). A failed read is not kept: the next number asks again.
//!
//! A write to an object forgets what was read of it ([`SharedReads::forget`], after the write,
//! whether or not it succeeded), so the run's later reads of it (a number's state read back,
//! the next number's state) ask the provider again; what a write starts from is always read
//! afresh, never from here. The cache is the run's: a client without one (every single-number
//! action) reads every time, and it is dropped with the run's client.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::OnceCell;

use crate::error::Result;

type Cell = Arc<OnceCell<Arc<dyn Any + Send + Sync>>>;

/// The reads of a run: by object and the type of the read.
type Cells = Mutex<HashMap<(String, TypeId), Cell>>;

/// What one run read of the objects its numbers share, by object and kind of read; none
/// outside a run.
#[derive(Clone, Default)]
pub(crate) struct SharedReads(Option<Arc<Cells>>);

impl std::fmt::Debug for SharedReads {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("SharedReads")
            .field(&self.0.is_some())
            .finish()
    }
}

impl SharedReads {
    /// The cache of a run: this one when it is already a run's, else an empty one.
    pub fn for_run(&self) -> Self {
        match self.0 {
            Some(_) => self.clone(),
            None => SharedReads(Some(Arc::default())),
        }
    }

    /// What `read` answers for `object` (a read of kind `T`): asked once in a run, kept while
    /// it succeeds; outside a run, asked every time.
    pub async fn read<T, Fut>(&self, object: &str, read: impl FnOnce() -> Fut) -> Result<T>
    where
        T: Clone + Send + Sync + 'static,
        Fut: Future<Output = Result<T>>,
    {
        let Some(cells) = &self.0 else {
            return read().await;
        };
        let cell: Cell = {
            let mut cells = cells.lock().unwrap_or_else(|e| e.into_inner());
            let key = (object.to_owned(), TypeId::of::<T>());
            cells.entry(key).or_default().clone()
        };
        let kept = cell
            .get_or_try_init(|| async {
                let value = read().await?;
                Ok::<_, crate::ProviderError>(Arc::new(value) as Arc<dyn Any + Send + Sync>)
            })
            .await?;
        match kept.downcast_ref::<T>() {
            Some(value) => Ok(value.clone()),
            // The key holds its type: never another one.
            None => unreachable!("a shared read kept under another type"),
        }
    }

    /// Writes `object` (`write`, awaited) and forgets every read of it, whether the write
    /// succeeded or not (a failed write may still have been made): the run reads it again.
    pub async fn write<T>(
        &self,
        object: &str,
        write: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        let written = write.await;
        self.forget(object);
        written
    }

    /// Forgets every read of `object`.
    pub fn forget(&self, object: &str) {
        if let Some(cells) = &self.0 {
            let mut cells = cells.lock().unwrap_or_else(|e| e.into_inner());
            cells.retain(|(o, _), _| o != object);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn a_run_asks_once_and_again_after_a_write() {
        let asked = AtomicUsize::new(0);
        let ask =
            || async { Ok::<_, crate::ProviderError>(asked.fetch_add(1, Ordering::SeqCst) + 1) };
        let run = SharedReads::default().for_run();
        let both = futures_util::future::join(run.read("app", ask), run.read("app", ask)).await;
        assert_eq!((both.0.unwrap(), both.1.unwrap()), (1, 1));
        assert_eq!(run.read("other", ask).await.unwrap(), 2);
        run.forget("app");
        assert_eq!(run.read("app", ask).await.unwrap(), 3);
        assert_eq!(run.read("app", ask).await.unwrap(), 3);
        let alone = SharedReads::default();
        assert_eq!(alone.read("app", ask).await.unwrap(), 4);
        assert_eq!(alone.read("app", ask).await.unwrap(), 5);
    }
}
