//! The parts of the converter that decide links and images inline: references GitHub autolinks
//! in plain text, and whether an image becomes a block or stays as its alt text.

use super::links;
use super::Converter;
use crate::notion::blocks::Block;
use crate::notion::types::normalize_rich_text;

impl Converter {
    /// Text outside code: GitHub's autolinked references become links (unless already in one).
    pub(super) fn push_prose(&mut self, content: &str) {
        if self.code.is_some() || !self.links.is_empty() || self.image.is_some() {
            return self.push_text(content, false);
        }
        for segment in links::references(content, &self.context) {
            match segment.link {
                Some(url) => {
                    self.links.push(Some(url));
                    self.push_text(segment.text, false);
                    self.links.pop();
                }
                None => self.push_text(segment.text, false),
            }
        }
    }

    /// An image on its own becomes an image block; inside a link, heading or table (or when its
    /// source does not resolve) its alt text stays inline, linked to the image where possible.
    pub(super) fn start_image(&mut self, src: &str) {
        let url = self.context.resolve_image(src);
        let inline = self.in_heading || self.in_table_cell || !self.links.is_empty();
        match url {
            Some(url) if !inline && self.image.is_none() => {
                self.image = Some((url, Vec::new()));
                self.images.push(true);
            }
            url => {
                let keep = self.links.last().cloned().flatten();
                self.links.push(keep.or(url));
                self.images.push(false);
            }
        }
    }

    pub(super) fn end_image(&mut self) {
        if self.images.pop() != Some(true) {
            self.links.pop();
            return;
        }
        if let Some((url, alt)) = self.image.take() {
            self.flush_paragraph();
            self.push_block(Block::Image {
                url,
                caption: normalize_rich_text(&alt),
            });
        }
    }
}
