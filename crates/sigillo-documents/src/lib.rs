//! Sigillo's printed documents as A4 PDFs: the letter with the second half of a PIN (alone or as a
//! print batch), the sealed PIN envelope printed at a desk, the receipt of an application, the
//! contribution statement, a pensioner's monthly slip and yearly tax certificate (CU), and the
//! form to convert a PIN into a PIN dispositivo.
//!
//! Every function is pure: data in, PDF bytes out, no I/O, no knowledge of HTTP or SQL, so the
//! delivery worker, the portal and the back-office can all call them and the tests can read what
//! they print. The PDFs use the standard-14 fonts (Helvetica, Helvetica-Bold, Courier-Bold) with
//! WinAnsiEncoding: nothing is embedded, every viewer and printer has them, and Italian text
//! with accents prints as it should (see [`encoding`] for what falls outside WinAnsi).

mod common;
mod document;
mod encoding;
mod letter;
mod mailer;
mod metrics;
mod page;
mod pension;
mod receipt;
mod statement;
mod upgrade_form;

#[cfg(test)]
mod testing;

pub use letter::{PinLetter, PostalAddress, pin_letter, pin_letters_batch};
pub use mailer::{PinMailer, pin_mailer};
pub use pension::{PayslipLine, PensionPayslip, PensionTaxCertificate, pension_payslip, pension_tax_certificate};
pub use receipt::{ApplicationReceipt, application_receipt};
pub use statement::{ContributionStatement, contribution_statement};
pub use upgrade_form::{UpgradeForm, upgrade_form};
