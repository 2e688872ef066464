//! The online services behind the PIN (SPEC 5), gated by level: the contribution statement and a
//! pensioner's slips and tax certificates for every PIN, applications only for a PIN dispositivo.

use sigillo_documents::{
    ApplicationReceipt, ContributionStatement, PayslipLine, PensionPayslip, PensionTaxCertificate,
};
use sigillo_domain::Lang;
use sigillo_domain::application::catalogue::{self, FormProblems};
use sigillo_domain::application::{Application, ApplicationType};
use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::credential::Level;
use sigillo_domain::pension::{PensionSlip, TaxCertificate};
use sigillo_domain::registry::ContributionYear;
use sigillo_domain::store::StoreError;
use uuid::Uuid;

use crate::login::Citizen;
use crate::{Sigillo, now};

/// Largest application form accepted, in bytes of JSON.
pub const MAX_APPLICATION_BYTES: usize = 32 * 1024;

#[derive(Debug)]
pub struct Contributions {
    pub total_weeks: u32,
    pub years: Vec<ContributionYear>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApplicationError {
    #[error("level insufficient")]
    LevelInsufficient,
    #[error("unknown application type")]
    UnknownType,
    #[error("invalid data: {0}")]
    InvalidData(String),
    /// Fields of the form refused, each with its reason (see the catalogue).
    #[error("invalid fields")]
    InvalidFields(FormProblems),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Sigillo {
    pub async fn contributions(&self, citizen: &Citizen) -> Result<Contributions, StoreError> {
        let code = &citizen.credential.fiscal_code;
        let years = self.store.contributions(code).await?;
        let total_weeks = match self.store.find_person(code).await? {
            Some(person) => person.contribution_weeks,
            None => years.iter().map(|y| y.weeks).sum(),
        };
        Ok(Contributions { total_weeks, years })
    }

    /// The contribution statement as a PDF.
    pub async fn contributions_pdf(&self, citizen: &Citizen) -> Result<Vec<u8>, StoreError> {
        let contributions = self.contributions(citizen).await?;
        let person = self.person_of(citizen).await?;
        let statement = ContributionStatement {
            fiscal_code: citizen.credential.fiscal_code.to_string(),
            full_name: person.map(|p| format!("{} {}", p.given_name, p.family_name)).unwrap_or_default(),
            generated_at: now(),
            rows: contributions.years.iter().map(|y| (y.year, y.employer.clone(), y.weeks)).collect(),
            total_weeks: contributions.total_weeks,
        };
        Ok(sigillo_documents::contribution_statement(&statement))
    }

    /// Presenta domanda: needs a PIN dispositivo; stores the form with a protocol number.
    pub async fn submit_application(
        &self,
        citizen: &Citizen,
        kind: &str,
        data: &serde_json::Value,
        client_ip: Option<&str>,
    ) -> Result<Application, ApplicationError> {
        if citizen.credential.level < Level::Dispositivo {
            return Err(ApplicationError::LevelInsufficient);
        }
        let kind = ApplicationType::parse(kind).ok_or(ApplicationError::UnknownType)?;
        let object = data.as_object().ok_or_else(|| ApplicationError::InvalidData("data must be an object".into()))?;
        let raw = serde_json::to_string(object).map_err(|e| ApplicationError::InvalidData(e.to_string()))?;
        if raw.len() > MAX_APPLICATION_BYTES {
            return Err(ApplicationError::InvalidData("form too large".into()));
        }
        let now = now();
        // The application's own rules count days in the calendar (UTC: at most a day off near midnight).
        let form = catalogue::validate(kind, object, now.date()).map_err(ApplicationError::InvalidFields)?;
        let json = form.to_json();
        let code = &citizen.credential.fiscal_code;
        let audit = AuditEvent::new(now, Actor::Citizen, "application_submitted")
            .fiscal_code(code)
            .credential(citizen.credential.id)
            .client_ip(client_ip)
            .detail("type", kind.as_str());
        let application = self.store.submit_application(Uuid::new_v4(), code, kind, &json, now, audit).await?;
        metrics::counter!("sigillo_applications_total", "type" => kind.as_str()).increment(1);
        Ok(application)
    }

    /// The receipt of one of the citizen's applications, as a PDF.
    pub async fn application_receipt(&self, citizen: &Citizen, protocol: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let code = &citizen.credential.fiscal_code;
        let Some(application) = self.store.application(code, protocol).await? else { return Ok(None) };
        let person = self.person_of(citizen).await?;
        let fields = catalogue::describe(application.kind, &application.data, Lang::It);
        let receipt = ApplicationReceipt {
            protocol: application.protocol.clone(),
            application_label: application.kind.label().to_owned(),
            submitted_at: application.submitted_at,
            fiscal_code: code.to_string(),
            full_name: person.map(|p| format!("{} {}", p.given_name, p.family_name)).unwrap_or_default(),
            fields,
        };
        Ok(Some(sigillo_documents::application_receipt(&receipt)))
    }
}

/// A pensioner's payments: the slips, newest month first, and the years with a tax certificate.
#[derive(Debug, Default)]
pub struct Pensions {
    pub slips: Vec<PensionSlip>,
    pub certificate_years: Vec<i32>,
}

impl Pensions {
    /// The months paid, newest first, each once: (year, month, slips of that month).
    pub fn months(&self) -> Vec<(i32, u8, Vec<&PensionSlip>)> {
        let mut out: Vec<(i32, u8, Vec<&PensionSlip>)> = Vec::new();
        for slip in &self.slips {
            match out.last_mut() {
                Some((y, m, list)) if *y == slip.year() && *m == slip.month() => list.push(slip),
                _ => out.push((slip.year(), slip.month(), vec![slip])),
            }
        }
        out
    }
}

impl Sigillo {
    /// Cedolini and CU of the citizen (none for whoever draws no pension).
    pub async fn pensions(&self, citizen: &Citizen) -> Result<Pensions, StoreError> {
        let slips = self.store.pension_slips(&citizen.credential.fiscal_code).await?;
        let certificate_years = TaxCertificate::years_available(&slips, now().year());
        Ok(Pensions { slips, certificate_years })
    }

    fn full_name(person: Option<sigillo_domain::registry::InsuredPerson>) -> String {
        person.map(|p| format!("{} {}", p.given_name, p.family_name)).unwrap_or_default()
    }

    /// The cedolino of one month as a PDF, or `None` when nothing was paid that month.
    pub async fn pension_slip_pdf(
        &self,
        citizen: &Citizen,
        year: i32,
        month: u8,
    ) -> Result<Option<Vec<u8>>, StoreError> {
        let pensions = self.pensions(citizen).await?;
        let lines: Vec<PayslipLine> = pensions
            .slips
            .iter()
            .filter(|s| s.year() == year && s.month() == month)
            .map(|s| PayslipLine {
                pension: s.kind().label().to_owned(),
                gross_cents: s.gross_cents(),
                tax_cents: s.tax_cents(),
                other_deductions_cents: s.other_deductions_cents(),
                net_cents: s.net_cents(),
            })
            .collect();
        if lines.is_empty() {
            return Ok(None);
        }
        let slip = PensionPayslip {
            fiscal_code: citizen.credential.fiscal_code.to_string(),
            full_name: Self::full_name(self.person_of(citizen).await?),
            year,
            month,
            lines,
            generated_at: now(),
        };
        Ok(Some(sigillo_documents::pension_payslip(&slip)))
    }

    /// The CU of a year that is over, as a PDF, or `None` when there is none.
    pub async fn tax_certificate_pdf(&self, citizen: &Citizen, year: i32) -> Result<Option<Vec<u8>>, StoreError> {
        let pensions = self.pensions(citizen).await?;
        if !pensions.certificate_years.contains(&year) {
            return Ok(None);
        }
        let Some(cu) = TaxCertificate::of_year(year, &pensions.slips) else { return Ok(None) };
        let document = PensionTaxCertificate {
            fiscal_code: citizen.credential.fiscal_code.to_string(),
            full_name: Self::full_name(self.person_of(citizen).await?),
            year,
            months: cu.months,
            gross_cents: cu.gross_cents,
            tax_cents: cu.tax_cents,
            other_deductions_cents: cu.other_deductions_cents,
            net_cents: cu.net_cents,
            by_kind: cu.by_kind.iter().map(|(k, m, g)| (k.label().to_owned(), *m, *g)).collect(),
            generated_at: now(),
        };
        Ok(Some(sigillo_documents::pension_tax_certificate(&document)))
    }
}
