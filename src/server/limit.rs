//! The per-client rate limit on public endpoints: a token bucket per IP address, refilled
//! at `rate` per second up to `burst`. Owns only the buckets; which requests count is the
//! router's. Hand-written (`governor` would bring its own clock and hashing crates for a
//! dozen lines).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::Instant;

/// Most clients tracked; past this, full buckets are forgotten.
const MAX_CLIENTS: usize = 100_000;

/// The buckets.
pub struct RateLimiter {
    rate: f64,
    burst: f64,
    buckets: Mutex<HashMap<IpAddr, (f64, Instant)>>,
}

impl RateLimiter {
    /// `rate` requests a second on average, `burst` at once; `rate` 0 = no limit.
    pub fn new(rate: u32, burst: u32) -> RateLimiter {
        RateLimiter {
            rate: f64::from(rate),
            burst: f64::from(burst.max(1)),
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Whether a limit is set (`rate` above 0): when not, the router need not look up the
    /// client at all.
    pub fn enabled(&self) -> bool {
        self.rate > 0.0
    }

    /// `Ok` when `client` may make a request now, else the seconds to wait.
    pub fn check(&self, client: IpAddr, now: Instant) -> Result<(), u64> {
        if self.rate <= 0.0 {
            return Ok(());
        }
        let Ok(mut b) = self.buckets.lock() else {
            return Ok(());
        };
        if b.len() >= MAX_CLIENTS && !b.contains_key(&client) {
            let (rate, burst) = (self.rate, self.burst);
            b.retain(|_, (tokens, at)| {
                *tokens + now.saturating_duration_since(*at).as_secs_f64() * rate < burst
            });
        }
        let (tokens, at) = b.entry(client).or_insert((self.burst, now));
        let refilled = (*tokens + now.saturating_duration_since(*at).as_secs_f64() * self.rate)
            .min(self.burst);
        *at = now;
        if refilled >= 1.0 {
            *tokens = refilled - 1.0;
            Ok(())
        } else {
            *tokens = refilled;
            let wait = ((1.0 - refilled) / self.rate).ceil();
            Err(if wait.is_finite() && wait >= 1.0 {
                wait as u64
            } else {
                1
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn refuses_past_the_burst_and_refills() {
        let l = RateLimiter::new(2, 3);
        let ip = IpAddr::from([10, 0, 0, 1]);
        let t = Instant::now();
        assert!(l.check(ip, t).is_ok());
        assert!(l.check(ip, t).is_ok());
        assert!(l.check(ip, t).is_ok());
        assert!(l.check(ip, t).is_err());
        assert!(l.check(IpAddr::from([10, 0, 0, 2]), t).is_ok());
        assert!(l.check(ip, t + Duration::from_millis(600)).is_ok());
    }
}
