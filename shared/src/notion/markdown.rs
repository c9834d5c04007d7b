//! Markdown → Notion blocks, for page bodies written from GitHub text (issue bodies, digests).
//!
//! Entry point: [`markdown_to_blocks`]. CommonMark plus GFM task lists, tables and strikethrough,
//! via pulldown-cmark. Mapping: paragraphs; headings (h4–h6 → `heading_3`); bulleted and numbered
//! lists, nested up to Notion's two levels (deeper items are flattened to the second level, order
//! kept); task items → `to_do`; fenced/indented code with the fence language mapped to Notion's
//! names; block quotes → `quote` (their paragraphs joined by newlines; lists or code inside follow
//! the quote as siblings); thematic breaks → `divider`; each table row → a paragraph with cells
//! joined by ` | `; raw HTML → its text.
//!
//! Inline marks are KEPT as annotations: bold, italic, strikethrough, inline code, and links
//! (images become a link to the image, labelled with the alt text). Text is split at 2000 UTF-16
//! units per item. Never panics: every input yields some (possibly empty) list of blocks.

use pulldown_cmark::{CodeBlockKind, Event, HeadingLevel, Options, Parser, Tag, TagEnd};

use super::blocks::{limit_nesting, Block};
use super::types::{normalize_rich_text, Annotations, RichText};

/// Converts Markdown to blocks ready for `create_page` / `append_block_children`.
pub fn markdown_to_blocks(md: &str) -> Vec<Block> {
    let options =
        Options::ENABLE_TASKLISTS | Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut c = Converter::default();
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
    links: Vec<String>,
    /// Open code block: its language and text.
    code: Option<(String, String)>,
    in_table_cell: bool,
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
        let annotations = Annotations {
            bold: self.bold > 0,
            italic: self.italic > 0,
            strikethrough: self.strike > 0,
            code,
            ..Annotations::default()
        };
        let link = self.links.last().cloned();
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
            Event::Text(t) => self.push_text(&t, false),
            Event::Code(t) => self.push_text(&t, true),
            Event::InlineMath(t) | Event::DisplayMath(t) => self.push_text(&t, true),
            Event::Html(t) | Event::InlineHtml(t) => self.push_text(&t, false),
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
            Tag::Paragraph | Tag::Heading { .. } | Tag::HtmlBlock | Tag::Table(_) => {
                self.flush_paragraph()
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
            Tag::Link { dest_url, .. } | Tag::Image { dest_url, .. } => {
                self.links.push(dest_url.into_string())
            }
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
            TagEnd::Link | TagEnd::Image => {
                self.links.pop();
            }
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
#[path = "markdown_tests.rs"]
mod tests;
