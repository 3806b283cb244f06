//! The timer store: a wheel of one-millisecond buckets for the next second,
//! a heap for later deadlines, and exact deadlines everywhere.
//!
//! Why this shape. The first version was a binary heap indexed from a slab:
//! exact and simple, but each timer that fired cost a sift through a heap
//! the size of all pending timers, a cache miss per level once it outgrew
//! the cache. A wheel files each timer under its millisecond, so setting and
//! firing one is O(1) and touches one bucket's tail; but tokio's wheel also
//! rounds every deadline to its millisecond, which is where its extra
//! millisecond of lateness comes from. This wheel keeps the exact deadline
//! in each slot and fires a timer only once that instant passed.
//!
//! ```text
//!   cursor = first millisecond not yet processed (since `base`)
//!
//!   buckets (1024 of them, bucket = deadline_ms % 1024)
//!   ┌──────────┬──────────┬──────────┬─────┬──────────┐
//!   │ ms c     │ ms c+1   │ ms c+2   │ ... │ ms c+1023│   each: Vec of slots
//!   │ 5.2 → T3 │          │ 7.9 → W  │     │          │   (deadline, target)
//!   └──────────┴──────────┴──────────┴─────┴──────────┘
//!   later: binary heap of deadlines ≥ c+1024 ms at insert, fired from there
//! ```
//!
//! What makes a fired timer cheap, with 100,000 of them (`timer_fire`), is
//! how few separate places in memory it touches. Each part says how it
//! keeps its share small:
//!
//! - `buckets.rs`, the wheel proper: a key names its slot (no side table),
//!   and a bucket that fills takes storage that is still in the cache.
//! - `current.rs`: the current millisecond is sorted once, as one-word
//!   keys, then popped as it falls due; a bucket passed whole is sorted the
//!   same way.
//! - `far.rs`: the deadlines beyond the horizon, in a heap.
//!
//! The store does not know what a timer wakes: it keeps a `T` for each and
//! hands back the `T`s that fired, so the hot paths compile for the one `T`
//! the runtime uses, [`Target`](crate::time::target::Target).
//!
//! The operations:
//!
//! - **Insert**: into a free slot (or onto the end) of the bucket of the
//!   deadline's millisecond; beyond the one-second horizon, into a slab with
//!   its deadline pushed onto a heap.
//! - **Fire** (`fire_due(now)`): every bucket the cursor passes is due as a
//!   whole; in the bucket of the current millisecond only the timers whose
//!   exact deadline passed fire, the rest wait for the next turn; so do the
//!   items at the top of the heap. Due timers are handed back in deadline
//!   order (equal deadlines: the older timer first).
//! - **Cancel**: frees the slot at once. An item in the heap is dropped
//!   lazily when it reaches the top, and the heap is compacted when stale
//!   items outnumber live ones.
//! - **Next deadline** (the loop's poll timeout): the first occupied bucket,
//!   found through a bitmap, and its minimum, kept as timers arrive and
//!   recomputed only after its minimum was removed; or the top of the heap.

mod buckets;
mod current;
mod far;

use std::time::{Duration, Instant};

use buckets::Buckets;
use far::Far;

/// Names one timer in the store: where its slot is, and the generation that
/// tells it apart from a later timer in the same slot, so a stale key is
/// harmless.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TimerKey {
    generation: u64,
    place: Place,
}

/// Where a timer is filed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Place {
    /// Slot `pos` of bucket `bucket` in `buckets`.
    Near { bucket: u32, pos: u32 },
    /// Entry `index` of `far`.
    Far { index: usize },
}

/// A timer that fired, before the due list is sorted.
#[derive(Debug)]
struct Due<T> {
    deadline: u64,
    generation: u64,
    target: T,
}

/// Pending timers, earliest deadline first, each with the `T` it wakes.
#[derive(Debug)]
pub(crate) struct TimerWheel<T> {
    /// The timers due within the horizon (the next second), by millisecond.
    buckets: Buckets<T>,
    /// The timers due later.
    far: Far<T>,
    /// The generation of the last timer inserted: its age for ties, and
    /// what tells its key from a stale one.
    next_generation: u64,
    /// Deadlines are kept as nanoseconds since this instant (exact to the
    /// nanosecond for 584 years).
    base: Instant,
    /// Reused by `fire_due`.
    due: Vec<Due<T>>,
}

impl<T> Default for TimerWheel<T> {
    fn default() -> TimerWheel<T> {
        TimerWheel::new(Instant::now())
    }
}

impl<T> TimerWheel<T> {
    /// An empty store. `base` must not be later than any deadline that is
    /// still in the future when inserted: the runtime passes its clock's
    /// reading at creation.
    pub(crate) fn new(base: Instant) -> TimerWheel<T> {
        TimerWheel {
            buckets: Buckets::new(),
            far: Far::new(),
            next_generation: 0,
            base,
            due: Vec::new(),
        }
    }

    /// A deadline as nanoseconds since the base; earlier than the base
    /// counts as the base (it is due anyway), beyond 584 years as "never".
    fn nanos(&self, deadline: Instant) -> u64 {
        let since = deadline.saturating_duration_since(self.base);
        u64::try_from(since.as_nanos()).unwrap_or(u64::MAX)
    }

    /// Adds a timer that hands back `target` once `deadline` has passed.
    pub(crate) fn insert(&mut self, deadline: Instant, target: T) -> TimerKey {
        self.next_generation += 1;
        let deadline = self.nanos(deadline);
        self.file(deadline, self.next_generation, target)
    }

    /// Files a timer in its bucket, or in `far` beyond the horizon.
    fn file(&mut self, deadline: u64, generation: u64, target: T) -> TimerKey {
        let place = if self.buckets.covers(deadline) {
            let (bucket, pos) = self.buckets.file(deadline, generation, target);
            Place::Near { bucket, pos }
        } else {
            let index = self.far.file(deadline, generation, target);
            Place::Far { index }
        };
        TimerKey { generation, place }
    }

    /// The target of a waiting timer, for the caller to change; `None` if
    /// the timer is no longer waiting (fired, cancelled, or a stale key).
    pub(crate) fn target_mut(&mut self, key: TimerKey) -> Option<&mut T> {
        match key.place {
            Place::Near { bucket, pos } => self.buckets.target_mut(bucket, pos, key.generation),
            Place::Far { index } => self.far.target_mut(index, key.generation),
        }
    }

    /// Moves a waiting timer to `deadline` and returns its new key (it
    /// keeps its age for tie-breaking); `None` if it already fired.
    pub(crate) fn reset(&mut self, key: TimerKey, deadline: Instant) -> Option<TimerKey> {
        let target = self.remove(key)?;
        let deadline = self.nanos(deadline);
        Some(self.file(deadline, key.generation, target))
    }

    /// Removes a timer that has not fired; a stale key does nothing.
    pub(crate) fn cancel(&mut self, key: TimerKey) {
        drop(self.remove(key));
    }

    /// Takes a waiting timer out of the store and returns its target.
    fn remove(&mut self, key: TimerKey) -> Option<T> {
        match key.place {
            Place::Near { bucket, pos } => self.buckets.remove(bucket, pos, key.generation),
            Place::Far { index } => self.far.remove(index, key.generation),
        }
    }

    /// The earliest deadline, if any timer waits.
    pub(crate) fn next_deadline(&mut self) -> Option<Instant> {
        let nanos = match (self.buckets.next_deadline(), self.far.next_deadline()) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b)?,
        };
        // "Never" saturates to far in the future rather than wrapping.
        Some(
            self.base
                .checked_add(Duration::from_nanos(nanos))
                .unwrap_or_else(|| self.base + Duration::from_secs(86_400 * 365 * 100)),
        )
    }

    /// Removes every timer whose deadline is at or before `now` and pushes
    /// its target onto `fired`, earliest first. Returns how many fired.
    pub(crate) fn fire_due(&mut self, now: Instant, fired: &mut impl Extend<T>) -> usize {
        let now = self.nanos(now);
        if self.len() == 0 {
            // Nothing waits: forget stale heap items, and keep the cursor
            // from lagging far behind.
            self.far.forget_stale();
            self.buckets.skip_to(now);
            return 0;
        }
        let mut due = std::mem::take(&mut self.due);
        self.buckets.fire_due(now, &mut due);
        self.far.fire_due(now, &mut due);

        // Hand out in deadline order, the older timer first on a tie.
        // Gathered bucket by bucket, `due` is in order already unless ties,
        // deadlines filed late or far timers joined it.
        let key = |due: &Due<T>| (due.deadline, due.generation);
        if !due.windows(2).all(|pair| key(&pair[0]) <= key(&pair[1])) {
            due.sort_unstable_by_key(key);
        }
        let count = due.len();
        fired.extend(due.drain(..).map(|due| due.target));
        self.due = due;
        count
    }

    /// Waiting timers whose target passes `test`.
    #[cfg(test)]
    pub(crate) fn count(&self, test: impl Fn(&T) -> bool) -> usize {
        let targets = self.buckets.targets().chain(self.far.targets());
        targets.filter(|target| test(target)).count()
    }

    /// Timers waiting.
    pub(crate) fn len(&self) -> usize {
        self.buckets.len() + self.far.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator: no dependency, same run each time.
    pub(super) fn xorshift(mut seed: u64) -> impl FnMut() -> u64 {
        move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        }
    }

    /// Fires what is due at `now` and returns the targets, in order.
    pub(super) fn fire_all(wheel: &mut TimerWheel<u64>, now: Instant) -> Vec<u64> {
        let mut fired = Vec::new();
        let count = wheel.fire_due(now, &mut fired);
        assert_eq!(count, fired.len(), "fire_due counts what it hands back");
        fired
    }

    #[test]
    fn timers_fire_in_deadline_order_and_equal_deadlines_in_insert_order() {
        let mut wheel = TimerWheel::default();
        let t0 = Instant::now();
        // (target, deadline offset in ms)
        for (n, ms) in [(0, 30), (1, 10), (2, 20), (3, 10), (4, 0), (5, 20)] {
            wheel.insert(t0 + Duration::from_millis(ms), n);
        }
        assert_eq!(wheel.next_deadline(), Some(t0));
        assert_eq!(
            fire_all(&mut wheel, t0 + Duration::from_millis(15)),
            [4, 1, 3]
        );
        assert_eq!(fire_all(&mut wheel, t0 + Duration::from_secs(1)), [2, 5, 0]);
        assert_eq!(wheel.len(), 0);
    }

    #[test]
    fn a_timer_never_fires_before_its_deadline() {
        let mut wheel = TimerWheel::default();
        let t0 = Instant::now();
        wheel.insert(t0 + Duration::from_millis(5), 0);
        assert!(fire_all(&mut wheel, t0 + Duration::from_micros(4_999)).is_empty());
        assert_eq!(fire_all(&mut wheel, t0 + Duration::from_millis(5)), [0]);
    }

    #[test]
    fn reset_moves_a_timer_earlier_and_later() {
        let mut wheel = TimerWheel::default();
        let t0 = Instant::now();
        let ms = |n| t0 + Duration::from_millis(n);
        let a = wheel.insert(ms(10), 0);
        let b = wheel.insert(ms(20), 1);
        let b = wheel.reset(b, ms(5)).unwrap();
        assert_eq!(wheel.next_deadline(), Some(ms(5)));
        assert!(wheel.reset(b, ms(50)).is_some());
        assert_eq!(wheel.next_deadline(), Some(ms(10)));
        assert_eq!(fire_all(&mut wheel, ms(100)), [0, 1]);
        assert!(
            wheel.reset(a, ms(1)).is_none(),
            "a fired timer cannot be reset"
        );
    }

    #[test]
    fn target_mut_reaches_a_waiting_timer_near_or_far_and_not_a_fired_one() {
        let mut wheel = TimerWheel::default();
        let t0 = wheel.base;
        let near = wheel.insert(t0 + Duration::from_millis(5), 1);
        let far = wheel.insert(t0 + Duration::from_secs(5), 2);
        *wheel.target_mut(near).unwrap() = 10;
        *wheel.target_mut(far).unwrap() = 20;
        assert_eq!(wheel.count(|&target| target >= 10), 2);
        assert_eq!(fire_all(&mut wheel, t0 + Duration::from_secs(5)), [10, 20]);
        assert!(wheel.target_mut(near).is_none() && wheel.target_mut(far).is_none());
    }

    #[test]
    fn random_inserts_and_cancels_fire_in_deadline_order() {
        let mut next = xorshift(0x2545_f491_4f6c_dd1d_u64);
        let mut wheel = TimerWheel::default();
        let t0 = Instant::now();
        let mut live = Vec::new();
        for n in 0..5_000 {
            if next() % 3 == 0 && !live.is_empty() {
                let key = live.swap_remove(next() as usize % live.len());
                wheel.cancel(key);
            } else {
                let at = t0 + Duration::from_micros(next() % 1_000);
                live.push(wheel.insert(at, n));
            }
        }
        assert_eq!(wheel.len(), live.len());
        let mut last = t0;
        while let Some(deadline) = wheel.next_deadline() {
            assert!(deadline >= last, "fired out of order");
            last = deadline;
            fire_all(&mut wheel, deadline);
        }
        assert_eq!(wheel.len(), 0);
        assert!(wheel.far.is_clear());
    }

    #[test]
    fn matches_a_sorted_model_through_inserts_cancels_resets_and_jumps() {
        use std::collections::BTreeMap;

        let mut next = xorshift(0x9e37_79b9_7f4a_7c15_u64);
        let mut wheel = TimerWheel::default();
        let t0 = wheel.base;
        // The model: (deadline in µs, insertion number) -> key.
        let mut model: BTreeMap<(u64, u64), TimerKey> = BTreeMap::new();
        let mut keys: Vec<(u64, u64, TimerKey)> = Vec::new();
        let mut now_us = 0u64;
        for n in 0..20_000u64 {
            match next() % 10 {
                // Deadlines from the past to 5 s ahead: buckets and `far`.
                0..=4 => {
                    let at = (now_us + next() % 5_000_000).saturating_sub(1_000);
                    let key = wheel.insert(t0 + Duration::from_micros(at), n);
                    model.insert((at, n), key);
                    keys.push((at, n, key));
                }
                5 if !keys.is_empty() => {
                    let (at, id, key) = keys.swap_remove(next() as usize % keys.len());
                    wheel.cancel(key);
                    model.remove(&(at, id));
                }
                6 if !keys.is_empty() => {
                    let i = next() as usize % keys.len();
                    let (at, id, key) = keys[i];
                    if model.remove(&(at, id)).is_some() {
                        let new_at = now_us + next() % 3_000_000;
                        let key = wheel.reset(key, t0 + Duration::from_micros(new_at));
                        let key = key.expect("a waiting timer can be reset");
                        // A reset keeps the timer's age for tie-breaking.
                        model.insert((new_at, id), key);
                        keys[i] = (new_at, id, key);
                    }
                }
                _ => {
                    // Small steps and, now and then, a jump of seconds.
                    now_us += if next() % 50 == 0 {
                        next() % 4_000_000
                    } else {
                        next() % 700
                    };
                    let now = t0 + Duration::from_micros(now_us);
                    let expected_next = model.keys().next().map(|&(at, _)| at);
                    let got_next = wheel.next_deadline().map(|d| (d - t0).as_micros() as u64);
                    assert_eq!(got_next, expected_next, "next deadline");
                    let got = fire_all(&mut wheel, now);
                    let expected: Vec<u64> = model
                        .range(..=(now_us, u64::MAX))
                        .map(|(&(_, id), _)| id)
                        .collect();
                    model.retain(|&(at, _), _| at > now_us);
                    keys.retain(|(at, id, _)| model.contains_key(&(*at, *id)));
                    assert_eq!(got, expected, "fired set or order differs at {now_us} µs");
                }
            }
            assert_eq!(wheel.len(), model.len());
        }
        // Everything left fires by the end of time, and nothing lingers.
        fire_all(&mut wheel, t0 + Duration::from_secs(3600));
        assert_eq!(wheel.len(), 0);
        assert!(wheel.far.is_clear());
        assert!(wheel.buckets.is_clear());
    }

    #[test]
    fn a_million_timers_inserted_and_cancelled_leave_it_empty() {
        let mut wheel = TimerWheel::default();
        let t0 = wheel.base;
        let keys: Vec<_> = (0..1_000_000u64)
            .map(|i| wheel.insert(t0 + Duration::from_micros(i * 7 % 3_000_000), i))
            .collect();
        assert_eq!(wheel.len(), 1_000_000);
        for key in keys {
            wheel.cancel(key);
        }
        assert_eq!(wheel.len(), 0);
        assert_eq!(wheel.next_deadline(), None);
        assert!(wheel.buckets.is_clear());
    }
}
