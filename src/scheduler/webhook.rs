//! The checks of a webhook request before it may start anything: its
//! HMAC signature (over a timestamp and the body, Stripe/Slack style, or
//! over the body alone), the freshness of that timestamp, and the memory of
//! recently accepted signatures that refuses exact replays.
//!
//! The scheme. `X-Signature-256: sha256=<hex>` carries the HMAC-SHA256,
//! under the trigger's `webhook_secret`, of
//! - `<timestamp>.<body>` when the request also carries
//!   `X-Signature-Timestamp: <timestamp>` (unix seconds, ASCII digits, signed
//!   exactly as sent); the timestamp must be within [`TOLERANCE_SECS`] of the
//!   server clock, either way;
//! - the body alone otherwise, which a trigger with
//!   `webhook_require_timestamp` refuses.
//!
//! A signature once accepted is refused again for as long as it could
//! still pass: until its timestamp is [`TOLERANCE_SECS`] old, or for
//! [`TOLERANCE_SECS`] after it was accepted when it has no timestamp. The
//! memory is per trigger and in memory only: a restart forgets it, which
//! the timestamp window (when required) still bounds.

use std::collections::{BTreeSet, HashMap};

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How far a signed timestamp may be from the server clock, either way,
/// and how long an untimestamped signature is remembered.
pub const TOLERANCE_SECS: i64 = 300;

/// Most signatures remembered per trigger; a trigger accepting more within
/// the window refuses the excess (429) rather than forget one early and let
/// its replay through.
pub const MAX_REMEMBERED: usize = 50_000;

/// Longest timestamp accepted, in digits (unix seconds fit in 11 for
/// millennia); bounds the parse of a header anyone can send.
const MAX_TIMESTAMP_DIGITS: usize = 12;

/// The length of an HMAC-SHA256 tag.
const TAG_LEN: usize = 32;

/// What a webhook request brings to be checked.
#[derive(Debug, Clone, Copy)]
pub struct SignedRequest<'a> {
    /// The raw body, as signed.
    pub body: &'a [u8],
    /// `X-Signature-256`, if sent.
    pub signature: Option<&'a str>,
    /// `X-Signature-Timestamp`, if sent.
    pub timestamp: Option<&'a str>,
}

/// Why a webhook request was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebhookError {
    /// No signature, or not the HMAC of the signed bytes under the secret.
    #[error(
        "X-Signature-256: missing or not the HMAC-SHA256 of the signed bytes (`<timestamp>.<body>` with X-Signature-Timestamp, else the body) under the webhook's secret"
    )]
    BadSignature,
    /// The trigger requires a timestamp and the request has none.
    #[error(
        "X-Signature-Timestamp: required by this webhook; sign `<timestamp>.<body>` with the timestamp in unix seconds"
    )]
    TimestampRequired,
    /// The timestamp header is not unix seconds.
    #[error("X-Signature-Timestamp: {0:?} is not a unix time in seconds")]
    BadTimestamp(String),
    /// The timestamp is too far from the server clock.
    #[error(
        "X-Signature-Timestamp: {timestamp} is {distance} s {direction} the server clock; at most {TOLERANCE_SECS} s is accepted"
    )]
    OutsideWindow {
        /// The timestamp sent.
        timestamp: i64,
        /// How far from the server clock, in seconds.
        distance: i64,
        /// `behind` (too old) or `ahead of`.
        direction: &'static str,
    },
    /// This exact signature was accepted already, within the window.
    #[error(
        "X-Signature-256: this signature was already accepted within the last {TOLERANCE_SECS} s; a replay starts nothing"
    )]
    Replayed,
    /// The trigger's replay memory is full of signatures still in their window.
    #[error(
        "webhook: {MAX_REMEMBERED} signatures accepted within {TOLERANCE_SECS} s; try again later"
    )]
    Busy,
}

/// A request whose signature and timestamp checked out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Verified {
    /// The signature's bytes: what the replay memory keys on (so another
    /// spelling of the same hex is the same signature).
    tag: [u8; TAG_LEN],
    /// Unix second after which the signature can no longer pass, so need
    /// not be remembered.
    until: i64,
}

/// Checks a request against a trigger's secret at unix time `now`.
///
/// The signature is checked before the timestamp's freshness, so that only
/// a holder of the secret learns how the server's clock is set.
pub fn verify(
    secret: &str,
    require_timestamp: bool,
    request: SignedRequest<'_>,
    now: i64,
) -> Result<Verified, WebhookError> {
    let timestamp = match request.timestamp {
        Some(text) => Some((text, parse_timestamp(text)?)),
        None if require_timestamp => return Err(WebhookError::TimestampRequired),
        None => None,
    };
    let tag = request
        .signature
        .and_then(|h| h.trim().strip_prefix("sha256="))
        .and_then(|h| hex::decode(h).ok())
        .ok_or(WebhookError::BadSignature)?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| WebhookError::BadSignature)?;
    if let Some((text, _)) = timestamp {
        mac.update(text.as_bytes());
        mac.update(b".");
    }
    mac.update(request.body);
    // Constant time: `verify_slice` compares without an early exit.
    mac.verify_slice(&tag)
        .map_err(|_| WebhookError::BadSignature)?;
    let tag: [u8; TAG_LEN] = tag.try_into().map_err(|_| WebhookError::BadSignature)?;
    let until = match timestamp {
        Some((_, at)) => {
            let distance = now.saturating_sub(at);
            if distance.abs() > TOLERANCE_SECS {
                return Err(WebhookError::OutsideWindow {
                    timestamp: at,
                    distance: distance.abs(),
                    direction: if distance > 0 { "behind" } else { "ahead of" },
                });
            }
            at + TOLERANCE_SECS
        }
        None => now + TOLERANCE_SECS,
    };
    Ok(Verified { tag, until })
}

fn parse_timestamp(text: &str) -> Result<i64, WebhookError> {
    let bad = || WebhookError::BadTimestamp(text.chars().take(MAX_TIMESTAMP_DIGITS + 8).collect());
    if text.is_empty()
        || text.len() > MAX_TIMESTAMP_DIGITS
        || !text.bytes().all(|b| b.is_ascii_digit())
    {
        return Err(bad());
    }
    text.parse().map_err(|_| bad())
}

/// The signatures one trigger accepted recently, each kept until it could
/// no longer pass; bounded by [`MAX_REMEMBERED`].
#[derive(Debug, Default)]
pub struct ReplayMemory {
    until: HashMap<[u8; TAG_LEN], i64>,
    by_expiry: BTreeSet<(i64, [u8; TAG_LEN])>,
}

impl ReplayMemory {
    /// Remembers `v`, or refuses it as a replay of a signature remembered
    /// (or as one too many) at unix time `now`. Check and insertion are one
    /// step, so two copies of a request arriving together start one run.
    pub fn admit(&mut self, v: &Verified, now: i64) -> Result<(), WebhookError> {
        while let Some(&(until, tag)) = self.by_expiry.first() {
            if until >= now {
                break;
            }
            self.by_expiry.pop_first();
            self.until.remove(&tag);
        }
        if self.until.contains_key(&v.tag) {
            return Err(WebhookError::Replayed);
        }
        if self.until.len() >= MAX_REMEMBERED {
            return Err(WebhookError::Busy);
        }
        self.until.insert(v.tag, v.until);
        self.by_expiry.insert((v.until, v.tag));
        Ok(())
    }

    /// How many signatures are remembered.
    pub fn len(&self) -> usize {
        self.until.len()
    }

    /// Whether none is.
    pub fn is_empty(&self) -> bool {
        self.until.is_empty()
    }
}

/// The server clock in unix seconds.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "0123456789abcdef";
    const NOW: i64 = 1_700_000_000;

    fn sign(bytes: &[u8]) -> String {
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
        mac.update(bytes);
        format!("sha256={}", hex::encode(mac.finalize().into_bytes()))
    }

    fn request<'a>(
        body: &'a [u8],
        signature: Option<&'a str>,
        timestamp: Option<&'a str>,
    ) -> SignedRequest<'a> {
        SignedRequest {
            body,
            signature,
            timestamp,
        }
    }

    #[test]
    fn untimestamped_signatures_are_hmac_sha256_of_the_body() {
        let good = sign(b"{\"a\":1}");
        let ok = |secret, body: &[u8], sig: Option<&str>| {
            verify(secret, false, request(body, sig, None), NOW).is_ok()
        };
        assert!(ok(SECRET, b"{\"a\":1}", Some(&good)));
        assert!(!ok(SECRET, b"{\"a\":2}", Some(&good)));
        assert!(!ok("another secret!!", b"{\"a\":1}", Some(&good)));
        assert!(!ok(SECRET, b"{\"a\":1}", None));
        assert!(!ok(SECRET, b"{\"a\":1}", Some("sha256=zz")));
        assert!(!ok(SECRET, b"{\"a\":1}", Some(&good[7..])));
        // A prefix of the right tag is not the tag.
        assert!(!ok(SECRET, b"{\"a\":1}", Some(&good[..good.len() - 2])));
        assert_eq!(
            verify(SECRET, true, request(b"{\"a\":1}", Some(&good), None), NOW),
            Err(WebhookError::TimestampRequired)
        );
    }

    #[test]
    fn timestamped_signatures_cover_the_timestamp_and_keep_to_the_window() {
        let at = NOW.to_string();
        let good = sign(format!("{at}.{{}}").as_bytes());
        let check = |sig: &str, ts: &str, now| {
            verify(SECRET, true, request(b"{}", Some(sig), Some(ts)), now)
        };
        let v = check(&good, &at, NOW).unwrap();
        assert_eq!(v.until, NOW + TOLERANCE_SECS);
        assert!(check(&good, &at, NOW + TOLERANCE_SECS).is_ok());
        assert!(check(&good, &at, NOW - TOLERANCE_SECS).is_ok());
        assert_eq!(
            check(&good, &at, NOW + 600),
            Err(WebhookError::OutsideWindow {
                timestamp: NOW,
                distance: 600,
                direction: "behind"
            })
        );
        assert!(
            check(&good, &at, NOW - 301)
                .unwrap_err()
                .to_string()
                .contains(&format!("{NOW} is 301 s ahead of"))
        );
        // Another timestamp, or the body-only signature, does not pass.
        let next = (NOW + 1).to_string();
        assert_eq!(check(&good, &next, NOW), Err(WebhookError::BadSignature));
        assert_eq!(
            check(&sign(b"{}"), &at, NOW),
            Err(WebhookError::BadSignature)
        );
        for bad in ["", "-5", "17e8", " 1700000000", "99999999999999"] {
            assert_eq!(
                check(&good, bad, NOW),
                Err(WebhookError::BadTimestamp(bad.into())),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_memory_refuses_replays_until_the_signature_expires() {
        let mut m = ReplayMemory::default();
        let v = |byte, until| Verified {
            tag: [byte; TAG_LEN],
            until,
        };
        m.admit(&v(1, NOW + 300), NOW).unwrap();
        assert_eq!(
            m.admit(&v(1, NOW + 300), NOW + 300),
            Err(WebhookError::Replayed)
        );
        m.admit(&v(2, NOW + 10), NOW).unwrap();
        // Expired ones are forgotten as time passes.
        m.admit(&v(3, NOW + 400), NOW + 301).unwrap();
        assert_eq!(m.len(), 1);
        m.admit(&v(1, NOW + 601), NOW + 301).unwrap();
    }

    #[test]
    fn the_memory_is_bounded_and_refuses_rather_than_forgets() {
        let mut m = ReplayMemory::default();
        for i in 0..MAX_REMEMBERED {
            let mut tag = [0; TAG_LEN];
            tag[..8].copy_from_slice(&(i as u64).to_le_bytes());
            m.admit(
                &Verified {
                    tag,
                    until: NOW + 300,
                },
                NOW,
            )
            .unwrap();
        }
        let one_more = Verified {
            tag: [0xff; TAG_LEN],
            until: NOW + 300,
        };
        assert_eq!(m.admit(&one_more, NOW), Err(WebhookError::Busy));
        // Once the window has passed there is room again.
        m.admit(&one_more, NOW + 301).unwrap();
        assert_eq!(m.len(), 1);
    }
}
