//! The owner's approval page over a real server: the link's landing redeems nothing,
//! the form post redeems it once and shows the decoded transaction, the paste path
//! approves with the owner's signature (no JavaScript involved), and every refusal is a
//! page with the library's code. The in-browser wallet signing is not exercised here
//! (no browser on these machines; see `docs/notifications.md`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a panic is a test failure"
)]

mod common;

use base64::Engine as _;
use common::{PASSWORD, config, start};
use ed25519_dalek::{Signer as _, SigningKey};
use serde_json::json;
use waiaas::{Config, Host, SecretString, TxId, Waiaas};

const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::STANDARD;

struct Page {
    status: u16,
    headers: Vec<(String, String)>,
    html: String,
}

impl Page {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn form_encode(fields: &[(&str, &str)]) -> String {
    fields
        .iter()
        .map(|(k, v)| {
            let value: String = v
                .bytes()
                .map(|b| match b {
                    b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                        (b as char).to_string()
                    }
                    _ => format!("%{b:02X}"),
                })
                .collect();
            format!("{k}={value}")
        })
        .collect::<Vec<_>>()
        .join("&")
}

fn fetch(url: &str, form: Option<&[(&str, &str)]>) -> Page {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let mut response = match form {
        Some(fields) => agent
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .send(form_encode(fields).as_bytes())
            .unwrap(),
        None => agent.get(url).call().unwrap(),
    };
    let headers = response
        .headers()
        .iter()
        .map(|(n, v)| (n.to_string(), v.to_str().unwrap_or_default().to_owned()))
        .collect();
    Page {
        status: response.status().as_u16(),
        headers,
        html: response.body_mut().read_to_string().unwrap(),
    }
}

#[test]
fn the_owner_reviews_through_a_single_use_link_and_approves_by_pasting_a_signature() {
    let server = start(config(
        &[],
        json!([{"asset": "native:solana", "usd": "150"}]),
    ));
    let wallet = server.operator(
        "POST",
        "/v1/wallets",
        Some(&json!({"name": "w", "chain": "solana"})),
    );
    let wallet_id = wallet.body["id"].as_str().unwrap().to_owned();
    let (owner, token) = server.owner_ladder_session(&wallet_id, [5u8; 32]);
    let owner_address = bs58::encode(owner.verifying_key().as_bytes()).into_string();
    let to = bs58::encode([9u8; 32]).into_string();
    let send = json!({
        "type": "TRANSFER", "to": to, "humanAmount": "10",
        "chain": {"recentBlockhash": bs58::encode([7u8; 32]).into_string()}
    });
    let pending = server.agent(&token, "POST", "/v1/transactions/send", Some(&send));
    assert_eq!(pending.body["status"], "PENDING_APPROVAL", "{pending:?}");
    let tx_id = pending.body["id"].as_str().unwrap().to_owned();

    // The operator's handle on the same vault, as the CLI in another process.
    let admin = Waiaas::open(
        server.dir.path().join("vault"),
        Some(SecretString::from(PASSWORD.to_owned())),
        &Config::for_tests(),
        Host::default(),
    )
    .unwrap();
    admin.set_approval_page_url(Some(&server.url)).unwrap();
    let id = TxId::parse(&tx_id).unwrap();
    let link = admin.approval_link(id).unwrap();
    let link_token = link.rsplit("?t=").next().unwrap().to_owned();

    // The landing shows nothing of the transaction and spends nothing (a preview fetch).
    for _ in 0..2 {
        let landing = fetch(&link, None);
        assert_eq!(landing.status, 200);
        assert!(!landing.html.contains("10 SOL"), "{}", landing.html);
        assert!(landing.html.contains(&format!("value=\"{link_token}\"")));
    }
    let landing = fetch(&link, None);
    let csp = landing.header("content-security-policy").unwrap();
    assert!(
        csp.starts_with("default-src 'none'; script-src 'sha256-"),
        "{csp}"
    );
    assert!(csp.contains("form-action 'self'"));
    assert_eq!(landing.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(landing.header("cache-control"), Some("no-store"));
    assert!(
        landing
            .header("content-type")
            .unwrap()
            .starts_with("text/html")
    );

    // Posting the token redeems it: the decoded transaction and the texts to sign.
    let page_url = format!("{}/approve/{tx_id}", server.url);
    let review = fetch(&page_url, Some(&[("t", &link_token)]));
    assert_eq!(review.status, 200, "{}", review.html);
    assert!(
        review.html.contains(&format!(
            "send 10 SOL (10000000000 base units; 1500 USD at admission) to {to}"
        )),
        "{}",
        review.html
    );
    assert!(review.html.contains("solana-devnet"));
    assert!(review.html.contains("data-chain=\"solana\""));
    assert!(
        review
            .html
            .contains(&format!("data-owner=\"{owner_address}\""))
    );
    let request = server.operator(
        "GET",
        &format!("/v1/transactions/{tx_id}/approval-request"),
        None,
    );
    let approve_text = request.body["approveMessage"].as_str().unwrap().to_owned();
    assert!(
        review.html.contains(&format!("<pre>{approve_text}</pre>")),
        "the exact text"
    );

    // The link opens once, and only its own transaction.
    let again = fetch(&page_url, Some(&[("t", &link_token)]));
    assert_eq!(again.status, 401);
    assert!(again.html.contains("APPROVAL_LINK_USED"), "{}", again.html);
    let second = admin.approval_link(id).unwrap();
    let second_token = second.rsplit("?t=").next().unwrap();
    let other = fetch(
        &format!("{}/approve/{}", server.url, TxId::new()),
        Some(&[("t", second_token)]),
    );
    assert_eq!(other.status, 401);
    assert!(
        other.html.contains("APPROVAL_LINK_INVALID"),
        "{}",
        other.html
    );
    assert_eq!(fetch(&format!("{page_url}?t="), None).status, 400);

    // A signature by another key is refused and the transaction stays pending.
    let decision = format!("{page_url}/decision");
    let stranger = SigningKey::from_bytes(&[6u8; 32]);
    let forged = B64.encode(stranger.sign(approve_text.as_bytes()).to_bytes());
    let refused = fetch(
        &decision,
        Some(&[("action", "approve"), ("signature", &forged)]),
    );
    assert_eq!(refused.status, 401, "{}", refused.html);
    assert!(refused.html.contains("INVALID_SIGNATURE"));
    assert_eq!(
        server
            .operator("GET", &format!("/v1/transactions/{tx_id}"), None)
            .body["status"],
        "PENDING_APPROVAL"
    );
    // The owner's signature over the exact text, pasted: approved and signed.
    let signature = B64.encode(owner.sign(approve_text.as_bytes()).to_bytes());
    let done = fetch(
        &decision,
        Some(&[("action", "approve"), ("signature", &signature)]),
    );
    assert_eq!(done.status, 200, "{}", done.html);
    assert!(done.html.contains("Approved"));
    assert!(done.html.contains("SIGNED"), "{}", done.html);
    let replay = fetch(
        &decision,
        Some(&[("action", "approve"), ("signature", &signature)]),
    );
    assert_eq!(replay.status, 409);
    assert!(replay.html.contains("TX_ALREADY_PROCESSED"));
    let odd = fetch(
        &decision,
        Some(&[("action", "maybe"), ("signature", &signature)]),
    );
    assert_eq!(odd.status, 400);
}
