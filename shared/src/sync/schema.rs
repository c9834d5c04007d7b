//! Binds the fields we sync to the properties the database really has, once per container.
//!
//! Users build their own databases: a property may be missing, renamed (see
//! [`PropertyNames`]) or of another type than our default (a `rich_text` Repository, say). We
//! write each field as the type the database declares when that type can hold it, skip the rest
//! with one warning, and refuse to start only when the title or the key number is unusable.

use crate::config::PropertyNames;
use crate::notion::{Database, PropertyType};

/// A field of an issue or pull request that the sync can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Name,
    Number,
    Status,
    Labels,
    Url,
    Repository,
    Type,
    Updated,
    Assignees,
    Author,
    Comments,
    Milestone,
    IssueType,
    Parent,
    Reviewers,
    Created,
    Closed,
}

impl Field {
    /// Every field: the [`Field::DEFAULT`] ones first, then those written only when the
    /// database has them.
    pub const ALL: [Field; 17] = [
        Field::Name,
        Field::Number,
        Field::Status,
        Field::Labels,
        Field::Url,
        Field::Repository,
        Field::Type,
        Field::Updated,
        Field::Assignees,
        Field::Author,
        Field::Comments,
        Field::Milestone,
        Field::IssueType,
        Field::Parent,
        Field::Reviewers,
        Field::Created,
        Field::Closed,
    ];

    /// The fields written by default (PRODUCT.md's table), the first eleven of [`Field::ALL`]: a
    /// database that lacks one is warned about once.
    pub const DEFAULT: [Field; 11] = *Self::ALL.first_chunk().unwrap();

    /// Whether the field is written only when the database has it (no warning when it lacks it).
    pub fn is_optional(self) -> bool {
        !Self::DEFAULT.contains(&self)
    }

    fn property_name(self, names: &PropertyNames) -> &str {
        match self {
            Field::Name => &names.name,
            Field::Number => &names.number,
            Field::Status => &names.status,
            Field::Labels => &names.labels,
            Field::Url => &names.url,
            Field::Repository => &names.repository,
            Field::Type => &names.kind,
            Field::Updated => &names.updated,
            Field::Assignees => &names.assignees,
            Field::Author => &names.author,
            Field::Comments => &names.comments,
            Field::Milestone => &names.milestone,
            Field::IssueType => &names.issue_type,
            Field::Parent => &names.parent,
            Field::Reviewers => &names.reviewers,
            Field::Created => &names.created,
            Field::Closed => &names.closed,
        }
    }

    /// The property types that can hold this field, our default first.
    fn accepted_types(self) -> &'static [PropertyType] {
        use PropertyType::*;
        match self {
            Field::Name => &[Title],
            Field::Number | Field::Comments => &[Number],
            Field::Status | Field::Type => &[Select, Status, RichText],
            Field::Repository | Field::Author => &[Select, RichText],
            Field::Labels | Field::Assignees => &[MultiSelect, RichText],
            Field::Url => &[Url, RichText],
            Field::Updated | Field::Created | Field::Closed => &[Date],
            Field::Milestone | Field::IssueType => &[Select, RichText],
            Field::Reviewers => &[MultiSelect, RichText],
            Field::Parent => &[Relation],
        }
    }
}

/// A field bound to a database property.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binding {
    pub field: Field,
    pub property: String,
    pub kind: PropertyType,
}

/// The database's usable properties, by field.
#[derive(Debug, Clone, PartialEq)]
pub struct BoundSchema {
    bindings: Vec<Binding>,
    /// One line per field we will not write, for the start-up warning.
    pub skipped: Vec<String>,
}

/// A database the sync cannot write to; the message names the property and the fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SchemaError {
    #[error("the Notion database has no {kind} property named {property:?}: add it, or set {var} to the name of the database's {kind} property")]
    Missing {
        property: String,
        kind: &'static str,
        var: &'static str,
    },
    #[error("the Notion property {property:?} is a {found} property; it must be {kind} (change it in Notion, or point {var} at another property)")]
    WrongType {
        property: String,
        found: String,
        kind: &'static str,
        var: &'static str,
    },
}

impl BoundSchema {
    /// Binds every field; fails only when the title or the number key cannot be written.
    pub fn bind(database: &Database, names: &PropertyNames) -> Result<Self, SchemaError> {
        let mut bindings = Vec::new();
        let mut skipped = Vec::new();
        for field in Field::ALL {
            let name = field.property_name(names);
            let accepted = field.accepted_types();
            let required = match field {
                Field::Name => Some(("a title", crate::config::PROPERTY_NAME)),
                Field::Number => Some(("a number", crate::config::PROPERTY_NUMBER)),
                _ => None,
            };
            match database.property(name) {
                Some(schema) if accepted.contains(&schema.kind) => bindings.push(Binding {
                    field,
                    property: name.to_owned(),
                    kind: schema.kind.clone(),
                }),
                Some(schema) => {
                    if let Some((kind, var)) = required {
                        return Err(SchemaError::WrongType {
                            property: name.to_owned(),
                            found: schema.kind.as_str().to_owned(),
                            kind,
                            var,
                        });
                    }
                    skipped.push(format!(
                        "{name:?} is {}, expected one of {}",
                        schema.kind.as_str(),
                        type_list(accepted)
                    ));
                }
                None => {
                    if let Some((kind, var)) = required {
                        return Err(SchemaError::Missing {
                            property: name.to_owned(),
                            kind,
                            var,
                        });
                    }
                    if !field.is_optional() {
                        skipped.push(format!("{name:?} does not exist"));
                    }
                }
            }
        }
        Ok(Self { bindings, skipped })
    }

    pub fn get(&self, field: Field) -> Option<&Binding> {
        self.bindings.iter().find(|b| b.field == field)
    }

    pub fn bindings(&self) -> &[Binding] {
        &self.bindings
    }

    /// The title property (always bound).
    pub fn title(&self) -> &str {
        self.get(Field::Name).map_or("", |b| b.property.as_str())
    }

    /// The number key property (always bound).
    pub fn number(&self) -> &str {
        self.get(Field::Number).map_or("", |b| b.property.as_str())
    }

    /// Logs the fields that will not be written, once.
    pub fn warn_skipped(&self) {
        if !self.skipped.is_empty() {
            tracing::warn!(
                skipped = %self.skipped.join("; "),
                "some properties are not in the Notion database (or have a type we cannot write) and will not be synced"
            );
        }
    }
}

fn type_list(types: &[PropertyType]) -> String {
    types
        .iter()
        .map(PropertyType::as_str)
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sync::fixtures::{database, PRODUCT_COLUMNS};

    #[test]
    fn the_product_schema_binds_every_field() {
        let schema = BoundSchema::bind(&database(PRODUCT_COLUMNS), &PropertyNames::default())
            .expect("binds");
        assert_eq!(schema.bindings().len(), Field::ALL.len());
        assert!(schema.skipped.is_empty());
        assert_eq!(schema.title(), "Name");
        assert_eq!(schema.number(), "Issue #");
    }

    #[test]
    fn missing_optional_properties_are_skipped_not_fatal() {
        let db = database("Name, Issue #, Labels: checkbox");
        let schema = BoundSchema::bind(&db, &PropertyNames::default()).expect("binds");
        assert_eq!(schema.bindings().len(), 2);
        assert!(schema.get(Field::Labels).is_none());
        assert!(schema
            .skipped
            .iter()
            .any(|s| s.contains("\"Labels\" is checkbox")));
        assert!(schema
            .skipped
            .iter()
            .any(|s| s.contains("\"Status\" does not exist")));
    }

    #[test]
    fn a_missing_title_or_key_is_an_error_naming_it_and_the_variable() {
        let no_key = database("Name");
        let err = BoundSchema::bind(&no_key, &PropertyNames::default()).unwrap_err();
        let message = err.to_string();
        assert!(message.contains("\"Issue #\"") && message.contains("PROPERTY_NUMBER"));

        let no_title = database("Issue #");
        let err = BoundSchema::bind(&no_title, &PropertyNames::default()).unwrap_err();
        assert!(err.to_string().contains("PROPERTY_NAME"));
    }

    #[test]
    fn a_key_of_the_wrong_type_is_an_error() {
        let db = database("Name, Issue #: rich_text");
        let err = BoundSchema::bind(&db, &PropertyNames::default()).unwrap_err();
        assert!(matches!(err, SchemaError::WrongType { .. }));
    }

    #[test]
    fn renamed_properties_follow_the_configured_names() {
        let db = database("Title: title, Number: number, Repo: rich_text");
        let names = PropertyNames {
            name: "Title".into(),
            number: "Number".into(),
            repository: "Repo".into(),
            ..PropertyNames::default()
        };
        let schema = BoundSchema::bind(&db, &names).expect("binds");
        let repo = schema.get(Field::Repository).expect("repository bound");
        assert_eq!(repo.kind, PropertyType::RichText);
    }
}
