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

impl Discovery {
    /// The inputs a run with `shard` owns; `says` hears the notes on skipped files and
    /// the shard's share. No input at all is an error naming what was searched.
    pub fn owned(
        self,
        searched: &[String],
        shard: Option<super::Shard>,
        says: &mut dyn FnMut(String),
    ) -> Result<Vec<Input>, DiscoverError> {
        for note in &self.notes {
            says(format!("note: {}: {}", note.path.display(), note.message));
        }
        for (dup, first) in &self.duplicates {
            log::info!(
                "{} is the same file as {}: scored once",
                dup.display(),
                first.display()
            );
        }
        if self.inputs.is_empty() {
            return Err(DiscoverError::Empty {
                searched: searched.join(", "),
                extensions: crate::audio::AUDIO_EXTENSIONS.join(", "),
            });
        }
        let total = self.inputs.len();
        let mut inputs = self.inputs;
        if let Some(shard) = shard {
            inputs.retain(|i| shard.owns(&i.rel));
            says(format!("shard {shard}: {} of {total} files", inputs.len()));
        }
        Ok(inputs)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DiscoverError {
    #[error("{0}: no such file or folder, and not a pattern that matches anything")]
    Missing(String),
    #[error("no audio files found in {searched} (looked for {extensions})")]
    Empty {
        searched: String,
        extensions: String,
    },
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

/// Splits a pattern at its first wildcard component: `data/cohort-*/**/*.m4a` →
/// (`data`, `cohort-*/**/*.m4a`); `cohort-*/x.m4a` → (`.`, `cohort-*/x.m4a`). The
/// folder is walked and the rest is matched against paths relative to it.
fn split_pattern(pattern: &str) -> (PathBuf, String) {
    let mut base = PathBuf::new();
    let mut rest: Vec<String> = Vec::new();
    for comp in Path::new(pattern).components() {
        let s = comp.as_os_str().to_string_lossy();
        if rest.is_empty() && !has_glob_chars(&s) {
            base.push(comp.as_os_str());
        } else if !matches!(comp, Component::CurDir) {
            rest.push(s.into_owned());
        }
    }
    if base.as_os_str().is_empty() {
        base = PathBuf::from(".");
    }
    (base, rest.join("/"))
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
            walk(path, &mut found, &mut notes, &|rel| is_audio_name(rel));
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
            let (base, rest) = split_pattern(arg);
            let matcher = globset::GlobBuilder::new(&rest)
                .literal_separator(true)
                .build()
                .map_err(|e| DiscoverError::BadPattern {
                    pattern: arg.clone(),
                    message: e.kind().to_string(),
                })?
                .compile_matcher();
            let before = found.len();
            if base.is_dir() {
                walk(&base, &mut found, &mut notes, &|rel| matcher.is_match(rel));
            }
            if found.len() == before {
                return Err(DiscoverError::Missing(arg.clone()));
            }
        } else {
            return Err(DiscoverError::Missing(arg.clone()));
        }
    }
    Ok(dedupe(found, notes))
}

/// Walks `root` (following symlinks, stopping at loops) and keeps the files whose
/// path relative to `root` passes `keep`.
fn walk(root: &Path, found: &mut Vec<Input>, notes: &mut Vec<Note>, keep: &dyn Fn(&Path) -> bool) {
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .sort_by_file_name();
    for entry in walker {
        match entry {
            Ok(e) if e.file_type().is_file() => {
                let rel = relative_to(e.path(), root);
                if keep(&rel) {
                    found.push(Input {
                        path: e.path().to_path_buf(),
                        rel,
                    });
                }
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

/// Keeps one input per real file (by canonical path): the one with the shortest
/// relative path (then the one that is not a symlink), so a file reached again
/// through a symlinked folder keeps its plain name. Makes output names unique when two files would land on the same report.
fn dedupe(found: Vec<Input>, notes: Vec<Note>) -> Discovery {
    let canonical: Vec<PathBuf> = found
        .iter()
        .map(|i| std::fs::canonicalize(&i.path).unwrap_or_else(|_| i.path.clone()))
        .collect();
    let mut best: HashMap<&PathBuf, usize> = HashMap::new();
    // Fewer folders first, then a real file over a symlink to it.
    let rank = |k: usize| {
        let link = std::fs::symlink_metadata(&found[k].path).is_ok_and(|m| m.is_symlink());
        (found[k].rel.components().count(), link)
    };
    for (i, c) in canonical.iter().enumerate() {
        best.entry(c)
            .and_modify(|b| {
                if rank(i) < rank(*b) {
                    *b = i;
                }
            })
            .or_insert(i);
    }
    let mut taken: HashMap<PathBuf, usize> = HashMap::new();
    let mut out = Discovery {
        notes,
        ..Default::default()
    };
    for (i, mut input) in found.clone().into_iter().enumerate() {
        let keep = best[&canonical[i]];
        if keep != i {
            out.duplicates.push((input.path, found[keep].path.clone()));
            continue;
        }
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
    fn patterns_split_at_the_first_wildcard() {
        assert_eq!(
            split_pattern("cohort-*/**/*.m4a"),
            (PathBuf::from("."), "cohort-*/**/*.m4a".to_string())
        );
        assert_eq!(
            split_pattern("/data/cohort-*/x.m4a"),
            (PathBuf::from("/data"), "cohort-*/x.m4a".to_string())
        );
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
                PathBuf::from("three.m4a"),
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
        assert_eq!(d.inputs.len(), 1, "{d:?}");
        assert_eq!(d.inputs[0].rel, PathBuf::from("one.wav"));
        // `*` stays within one folder; `**` crosses them.
        let d = discover(&[format!("{}/*/*.MP3", root.display())]).unwrap_or_default();
        assert_eq!(d.inputs.len(), 0, "{d:?}");
        let d = discover(&[format!("{}/**/*.MP3", root.display())]).expect("glob");
        assert_eq!(d.inputs.len(), 1, "{d:?}");

        let e = discover(&[format!("{}/nothing-*.wav", root.display())]).expect_err("no match");
        assert!(e.to_string().contains("nothing-"), "{e}");
        let e = discover(&["/no/such/folder".to_string()]).expect_err("missing");
        assert!(e.to_string().contains("/no/such/folder"), "{e}");
    }
}
