//! `/area-riservata/pensione`: a pensioner's monthly slips (cedolini) and yearly tax certificates
//! (Certificazione Unica), each downloadable as PDF. Whoever draws no pension is told so in a
//! sentence, not shown empty tables.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use sigillo_domain::Lang;
use sigillo_domain::pension::{TaxCertificate, format_euro, month_name, month_name_en};

use super::{no_store, not_found, ready_citizen, unavailable};
use crate::error::AppError;
use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

const HERE: &str = "/area-riservata/pensione";

#[derive(Template)]
#[template(path = "area_pension.html")]
struct PensionPage {
    shell: Shell,
    months: Vec<MonthRow>,
    certificates: Vec<CertificateRow>,
}

struct MonthRow {
    period: String,
    pensions: String,
    gross: String,
    withheld: String,
    net: String,
    href: String,
}

struct CertificateRow {
    year: i32,
    months: u8,
    gross: String,
    withheld: String,
    net: String,
    href: String,
}

fn slip_href(year: i32, month: u8) -> String {
    format!("{HERE}/cedolino/{year}/{month:02}.pdf")
}

fn certificate_href(year: i32) -> String {
    format!("{HERE}/cu/{year}.pdf")
}

pub async fn page(State(state): State<AppState>, ctx: Ctx) -> Response {
    let (ctx, citizen) = match ready_citizen(ctx, HERE) {
        Ok(found) => found,
        Err(redirect) => return redirect,
    };
    let lang = ctx.shell.tr.lang;
    let pensions = match state.sigillo.pensions(&citizen).await {
        Ok(found) => found,
        Err(error) => return unavailable(ctx, AppError::from(error).status),
    };
    let months = pensions
        .months()
        .into_iter()
        .map(|(year, month, slips)| {
            let sum = |f: fn(&sigillo_domain::pension::PensionSlip) -> i64| slips.iter().map(|s| f(s)).sum::<i64>();
            let name = if lang == Lang::It { month_name(month) } else { month_name_en(month) };
            MonthRow {
                period: format!("{name} {year}"),
                pensions: slips
                    .iter()
                    .map(|s| if lang == Lang::It { s.kind().label() } else { s.kind().label_en() })
                    .collect::<Vec<_>>()
                    .join(", "),
                gross: format_euro(sum(|s| s.gross_cents())),
                withheld: format_euro(sum(|s| s.tax_cents() + s.other_deductions_cents())),
                net: format_euro(sum(|s| s.net_cents())),
                href: slip_href(year, month),
            }
        })
        .collect();
    let certificates = pensions
        .certificate_years
        .iter()
        .filter_map(|year| TaxCertificate::of_year(*year, &pensions.slips))
        .map(|cu| CertificateRow {
            year: cu.year,
            months: cu.months,
            gross: format_euro(cu.gross_cents),
            withheld: format_euro(cu.tax_cents),
            net: format_euro(cu.net_cents),
            href: certificate_href(cu.year),
        })
        .collect();
    let page = PensionPage { shell: ctx.shell.clone(), months, certificates };
    no_store(ctx.page(&page))
}

fn pdf(pdf: Vec<u8>, filename: &str) -> Response {
    no_store(
        (
            [
                (header::CONTENT_TYPE, "application/pdf".to_owned()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{filename}\"")),
            ],
            pdf,
        )
            .into_response(),
    )
}

pub async fn slip_pdf(State(state): State<AppState>, ctx: Ctx, Path((year, file)): Path<(String, String)>) -> Response {
    let (ctx, citizen) = match ready_citizen(ctx, HERE) {
        Ok(found) => found,
        Err(redirect) => return redirect,
    };
    let parsed = file.strip_suffix(".pdf").and_then(|m| Some((year.parse::<i32>().ok()?, m.parse::<u8>().ok()?)));
    let Some((year, month)) = parsed.filter(|(y, m)| (1900..=2999).contains(y) && (1..=12).contains(m)) else {
        return not_found(ctx);
    };
    match state.sigillo.pension_slip_pdf(&citizen, year, month).await {
        Ok(Some(bytes)) => pdf(bytes, &format!("cedolino-{year}-{month:02}.pdf")),
        Ok(None) => not_found(ctx),
        Err(error) => unavailable(ctx, AppError::from(error).status),
    }
}

pub async fn certificate_pdf(State(state): State<AppState>, ctx: Ctx, Path(file): Path<String>) -> Response {
    let (ctx, citizen) = match ready_citizen(ctx, HERE) {
        Ok(found) => found,
        Err(redirect) => return redirect,
    };
    let Some(year) =
        file.strip_suffix(".pdf").and_then(|y| y.parse::<i32>().ok()).filter(|y| (1900..=2999).contains(y))
    else {
        return not_found(ctx);
    };
    match state.sigillo.tax_certificate_pdf(&citizen, year).await {
        Ok(Some(bytes)) => pdf(bytes, &format!("certificazione-unica-{year}.pdf")),
        Ok(None) => not_found(ctx),
        Err(error) => unavailable(ctx, AppError::from(error).status),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_stay_on_the_path() {
        assert_eq!(slip_href(2026, 3), "/area-riservata/pensione/cedolino/2026/03.pdf");
        assert_eq!(certificate_href(2025), "/area-riservata/pensione/cu/2025.pdf");
    }
}
