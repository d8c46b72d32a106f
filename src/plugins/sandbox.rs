//! What keeps a python script away from the server's secrets when both run
//! as the same user (a server that is not root cannot give scripts a user
//! of their own): the server is non-dumpable, and each script is confined
//! by a Landlock ruleset to read-only system paths and its own working
//! directory.
//!
//! Non-dumpable ([`set_non_dumpable`]) makes `/proc/<server>/environ`,
//! `mem` and the like unreadable to processes of the same user and keeps
//! core dumps, which would carry the `SECRET_*` variables, from being
//! written. Landlock ([`FsPolicy`]) leaves a script nothing of the data
//! directory, the secrets file or anything else outside the paths granted;
//! its ruleset is built in the server and applied in the child between fork
//! and exec ([`restrict_self`]), with signal and abstract-socket scoping so
//! a script cannot signal the server either. Where the kernel has no
//! Landlock, scripts run without it (file permissions alone then decide),
//! which [`landlock_abi`] tells at start-up.

use std::os::fd::{AsRawFd, OwnedFd, RawFd};
use std::path::{Component, Path, PathBuf};
use std::sync::OnceLock;

use landlock::{
    ABI, Access, AccessFs, CompatLevel, Compatible, Ruleset, RulesetAttr, RulesetCreatedAttr,
    Scope, path_beneath_rules,
};

/// The Landlock version whose rights the ruleset asks for; a kernel with
/// less enforces what it has.
const TARGET: ABI = ABI::V6;

/// Read-and-execute system paths: the interpreter, its libraries, the
/// loader, the programs a script may start, and configuration under /etc
/// (time zones, certificates, name resolution).
const SYSTEM_PATHS: &[&str] = &[
    "/usr",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/bin",
    "/sbin",
    "/etc",
    // os.cpu_count() and the like.
    "/sys/devices/system/cpu",
];

/// Devices a script may read.
const READ_DEVICES: &[&str] = &["/dev/urandom", "/dev/random", "/dev/zero"];

/// Devices a script may read and write (subprocess.DEVNULL).
const WRITE_DEVICES: &[&str] = &["/dev/null"];

/// Makes this process non-dumpable: no core dumps, and its `/proc/<pid>`
/// files (environ, mem, maps) readable only by root.
pub fn set_non_dumpable() -> std::io::Result<()> {
    // SAFETY: prctl with integer arguments changes only this process.
    if unsafe { libc::prctl(libc::PR_SET_DUMPABLE, 0, 0, 0, 0) } != 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}

/// The Landlock version this kernel supports, or why it has none.
pub fn landlock_abi() -> Result<i32, String> {
    static ABI_VERSION: OnceLock<Result<i32, String>> = OnceLock::new();
    ABI_VERSION
        .get_or_init(|| {
            // SAFETY: with LANDLOCK_CREATE_RULESET_VERSION the call only
            // returns the version; no attribute is read.
            let v = unsafe {
                libc::syscall(
                    libc::SYS_landlock_create_ruleset,
                    std::ptr::null::<u8>(),
                    0usize,
                    1u32, // LANDLOCK_CREATE_RULESET_VERSION
                )
            };
            if v > 0 {
                Ok(v as i32)
            } else {
                Err(std::io::Error::last_os_error().to_string())
            }
        })
        .clone()
}

/// The paths a script may read (and run), computed once: the system paths
/// and the interpreter's own installation, each with the server's private
/// paths (data directory, secrets file) carved out.
#[derive(Debug, Clone, Default)]
pub struct FsPolicy {
    read: Vec<PathBuf>,
    private: Vec<PathBuf>,
}

impl FsPolicy {
    /// The policy for `interpreter` (an absolute path) with `private` paths
    /// kept out of every grant. Reads the file system: call it off the
    /// async workers, or at start-up.
    pub fn new(interpreter: &Path, private: &[PathBuf]) -> Self {
        let private: Vec<PathBuf> = private.iter().map(|p| real(p)).collect();
        let mut roots: Vec<PathBuf> = SYSTEM_PATHS.iter().map(PathBuf::from).collect();
        // `PREFIX/bin/python3` needs its PREFIX (the standard library); a
        // venv's interpreter is a link into another prefix, needed too.
        for exe in [interpreter.to_owned(), real(interpreter)] {
            let Some(dir) = exe.parent() else { continue };
            let prefix = match dir.file_name() {
                Some(name) if name == "bin" => dir.parent().unwrap_or(dir),
                _ => dir,
            };
            // Never the whole file system.
            if prefix.parent().is_some() {
                roots.push(prefix.to_owned());
            }
        }
        let mut read = Vec::new();
        for root in roots {
            if let Ok(root) = root.canonicalize() {
                carve(&root, &private, &mut read, 0);
            }
        }
        read.sort();
        read.dedup();
        Self { read, private }
    }

    /// Whether `path` is (inside) one of the server's private paths.
    pub fn is_private(&self, path: &Path) -> bool {
        let path = real(path);
        self.private.iter().any(|p| path.starts_with(p))
    }

    /// A ruleset for one script: the read grants, full access to its
    /// working directory, and read access to `script` when it runs from a
    /// file. `None` when the kernel has no Landlock. Opens every path:
    /// call it off the async workers.
    pub fn ruleset(
        &self,
        workdir: &Path,
        script: Option<&Path>,
    ) -> Result<Option<OwnedFd>, String> {
        if landlock_abi().is_err() {
            return Ok(None);
        }
        let read = AccessFs::from_read(TARGET);
        let file_read = AccessFs::ReadFile;
        let created = Ruleset::default()
            .set_compatibility(CompatLevel::BestEffort)
            .handle_access(AccessFs::from_all(TARGET))
            .and_then(|r| r.scope(Scope::from_all(TARGET)))
            .and_then(|r| r.create())
            .and_then(|r| r.add_rules(path_beneath_rules(&self.read, read)))
            .and_then(|r| r.add_rules(path_beneath_rules(READ_DEVICES, file_read)))
            .and_then(|r| {
                r.add_rules(path_beneath_rules(
                    WRITE_DEVICES,
                    AccessFs::ReadFile | AccessFs::WriteFile,
                ))
            })
            .and_then(|r| r.add_rules(path_beneath_rules(script, file_read)))
            .map_err(|e| format!("cannot build the script's sandbox: {e}"))?;
        // The working directory must be granted: without it nothing runs.
        let workdir_rule = path_beneath_rules([workdir], AccessFs::from_all(TARGET))
            .next()
            .ok_or_else(|| format!("cannot open {} for the sandbox", workdir.display()))?;
        let created = created
            .add_rule(workdir_rule.map_err(|e| e.to_string())?)
            .map_err(|e| format!("cannot build the script's sandbox: {e}"))?;
        Ok(created.into())
    }
}

/// Enforces a ruleset on the calling process and everything it starts. For
/// the child between fork and exec: two system calls, nothing else.
pub fn restrict_self(ruleset: RawFd) -> std::io::Result<()> {
    // SAFETY: plain system calls on this (child) process; no allocation.
    unsafe {
        // Required to restrict without privileges; also stops set-uid
        // programs from gaining any.
        if libc::prctl(libc::PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 {
            return Err(std::io::Error::last_os_error());
        }
        if libc::syscall(libc::SYS_landlock_restrict_self, ruleset, 0u32) != 0 {
            return Err(std::io::Error::last_os_error());
        }
    }
    Ok(())
}

/// The raw descriptor of an optional ruleset (-1 for none).
pub fn raw(ruleset: &Option<OwnedFd>) -> RawFd {
    ruleset.as_ref().map_or(-1, AsRawFd::as_raw_fd)
}

/// Adds `root` to `out`, or, when a private path lies inside it, each of
/// its entries that is not (itself split the same way), so a grant never
/// reaches a private path.
fn carve(root: &Path, private: &[PathBuf], out: &mut Vec<PathBuf>, depth: usize) {
    let inside: Vec<PathBuf> = private
        .iter()
        .filter(|p| p.starts_with(root))
        .cloned()
        .collect();
    if inside.is_empty() {
        out.push(root.to_owned());
        return;
    }
    // A private path that is the root (or a path too deep to split) is
    // left out whole.
    if depth >= 16 || inside.iter().any(|p| p == root) {
        return;
    }
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries.flatten() {
        if let Ok(path) = entry.path().canonicalize() {
            carve(&path, &inside, out, depth + 1);
        }
    }
}

/// `path` made absolute with links resolved, as far as it exists (a data
/// directory not made yet still has a place it will be).
fn real(path: &Path) -> PathBuf {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(r) = existing.canonicalize() {
            let mut out = r;
            out.extend(rest.iter().rev());
            return out;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(Component::Normal(name))) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return abs,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_private_path_inside_a_grant_is_carved_out() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path().canonicalize().unwrap();
        for d in ["lib/python", "app/data/db", "app/bin"] {
            std::fs::create_dir_all(r.join(d)).unwrap();
        }
        std::fs::write(r.join("app/secrets"), "SECRET=1").unwrap();
        let private = [r.join("app/data"), r.join("app/secrets"), r.join("new/x")];
        let mut out = Vec::new();
        carve(&r, &private, &mut out, 0);
        out.sort();
        assert_eq!(out, [r.join("app/bin"), r.join("lib")]);
    }

    #[test]
    fn a_path_not_made_yet_resolves_under_its_real_parent() {
        let root = tempfile::tempdir().unwrap();
        let r = root.path().canonicalize().unwrap();
        std::os::unix::fs::symlink(&r, r.join("link")).unwrap();
        assert_eq!(real(&r.join("link/data/db")), r.join("data/db"));
    }
}
