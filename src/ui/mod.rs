//! Drawing on a terminal while something runs: the live screen of a take, progress
//! bars. (Reports,
//! drawn once afterwards, are in `report`.) Front ends decide colour and size once and
//! hand them in.

pub mod drill;
pub mod live;
pub mod progress;
pub mod recording;
pub mod tables;
