"""A signed, expiring session token, so that a refresh or a deep link keeps a user signed in.

A refresh starts a new Streamlit session, which would otherwise ask for the password again.
After a password sign-in the browser keeps a cookie holding a token signed with
itsdangerous (HMAC-SHA1 over the payload and its time): the user's name and a fingerprint of
their stored account (role, password hash, active). The token is refused when

- it is older than the session lifetime (``HARMGRAPH_SESSION_MINUTES``, default 480: a shift),
- its signature does not verify (the secret is ``HARMGRAPH_SESSION_SECRET``, or a random one
  made when the server starts, so a restart signs everyone out),
- the account changed since it was issued (role, password, disabled, force scope: the
  fingerprint differs),
- the user signed out after it was issued (the access log's ``sign_out`` entry).

So a token gives no more than the password sign-in it came from, for a bounded time.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

COOKIE = "harmgraph_session"
DEFAULT_MINUTES = 480
_SALT = "harmgraph-session"
_PROCESS_SECRET = secrets.token_hex(32)  # per server process unless HARMGRAPH_SESSION_SECRET is set


@dataclass(frozen=True)
class SessionPolicy:
    """How session tokens are signed and how long they last."""

    secret: str
    minutes: int = DEFAULT_MINUTES

    def _serializer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt=_SALT)

    def issue(self, name: str, fingerprint: str) -> str:
        """A token naming the user and their account's fingerprint, signed now."""
        return str(self._serializer().dumps({"name": name, "account": fingerprint}))

    def read(self, token: str | None) -> "SessionClaim | None":
        """The claim of a token that verifies and has not expired, else None.

        >>> policy = SessionPolicy("x" * 32, minutes=5)
        >>> policy.read(policy.issue("ana", "f1")).name
        'ana'
        >>> policy.read(policy.issue("ana", "f1") + "x") is None, SessionPolicy("y" * 32).read(policy.issue("ana", "f1"))
        (True, None)
        """
        if not token:
            return None
        try:
            payload, signed_at = self._serializer().loads(token, max_age=self.minutes * 60, return_timestamp=True)
        except (BadSignature, SignatureExpired):
            return None
        if not isinstance(payload, dict) or not isinstance(payload.get("name"), str):
            return None
        return SessionClaim(payload["name"], str(payload.get("account", "")), signed_at.replace(tzinfo=None))


@dataclass(frozen=True)
class SessionClaim:
    """What a verified token says: who, which version of their account, and when it was issued (UTC)."""

    name: str
    account: str
    issued_at: datetime


def session_policy(environ: Mapping[str, str]) -> SessionPolicy:
    """The policy from the environment; a bad lifetime is an error naming the variable."""
    raw = environ.get("HARMGRAPH_SESSION_MINUTES") or str(DEFAULT_MINUTES)
    try:
        minutes = int(raw)
    except ValueError as exc:
        raise ValueError(f"HARMGRAPH_SESSION_MINUTES={raw!r}: a whole number of minutes") from exc
    if not 0 <= minutes <= 24 * 60:
        raise ValueError(f"HARMGRAPH_SESSION_MINUTES={raw!r}: between 0 (no resuming) and 1440")
    return SessionPolicy(environ.get("HARMGRAPH_SESSION_SECRET") or _PROCESS_SECRET, minutes)


def account_fingerprint(user: Mapping[str, object]) -> str:
    """A digest of what makes an account what it is: a change to any of it ends its sessions.

    >>> a = {"name": "ana", "role": "analyst", "password_hash": "h1", "active": True}
    >>> account_fingerprint(a) == account_fingerprint(dict(a)) != account_fingerprint({**a, "role": "admin"})
    True
    """
    parts = [str(user.get(key)) for key in ("name", "role", "password_hash", "active")]
    if isinstance(user.get("forces"), str) and user.get("forces"):  # a change of scope ends sessions too
        parts.append(str(user["forces"]))
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:24]


def cookie_script(token: str | None, minutes: int) -> str:
    """The script that sets (or, with no token, clears) the session cookie in the browser.

    SameSite=Strict keeps the cookie off requests started by other sites; Secure is added
    when the page is served over HTTPS.
    """
    value = token or ""
    age = minutes * 60 if token else 0
    return ("<script>document.cookie = " + repr(f"{COOKIE}={value}; Path=/; Max-Age={age}; SameSite=Strict")
            + " + (location.protocol === 'https:' ? '; Secure' : '');</script>")
