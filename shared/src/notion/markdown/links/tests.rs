//! Unit tests of `links.rs`.

use super::*;

fn context() -> LinkContext {
    LinkContext::new(
        "octo/repo",
        Some("main"),
        "https://github.com/octo/repo/issues/7",
    )
}

#[test]
fn relative_links_resolve_into_the_default_branch() {
    let c = context();
    assert_eq!(
        c.resolve("../docs/setup.md").as_deref(),
        Some("https://github.com/octo/repo/blob/main/docs/setup.md")
    );
    assert_eq!(
        c.resolve("./a/../b/c.md?plain=1#L3").as_deref(),
        Some("https://github.com/octo/repo/blob/main/b/c.md?plain=1#L3")
    );
    assert_eq!(
        c.resolve("/README.md").as_deref(),
        Some("https://github.com/octo/repo/blob/main/README.md")
    );
    let head = LinkContext::new("octo/repo", None, "https://github.com/octo/repo/issues/7");
    assert_eq!(
        head.resolve("docs/a b.md").as_deref(),
        Some("https://github.com/octo/repo/blob/HEAD/docs/a%20b.md")
    );
}

#[test]
fn anchors_point_into_the_issue() {
    assert_eq!(
        context().resolve("#top").as_deref(),
        Some("https://github.com/octo/repo/issues/7#top")
    );
    assert_eq!(LinkContext::default().resolve("#top"), None);
}

#[test]
fn unlinkable_links_resolve_to_none() {
    let c = context();
    for dest in [
        "",
        "   ",
        "javascript:alert(1)",
        "JavaScript:void(0)",
        "data:text/html,x",
        "ftp://x.org/a",
        "http://",
    ] {
        assert_eq!(c.resolve(dest), None, "{dest:?}");
    }
    let long = format!("https://x.org/{}", "a".repeat(2000));
    assert_eq!(c.resolve(&long), None);
    assert_eq!(LinkContext::default().resolve("../a.md"), None);
}

#[test]
fn absolute_and_mailto_links_are_kept() {
    let c = context();
    assert_eq!(
        c.resolve("https://x.dev/a").as_deref(),
        Some("https://x.dev/a")
    );
    assert_eq!(
        c.resolve("mailto:a@b.org").as_deref(),
        Some("mailto:a@b.org")
    );
    assert_eq!(
        c.resolve("//cdn.x.dev/i").as_deref(),
        Some("https://cdn.x.dev/i")
    );
}

#[test]
fn images_resolve_to_raw_files_and_only_http() {
    let c = context();
    assert_eq!(
        c.resolve_image("./screenshot.png").as_deref(),
        Some("https://github.com/octo/repo/blob/main/screenshot.png?raw=true")
    );
    assert_eq!(c.resolve_image("mailto:a@b.org"), None);
    assert_eq!(
        c.resolve_image("https://i.x.dev/a.png").as_deref(),
        Some("https://i.x.dev/a.png")
    );
}

#[test]
fn github_enterprise_hosts_come_from_the_page_url() {
    let c = LinkContext::new("o/r", None, "https://git.corp.example/o/r/issues/1");
    assert_eq!(
        c.resolve("a.md").as_deref(),
        Some("https://git.corp.example/o/r/blob/HEAD/a.md")
    );
}

fn linked(text: &str) -> Vec<(String, Option<String>)> {
    references(text, &context())
        .into_iter()
        .map(|s| (s.text.to_owned(), s.link))
        .collect()
}

#[test]
fn references_are_linked_as_github_links_them() {
    let got = linked("Fixes #12, see other/lib#3 and @mona-lisa at https://x.dev/a.");
    let links: Vec<_> = got.iter().filter(|(_, l)| l.is_some()).collect();
    assert_eq!(
        links,
        [
            &(
                "#12".into(),
                Some("https://github.com/octo/repo/issues/12".into())
            ),
            &(
                "other/lib#3".into(),
                Some("https://github.com/other/lib/issues/3".into())
            ),
            &(
                "@mona-lisa".into(),
                Some("https://github.com/mona-lisa".into())
            ),
            &("https://x.dev/a".into(), Some("https://x.dev/a".into())),
        ]
    );
    let joined: String = got.iter().map(|(t, _)| t.as_str()).collect();
    assert_eq!(
        joined,
        "Fixes #12, see other/lib#3 and @mona-lisa at https://x.dev/a."
    );
}

#[test]
fn things_that_look_like_references_but_are_not_stay_plain() {
    for text in [
        "a@b.com", "issue#12", "#12abc", "#", "@", "@-x", "C#", "x/#1",
    ] {
        assert!(
            linked(text).iter().all(|(_, l)| l.is_none()),
            "{text}: {:?}",
            linked(text)
        );
    }
    assert!(references("#5", &LinkContext::default())
        .iter()
        .all(|s| s.link.is_none()));
}
