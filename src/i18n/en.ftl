# Gatehouse's pages in English. Every key here must be in every other
# catalogue (src/i18n/mod.rs tests it). Arguments: $tenant, $client, $user,
# $status.

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

## Errors
error-status = HTTP { $status }
