//! The pieces every page is built from, styled by `style.css` only (no
//! inline styles: the pages' CSP is `style-src 'self'`).

use maud::{Markup, html};

/// What an alert says: errors interrupt (`role="alert"`), the rest do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Alert {
    Error,
    Success,
    Info,
}

/// An alert; `id` lets fields name it in `aria-describedby`.
pub fn alert(kind: Alert, id: Option<&str>, text: &str) -> Markup {
    let (class, role) = match kind {
        Alert::Error => ("alert error", "alert"),
        Alert::Success => ("alert success", "status"),
        Alert::Info => ("alert info", "status"),
    };
    html! { p id=[id] class=(class) role=(role) { (text) } }
}

/// A labelled form field: the label, the control (which should carry
/// `aria-describedby` = [`described_by`]), help below it, and an error.
pub fn field(
    id: &str,
    label: &str,
    control: Markup,
    help: Option<&str>,
    error: Option<&str>,
) -> Markup {
    html! {
        div.field {
            label for=(id) { (label) }
            (control)
            @if let Some(h) = help { span.help id=(format!("{id}-help")) { (h) } }
            @if let Some(e) = error { span.field-error id=(format!("{id}-error")) { (e) } }
        }
    }
}

/// The ids of a field's help and error, for the control's `aria-describedby`.
pub fn described_by(id: &str, help: bool, error: bool) -> Option<String> {
    let ids: Vec<String> = [(help, "help"), (error, "error")]
        .into_iter()
        .filter(|(on, _)| *on)
        .map(|(_, part)| format!("{id}-{part}"))
        .collect();
    (!ids.is_empty()).then(|| ids.join(" "))
}

/// A submit button; `primary` for the form's main action. `value` names the
/// `(name, value)` it submits, when the form has several buttons.
pub fn submit(label: &str, primary: bool, value: Option<(&str, &str)>) -> Markup {
    let class = if primary {
        "button primary"
    } else {
        "button secondary"
    };
    html! {
        @if let Some((name, value)) = value {
            button class=(class) type="submit" name=(name) value=(value) { (label) }
        } @else {
            button class=(class) type="submit" { (label) }
        }
    }
}

/// A row of buttons under a form.
pub fn actions(buttons: Markup) -> Markup {
    html! { div.actions { (buttons) } }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_error_interrupts_and_a_status_does_not() {
        assert_eq!(
            alert(Alert::Error, Some("e"), "Wrong <password>").into_string(),
            r#"<p id="e" class="alert error" role="alert">Wrong &lt;password&gt;</p>"#
        );
        assert_eq!(
            alert(Alert::Success, None, "Saved").into_string(),
            r#"<p class="alert success" role="status">Saved</p>"#
        );
    }

    #[test]
    fn a_field_labels_its_control_and_names_its_help_and_error() {
        let control = html! { input #email type="email" aria-describedby=[described_by("email", true, true)]; };
        assert_eq!(
            field(
                "email",
                "Email",
                control,
                Some("We never share it"),
                Some("Not an address")
            )
            .into_string(),
            concat!(
                r#"<div class="field"><label for="email">Email</label>"#,
                r#"<input id="email" type="email" aria-describedby="email-help email-error">"#,
                r#"<span class="help" id="email-help">We never share it</span>"#,
                r#"<span class="field-error" id="email-error">Not an address</span></div>"#
            )
        );
        assert_eq!(described_by("x", false, false), None);
        assert_eq!(described_by("x", false, true).as_deref(), Some("x-error"));
    }

    #[test]
    fn buttons_are_primary_or_secondary() {
        assert_eq!(
            submit("Allow", true, Some(("decision", "allow"))).into_string(),
            r#"<button class="button primary" type="submit" name="decision" value="allow">Allow</button>"#
        );
        assert_eq!(
            submit("Cancel", false, None).into_string(),
            r#"<button class="button secondary" type="submit">Cancel</button>"#
        );
    }
}
