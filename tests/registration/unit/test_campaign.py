"""Campaign rules and the live tally by village and category."""

from __future__ import annotations

from datetime import date

import pytest

from purna_registration.domain.campaign import CampaignForm, tally, validate_campaign
from purna_registration.domain.errors import ValidationFailed

pytestmark = pytest.mark.unit


def test_a_campaign_is_tidied() -> None:
    form = validate_campaign(
        CampaignForm(
            " Desa  Bonjeruk ", "NTB", "5202", " Bonjeruk", date(2024, 8, 12), date(2024, 8, 15)
        )
    )
    assert (form.name, form.village) == ("Desa Bonjeruk", "Bonjeruk")


def test_campaign_errors_name_their_fields() -> None:
    with pytest.raises(ValidationFailed) as caught:
        validate_campaign(
            CampaignForm("", "NTB", "5299", None, date(2024, 8, 15), date(2024, 8, 12))
        )
    assert [str(e) for e in caught.value.errors] == [
        "name: must not be empty",
        "regency_code: 5299 is not a regency of province 52",
        "ends_on: must not be before starts_on",
    ]


def test_the_tally_folds_groups_by_village_with_every_category() -> None:
    t = tally(
        [
            ("5203", "Jerowaru", "Jerowaru", "pmi_purna", 12),
            ("5202", "Jonggat", "Bonjeruk", "keluarga_pmi", 3),
            ("5202", "Jonggat", "Bonjeruk", "pmi_purna", 17),
        ]
    )
    assert t.total == 32
    assert t.by_category == {"pmi_purna": 29, "keluarga_pmi": 3}
    assert [(v.village, v.total, v.by_category) for v in t.by_village] == [
        ("Bonjeruk", 20, {"pmi_purna": 17, "keluarga_pmi": 3}),
        ("Jerowaru", 12, {"pmi_purna": 12, "keluarga_pmi": 0}),
    ]
    assert tally([]).by_category == {"pmi_purna": 0, "keluarga_pmi": 0}
