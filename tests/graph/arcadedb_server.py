"""Run a throw-away ArcadeDB server with its Bolt plugin, for Neo4jStore tests and the bench.

ArcadeDB (``pip install arcadedb-embedded``, which bundles its own JVM) speaks Bolt and runs
the Neo4j 5 Cypher harmgraph writes, so the official neo4j driver can be tested against a real
server without installing Neo4j. The server runs in a child process (``python
arcadedb_server.py ROOT BOLT_PORT HTTP_PORT``) so its JVM, threads and log files stay out of
the test process: it is started in a temp dir and killed at the end.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

USER = "root"
PASSWORD = "harmgraph-test"
DATABASE = "harmgraph"


def arcadedb_available() -> bool:
    """Whether the arcadedb-embedded package can be imported here."""
    import importlib.util

    return importlib.util.find_spec("arcadedb_embedded") is not None


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class RunningServer:
    """A started ArcadeDB child process and how to reach it over Bolt."""

    process: subprocess.Popen[bytes]
    uri: str
    user: str
    password: str
    database: str
    log: Path

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)


def start_server(root: Path, timeout: float = 90.0, heap: str = "1g") -> RunningServer:
    """Start ArcadeDB in ``root`` on free loopback ports; returns once Bolt accepts logins."""
    root.mkdir(parents=True, exist_ok=True)
    bolt_port, http_port = free_port(), free_port()
    log = root / "server.log"
    env = {**os.environ, "ARCADEDB_JVM_ARGS": f"-Xmx{heap}",
           "ARCADEDB_JVM_ERROR_FILE": str(root / "hs_err_pid%p.log")}
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), str(root), str(bolt_port), str(http_port)],
            cwd=root, stdout=sink, stderr=subprocess.STDOUT, env=env)
    server = RunningServer(process, f"bolt://127.0.0.1:{bolt_port}", USER, PASSWORD, DATABASE, log)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"ArcadeDB exited with {process.returncode}; see {log}:\n"
                               + log.read_text(errors="replace")[-3000:])
        if (root / "ready").exists():
            return server
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"ArcadeDB did not start within {timeout:.0f}s; see {log}")


def _serve(root: str, bolt_port: int, http_port: int) -> None:
    import arcadedb_embedded as arcade

    server = arcade.create_server(
        root_path=str(Path(root) / "databases"), root_password=PASSWORD,
        config={"host": "127.0.0.1", "http_port": http_port, "bolt_port": bolt_port,
                "server_plugins": "Bolt:com.arcadedb.bolt.BoltProtocolPlugin"})
    server.start()
    server.create_database(DATABASE)
    stopping = False

    def _stop(*_: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    (Path(root) / "ready").write_text(str(bolt_port))
    while not stopping:
        time.sleep(0.2)
    server.stop()


if __name__ == "__main__":
    _serve(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]))
