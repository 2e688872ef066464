//! `/ripristina-pin` (Ripristina PIN, SPEC 4.8): fiscal code and two contacts on file bring an
//! e-mail with a link to `/ripristina-pin/conferma?token=…` and a code; the two together bring a
//! new first-access PIN. The request's answer is the same whatever matched.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sigillo_domain::contact::ContactKind;
use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::{Lang, Localized};

use super::{Field, Problem, errors_for, human_duration, keep_query, refusal_status, summary, with_errors};
use crate::error::AppError;
use crate::portal::form::FieldError;
use crate::portal::i18n::Tr;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

const ORDER: &[&str] = &["fiscal_code", "contact_1", "contact_2"];

/// A link token longer than this is no token of ours (the use case refuses it too).
const MAX_TOKEN: usize = 128;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RecoverForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    fiscal_code: String,
    #[serde(default)]
    contact_1: String,
    #[serde(default)]
    contact_2: String,
}

/// A contact as the use case reads it: an e-mail when it has an `@`, else a phone number.
fn normalized_contact(raw: &str) -> Option<String> {
    let kind = if raw.contains('@') { ContactKind::Email } else { ContactKind::Mobile };
    kind.normalize(raw).ok()
}

impl RecoverForm {
    /// The API's `contacts: [two values]`.
    pub fn contacts(&self) -> [String; 2] {
        [self.contact_1.trim().to_owned(), self.contact_2.trim().to_owned()]
    }

    /// Each contact's own reason (missing, not a phone or e-mail, the same as the other), in the
    /// page's language: the use case has one reason for both.
    fn contact_errors(&self, tr: Tr) -> BTreeMap<String, String> {
        let mut out = BTreeMap::new();
        let mut values = Vec::new();
        for (id, raw) in [("contact_1", self.contact_1.trim()), ("contact_2", self.contact_2.trim())] {
            if raw.is_empty() {
                out.insert(id.to_owned(), tr.t("flow_m_required").to_owned());
            } else if let Some(v) = normalized_contact(raw) {
                values.push(v);
            } else {
                out.insert(id.to_owned(), tr.t("flow_m_contact_invalid").to_owned());
            }
        }
        if let [a, b] = values.as_slice()
            && a.eq_ignore_ascii_case(b)
        {
            out.insert("contact_2".to_owned(), tr.t("flow_m_contact_same").to_owned());
        }
        out
    }
}

/// The fiscal code's reason in the page's language, when it is malformed.
fn fiscal_code_error(raw: &str, lang: Lang) -> Option<String> {
    FiscalCode::parse(raw).err().map(|e| e.message(lang))
}

#[derive(Template)]
#[template(path = "flow_recover.html")]
struct RecoverPage {
    shell: Shell,
    errors: Vec<FieldError>,
    problem: Option<Problem>,
    fields: Vec<Field>,
}

impl RecoverPage {
    fn new(shell: Shell, form: &RecoverForm, errors: Vec<FieldError>, problem: Option<Problem>) -> RecoverPage {
        let tr = shell.tr;
        let fields = vec![
            Field::new(tr, "fiscal_code", "fiscal_code", &form.fiscal_code).hint("flow_fiscal_code_hint").code(),
            Field::new(tr, "contact_1", "flow_contact_1", &form.contact_1)
                .hint("flow_contact_1_hint")
                .autocomplete("tel"),
            Field::new(tr, "contact_2", "flow_contact_2", &form.contact_2)
                .hint("flow_contact_2_hint")
                .autocomplete("email"),
        ];
        let fields = with_errors(fields, &errors);
        RecoverPage { errors: summary(&errors, &[&fields], &[]), fields, shell, problem }
    }
}

pub async fn form(ctx: Ctx) -> Response {
    let page = RecoverPage::new(ctx.shell.clone(), &RecoverForm::default(), Vec::new(), None);
    ctx.page(&page)
}

pub async fn submit(State(state): State<AppState>, ctx: Ctx, Form(form): Form<RecoverForm>) -> Response {
    let tr = ctx.shell.tr;
    if !ctx.csrf_ok(&form.csrf) {
        let page = RecoverPage::new(ctx.shell.clone(), &form, Vec::new(), Some(Problem::csrf(tr)));
        return ctx.page_with_status(StatusCode::FORBIDDEN, &page);
    }
    let mut ours = form.contact_errors(tr);
    if let Some(reason) = fiscal_code_error(&form.fiscal_code, tr.lang) {
        ours.insert("fiscal_code".into(), reason);
    }
    if !ours.is_empty() {
        let page = RecoverPage::new(ctx.shell.clone(), &form, errors_for(tr, &BTreeMap::new(), &ours, ORDER), None);
        return ctx.page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let error =
        match state.sigillo.request_recovery(&form.fiscal_code, &form.contacts(), ctx.client_ip.as_deref()).await {
            Ok(()) => return ctx.redirect("/ripristina-pin/esito"),
            Err(error) => AppError::from(error),
        };
    let (errors, problem) = if error.fields.is_empty() {
        (Vec::new(), Some(Problem::from_error(tr, &error)))
    } else {
        // The use case's one reason for both contacts goes next to the first.
        let fields = error
            .fields
            .iter()
            .map(|(k, v)| (if k == "contacts" { "contact_1".to_owned() } else { k.clone() }, v.clone()))
            .collect();
        (errors_for(tr, &fields, &BTreeMap::new(), ORDER), None)
    };
    let page = RecoverPage::new(ctx.shell.clone(), &form, errors, problem);
    ctx.page_with_status(refusal_status(&error), &page)
}

#[derive(Template)]
#[template(path = "flow_recover_sent.html")]
struct RecoverSent {
    shell: Shell,
    validity: String,
}

pub async fn sent(State(state): State<AppState>, ctx: Ctx) -> Response {
    let tr = ctx.shell.tr;
    let ttl = human_duration(state.sigillo.settings.recovery_ttl, tr.lang, false);
    let page =
        RecoverSent { shell: ctx.shell.clone(), validity: tr.t("flow_recover_sent_validity").replace("{n}", &ttl) };
    ctx.page(&page)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TokenQuery {
    #[serde(default)]
    token: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    token: String,
    #[serde(default)]
    code: String,
}

#[derive(Template)]
#[template(path = "flow_recover_confirm.html")]
struct ConfirmPage {
    shell: Shell,
    errors: Vec<FieldError>,
    problem: Option<Problem>,
    /// `None` when the link carries no usable token: then there is no form, only the way back.
    token: Option<String>,
    fields: Vec<Field>,
}

impl ConfirmPage {
    fn new(
        mut shell: Shell,
        token: &str,
        code: &str,
        errors: Vec<FieldError>,
        problem: Option<Problem>,
    ) -> ConfirmPage {
        let tr = shell.tr;
        let token = token.trim();
        let usable = !token.is_empty() && token.len() <= MAX_TOKEN;
        let problem = match problem {
            None if !usable => Some(Problem::new(
                tr,
                "invalid_or_expired",
                "flow_p_link_title",
                tr.t("flow_p_link_missing").to_owned(),
            )),
            other => other,
        };
        if usable {
            keep_query(&mut shell, "/ripristina-pin/conferma", &[("token", token)]);
        }
        let fields = vec![
            Field::new(tr, "code", "flow_code", code)
                .hint("flow_code_hint")
                .inputmode("numeric")
                .autocomplete("one-time-code"),
        ];
        let fields = with_errors(fields, &errors);
        ConfirmPage {
            errors: summary(&errors, &[&fields], &[]),
            fields,
            token: usable.then(|| token.to_owned()),
            shell,
            problem,
        }
    }
}

pub async fn confirm_form(ctx: Ctx, Query(q): Query<TokenQuery>) -> Response {
    let page = ConfirmPage::new(ctx.shell.clone(), &q.token, "", Vec::new(), None);
    let status = if page.token.is_some() { StatusCode::OK } else { StatusCode::BAD_REQUEST };
    ctx.page_with_status(status, &page)
}

pub async fn confirm_submit(State(state): State<AppState>, ctx: Ctx, Form(form): Form<ConfirmForm>) -> Response {
    let tr = ctx.shell.tr;
    if !ctx.csrf_ok(&form.csrf) {
        let page = ConfirmPage::new(ctx.shell.clone(), &form.token, &form.code, Vec::new(), Some(Problem::csrf(tr)));
        return ctx.page_with_status(StatusCode::FORBIDDEN, &page);
    }
    if form.code.trim().is_empty() {
        let errors = vec![FieldError { id: "code".into(), message: tr.t("flow_m_required").into() }];
        let page = ConfirmPage::new(ctx.shell.clone(), &form.token, &form.code, errors, None);
        return ctx.page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
    }
    let error = match state.sigillo.confirm_recovery(form.token.trim(), &form.code, ctx.client_ip.as_deref()).await {
        Ok(()) => return ctx.redirect("/ripristina-pin/conferma/esito"),
        Err(error) => AppError::from(error),
    };
    let problem = Problem::from_error(tr, &error);
    let page = ConfirmPage::new(ctx.shell.clone(), &form.token, &form.code, Vec::new(), Some(problem));
    ctx.page_with_status(refusal_status(&error), &page)
}

#[derive(Template)]
#[template(path = "flow_recover_done.html")]
struct RecoverDone {
    shell: Shell,
}

pub async fn confirmed(ctx: Ctx) -> Response {
    let page = RecoverDone { shell: ctx.shell.clone() };
    ctx.page(&page)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::portal::pages::flows::tests::shell;

    fn form(c1: &str, c2: &str) -> RecoverForm {
        RecoverForm {
            csrf: String::new(),
            fiscal_code: "RSSMRA80A01H501U".into(),
            contact_1: c1.into(),
            contact_2: c2.into(),
        }
    }

    #[test]
    fn two_contacts_become_the_api_list() {
        assert_eq!(form(" 333 1234567 ", "a@b.it").contacts(), ["333 1234567".to_owned(), "a@b.it".to_owned()]);
    }

    #[test]
    fn each_contact_has_its_own_reason() {
        let it = Tr { lang: Lang::It };
        assert!(form("333 1234567", "mario@example.it").contact_errors(it).is_empty());
        let e = form("", "nonsense").contact_errors(it);
        assert_eq!(e.get("contact_1").map(String::as_str), Some("Campo obbligatorio."));
        assert!(e.get("contact_2").is_some_and(|m| m.starts_with("Recapito non valido")));
        let e = form("Mario@Example.it", "mario@example.it ").contact_errors(it);
        assert_eq!(e.keys().collect::<Vec<_>>(), ["contact_2"]);
        let e = form("+39 333 1234567", "3331234567").contact_errors(Tr { lang: Lang::En });
        assert_eq!(e.get("contact_2").map(String::as_str), Some("The two contacts must be different."));
    }

    #[test]
    fn the_confirmation_needs_a_token_and_keeps_it_across_languages() {
        for lang in [Lang::It, Lang::En] {
            let page = ConfirmPage::new(shell(lang), "abc_DEF-123", "", Vec::new(), None);
            assert!(page.problem.is_none());
            assert!(page.shell.other_lang_href.contains("token=abc_DEF-123&lang="));
            let html = page.render().unwrap_or_default();
            assert!(!html.contains("??"));
            assert!(html.contains(r#"type="hidden" name="token" value="abc_DEF-123""#), "{html}");
            assert!(html.contains(r#"id="code" name="code""#));
            let missing = ConfirmPage::new(shell(lang), " ", "", Vec::new(), None);
            assert!(missing.token.is_none() && missing.problem.is_some());
            let html = missing.render().unwrap_or_default();
            assert!(!html.contains(r#"name="code""#) && html.contains(r#"href="/ripristina-pin""#));
            let long = ConfirmPage::new(shell(lang), &"x".repeat(MAX_TOKEN + 1), "", Vec::new(), None);
            assert!(long.token.is_none());
        }
    }

    #[test]
    fn every_page_renders_in_both_languages() {
        for lang in [Lang::It, Lang::En] {
            let html = RecoverPage::new(shell(lang), &form("1", "2"), Vec::new(), None).render().unwrap_or_default();
            assert!(!html.contains("??") && html.contains(r#"id="contact_2" name="contact_2" value="2""#));
            let html = RecoverSent { shell: shell(lang), validity: "24".into() }.render().unwrap_or_default();
            assert!(!html.contains("??"));
            if lang == Lang::It {
                assert!(html.contains("Se i dati corrispondono a quelli registrati, riceverà a breve un&#39;e-mail con un collegamento e un codice")
                    || html.contains("Se i dati corrispondono a quelli registrati, riceverà a breve un&#x27;e-mail con un collegamento e un codice"));
            }
            let html = RecoverDone { shell: shell(lang) }.render().unwrap_or_default();
            assert!(!html.contains("??") && html.contains(r#"href="/accedi""#));
        }
    }
}
