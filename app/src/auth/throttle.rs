//! What keeps logins from being used against the server or an account: password hashing
//! behind a semaphore sized to the cores with a bound on how many wait, a budget of
//! failed logins per client address, and the "known device" cookie that lets an account's
//! owner in while strangers' guesses have locked it for everyone else.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::error::{AppError, AppResult};

/// Failed logins one client address may make at once before it is slowed to a trickle.
const ADDRESS_BURST: f64 = 20.0;
/// How fast that budget refills: one failed login per this many seconds.
const ADDRESS_REFILL_SECONDS: f64 = 3.0;
/// Addresses remembered at most; past this, the ones with a full budget are forgotten.
const MAX_TRACKED_ADDRESSES: usize = 50_000;

/// The client's address as the router determined it (the peer, or the last
/// `X-Forwarded-For` entry behind a trusted proxy), in the request's extensions.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ClientAddress(pub IpAddr);

/// Login limits shared by every request of one server process.
#[derive(Debug)]
pub struct LoginGuard {
    hashing: Semaphore,
    /// Logins past the address check and not yet answered.
    in_flight: AtomicUsize,
    max_in_flight: usize,
    addresses: Mutex<HashMap<IpAddr, Budget>>,
}

#[derive(Debug, Clone, Copy)]
struct Budget {
    tokens: f64,
    at: Instant,
}

impl Default for LoginGuard {
    fn default() -> Self {
        let cores = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
        // Leave a core for everyone else's requests: argon2 is meant to be slow.
        LoginGuard::new(cores.saturating_sub(1).max(1), 16 * cores.max(1))
    }
}

/// Held while a login is being answered; lets the next one in when dropped.
pub struct LoginTicket<'a> {
    guard: &'a LoginGuard,
}

impl Drop for LoginTicket<'_> {
    fn drop(&mut self) {
        self.guard.in_flight.fetch_sub(1, Ordering::AcqRel);
    }
}

impl LoginGuard {
    pub fn new(hashing_permits: usize, max_in_flight: usize) -> LoginGuard {
        LoginGuard {
            hashing: Semaphore::new(hashing_permits.max(1)),
            in_flight: AtomicUsize::new(0),
            max_in_flight: max_in_flight.max(1),
            addresses: Mutex::new(HashMap::new()),
        }
    }

    /// Lets a login in, or refuses it at once: `TooManyAttempts` when this address has
    /// spent its budget of failures, `Busy` when the server already has as many logins
    /// waiting as it will queue (the global limit).
    pub fn admit(&self, address: IpAddr) -> AppResult<LoginTicket<'_>> {
        self.check_address(address, Instant::now())?;
        if self.in_flight.fetch_add(1, Ordering::AcqRel) >= self.max_in_flight {
            self.in_flight.fetch_sub(1, Ordering::AcqRel);
            return Err(AppError::Busy { retry_after_seconds: 1 });
        }
        Ok(LoginTicket { guard: self })
    }

    fn check_address(&self, address: IpAddr, now: Instant) -> AppResult<()> {
        let addresses = self.addresses.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        match addresses.get(&address).map(|budget| budget.refilled(now)) {
            Some(tokens) if tokens < 1.0 => {
                let wait = ((1.0 - tokens) * ADDRESS_REFILL_SECONDS).ceil().max(1.0) as u64;
                Err(AppError::TooManyAttempts {
                    retry_after_seconds: wait,
                })
            }
            _ => Ok(()),
        }
    }

    /// Spends one of `address`'s failed logins.
    pub fn record_failure(&self, address: IpAddr) {
        let now = Instant::now();
        let mut addresses = self.addresses.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if addresses.len() >= MAX_TRACKED_ADDRESSES {
            addresses.retain(|_, budget| budget.refilled(now) < ADDRESS_BURST);
        }
        let budget = addresses.entry(address).or_insert(Budget {
            tokens: ADDRESS_BURST,
            at: now,
        });
        *budget = Budget {
            tokens: budget.refilled(now) - 1.0,
            at: now,
        };
    }

    /// Runs argon2 work (`job`) on a blocking thread once a hashing permit is free.
    pub async fn hash<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> AppResult<T> {
        let _permit = self.hashing.acquire().await.map_err(|_| AppError::Internal)?;
        tokio::task::spawn_blocking(job).await.map_err(|_| AppError::Internal)
    }
}

impl Budget {
    fn refilled(&self, now: Instant) -> f64 {
        let seconds = now.saturating_duration_since(self.at).as_secs_f64();
        (self.tokens + seconds / ADDRESS_REFILL_SECONDS).min(ADDRESS_BURST)
    }
}

/// The cookie that marks a browser an account has logged in from before.
pub const DEVICE_COOKIE: &str = "sb_device";

/// A known-device cookie's value for `email`: a random id and a keyed hash binding it to
/// the account, so it cannot be made up for someone else's account.
pub fn device_cookie_value(secret_key: &[u8], email: &str, device_id: &str) -> String {
    format!("{device_id}.{}", device_mac(secret_key, email, device_id))
}

fn device_mac(secret_key: &[u8], email: &str, device_id: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(secret_key);
    hasher.update(b":device:");
    hasher.update(email.as_bytes());
    hasher.update(b":");
    hasher.update(device_id.as_bytes());
    hex::encode(hasher.finalize())
}

/// The device id in `cookie` if it was issued for `email` (by this server's key).
pub fn known_device(secret_key: &[u8], email: &str, cookie: &str) -> Option<String> {
    let (id, mac) = cookie.split_once('.')?;
    let valid_id = id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit());
    (valid_id && constant_time_eq(mac.as_bytes(), device_mac(secret_key, email, id).as_bytes())).then(|| id.to_string())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// How long an account (from one kind of client) waits after `failures` failed logins in
/// a row: nothing for the first four, 30 seconds after the fifth, doubling with each
/// further one, at most 15 minutes. A back-off, not a lock: it ends on its own.
pub fn back_off_millis(failures: i64) -> i64 {
    let over = failures - crate::auth::api::MAX_FAILURES;
    if over < 0 {
        return 0;
    }
    30_000i64
        .saturating_mul(1i64 << over.min(20))
        .min(crate::auth::api::FAILURE_WINDOW_MILLIS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn an_address_that_spends_its_failures_waits_for_them_to_refill() {
        let guard = LoginGuard::new(1, 100);
        let address: IpAddr = "192.0.2.7".parse().unwrap();
        for _ in 0..ADDRESS_BURST as usize {
            drop(guard.admit(address).expect("within the budget"));
            guard.record_failure(address);
        }
        assert!(matches!(guard.admit(address), Err(AppError::TooManyAttempts { .. })));
        let other: IpAddr = "192.0.2.8".parse().unwrap();
        assert!(guard.admit(other).is_ok(), "another address has its own budget");
        // One refill period later, one more attempt is allowed.
        let later = Instant::now() + Duration::from_secs_f64(ADDRESS_REFILL_SECONDS + 0.1);
        assert!(guard.check_address(address, later).is_ok());
    }

    #[test]
    fn past_the_global_bound_logins_are_refused_as_busy() {
        let guard = LoginGuard::new(1, 2);
        let address: IpAddr = "192.0.2.1".parse().unwrap();
        let first = guard.admit(address).unwrap();
        let _second = guard.admit(address).unwrap();
        assert_eq!(
            guard.admit(address).err(),
            Some(AppError::Busy { retry_after_seconds: 1 })
        );
        drop(first);
        assert!(guard.admit(address).is_ok(), "a finished login makes room");
    }

    #[test]
    fn a_device_cookie_is_valid_only_for_its_account_and_key() {
        let key = b"0123456789abcdef0123456789abcdef";
        let id = "a".repeat(32);
        let cookie = device_cookie_value(key, "tom@example.com", &id);
        assert_eq!(known_device(key, "tom@example.com", &cookie), Some(id.clone()));
        assert_eq!(known_device(key, "eve@example.com", &cookie), None);
        assert_eq!(
            known_device(b"another key another key another!", "tom@example.com", &cookie),
            None
        );
        assert_eq!(known_device(key, "tom@example.com", "nonsense"), None);
    }

    #[test]
    fn the_back_off_starts_at_the_fifth_failure_and_is_capped() {
        assert_eq!(back_off_millis(4), 0);
        assert_eq!(back_off_millis(5), 30_000);
        assert_eq!(back_off_millis(6), 60_000);
        assert_eq!(back_off_millis(1000), 15 * 60 * 1000);
    }
}
