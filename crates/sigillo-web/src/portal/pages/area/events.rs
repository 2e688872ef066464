//! The access history in words: each audit event name the application writes for a citizen has a
//! phrase in `i18n/area.rs` under `area_ev_<name>`; a name not known here (a newer feature) still
//! shows, as "other operation" with its name.

use sigillo_domain::audit::Actor;

use crate::portal::i18n::Tr;

/// Every event name with a phrase.
pub const KNOWN: &[&str] = &[
    "pin_requested",
    "pin_issued",
    "awaiting_phone_check",
    "pin_activation",
    "activation_failed",
    "pin_activated",
    "pin_changed",
    "pin_change_failed",
    "login_succeeded",
    "login_failed",
    "logout",
    "credential_locked",
    "pin_expired",
    "pin_expiry_notice",
    "recovery_requested",
    "recovery_code_wrong",
    "pin_recovered",
    "revocation_requested",
    "credential_revoked",
    "credential_annulled",
    "sunset_notice",
    "contact_added",
    "contact_code_sent",
    "contact_verified",
    "contact_verification_failed",
    "contact_removed",
    "application_submitted",
    "upgrade_requested",
    "upgrade_approved",
    "upgrade_rejected",
    "upgrade_document_viewed",
    "citizen_looked_up",
    "identity_checked",
    "pin_issued_at_desk",
    "credential_unlocked",
    "phone_check_confirmed",
    "phone_check_rejected",
    "oidc_consent_given",
    "oidc_code_issued",
    "oidc_tokens_issued",
    "oidc_tokens_refreshed",
    "oidc_code_replayed",
    "oidc_refresh_reused",
    "oidc_token_revoked",
    "oidc_grant_revoked",
    "oidc_logout",
];

/// What happened, in the page's language.
pub fn phrase(tr: Tr, event: &str) -> String {
    if KNOWN.contains(&event) {
        tr.t(&format!("area_ev_{event}")).to_owned()
    } else {
        format!("{} ({event})", tr.t("area_ev_other"))
    }
}

/// Who did it, without naming operators.
pub fn actor(tr: Tr, actor: &Actor) -> &'static str {
    match actor {
        Actor::Citizen => tr.t("area_actor_citizen"),
        Actor::System => tr.t("area_actor_system"),
        Actor::Operator(_) => tr.t("area_actor_operator"),
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use sigillo_domain::Lang;

    use super::*;

    const TRS: [Tr; 2] = [Tr { lang: Lang::It }, Tr { lang: Lang::En }];

    #[test]
    fn every_known_event_has_words_in_both_languages() {
        for event in KNOWN {
            for tr in TRS {
                let words = phrase(tr, event);
                assert!(words != "??" && !words.contains(event), "{event} has no words in {:?}", tr.lang);
            }
        }
    }

    #[test]
    fn an_unknown_event_still_shows() {
        assert_eq!(phrase(TRS[0], "future_event"), "Altra operazione (future_event)");
        assert_eq!(phrase(TRS[1], "future_event"), "Other operation (future_event)");
    }

    /// The names the application writes, found in its source: the first argument after the actor
    /// of `AuditEvent::new(…)` and of the `audit(now, "…", …)` helper when it is a literal, plus the
    /// names chosen in a variable first (listed here, checked to still be in the source).
    #[test]
    fn every_event_the_application_emits_has_words() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../sigillo-app/src");
        let mut sources = String::new();
        read_rs(&root, &mut sources);
        assert!(sources.contains("AuditEvent::new("), "the application's source was not found");

        let mut emitted = Vec::new();
        for piece in sources.split("AuditEvent::new(").skip(1) {
            // `now, Actor::Citizen, "name"` or `now, actor.clone(), "name"` or `…, event)`.
            let args = piece.split(')').take(2).collect::<Vec<_>>().join(")");
            if let Some(name) = args.split(',').nth(2).and_then(literal) {
                emitted.push(name);
            }
        }
        for piece in sources.split("audit(now, \"").skip(1) {
            emitted.extend(piece.split('"').next().map(str::to_owned));
        }
        // The back-office's operator events name a citizen through a helper (`operator_event`):
        // they are in the citizen's history and must have words.
        for piece in sources.split("operator_event(operator, \"").skip(1) {
            emitted.extend(piece.split('"').next().map(str::to_owned));
        }
        // Events about an operator's own account never carry a fiscal code: not in any history.
        // Nor do the registrations of relying services.
        emitted.retain(|name| !name.starts_with("operator_") && !name.starts_with("oidc_client_"));
        // Names picked before the call (contacts: added or code sent; me: activated or changed;
        // contacts: verified or failed as an `if`).
        for indirect in [
            "contact_added",
            "contact_code_sent",
            "pin_activated",
            "pin_changed",
            "contact_verified",
            "contact_verification_failed",
            "upgrade_approved",
            "upgrade_rejected",
            "oidc_tokens_issued",
            "oidc_tokens_refreshed",
            "oidc_code_replayed",
            "oidc_refresh_reused",
            "oidc_token_revoked",
            "oidc_grant_revoked",
        ] {
            assert!(sources.contains(&format!("\"{indirect}\"")), "{indirect} is no longer in the source");
            emitted.push(indirect.to_owned());
        }
        emitted.sort();
        emitted.dedup();
        assert!(emitted.len() >= 20, "too few event names found: {emitted:?}");
        let missing: Vec<_> = emitted.iter().filter(|e| !KNOWN.contains(&e.as_str())).collect();
        assert!(missing.is_empty(), "audit events without words in the access history: {missing:?}");
    }

    fn literal(arg: &str) -> Option<String> {
        let arg = arg.trim();
        let inner = arg.strip_prefix('"')?;
        let name = inner.split('"').next()?;
        name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_').then(|| name.to_owned()).filter(|n| !n.is_empty())
    }

    fn read_rs(dir: &Path, out: &mut String) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                read_rs(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") && !path.ends_with("tests.rs") {
                out.push_str(&std::fs::read_to_string(&path).unwrap_or_default());
            }
        }
    }
}
