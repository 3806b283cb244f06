//! The order a bucket's timers fire in, sorted once as one-word keys.
//!
//! **The current millisecond is sorted once.** A busy loop fires timers at
//! every tick, dozens of times a millisecond. The first time the bucket of
//! the current millisecond is partly due, its live slots are sorted into
//! [`Current`] as one-word keys ([`SortKey`]), latest first; each tick then
//! pops what passed off the end. Buckets the cursor passes whole are sorted
//! the same way, one by one, so the fired list comes out in order without
//! sorting it whole.

use super::buckets::{Slot, BUCKETS, BUCKET_NS};

/// A timer's place in the order of its bucket, in one word: the nanosecond
/// of its deadline within the bucket's millisecond in the high half (0 for
/// a deadline already past when it was filed), its slot in the low half.
/// A busy loop sorts every timer once, and sorting words is several times
/// cheaper than sorting (deadline, age) pairs. The order it gives is exact
/// except among equal words' deadlines (ties, deadlines filed late), which
/// `fire_due` puts in exact order at the end.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct SortKey(u64);

impl SortKey {
    /// The key of the slot at `pos` in the bucket of millisecond `ms`,
    /// due at `deadline`.
    pub(super) fn new(deadline: u64, ms: u64, pos: u32) -> SortKey {
        let offset = deadline.saturating_sub(ms * BUCKET_NS).min(BUCKET_NS - 1);
        SortKey(offset << 32 | u64::from(pos))
    }

    /// The slot's position in its bucket.
    pub(super) fn pos(self) -> usize {
        (self.0 & u64::from(u32::MAX)) as usize
    }
}

/// The current millisecond's bucket, sorted, and the sort of the buckets
/// the cursor passes.
#[derive(Debug)]
pub(super) struct Current {
    /// The timers of the current millisecond's bucket sorted latest first,
    /// so the next to fire is at the end; built the first time that bucket
    /// is partly due, valid while `ms == Some(cursor)`. The loop fires
    /// timers at every tick, many times a millisecond when it is busy:
    /// scanning the whole bucket each time cost more than the firing, and
    /// popping a heap cost more than one sort. Items of timers cancelled
    /// since are skipped.
    keys: Vec<SortKey>,
    /// The millisecond `keys` sorts, if any.
    ms: Option<u64>,
    /// Reused to sort a bucket the cursor passes whole.
    order: Vec<SortKey>,
}

impl Current {
    pub(super) fn new() -> Current {
        Current {
            keys: Vec::new(),
            ms: None,
            order: Vec::new(),
        }
    }

    /// Sorts the live `slots` of the bucket of millisecond `ms` into the
    /// index, unless that is done already.
    pub(super) fn index<T>(&mut self, slots: &[Slot<T>], ms: u64) {
        if self.ms == Some(ms) {
            return;
        }
        sort_live(slots, ms, &mut self.keys);
        self.keys.reverse();
        self.ms = Some(ms);
    }

    /// Keeps the index in order when a timer due at `deadline` is filed at
    /// `pos` in the bucket of millisecond `ms`.
    pub(super) fn filed(&mut self, ms: u64, deadline: u64, pos: u32) {
        if self.ms == Some(ms) {
            let key = SortKey::new(deadline, ms, pos);
            let at = self.keys.partition_point(|other| *other > key);
            self.keys.insert(at, key);
        }
    }

    /// The next timer to fire from `slots` (the indexed bucket of
    /// millisecond `ms`) and its position, dropping the keys of timers
    /// cancelled since off the end: no scan.
    pub(super) fn next<'s, T>(
        &mut self,
        slots: &'s [Slot<T>],
        ms: u64,
    ) -> Option<(usize, &'s Slot<T>)> {
        while let Some(&top) = self.keys.last() {
            let slot = &slots[top.pos()];
            if slot.target.is_some() && SortKey::new(slot.deadline, ms, top.pos() as u32) == top {
                return Some((top.pos(), slot));
            }
            self.keys.pop();
        }
        None
    }

    /// Drops the key [`next`](Current::next) returned, whose timer fired.
    pub(super) fn pop(&mut self) {
        self.keys.pop();
    }

    /// The keys of the live `slots` of the bucket of millisecond `ms`,
    /// which the cursor passes whole, earliest first, for the caller to
    /// drain. The bucket that was current is sorted already (latest first).
    pub(super) fn sort_passed<T>(&mut self, slots: &[Slot<T>], ms: u64) -> &mut Vec<SortKey> {
        if self.ms == Some(ms) {
            std::mem::swap(&mut self.order, &mut self.keys);
            self.order.reverse();
        } else {
            sort_live(slots, ms, &mut self.order);
        }
        &mut self.order
    }

    /// Forgets the index if it is of `bucket`, which has emptied.
    pub(super) fn forget(&mut self, bucket: usize) {
        if self.ms.is_some_and(|ms| (ms % BUCKETS) as usize == bucket) {
            self.ms = None;
            self.keys.clear();
        }
    }
}

/// Fills `into` with the keys of the live slots of the bucket of
/// millisecond `ms`, earliest first (see [`SortKey`] for the exceptions).
fn sort_live<T>(slots: &[Slot<T>], ms: u64, into: &mut Vec<SortKey>) {
    into.clear();
    let live = slots
        .iter()
        .enumerate()
        .filter(|(_, slot)| slot.target.is_some());
    into.extend(live.map(|(pos, slot)| SortKey::new(slot.deadline, ms, pos as u32)));
    into.sort_unstable();
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::super::tests::{fire_all, xorshift};
    use super::super::TimerWheel;
    use super::*;

    fn slot(deadline: u64, target: Option<u32>) -> Slot<u32> {
        Slot {
            deadline,
            generation: 1,
            target,
        }
    }

    #[test]
    fn the_index_pops_in_order_skips_the_cancelled_and_takes_late_filings() {
        let ms = 3;
        let at = |us: u64| ms * BUCKET_NS + us * 1_000;
        let mut slots = vec![
            slot(at(500), Some(0)),
            slot(at(100), Some(1)),
            slot(at(300), Some(2)),
        ];
        let mut current = Current::new();
        current.index(&slots, ms);
        let next = |current: &mut Current, slots: &[Slot<u32>]| {
            current.next(slots, ms).map(|(pos, _)| pos)
        };
        assert_eq!(next(&mut current, &slots), Some(1));
        current.pop();
        slots[2].target = None; // cancelled
        slots.push(slot(at(200), Some(3)));
        current.filed(ms, at(200), 3);
        assert_eq!(next(&mut current, &slots), Some(3));
        current.pop();
        assert_eq!(
            next(&mut current, &slots),
            Some(0),
            "the cancelled one is skipped"
        );
        current.pop();
        assert_eq!(next(&mut current, &slots), None);
    }

    #[test]
    fn crowded_buckets_fire_in_exact_order() {
        // Thousands of timers per millisecond, with equal deadlines,
        // deadlines already past when filed, and cancels.
        let mut next = xorshift(0x1234_5678_9abc_def1_u64);
        let mut wheel = TimerWheel::default();
        let t0 = wheel.base;
        let mut expected = Vec::new();
        // Move the cursor to 10 ms, so deadlines before it are "past".
        fire_all(&mut wheel, t0 + Duration::from_millis(10));
        for n in 0..6_000u64 {
            let ns = match next() % 4 {
                0 => 10_500_000,                      // equal deadlines
                1 => next() % 10_000_000,             // past: filed as due
                _ => 10_000_000 + next() % 3_000_000, // ms 10, 11 and 12
            };
            let key = wheel.insert(t0 + Duration::from_nanos(ns), n);
            if next() % 5 == 0 {
                wheel.cancel(key);
            } else {
                expected.push((ns, n));
            }
        }
        expected.sort_unstable();
        // Part of ms 10 (the sorted index), then the rest (whole buckets).
        let mut fired = Vec::new();
        for now_ns in [10_400_000, 10_500_000, 13_000_000] {
            fired.extend(fire_all(&mut wheel, t0 + Duration::from_nanos(now_ns)));
        }
        let expected: Vec<u64> = expected.into_iter().map(|(_, n)| n).collect();
        assert_eq!(fired, expected);
        assert_eq!(wheel.len(), 0);
    }

    #[test]
    fn the_bucket_sort_orders_by_deadline() {
        let mut next = xorshift(0x0bad_cafe_f00d_d00d_u64);
        let ms = 7;
        for len in [10, 63, 64, 3_000] {
            let slots: Vec<Slot<u32>> = (0..len)
                .map(|n| Slot {
                    deadline: match next() % 3 {
                        0 => ms * BUCKET_NS + 400_000,      // equal deadlines
                        1 => next() % (ms * BUCKET_NS + 1), // filed late
                        _ => ms * BUCKET_NS + next() % BUCKET_NS,
                    },
                    // Ages out of slot order, as after reused slots.
                    generation: next() % 1_000_000 + 1,
                    target: (n % 7 != 0).then_some(n),
                })
                .collect();
            let mut sorted = Vec::new();
            sort_live(&slots, ms, &mut sorted);
            // Every live slot once, by deadline; deadlines filed late count
            // as the millisecond's start (`fire_due` orders those itself).
            let clamp = |deadline: u64| deadline.max(ms * BUCKET_NS);
            let got: Vec<u64> = sorted
                .iter()
                .map(|key| clamp(slots[key.pos()].deadline))
                .collect();
            let mut expected: Vec<u64> = slots
                .iter()
                .filter(|slot| slot.target.is_some())
                .map(|slot| clamp(slot.deadline))
                .collect();
            expected.sort_unstable();
            assert_eq!(got, expected, "{len} slots");
            let mut positions: Vec<usize> = sorted.iter().map(|key| key.pos()).collect();
            positions.sort_unstable();
            positions.dedup();
            assert_eq!(positions.len(), expected.len());
        }
    }
}
