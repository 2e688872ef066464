//! `/revoca-pin` (Revoca PIN with the health card, SPEC 4.9): irreversible, so the citizen ticks a
//! confirmation (checked here, not only by the browser). The answer is the same whatever matched.

use std::collections::BTreeMap;

use askama::Template;
use axum::Form;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sigillo_app::health_card::CardProof;
use sigillo_app::input::FieldErrors;
use sigillo_domain::Localized;
use sigillo_domain::fiscal_code::FiscalCode;

use super::{Field, Problem, errors_for, refusal_status, summary, with_errors};
use crate::error::AppError;
use crate::portal::form::{FieldError, error_of};
use crate::portal::i18n::Tr;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

const ORDER: &[&str] = &["fiscal_code", "health_card_number", "health_card_expiry", "confirm"];

#[derive(Debug, Clone, Default, Deserialize)]
pub struct RevokeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    fiscal_code: String,
    #[serde(default)]
    health_card_number: String,
    #[serde(default)]
    health_card_expiry: String,
    /// The checkbox: present (any value) when ticked.
    confirm: Option<String>,
}

impl RevokeForm {
    fn confirmed(&self) -> bool {
        self.confirm.as_deref().is_some_and(|v| !v.trim().is_empty())
    }

    /// The proof when the form is complete, else every reason at once: the use case's (Italian)
    /// and this page's own (in the page's language).
    fn proof(&self, tr: Tr) -> Result<CardProof, (FieldErrors, BTreeMap<String, String>)> {
        let mut fields = FieldErrors::new();
        let proof =
            CardProof::parse(&self.fiscal_code, &self.health_card_number, &self.health_card_expiry, &mut fields);
        let mut ours = BTreeMap::new();
        if !self.confirmed() {
            ours.insert("confirm".to_owned(), tr.t("flow_m_confirm_missing").to_owned());
        }
        if fields.contains_key("fiscal_code")
            && let Err(e) = FiscalCode::parse(&self.fiscal_code)
        {
            ours.insert("fiscal_code".to_owned(), e.message(tr.lang));
        }
        match proof {
            Some(proof) if fields.is_empty() && ours.is_empty() => Ok(proof),
            _ => Err((fields, ours)),
        }
    }
}

#[derive(Template)]
#[template(path = "flow_revoke.html")]
struct RevokePage {
    shell: Shell,
    errors: Vec<FieldError>,
    problem: Option<Problem>,
    fields: Vec<Field>,
    confirmed: bool,
    confirm_error: Option<String>,
    logged_in: bool,
}

impl RevokePage {
    fn new(ctx: &Ctx, form: &RevokeForm, errors: Vec<FieldError>, problem: Option<Problem>) -> RevokePage {
        let shell = ctx.shell.clone();
        RevokePage::build(shell, ctx.citizen.is_some(), form, errors, problem)
    }

    fn build(
        shell: Shell,
        logged_in: bool,
        form: &RevokeForm,
        errors: Vec<FieldError>,
        problem: Option<Problem>,
    ) -> RevokePage {
        let tr = shell.tr;
        let fields = vec![
            Field::new(tr, "fiscal_code", "fiscal_code", &form.fiscal_code).hint("flow_fiscal_code_hint").code(),
            Field::new(tr, "health_card_number", "flow_health_card_number", &form.health_card_number)
                .hint("flow_health_card_number_hint")
                .inputmode("numeric")
                .autocomplete("off"),
            Field::new(tr, "health_card_expiry", "flow_health_card_expiry", &form.health_card_expiry)
                .hint("flow_health_card_expiry_hint")
                .autocomplete("off"),
        ];
        let fields = with_errors(fields, &errors);
        RevokePage {
            confirmed: form.confirmed(),
            confirm_error: error_of(&errors, "confirm").map(str::to_owned),
            errors: summary(&errors, &[&fields], &[("confirm", tr.t("flow_revoke_confirm_legend"))]),
            fields,
            logged_in,
            shell,
            problem,
        }
    }
}

pub async fn form(ctx: Ctx) -> Response {
    let page = RevokePage::new(&ctx, &RevokeForm::default(), Vec::new(), None);
    ctx.page(&page)
}

pub async fn submit(State(state): State<AppState>, ctx: Ctx, Form(form): Form<RevokeForm>) -> Response {
    let tr = ctx.shell.tr;
    if !ctx.csrf_ok(&form.csrf) {
        let page = RevokePage::new(&ctx, &form, Vec::new(), Some(Problem::csrf(tr)));
        return ctx.page_with_status(StatusCode::FORBIDDEN, &page);
    }
    let error = match form.proof(tr) {
        Err((fields, ours)) => {
            let page = RevokePage::new(&ctx, &form, errors_for(tr, &fields, &ours, ORDER), None);
            return ctx.page_with_status(StatusCode::UNPROCESSABLE_ENTITY, &page);
        }
        Ok(proof) => match state.sigillo.revoke_with_health_card(proof, ctx.client_ip.as_deref()).await {
            Ok(()) => return ctx.redirect("/revoca-pin/esito"),
            Err(error) => AppError::from(error),
        },
    };
    let (errors, problem) = if error.fields.is_empty() {
        (Vec::new(), Some(Problem::from_error(tr, &error)))
    } else {
        (errors_for(tr, &error.fields, &BTreeMap::new(), ORDER), None)
    };
    let page = RevokePage::new(&ctx, &form, errors, problem);
    ctx.page_with_status(refusal_status(&error), &page)
}

#[derive(Template)]
#[template(path = "flow_revoke_done.html")]
struct RevokeDone {
    shell: Shell,
}

pub async fn outcome(ctx: Ctx) -> Response {
    let page = RevokeDone { shell: ctx.shell.clone() };
    ctx.page(&page)
}

#[cfg(test)]
mod tests {
    use sigillo_domain::Lang;

    use super::*;
    use crate::portal::pages::flows::tests::shell;

    fn filled(confirm: Option<&str>) -> RevokeForm {
        RevokeForm {
            csrf: String::new(),
            fiscal_code: "ntofpp61e49d235r".into(),
            health_card_number: "8038 0363 8388 7714 7730".into(),
            health_card_expiry: "08/11/2032".into(),
            confirm: confirm.map(str::to_owned),
        }
    }

    #[test]
    fn revocation_needs_the_tick() {
        let tr = Tr { lang: Lang::It };
        let Err((fields, ours)) = filled(None).proof(tr) else { panic!("accepted without the confirmation") };
        assert!(fields.is_empty());
        assert_eq!(ours.keys().collect::<Vec<_>>(), ["confirm"]);
        let proof = filled(Some("1")).proof(tr).unwrap_or_else(|_| panic!("refused a complete form"));
        assert_eq!(proof.fiscal_code.as_str(), "NTOFPP61E49D235R");
        assert_eq!(proof.number, "80380363838877147730");
        assert_eq!(proof.expiry, time::macros::date!(2032 - 11 - 08));
    }

    #[test]
    fn every_reason_at_once_in_the_page_language() {
        let en = Tr { lang: Lang::En };
        let form = RevokeForm { fiscal_code: "XYZ".into(), health_card_expiry: "tomorrow".into(), ..filled(None) };
        let Err((fields, ours)) = form.proof(en) else { panic!("accepted a bad form") };
        let errors = errors_for(en, &fields, &ours, ORDER);
        let ids: Vec<_> = errors.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["fiscal_code", "health_card_expiry", "confirm"]);
        assert!(errors[0].message.starts_with("The fiscal code must have 16 characters"), "{errors:?}");
        assert_eq!(errors[1].message, "Expiry date not valid: use DD/MM/YYYY.");
    }

    #[test]
    fn the_pages_render_in_both_languages() {
        for lang in [Lang::It, Lang::En] {
            let errors = vec![FieldError { id: "confirm".into(), message: "tick".into() }];
            let page = RevokePage::build(shell(lang), true, &filled(None), errors, None);
            let html = page.render().unwrap_or_default();
            assert!(!html.contains("??"));
            assert!(html.contains(r#"type="checkbox" id="confirm" name="confirm" value="1""#), "{html}");
            assert!(html.contains(r#"aria-describedby="confirm_hint confirm_error""#));
            assert!(html.contains(r#"href="/area-riservata""#));
            let html = RevokeDone { shell: shell(lang) }.render().unwrap_or_default();
            assert!(!html.contains("??") && html.contains(r#"href="/richiedi-pin""#));
        }
    }
}
