//! Page content: [`Block`] for writing (serialized to Notion's block JSON, limits enforced) and
//! [`RetrievedBlock`] / [`BlockList`] / [`BlockNode`] for reading (tolerant: any block type parses,
//! its body kept as JSON).
//!
//! Limits: rich text is split at 2000 UTF-16 units per item (see `types::write_rich_text`); an
//! append carries at most 100 blocks per array and two levels of nesting. [`limit_nesting`]
//! FLATTENS anything deeper: a third-level block becomes a sibling right after its second-level
//! parent (order kept, indentation lost) rather than costing follow-up calls.

use serde::{Deserialize, Serialize, Serializer};
use serde_json::{json, Map, Value};

use super::types::{plain_text, text_items, write_rich_text, BlockId, RichText};

mod language;
pub mod plan;

pub use language::code_language;

/// Notion's maximum blocks per `children` array.
pub const MAX_BLOCKS_PER_REQUEST: usize = 100;
/// Nesting levels one request may carry (top-level blocks and their children).
pub const MAX_NESTING: usize = 2;

/// A block to write.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    Heading1(Vec<RichText>),
    Heading2(Vec<RichText>),
    Heading3(Vec<RichText>),
    Paragraph(Vec<RichText>),
    BulletedListItem {
        text: Vec<RichText>,
        children: Vec<Block>,
    },
    NumberedListItem {
        text: Vec<RichText>,
        children: Vec<Block>,
    },
    ToDo {
        text: Vec<RichText>,
        checked: bool,
        children: Vec<Block>,
    },
    /// Code text is plain; `language` is mapped to one of Notion's names on write.
    Code {
        text: String,
        language: String,
    },
    Quote(Vec<RichText>),
    Divider,
    Toggle {
        text: Vec<RichText>,
        children: Vec<Block>,
    },
    /// An external image; `url` must be absolute http(s) (see `markdown::links`).
    Image {
        url: String,
        caption: Vec<RichText>,
    },
}

/// Which blocks hold rich text, and in what field: the one match behind [`Block::rich_text`] and
/// [`Block::rich_text_mut`] (`$block` is a `&Block` or a `&mut Block`).
macro_rules! rich_text_of {
    ($block:expr) => {
        match $block {
            Block::Heading1(t)
            | Block::Heading2(t)
            | Block::Heading3(t)
            | Block::Paragraph(t)
            | Block::Quote(t)
            | Block::BulletedListItem { text: t, .. }
            | Block::NumberedListItem { text: t, .. }
            | Block::ToDo { text: t, .. }
            | Block::Toggle { text: t, .. }
            | Block::Image { caption: t, .. } => Some(t),
            Block::Code { .. } | Block::Divider => None,
        }
    };
}

impl Block {
    pub fn heading1(text: &str) -> Block {
        Block::Heading1(text_items(text))
    }

    pub fn heading2(text: &str) -> Block {
        Block::Heading2(text_items(text))
    }

    pub fn heading3(text: &str) -> Block {
        Block::Heading3(text_items(text))
    }

    pub fn paragraph(text: &str) -> Block {
        Block::Paragraph(text_items(text))
    }

    pub fn bullet(text: &str) -> Block {
        Block::BulletedListItem {
            text: text_items(text),
            children: Vec::new(),
        }
    }

    pub fn numbered(text: &str) -> Block {
        Block::NumberedListItem {
            text: text_items(text),
            children: Vec::new(),
        }
    }

    pub fn to_do(text: &str, checked: bool) -> Block {
        Block::ToDo {
            text: text_items(text),
            checked,
            children: Vec::new(),
        }
    }

    pub fn code(text: &str, language: &str) -> Block {
        Block::Code {
            text: text.to_owned(),
            language: language.to_owned(),
        }
    }

    pub fn quote(text: &str) -> Block {
        Block::Quote(text_items(text))
    }

    pub fn toggle(text: &str, children: Vec<Block>) -> Block {
        Block::Toggle {
            text: text_items(text),
            children,
        }
    }

    /// Notion's type name.
    pub fn type_name(&self) -> &'static str {
        match self {
            Block::Heading1(_) => "heading_1",
            Block::Heading2(_) => "heading_2",
            Block::Heading3(_) => "heading_3",
            Block::Paragraph(_) => "paragraph",
            Block::BulletedListItem { .. } => "bulleted_list_item",
            Block::NumberedListItem { .. } => "numbered_list_item",
            Block::ToDo { .. } => "to_do",
            Block::Code { .. } => "code",
            Block::Quote(_) => "quote",
            Block::Divider => "divider",
            Block::Toggle { .. } => "toggle",
            Block::Image { .. } => "image",
        }
    }

    /// The block's rich text (an image's caption); `None` for code, whose text is plain, and for
    /// a divider.
    pub fn rich_text(&self) -> Option<&[RichText]> {
        rich_text_of!(self).map(Vec::as_slice)
    }

    pub(crate) fn rich_text_mut(&mut self) -> Option<&mut Vec<RichText>> {
        rich_text_of!(self)
    }

    pub fn children(&self) -> &[Block] {
        match self {
            Block::BulletedListItem { children, .. }
            | Block::NumberedListItem { children, .. }
            | Block::ToDo { children, .. }
            | Block::Toggle { children, .. } => children,
            _ => &[],
        }
    }

    pub(crate) fn children_mut(&mut self) -> Option<&mut Vec<Block>> {
        match self {
            Block::BulletedListItem { children, .. }
            | Block::NumberedListItem { children, .. }
            | Block::ToDo { children, .. }
            | Block::Toggle { children, .. } => Some(children),
            _ => None,
        }
    }

    /// Notion's block JSON, children included as given (the client limits nesting first).
    pub fn to_json(&self) -> Value {
        let rich = |t: &[RichText]| json!({ "rich_text": write_rich_text(t) });
        let mut body = match self {
            Block::Heading1(t) | Block::Heading2(t) | Block::Heading3(t) => rich(t),
            Block::Paragraph(t) | Block::Quote(t) => rich(t),
            Block::BulletedListItem { text, .. }
            | Block::NumberedListItem { text, .. }
            | Block::Toggle { text, .. } => rich(text),
            Block::ToDo { text, checked, .. } => {
                json!({ "rich_text": write_rich_text(text), "checked": checked })
            }
            Block::Code { text, language } => json!({
                "rich_text": write_rich_text(&[RichText::plain(text.as_str())]),
                "language": code_language(language),
            }),
            Block::Divider => json!({}),
            Block::Image { url, caption } => json!({
                "type": "external",
                "external": { "url": url },
                "caption": write_rich_text(caption),
            }),
        };
        let children = self.children();
        if !children.is_empty() {
            body["children"] = Value::Array(children.iter().map(Block::to_json).collect());
        }
        let mut obj = Map::new();
        obj.insert("object".into(), json!("block"));
        obj.insert("type".into(), json!(self.type_name()));
        obj.insert(self.type_name().into(), body);
        Value::Object(obj)
    }
}

impl Serialize for Block {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_json().serialize(s)
    }
}

/// Flattens blocks deeper than [`MAX_NESTING`] levels: each block's over-deep descendants are
/// moved, in document order, to follow their nearest allowed ancestor as siblings.
pub fn limit_nesting(blocks: &[Block]) -> Vec<Block> {
    fn at_level(blocks: &[Block], level: usize) -> Vec<Block> {
        let mut out = Vec::new();
        for block in blocks {
            let mut block = block.clone();
            if level >= MAX_NESTING {
                let deeper = block.children_mut().map(std::mem::take).unwrap_or_default();
                out.push(block);
                out.extend(at_level(&deeper, level));
            } else {
                if let Some(children) = block.children_mut() {
                    *children = at_level(children, level + 1);
                }
                out.push(block);
            }
        }
        out
    }
    at_level(blocks, 1)
}

/// A block as Notion returns it. Any type parses; its body is kept in `content`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct RetrievedBlock {
    pub id: BlockId,
    #[serde(rename = "type", default)]
    pub kind: String,
    #[serde(default)]
    pub has_children: bool,
    #[serde(default)]
    pub archived: bool,
    #[serde(default)]
    pub in_trash: bool,
    #[serde(flatten)]
    rest: Map<String, Value>,
}

impl RetrievedBlock {
    /// The type-specific body, e.g. `{"rich_text": [...], "color": "default"}` of a paragraph.
    pub fn content(&self) -> Option<&Value> {
        self.rest.get(&self.kind)
    }

    /// The block's own text: its `rich_text`, or the title of a child page/database.
    pub fn plain_text(&self) -> String {
        let Some(content) = self.content() else {
            return String::new();
        };
        if let Some(items) = content.get("rich_text") {
            let items: Vec<RichText> = serde_json::from_value(items.clone()).unwrap_or_default();
            return plain_text(&items);
        }
        content
            .get("title")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_owned()
    }

    /// A child page or database: its content is another page, not this block's children.
    pub fn is_child_object(&self) -> bool {
        matches!(self.kind.as_str(), "child_page" | "child_database")
    }
}

/// One page of `GET /v1/blocks/{id}/children`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BlockList {
    pub results: Vec<RetrievedBlock>,
    #[serde(default)]
    pub next_cursor: Option<String>,
    #[serde(default)]
    pub has_more: bool,
}

/// A block with its children read recursively.
#[derive(Debug, Clone, PartialEq)]
pub struct BlockNode {
    pub block: RetrievedBlock,
    pub children: Vec<BlockNode>,
}

#[cfg(test)]
mod tests;
