//! What a file holds, and reading the non-audio kinds.

use std::io::Read;
use std::path::Path;

use super::CoachError;
use crate::analysis::InputKind;
use crate::transcript::{TRANSCRIPT_SCHEMA, Transcript};

/// What a file holds, from its extension, or its first bytes when that says nothing.
pub fn kind_of(path: &Path) -> Result<InputKind, CoachError> {
    let name = path.display();
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "txt" | "md" | "text" => return Ok(InputKind::Text),
        "json" => return Ok(InputKind::Transcript),
        e if crate::audio::AUDIO_EXTENSIONS.contains(&e) => return Ok(InputKind::Audio),
        _ => {}
    }
    // No telling extension: a transcript starts with `{`, a draft is UTF-8 text, and
    // anything else goes to the audio decoders, which say precisely what is wrong.
    let mut head = [0u8; 4096];
    let n = std::fs::File::open(path)
        .and_then(|mut f| f.read(&mut head))
        .map_err(|source| CoachError::Open {
            name: name.to_string(),
            source,
        })?;
    let head = &head[..n];
    let text = match std::str::from_utf8(head) {
        Ok(_) => true,
        // A multi-byte character cut by the 4 KB window is still text.
        Err(e) => e.error_len().is_none() && e.valid_up_to() + 4 > n,
    };
    Ok(match head.iter().find(|b| !b.is_ascii_whitespace()) {
        Some(b'{') => InputKind::Transcript,
        _ if text => InputKind::Text,
        _ => InputKind::Audio,
    })
}

/// A written draft: the whole file as UTF-8 (`name` is how errors call it).
pub fn read_text(path: &Path, name: &str) -> Result<String, CoachError> {
    let bytes = std::fs::read(path).map_err(|source| CoachError::Read {
        name: name.to_string(),
        source,
    })?;
    String::from_utf8(bytes).map_err(|_| CoachError::NotUtf8 {
        name: name.to_string(),
    })
}

/// A transcript saved by `rehearse transcribe --json`.
pub fn read_transcript(path: &Path, name: &str) -> Result<Transcript, CoachError> {
    let text = std::fs::read_to_string(path).map_err(|source| CoachError::Read {
        name: name.to_string(),
        source,
    })?;
    let value: serde_json::Value =
        serde_json::from_str(&text).map_err(|e| CoachError::NotJson {
            name: name.to_string(),
            what: e.to_string(),
        })?;
    if value.get("schema").and_then(|s| s.as_str()) != Some(TRANSCRIPT_SCHEMA) {
        return Err(CoachError::NotTranscript {
            name: name.to_string(),
        });
    }
    serde_json::from_value(value).map_err(|e| CoachError::MalformedTranscript {
        name: name.to_string(),
        what: e.to_string(),
    })
}

/// An input named on the command line; `-` is standard input, copied to a temporary
/// file (removed when this is dropped) so every reader, any audio format included,
/// works on it.
pub struct InputFile {
    pub path: std::path::PathBuf,
    _stdin_copy: Option<tempfile::TempPath>,
}

impl InputFile {
    pub fn open(arg: &Path) -> Result<InputFile, CoachError> {
        if arg != Path::new("-") {
            return Ok(InputFile {
                path: arg.to_path_buf(),
                _stdin_copy: None,
            });
        }
        let read = |source| CoachError::Read {
            name: "standard input".into(),
            source,
        };
        let mut tmp = tempfile::Builder::new()
            .prefix("rehearse-stdin.")
            .tempfile()
            .map_err(read)?;
        std::io::copy(&mut std::io::stdin().lock(), &mut tmp).map_err(read)?;
        let path = tmp.into_temp_path();
        Ok(InputFile {
            path: path.to_path_buf(),
            _stdin_copy: Some(path),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_without_a_telling_extension_is_sniffed() {
        let dir = tempfile::tempdir().expect("tmp");
        let cases: [(&str, &[u8], InputKind); 3] = [
            ("a", b"  {\"schema\": 1}", InputKind::Transcript),
            ("b", "I failed to ship — badly.".as_bytes(), InputKind::Text),
            (
                "c",
                &[0x52, 0x49, 0x46, 0x46, 0xff, 0xfe, 0x00],
                InputKind::Audio,
            ),
        ];
        for (name, bytes, kind) in cases {
            let p = dir.path().join(name);
            std::fs::write(&p, bytes).expect("write");
            assert_eq!(kind_of(&p).expect("kind"), kind, "{name}");
        }
        assert_eq!(kind_of(Path::new("x.MP3")).expect("kind"), InputKind::Audio);
    }
}
