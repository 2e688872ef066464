//! The online services behind the PIN (SPEC 5), gated by level: the contribution statement for
//! every PIN, applications only for a PIN dispositivo.

use sigillo_documents::{ApplicationReceipt, ContributionStatement};
use sigillo_domain::application::{Application, ApplicationType};
use sigillo_domain::audit::{Actor, AuditEvent};
use sigillo_domain::credential::Level;
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
        let json = serde_json::to_string(object).map_err(|e| ApplicationError::InvalidData(e.to_string()))?;
        if json.len() > MAX_APPLICATION_BYTES {
            return Err(ApplicationError::InvalidData("form too large".into()));
        }
        let now = now();
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
        let fields = serde_json::from_str::<serde_json::Map<String, serde_json::Value>>(&application.data)
            .unwrap_or_default()
            .into_iter()
            .map(|(k, v)| (k, v.as_str().map_or_else(|| v.to_string(), str::to_owned)))
            .collect();
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
