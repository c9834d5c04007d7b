//! How a reconcile reads the pages of the changed issues: the cheaper of key queries and a scan
//! of the repository, in Notion calls. A pure function, so every case has a unit test.
//!
//! The first query of every run (the watermark query, sorted by `Updated` descending, page size
//! 100) is also the first page of a scan. So, after it:
//! - if Notion said there is no more, every page of the repository is in hand: no reads;
//! - keys it already returned need no read (in steady state the changed issues were just written
//!   by the webhook, so they are among the most recently updated pages);
//! - the rest cost `ceil(u / 100)` key queries (an `or` of up to 100 number filters inside an
//!   `and` with the repository), or `ceil(N / 100) - 1` more scan pages for a repository of N
//!   pages. Notion has no count, so N is estimated: on a backfill every issue of the repository
//!   is listed, so N ≈ k; on an incremental run one extra query (the highest `Issue #`) bounds it,
//!   and is only worth sending when key queries would cost 3 or more.

use serde::Serialize;

/// Keys per `or` query, and pages per query: Notion's page size limit.
pub const KEYS_PER_QUERY: usize = 100;

/// Where the pages of the changed issues come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReadPlan {
    /// Already read by the watermark query (or nothing left to read).
    InHand,
    /// Key queries, one per chunk of 100 changed issues, just before writing that chunk.
    Keyed,
    /// The rest of the repository, page by page, before writing.
    Scan,
}

impl ReadPlan {
    pub fn as_str(self) -> &'static str {
        match self {
            ReadPlan::InHand => "in_hand",
            ReadPlan::Keyed => "keyed",
            ReadPlan::Scan => "scan",
        }
    }
}

/// Key queries needed for `unresolved` keys.
pub fn keyed_cost(unresolved: usize) -> usize {
    unresolved.div_ceil(KEYS_PER_QUERY)
}

/// Scan queries still needed for a repository of about `pages` pages, after the first page.
pub fn scan_cost_after_first(pages: usize) -> usize {
    pages.div_ceil(KEYS_PER_QUERY).saturating_sub(1)
}

/// Whether one query for the highest `Issue #` (to bound N) can pay for itself: the scan it may
/// choose costs at least one more call, so key queries must cost at least three.
pub fn worth_estimating(unresolved: usize) -> bool {
    keyed_cost(unresolved) >= 3
}

/// The cheaper plan. `complete`: the first page held the whole repository. `estimate`: an upper
/// bound on the repository's pages, when known.
pub fn choose(complete: bool, unresolved: usize, estimate: Option<usize>) -> ReadPlan {
    if complete || unresolved == 0 {
        return ReadPlan::InHand;
    }
    match estimate {
        Some(pages) if scan_cost_after_first(pages) < keyed_cost(unresolved) => ReadPlan::Scan,
        _ => ReadPlan::Keyed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_repository_that_fits_in_the_first_page_needs_no_reads() {
        assert_eq!(choose(true, 250, None), ReadPlan::InHand);
        assert_eq!(choose(true, 0, Some(5)), ReadPlan::InHand);
    }

    #[test]
    fn keys_the_first_page_returned_need_no_reads() {
        assert_eq!(choose(false, 0, None), ReadPlan::InHand);
    }

    #[test]
    fn a_few_unresolved_keys_in_a_large_repository_use_one_key_query() {
        assert_eq!(choose(false, 10, None), ReadPlan::Keyed);
        assert_eq!(choose(false, 10, Some(1_000)), ReadPlan::Keyed);
        assert_eq!(keyed_cost(10), 1);
    }

    #[test]
    fn a_backfill_over_a_small_repository_scans_it() {
        // 1,000 issues listed, 150 pages in Notion: 1 more scan page beats 9 key queries.
        assert_eq!(choose(false, 900, Some(150)), ReadPlan::Scan);
    }

    #[test]
    fn ties_go_to_key_queries_which_interleave_with_writes() {
        // 300 unresolved: 3 key queries; 400 pages: 3 more scan pages.
        assert_eq!(keyed_cost(300), 3);
        assert_eq!(scan_cost_after_first(400), 3);
        assert_eq!(choose(false, 300, Some(400)), ReadPlan::Keyed);
    }

    #[test]
    fn estimating_only_pays_when_key_queries_cost_three_or_more() {
        assert!(!worth_estimating(200));
        assert!(worth_estimating(201));
    }

    #[test]
    fn costs_round_up_to_whole_queries() {
        assert_eq!(keyed_cost(0), 0);
        assert_eq!(keyed_cost(100), 1);
        assert_eq!(keyed_cost(101), 2);
        assert_eq!(scan_cost_after_first(100), 0);
        assert_eq!(scan_cost_after_first(101), 1);
        assert_eq!(scan_cost_after_first(0), 0);
    }
}
