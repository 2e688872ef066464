//! Reading the upgrade documents from a `multipart/form-data` body, for the API and the portal
//! alike. Only the fields' content counts (the use case recognises each file by its first bytes):
//! file names and declared types are ignored. A file is kept up to one byte over the limit and
//! then only counted, so a huge file costs no memory; the whole body is bounded by the route's
//! [`UPLOAD_BODY_LIMIT`]. Nothing of the content is ever logged.

use std::collections::BTreeMap;

use axum::extract::Multipart;
use axum::extract::multipart::{MultipartError, MultipartRejection};
use axum::http::StatusCode;
use sigillo_app::upgrade::{Upload, Uploads};
use sigillo_domain::upgrade::{MAX_DOCUMENT_BYTES, Slot};

use crate::error::AppError;

/// Three files at their limit, plus room for the form's other fields and the multipart framing.
pub const UPLOAD_BODY_LIMIT: usize = 3 * MAX_DOCUMENT_BYTES + 64 * 1024;
/// Longest text field kept (the portal's form token).
const MAX_TEXT_BYTES: usize = 1024;

/// What a multipart body held: the files by slot, and the short text fields by name.
#[derive(Debug, Default)]
pub struct Received {
    pub files: Uploads,
    pub text: BTreeMap<String, String>,
}

/// Why a body could not be read as the upload form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UploadFailure {
    /// Not `multipart/form-data` (or no boundary).
    NotMultipart,
    /// Larger than [`UPLOAD_BODY_LIMIT`].
    TooLarge,
    /// Cut short or malformed.
    Malformed,
}

impl From<UploadFailure> for AppError {
    fn from(failure: UploadFailure) -> Self {
        match failure {
            UploadFailure::NotMultipart => AppError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported_media_type",
                "Inviare i file come multipart/form-data, nei campi signed_form, id_front e id_back.",
            ),
            UploadFailure::TooLarge => AppError::new(
                StatusCode::PAYLOAD_TOO_LARGE,
                "payload_too_large",
                "I file insieme superano il limite: ciascuno può avere al massimo 5 MB.",
            ),
            UploadFailure::Malformed => AppError::new(
                StatusCode::BAD_REQUEST,
                "malformed_request",
                "Il corpo multipart della richiesta non è valido.",
            ),
        }
    }
}

fn failure(error: &MultipartError) -> UploadFailure {
    if error.status() == StatusCode::PAYLOAD_TOO_LARGE { UploadFailure::TooLarge } else { UploadFailure::Malformed }
}

/// Reads every field of the body. The first field of each slot's name counts; later ones and
/// fields of other names are read and dropped.
pub async fn read(multipart: Result<Multipart, MultipartRejection>) -> Result<Received, UploadFailure> {
    let mut multipart = multipart.map_err(|_| UploadFailure::NotMultipart)?;
    let mut received = Received::default();
    while let Some(mut field) = multipart.next_field().await.map_err(|e| failure(&e))? {
        let name = field.name().unwrap_or_default().to_owned();
        // A browser sends a file input left empty as an empty part with an empty file name.
        let nothing_chosen = field.file_name() == Some("");
        let slot = Slot::parse(&name).filter(|s| !received.files.contains_key(s));
        let keep = match slot {
            Some(_) => MAX_DOCUMENT_BYTES + 1,
            None if name == "csrf" && !received.text.contains_key(&name) => MAX_TEXT_BYTES,
            None => 0,
        };
        let mut upload = Upload::default();
        while let Some(chunk) = field.chunk().await.map_err(|e| failure(&e))? {
            upload.size = upload.size.saturating_add(chunk.len());
            let room = keep.saturating_sub(upload.bytes.len());
            upload.bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
        }
        match slot {
            Some(_) if nothing_chosen && upload.size == 0 => {}
            Some(slot) => {
                received.files.insert(slot, upload);
            }
            None if keep > 0 => {
                received.text.insert(name, String::from_utf8_lossy(&upload.bytes).into_owned());
            }
            None => {}
        }
    }
    Ok(received)
}
