//! What a request does, rendered for the owner who approves it: every decoded leg
//! (amounts in human units and base units, recipients, spenders, contracts, selectors),
//! the fee bound, and a preview of a message. Rendered from the stored request alone, so
//! the text the owner signs is the same whenever it is asked for.

use std::collections::BTreeMap;

use waiaas_core::policy::{RequestBody, TokenRef, Usd, native_asset_id, token_asset_id};
use waiaas_core::{Amount, Network};

use crate::request::{AssetView, ResolvedOperation, ResolvedRequest};

/// What a leg is rendered with: the network and the assets' symbols and quotes.
struct View<'a> {
    network: Network,
    assets: &'a BTreeMap<String, AssetView>,
}

/// Characters of a message shown before it is cut.
const PREVIEW_CHARS: usize = 160;

/// One line per effect, in order.
pub(crate) fn effect_lines(req: &ResolvedRequest) -> Vec<String> {
    let mut out = Vec::new();
    match &req.operation {
        ResolvedOperation::SignMessage { message } => {
            out.push(message_line(message));
        }
        op => {
            let view = View {
                network: req.network,
                assets: &req.valuation,
            };
            leg_lines(&view, &op.policy_body(), &mut out);
        }
    }
    out
}

/// The fee bound line, when the request signs a transaction.
pub(crate) fn fee_line(req: &ResolvedRequest) -> Option<String> {
    let view = View {
        network: req.network,
        assets: &req.valuation,
    };
    req.max_fee.map(|fee| native(&view, fee))
}

/// `; ≈ N USD` when the asset had a fresh quote at admission.
fn usd(view: &View<'_>, asset: &str, amount: Amount, decimals: u8) -> String {
    view.assets
        .get(asset)
        .and_then(|a| a.usd)
        .and_then(|price| Usd::value_of(amount, decimals, price))
        .map_or_else(String::new, |v| format!("; {v} USD at admission"))
}

fn native(view: &View<'_>, amount: Amount) -> String {
    let info = view.network.info();
    let id = native_asset_id(view.network);
    format!(
        "{} {} ({amount} base units{})",
        amount.to_human(info.native_decimals),
        info.native_symbol,
        usd(view, &id, amount, info.native_decimals)
    )
}

fn token(view: &View<'_>, amount: Amount, t: &TokenRef) -> String {
    let id = token_asset_id(view.network, &t.address);
    let symbol = view.assets.get(&id).and_then(|a| a.symbol.as_deref());
    match t.decimals.or(t.chain_decimals) {
        Some(d) => {
            let (named, token) = symbol.map_or_else(
                || (format!("of token {}", t.address), String::new()),
                |s| (s.to_owned(), format!("token {}; ", t.address)),
            );
            format!(
                "{} {named} ({token}{amount} base units, {d} decimals{})",
                amount.to_human(d),
                usd(view, &id, amount, d)
            )
        }
        None => format!(
            "{amount} base units of token {} (decimals unknown)",
            t.address
        ),
    }
}

fn leg_lines(view: &View<'_>, body: &RequestBody, out: &mut Vec<String>) {
    let line = match body {
        RequestBody::Transfer { to, amount } => {
            format!("send {} to {to}", native(view, *amount))
        }
        RequestBody::TokenTransfer {
            to,
            amount,
            token: t,
        } => {
            format!("send {} to {to}", token(view, *amount, t))
        }
        RequestBody::Approve {
            spender,
            amount,
            token: t,
            unlimited,
            increase,
        } => {
            if *increase {
                format!(
                    "raise the allowance of {spender} by {} (the resulting total is not stated)",
                    token(view, *amount, t)
                )
            } else if *unlimited {
                format!(
                    "allow {spender} to spend an unlimited amount of token {}",
                    t.address
                )
            } else {
                format!("allow {spender} to spend up to {}", token(view, *amount, t))
            }
        }
        RequestBody::NftTransfer {
            to,
            contract,
            token_id,
            amount,
        } => format!(
            "send {} of NFT {contract} #{token_id} to {to}",
            amount.unwrap_or(Amount::from_u64(1))
        ),
        RequestBody::ContractCall {
            contract,
            selector,
            value,
            opaque,
        } => {
            let mut s = format!(
                "call {contract} with {}",
                selector
                    .as_deref()
                    .map_or_else(|| "no data".to_owned(), |s| format!("selector {s}"))
            );
            if let Some(v) = value {
                s.push_str(&format!(", sending {}", native(view, *v)));
            }
            if *opaque {
                s.push_str(" (runs further calls waiaas does not decode)");
            }
            s
        }
        RequestBody::Batch { instructions } => {
            for leg in instructions {
                leg_lines(view, leg, out);
            }
            return;
        }
        RequestBody::SignTypedData { legs, unrecognised } => {
            for leg in legs {
                leg_lines(view, leg, out);
            }
            match unrecognised {
                Some(k) => format!(
                    "sign typed data {} verified by {}",
                    k.primary_type,
                    k.verifying_contract.as_deref().unwrap_or("no contract")
                ),
                None if legs.is_empty() => "sign typed data that grants nothing".to_owned(),
                None => return,
            }
        }
        RequestBody::Refused { contract, reason } => {
            format!("refused instruction of {contract}: {reason}")
        }
        other => other.kind().to_owned(),
    };
    out.push(line);
}

/// `sign message (N bytes, UTF-8): "…"`, or hex when it is not text. Control
/// characters are escaped so a message cannot forge lines of the text around it.
fn message_line(hex_message: &str) -> String {
    let bytes = hex::decode(hex_message.trim_start_matches("0x")).unwrap_or_default();
    let len = bytes.len();
    match std::str::from_utf8(&bytes) {
        Ok(text) => {
            let mut preview: String = text.chars().take(PREVIEW_CHARS).collect();
            if text.chars().count() > PREVIEW_CHARS {
                preview.push('…');
            }
            format!(
                "sign message ({len} bytes, UTF-8): \"{}\"",
                preview.escape_debug()
            )
        }
        Err(_) => {
            let shown = bytes.get(..PREVIEW_CHARS / 2).unwrap_or(&bytes);
            let cut = if shown.len() < len { "…" } else { "" };
            format!(
                "sign message ({len} bytes, hex): 0x{}{cut}",
                hex::encode(shown)
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::message_line;

    #[test]
    fn a_message_preview_cannot_forge_lines_of_the_owner_text() {
        let line = message_line(&format!("0x{}", hex::encode("hi\nnonce: forged")));
        assert_eq!(
            line,
            "sign message (16 bytes, UTF-8): \"hi\\nnonce: forged\""
        );
        assert!(!line.contains('\n'));
        let binary = message_line("0xff00");
        assert_eq!(binary, "sign message (2 bytes, hex): 0xff00");
        let long = message_line(&format!("0x{}", hex::encode("a".repeat(200))));
        assert!(long.ends_with("…\""), "{long}");
    }
}
