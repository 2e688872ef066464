//! `/attiva-pin` (Attiva PIN, SPEC 4.3): the health card and the first half bring the second half
//! at once over the channel the citizen chooses; outcome at `/attiva-pin/esito`.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sigillo_app::health_card::ActivationInput;
use sigillo_domain::outbox::Channel;
use sigillo_domain::{Lang, Localized};

use super::{Field, Problem, errors_for, keep_query, refusal_status, summary, with_errors};
use crate::error::AppError;
use crate::portal::form::{FieldError, error_of};
use crate::portal::i18n::Tr;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

const ORDER: &[&str] = &[
    "fiscal_code",
    "health_card_number",
    "health_card_expiry",
    "first_half",
    "mobile",
    "second_half_channel",
    "contact",
];

pub const CHANNELS: [&str; 3] = ["sms", "email", "pec"];

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ActivateForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    fiscal_code: String,
    #[serde(default)]
    health_card_number: String,
    #[serde(default)]
    health_card_expiry: String,
    #[serde(default)]
    first_half: String,
    #[serde(default)]
    mobile: String,
    #[serde(default)]
    second_half_channel: String,
    #[serde(default)]
    contact: String,
}

impl ActivateForm {
    pub fn input(&self) -> ActivationInput<'_> {
        ActivationInput {
            fiscal_code: &self.fiscal_code,
            health_card_number: &self.health_card_number,
            health_card_expiry: &self.health_card_expiry,
            first_half: &self.first_half,
            mobile: &self.mobile,
            second_half_channel: self.second_half_channel.trim(),
            contact: &self.contact,
        }
    }

    /// This page's own reasons: a channel not chosen (the radio group says so better than the
    /// use case's "sms, email o pec").
    fn own_errors(&self, tr: Tr) -> BTreeMap<String, String> {
        let mut ours = BTreeMap::new();
        if !CHANNELS.contains(&self.second_half_channel.trim()) {
            ours.insert("second_half_channel".into(), tr.t("flow_m_channel_missing").to_owned());
        }
        if tr.is_en()
            && let Err(e) = sigillo_domain::fiscal_code::FiscalCode::parse(&self.fiscal_code)
        {
            ours.insert("fiscal_code".into(), e.message(Lang::En));
        }
        ours
    }
}

#[derive(Template)]
#[template(path = "flow_activate.html")]
struct ActivatePage {
    shell: Shell,
    errors: Vec<FieldError>,
    problem: Option<Problem>,
    card: Vec<Field>,
    mobile: Vec<Field>,
    channel: String,
    channel_error: Option<String>,
    channels: Vec<(&'static str, &'static str)>,
    contact: Vec<Field>,
}

impl ActivatePage {
    fn new(shell: Shell, form: &ActivateForm, errors: Vec<FieldError>, problem: Option<Problem>) -> ActivatePage {
        let tr = shell.tr;
        let card = vec![
            Field::new(tr, "fiscal_code", "fiscal_code", &form.fiscal_code).hint("flow_fiscal_code_hint").code(),
            Field::new(tr, "health_card_number", "flow_health_card_number", &form.health_card_number)
                .hint("flow_health_card_number_hint")
                .inputmode("numeric")
                .autocomplete("off"),
            Field::new(tr, "health_card_expiry", "flow_health_card_expiry", &form.health_card_expiry)
                .hint("flow_health_card_expiry_hint")
                .autocomplete("off"),
            Field::new(tr, "first_half", "flow_first_half", &form.first_half)
                .hint("flow_first_half_hint")
                .autocomplete("one-time-code")
                .code(),
        ];
        let mobile = vec![
            Field::new(tr, "mobile", "flow_mobile", &form.mobile)
                .hint("flow_activate_mobile_hint")
                .kind("tel")
                .autocomplete("mobile tel"),
        ];
        let contact = vec![Field::new(tr, "contact", "flow_contact", &form.contact).hint("flow_contact_hint")];
        let channels = vec![
            ("sms", tr.t("flow_channel_sms")),
            ("email", tr.t("flow_channel_email")),
            ("pec", tr.t("flow_channel_pec")),
        ];
        let (card, mobile, contact) =
            (with_errors(card, &errors), with_errors(mobile, &errors), with_errors(contact, &errors));
        ActivatePage {
            channel: form.second_half_channel.trim().to_owned(),
            channel_error: error_of(&errors, "second_half_channel").map(str::to_owned),
            errors: summary(&errors, &[&card, &mobile, &contact], &[("second_half_channel", tr.t("flow_channel"))]),
            card,
            mobile,
            contact,
            channels,
            shell,
            problem,
        }
    }
}

pub async fn form(ctx: Ctx) -> Response {
    let page = ActivatePage::new(ctx.shell.clone(), &ActivateForm::default(), Vec::new(), None);
    ctx.page(&page)
}

pub async fn submit(State(state): State<AppState>, ctx: Ctx, Form(form): Form<ActivateForm>) -> Response {
    let tr = ctx.shell.tr;
    if !ctx.csrf_ok(&form.csrf) {
        let page = ActivatePage::new(ctx.shell.clone(), &form, Vec::new(), Some(Problem::csrf(tr)));
        return ctx.page_with_status(StatusCode::FORBIDDEN, &page);
    }
    let error = match state.sigillo.activate(&form.input(), ctx.client_ip.as_deref()).await {
        Ok(channel) => return ctx.redirect(&format!("/attiva-pin/esito?canale={}", channel.as_str())),
        Err(error) => AppError::from(error),
    };
    let (errors, problem) = if error.fields.is_empty() {
        (Vec::new(), Some(Problem::from_error(tr, &error)))
    } else {
        // Only the fields the use case refused carry our words too.
        let ours: BTreeMap<String, String> =
            form.own_errors(tr).into_iter().filter(|(k, _)| error.fields.contains_key(k)).collect();
        (errors_for(tr, &error.fields, &ours, ORDER), None)
    };
    let page = ActivatePage::new(ctx.shell.clone(), &form, errors, problem);
    ctx.page_with_status(refusal_status(&error), &page)
}

#[derive(Deserialize)]
pub struct OutcomeQuery {
    canale: Option<String>,
}

#[derive(Template)]
#[template(path = "flow_activate_done.html")]
struct ActivateDone {
    shell: Shell,
    sent: &'static str,
}

pub async fn outcome(ctx: Ctx, Query(q): Query<OutcomeQuery>) -> Response {
    let mut shell = ctx.shell.clone();
    let tr = shell.tr;
    let sent = match q.canale.as_deref().and_then(Channel::parse) {
        Some(Channel::Sms) => tr.t("flow_activate_done_sms"),
        Some(Channel::Email) => tr.t("flow_activate_done_email"),
        Some(Channel::Pec) => tr.t("flow_activate_done_pec"),
        _ => tr.t("flow_activate_done_any"),
    };
    keep_query(&mut shell, "/attiva-pin/esito", &[("canale", q.canale.as_deref().unwrap_or_default())]);
    ctx.page(&ActivateDone { shell, sent })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::pages::flows::tests::shell;

    #[test]
    fn a_missing_channel_is_ours_to_explain() {
        let form = ActivateForm { second_half_channel: " ".into(), ..ActivateForm::default() };
        let ours = form.own_errors(Tr { lang: Lang::It });
        assert!(ours.get("second_half_channel").is_some_and(|m| m.contains("SMS, e-mail o PEC")));
        let form = ActivateForm { second_half_channel: "pec".into(), fiscal_code: "RSSMRA80A01H501U".into(), ..form };
        assert!(form.own_errors(Tr { lang: Lang::En }).is_empty());
        assert_eq!(form.input().second_half_channel, "pec");
    }

    #[test]
    fn the_form_keeps_the_channel_and_ties_its_error() {
        for lang in [Lang::It, Lang::En] {
            let form = ActivateForm {
                second_half_channel: "email".into(),
                first_half: "ABCD0123".into(),
                ..ActivateForm::default()
            };
            let errors = vec![FieldError { id: "contact".into(), message: "x".into() }];
            let html = ActivatePage::new(shell(lang), &form, errors, None).render().unwrap_or_default();
            assert!(!html.contains("??"));
            assert!(html.contains(r#"id="second_half_channel_email" value="email" checked"#), "{html}");
            assert!(html.contains(r#"id="first_half" name="first_half" value="ABCD0123""#));
            assert!(html.contains(r#"aria-describedby="contact_hint contact_error""#));
            let problem = Problem::from_error(
                Tr { lang },
                &AppError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "I dati non corrispondono."),
            );
            let html = ActivatePage::new(shell(lang), &form, Vec::new(), Some(problem)).render().unwrap_or_default();
            assert!(html.contains(r#"id="problem""#) && !html.contains("??"));
        }
    }

    #[test]
    fn the_outcome_links_to_the_login() {
        for lang in [Lang::It, Lang::En] {
            let html = ActivateDone { shell: shell(lang), sent: Tr { lang }.t("flow_activate_done_sms") }
                .render()
                .unwrap_or_default();
            assert!(!html.contains("??") && html.contains(r#"href="/accedi""#));
        }
    }
}
