//! Files replaced whole. Each file is written beside its final name (`.NAME.partial-PID`),
//! synced, and renamed over the final name only when every file of the set is on disk, so a
//! crash, a full disk or a failed key generation leaves the old files or the new ones under
//! each name — never a torn key or an empty certificate. (Renames of a set are not one
//! atomic step; each single file is.)

use std::io::Write;
use std::path::{Path, PathBuf};

/// A set of files written now and put in place by [`Staged::commit`]. Dropped without
/// commit, it removes what it wrote and leaves the final names untouched.
#[derive(Debug, Default)]
pub(crate) struct Staged {
    /// (partial file, final name), in write order.
    pending: Vec<(PathBuf, PathBuf)>,
}

impl Staged {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// Writes `bytes` to a partial file beside `path`; `private` makes it owner-only (0600 on
    /// Unix) from the moment it is created.
    pub(crate) fn write(
        &mut self,
        path: &Path,
        bytes: &[u8],
        private: bool,
    ) -> Result<(), crate::Error> {
        let name = path
            .file_name()
            .ok_or_else(|| crate::Error::io(path, std::io::Error::other("path has no file name")))?
            .to_string_lossy();
        let partial = path.with_file_name(format!(".{name}.partial-{}", std::process::id()));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        #[cfg(not(unix))]
        let _ = private;
        let mut file = options
            .open(&partial)
            .map_err(|e| crate::Error::io(&partial, e))?;
        self.pending.push((partial.clone(), path.to_path_buf()));
        #[cfg(unix)]
        if private {
            // `mode` is masked by the umask and ignored for an existing file: set it outright.
            use std::os::unix::fs::PermissionsExt;
            file.set_permissions(std::fs::Permissions::from_mode(0o600))
                .map_err(|e| crate::Error::io(&partial, e))?;
        }
        file.write_all(bytes)
            .and_then(|()| file.sync_all())
            .map_err(|e| crate::Error::io(&partial, e))
    }

    /// Renames every partial file over its final name, in write order.
    pub(crate) fn commit(mut self) -> Result<(), crate::Error> {
        let pending = std::mem::take(&mut self.pending);
        let mut dirs: Vec<PathBuf> = Vec::new();
        for (i, (partial, path)) in pending.iter().enumerate() {
            if let Err(e) = std::fs::rename(partial, path) {
                // Leave nothing half-named behind: the rest go back to Drop's clean-up.
                self.pending = pending.get(i..).map(<[_]>::to_vec).unwrap_or_default();
                return Err(crate::Error::io(path, e));
            }
            if let Some(dir) = path.parent() {
                if !dirs.iter().any(|d| d == dir) {
                    dirs.push(dir.to_path_buf());
                }
            }
        }
        // Make the renames durable (directory entries); best effort where a directory
        // cannot be opened for syncing.
        for dir in dirs {
            let dir = if dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                &dir
            };
            if let Ok(d) = std::fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(())
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        for (partial, _) in &self.pending {
            let _ = std::fs::remove_file(partial);
        }
    }
}

/// Replaces one file whole.
pub(crate) fn write_file(path: &Path, bytes: &[u8], private: bool) -> Result<(), crate::Error> {
    let mut staged = Staged::new();
    staged.write(path, bytes, private)?;
    staged.commit()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        v.sort();
        v
    }

    #[test]
    fn commit_replaces_every_file() {
        let tmp = tempfile::tempdir().unwrap();
        let (a, b) = (tmp.path().join("a.pem"), tmp.path().join("b.pem"));
        std::fs::write(&a, "old a").unwrap();
        let mut s = Staged::new();
        s.write(&a, b"new a", true).unwrap();
        s.write(&b, b"new b", false).unwrap();
        // Nothing visible under the final names before the commit.
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
        assert!(!b.exists());
        s.commit().unwrap();
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "new a");
        assert_eq!(std::fs::read_to_string(&b).unwrap(), "new b");
        assert_eq!(names(tmp.path()), ["a.pem", "b.pem"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode(&a), 0o600);
            assert_ne!(mode(&b), 0o600);
        }
    }

    #[test]
    fn dropped_without_commit_leaves_old_files_and_no_partials() {
        let tmp = tempfile::tempdir().unwrap();
        let a = tmp.path().join("a.pem");
        std::fs::write(&a, "old a").unwrap();
        let mut s = Staged::new();
        s.write(&a, b"new a", true).unwrap();
        s.write(&tmp.path().join("b.pem"), b"new b", true).unwrap();
        assert_eq!(names(tmp.path()).len(), 3);
        drop(s);
        assert_eq!(names(tmp.path()), ["a.pem"]);
        assert_eq!(std::fs::read_to_string(&a).unwrap(), "old a");
    }

    #[test]
    fn failed_rename_reports_the_path_and_cleans_up() {
        let tmp = tempfile::tempdir().unwrap();
        // A directory where the file should go: the rename fails.
        let d = tmp.path().join("d.pem");
        std::fs::create_dir_all(d.join("inner")).unwrap();
        let mut s = Staged::new();
        s.write(&d, b"x", false).unwrap();
        let err = s.commit().unwrap_err().to_string();
        assert!(err.contains("d.pem"), "{err}");
        assert_eq!(names(tmp.path()), ["d.pem"]);
        assert!(d.is_dir());
    }
}
