use time::macros::date;

use super::*;

fn input() -> PinRequestInput {
    PinRequestInput {
        fiscal_code: Some("rssmra80a01h501u".into()),
        family_name: Some("Rossi".into()),
        given_name: Some("Mario".into()),
        birth_date: Some("01/01/1980".into()),
        sex: Some("M".into()),
        birth_place: Some("h501".into()),
        residence: Some(ResidenceInput {
            country: Some("IT".into()),
            address: Some("Via Roma 1".into()),
            postal_code: Some("00100".into()),
            municipality: Some("Roma".into()),
            province: Some("rm".into()),
        }),
        mobile: Some("333 1234567".into()),
        landline: None,
        email: Some("mario.rossi@example.it".into()),
    }
}

const TODAY: Date = date!(2026 - 11 - 26);

#[test]
fn a_good_request_is_valid_and_normalised() {
    let valid = input().validate(TODAY).unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(valid.fiscal_code.as_str(), "RSSMRA80A01H501U");
    assert_eq!(valid.province, "RM");
    assert_eq!(valid.mobile.as_ref().map(ToString::to_string).as_deref(), Some("+393331234567"));
    assert_eq!(valid.first_half_channel(), Channel::Sms);
}

#[test]
fn every_bad_field_is_named() {
    let bad = PinRequestInput {
        fiscal_code: Some("RSSMRA80A01H501X".into()),
        birth_date: Some("31/02/1980".into()),
        email: None,
        mobile: None,
        residence: Some(ResidenceInput { postal_code: Some("123".into()), ..ResidenceInput::default() }),
        ..input()
    };
    let errors = bad.validate(TODAY).err().unwrap_or_default();
    for field in ["fiscal_code", "birth_date", "email", "mobile", "residence.postal_code", "residence.country", "residence.address"] {
        assert!(errors.contains_key(field), "{field} missing in {errors:?}");
    }
}

#[test]
fn a_code_that_disagrees_with_the_data_is_refused() {
    let bad = PinRequestInput { given_name: Some("Luigi".into()), ..input() };
    let errors = bad.validate(TODAY).err().unwrap_or_default();
    assert!(errors.get("fiscal_code").is_some_and(|m| m.contains("non corrisponde")), "{errors:?}");
}

#[test]
fn a_future_birth_date_is_refused() {
    let bad = PinRequestInput { birth_date: Some("2030-01-01".into()), ..input() };
    assert!(bad.validate(TODAY).err().unwrap_or_default().contains_key("birth_date"));
}
