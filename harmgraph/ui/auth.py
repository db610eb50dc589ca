"""Sign-in for the app, and the pages a signed-in role may see.

``HARMGRAPH_AUTH`` picks how a user is identified (docs/access.md, docs/security.md); its
value is taken exactly as written (``" NONE "`` or ``"nnone"`` is an error, never a mode):

- ``password`` (default): a sign-in form checked against the local users in the store;
- ``header``: the force's single sign-on proxy (oauth2-proxy) names the user in
  ``HARMGRAPH_AUTH_HEADER`` (default ``X-Forwarded-Email``). The header is believed only on a
  connection from one of ``HARMGRAPH_TRUSTED_PROXIES`` (addresses or networks) that also
  carries the shared secret ``HARMGRAPH_PROXY_SECRET`` in ``HARMGRAPH_PROXY_SECRET_HEADER``
  (default ``X-Harmgraph-Proxy-Secret``), which the proxy adds and a browser cannot know;
- ``oidc``: Streamlit's own OpenID Connect sign-in (``st.login``), matched to a local user
  by e-mail address;
- ``none``: a development server only: no sign-in, a role picker, a red banner on every page;
  refused on a store that has users and on a connection that is not from this machine.

The signed-in account lives in ``st.session_state["account"]`` as an ``Account`` object,
which the browser cannot forge (it can only set widget values). A refresh or a deep link
starts a new Streamlit session; harmgraph.ui.session lets it resume from a signed, expiring
cookie. Tests may put an account in the session with
``st.session_state["account"] = Account(name, role)`` before running a page.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from pathlib import Path

import streamlit as st

from harmgraph.access import ROLES, can_see
from harmgraph.accounts import Account, account_of, authenticate, known_account
from harmgraph.ui.session import COOKIE, SessionPolicy, account_fingerprint, cookie_script, session_policy
from harmgraph.ui.settings import Settings
from harmgraph.ui.format import md
from harmgraph.ui.signon import MODES, SignOnError, auth_mode, header_sign_on, is_loopback

__all__ = ["MODES", "auth_mode", "require_account", "sign_out", "signed_in", "allowed_pages", "page_name"]

SESSION_KEY = "account"
_COOKIE_PENDING = "session_cookie_pending"  # the script to run once: set or clear the cookie
_SIGNED_OUT = "signed_out"  # this session signed out: its handshake's cookie is not honoured again
DEV_BANNER = ("DEVELOPMENT SERVER: NO SIGN-IN. Anyone on this machine is the role picked in the sidebar. "
              "Never use it with real data.")


def signed_in() -> Account | None:
    """The account signed in on this session, if any."""
    value = st.session_state.get(SESSION_KEY)
    return value if isinstance(value, Account) else None


def _peer() -> str:
    """The connection's TCP peer address.

    Streamlit reports a loopback peer as None; AppTest runs with no connection at all (its
    stand-in is not a string), which is this machine too.
    """
    address = st.context.ip_address
    return address if isinstance(address, str) else "127.0.0.1"


def _cookie(name: str) -> str | None:
    value = st.context.cookies.get(name)
    return value if isinstance(value, str) else None


def _stop_with(message: str) -> None:
    st.error(message)
    st.stop()


def _dev_account(settings: Settings, environ: Mapping[str, str]) -> Account:
    """No sign-in: only for a browser on this machine and a store that has no users yet."""
    if not is_loopback(_peer()):
        _stop_with("HARMGRAPH_AUTH=none (no sign-in) serves only this machine; this connection is not local.")
    with settings.open_store() as store:
        has_users = len(store.users()) > 0
    if has_users:
        _stop_with("HARMGRAPH_AUTH=none (no sign-in) is refused: this store has users, so it needs sign-in. "
                   "Unset HARMGRAPH_AUTH and sign in.")
    st.error(DEV_BANNER)
    default = environ.get("HARMGRAPH_ROLE") or "analyst"
    with st.sidebar:
        st.warning("Development mode: no sign-in (HARMGRAPH_AUTH=none).")
        role = st.selectbox("Role (development mode)", ROLES, key="dev_role",
                            index=ROLES.index(default) if default in ROLES else 0)
    return Account(getpass.getuser(), str(role))


def _password_form(settings: Settings, policy: SessionPolicy) -> None:
    st.title("harmgraph")
    st.caption("Sign in with the user name and password your administrator gave you. "
               "Every sign-in, view and export is recorded in the access log.")
    with st.form("sign_in"):
        name = st.text_input("User name", key="signin_name")
        password = st.text_input("Password", type="password", key="signin_password")
        submitted = st.form_submit_button("Sign in", type="primary", key="signin_submit")
    if submitted:
        with settings.open_store() as store:
            account = authenticate(store, name, password)
            user = store.user(account.name) if account is not None else None
        if account is None or user is None:
            st.error("Wrong user name or password, or the account is disabled.")
        else:
            if policy.minutes:  # the browser keeps a signed token, so a refresh stays signed in
                st.session_state[_COOKIE_PENDING] = cookie_script(
                    policy.issue(account.name, account_fingerprint(user)), policy.minutes)
            _remember(account)


def _remember(account: Account) -> None:
    for key in ("signin_password", "signin_name"):
        st.session_state.pop(key, None)
    st.session_state.pop(_SIGNED_OUT, None)
    st.session_state[SESSION_KEY] = account
    st.rerun()


def _resumed(settings: Settings, policy: SessionPolicy) -> Account | None:
    """The account of a valid session cookie (a refresh or a deep link), logged; else None."""
    if st.session_state.get(_SIGNED_OUT) or not policy.minutes:
        return None
    claim = policy.read(_cookie(COOKIE))
    if claim is None:
        return None
    with settings.open_store() as store:
        user = store.user(claim.name)
        if user is None or not bool(user["active"]) or account_fingerprint(user) != claim.account:
            return None
        account = account_of(user)
        if _signed_out_since(store.audit_log(), account.label, claim.issued_at):
            return None
        store.record_audit(account.label, "sign_in", "app", "resumed session (signed cookie)")
    st.session_state[SESSION_KEY] = account
    return account


def _signed_out_since(log, label: str, issued_at: datetime) -> bool:  # type: ignore[no-untyped-def]
    """Whether ``label`` signed out after ``issued_at`` (UTC; the log keeps local time)."""
    outs = log[(log["action"] == "sign_out") & (log["who"] == label)]
    if outs.empty:
        return False
    issued_local = issued_at.replace(tzinfo=timezone.utc).astimezone().replace(tzinfo=None)
    return bool((outs["at"] >= issued_local).any())


def _single_sign_on(settings: Settings, name: str | None, how: str) -> None:
    if not name:
        st.error("The single sign-on did not say who you are. Ask the administrator to check the proxy.")
        return
    with settings.open_store() as store:
        account = known_account(store, name, how)
    if account is None:
        st.error(f"{md(name)} is not an active harmgraph user. Ask an administrator to add you.")
    else:
        _remember(account)


def _header_sign_on(settings: Settings, environ: Mapping[str, str]) -> None:
    config = header_sign_on(environ)
    peer = _peer()
    name = config.identity(peer, st.context.headers)
    if name is None:
        claimed = st.context.headers.get(config.identity_header)
        with settings.open_store() as store:
            store.record_audit((claimed or "(none)")[:200], "sign_in_failed", "app",
                               f"header {config.identity_header} not from a trusted proxy with its secret "
                               f"(peer {peer})")
        st.error("Sign-in refused: this connection did not come through the force's single sign-on proxy.")
        return
    _single_sign_on(settings, name, f"header {config.identity_header}")


def _run_pending_cookie_script() -> None:
    script = st.session_state.pop(_COOKIE_PENDING, None)
    if script:
        st.html(script, unsafe_allow_javascript=True)


def require_account(settings: Settings, environ: Mapping[str, str]) -> Account:
    """The signed-in account; otherwise draw the sign-in and stop this run."""
    try:
        mode = auth_mode(environ)
        policy = session_policy(environ)
        if mode == "none":
            return _dev_account(settings, environ)
        account = signed_in() or (_resumed(settings, policy) if mode == "password" else None)
        if account is not None:
            _run_pending_cookie_script()
            return account
        _run_pending_cookie_script()  # a sign-out's clearing script
        if mode == "header":
            _header_sign_on(settings, environ)
        elif mode == "oidc":
            if not st.user.is_logged_in:
                st.title("harmgraph")
                st.button("Sign in with the force's single sign-on", on_click=st.login, type="primary")
            else:
                _single_sign_on(settings, st.user.get("email"), "oidc")
        else:
            _password_form(settings, policy)
    except (SignOnError, ValueError) as exc:  # a mistyped set-up: one line, not a traceback
        st.error(str(exc))
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def sign_out(settings: Settings, environ: Mapping[str, str]) -> None:
    """Forget the signed-in account, clear the session cookie (and the SSO cookie in ``oidc``), logged."""
    account = signed_in()
    if account is not None:
        with settings.open_store() as store:
            store.record_audit(account.label, "sign_out", "app")
    st.session_state.pop(SESSION_KEY, None)
    st.session_state[_SIGNED_OUT] = True
    st.session_state[_COOKIE_PENDING] = cookie_script(None, 0)
    if auth_mode(environ) == "oidc":
        st.logout()


def page_name(page: object) -> str:
    """The app_pages file name (without .py) behind an ``st.Page``."""
    source = getattr(page, "_page", None)
    if isinstance(source, (str, Path)):
        return Path(source).stem
    return str(getattr(page, "url_path", "") or getattr(page, "title", ""))


def allowed_pages(role: str, pages: Sequence[object]) -> list:
    """The ``st.Page`` objects ``role`` may see (harmgraph.access decides), in order."""
    return [page for page in pages if can_see(role, page_name(page))]
