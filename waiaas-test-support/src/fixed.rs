//! Fixed values the tests share, so a clock or a password is not retyped per crate.

/// The fixed test time (Unix seconds, 2027-01-15) every `ManualClock` starts at.
pub const T0: i64 = 1_800_000_000;

/// The master password of the test vaults.
pub const PASSWORD: &str = "correct horse battery staple";
