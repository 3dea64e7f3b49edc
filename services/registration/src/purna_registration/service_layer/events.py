"""Domain events of the Participant aggregate, as the integration events other services read."""

from __future__ import annotations

from purna_shared.contracts.base import IntegrationEvent
from purna_shared.contracts.events import (
    Address,
    Consent,
    ConsentWithdrawn,
    FamilyLink,
    ParticipantRegistered,
    ParticipantUpdated,
    PmiHistory,
)

from ..domain import participant as model


def _address(address: model.Address) -> Address:
    return Address(
        province_code=address.province_code,
        regency_code=address.regency_code,
        district=address.district,
        village=address.village,
    )


def _consent(consent: model.Consent) -> Consent:
    return Consent(
        granted=consent.granted, channels=consent.channels, granted_at=consent.granted_at
    )


def registered(p: model.Participant) -> ParticipantRegistered:
    return ParticipantRegistered(
        participant_id=p.id,
        office=p.office,
        category=p.category,
        full_name=p.full_name,
        gender=p.gender,
        birth_date=p.birth_date,
        marital_status=p.marital_status,
        phone=p.phone,
        email=p.email,
        address=_address(p.address),
        consent=_consent(p.consent),
        pmi=(
            PmiHistory(
                destination_country=p.pmi.destination_country,
                sector=p.pmi.sector,
                years_abroad=p.pmi.years_abroad,
                returned_on=p.pmi.returned_on,
            )
            if p.pmi
            else None
        ),
        family=(
            FamilyLink(
                relation=p.family.relation,
                worker_name=p.family.worker_name,
                worker_abroad=p.family.worker_abroad,
            )
            if p.family
            else None
        ),
        campaign_id=p.campaign_id,
        registered_at=p.registered_at,
        version=p.version,
    )


def updated(p: model.Participant, event: model.Updated) -> ParticipantUpdated:
    changed = set(event.changed)
    return ParticipantUpdated(
        participant_id=p.id,
        version=event.version,
        changed=event.changed,
        full_name=p.full_name if "full_name" in changed else None,
        phone=p.phone if "phone" in changed else None,
        email=p.email if "email" in changed else None,
        address=_address(p.address) if "address" in changed else None,
        marital_status=p.marital_status if "marital_status" in changed else None,
        consent=_consent(p.consent) if "consent" in changed else None,
        updated_at=p.updated_at,
    )


def withdrawn(p: model.Participant, event: model.ConsentRevoked) -> ConsentWithdrawn:
    return ConsentWithdrawn(
        participant_id=p.id, version=event.version, withdrawn_at=event.withdrawn_at
    )


def integration_events(p: model.Participant) -> list[IntegrationEvent]:
    """The integration events for the domain events ``p`` collected (and forget those)."""
    out: list[IntegrationEvent] = []
    for event in p.events:
        if isinstance(event, model.Registered):
            out.append(registered(p))
        elif isinstance(event, model.Updated):
            out.append(updated(p, event))
        else:
            out.append(withdrawn(p, event))
    p.events.clear()
    return out
