//! How many seeds a seeded concurrency test runs: its own default in `make test`, more under
//! `make test-long` (`E2E_SEEDS=N` raises every seeded test to at least N seeds).

/// Environment variable that raises the seed count of every seeded test.
pub const E2E_SEEDS: &str = "E2E_SEEDS";

/// The seeds `0..max(default, $E2E_SEEDS)`; a value that is not a number is a test failure, not a
/// silent default (a long run that quietly ran the short one would prove nothing).
pub fn seeds(default: u64) -> std::ops::Range<u64> {
    let count = match std::env::var(E2E_SEEDS) {
        Ok(value) => value
            .trim()
            .parse::<u64>()
            .unwrap_or_else(|_| panic!("{E2E_SEEDS}={value:?} is not a number of seeds")),
        Err(_) => 0,
    };
    0..default.max(count)
}
