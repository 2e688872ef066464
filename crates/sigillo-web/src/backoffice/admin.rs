//! The administrator's pages: audit log (filters, chain check), parked messages, print batches,
//! policy in force.

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use sigillo_app::admin::{AuditQuery, PolicyItem};
use sigillo_app::audit_verify::Verdict;
use sigillo_app::backoffice::BackofficeError;
use sigillo_domain::audit::ChainBreak;
use sigillo_domain::operator::Permission;
use time::format_description::well_known::Rfc3339;
use uuid::Uuid;

use super::{Bo, BoShell, csrf_failed, error_page};
use crate::portal::form::{FieldError, error_of, field_errors};
use crate::portal::pages::login::urlencode;
use crate::state::AppState;

type AuditRow = (i64, String, String, String, String, String, String);

#[derive(Template)]
#[template(path = "bo_audit.html")]
struct AuditPage {
    bo: BoShell,
    errors: Vec<FieldError>,
    /// (id, label, value, input type)
    filters: Vec<(&'static str, &'static str, String, &'static str)>,
    rows: Vec<AuditRow>,
    next: Option<String>,
    /// (intact, text)
    verdict: Option<(bool, String)>,
}

impl AuditPage {
    fn error(&self, id: &str) -> Option<&str> {
        error_of(&self.errors, id)
    }
}

fn verdict_text(verdict: &Verdict) -> (bool, String) {
    match verdict {
        Verdict::Intact { entries } => (true, format!("Catena integra: {entries} voci verificate.")),
        Verdict::Broken(ChainBreak::Tampered { seq }) => {
            (false, format!("Catena NON integra: la voce {seq} è stata alterata."))
        }
        Verdict::Broken(ChainBreak::Unlinked { seq }) => {
            (false, format!("Catena NON integra: la voce {seq} non segue la precedente (voci rimosse o riordinate)."))
        }
    }
}

async fn audit_page(state: &AppState, bo: Bo, query: AuditQuery, verdict: Option<(bool, String)>) -> Response {
    let op = match bo.require(Permission::ReadAudit) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    let value = |v: &Option<String>| v.clone().unwrap_or_default();
    let filters = vec![
        ("fiscal_code", "Codice fiscale", value(&query.fiscal_code), "text"),
        ("actor", "Operatore (o citizen, system)", value(&query.actor), "text"),
        ("event", "Evento", value(&query.event), "text"),
        ("from", "Dal", value(&query.from), "date"),
        ("to", "Al", value(&query.to), "date"),
    ];
    let (rows, errors, next) = match query.to_filter() {
        Ok(filter) => match state.sigillo.search_audit(&op, &filter).await {
            Ok(entries) => {
                let next = (entries.len() == sigillo_app::admin::AUDIT_PAGE as usize).then(|| {
                    let last = entries.last().map_or(0, |e| e.seq);
                    let keep: Vec<String> = [
                        ("fiscal_code", &query.fiscal_code),
                        ("actor", &query.actor),
                        ("event", &query.event),
                        ("from", &query.from),
                        ("to", &query.to),
                    ]
                    .iter()
                    .filter_map(|(k, v)| {
                        v.as_deref().filter(|v| !v.is_empty()).map(|v| format!("{k}={}", urlencode(v)))
                    })
                    .collect();
                    let mut href = format!("/operatore/audit?before={last}");
                    for k in keep {
                        href.push('&');
                        href.push_str(&k);
                    }
                    href
                });
                let rows = entries
                    .into_iter()
                    .map(|e| {
                        let details: Vec<String> = e.event.details.iter().map(|(k, v)| format!("{k}={v}")).collect();
                        (
                            e.seq,
                            e.event.at.format(&Rfc3339).unwrap_or_default(),
                            e.event.actor.as_string(),
                            e.event.event,
                            e.event.fiscal_code.map(|c| c.to_string()).unwrap_or_default(),
                            details.join(", "),
                            e.event.client_ip.unwrap_or_default(),
                        )
                    })
                    .collect();
                (rows, Vec::new(), next)
            }
            Err(e) => return error_page(&bo, e, "/operatore"),
        },
        Err(fields) => (Vec::new(), field_errors(&fields, &["fiscal_code", "actor", "event", "from", "to"]), None),
    };
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = AuditPage { bo: bo.shell("/operatore/audit"), errors, filters, rows, next, verdict };
    bo.page_with_status(status, &page)
}

pub async fn audit(State(state): State<AppState>, bo: Bo, Query(query): Query<AuditQuery>) -> Response {
    audit_page(&state, bo, query, None).await
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    reason: String,
}

pub async fn verify(State(state): State<AppState>, bo: Bo, Form(form): Form<CsrfForm>) -> Response {
    let op = match bo.require(Permission::ReadAudit) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    match state.sigillo.verify_audit_chain(&op).await {
        Ok(verdict) => audit_page(&state, bo, AuditQuery::default(), Some(verdict_text(&verdict))).await,
        Err(e) => error_page(&bo, e, "/operatore/audit"),
    }
}

struct ParkedRow {
    id: String,
    kind: &'static str,
    channel: &'static str,
    recipient: String,
    fiscal_code: String,
    created: String,
    attempts: u32,
    error: String,
}

#[derive(Template)]
#[template(path = "bo_outbox.html")]
struct OutboxPage {
    bo: BoShell,
    errors: Vec<FieldError>,
    rows: Vec<ParkedRow>,
}

async fn outbox_page(state: &AppState, bo: Bo, notice: Option<String>, errors: Vec<FieldError>) -> Response {
    let op = match bo.require(Permission::ManageOutbox) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    let parked = match state.sigillo.parked_messages(&op).await {
        Ok(parked) => parked,
        Err(e) => return error_page(&bo, e, "/operatore"),
    };
    let mut shell = bo.shell("/operatore/messaggi");
    shell.notice = notice;
    let status = if errors.is_empty() { StatusCode::OK } else { StatusCode::UNPROCESSABLE_ENTITY };
    let page = OutboxPage {
        bo: shell,
        errors,
        rows: parked
            .into_iter()
            .map(|p| ParkedRow {
                id: p.id.to_string(),
                kind: p.kind.as_str(),
                channel: p.channel.as_str(),
                recipient: p.recipient,
                fiscal_code: p.fiscal_code.to_string(),
                created: p.created_at.format(&Rfc3339).unwrap_or_default(),
                attempts: p.attempts,
                error: p.last_error.unwrap_or_default(),
            })
            .collect(),
    };
    bo.page_with_status(status, &page)
}

pub async fn outbox(State(state): State<AppState>, bo: Bo) -> Response {
    outbox_page(&state, bo, None, Vec::new()).await
}

pub async fn retry(
    State(state): State<AppState>,
    bo: Bo,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let op = match bo.require(Permission::ManageOutbox) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    let Ok(uuid) = Uuid::parse_str(&id) else {
        return error_page(&bo, BackofficeError::NoCredential, "/operatore/messaggi");
    };
    match state.sigillo.retry_parked(&op, uuid).await {
        Ok(()) => outbox_page(&state, bo, Some("Messaggio rimesso in coda.".to_owned()), Vec::new()).await,
        Err(e) => error_page(&bo, e, "/operatore/messaggi"),
    }
}

pub async fn discard(
    State(state): State<AppState>,
    bo: Bo,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let op = match bo.require(Permission::ManageOutbox) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    let Ok(uuid) = Uuid::parse_str(&id) else {
        return error_page(&bo, BackofficeError::NoCredential, "/operatore/messaggi");
    };
    match state.sigillo.discard_parked(&op, uuid, &form.reason).await {
        Ok(()) => outbox_page(&state, bo, Some("Messaggio scartato.".to_owned()), Vec::new()).await,
        Err(BackofficeError::InvalidInput(_)) => {
            let errors = vec![FieldError {
                id: format!("reason-{id}"),
                message: "Indicare il motivo per scartare il messaggio.".into(),
            }];
            outbox_page(&state, bo, None, errors).await
        }
        Err(e) => error_page(&bo, e, "/operatore/messaggi"),
    }
}

struct BatchRow {
    batch: String,
    letters: u64,
    claimed: String,
    confirmed: bool,
}

#[derive(Template)]
#[template(path = "bo_batches.html")]
struct BatchesPage {
    bo: BoShell,
    errors: Vec<FieldError>,
    rows: Vec<BatchRow>,
}

async fn batches_page(state: &AppState, bo: Bo, notice: Option<String>) -> Response {
    let op = match bo.require(Permission::PrintBatches) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    let batches = match state.sigillo.print_batches(&op).await {
        Ok(b) => b,
        Err(e) => return error_page(&bo, e, "/operatore"),
    };
    let mut shell = bo.shell("/operatore/stampe");
    shell.notice = notice;
    let page = BatchesPage {
        bo: shell,
        errors: Vec::new(),
        rows: batches
            .into_iter()
            .map(|b| BatchRow {
                batch: b.batch,
                letters: b.letters,
                claimed: b.claimed_at.format(&Rfc3339).unwrap_or_default(),
                confirmed: b.confirmed,
            })
            .collect(),
    };
    bo.page(&page)
}

pub async fn batches(State(state): State<AppState>, bo: Bo) -> Response {
    batches_page(&state, bo, None).await
}

pub async fn create_batch(State(state): State<AppState>, bo: Bo, Form(form): Form<CsrfForm>) -> Response {
    let op = match bo.require(Permission::PrintBatches) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    match state.sigillo.create_print_batch(&op).await {
        Ok(Some((batch, letters))) => {
            batches_page(&state, bo, Some(format!("Lotto {batch} creato con {letters} lettere."))).await
        }
        Ok(None) => batches_page(&state, bo, Some("Nessuna lettera in attesa di stampa.".to_owned())).await,
        Err(e) => error_page(&bo, e, "/operatore/stampe"),
    }
}

pub async fn batch_pdf(State(state): State<AppState>, bo: Bo, Path(batch): Path<String>) -> Response {
    let op = match bo.require(Permission::PrintBatches) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    match state.sigillo.print_batch_pdf(&op, &batch).await {
        Ok(Some(pdf)) => crate::api::operator::work::pdf_response(StatusCode::OK, pdf, &format!("lettere-{batch}.pdf")),
        Ok(None) => bo.message(
            StatusCode::NOT_FOUND,
            "PDF non disponibile",
            "Il lotto non esiste o è già stato confermato: le metà del PIN sono state cancellate.",
            "/operatore/stampe",
        ),
        Err(e) => error_page(&bo, e, "/operatore/stampe"),
    }
}

pub async fn batch_manifest(State(state): State<AppState>, bo: Bo, Path(batch): Path<String>) -> Response {
    let op = match bo.require(Permission::PrintBatches) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    match state.sigillo.print_batch_manifest(&op, &batch).await {
        Ok(Some(csv)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"manifest-{batch}.csv\"")),
            ],
            csv,
        )
            .into_response(),
        Ok(None) => bo.message(StatusCode::NOT_FOUND, "Lotto non trovato", "Il lotto non esiste.", "/operatore/stampe"),
        Err(e) => error_page(&bo, e, "/operatore/stampe"),
    }
}

pub async fn confirm_batch(
    State(state): State<AppState>,
    bo: Bo,
    Path(batch): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let op = match bo.require(Permission::PrintBatches) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    match state.sigillo.confirm_print_batch(&op, &batch).await {
        Ok(()) => batches_page(&state, bo, Some(format!("Stampa del lotto {batch} confermata."))).await,
        Err(e) => error_page(&bo, e, "/operatore/stampe"),
    }
}

#[derive(Template)]
#[template(path = "bo_policy.html")]
struct PolicyPage {
    bo: BoShell,
    errors: Vec<FieldError>,
    items: Vec<PolicyItem>,
}

pub async fn policy(State(state): State<AppState>, bo: Bo) -> Response {
    let op = match bo.require(Permission::ReadPolicy) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    match state.sigillo.policy(&op) {
        Ok(items) => {
            let page = PolicyPage { bo: bo.shell("/operatore/politiche"), errors: Vec::new(), items };
            bo.page(&page)
        }
        Err(e) => error_page(&bo, e, "/operatore"),
    }
}

#[derive(Template)]
#[template(path = "bo_clients.html")]
struct ClientsPage {
    bo: BoShell,
    errors: Vec<FieldError>,
    clients: Vec<sigillo_app::oidc::clients::ClientSummary>,
}

impl ClientsPage {
    fn date(at: &time::OffsetDateTime) -> String {
        at.format(&Rfc3339).unwrap_or_default()
    }
}

async fn clients_page(state: &AppState, bo: Bo, notice: Option<String>) -> Response {
    let op = match bo.require(Permission::ManageClients) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    let clients = match state.sigillo.oidc_clients(&op).await {
        Ok(clients) => clients,
        Err(e) => return error_page(&bo, e, "/operatore"),
    };
    let mut shell = bo.shell("/operatore/servizi-collegati");
    shell.notice = notice;
    let page = ClientsPage { bo: shell, errors: Vec::new(), clients };
    bo.page_with_status(StatusCode::OK, &page)
}

pub async fn clients(State(state): State<AppState>, bo: Bo) -> Response {
    clients_page(&state, bo, None).await
}

pub async fn remove_client(
    State(state): State<AppState>,
    bo: Bo,
    Path(id): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let op = match bo.require(Permission::ManageClients) {
        Ok(op) => op.clone(),
        Err(response) => return response,
    };
    if !bo.csrf_ok(&form.csrf) {
        return csrf_failed(&bo);
    }
    match state.sigillo.remove_oidc_client(&op, &id).await {
        Ok(()) => {
            let notice = "Servizio rimosso: non può più far accedere i cittadini e i suoi token non valgono più.";
            clients_page(&state, bo, Some(notice.to_owned())).await
        }
        Err(e) => error_page(&bo, e, "/operatore/servizi-collegati"),
    }
}
