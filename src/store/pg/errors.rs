//! Database errors as store errors: the ones that pass once the database
//! is back (a lost connection, a failover, a standby not yet promoted) are
//! `Unavailable`, which writers try again and the API answers with 503.

use crate::store::StoreError;

/// A database error as a store error: one that passes when the database
/// is back (or its standby promoted) is `Unavailable`.
pub(super) fn backend(e: sqlx::Error) -> StoreError {
    if transient(&e) {
        StoreError::Unavailable(e.to_string())
    } else {
        StoreError::Backend(e.to_string())
    }
}

/// Whether an error is the database being out of reach for a while: the
/// connection lost or refused, the server shutting down or starting, a
/// standby that is read-only until promoted, a transaction that lost a
/// serialization race or a deadlock.
fn transient(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d.code().is_some_and(|c| {
            // 08: connection exception; 57P01-03: shutdown, crash,
            // cannot connect now; 25006: read-only transaction (a
            // standby); 40001, 40P01: serialization failure, deadlock;
            // 53300: too many connections.
            c.starts_with("08")
                || c.starts_with("57P")
                || matches!(&*c, "25006" | "40001" | "40P01" | "53300")
        }),
        _ => false,
    }
}
