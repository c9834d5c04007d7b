//! What `scheduled-sync` reads from its environment, checked once at start-up: a missing
//! `NOTION_DATABASE_ID` or `REPOSITORIES` (or an unusable value) is an init error naming the
//! variable.

use super::super::access::NotionSettings;
use crate::config::{self, ConfigError, Env};
pub use crate::config::{GITHUB_HOOK_REPOSITORY, REDELIVERY_LIMIT};

pub const DEFAULT_REDELIVERY_LIMIT: usize = 25;

/// The repository webhook whose failed deliveries are redelivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookTarget {
    pub repository: String,
    pub hook_id: u64,
}

#[derive(Debug, Clone)]
pub struct ScheduledSettings {
    pub notion: NotionSettings,
    pub repositories: Vec<String>,
    pub github_api_url: String,
    /// Set when `GITHUB_HOOK_ID` is.
    pub hook: Option<HookTarget>,
    pub redelivery_limit: usize,
}

impl ScheduledSettings {
    pub fn from_env(env: &impl Env) -> Result<Self, ConfigError> {
        let notion = NotionSettings::from_env(env)?;
        let repositories = config::repositories(env)?;
        let github_api_url = config::github_api_url(env)?;
        let hook_id: Option<u64> = config::parsed(
            env,
            config::GITHUB_HOOK_ID,
            "the webhook's numeric id (the last part of its settings URL)",
        )?;
        let hook_repository = match config::optional(env, GITHUB_HOOK_REPOSITORY) {
            Some(repo) if !config::is_repository_name(&repo) => {
                return Err(ConfigError::Invalid {
                    var: GITHUB_HOOK_REPOSITORY,
                    value_hint: "owner/name of the repository the webhook belongs to",
                    reason: format!("{repo:?} is not owner/name"),
                })
            }
            other => other,
        };
        if hook_repository.is_some() && hook_id.is_none() {
            tracing::warn!(
                "{GITHUB_HOOK_REPOSITORY} is set but {} is not: no redelivery",
                config::GITHUB_HOOK_ID
            );
        }
        let hook = hook_id.map(|hook_id| HookTarget {
            repository: hook_repository.unwrap_or_else(|| repositories[0].clone()),
            hook_id,
        });
        let redelivery_limit = config::parsed(
            env,
            REDELIVERY_LIMIT,
            "a whole number of redeliveries per run, e.g. 25",
        )?
        .unwrap_or(DEFAULT_REDELIVERY_LIMIT);
        Ok(Self {
            notion,
            repositories,
            github_api_url,
            hook,
            redelivery_limit,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::map_env;

    const BASE: [(&str, &str); 2] = [
        ("NOTION_DATABASE_ID", "db1"),
        ("REPOSITORIES", "octo/api, octo/web"),
    ];

    fn settings(extra: &[(&str, &str)]) -> Result<ScheduledSettings, ConfigError> {
        let mut pairs = BASE.to_vec();
        pairs.extend_from_slice(extra);
        ScheduledSettings::from_env(&map_env(&pairs))
    }

    #[test]
    fn missing_required_variables_are_named() {
        let no_repos = ScheduledSettings::from_env(&map_env(&[("NOTION_DATABASE_ID", "d")]));
        assert_eq!(
            no_repos.unwrap_err(),
            ConfigError::Missing {
                var: "REPOSITORIES"
            }
        );
        let no_db = ScheduledSettings::from_env(&map_env(&[("REPOSITORIES", "o/r")]));
        assert_eq!(
            no_db.unwrap_err(),
            ConfigError::Missing {
                var: "NOTION_DATABASE_ID"
            }
        );
    }

    #[test]
    fn the_hook_belongs_to_the_first_repository_unless_named() {
        let first = settings(&[("GITHUB_HOOK_ID", "42")]).unwrap();
        assert_eq!(
            first.hook,
            Some(HookTarget {
                repository: "octo/api".into(),
                hook_id: 42
            })
        );
        let named = settings(&[
            ("GITHUB_HOOK_ID", "42"),
            ("GITHUB_HOOK_REPOSITORY", "octo/hooks"),
        ])
        .unwrap();
        assert_eq!(named.hook.unwrap().repository, "octo/hooks");
    }

    #[test]
    fn without_a_hook_id_there_is_no_redelivery() {
        let s = settings(&[("GITHUB_HOOK_REPOSITORY", "octo/hooks")]).unwrap();
        assert_eq!(s.hook, None);
        assert_eq!(s.redelivery_limit, DEFAULT_REDELIVERY_LIMIT);
        assert_eq!(s.github_api_url, "https://api.github.com");
    }

    #[test]
    fn unusable_values_are_errors_naming_the_variable() {
        for (var, value) in [
            ("GITHUB_HOOK_ID", "abc"),
            ("GITHUB_HOOK_REPOSITORY", "not-a-repo"),
            ("REDELIVERY_LIMIT", "-1"),
            ("GITHUB_API_URL", "ftp://example.com"),
        ] {
            let err = settings(&[("GITHUB_HOOK_ID", "1"), (var, value)]).unwrap_err();
            assert!(err.to_string().contains(var), "{var}: {err}");
        }
    }
}
