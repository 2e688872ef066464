//! The portal's words in Italian (the default) and English. Templates call `tr.t("key")`; a key
//! missing here shows as itself, and a test checks that every key the templates use exists.

mod area;
mod flows;
mod oidc;
mod upgrade;

use sigillo_domain::Lang;

/// Every table of words: the frame and login (here), the public flows, the reserved area.
static TABLES: &[&[(&str, &str, &str)]] = &[TEXTS, flows::TEXTS, area::TEXTS, upgrade::TEXTS, oidc::TEXTS];

fn lookup(key: &str) -> Option<&'static (&'static str, &'static str, &'static str)> {
    TABLES.iter().flat_map(|t| t.iter()).find(|(k, _, _)| *k == key)
}

/// The language of a page, as templates see it.
#[derive(Debug, Clone, Copy)]
pub struct Tr {
    pub lang: Lang,
}

impl Tr {
    pub fn t(&self, key: &str) -> &'static str {
        match lookup(key) {
            Some((_, it, en)) => match self.lang {
                Lang::It => it,
                Lang::En => en,
            },
            None => "??",
        }
    }

    pub fn code(&self) -> &'static str {
        match self.lang {
            Lang::It => "it",
            Lang::En => "en",
        }
    }

    pub fn is_en(&self) -> bool {
        self.lang == Lang::En
    }
}

/// (key, Italian, English): the page frame, home, login, PIN change and reserved area basics.
pub static TEXTS: &[(&str, &str, &str)] = &[
    ("institute", "Istituto Nazionale della Previdenza Sociale", "National Social Security Institute"),
    ("service", "Servizio PIN", "PIN service"),
    ("skip", "Vai al contenuto principale", "Skip to main content"),
    ("home", "Home", "Home"),
    ("lang_other", "English", "Italiano"),
    ("lang_switch", "Cambia lingua", "Change language"),
    ("menu", "Menu principale", "Main menu"),
    ("breadcrumb", "Percorso", "Breadcrumb"),
    ("login", "Accedi", "Log in"),
    ("logout", "Esci", "Log out"),
    ("reserved_area", "Area riservata", "Reserved area"),
    ("request_pin", "Richiedi PIN", "Request a PIN"),
    ("activate_pin", "Attiva PIN", "Activate your PIN"),
    ("change_pin", "Cambia PIN", "Change PIN"),
    ("recover_pin", "Ripristina PIN", "Recover your PIN"),
    ("revoke_pin", "Revoca PIN", "Revoke your PIN"),
    ("upgrade_pin", "Converti PIN", "Upgrade your PIN"),
    ("help", "Aiuto", "Help"),
    ("demo_mailbox", "Posta demo", "Demo mailbox"),
    ("contact_center", "Contact center", "Contact center"),
    ("contact_center_hours", "803164 gratuito da rete fissa, 06 164164 da cellulare (a pagamento secondo il proprio operatore), dal lunedì al venerdì dalle 8 alle 20, il sabato dalle 8 alle 14.", "803164 toll-free from landlines, 06 164164 from mobiles (charged by your operator), Monday to Friday 8:00–20:00, Saturday 8:00–14:00."),
    ("footer_note", "Sigillo è un servizio dimostrativo open source: i dati sono sintetici.", "Sigillo is an open-source demonstration service: the data is synthetic."),
    ("errors_title", "Controlli i dati: alcuni campi non sono corretti.", "Please check your data: some fields are not correct."),
    ("required", "obbligatorio", "required"),
    ("fiscal_code", "Codice fiscale", "Fiscal code"),
    ("fiscal_code_hint", "16 caratteri, come sulla tessera sanitaria. Maiuscole o minuscole, anche con spazi.", "16 characters, as on the health card. Upper or lower case, spaces allowed."),
    ("pin", "PIN", "PIN"),
    ("pin_hint", "Al primo accesso: i 16 caratteri (prima parte ricevuta per SMS o e-mail, seguita dalla seconda ricevuta per lettera). Poi: il PIN di 8 caratteri che ha scelto.", "At first access: the 16 characters (the first half received by SMS or e-mail, followed by the second half received by letter). Afterwards: the 8-character PIN you chose."),
    ("login_title", "Accedi con il PIN", "Log in with your PIN"),
    ("login_intro", "Inserisca il codice fiscale e il PIN. La lettera O non compare mai nel PIN: è sempre il numero zero.", "Enter your fiscal code and PIN. The letter O never appears in a PIN: it is always the digit zero."),
    ("login_button", "Accedi", "Log in"),
    ("forgot", "Ha dimenticato o perso il PIN?", "Forgot or lost your PIN?"),
    ("no_pin", "Non ha ancora un PIN?", "No PIN yet?"),
    ("home_title", "Il PIN dell'Istituto", "The Institute's PIN"),
    ("home_lead", "Il PIN è il codice personale che Le permette di usare i servizi online dell'Istituto: consultare il Suo estratto conto contributivo, presentare domande, seguire le pratiche.", "The PIN is the personal code that lets you use the Institute's online services: check your contribution statement, submit applications, follow your files."),
    ("home_halves_title", "Un PIN in due parti", "A PIN in two halves"),
    ("home_halves", "Per sicurezza il PIN di primo accesso (16 caratteri) arriva in due parti: la prima subito per SMS (o e-mail), la seconda per lettera all'indirizzo di residenza registrato. Al primo accesso sceglie il PIN definitivo di 8 caratteri.", "For your safety the first-access PIN (16 characters) arrives in two halves: the first at once by SMS (or e-mail), the second by letter to your registered home address. At first access you choose your definitive 8-character PIN."),
    ("home_levels_title", "Due livelli", "Two levels"),
    ("home_levels", "Il PIN ordinario permette di consultare i propri dati. Il PIN dispositivo permette anche di presentare domande: si ottiene online con «Converti PIN» o subito presso una sede.", "An ordinary PIN lets you look at your data. A PIN dispositivo also lets you submit applications: get it online with «Upgrade your PIN» or at once at an office."),
    ("home_flows", "Cosa vuole fare?", "What would you like to do?"),
    ("change_title", "Scelga il Suo PIN", "Choose your PIN"),
    ("change_forced", "Prima di continuare deve scegliere un nuovo PIN.", "Before going on you must choose a new PIN."),
    ("current_pin", "PIN attuale", "Current PIN"),
    ("current_pin_hint", "Al primo accesso: i 16 caratteri ricevuti in due parti.", "At first access: the 16 characters received in two halves."),
    ("new_pin", "Nuovo PIN", "New PIN"),
    ("new_pin_confirm", "Ripeta il nuovo PIN", "Repeat the new PIN"),
    ("pin_rules_title", "Il nuovo PIN deve:", "The new PIN must:"),
    ("pin_rule_length", "avere esattamente 8 caratteri", "be exactly 8 characters long"),
    ("pin_rule_chars", "contenere solo lettere e cifre (maiuscole e minuscole sono uguali)", "contain only letters and digits (upper and lower case are the same)"),
    ("pin_rule_mixed", "meglio se con lettere e cifre insieme", "preferably mix letters and digits"),
    ("pin_rule_personal", "non contenere parti del codice fiscale, del nome o della data di nascita", "not contain parts of your fiscal code, name or date of birth"),
    ("pin_rule_common", "non essere un PIN comune (12345678, password…) né uno degli ultimi 5 usati", "not be a common PIN (12345678, password…) nor one of your last 5"),
    ("pin_mismatch", "I due PIN non coincidono.", "The two PINs do not match."),
    ("save", "Salva", "Save"),
    ("pin_changed", "Il PIN è stato cambiato.", "Your PIN has been changed."),
    ("level", "Livello del PIN", "PIN level"),
    ("level_ordinario", "ordinario", "ordinary"),
    ("level_dispositivo", "dispositivo", "dispositivo"),
    ("pin_expires", "Scadenza del PIN", "PIN expiry"),
    ("pin_never_expires", "non scade", "does not expire"),
    ("welcome", "Benvenuto/a", "Welcome"),
    ("services", "Servizi", "Services"),
    ("contributions", "Estratto conto contributivo", "Contribution statement"),
    ("year", "Anno", "Year"),
    ("employer", "Datore di lavoro", "Employer"),
    ("weeks", "Settimane", "Weeks"),
    ("total_weeks", "Totale settimane", "Total weeks"),
    ("download_pdf", "Scarica in PDF", "Download as PDF"),
    ("no_contributions", "Nessun contributo registrato.", "No contributions on record."),
    ("session_expired", "La sessione è scaduta o non è valida: acceda di nuovo.", "Your session has expired or is not valid: please log in again."),
    ("csrf_failed", "Il modulo è scaduto. Lo invii di nuovo.", "The form has expired. Please send it again."),
    ("logged_out", "È uscito dall'area riservata.", "You have logged out."),
    ("revoke_own_title", "Revoca il Suo PIN", "Revoke your PIN"),
    ("revoke_own_intro", "Se teme che qualcuno conosca il Suo PIN, può revocarlo: smetterà subito di funzionare e ogni sessione aperta sarà chiusa. Potrà poi richiederne uno nuovo.", "If you fear someone knows your PIN you can revoke it: it stops working at once and every open session ends. You can then request a new one."),
    ("revoke_own_confirm", "Confermo di voler revocare il mio PIN", "I confirm I want to revoke my PIN"),
    ("revoke_own_missing", "Per revocare il PIN spunti la casella di conferma.", "To revoke your PIN, tick the confirmation box."),
    ("revoked_own", "Il Suo PIN è stato revocato. Per usare di nuovo i servizi online può richiederne uno nuovo.", "Your PIN has been revoked. To use the online services again you can request a new one."),
    ("not_found_title", "Pagina non trovata", "Page not found"),
    ("not_found_text", "La pagina richiesta non esiste o è stata spostata.", "The page you asked for does not exist or has moved."),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `tr.t("…")` in the templates has its words here.
    #[test]
    fn every_key_used_by_a_template_exists() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut missing = Vec::new();
        for entry in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let text = std::fs::read_to_string(entry.path()).unwrap_or_default();
            for piece in text.split("tr.t(\"").skip(1) {
                let key = piece.split('"').next().unwrap_or_default();
                if lookup(key).is_none() {
                    missing.push(format!("{}: {key}", entry.path().display()));
                }
            }
        }
        assert!(missing.is_empty(), "keys without words: {missing:?}");
    }

    #[test]
    fn keys_are_unique() {
        let mut keys: Vec<_> = TABLES.iter().flat_map(|t| t.iter()).map(|(k, _, _)| *k).collect();
        keys.sort_unstable();
        let before = keys.len();
        keys.dedup();
        assert_eq!(before, keys.len());
    }
}
