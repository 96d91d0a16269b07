//! `certseal-ffi`: certseal's verifier for any language that speaks C (`specs/ffi.md`).
//!
//! Built as `libcertseal_ffi.so` (cdylib) and `libcertseal_ffi.a` (staticlib), with the
//! header `include/certseal.h` generated from this crate by cbindgen and checked in
//! (`tests/header.rs` fails when it drifts). The Java binding (`ffi/java`) is a thin JNI
//! shim over this same ABI; `examples/c` and `examples/python` use it directly.
//!
//! ```c
//! CertsealVerifier *v = NULL;
//! char *error = NULL;
//! if (certseal_verifier_new(list, list_len, root, root_len, 0, &v, &error) != CERTSEAL_CODE_OK) {
//!     fprintf(stderr, "%s\n", error);
//!     certseal_string_free(error);
//!     return 2;
//! }
//! CertsealResult r;
//! certseal_verify(v, (const uint8_t *)qr, strlen(qr), &r);
//! printf("%s\n", r.status == CERTSEAL_STATUS_VALID ? "valid" : certseal_reason_name(r.reason));
//! certseal_verifier_free(v);
//! ```
//!
//! The crate owns the boundary only: `handle` holds a verifier's state in safe Rust over the
//! engine's public API, `abi` turns raw pointers into that (the only `unsafe` code of the
//! workspace; the engine forbids it), [`types`] and `codes` fix the numbers. No panic
//! crosses the boundary, no state is global, every buffer comes with its length, and
//! everything the library allocates has a `*_free` function.

mod abi;
mod codes;
mod handle;
pub mod types;

pub use crate::abi::*;
pub use crate::types::*;
