# Gatehouse's pages in English. Every key here must be in every other
# catalogue (src/i18n/mod.rs tests it). Arguments: $tenant, $client, $user,
# $status, $date, $count, $code, $address.

## Sign in
login-title = Sign in
login-heading = Sign in to { $tenant }
login-continue = to continue to { $client }
login-username = Username or email
login-password = Password
login-submit = Sign in
login-error-wrong = The username or password is wrong.
login-error-again = Please sign in again.

## Consent
consent-title = Allow access
consent-heading = { $client } wants to access your { $tenant } account
consent-signed-in-as = Signed in as
consent-switch = Not you? Use another account
consent-required = Always shared
consent-optional = You choose
consent-untick = Untick anything you do not want to share.
consent-allow = Allow
consent-deny = Deny
consent-client-site = About { $client }
consent-client-policy = Privacy policy
consent-client-terms = Terms of service
consent-client-links = About the application

## Every page's footer: the tenant's links
footer-links = { $tenant } links
footer-support = Help
footer-terms = Terms
footer-privacy = Privacy

## What the OpenID Connect scopes mean
scope-openid = Sign you in
scope-profile = Your name and username
scope-email = Your email address
scope-offline_access = Stay connected when you are not using it
scope-account = Change your name and email address

## Sign out
logout-title = Sign out
logout-heading = Sign out of { $tenant }?
logout-submit = Sign out
logged-out-title = Signed out
logged-out-heading = You are signed out
logged-out-text = You have signed out of { $tenant }. You can close this window.

## Mail
mail-test-subject = { $tenant }: a test message from Gatehouse
mail-test-body = Gatehouse can send mail for { $tenant }.
mail-test-nothing-to-do = This message checks the mail settings; there is nothing to do.

## Pages for requests that cannot go on
error-status = HTTP { $status }
error-sign-in-link-title = This sign-in link does not work
error-request-malformed = The request is malformed: { $detail }
error-no-client = The request names no client (client_id is missing).
error-unknown-client = There is no client "{ $client }" here.
error-redirect-unregistered = The redirect_uri is not registered for this client.
error-no-redirect = The request has no redirect_uri.
error-client-gone = The client no longer exists.
error-form-expired-title = The form expired
error-form-expired = Go back to the application and sign in again.
error-sealed = The sign-in took too long or the form was altered. Go back to the application and try again.
error-sign-out-title = Sign-out failed
error-sign-out-repeated = The request repeats a parameter.
error-sign-out-expired = The form expired; sign out again from the application.
error-logout-client-mismatch = client_id does not match the id_token_hint
error-logout-no-client = post_logout_redirect_uri needs client_id or id_token_hint
error-logout-unregistered = post_logout_redirect_uri is not registered for this client
error-logout-invalid-uri = invalid post_logout_redirect_uri
error-not-found-title = Page not found
error-not-found = no resource at { $path }

## Second factor at sign-in
mfa-title = Two-step sign-in
mfa-heading = Enter the code your authenticator app shows.
mfa-code = Code
mfa-code-help = Six digits; spaces are fine.
mfa-submit = Continue
mfa-error-wrong = That code is wrong or was already used. Enter the current code.
mfa-error-locked = Too many wrong codes. Wait a few minutes, then try again.

## Account page
login-continue-account = to open your account
account-title = Your account
account-heading = Your { $tenant } account
account-profile = Profile
account-username = Username
account-name = Name
account-email = Email
account-factors = Two-step sign-in
account-factors-none = You sign in with your password only. Add an authenticator app so that a stolen password is not enough.
account-factor-totp = Authenticator app
account-factor-added = added { $date }
account-factor-used = last used { $date }
account-factor-remove = Remove
account-totp-add = Set up an authenticator app
account-notice-totp-added = The authenticator app is on: signing in will ask for its code.
account-notice-factor-removed = The second factor was removed.

## Setting up an authenticator app
totp-title = Set up an authenticator app
totp-scan = Scan this QR code with an authenticator app (such as Aegis, Google Authenticator, Microsoft Authenticator or 1Password).
totp-qr-label = QR code of the key for your authenticator app
totp-manual = Cannot scan it? Type this key into the app instead:
totp-uri = Show the key as a link
totp-code = Code from the app
totp-code-help = Type the six digits the app shows now, to check that it works.
totp-submit = Turn on
totp-error-wrong = That code is wrong. Check that your phone's clock is right, and enter the current code.

## Recovery codes
mfa-heading-recovery = Enter one of your recovery codes. Each works once.
mfa-recovery-code = Recovery code
mfa-recovery-code-help = As written down, such as ABCD-EFGH-JKLM-NPQR; case and dashes do not matter.
mfa-use-recovery = Lost your phone? Use a recovery code
mfa-use-totp = Use your authenticator app instead
account-recovery = Recovery codes
account-recovery-none = If you lose your phone, a recovery code signs you in instead. You have none yet.
account-recovery-left = { $count } of 10 recovery codes left.
account-recovery-create = Create recovery codes
account-recovery-renew = Create new recovery codes (the old ones stop working)
recovery-title = Your recovery codes
recovery-once = Write these down or print them now, and keep them somewhere safe: they are shown only this once.
recovery-use = Each code signs you in once, in place of your authenticator app. When you run low, create a new set.
recovery-done = Back to your account

## One-time codes by mail
mail-code-subject = { $tenant }: your sign-in code
mail-code-body = Your { $tenant } sign-in code is { $code }.
mail-code-expires = It works once, for 10 minutes.
mail-code-not-you = If you did not just try to sign in, someone may know your password: change it on your account page.
mfa-heading-email = Enter the code we emailed you.
mfa-heading-email-sent = We emailed a code to { $address }. Enter it here.
mfa-email-code = Code from the email
mfa-email-code-help = Six digits; it works once, for 10 minutes.
mfa-use-email = Email me a code instead
mfa-resend-email = Send another code
mfa-error-too-many-codes = Several codes were sent in the last few minutes. Use the newest one, or wait and try again.
mfa-error-not-sent = We could not send the email just now. Try again in a moment, or use another way to sign in.
account-factor-email = Codes by email
account-email-add = Email me codes when I sign in
email-title = Codes by email
email-sent = We emailed a code to { $address }. Enter it to turn codes by email on.
code-submit = Turn on
account-notice-email-added = Codes by email are on: signing in can ask for a code sent to your address.

## Codes by text message
sms-code = { $code } is your { $tenant } sign-in code. It works once, for 10 minutes.
mfa-heading-sms = Enter the code we texted you.
mfa-heading-sms-sent = We texted a code to { $address }. Enter it here.
mfa-sms-code = Code from the text message
mfa-use-sms = Text me a code instead
mfa-resend-sms = Send another code
account-factor-sms = Codes by text message
account-sms-add = Text me codes when I sign in
account-sms-phone = Mobile number
account-sms-phone-help = In international form, starting with + and the country code, such as +44 7700 900123.
account-sms-phone-invalid = That is not a mobile number in international form. Start with + and the country code.
sms-title = Codes by text message
sms-sent = We texted a code to { $address }. Enter it to turn codes by text message on.
account-notice-sms-added = Codes by text message are on: signing in can ask for a code sent to your phone.

## The account page: sessions, apps, password
account-sessions = Where you are signed in
account-session-started = Signed in { $date }
account-session-password = with your password
account-session-mfa = with your password and a second factor
account-session-this = this browser
account-sessions-end-others = Sign out everywhere else
account-apps = Apps you allowed
account-apps-none = You have not allowed any app to use your account.
account-app-since = allowed { $date }
account-app-withdraw = Remove access
account-password = Password
account-password-current = Current password
account-password-new = New password
account-password-submit = Change password
account-password-wrong = The current password is wrong.
account-password-too-short = The new password must be at least { $count } characters long.
account-password-same = The new password must not be your username or email address.
account-notice-signed-out-others = You are signed out everywhere else.
account-notice-app-removed = The app no longer has access to your account.
account-notice-password-changed = Your password is changed, and you are signed out everywhere else.
