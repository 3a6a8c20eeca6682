//! An account's timetable: which message moves to its next status when,
//! and when each callback's next attempt is due. Two min-heaps ordered by
//! virtual time; ties keep creation order.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use chrono::{DateTime, Utc};

fn micros(at: DateTime<Utc>) -> i64 {
    at.timestamp_micros()
}

fn time(micros: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(micros).unwrap_or_default()
}

/// A message due for its next status step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DueStep {
    pub due: DateTime<Utc>,
    pub batch: usize,
    pub message: usize,
}

#[derive(Debug, Default, Clone)]
pub struct Schedule {
    /// (due, batch position, message position)
    steps: BinaryHeap<Reverse<(i64, u32, u32)>>,
    /// (due, job id)
    callbacks: BinaryHeap<Reverse<(i64, u64)>>,
}

impl Schedule {
    pub fn add_step(&mut self, due: DateTime<Utc>, batch: usize, message: usize) {
        self.steps.push(Reverse((micros(due), batch as u32, message as u32)));
    }

    pub fn add_callback(&mut self, due: DateTime<Utc>, job: u64) {
        self.callbacks.push(Reverse((micros(due), job)));
    }

    /// The earliest step due at or before `until`, taken off the timetable.
    pub fn pop_step(&mut self, until: DateTime<Utc>) -> Option<DueStep> {
        let Reverse((due, batch, message)) = *self.steps.peek()?;
        if due > micros(until) {
            return None;
        }
        self.steps.pop();
        Some(DueStep { due: time(due), batch: batch as usize, message: message as usize })
    }

    /// The earliest callback due at or before `until` (ties in creation
    /// order), taken off the timetable.
    pub fn pop_callback(&mut self, until: DateTime<Utc>) -> Option<(DateTime<Utc>, u64)> {
        let Reverse((due, job)) = *self.callbacks.peek()?;
        if due > micros(until) {
            return None;
        }
        self.callbacks.pop();
        Some((time(due), job))
    }

    /// When the next thing is due, if anything is.
    pub fn next_due(&self) -> Option<DateTime<Utc>> {
        let step = self.steps.peek().map(|Reverse((due, _, _))| *due);
        let callback = self.callbacks.peek().map(|Reverse((due, _))| *due);
        step.into_iter().chain(callback).min().map(time)
    }

    /// Every callback on the timetable, as (due, job id).
    pub fn callbacks(&self) -> Vec<(DateTime<Utc>, u64)> {
        self.callbacks.iter().map(|Reverse((due, job))| (time(*due), *job)).collect()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;

    #[test]
    fn steps_and_callbacks_come_out_in_time_order() {
        let start = Utc::now();
        let mut schedule = Schedule::default();
        schedule.add_step(start + TimeDelta::seconds(5), 0, 1);
        schedule.add_step(start + TimeDelta::seconds(1), 0, 0);
        assert_eq!(schedule.next_due().map(micros), Some(micros(start + TimeDelta::seconds(1))));
        assert_eq!(schedule.pop_step(start), None);
        let first = schedule.pop_step(start + TimeDelta::seconds(10)).unwrap();
        assert_eq!((first.batch, first.message), (0, 0));
        schedule.add_callback(start, 7);
        schedule.add_callback(start, 3);
        schedule.add_callback(start + TimeDelta::seconds(1), 9);
        let until = start + TimeDelta::seconds(10);
        let order: Vec<u64> =
            std::iter::from_fn(|| schedule.pop_callback(until)).map(|(_, job)| job).collect();
        assert_eq!(order, vec![3, 7, 9]);
    }
}
