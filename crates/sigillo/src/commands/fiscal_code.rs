//! `sigillo fiscal-code check`: the same validation the import and the portal use.

use std::process::ExitCode;

use sigillo_domain::fiscal_code::{FiscalCode, PartialPersonalData};
use sigillo_domain::{Lang, Localized};

use crate::cli::FiscalCodeCommand;

pub fn run(command: &FiscalCodeCommand) -> ExitCode {
    let FiscalCodeCommand::Check(args) = command;
    let lang = Lang::from_tag(&args.lang);
    let data = PartialPersonalData {
        family_name: args.family_name.as_deref(),
        given_name: args.given_name.as_deref(),
        birth_date: args.birth_date,
        sex: args.sex,
        birth_place: args.birth_place.as_deref(),
    };
    match FiscalCode::parse(&args.code).and_then(|code| code.check_partial(&data)) {
        Ok(()) => {
            println!("valid");
            ExitCode::SUCCESS
        }
        Err(error) => {
            println!("invalid: {}", error.message(lang));
            ExitCode::FAILURE
        }
    }
}
