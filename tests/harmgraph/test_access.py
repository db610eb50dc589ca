"""Access: roles decide pages and actions; local users sign in with argon2-hashed passwords."""

from __future__ import annotations

import doctest

import pytest
from typer.testing import CliRunner

import harmgraph.access
from graph.audit_chain import verify
from graph.embedded import EmbeddedStore
from harmgraph.access import ACTIONS, PAGE_NAMES, PERMISSIONS, ROLES, can, can_see, pages_for
from harmgraph.accounts import AccountError, add_user, authenticate, set_active, user_listing
from harmgraph.cli import app

runner = CliRunner()
PASSWORD = "a long enough password"


def test_doctests_of_the_permission_table_pass() -> None:
    assert doctest.testmod(harmgraph.access).failed == 0


def test_every_role_has_pages_and_only_known_pages_and_actions() -> None:
    assert set(PERMISSIONS) == set(ROLES)
    for role, permissions in PERMISSIONS.items():
        assert permissions.pages and permissions.pages <= set(PAGE_NAMES), role
        assert permissions.actions <= set(ACTIONS), role


def test_only_the_chair_records_matac_decisions_and_only_admin_manages_users() -> None:
    assert [r for r in ROLES if can(r, "record_matac_decision")] == ["matac_chair"]
    assert [r for r in ROLES if can(r, "refer_to_matac")] == ["analyst", "matac_chair"]
    assert [r for r in ROLES if can(r, "manage_users")] == ["admin"]


def test_a_detective_sees_one_person_not_the_list_or_an_export() -> None:
    assert pages_for("detective") == ("profile", "network")
    assert can("detective", "view_person") and can("detective", "network")
    assert not can("detective", "export") and not can_see("detective", "candidates")
    assert not can(None, "view_person") and not can_see("intruder", "profile")


def test_passwords_are_stored_only_as_argon2_hashes(store) -> None:
    add_user(store, "ana", "analyst", PASSWORD, by="admin")
    row = store.user("ana")
    assert row["password_hash"].startswith("$argon2id$") and PASSWORD not in row["password_hash"]
    assert "password_hash" not in user_listing(store).columns
    assert PASSWORD not in store.audit_log().to_string()


def test_sign_in_needs_the_right_password_and_an_active_user(store) -> None:
    add_user(store, "ana", "analyst", PASSWORD, by="admin")
    assert authenticate(store, "ana", "wrong password!") is None
    account = authenticate(store, "ana", PASSWORD)
    assert account is not None and account.role == "analyst" and account.label == "ana (analyst)"
    set_active(store, "ana", False, by="admin")
    assert authenticate(store, "ana", PASSWORD) is None
    log = store.audit_log()
    assert log["action"].tolist() == ["user_add", "sign_in_failed", "sign_in", "user_disable", "sign_in_failed"]
    assert verify(log).ok


def test_bad_users_are_refused(store) -> None:
    with pytest.raises(AccountError, match="role"):
        add_user(store, "x", "superuser", PASSWORD, by="admin")
    with pytest.raises(AccountError, match="characters"):
        add_user(store, "x", "analyst", "short", by="admin")
    add_user(store, "x", "analyst", PASSWORD, by="admin")
    with pytest.raises(AccountError, match="exists"):
        add_user(store, "x", "detective", PASSWORD, by="admin")


def test_users_commands_add_list_and_disable(tmp_path, monkeypatch) -> None:
    path = str(tmp_path / "s.duckdb")
    # The first user of a new store is an admin, added without signing in (bootstrap)...
    monkeypatch.setenv("HARMGRAPH_USER", "root")
    monkeypatch.setenv("HARMGRAPH_PASSWORD", PASSWORD)
    first = runner.invoke(app, ["users", "add", "root", "--role", "admin", "--store", path])
    assert first.exit_code == 0 and "first admin" in first.output, first.output
    # ...after which the admin signs in, and each new user's password comes from its own variable.
    monkeypatch.setenv("HARMGRAPH_NEW_PASSWORD", "dee's own password")
    added = runner.invoke(app, ["users", "add", "dee", "--role", "detective", "--store", path])
    assert added.exit_code == 0, added.output
    sso = runner.invoke(app, ["users", "add", "chair@force.police.uk", "--role", "matac_chair", "--sso",
                              "--store", path])
    assert sso.exit_code == 0, sso.output
    listing = runner.invoke(app, ["users", "list", "--store", path, "--format", "csv"])
    assert "dee" in listing.output and "single sign-on" in listing.output and "argon2" not in listing.output
    assert runner.invoke(app, ["users", "disable", "dee", "--store", path]).exit_code == 0
    wrong = runner.invoke(app, ["users", "add", "eve", "--role", "root", "--store", path])
    assert wrong.exit_code != 0
    with EmbeddedStore(path) as store:
        assert store.user("dee")["active"] == False  # noqa: E712 (numpy bool)
        assert authenticate(store, "dee", "dee's own password") is None  # disabled
        assert authenticate(store, "chair@force.police.uk", "") is None  # SSO-only: no password works
        log = store.audit_log()
    assert log.loc[log["action"] == "bootstrap", "who"].tolist() == ["(bootstrap)"]
    assert set(log.loc[log["action"].isin(["user_add", "user_disable"]), "who"].iloc[1:]) == {"root (admin)"}
    assert verify(log).ok


def test_the_first_user_must_be_an_admin(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("HARMGRAPH_PASSWORD", PASSWORD)
    result = runner.invoke(app, ["users", "add", "ana", "--role", "analyst", "--store", str(tmp_path / "s.duckdb")])
    assert result.exit_code == 2 and "first user must be an admin" in result.output


def test_the_cli_and_the_app_read_one_permission_table() -> None:
    """Every action the command line checks is in the table, and the loader does only that."""
    import inspect

    import harmgraph.cli
    import harmgraph.cmd_access
    import harmgraph.cmd_evidence
    import harmgraph.cmd_graph
    import harmgraph.cmd_identity
    import harmgraph.cmd_matac
    import harmgraph.cmd_signals
    import re

    checked = set()
    for module in (harmgraph.cli, harmgraph.cmd_access, harmgraph.cmd_evidence, harmgraph.cmd_graph,
                   harmgraph.cmd_identity, harmgraph.cmd_matac, harmgraph.cmd_signals):
        checked |= set(re.findall(r'sign_in\([^,]+, "(\w+)"', inspect.getsource(module)))
    assert checked and checked <= set(ACTIONS), checked - set(ACTIONS)
    assert PERMISSIONS["loader"].actions == {"load"}
    assert [r for r in ROLES if can(r, "sync")] == ["admin"]
