//! The one loopback HTTP server of the tests: a minimal HTTP/1.1 file server, one
//! connection per request, written by hand so a test can misbehave exactly as it
//! wants (a cut transfer, a flipped byte, no ranges, a 404).

#![allow(dead_code)]

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::thread;

/// How the test server misbehaves.
#[derive(Clone, Copy, PartialEq)]
pub enum Mode {
    Good,
    /// Flips one byte in the middle of the body.
    Corrupt,
    /// Sends a body shorter than its Content-Length on the first request.
    CutFirst,
    /// Ignores Range headers (always 200 with the whole file).
    NoRanges,
    /// Answers every request with 404.
    NotFound,
}

pub struct Server {
    pub url: String,
    pub requests: Arc<AtomicUsize>,
    pub ranges: Arc<std::sync::Mutex<Vec<String>>>,
}

/// A minimal HTTP/1.1 file server on loopback, one connection per request, written
/// by hand so a test can cut a transfer short exactly where it wants.
pub fn serve(body: Vec<u8>, mode: Mode) -> Server {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
    let port = listener.local_addr().expect("addr").port();
    let requests = Arc::new(AtomicUsize::new(0));
    let ranges = Arc::new(std::sync::Mutex::new(Vec::new()));
    let (req_count, seen) = (requests.clone(), ranges.clone());
    thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let n = req_count.fetch_add(1, Ordering::SeqCst);
            let mut reader = BufReader::new(stream.try_clone().expect("clone"));
            let mut range = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("range:") {
                    range = Some(v.trim().to_string());
                }
            }
            if let Some(r) = &range {
                seen.lock().expect("lock").push(r.clone());
            }
            if mode == Mode::NotFound {
                let _ = stream.write_all(
                    b"HTTP/1.1 404 Not Found\r\nContent-Length: 4\r\nConnection: close\r\n\r\nnope",
                );
                continue;
            }
            let start = match (&range, mode) {
                (Some(r), m) if m != Mode::NoRanges => r
                    .trim_start_matches("bytes=")
                    .trim_end_matches('-')
                    .parse::<usize>()
                    .unwrap_or(0),
                _ => 0,
            };
            let mut data = body[start.min(body.len())..].to_vec();
            if mode == Mode::Corrupt {
                let mid = data.len() / 2;
                data[mid] ^= 0xff;
            }
            let status = if start > 0 {
                "206 Partial Content"
            } else {
                "200 OK"
            };
            let head = format!(
                "HTTP/1.1 {status}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                data.len()
            );
            let _ = stream.write_all(head.as_bytes());
            // CutFirst: promise everything, deliver a third, then close the connection.
            let send = if mode == Mode::CutFirst && n == 0 {
                &data[..data.len() / 3]
            } else {
                &data[..]
            };
            let _ = stream.write_all(send);
            let _ = stream.flush();
            let _ = stream.shutdown(std::net::Shutdown::Both);
        }
    });
    Server {
        url: format!("http://127.0.0.1:{port}/ggml-test.bin"),
        requests,
        ranges,
    }
}
