//! # waiaas-chains
//!
//! Solana and EVM signers, transaction builders and decoders, and owner-signature
//! verification for waiaas. Work in progress: the signers land with the chain-signer
//! issue.
