//! `GET /v1/users/me`: the bot user of the token (Notion's "Retrieve your token's bot user",
//! https://developers.notion.com/reference/get-self — an internal integration's bot is owned by
//! the workspace and names it).

use serde_json::json;

use super::errors::ApiResult;
use super::state::State;

/// The integration's display name in the emulated workspace.
pub const BOT_NAME: &str = "Notion Relay (emulator)";

pub fn me(st: &State) -> ApiResult {
    Ok(json!({
        "object": "user",
        "id": st.settings.bot_user_id,
        "name": BOT_NAME,
        "avatar_url": null,
        "type": "bot",
        "bot": {
            "owner": {"type": "workspace", "workspace": true},
            "workspace_name": st.settings.workspace_name,
        },
    }))
}
