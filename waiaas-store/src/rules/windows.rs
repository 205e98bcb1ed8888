//! Rolling spend windows without scanning a wallet's history.
//!
//! Per wallet and window length, [`SpendWindows`] keeps the totals of every ledger row
//! created after an eviction cursor `cursor_at`. A decision at `now` first evicts the
//! rows with `cursor_at < created_at <= now - window` (usually none or a handful), then
//! reads the totals. A row is never created at or before a cursor: decisions run at the
//! time high-water mark, which cursors trail by the window length, and a reservation is
//! stamped after every cursor of its wallet even so
//! ([`SpendWindows::reservation_stamp`]); the cursor alone then decides membership. A
//! reservation adds itself to every window of its wallet and counts there until its
//! window's cursor passes it; a release removes its spend from every window that still
//! holds it; a commit leaves the windows alone and only leaves the in-flight totals.
//!
//! A backend stores [`SpendWindows`] in whatever form it likes (the SQLite backend keeps
//! [`SpendWindows::to_stored`] in one row per wallet) and reads the ledger rows a
//! [`WindowStep`] names; everything else is here.

use std::collections::BTreeMap;

use waiaas_core::policy::{LedgerSnapshot, ReservationStatus, Spend, WindowTotals};

/// The longest window maintained (10 years); longer requests are clamped.
pub const MAX_WINDOW: u64 = 315_360_000;

/// One ledger row, as the window arithmetic needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerEntry {
    /// Its reservation status.
    pub status: ReservationStatus,
    /// What it reserved.
    pub spend: Spend,
}

/// The running totals of one window.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct WindowRow {
    /// Every ledger row with `created_at <= cursor_at` has left this window's totals.
    pub cursor_at: i64,
    /// The totals of the rows after the cursor.
    pub totals: WindowTotals,
    #[serde(skip)]
    dirty: bool,
}

/// The stored form (field names are the stored JSON of the SQLite backend).
#[derive(serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "camelCase")]
struct Stored {
    windows: BTreeMap<u64, WindowRow>,
    in_flight: Option<WindowTotals>,
}

/// What a backend must read from its ledger to bring one window to `now`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WindowStep {
    /// Already current: read nothing.
    Current,
    /// Read the wallet's rows with `after < created_at <= upto` and pass them to
    /// [`SpendWindows::evict`].
    Evict {
        /// Exclusive lower bound (the cursor).
        after: i64,
        /// Inclusive upper bound (the new cursor).
        upto: i64,
    },
    /// The window is new: read the wallet's rows with `created_at > after` and pass them
    /// to [`SpendWindows::build`].
    Build {
        /// Exclusive lower bound (the new cursor).
        after: i64,
    },
}

/// Every window of one wallet plus its in-flight totals.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SpendWindows {
    rows: BTreeMap<u64, WindowRow>,
    in_flight: Option<WindowTotals>,
    in_flight_dirty: bool,
}

/// `now - window` (clamped): rows created at or before it are outside the window.
#[must_use]
pub fn cutoff(window: u64, now: i64) -> i64 {
    now.saturating_sub(i64::try_from(window.min(MAX_WINDOW)).unwrap_or(i64::MAX))
}

impl SpendWindows {
    /// Parses the stored form (`None`: the wallet has no windows yet).
    ///
    /// # Errors
    /// The stored text does not parse.
    pub fn from_stored(stored: Option<&str>) -> Result<Self, serde_json::Error> {
        let state: Stored = match stored {
            Some(t) => serde_json::from_str(t)?,
            None => Stored::default(),
        };
        Ok(Self {
            rows: state.windows,
            in_flight: state.in_flight,
            in_flight_dirty: false,
        })
    }

    /// The stored form.
    ///
    /// # Errors
    /// Serialization failed.
    pub fn to_stored(&self) -> Result<String, serde_json::Error> {
        #[derive(serde::Serialize)]
        #[serde(rename_all = "camelCase")]
        struct Out<'a> {
            windows: &'a BTreeMap<u64, WindowRow>,
            in_flight: &'a Option<WindowTotals>,
        }
        serde_json::to_string(&Out {
            windows: &self.rows,
            in_flight: &self.in_flight,
        })
    }

    /// Whether anything changed since it was loaded (the backend then writes it).
    #[must_use]
    pub fn dirty(&self) -> bool {
        self.in_flight_dirty || self.rows.values().any(|r| r.dirty)
    }

    /// Whether the in-flight totals are known; when not, the backend sums the wallet's
    /// RESERVED rows once and passes them to [`SpendWindows::set_in_flight`].
    #[must_use]
    pub fn knows_in_flight(&self) -> bool {
        self.in_flight.is_some()
    }

    /// Sets the in-flight totals from the wallet's RESERVED rows.
    pub fn set_in_flight<'a>(&mut self, reserved: impl IntoIterator<Item = &'a Spend>) {
        let mut t = WindowTotals::default();
        for spend in reserved {
            t.add(spend);
        }
        self.in_flight = Some(t);
        self.in_flight_dirty = true;
    }

    /// What to read to bring window `window` to `now`.
    #[must_use]
    pub fn step(&self, window: u64, now: i64) -> WindowStep {
        let upto = cutoff(window, now);
        match self.rows.get(&window) {
            Some(row) if upto <= row.cursor_at => WindowStep::Current,
            Some(row) => WindowStep::Evict {
                after: row.cursor_at,
                upto,
            },
            None => WindowStep::Build { after: upto },
        }
    }

    /// Removes the rows that left window `window` (those [`WindowStep::Evict`] named)
    /// and moves its cursor to `upto` (only when something left: moving the cursor over
    /// an empty range changes nothing).
    pub fn evict(&mut self, window: u64, upto: i64, left: &[LedgerEntry]) {
        let Some(row) = self.rows.get_mut(&window) else {
            return;
        };
        for e in left {
            row.totals
                .remove(&e.spend, e.status == ReservationStatus::Released);
        }
        if !left.is_empty() {
            row.cursor_at = upto;
            row.dirty = true;
        }
    }

    /// Creates window `window` with cursor `after` from the rows created after it.
    pub fn build(&mut self, window: u64, after: i64, rows: &[LedgerEntry]) {
        let mut totals = WindowTotals::default();
        for e in rows {
            totals.add(&e.spend);
            if e.status == ReservationStatus::Released {
                totals.remove_spend(&e.spend);
            }
        }
        self.rows.insert(
            window,
            WindowRow {
                cursor_at: after,
                totals,
                dirty: true,
            },
        );
    }

    /// The snapshot a decision sees: the totals of `windows` (each brought to `now`
    /// first) and the in-flight totals.
    #[must_use]
    pub fn snapshot(&self, windows: &[u64]) -> LedgerSnapshot {
        LedgerSnapshot {
            windows: windows
                .iter()
                .filter_map(|w| self.rows.get(w).map(|r| (*w, r.totals.clone())))
                .collect(),
            in_flight: Some(self.in_flight.clone().unwrap_or_default()),
        }
    }

    /// The `created_at` of a new reservation: after every cursor, so the row is in
    /// every window and is evicted only when a cursor passes it (with the time mark
    /// this is `now`).
    #[must_use]
    pub fn reservation_stamp(&self, now: i64) -> i64 {
        self.rows
            .values()
            .map(|r| r.cursor_at.saturating_add(1))
            .fold(now, i64::max)
    }

    /// Adds a new reservation to every window and to the in-flight totals.
    pub fn reserve(&mut self, spend: &Spend) {
        for row in self.rows.values_mut() {
            row.totals.add(spend);
            row.dirty = true;
        }
        self.in_flight
            .get_or_insert_with(WindowTotals::default)
            .add(spend);
        self.in_flight_dirty = true;
    }

    /// A reservation created at `created_at` was released: its spend leaves every
    /// window that still holds it (its request keeps counting) and the in-flight totals.
    pub fn release(&mut self, created_at: i64, spend: &Spend) {
        for row in self.rows.values_mut() {
            if created_at > row.cursor_at {
                row.totals.remove_spend(spend);
                row.dirty = true;
            }
        }
        self.leave_in_flight(spend);
    }

    /// A reservation was committed (the money moved): it keeps counting in the
    /// windows and leaves the in-flight totals.
    pub fn commit(&mut self, spend: &Spend) {
        self.leave_in_flight(spend);
    }

    fn leave_in_flight(&mut self, spend: &Spend) {
        self.in_flight
            .get_or_insert_with(WindowTotals::default)
            .remove(spend, false);
        self.in_flight_dirty = true;
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]

    use super::*;
    use waiaas_core::Amount;

    fn spend(n: u64) -> Spend {
        let mut s = Spend::default();
        s.assets.insert("X".to_owned(), Amount::from_u64(n));
        s
    }

    fn x(t: &WindowTotals) -> u64 {
        t.assets.get("X").and_then(Amount::to_u64).unwrap_or(0)
    }

    #[test]
    fn a_window_is_built_then_evicted_only_past_its_cursor() {
        let mut w = SpendWindows::from_stored(None).unwrap();
        w.set_in_flight([]);
        assert_eq!(w.step(100, 1_000), WindowStep::Build { after: 900 });
        w.build(
            100,
            900,
            &[LedgerEntry {
                status: ReservationStatus::Committed,
                spend: spend(5),
            }],
        );
        assert_eq!(w.step(100, 1_000), WindowStep::Current);
        assert_eq!(w.reservation_stamp(800), 901);
        w.reserve(&spend(3));
        assert_eq!(x(&w.snapshot(&[100]).windows[&100]), 8);
        assert_eq!(x(w.snapshot(&[]).in_flight.as_ref().unwrap()), 3);
        assert_eq!(
            w.step(100, 1_010),
            WindowStep::Evict {
                after: 900,
                upto: 910
            }
        );
        w.evict(
            100,
            910,
            &[LedgerEntry {
                status: ReservationStatus::Committed,
                spend: spend(5),
            }],
        );
        assert_eq!(x(&w.snapshot(&[100]).windows[&100]), 3);
        w.release(1_000, &spend(3));
        let snap = w.snapshot(&[100]);
        assert_eq!(x(&snap.windows[&100]), 0);
        assert_eq!(
            snap.windows[&100].requests, 1,
            "a released request still counts"
        );
        assert_eq!(x(snap.in_flight.as_ref().unwrap()), 0);
        let round = SpendWindows::from_stored(Some(&w.to_stored().unwrap())).unwrap();
        assert_eq!(round.snapshot(&[100]), w.snapshot(&[100]));
        assert!(!round.dirty());
    }
}
