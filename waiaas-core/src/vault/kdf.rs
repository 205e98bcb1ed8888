//! Argon2id parameters and the derivation itself.

use argon2::{Algorithm, Argon2, Params, Version};
use zeroize::Zeroizing;

use crate::error::{ValidationError, VaultError};

crate::string_enum! {
    /// Which family of parameters a vault was created with. Recorded in the header, so a
    /// vault made with the fast test profile is recognisable and refused by default.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub enum KdfProfile {
        /// Real parameters, at or above the floor in [`KdfParams::production`].
        Production => "production",
        /// Tiny parameters for tests only; opening needs `allow_insecure_kdf`.
        InsecureTest => "insecure-test",
    }
    field = "kdf_profile", what = "a KDF profile";
}

/// Argon2id cost parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KdfParams {
    m_cost_kib: u32,
    t_cost: u32,
    p_cost: u32,
    profile: KdfProfile,
}

/// Production floor (OWASP's lowest recommended Argon2id setting is m = 19 MiB, t = 2).
const PROD_MIN_M_KIB: u32 = 19_456;
const PROD_MIN_T: u32 = 2;
/// Ceilings, so a tampered header cannot make unlock allocate or spin without bound.
const MAX_M_KIB: u32 = 4 * 1024 * 1024;
const MAX_T: u32 = 64;
const MAX_P: u32 = 64;
const TEST_MAX_M_KIB: u32 = 1024;

impl Default for KdfParams {
    fn default() -> Self {
        Self::recommended()
    }
}

impl KdfParams {
    /// m = 64 MiB, t = 3, p = 4: the default for new vaults.
    #[must_use]
    pub const fn recommended() -> Self {
        Self {
            m_cost_kib: 65_536,
            t_cost: 3,
            p_cost: 4,
            profile: KdfProfile::Production,
        }
    }

    /// Custom production parameters (m ≥ 19 456 KiB, t ≥ 2, 1 ≤ p ≤ 64, m ≥ 8·p).
    ///
    /// # Errors
    /// `VALIDATION_FAILED` naming the parameter below the floor or above the ceiling.
    pub fn production(m_cost_kib: u32, t_cost: u32, p_cost: u32) -> Result<Self, ValidationError> {
        Self::checked(m_cost_kib, t_cost, p_cost, KdfProfile::Production)
    }

    /// Fast, insecure parameters for tests (m = 64 KiB, t = 1, p = 1), recorded as such.
    #[must_use]
    pub const fn insecure_for_tests() -> Self {
        Self {
            m_cost_kib: 64,
            t_cost: 1,
            p_cost: 1,
            profile: KdfProfile::InsecureTest,
        }
    }

    pub(crate) fn checked(
        m: u32,
        t: u32,
        p: u32,
        profile: KdfProfile,
    ) -> Result<Self, ValidationError> {
        let bad = |field: &str, why: String| Err(ValidationError::field(field, why));
        if !(1..=MAX_P).contains(&p) {
            return bad("p_cost", format!("must be between 1 and {MAX_P}, got {p}"));
        }
        if !(1..=MAX_T).contains(&t) {
            return bad("t_cost", format!("must be between 1 and {MAX_T}, got {t}"));
        }
        if m < p.saturating_mul(8) || m > MAX_M_KIB {
            return bad(
                "m_cost_kib",
                format!("must be between 8 x p_cost and {MAX_M_KIB}, got {m}"),
            );
        }
        match profile {
            KdfProfile::Production if m < PROD_MIN_M_KIB => bad(
                "m_cost_kib",
                format!("must be at least {PROD_MIN_M_KIB} for a production vault, got {m}"),
            ),
            KdfProfile::Production if t < PROD_MIN_T => bad(
                "t_cost",
                format!("must be at least {PROD_MIN_T} for a production vault, got {t}"),
            ),
            KdfProfile::InsecureTest if m > TEST_MAX_M_KIB => bad(
                "m_cost_kib",
                format!("the insecure test profile is capped at {TEST_MAX_M_KIB}"),
            ),
            _ => Ok(Self {
                m_cost_kib: m,
                t_cost: t,
                p_cost: p,
                profile,
            }),
        }
    }

    /// Memory cost in KiB.
    #[must_use]
    pub const fn m_cost_kib(&self) -> u32 {
        self.m_cost_kib
    }

    /// Iterations.
    #[must_use]
    pub const fn t_cost(&self) -> u32 {
        self.t_cost
    }

    /// Lanes.
    #[must_use]
    pub const fn p_cost(&self) -> u32 {
        self.p_cost
    }

    /// The recorded profile.
    #[must_use]
    pub const fn profile(&self) -> KdfProfile {
        self.profile
    }
}

/// Length of the Argon2id output: 32 bytes key-encryption key ‖ 32 bytes check key.
pub(crate) const DERIVED_LEN: usize = 64;

/// Runs Argon2id once. The only place in waiaas that does.
pub(crate) fn derive(
    params: &KdfParams,
    salt: &[u8],
    password: &[u8],
) -> Result<Zeroizing<[u8; DERIVED_LEN]>, VaultError> {
    #[cfg(feature = "test-hooks")]
    hooks::count_derivation();
    let p = Params::new(
        params.m_cost_kib,
        params.t_cost,
        params.p_cost,
        Some(DERIVED_LEN),
    )
    .map_err(|_| VaultError::HeaderCorrupt {
        reason: "key-derivation parameters are out of range",
    })?;
    let mut out = Zeroizing::new([0u8; DERIVED_LEN]);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, p)
        .hash_password_into(password, salt, &mut out[..])
        .map_err(|_| VaultError::HeaderCorrupt {
            reason: "key derivation rejected the stored parameters",
        })?;
    Ok(out)
}

/// Test hooks (feature `test-hooks`): observe how often Argon2id runs.
#[cfg(feature = "test-hooks")]
pub mod hooks {
    use std::cell::Cell;

    thread_local! {
        static DERIVATIONS: Cell<u64> = const { Cell::new(0) };
    }

    pub(crate) fn count_derivation() {
        DERIVATIONS.with(|c| c.set(c.get().saturating_add(1)));
    }

    /// Argon2id derivations run on the calling thread so far.
    #[must_use]
    pub fn argon2_derivations() -> u64 {
        DERIVATIONS.with(Cell::get)
    }
}
