//! What the plugins that run programs share: reading a child's output up
//! to a cap without ever blocking it, and killing its whole process group
//! when the attempt ends.

use tokio::io::{AsyncRead, AsyncReadExt};

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

/// Kills a child's whole process group when dropped: on success, timeout
/// and cancellation alike (the engine drops the attempt's future).
pub struct GroupGuard(pub i32);

impl GroupGuard {
    /// Kills the group now.
    pub fn kill(&self) {
        // SAFETY: killpg only sends a signal; an empty group yields ESRCH.
        unsafe {
            libc::killpg(self.0, libc::SIGKILL);
        }
    }
}

impl Drop for GroupGuard {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Waits for the child, then kills what it left in its group: anything it
/// started would otherwise hold the output pipes open, and the readers
/// with them, long after the child itself has ended.
pub async fn wait_then_kill_group(
    child: &mut tokio::process::Child,
    group: Option<&GroupGuard>,
) -> std::io::Result<std::process::ExitStatus> {
    let status = child.wait().await;
    if let Some(g) = group {
        g.kill();
    }
    status
}
