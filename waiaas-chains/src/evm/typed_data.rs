//! EIP-712 typed data as `eth_signTypedData_v4` sends it: hashing, signing, and the
//! decoder that turns it into the [`Intent`]s the policy engine judges.
//!
//! Typed data is default-deny and decoded from what its hash covers:
//! - **Exactly what is hashed.** Every struct value in `message` (recursively, through
//!   nested structs and arrays of structs) must carry exactly the fields its type in
//!   `types` declares: an undeclared key (which the hash would ignore) or a missing one is
//!   refused. The domain carries only the fields `EIP712Domain` declares, each declared
//!   with its standard type in the standard order (`name`, `version`, `chainId`,
//!   `verifyingContract`, `salt`). Duplicate JSON keys, keys other than `types`,
//!   `primaryType`, `domain` and `message` at the top, and struct types named like a
//!   Solidity type are refused. Values are read from the hash's own encoding of the message
//!   (alloy's coercion), never re-parsed by other rules. Signing applies the same checks.
//! - **Bounded.** At most 64 KiB; types nest at most 32 levels (structs and array
//!   dimensions) and expand to at most 1 024 fields; tuple field types and structs that
//!   contain themselves are refused (the hashing code recurses and expands per use).
//! - **The variant comes from the declared type.** `types[primaryType]` (and the structs it
//!   uses) must match a standard's field names and Solidity types exactly, in order, so
//!   the type hash is the standard's; the keys that happen to be in the message never
//!   choose the variant.
//! - **Chain.** A domain `chainId` of another network is `CHAIN_MISMATCH`. A recognised
//!   grant or transfer must name its `chainId` and `verifyingContract`: without a chain id
//!   a permit could be replayed on every chain where the contract lives.
//!
//! | `primaryType` and declared fields | intents |
//! |---|---|
//! | EIP-2612 `Permit(address owner,address spender,uint256 value,uint256 nonce,uint256 deadline)` | one `APPROVE` of `value` by the token `verifyingContract` to `spender`; unlimited when `value ≥ 2^255` |
//! | DAI `Permit(address holder,address spender,uint256 nonce,uint256 expiry,bool allowed)` | `allowed`: one unlimited `APPROVE` of the maximum; not `allowed` (a revocation): none |
//! | Permit2 `PermitSingle(PermitDetails details,address spender,uint256 sigDeadline)`, `PermitBatch(PermitDetails[] details,…)` with `PermitDetails(address token,uint160 amount,uint48 expiration,uint48 nonce)` | one `APPROVE` per `details` entry, in order; unlimited when `amount ≥ 2^159` |
//! | Permit2 `PermitTransferFrom(TokenPermissions permitted,address spender,uint256 nonce,uint256 deadline)`, `PermitBatchTransferFrom(TokenPermissions[] permitted,…)`, and the `PermitWitnessTransferFrom` / `PermitBatchWitnessTransferFrom` forms (one witness field of any type after `deadline`) with `TokenPermissions(address token,uint256 amount)` | one `APPROVE` per `permitted` entry (the spender can pull it once, to any recipient); unlimited when `amount ≥ 2^255` |
//! | EIP-3009 `TransferWithAuthorization` / `ReceiveWithAuthorization(address from,address to,uint256 value,uint256 validAfter,uint256 validBefore,bytes32 nonce)` | one `TOKEN_TRANSFER` of `value` of the token `verifyingContract` to `to` |
//! | anything else (another `Permit` shape, EIP-3009 `CancelAuthorization`, an order, a login) | one `TYPED_DATA` intent (`verifyingContract`, `primaryType`): denied unless the operator allow-lists that chain, verifying contract and primary type |
//!
//! A recognised type with a malformed field is refused, never ignored.

use std::collections::BTreeSet;
use std::fmt;

use alloy_dyn_abi::{DynSolType, DynSolValue, Eip712Types, TypeDef, TypedData};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::Value;
use waiaas_core::{Amount, Network, Signer};

use super::{check_chain_id, from_alloy, sign_digest, signature_bytes};
use crate::error::ChainError;
use crate::intent::{Intent, is_unlimited};

/// Largest typed-data JSON accepted.
pub const MAX_TYPED_DATA_BYTES: usize = 64 * 1024;

/// The EIP-712 domain fields, in the order the standard encodes them, with their types.
const DOMAIN_FIELDS: [(&str, &str); 5] = [
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
    ("salt", "bytes32"),
];

const TOP_LEVEL_KEYS: [&str; 4] = ["types", "primaryType", "domain", "message"];

fn invalid(reason: impl Into<String>) -> ChainError {
    ChainError::invalid_tx(reason)
}

/// Walks JSON and fails on an object that repeats a key: parsers disagree on which copy
/// wins, so what one shows need not be what another signs.
struct NoDuplicateKeys;

impl<'de> Deserialize<'de> for NoDuplicateKeys {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(NoDuplicateKeys)
    }
}

impl<'de> Visitor<'de> for NoDuplicateKeys {
    type Value = Self;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self, E> {
        Ok(Self)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self, E> {
        Ok(Self)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self, E> {
        Ok(Self)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self, E> {
        Ok(Self)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self, E> {
        Ok(Self)
    }
    fn visit_unit<E>(self) -> Result<Self, E> {
        Ok(Self)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self, A::Error> {
        while seq.next_element::<Self>()?.is_some() {}
        Ok(Self)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self, A::Error> {
        let mut seen = BTreeSet::new();
        while let Some(key) = map.next_key::<String>()? {
            map.next_value::<Self>()?;
            if !seen.insert(key.clone()) {
                return Err(de::Error::custom(format!("duplicate key `{key}`")));
            }
        }
        Ok(Self)
    }
}

fn parse_json(json: &str) -> Result<Value, ChainError> {
    serde_json::from_str::<NoDuplicateKeys>(json)
        .map_err(|e| invalid(format!("malformed typed data: {e}")))?;
    serde_json::from_str(json).map_err(|e| invalid(format!("malformed typed data: {e}")))
}

/// Parses `eth_signTypedData_v4` JSON (an object, or a JSON string holding one, as some
/// clients send it) and checks that it says exactly what its hash covers: see the module
/// docs.
///
/// # Errors
/// `INVALID_TRANSACTION` for oversized or malformed JSON, a duplicate key, an undeclared or
/// missing struct field, or a domain field `EIP712Domain` does not declare.
pub fn parse_typed_data(json: &str) -> Result<TypedData, ChainError> {
    if json.len() > MAX_TYPED_DATA_BYTES {
        return Err(invalid("typed data larger than 64 KiB"));
    }
    let mut value = parse_json(json)?;
    if let Value::String(inner) = &value {
        value = parse_json(inner)?;
    }
    let Value::Object(top) = &value else {
        return Err(invalid("typed data is not a JSON object"));
    };
    if let Some(key) = top.keys().find(|k| !TOP_LEVEL_KEYS.contains(&k.as_str())) {
        return Err(invalid(format!(
            "typed data has an unknown key `{key}`: only `types`, `primaryType`, `domain` \
             and `message` are signed"
        )));
    }
    check_type_shapes(top.get("types"))?;
    let typed: TypedData = serde_json::from_value(value.clone())
        .map_err(|e| invalid(format!("malformed typed data: {e}")))?;
    check_types(&typed, top.get("types"))?;
    check_domain(&typed, top.get("domain"))?;
    check_message(&typed)?;
    Ok(typed)
}

/// Deepest nesting of structs and array dimensions accepted (Seaport's bulk orders, the
/// deepest in use, nest 28), and the most nodes a type may expand to. The EIP-712 code
/// recurses once per level and expands every use of a struct: deeper or wider adversarial
/// types would overflow the stack or exhaust memory long before the size limit.
const MAX_TYPE_DEPTH: usize = 32;
const MAX_TYPE_NODES: usize = 1024;

/// The base type name and the number of array dimensions of a field type, if it is a name
/// (EIP-712 has no tuple types) followed by `[]` / `[n]` suffixes.
fn field_type(ty: &str) -> Option<(&str, usize)> {
    let (base, mut dims) = ty.split_at(ty.find('[').unwrap_or(ty.len()));
    let mut chars = base.chars();
    let identifier = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_' || c == '$')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '$');
    if !identifier {
        return None;
    }
    let mut count = 0usize;
    while let Some(after) = dims.strip_prefix('[') {
        let (size, rest) = after.split_at(after.find(']')?);
        if !size.chars().all(|c| c.is_ascii_digit()) {
            return None;
        }
        dims = rest.strip_prefix(']')?;
        count = count.saturating_add(1);
    }
    dims.is_empty().then_some((base, count))
}

/// How a struct expands: levels (itself, array dimensions and nested structs) and nodes.
#[derive(Clone, Copy)]
struct Shape {
    depth: usize,
    nodes: usize,
}

/// The [`Shape`] of struct `name` placed at `level`, refused beyond the bounds or when it
/// contains itself. `level` bounds this function's own recursion; `memo` keeps it linear
/// in the number of types.
fn struct_shape<'a>(
    types: &'a serde_json::Map<String, Value>,
    name: &'a str,
    level: usize,
    memo: &mut std::collections::BTreeMap<&'a str, Shape>,
    visiting: &mut BTreeSet<&'a str>,
) -> Result<Shape, ChainError> {
    let too_big = || {
        invalid(format!(
            "typed data types nest deeper than {MAX_TYPE_DEPTH} levels or expand to more \
             than {MAX_TYPE_NODES} fields"
        ))
    };
    let within = |shape: Shape| {
        if level.saturating_add(shape.depth) > MAX_TYPE_DEPTH.saturating_add(1)
            || shape.nodes > MAX_TYPE_NODES
        {
            Err(too_big())
        } else {
            Ok(shape)
        }
    };
    if level > MAX_TYPE_DEPTH {
        return Err(too_big());
    }
    if let Some(shape) = memo.get(name) {
        return within(*shape);
    }
    if !visiting.insert(name) {
        return Err(invalid(format!(
            "typed data struct `{name}` contains itself"
        )));
    }
    let mut shape = Shape { depth: 1, nodes: 1 };
    for field in types
        .get(name)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let Some(ty) = field.get("type").and_then(Value::as_str) else {
            continue; // parsing reports it
        };
        let (base, dims) = field_type(ty).ok_or_else(|| {
            invalid(format!(
                "typed data struct `{name}` has a field of type `{ty}`: use a type name, \
                 optionally with array suffixes"
            ))
        })?;
        let below = if types.contains_key(base) {
            let inner = level.saturating_add(dims).saturating_add(1);
            struct_shape(types, base, inner, memo, visiting)?
        } else {
            Shape { depth: 0, nodes: 1 }
        };
        shape = within(Shape {
            depth: shape
                .depth
                .max(dims.saturating_add(below.depth).saturating_add(1)),
            nodes: shape.nodes.saturating_add(dims).saturating_add(below.nodes),
        })?;
    }
    visiting.remove(name);
    memo.insert(name, shape);
    Ok(shape)
}

/// Bounds the declared types before any recursive code sees them.
fn check_type_shapes(raw: Option<&Value>) -> Result<(), ChainError> {
    let Some(Value::Object(types)) = raw else {
        return Ok(()); // parsing reports it
    };
    let mut memo = std::collections::BTreeMap::new();
    for name in types.keys() {
        struct_shape(types, name, 1, &mut memo, &mut BTreeSet::new())?;
    }
    Ok(())
}

/// Every declared struct survived parsing, none is named like a Solidity type (the hash
/// would encode the value as that type but put the struct in the type string), and no
/// struct declares a field twice.
fn check_types(typed: &TypedData, raw: Option<&Value>) -> Result<(), ChainError> {
    if let Some(Value::Object(raw)) = raw
        && let Some(name) = raw.keys().find(|n| !typed.resolver.contains_type_name(n))
    {
        return Err(invalid(format!(
            "typed data type `{name}` is not a valid struct name"
        )));
    }
    for (name, props) in Eip712Types::from(&typed.resolver).iter() {
        if DynSolType::parse(name).is_ok() {
            return Err(invalid(format!(
                "typed data struct `{name}` has the name of a solidity type: rename it"
            )));
        }
        let mut seen = BTreeSet::new();
        if let Some(prop) = props.iter().find(|p| !seen.insert(p.name())) {
            return Err(invalid(format!(
                "typed data struct `{name}` declares `{}` twice",
                prop.name()
            )));
        }
    }
    Ok(())
}

/// The domain is hashed from its fields whatever `types` says; other implementations hash
/// it from `EIP712Domain`. Both must describe the same fields.
fn check_domain(typed: &TypedData, raw: Option<&Value>) -> Result<(), ChainError> {
    let empty = serde_json::Map::new();
    let domain = match raw {
        None => &empty,
        Some(Value::Object(domain)) => domain,
        Some(_) => return Err(invalid("typed data `domain` is not an object")),
    };
    for (key, value) in domain {
        if !DOMAIN_FIELDS.iter().any(|(name, _)| name == key) {
            return Err(invalid(format!(
                "typed data domain field `{key}` is not an EIP-712 domain field: the signature \
                 would not cover it"
            )));
        }
        if value.is_null() {
            return Err(invalid(format!(
                "typed data domain field `{key}` is null: omit it instead"
            )));
        }
    }
    let expected: Vec<(&str, &str)> = DOMAIN_FIELDS
        .iter()
        .copied()
        .filter(|(name, _)| domain.contains_key(*name))
        .collect();
    let declared = declared_fields(
        &typed.resolver.linearize("EIP712Domain").unwrap_or_default(),
        "EIP712Domain",
    );
    if declared != expected {
        return Err(invalid(
            "typed data `EIP712Domain` must declare exactly the domain's fields, with their \
             standard types, in the standard order (name, version, chainId, \
             verifyingContract, salt)",
        ));
    }
    Ok(())
}

fn check_message(typed: &TypedData) -> Result<(), ChainError> {
    if typed.primary_type == "EIP712Domain" {
        // Only the domain is hashed: a message would be shown but not signed.
        return match &typed.message {
            Value::Null => Ok(()),
            Value::Object(m) if m.is_empty() => Ok(()),
            _ => Err(invalid(
                "typed data whose primary type is `EIP712Domain` signs no message: send an \
                 empty `message`",
            )),
        };
    }
    let ty = typed
        .resolver
        .resolve(&typed.primary_type)
        .map_err(|e| invalid(format!("typed data does not encode: {e}")))?;
    if !matches!(ty, DynSolType::CustomStruct { .. }) {
        return Err(invalid(format!(
            "typed data primary type `{}` is not a struct",
            typed.primary_type
        )));
    }
    check_value(&ty, &typed.message, "message")
}

/// Each struct value carries exactly its declared fields, recursively.
fn check_value(ty: &DynSolType, value: &Value, path: &str) -> Result<(), ChainError> {
    match ty {
        DynSolType::CustomStruct {
            name,
            prop_names,
            tuple,
        } => {
            let Value::Object(object) = value else {
                return Err(invalid(format!(
                    "typed data `{path}` is not a `{name}` struct"
                )));
            };
            if let Some(key) = object.keys().find(|k| !prop_names.contains(k)) {
                return Err(invalid(format!(
                    "typed data `{path}.{key}` is not declared in `{name}`: the signature \
                     would not cover it"
                )));
            }
            for (prop, prop_ty) in prop_names.iter().zip(tuple) {
                let child = object.get(prop).ok_or_else(|| {
                    invalid(format!(
                        "typed data `{path}` is missing `{prop}`, declared in `{name}`"
                    ))
                })?;
                check_value(prop_ty, child, &format!("{path}.{prop}"))?;
            }
            Ok(())
        }
        DynSolType::Array(inner) | DynSolType::FixedArray(inner, _) => {
            if let Value::Array(items) = value {
                for (i, item) in items.iter().enumerate() {
                    check_value(inner, item, &format!("{path}[{i}]"))?;
                }
            }
            Ok(())
        }
        DynSolType::Tuple(inner) => {
            if let Value::Array(items) = value {
                for (i, (item, item_ty)) in items.iter().zip(inner).enumerate() {
                    check_value(item_ty, item, &format!("{path}[{i}]"))?;
                }
            }
            Ok(())
        }
        _ => Ok(()),
    }
}

fn signing_hash(typed: &TypedData) -> Result<[u8; 32], ChainError> {
    let hash = typed
        .eip712_signing_hash()
        .map_err(|e| invalid(format!("typed data does not encode: {e}")))?;
    Ok(hash.0)
}

/// The EIP-712 signing hash `keccak256(0x19 0x01 ‖ domainSeparator ‖ hashStruct(message))`.
///
/// # Errors
/// `INVALID_TRANSACTION` for malformed typed data (see [`parse_typed_data`]).
pub fn typed_data_hash(json: &str) -> Result<[u8; 32], ChainError> {
    signing_hash(&parse_typed_data(json)?)
}

fn check_domain_chain(network: Network, typed: &TypedData) -> Result<(), ChainError> {
    if let Some(chain_id) = typed.domain.chain_id {
        let found = u64::try_from(chain_id).map_err(|_| invalid("domain chain id is too large"))?;
        check_chain_id(network, found)?;
    }
    Ok(())
}

/// Signs typed data with the signer's wallet: 65 bytes `r ‖ s ‖ v` (`v` 27/28). The
/// checks of [`parse_typed_data`] apply; a domain `chainId` other than the wallet
/// network's is refused before signing. Judge it first with [`decode_typed_data`].
///
/// # Errors
/// `INVALID_TRANSACTION` for malformed typed data; `CHAIN_MISMATCH`; vault errors.
pub fn sign_typed_data(signer: &dyn Signer, json: &str) -> Result<[u8; 65], ChainError> {
    let typed = parse_typed_data(json)?;
    check_domain_chain(signer.network(), &typed)?;
    let hash = signing_hash(&typed)?;
    let signature = sign_digest(signer, &hash)?;
    Ok(signature_bytes(&signature))
}

/// Recovers the address that signed typed data (65 bytes `r ‖ s ‖ v`).
///
/// # Errors
/// `INVALID_TRANSACTION` for malformed typed data; `INVALID_SIGNATURE` for a signature
/// that recovers no key.
pub fn recover_typed_data_signer(
    json: &str,
    signature: &[u8],
) -> Result<waiaas_core::EvmAddress, ChainError> {
    let hash = typed_data_hash(json)?;
    crate::owner::recover_prehash_signer(&hash, signature)
}

// The standard shapes: field names and Solidity types, in order.
const EIP2612_PERMIT: [(&str, &str); 5] = [
    ("owner", "address"),
    ("spender", "address"),
    ("value", "uint256"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
];
const DAI_PERMIT: [(&str, &str); 5] = [
    ("holder", "address"),
    ("spender", "address"),
    ("nonce", "uint256"),
    ("expiry", "uint256"),
    ("allowed", "bool"),
];
const PERMIT_DETAILS: [(&str, &str); 4] = [
    ("token", "address"),
    ("amount", "uint160"),
    ("expiration", "uint48"),
    ("nonce", "uint48"),
];
const PERMIT_SINGLE: [(&str, &str); 3] = [
    ("details", "PermitDetails"),
    ("spender", "address"),
    ("sigDeadline", "uint256"),
];
const PERMIT_BATCH: [(&str, &str); 3] = [
    ("details", "PermitDetails[]"),
    ("spender", "address"),
    ("sigDeadline", "uint256"),
];
const TOKEN_PERMISSIONS: [(&str, &str); 2] = [("token", "address"), ("amount", "uint256")];
const PERMIT_TRANSFER_FROM: [(&str, &str); 4] = [
    ("permitted", "TokenPermissions"),
    ("spender", "address"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
];
const PERMIT_BATCH_TRANSFER_FROM: [(&str, &str); 4] = [
    ("permitted", "TokenPermissions[]"),
    ("spender", "address"),
    ("nonce", "uint256"),
    ("deadline", "uint256"),
];
const EIP3009_AUTHORIZATION: [(&str, &str); 6] = [
    ("from", "address"),
    ("to", "address"),
    ("value", "uint256"),
    ("validAfter", "uint256"),
    ("validBefore", "uint256"),
    ("nonce", "bytes32"),
];

/// A recognised standard. `batch`: the grants are a list, not one struct.
#[derive(Clone, Copy)]
enum Standard {
    Eip2612,
    Dai,
    Permit2Allowance { batch: bool },
    Permit2Transfer { batch: bool },
    Eip3009,
}

fn declared_fields<'a>(defs: &[&'a TypeDef], name: &str) -> Vec<(&'a str, &'a str)> {
    defs.iter()
        .find(|d| d.type_name() == name)
        .map(|d| {
            d.props()
                .iter()
                .map(|p| (p.name(), p.type_name()))
                .collect()
        })
        .unwrap_or_default()
}

/// The standard `types[primaryType]` declares, if any. Struct names cannot shadow
/// Solidity types ([`check_types`]), so equal declarations mean equal type hashes.
fn recognise(typed: &TypedData) -> Option<Standard> {
    let defs = typed.resolver.linearize(&typed.primary_type).ok()?;
    let primary = declared_fields(&defs, &typed.primary_type);
    let is = |shape: &[(&str, &str)]| primary.as_slice() == shape;
    // A witness form: the standard fields, then exactly one witness of any type.
    let with_witness = |shape: &[(&str, &str)]| {
        primary.len() == shape.len().saturating_add(1) && primary.get(..shape.len()) == Some(shape)
    };
    let details = declared_fields(&defs, "PermitDetails").as_slice() == PERMIT_DETAILS;
    let permissions = declared_fields(&defs, "TokenPermissions").as_slice() == TOKEN_PERMISSIONS;
    match typed.primary_type.as_str() {
        "Permit" if is(&EIP2612_PERMIT) => Some(Standard::Eip2612),
        "Permit" if is(&DAI_PERMIT) => Some(Standard::Dai),
        "PermitSingle" if details && is(&PERMIT_SINGLE) => {
            Some(Standard::Permit2Allowance { batch: false })
        }
        "PermitBatch" if details && is(&PERMIT_BATCH) => {
            Some(Standard::Permit2Allowance { batch: true })
        }
        "PermitTransferFrom" if permissions && is(&PERMIT_TRANSFER_FROM) => {
            Some(Standard::Permit2Transfer { batch: false })
        }
        "PermitWitnessTransferFrom" if permissions && with_witness(&PERMIT_TRANSFER_FROM) => {
            Some(Standard::Permit2Transfer { batch: false })
        }
        "PermitBatchTransferFrom" if permissions && is(&PERMIT_BATCH_TRANSFER_FROM) => {
            Some(Standard::Permit2Transfer { batch: true })
        }
        "PermitBatchWitnessTransferFrom"
            if permissions && with_witness(&PERMIT_BATCH_TRANSFER_FROM) =>
        {
            Some(Standard::Permit2Transfer { batch: true })
        }
        "TransferWithAuthorization" | "ReceiveWithAuthorization" if is(&EIP3009_AUTHORIZATION) => {
            Some(Standard::Eip3009)
        }
        _ => None,
    }
}

// Readers of the coerced message: the values exactly as the hash encodes them.
fn struct_fields(value: &DynSolValue) -> Result<&[DynSolValue], ChainError> {
    match value {
        DynSolValue::CustomStruct { tuple, .. } => Ok(tuple),
        _ => Err(invalid("typed data struct does not encode as a struct")),
    }
}

fn address_at(fields: &[DynSolValue], index: usize, name: &str) -> Result<String, ChainError> {
    match fields.get(index) {
        Some(DynSolValue::Address(a)) => Ok(from_alloy(*a).to_checksum()),
        _ => Err(invalid(format!("typed data `{name}` is not an address"))),
    }
}

fn uint_at(fields: &[DynSolValue], index: usize, name: &str) -> Result<Amount, ChainError> {
    match fields.get(index) {
        Some(DynSolValue::Uint(v, _)) => Ok(Amount::from_u256(*v)),
        _ => Err(invalid(format!(
            "typed data `{name}` is not an unsigned integer"
        ))),
    }
}

fn bool_at(fields: &[DynSolValue], index: usize, name: &str) -> Result<bool, ChainError> {
    match fields.get(index) {
        Some(DynSolValue::Bool(b)) => Ok(*b),
        _ => Err(invalid(format!("typed data `{name}` is not a boolean"))),
    }
}

/// The grant entries of a Permit2 message: field 0, one struct or a list of them.
fn entries(fields: &[DynSolValue], batch: bool) -> Result<&[DynSolValue], ChainError> {
    match (fields.first(), batch) {
        (Some(DynSolValue::Array(items)), true) => Ok(items),
        (Some(single @ DynSolValue::CustomStruct { .. }), false) => {
            Ok(std::slice::from_ref(single))
        }
        _ => Err(invalid("typed data permit entries do not encode")),
    }
}

fn permit2_grants(
    fields: &[DynSolValue],
    batch: bool,
    bits: u32,
) -> Result<Vec<Intent>, ChainError> {
    let spender = address_at(fields, 1, "spender")?;
    entries(fields, batch)?
        .iter()
        .map(|entry| {
            let entry = struct_fields(entry)?;
            let amount = uint_at(entry, 1, "amount")?;
            Ok(Intent::Approve {
                token: Some(address_at(entry, 0, "token")?),
                spender: spender.clone(),
                amount,
                decimals: None,
                unlimited: is_unlimited(amount, bits),
            })
        })
        .collect()
}

/// A Permit2 signature transfer lets `spender` pull each permitted amount once, to any
/// recipient it names, while the signature is valid (nonces are unordered: several can be
/// live at once). Each entry is both a grant to the spender (APPROVED_SPENDERS decides)
/// and a transfer of that amount out of the wallet, reserved like any transfer; the
/// spender stands for the recipient it will choose.
fn permit2_transfers(fields: &[DynSolValue], batch: bool) -> Result<Vec<Intent>, ChainError> {
    let mut out = Vec::new();
    for grant in permit2_grants(fields, batch, 256)? {
        if let Intent::Approve {
            token,
            spender,
            amount,
            ..
        } = &grant
        {
            let transfer = Intent::TokenTransfer {
                token: token.clone(),
                to: spender.clone(),
                amount: *amount,
                decimals: None,
                program: None,
            };
            out.push(grant);
            out.push(transfer);
        }
    }
    Ok(out)
}

/// Decodes typed data for a wallet on `network` into what signing it would do (see the
/// module docs): the approvals or transfer of a recognised standard, in order (empty for
/// a DAI revocation), or one [`Intent::TypedData`] for anything else.
///
/// # Errors
/// `INVALID_TRANSACTION` for typed data [`parse_typed_data`] refuses, that does not
/// encode, or a recognised standard without a domain `chainId` or `verifyingContract`;
/// `CHAIN_MISMATCH` for a domain `chainId` of another network.
pub fn decode_typed_data(network: Network, json: &str) -> Result<Vec<Intent>, ChainError> {
    Ok(typed_data_effects(network, json)?.intents)
}

/// What signing typed data would do, and until when the signature can be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypedDataEffects {
    /// As [`decode_typed_data`].
    pub intents: Vec<Intent>,
    /// Until when a signature over a recognised standard can be used (Unix seconds, as
    /// the hashed struct states it): EIP-2612 `deadline`, DAI `expiry` (0 = never,
    /// [`Amount::MAX`]), Permit2 `sigDeadline` / `deadline`, EIP-3009 `validBefore`.
    /// `None` for typed data of another type (its lifetime is the operator's call when
    /// they allow-list it). A signature that stays valid long can be held back and used
    /// after the kill switch, like a durable nonce.
    pub valid_until: Option<Amount>,
}

/// [`decode_typed_data`] and the signature's lifetime, from one decoding.
///
/// # Errors
/// As [`decode_typed_data`].
pub fn typed_data_effects(network: Network, json: &str) -> Result<TypedDataEffects, ChainError> {
    let typed = parse_typed_data(json)?;
    check_domain_chain(network, &typed)?;
    // The hash must be computable, or the wallet could never sign it anyway.
    signing_hash(&typed)?;
    let primary = typed.primary_type.as_str();
    let verifying_contract = typed
        .domain
        .verifying_contract
        .map(|a| from_alloy(a).to_checksum());
    let Some(standard) = recognise(&typed) else {
        return Ok(TypedDataEffects {
            intents: vec![Intent::TypedData {
                verifying_contract,
                primary_type: typed.primary_type.clone(),
            }],
            valid_until: None,
        });
    };
    if typed.domain.chain_id.is_none() {
        return Err(invalid(format!(
            "`{primary}` typed data must name its `chainId` in the domain, or it could be \
             replayed on another chain"
        )));
    }
    let token = verifying_contract.ok_or_else(|| {
        invalid(format!(
            "`{primary}` typed data must name its `verifyingContract` in the domain"
        ))
    })?;
    let message = typed
        .coerce()
        .map_err(|e| invalid(format!("typed data does not encode: {e}")))?;
    let fields = struct_fields(&message)?;
    let intents = match standard {
        Standard::Eip2612 => {
            let amount = uint_at(fields, 2, "value")?;
            Ok(vec![Intent::Approve {
                token: Some(token),
                spender: address_at(fields, 1, "spender")?,
                amount,
                decimals: None,
                unlimited: is_unlimited(amount, 256),
            }])
        }
        Standard::Dai => {
            let spender = address_at(fields, 1, "spender")?;
            if bool_at(fields, 4, "allowed")? {
                Ok(vec![Intent::Approve {
                    token: Some(token),
                    spender,
                    amount: Amount::MAX,
                    decimals: None,
                    unlimited: true,
                }])
            } else {
                // `allowed: false` sets the allowance to zero: a revocation grants nothing.
                Ok(Vec::new())
            }
        }
        Standard::Permit2Allowance { batch } => permit2_grants(fields, batch, 160),
        Standard::Permit2Transfer { batch } => permit2_transfers(fields, batch),
        Standard::Eip3009 => Ok(vec![Intent::TokenTransfer {
            token: Some(token),
            to: address_at(fields, 1, "to")?,
            amount: uint_at(fields, 2, "value")?,
            decimals: None,
            program: None,
        }]),
    }?;
    Ok(TypedDataEffects {
        intents,
        valid_until: Some(valid_until(standard, fields)?),
    })
}

/// The lifetime field of a recognised standard (see [`TypedDataEffects::valid_until`]).
fn valid_until(standard: Standard, fields: &[DynSolValue]) -> Result<Amount, ChainError> {
    Ok(match standard {
        Standard::Eip2612 | Standard::Eip3009 => uint_at(fields, 4, "deadline")?,
        Standard::Dai => {
            let expiry = uint_at(fields, 3, "expiry")?;
            if expiry.is_zero() {
                Amount::MAX
            } else {
                expiry
            }
        }
        Standard::Permit2Allowance { .. } => uint_at(fields, 2, "sigDeadline")?,
        Standard::Permit2Transfer { .. } => uint_at(fields, 3, "deadline")?,
    })
}
