//! Entry points for fuzz targets and benches. Not part of the public API.
