//! The rate limit of API tokens: a bucket per token that holds [`RateLimit::burst`] requests
//! and refills at [`RateLimit::per_minute`]. A script may fetch a burst at once and then keeps
//! to the rate; a runaway loop gets 429 with the seconds until its next request would pass,
//! and the server stays free for everybody else.

use std::collections::HashMap;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

/// How many requests a token may make.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RateLimit {
    /// Requests at once, after a pause.
    pub burst: u32,
    /// Requests a minute, sustained.
    pub per_minute: u32,
}

impl Default for RateLimit {
    /// A BI refresh reads a few reports at once; a school-by-school loop over a region is
    /// what `/api/report?level=school` is for.
    fn default() -> RateLimit {
        RateLimit {
            burst: 60,
            per_minute: 120,
        }
    }
}

struct Bucket {
    requests: f64,
    at: Instant,
}

/// The buckets of the tokens used since the server started.
pub(crate) struct Limiter {
    limit: RateLimit,
    buckets: Mutex<HashMap<i64, Bucket>>,
}

impl Limiter {
    pub fn new(limit: RateLimit) -> Limiter {
        Limiter {
            limit,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    /// Takes a request from the bucket of `token` at `now`, or says how long until one is
    /// there: whole seconds, at least one, as `Retry-After` carries them.
    pub fn admit(&self, token: i64, now: Instant) -> Result<(), u64> {
        let burst = f64::from(self.limit.burst.max(1));
        let per_second = f64::from(self.limit.per_minute.max(1)) / 60.0;
        let mut buckets = self.buckets.lock().unwrap_or_else(PoisonError::into_inner);
        let bucket = buckets.entry(token).or_insert(Bucket {
            requests: burst,
            at: now,
        });
        let refilled = now.saturating_duration_since(bucket.at).as_secs_f64() * per_second;
        bucket.requests = (bucket.requests + refilled).min(burst);
        bucket.at = now;
        if bucket.requests >= 1.0 {
            bucket.requests -= 1.0;
            Ok(())
        } else {
            let wait = Duration::from_secs_f64((1.0 - bucket.requests) / per_second);
            Err((wait.as_secs() + u64::from(wait.subsec_nanos() > 0)).max(1))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_then_the_rate_per_token() {
        let limiter = Limiter::new(RateLimit {
            burst: 3,
            per_minute: 30,
        });
        let start = Instant::now();
        for _ in 0..3 {
            assert_eq!(limiter.admit(1, start), Ok(()));
        }
        // One request every two seconds refills.
        assert_eq!(limiter.admit(1, start), Err(2));
        assert_eq!(
            limiter.admit(2, start),
            Ok(()),
            "another token's own bucket"
        );
        assert_eq!(limiter.admit(1, start + Duration::from_secs(1)), Err(1));
        assert_eq!(limiter.admit(1, start + Duration::from_secs(2)), Ok(()));
        // A long pause refills no more than the burst.
        let later = start + Duration::from_secs(3600);
        for _ in 0..3 {
            assert_eq!(limiter.admit(1, later), Ok(()));
        }
        assert!(limiter.admit(1, later).is_err());
    }
}
