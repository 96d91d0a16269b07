//! Certificate faces.
