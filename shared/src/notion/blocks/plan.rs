//! Page content cut into requests Notion accepts, at every depth.
//!
//! Notion's limits (developers.notion.com/reference/request-limits, PRODUCT.md "Facts that
//! bite"): 100 elements per array (children and rich text alike), two levels of nesting per
//! request, and a payload of at most 1000 block elements and 500 KB overall.
//!
//! - [`bound`] makes every block sendable on its own: nesting flattened to two levels
//!   (`limit_nesting`), and a block whose text needs more than 100 rich-text items or weighs more
//!   than [`MAX_BLOCK_BYTES`] split into consecutive blocks of the same type (children stay with
//!   the last piece). No text is dropped.
//! - [`batch`] takes the longest prefix of top-level blocks that fits one request: ≤ 100 of them,
//!   ≤ 1000 blocks counting children, ≤ the byte budget. A block whose children do not all fit
//!   is sent with those that do, and the rest (`overflow`) is appended to it once Notion has
//!   answered with its id.
//!
//! Cost in calls of writing N top-level blocks (children included): one request per 100
//! top-level blocks, or per 1000 blocks, or per [`BLOCK_BYTES_BUDGET`] bytes, whichever comes
//! first; plus, for a block with more than 100 children (or children that did not fit), one
//! append per further 100 of them.

use serde_json::Value;

use super::{limit_nesting, Block, MAX_BLOCKS_PER_REQUEST};
use crate::notion::types::{split_items, split_utf16, RichText, MAX_ARRAY_ITEMS, MAX_TEXT_UNITS};

/// Block elements one request may carry, children included.
pub const MAX_BLOCKS_PER_PAYLOAD: usize = 1000;
/// Notion's request size limit (500 KB), counted as 500,000 bytes of JSON.
pub const MAX_PAYLOAD_BYTES: usize = 500_000;
/// What the blocks of one request may weigh: the rest of 500 KB is room for the parent, the
/// properties of a create and the JSON around them.
pub const BLOCK_BYTES_BUDGET: usize = 400_000;
/// The heaviest one block may be after [`bound`] (its own JSON, children apart).
pub const MAX_BLOCK_BYTES: usize = 60_000;

/// Every block sendable on its own; see the module docs.
pub fn bound(blocks: &[Block]) -> Vec<Block> {
    fn split_all(blocks: Vec<Block>) -> Vec<Block> {
        let mut out = Vec::new();
        for mut block in blocks {
            if let Some(children) = block.children_mut() {
                *children = split_all(std::mem::take(children));
            }
            out.extend(split(block));
        }
        out
    }
    split_all(limit_nesting(blocks))
}

fn json_len(value: &Value) -> usize {
    serde_json::to_vec(value).map_or(0, |v| v.len())
}

/// Groups of ≤ 100 items and ≤ [`MAX_BLOCK_BYTES`] of JSON, in order.
fn groups(items: Vec<RichText>) -> Vec<Vec<RichText>> {
    let mut out: Vec<Vec<RichText>> = Vec::new();
    let mut current = Vec::new();
    let mut bytes = 0;
    for item in items {
        let size = serde_json::to_vec(&item).map_or(0, |v| v.len()) + 1;
        if !current.is_empty()
            && (current.len() >= MAX_ARRAY_ITEMS || bytes + size > MAX_BLOCK_BYTES - 1_000)
        {
            out.push(std::mem::take(&mut current));
            bytes = 0;
        }
        bytes += size;
        current.push(item);
    }
    if !current.is_empty() || out.is_empty() {
        out.push(current);
    }
    out
}

/// One block as one or more blocks of the same type, each within the limits.
fn split(block: Block) -> Vec<Block> {
    if let Block::Code { text, language } = &block {
        let pieces: Vec<RichText> = split_utf16(text, MAX_TEXT_UNITS)
            .into_iter()
            .map(RichText::plain)
            .collect();
        if pieces.len() <= 1 {
            return vec![block];
        }
        return groups(pieces)
            .into_iter()
            .map(|group| Block::Code {
                text: group.into_iter().map(|t| t.content).collect(),
                language: language.clone(),
            })
            .collect();
    }
    let Some(text) = block.rich_text() else {
        return vec![block];
    };
    let all = split_items(text);
    let fits = all.len() <= MAX_ARRAY_ITEMS
        && all
            .iter()
            .map(|i| serde_json::to_vec(i).map_or(0, |v| v.len()) + 1)
            .sum::<usize>()
            <= MAX_BLOCK_BYTES - 1_000;
    if fits {
        return vec![block];
    }
    let groups = groups(all);
    let last = groups.len() - 1;
    groups
        .into_iter()
        .enumerate()
        .map(|(i, group)| {
            let mut piece = block.clone();
            if let Some(text) = piece.rich_text_mut() {
                *text = group;
            }
            if i != last {
                if let Some(children) = piece.children_mut() {
                    children.clear();
                }
            }
            piece
        })
        .collect()
}

/// The top-level blocks of one request, and what follows it.
#[derive(Debug, Clone, PartialEq)]
pub struct Batch {
    /// The blocks to send, each with the children that fit.
    pub blocks: Vec<Block>,
    /// `(index in blocks, children)` still to append to that block once it has an id.
    pub overflow: Vec<(usize, Vec<Block>)>,
    /// How many of the input's top-level blocks this batch consumed.
    pub consumed: usize,
}

/// The longest prefix of `blocks` (already [`bound`]) that fits one request of at most
/// `budget` bytes of blocks. With `split_children` false (a page create, whose answer carries no
/// block ids), a block whose children do not all fit ends the batch, even the first.
pub fn batch(blocks: &[Block], budget: usize, split_children: bool) -> Batch {
    let mut out = Batch {
        blocks: Vec::new(),
        overflow: Vec::new(),
        consumed: 0,
    };
    let mut count = 0;
    let mut bytes = 2;
    for block in blocks.iter().take(MAX_BLOCKS_PER_REQUEST) {
        let mut head = block.clone();
        let children = head.children_mut().map(std::mem::take).unwrap_or_default();
        // Its own JSON, the comma, and the `"children":[]` key it may get.
        let own = json_len(&head.to_json()) + 16;
        let first = out.blocks.is_empty();
        if !first && (count + 1 > MAX_BLOCKS_PER_PAYLOAD || bytes + own > budget) {
            break;
        }
        let mut fit = 0;
        let mut child_bytes = 0;
        for child in children.iter().take(MAX_BLOCKS_PER_REQUEST) {
            let size = json_len(&child.to_json()) + 1;
            if count + 2 + fit > MAX_BLOCKS_PER_PAYLOAD || bytes + own + child_bytes + size > budget
            {
                break;
            }
            fit += 1;
            child_bytes += size;
        }
        // A block whose children do not all fit goes whole into the next request, unless even
        // an empty request cannot hold it (then it is split here, the rest appended to it).
        if fit < children.len()
            && (!split_children || (!first && fits_alone(own, &children, budget)))
        {
            break;
        }
        let mut children = children;
        let later = children.split_off(fit);
        if let Some(slot) = head.children_mut() {
            *slot = children;
        }
        if !later.is_empty() {
            out.overflow.push((out.blocks.len(), later));
        }
        out.blocks.push(head);
        out.consumed += 1;
        count += 1 + fit;
        bytes += own + child_bytes;
    }
    out
}

/// Whether a block of `own` bytes with `children` fits an empty request whole.
fn fits_alone(own: usize, children: &[Block], budget: usize) -> bool {
    children.len() <= MAX_BLOCKS_PER_REQUEST
        && 2 + own
            + children
                .iter()
                .map(|c| json_len(&c.to_json()) + 1)
                .sum::<usize>()
            <= budget
}

/// Blocks in a batch, counting children: what Notion counts against its 1000.
pub fn count(blocks: &[Block]) -> usize {
    blocks.iter().map(|b| 1 + count(b.children())).sum()
}

#[cfg(test)]
mod tests;
