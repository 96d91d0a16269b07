//! document (to come).
