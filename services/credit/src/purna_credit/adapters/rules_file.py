"""Load KUR rules from a JSON or YAML file that overrides the built-in ones.

The file has the shape of :meth:`KurRules.to_dict` and names only what changes; it must set its
own ``version`` so that assessments made under it say so. Example (YAML)::

    version: kur-2026.1
    validity_days: 60
    schemes:
      mikro:
        rates: ["6", "7", "8", "9"]
        max_tenor: {modal_kerja: 48, investasi: 84}
    sector_by_programme_word:
      KOPI: industri_pengolahan_hasil_pertanian
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..domain.rules import (
    DEFAULT_RULES,
    AccessLimit,
    KurRules,
    ParticipantCategory,
    Scheme,
    SchemeTerms,
    Tenors,
)


class RulesFileError(ValueError):
    """The rules file can't be read or doesn't describe valid rules; the message says why."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _TenorsModel(_Strict):
    modal_kerja: int = Field(ge=1, le=240)
    investasi: int = Field(ge=1, le=240)


class _SchemeModel(_Strict):
    plafond_over: int = Field(ge=0)
    plafond_max: int = Field(gt=0)
    rates: list[Decimal] = Field(min_length=1)
    max_tenor: _TenorsModel
    extended_tenor: _TenorsModel | None = None
    legal_source: str = ""


class _AccessLimitModel(_Strict):
    scheme: Scheme
    sectors: list[str] = Field(min_length=1)
    max_loans: int = Field(ge=1, le=100)
    then: Scheme | None = None
    legal_source: str = Field(min_length=1)


class _RulesModel(_Strict):
    version: str = Field(min_length=1, max_length=64)
    schemes: dict[Scheme, _SchemeModel]
    starting_scheme: dict[ParticipantCategory, Scheme]
    min_age: int = Field(ge=0, le=100)
    married_statuses: list[str]
    validity_days: int = Field(ge=1, le=3650)
    sector_labels: dict[str, str]
    sector_by_programme_word: dict[str, str]
    sector_by_programme_category: dict[str, str]
    default_sector: str
    notes: list[str] = []
    access_limits: list[_AccessLimitModel] = []
    legal_sources: dict[str, str] = {}


def _merge(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(merged.get(key), Mapping):
            merged[key] = _merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def rules_from_mapping(override: Mapping[str, Any], base: KurRules = DEFAULT_RULES) -> KurRules:
    """``base`` with ``override`` applied (nested mappings merge; lists and values replace)."""
    if not override.get("version"):
        raise RulesFileError("the rules file must set `version` (assessments record it)")
    if override["version"] == base.version:
        raise RulesFileError(
            f"the rules file changes the rules but keeps version {base.version!r}: give it its own"
        )
    try:
        model = _RulesModel.model_validate(_merge(base.to_dict(), override))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors()
        )
        raise RulesFileError(f"invalid KUR rules: {problems}") from exc
    try:
        return KurRules(
            version=model.version,
            schemes=tuple(
                SchemeTerms(
                    scheme=scheme,
                    plafond_over=s.plafond_over,
                    plafond_max=s.plafond_max,
                    rates=tuple(s.rates),
                    max_tenor=Tenors(s.max_tenor.modal_kerja, s.max_tenor.investasi),
                    extended_tenor=(
                        Tenors(s.extended_tenor.modal_kerja, s.extended_tenor.investasi)
                        if s.extended_tenor
                        else None
                    ),
                    legal_source=s.legal_source,
                )
                for scheme, s in sorted(model.schemes.items(), key=lambda i: i[1].plafond_max)
            ),
            starting_scheme=dict(model.starting_scheme),
            min_age=model.min_age,
            married_statuses=frozenset(model.married_statuses),
            validity_days=model.validity_days,
            sector_labels=dict(model.sector_labels),
            sector_by_programme_word={
                word.upper(): sector for word, sector in model.sector_by_programme_word.items()
            },
            sector_by_programme_category=dict(model.sector_by_programme_category),
            default_sector=model.default_sector,
            notes=tuple(model.notes),
            access_limits=tuple(
                AccessLimit(
                    scheme=a.scheme,
                    sectors=frozenset(a.sectors),
                    max_loans=a.max_loans,
                    then=a.then,
                    legal_source=a.legal_source,
                )
                for a in model.access_limits
            ),
            legal_sources=dict(model.legal_sources),
        )
    except ValueError as exc:
        raise RulesFileError(f"invalid KUR rules: {exc}") from exc


def load_rules(path: Path | None) -> KurRules:
    """The rules in force: the built-in ones, overridden by ``path`` when given."""
    if path is None:
        return DEFAULT_RULES
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesFileError(f"cannot read KUR rules file {path}: {exc}") from exc
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise RulesFileError(f"KUR rules file {path} is not valid JSON/YAML: {exc}") from exc
    if not isinstance(data, Mapping):
        raise RulesFileError(f"KUR rules file {path} must hold a mapping at the top level")
    return rules_from_mapping(data)
