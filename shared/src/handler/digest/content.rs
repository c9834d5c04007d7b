//! What a digest page says: the items read from the database ([`DigestItem`], built from a
//! page through the bound schema) and the blocks that present them ([`digest_blocks`]). Pure, so
//! grouping, marks, links and limits are unit-tested without a server.
//!
//! Layout: a `heading_1` summary line; `heading_2` "Closed this week" with a `heading_3` per
//! repository and one bullet per item ("Title (#n)" linked to GitHub, merged PRs marked);
//! `heading_2` "Still open" grouped the same way as unchecked to-dos, drafts marked; a divider;
//! a paragraph with the generation time. Blocks are flat (no nesting), so the client's chunking
//! (100 blocks per create / append) applies to them as they are.

use std::collections::BTreeMap;

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::OffsetDateTime;

use crate::notion::{Block, Page, PropertyValue, RichText};
use crate::sync::{BoundSchema, Field};

/// Items listed per section; past this a paragraph says how many more there are. Keeps a
/// digest at ~1000 blocks (≤ 11 create/append calls) however large the backlog.
pub const MAX_ITEMS_PER_SECTION: usize = 500;

/// Where items without a repository are grouped (last).
const NO_REPOSITORY: &str = "Other";

/// The status labels the sync writes (see `github::ItemState`).
pub const OPEN: &str = "Open";
pub const DRAFT: &str = "Draft";
pub const CLOSED: &str = "Closed";
pub const MERGED: &str = "Merged";
const PULL_REQUEST: &str = "Pull request";

/// One issue or pull request as the digest shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DigestItem {
    pub repository: Option<String>,
    pub number: Option<u64>,
    pub title: String,
    /// The GitHub page, without our `#updated=` fragment.
    pub url: Option<String>,
    pub status: String,
    /// "Issue" / "Pull request", when the database has a Type property.
    pub kind: Option<String>,
}

impl DigestItem {
    /// Reads a database row through the schema. The URL comes from the URL property, else from
    /// the title's link (which the sync sets to the issue); the repository from its property,
    /// else from the URL's `owner/name`.
    pub fn from_page(page: &Page, schema: &BoundSchema) -> Self {
        let value = |field| {
            schema
                .get(field)
                .and_then(|binding| page.property(&binding.property))
        };
        let text = |field| value(field).and_then(property_text);
        let title_link = value(Field::Name).and_then(|v| match v {
            PropertyValue::Title(items) => items.iter().find_map(|i| i.link.clone()),
            _ => None,
        });
        let url = text(Field::Url)
            .or(title_link)
            .map(|u| without_fragment(&u).to_owned());
        let repository = text(Field::Repository).or_else(|| url.as_deref().and_then(repo_of));
        Self {
            repository,
            number: value(Field::Number)
                .and_then(PropertyValue::as_number)
                .filter(|n| n.is_finite() && *n >= 0.0)
                .map(|n| n as u64),
            title: page.title().trim().to_owned(),
            url,
            status: text(Field::Status).unwrap_or_default(),
            kind: text(Field::Type),
        }
    }

    fn is_merged(&self) -> bool {
        self.status == MERGED
    }

    fn is_draft(&self) -> bool {
        self.status == DRAFT
    }

    fn is_pull_request(&self) -> bool {
        self.kind.as_deref() == Some(PULL_REQUEST)
    }
}

/// A select, status, text or url value as text; blank is `None`.
fn property_text(value: &PropertyValue) -> Option<String> {
    let text = match value {
        PropertyValue::Url(url) => url.clone(),
        PropertyValue::Select(_) | PropertyValue::Status(_) => value.as_select().map(str::to_owned),
        other => other.plain_text(),
    }?;
    Some(text.trim().to_owned()).filter(|t| !t.is_empty())
}

fn without_fragment(url: &str) -> &str {
    url.split_once('#').map_or(url, |(head, _)| head)
}

/// `owner/name` of a `https://github.com/owner/name/...` URL.
fn repo_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let mut segments = parsed.path_segments()?;
    let (owner, name) = (segments.next()?, segments.next()?);
    let repo = format!("{owner}/{name}");
    crate::config::is_repository_name(&repo).then_some(repo)
}

/// The digest page's title for a run at `now` (UTC date): one digest per day and parent.
pub fn digest_title(now: OffsetDateTime) -> String {
    let date = now
        .to_offset(time::UtcOffset::UTC)
        .format(format_description!("[year]-[month]-[day]"))
        .unwrap_or_default();
    format!("Weekly digest — {date}")
}

/// The window's start: `days` before `now`, as Notion's date filter takes it.
pub fn window_start(now: OffsetDateTime, days: u32) -> String {
    (now - time::Duration::days(i64::from(days)))
        .to_offset(time::UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// The whole page body, in order.
pub fn digest_blocks(
    closed: &[DigestItem],
    open: &[DigestItem],
    days: u32,
    now: OffsetDateTime,
) -> Vec<Block> {
    let mut blocks = vec![Block::heading1(&summary_line(closed, open, days))];
    let closed_heading = if days == 7 {
        "Closed this week".to_owned()
    } else {
        format!("Closed in the last {}", plural(u64::from(days), "day"))
    };
    blocks.push(Block::heading2(&closed_heading));
    section(
        &mut blocks,
        closed,
        "Nothing closed in this period.",
        |item| Block::BulletedListItem {
            text: item_text(item, closed_mark(item)),
            children: Vec::new(),
        },
    );
    blocks.push(Block::heading2("Still open"));
    section(&mut blocks, open, "Nothing open.", |item| Block::ToDo {
        text: item_text(item, item.is_draft().then_some("draft")),
        checked: false,
        children: Vec::new(),
    });
    blocks.push(Block::Divider);
    blocks.push(Block::paragraph(&format!(
        "Generated by notion-relay at {} for changes since {}.",
        minute(now),
        minute(now - time::Duration::days(i64::from(days)))
    )));
    blocks
}

/// "20 closed (8 merged) · 130 still open (4 drafts) · last 7 days".
pub fn summary_line(closed: &[DigestItem], open: &[DigestItem], days: u32) -> String {
    let merged = closed.iter().filter(|i| i.is_merged()).count();
    let drafts = open.iter().filter(|i| i.is_draft()).count();
    format!(
        "{} closed ({} merged) · {} still open ({}) · last {}",
        closed.len(),
        merged,
        open.len(),
        plural(drafts as u64, "draft"),
        plural(u64::from(days), "day"),
    )
}

fn closed_mark(item: &DigestItem) -> Option<&'static str> {
    if item.is_merged() {
        Some("merged")
    } else if item.is_pull_request() {
        Some("closed without merging")
    } else {
        None
    }
}

/// Items grouped by repository (alphabetical, "Other" last), each group under a `heading_3`
/// and sorted by number; capped at [`MAX_ITEMS_PER_SECTION`].
fn section(
    blocks: &mut Vec<Block>,
    items: &[DigestItem],
    empty: &str,
    block: impl Fn(&DigestItem) -> Block,
) {
    if items.is_empty() {
        blocks.push(Block::paragraph(empty));
        return;
    }
    let mut groups: BTreeMap<(bool, &str), Vec<&DigestItem>> = BTreeMap::new();
    for item in items {
        let key = match item.repository.as_deref() {
            Some(repo) => (false, repo),
            None => (true, NO_REPOSITORY),
        };
        groups.entry(key).or_default().push(item);
    }
    let mut listed = 0;
    for ((_, repository), mut group) in groups {
        if listed == MAX_ITEMS_PER_SECTION {
            break;
        }
        group.sort_by(|a, b| (a.number, &a.title).cmp(&(b.number, &b.title)));
        blocks.push(Block::heading3(repository));
        for item in group.into_iter().take(MAX_ITEMS_PER_SECTION - listed) {
            blocks.push(block(item));
            listed += 1;
        }
    }
    if items.len() > listed {
        blocks.push(Block::paragraph(&format!(
            "…and {} more (see the database).",
            items.len() - listed
        )));
    }
}

/// "Title (#n)" linked to GitHub, then " — mark" in italics.
fn item_text(item: &DigestItem, mark: Option<&str>) -> Vec<RichText> {
    let title = if item.title.is_empty() {
        "(untitled)"
    } else {
        &item.title
    };
    let label = match item.number {
        Some(n) => format!("{title} (#{n})"),
        None => title.to_owned(),
    };
    let mut text = vec![match &item.url {
        Some(url) => RichText::link(label, url.clone()),
        None => RichText::plain(label),
    }];
    if let Some(mark) = mark {
        let mut note = RichText::plain(format!(" — {mark}"));
        note.annotations.italic = true;
        text.push(note);
    }
    text
}

fn plural(n: u64, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn minute(at: OffsetDateTime) -> String {
    at.to_offset(time::UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
