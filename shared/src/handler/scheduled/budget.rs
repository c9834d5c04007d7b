//! The time budget of one scheduled run. The rule is [`crate::deadline`]'s (one for every
//! function); re-exported here, where the scheduled sync has always found it.

pub use crate::deadline::{Budget, ANSWER_MARGIN, DEFAULT_BUDGET, STOP_MARGIN};
