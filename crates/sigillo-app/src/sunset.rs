//! The sunset of PINs (SPEC 4.10): after `issuance_cutoff` no PIN is issued (see `pin_request`);
//! before `annulment_date` every owner of a live PIN is told once; from that date every live PIN is
//! annulled, in small batches so other citizens' logins never wait long for the database.

use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::credential::CredentialState;
use sigillo_domain::outbox::Channel;
use sigillo_domain::store::{Changes, StoreError};
use time::OffsetDateTime;

use crate::{Sigillo, messages, now};

/// Credentials per annulment transaction.
pub const ANNUL_BATCH: u32 = 500;
const NOTICE_BATCH: u32 = 200;

impl Sigillo {
    /// Queues sunset notices for owners not told yet; returns how many. Does nothing without an
    /// annulment date or once it has passed.
    pub async fn send_sunset_notices(&self) -> Result<usize, StoreError> {
        let Some(annulment) = self.settings.annulment_date else { return Ok(0) };
        let now = now();
        if now >= annulment {
            return Ok(0);
        }
        let mut sent = 0;
        for mut credential in self.store.credentials_due_for_sunset_notice(NOTICE_BATCH).await? {
            let person = self.store.find_person(&credential.fiscal_code).await?;
            let contact = person.as_ref().and_then(|p| {
                p.email.as_ref().map(|e| (Channel::Email, e.to_string())).or_else(|| p.mobile.as_ref().map(|m| (Channel::Sms, m.to_string())))
            });
            credential.sunset_notice_at = Some(now);
            let mut changes = Changes::default();
            let mut event = AuditEvent::new(now, Actor::System, "sunset_notice").fiscal_code(&credential.fiscal_code).credential(credential.id);
            if let Some((channel, to)) = contact {
                changes.messages.push(messages::sunset_notice(channel, &to, &credential.fiscal_code, annulment, now));
                event = event.detail("channel", channel.as_str());
            } else {
                event = event.detail("channel", "none");
            }
            changes.audit.push(event);
            changes.update_credentials.push(credential);
            match self.store.commit(changes, now).await {
                Ok(()) => sent += 1,
                Err(StoreError::Conflict(_)) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(sent)
    }

    /// Annuls one batch of live credentials; returns how many. Call until it returns 0.
    pub async fn annul_batch(&self, actor: Actor) -> Result<usize, StoreError> {
        let now = now();
        let batch = self.store.live_credentials(ANNUL_BATCH).await?;
        if batch.is_empty() {
            return Ok(0);
        }
        let mut changes = Changes::default();
        for mut credential in batch {
            let from = credential.state;
            if credential.transition(CredentialState::Annulled, now).is_err() {
                continue;
            }
            changes.audit.push(
                AuditEvent::new(now, actor.clone(), "credential_annulled")
                    .fiscal_code(&credential.fiscal_code)
                    .credential(credential.id)
                    .detail("from", from.as_str()),
            );
            changes.end_sessions_of.push(credential.id);
            changes.update_credentials.push(credential);
        }
        let count = changes.update_credentials.len();
        match self.store.commit(changes, now).await {
            Ok(()) => {
                metrics::counter!("sigillo_credentials_annulled_total").increment(count as u64);
                Ok(count)
            }
            // A credential of the batch changed meanwhile (a login, a change): the next call retries.
            Err(StoreError::Conflict(_)) => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Annuls every live credential, batch after batch; returns the total.
    pub async fn annul_all(&self, actor: Actor) -> Result<usize, StoreError> {
        let mut total = 0;
        let mut idle_rounds = 0;
        loop {
            let n = self.annul_batch(actor.clone()).await?;
            if n == 0 {
                // Zero is "done" or "a conflict": done only when nothing live is left.
                if self.store.live_credentials(1).await?.is_empty() || idle_rounds > 20 {
                    return Ok(total);
                }
                idle_rounds += 1;
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
            }
            total += n;
        }
    }

    /// Whether the annulment date has passed.
    pub fn annulment_due(&self, now: OffsetDateTime) -> bool {
        self.settings.annulment_date.is_some_and(|date| now >= date)
    }
}
