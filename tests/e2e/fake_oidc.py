"""A fake OpenID Connect provider for the browser tests (test code, never shipped): a
`http.server` on a free 127.0.0.1 port, in a thread, that signs in one fixed user without asking.

It serves what Streamlit's `st.login` (Authlib) uses: the discovery document, `/authorize`
(records the request and redirects straight back with a code and the same `state`), `/token`
(an RS256 `id_token` for the user, with the `nonce` of the authorize request, signed with a key
made at start), `/jwks` (that key's public half) and `/userinfo`. No `end_session_endpoint`:
signing out then only clears Streamlit's own cookie.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.parse
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from joserfc import jwt
from joserfc.jwk import RSAKey

CLIENT_ID = "alignment-test"
CLIENT_SECRET = "not-a-secret"
KEY_ID = "fake-oidc-key"


def _new_key() -> RSAKey:
    """A fresh RSA key for this provider's tokens (2048 bits: what Authlib accepts)."""
    return RSAKey.generate_key(2048, parameters={"kid": KEY_ID, "alg": "RS256"}, private=True)


@dataclass
class FakeProvider:
    """The provider's state: whom it signs in, its key, and what it was asked (one dict of query
    parameters per `/authorize` request, one dict of form fields per `/token` request)."""

    email: str
    name: str = "Test User"
    key: RSAKey = field(default_factory=_new_key)
    issuer: str = ""
    authorize_requests: list[dict[str, str]] = field(default_factory=list)
    token_requests: list[dict[str, str]] = field(default_factory=list)
    _codes: dict[str, str] = field(default_factory=dict)
    """code -> the nonce of the authorize request that issued it."""

    @property
    def discovery_url(self) -> str:
        return f"{self.issuer}/.well-known/openid-configuration"

    def metadata(self) -> dict[str, Any]:
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic", "client_secret_post"],
            "claims_supported": ["sub", "email", "name", "iss", "aud", "nonce", "iat", "exp"],
        }

    def authorize(self, query: dict[str, str]) -> str:
        """Record the request; the URL to send the browser back to (its `redirect_uri` with a
        fresh code and the same `state`)."""
        self.authorize_requests.append(query)
        code = secrets.token_urlsafe(16)
        self._codes[code] = query.get("nonce", "")
        back = {"code": code, "state": query.get("state", "")}
        separator = "&" if "?" in query["redirect_uri"] else "?"
        return f"{query['redirect_uri']}{separator}{urllib.parse.urlencode(back)}"

    def token(self, form: dict[str, str]) -> dict[str, Any] | None:
        """The tokens for a code this provider issued (once), or None."""
        self.token_requests.append(form)
        nonce = self._codes.pop(form.get("code", ""), None)
        if nonce is None:
            return None
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": CLIENT_ID,
            "sub": self.email,
            "email": self.email,
            "email_verified": True,
            "name": self.name,
            "nonce": nonce,
            "iat": now,
            "exp": now + 600,
        }
        header = {"alg": "RS256", "kid": KEY_ID}
        return {
            "id_token": jwt.encode(header, claims, self.key),
            "access_token": secrets.token_urlsafe(16),
            "token_type": "Bearer",
            "expires_in": 600,
        }

    def userinfo(self) -> dict[str, Any]:
        return {"sub": self.email, "email": self.email, "name": self.name}

    def jwks(self) -> dict[str, Any]:
        return {"keys": [{**self.key.as_dict(private=False), "use": "sig"}]}


def _handler(provider: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass  # quiet: pytest shows nothing of it anyway

        def _json(self, body: dict[str, Any], status: int = 200) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:  # noqa: N802 (http.server's name)
            url = urllib.parse.urlsplit(self.path)
            query = dict(urllib.parse.parse_qsl(url.query))
            if url.path == "/.well-known/openid-configuration":
                self._json(provider.metadata())
            elif url.path == "/jwks":
                self._json(provider.jwks())
            elif url.path == "/userinfo":
                self._json(provider.userinfo())
            elif url.path == "/authorize":
                self.send_response(302)
                self.send_header("Location", provider.authorize(query))
                self.send_header("Content-Length", "0")
                self.end_headers()
            else:
                self._json({"error": "not_found"}, 404)

        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
            if urllib.parse.urlsplit(self.path).path != "/token":
                self._json({"error": "not_found"}, 404)
                return
            tokens = provider.token(form)
            if tokens is None:
                self._json({"error": "invalid_grant"}, 400)
            else:
                self._json(tokens)

    return Handler


@contextmanager
def serve(email: str, *, name: str = "Test User") -> Iterator[FakeProvider]:
    """A fake provider that signs in `email`, on a free 127.0.0.1 port for the block's length."""
    provider = FakeProvider(email=email, name=name)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(provider))
    provider.issuer = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield provider
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
