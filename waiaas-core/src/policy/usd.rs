//! Exact USD values.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::amount::Amount;
use crate::error::ValidationError;

/// A non-negative, exact USD value (28 significant digits, no floats).
///
/// On the wire it is a decimal string (`"12.50"`); JSON numbers are accepted on input
/// and converted from their shortest decimal spelling, never through binary floating
/// point arithmetic.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct Usd(Decimal);

impl Usd {
    /// The USD value of `amount` base units at `decimals` at `usd` per whole unit.
    /// `None` when the amount cannot be represented with 28 significant digits; an
    /// overflowing product is [`Usd::MAX`] (more than any limit).
    #[must_use]
    pub fn value_of(amount: Amount, decimals: u8, usd: Usd) -> Option<Usd> {
        let mantissa = i128::try_from(amount.as_u256()).ok()?;
        let units = Decimal::try_from_i128_with_scale(mantissa, u32::from(decimals)).ok()?;
        Some(
            units
                .checked_mul(usd.0)
                .and_then(Usd::from_decimal)
                .unwrap_or(Usd::MAX),
        )
    }

    /// Zero dollars.
    pub const ZERO: Usd = Usd(Decimal::ZERO);
    /// The largest representable value; used as "more than any limit".
    pub const MAX: Usd = Usd(Decimal::MAX);

    /// Parses `digits` or `digits.digits` (no sign, exponent, spaces or separators).
    ///
    /// # Errors
    /// `INVALID_AMOUNT` when `s` is not such a decimal or has more than 28 significant
    /// digits.
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let bad = |reason: &str| ValidationError::InvalidAmount {
            input: s.to_owned(),
            reason: reason.to_owned(),
        };
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty() || (s.contains('.') && frac.is_empty()) {
            return Err(bad("write a plain decimal such as `12.50`"));
        }
        if !digits(whole) || !digits(frac) {
            return Err(bad(
                "use plain decimal digits with at most one `.`; no sign, spaces, exponent or separators",
            ));
        }
        Decimal::from_str_exact(s)
            .map(|d| Self(d.normalize()))
            .map_err(|_| bad("too many significant digits (at most 28)"))
    }

    /// From a decimal, when it is not negative.
    #[must_use]
    pub fn from_decimal(d: Decimal) -> Option<Self> {
        (!d.is_sign_negative() || d.is_zero()).then(|| Self(d.normalize().abs()))
    }

    /// From whole dollars.
    #[must_use]
    pub fn from_u64(v: u64) -> Self {
        Self(Decimal::from(v))
    }

    /// The decimal value.
    #[must_use]
    pub const fn as_decimal(&self) -> Decimal {
        self.0
    }

    /// `self + rhs`, saturating at [`Usd::MAX`] (a saturated total exceeds every limit).
    #[must_use]
    pub fn saturating_add(self, rhs: Usd) -> Usd {
        self.0
            .checked_add(rhs.0)
            .map_or(Usd::MAX, |d| Usd(d.normalize()))
    }

    /// `self - rhs`, floored at zero.
    #[must_use]
    pub fn saturating_sub(self, rhs: Usd) -> Usd {
        match self.0.checked_sub(rhs.0) {
            Some(d) if !d.is_sign_negative() || d.is_zero() => Usd(d.normalize().abs()),
            _ => Usd::ZERO,
        }
    }
}

impl fmt::Display for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.normalize().fmt(f)
    }
}

impl fmt::Debug for Usd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Usd({self})")
    }
}

impl FromStr for Usd {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl Serialize for Usd {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Usd {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Usd;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a non-negative decimal USD value such as \"12.50\"")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<Usd, E> {
                Usd::parse(v).map_err(E::custom)
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<Usd, E> {
                Ok(Usd::from_u64(v))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<Usd, E> {
                u64::try_from(v)
                    .map(Usd::from_u64)
                    .map_err(|_| E::custom(format!("`{v}` is negative")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<Usd, E> {
                // The shortest decimal spelling of the JSON number, parsed exactly.
                Usd::parse(&v.to_string()).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}
