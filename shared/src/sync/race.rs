//! What concurrent deliveries of one issue leave behind, and how every instance heals it the same
//! way: several live pages for one key, and creates whose outcome is unknown.
//!
//! Which page stays is decided by what never changes — `created_time`, then id — so instances
//! that see the same pages keep the same one, and the first page ever created for a key is never
//! archived (nobody can see an older one): a key never ends with no page. What it holds is
//! decided by version: when a duplicate records a newer `updated_at` than the keeper (exact, from
//! the title link; see `properties::freshness`), its values are carried to the keeper BEFORE the
//! duplicate is archived, so the newest version is never only on an archived page. (Keeping the
//! oldest page with its own values lost versions: Notion's `created_time` is to the minute, so
//! "oldest" was often an id coin-toss, and the newer labels went to the archive.)
//!
//! A create that failed ambiguously (a timeout or a 5xx after which the page may exist) is not
//! sent again blindly: the key is queried first, and an existing page is settled like a race.

use time::OffsetDateTime;

use super::properties::{freshness, recorded_updated, Freshness};
use super::schema::BoundSchema;
use super::upsert::{Outcome, SyncResult, Syncer};
use super::{body, title};
use crate::github::WorkItem;
use tokio::time::Instant;

use crate::notion::retry::{decide, is_ambiguous, Decision, RetryPolicy};
use crate::notion::{self, Page, Properties, PropertyValue};

/// Creates in all when each failed ambiguously and the key query found nothing.
const CREATE_ATTEMPTS: u32 = 3;
/// Decisions (read, decide, write) in all for one item.
const DECISIONS: u32 = 6;
/// Versions this close are one burst of GitHub deliveries, possibly in flight at once.
pub const BURST_WINDOW: time::Duration = time::Duration::seconds(60);

/// What to do with the live pages of one key.
#[derive(Debug)]
pub struct Plan {
    /// The page that stays: the oldest by `created_time`, then id.
    pub keeper: Page,
    /// The others, to archive once the keeper holds the newest version.
    pub duplicates: Vec<Page>,
    /// The duplicate recording the newest version, when it is newer than the keeper.
    pub newer_duplicate: Option<Page>,
}

/// The plan for `pages` (`None` when there are none).
pub fn plan(mut pages: Vec<Page>, schema: &BoundSchema) -> Option<Plan> {
    pages.sort_by(|a, b| {
        created_at(a)
            .cmp(&created_at(b))
            .then_with(|| a.id.as_str().cmp(b.id.as_str()))
    });
    let mut pages = pages.into_iter();
    let keeper = pages.next()?;
    let duplicates: Vec<Page> = pages.collect();
    let keeper_version = recorded_updated(&keeper, schema);
    let newer_duplicate = duplicates
        .iter()
        .filter(|p| recorded_updated(p, schema) > keeper_version)
        .max_by_key(|p| recorded_updated(p, schema))
        .cloned();
    Some(Plan {
        keeper,
        duplicates,
        newer_duplicate,
    })
}

/// The values of `newer` for the fields the sync writes (read values are writable as they are),
/// to be written on `keeper`. The page content is not carried, so the title link keeps the body
/// hash of the content `keeper` holds: when the newer version's body differs, the next sync of
/// the issue (a delivery or the reconcile) sees that and rewrites the content.
pub fn carried_properties(newer: &Page, keeper: &Page, schema: &BoundSchema) -> Properties {
    let mut carried: Properties = schema
        .bindings()
        .iter()
        .filter_map(|b| {
            newer
                .property(&b.property)
                .map(|v| (b.property.clone(), v.clone()))
        })
        .collect();
    let kept_hash = body::recorded_hash(keeper, schema);
    if let Some(PropertyValue::Title(items)) = carried.get_mut(schema.title()) {
        for link in items.iter_mut().filter_map(|item| item.link.as_mut()) {
            *link = title::with_body_hash(link, kept_hash);
        }
    }
    carried
}

/// How a create ended.
pub enum Created {
    Page(Page),
    /// An ambiguous failure, and the key query found these pages (maybe the one we sent).
    Found(Vec<Page>),
}

impl Syncer<'_> {
    /// Brings the keeper to the newest of `item` and the duplicates, then archives the
    /// duplicates (in that order, see the module docs).
    ///
    /// Notion has no conditional write, so a write decided from a read can be overtaken: two
    /// instances read version 1, the one holding version 3 writes, then the one holding version
    /// 2 does. Hence (1) a decided write is sent once — a retry seconds later, after a 429, would
    /// widen that window; a failure another attempt may fix is waited out, then the key is read
    /// again and the write decided again; and (2) a write that replaced a version less than
    /// [`BURST_WINDOW`] older than ours (the burst GitHub sends for one issue) is checked with
    /// one more key query, and written again if an older version overtook it. Edits further
    /// apart cost no check: update 2 calls.
    ///
    /// `alone`: the caller is the only writer of the key (queue mode), so nothing can overtake.
    pub(super) async fn settle(
        &self,
        item: &WorkItem,
        mut plan: Plan,
        alone: bool,
    ) -> Result<SyncResult, notion::Error> {
        let policy = RetryPolicy::default();
        let mut first: Option<SyncResult> = None;
        let mut round = 0;
        loop {
            round += 1;
            let error = match self.settle_once(item, &plan, alone).await {
                Ok((result, wrote)) => {
                    let close = in_burst(item, &plan.keeper, self.schema);
                    let first = first.get_or_insert(result).clone();
                    if alone || !(wrote && close) || round >= DECISIONS {
                        return Ok(first);
                    }
                    tracing::debug!(round, "checking that no older write overtook ours");
                    let pages = self.find(&item.repository, item.number).await?;
                    match self::plan(pages, self.schema) {
                        Some(fresh) => plan = fresh,
                        None => return Ok(first),
                    }
                    continue;
                }
                Err(error) if error.is_retryable() => error,
                Err(error) => return Err(error),
            };
            let Decision::RetryAfter(wait) = decide(&policy, round, &error, fastrand::f64()) else {
                return Err(error);
            };
            if round >= DECISIONS
                || self
                    .notion
                    .deadline()
                    .is_some_and(|d| Instant::now() + wait >= d)
            {
                return Err(error);
            }
            tracing::debug!(error = %crate::telemetry::Chain(&error), round, wait_ms = wait.as_millis() as u64,
                "a decided write failed; reading the key again before deciding again");
            tokio::time::sleep(wait).await;
            let pages = self.find(&item.repository, item.number).await?;
            plan = match self::plan(pages, self.schema) {
                Some(fresh) => fresh,
                None => return Err(error),
            };
        }
    }

    /// One decision and its writes; whether a page was written.
    async fn settle_once(
        &self,
        item: &WorkItem,
        plan: &Plan,
        alone: bool,
    ) -> Result<(SyncResult, bool), notion::Error> {
        // Alone, nothing can overtake a write: the client's own retries (and its Retry-After
        // waits, up to a minute in the worker) are safe.
        let once = if alone {
            self.notion.clone()
        } else {
            self.notion.without_retries()
        };
        let decided = Syncer {
            notion: &once,
            database: self.database,
            schema: self.schema,
        };
        let (result, wrote) = match &plan.newer_duplicate {
            Some(newer) if freshness(item, newer, self.schema) == Freshness::Older => {
                tracing::warn!(page_id = %plan.keeper.id, from = %newer.id,
                    "carrying the newest version from a duplicate page left by a race");
                once.update_page(
                    &plan.keeper.id,
                    &carried_properties(newer, &plan.keeper, self.schema),
                )
                .await?;
                let result = SyncResult {
                    outcome: Outcome::Stale,
                    page_id: Some(plan.keeper.id.clone()),
                };
                (result, true)
            }
            _ => {
                let result = decided.update(item, &plan.keeper).await?;
                let wrote = result.outcome == Outcome::Updated;
                (result, wrote)
            }
        };
        for duplicate in &plan.duplicates {
            tracing::warn!(page_id = %duplicate.id, keeper = %plan.keeper.id,
                "archiving a duplicate page left by a race");
            self.notion.archive_page(&duplicate.id).await?;
        }
        Ok((result, wrote))
    }

    /// [`Syncer::upsert`] for a caller that is the only writer of this key (queue mode: SQS hands
    /// one issue's messages to one worker at a time), so a create needs no race-heal query: 2
    /// calls. Pages an earlier direct-mode race left are still settled.
    pub async fn upsert_alone(&self, item: &WorkItem) -> Result<SyncResult, notion::Error> {
        let existing = self.find(&item.repository, item.number).await?;
        self.upsert_alone_among(item, existing).await
    }

    /// Settles the pages an ambiguous create's re-check found (never empty).
    pub(super) async fn settle_found(
        &self,
        item: &WorkItem,
        pages: Vec<Page>,
        alone: bool,
    ) -> Result<SyncResult, notion::Error> {
        match plan(pages, self.schema) {
            Some(plan) => self.settle(item, plan, alone).await,
            None => Err(notion::Error::InvalidRequest(
                "the key re-check found no page".into(),
            )),
        }
    }

    /// Creates the page for `item`; after an ambiguous failure, queries the key before sending
    /// the create again.
    pub(super) async fn create_rechecked(&self, item: &WorkItem) -> Result<Created, notion::Error> {
        let once = self.notion.without_ambiguous_retries();
        let creator = Syncer {
            notion: &once,
            database: self.database,
            schema: self.schema,
        };
        let mut attempt = 0;
        loop {
            attempt += 1;
            match creator.create_unchecked(item).await {
                Ok(page) => return Ok(Created::Page(page)),
                Err(error) if is_ambiguous(&error) && attempt < CREATE_ATTEMPTS => {
                    tracing::warn!(error = %crate::telemetry::Chain(&error), attempt,
                        "create failed ambiguously; checking the key before trying again");
                    let pages = self.find(&item.repository, item.number).await?;
                    if !pages.is_empty() {
                        return Ok(Created::Found(pages));
                    }
                }
                Err(error) => return Err(error),
            }
        }
    }
}

/// Whether the page held a version less than [`BURST_WINDOW`] from the item's (or none).
fn in_burst(item: &WorkItem, page: &Page, schema: &BoundSchema) -> bool {
    recorded_updated(page, schema).is_none_or(|held| (item.updated_at - held).abs() < BURST_WINDOW)
}

fn created_at(page: &Page) -> Option<OffsetDateTime> {
    OffsetDateTime::parse(
        &page.created_time,
        &time::format_description::well_known::Rfc3339,
    )
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::ItemState;
    use crate::notion::{PropertyValue, RichText};
    use crate::sync::fixtures;
    use crate::sync::properties::desired_properties;
    use time::format_description::well_known::Rfc3339;

    fn schema() -> BoundSchema {
        fixtures::schema("Name, Issue #, Labels, Updated, Notes: rich_text")
    }

    fn item(updated_at: &str, labels: &[&str]) -> WorkItem {
        WorkItem {
            state: Some(ItemState::Open),
            labels: Some(labels.iter().map(|l| l.to_string()).collect()),
            updated_at: OffsetDateTime::parse(updated_at, &Rfc3339).expect("timestamp"),
            ..fixtures::item()
        }
    }

    fn page(id: &str, created: &str, item: &WorkItem, schema: &BoundSchema) -> Page {
        let mut properties = desired_properties(item, schema);
        properties.insert("Notes".into(), PropertyValue::rich_text("typed by hand"));
        Page {
            created_time: created.into(),
            last_edited_time: created.into(),
            ..fixtures::page(id, properties)
        }
    }

    #[test]
    fn the_keeper_is_the_oldest_page_then_the_smallest_id_whatever_the_order_seen() {
        let schema = schema();
        let v = item("2026-03-01T10:00:00Z", &[]);
        let pages = vec![
            page("c", "2026-03-01T10:00:00.000Z", &v, &schema),
            page("b", "2026-03-01T10:00:00.000Z", &v, &schema),
            page("z", "2026-03-01T09:59:00.000Z", &v, &schema),
        ];
        for rotation in 0..3 {
            let mut seen = pages.clone();
            seen.rotate_left(rotation);
            let plan = plan(seen, &schema).expect("a plan");
            assert_eq!(plan.keeper.id.as_str(), "z");
            assert_eq!(plan.duplicates.len(), 2);
            assert!(plan.newer_duplicate.is_none());
        }
    }

    #[test]
    fn a_duplicate_newer_inside_the_same_minute_is_the_one_to_carry() {
        let schema = schema();
        let opened = item("2026-03-01T10:00:01Z", &[]);
        let labeled = item("2026-03-01T10:00:02Z", &["bug"]);
        let assigned = item("2026-03-01T10:00:03Z", &["bug"]);
        let plan = plan(
            vec![
                page("b", "2026-03-01T10:00:00.000Z", &assigned, &schema),
                page("a", "2026-03-01T10:00:00.000Z", &opened, &schema),
                page("c", "2026-03-01T10:00:00.000Z", &labeled, &schema),
            ],
            &schema,
        )
        .expect("a plan");
        assert_eq!(plan.keeper.id.as_str(), "a");
        assert_eq!(
            plan.newer_duplicate.as_ref().map(|p| p.id.as_str()),
            Some("b")
        );
    }

    #[test]
    fn carried_properties_are_the_bound_fields_only() {
        let schema = schema();
        let labeled = item("2026-03-01T10:00:02Z", &["bug"]);
        let keeper = page("a", "x", &item("2026-03-01T10:00:01Z", &[]), &schema);
        let carried = carried_properties(&page("c", "x", &labeled, &schema), &keeper, &schema);
        assert!(!carried.contains_key("Notes"), "{carried:?}");
        assert_eq!(carried["Labels"], PropertyValue::multi_select(["bug"]));
        let PropertyValue::Title(title) = &carried["Name"] else {
            panic!("title")
        };
        assert_eq!(
            title.first().and_then(|t: &RichText| t.link.as_deref()),
            Some("https://github.com/octo/repo/issues/7#updated=2026-03-01T10:00:02Z")
        );
    }

    /// The content stays the keeper's, so its body hash does too: the next sync compares the
    /// issue's body with what the keeper holds and rewrites the content when they differ.
    #[test]
    fn the_carried_title_keeps_the_body_hash_of_the_keepers_content() {
        let schema = schema();
        let first = item("2026-03-01T10:00:01Z", &[]);
        let edited = item("2026-03-01T10:00:02Z", &["bug"]);
        let mut keeper = page("a", "x", &first, &schema);
        let mut newer = page("c", "x", &edited, &schema);
        let link = |hash: &str| {
            format!("https://github.com/octo/repo/issues/7#updated=2026-03-01T10:00:0{hash}")
        };
        set_link(&mut keeper, &link("1Z&body=0ld0ld"), &schema);
        set_link(&mut newer, &link("2Z&body=new000"), &schema);

        let carried = carried_properties(&newer, &keeper, &schema);

        let PropertyValue::Title(title) = &carried["Name"] else {
            panic!("title")
        };
        assert_eq!(
            title[0].link.as_deref(),
            Some(link("2Z&body=0ld0ld").as_str())
        );
        assert_eq!(carried["Labels"], PropertyValue::multi_select(["bug"]));
    }

    fn set_link(page: &mut Page, link: &str, schema: &BoundSchema) {
        let Some(PropertyValue::Title(items)) = page.properties.get_mut(schema.title()) else {
            panic!("title")
        };
        items[0].link = Some(link.to_owned());
    }

    #[test]
    fn no_pages_no_plan() {
        assert!(plan(Vec::new(), &schema()).is_none());
    }
}
