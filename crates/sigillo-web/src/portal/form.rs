//! Form helpers: per-field errors as templates show them (next to the field and in a summary that
//! links to it), and the field names of API.md mapped to element ids.

use std::collections::BTreeMap;

/// One refused field: `id` is the form element's id (`residence.address` → `residence_address`).
#[derive(Debug, Clone)]
pub struct FieldError {
    pub id: String,
    pub message: String,
}

/// The use case's `fields` as a summary list, in form order when `order` names the fields.
pub fn field_errors(fields: &BTreeMap<String, String>, order: &[&str]) -> Vec<FieldError> {
    let mut out: Vec<FieldError> = order
        .iter()
        .filter_map(|name| fields.get(*name).map(|m| FieldError { id: element_id(name), message: m.clone() }))
        .collect();
    for (name, message) in fields {
        if !order.contains(&name.as_str()) {
            out.push(FieldError { id: element_id(name), message: message.clone() });
        }
    }
    out
}

pub fn element_id(field: &str) -> String {
    field.replace('.', "_")
}

/// The error of one field, for the message under it.
pub fn error_of<'a>(errors: &'a [FieldError], id: &str) -> Option<&'a str> {
    errors.iter().find(|e| e.id == id).map(|e| e.message.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_fields_become_ids_in_form_order() {
        let mut fields = BTreeMap::new();
        fields.insert("residence.address".to_owned(), "a".to_owned());
        fields.insert("email".to_owned(), "b".to_owned());
        fields.insert("zzz".to_owned(), "c".to_owned());
        let errors = field_errors(&fields, &["residence.address", "email"]);
        let ids: Vec<_> = errors.iter().map(|e| e.id.as_str()).collect();
        assert_eq!(ids, ["residence_address", "email", "zzz"]);
        assert_eq!(error_of(&errors, "email"), Some("b"));
    }
}
