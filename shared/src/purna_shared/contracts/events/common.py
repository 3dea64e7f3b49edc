"""Value types shared by several event payloads.

Conventions for every payload (they hold for outside subscribers too):

* ids are opaque strings (UUIDs today); never parse them.
* ``datetime.date`` values are calendar dates (``YYYY-MM-DD``), with no time zone.
* timestamps are timezone-aware and normalised to UTC on validation (``...Z`` on the wire).
* money is an ``int`` of whole rupiah: no fractions exist in KUR amounts, and integers survive
  every JSON parser (a Java ``long``, a PHP ``int``) without rounding.
* rates are ``float`` percentages per annum (``6.0`` means 6% p.a.). A ``Decimal`` would be
  serialised by pydantic as a JSON *string*, awkward for Java/PHP consumers; a rate is shown,
  never summed, so a binary float loses nothing that matters.
* enumerations are ``Literal`` strings; adding a value keeps the major version, removing one
  does not (see ``purna_shared.contracts.schemas.check_compatibility``).
* fields marked with ``Personal(...)`` carry ``x-personal-data: true`` in the JSON Schema:
  they are masked in logs and subject to UU PDP (No. 27/2022). NIK never appears in an event.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints


def _to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


#: An aware timestamp, normalised to UTC so every payload reads the same way on the wire
Timestamp = Annotated[AwareDatetime, AfterValidator(_to_utc)]

#: An opaque identifier (UUID today)
Id = Annotated[str, StringConstraints(min_length=1, max_length=64)]

#: A BP3MI office code, e.g. ``NTB``
Office = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2,16}$")]

#: Two-digit BPS/Kemendagri province code, e.g. ``52`` (Nusa Tenggara Barat)
ProvinceCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{2}$")]

#: Four-digit BPS/Kemendagri regency (kabupaten/kota) code, e.g. ``5201`` (Lombok Barat)
RegencyCode = Annotated[str, StringConstraints(pattern=r"^[0-9]{4}$")]

#: A place name (district/kecamatan, village/desa, venue)
PlaceName = Annotated[str, StringConstraints(min_length=1, max_length=200)]

#: Rupiah amount, whole rupiah
Rupiah = Annotated[int, Field(ge=0)]

#: A messaging channel a participant can consent to and be reached on
Channel = Literal["sms", "whatsapp", "email"]

#: Who a participant is in the programme: a returned migrant worker or a family member
ParticipantCategory = Literal["pmi_purna", "keluarga_pmi"]

#: Training programme focus areas (BP3MI NTB, 2024)
ProgrammeCategory = Literal[
    "agricultural_processing", "fisheries_processing", "crafts", "productivity"
]


class EventPart(BaseModel):
    """A value object nested in an event payload; tolerant of unknown fields like the events."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Programme(EventPart):
    """The training programme a session runs."""

    code: str = Field(
        min_length=1, max_length=64, description="Stable programme code, e.g. GULA-SEMUT-AREN"
    )
    name: str = Field(
        min_length=1,
        max_length=200,
        description="Programme name in Bahasa Indonesia, as shown to participants",
    )
    category: ProgrammeCategory = Field(description="Focus area of the programme")
