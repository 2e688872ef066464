//! Messages to citizens, written to the outbox in the same transaction as the change that needs
//! them, and delivered afterwards by a worker (SPEC 6). A half-PIN, link or code lives in the
//! outbox in plaintext only until its message is delivered; then the store wipes it.

use std::fmt;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::fiscal_code::FiscalCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Channel {
    Sms,
    Email,
    Pec,
    Letter,
}

impl Channel {
    pub const ALL: [Channel; 4] = [Channel::Sms, Channel::Email, Channel::Pec, Channel::Letter];

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Sms => "sms",
            Channel::Email => "email",
            Channel::Pec => "pec",
            Channel::Letter => "letter",
        }
    }

    pub fn parse(value: &str) -> Option<Channel> {
        Channel::ALL.into_iter().find(|c| c.as_str() == value)
    }
}

impl fmt::Display for Channel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a message is about (the `kind` of a demo-mailbox file: a fixed contract).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    PinFirstHalf,
    PinSecondHalf,
    RecoveryLink,
    ContactVerification,
    UpgradeOutcome,
    PinExpiryNotice,
    SunsetNotice,
}

impl MessageKind {
    pub const ALL: [MessageKind; 7] = [
        MessageKind::PinFirstHalf,
        MessageKind::PinSecondHalf,
        MessageKind::RecoveryLink,
        MessageKind::ContactVerification,
        MessageKind::UpgradeOutcome,
        MessageKind::PinExpiryNotice,
        MessageKind::SunsetNotice,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            MessageKind::PinFirstHalf => "pin_first_half",
            MessageKind::PinSecondHalf => "pin_second_half",
            MessageKind::RecoveryLink => "recovery_link",
            MessageKind::ContactVerification => "contact_verification",
            MessageKind::UpgradeOutcome => "upgrade_outcome",
            MessageKind::PinExpiryNotice => "pin_expiry_notice",
            MessageKind::SunsetNotice => "sunset_notice",
        }
    }

    pub fn parse(value: &str) -> Option<MessageKind> {
        MessageKind::ALL.into_iter().find(|k| k.as_str() == value)
    }
}

/// A postal address as printed in a letter's window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostalAddress {
    pub name: String,
    pub lines: Vec<String>,
}

/// One message to one recipient. `Debug` hides the secrets.
#[derive(Clone, PartialEq, Eq)]
pub struct OutboundMessage {
    pub id: Uuid,
    pub channel: Channel,
    pub kind: MessageKind,
    /// Phone number, e-mail address, or for a letter the recipient's name.
    pub recipient: String,
    pub fiscal_code: FiscalCode,
    pub subject: Option<String>,
    pub body: String,
    pub pin_half: Option<String>,
    pub link: Option<String>,
    pub code: Option<String>,
    /// Letters only.
    pub postal_address: Option<PostalAddress>,
    pub created_at: OffsetDateTime,
}

impl fmt::Debug for OutboundMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "********");
        f.debug_struct("OutboundMessage")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("kind", &self.kind)
            .field("fiscal_code", &self.fiscal_code)
            .field("pin_half", &hidden(&self.pin_half))
            .field("link", &hidden(&self.link))
            .field("code", &hidden(&self.code))
            .field("created_at", &self.created_at)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    /// Gave up after too many attempts: waits for an operator.
    Parked,
    /// Withdrawn before delivery (a letter made useless by fast activation).
    Cancelled,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Parked => "parked",
            DeliveryStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(value: &str) -> Option<DeliveryStatus> {
        [DeliveryStatus::Pending, DeliveryStatus::Delivered, DeliveryStatus::Parked, DeliveryStatus::Cancelled]
            .into_iter()
            .find(|s| s.as_str() == value)
    }
}

/// A message as the worker sees it after claiming it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMessage {
    pub message: OutboundMessage,
    pub status: DeliveryStatus,
    /// Failed attempts so far.
    pub attempts: u32,
    pub next_attempt_at: OffsetDateTime,
}

/// A message the worker gave up on, as an administrator sees it (never its secrets or text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParkedMessage {
    pub id: Uuid,
    pub channel: Channel,
    pub kind: MessageKind,
    pub recipient: String,
    pub fiscal_code: FiscalCode,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: OffsetDateTime,
}

/// A print batch of letters at a glance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintBatchSummary {
    pub batch: String,
    pub letters: u64,
    pub claimed_at: OffsetDateTime,
    /// The batch's PDF was confirmed written: its letters no longer hold their halves.
    pub confirmed: bool,
}

/// The outbox at a glance, for metrics and operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct OutboxStats {
    pub pending: u64,
    pub parked: u64,
    pub oldest_pending_at: Option<OffsetDateTime>,
}

/// Retry schedule: 10 s, 20 s, 40 s … at most 1 h; parked after [`MAX_ATTEMPTS`] failures.
pub const MAX_ATTEMPTS: u32 = 10;

pub fn retry_delay(attempts: u32) -> std::time::Duration {
    let secs = 10u64.saturating_mul(1 << attempts.min(12).saturating_sub(1));
    std::time::Duration::from_secs(secs.min(3600))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for c in Channel::ALL {
            assert_eq!(Channel::parse(c.as_str()), Some(c));
        }
        for k in MessageKind::ALL {
            assert_eq!(MessageKind::parse(k.as_str()), Some(k));
        }
    }

    #[test]
    fn back_off_grows_and_is_capped() {
        assert_eq!(retry_delay(1).as_secs(), 10);
        assert_eq!(retry_delay(2).as_secs(), 20);
        assert_eq!(retry_delay(3).as_secs(), 40);
        assert_eq!(retry_delay(20).as_secs(), 3600);
    }
}
