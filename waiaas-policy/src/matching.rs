//! Strict parsers and matchers for addresses, selectors, domains and asset keys.
//! Nothing is trimmed or normalized beyond what the format defines: malformed input
//! is refused, so an allow-list can never be widened by a prefix or whitespace game.

use waiaas_core::{Address, Chain, EvmAddress, Network, SolanaAddress, ValidationError};

/// Parses an address of either chain: `0x…` is EVM (base58 has no `0`), anything else
/// Solana.
pub(crate) fn parse_any_address(s: &str) -> Result<Address, ValidationError> {
    if s.starts_with("0x") {
        EvmAddress::parse(s).map(Address::Evm)
    } else {
        SolanaAddress::parse(s).map(Address::Solana)
    }
}

/// Parses `s` as an address of `chain`.
pub(crate) fn parse_address(chain: Chain, s: &str) -> Result<Address, ValidationError> {
    Address::parse(chain, s)
}

/// `0x` + lowercase hex of a selector.
pub(crate) fn selector_hex(s: &[u8]) -> String {
    let mut out = String::from("0x");
    for b in s {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// A function selector or instruction discriminator: `0x` + 2 to 16 lowercase or
/// uppercase hex digits (1 to 8 bytes), compared by value.
pub(crate) fn parse_selector(s: &str) -> Result<Vec<u8>, String> {
    let hex_part = s
        .strip_prefix("0x")
        .ok_or_else(|| format!("selector `{s}` must start with `0x`"))?;
    if hex_part.is_empty() || hex_part.len() > 16 || hex_part.len() % 2 != 0 {
        return Err(format!(
            "selector `{s}` must be `0x` followed by 2 to 16 hex digits (an even number)"
        ));
    }
    if !hex_part.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(format!(
            "selector `{s}` contains a character that is not a hex digit"
        ));
    }
    hex_decode(hex_part).ok_or_else(|| format!("selector `{s}` is not valid hex"))
}

fn hex_val(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => b.checked_sub(b'0'),
        b'a'..=b'f' => b.checked_sub(b'a').and_then(|v| v.checked_add(10)),
        b'A'..=b'F' => b.checked_sub(b'A').and_then(|v| v.checked_add(10)),
        _ => None,
    }
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    s.as_bytes()
        .chunks(2)
        .map(|pair| match pair {
            [hi, lo] => Some(hex_val(*hi)?.checked_mul(16)?.checked_add(hex_val(*lo)?)?),
            _ => None,
        })
        .collect()
}

/// A domain name: ASCII letters, digits and `-` in dot-separated labels of 1 to 63
/// characters, at most 253 in total; no scheme, port, path, trailing dot or spaces.
/// Returned in lowercase (domains compare case-insensitively).
pub(crate) fn parse_domain(s: &str) -> Result<String, String> {
    if s.is_empty() || s.len() > 253 {
        return Err(format!("domain `{s}` must be 1 to 253 characters"));
    }
    for label in s.split('.') {
        if label.is_empty() || label.len() > 63 {
            return Err(format!(
                "domain `{s}` has an empty or over-long label; write it like `api.example.com`"
            ));
        }
        if !label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
            || label.starts_with('-')
            || label.ends_with('-')
        {
            return Err(format!(
                "domain `{s}` may hold only ASCII letters, digits, `-` and `.` (no scheme, port, path or spaces; use punycode for non-ASCII names)"
            ));
        }
    }
    Ok(s.to_ascii_lowercase())
}

/// An allowed-domain pattern: an exact domain, or `*.example.com` which matches any
/// deeper subdomain of `example.com` (not `example.com` itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum DomainPattern {
    /// Exactly this domain.
    Exact(String),
    /// Strict subdomains of this domain.
    Wildcard(String),
}

impl DomainPattern {
    pub(crate) fn parse(s: &str) -> Result<Self, String> {
        match s.strip_prefix("*.") {
            Some(rest) => parse_domain(rest).map(Self::Wildcard),
            None => parse_domain(s).map(Self::Exact),
        }
    }

    /// Whether `domain` (already parsed, lowercase) matches, on a dot boundary.
    pub(crate) fn matches(&self, domain: &str) -> bool {
        match self {
            Self::Exact(d) => d == domain,
            Self::Wildcard(base) => domain
                .strip_suffix(base.as_str())
                .and_then(|head| head.strip_suffix('.'))
                .is_some_and(|head| !head.is_empty()),
        }
    }
}

/// A key of `token_limits`, most specific first when matching.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum AssetKey {
    /// A CAIP-19 asset id (canonical: EVM addresses lowercase).
    Caip19(String),
    /// `native:<network id>`.
    NativeNetwork(Network),
    /// `native:<chain>`.
    NativeChain(Chain),
    /// `native`.
    Native,
}

impl AssetKey {
    pub(crate) fn parse(s: &str) -> Result<Self, String> {
        if s == "native" {
            return Ok(Self::Native);
        }
        if let Some(rest) = s.strip_prefix("native:") {
            if let Ok(chain) = rest.parse::<Chain>() {
                return Ok(Self::NativeChain(chain));
            }
            if let Ok(network) = rest.parse::<Network>() {
                return Ok(Self::NativeNetwork(network));
            }
            return Err(format!(
                "`{s}` names no chain or network; use `native`, `native:solana`, `native:ethereum` or `native:<network>`"
            ));
        }
        if let Some(rest) = s.strip_prefix("eip155:") {
            let (chain_id, asset) = rest
                .split_once("/erc20:")
                .ok_or_else(|| format!("`{s}` is not a CAIP-19 id like `eip155:1/erc20:0x…`"))?;
            if chain_id.is_empty() || !chain_id.bytes().all(|b| b.is_ascii_digit()) {
                return Err(format!("`{s}` has a chain id that is not a number"));
            }
            let addr = EvmAddress::parse(asset).map_err(|e| e.to_string())?;
            return Ok(Self::Caip19(format!(
                "eip155:{chain_id}/erc20:{}",
                addr.to_checksum().to_ascii_lowercase()
            )));
        }
        if s.starts_with("solana:") {
            let (cluster, mint) = s.split_once("/token:").ok_or_else(|| {
                format!("`{s}` is not a CAIP-19 id like `solana:<genesis>/token:<mint>`")
            })?;
            SolanaAddress::parse(mint).map_err(|e| e.to_string())?;
            if cluster.len() <= "solana:".len() {
                return Err(format!("`{s}` has no cluster reference"));
            }
            return Ok(Self::Caip19(s.to_owned()));
        }
        Err(format!(
            "`{s}` is not an asset key; use `native`, `native:<chain>` or a CAIP-19 id"
        ))
    }

    pub(crate) fn as_string(&self) -> String {
        match self {
            Self::Caip19(s) => s.clone(),
            Self::NativeNetwork(n) => format!("native:{}", n.as_str()),
            Self::NativeChain(c) => format!("native:{}", c.as_str()),
            Self::Native => "native".to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_matches_deeper_subdomains_only_on_a_dot_boundary() {
        let p = DomainPattern::parse("*.example.com").unwrap();
        assert!(p.matches("a.example.com"));
        assert!(p.matches("a.b.example.com"));
        assert!(!p.matches("example.com"));
        assert!(!p.matches("badexample.com"));
        assert!(!p.matches(".example.com"));
    }

    #[test]
    fn selectors_are_strict() {
        assert_eq!(
            parse_selector("0xA9059CBB").unwrap(),
            vec![0xa9, 0x05, 0x9c, 0xbb]
        );
        for bad in [
            "a9059cbb",
            "0x a9059cbb",
            "0xa9059cb",
            "0xa905\u{200b}9cbb",
            "0x",
            "0xzz",
        ] {
            assert!(parse_selector(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn domains_are_strict_and_lowercased() {
        assert_eq!(parse_domain("API.Example.com").unwrap(), "api.example.com");
        for bad in [
            "",
            "example.com.",
            "https://example.com",
            "example.com:443",
            " example.com",
            "exa mple.com",
            "ex\u{200b}ample.com",
            "-a.com",
        ] {
            assert!(parse_domain(bad).is_err(), "{bad:?}");
        }
    }
}
