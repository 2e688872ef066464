//! Richiedi PIN (SPEC 4.1): a citizen asks for a PIN online.
//!
//! Checks, in order, each with its own answer: the data is well formed and the fiscal code agrees
//! with it (`InvalidInput`, per field); issuance is still open (`IssuanceClosed`); the person is in
//! the registry (`NotInRegistry`); they have 52 weeks of contributions (`NotEligibleOnline`); they
//! have no live PIN (`AlreadyAssigned`). Data that differs from the registry does not refuse the
//! request: it waits for a phone check by the contact center. Otherwise a first-access PIN is made,
//! its first half queued by SMS (e-mail without a mobile) and its second half by letter to the
//! residence **on the registry**, all in the transaction that records the credential.

use serde::Deserialize;
use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::credential::{Credential, CredentialState, Level};
use sigillo_domain::fiscal_code::{FiscalCode, PersonalData, Sex, places};
use sigillo_domain::outbox::Channel;
use sigillo_domain::registry::{Email, InsuredPerson, PhoneNumber};
use sigillo_domain::store::{Changes, StoreError};
use sigillo_domain::{Lang, Localized};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::input::{FieldErrors, parse_date, required, same_text, text};
use crate::{Sigillo, messages, now};

/// The weeks of contributions that allow an online request.
pub const MIN_WEEKS: u32 = 52;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResidenceInput {
    pub country: Option<String>,
    pub address: Option<String>,
    pub postal_code: Option<String>,
    pub municipality: Option<String>,
    pub province: Option<String>,
}

/// The request as typed (API body or portal form): every field optional here, so that a missing
/// one is reported next to the field instead of as a malformed body.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinRequestInput {
    pub fiscal_code: Option<String>,
    pub family_name: Option<String>,
    pub given_name: Option<String>,
    pub birth_date: Option<String>,
    pub sex: Option<String>,
    pub birth_place: Option<String>,
    pub residence: Option<ResidenceInput>,
    pub mobile: Option<String>,
    pub landline: Option<String>,
    pub email: Option<String>,
}

/// A request whose every field is well formed and agrees with its fiscal code.
#[derive(Debug, Clone)]
pub struct ValidRequest {
    pub fiscal_code: FiscalCode,
    pub family_name: String,
    pub given_name: String,
    pub birth_date: Date,
    pub sex: Sex,
    pub birth_place: String,
    pub country: String,
    pub address: String,
    pub postal_code: String,
    pub municipality: String,
    pub province: String,
    pub mobile: Option<PhoneNumber>,
    pub landline: Option<PhoneNumber>,
    pub email: Email,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Issued,
    AwaitingPhoneCheck,
}

#[derive(Debug, Clone)]
pub struct Accepted {
    pub request_id: Uuid,
    pub outcome: Outcome,
    pub first_half_channel: Channel,
}

#[derive(Debug, thiserror::Error)]
pub enum RequestError {
    #[error("invalid input")]
    InvalidInput(FieldErrors),
    #[error("issuance closed")]
    IssuanceClosed,
    #[error("not in registry")]
    NotInRegistry,
    #[error("not eligible online")]
    NotEligibleOnline { weeks: u32 },
    #[error("pin already assigned")]
    AlreadyAssigned,
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Hash(#[from] crate::hashing::HashError),
}

impl PinRequestInput {
    /// Every field's rule at once, so the citizen sees all problems in one go.
    pub fn validate(&self, today: Date) -> Result<ValidRequest, FieldErrors> {
        let mut e = FieldErrors::new();
        let code = required(&mut e, "fiscal_code", self.fiscal_code.as_deref(), 40).and_then(|raw| {
            FiscalCode::parse_on(raw, today)
                .map_err(|err| e.insert("fiscal_code".into(), err.message(Lang::It)))
                .ok()
        });
        let family_name = required(&mut e, "family_name", self.family_name.as_deref(), 100);
        let given_name = required(&mut e, "given_name", self.given_name.as_deref(), 100);
        let birth_date = required(&mut e, "birth_date", self.birth_date.as_deref(), 20).and_then(|raw| {
            match parse_date(raw) {
                Some(d) if d > today => {
                    e.insert("birth_date".into(), "La data di nascita non può essere nel futuro.".into());
                    None
                }
                Some(d) => Some(d),
                None => {
                    e.insert("birth_date".into(), "Data non valida: usare GG/MM/AAAA (per esempio 01/02/1980).".into());
                    None
                }
            }
        });
        let sex = required(&mut e, "sex", self.sex.as_deref(), 1).and_then(|raw| {
            raw.parse::<Sex>().map_err(|_| e.insert("sex".into(), "Indicare M o F.".into())).ok()
        });
        let birth_place = required(&mut e, "birth_place", self.birth_place.as_deref(), 4).and_then(|raw| {
            let code = raw.to_ascii_uppercase();
            if places::lookup(&code).is_some() {
                Some(code)
            } else {
                e.insert(
                    "birth_place".into(),
                    "Codice del luogo di nascita sconosciuto: indicare il codice catastale del comune (es. H501 per Roma) o dello Stato estero (Z…).".into(),
                );
                None
            }
        });
        let residence = self.residence.clone().unwrap_or_default();
        let country = required(&mut e, "residence.country", residence.country.as_deref(), 2).and_then(|raw| {
            let c = raw.to_ascii_uppercase();
            if c.len() == 2 && c.bytes().all(|b| b.is_ascii_uppercase()) {
                Some(c)
            } else {
                e.insert("residence.country".into(), "Indicare il codice ISO dello Stato (IT per l'Italia).".into());
                None
            }
        });
        let in_italy = country.as_deref().is_none_or(|c| c == "IT");
        let address = required(&mut e, "residence.address", residence.address.as_deref(), 200);
        let municipality = required(&mut e, "residence.municipality", residence.municipality.as_deref(), 100);
        let postal_code = if in_italy {
            required(&mut e, "residence.postal_code", residence.postal_code.as_deref(), 5).and_then(|raw| {
                if raw.len() == 5 && raw.bytes().all(|b| b.is_ascii_digit()) {
                    Some(raw.to_owned())
                } else {
                    e.insert("residence.postal_code".into(), "Il CAP è di 5 cifre.".into());
                    None
                }
            })
        } else {
            text(&mut e, "residence.postal_code", residence.postal_code.as_deref(), 12).map(str::to_owned)
        };
        let province = if in_italy {
            required(&mut e, "residence.province", residence.province.as_deref(), 2).and_then(|raw| {
                if raw.len() == 2 && raw.bytes().all(|b| b.is_ascii_alphabetic()) {
                    Some(raw.to_ascii_uppercase())
                } else {
                    e.insert("residence.province".into(), "Indicare la sigla della provincia (es. RM).".into());
                    None
                }
            })
        } else {
            text(&mut e, "residence.province", residence.province.as_deref(), 40).map(str::to_owned)
        };
        let mobile = phone(&mut e, "mobile", self.mobile.as_deref());
        let landline = phone(&mut e, "landline", self.landline.as_deref());
        if mobile.is_none() && landline.is_none() && !e.contains_key("mobile") && !e.contains_key("landline") {
            e.insert("mobile".into(), "Indicare almeno un numero di telefono, cellulare o fisso.".into());
        }
        let email = required(&mut e, "email", self.email.as_deref(), 254).and_then(|raw| {
            Email::parse(raw).map_err(|_| e.insert("email".into(), "Indirizzo e-mail non valido.".into())).ok()
        });

        if let (Some(code), Some(family), Some(given), Some(date), Some(sex), Some(place)) =
            (&code, family_name, given_name, birth_date, sex, &birth_place)
        {
            let person = PersonalData { family_name: family, given_name: given, birth_date: date, sex, birth_place: place };
            if let Err(err) = code.check_consistency(&person) {
                e.insert(
                    "fiscal_code".into(),
                    format!("Il codice fiscale non corrisponde ai dati inseriti: {}", err.message(Lang::It)),
                );
            }
        }
        match (code, family_name, given_name, birth_date, sex, birth_place, country, address, municipality, email) {
            (Some(fiscal_code), Some(f), Some(g), Some(birth_date), Some(sex), Some(birth_place), Some(country), Some(a), Some(m), Some(email))
                if e.is_empty() =>
            {
                Ok(ValidRequest {
                    fiscal_code,
                    family_name: f.to_owned(),
                    given_name: g.to_owned(),
                    birth_date,
                    sex,
                    birth_place,
                    country,
                    address: a.to_owned(),
                    postal_code: postal_code.unwrap_or_default(),
                    municipality: m.to_owned(),
                    province: province.unwrap_or_default(),
                    mobile,
                    landline,
                    email,
                })
            }
            _ => Err(e),
        }
    }
}

fn phone(errors: &mut FieldErrors, field: &str, value: Option<&str>) -> Option<PhoneNumber> {
    let raw = text(errors, field, value, 30)?;
    PhoneNumber::parse(raw)
        .map_err(|_| errors.insert(field.to_owned(), "Numero di telefono non valido (es. 333 1234567).".into()))
        .ok()
}

impl ValidRequest {
    /// The fields that differ from the registry: a reason for a phone check, never for a refusal.
    pub fn mismatches(&self, person: &InsuredPerson) -> Vec<&'static str> {
        let r = &person.residence;
        let mut out = Vec::new();
        let mut check = |field: &'static str, same: bool| {
            if !same {
                out.push(field);
            }
        };
        check("family_name", same_text(&self.family_name, &person.family_name));
        check("given_name", same_text(&self.given_name, &person.given_name));
        check("birth_date", self.birth_date == person.birth_date);
        check("sex", self.sex == person.sex);
        check("birth_place", self.birth_place == person.birth_place);
        check("residence.country", self.country == r.country);
        check("residence.address", same_text(&self.address, &r.address));
        check("residence.postal_code", same_text(&self.postal_code, &r.postal_code));
        check("residence.municipality", same_text(&self.municipality, &r.municipality));
        check("residence.province", same_text(&self.province, &r.province));
        // A contact the registry lacks cannot disagree with it; one it has must match.
        check("mobile", match (&self.mobile, &person.mobile) {
            (Some(given), Some(known)) => given == known,
            _ => true,
        });
        check("email", person.email.as_ref().is_none_or(|known| known.as_str().eq_ignore_ascii_case(self.email.as_str())));
        out
    }

    /// SMS when there is a mobile, else e-mail.
    pub fn first_half_channel(&self) -> Channel {
        if self.mobile.is_some() { Channel::Sms } else { Channel::Email }
    }
}

impl Sigillo {
    /// Richiedi PIN: validates, applies the registry's rules, and records the credential with its
    /// messages and audit entries in one transaction.
    pub async fn request_pin(
        &self,
        input: &PinRequestInput,
        client_ip: Option<&str>,
    ) -> Result<Accepted, RequestError> {
        self.request_pin_via(input, &Actor::Citizen, "online", client_ip).await
    }

    /// The same request entered by an operator for the citizen (contact center, desk): same
    /// checks, audited under the operator's name with the channel it came through.
    pub(crate) async fn request_pin_via(
        &self,
        input: &PinRequestInput,
        actor: &Actor,
        via: &'static str,
        client_ip: Option<&str>,
    ) -> Result<Accepted, RequestError> {
        let now = now();
        let request = input.validate(now.date()).map_err(RequestError::InvalidInput)?;
        if self.settings.issuance_cutoff.is_some_and(|cutoff| now >= cutoff) {
            return Err(RequestError::IssuanceClosed);
        }
        let person = self.store.find_person(&request.fiscal_code).await?.ok_or(RequestError::NotInRegistry)?;
        // The 52 weeks are the online rule; an office or the contact center checks the person itself.
        if via == "online" && person.contribution_weeks < MIN_WEEKS {
            return Err(RequestError::NotEligibleOnline { weeks: person.contribution_weeks });
        }
        let mut changes = Changes::default();
        if let Some(mut existing) = self.store.live_credential(&person.fiscal_code).await? {
            if !existing.first_access_lapsed(now, self.settings.first_access_ttl) {
                return Err(RequestError::AlreadyAssigned);
            }
            // An unused first-access PIN past its validity ends here, so a new one can be issued.
            existing.transition(CredentialState::Revoked, now).map_err(|e| StoreError::Other(e.to_string()))?;
            existing.note = Some("first_access_expired".to_owned());
            changes.audit.push(
                audit(now, "credential_revoked", &existing, client_ip).detail("reason", "first_access_expired"),
            );
            changes.update_credentials.push(existing);
        }

        let mismatches = request.mismatches(&person);
        let mut credential = Credential::new(Uuid::new_v4(), person.fiscal_code, Level::Ordinario, now);
        changes.audit.push(audit(now, "pin_requested", &credential, client_ip).detail("channel", via));
        let channel = request.first_half_channel();
        let outcome = if mismatches.is_empty() {
            let pin = self.issue_first_access(&mut credential, now).await.map_err(|e| match e {
                crate::issuance::IssueError::Hash(h) => RequestError::Hash(h),
                other => RequestError::Store(other.into()),
            })?;
            let to = match (&request.mobile, channel) {
                (Some(mobile), Channel::Sms) => mobile.to_string(),
                _ => request.email.to_string(),
            };
            let public_url = &self.settings.public_url;
            changes.messages.push(messages::first_half(channel, &to, &person.fiscal_code, pin.first_half().expose(), public_url, now));
            changes.messages.push(messages::second_half_letter(&person, pin.second_half().expose(), now));
            changes.audit.push(
                audit(now, "pin_issued", &credential, client_ip)
                    .detail("first_half_channel", channel.as_str())
                    .detail("second_half_channel", "letter"),
            );
            Outcome::Issued
        } else {
            credential.transition(CredentialState::AwaitingPhoneCheck, now).map_err(|e| StoreError::Other(e.to_string()))?;
            credential.note = Some(phone_check_note(&request, &mismatches));
            changes.audit.push(
                audit(now, "awaiting_phone_check", &credential, client_ip).detail("mismatches", mismatches.join(",")),
            );
            Outcome::AwaitingPhoneCheck
        };
        let request_id = credential.id;
        changes.insert_credentials.push(credential);
        changes.clear_attempts.push(person.fiscal_code);
        for event in &mut changes.audit {
            event.actor = actor.clone();
        }
        match self.store.commit(changes, now).await {
            Ok(()) => {
                metrics::counter!("sigillo_pin_requests_total", "outcome" => outcome_name(outcome)).increment(1);
                Ok(Accepted { request_id, outcome, first_half_channel: channel })
            }
            // Another request for the same person won the race: theirs is the live credential.
            Err(StoreError::Conflict(_)) => Err(RequestError::AlreadyAssigned),
            Err(e) => Err(e.into()),
        }
    }
}

fn outcome_name(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Issued => "issued",
        Outcome::AwaitingPhoneCheck => "awaiting_phone_check",
    }
}

/// What the contact center needs to call the citizen back: the fields that differ and the
/// contacts given (no secret).
pub(crate) fn phone_check_note(request: &ValidRequest, mismatches: &[&str]) -> String {
    serde_json::json!({
        "mismatches": mismatches,
        "given": {
            "family_name": request.family_name,
            "given_name": request.given_name,
            "residence": {
                "country": request.country, "address": request.address, "postal_code": request.postal_code,
                "municipality": request.municipality, "province": request.province,
            },
            "mobile": request.mobile.as_ref().map(ToString::to_string),
            "landline": request.landline.as_ref().map(ToString::to_string),
            "email": request.email.to_string(),
        }
    })
    .to_string()
}

pub(crate) fn audit(now: OffsetDateTime, event: &str, credential: &Credential, client_ip: Option<&str>) -> AuditEvent {
    AuditEvent::new(now, Actor::Citizen, event)
        .fiscal_code(&credential.fiscal_code)
        .credential(credential.id)
        .client_ip(client_ip)
}

#[cfg(test)]
mod tests;
