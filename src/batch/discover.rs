//! Which files a batch covers: folders walked recursively, glob patterns expanded,
//! single files taken as given. Symlink loops and unreadable folders become notes,
//! not crashes; the same file reached twice is scored once.

use std::collections::HashMap;
use std::path::{Component, Path, PathBuf};

use crate::audio::AUDIO_EXTENSIONS;

/// One input file and where its outputs go, relative to `--out`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Input {
    pub path: PathBuf,
    /// Path relative to the folder (or the pattern's fixed prefix) it was found under:
    /// the outputs mirror this.
    pub rel: PathBuf,
}

/// Something found while looking for inputs that is not an input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    pub path: PathBuf,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct Discovery {
    pub inputs: Vec<Input>,
    pub notes: Vec<Note>,
    /// Paths skipped because they are the same file as an earlier input.
    pub duplicates: Vec<(PathBuf, PathBuf)>,
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{0}: no such file or folder, and not a pattern that matches anything")]
    Missing(String),
    #[error("{pattern}: not a valid glob pattern: {message}")]
    BadPattern { pattern: String, message: String },
}

fn is_audio_name(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| AUDIO_EXTENSIONS.contains(&e.to_ascii_lowercase().as_str()))
}

fn has_glob_chars(s: &str) -> bool {
    s.contains(['*', '?', '['])
}

/// The folders of a pattern before its first wildcard: `cohort-*/**/*.m4a` → `.`,
/// `data/cohort-*/x.m4a` → `data`.
fn literal_prefix(pattern: &str) -> PathBuf {
    let mut base = PathBuf::new();
    for comp in Path::new(pattern).components() {
        let s = comp.as_os_str().to_string_lossy();
        if has_glob_chars(&s) {
            break;
        }
        base.push(comp.as_os_str());
    }
    // The last component of a wildcard-free prefix may be the file itself.
    if base.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        base
    }
}

fn relative_to(path: &Path, base: &Path) -> PathBuf {
    let rel = path.strip_prefix(base).unwrap_or(path);
    // Never let an output escape --out: drop roots and `..`.
    rel.components()
        .filter(|c| matches!(c, Component::Normal(_)))
        .collect()
}

/// Expands the command-line inputs in order. Each argument is a file, a folder
/// (walked, audio extensions only, symlinks followed) or a glob pattern.
pub fn discover(args: &[String]) -> Result<Discovery, DiscoverError> {
    let mut found: Vec<Input> = Vec::new();
    let mut notes = Vec::new();
    for arg in args {
        let path = Path::new(arg);
        if path.is_dir() {
            walk(path, &mut found, &mut notes);
        } else if path.exists() || path.is_symlink() {
            let rel = path
                .file_name()
                .map(PathBuf::from)
                .unwrap_or_else(|| path.to_path_buf());
            found.push(Input {
                path: path.to_path_buf(),
                rel,
            });
        } else if has_glob_chars(arg) {
            let base = literal_prefix(arg);
            let options = glob::MatchOptions {
                require_literal_leading_dot: true,
                ..Default::default()
            };
            let entries = glob::glob_with(arg, options).map_err(|e| DiscoverError::BadPattern {
                pattern: arg.clone(),
                message: e.to_string(),
            })?;
            let before = found.len();
            for entry in entries {
                match entry {
                    Ok(p) if p.is_dir() => {}
                    Ok(p) => {
                        let rel = relative_to(&p, &base);
                        found.push(Input { path: p, rel });
                    }
                    Err(e) => notes.push(Note {
                        path: e.path().to_path_buf(),
                        message: format!("cannot read: {}", e.error()),
                    }),
                }
            }
            if found.len() == before && notes.is_empty() {
                return Err(DiscoverError::Missing(arg.clone()));
            }
        } else {
            return Err(DiscoverError::Missing(arg.clone()));
        }
    }
    Ok(dedupe(found, notes))
}

fn walk(root: &Path, found: &mut Vec<Input>, notes: &mut Vec<Note>) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name();
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() && is_audio_name(e.path()) => {
                found.push(Input {
                    path: e.path().to_path_buf(),
                    rel: relative_to(e.path(), root),
                });
            }
            Ok(_) => {}
            Err(e) => {
                let path = e.path().map(Path::to_path_buf).unwrap_or_default();
                let message = if let Some(ancestor) = e.loop_ancestor() {
                    format!(
                        "symlink loop (points back to {}); not followed",
                        ancestor.display()
                    )
                } else if let Some(io) = e.io_error() {
                    format!("cannot read: {io}")
                } else {
                    e.to_string()
                };
                notes.push(Note { path, message });
            }
        }
    }
}

/// Keeps the first occurrence of each real file (by canonical path), and makes output
/// names unique when two inputs would land on the same report.
fn dedupe(found: Vec<Input>, notes: Vec<Note>) -> Discovery {
    let mut seen: HashMap<PathBuf, PathBuf> = HashMap::new();
    let mut taken: HashMap<PathBuf, usize> = HashMap::new();
    let mut out = Discovery {
        notes,
        ..Default::default()
    };
    for mut input in found {
        let canonical = std::fs::canonicalize(&input.path).unwrap_or_else(|_| input.path.clone());
        if let Some(first) = seen.get(&canonical) {
            out.duplicates.push((input.path, first.clone()));
            continue;
        }
        seen.insert(canonical, input.path.clone());
        let n = taken.entry(input.rel.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            // Two different files, same relative name (e.g. from two folders).
            let mut name = input.rel.as_os_str().to_owned();
            name.push(format!("~{n}"));
            input.rel = PathBuf::from(name);
        }
        out.inputs.push(input);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_stop_at_the_first_wildcard() {
        assert_eq!(literal_prefix("cohort-*/**/*.m4a"), PathBuf::from("."));
        assert_eq!(literal_prefix("data/cohort-*/x.m4a"), PathBuf::from("data"));
        assert_eq!(
            relative_to(Path::new("data/a/b.wav"), Path::new("data")),
            PathBuf::from("a/b.wav")
        );
        assert_eq!(
            relative_to(Path::new("/abs/../x.wav"), Path::new("/other")),
            PathBuf::from("abs/x.wav")
        );
    }

    #[test]
    fn folders_globs_duplicates_and_loops() {
        let dir = tempfile::tempdir().expect("tmp");
        let root = dir.path().join("rec");
        std::fs::create_dir_all(root.join("a/deep")).expect("mkdir");
        for f in ["a/one.wav", "a/deep/two.MP3", "a/notes.txt", "three.m4a"] {
            std::fs::write(root.join(f), b"x").expect("write");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(&root, root.join("a/loop")).expect("symlink");
            std::os::unix::fs::symlink(root.join("three.m4a"), root.join("again.m4a"))
                .expect("symlink");
        }
        let d = discover(&[root.display().to_string()]).expect("discover");
        let rels: Vec<_> = d.inputs.iter().map(|i| i.rel.clone()).collect();
        assert_eq!(
            rels,
            vec![
                PathBuf::from("a/deep/two.MP3"),
                PathBuf::from("a/one.wav"),
                PathBuf::from("again.m4a"),
            ],
            "{d:?}"
        );
        #[cfg(unix)]
        {
            assert_eq!(d.duplicates.len(), 1, "three.m4a is again.m4a: {d:?}");
            assert!(
                d.notes.iter().any(|n| n.message.contains("symlink loop")),
                "{:?}",
                d.notes
            );
        }

        let pattern = format!("{}/a/**/*.wav", root.display());
        let d = discover(&[pattern]).expect("glob");
        assert_eq!(d.inputs.len(), 1);
        assert_eq!(d.inputs[0].rel, PathBuf::from("one.wav"));

        let e = discover(&[format!("{}/nothing-*.wav", root.display())]).expect_err("no match");
        assert!(e.to_string().contains("nothing-"), "{e}");
        let e = discover(&["/no/such/folder".to_string()]).expect_err("missing");
        assert!(e.to_string().contains("/no/such/folder"), "{e}");
    }
}
