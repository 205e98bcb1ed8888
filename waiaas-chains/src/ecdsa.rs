//! RFC 6979 recoverable secp256k1 signatures over a 32-byte digest, for the vault's EVM
//! keys. With the `evm` feature they come from libsecp256k1 (the C library, 2.9× faster
//! than k256 on our machines: `benches/benches/secp256k1.rs`); without it from k256. The
//! two give byte-identical signatures (RFC 6979 nonces, low `s`), which the tests check.

use k256::ecdsa::SigningKey;

/// `r ‖ s` and the recovery id (0 or 1), or `None` if the key cannot sign.
#[cfg(feature = "evm")]
pub(crate) fn sign_recoverable(key: &SigningKey, digest: &[u8; 32]) -> Option<([u8; 64], u8)> {
    use std::sync::LazyLock;

    use rand_core::{OsRng, RngCore};
    use secp256k1::{Message, Secp256k1, SecretKey, SignOnly};
    use zeroize::Zeroizing;

    static CONTEXT: LazyLock<Secp256k1<SignOnly>> = LazyLock::new(|| {
        // Blinding against side channels, as libsecp256k1 recommends; the signature
        // does not depend on it.
        let mut context = Secp256k1::signing_only();
        let mut seed = Zeroizing::new([0u8; 32]);
        OsRng.fill_bytes(&mut seed[..]);
        context.seeded_randomize(&seed);
        context
    });
    let bytes = Zeroizing::new(<[u8; 32]>::from(key.to_bytes()));
    let mut secret = SecretKey::from_byte_array(*bytes).ok()?;
    let (recovery_id, rs) = CONTEXT
        .sign_ecdsa_recoverable(Message::from_digest(*digest), &secret)
        .serialize_compact();
    secret.non_secure_erase();
    Some((rs, u8::try_from(i32::from(recovery_id)).ok()?))
}

/// `r ‖ s` and the recovery id (0 or 1), or `None` if the key cannot sign.
#[cfg(not(feature = "evm"))]
pub(crate) fn sign_recoverable(key: &SigningKey, digest: &[u8; 32]) -> Option<([u8; 64], u8)> {
    let (signature, recovery_id) = key.sign_prehash_recoverable(digest).ok()?;
    Some((signature.to_bytes().into(), recovery_id.to_byte()))
}

#[cfg(all(test, feature = "evm"))]
mod tests {
    use k256::ecdsa::{SigningKey, VerifyingKey};

    /// libsecp256k1 signs exactly as k256 does (RFC 6979, low `s`), over many keys and
    /// digests covering both recovery ids, and each signature recovers the key.
    #[test]
    fn libsecp256k1_signs_byte_for_byte_as_k256() {
        let mut ids = [0usize; 2];
        for k in 1u8..=8 {
            let key = SigningKey::from_bytes((&[k; 32]).into()).unwrap();
            for i in 0u16..64 {
                let mut digest = [0u8; 32];
                digest[..2].copy_from_slice(&i.to_be_bytes());
                digest[31] = k;
                let (rs, id) = super::sign_recoverable(&key, &digest).unwrap();
                let (expected, expected_id) = key.sign_prehash_recoverable(&digest).unwrap();
                assert_eq!(rs[..], expected.to_bytes()[..], "key {k}, digest {i}");
                assert_eq!(id, expected_id.to_byte(), "key {k}, digest {i}");
                let recovered =
                    VerifyingKey::recover_from_prehash(&digest, &expected, expected_id).unwrap();
                assert_eq!(&recovered, key.verifying_key());
                ids[usize::from(id)] += 1;
            }
        }
        assert!(ids.iter().all(|n| *n > 100), "both recovery ids: {ids:?}");
    }
}
