//! payload (to come).
