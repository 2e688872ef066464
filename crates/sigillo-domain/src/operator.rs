//! Operators of the back-office (SPEC 1, 7): who they are, what each role may do, their sessions and
//! the identity documents a desk operator checks.
//!
//! Least privilege: every role gets only the permissions of its own work. An administrator reads
//! the audit log and runs the outbox and print batches but does not issue PINs or approve upgrades;
//! a reviewer cannot issue PINs; a desk operator cannot approve upgrades.

use std::fmt;
use std::time::Duration;

use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::fiscal_code::FiscalCode;

/// Operator sessions end after this long without a request.
pub const OPERATOR_IDLE_TIMEOUT: Duration = Duration::from_secs(30 * 60);
/// …and after a working day at the latest.
pub const OPERATOR_ABSOLUTE_TIMEOUT: Duration = Duration::from_secs(10 * 3600);
/// A session that has passed the password but not yet the second factor lives this long.
pub const PENDING_SECOND_FACTOR_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Shortest operator password (NIST SP 800-63B: at least 8; back-office accounts get more).
pub const MIN_PASSWORD_CHARS: usize = 12;
pub const MAX_PASSWORD_CHARS: usize = 128;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Desk,
    ContactCenter,
    Reviewer,
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Desk, Role::ContactCenter, Role::Reviewer, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Desk => "desk",
            Role::ContactCenter => "contact_center",
            Role::Reviewer => "reviewer",
            Role::Admin => "admin",
        }
    }

    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// The role's Italian name, as the back-office shows it.
    pub fn label(self) -> &'static str {
        match self {
            Role::Desk => "Operatore di sede",
            Role::ContactCenter => "Operatore contact center",
            Role::Reviewer => "Revisore back-office",
            Role::Admin => "Amministratore",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::Desk => "Desk operator",
            Role::ContactCenter => "Contact-center agent",
            Role::Reviewer => "Back-office reviewer",
            Role::Admin => "Administrator",
        }
    }

    pub fn may(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Desk => {
                matches!(
                    permission,
                    FindCitizen | RecordIdentityCheck | RequestPin | IssueDispositivo | Revoke | Unlock
                )
            }
            Role::ContactCenter => matches!(permission, FindCitizen | RequestPin | PhoneChecks | Revoke),
            Role::Reviewer => matches!(permission, ReviewUpgrades),
            Role::Admin => matches!(permission, ReadAudit | ManageOutbox | PrintBatches | ReadPolicy | ManageClients),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One thing an operator may be allowed to do. Every back-office page and endpoint names one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Look a citizen up by fiscal code: registry data and PIN state.
    FindCitizen,
    /// Record the identity document shown at the desk.
    RecordIdentityCheck,
    /// Request a PIN on a citizen's behalf (halves sent as usual).
    RequestPin,
    /// Issue a PIN dispositivo at once as a sealed envelope.
    IssueDispositivo,
    /// Revoke a citizen's PIN on their behalf.
    Revoke,
    /// Unlock a locked credential.
    Unlock,
    /// Work the queue of requests waiting for a phone check.
    PhoneChecks,
    /// Approve or reject upgrade requests, reading their documents.
    ReviewUpgrades,
    ReadAudit,
    /// Retry or discard parked messages.
    ManageOutbox,
    PrintBatches,
    ReadPolicy,
    /// Register and remove relying services (OpenID Connect clients).
    ManageClients,
}

impl Permission {
    pub const ALL: [Permission; 13] = [
        Permission::FindCitizen,
        Permission::RecordIdentityCheck,
        Permission::RequestPin,
        Permission::IssueDispositivo,
        Permission::Revoke,
        Permission::Unlock,
        Permission::PhoneChecks,
        Permission::ReviewUpgrades,
        Permission::ReadAudit,
        Permission::ManageOutbox,
        Permission::PrintBatches,
        Permission::ReadPolicy,
        Permission::ManageClients,
    ];
}

/// Second-factor enrolment of an operator (RFC 6238 TOTP).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecondFactor {
    /// Never logged in: the first login enrols.
    None,
    /// A secret was shown at the first login; it counts once a code made from it is entered.
    Pending {
        secret: String,
    },
    Enrolled {
        secret: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operator {
    pub id: Uuid,
    /// Lower case, 3–32 of `a-z 0-9 . _ -`; appears in the audit log.
    pub username: String,
    pub role: Role,
    /// Argon2id PHC string.
    pub password_hash: String,
    pub second_factor: SecondFactor,
    /// The last TOTP time step accepted: a code is never accepted twice.
    pub last_totp_step: Option<i64>,
    pub created_at: OffsetDateTime,
    pub disabled_at: Option<OffsetDateTime>,
    /// Optimistic concurrency, as for credentials.
    pub version: i64,
}

impl Operator {
    pub fn is_enabled(&self) -> bool {
        self.disabled_at.is_none()
    }
}

/// Why a username is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    #[error("lo username deve avere da 3 a 32 caratteri")]
    Length,
    #[error("lo username può contenere solo lettere minuscole, cifre, punto, trattino e trattino basso")]
    Characters,
}

/// Normalises and checks a username (lower case, trimmed).
pub fn parse_username(input: &str) -> Result<String, UsernameError> {
    let name = input.trim().to_lowercase();
    if !(3..=32).contains(&name.chars().count()) {
        return Err(UsernameError::Length);
    }
    if !name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-')) {
        return Err(UsernameError::Characters);
    }
    Ok(name)
}

/// Why an operator password is refused when it is set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    #[error("la password deve avere almeno {MIN_PASSWORD_CHARS} caratteri")]
    TooShort,
    #[error("la password può avere al massimo {MAX_PASSWORD_CHARS} caratteri")]
    TooLong,
    #[error("la password non può contenere lo username")]
    ContainsUsername,
}

pub fn check_password(username: &str, password: &str) -> Result<(), PasswordError> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(PasswordError::TooShort);
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(PasswordError::TooLong);
    }
    if password.to_lowercase().contains(username) {
        return Err(PasswordError::ContainsUsername);
    }
    Ok(())
}

/// A back-office session. Like citizens' sessions, only the token's SHA-256 is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OperatorSession {
    pub id: Uuid,
    pub token_hash: String,
    pub operator_id: Uuid,
    /// False until the second factor has been given: such a session opens nothing but the
    /// second-factor step.
    pub second_factor_done: bool,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub ended_at: Option<OffsetDateTime>,
    pub client_ip: Option<String>,
}

impl OperatorSession {
    pub fn is_valid(&self, now: OffsetDateTime) -> bool {
        let idle = if self.second_factor_done { OPERATOR_IDLE_TIMEOUT } else { PENDING_SECOND_FACTOR_TIMEOUT };
        self.ended_at.is_none() && now < self.expires_at && now < self.last_seen_at + idle
    }
}

/// Kinds of identity document accepted at the desk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentKind {
    IdentityCard,
    ElectronicIdentityCard,
    Passport,
    DrivingLicence,
}

impl DocumentKind {
    pub const ALL: [DocumentKind; 4] = [
        DocumentKind::ElectronicIdentityCard,
        DocumentKind::IdentityCard,
        DocumentKind::Passport,
        DocumentKind::DrivingLicence,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DocumentKind::IdentityCard => "identity_card",
            DocumentKind::ElectronicIdentityCard => "electronic_identity_card",
            DocumentKind::Passport => "passport",
            DocumentKind::DrivingLicence => "driving_licence",
        }
    }

    pub fn parse(value: &str) -> Option<DocumentKind> {
        DocumentKind::ALL.into_iter().find(|k| k.as_str() == value)
    }

    pub fn label(self) -> &'static str {
        match self {
            DocumentKind::IdentityCard => "Carta d'identità cartacea",
            DocumentKind::ElectronicIdentityCard => "Carta d'identità elettronica",
            DocumentKind::Passport => "Passaporto",
            DocumentKind::DrivingLicence => "Patente di guida",
        }
    }
}

/// An identity document checked by a desk operator before acting for a citizen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityCheck {
    pub id: Uuid,
    pub fiscal_code: FiscalCode,
    pub kind: DocumentKind,
    /// Upper case, spaces removed.
    pub number: String,
    /// E.g. "Comune di Roma", "Questura di Milano", "MCTC".
    pub issuer: String,
    pub expiry: Date,
    pub operator: String,
    pub checked_at: OffsetDateTime,
}

/// Why a document's data is refused, per field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocumentError {
    Kind,
    Number,
    Issuer,
    Expired,
}

impl DocumentError {
    pub fn field(self) -> &'static str {
        match self {
            DocumentError::Kind => "document_kind",
            DocumentError::Number => "document_number",
            DocumentError::Issuer => "document_issuer",
            DocumentError::Expired => "document_expiry",
        }
    }

    pub fn message(self) -> &'static str {
        match self {
            DocumentError::Kind => "Scegliere il tipo di documento.",
            DocumentError::Number => "Il numero del documento deve avere da 5 a 20 lettere o cifre.",
            DocumentError::Issuer => "Indicare l'ente che ha rilasciato il documento.",
            DocumentError::Expired => "Il documento è scaduto: non può essere accettato.",
        }
    }
}

/// Checks the document data typed by the operator; every wrong field is reported.
pub fn check_document(
    kind: &str,
    number: &str,
    issuer: &str,
    expiry: Date,
    today: Date,
) -> Result<(DocumentKind, String, String), Vec<DocumentError>> {
    let mut errors = Vec::new();
    let kind = DocumentKind::parse(kind);
    if kind.is_none() {
        errors.push(DocumentError::Kind);
    }
    let number: String = number.chars().filter(|c| !c.is_whitespace()).collect::<String>().to_uppercase();
    if !(5..=20).contains(&number.len()) || !number.chars().all(|c| c.is_ascii_alphanumeric()) {
        errors.push(DocumentError::Number);
    }
    let issuer = issuer.trim().to_owned();
    if issuer.chars().count() < 2 || issuer.chars().count() > 100 || issuer.chars().any(char::is_control) {
        errors.push(DocumentError::Issuer);
    }
    if expiry < today {
        errors.push(DocumentError::Expired);
    }
    match kind {
        Some(kind) if errors.is_empty() => Ok((kind, number, issuer)),
        _ => Err(errors),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::date;

    use super::*;

    #[test]
    fn roles_get_only_their_own_work() {
        assert!(Role::Desk.may(Permission::IssueDispositivo));
        assert!(!Role::Desk.may(Permission::ReviewUpgrades));
        assert!(Role::Reviewer.may(Permission::ReviewUpgrades));
        assert!(!Role::Reviewer.may(Permission::IssueDispositivo));
        assert!(!Role::Reviewer.may(Permission::RequestPin));
        assert!(Role::ContactCenter.may(Permission::PhoneChecks));
        assert!(!Role::ContactCenter.may(Permission::IssueDispositivo));
        assert!(!Role::Admin.may(Permission::IssueDispositivo));
        assert!(Role::Admin.may(Permission::ReadAudit));
        // Every permission belongs to some role, and no role has them all.
        for p in Permission::ALL {
            assert!(Role::ALL.iter().any(|r| r.may(p)), "{p:?} has no role");
        }
        for r in Role::ALL {
            assert!(Permission::ALL.iter().any(|p| !r.may(*p)), "{r} may do everything");
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
    }

    #[test]
    fn usernames() {
        assert_eq!(parse_username(" Mario.Rossi "), Ok("mario.rossi".to_owned()));
        assert_eq!(parse_username("ab"), Err(UsernameError::Length));
        assert_eq!(parse_username("mario rossi"), Err(UsernameError::Characters));
        assert_eq!(parse_username("mario;drop"), Err(UsernameError::Characters));
    }

    #[test]
    fn passwords() {
        assert_eq!(check_password("mario", "corto"), Err(PasswordError::TooShort));
        assert_eq!(check_password("mario", "xxMARIOxxxxxxx"), Err(PasswordError::ContainsUsername));
        assert_eq!(check_password("mario", "cavallo batteria graffetta"), Ok(()));
        assert_eq!(check_password("mario", &"a".repeat(129)), Err(PasswordError::TooLong));
    }

    #[test]
    fn documents() {
        let today = date!(2026 - 11 - 26);
        let ok = check_document("passport", "ya 1234567", " Questura di Roma ", date!(2030 - 01 - 01), today);
        assert_eq!(ok, Ok((DocumentKind::Passport, "YA1234567".to_owned(), "Questura di Roma".to_owned())));
        let bad = check_document("tessera", "12", "", date!(2020 - 01 - 01), today).unwrap_err();
        assert_eq!(
            bad,
            vec![DocumentError::Kind, DocumentError::Number, DocumentError::Issuer, DocumentError::Expired]
        );
        // Valid through its expiry day.
        assert!(check_document("identity_card", "AB12345", "Comune di Roma", today, today).is_ok());
    }

    #[test]
    fn pending_second_factor_sessions_are_short() {
        let t = OffsetDateTime::UNIX_EPOCH;
        let mut s = OperatorSession {
            id: Uuid::nil(),
            token_hash: String::new(),
            operator_id: Uuid::nil(),
            second_factor_done: false,
            created_at: t,
            last_seen_at: t,
            expires_at: t + OPERATOR_ABSOLUTE_TIMEOUT,
            ended_at: None,
            client_ip: None,
        };
        assert!(!s.is_valid(t + PENDING_SECOND_FACTOR_TIMEOUT));
        s.second_factor_done = true;
        assert!(s.is_valid(t + PENDING_SECOND_FACTOR_TIMEOUT));
        assert!(!s.is_valid(t + OPERATOR_IDLE_TIMEOUT));
    }
}
