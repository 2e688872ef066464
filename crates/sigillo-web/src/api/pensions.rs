//! A pensioner's documents (level ordinario): the monthly slips (cedolini) and the yearly tax
//! certificates (Certificazione Unica), as JSON and as PDF.

use axum::Json;
use axum::extract::{Path, State};
use axum::response::Response;
use serde::Serialize;
use sigillo_domain::pension::TaxCertificate;
use utoipa::ToSchema;

use super::extract::Ready;
use super::services::pdf_response;
use crate::error::{AppError, ErrorBody};
use crate::state::AppState;

#[derive(Serialize, ToSchema)]
pub struct PensionSlipLine {
    pub year: i32,
    /// 1 to 12.
    pub month: u8,
    /// `vecchiaia`, `anticipata`, `invalidita`, `reversibilita` or `assegno_sociale`.
    pub kind: String,
    /// The kind's Italian name.
    pub label: String,
    /// Amounts in euro cents.
    pub gross_cents: i64,
    /// IRPEF with its regional and municipal surcharges.
    pub tax_cents: i64,
    pub other_deductions_cents: i64,
    pub net_cents: i64,
    /// The month's cedolino (all its pensions) as PDF.
    #[schema(example = "/api/v1/me/pension-slips/2026/3.pdf")]
    pub pdf_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct TaxCertificateLine {
    /// The year of the income.
    pub year: i32,
    pub months: u8,
    pub gross_cents: i64,
    pub tax_cents: i64,
    pub other_deductions_cents: i64,
    pub net_cents: i64,
    #[schema(example = "/api/v1/me/tax-certificates/2025.pdf")]
    pub pdf_url: String,
}

#[derive(Serialize, ToSchema)]
pub struct PensionSlipsBody {
    /// Newest month first; empty for whoever draws no pension.
    pub slips: Vec<PensionSlipLine>,
    /// One per year that is over and had payments, newest first.
    pub tax_certificates: Vec<TaxCertificateLine>,
}

#[derive(Serialize, ToSchema)]
pub struct TaxCertificatesBody {
    pub tax_certificates: Vec<TaxCertificateLine>,
}

async fn lists(state: &AppState, citizen: &sigillo_app::login::Citizen) -> Result<PensionSlipsBody, AppError> {
    let pensions = state.sigillo.pensions(citizen).await?;
    let tax_certificates = pensions
        .certificate_years
        .iter()
        .filter_map(|year| TaxCertificate::of_year(*year, &pensions.slips))
        .map(|cu| TaxCertificateLine {
            pdf_url: format!("/api/v1/me/tax-certificates/{}.pdf", cu.year),
            year: cu.year,
            months: cu.months,
            gross_cents: cu.gross_cents,
            tax_cents: cu.tax_cents,
            other_deductions_cents: cu.other_deductions_cents,
            net_cents: cu.net_cents,
        })
        .collect();
    let slips = pensions
        .slips
        .iter()
        .map(|s| PensionSlipLine {
            year: s.year(),
            month: s.month(),
            kind: s.kind().as_str().to_owned(),
            label: s.kind().label().to_owned(),
            gross_cents: s.gross_cents(),
            tax_cents: s.tax_cents(),
            other_deductions_cents: s.other_deductions_cents(),
            net_cents: s.net_cents(),
            pdf_url: format!("/api/v1/me/pension-slips/{}/{}.pdf", s.year(), s.month()),
        })
        .collect();
    Ok(PensionSlipsBody { slips, tax_certificates })
}

#[utoipa::path(
    get, path = "/api/v1/me/pension-slips", tag = "services", security(("bearer" = [])),
    responses(
        (status = 200, body = PensionSlipsBody, description = "Slips and tax certificates (empty lists without a pension)"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`pin_change_required`", body = ErrorBody),
    )
)]
pub async fn list(State(state): State<AppState>, Ready(citizen): Ready) -> Result<Json<PensionSlipsBody>, AppError> {
    Ok(Json(lists(&state, &citizen).await?))
}

#[utoipa::path(
    get, path = "/api/v1/me/tax-certificates", tag = "services", security(("bearer" = [])),
    responses(
        (status = 200, body = TaxCertificatesBody),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`pin_change_required`", body = ErrorBody),
    )
)]
pub async fn certificates(
    State(state): State<AppState>,
    Ready(citizen): Ready,
) -> Result<Json<TaxCertificatesBody>, AppError> {
    Ok(Json(TaxCertificatesBody { tax_certificates: lists(&state, &citizen).await?.tax_certificates }))
}

/// `2026`, `3.pdf` → (2026, 3); anything else is not a document of ours.
fn year_month(year: &str, file: &str) -> Option<(i32, u8)> {
    let month = file.strip_suffix(".pdf")?;
    let year: i32 = year.parse().ok().filter(|y| (1900..=2999).contains(y))?;
    let month: u8 = month.parse().ok().filter(|m| (1..=12).contains(m))?;
    Some((year, month))
}

fn year_of(file: &str) -> Option<i32> {
    file.strip_suffix(".pdf")?.parse().ok().filter(|y| (1900..=2999).contains(y))
}

#[utoipa::path(
    get, path = "/api/v1/me/pension-slips/{year}/{month}.pdf", tag = "services", security(("bearer" = [])),
    params(("year" = i32, Path, description = "Year"), ("month" = u8, Path, description = "Month, 1 to 12 (a leading zero is accepted)")),
    responses(
        (status = 200, description = "The month's cedolino as PDF", content_type = "application/pdf"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`pin_change_required`", body = ErrorBody),
        (status = 404, description = "`not_found`: nothing paid to this citizen that month", body = ErrorBody),
    )
)]
pub async fn slip_pdf(
    State(state): State<AppState>,
    Ready(citizen): Ready,
    Path((year, file)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (year, month) = year_month(&year, &file).ok_or_else(AppError::not_found)?;
    match state.sigillo.pension_slip_pdf(&citizen, year, month).await? {
        Some(pdf) => Ok(pdf_response(pdf, &format!("cedolino-{year}-{month:02}.pdf"))),
        None => Err(AppError::not_found()),
    }
}

#[utoipa::path(
    get, path = "/api/v1/me/tax-certificates/{year}.pdf", tag = "services", security(("bearer" = [])),
    params(("year" = i32, Path, description = "Year of the income (the CU is issued the year after)")),
    responses(
        (status = 200, description = "The Certificazione Unica as PDF", content_type = "application/pdf"),
        (status = 401, body = ErrorBody),
        (status = 403, description = "`pin_change_required`", body = ErrorBody),
        (status = 404, description = "`not_found`: no pension paid that year, or the year is not over", body = ErrorBody),
    )
)]
pub async fn certificate_pdf(
    State(state): State<AppState>,
    Ready(citizen): Ready,
    Path(file): Path<String>,
) -> Result<Response, AppError> {
    let year = year_of(&file).ok_or_else(AppError::not_found)?;
    match state.sigillo.tax_certificate_pdf(&citizen, year).await? {
        Some(pdf) => Ok(pdf_response(pdf, &format!("certificazione-unica-{year}.pdf"))),
        None => Err(AppError::not_found()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_name_a_month_or_a_year() {
        assert_eq!(year_month("2026", "3.pdf"), Some((2026, 3)));
        assert_eq!(year_month("2026", "03.pdf"), Some((2026, 3)));
        assert_eq!(year_month("2026", "13.pdf"), None);
        assert_eq!(year_month("2026", "3"), None);
        assert_eq!(year_month("x", "3.pdf"), None);
        assert_eq!(year_of("2025.pdf"), Some(2025));
        assert_eq!(year_of("2025"), None);
        assert_eq!(year_of("99999.pdf"), None);
    }
}
