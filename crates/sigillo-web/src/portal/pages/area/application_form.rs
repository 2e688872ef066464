//! `/area-riservata/domande/nuova/{type}`: the form of one application of the catalogue, with the
//! fields that application asks, checked on the server by the same catalogue as the API; errors
//! show next to their fields and in a summary linking to them, and every value typed is kept.
//! Needs a PIN dispositivo (an ordinary PIN gets the way to upgrade, with a 403).

use askama::Template;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{Map, Value};
use sigillo_app::login::Citizen;
use sigillo_app::services::ApplicationError;
use sigillo_domain::Localized;
use sigillo_domain::application::ApplicationType;
use sigillo_domain::application::catalogue::{self, FieldSpec, FormProblems};
use sigillo_domain::application::fields::FieldKind;
use sigillo_domain::credential::Level;

use super::applications::{HERE, form_href, type_label};
use super::{no_store, not_found, ready_citizen, unavailable};
use crate::error::AppError;
use crate::portal::form::{FieldError, error_of};
use crate::portal::pages::login::urlencode;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "area_application_form.html")]
struct FormPage {
    shell: Shell,
    dispositivo: bool,
    title: &'static str,
    action: String,
    fields: Vec<FieldView>,
    errors: Vec<FieldError>,
    declared: bool,
}

impl FormPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_of(&self.errors, id)
    }
}

/// One field as the template draws it.
struct FieldView {
    name: &'static str,
    label: &'static str,
    hint: &'static str,
    /// `select` or the input's `type` (`text`).
    widget: &'static str,
    required: bool,
    value: String,
    /// For a select: (value, label).
    options: Vec<(&'static str, &'static str)>,
    maxlength: Option<usize>,
    inputmode: Option<&'static str>,
    /// Codes (IBAN, fiscal code): capitals, no spell-checking.
    code: bool,
    error: Option<String>,
}

impl FieldView {
    fn new(spec: &FieldSpec, ctx: &Ctx, value: String, error: Option<String>) -> FieldView {
        let lang = ctx.shell.tr.lang;
        let (mut widget, mut options, mut maxlength, mut inputmode, mut code) = ("text", Vec::new(), None, None, false);
        match spec.kind {
            FieldKind::Choice(choices) => {
                widget = "select";
                options =
                    choices.iter().map(|c| (c.0, if lang == sigillo_domain::Lang::It { c.1 } else { c.2 })).collect();
            }
            FieldKind::Text { max } => maxlength = Some(max),
            FieldKind::Integer { .. } => inputmode = Some("numeric"),
            FieldKind::Amount { .. } => inputmode = Some("decimal"),
            FieldKind::Iban | FieldKind::FiscalCode => {
                code = true;
                maxlength = Some(42);
            }
            FieldKind::Date => maxlength = Some(10),
        }
        FieldView {
            name: spec.name,
            label: spec.label(lang),
            hint: spec.hint(lang),
            widget,
            required: spec.required,
            value,
            options,
            maxlength,
            inputmode,
            code,
            error,
        }
    }

    /// The ids the field is described by: its hint and its error.
    fn describedby(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}_hint", self.name));
        }
        if self.error.is_some() {
            ids.push(format!("{}_error", self.name));
        }
        ids.join(" ")
    }
}

fn render(
    ctx: Ctx,
    citizen: &Citizen,
    kind: ApplicationType,
    status: StatusCode,
    values: &Map<String, Value>,
    errors: Vec<FieldError>,
    declared: bool,
) -> Response {
    let fields = kind
        .fields()
        .iter()
        .map(|spec| {
            let value = values.get(spec.name).and_then(Value::as_str).unwrap_or_default().to_owned();
            FieldView::new(spec, &ctx, value, error_of(&errors, spec.name).map(str::to_owned))
        })
        .collect();
    let dispositivo = citizen.credential.level >= Level::Dispositivo;
    let page = FormPage {
        shell: ctx.shell.clone(),
        dispositivo,
        title: type_label(ctx.shell.tr, kind),
        action: form_href(kind),
        fields,
        errors,
        declared,
    };
    // An ordinary PIN is refused the service, as the API does (403 `level_insufficient`).
    let status = if dispositivo { status } else { StatusCode::FORBIDDEN };
    no_store(ctx.page_with_status(status, &page))
}

/// The citizen ready for the form of `kind`, or the page to answer instead.
#[allow(clippy::result_large_err)] // the response is handed straight back to axum
fn prepare(ctx: Ctx, kind: &str) -> Result<(Ctx, Citizen, ApplicationType), Response> {
    let here = format!("{HERE}/nuova/{}", urlencode(kind));
    let (ctx, citizen) = ready_citizen(ctx, &here)?;
    match ApplicationType::parse(kind) {
        Some(kind) => Ok((ctx, citizen, kind)),
        None => Err(not_found(ctx)),
    }
}

pub async fn page(ctx: Ctx, Path(kind): Path<String>) -> Response {
    match prepare(ctx, &kind) {
        Ok((ctx, citizen, kind)) => render(ctx, &citizen, kind, StatusCode::OK, &Map::new(), Vec::new(), false),
        Err(response) => response,
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(kind): Path<String>,
    Form(posted): Form<Vec<(String, String)>>,
) -> Response {
    let (ctx, citizen, kind) = match prepare(ctx, &kind) {
        Ok(found) => found,
        Err(response) => return response,
    };
    let tr = ctx.shell.tr;
    let get = |name: &str| posted.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    // Only the form's own fields: a browser sends nothing else, and whatever else came is dropped.
    let values: Map<String, Value> = kind
        .fields()
        .iter()
        .filter_map(|spec| get(spec.name).map(|v| (spec.name.to_owned(), Value::String(v.to_owned()))))
        .collect();
    let declared = get("declaration").is_some();
    if citizen.credential.level < Level::Dispositivo {
        return render(ctx, &citizen, kind, StatusCode::FORBIDDEN, &values, Vec::new(), declared);
    }
    let first = kind.fields().first().map_or("declaration", |f| f.name);
    if !ctx.csrf_ok(get("csrf").unwrap_or_default()) {
        let errors = vec![FieldError { id: first.into(), message: tr.t("csrf_failed").into() }];
        return render(ctx, &citizen, kind, StatusCode::UNPROCESSABLE_ENTITY, &values, errors, declared);
    }
    let field_errors = |problems: &FormProblems| -> Vec<FieldError> {
        kind.fields()
            .iter()
            .filter_map(|spec| {
                problems.get(spec.name).map(|p| FieldError { id: spec.name.into(), message: p.message(tr.lang) })
            })
            .collect()
    };
    if !declared {
        // Nothing is stored without the declaration; the fields are checked all the same, so
        // every error shows at once.
        let today = time::OffsetDateTime::now_utc().date();
        let mut errors = catalogue::validate(kind, &values, today).err().map(|p| field_errors(&p)).unwrap_or_default();
        errors.push(FieldError { id: "declaration".into(), message: tr.t("area_apps_err_declaration").into() });
        return render(ctx, &citizen, kind, StatusCode::UNPROCESSABLE_ENTITY, &values, errors, declared);
    }
    let data = Value::Object(values.clone());
    let errors = match state.sigillo.submit_application(&citizen, kind.as_str(), &data, ctx.client_ip.as_deref()).await
    {
        Ok(application) => {
            return ctx.redirect(&format!("{HERE}?protocollo={}", urlencode(&application.protocol)));
        }
        Err(ApplicationError::InvalidFields(problems)) => field_errors(&problems),
        Err(ApplicationError::LevelInsufficient) => Vec::new(),
        Err(ApplicationError::UnknownType | ApplicationError::InvalidData(_)) => {
            vec![FieldError { id: first.into(), message: tr.t("area_apps_err_form").into() }]
        }
        Err(ApplicationError::Store(error)) => return unavailable(ctx, AppError::from(error).status),
    };
    render(ctx, &citizen, kind, StatusCode::UNPROCESSABLE_ENTITY, &values, errors, declared)
}
