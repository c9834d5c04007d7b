//! Shape comparison for the cassette replay: a recorded Notion answer and the emulator's answer
//! must have the same structure — same object types, same keys (except the allowances listed
//! here, each with its reason), same JSON kinds, same array lengths, same `object` / `type` /
//! `code` / `status` values. Other values (ids, timestamps, text) may differ.

use serde_json::Value;

/// Which side has a key the other lacks.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Side {
    /// In the recording, not from the emulator.
    Omitted,
    /// From the emulator, not in the recording.
    Added,
}

pub struct Allowance {
    pub key: &'static str,
    pub side: Side,
    /// Only for recordings made with this Notion-Version (`None`: any).
    pub recorded_version: Option<&'static str>,
    /// Only inside objects with this `object` value (`None`: any).
    pub object: Option<&'static str>,
    pub why: &'static str,
}

/// Every key difference the replay tolerates.
pub const ALLOWANCES: &[Allowance] = &[
    Allowance {
        key: "request_id",
        side: Side::Added,
        recorded_version: Some("2022-06-28"),
        object: Some("error"),
        why: "older 2022-06-28 recordings of errors predate `request_id` in error bodies",
    },
    Allowance {
        key: "additional_data",
        side: Side::Omitted,
        recorded_version: None,
        object: Some("error"),
        why: "names the integration (`integration_id`), which the emulator does not model",
    },
];

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn allowed(key: &str, side: Side, version: &str, object: Option<&str>) -> bool {
    ALLOWANCES.iter().any(|a| {
        a.key == key
            && a.side == side
            && a.recorded_version.is_none_or(|v| v == version)
            && a.object.is_none_or(|o| Some(o) == object)
    })
}

/// Appends one line per difference to `out`.
pub fn compare(recorded: &Value, actual: &Value, version: &str, path: &str, out: &mut Vec<String>) {
    match (recorded, actual) {
        (Value::Object(r), Value::Object(a)) => {
            let object = r.get("object").and_then(Value::as_str);
            for k in r.keys().filter(|k| !a.contains_key(*k)) {
                if !allowed(k, Side::Omitted, version, object) {
                    out.push(format!("{path}: emulator omits `{k}`"));
                }
            }
            for k in a.keys().filter(|k| !r.contains_key(*k)) {
                if !allowed(k, Side::Added, version, object) {
                    out.push(format!("{path}: emulator adds `{k}`"));
                }
            }
            for (k, rv) in r {
                let Some(av) = a.get(k) else { continue };
                let exact = ["object", "type", "code", "status"].contains(&k.as_str())
                    && !rv.is_object()
                    && !rv.is_array();
                if exact && rv != av {
                    out.push(format!("{path}.{k}: recorded {rv}, emulator {av}"));
                } else {
                    compare(rv, av, version, &format!("{path}.{k}"), out);
                }
            }
        }
        (Value::Array(r), Value::Array(a)) => {
            if r.len() != a.len() {
                out.push(format!(
                    "{path}: recorded {} items, emulator {}",
                    r.len(),
                    a.len()
                ));
            }
            for (i, (rv, av)) in r.iter().zip(a).enumerate() {
                compare(rv, av, version, &format!("{path}[{i}]"), out);
            }
        }
        (r, a) if kind(r) != kind(a) => out.push(format!(
            "{path}: recorded a {}, emulator a {}",
            kind(r),
            kind(a)
        )),
        _ => {}
    }
}

#[test]
fn a_missing_key_and_a_changed_type_are_reported() {
    let rec = serde_json::json!({"object": "page", "a": 1, "b": {"type": "x"}});
    let got = serde_json::json!({"object": "page", "b": {"type": "y"}, "c": null});
    let mut out = Vec::new();
    compare(&rec, &got, "2022-06-28", "$", &mut out);
    assert_eq!(out.len(), 3, "{out:?}");
}
