//! Wiping the stack below a secret-handling call.
//!
//! Moving a key (returning it, boxing it, passing it by value) copies its bytes from one
//! stack frame to the next, and the crypto crates keep copies in locals they do not
//! zeroize (a generated seed, a hash's block buffer). `Zeroizing` wipes only the last
//! home of a value; the copies stay in the dead frames below the caller until something
//! else happens to overwrite them. The vault calls [`wipe_below`] when a call that
//! handled a secret returns, so no copy outlives the call on the thread's stack
//! (`waiaas/tests/secrets_in_memory.rs` scans the process for them).

/// Bytes wiped below the caller's frame: deeper than the key generation, opening and
/// signing calls go (debug builds included), small enough for any thread's stack
/// (JVM and Node worker threads have 512 KiB or more).
const WIPE_BYTES: usize = 48 * 1024;

/// Overwrites the `WIPE_BYTES` of stack below the caller's frame with zeros.
#[inline(never)]
pub(super) fn wipe_below() {
    let scratch = [0u8; WIPE_BYTES];
    // Opaque use: the zeros must really be written.
    std::hint::black_box(&scratch);
}
