//! GitHub's two pagination styles: numbered pages (`page`, with `rel="next"`, `"last"`, `"prev"`,
//! `"first"` links) for issues, and opaque cursors (`cursor`, with `rel="next"`) for webhook
//! deliveries. Both answer in a `Link` header whose URLs repeat the caller's other parameters.

use url::form_urlencoded;

pub const DEFAULT_PER_PAGE: usize = 30;
pub const MAX_PER_PAGE: usize = 100;

/// A request's query parameters in their original order.
#[derive(Clone, Debug, Default)]
pub struct Params(Vec<(String, String)>);

impl Params {
    pub fn parse(raw: Option<&str>) -> Self {
        let pairs = form_urlencoded::parse(raw.unwrap_or_default().as_bytes());
        Params(pairs.into_owned().collect())
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// `per_page`, defaulting like GitHub and capped at 100; nonsense falls back to the default.
    pub fn per_page(&self) -> usize {
        self.get("per_page")
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .map_or(DEFAULT_PER_PAGE, |n| n.min(MAX_PER_PAGE))
    }

    /// 1-based `page`; absent or nonsense is page 1.
    pub fn page(&self) -> usize {
        self.get("page")
            .and_then(|v| v.parse::<usize>().ok())
            .filter(|&n| n > 0)
            .unwrap_or(1)
    }

    /// `{base}{path}?...` with `name` set to `value` (appended if the caller did not send it).
    pub fn url_with(&self, base: &str, path: &str, name: &str, value: &str) -> String {
        let mut query = form_urlencoded::Serializer::new(String::new());
        let mut replaced = false;
        for (k, v) in &self.0 {
            if k == name {
                if !replaced {
                    query.append_pair(k, value);
                    replaced = true;
                }
            } else {
                query.append_pair(k, v);
            }
        }
        if !replaced {
            query.append_pair(name, value);
        }
        format!("{base}{path}?{}", query.finish())
    }
}

/// Page `page` (1-based) of `items` and the number of the last page (at least 1).
pub fn numbered<T>(items: Vec<T>, page: usize, per_page: usize) -> (Vec<T>, usize) {
    let last = items.len().div_ceil(per_page).max(1);
    let slice = items
        .into_iter()
        .skip((page - 1).saturating_mul(per_page))
        .take(per_page)
        .collect();
    (slice, last)
}

/// The `Link` header for page `page` of `last`, as GitHub orders it; `None` for a single page.
pub fn numbered_links(
    params: &Params,
    base: &str,
    path: &str,
    page: usize,
    last: usize,
) -> Option<String> {
    let link = |n: usize, rel: &str| {
        format!(
            "<{}>; rel=\"{rel}\"",
            params.url_with(base, path, "page", &n.to_string())
        )
    };
    let mut links = Vec::new();
    if page > 1 {
        links.push(link((page - 1).min(last), "prev"));
    }
    if page < last {
        links.push(link(page + 1, "next"));
        links.push(link(last, "last"));
    }
    if page > 1 {
        links.push(link(1, "first"));
    }
    (!links.is_empty()).then(|| links.join(", "))
}

/// The cursor that continues after the entry with id `id`.
pub fn cursor_after(id: u64) -> String {
    format!("v1_{id}")
}

/// The id a cursor continues after; `None` for no or an unreadable cursor (start from the top).
pub fn cursor_id(params: &Params) -> Option<u64> {
    params.get("cursor")?.strip_prefix("v1_")?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn per_page_is_capped_at_100_and_defaults_to_30() {
        assert_eq!(Params::parse(Some("per_page=500")).per_page(), 100);
        assert_eq!(Params::parse(Some("per_page=x")).per_page(), 30);
        assert_eq!(Params::parse(None).per_page(), 30);
    }

    #[test]
    fn numbered_pages_split_and_count_the_last_page() {
        let (page, last) = numbered((1..=250).collect::<Vec<_>>(), 3, 100);
        assert_eq!((page.len(), page[0], last), (50, 201, 3));
        assert_eq!(numbered(Vec::<u8>::new(), 1, 100).1, 1);
    }

    #[test]
    fn links_keep_the_other_parameters_and_replace_page() {
        let params = Params::parse(Some("state=all&page=2&since=2026-01-01T00:00:00Z"));
        let link = numbered_links(&params, "http://gh", "/repos/o/r/issues", 2, 3).unwrap();
        assert_eq!(
            link,
            "<http://gh/repos/o/r/issues?state=all&page=1&since=2026-01-01T00%3A00%3A00Z>; rel=\"prev\", \
             <http://gh/repos/o/r/issues?state=all&page=3&since=2026-01-01T00%3A00%3A00Z>; rel=\"next\", \
             <http://gh/repos/o/r/issues?state=all&page=3&since=2026-01-01T00%3A00%3A00Z>; rel=\"last\", \
             <http://gh/repos/o/r/issues?state=all&page=1&since=2026-01-01T00%3A00%3A00Z>; rel=\"first\""
        );
    }

    #[test]
    fn a_single_page_has_no_link_header() {
        assert_eq!(numbered_links(&Params::default(), "b", "/p", 1, 1), None);
    }

    #[test]
    fn cursors_round_trip_and_garbage_starts_over() {
        let params = Params::parse(Some(&format!("cursor={}", cursor_after(42))));
        assert_eq!(cursor_id(&params), Some(42));
        assert_eq!(cursor_id(&Params::parse(Some("cursor=zzz"))), None);
    }
}
