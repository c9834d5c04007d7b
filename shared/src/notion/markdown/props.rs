//! Property test: generated GitHub markdown (deep lists, huge tables, long lines, every link
//! form, HTML, images) through the converter and the request planner, as the client sends it;
//! every request is checked against Notion's documented limits
//! (developers.notion.com/reference/request-limits), by a checker written from those limits and
//! not from the planner's code.

use proptest::prelude::*;
use serde_json::Value;

use super::{markdown_to_blocks_in, LinkContext};
use crate::notion::blocks::{plan, Block};

fn inline() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-z ]{1,30}",
        "[😀é中]{1,40}",
        (1usize..6000).prop_map(|n| "x".repeat(n)),
        (1usize..3000).prop_map(|n| "😀".repeat(n)),
        Just("[setup](../docs/setup.md)".to_owned()),
        Just("[top](#top)".to_owned()),
        Just("[x]()".to_owned()),
        Just("[js](javascript:alert(1))".to_owned()),
        Just("[ftp](ftp://x.org/a)".to_owned()),
        Just("[mail](mailto:a@b.org)".to_owned()),
        Just("<https://example.com/a>".to_owned()),
        Just("![shot](./screenshot.png)".to_owned()),
        Just("![remote](https://i.example.com/a.png)".to_owned()),
        Just("[![badge](https://ci.x/b.svg)](https://ci.x/run)".to_owned()),
        (1900usize..2100).prop_map(|n| format!("[long](https://x.dev/{})", "a".repeat(n))),
        (1900usize..2100).prop_map(|n| format!("https://x.dev/{}", "b".repeat(n))),
        Just("Fixes #12 and other/repo#3, cc @mona".to_owned()),
        Just("<details><summary>Logs</summary><b>bold</b></details>".to_owned()),
        Just("<!-- a comment -->".to_owned()),
        Just("**bold** *it* ~~gone~~ `code`".to_owned()),
        Just("$x^2$".to_owned()),
    ]
}

fn line() -> impl Strategy<Value = String> {
    prop::collection::vec(inline(), 1..6).prop_map(|parts| parts.join(" "))
}

fn block() -> impl Strategy<Value = String> {
    prop_oneof![
        line().prop_map(|l| format!("{l}\n\n")),
        line().prop_map(|l| format!("## {l}\n\n")),
        // Lists nested up to 6 levels, task items among them.
        prop::collection::vec((0usize..6, any::<bool>(), line()), 1..40).prop_map(|items| {
            let mut out = String::new();
            let mut depth = 0;
            for (want, task, text) in items {
                depth = want.min(depth + 1);
                let marker = if task { "- [ ] " } else { "- " };
                out.push_str(&format!("{}{marker}{text}\n", "  ".repeat(depth)));
            }
            out.push('\n');
            out
        }),
        // Tables up to 120 rows × 15 columns.
        (1usize..15, 1usize..120, "[a-z0-9 ]{0,20}").prop_map(|(cols, rows, cell)| {
            let row = format!("|{}\n", format!(" {cell} |").repeat(cols));
            format!("{row}|{}\n{}\n", " --- |".repeat(cols), row.repeat(rows))
        }),
        (1usize..40_000)
            .prop_map(|n| format!("```rust\n{}\n```\n\n", "let x = 1;\n".repeat(n / 11 + 1))),
        line().prop_map(|l| format!("> {l}\n> more\n\n")),
        Just("---\n\n".to_owned()),
    ]
}

fn markdown() -> impl Strategy<Value = String> {
    prop::collection::vec(block(), 1..40).prop_map(|blocks| blocks.concat())
}

/// Every request the client sends for a page create with these blocks: the create's children,
/// then each append (the overflow of a block goes to that block).
fn requests(blocks: &[Block]) -> Vec<Vec<Block>> {
    fn appends(blocks: &[Block], out: &mut Vec<Vec<Block>>) {
        let mut rest = blocks;
        while !rest.is_empty() {
            let b = plan::batch(rest, plan::BLOCK_BYTES_BUDGET, true);
            assert!(b.consumed > 0, "a batch always makes progress");
            out.push(b.blocks.clone());
            for (_, more) in &b.overflow {
                appends(more, out);
            }
            rest = &rest[b.consumed..];
        }
    }
    let blocks = plan::bound(blocks);
    let create = plan::batch(&blocks, plan::BLOCK_BYTES_BUDGET - 5_000, false);
    let mut out = vec![create.blocks];
    appends(&blocks[create.consumed..], &mut out);
    out
}

fn utf16(s: &str) -> usize {
    s.encode_utf16().count()
}

fn check_link(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("{url}: {e}"))?;
    let ok = match parsed.scheme() {
        "http" | "https" => parsed.host_str().is_some_and(|h| !h.is_empty()),
        "mailto" => true,
        _ => false,
    };
    if !ok || utf16(url) > 2000 {
        return Err(format!("Invalid URL for link: {} units", utf16(url)));
    }
    Ok(())
}

fn check_rich_text(items: &Value) -> Result<(), String> {
    let items = items.as_array().ok_or("rich_text is an array")?;
    if items.len() > 100 {
        return Err(format!("rich_text of {} items", items.len()));
    }
    for item in items {
        let content = item["text"]["content"].as_str().ok_or("text content")?;
        if utf16(content) > 2000 {
            return Err(format!("text.content of {} units", utf16(content)));
        }
        if let Some(url) = item["text"]["link"]["url"].as_str() {
            check_link(url)?;
        }
    }
    Ok(())
}

/// One `children` array at `depth` (1 = the request's top level).
fn check_children(children: &[Value], depth: usize, count: &mut usize) -> Result<(), String> {
    if children.len() > 100 {
        return Err(format!("children array of {}", children.len()));
    }
    for block in children {
        *count += 1;
        let kind = block["type"].as_str().ok_or("block type")?;
        let body = &block[kind];
        for key in ["rich_text", "caption"] {
            if let Some(items) = body.get(key) {
                check_rich_text(items)?;
            }
        }
        if kind == "image" {
            let url = body["external"]["url"].as_str().ok_or("image url")?;
            if !url.starts_with("https://") && !url.starts_with("http://") {
                return Err(format!("image url {url}"));
            }
            check_link(url)?;
        }
        if let Some(nested) = body.get("children").and_then(Value::as_array) {
            if depth >= 2 {
                return Err("three levels of nesting in one request".into());
            }
            check_children(nested, depth + 1, count)?;
        }
    }
    Ok(())
}

fn check_request(blocks: &[Block]) -> Result<(), String> {
    let children: Vec<Value> = blocks.iter().map(Block::to_json).collect();
    let mut count = 0;
    check_children(&children, 1, &mut count)?;
    if count > 1000 {
        return Err(format!("{count} blocks in one request"));
    }
    // What the create sends around its children: parent and properties (title, key, url…).
    let body = serde_json::json!({"parent": {"database_id": "0".repeat(36)}, "properties": {"x": "y".repeat(4_000)}, "children": children});
    let bytes = serde_json::to_vec(&body).map_or(0, |b| b.len());
    if bytes > 500_000 {
        return Err(format!("request of {bytes} bytes"));
    }
    Ok(())
}

fn context() -> LinkContext {
    LinkContext::new(
        "octo-org/a-repository-name",
        Some("main"),
        "https://github.com/octo-org/a-repository-name/issues/42",
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn every_request_for_generated_markdown_is_within_notions_limits(md in markdown()) {
        let blocks = markdown_to_blocks_in(&md, &context());
        let sent = requests(&blocks);
        for request in &sent {
            if let Err(why) = check_request(request) {
                prop_assert!(false, "{why}");
            }
        }
        // Nothing is lost on the way: the planner sends every block it was given.
        let planned: usize = sent.iter().map(|r| plan::count(r)).sum();
        prop_assert_eq!(planned, plan::count(&plan::bound(&blocks)));
    }
}

#[test]
fn the_checker_refuses_what_notion_refuses() {
    use crate::notion::RichText;
    let relative = Block::Paragraph(vec![RichText::link("x", "../a.md")]);
    assert!(check_request(&[relative]).is_err());
    let deep = Block::BulletedListItem {
        text: vec![RichText::plain("a")],
        children: vec![Block::BulletedListItem {
            text: vec![RichText::plain("b")],
            children: vec![Block::paragraph("c")],
        }],
    };
    assert!(check_request(&[deep]).is_err());
    let many: Vec<Block> = (0..100)
        .map(|_| Block::BulletedListItem {
            text: vec![RichText::plain("a")],
            children: vec![Block::paragraph("c"); 10],
        })
        .collect();
    assert!(check_request(&many).is_err(), "1,100 blocks");
    let heavy = vec![Block::code(&"x".repeat(190_000), "text"); 3];
    assert!(check_request(&heavy).is_err(), "over 500 KB");
}
