"""Resolution does not chain: records whose dates of birth or PNC ids cannot be one man's stay
apart however many records bridge them, and what the rules cut is queued for review."""

from __future__ import annotations

import pandas as pd

from ingest.resolve import ResolutionConfig, resolve_records
from core.keying import dob_compatible

COLUMNS = ["record_id", "forename", "surname", "date_of_birth", "sex", "postcode", "address", "pnc_id"]


def _resolve(rows: list[tuple], config: ResolutionConfig | None = None,
             **overrides: object):  # type: ignore[no-untyped-def]
    return resolve_records(pd.DataFrame(rows, columns=COLUMNS), config or ResolutionConfig(), **overrides)


def _groups(resolution) -> list[list[str]]:  # type: ignore[no-untyped-def]
    return sorted(sorted(g) for g in resolution.clusters.groupby("person_id")["record_id"].apply(list))


def test_namesakes_are_not_chained_through_records_without_a_date_of_birth() -> None:
    resolution = _resolve([
        ("S1", "Steven", "Price", "1999-08-21", "M", "NE1 1AA", "1 High Street", None),
        ("S2", "Steven", "Price", None, "M", "NE1 1AA", "1 High Street", None),
        ("S3", "Steven", "Price", None, "M", "NE2 2BB", "9 Low Road", None),
        ("S4", "Steven", "Price", "1997-04-07", "M", "NE2 2BB", "9 Low Road", None),
        ("S5", "Steven", "Price", None, "M", "NE1 1AA", None, None),
        ("S6", "Steven", "Price", "2002-10-31", "M", "NE1 1AA", "1 High Street", None),
    ])
    groups = _groups(resolution)
    # No person holds two of the three dates of birth.
    for dated in (("S1", "S4"), ("S1", "S6"), ("S4", "S6")):
        assert not any(set(dated) <= set(g) for g in groups)
    # S2 and S5 are as close to S1 as to S6 (same address): left alone, not guessed.
    assert ["S2"] in groups and ["S5"] in groups
    assert ["S3", "S4"] in groups
    kinds = set(resolution.review["kind"])
    assert {"dob_conflict", "ambiguous_record"} <= kinds
    conflict = resolution.review[resolution.review["kind"] == "dob_conflict"].iloc[0]
    assert conflict["evidence_against"].startswith("dates of birth conflict (1999-08-21 / 2002-10-31)")
    assert "same address and postcode" in conflict["evidence_for"]
    cut = resolution.cut_links.set_index(["record_id_l", "record_id_r"])
    assert cut.loc[("S1", "S6"), "reasons"].startswith("cut: dates of birth conflict")


def test_a_record_much_closer_to_one_man_still_joins_him() -> None:
    resolution = _resolve([
        ("S1", "Steven", "Price", "1999-08-21", "M", "NE1 1AA", "1 High Street", None),
        ("S2", "Steven", "Price", None, "M", "NE1 1AA", "1 High Street", None),
        ("S6", "Steven", "Price", "2002-10-31", "M", "NE3 4CC", None, None),
    ])
    groups = _groups(resolution)
    assert ["S1", "S2"] in groups and ["S6"] in groups


def test_different_pnc_ids_are_never_one_person() -> None:
    resolution = _resolve([
        ("P1", "Lee", "Ward", "1980-01-01", "M", "HU1 1AA", "2 Sea Road", "80/1A"),
        ("P2", "Lee", "Ward", "1980-01-01", "M", "HU1 1AA", "2 Sea Road", None),
        ("P3", "Lee", "Ward", "1980-01-01", "M", "HU1 1AA", "2 Sea Road", "81/2B"),
    ])
    groups = _groups(resolution)
    assert not any({"P1", "P3"} <= set(g) for g in groups)
    assert "pnc_conflict" in set(resolution.review["kind"])


def test_a_typo_in_a_date_of_birth_is_not_a_conflict() -> None:
    resolution = _resolve([
        ("T1", "Kieran", "Walsh", "1979-04-09", "M", "LS6 2AB", "3 Otley Road", None),
        ("T2", "Kieran", "Walsh", "1979-09-04", "M", "LS6 2AB", "3 Otley Road", None),
        ("T3", "Kieran", "Walsh", None, "M", "LS6 2AB", "3 Otley Road", None),
        ("T4", "Kieran", "Walsh", "1979-04-08", "M", "LS6 2AB", None, None),
    ])
    assert _groups(resolution) == [["T1", "T2", "T3", "T4"]]
    assert resolution.review.empty or "dob_conflict" not in set(resolution.review["kind"])


def test_dates_a_keying_error_apart() -> None:
    assert dob_compatible("1985-03-12", "1985-12-03")  # day and month swapped
    assert dob_compatible("1985-03-12", "1985-03-13")  # one digit
    assert dob_compatible("1985-03-12", "1958-03-12")  # two neighbours transposed
    assert not dob_compatible("1985-03-12", "1987-03-13")
    assert not dob_compatible("1950-06-01", "1978-03-22")  # father and son


def test_untrusted_dates_of_birth_let_a_replaced_date_merge() -> None:
    """A duplicate whose date of birth was replaced (Febrl's corruption, a source filling
    unknown dates at random) stays apart by default and merges with ``dob_rule`` off."""
    rows = [
        ("F1", "Tyron", "Dixon", "1994-02-07", "M", "NE2 1AA", "12 Pine Street", None),
        ("F2", "Tyron", "Dixon", "1994-02-07", "M", "NE2 1AA", "12 Pine Street", None),
        ("F3", "Tyron", "Dixon", "1910-03-05", "M", "NE2 1AA", "12 Pine Street", None),
    ]
    assert ["F3"] in _groups(_resolve(rows))
    assert ["F3"] in _groups(_resolve(rows, ResolutionConfig(dob_conflict_m=1e-3)))  # the rule alone holds
    untrusted = ResolutionConfig(dob_rule=False, dob_conflict_m=1e-3)
    assert _groups(_resolve(rows, untrusted)) == [["F1", "F2", "F3"]]


TWINS = [
    ("W1", "Mark", "Thompson", "1996-01-10", "M", "AL3 8EH", "208 Green Road", None),
    ("W2", "Mark", "THOMPSON", "1996-01-10", "M", "AL3 8EH", "208 Green Road", None),
    ("W3", "Toby", "Thompson", "1996-01-10", "M", "AL3 8EH", "208 Green Road", None),
    ("W4", "Toby", "Thompson", "1996-01-10", "M", "AL3 8EH", "208 Green Road", "96/123456A"),
]


def test_twins_with_different_forenames_are_two_people() -> None:
    resolution = _resolve(TWINS)
    assert _groups(resolution) == [["W1", "W2"], ["W3", "W4"]]
    item = resolution.review[resolution.review["kind"] == "forename_conflict"].iloc[0]
    assert item["evidence_against"].startswith("forenames differ (mark / toby)")
    assert "dob exact" in item["evidence_for"]


def test_without_the_forename_rule_twins_merge() -> None:
    resolution = _resolve(TWINS, ResolutionConfig(forename_rule=False))
    assert _groups(resolution) == [["W1", "W2", "W3", "W4"]]


def test_an_analyst_must_link_outranks_the_forename_rule() -> None:
    must = pd.DataFrame({"record_id_l": ["W1"], "record_id_r": ["W3"]})
    assert _groups(_resolve(TWINS, must_link=must)) == [["W1", "W2", "W3", "W4"]]


def test_nicknames_typos_initials_and_swapped_names_are_one_man() -> None:
    resolution = _resolve([
        ("N1", "William", "Hardcastle", "1971-05-02", "M", "YO1 7HH", "4 Minster Yard", None),
        ("N2", "Bill", "Hardcastle", "1971-05-02", "M", "YO1 7HH", "4 Minster Yard", None),
        ("N3", "Wiliam", "Hardcastle", "1971-05-02", "M", "YO1 7HH", "4 Minster Yard", None),
        ("N4", "W", "Hardcastle", "1971-05-02", "M", "YO1 7HH", None, None),
        ("N5", "Hardcastle", "William", "1971-05-02", "M", "YO1 7HH", "4 Minster Yard", None),
        ("N6", "Iwlliam", "Hardcastle", "1971-05-02", "M", "YO1 7HH", "4 Minster Yard", None),
        # his brother, born the same day: another man
        ("N7", "Graham", "Hardcastle", "1971-05-02", "M", "YO1 7HH", "4 Minster Yard", None),
    ])
    assert _groups(resolution) == [["N1", "N2", "N3", "N4", "N5", "N6"], ["N7"]]


def test_union_centres_are_the_dates_that_fit_every_date_of_both_groups() -> None:
    """The greedy grouping keeps each group's centres instead of comparing every date with
    every other: over random groups, the centres of a union are exactly what that brute force
    finds."""
    import random

    from ingest.resolve_cluster import _union_centres

    def centres(dates: set[str]) -> set[str]:
        return {c for c in dates if all(dob_compatible(c, other) for other in dates)}

    pool = ["1985-03-12", "1985-12-03", "1985-03-17", "1985-03-21", "1958-03-12", "1990-01-01",
            "1990-01-10", "1999-08-21", "1997-04-07"]
    rng = random.Random(4)
    for _ in range(2000):
        left, right = set(rng.sample(pool, rng.randint(0, 4))), set(rng.sample(pool, rng.randint(0, 4)))
        assert _union_centres(left, centres(left), right, centres(right)) == centres(left | right)
