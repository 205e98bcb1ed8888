//! Secrets in memory: once the handles are dropped, the data key (DEK), the wallets'
//! secret keys and the session signing secrets are nowhere in this process's writable
//! memory (heap, stacks, anonymous mappings), read through `/proc/self/mem`.
//!
//! The secrets are found without waiaas, in a child process (so the scanned process
//! never holds one itself): the DEK is unwrapped from the stored header with the
//! password (Argon2id, XChaCha20-Poly1305, as `docs/vault-format.md` says), and the
//! wallet secrets and session secrets are opened with it. The child hands them over
//! masked. One scanning test in this file: the process holds no other test's secrets.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    clippy::arithmetic_side_effects,
    reason = "test code: a panic is a test failure"
)]

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::FileExt as _;
use std::path::Path;
use std::sync::Arc;

use argon2::{Algorithm, Argon2, Params, Version};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use chacha20poly1305::aead::{Aead as _, KeyInit as _, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use serde_json::{Value, json};
use waiaas::{
    ChainParams, Config, CreateSession, Host, Network, NewPolicy, PolicyType, SecretString,
    SendRequest, StaticPriceOracle, Usd, Waiaas, native_asset_id,
};
use zeroize::{Zeroize as _, Zeroizing};

const PASSWORD: &str = "secrets in memory password";
const MASK: u8 = 0xA5;

/// A secret, kept masked.
struct Needle {
    name: String,
    masked: Vec<u8>,
}

impl Needle {
    fn new(name: impl Into<String>, secret: &[u8]) -> Self {
        Self {
            name: name.into(),
            masked: secret.iter().map(|b| b ^ MASK).collect(),
        }
    }

    /// Whether `hay[at..]` starts with the secret (compared masked, byte by byte).
    fn at(&self, hay: &[u8], at: usize) -> bool {
        hay.len() >= at + self.masked.len()
            && self
                .masked
                .iter()
                .zip(&hay[at..])
                .all(|(m, h)| *m == h ^ MASK)
    }
}

/// `(needle, mapping, address)` of every occurrence in writable memory.
fn scan(needles: &[Needle]) -> Vec<(String, String, usize)> {
    let maps = std::fs::File::open("/proc/self/maps").unwrap();
    let mem = std::fs::File::open("/proc/self/mem").unwrap();
    let regions: Vec<(usize, usize, String)> = BufReader::new(maps)
        .lines()
        .map(Result::unwrap)
        .filter_map(|line| {
            let mut parts = line.split_whitespace();
            let range = parts.next()?;
            let perms = parts.next()?;
            let name = parts.nth(3).unwrap_or("[anonymous]").to_owned();
            let (start, end) = range.split_once('-')?;
            let writable = perms.starts_with("rw");
            let special = ["[vvar]", "[vsyscall]", "[vdso]"].contains(&name.as_str());
            (writable && !special).then(|| {
                (
                    usize::from_str_radix(start, 16).unwrap(),
                    usize::from_str_radix(end, 16).unwrap(),
                    name,
                )
            })
        })
        .collect();
    let overlap = needles.iter().map(|n| n.masked.len()).max().unwrap_or(0);
    let mut found = Vec::new();
    let mut buf = vec![0u8; 1 << 20];
    for (start, end, name) in regions {
        let mut at = start;
        while at < end {
            let len = (end - at).min(buf.len());
            // Pages that cannot be read (guard pages) are skipped.
            if mem
                .read_exact_at(&mut buf[..len], u64::try_from(at).unwrap())
                .is_ok()
            {
                for i in 0..len {
                    for n in needles {
                        if buf[i] ^ MASK == n.masked[0] && n.at(&buf[..len], i) {
                            found.push((n.name.clone(), name.clone(), at + i));
                        }
                    }
                }
            }
            if at + len >= end {
                break;
            }
            at += len - overlap;
        }
    }
    buf.zeroize();
    found
}

/// The DEK, unwrapped from the stored header with the password.
fn dek(db: &Path) -> Zeroizing<Vec<u8>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let text: String = conn
        .query_row("SELECT header FROM vault_header WHERE id = 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    let h: Value = serde_json::from_str(&text).unwrap();
    let kdf = &h["kdf"];
    let num = |v: &Value| u32::try_from(v.as_u64().unwrap()).unwrap();
    let salt = B64.decode(kdf["salt"].as_str().unwrap()).unwrap();
    let binding = format!(
        "waiaas-vault|v{}|argon2id|19|m={}|t={}|p={}|profile={}|salt={}|aead=xchacha20poly1305",
        h["version"],
        kdf["m_cost_kib"],
        kdf["t_cost"],
        kdf["p_cost"],
        kdf["profile"].as_str().unwrap(),
        hex::encode(&salt)
    );
    let params = Params::new(
        num(&kdf["m_cost_kib"]),
        num(&kdf["t_cost"]),
        num(&kdf["p_cost"]),
        Some(64),
    )
    .unwrap();
    let mut derived = Zeroizing::new([0u8; 64]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
        .hash_password_into(PASSWORD.as_bytes(), &salt, &mut derived[..])
        .unwrap();
    let cipher = XChaCha20Poly1305::new_from_slice(&derived[..32]).unwrap();
    let nonce = B64.decode(h["dek_nonce"].as_str().unwrap()).unwrap();
    let wrapped = B64.decode(h["dek_ciphertext"].as_str().unwrap()).unwrap();
    Zeroizing::new(
        cipher
            .decrypt(
                XNonce::from_slice(&nonce),
                Payload {
                    msg: &wrapped,
                    aad: binding.as_bytes(),
                },
            )
            .expect("the DEK unwraps with the password"),
    )
}

/// Opens every row `(aad, nonce, sealed)` that `sql` selects with the DEK.
fn open_rows(db: &Path, dek: &[u8], sql: &str) -> Vec<Zeroizing<Vec<u8>>> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let cipher = XChaCha20Poly1305::new_from_slice(dek).unwrap();
    let mut stmt = conn.prepare(sql).unwrap();
    stmt.query_map([], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, Vec<u8>>(1)?,
            r.get::<_, Vec<u8>>(2)?,
        ))
    })
    .unwrap()
    .map(|row| {
        let (aad, nonce, sealed) = row.unwrap();
        Zeroizing::new(
            cipher
                .decrypt(
                    XNonce::from_slice(&nonce),
                    Payload {
                        msg: &sealed,
                        aad: aad.as_bytes(),
                    },
                )
                .expect("the row opens with the DEK"),
        )
    })
    .collect()
}

/// Child half: prints every secret of the vault in `WAIAAS_SECRETS_DB`, masked, as
/// `NEEDLE <name> <hex>`.
#[test]
fn child_find_secrets() {
    let Ok(db) = std::env::var("WAIAAS_SECRETS_DB") else {
        return; // Not running as the child.
    };
    let db = Path::new(&db);
    let dek = dek(db);
    let mut needles = vec![Needle::new("DEK", &dek)];
    let wallets = open_rows(
        db,
        &dek,
        "SELECT 'waiaas-wallet-secret|v' || secret_format || '|' || id || '|' || chain || '|' || \
         lower(hex(public_key)), secret_nonce, secret_ciphertext FROM wallets",
    );
    for (i, secret) in wallets.iter().enumerate() {
        needles.push(Needle::new(format!("wallet secret {i}"), secret));
    }
    let sessions = open_rows(
        db,
        &dek,
        "SELECT 'waiaas-session-secret|v1|' || id, nonce, ciphertext FROM session_secrets",
    );
    for (i, secret) in sessions.iter().enumerate() {
        needles.push(Needle::new(format!("session secret {i}"), secret));
    }
    for n in needles {
        println!(
            "\nNEEDLE {} {}",
            n.name.replace(' ', "_"),
            hex::encode(&n.masked)
        );
    }
}

/// The masked secrets of the vault at `db`, from a child process.
fn needles(db: &Path) -> Vec<Needle> {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "child_find_secrets",
            "--exact",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("WAIAAS_SECRETS_DB", db)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .filter_map(|l| {
            let mut parts = l.strip_prefix("NEEDLE ")?.split(' ');
            Some(Needle {
                name: parts.next()?.to_owned(),
                masked: hex::decode(parts.next()?).ok()?,
            })
        })
        .collect()
}

fn host() -> Host {
    let prices = Arc::new(StaticPriceOracle::new(u64::MAX));
    let now = waiaas::Clock::now(&waiaas::SystemClock);
    for network in [Network::SolanaDevnet, Network::EthereumSepolia] {
        prices.set_price(&native_asset_id(network), Usd::from_u64(100), "test", now);
    }
    Host {
        prices,
        ..Host::default()
    }
}

/// Unlocks the vault, signs on both chains through an agent (token verified, keys
/// opened), and drops every handle.
fn use_vault(dir: &Path, token: &str) {
    let admin = Waiaas::open(
        dir,
        Some(SecretString::from(PASSWORD.to_owned())),
        &Config::for_tests(),
        host(),
    )
    .unwrap();
    let agent = admin.agent(token).unwrap();
    for wallet in agent.wallets().unwrap() {
        let to = agent.address(Some(wallet)).unwrap();
        let chain = if to.starts_with("0x") {
            ChainParams {
                nonce: Some(0),
                max_fee_per_gas: Some("30000000000".into()),
                max_priority_fee_per_gas: Some("1000000000".into()),
                ..ChainParams::default()
            }
        } else {
            ChainParams {
                recent_blockhash: Some("11111111111111111111111111111111".into()),
                ..ChainParams::default()
            }
        };
        let tx = agent
            .send(&SendRequest {
                wallet_id: Some(wallet),
                chain,
                ..SendRequest::transfer(&to, "0.0001")
            })
            .unwrap();
        assert!(tx.result.is_some(), "{tx:?}");
    }
}

#[test]
fn no_secret_outlives_its_handles() {
    if std::env::var_os("WAIAAS_SECRETS_DB").is_some() {
        return; // The child only finds secrets.
    }
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("vault");
    let token = {
        let admin = Waiaas::create(
            &dir,
            Some(SecretString::from(PASSWORD.to_owned())),
            &Config::for_tests(),
            host(),
        )
        .unwrap();
        let mut wallets = Vec::new();
        for network in [Network::SolanaDevnet, Network::EthereumSepolia] {
            let wallet = admin.create_wallet("w", network).unwrap();
            admin
                .create_policy(
                    NewPolicy::new(
                        PolicyType::SpendingLimit,
                        json!({ "instant_max_usd": 1_000_000, "daily_limit_usd": 1_000_000_000 }),
                    )
                    .for_wallet(wallet.id),
                )
                .unwrap();
            wallets.push(wallet.id);
        }
        admin
            .create_session(&CreateSession::new(wallets))
            .unwrap()
            .token
            .expose()
            .to_owned()
    };
    use_vault(&dir, &token);

    let needles = needles(&dir.join("waiaas.db"));
    let names: Vec<&str> = needles.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(
        names,
        [
            "DEK",
            "wallet_secret_0",
            "wallet_secret_1",
            "session_secret_0"
        ],
        "the child found every secret"
    );
    // The scan sees a secret that is there: the DEK of an unlocked vault.
    {
        let admin = Waiaas::open(
            &dir,
            Some(SecretString::from(PASSWORD.to_owned())),
            &Config::for_tests(),
            host(),
        )
        .unwrap();
        let found = scan(&needles);
        assert!(
            found.iter().any(|(name, _, _)| name == "DEK"),
            "the scan misses the DEK of an unlocked vault: {found:x?}"
        );
        drop(admin);
    }
    let after_create = scan(&needles);
    assert!(
        after_create.is_empty(),
        "after the first handles were dropped: {after_create:x?}"
    );
    // A second life (unlock, verify, sign) leaves nothing either.
    use_vault(&dir, &token);
    let after_reopen = scan(&needles);
    assert!(
        after_reopen.is_empty(),
        "after a reopen and its handles were dropped: {after_reopen:x?}"
    );
}
