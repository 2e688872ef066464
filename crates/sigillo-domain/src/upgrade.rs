//! The online upgrade to a PIN dispositivo (SPEC 4.7, "Converti PIN"): the citizen uploads the
//! signed form and both sides of an identity document; a reviewer approves or rejects it.
//!
//! ```text
//! pending ─▶ approved   (the live credential becomes dispositivo in the same commit)
//!         └▶ rejected   (with a reason the citizen sees)
//! ```
//!
//! A request is decided once: both ends are final. A fiscal code has at most one pending request
//! (the stores enforce it with a unique index, so two simultaneous uploads make one request).
//!
//! Uploaded files are recognised by their first bytes, never by their name or declared type, and
//! only PDF, JPEG and PNG are accepted: what a reviewer's browser is handed is always one of these.

use std::fmt;

use time::OffsetDateTime;
use uuid::Uuid;

use crate::fiscal_code::FiscalCode;

/// Largest accepted file, each.
pub const MAX_DOCUMENT_BYTES: usize = 5 * 1024 * 1024;
/// Shortest and longest reason of a rejection, in characters (after trimming).
pub const MIN_REASON_CHARS: usize = 5;
pub const MAX_REASON_CHARS: usize = 500;

/// What a file is, by its content.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FileType {
    Pdf,
    Jpeg,
    Png,
}

impl FileType {
    pub const ALL: [FileType; 3] = [FileType::Pdf, FileType::Jpeg, FileType::Png];

    /// Recognises a file by its signature: `%PDF-`, JPEG's `FF D8 FF`, PNG's eight bytes.
    pub fn sniff(bytes: &[u8]) -> Option<FileType> {
        const PNG: &[u8] = b"\x89PNG\r\n\x1a\n";
        if bytes.starts_with(b"%PDF-") {
            Some(FileType::Pdf)
        } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
            Some(FileType::Jpeg)
        } else if bytes.starts_with(PNG) {
            Some(FileType::Png)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpeg",
            FileType::Png => "png",
        }
    }

    pub fn parse(value: &str) -> Option<FileType> {
        FileType::ALL.into_iter().find(|t| t.as_str() == value)
    }

    /// The media type a download is served with.
    pub fn content_type(self) -> &'static str {
        match self {
            FileType::Pdf => "application/pdf",
            FileType::Jpeg => "image/jpeg",
            FileType::Png => "image/png",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            FileType::Pdf => "pdf",
            FileType::Jpeg => "jpg",
            FileType::Png => "png",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, FileType::Jpeg | FileType::Png)
    }
}

/// Which of the three files a document is (the multipart field names of API.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Slot {
    SignedForm,
    IdFront,
    IdBack,
}

impl Slot {
    pub const ALL: [Slot; 3] = [Slot::SignedForm, Slot::IdFront, Slot::IdBack];

    pub fn as_str(self) -> &'static str {
        match self {
            Slot::SignedForm => "signed_form",
            Slot::IdFront => "id_front",
            Slot::IdBack => "id_back",
        }
    }

    pub fn parse(value: &str) -> Option<Slot> {
        Slot::ALL.into_iter().find(|s| s.as_str() == value)
    }

    /// Italian name, as the back-office shows it.
    pub fn label(self) -> &'static str {
        match self {
            Slot::SignedForm => "Modulo firmato",
            Slot::IdFront => "Documento d'identità (fronte)",
            Slot::IdBack => "Documento d'identità (retro)",
        }
    }
}

impl fmt::Display for Slot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an uploaded file is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum FileError {
    #[error("file missing")]
    Missing,
    #[error("file empty")]
    Empty,
    #[error("file larger than the limit")]
    TooLarge,
    #[error("not a PDF, JPEG or PNG file")]
    UnknownType,
}

impl FileError {
    pub fn code(self) -> &'static str {
        match self {
            FileError::Missing => "missing",
            FileError::Empty => "empty",
            FileError::TooLarge => "too_large",
            FileError::UnknownType => "unknown_type",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            FileError::Missing => "Allegare il file.",
            FileError::Empty => "Il file è vuoto.",
            FileError::TooLarge => {
                "Il file supera 5 MB: lo riduca (ad esempio una foto a risoluzione più bassa) e riprovi."
            }
            FileError::UnknownType => "Il file non è un PDF, un JPEG o un PNG.",
        }
    }

    pub fn message_en(self) -> &'static str {
        match self {
            FileError::Missing => "Attach the file.",
            FileError::Empty => "The file is empty.",
            FileError::TooLarge => {
                "The file is larger than 5 MB: make it smaller (for example a lower-resolution photo) and try again."
            }
            FileError::UnknownType => "The file is not a PDF, JPEG or PNG.",
        }
    }
}

/// An accepted file. `Debug` shows its type and size, never its content.
#[derive(Clone, PartialEq, Eq)]
pub struct Document {
    pub slot: Slot,
    pub file_type: FileType,
    pub bytes: Vec<u8>,
}

impl fmt::Debug for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Document")
            .field("slot", &self.slot)
            .field("file_type", &self.file_type)
            .field("size", &self.bytes.len())
            .finish()
    }
}

/// A stored document without its content (what a list shows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DocumentInfo {
    pub slot: Slot,
    pub file_type: FileType,
    pub size: u64,
}

/// Checks one uploaded file. `size` is the full size received (the content may have been cut at
/// the limit); `bytes` at least its first bytes.
pub fn check_file(slot: Slot, bytes: Option<Vec<u8>>, size: usize) -> Result<Document, FileError> {
    let bytes = bytes.ok_or(FileError::Missing)?;
    if size == 0 || bytes.is_empty() {
        return Err(FileError::Empty);
    }
    if size > MAX_DOCUMENT_BYTES || bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(FileError::TooLarge);
    }
    let file_type = FileType::sniff(&bytes).ok_or(FileError::UnknownType)?;
    Ok(Document { slot, file_type, bytes })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum UpgradeStatus {
    Pending,
    Approved,
    Rejected,
}

impl UpgradeStatus {
    pub const ALL: [UpgradeStatus; 3] = [UpgradeStatus::Pending, UpgradeStatus::Approved, UpgradeStatus::Rejected];

    pub fn as_str(self) -> &'static str {
        match self {
            UpgradeStatus::Pending => "pending",
            UpgradeStatus::Approved => "approved",
            UpgradeStatus::Rejected => "rejected",
        }
    }

    pub fn parse(value: &str) -> Option<UpgradeStatus> {
        UpgradeStatus::ALL.into_iter().find(|s| s.as_str() == value)
    }
}

impl fmt::Display for UpgradeStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a decision is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DecisionError {
    #[error("the request has already been decided")]
    AlreadyDecided,
    #[error("a rejection needs a reason of {MIN_REASON_CHARS} to {MAX_REASON_CHARS} characters")]
    Reason,
}

/// One request to upgrade a PIN to dispositivo. The documents are stored beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpgradeRequest {
    pub id: Uuid,
    pub fiscal_code: FiscalCode,
    /// The credential that was live when the request was made.
    pub credential_id: Uuid,
    pub status: UpgradeStatus,
    pub submitted_at: OffsetDateTime,
    pub decided_at: Option<OffsetDateTime>,
    /// The reviewer's username.
    pub decided_by: Option<String>,
    /// Set when rejected; shown to the citizen.
    pub reason: Option<String>,
}

impl UpgradeRequest {
    pub fn new(id: Uuid, fiscal_code: FiscalCode, credential_id: Uuid, now: OffsetDateTime) -> UpgradeRequest {
        UpgradeRequest {
            id,
            fiscal_code,
            credential_id,
            status: UpgradeStatus::Pending,
            submitted_at: now,
            decided_at: None,
            decided_by: None,
            reason: None,
        }
    }

    pub fn approve(&mut self, reviewer: &str, now: OffsetDateTime) -> Result<(), DecisionError> {
        self.decide(UpgradeStatus::Approved, reviewer, None, now)
    }

    /// Rejects with `reason` (checked with [`parse_reason`]).
    pub fn reject(&mut self, reviewer: &str, reason: &str, now: OffsetDateTime) -> Result<(), DecisionError> {
        let reason = parse_reason(reason)?;
        self.decide(UpgradeStatus::Rejected, reviewer, Some(reason), now)
    }

    fn decide(
        &mut self,
        to: UpgradeStatus,
        reviewer: &str,
        reason: Option<String>,
        now: OffsetDateTime,
    ) -> Result<(), DecisionError> {
        if self.status != UpgradeStatus::Pending {
            return Err(DecisionError::AlreadyDecided);
        }
        self.status = to;
        self.decided_at = Some(now);
        self.decided_by = Some(reviewer.to_owned());
        self.reason = reason;
        Ok(())
    }
}

/// A rejection's reason: trimmed, line ends as `\n`, no other control characters, 5–500 characters.
pub fn parse_reason(input: &str) -> Result<String, DecisionError> {
    let reason = input.replace("\r\n", "\n").trim().to_owned();
    let chars = reason.chars().count();
    if !(MIN_REASON_CHARS..=MAX_REASON_CHARS).contains(&chars) || reason.chars().any(|c| c.is_control() && c != '\n') {
        return Err(DecisionError::Reason);
    }
    Ok(reason)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    fn code() -> FiscalCode {
        FiscalCode::parse("RSSMRA80A01H501U").unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn files_are_recognised_by_content() {
        assert_eq!(FileType::sniff(b"%PDF-1.7\n..."), Some(FileType::Pdf));
        assert_eq!(FileType::sniff(&[0xFF, 0xD8, 0xFF, 0xE0, 0, 0x10, b'J', b'F']), Some(FileType::Jpeg));
        assert_eq!(FileType::sniff(PNG), Some(FileType::Png));
        // Names and declared types do not count: these are not what they would claim to be.
        for other in
            [&b"<html><script>alert(1)</script>"[..], b"GIF89a", b"PK\x03\x04", b"%PD", b"\xFF\xD8", b" %PDF-1.4", b""]
        {
            assert_eq!(FileType::sniff(other), None, "{other:?}");
        }
        for t in FileType::ALL {
            assert_eq!(FileType::parse(t.as_str()), Some(t));
        }
        assert!(FileType::Png.is_image() && !FileType::Pdf.is_image());
        assert_eq!(FileType::Jpeg.content_type(), "image/jpeg");
    }

    #[test]
    fn files_are_checked_for_presence_size_and_type() {
        assert_eq!(check_file(Slot::IdFront, None, 0), Err(FileError::Missing));
        assert_eq!(check_file(Slot::IdFront, Some(Vec::new()), 0), Err(FileError::Empty));
        assert_eq!(check_file(Slot::IdFront, Some(b"hello".to_vec()), 5), Err(FileError::UnknownType));
        let big = [PNG, &vec![0; MAX_DOCUMENT_BYTES][..]].concat();
        assert_eq!(check_file(Slot::IdFront, Some(big.clone()), big.len()), Err(FileError::TooLarge));
        // Cut at the limit while reading: the size received decides.
        assert_eq!(check_file(Slot::IdFront, Some(PNG.to_vec()), MAX_DOCUMENT_BYTES + 1), Err(FileError::TooLarge));
        let exact = [PNG, &vec![0; MAX_DOCUMENT_BYTES - PNG.len()][..]].concat();
        let doc = check_file(Slot::IdBack, Some(exact.clone()), exact.len()).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((doc.slot, doc.file_type), (Slot::IdBack, FileType::Png));
        // Debug never shows the content.
        assert!(!format!("{doc:?}").contains("137"));
        assert!(format!("{doc:?}").contains("size"));
        for slot in Slot::ALL {
            assert_eq!(Slot::parse(slot.as_str()), Some(slot));
        }
    }

    #[test]
    fn a_request_is_decided_once() {
        let t = OffsetDateTime::UNIX_EPOCH;
        let mut r = UpgradeRequest::new(Uuid::nil(), code(), Uuid::nil(), t);
        assert_eq!(r.status, UpgradeStatus::Pending);
        r.approve("anna.rev", t).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            (r.status, r.decided_by.as_deref(), r.decided_at),
            (UpgradeStatus::Approved, Some("anna.rev"), Some(t))
        );
        assert_eq!(r.approve("anna.rev", t), Err(DecisionError::AlreadyDecided));
        assert_eq!(r.reject("anna.rev", "documento illeggibile", t), Err(DecisionError::AlreadyDecided));

        let mut r = UpgradeRequest::new(Uuid::nil(), code(), Uuid::nil(), t);
        assert_eq!(r.reject("anna.rev", "  no ", t), Err(DecisionError::Reason));
        assert_eq!(r.status, UpgradeStatus::Pending, "a refused rejection changes nothing");
        r.reject("anna.rev", "  Il retro del documento è illeggibile.\r\n ", t).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(r.status, UpgradeStatus::Rejected);
        assert_eq!(r.reason.as_deref(), Some("Il retro del documento è illeggibile."));
        assert_eq!(r.approve("anna.rev", t), Err(DecisionError::AlreadyDecided));
        for s in UpgradeStatus::ALL {
            assert_eq!(UpgradeStatus::parse(s.as_str()), Some(s));
        }
    }

    #[test]
    fn reasons() {
        assert_eq!(parse_reason("Foto sfocata\r\nriprovi"), Ok("Foto sfocata\nriprovi".to_owned()));
        assert_eq!(parse_reason("abcd"), Err(DecisionError::Reason));
        assert_eq!(parse_reason(&"x".repeat(MAX_REASON_CHARS + 1)), Err(DecisionError::Reason));
        assert_eq!(parse_reason("bad \u{7} bell"), Err(DecisionError::Reason));
        assert!(parse_reason(&"è".repeat(MAX_REASON_CHARS)).is_ok());
    }
}
