"""Local user accounts: argon2id-hashed passwords kept in the store, sign-in, disabling.

Only the hash is stored (argon2-cffi's PasswordHasher, argon2id with its default cost); a
password never reaches a log or the audit trail. Users who sign in through the force's single
sign-on are added without a password and matched by name (see docs/access.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from graph.store import GraphStore
from harmgraph.access import check_role
from core.errors import HarmgraphError
from core.forces import force_code

MIN_PASSWORD_LENGTH = 10
_HASHER = PasswordHasher()


class AccountError(HarmgraphError):
    """A user cannot be added, changed or found."""


@dataclass(frozen=True)
class Account:
    """A signed-in user: the name written to the access log and the role that decides access."""

    name: str
    role: str
    # The forces whose people the user sees (a regional store); empty: every force, the region.
    forces: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        """``name (role)``, as the access log records the user."""
        return f"{self.name} ({self.role})"

    @property
    def scope(self) -> str:
        """What the user sees, in words.

        >>> Account("ana", "analyst", ("CLE", "NBR")).scope, Account("bo", "analyst").scope
        ('forces CLE, NBR', 'every force')
        """
        if not self.forces:
            return "every force"
        return ("force " if len(self.forces) == 1 else "forces ") + ", ".join(self.forces)


def scope_codes(forces: object) -> tuple[str, ...]:
    """The force codes of a user row's ``forces`` (';'-joined), checked, upper-case and sorted;
    () for none (every force).

    >>> scope_codes("nbr;CLE"), scope_codes(None), scope_codes("")
    (('CLE', 'NBR'), (), ())
    """
    if not isinstance(forces, str):
        return ()
    return tuple(sorted({force_code(code.strip()) for code in forces.split(";") if code.strip()}))


def account_of(user: dict[str, object]) -> Account:
    """The account a stored user row signs in as: name, role and force scope."""
    return Account(str(user["name"]), str(user["role"]), scope_codes(user.get("forces")))


def hash_password(password: str) -> str:
    """An argon2id hash of ``password`` (refuses one shorter than MIN_PASSWORD_LENGTH)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
    return _HASHER.hash(password)


def password_matches(password_hash: str | None, password: str) -> bool:
    """Whether ``password`` matches the stored hash (False for no hash or a damaged one)."""
    if not password_hash or not password:
        return False
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def _check_name(name: str) -> str:
    cleaned = name.strip()
    if not cleaned or len(cleaned) > 200 or any(ch in cleaned for ch in "\r\n\t"):
        raise AccountError("a user name must be 1-200 characters on one line")
    return cleaned


def add_user(store: GraphStore, name: str, role: str, password: str | None, by: str,
             forces: tuple[str, ...] = ()) -> None:
    """Create a user (``password`` None: single sign-on only) seeing ``forces`` (none: every
    force) and log who added them."""
    name = _check_name(name)
    try:
        check_role(role)
    except ValueError as exc:
        raise AccountError(str(exc)) from exc
    if store.user(name) is not None:
        raise AccountError(f"user {name!r} exists already")
    scope = scope_codes(";".join(forces))
    store.put_user(name, role, hash_password(password) if password is not None else None, True, datetime.now(),
                   forces=";".join(scope))
    store.record_audit(by, "user_add", name, f"role {role}" + ("" if password is not None else ", single sign-on only")
                       + (f", sees {Account(name, role, scope).scope}" if scope else ""))


def grant_forces(store: GraphStore, name: str, forces: tuple[str, ...], by: str) -> Account:
    """Set which forces' people a user sees: ``forces`` (e.g. ``("NBR",)``), or () for the
    whole region; logged with the scope before and after."""
    user = store.user(name)
    if user is None:
        raise AccountError(f"no user {name!r}")
    before = account_of(user)
    scope = scope_codes(";".join(forces))
    store.put_user(name, str(user["role"]), _hash_or_none(user), bool(user["active"]), datetime.now(),
                   forces=";".join(scope))
    after = Account(before.name, before.role, scope)
    store.record_audit(by, "user_scope", name, f"sees {after.scope} (was {before.scope})")
    return after


def set_active(store: GraphStore, name: str, active: bool, by: str) -> None:
    """Disable (or re-enable) a user: a disabled user cannot sign in by any route."""
    user = store.user(name)
    if user is None:
        raise AccountError(f"no user {name!r}")
    store.put_user(name, str(user["role"]), _hash_or_none(user), active, datetime.now(), forces=_forces(user))
    store.record_audit(by, "user_enable" if active else "user_disable", name, f"role {user['role']}")


def set_password(store: GraphStore, name: str, password: str, by: str) -> None:
    """Replace a user's password."""
    user = store.user(name)
    if user is None:
        raise AccountError(f"no user {name!r}")
    store.put_user(name, str(user["role"]), hash_password(password), bool(user["active"]), datetime.now(),
                   forces=_forces(user))
    store.record_audit(by, "user_password", name, "password changed")


def _forces(user: dict[str, object]) -> str:
    """A user row's force scope as stored (a password or status change keeps it)."""
    return ";".join(scope_codes(user.get("forces")))


def _hash_or_none(user: dict[str, object]) -> str | None:
    value = user.get("password_hash")
    return None if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)


def authenticate(store: GraphStore, name: str, password: str, where: str = "app") -> Account | None:
    """The account for a correct name and password of an active user, else None (logged, with
    ``where``: the app or the command line)."""
    user = store.user(name.strip())
    ok = user is not None and bool(user["active"]) and password_matches(_hash_or_none(user), password)
    if not ok:
        store.record_audit(name.strip()[:200] or "(blank)", "sign_in_failed", where, "wrong name or password, or disabled")
        return None
    account = account_of(user)
    store.record_audit(account.label, "sign_in", where, "password")
    return account


BOOTSTRAP_WHO = "(bootstrap)"


def add_first_admin(store: GraphStore, name: str, password: str | None, os_account: str) -> None:
    """The first user of a store with none: an admin added without signing in (there is no one
    to sign in as). Refused once any user exists, so it cannot be used to add another admin."""
    if not store.users().empty:
        raise AccountError("the store has users already: sign in as an admin to add one")
    add_user(store, name, "admin", password, by=BOOTSTRAP_WHO)
    store.record_audit(BOOTSTRAP_WHO, "bootstrap", _check_name(name),
                       f"first admin of the store, added from the OS account {os_account}")


def known_account(store: GraphStore, name: str, how: str) -> Account | None:
    """The account of an active user already identified elsewhere (single sign-on), logged."""
    user = store.user(name.strip())
    if user is None or not bool(user["active"]):
        store.record_audit(name.strip()[:200] or "(blank)", "sign_in_failed", "app", f"{how}: not an active user")
        return None
    account = account_of(user)
    store.record_audit(account.label, "sign_in", "app", how)
    return account


def user_listing(store: GraphStore) -> pd.DataFrame:
    """Users without their password hashes: name, role, active, sign-in, created, updated, and
    the forces each sees ("all" when not limited to some)."""
    users = store.users()
    listing = users.drop(columns=["password_hash"])
    listing.insert(3, "sign_in", users["password_hash"].map(
        lambda h: "password" if isinstance(h, str) and h else "single sign-on"))
    listing["forces"] = users["forces"].map(lambda f: ";".join(scope_codes(f)) or "all")
    return listing
