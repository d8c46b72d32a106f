//! A fresh database on the machine's PostgreSQL (127.0.0.1:5432, trust
//! auth, scripts/setup.sh starts it) for each test that needs one, dropped
//! when the test ends, however it ends.

use sqlx::Connection;
use sqlx::postgres::PgConnection;

/// The server's maintenance database, where databases are made and dropped.
const ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// A database of its own; dropped with this value.
pub struct FreshDatabase {
    name: String,
}

impl FreshDatabase {
    /// Creates an empty database with a unique name.
    pub async fn create() -> FreshDatabase {
        let name = format!("orchestrator_test_{}", uuid::Uuid::now_v7().simple());
        let mut admin = PgConnection::connect(ADMIN_URL)
            .await
            .expect("PostgreSQL on 127.0.0.1:5432 (scripts/setup.sh starts it)");
        sqlx::raw_sql(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap();
        FreshDatabase { name }
    }

    /// Its connection URL.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:5432/{}", self.name)
    }
}

impl Drop for FreshDatabase {
    fn drop(&mut self) {
        let name = self.name.clone();
        // Drop runs inside the test's runtime, which cannot block on its
        // own futures: a thread of its own does the dropping.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut admin) = PgConnection::connect(ADMIN_URL).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
                        .execute(&mut admin)
                        .await;
                }
            });
        })
        .join();
    }
}

/// Cuts every change listener's connection to the database at `url` from
/// the server side (`pg_terminate_backend`); how many were cut.
pub async fn cut_listeners(url: &str) -> usize {
    let admin = sqlx::PgPool::connect(url).await.unwrap();
    let cut: Vec<bool> = sqlx::query_scalar(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
         WHERE datname = current_database() AND query ILIKE 'LISTEN%'",
    )
    .fetch_all(&admin)
    .await
    .unwrap();
    cut.len()
}
