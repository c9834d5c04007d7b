//! The title link: `html_url#updated=<exact updated_at>&body=<body hash>`.
//!
//! It carries what a page must remember that no property holds exactly, and it comes back with
//! every key query at no cost: the exact `updated_at` (Notion keeps dates to the minute; see
//! `properties.rs`) and a hash of the issue body the page content was written from (see
//! `body.rs`), so an edit that leaves the body alone costs nothing extra. GitHub ignores the
//! fragment, so the link still opens the issue.
//!
//! Notion refuses a link over 2000 characters (developers.notion.com/reference/request-limits):
//! an `html_url` too long for that is replaced by the canonical
//! `https://github.com/<owner>/<name>/issues/<n>` (which GitHub redirects for pull requests), and
//! when even that is too long the title goes unlinked, with a warning (freshness then falls back
//! to the minute, and the body is rewritten on every change).

use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

use crate::github::WorkItem;
use crate::notion::types::utf16_len;

const UPDATED: &str = "#updated=";
const BODY: &str = "&body=";
/// Longest link (and URL property) Notion accepts.
pub const MAX_URL_UNITS: usize = 2000;

/// The link for `item`'s title, `body_hash` included when known.
pub fn link(item: &WorkItem, body_hash: Option<&str>) -> Option<String> {
    let mut fragment = format!("{UPDATED}{}", timestamp(item.updated_at));
    if let Some(hash) = body_hash {
        fragment.push_str(BODY);
        fragment.push_str(hash);
    }
    let canonical = || {
        let host = item
            .url
            .split("://")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .unwrap_or("github.com");
        format!("https://{host}/{}/issues/{}", item.repository, item.number)
    };
    let fits = |base: &str| utf16_len(base) + utf16_len(&fragment) <= MAX_URL_UNITS;
    if fits(&item.url) {
        return Some(format!("{}{fragment}", item.url));
    }
    let short = canonical();
    if fits(&short) {
        tracing::warn!(url_units = utf16_len(&item.url), "html_url over Notion's 2000-character link limit; the title links to the canonical issue URL");
        return Some(format!("{short}{fragment}"));
    }
    tracing::warn!(
        url_units = utf16_len(&item.url),
        "html_url over Notion's 2000-character link limit; the title is not linked"
    );
    None
}

/// `url` when Notion can store it as a URL property, else `None` with a warning.
pub fn url_property(url: &str) -> Option<String> {
    if utf16_len(url) <= MAX_URL_UNITS {
        return Some(url.to_owned());
    }
    tracing::warn!(
        url_units = utf16_len(url),
        "html_url over Notion's 2000-character URL limit; the URL property is left as it is"
    );
    None
}

/// What a title link records: the exact `updated_at` and the body hash.
pub fn recorded(link: &str) -> (Option<OffsetDateTime>, Option<&str>) {
    let Some((_, fragment)) = link.rsplit_once(UPDATED) else {
        return (None, None);
    };
    let (at, hash) = match fragment.split_once(BODY) {
        Some((at, hash)) => (at, Some(hash)),
        None => (fragment, None),
    };
    (OffsetDateTime::parse(at, &Rfc3339).ok(), hash)
}

/// `link` recording `hash` as its body hash instead of the one it had (none: no hash).
pub fn with_body_hash(link: &str, hash: Option<&str>) -> String {
    let without = match link.rsplit_once(BODY) {
        Some((head, _)) if head.contains(UPDATED) => head,
        _ => link,
    };
    match hash {
        Some(hash) => format!("{without}{BODY}{hash}"),
        None => without.to_owned(),
    }
}

/// The link without what it records (the issue's URL).
pub fn base(link: &str) -> &str {
    link.rsplit_once(UPDATED).map_or(link, |(base, _)| base)
}

pub fn timestamp(at: OffsetDateTime) -> String {
    at.format(&Rfc3339).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::github::WorkItem;
    use crate::sync::fixtures;
    use time::macros::datetime;

    fn item(url: String) -> WorkItem {
        WorkItem {
            repository: "o/r".into(),
            title: "t".into(),
            url,
            ..fixtures::item()
        }
    }

    #[test]
    fn the_link_records_the_exact_time_and_the_body_hash() {
        let link = link(
            &item("https://github.com/o/r/issues/7".into()),
            Some("ab12"),
        )
        .unwrap();
        assert_eq!(
            link,
            "https://github.com/o/r/issues/7#updated=2026-06-27T18:01:15Z&body=ab12"
        );
        assert_eq!(
            recorded(&link),
            (Some(datetime!(2026-06-27 18:01:15 UTC)), Some("ab12"))
        );
        let older = "https://github.com/o/r/issues/7#updated=2026-06-27T18:01:15Z";
        assert_eq!(recorded(older).1, None);
        assert!(recorded(older).0.is_some());
    }

    #[test]
    fn an_html_url_over_2000_characters_falls_back_to_the_canonical_url() {
        let long = format!("https://github.com/o/r/issues/7?{}", "q".repeat(2100));
        let link = link(&item(long.clone()), Some("ab12")).unwrap();
        assert!(link.starts_with("https://github.com/o/r/issues/7#updated="));
        assert!(utf16_len(&link) <= MAX_URL_UNITS);
        assert_eq!(url_property(&long), None);
        assert!(url_property("https://github.com/o/r/issues/7").is_some());
    }

    #[test]
    fn a_body_hash_is_replaced_added_or_dropped_and_the_version_kept() {
        let with = "https://github.com/o/r/issues/1#updated=2026-03-01T10:00:02Z&body=aaaa";
        let without = "https://github.com/o/r/issues/1#updated=2026-03-01T10:00:02Z";
        assert_eq!(
            with_body_hash(with, Some("bbbb")),
            format!("{without}&body=bbbb")
        );
        assert_eq!(
            with_body_hash(without, Some("bbbb")),
            format!("{without}&body=bbbb")
        );
        assert_eq!(with_body_hash(with, None), without);
        let replaced = with_body_hash(with, Some("cccc"));
        let (at, hash) = recorded(&replaced);
        assert_eq!(at, recorded(with).0);
        assert_eq!(hash, Some("cccc"));
    }
}
