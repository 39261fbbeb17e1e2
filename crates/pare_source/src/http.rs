//! The retry policy every HTTP client in pare shares (the registry
//! client, the vulnerability feed download): at most [`MAX_TRIES`]
//! attempts of one request, for connection failures, 429 and 5xx, waiting
//! with exponential backoff or the server's `Retry-After`, and never more
//! than [`RETRY_BUDGET`] of waiting in all.

use std::time::Duration;

/// Most attempts for one request (429, 5xx, connection failures).
pub const MAX_TRIES: u32 = 4;
/// Most time spent sleeping between attempts of one request.
pub const RETRY_BUDGET: Duration = Duration::from_secs(10);

/// What one attempt gave.
pub enum Attempt<T, E> {
    /// Done (a success, or an answer the caller handles).
    Done(T),
    /// A transient failure: try again after this long (or the backoff).
    Retry {
        /// The server's `Retry-After`, when it sent one.
        after: Option<Duration>,
        /// The error to return when no attempt is left.
        last: E,
    },
    /// A failure that trying again will not mend.
    Fail(E),
    /// Try again at once, without counting this attempt (a 401 answered
    /// with credentials).
    Again,
}

/// Wait before attempt `tries + 1`: 0.5 s, 1 s, 2 s, … (capped at 8 s).
#[must_use]
pub fn backoff(tries: u32) -> Duration {
    Duration::from_millis(500 << (tries.saturating_sub(1)).min(4))
}

/// `Retry-After` in seconds (HTTP dates are not honoured; backoff applies).
#[must_use]
pub fn retry_after(resp: &ureq::http::Response<ureq::Body>) -> Option<Duration> {
    resp.headers()
        .get("retry-after")?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Whether a transport error is worth another attempt (the connection
/// failed, was reset or timed out), rather than a bad URL or TLS failure.
#[must_use]
pub fn is_transient(e: &ureq::Error) -> bool {
    match e {
        ureq::Error::Io(io) => matches!(
            io.kind(),
            std::io::ErrorKind::ConnectionReset
                | std::io::ErrorKind::ConnectionAborted
                | std::io::ErrorKind::BrokenPipe
                | std::io::ErrorKind::UnexpectedEof
                | std::io::ErrorKind::TimedOut
        ),
        ureq::Error::ConnectionFailed | ureq::Error::Timeout(_) => true,
        _ => false,
    }
}

/// Run `attempt` (given the attempt number, from 1; [`Attempt::Again`]
/// does not count) until it is done, it
/// fails for good, [`MAX_TRIES`] attempts were made, or waiting again would
/// pass [`RETRY_BUDGET`]; then `exhausted(tries, waited)` names the
/// failure.
///
/// # Errors
/// The last attempt's error, or `exhausted`'s.
pub fn retrying<T, E>(
    attempt: impl FnMut(u32) -> Attempt<T, E>,
    exhausted: impl FnOnce(u32, Duration, E) -> E,
) -> Result<T, E> {
    retrying_with(attempt, exhausted, std::thread::sleep)
}

fn retrying_with<T, E>(
    mut attempt: impl FnMut(u32) -> Attempt<T, E>,
    exhausted: impl FnOnce(u32, Duration, E) -> E,
    mut sleep: impl FnMut(Duration),
) -> Result<T, E> {
    let mut tries = 0;
    let mut slept = Duration::ZERO;
    loop {
        tries += 1;
        let (wait, last) = match attempt(tries) {
            Attempt::Done(t) => return Ok(t),
            Attempt::Fail(e) => return Err(e),
            Attempt::Again => {
                tries -= 1;
                continue;
            }
            Attempt::Retry { after, last } => {
                if tries >= MAX_TRIES {
                    return Err(last);
                }
                (
                    after.unwrap_or_else(|| backoff(tries)).min(RETRY_BUDGET),
                    last,
                )
            }
        };
        if slept + wait > RETRY_BUDGET {
            return Err(exhausted(tries, slept, last));
        }
        sleep(wait);
        slept += wait;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn gives_up_after_max_tries() {
        let mut seen = 0;
        let r: Result<(), String> = retrying(
            |n| {
                seen = n;
                Attempt::Retry {
                    after: Some(Duration::ZERO),
                    last: format!("try {n}"),
                }
            },
            |_, _, e| e,
        );
        assert_eq!(r, Err(format!("try {MAX_TRIES}")));
        assert_eq!(seen, MAX_TRIES);
    }

    #[test]
    fn stops_at_the_budget_and_on_fatal_errors() {
        let mut slept = Vec::new();
        let r: Result<(), String> = retrying_with(
            |_| Attempt::Retry {
                after: Some(RETRY_BUDGET + Duration::from_secs(1)),
                last: "slow".into(),
            },
            |tries, waited, _| format!("exhausted after {tries} tries, {waited:?}"),
            |d| slept.push(d),
        );
        assert_eq!(slept, [RETRY_BUDGET]);
        // A Retry-After past the budget is clamped to it, and then the
        // next one would pass it.
        assert_eq!(r, Err("exhausted after 2 tries, 10s".into()));
        let r: Result<u8, &str> = retrying(|_| Attempt::Fail("no"), |_, _, e| e);
        assert_eq!(r, Err("no"));
        let r: Result<u8, &str> = retrying(
            |n| {
                if n < 2 {
                    Attempt::Retry {
                        after: Some(Duration::ZERO),
                        last: "x",
                    }
                } else {
                    Attempt::Done(7)
                }
            },
            |_, _, e| e,
        );
        assert_eq!(r, Ok(7));
    }
}
