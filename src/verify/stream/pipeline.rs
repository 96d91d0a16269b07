//! The ordered worker pool under [`super::run`]: exactly `threads` threads — the calling
//! thread and `threads − 1` spawned ones — each taking the next batch from a shared source
//! (under a lock: read, decompress, split), processing it without any lock (parse, verify,
//! render), and handing it back in order. It owns the ordering, the parking of batches that
//! finish early and the bound on them; it knows nothing of lines, verdicts or reports.
//!
//! The calling thread is also the only writer (the report and the observer stay on it, so
//! they need not be `Send`): after each batch of its own it writes every batch that is next
//! in sequence — its own at once when it is the next, without parking it. A spawned worker
//! whose batch is not yet next parks it in one of `slots` reorder slots and takes the next
//! batch at once; it waits only when every slot is taken and its batch is not the next
//! (the next batch is always accepted, so the writer can never be starved of it). The
//! calling thread waits only when the slots are full or the source has ended, and then for
//! the next batch only.
//!
//! Memory: batches are allocated only when no written one is free to reuse, so at most
//! `threads + slots + 2` exist at once ([`Stats::batches`]): one in each thread's hands, at
//! most `slots` parked by the bound, one more the writer parked of its own (it checked the
//! bound before taking its batch) and the next one (always accepted).
//!
//! Hand-written because no crate does this: rayon's ordered parallel iterators collect
//! (unbounded) or do not keep order while streaming, and a channel pipeline needs threads
//! beside the workers (a reader, a writer), which is what this replaced.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard, PoisonError};

/// What a run of the pool did (for tests and the memory bound).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Stats {
    /// Batches allocated (the most that existed at once).
    pub batches: usize,
    /// The most batches parked at once.
    pub most_parked: usize,
    /// Batches written.
    pub written: u64,
}

/// The source of batches, behind its lock.
struct Feed<S> {
    source: S,
    /// Batches handed out so far: the next one's sequence number.
    issued: u64,
    /// The source has no more batches.
    ended: bool,
}

/// The reorder state, behind its lock.
struct Order<B> {
    /// The sequence number the writer writes next.
    next: u64,
    parked: Vec<(u64, B)>,
    /// Written batches, for reuse.
    free: Vec<B>,
    /// Workers waiting for a slot (or for their batch to become the next).
    waiting: usize,
    stats: Stats,
}

impl<B: Default> Order<B> {
    /// A written batch to reuse, or a new one.
    fn fresh(&mut self) -> B {
        self.free.pop().unwrap_or_else(|| {
            self.stats.batches = self.stats.batches.saturating_add(1);
            B::default()
        })
    }

    fn park(&mut self, seq: u64, batch: B) {
        self.parked.push((seq, batch));
        self.stats.most_parked = self.stats.most_parked.max(self.parked.len());
    }
}

struct Pool<S, B> {
    slots: usize,
    feed: Mutex<Feed<S>>,
    order: Mutex<Order<B>>,
    /// The writer waits here for the next batch.
    ready: Condvar,
    /// Workers wait here for a free slot.
    room: Condvar,
    stopped: AtomicBool,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

impl<S, B: Default> Pool<S, B> {
    /// The next batch from the source into `batch`, with its sequence number; `None` when
    /// the source has ended or the pool stopped.
    fn take(&self, fill: &(impl Fn(&mut S, &mut B) -> bool + Sync), batch: &mut B) -> Option<u64> {
        if self.stopped.load(Ordering::Acquire) {
            return None;
        }
        let mut feed = lock(&self.feed);
        if feed.ended {
            return None;
        }
        if fill(&mut feed.source, batch) {
            let seq = feed.issued;
            feed.issued = seq.saturating_add(1);
            Some(seq)
        } else {
            feed.ended = true;
            None
        }
    }

    /// How many batches the source gave, once it has ended.
    fn total(&self) -> Option<u64> {
        let feed = lock(&self.feed);
        feed.ended.then_some(feed.issued)
    }

    /// Stops the pool: workers take no more batches and stop waiting.
    fn stop(&self) {
        self.stopped.store(true, Ordering::Release);
        // Taking the lock orders the flag before any waiter's next check.
        drop(lock(&self.order));
        self.ready.notify_all();
        self.room.notify_all();
    }
}

/// Stops the pool when dropped: on every way out of the writer, and when a worker unwinds
/// (otherwise the writer would wait for its batch for ever).
struct StopOnDrop<'p, S, B: Default> {
    pool: &'p Pool<S, B>,
    always: bool,
}

impl<S, B: Default> Drop for StopOnDrop<'_, S, B> {
    fn drop(&mut self) {
        if self.always || std::thread::panicking() {
            self.pool.stop();
        }
    }
}

/// Runs the pool: `fill` (under the source's lock) puts the next batch into a batch buffer
/// and says whether there was one; `process` (no lock held; each thread with its own state
/// made by `state`) works on it; `write` (on the calling thread only) gets every batch in
/// the order `fill` gave them, and an error it returns stops the run and is returned.
/// `threads` is at least 1 (the calling thread), `slots` at least 1.
pub(crate) fn run_ordered<S, B, W, E>(
    threads: usize,
    slots: usize,
    source: S,
    fill: impl Fn(&mut S, &mut B) -> bool + Sync,
    state: impl Fn() -> W + Sync,
    process: impl Fn(&mut W, &mut B) + Sync,
    write: &mut dyn FnMut(&mut B) -> Result<(), E>,
) -> Result<Stats, E>
where
    S: Send,
    B: Default + Send,
{
    let pool = Pool {
        slots: slots.max(1),
        feed: Mutex::new(Feed {
            source,
            issued: 0,
            ended: false,
        }),
        order: Mutex::new(Order {
            next: 0,
            parked: Vec::new(),
            free: Vec::new(),
            waiting: 0,
            stats: Stats::default(),
        }),
        ready: Condvar::new(),
        room: Condvar::new(),
        stopped: AtomicBool::new(false),
    };
    std::thread::scope(|s| {
        for _ in 1..threads.max(1) {
            let (pool, fill, state, process) = (&pool, &fill, &state, &process);
            s.spawn(move || worker(pool, fill, state(), process));
        }
        let _stop = StopOnDrop {
            pool: &pool,
            always: true,
        };
        writer(&pool, &fill, state(), &process, write)?;
        let stats = lock(&pool.order).stats;
        Ok(stats)
    })
}

/// A spawned worker: take, process, park (or wait for a slot), until the source ends.
fn worker<S, B: Default, W>(
    pool: &Pool<S, B>,
    fill: &(impl Fn(&mut S, &mut B) -> bool + Sync),
    mut state: W,
    process: &(impl Fn(&mut W, &mut B) + Sync),
) {
    let _stop = StopOnDrop {
        pool,
        always: false,
    };
    let mut batch = lock(&pool.order).fresh();
    loop {
        let Some(seq) = pool.take(fill, &mut batch) else {
            return;
        };
        process(&mut state, &mut batch);
        let mut order = lock(&pool.order);
        while seq != order.next && order.parked.len() >= pool.slots {
            if pool.stopped.load(Ordering::Acquire) {
                return;
            }
            order.waiting = order.waiting.saturating_add(1);
            order = pool
                .room
                .wait(order)
                .unwrap_or_else(PoisonError::into_inner);
            order.waiting = order.waiting.saturating_sub(1);
        }
        if pool.stopped.load(Ordering::Acquire) {
            return;
        }
        order.park(seq, batch);
        batch = order.fresh();
        let next_is_here = seq == order.next;
        drop(order);
        if next_is_here {
            pool.ready.notify_one();
        }
    }
}

/// The calling thread: a worker that also writes every batch in order.
fn writer<S, B: Default, W, E>(
    pool: &Pool<S, B>,
    fill: &(impl Fn(&mut S, &mut B) -> bool + Sync),
    mut state: W,
    process: &(impl Fn(&mut W, &mut B) + Sync),
    write: &mut dyn FnMut(&mut B) -> Result<(), E>,
) -> Result<(), E> {
    let mut next = 0u64;
    let mut own: Option<B> = None;
    let written = |batch: B, next: &mut u64| {
        *next = next.saturating_add(1);
        let mut order = lock(&pool.order);
        order.next = *next;
        order.stats.written = *next;
        // A waiting worker may now have room, or hold the next batch.
        let waiting = order.waiting > 0;
        drop(order);
        if waiting {
            pool.room.notify_all();
        }
        batch
    };
    loop {
        // Everything that is ready, in order.
        loop {
            let ready = {
                let mut order = lock(&pool.order);
                let at = order.parked.iter().position(|(seq, _)| *seq == next);
                at.map(|i| order.parked.swap_remove(i).1)
            };
            let Some(mut batch) = ready else { break };
            write(&mut batch)?;
            let batch = written(batch, &mut next);
            lock(&pool.order).free.push(batch);
        }
        if pool.stopped.load(Ordering::Acquire) {
            return Ok(());
        }
        let total = pool.total();
        if total.is_some_and(|t| next >= t) {
            return Ok(());
        }
        let full = lock(&pool.order).parked.len() >= pool.slots;
        if total.is_some() || full {
            // Nothing to take (or no room to park what it would take): wait for the next.
            let mut order = lock(&pool.order);
            while !order.parked.iter().any(|(seq, _)| *seq == next)
                && !pool.stopped.load(Ordering::Acquire)
            {
                order = pool
                    .ready
                    .wait(order)
                    .unwrap_or_else(PoisonError::into_inner);
            }
            continue;
        }
        let mut batch = match own.take() {
            Some(b) => b,
            None => lock(&pool.order).fresh(),
        };
        let Some(seq) = pool.take(fill, &mut batch) else {
            own = Some(batch);
            continue;
        };
        process(&mut state, &mut batch);
        if seq == next {
            write(&mut batch)?;
            own = Some(written(batch, &mut next));
        } else {
            lock(&pool.order).park(seq, batch);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::AtomicUsize;
    use std::sync::mpsc::channel;

    #[derive(Default)]
    struct Job {
        seq: u64,
        /// The thread that processed it.
        by: Option<std::thread::ThreadId>,
    }

    /// Numbers batches 0..n, like the stream's source.
    fn counting(n: u64) -> impl Fn(&mut u64, &mut Job) -> bool + Sync {
        move |issued: &mut u64, job: &mut Job| {
            if *issued >= n {
                return false;
            }
            job.seq = *issued;
            job.by = None;
            *issued += 1;
            true
        }
    }

    fn run_collect(
        threads: usize,
        slots: usize,
        n: u64,
        process: impl Fn(&mut (), &mut Job) + Sync,
    ) -> (Vec<u64>, Stats) {
        let mut seen = Vec::new();
        let stats = run_ordered(
            threads,
            slots,
            0u64,
            counting(n),
            || (),
            process,
            &mut |job: &mut Job| -> Result<(), ()> {
                seen.push(job.seq);
                Ok(())
            },
        )
        .unwrap();
        (seen, stats)
    }

    #[test]
    fn one_thread_writes_in_order_with_one_batch() {
        let (seen, stats) = run_collect(1, 4, 100, |_, _| {});
        assert_eq!(seen, (0..100).collect::<Vec<_>>());
        assert_eq!(stats.batches, 1);
        assert_eq!(stats.most_parked, 0);
        assert_eq!(stats.written, 100);
    }

    /// Batches finish out of order (a spawned worker finishes batches 1, 2, 3 while the
    /// writer still holds batch 0): they are parked and written in order.
    #[test]
    fn out_of_order_completion_is_written_in_order() {
        let (go_tx, go_rx) = channel::<()>();
        let go_rx = Mutex::new(go_rx);
        let finished = AtomicUsize::new(0);
        let (seen, stats) = run_collect(2, 8, 6, |_, job| {
            if job.seq == 0 {
                // The first batch waits until three later ones are done.
                let _ = lock(&go_rx).recv();
            } else {
                if finished.fetch_add(1, Ordering::SeqCst) + 1 == 3 {
                    let _ = go_tx.send(());
                }
            }
        });
        assert_eq!(seen, (0..6).collect::<Vec<_>>());
        assert!(stats.most_parked >= 3, "{stats:?}");
    }

    /// A slow batch (the first, usually the writer's own; or the second, usually a spawned
    /// worker's): the other threads go on until the reorder slots are full, then wait for
    /// it; nothing is lost or reordered, and no more than the bound is parked or allocated.
    /// If a full slot did not stop them, they would park every other batch meanwhile.
    #[test]
    fn a_slow_batch_fills_the_slots_and_the_others_wait_for_it() {
        for slow in [0u64, 1] {
            for threads in [2usize, 3, 4] {
                for slots in [1usize, 2, 3] {
                    let n = 60u64;
                    let (seen, stats) = run_collect(threads, slots, n, |_, job| {
                        if job.seq == slow {
                            // Not a timing assertion: it only lets the others run ahead.
                            std::thread::sleep(std::time::Duration::from_millis(150));
                        }
                    });
                    let case = format!("slow {slow}, {threads} threads, {slots} slots");
                    assert_eq!(seen, (0..n).collect::<Vec<_>>(), "{case}");
                    assert_eq!(stats.written, n, "{case}");
                    // The bound (module documentation).
                    assert!(stats.most_parked <= slots + 2, "{case}: {stats:?}");
                    assert!(stats.batches <= threads + slots + 2, "{case}: {stats:?}");
                    // The slots were used: the others did run ahead.
                    assert!(stats.most_parked >= slots, "{case}: {stats:?}");
                }
            }
        }
    }

    #[test]
    fn an_error_of_the_writer_stops_every_thread() {
        for threads in [1usize, 2, 4] {
            let mut seen = Vec::new();
            let r = run_ordered(
                threads,
                2,
                0u64,
                counting(u64::MAX),
                || (),
                |_, _| {},
                &mut |job: &mut Job| {
                    seen.push(job.seq);
                    if job.seq == 50 {
                        Err("stop")
                    } else {
                        Ok(())
                    }
                },
            );
            assert_eq!(r, Err("stop"));
            assert_eq!(seen, (0..=50).collect::<Vec<_>>());
        }
    }

    #[test]
    fn every_thread_processes() {
        let ids = Mutex::new(std::collections::HashSet::new());
        let (seen, _) = run_collect(3, 6, 300, |_, job| {
            job.by = Some(std::thread::current().id());
            lock(&ids).insert(std::thread::current().id());
            std::thread::sleep(std::time::Duration::from_millis(1));
        });
        assert_eq!(seen.len(), 300);
        assert_eq!(lock(&ids).len(), 3);
    }

    #[test]
    #[should_panic]
    fn a_panicking_worker_does_not_hang_the_writer() {
        let _ = run_collect(2, 2, 1000, |_, job| {
            if job.seq == 3 {
                panic!("worker failed");
            }
            std::thread::sleep(std::time::Duration::from_micros(50));
        });
    }
}
