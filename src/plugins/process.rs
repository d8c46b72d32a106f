//! What the plugins that run programs share: reading a child's output up
//! to a cap without ever blocking it, and a child that leads its own
//! process group, which is killed *and reaped* when the attempt ends,
//! however it ends (done, timeout, cancel, error, the runtime going away).
//!
//! A killed process is only gone once its parent has waited for it: until
//! then it stays in the process table, and a parent that exits first hands
//! it to the system's init, which in a container may never reap it. So a
//! group killed on drop is handed to a reaper thread, counted in
//! [`wait_for_reaping`], which the command line calls before it exits; a
//! command that is also a child subreaper ([`become_subreaper`]) gets back
//! the group's orphans (the script's own children) and reaps those too.

use std::collections::HashSet;
use std::io;
use std::process::ExitStatus;
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use tokio::io::{AsyncRead, AsyncReadExt};
use tokio::process::{Child, Command};

/// Reads a stream to its end, keeping at most `cap` bytes; the rest is
/// drained so the child never blocks on a full pipe. Returns the bytes and
/// whether any were dropped.
pub async fn read_capped<R: AsyncRead + Unpin>(stream: Option<R>, cap: u64) -> (Vec<u8>, bool) {
    let Some(mut r) = stream else {
        return (Vec::new(), false);
    };
    let mut kept = Vec::new();
    let mut truncated = false;
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        match r.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = (cap as usize).saturating_sub(kept.len());
                kept.extend_from_slice(&buf[..n.min(room)]);
                truncated |= n > room;
            }
        }
    }
    (kept, truncated)
}

/// Process groups started and not yet fully reaped (for [`kill_all_groups`]).
static LIVE: Mutex<Option<HashSet<i32>>> = Mutex::new(None);

/// Reaper threads still running, and the signal that one has finished.
static PENDING: Mutex<usize> = Mutex::new(0);
static REAPED: Condvar = Condvar::new();

fn live() -> MutexGuard<'static, Option<HashSet<i32>>> {
    // A panic while holding the set leaves it usable: it is only a set.
    LIVE.lock().unwrap_or_else(|e| e.into_inner())
}

fn pending() -> MutexGuard<'static, usize> {
    PENDING.lock().unwrap_or_else(|e| e.into_inner())
}

/// A child leading its own process group. Dropped before [`wait`](Self::wait)
/// has returned (timeout, cancellation), it kills the group at once and
/// hands it to a reaper thread; after `wait`, nothing of the group is left.
pub struct GroupChild {
    child: Option<Child>,
    pgid: i32,
    settled: bool,
}

impl GroupChild {
    /// Spawns `cmd` as the leader of a new process group.
    pub fn spawn(cmd: &mut Command) -> io::Result<Self> {
        // No kill_on_drop: the group is killed here, and a `Child` dropped
        // after it was reaped elsewhere must not signal a recycled pid.
        let child = cmd.process_group(0).kill_on_drop(false).spawn()?;
        // A child just spawned has not been waited for, so it has an id.
        let pgid = child
            .id()
            .ok_or_else(|| io::Error::other("the child has no process id"))?
            as i32;
        live().get_or_insert_with(HashSet::new).insert(pgid);
        Ok(Self {
            child: Some(child),
            pgid,
            settled: false,
        })
    }

    /// The child, to take its pipes.
    pub fn child(&mut self) -> &mut Child {
        self.child
            .as_mut()
            .expect("the child is only taken when the guard is dropped")
    }

    /// Waits for the child, then kills what it left in its group: anything
    /// it started would otherwise hold the output pipes open, and the
    /// readers with them, long after the child itself has ended.
    pub async fn wait(&mut self) -> io::Result<ExitStatus> {
        let status = self.child().wait().await;
        kill_group(self.pgid);
        self.settled = true;
        // Orphans of the group come back to a subreaper; those are ours to
        // reap. Most often there are none, and no thread is needed.
        if reap_group(self.pgid, false) {
            forget(self.pgid);
        } else {
            reap_in_background(self.pgid, None);
        }
        status
    }
}

impl Drop for GroupChild {
    fn drop(&mut self) {
        if self.settled {
            return;
        }
        // Killed while the leader is still unreaped, so the group id cannot
        // have been reused by anyone else.
        kill_group(self.pgid);
        reap_in_background(self.pgid, self.child.take());
    }
}

fn kill_group(pgid: i32) {
    // SAFETY: killpg only sends a signal; an empty group yields ESRCH.
    unsafe {
        libc::killpg(pgid, libc::SIGKILL);
    }
}

fn forget(pgid: i32) {
    if let Some(set) = live().as_mut() {
        set.remove(&pgid);
    }
}

/// Reaps the children of ours in group `pgid`; true once none is left.
/// With `block`, waits for each until there are none.
fn reap_group(pgid: i32, block: bool) -> bool {
    let flags = libc::WEXITED | if block { 0 } else { libc::WNOHANG };
    loop {
        // SAFETY: waitid writes into a zeroed siginfo_t we own.
        let (rc, pid) = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            let rc = libc::waitid(libc::P_PGID, pgid as libc::id_t, &mut info, flags);
            (rc, info.si_pid())
        };
        if rc == 0 && pid != 0 {
            continue;
        }
        if rc == 0 {
            // WNOHANG: members are left, none has ended yet.
            return false;
        }
        match io::Error::last_os_error().raw_os_error() {
            Some(libc::EINTR) => continue,
            // ECHILD: no child of ours is left in the group.
            _ => return true,
        }
    }
}

/// Waits until `pid` has ended without reaping it, so that its `Child`
/// (which must record the status) does the reaping.
fn wait_ended(pid: u32) {
    loop {
        // SAFETY: as in reap_group.
        let rc = unsafe {
            let mut info: libc::siginfo_t = std::mem::zeroed();
            libc::waitid(
                libc::P_PID,
                pid as libc::id_t,
                &mut info,
                libc::WEXITED | libc::WNOWAIT,
            )
        };
        if rc == 0 || io::Error::last_os_error().raw_os_error() != Some(libc::EINTR) {
            return;
        }
    }
}

/// Reaps a killed group on a thread of its own: the leader through its
/// `Child`, then any orphans that came back to us.
fn reap_in_background(pgid: i32, child: Option<Child>) {
    *pending() += 1;
    let job = move || {
        if let Some(mut child) = child {
            if let Some(pid) = child.id() {
                wait_ended(pid);
            }
            // Reaps through the Child, so its own drop neither signals a
            // recycled pid nor queues it as an orphan.
            let _ = child.try_wait();
        }
        reap_group(pgid, true);
        forget(pgid);
        *pending() -= 1;
        REAPED.notify_all();
    };
    let spawned = std::thread::Builder::new()
        .name(format!("reap-{pgid}"))
        .spawn(job);
    if let Err(e) = spawned {
        // The job (and the Child in it) was dropped: tokio's own orphan
        // queue reaps the leader when the runtime next looks.
        tracing::warn!(pgid, error = %e, "cannot start a thread to reap a killed process group");
        *pending() -= 1;
        REAPED.notify_all();
    }
}

/// Waits until every killed group has been reaped, at most `timeout`;
/// false when some are still being reaped (a process stuck in the kernel).
pub fn wait_for_reaping(timeout: Duration) -> bool {
    let deadline = Instant::now() + timeout;
    let mut n = pending();
    while *n > 0 {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return false;
        }
        n = REAPED
            .wait_timeout(n, left)
            .unwrap_or_else(|e| e.into_inner())
            .0;
    }
    true
}

/// Kills every group still running and reaps them, for an exit that will
/// not wait for the attempts to end (a second Ctrl-C).
pub fn kill_all_groups() {
    let groups: Vec<i32> = live().iter().flatten().copied().collect();
    for pgid in groups {
        kill_group(pgid);
        reap_in_background(pgid, None);
    }
}

/// Makes this process the reaper of its descendants' orphans, so that the
/// children a killed script started come back here to be reaped rather
/// than to an init that may never reap them.
pub fn become_subreaper() -> io::Result<()> {
    // SAFETY: prctl with an integer argument changes only this process.
    if unsafe { libc::prctl(libc::PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) } != 0 {
        return Err(io::Error::last_os_error());
    }
    Ok(())
}
