"""Sign-in for the app, and the pages a signed-in role may see.

``HARMGRAPH_AUTH`` picks how a user is identified (docs/access.md):

- ``password`` (default): a sign-in form checked against the local users in the store;
- ``header``: a trusted header set by the force's single sign-on proxy (oauth2-proxy),
  ``HARMGRAPH_AUTH_HEADER`` (default ``X-Forwarded-Email``), matched to a local user;
- ``oidc``: Streamlit's own OpenID Connect sign-in (``st.login``), matched to a local user
  by e-mail address;
- ``none``: development and demos only: no sign-in, the OS account, and a role picker in the
  sidebar (default ``HARMGRAPH_ROLE`` or ``analyst``).

The signed-in account lives in ``st.session_state["account"]`` as an ``Account`` object,
which the browser cannot forge (it can only set widget values). Tests may put one there
with ``st.session_state["account"] = Account(name, role)`` before running a page.
"""

from __future__ import annotations

import getpass
from collections.abc import Mapping, Sequence
from pathlib import Path

import streamlit as st

from harmgraph.access import ROLES, can_see
from harmgraph.accounts import Account, authenticate, known_account
from harmgraph.ui.settings import Settings

SESSION_KEY = "account"
MODES = ("password", "header", "oidc", "none")


def auth_mode(environ: Mapping[str, str]) -> str:
    """The sign-in mode named by HARMGRAPH_AUTH (``password`` when unset).

    >>> auth_mode({}), auth_mode({"HARMGRAPH_AUTH": "none"})
    ('password', 'none')
    """
    mode = (environ.get("HARMGRAPH_AUTH") or "password").strip().lower()
    if mode not in MODES:
        raise ValueError(f"HARMGRAPH_AUTH={mode!r}: use one of {', '.join(MODES)}")
    return mode


def signed_in() -> Account | None:
    """The account signed in on this session, if any."""
    value = st.session_state.get(SESSION_KEY)
    return value if isinstance(value, Account) else None


def _dev_account(environ: Mapping[str, str]) -> Account:
    default = environ.get("HARMGRAPH_ROLE") or "analyst"
    with st.sidebar:
        st.warning("Development mode: no sign-in (HARMGRAPH_AUTH=none).")
        role = st.selectbox("Role (development mode)", ROLES, key="dev_role",
                            index=ROLES.index(default) if default in ROLES else 0)
    return Account(getpass.getuser(), str(role))


def _password_form(settings: Settings) -> None:
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
        if account is None:
            st.error("Wrong user name or password, or the account is disabled.")
        else:
            _remember(account)


def _remember(account: Account) -> None:
    for key in ("signin_password", "signin_name"):
        st.session_state.pop(key, None)
    st.session_state[SESSION_KEY] = account
    st.rerun()


def _single_sign_on(settings: Settings, name: str | None, how: str) -> None:
    if not name:
        st.error("The single sign-on did not say who you are. Ask the administrator to check the proxy.")
        return
    with settings.open_store() as store:
        account = known_account(store, name, how)
    if account is None:
        st.error(f"{name} is not an active harmgraph user. Ask an administrator to add you.")
    else:
        _remember(account)


def require_account(settings: Settings, environ: Mapping[str, str]) -> Account:
    """The signed-in account; otherwise draw the sign-in and stop this run."""
    try:
        mode = auth_mode(environ)
    except ValueError as exc:  # a mistyped HARMGRAPH_AUTH: one line, not a traceback
        st.error(str(exc))
        st.stop()
        raise AssertionError("unreachable") from exc  # st.stop() ends the run
    if mode == "none":
        return _dev_account(environ)
    account = signed_in()
    if account is not None:
        return account
    if mode == "header":
        header = environ.get("HARMGRAPH_AUTH_HEADER") or "X-Forwarded-Email"
        _single_sign_on(settings, st.context.headers.get(header), f"header {header}")
    elif mode == "oidc":
        if not st.user.is_logged_in:
            st.title("harmgraph")
            st.button("Sign in with the force's single sign-on", on_click=st.login, type="primary")
        else:
            _single_sign_on(settings, st.user.get("email"), "oidc")
    else:
        _password_form(settings)
    st.stop()
    raise AssertionError("unreachable")  # st.stop() ends the run


def sign_out(settings: Settings, environ: Mapping[str, str]) -> None:
    """Forget the signed-in account (and the SSO cookie in ``oidc`` mode), logged."""
    account = signed_in()
    if account is not None:
        with settings.open_store() as store:
            store.record_audit(account.label, "sign_out", "app")
    st.session_state.pop(SESSION_KEY, None)
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
