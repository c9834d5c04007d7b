//! Links as GitHub renders them, made into URLs Notion accepts.
//!
//! Notion refuses a whole request when one rich-text link is not an absolute `http`, `https` or
//! `mailto` URL of at most 2000 characters ("Invalid URL for link.",
//! developers.notion.com/reference/request-limits). GitHub markdown is full of links that are
//! not: `../docs/setup.md`, `#top`, `./screenshot.png`, `[x]()`, `javascript:`. [`LinkContext`]
//! resolves them the way GitHub does for the issue's repository, and [`LinkContext::resolve`]
//! answers `None` for anything it cannot make valid, so the text is kept unlinked.
//!
//! [`references`] finds the autolinked references GitHub draws in plain text: `#123`,
//! `owner/repo#123`, `@login` and bare `http(s)://` URLs.

use crate::notion::types::utf16_len;

/// Longest link Notion accepts (`text.link.url`, UTF-16 code units).
pub const MAX_LINK_UNITS: usize = 2000;
const GITHUB: &str = "https://github.com";

/// Where the markdown lives: what relative links and references resolve against.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkContext {
    /// `owner/name` of the repository, when known.
    pub repository: Option<String>,
    /// The branch relative links point into (the repository's default branch); `HEAD` if unknown.
    pub branch: Option<String>,
    /// The issue's or pull request's `html_url`: `#anchor` links point into it, and its scheme and
    /// host are GitHub's (GitHub Enterprise included).
    pub page_url: Option<String>,
}

impl LinkContext {
    pub fn new(repository: &str, branch: Option<&str>, page_url: &str) -> Self {
        LinkContext {
            repository: Some(repository.to_owned()).filter(|r| r.contains('/')),
            branch: branch.map(str::to_owned).filter(|b| !b.trim().is_empty()),
            page_url: Some(page_url.to_owned()).filter(|u| !u.is_empty()),
        }
    }

    /// `https://github.com`, or the GitHub Enterprise host of the page URL.
    fn web_base(&self) -> String {
        self.page_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
            .map(|u| u.origin().ascii_serialization())
            .unwrap_or_else(|| GITHUB.to_owned())
    }

    /// `https://github.com/owner/name/blob/<branch>/` for relative paths.
    fn blob_base(&self) -> Option<String> {
        let repository = self.repository.as_deref()?;
        let branch = self.branch.as_deref().unwrap_or("HEAD");
        Some(format!("{}/{repository}/blob/{branch}/", self.web_base()))
    }

    /// A link target as Notion may store it, or `None` to keep the text unlinked.
    pub fn resolve(&self, dest: &str) -> Option<String> {
        let dest = dest.trim();
        if dest.is_empty() {
            return None;
        }
        let resolved = if let Some(anchor) = dest.strip_prefix('#') {
            let page = self.page_url.as_deref()?;
            let page = page.split('#').next().unwrap_or(page);
            match anchor {
                "" => page.to_owned(),
                anchor => format!("{page}#{anchor}"),
            }
        } else if let Some(rest) = dest.strip_prefix("//") {
            format!("https://{rest}")
        } else if has_scheme(dest) {
            dest.to_owned()
        } else {
            let (path, suffix) = split_suffix(dest);
            format!("{}{}{suffix}", self.blob_base()?, normalize_path(path))
        };
        valid(&resolved)
    }

    /// An image source as an external image URL: absolute `http(s)` only (a relative image is
    /// served raw from the repository, as GitHub shows it).
    pub fn resolve_image(&self, src: &str) -> Option<String> {
        let src = src.trim();
        let url = if has_scheme(src) || src.starts_with("//") || src.starts_with('#') {
            self.resolve(src)?
        } else {
            let (path, _) = split_suffix(src);
            valid(&format!(
                "{}{}?raw=true",
                self.blob_base()?,
                normalize_path(path)
            ))?
        };
        (url.starts_with("https://") || url.starts_with("http://")).then_some(url)
    }

    /// `#123` in this repository, or `owner/repo#123`.
    fn issue_url(&self, repository: Option<&str>, number: &str) -> Option<String> {
        let repository = repository.or(self.repository.as_deref())?;
        valid(&format!("{}/{repository}/issues/{number}", self.web_base()))
    }

    fn user_url(&self, login: &str) -> Option<String> {
        valid(&format!("{}/{login}", self.web_base()))
    }
}

/// Whether `s` starts with a URL scheme (`https:`, `mailto:`, `javascript:`…).
fn has_scheme(s: &str) -> bool {
    match s.split_once(':') {
        Some((scheme, _)) => {
            !scheme.is_empty()
                && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
                && scheme
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// `(path, "?query#fragment")`.
fn split_suffix(dest: &str) -> (&str, &str) {
    match dest.find(['?', '#']) {
        Some(i) => (&dest[..i], &dest[i..]),
        None => (dest, ""),
    }
}

/// `./a/../b/c.md` → `b/c.md`; never climbs above the repository root.
fn normalize_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    parts.join("/")
}

/// The URL if Notion accepts it as a link: parses as absolute `http`/`https` with a host, or
/// `mailto`, and fits 2000 units once serialized (percent-encoded, which is what is sent).
fn valid(candidate: &str) -> Option<String> {
    let parsed = url::Url::parse(candidate).ok()?;
    let ok = match parsed.scheme() {
        "http" | "https" => parsed.host_str().is_some_and(|h| !h.is_empty()),
        "mailto" => !parsed.path().is_empty(),
        _ => false,
    };
    // Sent as written when it is plain ASCII (so `https://x.dev` stays without the slash the
    // parser adds), else percent-encoded as the parser serializes it.
    let url = if candidate.bytes().all(|b| b.is_ascii_graphic()) {
        candidate.to_owned()
    } else {
        String::from(parsed)
    };
    (ok && utf16_len(&url) <= MAX_LINK_UNITS).then_some(url)
}

/// A run of plain text: linked (to a resolved URL) or not.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Segment<'a> {
    pub text: &'a str,
    pub link: Option<String>,
}

/// Splits plain text at the references GitHub autolinks, each linked; the rest unlinked.
/// References that do not resolve (no repository known, URL too long) stay plain text.
pub fn references<'a>(text: &'a str, context: &LinkContext) -> Vec<Segment<'a>> {
    let mut out = Vec::new();
    let mut plain_from = 0;
    let mut i = 0;
    let bytes = text.as_bytes();
    while i < bytes.len() {
        let boundary = i == 0 || !is_word_byte(bytes[i - 1]);
        let found = if boundary {
            match bytes[i] {
                b'#' => issue_ref(text, i, None, context),
                b'@' => user_ref(text, i, context),
                b'h' => bare_url(text, i),
                c if c.is_ascii_alphanumeric() => cross_repo_ref(text, i, context),
                _ => None,
            }
        } else {
            None
        };
        match found {
            Some((end, link)) => {
                if plain_from < i {
                    out.push(Segment {
                        text: &text[plain_from..i],
                        link: None,
                    });
                }
                out.push(Segment {
                    text: &text[i..end],
                    link: Some(link),
                });
                i = end;
                plain_from = end;
            }
            None => i += utf8_len(bytes[i]),
        }
    }
    if plain_from < text.len() {
        out.push(Segment {
            text: &text[plain_from..],
            link: None,
        });
    }
    out
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

/// Characters that glue a reference to what precedes or follows it (`a#1`, `#1a`, `x@y`).
fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(b, b'_' | b'/' | b'&' | b'.' | b'-' | b'@' | b'#')
        || b >= 0x80
}

/// `#123` at `start` (the `#`); `repository` when it follows `owner/repo`.
fn issue_ref(
    text: &str,
    start: usize,
    repository: Option<&str>,
    context: &LinkContext,
) -> Option<(usize, String)> {
    let digits = text[start + 1..]
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    let end = start + 1 + digits;
    if digits == 0
        || digits > 10
        || text
            .as_bytes()
            .get(end)
            .is_some_and(|b| is_word_byte(*b) && *b != b'.' && *b != b'-')
    {
        return None;
    }
    context
        .issue_url(repository, &text[start + 1..end])
        .map(|url| (end, url))
}

/// `owner/repo#123` starting at `start`.
fn cross_repo_ref(text: &str, start: usize, context: &LinkContext) -> Option<(usize, String)> {
    let rest = &text[start..];
    let owner_len = rest
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
        .count();
    if owner_len == 0 || owner_len > 39 || rest.as_bytes().get(owner_len) != Some(&b'/') {
        return None;
    }
    let name = &rest[owner_len + 1..];
    let name_len = name
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        .count();
    if name_len == 0 || name_len > 100 || name.as_bytes().get(name_len) != Some(&b'#') {
        return None;
    }
    let hash = start + owner_len + 1 + name_len;
    let repository = &text[start..hash];
    issue_ref(text, hash, Some(repository), context)
}

/// `@login` at `start`: 1–39 letters, digits or inner hyphens.
fn user_ref(text: &str, start: usize, context: &LinkContext) -> Option<(usize, String)> {
    let login_len = text[start + 1..]
        .bytes()
        .take_while(|b| b.is_ascii_alphanumeric() || *b == b'-')
        .count();
    let login = &text[start + 1..start + 1 + login_len];
    if login.is_empty() || login.len() > 39 || login.starts_with('-') || login.ends_with('-') {
        return None;
    }
    let end = start + 1 + login_len;
    if text
        .as_bytes()
        .get(end)
        .is_some_and(|b| matches!(b, b'/' | b'_' | b'@'))
    {
        return None;
    }
    context.user_url(login).map(|url| (end, url))
}

/// A bare `http://` or `https://` URL at `start`, trailing punctuation left out (as GitHub does).
fn bare_url(text: &str, start: usize) -> Option<(usize, String)> {
    let rest = &text[start..];
    if !(rest.starts_with("https://") || rest.starts_with("http://")) {
        return None;
    }
    let mut len = rest
        .find(|c: char| c.is_whitespace() || matches!(c, '<' | '>' | '"' | '`'))
        .unwrap_or(rest.len());
    while len > 0 && rest[..len].ends_with(['.', ',', ':', ';', '!', '?', ')', '\'', '*', '_']) {
        len -= 1;
    }
    let candidate = &rest[..len];
    valid(candidate).map(|url| (start + len, url))
}

#[cfg(test)]
mod tests;
