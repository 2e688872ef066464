//! Ripristina PIN (SPEC 4.8). The request answers the same whatever matched; when the fiscal code
//! has a live PIN and both contacts given are on file (registry or verified), an e-mail carries a
//! link and a code. Together they give a new first-access PIN: first half by SMS, second half by
//! e-mail; the level stays, the old PIN and every session end, a lock is lifted.

use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::contact::ContactKind;
use sigillo_domain::credential::{Credential, CredentialState};
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::Channel;
use sigillo_domain::recovery::{MAX_CODE_ATTEMPTS, Recovery, RecoveryCheck};
use sigillo_domain::session::token_hash;
use sigillo_domain::store::{Changes, StoreError};
use uuid::Uuid;

use crate::context::RateLimited;
use crate::hashing::HashError;
use crate::otp::{normalize_code, numeric_code, token};
use crate::{Sigillo, messages, now};

const CODE_DIGITS: u32 = 6;

#[derive(Debug, thiserror::Error)]
pub enum RecoveryError {
    /// Malformed input only (never "no match").
    #[error("invalid input")]
    InvalidInput(crate::input::FieldErrors),
    #[error(transparent)]
    RateLimited(#[from] RateLimited),
    /// Wrong, used, expired or burned: one answer for all.
    #[error("invalid or expired")]
    InvalidOrExpired,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] HashError),
}

/// A contact as typed: an e-mail if it has an `@`, else a phone number.
fn parse_contact(raw: &str) -> Option<(bool, String)> {
    if raw.contains('@') {
        ContactKind::Email.normalize(raw).ok().map(|v| (true, v))
    } else {
        ContactKind::Mobile.normalize(raw).ok().map(|v| (false, v))
    }
}

impl Sigillo {
    /// `POST /pin-recoveries`: `Ok` whatever matched (only malformed input and rate limits say otherwise).
    pub async fn request_recovery(
        &self,
        fiscal_code: &str,
        contacts: &[String],
        client_ip: Option<&str>,
    ) -> Result<(), RecoveryError> {
        let mut fields = crate::input::FieldErrors::new();
        let code = FiscalCode::parse(fiscal_code).map_err(|e| fields.insert("fiscal_code".into(), e.to_string())).ok();
        let given: Vec<(bool, String)> = contacts.iter().filter_map(|c| parse_contact(c)).collect();
        if contacts.len() != 2 || given.len() != 2 || given[0].1.eq_ignore_ascii_case(&given[1].1) {
            fields.insert("contacts".into(), "Indicare due recapiti diversi (cellulare, telefono o e-mail) tra quelli registrati.".into());
        }
        let Some(code) = code.filter(|_| fields.is_empty()) else { return Err(RecoveryError::InvalidInput(fields)) };
        self.rate_limit("recovery", Some(code.as_str()), client_ip).await??;
        let floor = crate::context::ResponseFloor::start();

        let now = now();
        // The same work whatever matched: look-ups, a token and a code, one commit.
        let link_token = token()?;
        let otp = numeric_code(CODE_DIGITS)?;
        let credential = self.store.live_credential(&code).await?;
        let on_file = self.contacts_on_file(&code).await?;
        let matched = given.iter().all(|(_, v)| on_file.iter().any(|(_, f)| f.eq_ignore_ascii_case(v)));
        let email = given.iter().find(|(is_mail, _)| *is_mail).map(|(_, v)| v.clone())
            .or_else(|| on_file.iter().find(|(k, _)| *k == ContactKind::Email).map(|(_, v)| v.clone()));
        let mobile = given.iter().find(|(is_mail, _)| !is_mail).map(|(_, v)| v.clone())
            .filter(|v| on_file.iter().any(|(k, f)| *k == ContactKind::Mobile && f.eq_ignore_ascii_case(v)))
            .or_else(|| on_file.iter().find(|(k, _)| *k == ContactKind::Mobile).map(|(_, v)| v.clone()));
        let recoverable = credential.as_ref().filter(|c| {
            matches!(c.state, CredentialState::Issued | CredentialState::Active | CredentialState::Expired | CredentialState::Locked)
        });
        let mut audit = AuditEvent::new(now, Actor::Citizen, "recovery_requested").fiscal_code(&code).client_ip(client_ip);
        let mut changes = Changes::default();
        match (matched, recoverable, email, mobile) {
            (true, Some(credential), Some(email), Some(mobile)) => {
                let recovery = Recovery {
                    id: Uuid::new_v4(),
                    fiscal_code: code,
                    credential_id: credential.id,
                    token_hash: token_hash(&link_token),
                    code_hash: token_hash(&otp),
                    mobile,
                    email: email.clone(),
                    created_at: now,
                    expires_at: now + self.settings.recovery_ttl,
                    attempts: 0,
                    used_at: None,
                    version: 0,
                };
                let link = format!("{}/ripristina-pin/conferma?token={link_token}", self.settings.public_url);
                let valid_for = humanize(self.settings.recovery_ttl);
                changes.messages.push(messages::recovery_link(&email, &code, &link, &otp, &valid_for, now));
                audit = audit.credential(credential.id).detail("outcome", "link_sent").detail("recovery_id", recovery.id.to_string());
                changes.insert_recoveries.push(recovery);
            }
            _ => audit = audit.detail("outcome", "no_match"),
        }
        changes.audit.push(audit);
        self.store.commit(changes, now).await?;
        floor.wait().await;
        Ok(())
    }

    /// Mobile, landline, e-mail and PEC values on file: the registry's and the verified ones.
    async fn contacts_on_file(&self, code: &FiscalCode) -> Result<Vec<(ContactKind, String)>, StoreError> {
        Ok(self
            .contacts(code)
            .await?
            .into_iter()
            .filter(|c| c.verified)
            .map(|c| (if c.kind == ContactKind::Landline { ContactKind::Mobile } else { c.kind }, c.value))
            .map(|(k, v)| (if k == ContactKind::Pec { ContactKind::Email } else { k }, v))
            .collect())
    }

    /// `POST /pin-recoveries/confirm`.
    pub async fn confirm_recovery(&self, link_token: &str, typed_code: &str, client_ip: Option<&str>) -> Result<(), RecoveryError> {
        if link_token.is_empty() || link_token.len() > 128 {
            return Err(RecoveryError::InvalidOrExpired);
        }
        let now = now();
        let mut recovery =
            self.store.recovery_by_token_hash(&token_hash(link_token)).await?.ok_or(RecoveryError::InvalidOrExpired)?;
        match recovery.check(&token_hash(&normalize_code(typed_code)), now) {
            RecoveryCheck::Unusable => Err(RecoveryError::InvalidOrExpired),
            RecoveryCheck::WrongCode => {
                recovery.attempts = (recovery.attempts + 1).min(MAX_CODE_ATTEMPTS);
                let audit = AuditEvent::new(now, Actor::Citizen, "recovery_code_wrong")
                    .fiscal_code(&recovery.fiscal_code)
                    .credential(recovery.credential_id)
                    .client_ip(client_ip)
                    .detail("attempts", recovery.attempts.to_string());
                let changes = Changes { update_recoveries: vec![recovery], audit: vec![audit], ..Changes::default() };
                match self.store.commit(changes, now).await {
                    Ok(()) | Err(StoreError::Conflict(_)) => Err(RecoveryError::InvalidOrExpired),
                    Err(e) => Err(e.into()),
                }
            }
            RecoveryCheck::Valid => {
                let credential = self.store.credential(recovery.credential_id).await?;
                let Some(mut credential) = credential.filter(|c| c.state.is_live()) else {
                    return Err(RecoveryError::InvalidOrExpired);
                };
                self.reissue(&mut credential, &mut recovery, client_ip, now).await
            }
        }
    }

    async fn reissue(
        &self,
        credential: &mut Credential,
        recovery: &mut Recovery,
        client_ip: Option<&str>,
        now: time::OffsetDateTime,
    ) -> Result<(), RecoveryError> {
        let from = credential.state;
        let pin = self.issue_first_access(credential, now).await.map_err(|e| match e {
            crate::issuance::IssueError::Hash(h) => RecoveryError::Hash(h),
            crate::issuance::IssueError::State(_) => RecoveryError::InvalidOrExpired,
        })?;
        recovery.used_at = Some(now);
        let code = credential.fiscal_code;
        let url = &self.settings.public_url;
        let mut changes = Changes {
            end_sessions_of: vec![credential.id],
            clear_attempts: vec![code],
            messages: vec![
                messages::first_half(Channel::Sms, &recovery.mobile, &code, pin.first_half().expose(), url, now),
                messages::second_half(Channel::Email, &recovery.email, &code, pin.second_half().expose(), url, now),
            ],
            audit: vec![
                AuditEvent::new(now, Actor::Citizen, "pin_recovered")
                    .fiscal_code(&code)
                    .credential(credential.id)
                    .client_ip(client_ip)
                    .detail("from", from.as_str())
                    .detail("level", credential.level.as_str())
                    .detail("recovery_id", recovery.id.to_string()),
            ],
            ..Changes::default()
        };
        // A letter still waiting for print would carry a half of the PIN that just ended.
        if let Some(letter) = self.store.unprinted_letter(&code).await? {
            changes.cancel_letters.push(letter.id);
        }
        changes.update_credentials.push(credential.clone());
        changes.update_recoveries.push(recovery.clone());
        match self.store.commit(changes, now).await {
            Ok(()) => {
                metrics::counter!("sigillo_recoveries_total").increment(1);
                Ok(())
            }
            Err(StoreError::Conflict(_)) => Err(RecoveryError::InvalidOrExpired),
            Err(e) => Err(e.into()),
        }
    }
}

/// "24 ore", "30 minuti": the validity as a citizen reads it.
pub fn humanize(d: std::time::Duration) -> String {
    let secs = d.as_secs();
    if secs >= 3600 && secs.is_multiple_of(3600) {
        let h = secs / 3600;
        if h == 1 { "1 ora".to_owned() } else { format!("{h} ore") }
    } else if secs >= 60 {
        format!("{} minuti", secs / 60)
    } else {
        format!("{secs} secondi")
    }
}
