//! Page and block endpoints: create / update / archive / retrieve pages, append and read blocks.
//!
//! Limits handled here: at most 100 blocks per request (longer lists go in follow-up appends, in
//! order), two nesting levels (deeper blocks are flattened by `blocks::limit_nesting`), and a
//! top-level block with more than 100 children gets the rest appended to it afterwards, using the
//! block id Notion returns for it.

use reqwest::Method;
use serde_json::{json, Value};

use super::NotionClient;
use crate::notion::blocks::{limit_nesting, Block, BlockList, BlockNode, MAX_BLOCKS_PER_REQUEST};
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
        let blocks = limit_nesting(children);
        // Inline only blocks that fit as they are; a block with > 100 children needs the id Notion
        // gives it, which only an append answer returns.
        let fits = |b: &Block| b.children().len() <= MAX_BLOCKS_PER_REQUEST;
        let inline = blocks
            .iter()
            .take(MAX_BLOCKS_PER_REQUEST)
            .take_while(|b| fits(b))
            .count();
        let mut body = json!({ "parent": parent_json, "properties": properties });
        if inline > 0 {
            body["children"] = Value::Array(blocks[..inline].iter().map(Block::to_json).collect());
        }
        let page: Page = self.send(Method::POST, "/v1/pages", Some(&body)).await?;
        if inline < blocks.len() {
            self.append_block_children(&BlockId::from(&page.id), &blocks[inline..])
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

    /// Archives (never deletes): `archived` under 2022-06-28, `in_trash` under 2025-09-03.
    pub async fn archive_page(&self, id: &PageId) -> Result<Page, Error> {
        let body = if self.version().uses_data_sources() {
            json!({ "in_trash": true })
        } else {
            json!({ "archived": true })
        };
        self.send(Method::PATCH, &format!("/v1/pages/{id}"), Some(&body))
            .await
    }

    pub async fn retrieve_page(&self, id: &PageId) -> Result<Page, Error> {
        self.send(Method::GET, &format!("/v1/pages/{id}"), None::<&()>)
            .await
    }

    /// Appends blocks in order: 100 per request, nesting limited to two levels (deeper blocks
    /// FLATTENED to the second level, see `blocks::limit_nesting`), and children beyond 100 of a
    /// top-level block appended to it in follow-up calls.
    pub async fn append_block_children(
        &self,
        parent: &BlockId,
        children: &[Block],
    ) -> Result<(), Error> {
        let blocks = limit_nesting(children);
        for chunk in blocks.chunks(MAX_BLOCKS_PER_REQUEST) {
            let mut overflow: Vec<(usize, Vec<Block>)> = Vec::new();
            let payload: Vec<Value> = chunk
                .iter()
                .enumerate()
                .map(|(i, block)| match block.children().len() {
                    n if n > MAX_BLOCKS_PER_REQUEST => {
                        let (json, rest) = split_children(block);
                        overflow.push((i, rest));
                        json
                    }
                    _ => block.to_json(),
                })
                .collect();
            let created = self.append_once(parent, payload).await?;
            for (index, rest) in overflow {
                let id = created_block_id(&created, chunk.len(), index).ok_or_else(|| {
                    Error::InvalidRequest(format!(
                        "Notion did not return the block to append {} more children to",
                        rest.len()
                    ))
                })?;
                // `rest` is second-level and so has no children of its own: plain chunks suffice.
                for rest_chunk in rest.chunks(MAX_BLOCKS_PER_REQUEST) {
                    let payload = rest_chunk.iter().map(Block::to_json).collect();
                    self.append_once(&id, payload).await?;
                }
            }
        }
        Ok(())
    }

    async fn append_once(
        &self,
        parent: &BlockId,
        children: Vec<Value>,
    ) -> Result<BlockList, Error> {
        let body = json!({ "children": children });
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

/// The block's JSON with its first 100 children, and the children left over.
fn split_children(block: &Block) -> (Value, Vec<Block>) {
    let mut head = block.clone();
    let rest = head
        .children_mut()
        .map(|c| c.split_off(MAX_BLOCKS_PER_REQUEST))
        .unwrap_or_default();
    (head.to_json(), rest)
}

/// The id of the `index`-th block of a sent chunk of `sent` blocks. Notion answers with the new
/// blocks; should it answer with all of the parent's children instead, the new ones are last.
fn created_block_id(created: &BlockList, sent: usize, index: usize) -> Option<BlockId> {
    let offset = created.results.len().checked_sub(sent)?;
    created.results.get(offset + index).map(|b| b.id.clone())
}
