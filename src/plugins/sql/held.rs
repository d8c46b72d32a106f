//! A pooled sqlx connection held through one task's transaction.
//!
//! The engine stops a task by dropping its future (timeout, cancel,
//! shutdown), which can happen between any two awaits: after `BEGIN`, in the
//! middle of the statement, during `COMMIT`. A connection in that state must
//! not go back to the pool: the server may still be running the statement,
//! and the transaction left open would be committed by whatever the next
//! task sends (MySQL's `START TRANSACTION` commits implicitly), so a retry
//! would write twice. sqlx's `Transaction` only queues a `ROLLBACK` on drop,
//! and the pool's release check then waits for the abandoned statement to
//! finish (ten minutes of `pg_sleep(600)`) before flushing it.
//!
//! So while a transaction may be open, dropping a [`Held`] stops the
//! statement from a separate connection (`pg_cancel_backend`, `KILL QUERY`;
//! for SQLite, a flag its progress handler reads) and then closes the
//! connection instead of returning it: the server rolls back a transaction
//! whose session ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use sqlx::mysql::MySqlPool;
use sqlx::pool::PoolConnection;
use sqlx::postgres::PgPool;
use sqlx::{Connection, Database};

use super::Rows;
use crate::proto::SqlConfig;

/// How long stopping the statement, then closing the connection, may take
/// each; past it the socket is simply dropped.
const CLEAN_UP: Duration = Duration::from_secs(5);

/// How to stop the statement running on a connection, from outside it.
pub(super) enum Stop {
    /// Not known (yet): closing the connection is all that can be done.
    Nothing,
    /// `pg_cancel_backend(pid)` from another connection.
    Postgres { pool: PgPool, pid: i32 },
    /// `KILL QUERY id` from another connection.
    MySql { pool: MySqlPool, id: u64 },
    /// The flag the connection's progress handler reads: set, SQLite
    /// interrupts the statement at its next check.
    Sqlite(Arc<AtomicBool>),
}

impl Stop {
    /// Stops the statement; an error only means it could not be stopped
    /// this way (closing the connection follows regardless).
    async fn run(self) -> Result<(), sqlx::Error> {
        match self {
            Stop::Nothing => Ok(()),
            Stop::Sqlite(flag) => {
                flag.store(true, Ordering::Relaxed);
                Ok(())
            }
            // A connection of its own, not one from the pool: the pool may
            // be exhausted by the very tasks that are hanging.
            Stop::Postgres { pool, pid } => {
                let mut side = sqlx::PgConnection::connect_with(&pool.connect_options()).await?;
                sqlx::query("SELECT pg_cancel_backend($1)")
                    .bind(pid)
                    .execute(&mut side)
                    .await?;
                side.close().await
            }
            Stop::MySql { pool, id } => {
                let mut side = sqlx::MySqlConnection::connect_with(&pool.connect_options()).await?;
                // The id is the server's own number, not user input.
                sqlx::raw_sql(sqlx::AssertSqlSafe(format!("KILL QUERY {id}")))
                    .execute(&mut side)
                    .await?;
                side.close().await
            }
        }
    }
}

/// A pooled connection and whether a transaction may be open on it.
pub(super) struct Held<DB: Database> {
    conn: Option<PoolConnection<DB>>,
    /// Set before `BEGIN` is sent, cleared once `COMMIT` or `ROLLBACK` has
    /// been answered: while set, a drop closes the connection.
    pub open: bool,
    /// How to stop the connection's statement, once known.
    pub stop: Stop,
}

impl<DB: Database> Held<DB> {
    /// Holds `conn`, no transaction open yet.
    pub fn new(conn: PoolConnection<DB>) -> Self {
        Self {
            conn: Some(conn),
            open: false,
            stop: Stop::Nothing,
        }
    }

    /// The connection, to run statements on.
    pub fn conn(&mut self) -> &mut DB::Connection {
        self.conn
            .as_deref_mut()
            .expect("the connection is only taken on drop")
    }

    /// Ends the transaction (COMMIT for a write that succeeded, ROLLBACK
    /// otherwise) and gives the statement's result. Only an answered end
    /// makes the connection reusable; the statement's own error wins over
    /// a failed rollback.
    pub async fn finish(
        &mut self,
        cfg: &SqlConfig,
        result: Result<Rows, sqlx::Error>,
    ) -> Result<Rows, sqlx::Error>
    where
        for<'c> &'c mut DB::Connection: sqlx::Executor<'c, Database = DB>,
    {
        let end = if cfg.allow_write && result.is_ok() {
            "COMMIT"
        } else {
            "ROLLBACK"
        };
        let ended = sqlx::raw_sql(end).execute(self.conn()).await;
        if ended.is_ok() {
            self.open = false;
        }
        let rows = result?;
        ended?;
        Ok(rows)
    }
}

impl<DB: Database> Drop for Held<DB> {
    fn drop(&mut self) {
        if !self.open {
            return; // back to the pool, as usual
        }
        let Some(mut conn) = self.conn.take() else {
            return;
        };
        let stop = std::mem::replace(&mut self.stop, Stop::Nothing);
        if let Stop::Sqlite(flag) = &stop {
            // At once: SQLite runs on a thread of its own, not on this runtime.
            flag.store(true, Ordering::Relaxed);
        }
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            // Nothing to run the clean-up on: dropping the socket ends the
            // session all the same (and, unlike the pool's own drop,
            // spawns nothing).
            drop(conn.detach());
            return;
        };
        // Should the clean-up below never run (the runtime shutting down),
        // the pool still closes the connection rather than keeping it.
        conn.close_on_drop();
        // Detached, like sqlx's own release of a dropped connection: its
        // owner is gone, and it ends by itself within twice CLEAN_UP.
        runtime.spawn(async move {
            // Stop first, then close: the cancel must reach the session
            // while its id is still this connection's.
            match tokio::time::timeout(CLEAN_UP, stop.run()).await {
                Ok(Ok(())) => {}
                Ok(Err(e)) => {
                    tracing::warn!(error = %e, "sql: could not stop an abandoned statement")
                }
                Err(_) => tracing::warn!("sql: stopping an abandoned statement timed out"),
            }
            let _ = tokio::time::timeout(CLEAN_UP, conn.close()).await;
        });
    }
}
