//! Notion object ids as newtypes, so a page id cannot be passed where a database id is meant.
//!
//! Notion accepts ids with or without dashes; a 32-hex-digit id (dashed or not) is normalised to the
//! lowercase dashed form Notion returns, so ids compare equal however a user typed them. Anything
//! else (an emulator's ids, say) is kept verbatim.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize};

/// Lowercase dashed 8-4-4-4-12 form of a 32-hex-digit id; other input unchanged.
fn normalize(raw: &str) -> String {
    let raw = raw.trim();
    let hex: String = raw.chars().filter(|c| *c != '-').collect();
    let dashes_ok = raw.len() == 32 || (raw.len() == 36 && is_dashed_uuid(raw));
    if hex.len() == 32 && dashes_ok && hex.chars().all(|c| c.is_ascii_hexdigit()) {
        let h = hex.to_ascii_lowercase();
        format!(
            "{}-{}-{}-{}-{}",
            &h[0..8],
            &h[8..12],
            &h[12..16],
            &h[16..20],
            &h[20..32]
        )
    } else {
        raw.to_owned()
    }
}

fn is_dashed_uuid(s: &str) -> bool {
    s.char_indices()
        .all(|(i, c)| matches!(i, 8 | 13 | 18 | 23) == (c == '-'))
}

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Accepts a dashed or undashed id (see the module doc).
            pub fn new(id: impl AsRef<str>) -> Self {
                Self(normalize(id.as_ref()))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = std::convert::Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::new(s))
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self::new(s)
            }
        }

        impl From<String> for $name {
            fn from(s: String) -> Self {
                Self::new(s)
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                String::deserialize(d).map(Self::new)
            }
        }
    };
}

id_type!(
    /// A database (the container; under 2025-09-03 it holds one or more data sources).
    DatabaseId
);
id_type!(
    /// A page, including a database row.
    PageId
);
id_type!(
    /// A block; a page id is also a block id (its content's parent).
    BlockId
);
id_type!(
    /// A data source (Notion-Version 2025-09-03): the table a database shows.
    DataSourceId
);

impl From<PageId> for BlockId {
    fn from(p: PageId) -> Self {
        BlockId(p.0)
    }
}

impl From<&PageId> for BlockId {
    fn from(p: &PageId) -> Self {
        BlockId(p.0.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undashed_and_dashed_ids_are_equal() {
        let a = DatabaseId::new("16CABC1EEDCD8162_9ab8".replace('_', "") + "c71fc1e7ee93");
        let b = DatabaseId::new("16cabc1e-edcd-8162-9ab8-c71fc1e7ee93");
        assert_eq!(a, b);
        assert_eq!(a.to_string(), "16cabc1e-edcd-8162-9ab8-c71fc1e7ee93");
    }

    #[test]
    fn non_uuid_ids_are_kept_verbatim() {
        assert_eq!(PageId::new("page-1").as_str(), "page-1");
        assert_eq!(
            PageId::new("16cabc1e-edcd-8162-9ab8c71fc1e7ee93-x").as_str(),
            "16cabc1e-edcd-8162-9ab8c71fc1e7ee93-x"
        );
    }

    #[test]
    fn ids_deserialize_normalised_and_serialize_as_strings() {
        let id: PageId = serde_json::from_str("\"16cabc1eedcd811aa03bc3f770e7caa8\"").unwrap();
        assert_eq!(id.as_str(), "16cabc1e-edcd-811a-a03b-c3f770e7caa8");
        assert_eq!(
            serde_json::to_string(&id).unwrap(),
            "\"16cabc1e-edcd-811a-a03b-c3f770e7caa8\""
        );
    }
}
