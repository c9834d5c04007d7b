//! The three versions of one issue that the race tests deliver at once, in direct mode
//! (`webhook_race.rs`) and in queue mode (`queue_mode.rs`).

use serde_json::{json, Value};

use crate::support::webhook::{fixture_json, retarget};

/// The three versions of one issue, one second apart, each holding more than the one before.
pub fn versions(number: u64) -> Vec<Value> {
    let label = json!([{"id": 1, "name": "bug", "color": "d73a4a", "default": true}]);
    let assignee =
        fixture_json("octokit/issues/assigned.payload.json")["issue"]["assignee"].clone();
    let mut out = Vec::new();
    for (i, action) in ["opened", "labeled", "assigned"].iter().enumerate() {
        let mut payload = fixture_json(&format!("octokit/issues/{action}.payload.json"));
        retarget(
            &mut payload,
            number,
            &format!("2026-03-05T12:00:0{}Z", i + 1),
        );
        let issue = &mut payload["issue"];
        issue["title"] = json!(format!("Race #{number}, version {}", i + 1));
        issue["labels"] = if i >= 1 { label.clone() } else { json!([]) };
        issue["assignees"] = if i >= 2 {
            json!([assignee.clone()])
        } else {
            json!([])
        };
        issue["assignee"] = if i >= 2 {
            assignee.clone()
        } else {
            Value::Null
        };
        out.push(payload);
    }
    out
}
