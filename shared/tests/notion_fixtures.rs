//! Every recorded Notion answer in `../shared/fixtures/notion/` (VCR cassettes of real API calls,
//! Notion-Version 2022-06-28, 2025-09-03 and 2026-03-11) decodes with this crate's types: pages,
//! their property values, databases, data sources, blocks, lists, and error bodies (through the
//! same parser the client uses). Counts per kind are asserted so the test cannot pass vacuously.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use notion_relay::notion::blocks::{BlockList, RetrievedBlock};
use notion_relay::notion::{
    parse_error_response, DataSource, Database, Error, ErrorCode, Page, PageList, PropertyValue,
    SearchResults,
};
use serde_json::Value;

const FIXTURES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/fixtures/notion");

/// The recorded answers of one cassette: (status, body).
fn responses(path: &Path) -> Vec<(u16, String)> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let doc: serde_yaml::Value =
        serde_yaml::from_str(&text).unwrap_or_else(|e| panic!("{path:?}: {e}"));
    let interactions = doc["interactions"]
        .as_sequence()
        .unwrap_or_else(|| panic!("{path:?}: no interactions"));
    interactions
        .iter()
        .map(|i| {
            let r = &i["response"];
            // Two cassette layouts: `content` + `status_code`, or `body.string` + `status.code`.
            let body = r["content"]
                .as_str()
                .or_else(|| r["body"]["string"].as_str())
                .unwrap_or_default()
                .to_owned();
            let status = r["status_code"]
                .as_u64()
                .or_else(|| r["status"]["code"].as_u64())
                .unwrap_or_else(|| panic!("{path:?}: response without status"));
            (status as u16, body)
        })
        .collect()
}

#[derive(Default)]
struct Counts(BTreeMap<&'static str, usize>);

impl Counts {
    fn add(&mut self, kind: &'static str) {
        *self.0.entry(kind).or_default() += 1;
    }

    fn get(&self, kind: &str) -> usize {
        self.0.get(kind).copied().unwrap_or(0)
    }
}

fn decode<T: serde::de::DeserializeOwned>(v: &Value, what: &str, file: &Path) -> T {
    serde_json::from_value(v.clone()).unwrap_or_else(|e| panic!("{file:?}: {what}: {e}\n{v}"))
}

fn check_page(v: &Value, file: &Path, counts: &mut Counts) {
    let page: Page = decode(v, "page", file);
    assert_eq!(page.id.as_str().len(), 36, "{file:?}: page id {}", page.id);
    let raw = v["properties"].as_object().cloned().unwrap_or_default();
    assert_eq!(page.properties.len(), raw.len(), "{file:?}");
    for (name, raw_value) in raw {
        let value = PropertyValue::from_read_json(raw_value.clone())
            .unwrap_or_else(|e| panic!("{file:?}: property {name}: {e}"));
        let kind = raw_value["type"].as_str().unwrap_or_default();
        assert_eq!(value.type_name(), kind, "{file:?}: property {name}");
        assert_eq!(page.properties[&name], value);
        counts.add(if matches!(value, PropertyValue::Other(_)) {
            "property (other)"
        } else {
            "property"
        });
    }
    counts.add("page");
}

fn check_object(v: &Value, status: u16, file: &Path, counts: &mut Counts) {
    match v["object"].as_str() {
        Some("page") => check_page(v, file, counts),
        Some("database") => {
            let db: Database = decode(v, "database", file);
            // 2022-06-28 carries the schema; later versions carry data sources instead.
            assert!(
                !db.properties.is_empty() || !db.data_sources.is_empty(),
                "{file:?}: database {} has neither schema nor data source",
                db.id
            );
            counts.add("database");
        }
        Some("data_source") => {
            let ds: DataSource = decode(v, "data_source", file);
            assert!(ds.properties.values().all(|p| !p.name.is_empty()));
            counts.add("data_source");
        }
        Some("block") => {
            let block: RetrievedBlock = decode(v, "block", file);
            assert!(!block.kind.is_empty(), "{file:?}: block without type");
            assert!(block.content().is_some(), "{file:?}: block without body");
            counts.add("block");
        }
        Some("list") => check_list(v, status, file, counts),
        Some("error") => {
            let body = v.to_string();
            let err = parse_error_response(status, body.as_bytes(), None, None, SystemTime::now());
            let Error::Api {
                status: parsed_status,
                code,
                request_id,
                ..
            } = &err
            else {
                panic!("{file:?}: {err:?}")
            };
            assert_eq!(*parsed_status, status, "{file:?}");
            assert_eq!(u64::from(status), v["status"].as_u64().unwrap_or(0));
            assert_eq!(code.as_str(), v["code"].as_str().unwrap_or_default());
            assert!(!matches!(code, ErrorCode::Unknown(_)), "{file:?}: {code}");
            assert_eq!(request_id.as_deref(), v["request_id"].as_str());
            assert!(
                !err.is_retryable(),
                "{file:?}: {status} must not be retried"
            );
            counts.add("error");
        }
        Some(_) => counts.add("other object"),
        None => counts.add("no object field"),
    }
}

fn check_list(v: &Value, status: u16, file: &Path, counts: &mut Counts) {
    match v["type"].as_str() {
        Some("block") => {
            let list: BlockList = decode(v, "block list", file);
            assert_eq!(list.has_more, list.next_cursor.is_some(), "{file:?}");
        }
        Some("page_or_database") | Some("page_or_data_source") => {
            let pages: PageList = decode(v, "page list", file);
            let search: SearchResults = decode(v, "search results", file);
            assert_eq!(
                search.results.len(),
                v["results"].as_array().map_or(0, Vec::len)
            );
            assert!(pages.results.len() <= search.results.len());
        }
        _ => {}
    }
    for item in v["results"].as_array().into_iter().flatten() {
        check_object(item, status, file, counts);
    }
    counts.add("list");
}

fn cassettes() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let dirs = std::fs::read_dir(FIXTURES).unwrap_or_else(|e| panic!("{FIXTURES}: {e}"));
    for dir in dirs.flatten().map(|d| d.path()).filter(|p| p.is_dir()) {
        for file in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let path = file.path();
            if path.extension().is_some_and(|e| e == "yaml" || e == "yml") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

#[test]
fn every_recorded_notion_answer_decodes() {
    let files = cassettes();
    let folders: std::collections::BTreeSet<_> = files.iter().filter_map(|f| f.parent()).collect();
    assert_eq!(
        folders.len(),
        3,
        "expected three cassette folders: {folders:?}"
    );

    let mut counts = Counts::default();
    for file in &files {
        counts.add("cassette");
        for (status, body) in responses(file) {
            if body.trim().is_empty() {
                counts.add("skipped: empty body");
                continue;
            }
            let Ok(json) = serde_json::from_str::<Value>(&body) else {
                // e.g. a plain-text "400 Bad Request": still an error for our parser.
                assert!(status >= 400, "{file:?}: non-JSON success body");
                let err =
                    parse_error_response(status, body.as_bytes(), None, None, SystemTime::now());
                assert_eq!(err.status(), Some(status));
                assert_eq!(err.code(), Some(&ErrorCode::from_status(status)));
                counts.add("skipped: non-JSON body (parsed as error)");
                continue;
            };
            check_object(&json, status, file, &mut counts);
        }
    }

    for (kind, n) in &counts.0 {
        println!("{kind:>45}: {n}");
    }
    for kind in [
        "cassette",
        "page",
        "property",
        "database",
        "data_source",
        "block",
        "list",
        "error",
    ] {
        assert!(counts.get(kind) > 0, "no {kind} decoded");
    }
    // Sanity floor from the recordings as committed (pages alone number in the hundreds).
    assert!(counts.get("page") >= 100, "pages: {}", counts.get("page"));
}
