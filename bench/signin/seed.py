#!/usr/bin/env python3
"""Signs in N times through the real pages and prints one refresh token per line.

usage: seed.py BASE_URL N            (BASE_URL like http://127.0.0.1:PORT)
Also: seed.py BASE_URL --login-form  prints "csrf request" for the login benchmark.
"""
import base64, hashlib, http.cookiejar, json, re, secrets, sys, urllib.parse, urllib.request

VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()
CB = "http://127.0.0.1:3000/cb"
BASIC = base64.b64encode(b"app:app-secret-0123456789abcdef").decode()


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


def field(html, name):
    m = re.search(r'name="%s" value="([^"]*)"' % name, html)
    if not m:
        sys.exit("no field %s in page" % name)
    return m.group(1)


def opener():
    jar = http.cookiejar.CookieJar()
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar), NoRedirect), jar


def login_page(base, op):
    q = urllib.parse.urlencode({
        "response_type": "code", "client_id": "app", "redirect_uri": CB,
        "scope": "openid offline_access", "state": "s", "code_challenge": CHALLENGE,
        "code_challenge_method": "S256",
    })
    return op.open(base + "/t/bench/authorize?" + q).read().decode()


def post(op, url, form, headers=None):
    req = urllib.request.Request(url, data=urllib.parse.urlencode(form).encode(), headers=headers or {})
    try:
        return op.open(req)
    except urllib.error.HTTPError as e:  # 302 surfaces as HTTPError with NoRedirect
        return e


def one_refresh_token(base):
    op, _ = opener()
    html = login_page(base, op)
    res = post(op, base + "/t/bench/login", {
        "csrf": field(html, "csrf"), "request": field(html, "request"),
        "username": "alice", "password": "alice-bench-password",
    })
    loc = res.headers["Location"]
    code = urllib.parse.parse_qs(urllib.parse.urlparse(loc).query)["code"][0]
    res = post(op, base + "/t/bench/token", {
        "grant_type": "authorization_code", "code": code, "redirect_uri": CB,
        "code_verifier": VERIFIER,
    }, {"Authorization": "Basic " + BASIC})
    return json.loads(res.read())["refresh_token"]


def main():
    base = sys.argv[1]
    if sys.argv[2] == "--login-form":
        op, jar = opener()
        html = login_page(base, op)
        print(field(html, "csrf"), field(html, "request"))
        return
    for _ in range(int(sys.argv[2])):
        print(one_refresh_token(base))


main()
