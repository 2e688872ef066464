//! `/area-riservata/recapiti`: the citizen's contacts, adding one, entering its verification code,
//! asking a new code, removing one. Every change is a POST with the form token, answered by a
//! redirect back to the list with a notice (`?esito=`), or by the list again with the errors.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde::Deserialize;
use sigillo_app::contacts::{ContactError, ContactView};
use sigillo_app::login::Citizen;
use sigillo_domain::contact::ContactKind;
use uuid::Uuid;

use super::{no_store, ready_citizen, unavailable};
use crate::error::AppError;
use crate::portal::form::{FieldError, error_of};
use crate::portal::i18n::Tr;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

const HERE: &str = "/area-riservata/recapiti";

#[derive(Template)]
#[template(path = "area_contacts.html")]
struct ContactsPage {
    shell: Shell,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
    /// For the demo mailbox's filter.
    fiscal_code: String,
    rows: Vec<Row>,
    kinds: Vec<(&'static str, &'static str)>,
    /// The add form's input, kept after an error.
    kind: String,
    value: String,
}

impl ContactsPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_of(&self.errors, id)
    }

    fn unverified(&self) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(|r| r.id.is_some() && !r.verified)
    }
}

struct Row {
    id: Option<String>,
    kind: &'static str,
    value: String,
    status: &'static str,
    verified: bool,
    /// The refusal of this contact's code, if any.
    code_error: Option<String>,
}

fn kind_label(tr: Tr, kind: ContactKind) -> &'static str {
    tr.t(match kind {
        ContactKind::Mobile => "area_kind_mobile",
        ContactKind::Landline => "area_kind_landline",
        ContactKind::Email => "area_kind_email",
        ContactKind::Pec => "area_kind_pec",
    })
}

fn row(tr: Tr, c: ContactView) -> Row {
    let status = if c.from_registry {
        "area_status_registry"
    } else if c.verified {
        "area_status_verified"
    } else {
        "area_status_unverified"
    };
    Row {
        id: c.id.map(|id| id.to_string()),
        kind: kind_label(tr, c.kind),
        value: c.value,
        status: tr.t(status),
        verified: c.verified,
        code_error: None,
    }
}

#[derive(Deserialize)]
pub struct Outcome {
    esito: Option<String>,
}

fn notice_key(outcome: &str) -> Option<&'static str> {
    match outcome {
        "aggiunto" => Some("area_contact_added"),
        "verificato" => Some("area_contact_verified"),
        "nuovo-codice" => Some("area_contact_resent"),
        "rimosso" => Some("area_contact_removed"),
        _ => None,
    }
}

pub async fn page(State(state): State<AppState>, ctx: Ctx, Query(q): Query<Outcome>) -> Response {
    let (ctx, citizen) = match ready_citizen(ctx, HERE) {
        Ok(found) => found,
        Err(redirect) => return redirect,
    };
    let notice = q.esito.as_deref().and_then(notice_key);
    render(&state, ctx, &citizen, StatusCode::OK, notice, Vec::new(), Input::default()).await
}

/// The add form as typed.
#[derive(Default)]
struct Input {
    kind: String,
    value: String,
}

async fn render(
    state: &AppState,
    ctx: Ctx,
    citizen: &Citizen,
    status: StatusCode,
    notice: Option<&'static str>,
    errors: Vec<FieldError>,
    input: Input,
) -> Response {
    let tr = ctx.shell.tr;
    let contacts = match state.sigillo.contacts(&citizen.credential.fiscal_code).await {
        Ok(contacts) => contacts,
        Err(error) => return unavailable(ctx, AppError::from(error).status),
    };
    let mut rows: Vec<Row> = contacts.into_iter().map(|c| row(tr, c)).collect();
    for row in &mut rows {
        if let Some(id) = &row.id {
            row.code_error = error_of(&errors, &format!("code-{id}")).map(str::to_owned);
        }
    }
    let page = ContactsPage {
        shell: ctx.shell.clone(),
        notice: notice.map(|key| tr.t(key)),
        errors,
        fiscal_code: citizen.credential.fiscal_code.to_string(),
        rows,
        kinds: ContactKind::ALL.into_iter().map(|k| (k.as_str(), kind_label(tr, k))).collect(),
        kind: input.kind,
        value: input.value,
    };
    no_store(ctx.page_with_status(status, &page))
}

/// A refused change as the page shows it: the field it belongs to, its words, the status.
fn refusal(
    tr: Tr,
    error: ContactError,
    field: &str,
    kind: Option<ContactKind>,
) -> Result<(FieldError, StatusCode), StatusCode> {
    let (key, status) = match error {
        ContactError::InvalidValue(_) => match kind {
            Some(ContactKind::Email | ContactKind::Pec) => ("area_err_email", StatusCode::UNPROCESSABLE_ENTITY),
            _ => ("area_err_phone", StatusCode::UNPROCESSABLE_ENTITY),
        },
        ContactError::Duplicate => ("area_err_duplicate", StatusCode::CONFLICT),
        ContactError::TooMany => ("area_err_too_many", StatusCode::CONFLICT),
        ContactError::NotFound => ("area_err_contact_missing", StatusCode::NOT_FOUND),
        ContactError::InvalidCode => ("area_err_code", StatusCode::BAD_REQUEST),
        other => return Err(AppError::from(other).status),
    };
    Ok((FieldError { id: field.to_owned(), message: tr.t(key).to_owned() }, status))
}

fn csrf_error(tr: Tr, field: &str) -> FieldError {
    FieldError { id: field.to_owned(), message: tr.t("csrf_failed").to_owned() }
}

#[derive(Deserialize)]
pub struct AddForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    value: String,
}

pub async fn add(State(state): State<AppState>, ctx: Ctx, Form(form): Form<AddForm>) -> Response {
    let (ctx, citizen) = match ready_citizen(ctx, HERE) {
        Ok(found) => found,
        Err(redirect) => return redirect,
    };
    let tr = ctx.shell.tr;
    let kind = ContactKind::parse(form.kind.trim());
    let mut errors = Vec::new();
    if !ctx.csrf_ok(&form.csrf) {
        errors.push(csrf_error(tr, "kind"));
    } else if kind.is_none() {
        errors.push(FieldError { id: "kind".into(), message: tr.t("area_err_kind").into() });
    }
    if form.value.trim().is_empty() {
        errors.push(FieldError { id: "value".into(), message: tr.t("area_err_value_empty").into() });
    }
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    if let (Some(kind), true) = (kind, errors.is_empty()) {
        match state.sigillo.add_contact(&citizen, kind, &form.value, ctx.client_ip.as_deref()).await {
            Ok(view) => {
                let anchor = view.id.map(|id| format!("#verifica-{id}")).unwrap_or_default();
                return ctx.redirect(&format!("{HERE}?esito=aggiunto{anchor}"));
            }
            Err(error) => match refusal(tr, error, "value", Some(kind)) {
                Ok((error, refused)) => {
                    errors.push(error);
                    status = refused;
                }
                Err(failed) => return unavailable(ctx, failed),
            },
        }
    }
    render(&state, ctx, &citizen, status, None, errors, Input { kind: form.kind, value: form.value }).await
}

#[derive(Deserialize)]
pub struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

pub async fn verify(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<CodeForm>,
) -> Response {
    let (ctx, citizen) = match ready_citizen(ctx, HERE) {
        Ok(found) => found,
        Err(redirect) => return redirect,
    };
    let tr = ctx.shell.tr;
    let id = Uuid::parse_str(id.trim()).ok();
    // The error sits under the contact's code field, or above the list for an unknown contact.
    let field = id.map_or_else(|| "contacts".to_owned(), |id| format!("code-{id}"));
    let refused = if !ctx.csrf_ok(&form.csrf) {
        (csrf_error(tr, &field), StatusCode::UNPROCESSABLE_ENTITY)
    } else if form.code.trim().is_empty() {
        (
            FieldError { id: field.clone(), message: tr.t("area_err_code_empty").into() },
            StatusCode::UNPROCESSABLE_ENTITY,
        )
    } else {
        let outcome = match id {
            Some(id) => state.sigillo.verify_contact(&citizen, id, &form.code, ctx.client_ip.as_deref()).await,
            None => Err(ContactError::NotFound),
        };
        match outcome {
            Ok(()) => return ctx.redirect(&format!("{HERE}?esito=verificato")),
            Err(error) => match refusal(tr, error, &field, None) {
                Ok(refused) => refused,
                Err(failed) => return unavailable(ctx, failed),
            },
        }
    };
    render(&state, ctx, &citizen, refused.1, None, vec![refused.0], Input::default()).await
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    csrf: String,
}

pub async fn resend(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    change(state, ctx, id, form, Change::Resend).await
}

pub async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Form(form): Form<TokenForm>,
) -> Response {
    change(state, ctx, id, form, Change::Remove).await
}

#[derive(Clone, Copy)]
enum Change {
    Resend,
    Remove,
}

/// A new code or a removal: no input but the contact's id.
async fn change(state: AppState, ctx: Ctx, id: String, form: TokenForm, change: Change) -> Response {
    let (ctx, citizen) = match ready_citizen(ctx, HERE) {
        Ok(found) => found,
        Err(redirect) => return redirect,
    };
    let tr = ctx.shell.tr;
    // A refusal is shown above the list, whose id is `contacts`.
    let field = "contacts";
    if !ctx.csrf_ok(&form.csrf) {
        let errors = vec![csrf_error(tr, field)];
        return render(&state, ctx, &citizen, StatusCode::UNPROCESSABLE_ENTITY, None, errors, Input::default()).await;
    }
    let client_ip = ctx.client_ip.clone();
    let outcome = match Uuid::parse_str(id.trim()) {
        Ok(id) => match change {
            Change::Resend => state.sigillo.resend_contact_code(&citizen, id, client_ip.as_deref()).await,
            Change::Remove => state.sigillo.remove_contact(&citizen, id, client_ip.as_deref()).await,
        },
        Err(_) => Err(ContactError::NotFound),
    };
    match outcome {
        Ok(()) => {
            let to = match change {
                Change::Resend => format!("{HERE}?esito=nuovo-codice#verifica-{}", id.trim()),
                Change::Remove => format!("{HERE}?esito=rimosso"),
            };
            ctx.redirect(&to)
        }
        Err(error) => match refusal(tr, error, field, None) {
            Ok((error, status)) => render(&state, ctx, &citizen, status, None, vec![error], Input::default()).await,
            Err(failed) => unavailable(ctx, failed),
        },
    }
}

#[cfg(test)]
mod tests {
    use sigillo_domain::Lang;

    use super::*;

    #[test]
    fn outcomes_have_notices_and_nothing_else_does() {
        for outcome in ["aggiunto", "verificato", "nuovo-codice", "rimosso"] {
            assert!(notice_key(outcome).is_some(), "{outcome}");
        }
        assert_eq!(notice_key("<script>"), None);
    }

    #[test]
    fn refusals_speak_the_page_language_and_keep_the_status() {
        let en = Tr { lang: Lang::En };
        let (error, status) =
            refusal(en, ContactError::InvalidValue("x".into()), "value", Some(ContactKind::Pec)).unwrap();
        assert_eq!((error.id.as_str(), status), ("value", StatusCode::UNPROCESSABLE_ENTITY));
        assert!(error.message.starts_with("The address is not valid"));
        let (error, status) = refusal(en, ContactError::InvalidCode, "code-1", None).unwrap();
        assert_eq!((error.id.as_str(), status), ("code-1", StatusCode::BAD_REQUEST));
        let it = Tr { lang: Lang::It };
        let (error, status) = refusal(it, ContactError::Duplicate, "value", Some(ContactKind::Mobile)).unwrap();
        assert_eq!((error.message.as_str(), status), ("Questo recapito è già registrato.", StatusCode::CONFLICT));
    }
}
