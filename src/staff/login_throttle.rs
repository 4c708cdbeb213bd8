//! Throttling of password log-ins that a stranger cannot turn against the owner of an account.
//!
//! Failures are counted per client address (IPv6 per /64, the block one subscriber usually has) and per
//! (address, username), never per username alone: a guesser slows down only the addresses it guesses from, and
//! the owner logging in from anywhere else is not affected. Past a free allowance each further failure blocks
//! its counter for a delay that doubles, up to [`Policy::max_delay`]; a request while blocked is answered without
//! checking the password (no Argon2 work for the guesser). A counter is forgotten after an hour without failures.
//!
//! Kept in memory: a restart forgets the counters, which only the operator can cause. The tables are bounded, so
//! a guesser with many addresses cannot make the service grow without limit.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The limits. The defaults: 5 failures for one name from one address, 10 from one address in all.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Failures for one (address, username) before the first block.
    pub pair_free: u32,
    /// Failures from one address, whatever the names, before the first block.
    pub address_free: u32,
    /// The first block of a (address, username); each failure after it doubles.
    pub pair_first_delay: Duration,
    /// The first block of an address.
    pub address_first_delay: Duration,
    pub max_delay: Duration,
    /// A counter without failures for this long starts again from zero.
    pub forget_after: Duration,
}

impl Default for Policy {
    fn default() -> Policy {
        Policy {
            pair_free: 5,
            address_free: 10,
            pair_first_delay: Duration::from_secs(30),
            address_first_delay: Duration::from_secs(10),
            max_delay: Duration::from_secs(15 * 60),
            forget_after: Duration::from_secs(60 * 60),
        }
    }
}

/// The key an address is counted under: IPv4 as is (also when mapped into IPv6), IPv6 by its /64.
pub fn client_key(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut s = v6.segments();
                s[4..].fill(0);
                IpAddr::V6(s.into())
            }
        },
        v4 => v4,
    }
}

/// The address as written in the user log: IPv6 as its /64.
pub fn shown_client(addr: IpAddr) -> String {
    match client_key(addr) {
        IpAddr::V6(v6) => format!("{v6}/64"),
        v4 => v4.to_string(),
    }
}

#[derive(Debug, Clone, Copy)]
struct Counter {
    failures: u32,
    last_failure: Instant,
    blocked_until: Option<Instant>,
}

impl Counter {
    fn blocked(&self, now: Instant) -> Option<Duration> {
        self.blocked_until
            .filter(|&until| until > now)
            .map(|until| until - now)
    }
}

/// Entries of each table before the oldest are dropped.
const MAX_ENTRIES: usize = 100_000;

#[derive(Default)]
struct Tables {
    addresses: HashMap<IpAddr, Counter>,
    pairs: HashMap<(IpAddr, String), Counter>,
}

pub struct LoginThrottle {
    policy: Policy,
    tables: Mutex<Tables>,
}

impl LoginThrottle {
    pub fn new(policy: Policy) -> LoginThrottle {
        LoginThrottle {
            policy,
            tables: Mutex::new(Tables::default()),
        }
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    fn tables(&self) -> std::sync::MutexGuard<'_, Tables> {
        self.tables
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Before the password is checked: `Err(wait)` when this address, or this name from this address, is blocked.
    pub fn check(&self, addr: IpAddr, username: &str) -> Result<(), Duration> {
        self.check_at(addr, username, Instant::now())
    }

    pub fn check_at(&self, addr: IpAddr, username: &str, now: Instant) -> Result<(), Duration> {
        let key = client_key(addr);
        let tables = self.tables();
        let address = tables.addresses.get(&key).and_then(|c| c.blocked(now));
        let pair = tables
            .pairs
            .get(&(key, username.to_string()))
            .and_then(|c| c.blocked(now));
        match address.max(pair) {
            Some(wait) => Err(wait),
            None => Ok(()),
        }
    }

    /// A wrong password (or unknown name): counts it, and answers how long the client must now wait, if at all.
    pub fn failed(&self, addr: IpAddr, username: &str) -> Option<Duration> {
        self.failed_at(addr, username, Instant::now())
    }

    pub fn failed_at(&self, addr: IpAddr, username: &str, now: Instant) -> Option<Duration> {
        let key = client_key(addr);
        let p = self.policy;
        let mut tables = self.tables();
        let address = count(
            &mut tables.addresses,
            key,
            now,
            &p,
            p.address_free,
            p.address_first_delay,
        );
        let pair = count(
            &mut tables.pairs,
            (key, username.to_string()),
            now,
            &p,
            p.pair_free,
            p.pair_first_delay,
        );
        address.max(pair)
    }

    /// The right password: this name from this address starts again. The address keeps its count, so an account
    /// of one's own does not reset a guessing run against other names.
    pub fn succeeded(&self, addr: IpAddr, username: &str) {
        self.tables()
            .pairs
            .remove(&(client_key(addr), username.to_string()));
    }
}

/// Counts one failure under `key`; blocks it once the failures reach `free`, twice as long with each one after.
fn count<K: std::hash::Hash + Eq + Clone>(
    table: &mut HashMap<K, Counter>,
    key: K,
    now: Instant,
    policy: &Policy,
    free: u32,
    first_delay: Duration,
) -> Option<Duration> {
    if table.len() >= MAX_ENTRIES && !table.contains_key(&key) {
        sweep(table, now, policy.forget_after);
    }
    let counter = table.entry(key).or_insert(Counter {
        failures: 0,
        last_failure: now,
        blocked_until: None,
    });
    if now.duration_since(counter.last_failure) > policy.forget_after {
        counter.failures = 0;
        counter.blocked_until = None;
    }
    counter.failures = counter.failures.saturating_add(1);
    counter.last_failure = now;
    if counter.failures < free.max(1) {
        return None;
    }
    let doublings = (counter.failures - free.max(1)).min(20);
    let delay = first_delay
        .saturating_mul(1u32 << doublings)
        .min(policy.max_delay);
    counter.blocked_until = Some(now + delay);
    Some(delay)
}

/// Drops forgotten counters; when that is not enough, the half with the oldest failures.
fn sweep<K: std::hash::Hash + Eq + Clone>(
    table: &mut HashMap<K, Counter>,
    now: Instant,
    forget_after: Duration,
) {
    table.retain(|_, c| {
        now.duration_since(c.last_failure) <= forget_after || c.blocked(now).is_some()
    });
    if table.len() >= MAX_ENTRIES {
        let mut ages: Vec<Instant> = table.values().map(|c| c.last_failure).collect();
        let middle = ages.len() / 2;
        let (_, &mut cut, _) = ages.select_nth_unstable(middle);
        table.retain(|_, c| c.last_failure > cut);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn a_guesser_blocks_only_its_own_address() {
        let t = LoginThrottle::new(Policy::default());
        let now = Instant::now();
        let (guesser, owner) = (ip("192.0.2.1"), ip("198.51.100.7"));
        for i in 1..5 {
            assert_eq!(t.failed_at(guesser, "anna", now), None, "failure {i}");
        }
        assert_eq!(
            t.failed_at(guesser, "anna", now),
            Some(Duration::from_secs(30))
        );
        assert!(t.check_at(guesser, "anna", now).is_err());
        assert!(
            t.check_at(owner, "anna", now).is_ok(),
            "the owner elsewhere"
        );
        assert!(t.check_at(guesser, "bertil", now).is_ok());
        // Waited out, the next failure blocks twice as long.
        let later = now + Duration::from_secs(31);
        assert!(t.check_at(guesser, "anna", later).is_ok());
        assert_eq!(
            t.failed_at(guesser, "anna", later),
            Some(Duration::from_secs(60))
        );
    }

    #[test]
    fn spraying_names_from_one_address_is_blocked() {
        let t = LoginThrottle::new(Policy::default());
        let now = Instant::now();
        let a = ip("192.0.2.1");
        for i in 0..9 {
            assert_eq!(t.failed_at(a, &format!("namn{i}"), now), None);
        }
        assert_eq!(t.failed_at(a, "namn9", now), Some(Duration::from_secs(10)));
        assert!(t.check_at(a, "vem-som-helst", now).is_err());
        assert!(t.check_at(ip("192.0.2.2"), "namn1", now).is_ok());
    }

    #[test]
    fn ipv6_counts_per_64_and_delays_are_capped() {
        let t = LoginThrottle::new(Policy::default());
        let now = Instant::now();
        let mut last = None;
        for i in 0..40 {
            last = t.failed_at(ip(&format!("2001:db8::{:x}", i + 1)), "anna", now);
        }
        assert_eq!(last, Some(Duration::from_secs(15 * 60)));
        assert!(t.check_at(ip("2001:db8::ffff"), "anna", now).is_err());
        assert!(t.check_at(ip("2001:db8:0:1::1"), "anna", now).is_ok());
        assert_eq!(shown_client(ip("2001:db8::5")), "2001:db8::/64");
        assert_eq!(shown_client(ip("::ffff:192.0.2.9")), "192.0.2.9");
    }

    #[test]
    fn success_resets_the_name_not_the_address_and_time_forgets() {
        let t = LoginThrottle::new(Policy::default());
        let now = Instant::now();
        let a = ip("192.0.2.1");
        for _ in 0..4 {
            t.failed_at(a, "anna", now);
        }
        t.succeeded(a, "anna");
        for _ in 0..4 {
            assert_eq!(t.failed_at(a, "anna", now), None);
        }
        // Eight failures from the address so far; two more block it.
        assert_eq!(t.failed_at(a, "bertil", now), None);
        assert!(t.failed_at(a, "bertil", now).is_some());
        let much_later = now + Duration::from_secs(2 * 60 * 60);
        assert!(t.check_at(a, "anna", much_later).is_ok());
        assert_eq!(t.failed_at(a, "anna", much_later), None);
    }
}
