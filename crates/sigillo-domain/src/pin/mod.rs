//! PINs as the citizen types them: the 16-character first-access PIN delivered in two halves, and the
//! 8-character definitive PIN the citizen chooses. Only hashes are ever stored (see `sigillo-app`'s
//! hashing); here live the formats, their normalisation and the choice policy.

mod common;
mod first_access;
mod policy;

pub use common::{is_common, list_len as common_list_len};
pub use first_access::{ALPHABET, FirstAccessPin, HALF_LEN, PinHalf, normalize_first_access};
pub use policy::{DEFINITIVE_LEN, DefinitivePin, HISTORY_LEN, PinOwner, PinPolicyError, check_new_pin, normalize_definitive};

use serde::{Deserialize, Serialize};

/// Which format a credential's current PIN has; it decides how a typed PIN is normalised before
/// it is compared, and whether the citizen must choose a new one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PinKind {
    /// 16 characters from the PIN alphabet, two halves over two channels; good only for first access.
    FirstAccess,
    /// 8 letters and digits chosen by the citizen.
    Definitive,
    /// 16 characters from an older system: works until the next periodic change (SPEC 3).
    Legacy,
}

impl PinKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PinKind::FirstAccess => "first_access",
            PinKind::Definitive => "definitive",
            PinKind::Legacy => "legacy",
        }
    }

    pub fn parse(value: &str) -> Option<PinKind> {
        match value {
            "first_access" => Some(PinKind::FirstAccess),
            "definitive" => Some(PinKind::Definitive),
            "legacy" => Some(PinKind::Legacy),
            _ => None,
        }
    }

    /// The typed PIN in the canonical form its hash was made from. A PIN of the wrong shape still
    /// gives a string (it then simply fails to verify), so a wrong PIN costs the same time as a right one.
    pub fn normalize(self, typed: &str) -> String {
        match self {
            PinKind::FirstAccess => normalize_first_access(typed),
            PinKind::Definitive | PinKind::Legacy => normalize_definitive(typed),
        }
    }
}
