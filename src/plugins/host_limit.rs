//! Per-host limits on the `http` plugin's requests in flight. After a
//! restart hundreds of resumed runs may call the same service in the same
//! instant; a service with an ordinary listen backlog drops most of those
//! connections and the runs fail. So at most `HTTP_MAX_CONNS_PER_HOST`
//! requests to one `host:port` are in flight at once; the others wait, in
//! order, inside their attempt (the wait counts against the task's timeout
//! and ends when the attempt is cancelled).
//!
//! A task may ask for less with `max_conns_per_host: k`: the requests of
//! the tasks that ask for the same `k` then share `k` slots per host as
//! well, inside the server's limit. A `k` above the server's is clamped to
//! it.
//!
//! The pools are keyed by rendered URLs, that is by user input, so an
//! entry lives only while a request holds or awaits one of its slots: the
//! map never holds more entries than two per http attempt in progress.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::Semaphore;

/// The request slots of every host with requests in flight or waiting.
#[derive(Debug)]
pub struct HostLimits {
    /// The server's limit per host.
    max: usize,
    /// Pools by (host, size): the server's pool of a host has size `max`,
    /// a task's smaller limit `k` has a pool of its own of size `k`.
    pools: Mutex<HashMap<(String, usize), Arc<Semaphore>>>,
}

/// The slots one request holds until it is dropped (with the request and
/// its response body).
#[derive(Debug)]
pub struct Slot<'a> {
    /// The task's own pool first, then the server's: always in that order,
    /// so two requests can never each hold what the other awaits.
    _held: Vec<Held<'a>>,
}

/// One slot of one pool, or the wait for it; dropping it gives the slot
/// back and forgets the pool when nobody else uses it.
#[derive(Debug)]
struct Held<'a> {
    limits: &'a HostLimits,
    key: (String, usize),
    pool: Arc<Semaphore>,
    acquired: bool,
}

impl Drop for Held<'_> {
    fn drop(&mut self) {
        if self.acquired {
            self.pool.add_permits(1);
        }
        let mut pools = self.limits.lock();
        // Clones are only made under this lock, so the map's and ours
        // being the only ones means no request holds or awaits this pool.
        if pools
            .get(&self.key)
            .is_some_and(|p| Arc::ptr_eq(p, &self.pool) && Arc::strong_count(p) == 2)
        {
            pools.remove(&self.key);
        }
    }
}

impl HostLimits {
    /// Limits of `max` requests in flight per host (at least 1).
    pub fn new(max: usize) -> Self {
        Self {
            max: max.max(1),
            pools: Mutex::default(),
        }
    }

    /// The limit that applies to a task asking for `requested` (0: the
    /// server's): never above the server's.
    pub fn effective(&self, requested: u32) -> usize {
        match usize::try_from(requested) {
            Ok(0) | Err(_) => self.max,
            Ok(k) => k.min(self.max),
        }
    }

    /// Waits for a free slot to `host` (`host:port`) under the limit of a
    /// task asking for `requested`. Cancel-safe: dropping the future gives
    /// back whatever it took.
    pub async fn acquire(&self, host: &str, requested: u32) -> Slot<'_> {
        let limit = self.effective(requested);
        let mut held = Vec::with_capacity(2);
        if limit < self.max {
            held.push(self.take(host, limit).await);
        }
        held.push(self.take(host, self.max).await);
        Slot { _held: held }
    }

    /// Pools in use: (host, size) pairs with a request holding or awaiting
    /// a slot.
    #[cfg(test)]
    fn pools_in_use(&self) -> usize {
        self.lock().len()
    }

    async fn take(&self, host: &str, size: usize) -> Held<'_> {
        let key = (host.to_owned(), size);
        let pool = self
            .lock()
            .entry(key.clone())
            .or_insert_with(|| Arc::new(Semaphore::new(size)))
            .clone();
        let mut held = Held {
            limits: self,
            key,
            pool,
            acquired: false,
        };
        // If the attempt ends here, `held` is dropped unacquired and only
        // forgets the pool.
        held.pool
            .acquire()
            .await
            .expect("the pools' semaphores are never closed")
            .forget();
        held.acquired = true;
        held
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, usize), Arc<Semaphore>>> {
        self.pools.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::pin::pin;
    use std::task::Poll;

    /// Polls a future once: `Some` when it finished.
    fn poll_once<F: Future>(f: std::pin::Pin<&mut F>) -> Option<F::Output> {
        let waker = std::task::Waker::noop();
        match f.poll(&mut std::task::Context::from_waker(waker)) {
            Poll::Ready(v) => Some(v),
            Poll::Pending => None,
        }
    }

    #[tokio::test]
    async fn at_most_max_slots_per_host_and_others_are_independent() {
        let limits = HostLimits::new(2);
        let a = limits.acquire("h:80", 0).await;
        let _b = limits.acquire("h:80", 0).await;
        let mut third = pin!(limits.acquire("h:80", 0));
        assert!(poll_once(third.as_mut()).is_none(), "a third waits");
        let _other = limits.acquire("other:80", 0).await;
        drop(a);
        assert!(
            poll_once(third.as_mut()).is_some(),
            "a freed slot goes to it"
        );
    }

    #[tokio::test]
    async fn a_task_may_lower_the_limit_but_not_raise_it() {
        let limits = HostLimits::new(3);
        assert_eq!(limits.effective(0), 3);
        assert_eq!(limits.effective(1), 1);
        assert_eq!(limits.effective(100), 3, "clamped to the server's");

        let one = limits.acquire("h:80", 1).await;
        let mut second = pin!(limits.acquire("h:80", 1));
        assert!(poll_once(second.as_mut()).is_none(), "k = 1 allows one");
        let _free = limits.acquire("h:80", 0).await;
        drop(one);
        assert!(poll_once(second.as_mut()).is_some());

        let limits = HostLimits::new(2);
        let _x = limits.acquire("h:80", 100).await;
        let _y = limits.acquire("h:80", 100).await;
        assert!(poll_once(pin!(limits.acquire("h:80", 100))).is_none());
    }

    #[tokio::test]
    async fn pools_are_forgotten_when_unused_even_after_a_cancelled_wait() {
        let limits = HostLimits::new(1);
        let held = limits.acquire("h:80", 0).await;
        {
            let mut waiting = pin!(limits.acquire("h:80", 0));
            assert!(poll_once(waiting.as_mut()).is_none());
            // Dropped here, as a timed-out attempt drops its future.
        }
        assert_eq!(limits.pools_in_use(), 1);
        drop(held);
        assert_eq!(limits.pools_in_use(), 0);

        for i in 0..1000 {
            drop(limits.acquire(&format!("h{i}:80"), 1).await);
        }
        assert_eq!(
            limits.pools_in_use(),
            0,
            "templated hosts leave nothing behind"
        );
        // The slot of the cancelled waiter was not lost.
        let _a = limits.acquire("h:80", 0).await;
    }
}
