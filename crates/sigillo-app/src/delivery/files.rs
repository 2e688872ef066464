//! The demo mailbox (`SIGILLO_DELIVERY=files`, API.md "Demo mailbox"): every delivered message is
//! `mailbox/<channel>/<message id>.json` under the data folder, and a letter also
//! `<message id>.pdf`, written atomically and idempotently (see the parent module on exactly once).

use std::cmp::Reverse;
use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use sigillo_domain::outbox::{Channel, MessageKind, OutboundMessage, PostalAddress};
use time::{OffsetDateTime, UtcOffset};
use uuid::Uuid;

use super::{DeliveryError, Sink};

/// Writes messages as files under `<data dir>/mailbox`.
#[derive(Debug, Clone)]
pub struct FilesSink {
    root: PathBuf,
}

impl FilesSink {
    /// A sink writing under `data_dir/mailbox` (folders are created on first delivery).
    pub fn new(data_dir: impl AsRef<Path>) -> FilesSink {
        FilesSink { root: data_dir.as_ref().join("mailbox") }
    }

    /// The mailbox folder, `data_dir/mailbox`.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Every message in the mailbox, newest first (see [`list_mailbox`]).
    pub fn list(&self) -> Vec<MailboxEntry> {
        list_mailbox(&self.root)
    }

    /// Writes one message, blocking: the letter's PDF first, then the JSON, each atomically.
    /// Writing the same message again leaves the same files with the same bytes.
    pub fn write(&self, message: &OutboundMessage) -> Result<(), DeliveryError> {
        let entry = MailboxEntry::from_message(message);
        // Render before touching the disk: an undeliverable letter leaves nothing behind.
        let pdf = match message.channel {
            Channel::Letter => Some(letter_pdf(message)?),
            _ => None,
        };
        let mut json = serde_json::to_vec_pretty(&entry).map_err(io::Error::other)?;
        json.push(b'\n');

        let dir = self.root.join(message.channel.as_str());
        create_private_dir(&dir)?;
        if let Some(pdf) = pdf {
            write_atomically(&dir, &format!("{}.pdf", message.id), &pdf)?;
        }
        write_atomically(&dir, &format!("{}.json", message.id), &json)?;
        Ok(())
    }
}

#[async_trait]
impl Sink for FilesSink {
    async fn deliver(&self, message: &OutboundMessage) -> Result<(), DeliveryError> {
        let sink = self.clone();
        let message = message.clone();
        tokio::task::spawn_blocking(move || sink.write(&message))
            .await
            .map_err(|_| DeliveryError::Io(io::Error::other("the mailbox writer task failed")))?
    }
}

/// One message file of the demo mailbox, exactly the API.md shape: `id, channel, to, fiscal_code,
/// kind, subject, body, pin_half, link, code, created_at` (absent values as `null`), plus
/// `postal_address: {name, lines}` for a letter. `Debug` hides the secrets.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MailboxEntry {
    pub id: Uuid,
    pub channel: Channel,
    /// Phone number, e-mail address, or for a letter the recipient's name.
    pub to: String,
    pub fiscal_code: String,
    pub kind: MessageKind,
    pub subject: Option<String>,
    pub body: String,
    pub pin_half: Option<String>,
    pub link: Option<String>,
    pub code: Option<String>,
    /// RFC 3339 in UTC with `Z`, to the second.
    #[serde(with = "utc_seconds")]
    pub created_at: OffsetDateTime,
    /// Letters only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_address: Option<PostalAddress>,
    /// The letter's PDF beside the JSON, when there is one (filled in by [`list_mailbox`]; not in
    /// the file).
    #[serde(skip)]
    pub pdf: Option<PathBuf>,
}

impl MailboxEntry {
    fn from_message(message: &OutboundMessage) -> MailboxEntry {
        MailboxEntry {
            id: message.id,
            channel: message.channel,
            to: message.recipient.clone(),
            fiscal_code: message.fiscal_code.as_str().to_owned(),
            kind: message.kind,
            subject: message.subject.clone(),
            body: message.body.clone(),
            pin_half: message.pin_half.clone(),
            link: message.link.clone(),
            code: message.code.clone(),
            created_at: message.created_at,
            postal_address: match message.channel {
                Channel::Letter => message.postal_address.clone(),
                _ => None,
            },
            pdf: None,
        }
    }
}

impl std::fmt::Debug for MailboxEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let hidden = |v: &Option<String>| v.as_ref().map(|_| "********");
        f.debug_struct("MailboxEntry")
            .field("id", &self.id)
            .field("channel", &self.channel)
            .field("kind", &self.kind)
            .field("fiscal_code", &self.fiscal_code)
            .field("pin_half", &hidden(&self.pin_half))
            .field("link", &hidden(&self.link))
            .field("code", &hidden(&self.code))
            .field("created_at", &self.created_at)
            .field("pdf", &self.pdf)
            .finish_non_exhaustive()
    }
}

/// Reads back the mailbox under `root` (the `mailbox` folder, see [`FilesSink::root`]), newest
/// first. Files that cannot be read or parsed, and leftover temporary files, are skipped.
pub fn list_mailbox(root: &Path) -> Vec<MailboxEntry> {
    let mut found: Vec<(MailboxEntry, Option<SystemTime>)> = Vec::new();
    for channel in Channel::ALL {
        let dir = root.join(channel.as_str());
        let Ok(listing) = fs::read_dir(&dir) else { continue };
        for item in listing.flatten() {
            let path = item.path();
            let is_message = path.extension().is_some_and(|e| e == "json")
                && path.file_name().and_then(|n| n.to_str()).is_some_and(|n| !n.starts_with('.'));
            if !is_message {
                continue;
            }
            let entry = fs::read(&path)
                .map_err(|e| e.to_string())
                .and_then(|bytes| serde_json::from_slice::<MailboxEntry>(&bytes).map_err(|e| e.to_string()));
            let mut entry = match entry {
                Ok(entry) => entry,
                Err(error) => {
                    tracing::debug!(path = %path.display(), %error, "skipping an unreadable mailbox file");
                    continue;
                }
            };
            let pdf = path.with_extension("pdf");
            if pdf.is_file() {
                entry.pdf = Some(pdf);
            }
            let modified = item.metadata().and_then(|m| m.modified()).ok();
            found.push((entry, modified));
        }
    }
    found.sort_by_key(|(entry, modified)| Reverse((entry.created_at, *modified, entry.id)));
    found.into_iter().map(|(entry, _)| entry).collect()
}

/// The letter as printed: address window, fiscal code, half-PIN, the date of queuing, message id.
fn letter_pdf(message: &OutboundMessage) -> Result<Vec<u8>, DeliveryError> {
    let address = message.postal_address.as_ref().ok_or(DeliveryError::Invalid("letter without a postal address"))?;
    let pin_half = message.pin_half.as_ref().ok_or(DeliveryError::Invalid("letter without a half-PIN"))?;
    let letter = sigillo_documents::PinLetter {
        message_id: message.id.to_string(),
        recipient: sigillo_documents::PostalAddress { name: address.name.clone(), lines: address.lines.clone() },
        fiscal_code: message.fiscal_code.as_str().to_owned(),
        pin_half: pin_half.clone(),
        date: utc(message.created_at).date(),
    };
    Ok(sigillo_documents::pin_letter(&letter))
}

fn utc(at: OffsetDateTime) -> OffsetDateTime {
    at.to_offset(UtcOffset::UTC)
}

/// Creates `dir` and its parents, readable by the owner only (the mailbox holds half-PINs).
fn create_private_dir(dir: &Path) -> io::Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Writes `dir/name` so that a reader sees either the old file or the whole new one: a uniquely
/// named temporary file in the same folder (two writers never share one), `fsync`, `rename` over
/// the final name, then `fsync` of the folder so the rename itself survives a crash.
fn write_atomically(dir: &Path, name: &str, bytes: &[u8]) -> io::Result<()> {
    let temp = dir.join(format!(".{name}.{}.tmp", Uuid::new_v4().simple()));
    let written = write_new_file(&temp, bytes).and_then(|()| fs::rename(&temp, dir.join(name)));
    if let Err(error) = written {
        // Best effort: a leftover temporary file is ignored by readers anyway.
        let _ = fs::remove_file(&temp);
        return Err(error);
    }
    sync_dir(dir)
}

fn write_new_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut options = fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(bytes)?;
    file.sync_all()
}

#[cfg(unix)]
fn sync_dir(dir: &Path) -> io::Result<()> {
    fs::File::open(dir)?.sync_all()
}

#[cfg(not(unix))]
fn sync_dir(_dir: &Path) -> io::Result<()> {
    Ok(())
}

/// `created_at` as in API.md: `2026-11-23T10:00:00Z`; any RFC 3339 instant is read back.
mod utc_seconds {
    use serde::{Deserialize, Deserializer, Serializer};
    use time::OffsetDateTime;
    use time::format_description::well_known::Rfc3339;
    use time::macros::format_description;

    pub(super) fn serialize<S: Serializer>(at: &OffsetDateTime, serializer: S) -> Result<S::Ok, S::Error> {
        let format = format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
        let text = super::utc(*at).format(format).map_err(serde::ser::Error::custom)?;
        serializer.serialize_str(&text)
    }

    pub(super) fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<OffsetDateTime, D::Error> {
        let text = String::deserialize(deserializer)?;
        OffsetDateTime::parse(&text, &Rfc3339).map_err(serde::de::Error::custom)
    }
}
