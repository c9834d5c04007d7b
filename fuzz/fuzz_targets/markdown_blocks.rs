//! Markdown → Notion blocks (`markdown_to_blocks`): whatever an issue body holds, the blocks are
//! within Notion's request limits (PRODUCT.md, "Facts about the real APIs"): every rich-text
//! `content` and `link.url` at most 2000 UTF-16 units, every array inside a block at most 100
//! items, and at most two levels of nesting (a block's children have no children of their own).
//! Two arrays may be longer, because the client splits them by the same rule for every caller
//! (`notion/client/content.rs`): the top-level list (appended in chunks of 100) and a block's
//! children (the first 100 inline, the rest appended to the block once it exists, which works
//! because they are second-level blocks without children of their own, as checked here).
#![no_main]

use libfuzzer_sys::fuzz_target;
use notion_relay::notion::markdown_to_blocks;
use serde_json::Value;

const MAX_TEXT_UNITS: usize = 2000;
const MAX_ARRAY_ITEMS: usize = 100;
const MAX_NESTING: usize = 2;

fuzz_target!(|data: &[u8]| {
    let Ok(markdown) = std::str::from_utf8(data) else {
        return;
    };
    for block in markdown_to_blocks(markdown) {
        let json = block.to_json();
        check_block(&json, 1);
    }
});

fn check_block(block: &Value, level: usize) {
    assert!(level <= MAX_NESTING, "nested {level} levels deep: {block}");
    let kind = block["type"].as_str().expect("every block names its type");
    let body = &block[kind];
    assert!(body.is_object(), "block {kind} has no body");
    check_values(body);
    if let Some(children) = body.get("children") {
        let children = children.as_array().expect("children is an array");
        assert!(!children.is_empty(), "an empty children array");
        for child in children {
            check_block(child, level + 1);
        }
    }
}

/// Every array and text item anywhere in a block's body.
fn check_values(value: &Value) {
    match value {
        Value::Array(items) => {
            assert!(items.len() <= MAX_ARRAY_ITEMS, "{} items", items.len());
            items.iter().for_each(check_values);
        }
        Value::Object(map) => {
            for (key, value) in map {
                if key == "children" {
                    continue; // checked as blocks, one level down; split by the client past 100
                }
                if let ("content" | "url", Value::String(text)) = (key.as_str(), value) {
                    let units = text.encode_utf16().count();
                    assert!(units <= MAX_TEXT_UNITS, "{key} of {units} UTF-16 units");
                }
                check_values(value);
            }
        }
        _ => {}
    }
}
