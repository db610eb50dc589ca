"""Who may be believed, before any user is looked up: the sign-in mode, the trusted proxy, loopback.

Pure functions of the environment and of the connection (peer address, headers), so that
``harmgraph app`` can refuse a bad set-up before Streamlit starts and the app can refuse a
request, both with the same rules. docs/security.md says why each rule exists.
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass

MODES = ("password", "header", "oidc", "none")
DEFAULT_IDENTITY_HEADER = "X-Forwarded-Email"
DEFAULT_SECRET_HEADER = "X-Harmgraph-Proxy-Secret"
MIN_PROXY_SECRET = 24  # characters: a shared secret a person did not just type

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class SignOnError(ValueError):
    """The sign-in set-up in the environment is mistyped or unsafe."""


def auth_mode(environ: Mapping[str, str]) -> str:
    """The sign-in mode named by HARMGRAPH_AUTH, exactly as written (``password`` when unset).

    Spaces or capitals are an error rather than guessed at: a mode that turns sign-in off must
    never be reached by accident.

    >>> auth_mode({}), auth_mode({"HARMGRAPH_AUTH": "none"})
    ('password', 'none')
    >>> auth_mode({"HARMGRAPH_AUTH": " NONE "})
    Traceback (most recent call last):
    ...
    harmgraph.ui.signon.SignOnError: HARMGRAPH_AUTH=' NONE ': use one of password, header, oidc, none
    """
    mode = environ.get("HARMGRAPH_AUTH")
    if mode is None or mode == "":
        return "password"
    if mode not in MODES:
        raise SignOnError(f"HARMGRAPH_AUTH={mode!r}: use one of {', '.join(MODES)}")
    return mode


def is_loopback(address: str | None) -> bool:
    """Whether ``address`` (an IP or ``localhost``) is this machine only.

    >>> is_loopback("127.0.0.1"), is_loopback("::1"), is_loopback("localhost"), is_loopback("0.0.0.0")
    (True, True, True, False)
    """
    if address is None:
        return False
    if address.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(address.strip()).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True)
class HeaderSignOn:
    """Header single sign-on: the identity header, and who may set it (address and secret)."""

    identity_header: str
    secret_header: str
    secret: str
    proxies: tuple[Network, ...]

    def trusts(self, peer: str | None) -> bool:
        """Whether a connection from ``peer`` comes from a configured proxy."""
        try:
            address = ipaddress.ip_address(peer or "")
        except ValueError:
            return False
        return any(address in network for network in self.proxies)

    def identity(self, peer: str | None, headers: Mapping[str, str]) -> str | None:
        """The user the proxy names, or None unless both the address and the secret hold.

        >>> sso = header_sign_on({"HARMGRAPH_TRUSTED_PROXIES": "10.0.0.5",
        ...                       "HARMGRAPH_PROXY_SECRET": "s" * 24})
        >>> sso.identity("10.0.0.5", {"X-Forwarded-Email": "ana", "X-Harmgraph-Proxy-Secret": "s" * 24})
        'ana'
        >>> sso.identity("10.0.0.6", {"X-Forwarded-Email": "ana", "X-Harmgraph-Proxy-Secret": "s" * 24})
        >>> sso.identity("10.0.0.5", {"X-Forwarded-Email": "ana", "X-Harmgraph-Proxy-Secret": "guess"})
        """
        if not self.trusts(peer):
            return None
        offered = _header(headers, self.secret_header) or ""
        if not hmac.compare_digest(offered.encode("utf-8"), self.secret.encode("utf-8")):
            return None
        return _header(headers, self.identity_header) or None


def _header(headers: Mapping[str, str], name: str) -> str | None:
    """A header by name in any case (HTTP header names are case-insensitive)."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def header_sign_on(environ: Mapping[str, str]) -> HeaderSignOn:
    """The header sign-on set-up from the environment; an error names what is missing."""
    listed = [item.strip() for item in (environ.get("HARMGRAPH_TRUSTED_PROXIES") or "").split(",") if item.strip()]
    if not listed:
        raise SignOnError("HARMGRAPH_AUTH=header needs HARMGRAPH_TRUSTED_PROXIES: the proxy's address(es), "
                          "e.g. 127.0.0.1 or 10.2.0.0/24")
    proxies: list[Network] = []
    for item in listed:
        try:
            proxies.append(ipaddress.ip_network(item, strict=False))
        except ValueError as exc:
            raise SignOnError(f"HARMGRAPH_TRUSTED_PROXIES: {item!r} is not an address or network") from exc
    secret = environ.get("HARMGRAPH_PROXY_SECRET") or ""
    if len(secret) < MIN_PROXY_SECRET:
        raise SignOnError(f"HARMGRAPH_AUTH=header needs HARMGRAPH_PROXY_SECRET of at least {MIN_PROXY_SECRET} "
                          "characters, which the proxy sends in its secret header")
    return HeaderSignOn(
        identity_header=environ.get("HARMGRAPH_AUTH_HEADER") or DEFAULT_IDENTITY_HEADER,
        secret_header=environ.get("HARMGRAPH_PROXY_SECRET_HEADER") or DEFAULT_SECRET_HEADER,
        secret=secret,
        proxies=tuple(proxies),
    )


def check_launch(environ: Mapping[str, str], address: str) -> str:
    """The mode, once the set-up is safe to serve on ``address``; else SignOnError.

    >>> check_launch({"HARMGRAPH_AUTH": "none"}, "127.0.0.1")
    'none'
    >>> check_launch({"HARMGRAPH_AUTH": "none"}, "0.0.0.0")
    Traceback (most recent call last):
    ...
    harmgraph.ui.signon.SignOnError: HARMGRAPH_AUTH=none (no sign-in) serves only on loopback (127.0.0.1), not 0.0.0.0
    """
    mode = auth_mode(environ)
    if mode == "none" and not is_loopback(address):
        raise SignOnError(f"HARMGRAPH_AUTH=none (no sign-in) serves only on loopback (127.0.0.1), not {address}")
    if mode == "header":
        header_sign_on(environ)
    return mode
