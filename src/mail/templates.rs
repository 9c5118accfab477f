//! Every message Gatehouse sends, in one place: the subject names the
//! tenant, the words come from the pages' catalogue (`crate::i18n`) in the
//! reader's language, and the body is plain text and the same as HTML
//! (escaped by maud).

use super::Mail;
use crate::i18n::Text;
use maud::html;

/// The message `gatehouse mail test` sends, to check the settings.
pub fn test_message(t: &Text, tenant: &str) -> Mail {
    let args = [("tenant", tenant)];
    let subject = t.with("mail-test-subject", &args);
    let lines = [
        t.with("mail-test-body", &args),
        t.get("mail-test-nothing-to-do"),
    ];
    message(t, subject, &lines)
}

/// A one-time sign-in code.
pub fn sign_in_code(t: &Text, tenant: &str, code: &str) -> Mail {
    let subject = t.with("mail-code-subject", &[("tenant", tenant)]);
    let lines = [
        t.with("mail-code-body", &[("tenant", tenant), ("code", code)]),
        t.get("mail-code-expires"),
        t.get("mail-code-not-you"),
    ];
    message(t, subject, &lines)
}

/// Plain text and HTML of the same lines.
fn message(t: &Text, subject: String, lines: &[String]) -> Mail {
    Mail {
        text: format!("{}\n", lines.join("\n\n")),
        html: html! {
            (maud::DOCTYPE)
            html lang=(t.locale.tag()) {
                head { meta charset="utf-8"; title { (subject) } }
                body { @for l in lines { p { (l) } } }
            }
        }
        .into_string(),
        subject,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::Locale;

    #[test]
    fn the_test_message_names_the_tenant_in_both_parts_and_escapes_it() {
        let m = test_message(&Text::new(Locale::default()), "Acme <Cloud>");
        assert_eq!(m.subject, "Acme <Cloud>: a test message from Gatehouse");
        assert!(
            m.text
                .starts_with("Gatehouse can send mail for Acme <Cloud>."),
            "{}",
            m.text
        );
        assert!(
            m.html
                .contains("<p>Gatehouse can send mail for Acme &lt;Cloud&gt;."),
            "{}",
            m.html
        );
        assert!(m.html.contains(r#"<html lang="en">"#));
    }

    #[test]
    fn a_sign_in_code_says_the_code_how_long_it_works_and_what_if_it_was_not_you() {
        let m = sign_in_code(&Text::new(Locale::default()), "Acme", "012345");
        assert_eq!(m.subject, "Acme: your sign-in code");
        assert!(
            m.text.starts_with("Your Acme sign-in code is 012345.\n\n"),
            "{}",
            m.text
        );
        assert!(m.text.contains("10 minutes"), "{}", m.text);
        assert!(
            m.html.contains("<p>Your Acme sign-in code is 012345.</p>"),
            "{}",
            m.html
        );
    }

    #[test]
    fn it_speaks_russian() {
        let m = test_message(&Text::new(Locale::exact("ru").unwrap()), "Acme");
        assert_eq!(m.subject, "Acme: тестовое письмо от Gatehouse");
        assert!(m.html.contains(r#"<html lang="ru">"#));
    }
}
