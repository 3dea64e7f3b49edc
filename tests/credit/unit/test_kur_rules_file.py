"""Overriding the built-in KUR rules from a JSON or YAML file."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from purna_credit.adapters.rules_file import RulesFileError, load_rules, rules_from_mapping
from purna_credit.domain.rules import DEFAULT_RULES, Purpose, Scheme

pytestmark = pytest.mark.unit


def test_no_file_means_the_built_in_rules() -> None:
    assert load_rules(None) is DEFAULT_RULES


def test_partial_override_merges_onto_the_built_in_rules() -> None:
    rules = rules_from_mapping(
        {
            "version": "kur-2026.1",
            "validity_days": 60,
            "schemes": {"mikro": {"max_tenor": {"modal_kerja": 48, "investasi": 84}}},
            "sector_by_programme_word": {"kopi": "industri_pengolahan_hasil_pertanian"},
        }
    )
    assert rules.version == "kur-2026.1"
    assert rules.validity_days == 60
    mikro = rules.terms(Scheme.MIKRO)
    assert mikro.max_tenor.for_purpose(Purpose.INVESTASI) == 84
    assert mikro.rates == (Decimal(6), Decimal(7), Decimal(8), Decimal(9))  # untouched
    assert rules.sector_for("KOPI-ROBUSTA", None) == "industri_pengolahan_hasil_pertanian"
    assert rules.sector_for("TERASI", None) == "industri_pengolahan_hasil_perikanan"


def test_yaml_and_json_files(tmp_path: Path) -> None:
    yaml_file = tmp_path / "kur.yaml"
    yaml_file.write_text(
        "version: kur-2026.2\nschemes:\n  super_mikro:\n    rates: ['2.5']\n", encoding="utf-8"
    )
    assert load_rules(yaml_file).terms(Scheme.SUPER_MIKRO).rate_for_loan(1) == Decimal("2.5")
    json_file = tmp_path / "kur.json"
    json_file.write_text(json.dumps({"version": "kur-2026.3", "min_age": 18}), encoding="utf-8")
    assert load_rules(json_file).min_age == 18


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"validity_days": 30}, "must set `version`"),
        ({"version": "kur-2025.1", "min_age": 18}, "give it its own"),
        ({"version": "x", "schemes": {"mikro": {"rates": []}}}, "schemes.mikro.rates"),
        ({"version": "x", "default_sector": "perdagangan"}, "without a label"),
        ({"version": "x", "unknown_knob": 1}, "unknown_knob"),
        ({"version": "x", "starting_scheme": {"pmi_purna": "penempatan"}}, "starting_scheme"),
    ],
)
def test_invalid_overrides_say_what_is_wrong(override: dict[str, object], message: str) -> None:
    with pytest.raises(RulesFileError, match=message):
        rules_from_mapping(override)


def test_unreadable_or_malformed_files(tmp_path: Path) -> None:
    with pytest.raises(RulesFileError, match="cannot read"):
        load_rules(tmp_path / "missing.yaml")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(RulesFileError, match="not valid JSON/YAML"):
        load_rules(bad)
    listed = tmp_path / "list.yaml"
    listed.write_text("- 1\n", encoding="utf-8")
    with pytest.raises(RulesFileError, match="mapping"):
        load_rules(listed)


def test_access_limits_and_legal_sources_survive_an_override() -> None:
    rules = rules_from_mapping({"version": "kur-2026.1"})
    assert rules.access_limits == DEFAULT_RULES.access_limits
    assert rules.legal_sources == DEFAULT_RULES.legal_sources
    assert [t.legal_source for t in rules.schemes] == [
        t.legal_source for t in DEFAULT_RULES.schemes
    ]
    tighter = rules_from_mapping(
        {
            "version": "kur-2026.2",
            "access_limits": [
                {
                    "scheme": "mikro",
                    "sectors": ["industri_kerajinan"],
                    "max_loans": 1,
                    "then": "kecil",
                    "legal_source": "Permenko 12/2025 (hypothetical)",
                }
            ],
        }
    )
    assert tighter.max_loans(Scheme.MIKRO, "industri_kerajinan") == 1
    assert tighter.max_loans(Scheme.MIKRO, "umum") == 4
