//! Unit tests of `blocks.rs`: write shapes, nesting limits, language mapping, tolerant reading.

use super::*;
use serde_json::json;

fn text(s: &str) -> Value {
    json!([{"type":"text","text":{"content":s,"link":null}}])
}

#[test]
fn heading_and_paragraph_write_notion_shape() {
    assert_eq!(
        Block::heading2("Sprint Summary").to_json(),
        json!({"object":"block","type":"heading_2","heading_2":{"rich_text":text("Sprint Summary")}})
    );
    assert_eq!(
        Block::paragraph("This sprint").to_json(),
        json!({"object":"block","type":"paragraph","paragraph":{"rich_text":text("This sprint")}})
    );
}

#[test]
fn to_do_writes_checked() {
    assert_eq!(
        Block::to_do("Write tests", false).to_json(),
        json!({"object":"block","type":"to_do","to_do":{"rich_text":text("Write tests"),"checked":false}})
    );
}

#[test]
fn code_writes_a_notion_language() {
    assert_eq!(
        Block::code("console.log('hello')", "js").to_json(),
        json!({"object":"block","type":"code","code":{
            "rich_text":text("console.log('hello')"),"language":"javascript"}})
    );
}

#[test]
fn code_languages_map_to_notion_names() {
    assert_eq!(code_language("Rust"), "rust");
    assert_eq!(code_language("c++"), "c++");
    assert_eq!(code_language("yml"), "yaml");
    assert_eq!(code_language(""), "plain text");
    assert_eq!(code_language("brainfudge"), "plain text");
}

#[test]
fn divider_and_children_write_notion_shape() {
    assert_eq!(
        Block::Divider.to_json(),
        json!({"object":"block","type":"divider","divider":{}})
    );
    let b = Block::BulletedListItem {
        text: text_items("parent"),
        children: vec![Block::bullet("child")],
    };
    assert_eq!(
        b.to_json(),
        json!({"object":"block","type":"bulleted_list_item","bulleted_list_item":{
            "rich_text":text("parent"),
            "children":[{"object":"block","type":"bulleted_list_item",
                         "bulleted_list_item":{"rich_text":text("child")}}]}})
    );
}

#[test]
fn long_code_is_split_into_2000_unit_items() {
    let b = Block::code(&"x".repeat(4500), "rust").to_json();
    assert_eq!(b["code"]["rich_text"].as_array().unwrap().len(), 3);
}

fn nest(depth: usize) -> Block {
    let mut b = Block::bullet(&format!("level {depth}"));
    if depth < 5 {
        if let Block::BulletedListItem { children, .. } = &mut b {
            children.push(nest(depth + 1));
        }
    }
    b
}

fn max_depth(blocks: &[Block]) -> usize {
    blocks
        .iter()
        .map(|b| 1 + max_depth(b.children()))
        .max()
        .unwrap_or(0)
}

#[test]
fn nesting_deeper_than_two_levels_is_flattened_in_order() {
    let out = limit_nesting(&[nest(1)]);
    assert_eq!(max_depth(&out), 2);
    assert_eq!(out.len(), 1);
    let names: Vec<String> = out[0]
        .children()
        .iter()
        .map(|b| {
            plain_text(match b {
                Block::BulletedListItem { text, .. } => text,
                _ => unreachable!(),
            })
        })
        .collect();
    assert_eq!(names, ["level 2", "level 3", "level 4", "level 5"]);
}

#[test]
fn two_levels_are_kept_as_they_are() {
    let b = Block::toggle("t", vec![Block::paragraph("p")]);
    assert_eq!(limit_nesting(std::slice::from_ref(&b)), vec![b]);
}

#[test]
fn retrieved_blocks_of_any_type_parse() {
    let list: BlockList = serde_json::from_value(json!({
        "object":"list","next_cursor":null,"has_more":false,"type":"block","block":{},
        "results":[
            {"object":"block","id":"b1","type":"paragraph","has_children":false,
             "paragraph":{"rich_text":[{"plain_text":"Hello"}],"color":"default"}},
            {"object":"block","id":"b2","type":"child_page","has_children":true,
             "child_page":{"title":"Sub"}},
            {"object":"block","id":"b3","type":"brand_new_block","brand_new_block":{"x":1}}]}))
    .unwrap();
    assert_eq!(list.results[0].plain_text(), "Hello");
    assert_eq!(list.results[1].plain_text(), "Sub");
    assert!(list.results[1].is_child_object());
    assert_eq!(list.results[2].content(), Some(&json!({"x":1})));
}
