//! The PostgreSQL store while its database is out of reach: every
//! connection dropped and new ones refused (a loopback proxy the test cuts,
//! as a network partition or a restart of the database would). Writes wait
//! and land once it is back, none lost and none twice; reads say the
//! store is unavailable, which the API answers with 503.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::pg::FreshDatabase;
use common::proxy::Proxy;
use orchestrator::proto::{self, Execution, ExecutionEvent, ExecutionStarted, ExecutionState};
use orchestrator::proto::{TaskStarted, execution_event::Kind};
use orchestrator::store::{PgOptions, PgStore, Store, Write};

fn header(id: &str) -> Arc<Execution> {
    Arc::new(Execution {
        id: id.into(),
        workflow: "wf".into(),
        version: 1,
        status: ExecutionState::Running as i32,
        started_at: Some(proto::now()),
        ..Default::default()
    })
}

fn event(id: &str, seq: u64) -> Write {
    let kind = if seq == 1 {
        Kind::ExecutionStarted(ExecutionStarted {
            workflow: "wf".into(),
            version: 1,
        })
    } else {
        Kind::TaskStarted(TaskStarted {
            task_id: format!("t{seq}"),
            attempt: 1,
        })
    };
    Write::Event(Arc::new(ExecutionEvent {
        execution_id: id.into(),
        seq,
        time: Some(proto::now()),
        kind: Some(kind),
    }))
}

/// A store on `db` whose every connection goes through a proxy the test
/// can cut.
async fn through_proxy(db: &FreshDatabase) -> (Proxy, PgStore) {
    let proxy = Proxy::start("127.0.0.1:5432").await;
    let url = db.url().replace(":5432/", &format!(":{}/", proxy.port()));
    let options = PgOptions {
        ..PgOptions::default()
    };
    let store = PgStore::connect(&url, options).await.unwrap();
    (proxy, store)
}

async fn seqs(store: &dyn Store, id: &str) -> Vec<u64> {
    store
        .events(id, 0)
        .await
        .unwrap()
        .iter()
        .map(|e| e.seq)
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn writes_wait_out_a_lost_database_and_land_once_it_is_back() {
    let db = FreshDatabase::create().await;
    let (proxy, store) = through_proxy(&db).await;
    let store = Arc::new(store);
    store.append_all(vec![Write::NewExecution(header("e1")), event("e1", 1)]);
    store.flush().await.unwrap();

    proxy.cut();
    store.append_all(vec![
        event("e1", 2),
        event("e1", 3),
        Write::NewExecution(header("e2")),
        event("e2", 1),
    ]);
    let waiting = {
        let store = store.clone();
        tokio::spawn(async move { store.flush().await })
    };
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(
        !waiting.is_finished(),
        "a flush waits while the database is away"
    );

    proxy.restore();
    tokio::time::timeout(Duration::from_secs(30), waiting)
        .await
        .expect("the writes land once the database is back")
        .unwrap()
        .unwrap();
    assert_eq!(seqs(store.as_ref(), "e1").await, [1, 2, 3]);
    assert_eq!(seqs(store.as_ref(), "e2").await, [1]);
    // The writer carries on: nothing was given up.
    store.append(event("e2", 2));
    store.flush().await.unwrap();
    assert_eq!(seqs(store.as_ref(), "e2").await, [1, 2]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_read_while_the_database_is_away_is_unavailable_not_a_failure() {
    let db = FreshDatabase::create().await;
    let (proxy, store) = through_proxy(&db).await;
    proxy.cut();
    let read = store.get_execution("e1").await;
    assert!(
        matches!(read, Err(orchestrator::store::StoreError::Unavailable(_))),
        "{read:?}"
    );
    proxy.restore();
    assert!(matches!(
        store.get_execution("e1").await,
        Err(orchestrator::store::StoreError::ExecutionNotFound(_))
    ));
}
