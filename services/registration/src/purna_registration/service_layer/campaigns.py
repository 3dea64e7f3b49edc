"""Campaign use cases."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from ..adapters import repository as repo
from ..domain.campaign import Campaign, CampaignForm, CampaignTally, validate_campaign
from .actor import Actor
from .participants import Forbidden, NotFound, listing_office, new_id
from .unit_of_work import RegistrationUnitOfWork


async def create(uow: RegistrationUnitOfWork, form: CampaignForm, actor: Actor) -> Campaign:
    checked = validate_campaign(form)
    campaign = Campaign(
        id=new_id(),
        office=checked.office,
        name=checked.name,
        regency_code=checked.regency_code,
        village=checked.village,
        starts_on=checked.starts_on,
        ends_on=checked.ends_on,
        created_at=uow.now,
    )
    await repo.insert_campaign(uow.session, campaign, actor.subject)
    return campaign


async def get_with_tally(
    session: AsyncSession, campaign_id: str, actor: Actor
) -> tuple[Campaign, CampaignTally]:
    campaign = await repo.get_campaign(session, campaign_id)
    if campaign is None:
        raise NotFound(campaign_id)
    try:
        listing_office(actor, campaign.office)
    except Forbidden as exc:
        raise NotFound(campaign_id) from exc
    return campaign, await repo.campaign_tally(session, campaign_id)


async def list_campaigns(
    session: AsyncSession,
    actor: Actor,
    *,
    office: str | None,
    active_on: date | None,
    limit: int,
    offset: int,
) -> tuple[list[Campaign], int]:
    return await repo.list_campaigns(
        session,
        office=listing_office(actor, office),
        active_on=active_on,
        limit=limit,
        offset=offset,
    )
