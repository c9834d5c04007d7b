//! `Link` header parsing (RFC 8288) for GitHub's page- and cursor-based pagination: GitHub puts
//! the whole next URL in `rel="next"`, so following it works for both.

/// The `rel="next"` URL of a `Link` header, if any.
pub fn next_link(header: &str) -> Option<&str> {
    let mut rest = header;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let end = after.find('>')?;
        let url = &after[..end];
        let params = &after[end + 1..];
        // This link's parameters run up to the next `<`.
        let params_end = params.find('<').unwrap_or(params.len());
        if params[..params_end]
            .split([';', ','])
            .any(|param| is_rel_next(param.trim()))
        {
            return Some(url.trim());
        }
        rest = &params[params_end..];
    }
    None
}

/// `rel="next"`, `rel=next`, or a space-separated list containing `next`.
fn is_rel_next(param: &str) -> bool {
    let Some((name, value)) = param.split_once('=') else {
        return false;
    };
    name.trim().eq_ignore_ascii_case("rel")
        && value
            .trim()
            .trim_matches('"')
            .split_ascii_whitespace()
            .any(|rel| rel.eq_ignore_ascii_case("next"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_next_among_several_relations() {
        let header = r#"<https://api.github.com/repositories/1300192/issues?page=2>; rel="prev", <https://api.github.com/repositories/1300192/issues?page=4>; rel="next", <https://api.github.com/repositories/1300192/issues?page=515>; rel="last", <https://api.github.com/repositories/1300192/issues?page=1>; rel="first""#;
        assert_eq!(
            next_link(header),
            Some("https://api.github.com/repositories/1300192/issues?page=4")
        );
    }

    #[test]
    fn follows_cursor_links_as_given() {
        let header = r#"<https://api.github.com/repos/o/r/hooks/1/deliveries?per_page=2&cursor=v1_12077215967>; rel="next""#;
        assert_eq!(
            next_link(header),
            Some("https://api.github.com/repos/o/r/hooks/1/deliveries?per_page=2&cursor=v1_12077215967")
        );
    }

    #[test]
    fn the_last_page_has_no_next() {
        let header = r#"<https://api.github.com/x?page=1>; rel="first", <https://api.github.com/x?page=2>; rel="prev""#;
        assert_eq!(next_link(header), None);
        assert_eq!(next_link(""), None);
    }

    #[test]
    fn accepts_unquoted_and_multi_valued_rel() {
        assert_eq!(
            next_link("<http://h/a?page=2>; rel=next"),
            Some("http://h/a?page=2")
        );
        assert_eq!(
            next_link(r#"<http://h/a?page=2>; title="x"; rel="next last""#),
            Some("http://h/a?page=2")
        );
    }

    #[test]
    fn a_malformed_header_yields_nothing_rather_than_panicking() {
        for header in [
            "<unterminated; rel=\"next\"",
            "rel=\"next\"",
            "<>; rel",
            ">>,<<",
        ] {
            let _ = next_link(header);
        }
        assert_eq!(next_link("<unterminated; rel=\"next\""), None);
    }
}
