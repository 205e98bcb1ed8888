//! Local HTTP servers on 127.0.0.1 for tests: [`Replay`] answers recorded response
//! bodies by path prefix and records each request (the price feeds, webhooks, the chat
//! services);
//! [`JsonRpcServer`] answers JSON-RPC through a closure (the chain client).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A one-thread HTTP/1.1 server: answers each request with the reply of the first route
/// whose prefix starts the path (404 without one), then closes the connection.
#[derive(Debug)]
pub struct Replay {
    port: u16,
    routes: Arc<Mutex<Vec<(String, u16, String)>>>,
    once: Arc<Mutex<Vec<(String, u16, String)>>>,
    requests: Arc<Mutex<Vec<String>>>,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Replay {
    /// Starts the server on a free port (it lives as long as the test process).
    ///
    /// # Panics
    /// When no local port can be bound.
    #[must_use]
    pub fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let server = Self {
            port,
            routes: Arc::default(),
            once: Arc::default(),
            requests: Arc::default(),
            bodies: Arc::default(),
        };
        let shared = Self {
            port,
            routes: server.routes.clone(),
            once: server.once.clone(),
            requests: server.requests.clone(),
            bodies: server.bodies.clone(),
        };
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                shared.answer(stream);
            }
        });
        server
    }

    /// `http://127.0.0.1:<port>`.
    #[must_use]
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// Answers paths starting with `prefix` with `status` and `body` (replacing an
    /// earlier route of the same prefix).
    ///
    /// # Panics
    /// When a lock is poisoned.
    pub fn route(&self, prefix: &str, status: u16, body: String) {
        let mut routes = self.routes.lock().unwrap();
        routes.retain(|(p, _, _)| p != prefix);
        routes.push((prefix.to_owned(), status, body));
    }

    /// Answers the next request whose path starts with `prefix` with `status` and
    /// `body`, once, before the routes (queue several for a sequence).
    ///
    /// # Panics
    /// When a lock is poisoned.
    pub fn route_once(&self, prefix: &str, status: u16, body: String) {
        self.once
            .lock()
            .unwrap()
            .push((prefix.to_owned(), status, body));
    }

    /// The bodies of the requests received so far, oldest first (lossy UTF-8).
    ///
    /// # Panics
    /// When a lock is poisoned.
    #[must_use]
    pub fn bodies(&self) -> Vec<String> {
        self.bodies.lock().unwrap().clone()
    }

    /// The heads of the requests received so far, oldest first.
    ///
    /// # Panics
    /// When a lock is poisoned.
    #[must_use]
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }
}

impl Replay {
    fn answer(&self, mut stream: TcpStream) {
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
        self.requests.lock().unwrap().push(head);
        self.bodies
            .lock()
            .unwrap()
            .push(String::from_utf8_lossy(&rest).into_owned());
        let once = {
            let mut once = self.once.lock().unwrap();
            once.iter()
                .position(|(p, _, _)| path.starts_with(p.as_str()))
                .map(|i| once.remove(i))
        };
        let (status, body) = once
            .map(|(_, s, b)| (s, b))
            .or_else(|| {
                self.routes
                    .lock()
                    .unwrap()
                    .iter()
                    .find(|(p, _, _)| path.starts_with(p.as_str()))
                    .map(|(_, s, b)| (*s, b.clone()))
            })
            .unwrap_or((404, String::new()));
        let reply = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
            body.len()
        );
        let _ = stream.write_all(reply.as_bytes());
    }
}

/// A minimal HTTP/1.1 JSON-RPC server on 127.0.0.1 for tests: each request body is
/// parsed as JSON-RPC and answered by `handler` (`Ok(result)` or `Err(error object)`,
/// or `Err(Value::Null)` to answer HTTP 503). One connection per request.
#[derive(Debug)]
pub struct JsonRpcServer {
    /// `http://127.0.0.1:<port>`.
    pub url: String,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
    addr: std::net::SocketAddr,
}

impl JsonRpcServer {
    /// Starts the server; `handler` gets each method and its params.
    ///
    /// # Panics
    /// When no local port can be bound.
    #[must_use]
    pub fn start<F>(handler: F) -> Self
    where
        F: Fn(&str, &serde_json::Value) -> Result<serde_json::Value, serde_json::Value>
            + Send
            + 'static,
    {
        use std::io::{BufRead, BufReader, Read, Write};
        use std::sync::atomic::Ordering;
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let stop2 = stop.clone();
        let thread = std::thread::spawn(move || {
            for stream in listener.incoming() {
                if stop2.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut length = 0usize;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        break;
                    }
                    let line = line.trim_end();
                    if line.is_empty() {
                        break;
                    }
                    if let Some((k, v)) = line.split_once(':')
                        && k.eq_ignore_ascii_case("content-length")
                    {
                        length = v.trim().parse().unwrap();
                    }
                }
                let mut body = vec![0u8; length];
                if reader.read_exact(&mut body).is_err() {
                    continue;
                }
                let request: serde_json::Value = serde_json::from_slice(&body).unwrap();
                let method = request["method"].as_str().unwrap_or_default().to_owned();
                let (status, reply) = match handler(&method, &request["params"]) {
                    Ok(result) => (
                        "200 OK",
                        serde_json::json!({"jsonrpc": "2.0", "id": request["id"], "result": result}),
                    ),
                    Err(serde_json::Value::Null) => {
                        ("503 Service Unavailable", serde_json::json!({}))
                    }
                    Err(error) => (
                        "200 OK",
                        serde_json::json!({"jsonrpc": "2.0", "id": request["id"], "error": error}),
                    ),
                };
                let text = reply.to_string();
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{text}",
                    text.len()
                );
            }
        });
        Self {
            url: format!("http://{addr}"),
            stop,
            thread: Some(thread),
            addr,
        }
    }
}

impl Drop for JsonRpcServer {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop.
        let _ = std::net::TcpStream::connect(self.addr);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}
