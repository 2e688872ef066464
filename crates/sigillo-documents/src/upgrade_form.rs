//! The form to convert a PIN ordinario into a PIN dispositivo (SPEC 4.7): prefilled with the
//! citizen's registry data, printed, dated, signed and uploaded with both sides of an identity
//! document. The reviewer compares the signature and the data with the document.

use time::Date;

use crate::common::{
    BODY, BODY_BOLD, CONTACT_CENTER, HEADING, LABEL, LEFT, RIGHT, SMALL, TITLE, WIDTH, footer, header, long_date,
    short_date,
};
use crate::document::{Info, assemble, pdf_date};
use crate::page::{Page, mm};

/// The citizen's data as the registry holds it.
#[derive(Debug, Clone)]
pub struct UpgradeForm {
    pub fiscal_code: String,
    pub family_name: String,
    pub given_name: String,
    /// `M` or `F`.
    pub sex: String,
    pub birth_date: Date,
    /// Municipality and province, or foreign state, e.g. `ROMA (RM)`.
    pub birth_place: String,
    /// Residence, one line: address, postal code, municipality, province, country.
    pub residence: String,
    /// The day the form was prepared.
    pub date: Date,
}

/// One A4 page.
pub fn upgrade_form(form: &UpgradeForm) -> Vec<u8> {
    let mut page = Page::new();
    let mut top = header(&mut page, &format!("Modulo preparato il {}", short_date(form.date)));

    page.text(LEFT, top + mm(4.0), TITLE, "Richiesta di conversione del PIN");
    top += mm(10.0);
    top = page.paragraph(LEFT, top, WIDTH, BODY_BOLD, "da PIN ordinario a PIN dispositivo") + mm(6.0);

    page.text(LEFT, top, HEADING, "Dati del richiedente");
    page.rule(LEFT, RIGHT, top + mm(2.5), 0.5, 0.5);
    top += mm(8.5);
    let label_width = mm(48.0);
    let birth_date = long_date(form.birth_date);
    for (label, value) in [
        ("Cognome", form.family_name.as_str()),
        ("Nome", form.given_name.as_str()),
        ("Codice fiscale", form.fiscal_code.as_str()),
        ("Sesso", form.sex.as_str()),
        ("Data di nascita", birth_date.as_str()),
        ("Luogo di nascita", form.birth_place.as_str()),
        ("Residenza", form.residence.as_str()),
    ] {
        page.text(LEFT, top, LABEL, label);
        top = page.paragraph(LEFT + label_width, top, WIDTH - label_width, BODY_BOLD, value) + mm(2.5);
    }

    top += mm(4.0);
    page.text(LEFT, top, HEADING, "Dichiarazione");
    page.rule(LEFT, RIGHT, top + mm(2.5), 0.5, 0.5);
    top += mm(8.5);
    for paragraph in [
        "Il/la sottoscritto/a, identificato/a dai dati sopra riportati, chiede che il proprio PIN ordinario per \
         l'accesso ai servizi online dell'Istituto sia convertito in PIN dispositivo, per poter presentare domande \
         e richieste di prestazioni.",
        "Dichiara, ai sensi degli articoli 46 e 47 del D.P.R. 28 dicembre 2000, n. 445, che i dati sopra riportati \
         sono veri e che il documento di identità allegato, fronte e retro, è in corso di validità; è consapevole \
         delle sanzioni penali previste dall'articolo 76 dello stesso decreto per le dichiarazioni false.",
        "Dichiara di essere l'unico/a titolare del PIN e si impegna a custodirlo con diligenza e a non comunicarlo \
         a nessuno.",
        "Informativa sul trattamento dei dati personali: i dati e le copie dei documenti sono trattati dall'Istituto \
         solo per verificare l'identità del richiedente e convertire il PIN (Regolamento UE 2016/679).",
    ] {
        top = page.paragraph(LEFT, top, WIDTH, BODY, paragraph) + mm(2.5);
    }

    top += mm(3.0);
    page.text(LEFT, top, HEADING, "Documento di identità allegato (fronte e retro)");
    page.rule(LEFT, RIGHT, top + mm(2.5), 0.5, 0.5);
    top += mm(10.0);
    let half = WIDTH / 2.0;
    for row in [["Tipo di documento", "Numero"], ["Rilasciato da", "Data di scadenza"]] {
        for (i, label) in row.iter().enumerate() {
            let x = LEFT + i as f32 * half;
            page.text(x, top, LABEL, label);
            page.rule(x + mm(32.0), x + half - mm(6.0), top + mm(0.8), 0.4, 0.3);
        }
        top += mm(10.0);
    }

    top += mm(4.0);
    page.text(LEFT, top, LABEL, "Luogo");
    page.rule(LEFT + mm(12.0), LEFT + mm(70.0), top + mm(0.8), 0.4, 0.3);
    page.text(LEFT + mm(78.0), top, LABEL, "Data");
    page.rule(LEFT + mm(88.0), LEFT + mm(125.0), top + mm(0.8), 0.4, 0.3);
    top += mm(16.0);
    page.rule(RIGHT - mm(75.0), RIGHT, top, 0.4, 0.0);
    page.text_right(RIGHT, top + mm(4.5), LABEL, "Firma leggibile del richiedente");
    top += mm(12.0);

    top = page.paragraph(
        LEFT,
        top,
        WIDTH,
        SMALL,
        "Come inviare il modulo: lo stampi, indichi luogo e data, lo firmi e lo carichi nell'area riservata \
         (Converti PIN) come PDF, JPEG o PNG, insieme alla copia leggibile del documento di identità, fronte e \
         retro (ogni file al massimo 5 MB). L'esito della verifica Le sarà comunicato per e-mail e sarà visibile \
         nell'area riservata. Il PIN resta lo stesso.",
    ) + mm(1.5);
    page.paragraph(LEFT, top, WIDTH, SMALL, CONTACT_CENTER);

    footer(&mut page, &format!("Richiesta di PIN dispositivo - {}", form.fiscal_code), 1, 1);
    let info = Info { title: "Richiesta di conversione in PIN dispositivo", created: pdf_date(form.date) };
    assemble(&info, vec![page])
}

#[cfg(test)]
mod tests {
    use super::upgrade_form;
    use crate::testing::{assert_pdf, assert_prints, page_count, upgrade};

    #[test]
    fn form_prints_the_citizen_the_declaration_and_the_signature_line() {
        let pdf = upgrade_form(&upgrade());
        assert_pdf(&pdf);
        assert_eq!(page_count(&pdf), 1);
        assert_prints(
            &pdf,
            &[
                "Richiesta di conversione del PIN",
                "da PIN ordinario a PIN dispositivo",
                "DELL'ACQUA",
                "MARIA GRAZIA",
                "DLLMGR80A41H501U",
                "1 gennaio 1980",
                "ROMA (RM)",
                "VIA DEI FORI IMPERIALI 12",
                "Dichiarazione",
                "D.P.R. 28 dicembre 2000",
                "Firma leggibile del richiedente",
                "Modulo preparato il 26/11/2026",
                "Data di scadenza",
            ],
        );
    }
}
