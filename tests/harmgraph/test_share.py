"""harmgraph share: the ranked list with stable pseudonyms and nothing that names anyone."""

from __future__ import annotations

import io
import stat

import pandas as pd
import pytest
from typer.testing import CliRunner

from graph.embedded import EmbeddedStore
from harmgraph.cli import app
from harmgraph.share import SHARE_COLUMNS, ShareError, ShareKeyError, new_key, pseudonym, read_key

runner = CliRunner()


@pytest.fixture
def shop(tmp_path, force_factory, load, cli_users):  # type: ignore[no-untyped-def]
    """A store with two perpetrators (one with two records) and their victims."""
    path = tmp_path / "s.duckdb"
    force = force_factory()
    force.person("R1", "John", "Smith", "M", date_of_birth="1985-03-12", postcode="NE1 4ST",
                 address="1 High Street", pnc_id="85/1234A")
    force.person("R1b", "Jon", "Smith", "M", date_of_birth="1985-03-12", pnc_id="85/1234A")
    force.person("R2", "Anne", "Jones", "F", date_of_birth="1990-01-02")
    force.person("R3", "Beth", "Brown", "F")
    force.person("R4", "Carl", "Blackwood", "M", date_of_birth="1979-07-07")
    force.incident("I1", "2025-01-10", "common_assault", "R1", ("R2",), domestic_abuse="Y")
    force.incident("I2", "2025-06-01", "abh", "R1b", ("R3",), outcome="charged", domestic_abuse="Y")
    force.incident("I3", "2025-08-15", "stalking", "R4", ("R3",), relationship="ex_partner")
    # Five alike (harassment in May 2025) and three that stand out, with the two above: a share
    # needs K_ANONYMITY rows alike, and K_ANONYMITY rows to withhold together.
    for number in range(5, 10):
        force.person(f"R{number}", "Dan", f"Law{number}", "M")
        force.incident(f"I{number}", f"2025-05-0{number}", "harassment", f"R{number}", ("R2",))
    for number, offence in ((10, "abh"), (11, "criminal_damage"), (12, "rape")):
        force.person(f"R{number}", "Ed", f"Law{number}", "M")
        force.incident(f"I{number}", f"2024-0{number - 6}-11", offence, f"R{number}", ("R3",))
    with EmbeddedStore(path) as store:
        load(force, store)
    return cli_users(path)


def _share(path, key, out, *extra: str):  # type: ignore[no-untyped-def]
    return runner.invoke(app, ["share", "--store", str(path), "--key-file", str(key), "-o", str(out),
                               "--reason", "MATAC partners 3 Nov", *extra])


def test_new_key_is_private_and_never_overwritten(tmp_path) -> None:
    key = tmp_path / "keys" / "share.key"
    result = runner.invoke(app, ["share", "--new-key", str(key)])
    assert result.exit_code == 0, result.output
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and len(read_key(key)) == 32
    before = key.read_text()
    again = runner.invoke(app, ["share", "--new-key", str(key)])
    assert again.exit_code != 0 and key.read_text() == before
    with pytest.raises(ShareKeyError):
        new_key(key)


def test_shared_list_holds_no_names_dobs_record_ids_or_addresses(shop, tmp_path) -> None:
    key = tmp_path / "share.key"
    new_key(key)
    out = tmp_path / "shared.csv"
    result = _share(shop, key, out)
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8-sig")
    frame = pd.read_csv(io.StringIO(text))
    assert list(frame.columns) == SHARE_COLUMNS and len(frame) == 10
    assert frame["pseudonym"].str.match(r"^PS-[0-9a-f]{20}$").all()
    lowered = text.lower()
    for secret in ("john", "smith", "anne", "jones", "beth", "brown", "carl", "blackwood", "1985-03-12",
                   "1990-01-02", "1979-07-07", "r1b", "85/1234a", "high street", "ne1", "p-"):
        assert secret not in lowered, secret
    assert frame["reasons"].str.contains("incident").sum() == 5  # the other five stand out: withheld


def test_same_key_same_pseudonyms_other_key_others(shop, tmp_path) -> None:
    first, second = tmp_path / "a.key", tmp_path / "b.key"
    new_key(first)
    new_key(second)
    runs = []
    for key, name in ((first, "1.csv"), (first, "2.csv"), (second, "3.csv")):
        assert _share(shop, key, tmp_path / name).exit_code == 0
        runs.append(pd.read_csv(tmp_path / name)["pseudonym"].tolist())
    assert runs[0] == runs[1]
    assert not set(runs[0]) & set(runs[2])
    with EmbeddedStore(shop) as store:
        persons = store.scoring_tables().persons["person_id"]
    assert set(runs[0]) <= {pseudonym(read_key(first), p) for p in persons}


def test_sharing_is_logged_with_the_key_fingerprint_and_reason(shop, tmp_path) -> None:
    key = tmp_path / "share.key"
    new_key(key)
    assert _share(shop, key, tmp_path / "x.csv").exit_code == 0
    with EmbeddedStore(shop) as store:
        entry = store.audit_log().iloc[-1]
    assert entry["action"] == "share" and entry["reason"] == "MATAC partners 3 Nov"
    assert key.read_text().strip() not in entry["detail"] and "key " in entry["detail"]


def test_a_short_or_missing_key_is_refused(shop, tmp_path) -> None:
    short = tmp_path / "short.key"
    short.write_text("abcd\n")
    result = _share(shop, short, tmp_path / "x.csv")
    assert result.exit_code == 1 and not (tmp_path / "x.csv").exists()
    missing = _share(shop, tmp_path / "nope.key", tmp_path / "x.csv")
    assert missing.exit_code == 1


def test_any_name_in_a_reason_is_removed_and_offence_labels_stay_whole() -> None:
    from harmgraph.share import scrub

    texts = pd.Series(["2 incidents against Anne Jones and P-2; breach (s42A Family Law Act 1996); Law seen"])
    cleaned = scrub(texts, {"anne jones", "jones", "p-2", "p-1", "law"}, ["Breach (s42A Family Law Act 1996)"])
    assert cleaned[0] == "2 incidents against [removed] and [removed]; breach (s42A Family Law Act 1996); [removed] seen"


def test_the_shared_list_is_k_anonymous_and_says_so(shop, tmp_path) -> None:
    from harmgraph.share import K_ANONYMITY, QUASI_IDENTIFIERS, smallest_class

    key = tmp_path / "share.key"
    new_key(key)
    result = _share(shop, key, tmp_path / "k.csv")
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(tmp_path / "k.csv", dtype=str, keep_default_na=False)
    assert smallest_class(frame, QUASI_IDENTIFIERS) >= K_ANONYMITY
    assert f"{K_ANONYMITY}-anonymous" in result.output
    assert not frame["last_incident"].str.fullmatch(r"\d{4}-\d{2}-\d{2}.*").any()


def test_too_few_rows_to_share_safely_is_one_line(shop, tmp_path) -> None:
    key = tmp_path / "share.key"
    new_key(key)
    result = _share(shop, key, tmp_path / "few.csv", "--top", "3")
    # CliRunner skips main(), which prints a HarmgraphError as one line: the error is the one main() shows.
    assert isinstance(result.exception, ShareError) and "cannot be shared 5-anonymously" in str(result.exception)
    assert not (tmp_path / "few.csv").exists()
