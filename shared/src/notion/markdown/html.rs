//! Raw HTML in markdown reduced to its text, as a reader of the rendered issue sees it: tags and
//! comments dropped (also when pulldown-cmark hands them over in several pieces), `<br>` and
//! block tags as line breaks, the common entities decoded.

/// Strips tags across calls: a tag or comment may start in one HTML event and end in the next.
#[derive(Debug, Default)]
pub struct HtmlText {
    in_tag: bool,
    in_comment: bool,
    tag: String,
}

impl HtmlText {
    /// The text of one piece of raw HTML.
    pub fn text(&mut self, html: &str) -> String {
        let mut out = String::new();
        let mut rest = html;
        while !rest.is_empty() {
            if self.in_comment {
                match rest.find("-->") {
                    Some(i) => {
                        self.in_comment = false;
                        rest = &rest[i + 3..];
                    }
                    None => return decode(&out),
                }
            } else if self.in_tag {
                match rest.find('>') {
                    Some(i) => {
                        self.tag.push_str(&rest[..i]);
                        self.in_tag = false;
                        if breaks_line(&self.tag) {
                            out.push('\n');
                        }
                        self.tag.clear();
                        rest = &rest[i + 1..];
                    }
                    None => {
                        self.tag.push_str(rest);
                        return decode(&out);
                    }
                }
            } else if let Some(i) = rest.find('<') {
                out.push_str(&rest[..i]);
                rest = &rest[i..];
                if rest.starts_with("<!--") {
                    self.in_comment = true;
                    rest = &rest[4..];
                } else if rest[1..].starts_with(|c: char| {
                    c.is_ascii_alphabetic() || c == '/' || c == '!' || c == '?'
                }) {
                    self.in_tag = true;
                    rest = &rest[1..];
                } else {
                    out.push('<');
                    rest = &rest[1..];
                }
            } else {
                out.push_str(rest);
                rest = "";
            }
        }
        decode(&out)
    }
}

/// `<br>`, and the end of `<p>`, `<div>`, `<li>`, `<tr>`, headings, `<summary>`: a line break.
fn breaks_line(tag: &str) -> bool {
    let closing = tag.starts_with('/');
    let name: String = tag
        .trim_start_matches('/')
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_lowercase();
    name == "br"
        || closing
            && matches!(
                name.as_str(),
                "p" | "div" | "li" | "tr" | "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "summary"
            )
}

fn decode(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags_and_comments_are_dropped_and_text_kept() {
        let mut h = HtmlText::default();
        assert_eq!(
            h.text("<details><summary>Logs</summary><b>x &amp; y</b></details>"),
            "Logs\nx & y"
        );
        assert_eq!(h.text("a <!-- hidden --> b"), "a  b");
        assert_eq!(h.text("1 < 2"), "1 < 2");
    }

    #[test]
    fn a_comment_or_tag_split_over_pieces_is_still_dropped() {
        let mut h = HtmlText::default();
        assert_eq!(h.text("before <!-- start"), "before ");
        assert_eq!(h.text("still hidden"), "");
        assert_eq!(h.text("end --> after"), " after");
        assert_eq!(h.text("<img src=\"x.png\""), "");
        assert_eq!(h.text(" alt=\"y\">text"), "text");
    }
}
