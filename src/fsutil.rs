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

/// Why a file cannot be written where the user asked.
#[derive(Debug, thiserror::Error)]
pub enum DestinationError {
    #[error(
        "{output} is the input {input}: writing there would destroy it.\n  Fix: choose another output file"
    )]
    IsInput { output: PathBuf, input: PathBuf },
    #[error(
        "cannot write to {dir}: {source}.\n  Fix: choose a folder you can write to (and with free space), or create it first"
    )]
    NotWritable {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Whether two paths name the same file (device and inode on Unix, as same-file
/// compares them), so `a.wav` and `./x/../a.wav` or a hard link are caught too. A
/// path that does not exist is nobody's input.
pub fn same_file(a: &Path, b: &Path) -> bool {
    same_file::is_same_file(a, b).unwrap_or(false)
}

/// Checks, before any work, that `output` is none of `inputs` and that its folder
/// can be written: a file is created and removed there, so a read-only folder, a
/// missing one that cannot be made, or a full disk is reported now, not after minutes
/// of transcription.
pub fn check_destination(output: &Path, inputs: &[&Path]) -> Result<(), DestinationError> {
    if let Some(input) = inputs.iter().find(|i| same_file(output, i)) {
        return Err(DestinationError::IsInput {
            output: output.to_path_buf(),
            input: input.to_path_buf(),
        });
    }
    let dir = match output.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    check_writable_dir(&dir)
}

/// Creates `dir` if needed and proves a file can be written in it.
pub fn check_writable_dir(dir: &Path) -> Result<(), DestinationError> {
    let probe = || -> io::Result<()> {
        fs::create_dir_all(dir)?;
        let mut f = tempfile::Builder::new()
            .prefix(".rehearse-probe.")
            .tempfile_in(dir)?;
        // One block, flushed: a full disk refuses it.
        f.write_all(&[0u8; 4096])?;
        f.as_file().sync_all()
    };
    probe().map_err(|source| DestinationError::NotWritable {
        dir: dir.to_path_buf(),
        source,
    })
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
    fn an_output_that_is_an_input_is_refused_by_identity_not_spelling() {
        let dir = tempfile::tempdir().expect("tempdir");
        let input = dir.path().join("a.wav");
        fs::write(&input, b"RIFF").expect("write");
        let other = dir.path().join("sub/../a.wav");
        fs::create_dir(dir.path().join("sub")).expect("mkdir");
        let e = check_destination(&other, &[&input]).expect_err("same file");
        assert!(e.to_string().contains("would destroy"), "{e}");
        let link = dir.path().join("b.wav");
        fs::hard_link(&input, &link).expect("link");
        assert!(check_destination(&link, &[&input]).is_err(), "hard link");
        check_destination(&dir.path().join("report.json"), &[&input]).expect("a new file is fine");
        assert_eq!(fs::read(&input).expect("read"), b"RIFF");
    }

    #[cfg(unix)]
    #[test]
    fn a_read_only_folder_is_reported_before_any_work() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().expect("tempdir");
        let ro = dir.path().join("ro");
        fs::create_dir(&ro).expect("mkdir");
        fs::set_permissions(&ro, fs::Permissions::from_mode(0o555)).expect("chmod");
        let blocked = fs::write(ro.join("x"), b"x").is_err(); // root writes anyway
        let r = check_destination(&ro.join("out.json"), &[]);
        assert_eq!(r.is_err(), blocked, "{r:?}");
        if let Err(e) = r {
            assert!(e.to_string().contains("cannot write to"), "{e}");
        }
        // A file where the folder should be cannot be made a folder.
        let file = dir.path().join("file");
        fs::write(&file, b"x").expect("write");
        assert!(check_destination(&file.join("out.json"), &[]).is_err());
        assert_eq!(
            fs::read_dir(dir.path()).expect("ls").count(),
            2,
            "no probe left behind"
        );
    }

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
