//! Configuration from the environment (API.md, "Start-up and configuration").
//! A bad value stops the program with a message naming the variable and exit code 2.

use std::fmt;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

#[derive(Debug, thiserror::Error)]
#[error("{variable}=«{value}»: {reason}")]
pub struct ConfigError {
    pub variable: &'static str,
    pub value: String,
    pub reason: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Every message becomes a file under `$SIGILLO_DATA_DIR/mailbox` (demo mailbox).
    Files,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

/// A database URL whose `Debug` and `Display` hide the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(String);

impl DatabaseUrl {
    pub fn expose(&self) -> &str {
        &self.0
    }

    pub fn is_postgres(&self) -> bool {
        self.0.starts_with("postgres://") || self.0.starts_with("postgresql://")
    }

    pub fn is_sqlite(&self) -> bool {
        self.0.starts_with("sqlite:")
    }

    fn redacted(&self) -> String {
        let Some((scheme, rest)) = self.0.split_once("://") else { return self.0.clone() };
        let Some((credentials, host)) = rest.rsplit_once('@') else { return self.0.clone() };
        match credentials.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
            None => self.0.clone(),
        }
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", self.redacted())
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.redacted())
    }
}

#[derive(Debug, Clone)]
pub struct Config {
    pub listen: SocketAddr,
    pub data_dir: PathBuf,
    pub database_url: DatabaseUrl,
    pub database_max_connections: u32,
    pub delivery: Delivery,
    /// `None` when rotation is off (`SIGILLO_PIN_MAX_AGE=off`).
    pub pin_max_age: Option<Duration>,
    pub first_access_ttl: Duration,
    pub recovery_ttl: Duration,
    pub issuance_cutoff: Option<OffsetDateTime>,
    pub annulment_date: Option<OffsetDateTime>,
    pub log_format: LogFormat,
    /// How long before a PIN expires its owner is told (`SIGILLO_PIN_EXPIRY_NOTICE`).
    pub pin_expiry_notice: Duration,
    /// A citizen session unused this long ends (`SIGILLO_SESSION_IDLE_TIMEOUT`).
    pub session_idle_timeout: Duration,
    /// Where citizens reach the portal, as printed in messages (`SIGILLO_PUBLIC_URL`).
    pub public_url: Option<String>,
    /// Argon2id threads (`SIGILLO_HASH_THREADS`, 0 = one per core).
    pub hash_threads: usize,
    /// Key of the pairwise `sub` of OpenID Connect (`SIGILLO_OIDC_SUBJECT_KEY`, at least 32
    /// characters); without it, a key kept in the data folder.
    pub oidc_subject_key: Option<sigillo_app::oidc::SubjectKey>,
    /// How long a delivery worker holds the messages it claimed; a node that dies leaves them to
    /// the others after this long (`SIGILLO_DELIVERY_LEASE`).
    pub delivery_lease: Duration,
}

impl Config {
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|name| std::env::var(name).ok())
    }

    /// Reads every setting through `lookup`, so tests need not touch the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let get = |name: &str| lookup(name).map(|v| v.trim().to_owned()).filter(|v| !v.is_empty());
        let listen = match get("SIGILLO_LISTEN") {
            Some(value) => value.parse().map_err(|_| ConfigError {
                variable: "SIGILLO_LISTEN",
                reason: "indirizzo non valido (esempio: 127.0.0.1:8080)".into(),
                value,
            })?,
            None => SocketAddr::from(([127, 0, 0, 1], 8080)),
        };
        let data_dir = PathBuf::from(get("SIGILLO_DATA_DIR").unwrap_or_else(|| "./data".into()));
        let database_url = match get("SIGILLO_DATABASE_URL") {
            Some(value) => {
                let url = DatabaseUrl(value);
                if !(url.is_postgres() || url.is_sqlite()) {
                    return Err(ConfigError {
                        variable: "SIGILLO_DATABASE_URL",
                        value: url.redacted(),
                        reason: "usare sqlite://FILE oppure postgres://…".into(),
                    });
                }
                url
            }
            None => DatabaseUrl(format!("sqlite://{}", data_dir.join("sigillo.db").display())),
        };
        let database_max_connections = match get("SIGILLO_DATABASE_MAX_CONNECTIONS") {
            Some(value) => value.parse().ok().filter(|n| (1..=1000).contains(n)).ok_or_else(|| ConfigError {
                variable: "SIGILLO_DATABASE_MAX_CONNECTIONS",
                reason: "un numero intero da 1 a 1000".into(),
                value,
            })?,
            None => 10,
        };
        let delivery = match get("SIGILLO_DELIVERY").as_deref() {
            None | Some("files") => Delivery::Files,
            Some(other) => {
                return Err(ConfigError {
                    variable: "SIGILLO_DELIVERY",
                    value: other.into(),
                    reason: "valore non supportato: usare files".into(),
                });
            }
        };
        let pin_max_age = match get("SIGILLO_PIN_MAX_AGE") {
            Some(value) if value.eq_ignore_ascii_case("off") => None,
            Some(value) => Some(duration("SIGILLO_PIN_MAX_AGE", value)?),
            None => Some(days(90)),
        };
        let first_access_ttl =
            get("SIGILLO_FIRST_ACCESS_TTL").map_or(Ok(days(60)), |v| duration("SIGILLO_FIRST_ACCESS_TTL", v))?;
        let recovery_ttl = get("SIGILLO_RECOVERY_TTL")
            .map_or(Ok(Duration::from_secs(24 * 3600)), |v| duration("SIGILLO_RECOVERY_TTL", v))?;
        let issuance_cutoff =
            get("SIGILLO_ISSUANCE_CUTOFF").map(|v| instant("SIGILLO_ISSUANCE_CUTOFF", v)).transpose()?;
        let annulment_date = get("SIGILLO_ANNULMENT_DATE").map(|v| instant("SIGILLO_ANNULMENT_DATE", v)).transpose()?;
        if let (Some(cutoff), Some(annulment)) = (issuance_cutoff, annulment_date)
            && annulment < cutoff
        {
            return Err(ConfigError {
                variable: "SIGILLO_ANNULMENT_DATE",
                value: get("SIGILLO_ANNULMENT_DATE").unwrap_or_default(),
                reason: "deve essere successiva a SIGILLO_ISSUANCE_CUTOFF".into(),
            });
        }
        let log_format = match get("SIGILLO_LOG_FORMAT").as_deref() {
            None | Some("text") => LogFormat::Text,
            Some("json") => LogFormat::Json,
            Some(other) => {
                return Err(ConfigError {
                    variable: "SIGILLO_LOG_FORMAT",
                    value: other.into(),
                    reason: "usare text oppure json".into(),
                });
            }
        };
        let pin_expiry_notice =
            get("SIGILLO_PIN_EXPIRY_NOTICE").map_or(Ok(days(7)), |v| duration("SIGILLO_PIN_EXPIRY_NOTICE", v))?;
        let session_idle_timeout = get("SIGILLO_SESSION_IDLE_TIMEOUT")
            .map_or(Ok(Duration::from_secs(15 * 60)), |v| duration("SIGILLO_SESSION_IDLE_TIMEOUT", v))?;
        let public_url = match get("SIGILLO_PUBLIC_URL") {
            Some(value) if value.starts_with("http://") || value.starts_with("https://") => {
                Some(value.trim_end_matches('/').to_owned())
            }
            Some(value) => {
                return Err(ConfigError {
                    variable: "SIGILLO_PUBLIC_URL",
                    value,
                    reason: "usare un indirizzo http:// o https://".into(),
                });
            }
            None => None,
        };
        let hash_threads = match get("SIGILLO_HASH_THREADS") {
            Some(value) => value.parse().ok().filter(|n| *n <= 256).ok_or_else(|| ConfigError {
                variable: "SIGILLO_HASH_THREADS",
                reason: "un numero intero da 0 (uno per core) a 256".into(),
                value,
            })?,
            None => 0,
        };
        let oidc_subject_key = match get("SIGILLO_OIDC_SUBJECT_KEY") {
            Some(value) if value.len() >= 32 => Some(sigillo_app::oidc::SubjectKey(value.into_bytes())),
            Some(value) => {
                return Err(ConfigError {
                    variable: "SIGILLO_OIDC_SUBJECT_KEY",
                    value: "(nascosto)".into(),
                    reason: format!("almeno 32 caratteri casuali (ne ha {})", value.len()),
                });
            }
            None => None,
        };
        let delivery_lease = get("SIGILLO_DELIVERY_LEASE")
            .map_or(Ok(Duration::from_secs(120)), |v| duration("SIGILLO_DELIVERY_LEASE", v))?;
        Ok(Config {
            oidc_subject_key,
            delivery_lease,
            pin_expiry_notice,
            session_idle_timeout,
            public_url,
            hash_threads,
            listen,
            data_dir,
            database_url,
            database_max_connections,
            delivery,
            pin_max_age,
            first_access_ttl,
            recovery_ttl,
            issuance_cutoff,
            annulment_date,
            log_format,
        })
    }
}

fn days(n: u64) -> Duration {
    Duration::from_secs(n * 24 * 3600)
}

fn duration(variable: &'static str, value: String) -> Result<Duration, ConfigError> {
    match humantime::parse_duration(&value) {
        Ok(d) if !d.is_zero() => Ok(d),
        _ => Err(ConfigError { variable, value, reason: "durata non valida (esempi: 90d, 24h, 3s)".into() }),
    }
}

fn instant(variable: &'static str, value: String) -> Result<OffsetDateTime, ConfigError> {
    OffsetDateTime::parse(&value, &Rfc3339).map_err(|_| ConfigError {
        variable,
        value,
        reason: "data non valida (RFC 3339, esempio: 2027-01-01T00:00:00+01:00)".into(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn config(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|name| map.get(name).cloned())
    }

    #[test]
    fn defaults_match_the_contract() {
        let c = config(&[]).unwrap();
        assert_eq!(c.listen.to_string(), "127.0.0.1:8080");
        assert_eq!(c.data_dir, PathBuf::from("./data"));
        assert_eq!(c.database_url.expose(), "sqlite://./data/sigillo.db");
        assert_eq!(c.pin_max_age, Some(days(90)));
        assert_eq!(c.first_access_ttl, days(60));
        assert_eq!(c.recovery_ttl, Duration::from_secs(86_400));
        assert_eq!(c.delivery, Delivery::Files);
        assert!(c.issuance_cutoff.is_none() && c.annulment_date.is_none());
    }

    #[test]
    fn durations_are_humantime_and_rotation_can_be_off() {
        let c = config(&[("SIGILLO_PIN_MAX_AGE", "off"), ("SIGILLO_RECOVERY_TTL", "3s")]).unwrap();
        assert_eq!(c.pin_max_age, None);
        assert_eq!(c.recovery_ttl, Duration::from_secs(3));
    }

    #[test]
    fn bad_values_name_the_variable() {
        let err = config(&[("SIGILLO_PIN_MAX_AGE", "tre mesi")]).unwrap_err();
        assert_eq!(err.variable, "SIGILLO_PIN_MAX_AGE");
        assert!(err.to_string().contains("durata non valida"));
        for (var, value) in [
            ("SIGILLO_LISTEN", "localhost"),
            ("SIGILLO_DATABASE_URL", "mysql://x"),
            ("SIGILLO_FIRST_ACCESS_TTL", "0s"),
            ("SIGILLO_ISSUANCE_CUTOFF", "domani"),
            ("SIGILLO_DELIVERY", "piccione"),
            ("SIGILLO_LOG_FORMAT", "xml"),
        ] {
            assert_eq!(config(&[(var, value)]).unwrap_err().variable, var);
        }
    }

    #[test]
    fn annulment_before_cutoff_is_refused() {
        let err = config(&[
            ("SIGILLO_ISSUANCE_CUTOFF", "2027-06-01T00:00:00Z"),
            ("SIGILLO_ANNULMENT_DATE", "2027-01-01T00:00:00Z"),
        ])
        .unwrap_err();
        assert_eq!(err.variable, "SIGILLO_ANNULMENT_DATE");
    }

    #[test]
    fn database_password_never_prints() {
        let c = config(&[("SIGILLO_DATABASE_URL", "postgres://sigillo:s3greto@db.example:5432/sigillo")]).unwrap();
        let shown = format!("{:?} {}", c, c.database_url);
        assert!(!shown.contains("s3greto"), "{shown}");
        assert!(shown.contains("sigillo:***@db.example"));
    }
}
