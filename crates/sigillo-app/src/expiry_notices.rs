//! Reminders before a chosen PIN reaches the end of its rotation period (SPEC 4.5): each PIN's
//! owner is told once, `expiry_notice_lead` ahead, by e-mail (SMS without an e-mail on file).
//! Every node may run the sweep: the version check on the credential lets only one of them send.

use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::outbox::Channel;
use sigillo_domain::store::{Changes, StoreError};

use crate::{Sigillo, messages, now};

const BATCH: u32 = 200;

impl Sigillo {
    /// One pass: returns how many notices were queued.
    pub async fn send_expiry_notices(&self) -> Result<usize, StoreError> {
        let Some(max_age) = self.settings.pin_max_age else { return Ok(0) };
        let now = now();
        let lead = self.settings.expiry_notice_lead.min(max_age);
        let set_before = now - (max_age - lead);
        let mut sent = 0;
        for mut credential in self.store.credentials_due_for_expiry_notice(set_before, BATCH).await? {
            let Some(expires_at) = credential.pin_expires_at(self.settings.first_access_ttl, Some(max_age)) else {
                continue;
            };
            let person = self.store.find_person(&credential.fiscal_code).await?;
            let contact = person.as_ref().and_then(|p| {
                p.email
                    .as_ref()
                    .map(|e| (Channel::Email, e.to_string()))
                    .or_else(|| p.mobile.as_ref().map(|m| (Channel::Sms, m.to_string())))
            });
            credential.expiry_notice_at = Some(now);
            let mut changes = Changes::default();
            let mut event = AuditEvent::new(now, Actor::System, "pin_expiry_notice")
                .fiscal_code(&credential.fiscal_code)
                .credential(credential.id);
            if let Some((channel, to)) = contact {
                let public_url = &self.settings.public_url;
                changes.messages.push(messages::expiry_notice(channel, &to, &credential.fiscal_code, expires_at, public_url, now));
                event = event.detail("channel", channel.as_str());
            } else {
                event = event.detail("channel", "none");
            }
            changes.audit.push(event);
            changes.update_credentials.push(credential);
            match self.store.commit(changes, now).await {
                Ok(()) => sent += 1,
                Err(StoreError::Conflict(_)) => {} // another node, or the citizen changed the PIN meanwhile
                Err(e) => return Err(e),
            }
        }
        Ok(sent)
    }
}
