//! Crash-safe file writing: everything the tool saves goes through here, so a kill at
//! any moment leaves either the old file or the complete new one, never a partial one.

use std::fs;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use tempfile::NamedTempFile;

/// A file written to a temporary name beside its destination and renamed into place
/// by [`AtomicFile::commit`]. Dropped without commit, the temporary is removed.
pub struct AtomicFile {
    dest: PathBuf,
    inner: BufWriter<NamedTempFile>,
    written: u64,
}

impl AtomicFile {
    /// Starts writing `dest`; its directory is created if missing.
    pub fn create(dest: &Path) -> io::Result<Self> {
        let dir = match dest.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        fs::create_dir_all(&dir)?;
        let tmp = tempfile::Builder::new()
            .prefix(&format!(
                ".{}.",
                dest.file_name()
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default()
            ))
            .suffix(".tmp")
            .tempfile_in(&dir)?;
        Ok(AtomicFile {
            dest: dest.to_path_buf(),
            inner: BufWriter::with_capacity(1 << 20, tmp),
            written: 0,
        })
    }

    /// Flushes, syncs to disk and renames over the destination. Returns the size.
    pub fn commit(self) -> io::Result<u64> {
        let tmp = self.inner.into_inner().map_err(|e| e.into_error())?;
        // tempfile creates owner-only files; saved files get ordinary permissions.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            tmp.as_file()
                .set_permissions(fs::Permissions::from_mode(0o644))?;
        }
        tmp.as_file().sync_all()?;
        tmp.persist(&self.dest).map_err(|e| e.error)?;
        if let Some(dir) = self.dest.parent().filter(|p| !p.as_os_str().is_empty()) {
            // Make the rename itself durable; failure here is not worth an error.
            if let Ok(d) = fs::File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(self.written)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.inner.write(buf)?;
        self.written += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Writes `bytes` to `dest` atomically.
pub fn write_atomic(dest: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = AtomicFile::create(dest)?;
    f.write_all(bytes)?;
    f.commit().map(|_| ())
}

/// Lower-case hex of a digest.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// SHA-256 of a file, streamed, as hex.
pub fn sha256_file(path: &Path) -> io::Result<String> {
    use sha2::Digest;
    use std::io::Read;
    let mut file = fs::File::open(path)?;
    let mut hasher = sha2::Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commit_replaces_and_drop_leaves_nothing() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("sub/out.txt");
        write_atomic(&p, b"one").expect("write");
        assert_eq!(fs::read(&p).expect("read"), b"one");
        {
            let mut f = AtomicFile::create(&p).expect("create");
            f.write_all(b"half-written").expect("write");
            // dropped without commit: the old content stays
        }
        assert_eq!(fs::read(&p).expect("read"), b"one");
        let leftovers = fs::read_dir(p.parent().expect("parent"))
            .expect("ls")
            .count();
        assert_eq!(leftovers, 1, "temporary file left behind");
    }
}
