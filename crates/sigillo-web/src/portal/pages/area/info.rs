//! Public information page `/aiuto`: the questions the guides and citizens ask most, with this
//! installation's durations. (`/converti-pin` is in `upgrade.rs`.)

use askama::Template;
use axum::extract::State;
use axum::response::Response;
use sigillo_domain::throttle::{LOCK_AFTER, THROTTLE_AFTER};

use crate::portal::shell::{Ctx, Shell};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "area_help.html")]
struct HelpPage {
    shell: Shell,
    /// Days an unused first-access PIN stays valid.
    first_access_days: u64,
    /// Rotation period of a chosen PIN, in days; `None` when rotation is off.
    max_age_days: Option<u64>,
}

impl HelpPage {
    /// A text with this installation's numbers in place of `{first}`, `{max}`, `{throttle}`, `{lock}`.
    fn text(&self, key: &str) -> String {
        fill(self.shell.tr.t(key), self.first_access_days, self.max_age_days)
    }
}

fn fill(text: &str, first_access_days: u64, max_age_days: Option<u64>) -> String {
    text.replace("{first}", &first_access_days.to_string())
        .replace("{max}", &max_age_days.unwrap_or_default().to_string())
        .replace("{throttle}", &THROTTLE_AFTER.to_string())
        .replace("{lock}", &LOCK_AFTER.to_string())
}

/// Whole days, at least one (a test setting of a few seconds still reads as a day).
fn days(duration: std::time::Duration) -> u64 {
    duration.as_secs().div_ceil(86_400).max(1)
}

pub async fn help(State(state): State<AppState>, ctx: Ctx) -> Response {
    let settings = &state.sigillo.settings;
    let page = HelpPage {
        shell: ctx.shell.clone(),
        first_access_days: days(settings.first_access_ttl),
        max_age_days: settings.pin_max_age.map(days),
    };
    ctx.page(&page)
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn durations_read_in_whole_days() {
        assert_eq!(days(Duration::from_secs(60 * 86_400)), 60);
        assert_eq!(days(Duration::from_secs(90 * 86_400 + 1)), 91);
        assert_eq!(days(Duration::from_secs(3)), 1);
    }

    #[test]
    fn numbers_fill_the_texts() {
        assert_eq!(fill("vale {first} giorni, cambio ogni {max}", 60, Some(90)), "vale 60 giorni, cambio ogni 90");
        assert_eq!(fill("dopo {throttle}, blocco a {lock}", 60, None), "dopo 5, blocco a 100");
    }
}
