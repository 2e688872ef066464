//! Print batches of postal letters (SPEC 6): the letters not yet printed become one PDF (one page
//! each) and a CSV manifest in `$SIGILLO_DATA_DIR/print/<batch>/`; only then are their halves wiped.
//!
//! A batch is claimed in the database first (a claimed letter can no longer be withdrawn by fast
//! activation), then written, then confirmed. A run that dies in between leaves the batch
//! unconfirmed with its halves kept; the next run writes it again before starting a new one.

use std::io::Write;
use std::path::{Path, PathBuf};

use sigillo_documents::{PinLetter, PostalAddress};
use sigillo_domain::outbox::OutboundMessage;
use sigillo_domain::store::{OutboxStore, StoreError};
use time::OffsetDateTime;
use time::macros::format_description;

use crate::now;

/// Letters per batch file: a day's letters of a large region still open in a print shop's tools.
pub const BATCH_SIZE: u32 = 5_000;

#[derive(Debug, thiserror::Error)]
pub enum PrintError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("cannot write {path}: {source}")]
    Io { path: PathBuf, source: std::io::Error },
}

/// One written batch.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PrintedBatch {
    pub batch: String,
    pub letters: usize,
    pub pdf: PathBuf,
    pub manifest: PathBuf,
}

/// Writes every unconfirmed batch again, then batches every letter waiting, `BATCH_SIZE` at a time.
pub async fn print_letters(store: &dyn OutboxStore, data_dir: &Path) -> Result<Vec<PrintedBatch>, PrintError> {
    let mut done = Vec::new();
    for batch in store.unconfirmed_print_batches().await? {
        let letters = store.letters_of_batch(&batch).await?;
        done.push(write_and_confirm(store, data_dir, &batch, &letters).await?);
    }
    loop {
        let at = now();
        let batch = batch_id(at);
        let letters = store.claim_letters_for_print(&batch, at, BATCH_SIZE).await?;
        if letters.is_empty() {
            return Ok(done);
        }
        done.push(write_and_confirm(store, data_dir, &batch, &letters).await?);
    }
}

pub(crate) fn batch_id(at: OffsetDateTime) -> String {
    let stamp = at.format(format_description!("[year][month][day]-[hour][minute][second]")).unwrap_or_default();
    let suffix = uuid::Uuid::new_v4().simple().to_string();
    format!("{stamp}-{}", &suffix[..8])
}

async fn write_and_confirm(
    store: &dyn OutboxStore,
    data_dir: &Path,
    batch: &str,
    letters: &[OutboundMessage],
) -> Result<PrintedBatch, PrintError> {
    let folder = data_dir.join("print").join(batch);
    let pages: Vec<PinLetter> = letters.iter().filter_map(to_letter).collect();
    let pdf_bytes = sigillo_documents::pin_letters_batch(&pages);
    let manifest_bytes = manifest(letters);
    let pdf = folder.join("letters.pdf");
    let manifest = folder.join("manifest.csv");
    let (pdf_path, manifest_path) = (pdf.clone(), manifest.clone());
    tokio::task::spawn_blocking(move || -> Result<(), PrintError> {
        std::fs::create_dir_all(&folder).map_err(|source| PrintError::Io { path: folder.clone(), source })?;
        write_synced(&pdf_path, &pdf_bytes)?;
        write_synced(&manifest_path, &manifest_bytes)
    })
    .await
    .map_err(|e| PrintError::Io { path: pdf.clone(), source: std::io::Error::other(e) })??;
    store.confirm_print_batch(batch).await?;
    tracing::info!(batch, letters = letters.len(), "print batch written");
    Ok(PrintedBatch { batch: batch.to_owned(), letters: letters.len(), pdf, manifest })
}

/// The batch's PDF, one page per letter that still holds its half.
pub(crate) fn letters_pdf(letters: &[OutboundMessage]) -> Vec<u8> {
    let pages: Vec<PinLetter> = letters.iter().filter_map(to_letter).collect();
    sigillo_documents::pin_letters_batch(&pages)
}

fn to_letter(message: &OutboundMessage) -> Option<PinLetter> {
    let address = message.postal_address.as_ref()?;
    Some(PinLetter {
        message_id: message.id.to_string(),
        recipient: PostalAddress { name: address.name.clone(), lines: address.lines.clone() },
        fiscal_code: message.fiscal_code.to_string(),
        pin_half: message.pin_half.clone()?,
        date: message.created_at.date(),
    })
}

/// One line per letter, in page order: what the print shop checks the envelopes against. No halves.
pub(crate) fn manifest(letters: &[OutboundMessage]) -> Vec<u8> {
    let mut out = String::from("page,message_id,fiscal_code,name,address,created_at\n");
    for (page, m) in letters.iter().filter(|m| m.postal_address.is_some() && m.pin_half.is_some()).enumerate() {
        let (name, address) = m.postal_address.as_ref().map_or((String::new(), String::new()), |a| (a.name.clone(), a.lines.join(" / ")));
        let created = m.created_at.format(&time::format_description::well_known::Rfc3339).unwrap_or_default();
        out.push_str(&format!("{},{},{},{},{},{}\n", page + 1, m.id, m.fiscal_code, csv_field(&name), csv_field(&address), created));
    }
    out.into_bytes()
}

fn csv_field(value: &str) -> String {
    if value.contains([',', '"', '\n', '\r']) { format!("\"{}\"", value.replace('"', "\"\"")) } else { value.to_owned() }
}

fn write_synced(path: &Path, bytes: &[u8]) -> Result<(), PrintError> {
    let io = |source| PrintError::Io { path: path.to_owned(), source };
    let tmp = path.with_extension("tmp");
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
mod tests {
    use super::csv_field;

    #[test]
    fn manifest_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("VIA ROMA 1"), "VIA ROMA 1");
        assert_eq!(csv_field("VIA \"X\", 1"), "\"VIA \"\"X\"\", 1\"");
    }
}
