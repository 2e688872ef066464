//! The `sigillo` command line (API.md): one subcommand per job an operator or administrator runs.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use sigillo_domain::fiscal_code::Sex;
use time::Date;

#[derive(Debug, Parser)]
#[command(name = "sigillo", version, about = "Sigillo: PIN personali per i servizi online dell'Istituto")]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Start portal, back-office, API, OpenID Connect and delivery worker on one port.
    Serve,
    /// Create or upgrade the database schema.
    Migrate,
    /// The insured-person registry.
    #[command(subcommand)]
    Registry(RegistryCommand),
    /// Pensioners' monthly slips (cedolini; the Certificazione Unica is derived from them).
    #[command(subcommand)]
    Pensions(PensionsCommand),
    /// Codice fiscale tools.
    #[command(subcommand, name = "fiscal-code")]
    FiscalCode(FiscalCodeCommand),
    /// Synthetic demo data.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// The hash-chained audit log.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Postal letters.
    #[command(subcommand)]
    Letters(LettersCommand),
    /// Administration.
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Back-office operators.
    #[command(subcommand)]
    Operator(OperatorCommand),
    /// Relying services that log citizens in through Sigillo (OpenID Connect).
    #[command(subcommand)]
    Client(ClientCommand),
    /// The OpenID Connect provider's signing keys.
    #[command(subcommand)]
    Oidc(OidcCommand),
}

#[derive(Debug, Subcommand)]
pub enum ClientCommand {
    /// Register a relying service; prints `{"client_id": "…", "client_secret": "…"}` (the secret
    /// is shown this once; `null` for a public client).
    Add {
        /// The service's name, shown to citizens on the consent page.
        name: String,
        /// Where codes are sent back; matched exactly. Repeat for several.
        #[arg(long = "redirect-uri", required = true)]
        redirect_uris: Vec<String>,
        /// Where RP-initiated logout may return; matched exactly. Repeat for several.
        #[arg(long = "post-logout-redirect-uri")]
        post_logout_redirect_uris: Vec<String>,
        /// A public client (a browser or mobile app): no secret, PKCE only.
        #[arg(long)]
        public: bool,
    },
    /// List the registered services (tab-separated: id, name, type, state, redirect URIs).
    List,
    /// Remove a service: its logins stop and every token it holds is revoked.
    Remove { client_id: String },
}

#[derive(Debug, Subcommand)]
pub enum OidcCommand {
    /// Make a new signing key that signs from now on (older keys stay published until their
    /// tokens have expired).
    RotateKey,
}

#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Create an operator. The password is read from standard input (one line, at least 12
    /// characters); the TOTP second factor is enrolled at the first login.
    Add {
        /// 3–32 characters: lower-case letters, digits, `.`, `_`, `-`.
        username: String,
        #[arg(long, value_parser = ["desk", "contact_center", "reviewer", "admin"])]
        role: String,
    },
    /// List the operators with their role and second-factor state.
    List,
}

#[derive(Debug, Subcommand)]
pub enum LettersCommand {
    /// Gather the letters not yet printed into print batches (one PDF and a CSV manifest each) under
    /// `$SIGILLO_DATA_DIR/print/`, and mark them printed.
    Batch,
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Sunset: move every live PIN to `annulled` now, in batches (the server does it by itself once
    /// `SIGILLO_ANNULMENT_DATE` has passed).
    Annul,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Check the whole chain; names the first broken entry (exit 1) or prints how many are intact.
    Verify,
}

#[derive(Debug, Subcommand)]
pub enum RegistryCommand {
    /// Load insured persons from a CSV file (upsert by fiscal code).
    Import { file: PathBuf },
    /// Print one stored person as JSON.
    Show { code: String },
}

#[derive(Debug, Subcommand)]
pub enum PensionsCommand {
    /// Load slips from a CSV file (`fiscal_code,year,month,kind,gross_cents,tax_cents,
    /// other_deductions_cents,net_cents`, one person's rows together): each person named gets
    /// exactly the file's slips.
    Import { file: PathBuf },
}

#[derive(Debug, Subcommand)]
pub enum FiscalCodeCommand {
    /// Check a codice fiscale, and its consistency with whatever personal data is given.
    Check(CheckArgs),
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    pub code: String,
    #[arg(long)]
    pub family_name: Option<String>,
    #[arg(long)]
    pub given_name: Option<String>,
    #[arg(long, value_parser = parse_date)]
    pub birth_date: Option<Date>,
    #[arg(long, value_parser = parse_sex)]
    pub sex: Option<Sex>,
    #[arg(long)]
    pub birth_place: Option<String>,
    /// Language of the reason: it or en.
    #[arg(long, default_value = "it")]
    pub lang: String,
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Fill an empty registry with synthetic persons and print a few fiscal codes to try.
    Seed {
        #[arg(long, default_value_t = 1_000)]
        count: u64,
        /// Same seed, same people.
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Add the demo persons even if the registry already holds people.
        #[arg(long)]
        force: bool,
    },
    /// Write synthetic persons as a registry CSV (for import tests and benchmarks).
    Csv {
        #[arg(long, default_value_t = 1_000)]
        count: u64,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Output file; standard output when absent.
        #[arg(long)]
        output: Option<PathBuf>,
    },
}

fn parse_date(value: &str) -> Result<Date, String> {
    Date::parse(value.trim(), time::macros::format_description!("[year]-[month]-[day]"))
        .map_err(|_| "data non valida: usare AAAA-MM-GG".to_owned())
}

fn parse_sex(value: &str) -> Result<Sex, String> {
    value.parse().map_err(|_| "sesso non valido: usare M o F".to_owned())
}
