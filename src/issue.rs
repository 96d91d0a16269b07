//! issue (to come).
