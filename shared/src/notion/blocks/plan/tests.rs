//! Unit tests of `plan.rs`.

use super::*;
use crate::notion::types::plain_text;

fn checklist(items: usize, each: usize) -> Vec<Block> {
    (0..items)
        .map(|i| Block::ToDo {
            text: crate::notion::types::text_items(&format!("step {i}")),
            checked: false,
            children: (0..each)
                .map(|j| Block::to_do(&format!("{i}.{j}"), false))
                .collect(),
        })
        .collect()
}

/// Sends every batch as `append_block_children` would, returning each request's blocks.
fn requests(blocks: &[Block]) -> Vec<Vec<Block>> {
    let mut out = Vec::new();
    let mut rest = blocks;
    while !rest.is_empty() {
        let b = batch(rest, BLOCK_BYTES_BUDGET, true);
        assert!(b.consumed > 0, "a batch always makes progress");
        for (_, more) in &b.overflow {
            out.extend(requests(more));
        }
        out.push(b.blocks);
        rest = &rest[b.consumed..];
    }
    out
}

fn assert_within_limits(request: &[Block]) {
    assert!(request.len() <= 100);
    assert!(
        count(request) <= MAX_BLOCKS_PER_PAYLOAD,
        "{}",
        count(request)
    );
    let json: Vec<Value> = request.iter().map(Block::to_json).collect();
    assert!(json_len(&Value::Array(json)) <= BLOCK_BYTES_BUDGET);
    for block in request {
        assert!(block.children().len() <= 100);
        assert!(block.children().iter().all(|c| c.children().is_empty()));
    }
}

#[test]
fn a_checklist_of_100_steps_with_15_sub_steps_goes_in_two_requests() {
    let blocks = bound(&checklist(100, 15));
    let sent = requests(&blocks);
    sent.iter().for_each(|r| assert_within_limits(r));
    assert_eq!(sent.len(), 2, "1,600 blocks: 1000 in the first request");
    assert_eq!(sent.iter().map(|r| count(r)).sum::<usize>(), 1600);
}

#[test]
fn a_block_with_250_children_gets_them_in_order_over_three_requests() {
    let blocks = bound(&checklist(1, 250));
    let first = batch(&blocks, BLOCK_BYTES_BUDGET, true);
    assert_eq!(first.blocks[0].children().len(), 100);
    assert_eq!(first.overflow.len(), 1);
    assert_eq!(first.overflow[0].1.len(), 150);
    assert_eq!(requests(&blocks).len(), 3);
}

#[test]
fn a_create_stops_before_a_block_whose_children_do_not_all_fit() {
    let mut blocks = vec![Block::paragraph("intro")];
    blocks.extend(checklist(1, 150));
    let b = batch(&bound(&blocks), BLOCK_BYTES_BUDGET, false);
    assert_eq!(b.consumed, 1);
    assert!(b.overflow.is_empty());
}

#[test]
fn huge_paragraphs_and_code_are_split_not_truncated() {
    let long = "x".repeat(300_000);
    let blocks = bound(&[
        Block::Paragraph(vec![crate::notion::RichText::plain(long.as_str())]),
        Block::code(&long, "rust"),
    ]);
    assert!(blocks.len() > 2);
    let paragraphs: String = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Paragraph(t) => Some(plain_text(t)),
            _ => None,
        })
        .collect();
    let code: String = blocks
        .iter()
        .filter_map(|b| match b {
            Block::Code { text, .. } => Some(text.clone()),
            _ => None,
        })
        .collect();
    assert_eq!((paragraphs.len(), code.len()), (300_000, 300_000));
    for block in &blocks {
        assert!(
            json_len(&block.to_json()) <= MAX_BLOCK_BYTES,
            "{}",
            json_len(&block.to_json())
        );
    }
    requests(&blocks)
        .iter()
        .for_each(|r| assert_within_limits(r));
}

#[test]
fn a_56000_character_report_of_short_lines_fits_in_few_requests() {
    let line = "| job | status | 12.3s | https://ci.example/run/123456789 |";
    let body: String = (0..1000).map(|i| format!("{line} {i}\n\n")).collect();
    assert!(body.len() > 56_000);
    let blocks = bound(&crate::notion::markdown_to_blocks(&body));
    let sent = requests(&blocks);
    sent.iter().for_each(|r| assert_within_limits(r));
    assert_eq!(sent.len(), 10, "1000 paragraphs, 100 per request");
}

#[test]
fn a_split_block_keeps_its_children_on_the_last_piece() {
    let text = "y".repeat(250_000);
    let block = Block::BulletedListItem {
        text: vec![crate::notion::RichText::plain(text)],
        children: vec![Block::bullet("child")],
    };
    let pieces = bound(&[block]);
    assert!(pieces.len() > 1);
    assert!(pieces[..pieces.len() - 1]
        .iter()
        .all(|p| p.children().is_empty()));
    assert_eq!(pieces.last().unwrap().children().len(), 1);
}

#[test]
fn a_create_of_the_checklist_carries_62_steps_and_one_append_the_other_38() {
    let blocks = bound(&checklist(100, 15));
    let create = batch(&blocks, BLOCK_BYTES_BUDGET - 2_000, false);
    assert_eq!((create.consumed, count(&create.blocks)), (62, 992));
    let rest = requests(&blocks[create.consumed..]);
    assert_eq!(rest.len(), 1);
    assert_eq!(count(&rest[0]), 608);
}
