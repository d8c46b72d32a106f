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
use std::sync::mpsc::{self, Sender};
use std::sync::{Arc, Mutex, RwLock};
use std::thread::JoinHandle;

use rocksdb::{
    BlockBasedIndexType, BlockBasedOptions, Cache, ColumnFamily, ColumnFamilyDescriptor, DB,
    DBCompressionType, Direction, Env, IteratorMode, Options, WriteBatch, WriteOptions,
};
use tokio::sync::oneshot;

mod read;
mod writer;

use super::{ExecutionQuery, Store, StoreError, Write, decode, encode, next_version};
use crate::proto::{
    AuditRecord, CacheEntry, Execution, ExecutionEvent, Schedule, Trigger, Workflow, WorkflowSpec,
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

/// Tuning of the embedded store.
#[derive(Debug, Clone)]
pub struct RocksOptions {
    /// fsync each group commit (off only for benchmarks of the engine).
    pub sync: bool,
    /// Block cache size in bytes.
    pub block_cache_bytes: usize,
    /// Memtable size per column family in bytes.
    pub write_buffer_bytes: usize,
}

impl Default for RocksOptions {
    fn default() -> Self {
        Self {
            sync: true,
            block_cache_bytes: 32 << 20,
            write_buffer_bytes: 8 << 20,
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
    tx: RwLock<Option<Sender<Msg>>>,
    writer: Mutex<Option<JoinHandle<()>>>,
    counters: Arc<Counters>,
    /// Serialises version allocation of workflow saves.
    workflow_lock: tokio::sync::Mutex<()>,
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
        let (tx, rx) = mpsc::channel();
        let writer_db = db.clone();
        let sync = options.sync;
        let counters = Arc::new(Counters::default());
        let writer_counters = counters.clone();
        let writer = std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || write_loop(&writer_db, &rx, sync, &writer_counters))
            .map_err(|e| StoreError::Backend(format!("starting the writer thread: {e}")))?;
        Ok(Self {
            db,
            path,
            tx: RwLock::new(Some(tx)),
            writer: Mutex::new(Some(writer)),
            counters,
            workflow_lock: tokio::sync::Mutex::new(()),
        })
    }

    /// How many writes and group commits the writer has done.
    pub fn write_stats(&self) -> WriteStats {
        WriteStats {
            writes: self.counters.writes.load(Ordering::Relaxed),
            commits: self.counters.commits.load(Ordering::Relaxed),
        }
    }

    /// Writes a consistent copy of the store, as of now, to `path` (which
    /// must not exist): a backup, or a snapshot to open elsewhere. Files are
    /// hard-linked where the file system allows.
    pub async fn checkpoint(&self, path: impl AsRef<Path>) -> Result<(), StoreError> {
        self.flush().await?;
        rocksdb::checkpoint::Checkpoint::new(&self.db)
            .and_then(|c| c.create_checkpoint(path))
            .map_err(backend)
    }

    /// The directory the store lives in.
    pub fn path(&self) -> &Path {
        &self.path
    }

    fn send(&self, msg: Msg) -> bool {
        let guard = self.tx.read().unwrap_or_else(|e| e.into_inner());
        guard.as_ref().is_some_and(|tx| tx.send(msg).is_ok())
    }

    /// Every record of a column family, in key order.
    fn all<M: prost::Message + Default>(&self, cf: &str) -> Result<Vec<M>, StoreError> {
        read::with_prefix(&self.db, cf, &[], &[])
    }

    fn archived(&self, name: &str) -> Result<bool, StoreError> {
        let flag = self
            .db
            .get_pinned_cf(cf_handle(&self.db, CF_WORKFLOW_FLAGS), name.as_bytes())
            .map_err(backend)?;
        Ok(flag.is_some_and(|b| b.first() == Some(&1)))
    }

    /// Every stored version of a workflow, oldest first (no archived flag).
    fn versions(&self, name: &str) -> Result<Vec<Workflow>, StoreError> {
        let prefix = name_prefix(name);
        read::with_prefix(&self.db, CF_WORKFLOWS, &prefix, &prefix)
    }

    fn latest(&self, name: &str) -> Result<Workflow, StoreError> {
        let mut upper = name_prefix(name);
        upper.extend_from_slice(&u32::MAX.to_be_bytes());
        let mut iter = self.db.iterator_cf(
            cf_handle(&self.db, CF_WORKFLOWS),
            IteratorMode::From(&upper, Direction::Reverse),
        );
        let prefix = name_prefix(name);
        match iter.next() {
            Some(Ok((k, v))) if k.starts_with(&prefix) => {
                let mut w: Workflow = decode(&printable(&k), &v)?;
                w.archived = self.archived(name)?;
                Ok(w)
            }
            Some(Err(e)) => Err(backend(e)),
            _ => Err(StoreError::WorkflowNotFound(name.to_owned())),
        }
    }

    fn write_sync(&self, batch: WriteBatch) -> Result<(), StoreError> {
        let mut wo = WriteOptions::default();
        wo.set_sync(true);
        self.db.write_opt(batch, &wo).map_err(backend)
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
        let prev = match self.latest(&spec.name) {
            Ok(w) => Some(w),
            Err(StoreError::WorkflowNotFound(_)) => None,
            Err(e) => return Err(e),
        };
        let name = spec.name.clone();
        let w = next_version(prev, spec)?;
        let name = name.as_str();
        let mut batch = WriteBatch::default();
        batch.put_cf(
            cf_handle(&self.db, CF_WORKFLOWS),
            version_key(name, w.version),
            encode(&w),
        );
        self.write_sync(batch)?;
        Ok(w)
    }

    async fn get_workflow(&self, name: &str, version: Option<u32>) -> Result<Workflow, StoreError> {
        let latest = self.latest(name)?;
        let Some(v) = version else {
            return Ok(latest);
        };
        let mut w: Workflow = read::get(&self.db, CF_WORKFLOWS, &version_key(name, v))?.ok_or(
            StoreError::VersionNotFound {
                name: name.to_owned(),
                version: v,
            },
        )?;
        w.archived = latest.archived;
        Ok(w)
    }

    async fn list_workflows(&self, include_archived: bool) -> Result<Vec<Workflow>, StoreError> {
        // Walk names by seeking past each name's versions.
        let mut out = Vec::new();
        let mut seek: Vec<u8> = Vec::new();
        loop {
            let mut iter = self.db.iterator_cf(
                cf_handle(&self.db, CF_WORKFLOWS),
                IteratorMode::From(&seek, Direction::Forward),
            );
            let Some(item) = iter.next() else { break };
            let (k, _) = item.map_err(backend)?;
            let Some(end) = k.iter().position(|&b| b == 0) else {
                break;
            };
            let name = String::from_utf8_lossy(&k[..end]).into_owned();
            let w = self.latest(&name)?;
            if include_archived || !w.archived {
                out.push(w);
            }
            seek = k[..end].to_vec();
            seek.push(1);
        }
        Ok(out)
    }

    async fn list_versions(&self, name: &str) -> Result<Vec<Workflow>, StoreError> {
        let archived = self.latest(name)?.archived;
        let mut v = self.versions(name)?;
        v.iter_mut().for_each(|w| w.archived = archived);
        Ok(v)
    }

    async fn set_archived(&self, name: &str, archived: bool) -> Result<Workflow, StoreError> {
        let _guard = self.workflow_lock.lock().await;
        self.latest(name)?;
        let mut batch = WriteBatch::default();
        batch.put_cf(
            cf_handle(&self.db, CF_WORKFLOW_FLAGS),
            name.as_bytes(),
            [u8::from(archived)],
        );
        self.write_sync(batch)?;
        self.latest(name)
    }

    async fn purge_workflow(&self, name: &str) -> Result<u32, StoreError> {
        let _guard = self.workflow_lock.lock().await;
        let versions = self.versions(name)?;
        if versions.is_empty() {
            return Err(StoreError::WorkflowNotFound(name.to_owned()));
        }
        let mut batch = WriteBatch::default();
        for w in &versions {
            batch.delete_cf(
                cf_handle(&self.db, CF_WORKFLOWS),
                version_key(name, w.version),
            );
        }
        batch.delete_cf(cf_handle(&self.db, CF_WORKFLOW_FLAGS), name.as_bytes());
        self.write_sync(batch)?;
        Ok(versions.len() as u32)
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
        let e: Execution = read::get(&self.db, CF_EXECUTIONS, id.as_bytes())?
            .ok_or_else(|| StoreError::ExecutionNotFound(id.to_owned()))?;
        read::full_execution(&self.db, e)
    }

    async fn events(&self, id: &str, from_seq: u64) -> Result<Vec<ExecutionEvent>, StoreError> {
        if read::get::<Execution>(&self.db, CF_EXECUTIONS, id.as_bytes())?.is_none() {
            return Err(StoreError::ExecutionNotFound(id.to_owned()));
        }
        read::events_from(&self.db, id, from_seq)
    }

    async fn list_executions(&self, q: &ExecutionQuery) -> Result<Vec<Execution>, StoreError> {
        // A listing can read thousands of records: on a blocking thread,
        // so it holds no runtime worker (the engine's and the scheduler's)
        // for its length.
        let (db, q) = (self.db.clone(), q.clone());
        tokio::task::spawn_blocking(move || read::list_executions(&db, &q))
            .await
            .map_err(|e| StoreError::Backend(format!("listing executions: {e}")))?
    }

    async fn unfinished_executions(&self) -> Result<Vec<Execution>, StoreError> {
        let mut out = Vec::new();
        for item in self
            .db
            .iterator_cf(cf_handle(&self.db, CF_ACTIVE), IteratorMode::Start)
        {
            let (k, _) = item.map_err(backend)?;
            if let Some(e) = read::get::<Execution>(&self.db, CF_EXECUTIONS, &k)? {
                out.push(read::full_execution(&self.db, e)?);
            }
        }
        Ok(out)
    }

    async fn get_cache(&self, key: &[u8; 32]) -> Result<Option<CacheEntry>, StoreError> {
        read::get(&self.db, CF_CACHE, key)
    }

    async fn list_schedules(&self) -> Result<Vec<Schedule>, StoreError> {
        self.all(CF_SCHEDULES)
    }

    async fn list_triggers(&self) -> Result<Vec<Trigger>, StoreError> {
        self.all(CF_TRIGGERS)
    }

    async fn audit_trail(&self, limit: usize) -> Result<Vec<AuditRecord>, StoreError> {
        let mut out = Vec::new();
        for item in self
            .db
            .iterator_cf(cf_handle(&self.db, CF_AUDIT), IteratorMode::End)
        {
            let (k, v) = item.map_err(backend)?;
            out.push(decode(&printable(&k), &v)?);
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
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
        let w = self.write_stats();
        out.insert("orchestrator.group-commits".into(), w.commits.to_string());
        out.insert("orchestrator.writes".into(), w.writes.to_string());
        out.insert("backend".into(), "rocksdb".into());
        out.insert("path".into(), self.path.display().to_string());
        Ok(out)
    }

    async fn compact(&self) -> Result<(), StoreError> {
        let db = self.db.clone();
        tokio::task::spawn_blocking(move || {
            for family in FAMILIES {
                db.compact_range_cf(cf_handle(&db, family), None::<&[u8]>, None::<&[u8]>);
            }
        })
        .await
        .map_err(|e| StoreError::Backend(format!("compaction stopped: {e}")))
    }
}
