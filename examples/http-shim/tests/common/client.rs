//! A blocking HTTP client for the server's API that returns every status as data:
//! shared by this crate's tests and the CLI's (which drive `waiaas start`).
#![allow(clippy::unwrap_used, clippy::panic, dead_code, reason = "test helpers")]

use serde_json::Value;

/// The operator's password of every test vault.
pub const PASSWORD: &str = "my-secure-password";

/// Calls one server.
pub struct Client {
    pub url: String,
    http: ureq::Agent,
}

/// A response: status, JSON body (`Null` when empty), headers of interest.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub body: Value,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
}

impl Client {
    /// A client of the server at `url` (`http://127.0.0.1:PORT`).
    pub fn new(url: &str) -> Self {
        Self {
            url: url.to_owned(),
            http: ureq::Agent::config_builder()
                .http_status_as_error(false)
                .build()
                .into(),
        }
    }

    /// `method path` with `headers` and an optional JSON body.
    pub fn call(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: Option<&Value>,
    ) -> Reply {
        let url = format!("{}{path}", self.url);
        let mut builder = ureq::http::Request::builder().method(method).uri(&url);
        for (k, v) in headers {
            builder = builder.header(*k, *v);
        }
        let result = match body {
            Some(b) => {
                let req = builder
                    .header("content-type", "application/json")
                    .body(b.to_string())
                    .unwrap();
                self.http.run(req)
            }
            None => self.http.run(builder.body(()).unwrap()),
        };
        let mut resp = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let content_type = header("content-type");
        let retry_after = header("retry-after");
        let text = resp.body_mut().read_to_string().unwrap();
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)
                .unwrap_or_else(|e| panic!("{method} {path}: not JSON ({e}): {text}"))
        };
        Reply {
            status,
            body,
            content_type,
            retry_after,
        }
    }

    pub fn operator(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.call(method, path, &[("x-master-password", PASSWORD)], body)
    }

    pub fn agent(&self, token: &str, method: &str, path: &str, body: Option<&Value>) -> Reply {
        let auth = format!("Bearer {token}");
        self.call(method, path, &[("authorization", &auth)], body)
    }

    /// Registers an Ed25519 owner (`seed`) for the Solana `wallet`, the USD ladder
    /// 10 / 100 / 1000 and a default session: the owner's key and the agent's token.
    pub fn owner_ladder_session(
        &self,
        wallet: &str,
        seed: [u8; 32],
    ) -> (ed25519_dalek::SigningKey, String) {
        let owner = ed25519_dalek::SigningKey::from_bytes(&seed);
        let address = bs58::encode(owner.verifying_key().as_bytes()).into_string();
        let set = self.operator(
            "PUT",
            &format!("/v1/wallets/{wallet}/owner"),
            Some(&serde_json::json!({"ownerAddress": address})),
        );
        assert_eq!(set.status, 200, "{set:?}");
        let policy = self.operator(
            "POST",
            "/v1/policies",
            Some(&serde_json::json!({
                "walletId": wallet, "type": "SPENDING_LIMIT",
                "rules": {"instant_max_usd": 10, "notify_max_usd": 100, "delay_max_usd": 1000}
            })),
        );
        assert_eq!(policy.status, 201, "{policy:?}");
        let session = self.operator(
            "POST",
            "/v1/sessions",
            Some(&serde_json::json!({"walletId": wallet})),
        );
        let token = session.body["token"].as_str().unwrap().to_owned();
        (owner, token)
    }
}

/// Asserts an error reply: status, code, the body shape of item 3.
pub fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status, status, "{reply:?}");
    assert_eq!(reply.body["code"], code, "{reply:?}");
    assert!(reply.body["message"].is_string(), "{reply:?}");
    assert!(reply.body["retryable"].is_boolean(), "{reply:?}");
    assert!(
        reply
            .content_type
            .as_deref()
            .is_some_and(|c| c.starts_with("application/json")),
        "{reply:?}"
    );
}
