//! The embedded store: RocksDB in a local directory (`ROCKSDB_PATH`).
//!
//! Column families: `workflows` (name \0 version), `workflow_flags`
//! (name → archived), `executions` (id → header), `events`
//! (id \0 seq), `exec_time` (started-ms \0 id, the time index for range
//! queries), `active` (ids of unfinished executions), `cache`, `audit`
//! (time \0 counter), `schedules` and `triggers` (id → record).
//! Keys use big-endian numbers so that byte order is numeric order.
//!
//! Execution writes go to one writer thread that group-commits (`writer`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::mpsc::{self, SyncSender};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use rocksdb::{
    BlockBasedIndexType, BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DB,
    DBCompressionType, Env, Options,
};
use tokio::sync::oneshot;

mod audit_log;
mod prune;
mod read;
mod workflows;
mod writer;

use super::{
    AuditPage, AuditQuery, ExecutionQuery, Pruned, Retention, Store, StoreError, Write, encode,
};
use crate::proto::{
    CacheEntry, Execution, ExecutionEvent, Schedule, Trigger, Workflow, WorkflowSpec,
};
use writer::{Counters, Msg, write_loop};

const CF_WORKFLOWS: &str = "workflows";
const CF_WORKFLOW_FLAGS: &str = "workflow_flags";
const CF_EXECUTIONS: &str = "executions";
const CF_EVENTS: &str = "events";
const CF_EXEC_TIME: &str = "exec_time";
const CF_ACTIVE: &str = "active";
const CF_CACHE: &str = "cache";
const CF_AUDIT: &str = "audit";
const CF_SCHEDULES: &str = "schedules";
const CF_TRIGGERS: &str = "triggers";
const FAMILIES: &[&str] = &[
    CF_AUDIT,
    CF_SCHEDULES,
    CF_TRIGGERS,
    CF_WORKFLOWS,
    CF_WORKFLOW_FLAGS,
    CF_EXECUTIONS,
    CF_EVENTS,
    CF_EXEC_TIME,
    CF_ACTIVE,
    CF_CACHE,
];

/// Background writes (flushes, compactions) per second at most: far above
/// what 1,000 runs a second need, low enough to leave the disk to the WAL.
const COMPACTION_BYTES_PER_SEC: i64 = 64 << 20;

/// Hand-overs queued for the writer at most (a run's start is one).
const WRITER_QUEUE: usize = 65_536;

/// Tuning of the embedded store.
#[derive(Debug, Clone)]
pub struct RocksOptions {
    /// fsync each group commit (off only for benchmarks of the engine).
    pub sync: bool,
    /// Block cache size in bytes.
    pub block_cache_bytes: usize,
    /// Memtable size per column family in bytes.
    pub write_buffer_bytes: usize,
    /// Where audit records are exported as JSON lines (`AUDIT_LOG_FILE`).
    pub audit_log: Option<PathBuf>,
}

impl Default for RocksOptions {
    fn default() -> Self {
        Self {
            sync: true,
            block_cache_bytes: 32 << 20,
            write_buffer_bytes: 8 << 20,
            audit_log: None,
        }
    }
}

/// Counts of the writer's work since the store opened.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct WriteStats {
    /// Execution writes applied.
    pub writes: u64,
    /// Group commits (one write batch, one fsync each).
    pub commits: u64,
}

/// RocksDB-backed store.
pub struct RocksStore {
    db: Arc<DB>,
    path: PathBuf,
    // Read-locked by every append (senders share it), write-locked only to
    // close: thousands of runs starting at once do not queue on it.
    tx: RwLock<Option<SyncSender<Msg>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    counters: Arc<Counters>,
    /// Serialises version allocation of workflow saves.
    workflow_lock: tokio::sync::Mutex<()>,
    /// Records pruned since the store opened.
    pruned: Mutex<Pruned>,
}

impl RocksStore {
    /// Opens (creating if needed) the store in `path`.
    pub fn open(path: impl AsRef<Path>, options: RocksOptions) -> Result<Self, StoreError> {
        let path = path.as_ref().to_path_buf();
        std::fs::create_dir_all(&path)
            .map_err(|e| StoreError::Backend(format!("creating {}: {e}", path.display())))?;
        let mut opts = Options::default();
        opts.create_if_missing(true);
        opts.create_missing_column_families(true);
        opts.set_compression_type(DBCompressionType::Lz4);
        opts.set_bottommost_compression_type(DBCompressionType::Zstd);
        opts.set_write_buffer_size(options.write_buffer_bytes);
        opts.set_max_total_wal_size(64 << 20);
        opts.set_keep_log_file_num(4);
        // Compaction is background tidying: at a lower CPU priority it
        // waits for the engine (a burst of 10,000 scheduled starts) instead
        // of taking a core from it. Flushes keep their priority, so writes
        // do not stall behind them.
        let mut env = Env::new().map_err(backend)?;
        env.lower_thread_pool_cpu_priority();
        opts.set_env(&env);
        // Background work kept out of the runs' way (scripts/soak.sh;
        // figures in the README): compaction's writes are synced a
        // megabyte at a time and paced, so they never queue a burst of
        // dirty pages in front of the WAL's fsync that every run waits
        // for; fresh levels (L0, L1), compacted most often, are not
        // compressed, which spares the cores the engine needs.
        opts.set_bytes_per_sync(1 << 20);
        opts.set_wal_bytes_per_sync(1 << 20);
        opts.set_ratelimiter(COMPACTION_BYTES_PER_SEC, 100_000, 10);
        opts.set_compression_per_level(&[
            DBCompressionType::None,
            DBCompressionType::None,
            DBCompressionType::Lz4,
            DBCompressionType::Lz4,
            DBCompressionType::Lz4,
            DBCompressionType::Lz4,
            DBCompressionType::Lz4,
        ]);
        opts.set_max_subcompactions(1);
        let mut table = BlockBasedOptions::default();
        table.set_bloom_filter(10.0, false);
        table.set_block_cache(&Cache::new_lru_cache(options.block_cache_bytes));
        // Index and filter blocks live in the block cache (memory stays
        // bounded), partitioned, with their small top levels pinned: a
        // whole index block per file, evicted by the data blocks of
        // point reads, was read back and decompressed on every read once
        // the store held a few hundred thousand executions (listing them
        // took about 1 ms each).
        table.set_cache_index_and_filter_blocks(true);
        table.set_cache_index_and_filter_blocks_with_high_priority(true);
        table.set_index_type(BlockBasedIndexType::TwoLevelIndexSearch);
        table.set_partition_filters(true);
        table.set_pin_top_level_index_and_filter(true);
        table.set_pin_l0_filter_and_index_blocks_in_cache(true);
        opts.set_block_based_table_factory(&table);
        let cfs = FAMILIES
            .iter()
            .map(|name| ColumnFamilyDescriptor::new(*name, opts.clone()));
        let db = DB::open_cf_descriptors(&opts, &path, cfs).map_err(|e| {
            let msg = e.to_string();
            if msg.contains("lock") {
                StoreError::Locked(path.display().to_string())
            } else {
                StoreError::Backend(msg)
            }
        })?;
        let db = Arc::new(db);
        // Bounded: a writer that falls behind (a slow disk) slows the
        // appenders down instead of letting the queue take all memory.
        let (tx, rx) = mpsc::sync_channel(WRITER_QUEUE);
        let writer_db = db.clone();
        let sync = options.sync;
        let counters = Arc::new(Counters::default());
        let writer_counters = counters.clone();
        let audit_log = options
            .audit_log
            .as_deref()
            .map(audit_log::AuditLog::open)
            .transpose()?;
        let writer = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || write_loop(&writer_db, &rx, sync, &writer_counters, audit_log))
            .map_err(|e| StoreError::Backend(format!("starting the writer thread: {e}")))?;
        Ok(Self {
            db,
            path,
            tx: RwLock::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            counters,
            workflow_lock: tokio::sync::Mutex::new(()),
            pruned: Mutex::default(),
        })
    }

    /// How many writes and group commits the writer has done.
    pub fn write_stats(&self) -> WriteStats {
        WriteStats {
            writes: self.counters.writes.load(Ordering::Relaxed),
            commits: self.counters.commits.load(Ordering::Relaxed),
        }
    }

    /// The directory the store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn send(&self, msg: Msg) -> bool {
        let guard = self.tx.read().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().is_some_and(|tx| tx.send(msg).is_ok())
    }
}

impl Drop for RocksStore {
    fn drop(&mut self) {
        // Closing the channel lets the writer drain what is queued and stop;
        // joining it means everything appended is written before the DB closes.
        self.tx.write().unwrap_or_else(|e| e.into_inner()).take();
        if let Some(w) = self.writer.lock().unwrap_or_else(|e| e.into_inner()).take() {
            let _ = w.join();
        }
    }
}

fn cf_handle<'a>(db: &'a DB, name: &str) -> &'a ColumnFamily {
    db.cf_handle(name)
        .expect("every column family is created when the store opens")
}

fn backend(e: rocksdb::Error) -> StoreError {
    StoreError::Backend(e.to_string())
}

fn printable(key: &[u8]) -> String {
    String::from_utf8_lossy(key).replace('\0', "/")
}

fn name_prefix(name: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(name.len() + 13);
    k.extend_from_slice(name.as_bytes());
    k.push(0);
    k
}

fn version_key(name: &str, version: u32) -> Vec<u8> {
    let mut k = name_prefix(name);
    k.extend_from_slice(&version.to_be_bytes());
    k
}

fn event_key(id: &str, seq: u64) -> Vec<u8> {
    let mut k = name_prefix(id);
    k.extend_from_slice(&seq.to_be_bytes());
    k
}

/// Time-index key: start time with the sign bit flipped (so negative times
/// sort first), a separator, the id.
fn time_key(started_ms: i64, id: &str) -> Vec<u8> {
    let mut k = Vec::with_capacity(9 + id.len());
    k.extend_from_slice(&((started_ms as u64) ^ (1 << 63)).to_be_bytes());
    k.push(0);
    k.extend_from_slice(id.as_bytes());
    k
}

#[async_trait::async_trait]
impl Store for RocksStore {
    async fn save_workflow(&self, spec: WorkflowSpec) -> Result<Workflow, StoreError> {
        let _guard = self.workflow_lock.lock().await;
        let db = self.db.clone();
        blocking(move || workflows::save(&db, spec)).await
    }

    async fn get_workflow(&self, name: &str, version: Option<u32>) -> Result<Workflow, StoreError> {
        // Every run reads its workflow, a point read the block cache keeps
        // hot: on the caller's thread. On a blocking thread the hand-over
        // cost 15% of served throughput (10,500 against 12,500 runs/s at
        // saturation, 2026-12-01) and did not change latency at 1,000/s.
        workflows::get(&self.db, name, version)
    }

    async fn list_workflows(&self, include_archived: bool) -> Result<Vec<Workflow>, StoreError> {
        let db = self.db.clone();
        blocking(move || workflows::list(&db, include_archived)).await
    }

    async fn list_versions(&self, name: &str) -> Result<Vec<Workflow>, StoreError> {
        let (db, name) = (self.db.clone(), name.to_owned());
        blocking(move || workflows::versions_flagged(&db, &name)).await
    }

    async fn set_archived(&self, name: &str, archived: bool) -> Result<Workflow, StoreError> {
        let _guard = self.workflow_lock.lock().await;
        let (db, name) = (self.db.clone(), name.to_owned());
        blocking(move || workflows::set_archived(&db, &name, archived)).await
    }

    async fn purge_workflow(&self, name: &str) -> Result<u32, StoreError> {
        let _guard = self.workflow_lock.lock().await;
        let (db, name) = (self.db.clone(), name.to_owned());
        blocking(move || workflows::purge(&db, &name)).await
    }

    fn append(&self, write: Write) {
        if !self.send(Msg::Write(write)) {
            tracing::error!("write after the store closed was dropped");
        }
    }

    fn append_all(&self, writes: Vec<Write>) {
        if !writes.is_empty() && !self.send(Msg::Writes(writes)) {
            tracing::error!("writes after the store closed were dropped");
        }
    }

    async fn flush(&self) -> Result<(), StoreError> {
        let (tx, rx) = oneshot::channel();
        if !self.send(Msg::Flush(tx)) {
            return Err(StoreError::Backend("the store is closed".into()));
        }
        rx.await
            .map_err(|_| StoreError::Backend("the store writer stopped".into()))?
    }

    async fn get_execution(&self, id: &str) -> Result<Execution, StoreError> {
        // A running execution's record is folded from all its events.
        let (db, id) = (self.db.clone(), id.to_owned());
        blocking(move || {
            let e: Execution = read::get(&db, CF_EXECUTIONS, id.as_bytes())?
                .ok_or_else(|| StoreError::ExecutionNotFound(id.clone()))?;
            read::full_execution(&db, e)
        })
        .await
    }

    async fn events(&self, id: &str, from_seq: u64) -> Result<Vec<ExecutionEvent>, StoreError> {
        let (db, id) = (self.db.clone(), id.to_owned());
        blocking(move || {
            if read::get::<Execution>(&db, CF_EXECUTIONS, id.as_bytes())?.is_none() {
                return Err(StoreError::ExecutionNotFound(id));
            }
            read::events_from(&db, &id, from_seq)
        })
        .await
    }

    async fn list_executions(&self, q: &ExecutionQuery) -> Result<Vec<Execution>, StoreError> {
        // A listing can read thousands of records: on a blocking thread,
        // so it holds no runtime worker (the engine's and the scheduler's)
        // for its length.
        let (db, q) = (self.db.clone(), q.clone());
        blocking(move || read::list_executions(&db, &q)).await
    }

    async fn unfinished_executions(&self) -> Result<Vec<Execution>, StoreError> {
        let db = self.db.clone();
        blocking(move || read::unfinished(&db)).await
    }

    async fn waiting_executions(&self) -> Result<Vec<Execution>, StoreError> {
        // The index of unfinished executions, not the whole history.
        let db = self.db.clone();
        blocking(move || read::waiting(&db)).await
    }

    async fn get_cache(&self, key: &[u8; 32]) -> Result<Option<CacheEntry>, StoreError> {
        // Asked only when the in-memory LRU misses: a cold key, a value of
        // up to MAX_OUTPUT_BYTES read from disk.
        let (db, key) = (self.db.clone(), *key);
        blocking(move || read::get(&db, CF_CACHE, &key)).await
    }

    async fn list_schedules(&self) -> Result<Vec<Schedule>, StoreError> {
        let db = self.db.clone();
        blocking(move || read::with_prefix(&db, CF_SCHEDULES, &[], &[])).await
    }

    async fn list_triggers(&self) -> Result<Vec<Trigger>, StoreError> {
        let db = self.db.clone();
        blocking(move || read::with_prefix(&db, CF_TRIGGERS, &[], &[])).await
    }

    async fn audit_page(&self, q: &AuditQuery) -> Result<AuditPage, StoreError> {
        let (db, q) = (self.db.clone(), q.clone());
        blocking(move || read::audit_page(&db, &q)).await
    }

    async fn stats(&self) -> Result<BTreeMap<String, String>, StoreError> {
        // Totals under RocksDB's own property names (as the brief queries
        // them), and each column family's share under "<family>.<property>".
        const PROPERTIES: &[&str] = &[
            "rocksdb.estimate-num-keys",
            "rocksdb.total-sst-files-size",
            "rocksdb.cur-size-all-mem-tables",
            "rocksdb.estimate-live-data-size",
        ];
        let mut out = BTreeMap::new();
        for property in PROPERTIES {
            let mut total = 0u64;
            for family in FAMILIES {
                let v = self
                    .db
                    .property_int_value_cf(cf_handle(&self.db, family), *property)
                    .map_err(backend)?
                    .unwrap_or(0);
                total += v;
                out.insert(format!("{family}.{property}"), v.to_string());
            }
            out.insert((*property).to_owned(), total.to_string());
        }
        // Whole-database figures: what slows writes down now.
        for property in [
            "rocksdb.is-write-stopped",
            "rocksdb.actual-delayed-write-rate",
            "rocksdb.num-running-compactions",
            "rocksdb.num-running-flushes",
        ] {
            let v = self.db.property_int_value(property).map_err(backend)?;
            out.insert(property.to_owned(), v.unwrap_or(0).to_string());
        }
        if let Some(stall) = self
            .db
            .property_value("rocksdb.stats")
            .map_err(backend)?
            .as_deref()
            .and_then(cumulative_stall_seconds)
        {
            out.insert(
                "orchestrator.write-stall-seconds".into(),
                format!("{stall:.3}"),
            );
        }
        let w = self.write_stats();
        out.insert("orchestrator.group-commits".into(), w.commits.to_string());
        out.insert("orchestrator.writes".into(), w.writes.to_string());
        let p = *self.pruned.lock().unwrap_or_else(|e| e.into_inner());
        for (what, n) in [
            ("executions", p.executions),
            ("events", p.events),
            ("audit", p.audit),
            ("cache", p.cache),
        ] {
            out.insert(format!("orchestrator.pruned-{what}"), n.to_string());
        }
        out.insert("backend".into(), "rocksdb".into());
        out.insert("path".into(), self.path.display().to_string());
        Ok(out)
    }

    async fn compact(&self) -> Result<(), StoreError> {
        let db = self.db.clone();
        blocking(move || {
            for family in FAMILIES {
                db.compact_range_cf(cf_handle(&db, family), None::<&[u8]>, None::<&[u8]>);
            }
            Ok(())
        })
        .await
    }

    async fn backup(&self, dir: &Path) -> Result<(), StoreError> {
        // What was acknowledged before the call is in the copy.
        self.flush().await?;
        let (db, dir) = (self.db.clone(), dir.to_owned());
        blocking(move || {
            // Flushes the memtables and hard-links the SST files: as fast
            // as the flush, and the files are shared with the live store
            // until it compacts them away.
            rocksdb::checkpoint::Checkpoint::new(&db)
                .and_then(|c| c.create_checkpoint(&dir))
                .map_err(|e| StoreError::Backend(format!("checkpoint into {}: {e}", dir.display())))
        })
        .await
    }

    async fn prune(&self, r: &Retention) -> Result<Pruned, StoreError> {
        let mut pruned = Pruned::default();
        if let Some(before) = r.executions_before_ms {
            let mut from = Vec::new();
            loop {
                let db = self.db.clone();
                let (doomed, next) =
                    blocking(move || prune::ended_before(&db, before, &from)).await?;
                if !doomed.is_empty() {
                    let (tx, rx) = oneshot::channel();
                    if !self.send(Msg::Prune(doomed, tx)) {
                        return Err(StoreError::Backend("the store is closed".into()));
                    }
                    pruned += rx
                        .await
                        .map_err(|_| StoreError::Backend("the store writer stopped".into()))??;
                }
                match next {
                    Some(key) => from = key,
                    None => break,
                }
            }
        }
        let (db, r) = (self.db.clone(), *r);
        let (audit, cache) = blocking(move || {
            let audit = match r.audit_before_ms {
                Some(before) => prune::audit_before(&db, before)?,
                None => 0,
            };
            Ok((audit, prune::expired_cache(&db, r.now_ms)?))
        })
        .await?;
        pruned.audit = audit;
        pruned.cache = cache;
        *self.pruned.lock().unwrap_or_else(|e| e.into_inner()) += pruned;
        Ok(pruned)
    }
}

/// The writes' stall time since the store opened, from RocksDB's stats
/// text: `Cumulative stall: 00:00:1.234 H:M:S, 0.1 percent`.
fn cumulative_stall_seconds(stats: &str) -> Option<f64> {
    let line = stats.lines().find(|l| l.starts_with("Cumulative stall:"))?;
    let hms = line.split_whitespace().nth(2)?;
    let mut parts = hms.split(':');
    let h: f64 = parts.next()?.parse().ok()?;
    let m: f64 = parts.next()?.parse().ok()?;
    let s: f64 = parts.next()?.parse().ok()?;
    Some(h * 3600.0 + m * 60.0 + s)
}

/// Runs store work on a blocking thread, off the runtime's workers.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    tokio::task::spawn_blocking(f)
        .await
        .map_err(|e| StoreError::Backend(format!("store work stopped: {e}")))?
}
