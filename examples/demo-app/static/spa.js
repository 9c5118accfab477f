// The browser-only comparison: the authorization code flow with PKCE run by
// the page itself as a public client (no secret). The tokens live in this
// page's memory; any script running in it could read them, which is what the
// backend-for-frontend on the home page avoids.
"use strict";

const root = document.getElementById("spa");
const issuer = root.dataset.issuer;
const clientId = root.dataset.clientId;
const redirectUri = root.dataset.redirectUri;
const out = document.getElementById("spa-result");

function b64url(bytes) {
  let s = "";
  for (const b of new Uint8Array(bytes)) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function random(n) {
  return b64url(crypto.getRandomValues(new Uint8Array(n)));
}

async function signIn() {
  const discovery = await (await fetch(issuer + "/.well-known/openid-configuration")).json();
  const verifier = random(32);
  const state = random(16);
  const challenge = b64url(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
  sessionStorage.setItem("spa", JSON.stringify({ verifier, state, token: discovery.token_endpoint }));
  const url = new URL(discovery.authorization_endpoint);
  url.search = new URLSearchParams({
    response_type: "code", client_id: clientId, redirect_uri: redirectUri,
    scope: "openid profile notes:read", state, code_challenge: challenge,
    code_challenge_method: "S256",
  }).toString();
  location.assign(url.toString());
}

async function finish(params) {
  const saved = JSON.parse(sessionStorage.getItem("spa") || "null");
  sessionStorage.removeItem("spa");
  if (!saved || params.get("state") !== saved.state) {
    out.textContent = "The state does not match a sign-in this page started.";
    return;
  }
  history.replaceState(null, "", location.pathname);
  const res = await fetch(saved.token, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code", code: params.get("code"),
      redirect_uri: redirectUri, client_id: clientId, code_verifier: saved.verifier,
    }),
  });
  const tokens = await res.json();
  if (!res.ok) {
    out.textContent = "Token endpoint: " + JSON.stringify(tokens);
    return;
  }
  // The same notes API the backend uses, called with the page's own token.
  const notes = await fetch("/api/notes", { headers: { Authorization: "Bearer " + tokens.access_token } });
  out.textContent = "Signed in in the browser; scope: " + tokens.scope +
    "\nGET /api/notes → " + notes.status + " " + (await notes.text());
}

document.getElementById("spa-sign-in").addEventListener("click", () => {
  signIn().catch((e) => { out.textContent = String(e); });
});
const params = new URLSearchParams(location.search);
if (params.has("code")) finish(params).catch((e) => { out.textContent = String(e); });
else if (params.has("error")) out.textContent = "Gatehouse answered: " + params.get("error");
