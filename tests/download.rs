//! The model download path, end to end against an HTTP server on loopback.

mod common;

use std::sync::atomic::Ordering;

use common::server::{Mode, serve};

use rehearse::models::download::{DownloadError, DownloadRequest, download, partial_path};
use sha1::Digest;

fn payload() -> (Vec<u8>, String) {
    let body: Vec<u8> = (0..300_000u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let sha = sha1::Sha1::digest(&body)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (body, sha)
}

fn request(url: &str, dir: &std::path::Path, size: u64, sha1: &str) -> DownloadRequest {
    DownloadRequest {
        url: url.to_string(),
        dest: dir.join("ggml-test.bin"),
        expected_size: Some(size),
        sha1: Some(sha1.to_string()),
        sha256: None,
    }
}

#[test]
fn good_download_is_verified_and_installed() {
    let (body, sha) = payload();
    let server = serve(body.clone(), Mode::Good);
    let dir = tempfile::tempdir().expect("tmp");
    let req = request(&server.url, dir.path(), body.len() as u64, &sha);
    let mut last = 0;
    let size = download(&req, &mut |done, _| last = done).expect("download");
    assert_eq!(size, body.len() as u64);
    assert_eq!(last, body.len() as u64, "progress reached the end");
    assert_eq!(std::fs::read(&req.dest).expect("installed"), body);
    assert!(!partial_path(&req.dest).exists());
}

#[test]
fn corrupted_transfer_is_detected_and_never_installed() {
    let (body, sha) = payload();
    let server = serve(body.clone(), Mode::Corrupt);
    let dir = tempfile::tempdir().expect("tmp");
    let req = request(&server.url, dir.path(), body.len() as u64, &sha);
    let err = download(&req, &mut |_, _| {}).expect_err("must fail");
    assert!(matches!(err, DownloadError::Corrupt { .. }), "{err}");
    assert!(err.to_string().contains("SHA-1"), "{err}");
    assert!(!req.dest.exists(), "a corrupt file was installed");
    assert!(!partial_path(&req.dest).exists(), "corrupt partial kept");
}

/// The sentence encoder's files are checked by SHA-256 (Hugging Face publishes those).
#[test]
fn a_sha256_mismatch_is_caught_too() {
    let (body, _) = payload();
    let server = serve(body.clone(), Mode::Corrupt);
    let dir = tempfile::tempdir().expect("tmp");
    let good = rehearse::fsutil::hex(&<sha2::Sha256 as sha2::Digest>::digest(&body));
    let req = DownloadRequest {
        sha1: None,
        sha256: Some(good),
        ..request(&server.url, dir.path(), body.len() as u64, "")
    };
    let err = download(&req, &mut |_, _| {}).expect_err("must fail");
    assert!(err.to_string().contains("SHA-256"), "{err}");
    assert!(!req.dest.exists(), "a corrupt file was installed");
}

#[test]
fn interrupted_transfer_resumes_from_where_it_stopped() {
    let (body, sha) = payload();
    let server = serve(body.clone(), Mode::CutFirst);
    let dir = tempfile::tempdir().expect("tmp");
    let req = request(&server.url, dir.path(), body.len() as u64, &sha);
    let err = download(&req, &mut |_, _| {}).expect_err("first attempt is cut");
    assert!(!req.dest.exists(), "a truncated file was installed: {err}");
    let kept = std::fs::metadata(partial_path(&req.dest))
        .map(|m| m.len())
        .unwrap_or(0);
    assert!(kept > 0, "nothing kept to resume from");
    download(&req, &mut |_, _| {}).expect("resumed download");
    assert_eq!(std::fs::read(&req.dest).expect("installed"), body);
    let ranges = server.ranges.lock().expect("lock").clone();
    assert_eq!(
        ranges,
        vec![format!("bytes={kept}-")],
        "second request resumes at the kept length"
    );
}

#[test]
fn server_without_ranges_restarts_cleanly() {
    let (body, sha) = payload();
    let server = serve(body.clone(), Mode::NoRanges);
    let dir = tempfile::tempdir().expect("tmp");
    let req = request(&server.url, dir.path(), body.len() as u64, &sha);
    // A stale partial from an earlier attempt.
    std::fs::write(partial_path(&req.dest), &body[..1000]).expect("partial");
    download(&req, &mut |_, _| {}).expect("download");
    assert_eq!(std::fs::read(&req.dest).expect("installed"), body);
    assert_eq!(server.requests.load(Ordering::SeqCst), 1);
}

#[test]
fn http_errors_name_the_url_and_status() {
    let server = serve(Vec::new(), Mode::NotFound);
    let dir = tempfile::tempdir().expect("tmp");
    let url = server.url.replace("ggml-test.bin", "missing.bin");
    let req = request(&url, dir.path(), 10, "00");
    let err = download(&req, &mut |_, _| {}).expect_err("404");
    assert!(
        err.to_string().contains("404") && err.to_string().contains("missing.bin"),
        "{err}"
    );
}
