//! eth_signTypedData_v4 JSON must decode or fail with a typed error, never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use waiaas_core::Network;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = waiaas_chains::evm::decode_typed_data(Network::EthereumMainnet, text);
        let _ = waiaas_chains::evm::typed_data_hash(text);
    }
});
