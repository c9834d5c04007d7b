//! The page content is the issue body, kept current.
//!
//! The body is written on create ([`content`]) and rewritten when it changed
//! ([`Syncer::refresh_body`]). Whether it changed is read for free: the title link already comes
//! back with every key query, and records a hash of the body the content was written from
//! (`…#updated=…&body=<hash>`, see `title.rs`). Storing it there rather than in a property of its
//! own needs nothing from the user's database and no extra read. An edit that leaves the body
//! alone (title, labels, state) therefore costs nothing more than before; a delivery that does
//! not carry the body keeps the recorded hash.
//!
//! Rewriting keeps the blocks that did not change at the top and at the bottom (the common prefix
//! and suffix of the old and the new content, compared by type and text), trashes the old middle
//! (`PATCH /v1/blocks/{id}` with
//! `in_trash` — "Update a block" / "Delete a block" both move a block to the trash, restorable;
//! Notion has no bulk delete and no in-place replace of a block's type), and appends the new
//! middle right after the kept top (`after` / 2026-03-11's `position`). Child pages and databases
//! a user added under the page are never trashed.
//!
//! Cost in calls: one list call per 100 top-level blocks on the page, one per trashed block, and
//! the appends of the new middle (one per 100 top-level blocks, see `notion::blocks::plan`).
//! A typical edit of a 10-block body that changes its fourth paragraph: 1 list + 1 trash +
//! 1 append = 3 calls, besides the key query and the property update. Trashing happens before
//! appending, and the hash is recorded last (with the properties), so a delivery cut short is
//! finished by the next one.

use serde_json::Value;
use sha2::{Digest, Sha256};

use super::properties::{title as title_property, title_link};
use super::schema::BoundSchema;
use super::title;
use super::upsert::Syncer;
use crate::github::WorkItem;
use crate::notion::blocks::plan;
use crate::notion::markdown::{markdown_to_blocks_in, LinkContext};
use crate::notion::{self, Block, BlockId, Page, Properties, RetrievedBlock, RichText};

/// Top-level blocks of a body we write (GitHub caps a body at 65,536 characters, which could be
/// 30,000 one-line paragraphs: 300 calls). 500 is 5 appends; the rest is on GitHub.
pub const MAX_BODY_BLOCKS: usize = 500;

/// The hash the title link records for `body`; `None` when the payload did not say.
pub fn body_hash(body: Option<&str>) -> Option<String> {
    let digest = Sha256::digest(body?.trim().as_bytes());
    Some(hex::encode(&digest[..6]))
}

/// The hash a page's title link records, if any.
pub fn recorded_hash<'p>(page: &'p Page, schema: &BoundSchema) -> Option<&'p str> {
    title::recorded(title_link(page, schema)?).1
}

/// Whether the item carries a body other than the one the page content was written from.
pub fn changed(item: &WorkItem, page: &Page, schema: &BoundSchema) -> bool {
    match body_hash(item.body.as_deref()) {
        Some(want) => recorded_hash(page, schema) != Some(want.as_str()),
        None => false,
    }
}

/// A delivery without the body keeps the hash the page records (else the next delivery with a
/// body would find none and rewrite the content for nothing).
pub fn keep_recorded_hash(
    item: &WorkItem,
    page: &Page,
    schema: &BoundSchema,
    desired: &mut Properties,
) {
    if item.body.is_some() {
        return;
    }
    if let Some(hash) = recorded_hash(page, schema) {
        desired.insert(schema.title().to_owned(), title_property(item, Some(hash)));
    }
}

/// The issue body as page content: links resolved against the item's repository.
pub fn content(item: &WorkItem) -> Vec<Block> {
    let Some(body) = item.body.as_deref().filter(|b| !b.trim().is_empty()) else {
        return Vec::new();
    };
    let context = LinkContext::new(&item.repository, item.default_branch.as_deref(), &item.url);
    capped(markdown_to_blocks_in(body, &context))
}

/// At most [`MAX_BODY_BLOCKS`] top-level blocks, the last saying the rest is on GitHub.
pub fn capped(mut blocks: Vec<Block>) -> Vec<Block> {
    if blocks.len() > MAX_BODY_BLOCKS {
        blocks.truncate(MAX_BODY_BLOCKS - 1);
        blocks.push(Block::paragraph(
            "… the rest of the description is on GitHub (follow the title link).",
        ));
    }
    blocks
}

impl Syncer<'_> {
    /// Replaces the page content with the item's body (see the module docs for the cost).
    pub async fn refresh_body(&self, item: &WorkItem, page: &Page) -> Result<(), notion::Error> {
        let parent = BlockId::from(&page.id);
        let new = plan::bound(&content(item));
        let old = self.top_level_blocks(&parent).await?;
        let keep = old
            .iter()
            .zip(&new)
            .take_while(|(old, new)| same_block(old, new))
            .count();
        // The common tail is kept too when there is a kept block to insert after (appending
        // "after" needs one; a body edited at its very top is rewritten from the top).
        let tail = if keep == 0 {
            0
        } else {
            old[keep..]
                .iter()
                .rev()
                .zip(new[keep..].iter().rev())
                .take_while(|(old, new)| same_block(old, new))
                .count()
        };
        for block in &old[keep..old.len() - tail] {
            if !block.is_child_object() {
                self.notion.archive_block(&block.id).await?;
            }
        }
        let middle = &new[keep..new.len() - tail];
        match (middle.is_empty(), keep.checked_sub(1).map(|i| &old[i].id)) {
            (true, _) => {}
            (false, Some(after)) if tail > 0 => {
                self.notion
                    .append_block_children_after(&parent, after, middle)
                    .await?
            }
            (false, _) => self.notion.append_block_children(&parent, middle).await?,
        }
        Ok(())
    }

    async fn top_level_blocks(
        &self,
        parent: &BlockId,
    ) -> Result<Vec<RetrievedBlock>, notion::Error> {
        let mut blocks = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let list = self
                .notion
                .list_block_children(parent, cursor.as_deref())
                .await?;
            blocks.extend(
                list.results
                    .into_iter()
                    .filter(|b| !b.archived && !b.in_trash),
            );
            match (list.has_more, list.next_cursor) {
                (true, Some(next)) => cursor = Some(next),
                _ => return Ok(blocks),
            }
        }
    }
}

/// Whether a block read back holds what `new` would write: same type, no children on either
/// side, and every field `new` sets equal (rich text compared as text, links and marks).
fn same_block(old: &RetrievedBlock, new: &Block) -> bool {
    if old.kind != new.type_name() || old.has_children || !new.children().is_empty() {
        return false;
    }
    let (Some(have), Some(want)) = (
        old.content().and_then(Value::as_object),
        new.to_json()
            .get(new.type_name())
            .and_then(Value::as_object)
            .cloned(),
    ) else {
        return false;
    };
    want.iter().all(|(key, want)| match key.as_str() {
        "rich_text" | "caption" => rich(want) == have.get(key).map(rich).unwrap_or_default(),
        _ => have.get(key) == Some(want),
    })
}

fn rich(items: &Value) -> Vec<RichText> {
    serde_json::from_value(items.clone()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(kind: &str, content: Value) -> RetrievedBlock {
        serde_json::from_value(json!({"object": "block", "id": "b1", "type": kind, "has_children": false, kind: content}))
            .unwrap()
    }

    fn notion_text(text: &str, link: Option<&str>) -> Value {
        json!([{"type": "text", "text": {"content": text, "link": link.map(|u| json!({"url": u}))},
            "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"},
            "plain_text": text, "href": link}])
    }

    #[test]
    fn a_block_read_back_matches_what_we_would_write() {
        let old = read(
            "paragraph",
            json!({"rich_text": notion_text("hello", None), "color": "default"}),
        );
        assert!(same_block(&old, &Block::paragraph("hello")));
        assert!(!same_block(&old, &Block::paragraph("hello!")));
        assert!(!same_block(&old, &Block::heading1("hello")));
        let todo = read(
            "to_do",
            json!({"rich_text": notion_text("x", None), "checked": true, "color": "default"}),
        );
        assert!(same_block(&todo, &Block::to_do("x", true)));
        assert!(!same_block(&todo, &Block::to_do("x", false)));
        let linked = read(
            "paragraph",
            json!({"rich_text": notion_text("x", Some("https://a.dev")), "color": "default"}),
        );
        assert!(!same_block(&linked, &Block::paragraph("x")));
    }

    #[test]
    fn the_body_hash_changes_with_the_body_only() {
        assert_eq!(body_hash(Some("a\n")), body_hash(Some("a")));
        assert_ne!(body_hash(Some("a")), body_hash(Some("b")));
        assert_eq!(body_hash(None), None);
        assert_eq!(body_hash(Some("")).map(|h| h.len()), Some(12));
    }
}
