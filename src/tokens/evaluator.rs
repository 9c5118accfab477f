//! Where narrowed tokens are evaluated: a few threads of their own, so the
//! Datalog of blocks that strangers appended never runs on a request worker.
//!
//! The limits of `verify::limits` bound one evaluation to a few milliseconds;
//! these threads bound how much of the machine all of them together can take.
//! A request worker hands the evaluation over and awaits the answer, so while
//! narrowed tokens queue here, health checks, sign-ins and ordinary tokens
//! keep being served. Tokens nobody narrowed are checked where they arrive:
//! their one check is the expiry Gatehouse wrote.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::mpsc::{Receiver, SyncSender, TrySendError, sync_channel};
use std::sync::{Arc, Mutex};

type Job = Box<dyn FnOnce() + Send>;

/// Evaluations waiting per thread before new ones are refused.
const QUEUE_PER_THREAD: usize = 64;

/// The queue is full (or the threads are gone): answer 503 and let the
/// client retry, rather than queue without bound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many narrowed tokens are waiting to be evaluated")]
pub struct Busy;

pub struct Evaluator {
    jobs: SyncSender<Job>,
    threads: usize,
}

impl std::fmt::Debug for Evaluator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Evaluator")
            .field("threads", &self.threads)
            .finish()
    }
}

impl Evaluator {
    /// Starts `threads` evaluation threads (0: half the CPU cores, at least
    /// one). They end when the evaluator is dropped.
    pub fn start(threads: usize) -> std::io::Result<Self> {
        let threads = if threads == 0 {
            std::thread::available_parallelism().map_or(1, |n| (n.get() / 2).max(1))
        } else {
            threads
        };
        let (jobs, queue) = sync_channel::<Job>(threads * QUEUE_PER_THREAD);
        let queue = Arc::new(Mutex::new(queue));
        for i in 0..threads {
            let queue = queue.clone();
            std::thread::Builder::new()
                .name(format!("gatehouse-eval-{i}"))
                .spawn(move || work(&queue))?;
        }
        Ok(Self { jobs, threads })
    }

    /// Runs `f` on an evaluation thread and waits for its result.
    pub async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        // A job that panicked drops its sender: answered as busy.
        self.submit(f)?.await.map_err(|_| Busy)
    }

    /// Runs `f` on an evaluation thread when `narrowed` (a holder appended
    /// blocks to a token it evaluates: `access::is_narrowed`), on the
    /// caller's thread otherwise.
    pub async fn run_if<T: Send + 'static>(
        &self,
        narrowed: bool,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, Busy> {
        if narrowed { self.run(f).await } else { Ok(f()) }
    }

    /// Queues `f` at once, or refuses when the queue is full.
    fn submit<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<tokio::sync::oneshot::Receiver<T>, Busy> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        match self.jobs.try_send(job) {
            Ok(()) => Ok(rx),
            Err(TrySendError::Full(_) | TrySendError::Disconnected(_)) => Err(Busy),
        }
    }
}

fn work(queue: &Mutex<Receiver<Job>>) {
    loop {
        let job = match queue.lock() {
            Ok(q) => q.recv(),
            Err(poisoned) => poisoned.into_inner().recv(),
        };
        let Ok(job) = job else {
            return; // the evaluator was dropped
        };
        if catch_unwind(AssertUnwindSafe(job)).is_err() {
            tracing::error!("a token evaluation panicked");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_rt::test]
    async fn runs_off_the_caller_and_survives_a_panic() {
        let e = Evaluator::start(1).unwrap();
        let caller = std::thread::current().id();
        let ran_on = e.run(|| std::thread::current().id()).await.unwrap();
        assert_ne!(ran_on, caller);
        assert_eq!(e.run(|| -> u8 { panic!("boom") }).await, Err(Busy));
        assert_eq!(e.run(|| 7).await, Ok(7));
    }

    #[actix_rt::test]
    async fn a_full_queue_is_busy_not_unbounded() {
        let e = Evaluator::start(1).unwrap();
        let (started, has_started) = std::sync::mpsc::channel::<()>();
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let blocker = e
            .submit(move || {
                let _ = started.send(());
                let _ = wait.recv();
            })
            .unwrap();
        has_started.recv().unwrap();
        let queued: Vec<_> = (0..QUEUE_PER_THREAD)
            .map(|_| e.submit(|| 1).unwrap())
            .collect();
        assert_eq!(e.submit(|| 1).err(), Some(Busy));
        release.send(()).unwrap();
        blocker.await.unwrap();
        for r in queued {
            assert_eq!(r.await, Ok(1));
        }
    }
}
