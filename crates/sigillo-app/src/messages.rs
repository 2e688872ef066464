//! The words of every message Sigillo sends to citizens, in Italian (the institute's language).
//! Each builder returns an [`OutboundMessage`] for the outbox; none logs anything.

use sigillo_domain::fiscal_code::FiscalCode;
use sigillo_domain::outbox::{Channel, MessageKind, OutboundMessage, PostalAddress};
use sigillo_domain::registry::InsuredPerson;
use time::OffsetDateTime;
use time::macros::format_description;
use uuid::Uuid;

const CONTACT_CENTER: &str = "Contact center: 803164 da rete fissa (gratuito), 06 164164 da cellulare, \
     dal lunedì al venerdì 8-20, il sabato 8-14.";

fn message(channel: Channel, kind: MessageKind, to: &str, code: &FiscalCode, now: OffsetDateTime) -> OutboundMessage {
    OutboundMessage {
        id: Uuid::new_v4(),
        channel,
        kind,
        recipient: to.to_owned(),
        fiscal_code: *code,
        subject: None,
        body: String::new(),
        pin_half: None,
        link: None,
        code: None,
        postal_address: None,
        created_at: now,
    }
}

/// The first half of a first-access PIN, by SMS or e-mail.
pub fn first_half(
    channel: Channel,
    to: &str,
    code: &FiscalCode,
    half: &str,
    public_url: &str,
    now: OffsetDateTime,
) -> OutboundMessage {
    let mut m = message(channel, MessageKind::PinFirstHalf, to, code, now);
    m.body = match channel {
        Channel::Sms => format!(
            "INPS: prima parte del Suo PIN: {half}. La seconda parte arriva per lettera. Primo accesso su {public_url}"
        ),
        _ => format!(
            "Gentile utente,\n\nla prima parte (8 caratteri) del Suo PIN è: {half}\n\n\
             La seconda parte Le sarà spedita per posta ordinaria all'indirizzo di residenza registrato \
             presso l'Istituto. Quando l'avrà ricevuta, acceda a {public_url} con il Suo codice fiscale e \
             i 16 caratteri del PIN (prima parte seguita dalla seconda): Le sarà chiesto di scegliere il PIN \
             definitivo di 8 caratteri.\n\nIl PIN è personale: non lo comunichi a nessuno. L'Istituto non \
             Le chiederà mai il PIN per telefono o per e-mail.\n\n{CONTACT_CENTER}"
        ),
    };
    if channel != Channel::Sms {
        m.subject = Some("Prima parte del Suo PIN".to_owned());
    }
    m.pin_half = Some(half.to_owned());
    m
}

/// The second half, by postal letter to the residence on the registry.
pub fn second_half_letter(person: &InsuredPerson, half: &str, now: OffsetDateTime) -> OutboundMessage {
    let name = format!("{} {}", person.given_name, person.family_name).to_uppercase();
    let mut m = message(Channel::Letter, MessageKind::PinSecondHalf, &name, &person.fiscal_code, now);
    m.subject = Some("Seconda parte del Suo PIN".to_owned());
    m.body = "Seconda parte del PIN, da usare con la prima parte ricevuta per SMS o e-mail per il primo accesso."
        .to_owned();
    m.pin_half = Some(half.to_owned());
    m.postal_address = Some(postal_address(person, name));
    m
}

fn postal_address(person: &InsuredPerson, name: String) -> PostalAddress {
    let r = &person.residence;
    let mut lines = vec![r.address.to_uppercase()];
    let town = if r.province.is_empty() {
        format!("{} {}", r.postal_code, r.municipality.to_uppercase())
    } else {
        format!("{} {} ({})", r.postal_code, r.municipality.to_uppercase(), r.province.to_uppercase())
    };
    lines.push(town.trim().to_owned());
    if r.is_abroad() {
        lines.push(r.country.clone());
    }
    PostalAddress { name, lines }
}

/// A reminder that the PIN must be changed soon.
pub fn expiry_notice(
    channel: Channel,
    to: &str,
    code: &FiscalCode,
    expires_at: OffsetDateTime,
    public_url: &str,
    now: OffsetDateTime,
) -> OutboundMessage {
    let date = expires_at.format(format_description!("[day]/[month]/[year]")).unwrap_or_default();
    let mut m = message(channel, MessageKind::PinExpiryNotice, to, code, now);
    m.subject = Some("Il Suo PIN sta per scadere".to_owned());
    m.body = match channel {
        Channel::Sms => format!("INPS: il Suo PIN scade il {date}. Al prossimo accesso su {public_url} Le sarà chiesto di cambiarlo."),
        _ => format!(
            "Gentile utente,\n\nil Suo PIN scade il {date}. Dopo quella data resterà valido, ma al primo \
             accesso su {public_url} Le sarà chiesto di sceglierne uno nuovo prima di usare i servizi. \
             Può cambiarlo anche subito dall'area riservata.\n\n{CONTACT_CENTER}"
        ),
    };
    m
}

/// The second half over another channel than the letter: fast activation or recovery.
pub fn second_half(channel: Channel, to: &str, code: &FiscalCode, half: &str, public_url: &str, now: OffsetDateTime) -> OutboundMessage {
    let mut m = message(channel, MessageKind::PinSecondHalf, to, code, now);
    m.body = match channel {
        Channel::Sms => format!(
            "INPS: seconda parte del Suo PIN: {half}. Primo accesso su {public_url} con la prima parte seguita da questa."
        ),
        _ => format!(
            "Gentile utente,\n\nla seconda parte (8 caratteri) del Suo PIN è: {half}\n\n\
             Acceda a {public_url} con il Suo codice fiscale e i 16 caratteri del PIN (la prima parte seguita \
             da questa): Le sarà chiesto di scegliere il PIN definitivo di 8 caratteri. Un'eventuale lettera \
             con una seconda parte diversa non è più valida.\n\nIl PIN è personale: non lo comunichi a nessuno.\n\n{CONTACT_CENTER}"
        ),
    };
    if channel != Channel::Sms {
        m.subject = Some("Seconda parte del Suo PIN".to_owned());
    }
    m.pin_half = Some(half.to_owned());
    m
}

/// The e-mail with the recovery link and code.
pub fn recovery_link(to: &str, code: &FiscalCode, link: &str, otp: &str, valid_for: &str, now: OffsetDateTime) -> OutboundMessage {
    let mut m = message(Channel::Email, MessageKind::RecoveryLink, to, code, now);
    m.subject = Some("Ripristino del Suo PIN".to_owned());
    m.body = format!(
        "Gentile utente,\n\nabbiamo ricevuto una richiesta di ripristino del Suo PIN. Per completarla apra questo \
         collegamento e inserisca il codice {otp}:\n\n{link}\n\nIl collegamento e il codice valgono {valid_for} e \
         una sola volta. Riceverà un nuovo PIN: la prima parte per SMS, la seconda per e-mail; il PIN attuale smetterà \
         di funzionare in quel momento.\n\nSe non ha chiesto Lei il ripristino, ignori questo messaggio: il Suo PIN \
         resta valido.\n\n{CONTACT_CENTER}"
    );
    m.link = Some(link.to_owned());
    m.code = Some(otp.to_owned());
    m
}

/// A one-time code that proves a contact belongs to the citizen.
pub fn contact_verification(channel: Channel, to: &str, code: &FiscalCode, otp: &str, now: OffsetDateTime) -> OutboundMessage {
    let mut m = message(channel, MessageKind::ContactVerification, to, code, now);
    m.body = match channel {
        Channel::Sms => format!("INPS: il codice per verificare questo recapito è {otp}. Vale 30 minuti."),
        _ => format!(
            "Gentile utente,\n\nper verificare questo recapito inserisca nell'area riservata il codice {otp}. \
             Il codice vale 30 minuti.\n\nSe non ha aggiunto Lei questo recapito, ignori il messaggio.\n\n{CONTACT_CENTER}"
        ),
    };
    if channel != Channel::Sms {
        m.subject = Some("Verifica del recapito".to_owned());
    }
    m.code = Some(otp.to_owned());
    m
}

/// The reviewer's decision on an upgrade to a PIN dispositivo: approved, or rejected with the
/// reviewer's reason.
pub fn upgrade_outcome(
    channel: Channel,
    to: &str,
    code: &FiscalCode,
    rejection: Option<&str>,
    public_url: &str,
    now: OffsetDateTime,
) -> OutboundMessage {
    let mut m = message(channel, MessageKind::UpgradeOutcome, to, code, now);
    m.subject = Some(match rejection {
        None => "Il Suo PIN è ora dispositivo".to_owned(),
        Some(_) => "Richiesta di PIN dispositivo non accolta".to_owned(),
    });
    m.body = match (channel, rejection) {
        (Channel::Sms, None) => {
            format!("INPS: la Sua richiesta è stata accolta, il Suo PIN è ora dispositivo. Servizi su {public_url}")
        }
        (Channel::Sms, Some(_)) => format!(
            "INPS: la Sua richiesta di PIN dispositivo non è stata accolta. Il motivo è nell'area riservata su {public_url}/converti-pin"
        ),
        (_, None) => format!(
            "Gentile utente,\n\nabbiamo verificato i documenti che ha inviato: la Sua richiesta è stata accolta e il Suo \
             PIN è ora un PIN dispositivo. Il PIN resta lo stesso; da subito può presentare domande dall'area riservata \
             su {public_url}.\n\n{CONTACT_CENTER}"
        ),
        (_, Some(reason)) => format!(
            "Gentile utente,\n\nabbiamo verificato i documenti che ha inviato per convertire il PIN in PIN dispositivo: \
             la richiesta non è stata accolta per questo motivo:\n\n{reason}\n\nIl Suo PIN resta ordinario e continua a \
             funzionare. Può inviare una nuova richiesta da {public_url}/converti-pin oppure ottenere il PIN dispositivo \
             in una sede dell'Istituto.\n\n{CONTACT_CENTER}"
        ),
    };
    m
}

/// The sunset: PINs are being retired in favour of SPID, CIE and CNS.
pub fn sunset_notice(channel: Channel, to: &str, code: &FiscalCode, annulment: OffsetDateTime, now: OffsetDateTime) -> OutboundMessage {
    let date = annulment.format(format_description!("[day]/[month]/[year]")).unwrap_or_default();
    let mut m = message(channel, MessageKind::SunsetNotice, to, code, now);
    m.subject = Some("Il PIN sarà dismesso".to_owned());
    m.body = match channel {
        Channel::Sms => format!("INPS: dal {date} il PIN non sarà più valido. Per i servizi online usi SPID, CIE o CNS."),
        _ => format!(
            "Gentile utente,\n\ndal {date} il Suo PIN non sarà più valido: per accedere ai servizi online dell'Istituto \
             dovrà usare SPID (Sistema Pubblico di Identità Digitale), la Carta d'Identità Elettronica (CIE) o la Carta \
             Nazionale dei Servizi (CNS). Fino a quella data il PIN continua a funzionare.\n\n{CONTACT_CENTER}"
        ),
    };
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_of_a_message_hides_the_half() {
        let code = FiscalCode::parse("RSSMRA80A01H501U").unwrap_or_else(|e| panic!("{e}"));
        let m = first_half(Channel::Sms, "+393331234567", &code, "7K3M9QXW", "http://x", crate::now());
        assert!(m.body.contains("7K3M9QXW"));
        assert!(!format!("{m:?}").contains("7K3M9QXW"));
    }
}
