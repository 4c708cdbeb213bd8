//! The log's events in Swedish, for the people who read the logs. The entries keep their stable codes
//! (`registered`, `field_changed`): filters, exports and the hash chain rely on them; the pages and the CSV show
//! the Swedish word beside the code.

/// Code and Swedish word of every event the service writes.
const WORDS: &[(&str, &str)] = &[
    ("login", "loggade in"),
    ("login_failed", "misslyckad inloggning"),
    ("logout", "loggade ut"),
    ("opened", "öppnade"),
    ("printed", "skrev ut"),
    ("export", "exporterade"),
    ("upload", "laddade upp"),
    ("taken_in", "togs in"),
    ("pages_regrouped", "sidorna parades om"),
    ("pairing_flagged", "osäker parning"),
    ("pairing_cleared", "parning säker"),
    ("pairing_confirmed", "bekräftade parning"),
    ("pages_swapped", "bytte sida"),
    ("field_changed", "ändrade fält"),
    ("fields_reviewed", "granskade fält"),
    ("check_overridden", "godtog trots kontroll"),
    ("registered", "registrerade"),
    ("forwarded", "vidarebefordrade"),
    ("rejected", "avvisade"),
    ("put_aside", "lade undan"),
    ("resumed", "återupptog"),
    ("page_placed", "placerade sida"),
    ("page_set_aside", "lade undan sida"),
    ("account_added", "lade till konto"),
    ("account_created", "skapade konto"),
    ("account_approved", "godkände konto"),
    ("account_changed", "ändrade konto"),
    ("account_deactivated", "inaktiverade konto"),
    ("password_set", "satte lösenord"),
];

/// The Swedish word for an event code; an unknown code is shown as it is.
pub fn swedish(action: &str) -> &str {
    WORDS
        .iter()
        .find(|(code, _)| *code == action)
        .map_or(action, |(_, word)| word)
}

/// The event code for a filter typed as a code or as the Swedish word (any case).
pub fn code(typed: &str) -> String {
    let typed = typed.trim();
    let lower = typed.to_lowercase();
    WORDS
        .iter()
        .find(|(code, word)| *word == lower || *code == lower)
        .map_or_else(|| typed.to_string(), |(code, _)| code.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_words_go_both_ways() {
        assert_eq!(swedish("registered"), "registrerade");
        assert_eq!(swedish("field_changed"), "ändrade fält");
        assert_eq!(swedish("something_new"), "something_new");
        assert_eq!(code("Öppnade"), "opened");
        assert_eq!(code("öppnade"), "opened");
        assert_eq!(code("registered"), "registered");
        assert_eq!(code("okänt"), "okänt");
    }
}
