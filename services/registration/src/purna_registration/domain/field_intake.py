"""Field intake: the registration XLSForm used offline in villages (ODK Collect, KoboToolbox),
and how one submission becomes the same row an import would read.

The form's field names are the bulk-intake template's columns (``imports.COLUMNS``), so a
submission goes through exactly the rules of the API and of the import (``imports.parse_row``);
only the envelope differs: KoboToolbox pushes its JSON (``_uuid``, ``meta/instanceID``,
``_submitted_by``, group paths such as ``pmi/sector``), ODK Central's OData table nests groups
and carries ``__id`` and ``__system.submitterName``. A submission is identified by its
``instanceID`` (a UUID the phone sets once): a push that comes again, or the same submission
pulled twice, is recognised by it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from purna_shared import reference

from .imports import COLUMN_NAMES
from .participant import CHANNELS, FAMILY_RELATIONS, MARITAL_STATUSES, SECTORS

FORM_ID = "purna_registrasi"
#: bump when the form changes: Collect and Kobo refuse to replace a form of the same version
FORM_VERSION = "2026120201"
FORM_TITLE = "Pendaftaran PMI Purna dan Keluarga PMI"

Source = Literal["kobo", "odk"]

#: fields of the form that are not registration columns: who collected it
ENUMERATOR_FIELD = "enumerator"
MAX_ENUMERATOR = 120
MAX_SUBMISSION_ID = 200


class SubmissionError(ValueError):
    """A submission can't be read at all (not a JSON object, no submission id); the message
    says what is missing. A readable submission with bad answers is not this: its answers
    are checked like an import row and reported field by field."""


@dataclass(frozen=True, slots=True)
class Submission:
    """One filled-in form, as the registration rules read it."""

    source: Source
    submission_id: str
    enumerator: str | None
    #: registration column -> answer text (as an import row)
    values: dict[str, str]


# -- the form --------------------------------------------------------------------------------


def _choices(list_name: str, names: tuple[str, ...] | list[str]) -> list[dict[str, str]]:
    return [{"list_name": list_name, "name": n, "label": n.replace("_", " ")} for n in names]


def xlsform() -> dict[str, list[dict[str, str]]]:
    """The XLSForm's sheets (survey, choices, settings) as rows: what ``build_xlsx`` writes and
    pyxform converts. Province and regency are lists from the reference data, the regency list
    filtered by the chosen province."""
    yes_no = "ya_tidak"
    required = {"required": "yes"}
    survey: list[dict[str, str]] = [
        {"type": "text", "name": ENUMERATOR_FIELD, "label": "Nama petugas pendata", **required},
        {
            "type": "note",
            "name": "consent_note",
            "label": "Bacakan: data Anda dipakai BP3MI untuk program pemberdayaan PMI purna "
            "(UU PDP No. 27/2022); Anda dapat mencabut persetujuan kapan saja.",
        },
        {
            "type": f"select_one {yes_no}",
            "name": "consent_granted",
            "label": "Peserta menyetujui pemrosesan data?",
            **required,
        },
        {
            "type": "select_multiple channels",
            "name": "consent_channels",
            "label": "Boleh dihubungi lewat",
            "relevant": "${consent_granted} = 'ya'",
        },
        {
            "type": "text",
            "name": "nik",
            "label": "NIK (16 angka)",
            "constraint": "regex(., '^[0-9]{16}$')",
            "constraint_message": "NIK harus 16 angka",
            "relevant": "${consent_granted} = 'ya'",
            **required,
        },
        {"type": "text", "name": "full_name", "label": "Nama lengkap (sesuai e-KTP)", **required},
        {"type": "select_one gender", "name": "gender", "label": "Jenis kelamin", **required},
        {"type": "date", "name": "birth_date", "label": "Tanggal lahir", **required},
        {
            "type": "select_one marital",
            "name": "marital_status",
            "label": "Status perkawinan",
            **required,
        },
        {"type": "text", "name": "phone", "label": "Nomor HP (08...)", **required},
        {"type": "text", "name": "email", "label": "E-mail (jika ada)"},
        {"type": "select_one province", "name": "province_code", "label": "Provinsi", **required},
        {
            "type": "select_one regency",
            "name": "regency_code",
            "label": "Kabupaten/kota",
            "choice_filter": "province = ${province_code}",
            **required,
        },
        {"type": "text", "name": "district", "label": "Kecamatan", **required},
        {"type": "text", "name": "village", "label": "Desa/kelurahan", **required},
        {"type": "select_one category", "name": "category", "label": "Kategori", **required},
        {
            "type": "begin_group",
            "name": "pmi",
            "label": "Riwayat kerja di luar negeri",
            "relevant": "${category} = 'pmi_purna'",
        },
        {"type": "text", "name": "destination_country", "label": "Negara tujuan (kode, mis. MY)"},
        {"type": "select_one sector", "name": "sector", "label": "Sektor pekerjaan"},
        {"type": "integer", "name": "years_abroad", "label": "Lama bekerja (tahun)"},
        {"type": "date", "name": "returned_on", "label": "Tanggal kembali"},
        {"type": "end_group", "name": "", "label": ""},
        {
            "type": "begin_group",
            "name": "family",
            "label": "Anggota keluarga PMI",
            "relevant": "${category} = 'keluarga_pmi'",
        },
        {"type": "select_one relation", "name": "relation", "label": "Hubungan dengan PMI"},
        {"type": "text", "name": "worker_name", "label": "Nama PMI"},
        {"type": f"select_one {yes_no}", "name": "worker_abroad", "label": "PMI masih di luar?"},
        {"type": "end_group", "name": "", "label": ""},
    ]
    choices = [
        *_choices(yes_no, ["ya", "tidak"]),
        *_choices("channels", list(CHANNELS)),
        *_choices("gender", ["L", "P"]),
        *_choices("marital", list(MARITAL_STATUSES)),
        *_choices("category", ["pmi_purna", "keluarga_pmi"]),
        *_choices("sector", list(SECTORS)),
        *_choices("relation", list(FAMILY_RELATIONS)),
        *(
            {"list_name": "province", "name": p.code, "label": p.name, "province": ""}
            for p in reference.provinces()
        ),
        *(
            {"list_name": "regency", "name": r.code, "label": r.name, "province": r.province_code}
            for r in reference.regencies()
        ),
    ]
    settings = [
        {
            "form_title": FORM_TITLE,
            "form_id": FORM_ID,
            "version": FORM_VERSION,
            "instance_name": "concat(${full_name}, ' - ', ${village})",
        }
    ]
    return {"survey": survey, "choices": choices, "settings": settings}


# -- submissions -----------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ya" if value else "tidak"
    if isinstance(value, list):  # a select_multiple given as a JSON list
        return " ".join(str(v) for v in value)
    return str(value).strip()


def _answers(flat: Mapping[str, Any]) -> tuple[dict[str, str], str | None]:
    """Registration columns and the enumerator out of ``name -> value`` (group prefixes
    already removed); every other field (metadata, notes) is left out."""
    values = {k: _text(v) for k, v in flat.items() if k in COLUMN_NAMES}
    enumerator = _text(flat.get(ENUMERATOR_FIELD)) or None
    return values, enumerator


def _submission_id(raw: Any) -> str:
    text = _text(raw)
    if not text:
        raise SubmissionError("no submission id (meta/instanceID, _uuid or __id)")
    if len(text) > MAX_SUBMISSION_ID:
        raise SubmissionError(f"the submission id is longer than {MAX_SUBMISSION_ID} characters")
    return text.removeprefix("uuid:")


def kobo_submission(payload: Any) -> Submission:
    """A KoboToolbox REST Services push (JSON): keys are group paths (``pmi/sector``), the
    phone's ``meta/instanceID`` identifies the submission, ``_submitted_by`` the account."""
    if not isinstance(payload, Mapping):
        raise SubmissionError("a KoboToolbox submission is a JSON object")
    flat: dict[str, Any] = {}
    for key, value in payload.items():
        name = str(key).rsplit("/", 1)[-1]
        if str(key).startswith(("_", "meta/", "formhub/")) or name in flat:
            continue
        flat[name] = value
    submission_id = _submission_id(payload.get("meta/instanceID") or payload.get("_uuid"))
    values, enumerator = _answers(flat)
    enumerator = enumerator or _text(payload.get("_submitted_by")) or None
    return Submission("kobo", submission_id, _short(enumerator), values)


def odk_submission(row: Any) -> Submission:
    """A row of ODK Central's OData ``Submissions`` table (what pyodk's ``get_table`` gives):
    groups are nested objects, ``__id`` is the instanceID, ``__system.submitterName`` who
    uploaded it."""
    if not isinstance(row, Mapping):
        raise SubmissionError("an ODK Central submission is a JSON object")
    flat: dict[str, Any] = {}

    def walk(node: Mapping[str, Any]) -> None:
        for key, value in node.items():
            if key.startswith("__") or key in ("meta", "formhub"):
                continue
            if isinstance(value, Mapping):
                walk(value)
            elif key not in flat:
                flat[key] = value

    walk(row)
    meta: Mapping[str, Any] = row["meta"] if isinstance(row.get("meta"), Mapping) else {}
    submission_id = _submission_id(row.get("__id") or meta.get("instanceID"))
    values, enumerator = _answers(flat)
    system: Mapping[str, Any] = row["__system"] if isinstance(row.get("__system"), Mapping) else {}
    enumerator = enumerator or _text(system.get("submitterName")) or None
    return Submission("odk", submission_id, _short(enumerator), values)


def _short(text: str | None) -> str | None:
    return text[:MAX_ENUMERATOR] if text else None
