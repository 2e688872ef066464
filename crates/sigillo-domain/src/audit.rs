//! The audit log: one entry per state transition and per operator action, append-only and
//! hash-chained. Each entry's hash covers its own fields and the previous entry's hash, so
//! changing, inserting or deleting an entry breaks every hash after it.
//!
//! Entries never hold a PIN, half, token, link or code: only who, what, when, from where.

use std::collections::BTreeMap;
use std::fmt::Write;

use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::fiscal_code::FiscalCode;

/// What an administrator searches the audit log for; every set field must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub fiscal_code: Option<FiscalCode>,
    /// The whole actor, as stored: `citizen`, `system` or `operator:<username>`.
    pub actor: Option<String>,
    pub event: Option<String>,
    /// From this moment on (inclusive).
    pub from: Option<OffsetDateTime>,
    /// Before this moment (exclusive).
    pub to: Option<OffsetDateTime>,
    /// Only entries older than this one (paging backwards).
    pub before_seq: Option<i64>,
}

/// The hash the first entry chains to.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    /// The citizen, identified by fiscal code (or by the data they typed, for public endpoints).
    Citizen,
    Operator(String),
    /// Sigillo itself (the delivery worker, expiry sweeps, the sunset).
    System,
}

impl Actor {
    pub fn as_string(&self) -> String {
        match self {
            Actor::Citizen => "citizen".to_owned(),
            Actor::Operator(name) => format!("operator:{name}"),
            Actor::System => "system".to_owned(),
        }
    }

    pub fn parse(value: &str) -> Actor {
        match value {
            "citizen" => Actor::Citizen,
            "system" => Actor::System,
            other => Actor::Operator(other.strip_prefix("operator:").unwrap_or(other).to_owned()),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEvent {
    /// Microsecond precision: what both backends store exactly.
    pub at: OffsetDateTime,
    pub actor: Actor,
    /// A stable name, e.g. `pin_requested`, `login_succeeded`, `credential_locked`.
    pub event: String,
    pub fiscal_code: Option<FiscalCode>,
    pub credential_id: Option<Uuid>,
    pub client_ip: Option<String>,
    /// Small facts (from state, to state, channel…). Never a secret.
    pub details: BTreeMap<String, String>,
}

impl AuditEvent {
    pub fn new(at: OffsetDateTime, actor: Actor, event: &str) -> AuditEvent {
        AuditEvent {
            at,
            actor,
            event: event.to_owned(),
            fiscal_code: None,
            credential_id: None,
            client_ip: None,
            details: BTreeMap::new(),
        }
    }

    pub fn fiscal_code(mut self, code: &FiscalCode) -> Self {
        self.fiscal_code = Some(*code);
        self
    }

    pub fn credential(mut self, id: Uuid) -> Self {
        self.credential_id = Some(id);
        self
    }

    pub fn client_ip(mut self, ip: Option<&str>) -> Self {
        self.client_ip = ip.map(str::to_owned);
        self
    }

    pub fn detail(mut self, key: &str, value: impl Into<String>) -> Self {
        self.details.insert(key.to_owned(), value.into());
        self
    }

    /// The details as the canonical JSON the hash covers (keys sorted).
    pub fn details_json(&self) -> String {
        let mut out = String::from("{");
        for (i, (key, value)) in self.details.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            json_string(&mut out, key);
            out.push(':');
            json_string(&mut out, value);
        }
        out.push('}');
        out
    }
}

/// Parses what [`AuditEvent::details_json`] wrote.
pub fn parse_details(json: &str) -> Option<BTreeMap<String, String>> {
    serde_json::from_str(json).ok()
}

fn json_string(out: &mut String, value: &str) {
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if u32::from(c) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// An entry as stored: its place in the chain and its hashes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredAuditEvent {
    pub seq: i64,
    pub event: AuditEvent,
    pub prev_hash: String,
    pub hash: String,
}

/// The hash of entry `seq` holding `event`, chained to `prev_hash`.
pub fn chain_hash(seq: i64, event: &AuditEvent, prev_hash: &str) -> String {
    let micros = event.at.unix_timestamp_nanos() / 1000;
    let fields = [
        seq.to_string(),
        micros.to_string(),
        event.actor.as_string(),
        event.event.clone(),
        event.fiscal_code.as_ref().map(ToString::to_string).unwrap_or_default(),
        event.credential_id.map(|id| id.to_string()).unwrap_or_default(),
        event.client_ip.clone().unwrap_or_default(),
        event.details_json(),
        prev_hash.to_owned(),
    ];
    let mut hasher = Sha256::new();
    for field in fields {
        // Length-prefixed, so no two different field lists hash the same bytes.
        hasher.update((field.len() as u64).to_be_bytes());
        hasher.update(field.as_bytes());
    }
    let mut hex = String::with_capacity(64);
    for byte in hasher.finalize() {
        let _ = write!(hex, "{byte:02x}");
    }
    hex
}

/// Where a chain check stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChainBreak {
    /// The entry's own hash does not match its fields.
    Tampered { seq: i64 },
    /// The entry does not chain to the one before it (an entry was removed or reordered).
    Unlinked { seq: i64 },
}

/// Checks entries in order, continuing from `prev` (the last good entry's seq and hash).
pub fn verify_chain<'a>(
    entries: impl IntoIterator<Item = &'a StoredAuditEvent>,
    prev: &mut (i64, String),
) -> Result<u64, ChainBreak> {
    let mut checked = 0;
    for entry in entries {
        if entry.seq != prev.0 + 1 || entry.prev_hash != prev.1 {
            return Err(ChainBreak::Unlinked { seq: entry.seq });
        }
        if chain_hash(entry.seq, &entry.event, &entry.prev_hash) != entry.hash {
            return Err(ChainBreak::Tampered { seq: entry.seq });
        }
        *prev = (entry.seq, entry.hash.clone());
        checked += 1;
    }
    Ok(checked)
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn chain(n: i64) -> Vec<StoredAuditEvent> {
        let mut prev = GENESIS_HASH.to_owned();
        (1..=n)
            .map(|seq| {
                let event = AuditEvent::new(datetime!(2026-01-01 0:00 UTC), Actor::System, "x").detail("n", seq.to_string());
                let hash = chain_hash(seq, &event, &prev);
                let stored = StoredAuditEvent { seq, event, prev_hash: prev.clone(), hash: hash.clone() };
                prev = hash;
                stored
            })
            .collect()
    }

    #[test]
    fn an_intact_chain_verifies() {
        let entries = chain(5);
        assert_eq!(verify_chain(&entries, &mut (0, GENESIS_HASH.to_owned())), Ok(5));
    }

    #[test]
    fn a_changed_entry_is_named() {
        let mut entries = chain(5);
        entries[2].event.event = "y".into();
        assert_eq!(verify_chain(&entries, &mut (0, GENESIS_HASH.to_owned())), Err(ChainBreak::Tampered { seq: 3 }));
    }

    #[test]
    fn a_removed_entry_is_named() {
        let mut entries = chain(5);
        entries.remove(1);
        assert_eq!(verify_chain(&entries, &mut (0, GENESIS_HASH.to_owned())), Err(ChainBreak::Unlinked { seq: 3 }));
    }

    #[test]
    fn details_are_canonical_json() {
        let e = AuditEvent::new(datetime!(2026-01-01 0:00 UTC), Actor::Citizen, "x").detail("b", "\"q\"").detail("a", "1");
        assert_eq!(e.details_json(), r#"{"a":"1","b":"\"q\""}"#);
        assert_eq!(parse_details(&e.details_json()), Some(e.details.clone()));
    }
}
