//! Which levels are written: a bit mask in one atomic (the logger's
//! [`Gate`]), so the check on the hot path is a single relaxed load.

use super::level::{Level, LogLevel};
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};

const SEVERE: u8 = Level::Critical.bit() | Level::Error.bit();

/// The levels tinyproxy writes for each `LogLevel` (its `log_message` filter,
/// `../shared/spec/tinyproxy-1.11.md` §5.2), including its quirks: `Connect`
/// lets DEBUG through but not INFO, `Info` everything but DEBUG, and from
/// `Notice` down CONNECT, INFO and DEBUG are all suppressed.
pub(super) fn mask_for(level: LogLevel) -> u8 {
    match level {
        LogLevel::Info => all() & !Level::Debug.bit(),
        LogLevel::Connect => all() & !Level::Info.bit(),
        LogLevel::Notice => SEVERE | Level::Warning.bit() | Level::Notice.bit(),
        LogLevel::Warning => SEVERE | Level::Warning.bit(),
        LogLevel::Error => SEVERE,
        LogLevel::Critical => Level::Critical.bit(),
    }
}

impl LogLevel {
    /// Does this `LogLevel` let a message at `level` through? The one
    /// place tinyproxy's filter is written (see `mask_for`).
    pub fn passes(self, level: Level) -> bool {
        allows(mask_for(self), level)
    }
}

fn all() -> u8 {
    Level::ALL.iter().fold(0, |m, l| m | l.bit())
}

/// The default before any configuration: `LogLevel Info`.
pub(super) const DEFAULT_MASK: u8 = !(1 << (Level::Debug as u8)) & 0x7f;

/// A logger's view of its configuration that is read without its lock.
#[derive(Debug)]
pub(super) struct Gate {
    /// The enabled levels; 0 when logging goes nowhere.
    mask: AtomicU8,
    /// Whether the destination takes whole lines (file, stdout, writer)
    /// rather than bare messages (syslog, storage): a hint that lets `log`
    /// build the line before taking the lock. A stale value only costs a
    /// rebuild.
    line_sink: AtomicBool,
}

impl Gate {
    pub(super) const fn new() -> Gate {
        Gate {
            mask: AtomicU8::new(DEFAULT_MASK),
            line_sink: AtomicBool::new(false),
        }
    }

    pub(super) fn enabled(&self, level: Level) -> bool {
        allows(self.mask.load(Ordering::Relaxed), level)
    }

    /// Publish a new mask (called with the logger's lock held).
    pub(super) fn publish(&self, (mask, line_sink): (u8, bool)) {
        self.mask.store(mask, Ordering::Relaxed);
        self.line_sink.store(line_sink, Ordering::Relaxed);
    }

    pub(super) fn wants_line(&self) -> bool {
        self.line_sink.load(Ordering::Relaxed)
    }
}

pub(super) fn allows(mask: u8, level: Level) -> bool {
    mask & level.bit() != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_mask_is_info() {
        assert_eq!(DEFAULT_MASK, mask_for(LogLevel::Info));
    }

    #[test]
    fn connect_quirk() {
        let m = mask_for(LogLevel::Connect);
        assert!(allows(m, Level::Debug));
        assert!(allows(m, Level::Connect));
        assert!(!allows(m, Level::Info));
    }
}
