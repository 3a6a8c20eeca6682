//! Per-account virtual time.
//!
//! Every delay in the emulator (status steps, delivery windows, scheduled
//! sends, callback retries, daily limits) is measured on the account's own
//! clock, so a test can move one account's time without touching another's.
//! In `realtime` mode virtual time follows the wall clock times a speed
//! factor; in `manual` mode it stands still until it is moved.
//!
//! Virtual time stays between now and the end of year 9999
//! ([`crate::domain::time::latest`]): a move beyond is refused, and a fast
//! realtime clock stops there.

use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, SubsecRound, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::time::{later, latest};

/// How a clock moves.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum, utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum ClockMode {
    /// Virtual time = wall time × speed.
    Realtime,
    /// Virtual time moves only when told.
    Manual,
}

/// Mode and speed a new account's clock starts with.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClockSettings {
    pub mode: ClockMode,
    /// Virtual seconds per wall second in realtime mode.
    pub speed: f64,
}

impl Default for ClockSettings {
    fn default() -> Self {
        ClockSettings { mode: ClockMode::Realtime, speed: 1.0 }
    }
}

/// Why a clock was not moved.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ClockError {
    #[error("time only moves forward: the clock is at {}", crate::domain::time::iso(*now))]
    Backwards { now: DateTime<Utc> },
    #[error("a clock cannot go past the end of year 9999")]
    BeyondLatest,
}

impl ClockSettings {
    /// True for a mode and a speed above 0 and at most 1,000,000 virtual
    /// seconds per wall second.
    pub fn is_valid(&self) -> bool {
        self.speed.is_finite() && self.speed > 0.0 && self.speed <= MAX_SPEED
    }
}

/// The fastest a realtime clock may run, in virtual seconds per second.
pub const MAX_SPEED: f64 = 1e6;

/// One account's clock. Cheap to read; never held across an `.await`.
#[derive(Debug)]
pub struct Clock {
    state: Mutex<ClockState>,
}

#[derive(Debug, Clone, Copy)]
struct ClockState {
    settings: ClockSettings,
    /// Virtual time at `anchor_wall`.
    anchor_virtual: DateTime<Utc>,
    anchor_wall: Instant,
}

impl ClockState {
    fn starting_now(settings: ClockSettings) -> ClockState {
        ClockState {
            settings,
            anchor_virtual: Utc::now().trunc_subsecs(6),
            anchor_wall: Instant::now(),
        }
    }

    /// Virtual time to the microsecond, the scheduler's resolution: the
    /// anchor is kept to the microsecond wherever it is set, and a realtime
    /// clock adds whole microseconds to it.
    fn now(&self) -> DateTime<Utc> {
        let now = match self.settings.mode {
            ClockMode::Manual => self.anchor_virtual,
            ClockMode::Realtime => {
                let wall = self.anchor_wall.elapsed().as_secs_f64() * self.settings.speed;
                let micros = (wall * 1e6).min(i64::MAX as f64) as i64;
                later(self.anchor_virtual, TimeDelta::microseconds(micros))
            }
        };
        now.min(latest())
    }
}

impl Clock {
    /// A clock that starts at the current wall-clock time.
    pub fn new(settings: ClockSettings) -> Clock {
        Clock { state: Mutex::new(ClockState::starting_now(settings)) }
    }

    /// Puts a restored clock at `now` with `settings`.
    pub fn restore(&self, now: DateTime<Utc>, settings: ClockSettings) {
        *self.lock() = ClockState {
            settings,
            anchor_virtual: now.trunc_subsecs(6),
            anchor_wall: Instant::now(),
        };
    }

    /// Starts the clock again at the current wall-clock time.
    pub fn restart(&self, settings: ClockSettings) {
        *self.lock() = ClockState::starting_now(settings);
    }

    /// Moves a clock forward (either mode); a realtime clock keeps running
    /// from the new time. Refused beyond the end of year 9999.
    pub fn advance(&self, by: TimeDelta) -> Result<DateTime<Utc>, ClockError> {
        let mut state = self.lock();
        let now = later(state.now(), by.max(TimeDelta::zero())).trunc_subsecs(6);
        if now > latest() {
            return Err(ClockError::BeyondLatest);
        }
        state.anchor_virtual = now;
        state.anchor_wall = Instant::now();
        Ok(now)
    }

    /// Sets the time; it never goes backwards, so what happened stays
    /// in the past, nor beyond the end of year 9999. Returns the new time.
    pub fn set(&self, to: DateTime<Utc>) -> Result<DateTime<Utc>, ClockError> {
        let mut state = self.lock();
        let now = state.now();
        if to < now {
            return Err(ClockError::Backwards { now });
        }
        if to > latest() {
            return Err(ClockError::BeyondLatest);
        }
        let to = to.trunc_subsecs(6);
        state.anchor_virtual = to;
        state.anchor_wall = Instant::now();
        Ok(to)
    }

    /// Switches mode and speed without a jump in time.
    pub fn configure(&self, settings: ClockSettings) {
        let mut state = self.lock();
        state.anchor_virtual = state.now();
        state.anchor_wall = Instant::now();
        state.settings = settings;
    }

    /// The account's current virtual time, to the microsecond.
    pub fn now(&self) -> DateTime<Utc> {
        self.lock().now()
    }

    pub fn settings(&self) -> ClockSettings {
        self.lock().settings
    }

    /// The wall-clock instant at which a realtime clock reaches `due`
    /// (rounded up to the next microsecond of virtual time, so the clock
    /// has reached it then); `None` for a manual clock, which gets there
    /// only when moved, or for a time too far off to wait for.
    pub fn deadline(&self, due: DateTime<Utc>) -> Option<Instant> {
        let state = self.lock();
        if state.settings.mode != ClockMode::Realtime {
            return None;
        }
        let ahead = due.signed_duration_since(state.anchor_virtual).num_microseconds()?;
        if ahead <= 0 {
            return Some(state.anchor_wall);
        }
        let wall = Duration::try_from_secs_f64((ahead + 1) as f64 / 1e6 / state.settings.speed);
        state.anchor_wall.checked_add(wall.ok()?)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, ClockState> {
        self.state.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_manual_clock_stands_still() {
        let clock = Clock::new(ClockSettings { mode: ClockMode::Manual, speed: 1.0 });
        let first = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(clock.now(), first);
    }

    #[test]
    fn every_reading_is_to_the_microsecond() {
        let whole = |at: DateTime<Utc>| at.timestamp_subsec_nanos().is_multiple_of(1_000);
        let clock = Clock::new(ClockSettings { mode: ClockMode::Realtime, speed: 3.7 });
        let odd = Utc::now() + TimeDelta::nanoseconds(123_456_789);
        for _ in 0..100 {
            assert!(whole(clock.now()));
        }
        clock.set(odd).unwrap();
        assert!(whole(clock.now()));
        clock.advance(TimeDelta::nanoseconds(1_234_567)).unwrap();
        assert!(whole(clock.now()));
        clock.restore(odd, ClockSettings { mode: ClockMode::Manual, speed: 1.0 });
        assert!(whole(clock.now()));
        clock.configure(ClockSettings { mode: ClockMode::Realtime, speed: 0.3 });
        assert!(whole(clock.now()));
        clock.set(latest()).unwrap();
        assert_eq!(clock.now(), latest(), "a clock at the end stays there");
        assert!(whole(latest()) && whole(crate::domain::time::earliest()));
    }

    #[test]
    fn clocks_move_forward_only() {
        let clock = Clock::new(ClockSettings { mode: ClockMode::Manual, speed: 1.0 });
        let start = clock.now();
        assert_eq!(clock.advance(TimeDelta::minutes(10)), Ok(start + TimeDelta::minutes(10)));
        assert_eq!(clock.now(), start + TimeDelta::minutes(10));
        assert!(clock.set(start).is_err());
        let later = start + TimeDelta::days(1);
        assert_eq!(clock.set(later), Ok(later));
        assert_eq!(clock.advance(TimeDelta::days(10_000 * 365)), Err(ClockError::BeyondLatest));
        assert_eq!(clock.set(DateTime::<Utc>::MAX_UTC), Err(ClockError::BeyondLatest));
        assert_eq!(clock.now(), later, "a refused move changes nothing");
        clock.configure(ClockSettings { mode: ClockMode::Realtime, speed: 2.0 });
        assert!(clock.now() >= later);
    }

    #[test]
    fn a_realtime_clock_reaches_a_due_time_at_its_deadline() {
        let clock = Clock::new(ClockSettings { mode: ClockMode::Realtime, speed: 100.0 });
        let due = clock.now() + TimeDelta::seconds(1);
        let deadline = clock.deadline(due).unwrap();
        let wait = deadline - Instant::now();
        assert!(wait <= Duration::from_millis(10) && wait >= Duration::from_millis(9), "{wait:?}");
        std::thread::sleep(wait);
        assert!(clock.now() >= due);
        let manual = Clock::new(ClockSettings { mode: ClockMode::Manual, speed: 1.0 });
        assert_eq!(manual.deadline(due), None);
    }

    #[test]
    fn a_fast_realtime_clock_runs_ahead_of_the_wall() {
        let clock = Clock::new(ClockSettings { mode: ClockMode::Realtime, speed: 1000.0 });
        let first = clock.now();
        std::thread::sleep(std::time::Duration::from_millis(10));
        assert!(clock.now() - first >= TimeDelta::seconds(10));
    }
}
