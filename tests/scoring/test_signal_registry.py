"""The signal registry: one record per flag, read by the lists, explain, the app and the README."""

from __future__ import annotations

from pathlib import Path

import grimp
import pytest

from harmgraph.ui.format import (FLAG_LABELS, PERPETRATOR_FLAGS, VICTIM_ONLY_FLAGS, perpetrator_flags,
                                  victim_only_flags)
from scoring.config import load_config
from scoring.lists import VictimList, rank_perpetrators, rank_victims
from scoring.signals import registry
from scoring.signals.base import Rule, Signal
from scoring.signals.example import example_context

README = Path(__file__).resolve().parents[2] / "README.md"


def test_one_record_per_flag_in_the_lists_order() -> None:
    names = [s.name for s in registry.signals()]
    assert len(names) == len(set(names))
    assert names[:2] == ["not_managed", "pdp"]  # management first, then protection, then risk markers
    groups = [s.group for s in registry.signals("perpetrators")]
    assert groups == sorted(groups, key=list(registry.GROUP_HEADINGS).index)  # each group together, in order
    assert not any(rule.ranked for s in registry.signals() for rule in (s.perpetrators, s.victims) if rule)
    context = example_context()
    for kind, frame in (("perpetrators", rank_perpetrators(context)),
                        ("victims", rank_victims(context, VictimList.MOST_OFFENDERS))):
        order = [s.name for s in registry.signals(kind)]  # type: ignore[arg-type]
        for flags in frame["flags"]:
            places = [order.index(flag) for flag in flags.split(";") if flag]
            assert places == sorted(places), flags


def test_the_app_reads_labels_and_lists_from_the_registry() -> None:
    assert dict(FLAG_LABELS) == registry.labels()
    assert list(PERPETRATOR_FLAGS) == [s.name for s in registry.signals("perpetrators")]
    assert list(VICTIM_ONLY_FLAGS) == ["offender_unmanaged", "not_referred_to_marac", "multiple_offenders"]
    assert {s.group for s in registry.signals()} <= set(registry.GROUP_HEADINGS)
    assert perpetrator_flags() == list(PERPETRATOR_FLAGS) and victim_only_flags() == list(VICTIM_ONLY_FLAGS)


def test_readme_flags_are_written_from_the_registry() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("   " + registry.README_BEGIN)
    end = text.index(registry.README_END, start) + len(registry.README_END)
    assert text[start:end] == registry.flags_markdown(), "run: python -m scoring.signals.registry"


def test_register_refuses_a_second_name_or_a_shipped_settings_group() -> None:
    rule = Rule(flag=lambda data, rows, settings: rows["incidents"] > 0, description="any")
    with pytest.raises(ValueError, match="registered already"):
        registry.register(Signal("pdp", "again", "pattern", perpetrators=rule))
    with pytest.raises(ValueError, match="signals.measures holds shipped"):
        registry.register(Signal("mine", "mine", "extent", perpetrators=rule, settings_key="measures"))
    with pytest.raises(ValueError, match="applies to no list"):
        Signal("nowhere", "nowhere", "extent")
    assert registry.get("mine") is None


def test_the_shipped_config_switches_no_added_signal_on() -> None:
    assert load_config().signals.added() == {}


def test_config_and_signals_import_one_way() -> None:
    """scoring.config reads the signals' settings from a leaf module; the signal files, which
    import scoring.config through the context, are imported only by the registry."""
    imports = grimp.build_graph("scoring", "core", cache_dir=None)
    signal_modules = {m for m in imports.modules if m.startswith("scoring.signals")}
    assert imports.find_modules_directly_imported_by("scoring.config") & signal_modules == {"scoring.signals.settings"}
    assert not {m for m in imports.find_modules_directly_imported_by("scoring.signals.settings")
                if m.startswith(("scoring", "core"))}
    assert not imports.find_modules_directly_imported_by("scoring.signals")  # the package imports nothing
    assert not imports.find_upstream_modules("scoring.config") & (signal_modules - {"scoring.signals.settings"})
