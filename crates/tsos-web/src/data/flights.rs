//! Values built once and shared: a build in flight is joined, not repeated, and what is built
//! is kept within a bound in bytes.
//!
//! After a start or an import, every request of a busy dashboard wants the same report at
//! once; at 40,000 schools a report takes seconds and tens of megabytes to build, so 32
//! requests building it each would take 32 times the CPU and memory of one. Here the first
//! request builds, and the others wait on the same [`OnceLock`] for its result.

use std::collections::HashMap;
use std::hash::Hash;
use std::sync::{Arc, OnceLock};

/// The cell every request for a key waits on. `None` when the build failed: each waiter then
/// learns its own error by building again.
pub(crate) type Flight<V> = Arc<OnceLock<Option<V>>>;

/// Values by key, least recently used evicted first once their estimated sizes exceed the
/// budget. A value alone over the budget is still kept until the next one is built: dropping
/// it would make every request build it again.
pub(crate) struct Flights<K, V> {
    budget: usize,
    used: usize,
    clock: u64,
    slots: HashMap<K, Slot<V>>,
}

struct Slot<V> {
    cell: Flight<V>,
    /// The estimated size once built; 0 while building.
    bytes: usize,
    used_at: u64,
}

impl<K: Hash + Eq + Clone, V> Flights<K, V> {
    pub fn new(budget: usize) -> Flights<K, V> {
        Flights {
            budget,
            used: 0,
            clock: 0,
            slots: HashMap::new(),
        }
    }

    /// The cell of `key`: the built value, a build in flight, or a new empty cell for the
    /// caller to build in.
    pub fn cell(&mut self, key: &K) -> Flight<V> {
        self.clock += 1;
        let clock = self.clock;
        let slot = self.slots.entry(key.clone()).or_insert_with(|| Slot {
            cell: Arc::new(OnceLock::new()),
            bytes: 0,
            used_at: clock,
        });
        slot.used_at = clock;
        Arc::clone(&slot.cell)
    }

    /// Records that `cell`, still the cell of `key`, holds a value of about `weigh()` bytes
    /// (asked once, since weighing a report walks its rows), and evicts the least recently used
    /// values while the budget is exceeded.
    pub fn built(&mut self, key: &K, cell: &Flight<V>, weigh: impl FnOnce() -> usize) {
        let Some(slot) = self.slots.get_mut(key) else {
            return;
        };
        if !Arc::ptr_eq(&slot.cell, cell) || slot.bytes != 0 {
            return;
        }
        // A size of 0 would read as «still building».
        slot.bytes = weigh().max(1);
        self.used += slot.bytes;
        while self.used > self.budget {
            let oldest = self
                .slots
                .iter()
                .filter(|(other, slot)| slot.bytes != 0 && *other != key)
                .min_by_key(|(_, slot)| slot.used_at)
                .map(|(other, _)| other.clone());
            let Some(oldest) = oldest else {
                break;
            };
            if let Some(slot) = self.slots.remove(&oldest) {
                self.used -= slot.bytes;
            }
        }
    }

    /// Forgets `cell` if it is still the cell of `key`: its build failed, and the next
    /// request should try again.
    pub fn forget(&mut self, key: &K, cell: &Flight<V>) {
        if self
            .slots
            .get(key)
            .is_some_and(|slot| Arc::ptr_eq(&slot.cell, cell))
            && let Some(slot) = self.slots.remove(key)
        {
            self.used -= slot.bytes;
        }
    }

    /// Forgets everything; builds in flight finish for the requests waiting on them.
    pub fn clear(&mut self) {
        self.slots.clear();
        self.used = 0;
    }

    #[cfg(test)]
    fn keys(&self) -> Vec<K>
    where
        K: Ord,
    {
        let mut keys: Vec<K> = self.slots.keys().cloned().collect();
        keys.sort();
        keys
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn build(flights: &mut Flights<u32, u32>, key: u32, bytes: usize) -> Flight<u32> {
        let cell = flights.cell(&key);
        cell.get_or_init(|| Some(key));
        flights.built(&key, &cell, || bytes);
        cell
    }

    #[test]
    fn the_least_recently_used_go_first_and_the_newest_stays() {
        let mut flights = Flights::new(100);
        build(&mut flights, 1, 40);
        build(&mut flights, 2, 40);
        // 1 is used again, so 2 is the oldest when 3 comes.
        assert_eq!(flights.cell(&1).get(), Some(&Some(1)));
        build(&mut flights, 3, 40);
        assert_eq!(flights.keys(), vec![1, 3]);
        // Alone over the budget, and kept.
        build(&mut flights, 4, 500);
        assert_eq!(flights.keys(), vec![4]);
        assert_eq!(flights.used, 500);
    }

    #[test]
    fn a_build_in_flight_is_shared_and_never_evicted() {
        let mut flights = Flights::new(10);
        let building = flights.cell(&1);
        assert!(
            Arc::ptr_eq(&building, &flights.cell(&1)),
            "one cell per key"
        );
        build(&mut flights, 2, 50);
        assert_eq!(flights.keys(), vec![1, 2]);
    }

    #[test]
    fn a_failed_or_stale_build_is_forgotten() {
        let mut flights: Flights<u32, u32> = Flights::new(100);
        let failed = flights.cell(&1);
        failed.get_or_init(|| None);
        flights.forget(&1, &failed);
        assert!(flights.keys().is_empty());
        // A cell from before a clear does not count against the new contents.
        let stale = flights.cell(&2);
        flights.clear();
        stale.get_or_init(|| Some(2));
        flights.built(&2, &stale, || 30);
        flights.forget(&2, &stale);
        assert_eq!(flights.used, 0);
        assert!(flights.keys().is_empty());
    }
}
