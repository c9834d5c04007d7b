//! The GitHub side of a reconcile: issues and pull requests changed since the watermark, page by
//! page as GitHub lists them (ascending `updated_at`: `sort=updated&direction=asc`), each page in
//! the order it is written (ascending `updated_at`, then number), each item once per page. An
//! item edited while the pages are read is listed again on a later page, newer: written twice,
//! in order, which is what the stale guard expects.
//!
//! The issues list says whether a pull request is draft (`draft`) or merged
//! (`pull_request.merged_at`); the pulls API is asked only when it cannot tell, i.e. for an open
//! pull request listed without `draft` (older GitHub Enterprise Server versions).

use std::collections::HashMap;

use futures_util::{Stream, TryStreamExt};
use time::OffsetDateTime;

use crate::github::{GitHubClient, Issue, RestError, WorkItem};

/// Items per page GitHub is asked for (`per_page=100`, its maximum).
pub const GITHUB_PAGE_SIZE: usize = 100;

/// One listed issue or pull request, ready to write unless its state needs the pulls API.
#[derive(Debug, Clone)]
pub struct Listed {
    pub item: WorkItem,
    pub needs_pull: bool,
}

/// What one page of the issues list gave.
#[derive(Debug, Default)]
pub struct Listing {
    pub items: Vec<Listed>,
    /// Listed objects that cannot be written (no number, title, URL or `updated_at`).
    pub skipped: u64,
    /// The page was full, so GitHub may have more (a short page is the last).
    pub more_may_follow: bool,
}

/// The issues and pull requests of `repository` updated at or after `since` (all of them when
/// `None`), one [`Listing`] per GitHub page, oldest first: the reconcile writes each page before
/// the next is fetched, so progress is kept whatever the listing's size.
pub fn changed_pages<'a>(
    github: &'a GitHubClient,
    repository: &'a str,
    since: Option<OffsetDateTime>,
) -> impl Stream<Item = Result<Listing, RestError>> + 'a {
    github
        .issue_pages(repository, since)
        .map_ok(move |issues| page_listing(issues, repository))
}

/// One GitHub page as a [`Listing`]: [`prepare`]d, and whether more may follow (a full page).
pub fn page_listing(issues: Vec<Issue>, repository: &str) -> Listing {
    let more_may_follow = issues.len() >= GITHUB_PAGE_SIZE;
    Listing {
        more_may_follow,
        ..prepare(issues, repository)
    }
}

/// Converts, keeps the newest listing of each number (an issue edited while the pages were
/// read shows up twice), and sorts by `updated_at`, then number.
pub fn prepare(issues: Vec<Issue>, repository: &str) -> Listing {
    let mut newest: HashMap<u64, Listed> = HashMap::new();
    let mut skipped = 0;
    for issue in issues {
        let needs_pull = needs_pull(&issue);
        match WorkItem::from_issue(&issue, repository) {
            Ok(item) => {
                let listed = Listed { item, needs_pull };
                match newest.get(&listed.item.number) {
                    Some(held) if held.item.updated_at >= listed.item.updated_at => {}
                    _ => {
                        newest.insert(listed.item.number, listed);
                    }
                }
            }
            Err(error) => {
                skipped += 1;
                tracing::warn!(repository, error = %crate::telemetry::Chain(&error), "skipping a listed issue that cannot be synced");
            }
        }
    }
    let mut items: Vec<Listed> = newest.into_values().collect();
    items.sort_by_key(|l| (l.item.updated_at, l.item.number));
    Listing {
        items,
        skipped,
        more_may_follow: false,
    }
}

/// An open pull request listed without `draft`: Open or Draft cannot be told apart.
pub fn needs_pull(issue: &Issue) -> bool {
    issue.pull_request.is_some() && issue.state.as_deref() == Some("open") && issue.draft.is_none()
}

/// The item to write: as listed, or with the state the pulls API gives. The listed
/// `updated_at` is kept, so the write order (and the watermark it leaves) stays ascending; a
/// newer edit is listed again by the next run.
pub async fn resolve(github: &GitHubClient, listed: &Listed) -> Result<WorkItem, RestError> {
    if !listed.needs_pull {
        return Ok(listed.item.clone());
    }
    let item = &listed.item;
    match github.get_pull(&item.repository, item.number).await {
        Ok(pull) => match WorkItem::from_pull_request(&pull, &item.repository) {
            Ok(mut resolved) => {
                resolved.updated_at = item.updated_at;
                Ok(resolved)
            }
            Err(_) => Ok(item.clone()),
        },
        // Deleted since it was listed: the listed data is all there is.
        Err(RestError::Api { status: 404, .. }) => Ok(item.clone()),
        Err(error) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::ItemState;
    use time::macros::datetime;

    fn issue(number: u64, updated: &str, extra: &str) -> Issue {
        serde_json::from_str(&format!(
            r#"{{"number": {number}, "title": "t{number}", "html_url": "https://github.com/o/r/issues/{number}",
                "updated_at": "{updated}", "state": "open"{extra}}}"#
        ))
        .expect("issue parses")
    }

    #[test]
    fn items_are_sorted_by_updated_at_then_number() {
        let listing = prepare(
            vec![
                issue(3, "2026-01-01T00:02:00Z", ""),
                issue(2, "2026-01-01T00:01:00Z", ""),
                issue(1, "2026-01-01T00:02:00Z", ""),
            ],
            "o/r",
        );
        let order: Vec<u64> = listing.items.iter().map(|l| l.item.number).collect();
        assert_eq!(order, [2, 1, 3]);
    }

    #[test]
    fn an_issue_listed_twice_is_kept_once_at_its_newest() {
        let listing = prepare(
            vec![
                issue(5, "2026-01-01T00:03:00Z", ""),
                issue(5, "2026-01-01T00:01:00Z", ""),
            ],
            "o/r",
        );
        assert_eq!(listing.items.len(), 1);
        assert_eq!(
            listing.items[0].item.updated_at,
            datetime!(2026-01-01 00:03 UTC)
        );
    }

    #[test]
    fn unusable_objects_are_counted_and_skipped() {
        let broken: Issue = serde_json::from_str(r#"{"number": 9, "title": "t"}"#).unwrap();
        let listing = prepare(vec![broken, issue(1, "2026-01-01T00:00:00Z", "")], "o/r");
        assert_eq!((listing.items.len(), listing.skipped), (1, 1));
    }

    #[test]
    fn only_open_pull_requests_without_draft_need_the_pulls_api() {
        let pr = |extra: &str| issue(1, "2026-01-01T00:00:00Z", extra);
        assert!(needs_pull(&pr(r#", "pull_request": {}"#)));
        assert!(!needs_pull(&pr(r#", "pull_request": {}, "draft": false"#)));
        assert!(!needs_pull(&pr("")), "a plain issue");
        let closed: Issue = serde_json::from_str(
            r#"{"number": 1, "state": "closed", "pull_request": {"merged_at": null}}"#,
        )
        .unwrap();
        assert!(!needs_pull(&closed));
    }

    #[test]
    fn a_listed_draft_needs_nothing_more() {
        let listing = prepare(
            vec![issue(
                4,
                "2026-01-01T00:00:00Z",
                r#", "pull_request": {}, "draft": true"#,
            )],
            "o/r",
        );
        assert!(!listing.items[0].needs_pull);
        assert_eq!(listing.items[0].item.state, Some(ItemState::Draft));
    }

    #[test]
    fn a_full_page_may_be_followed_and_a_short_one_is_the_last() {
        let full: Vec<Issue> = (1..=GITHUB_PAGE_SIZE as u64)
            .map(|n| issue(n, "2026-01-01T00:00:00Z", ""))
            .collect();
        let page = page_listing(full, "o/r");
        assert!(page.more_may_follow);
        assert_eq!(page.items.len(), GITHUB_PAGE_SIZE);
        let short = vec![issue(1, "2026-01-01T00:00:00Z", "")];
        assert!(!page_listing(short, "o/r").more_may_follow);
    }
}
