//! Public flows as pages: `/richiedi-pin`, `/attiva-pin`, `/ripristina-pin`, `/revoca-pin`.
//!
//! Each flow: GET renders the form; POST checks the form token, calls the use case on
//! `state.sigillo`, and on success redirects (303) to its outcome page, so that reloading the
//! outcome never sends the form again. A refusal re-renders the form with the citizen's input,
//! the reason next to each field and in a summary at the top (422), or, when the reason is not
//! about one field (not in the registry, already assigned, throttled…), in a box above the form
//! with what to do instead, under the use case's own status.
//!
//! This module holds what the four flows share: form fields as templates show them, the
//! translation of the use cases' Italian messages for English pages, and the problem box.

mod activate;
mod places;
mod recover;
mod request;
mod revoke;

use std::collections::BTreeMap;
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use axum::routing::get;
use sigillo_domain::Lang;

use crate::error::AppError;
use crate::portal::form::{FieldError, error_of, field_errors};
use crate::portal::i18n::Tr;
use crate::portal::shell::Shell;
use crate::state::AppState;

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/richiedi-pin", get(request::form).post(request::submit))
        .route("/richiedi-pin/esito", get(request::outcome))
        .route("/attiva-pin", get(activate::form).post(activate::submit))
        .route("/attiva-pin/esito", get(activate::outcome))
        .route("/ripristina-pin", get(recover::form).post(recover::submit))
        .route("/ripristina-pin/esito", get(recover::sent))
        .route("/ripristina-pin/conferma", get(recover::confirm_form).post(recover::confirm_submit))
        .route("/ripristina-pin/conferma/esito", get(recover::confirmed))
        .route("/revoca-pin", get(revoke::form).post(revoke::submit))
        .route("/revoca-pin/esito", get(revoke::outcome))
}

/// One text input as `flow_field.html` draws it: the element id is the form field's name (as in
/// API.md), the hint and the error are tied to it with `aria-describedby`.
#[derive(Debug, Clone)]
pub struct Field {
    pub id: &'static str,
    pub label: &'static str,
    pub hint: Option<&'static str>,
    pub value: String,
    /// The input's `type`: `text`, `email` or `tel`.
    pub kind: &'static str,
    pub autocomplete: Option<&'static str>,
    pub inputmode: Option<&'static str>,
    pub required: bool,
    /// Codes typed in capitals: no auto-correction, capitals on phone keyboards.
    pub code: bool,
    /// The id of a `<datalist>` of suggestions.
    pub list: Option<&'static str>,
    pub error: Option<String>,
    tr: Tr,
}

impl Field {
    pub fn new(tr: Tr, id: &'static str, label_key: &str, value: &str) -> Field {
        Field {
            id,
            label: tr.t(label_key),
            hint: None,
            value: value.to_owned(),
            kind: "text",
            autocomplete: None,
            inputmode: None,
            required: true,
            code: false,
            list: None,
            error: None,
            tr,
        }
    }

    pub fn hint(mut self, key: &str) -> Field {
        self.hint = Some(self.tr.t(key));
        self
    }

    pub fn kind(mut self, kind: &'static str) -> Field {
        self.kind = kind;
        self
    }

    pub fn autocomplete(mut self, token: &'static str) -> Field {
        self.autocomplete = Some(token);
        self
    }

    pub fn inputmode(mut self, mode: &'static str) -> Field {
        self.inputmode = Some(mode);
        self
    }

    pub fn optional(mut self) -> Field {
        self.required = false;
        self
    }

    pub fn code(mut self) -> Field {
        self.code = true;
        self
    }

    pub fn list(mut self, id: &'static str) -> Field {
        self.list = Some(id);
        self
    }

    /// `aria-describedby`: the hint, then the error.
    pub fn describedby(&self) -> String {
        let mut ids = Vec::new();
        if self.hint.is_some() {
            ids.push(format!("{}_hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}_error", self.id));
        }
        ids.join(" ")
    }
}

/// Puts each field's error next to it.
pub fn with_errors(mut fields: Vec<Field>, errors: &[FieldError]) -> Vec<Field> {
    for field in &mut fields {
        field.error = error_of(errors, field.id).map(str::to_owned);
    }
    fields
}

/// A refusal that is not about one field, shown in a box above the form. `code` is the API's
/// error code (or `csrf`), which the template uses to add the links that help.
#[derive(Debug, Clone)]
pub struct Problem {
    pub code: &'static str,
    pub title: &'static str,
    pub message: String,
}

impl Problem {
    pub fn new(tr: Tr, code: &'static str, title_key: &str, message: String) -> Problem {
        Problem { code, title: tr.t(title_key), message }
    }

    pub fn csrf(tr: Tr) -> Problem {
        Problem::new(tr, "csrf", "flow_p_generic_title", tr.t("csrf_failed").to_owned())
    }

    /// The box for a use case's error without per-field reasons, in the page's language.
    pub fn from_error(tr: Tr, error: &AppError) -> Problem {
        let it = error.message.clone();
        let (title, message) = match error.code {
            "not_in_registry" => ("flow_p_not_in_registry_title", tr.t("flow_p_not_in_registry").to_owned()),
            "not_eligible_online" => ("flow_p_not_eligible_title", tr.t("flow_p_not_eligible").to_owned()),
            "pin_already_assigned" => ("flow_p_assigned_title", tr.t("flow_p_assigned").to_owned()),
            "issuance_closed" => ("flow_p_closed_title", tr.t("flow_p_closed").to_owned()),
            "throttled" => {
                let wait = human_duration(Duration::from_secs(error.retry_after.unwrap_or(60).max(60)), tr.lang, true);
                ("flow_p_throttled_title", tr.t("flow_p_throttled").replace("{n}", &wait))
            }
            "invalid_credentials" => ("flow_p_card_mismatch_title", tr.t("flow_p_card_mismatch").to_owned()),
            "invalid_or_expired" => ("flow_p_link_title", tr.t("flow_p_link").to_owned()),
            "busy" | "unavailable" => ("flow_p_generic_title", localized(tr, &it, "flow_p_unavailable")),
            "conflict" => ("flow_p_generic_title", localized(tr, &it, "flow_p_conflict")),
            "internal" => ("flow_p_generic_title", localized(tr, &it, "flow_p_internal")),
            _ => ("flow_p_generic_title", it),
        };
        let code = PROBLEM_CODES.iter().copied().find(|c| *c == error.code).unwrap_or("other");
        Problem::new(tr, code, title, message)
    }
}

/// The codes the problem box knows; any other shows as `other`.
const PROBLEM_CODES: &[&str] = &[
    "not_in_registry",
    "not_eligible_online",
    "pin_already_assigned",
    "issuance_closed",
    "throttled",
    "invalid_credentials",
    "invalid_or_expired",
];

/// The use case's Italian words on an Italian page, ours on an English one.
fn localized(tr: Tr, italian: &str, key: &str) -> String {
    if tr.is_en() { tr.t(key).to_owned() } else { italian.to_owned() }
}

/// The status of a refusal: the use case's, but never a success.
pub fn refusal_status(error: &AppError) -> StatusCode {
    if error.status.is_success() || error.status.is_redirection() {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        error.status
    }
}

/// The use cases' field messages that have words in both languages (see `i18n/flows.rs`).
const FIELD_MESSAGES: &[&str] = &[
    "flow_m_required",
    "flow_m_control_chars",
    "flow_m_birth_future",
    "flow_m_date",
    "flow_m_sex",
    "flow_m_place",
    "flow_m_country",
    "flow_m_postal_code",
    "flow_m_province",
    "flow_m_phone_needed",
    "flow_m_email",
    "flow_m_phone",
    "flow_m_card_number",
    "flow_m_card_expiry",
    "flow_m_first_half",
    "flow_m_mobile",
    "flow_m_channel",
    "flow_m_contact_phone",
    "flow_m_contact_email",
    "flow_m_contacts",
];

/// A use case's Italian field message in the page's language (Italian as is when we have no
/// English words for it).
pub fn translate(tr: Tr, message: &str) -> String {
    if !tr.is_en() {
        return message.to_owned();
    }
    let it = Tr { lang: Lang::It };
    if let Some(key) = FIELD_MESSAGES.iter().find(|key| it.t(key) == message) {
        return tr.t(key).to_owned();
    }
    let too_long = it.t("flow_m_too_long");
    let (prefix, suffix) = too_long.split_once("{n}").unwrap_or((too_long, ""));
    if let Some(n) = message.strip_prefix(prefix).and_then(|rest| rest.strip_suffix(suffix))
        && n.bytes().all(|b| b.is_ascii_digit())
    {
        return tr.t("flow_m_too_long").replace("{n}", n);
    }
    message.to_owned()
}

/// The use case's per-field reasons in form order, in the page's language; `ours` (this portal's
/// own, already in the page's language) win over the use case's for the same field.
pub fn errors_for(
    tr: Tr,
    fields: &BTreeMap<String, String>,
    ours: &BTreeMap<String, String>,
    order: &[&str],
) -> Vec<FieldError> {
    let mut merged: BTreeMap<String, String> =
        fields.iter().map(|(name, message)| (name.clone(), translate(tr, message))).collect();
    merged.extend(ours.iter().map(|(k, v)| (k.clone(), v.clone())));
    let merged = merged.into_iter().map(|(k, v)| (k, sentence(&v))).collect();
    field_errors(&merged, order)
}

/// A reason as a sentence: a capital first, a full stop last (some domain reasons have neither).
pub fn sentence(message: &str) -> String {
    let message = message.trim();
    let mut chars = message.chars();
    let mut out: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !out.ends_with(['.', '!', '?', '…', ')']) {
        out.push('.');
    }
    out
}

/// The summary's lines name their field ("Cognome: Campo obbligatorio."), since a line alone
/// ("Campo obbligatorio.") says nothing out of context; next to the field the reason stays bare.
pub fn summary(errors: &[FieldError], groups: &[&[Field]], extra: &[(&str, &str)]) -> Vec<FieldError> {
    errors
        .iter()
        .map(|e| {
            let label = groups
                .iter()
                .flat_map(|g| g.iter())
                .find(|f| f.id == e.id)
                .map(|f| f.label)
                .or_else(|| extra.iter().find(|(id, _)| *id == e.id).map(|(_, label)| *label));
            let message = match label {
                Some(label) => format!("{label}: {}", e.message),
                None => e.message.clone(),
            };
            FieldError { id: e.id.clone(), message }
        })
        .collect()
}

/// A duration as a citizen reads it: "60 giorni", "24 ore", "5 minuti" (a single day reads as 24 hours). `round_up` counts a
/// started minute as a whole one (waiting times).
pub fn human_duration(d: Duration, lang: Lang, round_up: bool) -> String {
    let secs = d.as_secs();
    let (n, unit) = if secs >= 2 * 86_400 && secs.is_multiple_of(86_400) {
        (secs / 86_400, 0)
    } else if secs >= 3_600 && secs.is_multiple_of(3_600) {
        (secs / 3_600, 1)
    } else if secs >= 60 {
        (if round_up { secs.div_ceil(60) } else { secs / 60 }, 2)
    } else {
        (secs, 3)
    };
    let words: [(&str, &str); 4] = match lang {
        Lang::It => [("giorno", "giorni"), ("ora", "ore"), ("minuto", "minuti"), ("secondo", "secondi")],
        Lang::En => [("day", "days"), ("hour", "hours"), ("minute", "minutes"), ("second", "seconds")],
    };
    let (one, many) = words[unit];
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Makes the language switch keep this page's query (an outcome's channel, a recovery's token).
pub fn keep_query(shell: &mut Shell, path: &str, query: &[(&str, &str)]) {
    let other = if shell.tr.is_en() { "it" } else { "en" };
    let mut href = format!("{path}?");
    for (name, value) in query.iter().filter(|(_, v)| !v.is_empty()) {
        href.push_str(&format!("{name}={}&", super::login::urlencode(value)));
    }
    href.push_str(&format!("lang={other}"));
    shell.other_lang_href = href;
}

/// Trimmed, and `None` when empty: what the use cases take for "not given".
pub fn given(value: &str) -> Option<String> {
    let v = value.trim();
    (!v.is_empty()).then(|| v.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    pub fn shell(lang: Lang) -> Shell {
        Shell {
            tr: Tr { lang },
            csrf: "t".repeat(43),
            citizen_name: None,
            other_lang_href: "/?lang=en".into(),
            demo_mailbox: false,
        }
    }

    #[test]
    fn describedby_names_hint_then_error() {
        let tr = Tr { lang: Lang::It };
        let mut f = Field::new(tr, "email", "flow_email", "x").hint("flow_email_hint");
        assert_eq!(f.describedby(), "email_hint");
        f.error = Some("no".into());
        assert_eq!(f.describedby(), "email_hint email_error");
        let bare = Field::new(tr, "landline", "flow_landline", "");
        assert_eq!(bare.describedby(), "");
    }

    #[test]
    fn italian_messages_translate_for_english_pages() {
        let en = Tr { lang: Lang::En };
        let it = Tr { lang: Lang::It };
        assert_eq!(translate(en, "Campo obbligatorio."), "Required field.");
        assert_eq!(translate(it, "Campo obbligatorio."), "Campo obbligatorio.");
        assert_eq!(
            translate(en, "Testo troppo lungo (al massimo 100 caratteri)."),
            "Text too long (at most 100 characters)."
        );
        assert_eq!(translate(en, "Qualcosa di nuovo."), "Qualcosa di nuovo.");
    }

    /// Every message the use cases give for a badly filled form has English words here.
    #[test]
    fn use_case_field_messages_all_have_english_words() {
        use sigillo_app::pin_request::{PinRequestInput, ResidenceInput};
        let today = time::macros::date!(2026 - 01 - 01);
        let en = Tr { lang: Lang::En };
        let mut messages = Vec::new();
        let empty = PinRequestInput::default().validate(today).err().unwrap_or_default();
        messages.extend(empty.into_iter().filter(|(k, _)| k != "fiscal_code"));
        let bad = PinRequestInput {
            fiscal_code: Some("RSSMRA80A01H501U".into()),
            family_name: Some("Rossi".into()),
            given_name: Some("Mario".into()),
            birth_date: Some("31/31/1980".into()),
            sex: Some("X".into()),
            birth_place: Some("Q999".into()),
            residence: Some(ResidenceInput {
                country: Some("Italia".into()),
                address: Some("Via\u{7} Roma".into()),
                postal_code: Some("1".into()),
                municipality: Some("Roma".into()),
                province: Some("R".into()),
            }),
            mobile: Some("12".into()),
            landline: None,
            email: Some("nope".into()),
        };
        messages.extend(bad.validate(today).err().unwrap_or_default());
        let future = PinRequestInput { birth_date: Some("01/01/2099".into()), ..PinRequestInput::default() };
        messages
            .extend(future.validate(today).err().unwrap_or_default().into_iter().filter(|(k, _)| k == "birth_date"));
        let mut card = sigillo_app::input::FieldErrors::new();
        let _ = sigillo_app::health_card::CardProof::parse("RSSMRA80A01H501U", "", "32/13/2020", &mut card);
        messages.extend(card);
        messages.push(("contact".into(), sigillo_domain::contact::ContactValueError::Phone.to_string()));
        messages.push(("contact".into(), sigillo_domain::contact::ContactValueError::Email.to_string()));
        let untranslated: Vec<_> = messages.iter().filter(|(_, m)| translate(en, m) == *m).collect();
        assert!(untranslated.is_empty(), "no English words for {untranslated:?}");
        assert!(messages.len() > 12, "the sample refused too little: {messages:?}");
    }

    #[test]
    fn problems_speak_the_page_language_and_keep_known_codes() {
        let en = Tr { lang: Lang::En };
        let mut e = AppError::new(StatusCode::TOO_MANY_REQUESTS, "throttled", "Troppe richieste.");
        e.retry_after = Some(125);
        let p = Problem::from_error(en, &e);
        assert_eq!(p.code, "throttled");
        assert!(p.message.contains("3 minutes"), "{}", p.message);
        let other = Problem::from_error(en, &AppError::new(StatusCode::IM_A_TEAPOT, "teapot", "Teiera."));
        assert_eq!((other.code, other.message.as_str()), ("other", "Teiera."));
        assert_eq!(refusal_status(&AppError::new(StatusCode::OK, "x", "y")), StatusCode::UNPROCESSABLE_ENTITY);
    }

    #[test]
    fn durations_read_naturally() {
        assert_eq!(human_duration(Duration::from_secs(60 * 86_400), Lang::It, false), "60 giorni");
        assert_eq!(human_duration(Duration::from_secs(2 * 86_400), Lang::En, false), "2 days");
        assert_eq!(human_duration(Duration::from_secs(24 * 3_600), Lang::It, false), "24 ore");
        assert_eq!(human_duration(Duration::from_secs(3_600), Lang::It, false), "1 ora");
        assert_eq!(human_duration(Duration::from_secs(90), Lang::En, true), "2 minutes");
        assert_eq!(human_duration(Duration::from_secs(3), Lang::It, false), "3 secondi");
    }

    #[test]
    fn reasons_read_as_sentences_and_the_summary_names_fields() {
        assert_eq!(sentence("indirizzo e-mail non valido"), "Indirizzo e-mail non valido.");
        assert_eq!(sentence("Già bene."), "Già bene.");
        assert_eq!(sentence("(Z…)"), "(Z…)");
        let tr = Tr { lang: Lang::It };
        let fields = [Field::new(tr, "family_name", "flow_family_name", "")];
        let errors = vec![
            FieldError { id: "family_name".into(), message: "Campo obbligatorio.".into() },
            FieldError { id: "sex".into(), message: "Indicare M o F.".into() },
            FieldError { id: "other".into(), message: "Altro.".into() },
        ];
        let lines: Vec<_> = summary(&errors, &[&fields], &[("sex", "Sesso")]).into_iter().map(|e| e.message).collect();
        assert_eq!(lines, ["Cognome: Campo obbligatorio.", "Sesso: Indicare M o F.", "Altro."]);
    }

    #[test]
    fn language_switch_keeps_the_query() {
        let mut s = shell(Lang::It);
        keep_query(&mut s, "/ripristina-pin/conferma", &[("token", "a b&c"), ("x", "")]);
        assert_eq!(s.other_lang_href, "/ripristina-pin/conferma?token=a%20b%26c&lang=en");
    }

    #[test]
    fn our_errors_win_and_follow_form_order() {
        let en = Tr { lang: Lang::En };
        let mut fields = BTreeMap::new();
        fields.insert("birth_place".to_owned(), "Testo troppo lungo (al massimo 4 caratteri).".to_owned());
        fields.insert("fiscal_code".to_owned(), "Campo obbligatorio.".to_owned());
        let mut ours = BTreeMap::new();
        ours.insert("birth_place".to_owned(), "Place of birth not found".to_owned());
        let errors = errors_for(en, &fields, &ours, &["fiscal_code", "birth_place"]);
        let pairs: Vec<_> = errors.iter().map(|e| (e.id.as_str(), e.message.as_str())).collect();
        assert_eq!(pairs, [("fiscal_code", "Required field."), ("birth_place", "Place of birth not found.")]);
    }
}
