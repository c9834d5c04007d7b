//! The properties the syncer computes with Notion's help: `Parent`, a relation to the parent
//! issue's page, found by the parent's key (one extra key query, only when a delivery names a
//! parent and the database has the property). A parent without a page yet is left for a later
//! delivery, with a warning: a relation can only point at an existing page.

use super::properties::desired_properties;
use super::schema::Field;
use super::upsert::Syncer;
use crate::github::WorkItem;
use crate::notion::{self, Properties, PropertyValue};

impl Syncer<'_> {
    /// [`desired_properties`] plus `Parent` when the item says who its parent is.
    pub async fn properties_for(&self, item: &WorkItem) -> Result<Properties, notion::Error> {
        let mut properties = desired_properties(item, self.schema);
        let (Some(binding), Some(parent)) = (self.schema.get(Field::Parent), &item.parent) else {
            return Ok(properties);
        };
        let pages = match parent {
            None => Vec::new(),
            Some(key) => {
                let found = self.find(&key.repository, key.number).await?;
                let Some(page) = found.into_iter().next() else {
                    tracing::warn!(
                        parent = %format!("{}#{}", key.repository, key.number),
                        "the parent issue has no Notion page yet; Parent is left as it is"
                    );
                    return Ok(properties);
                };
                vec![page.id]
            }
        };
        properties.insert(binding.property.clone(), PropertyValue::Relation(pages));
        Ok(properties)
    }
}
