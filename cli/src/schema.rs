//! The database schema `init` creates and `check --fix` completes: every property the functions
//! write (PRODUCT.md, "Database properties"), in Notion's request form, named as the functions
//! name them (`PROPERTY_*`). Whether a database is usable is NOT decided here: that is the
//! shared binding rule (`notion_relay::sync::BoundSchema::bind`).

use notion_relay::config::{self, PropertyNames};
use notion_relay::notion::{ApiVersion, DataSourceId, DatabaseId};
use notion_relay::sync::Field;
use serde_json::{json, Map, Value};

use crate::args::OptionalProperty;

/// One property to create.
#[derive(Debug, Clone, PartialEq)]
pub struct Spec {
    pub field: Field,
    pub name: String,
    /// The variable that renames it.
    pub var: &'static str,
    /// Notion's type, for messages.
    pub kind: &'static str,
    /// The schema entry in request form, e.g. `{"number": {"format": "number"}}`.
    pub definition: Value,
}

fn options(pairs: &[(&str, &str)]) -> Value {
    let options: Vec<Value> = pairs
        .iter()
        .map(|(name, color)| json!({"name": name, "color": color}))
        .collect();
    json!({ "options": options })
}

/// The properties the functions write, in PRODUCT.md's order.
pub fn product(names: &PropertyNames) -> Vec<Spec> {
    Field::DEFAULT
        .iter()
        .map(|&field| spec(field, names))
        .collect()
}

fn spec(field: Field, names: &PropertyNames) -> Spec {
    let empty = json!({});
    let number = json!({"format": "number"});
    let (name, var, kind, config) = match field {
        Field::Name => (&names.name, config::PROPERTY_NAME, "title", empty),
        Field::Number => (&names.number, config::PROPERTY_NUMBER, "number", number),
        Field::Status => (
            &names.status,
            config::PROPERTY_STATUS,
            "select",
            options(&[
                ("Open", "green"),
                ("Closed", "red"),
                ("Draft", "gray"),
                ("Merged", "purple"),
            ]),
        ),
        Field::Labels => (
            &names.labels,
            config::PROPERTY_LABELS,
            "multi_select",
            options(&[]),
        ),
        Field::Url => (&names.url, config::PROPERTY_URL, "url", empty),
        Field::Repository => (
            &names.repository,
            config::PROPERTY_REPOSITORY,
            "select",
            options(&[]),
        ),
        Field::Type => (
            &names.kind,
            config::PROPERTY_TYPE,
            "select",
            options(&[("Issue", "blue"), ("Pull request", "orange")]),
        ),
        Field::Updated => (&names.updated, config::PROPERTY_UPDATED, "date", empty),
        Field::Assignees => (
            &names.assignees,
            config::PROPERTY_ASSIGNEES,
            "multi_select",
            options(&[]),
        ),
        Field::Author => (&names.author, config::PROPERTY_AUTHOR, "rich_text", empty),
        Field::Comments => (&names.comments, config::PROPERTY_COMMENTS, "number", number),
        // Optional fields are created by `optional` (on request), never by `product`.
        Field::Milestone
        | Field::IssueType
        | Field::Parent
        | Field::Reviewers
        | Field::Created
        | Field::Closed => unreachable!("{field:?} is optional, not in Field::DEFAULT"),
    };
    let mut definition = Map::new();
    definition.insert(kind.to_owned(), config);
    Spec {
        field,
        name: name.clone(),
        var,
        kind,
        definition: Value::Object(definition),
    }
}

/// The request-form schema of `specs`.
pub fn request_form<'a>(specs: impl IntoIterator<Item = &'a Spec>) -> Value {
    let map: Map<String, Value> = specs
        .into_iter()
        .map(|s| (s.name.clone(), s.definition.clone()))
        .collect();
    Value::Object(map)
}

/// An optional property's name and definition. `Parent` relates the database to itself, so it
/// needs the database (2022-06-28) or its data source (2025-09-03) and is added after the create.
pub fn optional(
    property: OptionalProperty,
    version: ApiVersion,
    database: Option<(&DatabaseId, Option<&DataSourceId>)>,
) -> Option<(&'static str, Value)> {
    let entry = match property {
        OptionalProperty::Milestone => ("Milestone", json!({"select": {"options": []}})),
        OptionalProperty::Reviewers => ("Reviewers", json!({"multi_select": {"options": []}})),
        OptionalProperty::Created => ("Created", json!({"date": {}})),
        OptionalProperty::Closed => ("Closed", json!({"date": {}})),
        OptionalProperty::IssueType => ("Issue type", json!({"select": {"options": []}})),
        OptionalProperty::Parent => {
            let (database, data_source) = database?;
            // 2025-09-03 relations point at a data source ("Upgrading to 2025-09-03": relation
            // `database_id` became `data_source_id`).
            let target = match (version.uses_data_sources(), data_source) {
                (true, Some(ds)) => json!({"data_source_id": ds, "single_property": {}}),
                _ => json!({"database_id": database, "single_property": {}}),
            };
            ("Parent", json!({ "relation": target }))
        }
    };
    Some(entry)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_schema_has_every_field_with_its_options() {
        let specs = product(&PropertyNames::default());
        assert_eq!(specs.len(), Field::DEFAULT.len());
        let form = request_form(&specs);
        assert_eq!(form["Name"], json!({"title": {}}));
        assert_eq!(form["Issue #"], json!({"number": {"format": "number"}}));
        let status: Vec<&str> = form["Status"]["select"]["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap())
            .collect();
        assert_eq!(status, ["Open", "Closed", "Draft", "Merged"]);
        assert_eq!(form["Type"]["select"]["options"][1]["name"], "Pull request");
        assert_eq!(form["Author"], json!({"rich_text": {}}));
    }

    #[test]
    fn renamed_properties_are_created_under_their_configured_names() {
        let names = PropertyNames {
            number: "Number".into(),
            ..PropertyNames::default()
        };
        let form = request_form(&product(&names));
        assert!(form.get("Number").is_some() && form.get("Issue #").is_none());
    }

    #[test]
    fn the_parent_relation_targets_the_data_source_under_2025() {
        let db = DatabaseId::new("d");
        let ds = DataSourceId::new("s");
        let (_, old) = optional(
            OptionalProperty::Parent,
            ApiVersion::V2022_06_28,
            Some((&db, None)),
        )
        .unwrap();
        assert_eq!(old["relation"]["database_id"], "d");
        let (_, new) = optional(
            OptionalProperty::Parent,
            ApiVersion::V2025_09_03,
            Some((&db, Some(&ds))),
        )
        .unwrap();
        assert_eq!(new["relation"]["data_source_id"], "s");
        assert!(optional(OptionalProperty::Parent, ApiVersion::V2022_06_28, None).is_none());
    }
}
