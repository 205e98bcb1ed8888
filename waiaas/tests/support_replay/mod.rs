//! A local HTTP server on 127.0.0.1 for tests: replays canned replies by path prefix
//! and records each request's head.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    dead_code,
    reason = "test code: a panic is a test failure; each test binary uses a subset"
)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A one-thread HTTP/1.1 server: answers each request with the reply of the first route
/// whose prefix starts the path (404 without one), then closes the connection.
pub struct Replay {
    port: u16,
    routes: Arc<Mutex<Vec<(String, u16, String)>>>,
    requests: Arc<Mutex<Vec<String>>>,
}

impl Replay {
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let routes: Arc<Mutex<Vec<(String, u16, String)>>> = Arc::default();
        let requests: Arc<Mutex<Vec<String>>> = Arc::default();
        let (r, q) = (routes.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                answer(stream, &r, &q);
            }
        });
        Self {
            port,
            routes,
            requests,
        }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn route(&self, prefix: &str, status: u16, body: String) {
        let mut routes = self.routes.lock().unwrap();
        routes.retain(|(p, _, _)| p != prefix);
        routes.push((prefix.to_owned(), status, body));
    }

    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

fn answer(
    mut stream: TcpStream,
    routes: &Mutex<Vec<(String, u16, String)>>,
    requests: &Mutex<Vec<String>>,
) {
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") && head.len() < 65_536 {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let split = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(head.len(), |p| p + 4);
    let mut rest = head.split_off(split);
    let head = String::from_utf8_lossy(&head).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())
                .flatten()
        })
        .unwrap_or(0);
    while rest.len() < length {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => rest.extend_from_slice(&buf[..n]),
        }
    }
    let path = head.split_whitespace().nth(1).unwrap_or("").to_owned();
    requests.lock().unwrap().push(head);
    let (status, body) = routes
        .lock()
        .unwrap()
        .iter()
        .find(|(p, _, _)| path.starts_with(p.as_str()))
        .map_or((404, String::new()), |(_, s, b)| (*s, b.clone()));
    let reply = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(reply.as_bytes());
}
