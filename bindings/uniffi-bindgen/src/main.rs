//! `uniffi-bindgen generate --library <cdylib> --language kotlin|swift --out-dir <dir>`:
//! the generator of uniffi's foreign sources, at the same uniffi version as the binding.

fn main() {
    uniffi::uniffi_bindgen_main()
}
