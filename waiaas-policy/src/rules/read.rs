//! Reading one rules object: a `deny_unknown_fields` serde struct fixes which keys
//! exist (snake_case only), and the value conversions below turn each field into its
//! typed form with an error naming the field (`rules.instant_max`, `rules.tokens[0]`).

use std::collections::BTreeSet;

use serde::de::{self, DeserializeOwned, Deserializer, Visitor};
use serde_json::Value;
use waiaas_core::{Address, Amount, Chain, Tier, Usd, ValidationError};

use crate::matching::{DomainPattern, parse_any_address, parse_selector};

use super::DomainPatternPublic;

/// Most entries one list may hold.
const MAX_LIST: usize = 1_000;

/// A validation error naming `field`.
pub(super) fn err(field: &str, reason: impl Into<String>) -> ValidationError {
    ValidationError::field(field, reason)
}

/// `path.name`.
pub(super) fn at(path: &str, name: &str) -> String {
    format!("{path}.{name}")
}

/// Deserializes the object at `path` into `T`, a `deny_unknown_fields` struct whose
/// fields are the snake_case keys of one rules object.
///
/// A key `T` does not know is refused naming it; a camelCase key whose snake_case
/// form `T` knows is refused naming the spelling to use (`unknown field
/// `instantMax`; use `instant_max``).
pub(super) fn object<T: DeserializeOwned>(v: &Value, path: &str) -> Result<T, ValidationError> {
    let Value::Object(map) = v else {
        return Err(err(path, "must be a JSON object"));
    };
    T::deserialize(v).map_err(|e| {
        let known = field_names::<T>();
        match map.keys().find(|k| !known.contains(&k.as_str())) {
            Some(key) => unknown_field(path, key, known),
            None => err(path, e.to_string()),
        }
    })
}

/// The refusal of `key`, which is not one of `known`.
fn unknown_field(path: &str, key: &str, known: &[&str]) -> ValidationError {
    let snake = snake_case(key);
    let reason = if snake != key && known.contains(&snake.as_str()) {
        format!("unknown field `{key}`; use `{snake}`")
    } else {
        let list = known
            .iter()
            .map(|k| format!("`{k}`"))
            .collect::<Vec<_>>()
            .join(", ");
        format!("unknown field `{key}`; expected one of {list}")
    };
    err(&at(path, key), reason)
}

/// `instantMaxUsd` → `instant_max_usd`.
fn snake_case(key: &str) -> String {
    let mut out = String::with_capacity(key.len());
    for c in key.chars() {
        if c.is_ascii_uppercase() {
            out.push('_');
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    out
}

/// The field names serde derived for struct `T` (what `deny_unknown_fields` accepts),
/// read by asking `T` to deserialize itself from a probe that records them.
fn field_names<T: DeserializeOwned>() -> &'static [&'static str] {
    struct Probe<'a>(&'a mut &'static [&'static str]);

    impl<'de> Deserializer<'de> for Probe<'_> {
        type Error = de::value::Error;

        fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Self::Error> {
            Err(de::Error::custom("not a struct"))
        }

        fn deserialize_struct<V: Visitor<'de>>(
            self,
            _name: &'static str,
            fields: &'static [&'static str],
            _: V,
        ) -> Result<V::Value, Self::Error> {
            *self.0 = fields;
            Err(de::Error::custom("fields recorded"))
        }

        serde::forward_to_deserialize_any! {
            bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes
            byte_buf option unit unit_struct newtype_struct seq tuple tuple_struct map
            enum identifier ignored_any
        }
    }

    let mut fields: &'static [&'static str] = &[];
    // The probe always fails; only the recorded names matter.
    if T::deserialize(Probe(&mut fields)).is_ok() {
        return &[];
    }
    fields
}

/// A required field: present and not `null`.
pub(super) fn required<'v>(
    v: Option<&'v Value>,
    path: &str,
    name: &str,
) -> Result<(&'v Value, String), ValidationError> {
    let p = at(path, name);
    match v {
        Some(v) => Ok((v, p)),
        None => Err(err(&p, "is required")),
    }
}

/// An optional field converted with `f`.
pub(super) fn opt<T>(
    v: Option<&Value>,
    path: &str,
    name: &str,
    f: impl Fn(&Value, &str) -> Result<T, ValidationError>,
) -> Result<Option<T>, ValidationError> {
    v.map(|v| f(v, &at(path, name))).transpose()
}

pub(super) fn as_str<'v>(v: &'v Value, path: &str) -> Result<&'v str, ValidationError> {
    v.as_str().ok_or_else(|| err(path, "must be a string"))
}

pub(super) fn as_u64(v: &Value, path: &str) -> Result<u64, ValidationError> {
    v.as_u64()
        .ok_or_else(|| err(path, "must be a non-negative whole number"))
}

pub(super) fn as_bool(v: &Value, path: &str) -> Result<bool, ValidationError> {
    v.as_bool()
        .ok_or_else(|| err(path, "must be true or false"))
}

pub(super) fn as_array<'v>(v: &'v Value, path: &str) -> Result<&'v Vec<Value>, ValidationError> {
    let a = v.as_array().ok_or_else(|| err(path, "must be a list"))?;
    if a.len() > MAX_LIST {
        return Err(err(path, format!("holds more than {MAX_LIST} entries")));
    }
    Ok(a)
}

pub(super) fn as_base_units(v: &Value, path: &str) -> Result<Amount, ValidationError> {
    let s = as_str(v, path).map_err(|_| {
        err(
            path,
            "must be a string of base-unit digits such as \"1000000\"",
        )
    })?;
    Amount::parse_base_units(s).map_err(|e| err(path, e.to_string()))
}

/// The decimal text of a string or a JSON number (read from its decimal spelling).
pub(super) fn decimal_text(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn as_usd(v: &Value, path: &str) -> Result<Usd, ValidationError> {
    let text = decimal_text(v).ok_or_else(|| err(path, "must be a decimal such as \"10.50\""))?;
    Usd::parse(&text).map_err(|e| err(path, e.to_string()))
}

pub(super) fn positive_usd(v: Usd, path: &str) -> Result<Usd, ValidationError> {
    if v == Usd::ZERO {
        return Err(err(path, "must be greater than zero"));
    }
    Ok(v)
}

pub(super) fn as_positive_usd(v: &Value, path: &str) -> Result<Usd, ValidationError> {
    positive_usd(as_usd(v, path)?, path)
}

pub(super) fn as_tier(v: &Value, path: &str) -> Result<Tier, ValidationError> {
    as_str(v, path)?
        .parse()
        .map_err(|_| err(path, "must be INSTANT, NOTIFY, DELAY or APPROVAL"))
}

pub(super) fn as_chain(v: &Value, path: &str) -> Result<Chain, ValidationError> {
    as_str(v, path)?
        .parse()
        .map_err(|_| err(path, "must be `solana` or `ethereum`"))
}

pub(super) fn as_address(
    v: &Value,
    path: &str,
    chain: Option<Chain>,
) -> Result<Address, ValidationError> {
    let s = as_str(v, path)?;
    let parsed = match chain {
        Some(c) => Address::parse(c, s),
        None => parse_any_address(s),
    };
    parsed.map_err(|e| err(path, e.to_string()))
}

/// A non-empty list of names (markets, venues, assets), lowercased.
pub(super) fn nonempty_strings(v: &Value, path: &str) -> Result<BTreeSet<String>, ValidationError> {
    let mut out = BTreeSet::new();
    for (i, item) in as_array(v, path)?.iter().enumerate() {
        let p = format!("{path}[{i}]");
        let s = as_str(item, &p)?;
        if s.is_empty() || s.trim() != s || s.chars().any(char::is_control) {
            return Err(err(
                &p,
                "must be non-empty, without surrounding spaces or control characters",
            ));
        }
        out.insert(s.to_lowercase());
    }
    if out.is_empty() {
        return Err(err(path, "must list at least one entry"));
    }
    Ok(out)
}

/// A non-empty list of domain patterns.
pub(super) fn domains(v: &Value, path: &str) -> Result<Vec<DomainPatternPublic>, ValidationError> {
    let arr = as_array(v, path)?;
    if arr.is_empty() {
        return Err(err(path, "must list at least one domain"));
    }
    arr.iter()
        .enumerate()
        .map(|(i, d)| {
            let p = format!("{path}[{i}]");
            DomainPattern::parse(as_str(d, &p)?)
                .map(DomainPatternPublic)
                .map_err(|e| err(&p, e))
        })
        .collect()
}

/// A list of selectors (`0x` + hex), each error naming its index.
pub(super) fn selector_set(
    list: &[Value],
    path: &str,
) -> Result<BTreeSet<Vec<u8>>, ValidationError> {
    list.iter()
        .enumerate()
        .map(|(j, s)| {
            let at = format!("{path}[{j}]");
            parse_selector(as_str(s, &at)?).map_err(|e| err(&at, e))
        })
        .collect()
}
