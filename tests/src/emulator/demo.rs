//! The demo workspace `notion-emulator --demo` serves: the "GitHub Issues" database under a
//! "Notion Relay" page, with FIXED ids and token — the ones `scripts/gen_events.py` writes into
//! `events/env.json` — so `cargo lambda invoke` / `sam local invoke` with the samples work
//! against it without edits.

use super::admin::{self, ProvisionedDatabase};
use super::errors::ApiError;
use super::ids;
use super::state::{Parent, State};

/// `NOTION_TOKEN` in events/env.json.
pub const DEMO_TOKEN: &str = "secret_dev_token";
/// `NOTION_DATABASE_ID` in events/env.json.
pub const DEMO_DATABASE_ID: &str = "0123456789abcdef0123456789abcdef";
/// `NOTION_DIGEST_PARENT_ID` in events/env.json: the page the database lives under.
pub const DEMO_PAGE_ID: &str = "0123456789abcdef0123456789abcdee";
/// `NOTION_API_URL` in events/env.json is `http://127.0.0.1:<this>`.
pub const DEMO_PORT: u16 = 8787;

/// Creates the demo page and database and gives them the fixed ids.
pub fn create(st: &mut State) -> Result<ProvisionedDatabase, ApiError> {
    let page_id = ids::normalize(DEMO_PAGE_ID).unwrap_or_default();
    let database_id = ids::normalize(DEMO_DATABASE_ID).unwrap_or_default();
    if st.databases.contains_key(&database_id) {
        return Err(ApiError::validation("the demo database exists already"));
    }
    let generated_page = admin::create_root_page(st, "Notion Relay");
    if let Some(mut page) = st.pages.remove(&generated_page) {
        page.id = page_id.clone();
        st.pages.insert(page_id.clone(), page);
    }
    let provisioned =
        admin::create_database(st, &page_id, "GitHub Issues", &admin::demo_properties())?;
    // Re-key the new database: nothing refers to it yet but its data source and its parent page.
    if let Some(mut db) = st.databases.remove(&provisioned.database_id) {
        db.id = database_id.clone();
        db.parent = Parent::Page(page_id.clone());
        st.databases.insert(database_id.clone(), db);
    }
    if let Some(ds) = st.data_sources.get_mut(&provisioned.data_source_id) {
        ds.database_id = database_id.clone();
    }
    if let Some(children) = st.children.get_mut(&page_id) {
        for child in children.iter_mut() {
            if *child == provisioned.database_id {
                *child = database_id.clone();
            }
        }
    }
    Ok(ProvisionedDatabase {
        database_id,
        data_source_id: provisioned.data_source_id,
    })
}
