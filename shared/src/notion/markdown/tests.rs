//! Unit tests of `markdown.rs`.

use super::*;
use crate::notion::types::plain_text;

fn text_of(block: &Block) -> String {
    match block {
        Block::Code { text, .. } => text.clone(),
        other => other.rich_text().map(plain_text).unwrap_or_default(),
    }
}

#[test]
fn headings_map_to_three_levels() {
    let blocks = markdown_to_blocks("# One\n## Two\n### Three\n#### Four\n###### Six\n");
    let kinds: Vec<_> = blocks.iter().map(Block::type_name).collect();
    assert_eq!(
        kinds,
        [
            "heading_1",
            "heading_2",
            "heading_3",
            "heading_3",
            "heading_3"
        ]
    );
    assert_eq!(text_of(&blocks[3]), "Four");
}

#[test]
fn paragraphs_keep_inline_marks_as_annotations() {
    let blocks = markdown_to_blocks("Plain **bold** *it* ~~gone~~ `code` [link](https://x.dev)\n");
    let Block::Paragraph(items) = &blocks[0] else {
        panic!("{blocks:?}")
    };
    assert_eq!(plain_text(items), "Plain bold it gone code link");
    let find = |s: &str| items.iter().find(|i| i.content == s).unwrap();
    assert!(find("bold").annotations.bold);
    assert!(find("it").annotations.italic);
    assert!(find("gone").annotations.strikethrough);
    assert!(find("code").annotations.code);
    assert_eq!(find("link").link.as_deref(), Some("https://x.dev"));
    assert!(find("Plain ").annotations.is_plain());
}

#[test]
fn bulleted_and_numbered_lists() {
    let blocks = markdown_to_blocks("- a\n- b\n\n1. one\n2. two\n");
    let kinds: Vec<_> = blocks.iter().map(Block::type_name).collect();
    assert_eq!(
        kinds,
        [
            "bulleted_list_item",
            "bulleted_list_item",
            "numbered_list_item",
            "numbered_list_item"
        ]
    );
    assert_eq!(text_of(&blocks[1]), "b");
    assert_eq!(text_of(&blocks[3]), "two");
}

#[test]
fn nested_lists_become_children() {
    let blocks = markdown_to_blocks("- parent\n  - child\n  - child 2\n- next\n");
    assert_eq!(blocks.len(), 2);
    assert_eq!(text_of(&blocks[0]), "parent");
    let children: Vec<_> = blocks[0].children().iter().map(text_of).collect();
    assert_eq!(children, ["child", "child 2"]);
}

#[test]
fn nesting_deeper_than_two_levels_is_flattened() {
    let md = "- l1\n  - l2\n    - l3\n      - l4\n";
    let blocks = markdown_to_blocks(md);
    assert_eq!(blocks.len(), 1);
    let level2: Vec<_> = blocks[0].children().iter().map(text_of).collect();
    assert_eq!(level2, ["l2", "l3", "l4"]);
    assert!(blocks[0].children().iter().all(|b| b.children().is_empty()));
}

#[test]
fn task_lists_become_to_dos() {
    let blocks = markdown_to_blocks("- [ ] open\n- [x] done\n");
    assert_eq!(
        blocks,
        vec![Block::to_do("open", false), Block::to_do("done", true)]
    );
}

#[test]
fn fenced_code_keeps_its_language() {
    let blocks = markdown_to_blocks("```rust\nfn main() {}\n```\n\n```\nplain\n```\n");
    assert_eq!(
        blocks,
        vec![
            Block::code("fn main() {}", "rust"),
            Block::code("plain", "")
        ]
    );
    assert_eq!(blocks[1].to_json()["code"]["language"], "plain text");
}

#[test]
fn block_quote_becomes_a_quote() {
    let blocks = markdown_to_blocks("> first\n>\n> second\n");
    assert_eq!(blocks.len(), 1);
    assert_eq!(blocks[0].type_name(), "quote");
    assert_eq!(text_of(&blocks[0]), "first\nsecond");
}

#[test]
fn thematic_break_becomes_a_divider() {
    let blocks = markdown_to_blocks("above\n\n---\n\nbelow\n");
    let kinds: Vec<_> = blocks.iter().map(Block::type_name).collect();
    assert_eq!(kinds, ["paragraph", "divider", "paragraph"]);
}

#[test]
fn a_5000_character_paragraph_is_split_into_2000_unit_items() {
    let blocks = markdown_to_blocks(&"w".repeat(5000));
    let Block::Paragraph(items) = &blocks[0] else {
        panic!()
    };
    let lens: Vec<_> = items.iter().map(|i| i.content.len()).collect();
    assert_eq!(lens, [2000, 2000, 1000]);
}

#[test]
fn table_rows_become_paragraphs() {
    let blocks = markdown_to_blocks("| a | b |\n|---|---|\n| 1 | 2 |\n");
    let rows: Vec<_> = blocks.iter().map(text_of).collect();
    assert_eq!(rows, ["a | b", "1 | 2"]);
}

#[test]
fn loose_list_items_keep_later_paragraphs_as_children() {
    let blocks = markdown_to_blocks("- first para\n\n  second para\n\n- next\n");
    assert_eq!(text_of(&blocks[0]), "first para");
    assert_eq!(blocks[0].children().len(), 1);
    assert_eq!(text_of(&blocks[0].children()[0]), "second para");
}

#[test]
fn empty_input_gives_no_blocks() {
    assert!(markdown_to_blocks("").is_empty());
    assert!(markdown_to_blocks("   \n\n").is_empty());
}

#[test]
fn garbage_input_never_panics() {
    let inputs = [
        "```",
        "> > > > > - - - - [ ] ```x",
        "* * *\n- [x]\n1.\n#\n|||\n|-|\n",
        "<div><p>unclosed",
        "[a](",
        "\u{0}\u{feff}😀\r\n\t- \t- \t-",
        "**__~~`",
        "    indented code\n",
        "- a\n    ```\n    code in item\n    ```\n> - quoted item\n",
        "[^1]\n\n[^1]: note",
    ];
    for input in inputs {
        let blocks = markdown_to_blocks(input);
        for b in &blocks {
            let _ = b.to_json();
        }
    }
    // Deterministic pseudo-random soup of Markdown punctuation.
    let alphabet: Vec<char> = "#>-*_`[]()!|~\n \t1.xé😀<>\\".chars().collect();
    let mut seed: u64 = 0x9e37_79b9_7f4a_7c15;
    for _ in 0..300 {
        let s: String = (0..200)
            .map(|_| {
                seed ^= seed << 13;
                seed ^= seed >> 7;
                seed ^= seed << 17;
                alphabet[(seed % alphabet.len() as u64) as usize]
            })
            .collect();
        for b in markdown_to_blocks(&s) {
            let _ = b.to_json();
        }
    }
}

fn in_repo() -> LinkContext {
    LinkContext::new(
        "octo/repo",
        Some("main"),
        "https://github.com/octo/repo/pull/9",
    )
}

fn links_of(blocks: &[Block]) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    for block in blocks {
        if let Block::Paragraph(items) = block {
            out.extend(items.iter().map(|i| (i.content.clone(), i.link.clone())));
        }
    }
    out
}

#[test]
fn the_links_real_notion_refused_are_resolved_or_kept_as_text() {
    let md = "[setup](../docs/setup.md) [top](#top) [x]() [js](javascript:alert(1))\n\n![shot](./screenshot.png)\n";
    let blocks = markdown_to_blocks_in(md, &in_repo());
    let links = links_of(&blocks);
    let link = |text: &str| {
        links
            .iter()
            .find(|(t, _)| t == text)
            .and_then(|(_, l)| l.clone())
    };
    assert_eq!(
        link("setup").as_deref(),
        Some("https://github.com/octo/repo/blob/main/docs/setup.md")
    );
    assert_eq!(
        link("top").as_deref(),
        Some("https://github.com/octo/repo/pull/9#top")
    );
    assert_eq!(link("x"), None);
    assert_eq!(link("js"), None);
    assert_eq!(text_of(&blocks[0]), "setup top x js", "the text is kept");
    assert_eq!(
        blocks.last(),
        Some(&Block::Image {
            url: "https://github.com/octo/repo/blob/main/screenshot.png?raw=true".into(),
            caption: vec![RichText::plain("shot")],
        })
    );
}

#[test]
fn references_in_text_are_linked_but_not_in_code() {
    let blocks = markdown_to_blocks_in("Fixes #12 for @ann, not `#13`.\n", &in_repo());
    let links = links_of(&blocks);
    assert!(links.contains(&(
        "#12".into(),
        Some("https://github.com/octo/repo/issues/12".into())
    )));
    assert!(links.contains(&("@ann".into(), Some("https://github.com/ann".into()))));
    assert!(links.iter().any(|(t, l)| t == "#13" && l.is_none()));
}

#[test]
fn an_image_inside_a_link_is_its_alt_text_linked_to_the_link() {
    let md = "[![build](https://ci.x/badge.svg)](https://ci.x/run)\n";
    let blocks = markdown_to_blocks_in(md, &in_repo());
    assert_eq!(
        links_of(&blocks),
        [("build".into(), Some("https://ci.x/run".into()))]
    );
}

#[test]
fn raw_html_is_reduced_to_its_text() {
    let md = "<details>\n<summary>Logs</summary>\n\n<!-- hidden\nnote -->\n\nok <b>bold</b>\n</details>\n";
    let blocks = markdown_to_blocks_in(md, &in_repo());
    let all: String = blocks.iter().map(text_of).collect::<Vec<_>>().join("|");
    assert!(!all.contains('<') && !all.contains("hidden"), "{all}");
    assert!(all.contains("Logs") && all.contains("bold"), "{all}");
}

#[test]
fn autolinks_keep_their_scheme() {
    let blocks = markdown_to_blocks_in("<a@b.org> <https://x.dev/a>\n", &in_repo());
    let links: Vec<_> = links_of(&blocks)
        .into_iter()
        .filter_map(|(_, l)| l)
        .collect();
    assert_eq!(links, ["mailto:a@b.org", "https://x.dev/a"]);
}
