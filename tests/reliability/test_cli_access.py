"""The command line is signed in (issue 19, item 4): each case below passed on the old code.

Before, anyone who could open the store ran ``users add eve --role admin`` or ``rank -o``, the
access log named the OS account, and the store and exports were created world-readable. Every
command here runs through the installed console script in a subprocess, as a person or a
scheduled job would, with the sign-in given (or not) in HARMGRAPH_USER / HARMGRAPH_PASSWORD.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from graph.audit_chain import verify
from graph.embedded import EmbeddedStore

HARMGRAPH = str(Path(sys.executable).parent / "harmgraph")


def _cli(*args: str, user: str | None = "analyst", password: str | None = None) -> subprocess.CompletedProcess[str]:
    """The console script with ``user`` signed in (None: no sign-in at all), under the usual
    umask 022, so that a file readable by others would be created so."""
    env = {k: v for k, v in os.environ.items() if k not in ("HARMGRAPH_USER", "HARMGRAPH_PASSWORD")}
    if user is not None:
        env |= {"HARMGRAPH_USER": user, "HARMGRAPH_PASSWORD": password or os.environ["HARMGRAPH_PASSWORD"]}
    return subprocess.run([HARMGRAPH, *args], capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL,
                          env={**env, "COLUMNS": "200", "TERM": "dumb"}, preexec_fn=lambda: os.umask(0o022))


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, cli_users) -> Path:  # type: ignore[no-untyped-def]
    """A loaded store with one user per role (tests/conftest.py), made through the CLI."""
    from synth.generate import generate_force

    root = tmp_path_factory.mktemp("cli-access")
    generate_force(root / "force", people=120, seed=5)
    path = cli_users(root / "s.duckdb")
    done = _cli("ingest", str(root / "force"), "--store", str(path))
    assert done.returncode == 0, done.stderr
    return path


def _last(path: Path, action: str) -> dict[str, object]:
    with EmbeddedStore(path) as opened:
        log = opened.audit_log()
    assert verify(log).ok
    return log[log["action"] == action].iloc[-1].to_dict()


def test_a_list_without_sign_in_is_refused(store: Path) -> None:
    done = _cli("rank", "--store", str(store), user=None)
    assert done.returncode == 1 and "needs a signed-in harmgraph user" in done.stderr
    assert "Highest risk" not in done.stdout


def test_a_wrong_password_is_refused_and_logged(store: Path) -> None:
    done = _cli("explain", "P-0000000000", "--store", str(store), password="not the password at all")
    assert done.returncode == 1 and "cannot sign in as 'analyst'" in done.stderr
    failed = _last(store, "sign_in_failed")
    assert failed["who"] == "analyst" and failed["subject"] == "cli"


def test_anyone_who_can_open_the_store_cannot_make_themselves_admin(store: Path) -> None:
    """The first admin is added without sign-in only while a store has no users."""
    for user in (None, "analyst"):
        done = _cli("users", "add", "eve", "--role", "admin", "--store", str(store), user=user)
        assert done.returncode == 1, done.stderr
    with EmbeddedStore(store) as opened:
        assert opened.user("eve") is None
    refused = _last(store, "refused")
    assert (refused["who"], refused["subject"]) == ("analyst (analyst)", "manage_users")


def test_the_log_names_the_signed_in_user_not_the_os_account(store: Path, tmp_path: Path) -> None:
    out = tmp_path / "top.csv"
    done = _cli("rank", "--store", str(store), "-o", str(out), "--reason", "MATAC prep", user="matac_chair")
    assert done.returncode == 0, done.stderr
    export = _last(store, "export")
    assert export["who"] == "matac_chair (matac_chair)" and export["reason"] == "MATAC prep"


def test_a_role_the_table_does_not_allow_is_refused_at_the_command_line_too(store: Path) -> None:
    """The detective has no list and no export in the app; nor at the command line."""
    done = _cli("rank", "--store", str(store), user="detective")
    assert done.returncode == 1 and "detective (detective) may not see the ranked lists" in done.stderr
    loader = _cli("explain", "P-0000000000", "--store", str(store), user="loader")
    assert loader.returncode == 1 and "may not open one person's profile" in loader.stderr


def test_the_store_its_log_and_exports_are_readable_by_the_owner_only(tmp_path: Path, force_factory) -> None:  # type: ignore[no-untyped-def]
    force = force_factory()
    force.person("S1", "Sam", "Stone", "M")
    force.person("V1", "Val", "Vine", "F")
    force.incident("I1", "2026-01-05", "abh", "S1", ("V1",))
    force.incident("I2", "2026-02-05", "no_such_offence", "S1", ("V1",))  # one row to quarantine
    force.write(tmp_path / "force")
    store = tmp_path / "new.duckdb"
    # The first admin of a new store: no sign-in, the password from HARMGRAPH_PASSWORD.
    first = _cli("users", "add", "root", "--role", "admin", "--store", str(store), user="root",
                 password="the first admin's password")
    assert first.returncode == 0, first.stderr
    load = _cli("ingest", str(tmp_path / "force"), "--store", str(store), user="root",
                password="the first admin's password")
    assert load.returncode == 0, load.stderr
    out = tmp_path / "quarantine.csv"
    exported = _cli("quarantine", "--store", str(store), "-o", str(out), "--reason", "checking the load",
                    user="root", password="the first admin's password")
    assert exported.returncode == 0, exported.stderr
    for path in (store, out):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, (path, oct(path.stat().st_mode))
