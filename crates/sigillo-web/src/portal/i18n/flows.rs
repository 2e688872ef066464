//! Words of the public flows: request, fast activation, recovery, revocation.

/// (key, Italian, English).
pub static TEXTS: &[(&str, &str, &str)] = &[];
