"""Claims that rest on who the victims are, when two victim records are probably one woman.

Each force: S abused Cheryl WELLS (V1) in I-1 and I-2 and a second victim record V2 in I-3,
all charged as domestic abuse. Whether V2 is a new partner depends on who V2 is: another
woman, the same woman recorded with a typo and a swapped date of birth (probable: counted
once), or with a typo and no date of birth elsewhere (possible: counted apart, every claim
says it is uncertain), or a probable duplicate an analyst said is a different woman.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from scoring.lists import PerpetratorList, rank_perpetrators
from scoring.prepared import Prepared
from scoring.signals.escalating import escalation
from scoring.signals.pdp import potential_pdp
from scoring.victim_identity import POSSIBLE, PROBABLE

AS_OF = date(2026, 1, 31)
CHERYL = {"display_name": "Cheryl WELLS", "date_of_birth": "1986-09-01", "postcode": "SR265BY"}
OTHER_WOMAN = {"display_name": "Amy JONES", "date_of_birth": "1990-02-02", "postcode": "NE11AA"}
TYPO_SWAPPED_DOB = {"display_name": "Cheril WELLLS", "date_of_birth": "1986-01-09", "postcode": "DH474QS"}
TYPO_NO_DOB = {"display_name": "Cheril WELLLS", "date_of_birth": None, "postcode": "DH474QS"}


def _force(plain_force, second: dict[str, object], third_on: str = "2025-09-01", kept_apart: bool = False):
    force = plain_force
    force.person("S", "M", display_name="Steven PRICE", date_of_birth="1984-05-05", postcode="SR265BY")
    force.person("V1", "F", **CHERYL)
    force.person("V2", "F", **second)
    force.incident("I-1", "2025-01-10", "abh", "S", ("V1",), outcome="charged", domestic_abuse=True)
    force.incident("I-2", "2025-03-01", "abh", "S", ("V1",), outcome="charged", domestic_abuse=True)
    force.incident("I-3", third_on, "abh", "S", ("V2",), outcome="charged", domestic_abuse=True)
    if kept_apart:
        force.kept_apart.append({"person_id_l": "V1", "person_id_r": "V2"})
    return force.context(AS_OF)


def _row(context, which: PerpetratorList = PerpetratorList.OVERALL) -> pd.Series:
    ranked = rank_perpetrators(context, which)
    return ranked.set_index("person_id").loc["S"]


def _signals(context) -> tuple[pd.Series, pd.Series]:
    prepared = Prepared(context)
    return (prepared.decode(escalation(prepared)).set_index("person_id").loc["S"],
            prepared.decode(potential_pdp(prepared)).set_index("person_id").loc["S"])


def test_another_woman_is_a_new_partner_and_a_second_partner(plain_force) -> None:
    context = _force(plain_force, OTHER_WOMAN)
    row = _row(context)
    assert (row["victims"], row["victim_records"], row["doubtful"]) == (2, 2, 0)
    assert row["reasons"].startswith("3 incidents against 2 victims (2 women or girls) over ")
    esc, pdp = _signals(context)
    assert esc["new_partner_soon"]
    assert ("new partner Amy JONES victimised 6 month(s) after the last incident against previous partner "
            "Cheryl WELLS") in esc["reason"]
    assert "uncertain" not in esc["reason"]
    assert (pdp["pdp"], pdp["occasions"], pdp["partners"]) == (True, 3, 2)
    assert "uncertain" not in pdp["reason"]


def test_one_woman_recorded_twice_is_one_victim_and_never_a_new_partner(plain_force) -> None:
    context = _force(plain_force, TYPO_SWAPPED_DOB)
    identity = Prepared(context).victims_as
    assert identity.pairs[["likeness"]].values.tolist() == [[PROBABLE]]
    row = _row(context)
    assert (row["victims"], row["victim_records"], row["partner_victims"]) == (1, 2, 1)
    assert row["reasons"].startswith(
        "3 incidents against 1 victim (1 woman or girl; 2 victim records, probable duplicates counted once) over ")
    assert "multiple_victims" not in row["flags"]
    esc, pdp = _signals(context)
    assert not esc["new_partner_soon"]
    assert "partner" not in esc["reason"]
    # I-1, I-2 and I-3 are three charges against one partner: not PDP's "different partners".
    assert (pdp["pdp"], pdp["occasions"], pdp["partners"]) == (False, 3, 1)
    assert "against 1 different partner(s)" in pdp["reason"]
    women = _row(context, PerpetratorList.DIFFERENT_VICTIMS)
    assert women["victims"] == 1


def test_a_possible_duplicate_is_counted_once_and_every_claim_says_it_is_uncertain(plain_force) -> None:
    """The victim count is a lower bound (one woman recorded twice must not be two victims);
    the claims that need two women ('new partner', PDP's partners) say they are uncertain."""
    context = _force(plain_force, TYPO_NO_DOB)
    identity = Prepared(context).victims_as
    assert identity.pairs[["likeness"]].values.tolist() == [[POSSIBLE]]
    row = _row(context)
    assert (row["victims"], row["victim_records"], row["doubtful"]) == (1, 2, 1)
    assert "; uncertain: 1 pair of victim records may be one person recorded twice, counted once" in row["reasons"]
    esc, pdp = _signals(context)
    doubt = ("Cheryl WELLS (V1) and Cheril WELLLS (V2) may be one person recorded twice (names a keying error "
             "apart; but date of birth missing on one record; postcodes differ or missing)")
    assert esc["new_partner_soon"]
    assert esc["reason"].endswith("previous partner Cheryl WELLS (uncertain: " + doubt + ")")
    assert pdp["pdp"] and pdp["partners"] == 2
    assert pdp["reason"].endswith("; uncertain: 'different partners' rests on two records, " + doubt)


def test_an_analysts_word_that_they_are_two_women_stands(plain_force) -> None:
    context = _force(plain_force, TYPO_SWAPPED_DOB, kept_apart=True)
    assert Prepared(context).victims_as.pairs.empty
    row = _row(context)
    assert (row["victims"], row["doubtful"]) == (2, 0)
    esc, pdp = _signals(context)
    assert esc["new_partner_soon"] and "uncertain" not in esc["reason"]
    assert pdp["partners"] == 2


@pytest.mark.parametrize(("second", "claimed"), [(OTHER_WOMAN, True), (TYPO_SWAPPED_DOB, False)])
def test_two_partners_at_the_same_time_only_when_they_are_two_women(plain_force, second, claimed) -> None:
    # I-3 (2025-02-01) falls between I-1 and I-2: alongside the abuse of V1.
    context = _force(plain_force, second, third_on="2025-02-01")
    esc, _ = _signals(context)
    assert bool(esc["new_partner_soon"]) is claimed
    said = "abused two partners at the same time: first incident against Amy JONES on 2025-02-01"
    assert (said in esc["reason"]) is claimed
