//! Notion's data as typed values: ids, rich text, property values and schemas, and the objects
//! the API returns (pages, databases, data sources, lists).

mod ids;
mod objects;
mod property;
mod rich_text;

pub use ids::{BlockId, DataSourceId, DatabaseId, PageId};
pub use objects::{
    DataSource, DataSourceRef, Database, OAuthToken, Page, PageList, Parent, SearchFilter,
    SearchResult, SearchResults,
};
pub use property::{
    option_name, DateValue, Properties, PropertySchema, PropertyType, PropertyValue,
    MAX_OPTION_UNITS,
};
pub use rich_text::{
    normalize_rich_text, plain_text, split_items, split_utf16, text_items, utf16_len,
    write_rich_text, Annotations, RichText, MAX_ARRAY_ITEMS, MAX_TEXT_UNITS,
};

pub(crate) use property::number_json;
