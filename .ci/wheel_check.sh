#!/usr/bin/env bash
# Does the wheel work on its own? Build it from the tree, install it (not editable, with the
# [app] extra) in a fresh venv outside the checkout, and from a directory outside the checkout:
#   1. the installed package holds the app's entry script, its pages and scoring's data files;
#   2. `harmgraph demo` generates, loads and ranks a small force;
#   3. every app page runs, signed in, from the installed entry script (Streamlit's AppTest);
#   4. `harmgraph app --headless` serves: the health check says ok and the page is served.
# Run by `make wheel-check` (and so by `make test`). PYTHON builds the wheel and the venv.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-python3}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/harmgraph-wheel.XXXXXX")"
SERVER_PID=""

cleanup() {
    if [ -n "$SERVER_PID" ]; then
        kill -TERM -- "-$SERVER_PID" 2>/dev/null || true  # the app and the streamlit it started
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

say() { printf 'wheel-check: %s\n' "$*"; }
started=$SECONDS

# Build from a copy of the tree (tracked and new files, nothing git ignores), so neither a
# stale build/ in the checkout nor anything outside the tree can end up in the wheel.
"$PYTHON" - "$ROOT" "$WORK/src" <<'EOF'
import shutil
import subprocess
import sys
from pathlib import Path

root, dest = Path(sys.argv[1]), Path(sys.argv[2])
listed = subprocess.run(["git", "-C", str(root), "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                        capture_output=True, check=True).stdout.decode().split("\0")
for name in filter(None, listed):
    source = root / name
    if source.is_file():  # a file deleted but not yet committed is listed and absent
        (dest / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, dest / name)
EOF
"$PYTHON" -m pip wheel "$WORK/src" --no-deps --quiet -w "$WORK/dist"
WHEEL="$(ls "$WORK"/dist/harmgraph-*.whl)"
say "built $(basename "$WHEEL") ($((SECONDS - started)) s)"

"$PYTHON" -m venv "$WORK/venv"
VENV="$WORK/venv/bin"
"$VENV/python" -m pip install --quiet --disable-pip-version-check "$WHEEL[app]"
say "installed it with [app] in a fresh venv ($((SECONDS - started)) s)"

# Everything below runs outside the checkout, with no harmgraph settings from the caller.
RUN="$WORK/run"
mkdir -p "$RUN"
cd "$RUN"
unset HARMGRAPH_STORE HARMGRAPH_AUTH HARMGRAPH_AUTH_HEADER HARMGRAPH_CATALOGUE HARMGRAPH_CONFIG \
    HARMGRAPH_RESOLUTION_CONFIG HARMGRAPH_PASSWORD HARMGRAPH_USER HARMGRAPH_NEW_PASSWORD NEO4J_URI PYTHONPATH || true
export STREAMLIT_LOGGER_LEVEL=error  # no "missing ScriptRunContext" chatter from the checks below

"$VENV/python" - "$ROOT" <<'EOF'
import sys
from pathlib import Path

import harmgraph
import scoring
from harmgraph.ui.chrome import PAGES

root = Path(sys.argv[1]).resolve()
package = Path(harmgraph.__file__).resolve().parent
assert root not in package.parents, f"harmgraph imported from the checkout ({package}), not the wheel"
missing = [str(path) for path in [package / "app.py", *map(Path, PAGES.values())] if not path.is_file()]
data = Path(scoring.__file__).resolve().parent
missing += [str(data / name) for name in ("offence_catalogue.csv", "default_config.yaml", "OFFENCE_CATALOGUE.md")
            if not (data / name).is_file()]
assert not missing, f"not in the installed wheel: {missing}"
print(f"wheel-check: installed package at {package} holds the app, its {len(PAGES)} pages and scoring's data")
EOF

STORE="$RUN/force/h.duckdb"
"$VENV/harmgraph" demo --people 300 --out "$RUN/force" --store "$STORE" --top 3 >"$RUN/demo.log" 2>&1 \
    || { cat "$RUN/demo.log"; say "FAILED: harmgraph demo"; exit 1; }
grep -q "Highest risk" "$RUN/demo.log" || { cat "$RUN/demo.log"; say "FAILED: demo printed no list"; exit 1; }
say "harmgraph demo loaded and ranked 300 people ($((SECONDS - started)) s)"

PASSWORD="wheel check password"
# The demo gave its store a first admin (demo-admin) and an analyst, with the password in
# demo-sign-in.env; signed in as that admin, the check adds its own users.
(
    set -a; . "$RUN/force/demo-sign-in.env"; set +a
    for role in analyst admin; do
        HARMGRAPH_USER=demo-admin HARMGRAPH_NEW_PASSWORD="$PASSWORD" \
            "$VENV/harmgraph" users add "check-$role" --role "$role" --store "$STORE"
    done
) || { say "FAILED: harmgraph users add"; exit 1; }

# Every page each role may see, run from the installed entry script: together the analyst and
# the admin see all of them.
"$VENV/python" - "$STORE" "$PASSWORD" <<'EOF'
import os
import sys
from pathlib import Path

import harmgraph
from harmgraph.access import PAGE_NAMES, pages_for
from harmgraph.ui.chrome import PAGES
from streamlit.testing.v1 import AppTest

store, password = sys.argv[1], sys.argv[2]
os.environ["HARMGRAPH_STORE"] = store
entry = Path(harmgraph.__file__).resolve().parent / "app.py"
seen = set()
for role in ("analyst", "admin"):
    at = AppTest.from_file(str(entry), default_timeout=120).run()
    at.text_input(key="signin_name").input(f"check-{role}")
    at.text_input(key="signin_password").input(password)
    at.button(key="signin_submit").click().run()
    assert "account" in at.session_state, f"{role} could not sign in"
    for page in pages_for(role):
        at.switch_page(PAGES[page]).run()
        assert not at.exception, f"page {page} ({role}): {[e.value for e in at.exception]}"
        seen.add(page)
assert seen == set(PAGE_NAMES), f"pages never run: {sorted(set(PAGE_NAMES) - seen)}"
print(f"wheel-check: all {len(seen)} pages ran from {entry}")
EOF

PORT="$("$VENV/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
# Its own session, so the cleanup stops harmgraph and the streamlit it starts together.
setsid "$VENV/harmgraph" app --store "$STORE" --headless --port "$PORT" --address 127.0.0.1 >"$RUN/app.log" 2>&1 &
SERVER_PID=$!
"$VENV/python" - "$PORT" "$SERVER_PID" <<'EOF' || { cat "$RUN/app.log"; say "FAILED: harmgraph app"; exit 1; }
import os
import sys
import time
import urllib.request

port, pid = sys.argv[1], int(sys.argv[2])
url = f"http://127.0.0.1:{port}"
deadline = time.monotonic() + 90
while True:
    try:
        with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
            if response.read().decode().strip() == "ok":
                break
    except OSError:
        pass
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        sys.exit("the app exited before it served")
    if time.monotonic() > deadline:
        sys.exit("no health check within 90 s")
    time.sleep(0.5)  # polling interval while the server starts
with urllib.request.urlopen(url, timeout=10) as response:
    page = response.read().decode()
assert response.status == 200 and "<noscript>" in page.lower(), page[:500]
print(f"wheel-check: harmgraph app served on port {port} (health ok, page served)")
EOF
say "passed in $((SECONDS - started)) s"
