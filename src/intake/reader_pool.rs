//! The readers of a process, shared by every intake in it (the command line's files, the service's inbox sweep,
//! uploads, pages placed by hand): at most one set a worker, each made once and lent out page by page.
//!
//! Starting the readers costs more than reading a page (Tesseract about 120 ms of CPU, issue 17), so they live as
//! long as the [`ReaderPool`]. The pool also bounds the work: with every set lent out, the next page waits for
//! one to come back, so a burst of files in the inbox and an upload together never read more pages at once than
//! the pool has sets, and the web server's own threads keep the cores the pool leaves them.

use super::read::Readers;
use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex, PoisonError};

pub struct ReaderPool {
    state: Mutex<PoolState>,
    returned: Condvar,
    size: usize,
}

struct PoolState {
    idle: Vec<Readers>,
    /// Sets in existence (idle or lent out); never more than `size`.
    made: usize,
}

impl ReaderPool {
    /// A pool of at most `size` sets of readers (at least one), made when first needed.
    pub fn new(size: usize) -> ReaderPool {
        ReaderPool {
            state: Mutex::new(PoolState {
                idle: Vec::new(),
                made: 0,
            }),
            returned: Condvar::new(),
            size: size.max(1),
        }
    }

    /// The most sets lent out at once.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Sets made so far (each made once for the life of the pool).
    pub fn made(&self) -> usize {
        self.lock().made
    }

    /// A set of readers for one page or a few: an idle one, a new one while the pool is below its size, else
    /// the next one given back. Given back when the lease is dropped.
    pub fn take(&self) -> Lease<'_> {
        let mut state = self.lock();
        loop {
            if let Some(readers) = state.idle.pop() {
                return Lease {
                    pool: self,
                    readers: Some(readers),
                };
            }
            if state.made < self.size {
                state.made += 1;
                drop(state);
                // Made outside the lock: the handwriting model's buffers take a moment, and others may return.
                return Lease {
                    pool: self,
                    readers: Some(Readers::new()),
                };
            }
            state = self
                .returned
                .wait(state)
                .unwrap_or_else(PoisonError::into_inner);
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, PoolState> {
        // A panic while holding the lock leaves the list of idle sets intact: nothing is half-changed under it.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A set of readers lent out by a [`ReaderPool`].
pub struct Lease<'p> {
    pool: &'p ReaderPool,
    readers: Option<Readers>,
}

impl Deref for Lease<'_> {
    type Target = Readers;
    fn deref(&self) -> &Readers {
        // Some from `take` until `drop`.
        self.readers.as_ref().expect("a lease holds its readers")
    }
}

impl DerefMut for Lease<'_> {
    fn deref_mut(&mut self) -> &mut Readers {
        self.readers.as_mut().expect("a lease holds its readers")
    }
}

impl Drop for Lease<'_> {
    fn drop(&mut self) {
        if let Some(readers) = self.readers.take() {
            // A worker that panicked mid-page gives back readers whose Tesseract may be mid-recognition: dropped,
            // and the pool may make a fresh set in its place.
            let mut state = self.pool.lock();
            if std::thread::panicking() {
                state.made -= 1;
                drop(readers);
            } else {
                state.idle.push(readers);
            }
            drop(state);
            self.pool.returned.notify_one();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[test]
    fn sets_are_made_once_and_reused() {
        let pool = ReaderPool::new(2);
        for _ in 0..5 {
            let _a = pool.take();
            let _b = pool.take();
        }
        assert_eq!(pool.made(), 2);
    }

    #[test]
    fn tesseract_waits_for_a_page_that_needs_it() {
        let pool = ReaderPool::new(1);
        let mut lease = pool.take();
        assert!(!lease.printed_started(), "not started with the set");
        if lease.printed().is_some() {
            drop(lease);
            assert!(pool.take().printed_started(), "kept with the set");
        }
    }

    #[test]
    fn never_more_lent_out_than_the_size() {
        let pool = ReaderPool::new(2);
        let busy = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..6 {
                s.spawn(|| {
                    for _ in 0..20 {
                        let _lease = pool.take();
                        let now = busy.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        busy.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert!(most.load(Ordering::SeqCst) <= 2);
        assert_eq!(pool.made(), 2);
    }
}
