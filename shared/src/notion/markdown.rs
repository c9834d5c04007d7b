//! Markdown → Notion blocks, for page bodies written from GitHub text (issue bodies, digests).
//!
//! Entry point: [`markdown_to_blocks`]. CommonMark plus GFM task lists, tables and strikethrough,
//! via pulldown-cmark. Mapping: paragraphs; headings (h4–h6 → `heading_3`); bulleted and numbered
//! lists, nested up to Notion's two levels (deeper items are flattened to the second level, order
//! kept); task items → `to_do`; fenced/indented code with the fence language mapped to Notion's
//! names; block quotes → `quote` (their paragraphs joined by newlines; lists or code inside follow
//! the quote as siblings); thematic breaks → `divider`; each table row → a paragraph with cells
//! joined by ` | `; raw HTML → its text (tags and comments dropped, see `html.rs`); an image on
//! its own → an external `image` block (alt text as caption).
//!
//! Inline marks are KEPT as annotations: bold, italic, strikethrough, inline code, and links.
//! Links are resolved as GitHub renders them, against a [`LinkContext`] (see `links.rs`):
//! relative paths into the repository's default branch, `#anchor` into the issue, `#123`,
//! `owner/repo#123`, `@login` and bare URLs linked; a link that cannot be made an absolute
//! http(s)/mailto URL of ≤ 2000 characters keeps its text, unlinked — Notion would refuse the
//! whole request for it. An image inside a link, in a heading or a table, or whose source does not
//! resolve, is its alt text (linked to the image when it can be). Text is split at 2000 UTF-16
//! units per item. Never panics: every input yields some (possibly empty) list of blocks. Request
//! sizes are bounded where they are sent (`blocks/plan.rs`).

mod html;
mod inline;
pub mod links;

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, LinkType, Options, Parser, Tag, TagEnd};

use super::blocks::{limit_nesting, Block};
use super::types::{normalize_rich_text, Annotations, RichText};
pub use links::LinkContext;

/// Converts Markdown to blocks ready for `create_page` / `append_block_children`, with no
/// repository to resolve relative links against (they stay plain text; absolute links and
/// `@login` are kept). Issue bodies use [`markdown_to_blocks_in`].
pub fn markdown_to_blocks(md: &str) -> Vec<Block> {
    markdown_to_blocks_in(md, &LinkContext::default())
}

/// Converts Markdown written in `context` (an issue or PR of a repository).
pub fn markdown_to_blocks_in(md: &str, context: &LinkContext) -> Vec<Block> {
    let options =
        Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut c = Converter {
        context: context.clone(),
        ..Converter::default()
    };
    for event in Parser::new_ext(md, options) {
        c.event(event);
    }
    c.finish()
}

/// A block container being filled.
enum Frame {
    Root(Vec<Block>),
    Item {
        ordered: bool,
        checked: Option<bool>,
        text: Option<Vec<RichText>>,
        children: Vec<Block>,
    },
    Quote {
        lines: Vec<Vec<RichText>>,
        after: Vec<Block>,
    },
}

#[derive(Default)]
struct Converter {
    frames: Vec<Frame>,
    /// Ordered-ness of the open lists, innermost last.
    lists: Vec<bool>,
    inline: Vec<RichText>,
    bold: u32,
    italic: u32,
    strike: u32,
    /// Open links, innermost last: the resolved URL, or `None` for a link kept as plain text.
    links: Vec<Option<String>>,
    /// Open code block: its language and text.
    code: Option<(String, String)>,
    in_table_cell: bool,
    in_heading: bool,
    context: LinkContext,
    /// An image that becomes a block: its URL and the alt text read so far.
    image: Option<(String, Vec<RichText>)>,
    /// Open images, innermost last: whether each became the block in `image` (else a link).
    images: Vec<bool>,
    html: html::HtmlText,
}

impl Converter {
    fn root(&mut self) -> &mut Frame {
        if self.frames.is_empty() {
            self.frames.push(Frame::Root(Vec::new()));
        }
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    fn push_block(&mut self, block: Block) {
        match self.root() {
            Frame::Root(blocks) => blocks.push(block),
            Frame::Item { children, .. } => children.push(block),
            Frame::Quote { after, .. } => after.push(block),
        }
    }

    /// Delivers pending inline text as a paragraph: an item's own text if it has none yet, a quote
    /// line inside a quote, else a paragraph block.
    fn flush_paragraph(&mut self) {
        let text = std::mem::take(&mut self.inline);
        if text.iter().all(|t| t.content.trim().is_empty()) {
            return;
        }
        let text = normalize_rich_text(&text);
        match self.root() {
            Frame::Item {
                text: own @ None,
                children,
                ..
            } if children.is_empty() => *own = Some(text),
            Frame::Quote { lines, .. } => lines.push(text),
            _ => self.push_block(Block::Paragraph(text)),
        }
    }

    fn push_text(&mut self, content: &str, code: bool) {
        if let Some((_, body)) = &mut self.code {
            body.push_str(content);
            return;
        }
        if let Some((_, alt)) = &mut self.image {
            alt.push(RichText::plain(content));
            return;
        }
        let annotations = Annotations {
            bold: self.bold > 0,
            italic: self.italic > 0,
            strikethrough: self.strike > 0,
            code,
            ..Annotations::default()
        };
        let link = self.links.last().cloned().flatten();
        match self.inline.last_mut() {
            Some(last) if last.annotations == annotations && last.link == link => {
                last.content.push_str(content)
            }
            _ => self.inline.push(RichText {
                content: content.to_owned(),
                link,
                annotations,
            }),
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(tag) => self.end(tag),
            Event::Text(t) => self.push_prose(&t),
            Event::Code(t) => self.push_text(&t, true),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.push_text(&t, true),
            Event::Html(t) | Event::InlineHtml(t) => {
                let text = self.html.text(&t);
                self.push_text(&text, false)
            }
            Event::FootnoteReference(t) => self.push_text(&format!("[^{t}]"), false),
            Event::SoftBreak => self.push_text(" ", false),
            Event::HardBreak => self.push_text("\n", false),
            Event::Rule => {
                self.flush_paragraph();
                self.push_block(Block::Divider);
            }
            Event::TaskListMarker(done) => {
                if let Frame::Item { checked, .. } = self.root() {
                    *checked = Some(done);
                }
            }
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph | Tag::HtmlBlock | Tag::Table(_) => self.flush_paragraph(),
            Tag::Heading { .. } => {
                self.flush_paragraph();
                self.in_heading = true;
            }
            Tag::List(first) => {
                self.flush_paragraph();
                self.lists.push(first.is_some());
            }
            Tag::Item => {
                self.flush_paragraph();
                let ordered = self.lists.last().copied().unwrap_or(false);
                self.frames.push(Frame::Item {
                    ordered,
                    checked: None,
                    text: None,
                    children: Vec::new(),
                });
            }
            Tag::BlockQuote(_) => {
                self.flush_paragraph();
                self.frames.push(Frame::Quote {
                    lines: Vec::new(),
                    after: Vec::new(),
                });
            }
            Tag::CodeBlock(kind) => {
                self.flush_paragraph();
                let lang = match kind {
                    CodeBlockKind::Fenced(info) => info
                        .split_whitespace()
                        .next()
                        .unwrap_or_default()
                        .to_owned(),
                    CodeBlockKind::Indented => String::new(),
                };
                self.code = Some((lang, String::new()));
            }
            Tag::Emphasis => self.italic += 1,
            Tag::Strong => self.bold += 1,
            Tag::Strikethrough => self.strike += 1,
            Tag::Link {
                link_type: LinkType::Email,
                dest_url,
                ..
            } => {
                let url = self.context.resolve(&format!("mailto:{dest_url}"));
                self.links.push(url)
            }
            Tag::Link { dest_url, .. } => {
                let url = self.context.resolve(&dest_url);
                self.links.push(url)
            }
            Tag::Image { dest_url, .. } => self.start_image(&dest_url),
            Tag::TableCell => {
                if self.in_table_cell {
                    self.push_text(" | ", false);
                }
                self.in_table_cell = true;
            }
            _ => {}
        }
    }

    fn end(&mut self, tag: TagEnd) {
        match tag {
            TagEnd::Paragraph | TagEnd::HtmlBlock => self.flush_paragraph(),
            TagEnd::Heading(level) => {
                self.in_heading = false;
                let text = normalize_rich_text(&std::mem::take(&mut self.inline));
                self.push_block(match level {
                    HeadingLevel::H1 => Block::Heading1(text),
                    HeadingLevel::H2 => Block::Heading2(text),
                    _ => Block::Heading3(text),
                });
            }
            TagEnd::TableHead | TagEnd::TableRow => {
                self.in_table_cell = false;
                self.flush_paragraph();
            }
            TagEnd::List(_) => {
                self.flush_paragraph();
                self.lists.pop();
            }
            TagEnd::Item => {
                self.flush_paragraph();
                if let Some(block) = self.pop_item() {
                    self.push_block(block);
                }
            }
            TagEnd::BlockQuote(_) => {
                self.flush_paragraph();
                for block in self.pop_quote() {
                    self.push_block(block);
                }
            }
            TagEnd::CodeBlock => {
                if let Some((language, mut text)) = self.code.take() {
                    if text.ends_with('\n') {
                        text.pop();
                    }
                    self.push_block(Block::Code { text, language });
                }
            }
            TagEnd::Emphasis => self.italic = self.italic.saturating_sub(1),
            TagEnd::Strong => self.bold = self.bold.saturating_sub(1),
            TagEnd::Strikethrough => self.strike = self.strike.saturating_sub(1),
            TagEnd::Link => {
                self.links.pop();
            }
            TagEnd::Image => self.end_image(),
            _ => {}
        }
    }

    fn pop_item(&mut self) -> Option<Block> {
        if !matches!(self.frames.last(), Some(Frame::Item { .. })) {
            return None;
        }
        let Some(Frame::Item {
            ordered,
            checked,
            text,
            children,
        }) = self.frames.pop()
        else {
            return None;
        };
        let text = text.unwrap_or_default();
        Some(match (checked, ordered) {
            (Some(checked), _) => Block::ToDo {
                text,
                checked,
                children,
            },
            (None, true) => Block::NumberedListItem { text, children },
            (None, false) => Block::BulletedListItem { text, children },
        })
    }

    fn pop_quote(&mut self) -> Vec<Block> {
        if !matches!(self.frames.last(), Some(Frame::Quote { .. })) {
            return Vec::new();
        }
        let Some(Frame::Quote { lines, after }) = self.frames.pop() else {
            return Vec::new();
        };
        let mut text: Vec<RichText> = Vec::new();
        for (i, line) in lines.into_iter().enumerate() {
            if i > 0 {
                text.push(RichText::plain("\n"));
            }
            text.extend(line);
        }
        let mut out = Vec::new();
        if !text.is_empty() {
            out.push(Block::Quote(normalize_rich_text(&text)));
        }
        out.extend(after);
        out
    }

    fn finish(mut self) -> Vec<Block> {
        self.flush_paragraph();
        if let Some((language, text)) = self.code.take() {
            self.push_block(Block::Code { text, language });
        }
        // Close anything left open (pulldown-cmark balances its events, but never trust that).
        while self.frames.len() > 1 {
            match self.frames.last() {
                Some(Frame::Item { .. }) => {
                    if let Some(b) = self.pop_item() {
                        self.push_block(b);
                    }
                }
                Some(Frame::Quote { .. }) => {
                    for b in self.pop_quote() {
                        self.push_block(b);
                    }
                }
                _ => break,
            }
        }
        match self.frames.pop() {
            Some(Frame::Root(blocks)) => limit_nesting(&blocks),
            _ => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod props;
