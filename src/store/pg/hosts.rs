//! Connection strings naming several hosts, as libpq reads them:
//! `postgres://user@db1:5432,db2:5432/orchestrator?target_session_attrs=read-write`.
//! sqlx connects to one host, so the list is kept here: the store
//! connects to the first host that answers — with `read-write` (or
//! `primary`), the first that is not a standby — and looks again whenever
//! its heartbeat connection has to be made anew, so that after a failover
//! the replicas follow the promoted standby. The pool's connections to the
//! old primary break with it, and new ones go to the new one.

use std::time::Duration;

use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};

use crate::store::StoreError;

/// How long one host may take to answer when the list is probed.
const PROBE_TIMEOUT: Duration = Duration::from_secs(3);

/// The hosts of a connection string, in its order.
#[derive(Debug, Clone)]
pub struct Hosts {
    candidates: Vec<PgConnectOptions>,
    /// Only a host that accepts writes will do.
    read_write: bool,
}

impl Hosts {
    /// Reads `url` (`postgres://` or `postgresql://`), with one host or
    /// several separated by commas.
    pub fn parse(url: &str) -> Result<Self, StoreError> {
        let bad = |why: String| StoreError::Backend(format!("bad PostgreSQL URL: {why}"));
        let (scheme, rest) = url
            .split_once("://")
            .ok_or_else(|| bad("expected postgres://…".into()))?;
        let end = rest.find(['/', '?']).unwrap_or(rest.len());
        let (authority, tail) = rest.split_at(end);
        let (userinfo, hosts) = match authority.rsplit_once('@') {
            Some((u, h)) => (format!("{u}@"), h),
            None => (String::new(), authority),
        };
        let (path, query) = tail.split_once('?').unwrap_or((tail, ""));
        let mut read_write = false;
        let mut kept = Vec::new();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            match pair.split_once('=') {
                Some(("target_session_attrs", v)) => {
                    read_write = match v {
                        "read-write" | "primary" => true,
                        "any" => false,
                        other => {
                            return Err(bad(format!(
                                "target_session_attrs={other}: the service writes, so only read-write, primary or any"
                            )));
                        }
                    }
                }
                _ => kept.push(pair),
            }
        }
        let query = if kept.is_empty() {
            String::new()
        } else {
            format!("?{}", kept.join("&"))
        };
        let mut candidates = Vec::new();
        for host in hosts.split(',') {
            if host.is_empty() && hosts.contains(',') {
                return Err(bad("an empty host in the list".into()));
            }
            let one = format!("{scheme}://{userinfo}{host}{path}{query}");
            candidates.push(one.parse().map_err(|e| bad(format!("{e}")))?);
        }
        Ok(Self {
            candidates,
            read_write,
        })
    }

    /// Applies `f` to every host's options (the session settings).
    pub fn map(self, f: impl Fn(PgConnectOptions) -> PgConnectOptions) -> Self {
        Self {
            candidates: self.candidates.into_iter().map(f).collect(),
            ..self
        }
    }

    /// Whether there is more than one host to choose from.
    pub fn several(&self) -> bool {
        self.candidates.len() > 1
    }

    /// A connection to the first host that answers and, when the string
    /// asks for `read-write`, accepts writes; with its options.
    pub async fn connect(&self) -> Result<(PgConnection, PgConnectOptions), StoreError> {
        let mut why = Vec::new();
        for options in &self.candidates {
            let tried = tokio::time::timeout(PROBE_TIMEOUT, self.try_one(options)).await;
            let where_ = format!("{}:{}", options.get_host(), options.get_port());
            match tried {
                Ok(Ok(Some(conn))) => return Ok((conn, options.clone())),
                Ok(Ok(None)) => why.push(format!("{where_} is a standby")),
                Ok(Err(e)) => why.push(format!("{where_}: {e}")),
                Err(_) => why.push(format!("{where_}: no answer within {PROBE_TIMEOUT:?}")),
            }
        }
        Err(StoreError::Unavailable(format!(
            "no PostgreSQL host to write to ({})",
            why.join("; ")
        )))
    }

    /// A connection to one host; None when writes are wanted and it is a
    /// standby.
    async fn try_one(
        &self,
        options: &PgConnectOptions,
    ) -> Result<Option<PgConnection>, sqlx::Error> {
        let mut conn = options.connect().await?;
        if self.read_write {
            let standby: bool = sqlx::query_scalar("SELECT pg_is_in_recovery()")
                .fetch_one(&mut conn)
                .await?;
            if standby {
                let _ = conn.close().await;
                return Ok(None);
            }
        }
        Ok(Some(conn))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_list_of_hosts_is_one_string_per_host_with_the_rest_shared() {
        let h = Hosts::parse(
            "postgres://app:secret@db1:5432,db2:6543/orch?sslmode=disable&target_session_attrs=read-write",
        )
        .unwrap();
        assert!(h.read_write && h.several());
        let hosts: Vec<(String, u16, Option<String>)> = h
            .candidates
            .iter()
            .map(|o| {
                (
                    o.get_host().to_owned(),
                    o.get_port(),
                    o.get_database().map(String::from),
                )
            })
            .collect();
        assert_eq!(
            hosts,
            [
                ("db1".to_owned(), 5432, Some("orch".to_owned())),
                ("db2".to_owned(), 6543, Some("orch".to_owned()))
            ]
        );
        assert_eq!(h.candidates[1].get_username(), "app");
        let one = Hosts::parse("postgres://u@127.0.0.1/db").unwrap();
        assert!(!one.several() && !one.read_write);
    }

    #[test]
    fn bad_lists_and_session_attributes_are_named() {
        let e = Hosts::parse("postgres://u@a,,b/db")
            .unwrap_err()
            .to_string();
        assert!(e.contains("empty host"), "{e}");
        let e = Hosts::parse("postgres://u@a,b/db?target_session_attrs=standby")
            .unwrap_err()
            .to_string();
        assert!(e.contains("target_session_attrs=standby"), "{e}");
        let e = Hosts::parse("db1:5432").unwrap_err().to_string();
        assert!(e.contains("postgres://"), "{e}");
    }
}
