//! `GET /api/v1/applications/catalogue`: the applications a PIN dispositivo may submit, each with
//! the fields of its form, so a client can build the form and send `data` as the server checks it.

use axum::Json;
use serde::Serialize;
use sigillo_domain::Lang;
use sigillo_domain::application::ApplicationType;
use sigillo_domain::application::catalogue::FieldSpec;
use sigillo_domain::application::fields::FieldKind;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct ChoiceBody {
    pub value: &'static str,
    pub label: &'static str,
    pub label_en: &'static str,
}

#[derive(Serialize, ToSchema)]
pub struct FieldBody {
    /// The key in `data`.
    pub name: &'static str,
    pub label: &'static str,
    pub label_en: &'static str,
    /// `date` (`YYYY-MM-DD` or `GG/MM/AAAA`), `iban`, `fiscal_code`, `choice` (one of `choices`'
    /// values), `text` (at most `max_length` characters), `integer` (`min` to `max`), `amount`
    /// (euro, e.g. `1234.56` or `1.234,56`, at most `max`).
    pub kind: &'static str,
    pub required: bool,
    #[serde(skip_serializing_if = "str::is_empty")]
    pub hint: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_length: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max: Option<i64>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub choices: Vec<ChoiceBody>,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationTypeBody {
    /// The `type` of `POST /api/v1/me/applications`.
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub label: &'static str,
    pub fields: Vec<FieldBody>,
}

#[derive(Serialize, ToSchema)]
pub struct CatalogueBody {
    pub types: Vec<ApplicationTypeBody>,
}

fn field(spec: &FieldSpec) -> FieldBody {
    let (mut max_length, mut min, mut max, mut choices) = (None, None, None, Vec::new());
    match spec.kind {
        FieldKind::Text { max: m } => max_length = Some(m),
        FieldKind::Integer { min: lo, max: hi } => (min, max) = (Some(lo), Some(hi)),
        FieldKind::Amount { max_euros } => (min, max) = (Some(0), Some(max_euros)),
        FieldKind::Choice(list) => {
            choices = list.iter().map(|(value, label, label_en)| ChoiceBody { value, label, label_en }).collect();
        }
        FieldKind::Date | FieldKind::Iban | FieldKind::FiscalCode => {}
    }
    FieldBody {
        name: spec.name,
        label: spec.label_it,
        label_en: spec.label_en,
        kind: spec.kind.name(),
        required: spec.required,
        hint: spec.hint(Lang::It),
        max_length,
        min,
        max,
        choices,
    }
}

pub fn catalogue_body() -> CatalogueBody {
    CatalogueBody {
        types: ApplicationType::ALL
            .into_iter()
            .map(|kind| ApplicationTypeBody {
                kind: kind.as_str(),
                label: kind.label(),
                fields: kind.fields().iter().map(field).collect(),
            })
            .collect(),
    }
}

#[utoipa::path(
    get, path = "/api/v1/applications/catalogue", tag = "services",
    responses((status = 200, body = CatalogueBody, description = "Every application type with its form's fields")),
)]
pub async fn catalogue() -> Json<CatalogueBody> {
    Json(catalogue_body())
}
