//! HTML pages, each one self-contained file (inline CSS, SVG and script; nothing
//! fetched) so it opens from a USB stick or an e-mail: an answer's report
//! ([`answer`]), a batch's index ([`cohort`]), and progress over takes with the
//! comparison of two ([`progress`]). They share one shell: the Content-Security-Policy,
//! the style sheet and the phase colours.

mod answer;
mod cohort;
mod progress;

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub use answer::Html;
pub use cohort::index_page;
pub use progress::{compare_page, progress_page};

use crate::analysis::Phase;
use crate::audio::AudioError;

/// The recording a page plays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recording {
    /// A written draft, or a transcript whose audio is unknown.
    Absent,
    /// A URL to the file: relative to the page where the page's place is known, so a
    /// folder copied elsewhere keeps working; else an absolute `file:` URL.
    Linked(String),
    /// The recording itself as a `data:` URL (see [`embed_recording`]).
    Embedded(String),
}

impl Recording {
    /// How a page written to `page` (`None`: standard output) plays `audio`: linked
    /// by default, embedded on request.
    pub fn for_page(
        audio: Option<&Path>,
        page: Option<&Path>,
        embed: bool,
    ) -> Result<Recording, AudioError> {
        let Some(audio) = audio else {
            return Ok(Recording::Absent);
        };
        if embed {
            return Ok(Recording::Embedded(embed_recording(audio)?));
        }
        Ok(Recording::Linked(link(audio, page)))
    }
}

/// A URL for `target` as seen from a page at `page`: percent-encoded, relative when
/// both paths resolve, else absolute.
pub fn link(target: &Path, page: Option<&Path>) -> String {
    let target_abs = absolute(target);
    let relative = page
        .map(absolute)
        .and_then(|p| p.parent().map(Path::to_path_buf))
        .and_then(|dir| pathdiff::diff_paths(&target_abs, dir));
    match relative {
        Some(rel) => encode_path(&rel),
        None => format!("file://{}", encode_path(&target_abs)),
    }
}

/// `p` made absolute (symbolic links resolved when the file exists).
fn absolute(p: &Path) -> PathBuf {
    std::fs::canonicalize(p)
        .or_else(|_| std::path::absolute(p))
        .unwrap_or_else(|_| p.to_path_buf())
}

/// A path as a URL path: each component percent-encoded, `/` between them.
pub(crate) fn encode_path(p: &Path) -> String {
    use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
    // Everything a URL path would read as syntax, or that breaks an HTML attribute.
    const SEGMENT: &AsciiSet = &CONTROLS
        .add(b' ')
        .add(b'"')
        .add(b'#')
        .add(b'%')
        .add(b'<')
        .add(b'>')
        .add(b'?')
        .add(b'`')
        .add(b'{')
        .add(b'}')
        .add(b'\'')
        .add(b'&');
    let text = p.to_string_lossy();
    text.split('/')
        .map(|seg| utf8_percent_encode(seg, SEGMENT).to_string())
        .collect::<Vec<_>>()
        .join("/")
}

/// The recording as a `data:` URL for the page: 16 kHz mono, 8-bit WAV (a 3-minute
/// answer is about 3.8 MB in the page; 16-bit would be 7.7 MB, over the budget for a
/// page that is mailed around). Speech stays intelligible at 8 bits.
pub fn embed_recording(path: &Path) -> Result<String, AudioError> {
    use base64::Engine as _;
    let audio = crate::audio::decode_file_16k(path, &mut |_, _| {})?;
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: crate::audio::TARGET_RATE,
        bits_per_sample: 8,
        sample_format: hound::SampleFormat::Int,
    };
    let mut bytes = std::io::Cursor::new(Vec::new());
    // Writing to memory cannot fail for want of space; a failure here is a bug in hound.
    if let Ok(mut w) = hound::WavWriter::new(&mut bytes, spec) {
        for s in &audio.samples {
            let _ = w.write_sample((s.clamp(-1.0, 1.0) * 127.0).round() as i8);
        }
        let _ = w.finalize();
    }
    Ok(format!(
        "data:audio/wav;base64,{}",
        base64::engine::general_purpose::STANDARD.encode(bytes.into_inner())
    ))
}

/// Colours that stay apart for the common colour blindnesses (Okabe and Ito's
/// palette); wherever a colour is used, the phase's letter or name is written too.
pub(crate) fn colour(p: Phase) -> &'static str {
    match p {
        Phase::Situation => "#56B4E9",
        Phase::Task => "#009E73",
        Phase::Failure => "#D55E00",
        Phase::Response => "#E69F00",
        Phase::Learning => "#0072B2",
    }
}

/// Text for HTML (element content and quoted attribute values alike).
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Shared by every page: readable type, the phase legend, focus outlines (the pages
/// work from the keyboard), and print rules.
const STYLE: &str = "body{font:16px/1.5 system-ui,sans-serif;max-width:960px;margin:1em auto;padding:0 1em;color:#222}\
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.5em}\
svg{width:100%;height:auto}svg text{font:12px sans-serif}\
.legend span{display:inline-block;margin-right:1em}.sw{display:inline-block;width:1em;height:1em;vertical-align:middle;margin-right:.3em;border:1px solid #0003}\
:focus-visible{outline:3px solid #0072B2;outline-offset:1px}\
table{border-collapse:collapse;font-variant-numeric:tabular-nums}th,td{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:right}\
th:first-child,td:first-child{text-align:left}th button{font:inherit;font-weight:bold;background:none;border:0;cursor:pointer;padding:0}\
.t{color:#666;font-variant-numeric:tabular-nums}.bad{color:#b00}.ok{color:#070}\
@media print{audio,.noprint{display:none}body{max-width:none}a{color:#000;text-decoration:none}}";

/// A whole page: `body` and `script` are the page's own; `media` says whether the
/// page may play a linked or embedded recording.
pub(crate) fn shell(title: &str, style: &str, body: &str, script: &str) -> String {
    let mut h = String::with_capacity(body.len() + STYLE.len() + style.len() + 1024);
    // The icon link stops browsers asking for /favicon.ico: a page makes no request
    // of its own beyond its recording.
    let _ = write!(
        h,
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width,initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; media-src 'self' file: data:\">\
         <link rel=\"icon\" href=\"data:,\">\
         <title>{}</title><style>{STYLE}{style}</style></head><body>{body}",
        escape(title)
    );
    if !script.is_empty() {
        let _ = write!(h, "<script>{script}</script>");
    }
    h.push_str("</body></html>\n");
    h
}

/// The legend of phase colours, with letters, so colour is never the only cue.
pub(crate) fn legend(extra: &str) -> String {
    let mut h = String::from("<p class=\"legend\">");
    for p in Phase::ALL {
        let _ = write!(
            h,
            "<span><span class=\"sw\" style=\"background:{}\"></span>{} {}</span>",
            colour(p),
            crate::report::phase_letter(p),
            p.name()
        );
    }
    h.push_str(extra);
    h.push_str("</p>");
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_recording_is_linked_relative_to_its_page_and_percent_encoded() {
        let dir = tempfile::tempdir().expect("tmp");
        let take = dir.path().join("take #1");
        std::fs::create_dir(&take).expect("dir");
        let audio = take.join("my answer.wav");
        std::fs::write(&audio, b"RIFF").expect("audio");
        assert_eq!(
            link(&audio, Some(&take.join("report.html"))),
            "my%20answer.wav"
        );
        assert_eq!(
            link(&audio, Some(&dir.path().join("out/a/b.html"))),
            "../../take%20%231/my%20answer.wav"
        );
        let absolute = link(&audio, None);
        assert!(absolute.starts_with("file:///"), "{absolute}");
        assert!(
            absolute.ends_with("/take%20%231/my%20answer.wav"),
            "{absolute}"
        );
    }

    #[test]
    fn a_page_fetches_nothing_and_escapes_its_title() {
        let page = shell("a <b> & c", "", "<p>x</p>", "");
        assert!(page.contains("<title>a &lt;b&gt; &amp; c</title>"));
        assert!(page.contains("default-src 'none'"));
        assert!(!page.contains("http://") && !page.contains("https://"));
    }
}
