"""No way round sign-in (issue 19, item 3), tried against a running app and through the CLI.

A real ``harmgraph app`` serves on loopback; a Streamlit websocket client (the protocol the
browser speaks: protobuf BackMsg / ForwardMsg on /_stcore/stream) sends a spoofed
``X-Forwarded-Email`` naming the admin. Header sign-on must refuse it unless the connection
comes from a configured proxy address AND carries the proxy's shared secret; a forged
``X-Forwarded-For`` must not make loopback look like the proxy. Two servers: one trusting
loopback as its proxy (so the secret is what is tested, with a positive control), one trusting
another address (so the address is what is tested).

Also: ``HARMGRAPH_AUTH`` is read exactly (" NONE " used to switch sign-in off), "no sign-in"
is refused on a store with users and off loopback, and ``harmgraph app`` binds to loopback.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf import text_format
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.testing.v1 import AppTest
from typer.testing import CliRunner

from bench.screenshots import free_port, wait_until_healthy
from graph.embedded import EmbeddedStore
from harmgraph.accounts import add_user
from harmgraph.cli import app as cli_app

HARMGRAPH = str(Path(sys.executable).parent / "harmgraph")
APP = Path(__file__).resolve().parents[2] / "harmgraph" / "app.py"
SECRET = "proxy-shared-secret-0123456789abcdef"
ADMIN = "admin@force.police.uk"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A store with one single-sign-on admin (no data is needed to test the door)."""
    path = tmp_path_factory.mktemp("signin") / "s.duckdb"
    with EmbeddedStore(path) as graph_store:
        add_user(graph_store, ADMIN, "admin", None, by="tests")
    return path


def _serve(store: Path, folder: Path, trusted: str) -> Iterator[int]:
    port = free_port()
    env = {**os.environ, "HARMGRAPH_AUTH": "header", "HARMGRAPH_TRUSTED_PROXIES": trusted,
           "HARMGRAPH_PROXY_SECRET": SECRET, "HARMGRAPH_STORE": str(store)}
    log_path = folder / f"app-{port}.log"
    log = log_path.open("w")
    server = subprocess.Popen([HARMGRAPH, "app", "--store", str(store), "--headless", "--port", str(port)],
                              stdout=log, stderr=subprocess.STDOUT, env=env, start_new_session=True)
    try:
        wait_until_healthy(f"http://127.0.0.1:{port}", server, log_path)
        yield port
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def proxy_on_loopback(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """An app whose trusted proxy is this machine: only the shared secret tells the proxy apart."""
    yield from _serve(store, tmp_path_factory.mktemp("loopback-proxy"), "127.0.0.1,::1")


@pytest.fixture(scope="module")
def proxy_elsewhere(store: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[int]:
    """An app whose trusted proxy is another host: a connection from loopback is untrusted."""
    yield from _serve(store, tmp_path_factory.mktemp("remote-proxy"), "10.20.30.40")


async def _page_text(port: int, headers: dict[str, str]) -> str:
    """Everything one script run sends to a websocket client that presents ``headers``."""
    import websockets

    async with websockets.connect(f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],
                                  additional_headers=headers, max_size=None) as socket_:
        rerun = BackMsg()
        rerun.rerun_script.query_string = ""
        rerun.rerun_script.page_script_hash = ""
        await socket_.send(rerun.SerializeToString())
        seen: list[str] = []
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            message = ForwardMsg()
            message.ParseFromString(await asyncio.wait_for(socket_.recv(), timeout=60))
            seen.append(text_format.MessageToString(message, as_utf8=True))
            if (message.WhichOneof("type") == "script_finished"
                    and message.script_finished != ForwardMsg.FINISHED_EARLY_FOR_RERUN):
                return "\n".join(seen)
    raise AssertionError("the script did not finish within 60 s")


def _visit(port: int, **headers: str) -> str:
    return asyncio.run(_page_text(port, {key.replace("_", "-"): value for key, value in headers.items()}))


def _signed_in(text: str) -> bool:
    return "Signed in as" in text and ADMIN in text


def test_the_proxy_with_its_secret_signs_in(proxy_on_loopback: int) -> None:
    # The positive control: without it the refusals below could be a broken server.
    text = _visit(proxy_on_loopback, X_Forwarded_Email=ADMIN, X_Harmgraph_Proxy_Secret=SECRET)
    assert _signed_in(text), text[-2000:]


@pytest.mark.parametrize("secret", [None, "", "guess", SECRET[:-1]])
def test_a_spoofed_header_without_the_secret_is_refused(proxy_on_loopback: int, secret: str | None) -> None:
    headers = {"X_Forwarded_Email": ADMIN} | ({"X_Harmgraph_Proxy_Secret": secret} if secret is not None else {})
    text = _visit(proxy_on_loopback, **headers)
    assert not _signed_in(text) and "Sign-in refused" in text


def test_a_spoofed_header_from_an_untrusted_address_is_refused_even_with_the_secret(proxy_elsewhere: int) -> None:
    text = _visit(proxy_elsewhere, X_Forwarded_Email=ADMIN, X_Harmgraph_Proxy_Secret=SECRET,
                  X_Forwarded_For="10.20.30.40")  # a forged hop: the peer is still loopback
    assert not _signed_in(text) and "Sign-in refused" in text


def test_refusals_are_in_the_access_log(store: Path, proxy_elsewhere: int) -> None:
    _visit(proxy_elsewhere, X_Forwarded_Email=ADMIN)
    with EmbeddedStore(store) as graph_store:
        log = graph_store.audit_log()
    refused = log[(log["action"] == "sign_in_failed") & (log["who"] == ADMIN)]
    assert refused["detail"].str.contains("not from a trusted proxy").any()


# --- the mode is read exactly; "no sign-in" only for a local development server -------------------
runner = CliRunner()


def _launch(monkeypatch: pytest.MonkeyPatch, store: str, mode: str | None, *args: str) -> tuple[int, str, list]:
    launched: list[list[str]] = []
    monkeypatch.setattr(subprocess, "run",  # recorded, not started; it "exits" as a real server would
                        lambda command, **_: launched.append(command) or subprocess.CompletedProcess(command, 0))
    if mode is None:
        monkeypatch.delenv("HARMGRAPH_AUTH", raising=False)
    else:
        monkeypatch.setenv("HARMGRAPH_AUTH", mode)
    result = runner.invoke(cli_app, ["app", "--store", store, *args])
    return result.exit_code, result.output, launched


@pytest.mark.parametrize("mode", [" NONE ", "NONE", "none ", "nnone", "None"])
def test_a_near_miss_of_none_is_an_error_not_no_sign_in(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                        mode: str) -> None:
    code, output, launched = _launch(monkeypatch, str(tmp_path / "x.duckdb"), mode)
    assert code == 2 and f"HARMGRAPH_AUTH={mode!r}" in output and not launched


def test_the_app_binds_to_loopback_unless_told(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    _code, _output, launched = _launch(monkeypatch, str(tmp_path / "x.duckdb"), None)
    command = launched[0]
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    _code, _output, launched = _launch(monkeypatch, str(tmp_path / "x.duckdb"), None, "--address", "10.0.0.9")
    assert launched[0][launched[0].index("--server.address") + 1] == "10.0.0.9"


def test_no_sign_in_is_refused_off_loopback_and_on_a_store_with_users(monkeypatch: pytest.MonkeyPatch,
                                                                      store: Path, tmp_path: Path) -> None:
    code, output, launched = _launch(monkeypatch, str(tmp_path / "x.duckdb"), "none", "--address", "0.0.0.0")
    assert code == 2 and "only on loopback" in output and not launched
    code, output, launched = _launch(monkeypatch, str(store), "none")
    assert code == 2 and "has users" in output and not launched


def test_header_sign_on_without_proxy_or_secret_does_not_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("HARMGRAPH_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("HARMGRAPH_PROXY_SECRET", raising=False)
    code, output, launched = _launch(monkeypatch, str(tmp_path / "x.duckdb"), "header")
    assert code == 2 and "HARMGRAPH_TRUSTED_PROXIES" in output and not launched
    monkeypatch.setenv("HARMGRAPH_TRUSTED_PROXIES", "127.0.0.1")
    monkeypatch.setenv("HARMGRAPH_PROXY_SECRET", "short")
    code, output, launched = _launch(monkeypatch, str(tmp_path / "x.duckdb"), "header")
    assert code == 2 and "HARMGRAPH_PROXY_SECRET" in output and not launched


def test_the_app_refuses_no_sign_in_on_a_store_with_users(monkeypatch: pytest.MonkeyPatch, store: Path) -> None:
    import streamlit as st

    monkeypatch.setenv("HARMGRAPH_STORE", str(store))
    monkeypatch.setenv("HARMGRAPH_AUTH", "none")
    st.cache_data.clear()
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception and "has users" in at.error[0].value
    assert not at.sidebar.selectbox  # no role picker, so no admin on offer
