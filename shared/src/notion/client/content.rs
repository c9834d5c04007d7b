//! Page and block endpoints: create / update / archive / retrieve pages, append and read blocks.
//!
//! Limits handled here, through `blocks::plan`: at most 100 blocks per array, 1000 blocks and
//! 500 KB per request (what does not fit continues in follow-up appends, in order), two nesting
//! levels (deeper blocks are flattened by `blocks::limit_nesting`), oversized blocks split, and a
//! top-level block whose children do not fit gets the rest appended to it afterwards, using the
//! block id Notion returns for it.

use reqwest::Method;
use serde_json::{json, Value};

use super::{ApiVersion, NotionClient};
use crate::notion::blocks::plan;
use crate::notion::blocks::{Block, BlockList, BlockNode, RetrievedBlock};
use crate::notion::error::Error;
use crate::notion::types::{BlockId, Page, PageId, Parent, Properties};

impl NotionClient {
    /// Creates a page. Under 2025-09-03 `Parent::Database` is sent as its data source. Up to 100
    /// blocks go in the create call; the rest are appended in chunks.
    pub async fn create_page(
        &self,
        parent: &Parent,
        properties: &Properties,
        children: &[Block],
    ) -> Result<Page, Error> {
        let parent_json = match parent {
            Parent::Database(id) if self.version().uses_data_sources() => {
                let ds = self.data_source_of(id).await?;
                json!({ "type": "data_source_id", "data_source_id": ds })
            }
            Parent::Database(id) => json!({ "type": "database_id", "database_id": id }),
            Parent::DataSource(id) => json!({ "type": "data_source_id", "data_source_id": id }),
            Parent::Page(id) => json!({ "type": "page_id", "page_id": id }),
        };
        let blocks = plan::bound(children);
        let mut body = json!({ "parent": parent_json, "properties": properties });
        // Inline only blocks whose children all fit; a block with more needs the id Notion gives
        // it, which only an append answer returns.
        let room = plan::BLOCK_BYTES_BUDGET
            .saturating_sub(serde_json::to_vec(&body).map_or(0, |b| b.len()));
        let inline = plan::batch(&blocks, room, false);
        if inline.consumed > 0 {
            body["children"] = Value::Array(inline.blocks.iter().map(Block::to_json).collect());
        }
        let page: Page = self.send(Method::POST, "/v1/pages", Some(&body)).await?;
        if inline.consumed < blocks.len() {
            self.append_bounded(&BlockId::from(&page.id), None, &blocks[inline.consumed..])
                .await?;
        }
        Ok(page)
    }

    /// Updates some properties; the others are left as they are.
    pub async fn update_page(&self, id: &PageId, properties: &Properties) -> Result<Page, Error> {
        let body = json!({ "properties": properties });
        self.send(Method::PATCH, &format!("/v1/pages/{id}"), Some(&body))
            .await
    }

    /// Archives (never deletes): `archived` under 2022-06-28, `in_trash` from 2025-09-03.
    pub async fn archive_page(&self, id: &PageId) -> Result<Page, Error> {
        let body = self.version().trash_body();
        self.send(Method::PATCH, &format!("/v1/pages/{id}"), Some(&body))
            .await
    }

    /// Moves a block to the trash (restorable, like `DELETE /v1/blocks/{id}`), with the same
    /// body as [`NotionClient::archive_page`] through "Update a block".
    pub async fn archive_block(&self, id: &BlockId) -> Result<RetrievedBlock, Error> {
        let body = self.version().trash_body();
        self.send(Method::PATCH, &format!("/v1/blocks/{id}"), Some(&body))
            .await
    }

    pub async fn retrieve_page(&self, id: &PageId) -> Result<Page, Error> {
        self.send(Method::GET, &format!("/v1/pages/{id}"), None::<&()>)
            .await
    }

    /// Appends blocks in order, in requests bounded by `blocks::plan` (100 per array, 1000
    /// blocks and 500 KB per request), nesting limited to two levels (deeper blocks FLATTENED to
    /// the second level, see `blocks::limit_nesting`), and children that did not fit with their
    /// top-level block appended to it in follow-up calls.
    pub async fn append_block_children(
        &self,
        parent: &BlockId,
        children: &[Block],
    ) -> Result<(), Error> {
        self.append_bounded(parent, None, &plan::bound(children))
            .await
    }

    /// [`NotionClient::append_block_children`] inserting right after the block `after` (a child
    /// of `parent`) instead of at the end: `after` before 2026-03-11, `position.after_block`
    /// from it (developers.notion.com/docs/upgrade-guide-2026-03-11). Each further request goes
    /// after the last block the previous one created, so the order holds.
    pub async fn append_block_children_after(
        &self,
        parent: &BlockId,
        after: &BlockId,
        children: &[Block],
    ) -> Result<(), Error> {
        self.append_bounded(parent, Some(after.clone()), &plan::bound(children))
            .await
    }

    /// [`NotionClient::append_block_children`] of blocks already [`plan::bound`].
    async fn append_bounded(
        &self,
        parent: &BlockId,
        mut after: Option<BlockId>,
        blocks: &[Block],
    ) -> Result<(), Error> {
        let mut rest = blocks;
        while !rest.is_empty() {
            let batch = plan::batch(rest, plan::BLOCK_BYTES_BUDGET, true);
            let payload = batch.blocks.iter().map(Block::to_json).collect();
            let created = self.append_once(parent, after.as_ref(), payload).await?;
            if after.is_some() {
                let last = batch.blocks.len() - 1;
                after = created_block_id(&created, batch.blocks.len(), last);
            }
            for (index, more) in batch.overflow {
                let id =
                    created_block_id(&created, batch.blocks.len(), index).ok_or_else(|| {
                        Error::InvalidRequest(format!(
                            "Notion did not return the block to append {} more children to",
                            more.len()
                        ))
                    })?;
                // `more` is second-level and so has no children of its own.
                Box::pin(self.append_bounded(&id, None, &more)).await?;
            }
            rest = &rest[batch.consumed..];
        }
        Ok(())
    }

    async fn append_once(
        &self,
        parent: &BlockId,
        after: Option<&BlockId>,
        children: Vec<Value>,
    ) -> Result<BlockList, Error> {
        let mut body = json!({ "children": children });
        match (after, self.version()) {
            (None, _) => {}
            (Some(id), ApiVersion::V2026_03_11) => {
                body["position"] = json!({ "type": "after_block", "after_block": { "id": id } })
            }
            (Some(id), _) => body["after"] = json!(id),
        }
        self.send(
            Method::PATCH,
            &format!("/v1/blocks/{parent}/children"),
            Some(&body),
        )
        .await
    }

    /// One page (up to 100) of a block's children.
    pub async fn list_block_children(
        &self,
        parent: &BlockId,
        start_cursor: Option<&str>,
    ) -> Result<BlockList, Error> {
        let mut path = format!("/v1/blocks/{parent}/children?page_size=100");
        if let Some(cursor) = start_cursor {
            path.push_str("&start_cursor=");
            path.extend(url::form_urlencoded::byte_serialize(cursor.as_bytes()));
        }
        self.send(Method::GET, &path, None::<&()>).await
    }

    /// All blocks under `parent`, children read recursively (every page of every level). Child
    /// pages and databases are not descended into: they are separate pages.
    pub async fn read_block_tree(&self, parent: &BlockId) -> Result<Vec<BlockNode>, Error> {
        let mut nodes = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let list = self.list_block_children(parent, cursor.as_deref()).await?;
            for block in list.results {
                let children = if block.has_children && !block.is_child_object() {
                    Box::pin(self.read_block_tree(&block.id)).await?
                } else {
                    Vec::new()
                };
                nodes.push(BlockNode { block, children });
            }
            match (list.has_more, list.next_cursor) {
                (true, Some(next)) => cursor = Some(next),
                _ => return Ok(nodes),
            }
        }
    }
}

/// The id of the `index`-th block of a sent chunk of `sent` blocks. Notion answers with the new
/// blocks; should it answer with all of the parent's children instead, the new ones are last.
fn created_block_id(created: &BlockList, sent: usize, index: usize) -> Option<BlockId> {
    let offset = created.results.len().checked_sub(sent)?;
    created.results.get(offset + index).map(|b| b.id.clone())
}
