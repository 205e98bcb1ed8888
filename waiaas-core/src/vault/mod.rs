//! The encrypted vault: one Argon2id derivation per unlock yields a key-encryption key
//! (KEK) that unwraps a random data-encryption key (DEK); the DEK seals every wallet
//! secret and the session signing secrets. See `docs/vault-format.md`.

pub(crate) mod header;
mod kdf;
mod stack;

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use hmac::{Hmac, Mac};
use rand_core::{OsRng, RngCore};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use sha2::Sha256;
use zeroize::Zeroizing;

#[cfg(feature = "test-hooks")]
pub use kdf::hooks;
pub use kdf::{KdfParams, KdfProfile};

use crate::audit::{Actor, AuditEntry, AuditKey};
use crate::chain::{Chain, Network};
use crate::clock::{Clock, SystemClock};
use crate::error::{ValidationError, VaultError};
use crate::ids::WalletId;
use crate::keys::WalletKey;
use crate::store::{HeaderUpgrade, SealedBox, Store, UnlockAttempts, WalletRecord, WalletStatus};
use header::{CHECK_LEN, NONCE_LEN, SALT_LEN, VaultHeader};

/// Free attempts before throttling starts.
pub const FREE_UNLOCK_ATTEMPTS: u32 = 5;
/// First wait once throttling starts; doubles per further failure.
pub const UNLOCK_BACKOFF_BASE_SECS: u64 = 30;
/// Longest wait between attempts.
pub const UNLOCK_BACKOFF_CAP_SECS: u64 = 900;
/// Version of the wallet-secret AAD layout.
const WALLET_SECRET_FORMAT: u32 = 1;
const MAX_PASSWORD_BYTES: usize = 1024;
const MAX_WALLET_NAME_CHARS: usize = 64;

/// Options for creating or unlocking a vault.
#[derive(Debug, Clone)]
pub struct VaultOptions {
    /// Accept a vault whose header records the insecure test KDF profile (tests only).
    pub allow_insecure_kdf: bool,
    /// Time source (throttling, timestamps).
    pub clock: Arc<dyn Clock>,
    /// `recovery.key` to delete once the password is changed.
    pub recovery_key_path: Option<PathBuf>,
}

impl Default for VaultOptions {
    fn default() -> Self {
        Self {
            allow_insecure_kdf: false,
            clock: Arc::new(SystemClock),
            recovery_key_path: None,
        }
    }
}

/// Public facts about a wallet (no secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct WalletInfo {
    /// Id.
    pub id: WalletId,
    /// Name.
    pub name: String,
    /// Chain family.
    pub chain: Chain,
    /// Network.
    pub network: Network,
    /// Address (base58 or EIP-55).
    pub address: String,
    /// Status.
    pub status: WalletStatus,
    /// Creation time (Unix seconds).
    pub created_at: i64,
}

impl From<&WalletRecord> for WalletInfo {
    fn from(r: &WalletRecord) -> Self {
        Self {
            id: r.id,
            name: r.name.clone(),
            chain: r.chain,
            network: r.network,
            address: r.address.clone(),
            status: r.status,
            created_at: r.created_at,
        }
    }
}

/// A wallet secret exported on purpose. `Debug` is redacted; read it with
/// [`ExportedSecret::expose`] and wipe it from wherever you copy it.
pub struct ExportedSecret(Zeroizing<String>);

impl ExportedSecret {
    /// The secret: base58 64-byte keypair for Solana, `0x` hex for EVM.
    #[must_use]
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for ExportedSecret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExportedSecret([redacted])")
    }
}

type Dek = Zeroizing<[u8; 32]>;

/// The AAD of a [`Vault::seal_labeled`] box.
fn labeled_aad(label: &str) -> Vec<u8> {
    format!("waiaas-sealed-secret|v1|{label}").into_bytes()
}

/// HKDF-SHA256 (RFC 5869) for one 32-byte output block: extract with `salt`, expand
/// with `info`. Every key derived from the DEK uses its own `info` label.
fn hkdf_sha256(salt: &[u8], ikm: &[u8], info: &[u8]) -> Result<Zeroizing<[u8; 32]>, VaultError> {
    let bad = |_| VaultError::HeaderCorrupt {
        reason: "cannot key the key derivation",
    };
    let mut extract = <Hmac<Sha256> as Mac>::new_from_slice(salt).map_err(bad)?;
    extract.update(ikm);
    let prk = Zeroizing::new(<[u8; 32]>::from(extract.finalize().into_bytes()));
    let mut expand = <Hmac<Sha256> as Mac>::new_from_slice(&prk[..]).map_err(bad)?;
    expand.update(info);
    expand.update(&[1u8]);
    Ok(Zeroizing::new(expand.finalize().into_bytes().into()))
}

/// The audit chain's HMAC key: derived from the DEK, so rewriting the chain needs the
/// master password; never stored.
fn derive_audit_key(dek: &Dek) -> Result<AuditKey, VaultError> {
    Ok(AuditKey::from_bytes(hkdf_sha256(
        b"waiaas-vault-hkdf-salt-v1",
        &dek[..],
        b"waiaas audit chain v1",
    )?))
}

/// The vault's clock: the configured clock raised to the store's persisted time
/// high-water mark ([`Store::monotonic_now`]), so every timestamp and decision made
/// through the vault (session verification, renewal, the facade's pipeline) sees time
/// move forward only. If the store cannot be read it still never goes back within the
/// process (and the store call that follows fails anyway).
#[derive(Debug)]
struct MarkedClock {
    clock: Arc<dyn Clock>,
    store: Arc<dyn Store>,
    last: AtomicI64,
}

impl Clock for MarkedClock {
    fn now(&self) -> i64 {
        let raw = self.clock.now().max(self.last.load(Ordering::SeqCst));
        let t = self.store.monotonic_now(raw).unwrap_or(raw);
        self.last.fetch_max(t, Ordering::SeqCst).max(t)
    }

    fn recent(&self) -> i64 {
        // The mark is not consulted: a notification's time is no decision, and a
        // caller that decides hands this to the store, which applies the mark.
        self.clock.now().max(self.last.load(Ordering::SeqCst))
    }
}

fn marked(options: VaultOptions, store: &Arc<dyn Store>) -> VaultOptions {
    let clock: Arc<dyn Clock> = Arc::new(MarkedClock {
        clock: options.clock.clone(),
        store: store.clone(),
        last: AtomicI64::new(i64::MIN),
    });
    VaultOptions { clock, ..options }
}

/// An unlocked (or locked) vault.
///
/// Holds the DEK in a wiping buffer; [`Vault::lock`] and drop wipe it. Every secret is
/// decrypted only for the duration of one call and wiped afterwards.
pub struct Vault {
    store: Arc<dyn Store>,
    dek: RwLock<Option<Dek>>,
    /// Signing keys opened since the unlock: a signature neither re-opens nor
    /// re-expands its key. Wiped by [`Vault::lock`] and on drop (each key zeroizes).
    keys: RwLock<HashMap<WalletId, Arc<OpenKey>>>,
    options: VaultOptions,
}

/// A wallet key opened from its row, with the row's public facts it was checked
/// against: a row read later uses the key only if it still states them.
struct OpenKey {
    key: WalletKey,
    public_key: Vec<u8>,
    address: String,
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("locked", &self.is_locked())
            .field("store", &self.store)
            .finish_non_exhaustive()
    }
}

fn check_password(password: &SecretString) -> Result<(), ValidationError> {
    let len = password.expose_secret().len();
    if len == 0 {
        return Err(ValidationError::field("password", "must not be empty"));
    }
    if len > MAX_PASSWORD_BYTES {
        return Err(ValidationError::field(
            "password",
            format!("must be at most {MAX_PASSWORD_BYTES} bytes"),
        ));
    }
    Ok(())
}

fn random<const N: usize>() -> [u8; N] {
    let mut b = [0u8; N];
    OsRng.fill_bytes(&mut b);
    b
}

fn password_check(check_key: &[u8], binding: &str) -> Result<[u8; CHECK_LEN], VaultError> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(check_key).map_err(|_| {
        VaultError::HeaderCorrupt {
            reason: "cannot key the password check",
        }
    })?;
    mac.update(b"waiaas-vault password check|");
    mac.update(binding.as_bytes());
    Ok(mac.finalize().into_bytes().into())
}

/// Splits Argon2id output into (KEK, check key).
fn split(derived: &[u8; kdf::DERIVED_LEN]) -> (&[u8], &[u8]) {
    derived.split_at(32)
}

fn aead_seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Result<SealedBox, VaultError> {
    let nonce: [u8; NONCE_LEN] = random();
    let ciphertext = XChaCha20Poly1305::new(key.into())
        .encrypt(
            XNonce::from_slice(&nonce),
            Payload {
                msg: plaintext,
                aad,
            },
        )
        .map_err(|_| VaultError::HeaderCorrupt {
            reason: "encryption failed",
        })?;
    Ok(SealedBox {
        nonce: nonce.to_vec(),
        ciphertext,
    })
}

/// Decrypts; `None` when authentication fails (tampering, wrong key or wrong AAD).
fn aead_open(key: &[u8; 32], aad: &[u8], sealed: &SealedBox) -> Option<Zeroizing<Vec<u8>>> {
    if sealed.nonce.len() != NONCE_LEN {
        return None;
    }
    XChaCha20Poly1305::new(key.into())
        .decrypt(
            XNonce::from_slice(&sealed.nonce),
            Payload {
                msg: &sealed.ciphertext,
                aad,
            },
        )
        .ok()
        .map(Zeroizing::new)
}

fn wallet_aad(id: WalletId, chain: Chain, public_key: &[u8]) -> Vec<u8> {
    format!(
        "waiaas-wallet-secret|v{WALLET_SECRET_FORMAT}|{id}|{}|{}",
        chain.as_str(),
        hex::encode(public_key)
    )
    .into_bytes()
}

type Derived = Zeroizing<[u8; kdf::DERIVED_LEN]>;

/// Builds a header for `dek` under `password`: runs Argon2id once.
fn seal_header(
    dek: &Dek,
    password: &SecretString,
    params: KdfParams,
) -> Result<VaultHeader, VaultError> {
    let salt = random::<SALT_LEN>();
    let derived = kdf::derive(&params, &salt, password.expose_secret().as_bytes())?;
    wrap_header(dek, &derived, params, salt)
}

/// Builds a current-version header for `dek` from Argon2id output already derived for
/// `params` and `salt` (no derivation).
fn wrap_header(
    dek: &Dek,
    derived: &Derived,
    params: KdfParams,
    salt: [u8; SALT_LEN],
) -> Result<VaultHeader, VaultError> {
    let mut header = VaultHeader {
        version: header::VERSION,
        params,
        salt,
        dek_nonce: random(),
        wrapped_dek: [0u8; header::WRAPPED_DEK_LEN],
        password_check: [0u8; CHECK_LEN],
    };
    let (kek, check_key) = split(derived);
    let binding = header.binding();
    let kek: &[u8; 32] = kek.try_into().map_err(|_| VaultError::HeaderCorrupt {
        reason: "bad key length",
    })?;
    let wrapped = XChaCha20Poly1305::new(kek.into())
        .encrypt(
            XNonce::from_slice(&header.dek_nonce),
            Payload {
                msg: &dek[..],
                aad: binding.as_bytes(),
            },
        )
        .map_err(|_| VaultError::HeaderCorrupt {
            reason: "encryption failed",
        })?;
    header.wrapped_dek = wrapped.try_into().map_err(|_| VaultError::HeaderCorrupt {
        reason: "bad wrapped key length",
    })?;
    header.password_check = password_check(check_key, &binding)?;
    Ok(header)
}

/// Tries `password` against `header`: `Ok(None)` for a wrong password, `Ok(Some(dek))`
/// when it opens, and `HeaderCorrupt` when the password is right but the data key fails
/// authentication. Runs Argon2id once.
fn open_header(
    header: &VaultHeader,
    password: &SecretString,
) -> Result<Option<(Dek, Derived)>, VaultError> {
    let derived = kdf::derive(
        &header.params,
        &header.salt,
        password.expose_secret().as_bytes(),
    )?;
    let (kek, check_key) = split(&derived);
    let binding = header.binding();
    let check = password_check(check_key, &binding)?;
    if !bool::from(subtle::ConstantTimeEq::ct_eq(
        &check[..],
        &header.password_check[..],
    )) {
        return Ok(None);
    }
    let kek: &[u8; 32] = kek.try_into().map_err(|_| VaultError::HeaderCorrupt {
        reason: "bad key length",
    })?;
    let dek = XChaCha20Poly1305::new(kek.into())
        .decrypt(
            XNonce::from_slice(&header.dek_nonce),
            Payload {
                msg: &header.wrapped_dek[..],
                aad: binding.as_bytes(),
            },
        )
        .map(Zeroizing::new)
        .map_err(|_| VaultError::HeaderCorrupt {
            reason: "wrapped data key fails authentication",
        })?;
    let dek: [u8; 32] = dek
        .as_slice()
        .try_into()
        .map_err(|_| VaultError::HeaderCorrupt {
            reason: "data key has the wrong length",
        })?;
    Ok(Some((Zeroizing::new(dek), derived)))
}

/// The stored header. Its absence is `VAULT_NOT_FOUND` only in a database without
/// wallets: where wallets exist the header was lost to damage, and saying "create one"
/// would invite replacing a vault whose keys hold funds.
fn stored_header(store: &dyn Store) -> Result<String, VaultError> {
    match store.vault_header()? {
        Some(text) => Ok(text),
        None if !store.wallets()?.is_empty() => Err(VaultError::HeaderCorrupt {
            reason: "the header is missing from a database that holds wallets",
        }),
        None => Err(VaultError::NotInitialized),
    }
}

/// Seconds the caller must still wait, given the failure state.
fn throttle_wait(attempts: UnlockAttempts, now: i64) -> Option<u64> {
    if attempts.failures < FREE_UNLOCK_ATTEMPTS {
        return None;
    }
    let exponent = attempts
        .failures
        .saturating_sub(FREE_UNLOCK_ATTEMPTS)
        .min(16);
    let wait = UNLOCK_BACKOFF_BASE_SECS
        .saturating_mul(1u64 << exponent)
        .min(UNLOCK_BACKOFF_CAP_SECS);
    let last = attempts.last_failure_at.unwrap_or(now);
    let until = last.saturating_add(i64::try_from(wait).unwrap_or(i64::MAX));
    let remaining = until.saturating_sub(now);
    (remaining > 0).then(|| u64::try_from(remaining).unwrap_or(0))
}

/// The audit chain's key of a vault read from its stored header, for a tool that
/// copies a vault's database without opening the vault on it (`waiaas db migrate`).
pub struct StoredAuditKey {
    /// The key the vault's audit log is chained under.
    pub audit_key: AuditKey,
    /// Whether the header is the current version. `false`: the vault was last unlocked
    /// by a waiaas older than schema 4 and its log was never keyed (the next unlock
    /// keys it); such a log does not verify under [`StoredAuditKey::audit_key`].
    pub header_current: bool,
}

impl fmt::Debug for StoredAuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredAuditKey")
            .field("header_current", &self.header_current)
            .finish_non_exhaustive()
    }
}

/// The audit key of the vault whose stored header is `header`, under `password`: runs
/// Argon2id once and writes nothing, so a failed attempt is not counted either (a
/// caller that holds the header can already try passwords offline; the counter guards
/// the unlocks of a running instance).
///
/// # Errors
/// `INVALID_MASTER_PASSWORD`; `VAULT_CORRUPT` when the header fails its checks or the
/// data key fails authentication; `VAULT_INSECURE_KDF` for a test-profile vault without
/// `allow_insecure_kdf`; `VALIDATION_FAILED` for an empty password.
pub fn stored_audit_key(
    header_text: &str,
    password: &SecretString,
    allow_insecure_kdf: bool,
) -> Result<StoredAuditKey, VaultError> {
    let parsed = VaultHeader::parse(header_text)?;
    if parsed.params.profile() == KdfProfile::InsecureTest && !allow_insecure_kdf {
        return Err(VaultError::InsecureKdf);
    }
    check_password(password)?;
    let Some((dek, _derived)) = open_header(&parsed, password)? else {
        return Err(VaultError::InvalidMasterPassword);
    };
    Ok(StoredAuditKey {
        audit_key: derive_audit_key(&dek)?,
        header_current: parsed.version == header::VERSION,
    })
}

impl Vault {
    /// Creates a new vault in `store` and returns it unlocked. Runs Argon2id once.
    ///
    /// # Errors
    /// `VAULT_ALREADY_EXISTS` when the store holds a vault; `VALIDATION_FAILED` for an
    /// empty or oversized password; `STORAGE_ERROR`.
    pub fn create(
        store: Arc<dyn Store>,
        password: &SecretString,
        params: KdfParams,
        options: VaultOptions,
    ) -> Result<Self, VaultError> {
        let created = Self::create_unwiped(store, password, params, options);
        stack::wipe_below();
        created
    }

    fn create_unwiped(
        store: Arc<dyn Store>,
        password: &SecretString,
        params: KdfParams,
        options: VaultOptions,
    ) -> Result<Self, VaultError> {
        check_password(password)?;
        if store.vault_header()?.is_some() {
            return Err(VaultError::AlreadyExists);
        }
        let dek: Dek = Zeroizing::new(random());
        let header = seal_header(&dek, password, params)?;
        let options = marked(options, &store);
        let now = options.clock.now();
        // The first entry (VAULT_CREATED) is already keyed.
        store.set_audit_key(derive_audit_key(&dek)?, now, None)?;
        let audit = AuditEntry::new(now, &Actor::Operator, crate::audit::GENESIS_EVENT).details(serde_json::json!({
            "kdf": { "mCostKib": params.m_cost_kib(), "tCost": params.t_cost(), "pCost": params.p_cost() }
        }));
        let created = store.create_vault_header(&header.to_json(), now, &audit);
        if !matches!(created, Ok(true)) {
            // Another vault won the race (or the write failed): its store must not keep
            // this vault's key.
            store.clear_audit_key();
            created?;
            return Err(VaultError::AlreadyExists);
        }
        Ok(Self {
            store,
            dek: RwLock::new(Some(dek)),
            keys: RwLock::new(HashMap::new()),
            options,
        })
    }

    /// Unlocks the vault in `store`. Runs Argon2id exactly once (none while throttled).
    ///
    /// # Errors
    /// - `MASTER_PASSWORD_LOCKED` with the seconds to wait after 5 consecutive failures
    ///   (30 s, doubling per failure, capped at 15 min; shared by every process);
    /// - `INVALID_MASTER_PASSWORD` for a wrong password (counted);
    /// - `VAULT_CORRUPT` when the header fails its checks or the data key fails
    ///   authentication under the right password;
    /// - `VAULT_INSECURE_KDF` for a test-profile vault without `allow_insecure_kdf`;
    /// - `VAULT_NOT_FOUND`, `STORAGE_ERROR`.
    ///
    /// A failed unlock never writes the vault database.
    pub fn unlock(
        store: Arc<dyn Store>,
        password: &SecretString,
        options: VaultOptions,
    ) -> Result<Self, VaultError> {
        let unlocked = Self::unlock_unwiped(store, password, options);
        stack::wipe_below();
        unlocked
    }

    fn unlock_unwiped(
        store: Arc<dyn Store>,
        password: &SecretString,
        options: VaultOptions,
    ) -> Result<Self, VaultError> {
        let text = stored_header(store.as_ref())?;
        let now = options.clock.now();
        let attempts = store.unlock_attempts()?;
        if let Some(retry_after_secs) = throttle_wait(attempts, now) {
            return Err(VaultError::MasterPasswordLocked { retry_after_secs });
        }
        let header = VaultHeader::parse(&text)?;
        if header.params.profile() == KdfProfile::InsecureTest && !options.allow_insecure_kdf {
            return Err(VaultError::InsecureKdf);
        }
        if check_password(password).is_err() {
            store.record_unlock_failure(now)?;
            return Err(VaultError::InvalidMasterPassword);
        }
        let Some((dek, derived)) = open_header(&header, password)? else {
            store.record_unlock_failure(now)?;
            return Err(VaultError::InvalidMasterPassword);
        };
        if attempts.failures > 0 {
            store.clear_unlock_failures()?;
        }
        // Only now, with the password proven, does anything write the vault database:
        // the store gets the audit key. A version-1 header (written before schema 4) is
        // rewritten as version 2 with the same salt and parameters (no second Argon2id
        // run), and only in that same transaction may a log that was never keyed be
        // keyed: a version-2 vault never blesses an unkeyed log.
        let upgrade = if header.version == header::VERSION_UNKEYED_AUDIT {
            let next = wrap_header(&dek, &derived, header.params, header.salt)?;
            Some(HeaderUpgrade {
                from: text.clone(),
                to: next.to_json(),
            })
        } else {
            None
        };
        drop(derived);
        store.set_audit_key(derive_audit_key(&dek)?, now, upgrade.as_ref())?;
        let options = marked(options, &store);
        Ok(Self {
            store,
            dek: RwLock::new(Some(dek)),
            keys: RwLock::new(HashMap::new()),
            options,
        })
    }

    /// Wipes the DEK and the store's audit key. Every later call that needs a secret,
    /// and every audited change through this store, fails with `VAULT_LOCKED`.
    pub fn lock(&self) {
        let mut guard = self.dek.write().unwrap_or_else(PoisonError::into_inner);
        // Dropping the Zeroizing buffer wipes it.
        *guard = None;
        drop(guard);
        // After the DEK: a call that misses the cache from here on cannot open a key.
        self.keys
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .clear();
        self.store.clear_audit_key();
    }

    /// Whether [`Vault::lock`] was called.
    #[must_use]
    pub fn is_locked(&self) -> bool {
        self.dek
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_none()
    }

    /// The store this vault lives in.
    #[must_use]
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The clock this vault was opened with, raised to the store's persisted time
    /// high-water mark: it never goes back, across processes and restarts.
    #[must_use]
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.options.clock
    }

    /// The KDF parameters recorded in the header.
    ///
    /// # Errors
    /// `VAULT_CORRUPT`, `VAULT_NOT_FOUND`, `STORAGE_ERROR`.
    pub fn kdf_params(&self) -> Result<KdfParams, VaultError> {
        let text = stored_header(self.store.as_ref())?;
        Ok(VaultHeader::parse(&text)?.params)
    }

    /// Changes the master password (and optionally the KDF parameters): re-wraps the DEK
    /// under a fresh salt in one atomic write, so either the old or the new password
    /// works at every instant. Deletes `recovery.key` afterwards when configured.
    ///
    /// # Errors
    /// `INVALID_MASTER_PASSWORD` when `current` is wrong (counted like an unlock);
    /// `VALIDATION_FAILED` for an unusable new password; `VAULT_LOCKED`; `VAULT_CORRUPT`
    /// when the header changed concurrently; `STORAGE_ERROR` when the write fails (the
    /// old password then still works).
    pub fn change_password(
        &self,
        current: &SecretString,
        new: &SecretString,
        params: Option<KdfParams>,
    ) -> Result<(), VaultError> {
        check_password(new)?;
        let dek = self.dek()?;
        let text = stored_header(self.store.as_ref())?;
        let header = VaultHeader::parse(&text)?;
        let now = self.options.clock.now();
        if let Some(retry_after_secs) = throttle_wait(self.store.unlock_attempts()?, now) {
            return Err(VaultError::MasterPasswordLocked { retry_after_secs });
        }
        match open_header(&header, current)? {
            Some((old, _)) if bool::from(subtle::ConstantTimeEq::ct_eq(&old[..], &dek[..])) => {}
            Some(_) => {
                return Err(VaultError::HeaderCorrupt {
                    reason: "header belongs to another vault",
                });
            }
            None => {
                self.store.record_unlock_failure(now)?;
                return Err(VaultError::InvalidMasterPassword);
            }
        }
        let new_header = seal_header(&dek, new, params.unwrap_or(header.params))?;
        if !self.store.replace_vault_header(
            &text,
            &new_header.to_json(),
            now,
            &AuditEntry::new(now, &Actor::Operator, "MASTER_PASSWORD_CHANGED"),
        )? {
            return Err(VaultError::HeaderCorrupt {
                reason: "header changed during the password change; retry",
            });
        }
        if let Some(path) = &self.options.recovery_key_path {
            match std::fs::remove_file(path) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => {
                    return Err(crate::error::StoreError::Io {
                        operation: "delete",
                        path: path.display().to_string(),
                        message: e.to_string(),
                    }
                    .into());
                }
            }
        }
        Ok(())
    }

    fn dek(&self) -> Result<Dek, VaultError> {
        let guard = self.dek.read().unwrap_or_else(PoisonError::into_inner);
        guard
            .as_ref()
            .map(|d| Zeroizing::new(**d))
            .ok_or(VaultError::Locked)
    }

    /// Seals `plaintext` under the DEK with `aad`.
    pub(crate) fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<SealedBox, VaultError> {
        let dek = self.dek()?;
        aead_seal(&dek, aad, plaintext)
    }

    /// Opens a box sealed by [`Vault::seal`]; `None` when authentication fails.
    pub(crate) fn open(
        &self,
        aad: &[u8],
        sealed: &SealedBox,
    ) -> Result<Option<Zeroizing<Vec<u8>>>, VaultError> {
        let dek = self.dek()?;
        Ok(aead_open(&dek, aad, sealed))
    }

    /// Seals a secret that is not a wallet key (a notification channel's bot token or
    /// webhook URL) under the DEK. `label` names its owner and goes into the AAD, so a
    /// box moved to another label fails to open; the AAD's prefix keeps these boxes
    /// apart from wallet and session secrets.
    ///
    /// # Errors
    /// `VAULT_LOCKED`.
    pub fn seal_labeled(&self, label: &str, plaintext: &[u8]) -> Result<SealedBox, VaultError> {
        self.seal(&labeled_aad(label), plaintext)
    }

    /// Opens a box sealed by [`Vault::seal_labeled`] with the same `label`.
    ///
    /// # Errors
    /// `VAULT_LOCKED`; `VAULT_CORRUPT` when it fails authentication (tampered, or
    /// sealed for another label).
    pub fn open_labeled(
        &self,
        label: &str,
        sealed: &SealedBox,
    ) -> Result<Zeroizing<Vec<u8>>, VaultError> {
        self.open(&labeled_aad(label), sealed)?
            .ok_or_else(|| VaultError::SealedCorrupt {
                label: label.to_owned(),
            })
    }

    /// Generates a new wallet on `network`.
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a bad name; `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn create_wallet(&self, name: &str, network: Network) -> Result<WalletInfo, VaultError> {
        let stored = self.store_wallet(
            name,
            network,
            &WalletKey::generate(network.chain()),
            "WALLET_CREATED",
        );
        stack::wipe_below();
        stored
    }

    /// Imports an existing key (formats in [`WalletKey::import`]).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` for a malformed key or name; `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn import_wallet(
        &self,
        name: &str,
        network: Network,
        key: &SecretString,
    ) -> Result<WalletInfo, VaultError> {
        let stored = WalletKey::import(network.chain(), key)
            .map_err(VaultError::from)
            .and_then(|key| self.store_wallet(name, network, &key, "WALLET_IMPORTED"));
        stack::wipe_below();
        stored
    }

    /// Stores an already-constructed key (e.g. derived from a seed phrase).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` when the key's chain is not the network's or the name is bad;
    /// `VAULT_LOCKED`; `STORAGE_ERROR`.
    pub fn insert_wallet(
        &self,
        name: &str,
        network: Network,
        key: &WalletKey,
    ) -> Result<WalletInfo, VaultError> {
        self.store_wallet(name, network, key, "WALLET_IMPORTED")
    }

    fn store_wallet(
        &self,
        name: &str,
        network: Network,
        key: &WalletKey,
        event: &str,
    ) -> Result<WalletInfo, VaultError> {
        validate_wallet_name(name)?;
        if key.chain() != network.chain() {
            return Err(ValidationError::field(
                "network",
                format!("a {} key cannot live on `{network}`", key.chain()),
            )
            .into());
        }
        let id = WalletId::new();
        let public_key = key.public_key_bytes();
        let secret = self.seal(
            &wallet_aad(id, network.chain(), &public_key),
            &key.secret_bytes()[..],
        )?;
        let now = self.options.clock.now();
        let record = WalletRecord {
            id,
            name: name.to_owned(),
            chain: network.chain(),
            network,
            address: key.address(),
            public_key,
            secret,
            secret_format: WALLET_SECRET_FORMAT,
            status: WalletStatus::Active,
            created_at: now,
            updated_at: now,
        };
        let audit = AuditEntry::new(now, &Actor::Operator, event)
            .wallet(id)
            .details(serde_json::json!({ "name": record.name, "network": network, "address": record.address }));
        self.store.insert_wallet(&record, &audit)?;
        Ok(WalletInfo::from(&record))
    }

    /// One wallet's public facts.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn wallet(&self, id: WalletId) -> Result<WalletInfo, VaultError> {
        Ok(WalletInfo::from(&self.wallet_record(id)?))
    }

    /// Every wallet, oldest first.
    ///
    /// # Errors
    /// `STORAGE_ERROR`.
    pub fn wallets(&self) -> Result<Vec<WalletInfo>, VaultError> {
        Ok(self.store.wallets()?.iter().map(WalletInfo::from).collect())
    }

    /// Deletes a wallet and its secret. Irreversible.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `STORAGE_ERROR`.
    pub fn delete_wallet(&self, id: WalletId) -> Result<(), VaultError> {
        let audit = AuditEntry::new(self.options.clock.now(), &Actor::Operator, "WALLET_DELETED")
            .wallet(id);
        if self.store.delete_wallet(id, &audit)? {
            self.keys
                .write()
                .unwrap_or_else(PoisonError::into_inner)
                .remove(&id);
            Ok(())
        } else {
            Err(VaultError::WalletNotFound(id))
        }
    }

    fn wallet_record(&self, id: WalletId) -> Result<WalletRecord, VaultError> {
        self.store.wallet(id)?.ok_or(VaultError::WalletNotFound(id))
    }

    fn decrypt_key(&self, record: &WalletRecord) -> Result<WalletKey, VaultError> {
        let corrupt = || VaultError::SecretCorrupt {
            wallet_id: record.id,
        };
        if record.secret_format != WALLET_SECRET_FORMAT {
            return Err(corrupt());
        }
        let aad = wallet_aad(record.id, record.chain, &record.public_key);
        let plain = self.open(&aad, &record.secret)?.ok_or_else(corrupt)?;
        let bytes: &[u8; 32] = plain.as_slice().try_into().map_err(|_| corrupt())?;
        let key = WalletKey::from_secret_bytes(record.chain, bytes).map_err(|_| corrupt())?;
        // The AAD already binds the public key; this also catches a row whose address
        // column was edited.
        if key.public_key_bytes() != record.public_key || key.address() != record.address {
            return Err(corrupt());
        }
        Ok(key)
    }

    /// Runs `f` with the wallet's signing key. Refuses wallets that are not ACTIVE.
    /// Never runs Argon2id. The key is opened (and checked against its row) once per
    /// unlock and kept in memory that zeroizes, until [`Vault::lock`] or drop.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `WALLET_SUSPENDED` / `WALLET_TERMINATED`; `VAULT_LOCKED`;
    /// `VAULT_CORRUPT` when the sealed secret fails authentication; `STORAGE_ERROR`.
    pub fn with_signing_key<R>(
        &self,
        id: WalletId,
        f: impl FnOnce(&WalletKey) -> R,
    ) -> Result<R, VaultError> {
        self.with_record_key(&self.wallet_record(id)?, f)
    }

    /// As [`Vault::with_signing_key`], for a wallet row the caller already read (no
    /// storage access: usable while the caller holds a store transaction).
    ///
    /// # Errors
    /// `WALLET_SUSPENDED` / `WALLET_TERMINATED`; `VAULT_LOCKED`; `VAULT_CORRUPT`.
    pub fn with_record_key<R>(
        &self,
        record: &WalletRecord,
        f: impl FnOnce(&WalletKey) -> R,
    ) -> Result<R, VaultError> {
        if record.status != WalletStatus::Active {
            return Err(VaultError::WalletNotActive {
                wallet_id: record.id,
                status: record.status,
            });
        }
        let cached = self
            .keys
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&record.id)
            .filter(|k| k.public_key == record.public_key && k.address == record.address)
            .cloned();
        let open = match cached {
            Some(open) => open,
            None => {
                // Checked against the row by `decrypt_key`.
                let open = Arc::new(OpenKey {
                    key: self.decrypt_key(record)?,
                    public_key: record.public_key.clone(),
                    address: record.address.clone(),
                });
                let mut keys = self.keys.write().unwrap_or_else(PoisonError::into_inner);
                // `lock()` wipes the DEK before the keys: a key opened just before it
                // is used once, never kept past it.
                if !self.is_locked() {
                    keys.insert(record.id, open.clone());
                }
                open
            }
        };
        let out = f(&open.key);
        // The key was opened, or signed with, in the frames below this one.
        stack::wipe_below();
        Ok(out)
    }

    /// **Dangerous**: returns a wallet's secret key in plaintext, for moving the wallet
    /// to another tool. Operator-only; whoever holds the result controls the funds.
    ///
    /// # Errors
    /// `WALLET_NOT_FOUND`; `VAULT_LOCKED`; `VAULT_CORRUPT`; `STORAGE_ERROR`.
    pub fn export_secret(&self, id: WalletId) -> Result<ExportedSecret, VaultError> {
        let record = self.wallet_record(id)?;
        let key = self.decrypt_key(&record)?;
        let text = match &key {
            WalletKey::Ed25519(k) => {
                let mut pair = Zeroizing::new([0u8; 64]);
                let (secret_half, public_half) = pair.split_at_mut(32);
                secret_half.copy_from_slice(&k.to_bytes());
                public_half.copy_from_slice(k.verifying_key().as_bytes());
                Zeroizing::new(bs58::encode(&pair[..]).into_string())
            }
            WalletKey::Secp256k1(_) => {
                Zeroizing::new(format!("0x{}", hex::encode(&key.secret_bytes()[..])))
            }
        };
        drop(key);
        stack::wipe_below();
        Ok(ExportedSecret(text))
    }

    /// Test hook: the DEK bytes, so leak tests can search for them.
    #[cfg(feature = "test-hooks")]
    #[doc(hidden)]
    pub fn dek_for_tests(&self) -> Result<[u8; 32], VaultError> {
        Ok(*self.dek()?)
    }
}

fn validate_wallet_name(name: &str) -> Result<(), ValidationError> {
    let count = name.chars().count();
    if count == 0 || count > MAX_WALLET_NAME_CHARS {
        return Err(ValidationError::field(
            "name",
            format!("must be 1 to {MAX_WALLET_NAME_CHARS} characters"),
        ));
    }
    if name.chars().any(char::is_control) || name.trim() != name {
        return Err(ValidationError::field(
            "name",
            "must not contain control characters or leading/trailing spaces",
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::hkdf_sha256;

    /// RFC 5869 test case 1 (first 32 bytes of the 42-byte output are T(1)).
    #[test]
    fn hkdf_matches_rfc_5869() {
        let ikm = [0x0bu8; 22];
        let salt: Vec<u8> = (0u8..=0x0c).collect();
        let info: Vec<u8> = (0xf0u8..=0xf9).collect();
        let okm = hkdf_sha256(&salt, &ikm, &info).unwrap();
        assert_eq!(
            hex::encode(&okm[..]),
            "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
        );
    }
}
