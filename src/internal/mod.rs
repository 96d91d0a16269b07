//! Entry points for fuzz targets, benches and `certseal speed`. Hidden from the documentation
//! and not part of the public API: names and behaviour may change without notice.
//!
//! - [`fuzzing`]: one function per parser, called by the three-line targets in `fuzz/`;
//! - [`bench`]: knobs the criterion benches turn;
//! - [`speed`]: `certseal speed`, the pipelines beside bare `ring` in one run.

pub mod bench;
pub mod fuzzing;
pub mod speed;
