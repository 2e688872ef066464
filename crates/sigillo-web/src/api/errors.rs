//! How each use case's errors are told over the API: a status, a stable code and Italian words.

use axum::http::StatusCode;
use sigillo_app::contacts::ContactError;
use sigillo_app::context::RateLimited;
use sigillo_app::hashing::HashError;
use sigillo_app::health_card::HealthCardError;
use sigillo_app::recovery::RecoveryError;
use sigillo_app::login::LoginError;
use sigillo_app::me::ChangePinError;
use sigillo_app::pin_request::RequestError;
use sigillo_app::services::ApplicationError;
use sigillo_domain::{Lang, Localized};

use crate::error::AppError;

pub const CONTACT_CENTER: &str = "contact center 803164 da rete fissa (gratuito) o 06 164164 da cellulare, \
     dal lunedì al venerdì dalle 8 alle 20 e il sabato dalle 8 alle 14";

/// The answer to any wrong fiscal code/PIN pair: the same whatever was wrong.
pub fn invalid_credentials() -> AppError {
    AppError::new(
        StatusCode::UNAUTHORIZED,
        "invalid_credentials",
        "Codice fiscale o PIN non corretti. Controlli di aver scritto bene il PIN (la lettera O non c'è: è sempre lo zero).",
    )
}

impl From<HashError> for AppError {
    fn from(error: HashError) -> Self {
        match error {
            HashError::Overloaded => {
                let mut e = AppError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "busy",
                    "Il servizio è molto richiesto in questo momento. Riprovi tra qualche secondo.",
                );
                e.retry_after = Some(2);
                e
            }
            other => {
                tracing::error!(error = %other, "hashing failure");
                AppError::unavailable()
            }
        }
    }
}

impl From<RequestError> for AppError {
    fn from(error: RequestError) -> Self {
        match error {
            RequestError::InvalidInput(fields) => {
                let mut e = AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    "Alcuni dati non sono corretti: li controlli e riprovi.",
                );
                e.fields = fields;
                e
            }
            RequestError::IssuanceClosed => AppError::new(
                StatusCode::GONE,
                "issuance_closed",
                "Il rilascio di nuovi PIN è terminato. Per accedere ai servizi online usi SPID, la Carta d'Identità Elettronica (CIE) o la Carta Nazionale dei Servizi (CNS).",
            ),
            RequestError::NotInRegistry => AppError::new(
                StatusCode::NOT_FOUND,
                "not_in_registry",
                format!(
                    "Il codice fiscale indicato non risulta negli archivi dell'Istituto. Per verificare la Sua posizione si rivolga a una sede o al {CONTACT_CENTER}."
                ),
            ),
            RequestError::NotEligibleOnline { .. } => AppError::new(
                StatusCode::FORBIDDEN,
                "not_eligible_online",
                format!(
                    "Per richiedere il PIN online servono almeno 52 settimane di contributi. Può richiederlo presso una sede dell'Istituto o tramite il {CONTACT_CENTER}."
                ),
            ),
            RequestError::AlreadyAssigned => AppError::new(
                StatusCode::CONFLICT,
                "pin_already_assigned",
                "Per questo codice fiscale è già stato assegnato un PIN. Se l'ha dimenticato o perso usi «Ripristina PIN»; se vuole annullarlo usi «Revoca PIN».",
            ),
            RequestError::Store(e) => e.into(),
            RequestError::Hash(e) => e.into(),
        }
    }
}

impl From<LoginError> for AppError {
    fn from(error: LoginError) -> Self {
        match error {
            LoginError::MalformedFiscalCode(reason) => AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "Il codice fiscale non è scritto correttamente.",
            )
            .field("fiscal_code", reason),
            LoginError::InvalidCredentials => invalid_credentials(),
            LoginError::Throttled { retry_after } => throttled(retry_after.as_secs()),
            LoginError::Locked => locked(),
            LoginError::Annulled => AppError::new(
                StatusCode::FORBIDDEN,
                "pin_annulled",
                "Il PIN è stato dismesso e non è più valido. Per accedere ai servizi online usi SPID, la Carta d'Identità Elettronica (CIE) o la Carta Nazionale dei Servizi (CNS).",
            ),
            LoginError::Store(e) => e.into(),
            LoginError::Hash(e) => e.into(),
        }
    }
}

pub fn throttled(seconds: u64) -> AppError {
    let mut e = AppError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "throttled",
        format!("Troppi tentativi non riusciti. Attenda {seconds} secondi prima di riprovare."),
    );
    e.retry_after = Some(seconds.max(1));
    e
}

pub fn locked() -> AppError {
    AppError::new(
        StatusCode::LOCKED,
        "locked",
        format!(
            "Il PIN è bloccato per troppi tentativi non riusciti. Lo sblocchi con «Ripristina PIN» oppure tramite il {CONTACT_CENTER}."
        ),
    )
}

impl From<ChangePinError> for AppError {
    fn from(error: ChangePinError) -> Self {
        match error {
            ChangePinError::WrongCurrentPin => invalid_credentials().field("current_pin", "Il PIN attuale non è corretto."),
            ChangePinError::Policy(reason) => AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "pin_policy",
                "Il nuovo PIN non rispetta le regole: scelga un altro PIN.",
            )
            .field("new_pin", reason.message(Lang::It)),
            ChangePinError::Throttled { retry_after } => throttled(retry_after.as_secs()),
            ChangePinError::Locked => locked(),
            ChangePinError::Stale => AppError::new(
                StatusCode::CONFLICT,
                "conflict",
                "Il PIN è stato modificato nel frattempo. Acceda di nuovo e riprovi.",
            ),
            ChangePinError::NoPerson => AppError::new(
                StatusCode::CONFLICT,
                "not_in_registry",
                format!("I Suoi dati anagrafici non sono disponibili. Contatti il {CONTACT_CENTER}."),
            ),
            ChangePinError::Store(e) => e.into(),
            ChangePinError::Hash(e) => e.into(),
        }
    }
}

impl From<ApplicationError> for AppError {
    fn from(error: ApplicationError) -> Self {
        match error {
            ApplicationError::LevelInsufficient => AppError::new(
                StatusCode::FORBIDDEN,
                "level_insufficient",
                "Per presentare domande serve il PIN dispositivo. Può ottenerlo online con «Converti PIN» (modulo firmato e documento d'identità) oppure subito presso una sede dell'Istituto.",
            ),
            ApplicationError::UnknownType => AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "Tipo di domanda sconosciuto.",
            )
            .field(
                "type",
                "Valori ammessi: naspi, assegno_sociale, maternita, congedo_parentale, assegni_familiari, riscatto_laurea, versamenti_volontari, domanda_pensione.",
            ),
            ApplicationError::InvalidData(_) => AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "I dati della domanda non sono validi.",
            )
            .field("data", "Un oggetto JSON di al massimo 32 KB."),
            ApplicationError::InvalidFields(problems) => {
                let mut e = AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    "Alcuni dati della domanda non sono corretti: li controlli e riprovi.",
                );
                for (field, problem) in problems {
                    e.fields.insert(field, problem.message(Lang::It));
                }
                e
            }
            ApplicationError::Store(e) => e.into(),
        }
    }
}

fn invalid_input(fields: sigillo_app::input::FieldErrors) -> AppError {
    let mut e = AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "Alcuni dati non sono corretti: li controlli e riprovi.");
    e.fields = fields;
    e
}

impl From<RateLimited> for AppError {
    fn from(limited: RateLimited) -> Self {
        let mut e = AppError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "throttled",
            // One text for everyone (the exact wait is in `Retry-After`): the body must not tell
            // two fiscal codes apart.
            "Troppe richieste per questi dati. Riprovi più tardi: il limite si azzera entro un'ora.",
        );
        e.retry_after = Some(limited.retry_after);
        e
    }
}

pub fn invalid_or_expired() -> AppError {
    AppError::new(
        StatusCode::BAD_REQUEST,
        "invalid_or_expired",
        "Il collegamento o il codice non sono validi, sono scaduti o sono già stati usati. Se serve, chieda un nuovo ripristino.",
    )
}

impl From<RecoveryError> for AppError {
    fn from(error: RecoveryError) -> Self {
        match error {
            RecoveryError::InvalidInput(fields) => invalid_input(fields),
            RecoveryError::RateLimited(r) => r.into(),
            RecoveryError::InvalidOrExpired => invalid_or_expired(),
            RecoveryError::Store(e) => e.into(),
            RecoveryError::Hash(e) => e.into(),
        }
    }
}

impl From<HealthCardError> for AppError {
    fn from(error: HealthCardError) -> Self {
        match error {
            HealthCardError::InvalidInput(fields) => invalid_input(fields),
            HealthCardError::RateLimited(r) => r.into(),
            HealthCardError::InvalidCredentials => AppError::new(
                StatusCode::UNAUTHORIZED,
                "invalid_credentials",
                "I dati indicati non corrispondono. Controlli il codice fiscale, il numero e la scadenza della tessera sanitaria e la prima parte del PIN.",
            ),
            HealthCardError::Store(e) => e.into(),
            HealthCardError::Hash(e) => e.into(),
        }
    }
}

impl From<ContactError> for AppError {
    fn from(error: ContactError) -> Self {
        match error {
            ContactError::InvalidValue(reason) => {
                AppError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_input", "Il recapito non è valido.").field("value", reason)
            }
            ContactError::TooMany => AppError::new(
                StatusCode::CONFLICT,
                "too_many_contacts",
                "Ha già registrato il numero massimo di recapiti (10): ne rimuova uno prima di aggiungerne altri.",
            ),
            ContactError::Duplicate => AppError::new(StatusCode::CONFLICT, "contact_exists", "Questo recapito è già registrato."),
            ContactError::NotFound => AppError::not_found(),
            ContactError::InvalidCode => AppError::new(
                StatusCode::BAD_REQUEST,
                "invalid_or_expired",
                "Il codice non è valido o è scaduto. Controlli il codice ricevuto o ne chieda uno nuovo.",
            ),
            ContactError::Store(e) => e.into(),
            ContactError::Hash(e) => e.into(),
        }
    }
}

impl From<sigillo_app::upgrade::UpgradeError> for AppError {
    fn from(error: sigillo_app::upgrade::UpgradeError) -> Self {
        use sigillo_app::upgrade::UpgradeError;
        match error {
            UpgradeError::InvalidFiles(refused) => {
                let mut e = AppError::new(
                    StatusCode::UNPROCESSABLE_ENTITY,
                    "invalid_input",
                    "Alcuni file non sono validi: servono il modulo firmato e il documento fronte e retro, ciascuno PDF, JPEG o PNG di al massimo 5 MB.",
                );
                for (slot, reason) in refused {
                    e.fields.insert(slot.as_str().to_owned(), reason.message().to_owned());
                }
                e
            }
            UpgradeError::AlreadyDispositivo => AppError::new(
                StatusCode::CONFLICT,
                "already_dispositivo",
                "Il Suo PIN è già dispositivo: non serve convertirlo.",
            ),
            UpgradeError::AlreadyPending => AppError::new(
                StatusCode::CONFLICT,
                "upgrade_pending",
                "Ha già una richiesta di PIN dispositivo in attesa di verifica: ne riceverà l'esito per e-mail.",
            ),
            UpgradeError::NoPerson => AppError::new(
                StatusCode::NOT_FOUND,
                "not_in_registry",
                format!("I Suoi dati non risultano negli archivi dell'Istituto: si rivolga a una sede o al {CONTACT_CENTER}."),
            ),
            UpgradeError::Store(e) => e.into(),
        }
    }
}

impl From<sigillo_app::upgrade::ReviewError> for AppError {
    fn from(error: sigillo_app::upgrade::ReviewError) -> Self {
        use sigillo_app::upgrade::ReviewError;
        match error {
            ReviewError::Forbidden => {
                AppError::new(StatusCode::FORBIDDEN, "forbidden", "Il Suo ruolo non consente questa operazione.")
            }
            ReviewError::NotFound => AppError::not_found(),
            ReviewError::AlreadyDecided => AppError::new(
                StatusCode::CONFLICT,
                "already_decided",
                "La richiesta è già stata decisa: l'esito non si può cambiare.",
            ),
            ReviewError::InvalidReason => AppError::new(
                StatusCode::UNPROCESSABLE_ENTITY,
                "invalid_input",
                "Indicare il motivo del rifiuto.",
            )
            .field("reason", "Il motivo è obbligatorio (da 5 a 500 caratteri): il cittadino lo leggerà."),
            ReviewError::NoLiveCredential => AppError::new(
                StatusCode::CONFLICT,
                "no_live_pin",
                "Il cittadino non ha più un PIN attivo (revocato o annullato): la richiesta può solo essere respinta.",
            ),
            ReviewError::Store(e) => e.into(),
        }
    }
}
