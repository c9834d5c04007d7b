//! The Notion reads of a reconcile: the watermark query (which doubles as the first page of a
//! scan), key queries for many issues at once, the rest of a scan, and the highest `Issue #`.
//! Pages are kept by issue number in [`Known`] until the write that needs them.

use std::collections::{HashMap, HashSet};

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

use super::plan::KEYS_PER_QUERY;
use crate::notion::{self, Direction, Filter, Page, PropertyValue, Query, Sort};
use crate::sync::{Field, Syncer};

/// The answer to the watermark query.
pub struct FirstPage {
    /// The newest `Updated` among the repository's pages, to the minute.
    pub watermark: Option<OffsetDateTime>,
    pub pages: Vec<Page>,
    /// The query and cursor to continue a scan with, when Notion has more pages.
    pub rest: Option<Query>,
}

/// Pages of the repository, newest `Updated` first, 100 of them (same cost as one): the first
/// one gives the watermark, and all of them may spare key queries later.
pub async fn first_page(syncer: &Syncer<'_>, repository: &str) -> Result<FirstPage, notion::Error> {
    let mut query = match syncer.repository_filter(repository) {
        Some(filter) => Query::filtered(filter),
        None => Query::default(),
    }
    .page_size(KEYS_PER_QUERY as u32);
    let updated = syncer
        .schema
        .get(Field::Updated)
        .map(|b| b.property.clone());
    if let Some(updated) = &updated {
        query = query.sorted_by(Sort::property(updated, Direction::Descending));
    }
    let list = syncer
        .notion
        .query_database(syncer.database, &query)
        .await?;
    // Sorted descending with empty values last, so the first page with a date holds the newest.
    let watermark = updated.as_deref().and_then(|property| {
        list.results
            .iter()
            .find_map(|page| page.property(property).and_then(PropertyValue::as_date))
            .and_then(|date| parse_watermark(&date.start))
    });
    let rest = match (list.has_more, list.next_cursor) {
        (true, Some(cursor)) => {
            query.start_cursor = Some(cursor);
            Some(query)
        }
        _ => None,
    };
    Ok(FirstPage {
        watermark,
        pages: list.results,
        rest,
    })
}

/// The rest of a scan started by [`first_page`].
pub async fn scan_rest(syncer: &Syncer<'_>, rest: Query) -> Result<Vec<Page>, notion::Error> {
    syncer
        .notion
        .query_database_all(syncer.database, rest)
        .await
}

/// Live pages of up to [`KEYS_PER_QUERY`] issues of `repository`, in one query (more only if
/// races left duplicates past 100 results).
pub async fn read_keys(
    syncer: &Syncer<'_>,
    repository: &str,
    numbers: &[u64],
) -> Result<Vec<Page>, notion::Error> {
    let any_number = Filter::or(
        numbers
            .iter()
            .map(|n| Filter::number(syncer.schema.number()).equals(*n as f64))
            .collect(),
    );
    // `and` of the repository and an `or` of numbers: two levels, Notion's limit.
    let filter = match syncer.repository_filter(repository) {
        Some(repo) => Filter::and(vec![repo, any_number]),
        None => any_number,
    };
    let query = Query::filtered(filter).page_size(KEYS_PER_QUERY as u32);
    syncer
        .notion
        .query_database_all(syncer.database, query)
        .await
}

/// The highest `Issue #` among the repository's pages: an upper bound on how many it has.
pub async fn highest_number(
    syncer: &Syncer<'_>,
    repository: &str,
) -> Result<Option<u64>, notion::Error> {
    let mut query = match syncer.repository_filter(repository) {
        Some(filter) => Query::filtered(filter),
        None => Query::default(),
    };
    query = query
        .sorted_by(Sort::property(
            syncer.schema.number(),
            Direction::Descending,
        ))
        .page_size(1);
    let list = syncer
        .notion
        .query_database(syncer.database, &query)
        .await?;
    Ok(list
        .results
        .first()
        .and_then(|page| page_number(page, syncer.schema.number())))
}

/// The page's issue number, when it holds a whole non-negative one.
pub fn page_number(page: &Page, number_property: &str) -> Option<u64> {
    let n = page.property(number_property)?.as_number()?;
    (n >= 0.0 && n.fract() == 0.0 && n <= u64::MAX as f64).then_some(n as u64)
}

/// An `Updated` value as a watermark, cut to the minute Notion keeps. A date without a time
/// (typed by hand) counts from its midnight, UTC.
pub fn parse_watermark(value: &str) -> Option<OffsetDateTime> {
    let at = OffsetDateTime::parse(value, &Rfc3339).ok().or_else(|| {
        Date::parse(
            value,
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .ok()
        .map(|d| d.midnight().assume_utc())
    })?;
    at.replace_second(0).ok()?.replace_nanosecond(0).ok()
}

/// Pages read so far, by issue number, until a write takes them.
#[derive(Debug, Default)]
pub struct Known {
    by_number: HashMap<u64, Vec<Page>>,
    /// Numbers whose pages a write took (and may have changed or created): unknown again until
    /// read, for an item a later listing page holds once more.
    taken: HashSet<u64>,
    /// Every page of the repository has been read: a number not here has no page.
    pub complete: bool,
}

impl Known {
    /// Keeps the live pages (queries do not return archived ones, but a scan of pages moved to
    /// the trash mid-run might).
    pub fn add(&mut self, pages: Vec<Page>, number_property: &str) {
        for page in pages.into_iter().filter(|p| !p.is_archived()) {
            if let Some(n) = page_number(&page, number_property) {
                let held = self.by_number.entry(n).or_default();
                if !held.iter().any(|p| p.id == page.id) {
                    held.push(page);
                }
            }
        }
    }

    /// Records that these numbers were queried (so those without pages have none).
    pub fn mark_read(&mut self, numbers: &[u64]) {
        for n in numbers {
            self.taken.remove(n);
            self.by_number.entry(*n).or_default();
        }
    }

    /// Whether the pages of `number` (possibly none) are known.
    pub fn resolved(&self, number: u64) -> bool {
        !self.taken.contains(&number) && (self.complete || self.by_number.contains_key(&number))
    }

    /// The pages of `number`, handed to the write that needs them.
    pub fn take(&mut self, number: u64) -> Vec<Page> {
        self.taken.insert(number);
        self.by_number.remove(&number).unwrap_or_default()
    }
}

/// Pages grouped by issue number (for the race check after creates).
pub fn by_number(pages: Vec<Page>, number_property: &str) -> HashMap<u64, Vec<Page>> {
    let mut known = Known::default();
    known.add(pages, number_property);
    known.by_number
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::fixtures;
    use time::macros::datetime;

    fn page(id: &str, number: Option<f64>, archived: bool) -> Page {
        let mut properties = std::collections::BTreeMap::new();
        if let Some(n) = number {
            properties.insert("Issue #".to_string(), PropertyValue::number(n));
        }
        Page {
            archived,
            ..fixtures::page(id, properties)
        }
    }

    #[test]
    fn watermarks_are_cut_to_the_minute_and_keep_their_instant() {
        assert_eq!(
            parse_watermark("2026-06-27T18:01:00.000+01:00"),
            Some(datetime!(2026-06-27 17:01 UTC))
        );
        assert_eq!(
            parse_watermark("2026-06-27T18:01:15.377Z"),
            Some(datetime!(2026-06-27 18:01 UTC))
        );
    }

    #[test]
    fn a_hand_typed_date_is_a_watermark_at_midnight() {
        assert_eq!(
            parse_watermark("2026-06-27"),
            Some(datetime!(2026-06-27 00:00 UTC))
        );
        assert_eq!(parse_watermark("yesterday"), None);
    }

    #[test]
    fn only_whole_non_negative_numbers_are_issue_numbers() {
        assert_eq!(
            page_number(&page("a", Some(7.0), false), "Issue #"),
            Some(7)
        );
        assert_eq!(page_number(&page("a", Some(7.5), false), "Issue #"), None);
        assert_eq!(page_number(&page("a", Some(-1.0), false), "Issue #"), None);
        assert_eq!(page_number(&page("a", None, false), "Issue #"), None);
    }

    #[test]
    fn known_pages_group_by_number_skip_archived_and_dedupe_by_id() {
        let mut known = Known::default();
        known.add(
            vec![
                page("a", Some(1.0), false),
                page("b", Some(1.0), false),
                page("a", Some(1.0), false),
                page("c", Some(2.0), true),
            ],
            "Issue #",
        );
        assert_eq!(known.take(1).len(), 2);
        assert!(!known.resolved(2), "an archived page resolves nothing");
        known.mark_read(&[2, 3]);
        assert!(known.resolved(3));
        assert!(known.take(3).is_empty());
    }

    #[test]
    fn a_complete_set_resolves_every_number() {
        let known = Known {
            complete: true,
            ..Known::default()
        };
        assert!(known.resolved(12345));
    }

    #[test]
    fn a_number_a_write_took_is_unknown_again_until_read() {
        // An item listed on two pages (edited while they were read): the second write must see
        // the page the first one wrote or created, not "no page" (which would create another).
        let mut known = Known {
            complete: true,
            ..Known::default()
        };
        known.add(vec![page("a", Some(7.0), false)], "Issue #");
        assert_eq!(known.take(7).len(), 1);
        assert!(!known.resolved(7), "taken: read it again");
        known.add(vec![page("a", Some(7.0), false)], "Issue #");
        known.mark_read(&[7]);
        assert!(known.resolved(7));
        assert_eq!(known.take(7).len(), 1);
    }
}
