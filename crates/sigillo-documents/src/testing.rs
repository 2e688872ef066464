//! Test helpers: read back what a PDF prints, with poppler's `pdftotext` and `pdfinfo` when they are
//! installed, and from the uncompressed content streams when they are not; plus sample data.

use std::io::Write;
use std::process::{Command, Stdio};

use time::macros::{date, datetime};

use crate::encoding::encode;
use crate::{ApplicationReceipt, ContributionStatement, PinLetter, PinMailer, PostalAddress, UpgradeForm};

/// Starts like a PDF, ends like one.
pub(crate) fn assert_pdf(pdf: &[u8]) {
    assert!(pdf.starts_with(b"%PDF-"), "no PDF header");
    assert!(pdf.trim_ascii_end().ends_with(b"%%EOF"), "no %%EOF at the end");
}

/// Runs a poppler tool on the PDF via standard input; `None` if the tool is not installed.
fn poppler(tool: &str, args: &[&str], pdf: &[u8]) -> Option<String> {
    let mut child = match Command::new(tool).args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).spawn() {
        Ok(child) => child,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            eprintln!("{tool} not installed: checking the content streams only");
            return None;
        }
        Err(e) => panic!("cannot run {tool}: {e}"),
    };
    child.stdin.take().expect("stdin").write_all(pdf).expect("write to {tool}");
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "{tool} failed on the PDF: {:?}", out.status);
    Some(String::from_utf8(out.stdout).expect("utf-8 from poppler"))
}

/// The text as `pdftotext` extracts it.
pub(crate) fn pdftotext(pdf: &[u8]) -> Option<String> {
    poppler("pdftotext", &["-enc", "UTF-8", "-", "-"], pdf)
}

/// Pages as `pdfinfo` counts them, or as the page objects say.
pub(crate) fn page_count(pdf: &[u8]) -> usize {
    if let Some(info) = poppler("pdfinfo", &["-"], pdf) {
        let line = info.lines().find(|l| l.starts_with("Pages:")).expect("Pages: line");
        return line["Pages:".len()..].trim().parse().expect("page count");
    }
    pdf.windows(12).filter(|w| w.starts_with(b"/Type /Page") && w[11] != b's').count()
}

/// Every needle is in the extracted text or, without poppler, in a content stream string.
pub(crate) fn assert_prints(pdf: &[u8], needles: &[&str]) {
    match pdftotext(pdf) {
        Some(text) => {
            for needle in needles {
                assert!(text.contains(needle), "{needle:?} not in the extracted text:\n{text}");
            }
        }
        None => {
            for needle in needles {
                assert!(in_content(pdf, needle), "{needle:?} not in any content stream string");
            }
        }
    }
}

/// Whether the WinAnsi bytes of `needle` occur in a shown string, literal or hex.
pub(crate) fn in_content(pdf: &[u8], needle: &str) -> bool {
    let bytes = encode(needle);
    let hex: String = bytes.iter().map(|b| format!("{b:02X}")).collect();
    let contains = |hay: &[u8], n: &[u8]| hay.windows(n.len()).any(|w| w == n);
    contains(pdf, &bytes) || contains(pdf, hex.as_bytes()) || contains(pdf, hex.to_ascii_lowercase().as_bytes())
}

pub(crate) fn letter(message_id: &str, pin_half: &str) -> PinLetter {
    PinLetter {
        message_id: message_id.to_owned(),
        recipient: PostalAddress {
            name: "MARIA GRAZIA DELL'ACQUA".to_owned(),
            lines: vec!["VIA DEI FORI IMPERIALI 12 SC. B INT. 4".to_owned(), "00186 ROMA (RM)".to_owned()],
        },
        fiscal_code: "DLLMGR80A41H501U".to_owned(),
        pin_half: pin_half.to_owned(),
        date: date!(2025 - 03 - 12),
    }
}

/// A recipient whose name and address need every line the window has.
pub(crate) fn long_address_letter() -> PinLetter {
    let mut long = letter("m", "7K3M9QXW");
    long.recipient.name = "ALESSANDRA MARGHERITA FILOMENA DE' MEDICI DI TOSCANA IN BUONARROTI".to_owned();
    long.recipient.lines = vec![
        "PRESSO STUDIO LEGALE ASSOCIATO BIANCHI VERDI E ROSSI".to_owned(),
        "VIA DEL CAMPO DI MARTE DI SOPRA 112/B SCALA C PIANO 4 INTERNO 16".to_owned(),
        "50137 FIRENZE (FI)".to_owned(),
        "ITALIA".to_owned(),
    ];
    long
}

pub(crate) fn receipt() -> ApplicationReceipt {
    let field = |l: &str, v: &str| (l.to_owned(), v.to_owned());
    ApplicationReceipt {
        protocol: "INPS.0100.2025.0012345".to_owned(),
        application_label: "NASpI - Nuova prestazione di Assicurazione Sociale per l'Impiego".to_owned(),
        submitted_at: datetime!(2025-03-12 10:15:30 +01:00),
        fiscal_code: "RSSMRA80A01H501U".to_owned(),
        full_name: "Mario Rossi".to_owned(),
        fields: vec![
            field("Data di cessazione del rapporto di lavoro", "28/02/2025"),
            field("Motivo della cessazione", "Licenziamento per giustificato motivo oggettivo"),
            field("Ultimo datore di lavoro", "Società Cooperativa Edilizia «La Città Più Bella» S.r.l."),
            field("Modalità di pagamento", "Accredito su conto corrente IT60X0542811101000000123456"),
            field("Importo dichiarato dell'ultima retribuzione", "€ 1.850,00 lordi"),
            field(
                "Note",
                "Il richiedente dichiara di essere disponibile a partecipare alle misure di politica attiva \
                 del lavoro concordate con il centro per l'impiego competente per territorio, e di comunicare \
                 entro 30 giorni ogni variazione dei dati dichiarati.",
            ),
        ],
    }
}

pub(crate) fn statement(rows: usize) -> ContributionStatement {
    let employers = [
        "Rossi & Figli S.n.c.",
        "Università degli Studi di Bologna - Alma Mater Studiorum, Dipartimento di Ingegneria Civile, \
         Chimica, Ambientale e dei Materiali",
        "Comune di Forlì",
        "Lavoro autonomo - Gestione separata",
    ];
    let rows: Vec<(i32, String, u32)> = (0..rows)
        .map(|i| {
            let year = 1985 + i32::try_from(i / 3).expect("small");
            (year, employers[i % employers.len()].to_owned(), 12 + u32::try_from(i % 5).expect("small") * 10)
        })
        .collect();
    let total_weeks = rows.iter().map(|r| r.2).sum();
    ContributionStatement {
        fiscal_code: "RSSMRA80A01H501U".to_owned(),
        full_name: "Mario Rossi".to_owned(),
        generated_at: datetime!(2025-03-12 08:00:00 UTC),
        rows,
        total_weeks,
    }
}

pub(crate) fn mailer() -> PinMailer {
    PinMailer {
        fiscal_code: "BNCLCU75M52F205Z".to_owned(),
        full_name: "Lucia Bianchi".to_owned(),
        pin: "4HJ7K2NPR8TV3WXZ".to_owned(),
        office: "Sede di Milano Nord".to_owned(),
        date: date!(2025 - 03 - 12),
    }
}

pub(crate) fn upgrade() -> UpgradeForm {
    UpgradeForm {
        fiscal_code: "DLLMGR80A41H501U".to_owned(),
        family_name: "DELL'ACQUA".to_owned(),
        given_name: "MARIA GRAZIA".to_owned(),
        sex: "F".to_owned(),
        birth_date: date!(1980 - 01 - 01),
        birth_place: "ROMA (RM)".to_owned(),
        residence: "VIA DEI FORI IMPERIALI 12 SC. B INT. 4, 00186 ROMA (RM), IT".to_owned(),
        date: date!(2026 - 11 - 26),
    }
}

/// Writes one of each document to `$SIGILLO_DOCUMENTS_SAMPLES` (default: a temporary folder), to
/// look at: `cargo test -p sigillo-documents -- --ignored write_samples`.
#[test]
#[ignore = "writes files; run by hand to look at the layout"]
fn write_samples() {
    let dir = std::env::var_os("SIGILLO_DOCUMENTS_SAMPLES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("sigillo-documents"));
    std::fs::create_dir_all(&dir).expect("samples folder");
    let batch: Vec<PinLetter> = (1..=3).map(|i| letter(&format!("msg-{i:04}"), "7K3M9QXW")).collect();
    for (name, pdf) in [
        ("pin_letter.pdf", crate::pin_letter(&letter("0195a3c2-7f1e-7b2a-9c4d-1e2f3a4b5c6d", "7K3M9QXW"))),
        ("pin_letter_long_address.pdf", crate::pin_letter(&long_address_letter())),
        ("pin_letters_batch.pdf", crate::pin_letters_batch(&batch)),
        ("application_receipt.pdf", crate::application_receipt(&receipt())),
        ("contribution_statement.pdf", crate::contribution_statement(&statement(120))),
        ("pin_mailer.pdf", crate::pin_mailer(&mailer())),
        ("upgrade_form.pdf", crate::upgrade_form(&upgrade())),
    ] {
        std::fs::write(dir.join(name), pdf).expect("write sample");
    }
    eprintln!("samples in {}", dir.display());
}

/// The fallback check works on its own, so the tests mean something where poppler is missing.
#[test]
fn content_streams_hold_the_text_uncompressed() {
    let pdf = crate::pin_letter(&letter("msg-0001", "7K3M9QXW"));
    for needle in ["Seconda parte del PIN: 7K3M9QXW", "803164", "00186 ROMA (RM)", "validità", "msg-0001"] {
        assert!(in_content(&pdf, needle), "{needle:?}");
    }
    assert!(!in_content(&pdf, "not printed anywhere"));
    let batch = crate::pin_letters_batch(&[letter("a", "AAAA1111"), letter("b", "BBBB2222")]);
    assert_eq!(batch.windows(12).filter(|w| w.starts_with(b"/Type /Page") && w[11] != b's').count(), 2);
}
