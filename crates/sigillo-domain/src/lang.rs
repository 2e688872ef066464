//! The two languages every citizen-facing text comes in.

use serde::{Deserialize, Serialize};

/// Italian is the default everywhere; English is a courtesy translation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    #[default]
    It,
    En,
}

impl Lang {
    /// Picks a language from a tag such as `en`, `en-GB` or `it`; anything else is Italian.
    pub fn from_tag(tag: &str) -> Lang {
        let primary = tag.split(['-', '_']).next().unwrap_or_default();
        if primary.eq_ignore_ascii_case("en") { Lang::En } else { Lang::It }
    }
}

/// A text that can be told to a citizen in either language.
pub trait Localized {
    fn message(&self, lang: Lang) -> String;
}
