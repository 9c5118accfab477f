"""A real SMTP server for the mail tests (tests/api/mail.rs), from aiosmtpd
(PyPI; scripts/test.sh installs it under target/ci-tools/venv).

Listens on 127.0.0.1, on a port the system picks, prints that port on the
first line, then one JSON line per message received:
{"from": ..., "to": [...], "data": "<the message>", "auth": "<user or null>"}.
With --user U --password P it offers AUTH PLAIN/LOGIN (without TLS: the test
stays on loopback) and refuses other credentials and unauthenticated mail.
"""
import argparse
import asyncio
import json
import logging
import socket
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Sink:
    async def handle_DATA(self, server, session, envelope):
        print(json.dumps({
            "from": envelope.mail_from,
            "to": envelope.rcpt_tos,
            "data": envelope.content.decode("utf-8", "replace"),
            "auth": session.auth_data.login.decode() if session.auth_data else None,
        }), flush=True)
        return "250 OK"


def authenticator(user, password):
    def check(server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and \
            auth_data.login == user.encode() and auth_data.password == password.encode()
        return AuthResult(success=ok, handled=False, auth_data=auth_data if ok else None)
    return check


# No TLS on loopback is the point here; aiosmtpd's warnings about it are noise.
warnings.filterwarnings("ignore")
logging.getLogger("mail.log").setLevel(logging.CRITICAL)


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user")
    parser.add_argument("--password")
    args = parser.parse_args()
    options = {}
    if args.user:
        options = dict(authenticator=authenticator(args.user, args.password),
                       auth_require_tls=False, auth_required=True)
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(Sink(), hostname="sink.test", **options), sock=sock)
    print(sock.getsockname()[1], flush=True)
    await server.serve_forever()


asyncio.run(main())
