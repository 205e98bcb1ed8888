//! Raw unsigned EIP-1559 transactions must decode or fail with a typed error, never
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waiaas_chains::evm::decode;
use waiaas_core::Network;

fuzz_target!(|data: &[u8]| {
    let _ = decode::decode_transaction_bytes(Network::EthereumMainnet, data);
    let mut typed = Vec::with_capacity(data.len() + 1);
    typed.push(2u8);
    typed.extend_from_slice(data);
    let _ = decode::decode_transaction_bytes(Network::EthereumMainnet, &typed);
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = waiaas_chains::evm::decode_transaction(Network::EthereumMainnet, text);
    }
});
