//! What certseal signs: the claims of the QR payload ([`payload`]) and of the electronic
//! certificate document ([`document`]), their CBOR forms and the QR text form. Pure data and
//! format: no keys, no trust, no verification (that is `verify`).

pub mod document;
pub mod payload;
