//! Rich text: what Notion reads back (`plain_text`, `href`, annotations) and what we write
//! (`{"type":"text","text":{"content","link":{"url"}}}`), with Notion's limits enforced on write.
//!
//! Limits (Notion validates in JavaScript, so lengths are UTF-16 code units): 2000 units of content
//! per item, 100 items per array. [`write_rich_text`] splits long items (never inside a surrogate
//! pair: a `char` is never cut) and caps the array at 100 with one `warn`.

use serde::{Deserialize, Deserializer, Serialize};
use serde_json::{json, Value};

/// Maximum UTF-16 code units of one rich-text item's content.
pub const MAX_TEXT_UNITS: usize = 2000;
/// Maximum items in any array Notion accepts (rich text, multi_select, relation, children...).
pub const MAX_ARRAY_ITEMS: usize = 100;

/// Inline marks. All-false / `"default"` colour is what plain text has.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Annotations {
    #[serde(default)]
    pub bold: bool,
    #[serde(default)]
    pub italic: bool,
    #[serde(default)]
    pub strikethrough: bool,
    #[serde(default)]
    pub underline: bool,
    #[serde(default)]
    pub code: bool,
    #[serde(default = "default_color")]
    pub color: String,
}

fn default_color() -> String {
    "default".to_owned()
}

impl Default for Annotations {
    fn default() -> Self {
        Annotations {
            bold: false,
            italic: false,
            strikethrough: false,
            underline: false,
            code: false,
            color: default_color(),
        }
    }
}

impl Annotations {
    pub fn is_plain(&self) -> bool {
        *self == Annotations::default()
    }
}

/// One run of text. Read from Notion's `plain_text` (so mentions and equations read as their text)
/// and `href`; written as a `text` item.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RichText {
    pub content: String,
    pub link: Option<String>,
    pub annotations: Annotations,
}

impl RichText {
    /// Unformatted text without a link.
    pub fn plain(content: impl Into<String>) -> Self {
        RichText {
            content: content.into(),
            ..RichText::default()
        }
    }

    /// Text that links to `url`.
    pub fn link(content: impl Into<String>, url: impl Into<String>) -> Self {
        RichText {
            content: content.into(),
            link: Some(url.into()),
            ..RichText::default()
        }
    }

    /// The write form of this item, assuming its content already fits one item.
    fn to_write_json(&self) -> Value {
        let link = self.link.as_ref().map(|url| json!({ "url": url }));
        let mut item = json!({
            "type": "text",
            "text": { "content": self.content, "link": link },
        });
        if !self.annotations.is_plain() {
            item["annotations"] = json!(self.annotations);
        }
        item
    }
}

/// Notion's read form of a rich-text item (tolerant: every field optional).
#[derive(Deserialize)]
struct ReadItem {
    plain_text: Option<String>,
    href: Option<String>,
    text: Option<ReadText>,
    annotations: Option<Annotations>,
}

#[derive(Deserialize)]
struct ReadText {
    #[serde(default)]
    content: String,
    link: Option<ReadLink>,
}

#[derive(Deserialize)]
struct ReadLink {
    url: String,
}

impl<'de> Deserialize<'de> for RichText {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let item = ReadItem::deserialize(d)?;
        let (text_content, text_link) = match item.text {
            Some(t) => (Some(t.content), t.link.map(|l| l.url)),
            None => (None, None),
        };
        Ok(RichText {
            content: item.plain_text.or(text_content).unwrap_or_default(),
            link: item.href.or(text_link),
            annotations: item.annotations.unwrap_or_default(),
        })
    }
}

/// Serializes one item in write form; content over 2000 units is the caller's to split (use
/// [`write_rich_text`] for arrays).
impl Serialize for RichText {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.to_write_json().serialize(s)
    }
}

/// Splits text into pieces of at most `max_units` UTF-16 code units, cutting only between `char`s
/// (a surrogate pair is one `char`, so it is never split). Empty input gives no pieces.
pub fn split_utf16(text: &str, max_units: usize) -> Vec<String> {
    let max_units = max_units.max(2); // room for one surrogate pair
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut units = 0;
    for c in text.chars() {
        let len = c.len_utf16();
        if units + len > max_units {
            pieces.push(std::mem::take(&mut current));
            units = 0;
        }
        current.push(c);
        units += len;
    }
    if !current.is_empty() {
        pieces.push(current);
    }
    pieces
}

/// UTF-16 length, as Notion counts.
pub fn utf16_len(text: &str) -> usize {
    text.chars().map(char::len_utf16).sum()
}

/// Every item split to ≤ 2000 units, pieces keeping the item's link and annotations; none dropped.
pub fn split_items(items: &[RichText]) -> Vec<RichText> {
    let mut out = Vec::new();
    for item in items {
        if utf16_len(&item.content) <= MAX_TEXT_UNITS {
            out.push(item.clone());
            continue;
        }
        out.extend(
            split_utf16(&item.content, MAX_TEXT_UNITS)
                .into_iter()
                .map(|content| RichText {
                    content,
                    ..item.clone()
                }),
        );
    }
    out
}

/// [`split_items`], capped at 100 items, warning once when text is dropped.
pub fn normalize_rich_text(items: &[RichText]) -> Vec<RichText> {
    capped(
        split_items(items),
        "rich text longer than Notion's 100 items; the rest is dropped",
    )
}

/// The first 100 of `items`, Notion's limit for any array, logging `warning` when some are
/// dropped.
pub(super) fn capped<T>(mut items: Vec<T>, warning: &str) -> Vec<T> {
    if items.len() > MAX_ARRAY_ITEMS {
        tracing::warn!(items = items.len(), kept = MAX_ARRAY_ITEMS, "{warning}");
        items.truncate(MAX_ARRAY_ITEMS);
    }
    items
}

/// The write form of a rich-text array, within Notion's limits.
pub fn write_rich_text(items: &[RichText]) -> Vec<Value> {
    normalize_rich_text(items)
        .iter()
        .map(RichText::to_write_json)
        .collect()
}

/// Plain text split into ≤ 2000-unit items, at most 100 of them.
pub fn text_items(text: &str) -> Vec<RichText> {
    normalize_rich_text(&[RichText::plain(text)])
}

/// The items' text joined, as Notion's UI shows it.
pub fn plain_text(items: &[RichText]) -> String {
    items.iter().map(|t| t.content.as_str()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_pieces_within_2000_units() {
        let text = "a".repeat(4500);
        let pieces = split_utf16(&text, MAX_TEXT_UNITS);
        assert_eq!(
            pieces.iter().map(|p| p.len()).collect::<Vec<_>>(),
            [2000, 2000, 500]
        );
    }

    #[test]
    fn split_never_cuts_an_emoji_at_the_boundary() {
        // 1999 units, then a surrogate pair that would straddle unit 2000.
        let text = format!("{}😀tail", "a".repeat(1999));
        let pieces = split_utf16(&text, MAX_TEXT_UNITS);
        assert_eq!(pieces.len(), 2);
        assert_eq!(utf16_len(&pieces[0]), 1999);
        assert_eq!(pieces[1], "😀tail");
        assert_eq!(pieces.concat(), text);
    }

    #[test]
    fn split_counts_emoji_as_two_units() {
        let text = "😀".repeat(1500); // 3000 units, 6000 bytes
        let pieces = split_utf16(&text, MAX_TEXT_UNITS);
        assert_eq!(pieces.len(), 2);
        assert_eq!(utf16_len(&pieces[0]), 2000);
        assert_eq!(pieces[0].chars().count(), 1000);
    }

    #[test]
    fn split_of_empty_text_is_empty() {
        assert!(split_utf16("", MAX_TEXT_UNITS).is_empty());
    }

    #[test]
    fn text_items_cap_at_100_items() {
        let items = text_items(&"x".repeat(2000 * 150));
        assert_eq!(items.len(), 100);
        assert!(items.iter().all(|i| utf16_len(&i.content) == 2000));
    }

    #[test]
    fn split_pieces_keep_link_and_annotations() {
        let mut long = RichText::link("y".repeat(2500), "https://example.com");
        long.annotations.bold = true;
        let out = normalize_rich_text(&[long]);
        assert_eq!(out.len(), 2);
        assert!(out
            .iter()
            .all(|i| i.link.as_deref() == Some("https://example.com") && i.annotations.bold));
    }

    #[test]
    fn plain_item_writes_notion_text_shape() {
        assert_eq!(
            write_rich_text(&[RichText::plain("hi")]),
            vec![json!({"type":"text","text":{"content":"hi","link":null}})]
        );
    }

    #[test]
    fn link_and_annotations_write_notion_shape() {
        let mut t = RichText::link("docs", "https://x.dev");
        t.annotations.code = true;
        assert_eq!(
            serde_json::to_value(&t).unwrap(),
            json!({"type":"text","text":{"content":"docs","link":{"url":"https://x.dev"}},
                   "annotations":{"bold":false,"italic":false,"strikethrough":false,
                                  "underline":false,"code":true,"color":"default"}})
        );
    }

    #[test]
    fn reads_plain_text_href_and_annotations() {
        let t: RichText = serde_json::from_value(json!({
            "type":"text","text":{"content":"Hi","link":{"url":"https://a.b"}},
            "annotations":{"bold":true,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"red"},
            "plain_text":"Hi","href":"https://a.b"}))
        .unwrap();
        assert_eq!(t.content, "Hi");
        assert_eq!(t.link.as_deref(), Some("https://a.b"));
        assert!(t.annotations.bold);
        assert_eq!(t.annotations.color, "red");
    }

    #[test]
    fn reads_a_mention_by_its_plain_text() {
        let t: RichText = serde_json::from_value(json!({
            "type":"mention","mention":{"type":"user","user":{"id":"u"}},"plain_text":"@Ann","href":null}))
        .unwrap();
        assert_eq!(t.content, "@Ann");
        assert_eq!(t.link, None);
    }

    #[test]
    fn plain_text_joins_items() {
        assert_eq!(
            plain_text(&[RichText::plain("a"), RichText::plain("b")]),
            "ab"
        );
    }
}
