//! Words of the reserved area's services, the information pages and the demo mailbox.

/// (key, Italian, English).
pub static TEXTS: &[(&str, &str, &str)] = &[];
