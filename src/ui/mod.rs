//! Drawing on a terminal while something runs: the live screen of a take. (Reports,
//! drawn once afterwards, are in `report`.) Front ends decide colour and size once and
//! hand them in.

pub mod live;
