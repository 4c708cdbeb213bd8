//! Failed log-ins in the user log, in aggregate: the hash-chained log cannot be trimmed, so a guesser must not be
//! able to grow it by one entry a try.
//!
//! Time runs in windows (10 minutes by default). The first failure of an (address, name) in a window is logged at
//! once, so that an admin sees an attack while it happens; the further ones are counted and logged as one entry
//! when the window closes ("ytterligare 199 misslyckade inloggningar från 192.0.2.1"). At most
//! [`MAX_PAIRS_PER_WINDOW`] pairs are logged on their own in a window; the failures of any further pairs are
//! summed into one entry. So a window adds at most 2 x [`MAX_PAIRS_PER_WINDOW`] + 1 entries, whatever the attack.

use super::StaffError;
use super::login_throttle::shown_client;
use crate::store::audit::{Audit, LogKind};
use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Duration;

/// Pairs of (address, name) logged on their own in one window.
pub const MAX_PAIRS_PER_WINDOW: usize = 50;
/// Distinct addresses and names remembered for the summary of the rest (beyond, they are only counted).
const MAX_REMEMBERED: usize = 10_000;

#[derive(Debug, Default)]
struct Tally {
    /// Failures after the one logged at once.
    more: u64,
    /// Of all failures, those answered "wait" without checking the password.
    refused: u64,
}

#[derive(Debug, Default)]
struct Rest {
    failures: u64,
    addresses: BTreeSet<String>,
    names: BTreeSet<String>,
}

#[derive(Debug, Default)]
struct Window {
    /// Unix seconds the window started at.
    start: i64,
    pairs: BTreeMap<(String, String), Tally>,
    rest: Rest,
}

pub struct FailedLogins {
    audit: Audit,
    window_secs: i64,
    current: Mutex<Window>,
}

/// Why a log-in failed, as the log says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure<'a> {
    /// The password was checked and refused, or the account may not log in; the reason in Swedish.
    Refused(&'a str),
    /// Answered "wait" while blocked; the password was not checked.
    WhileBlocked,
}

impl FailedLogins {
    pub fn new(audit: Audit, window: Duration) -> FailedLogins {
        FailedLogins {
            audit,
            window_secs: window.as_secs().max(1) as i64,
            current: Mutex::new(Window::default()),
        }
    }

    /// One failed log-in of `actor` (the name typed, or the card's HSA-id) from `client`.
    pub fn record(
        &self,
        client: IpAddr,
        actor: &str,
        failure: Failure<'_>,
    ) -> Result<(), StaffError> {
        self.record_at(client, actor, failure, super::unix_now())
    }

    pub fn record_at(
        &self,
        client: IpAddr,
        actor: &str,
        failure: Failure<'_>,
        now: i64,
    ) -> Result<(), StaffError> {
        let mut window = self.lock();
        self.roll(&mut window, now)?;
        let shown = shown_client(client);
        let refused = u64::from(failure == Failure::WhileBlocked);
        let key = (shown.clone(), actor.to_string());
        if let Some(tally) = window.pairs.get_mut(&key) {
            tally.more += 1;
            tally.refused += refused;
            return Ok(());
        }
        if window.pairs.len() >= MAX_PAIRS_PER_WINDOW {
            let rest = &mut window.rest;
            rest.failures += 1;
            if rest.addresses.len() < MAX_REMEMBERED {
                rest.addresses.insert(shown);
            }
            if rest.names.len() < MAX_REMEMBERED {
                rest.names.insert(actor.to_string());
            }
            return Ok(());
        }
        let reason = match failure {
            Failure::Refused(reason) => reason,
            Failure::WhileBlocked => "spärrad efter för många försök",
        };
        // Counted only once logged: when the entry cannot be written the caller refuses the log-in, and the next
        // failure of the pair tries the entry again.
        self.audit.append(
            LogKind::User,
            actor,
            "login_failed",
            None,
            None,
            &format!("{reason}; från {shown}"),
        )?;
        window.pairs.insert(key, Tally { more: 0, refused });
        Ok(())
    }

    /// Logs the summaries of a window that has closed. Called on every failure and from a timer.
    pub fn flush_due(&self) -> Result<(), StaffError> {
        self.flush_due_at(super::unix_now())
    }

    pub fn flush_due_at(&self, now: i64) -> Result<(), StaffError> {
        let mut window = self.lock();
        self.roll(&mut window, now)
    }

    /// Logs the summaries of the open window now (the service is stopping).
    pub fn flush_all(&self) -> Result<(), StaffError> {
        let mut window = self.lock();
        // Summarised in place: what cannot be written stays in the window for the next flush.
        self.summarise(&mut window, super::unix_now())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Window> {
        self.current
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn roll(&self, window: &mut Window, now: i64) -> Result<(), StaffError> {
        if now < window.start + self.window_secs {
            return Ok(());
        }
        let mut closed = std::mem::replace(
            window,
            Window {
                start: now - now.rem_euclid(self.window_secs),
                ..Window::default()
            },
        );
        let end = (closed.start + self.window_secs).min(now);
        let result = self.summarise(&mut closed, end);
        if result.is_err() {
            // What could not be logged is not dropped: it goes into the new window's summary.
            window.carry(closed);
        }
        result
    }

    /// Logs the summaries of a closed window, taking each out of it once it is written, so that after a failed
    /// write the window holds exactly what is still to be logged.
    fn summarise(&self, closed: &mut Window, end: i64) -> Result<(), StaffError> {
        let period = format!("{}–{}", clock(closed.start), clock(end));
        let pairs: Vec<(String, String)> = closed.pairs.keys().cloned().collect();
        for key in pairs {
            let Some(tally) = closed.pairs.get(&key) else {
                continue;
            };
            let (client, actor) = &key;
            if tally.more == 0 {
                closed.pairs.remove(&key);
                continue;
            }
            let mut detail = format!(
                "ytterligare {} misslyckade inloggningar från {client} {period}",
                tally.more
            );
            if tally.refused > 0 {
                detail.push_str(&format!(", {} av alla avvisade under spärr", tally.refused));
            }
            self.audit
                .append(LogKind::User, actor, "login_failed", None, None, &detail)?;
            closed.pairs.remove(&key);
        }
        let rest = &closed.rest;
        if rest.failures > 0 {
            let detail = format!(
                "{} misslyckade inloggningar från {}{} adresser med {}{} användarnamn {period} \
                 (för många för att loggas var för sig)",
                rest.failures,
                over(rest.addresses.len()),
                rest.addresses.len(),
                over(rest.names.len()),
                rest.names.len(),
            );
            self.audit
                .append(LogKind::User, "system", "login_failed", None, None, &detail)?;
            closed.rest = Rest::default();
        }
        Ok(())
    }
}

impl Window {
    /// Takes in what an older window could not log. Its pairs keep the failures not yet logged (the first of
    /// each was logged when it happened), so they stay summaries and never become a first entry again.
    fn carry(&mut self, older: Window) {
        for (key, tally) in older.pairs.into_iter().filter(|(_, t)| t.more > 0) {
            let into = self.pairs.entry(key).or_default();
            into.more += tally.more;
            into.refused += tally.refused;
        }
        self.rest.failures += older.rest.failures;
        for a in older.rest.addresses {
            if self.rest.addresses.len() < MAX_REMEMBERED {
                self.rest.addresses.insert(a);
            }
        }
        for n in older.rest.names {
            if self.rest.names.len() < MAX_REMEMBERED {
                self.rest.names.insert(n);
            }
        }
    }
}

fn over(n: usize) -> &'static str {
    if n >= MAX_REMEMBERED { "minst " } else { "" }
}

/// HH:MM UTC, as the log's times are UTC.
fn clock(unix: i64) -> String {
    time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .and_then(|t| {
            t.format(time::macros::format_description!("[hour]:[minute]"))
                .ok()
        })
        .unwrap_or_default()
}
