"""``python -m purna_notification.entrypoints.api``: the delivery log and template previews."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, Path, Query, Request
from pydantic import ValidationError

from purna_shared.http.app import create_service_app, serve
from purna_shared.http.auth import Principal, Role, office_scope, require_read, require_roles
from purna_shared.http.pagination import offset_query
from purna_shared.http.problems import ProblemError, problem_responses
from purna_shared.http.transaction import Transaction, transaction

from .. import __version__
from ..adapters import repository as repo
from ..adapters.templates import TemplateError, TemplateRenderer
from ..bootstrap import build_renderer, build_unit_of_work
from ..domain.delivery import DeliveryStatus
from ..domain.messages import TEMPLATES, PlanningContext, plan
from ..domain.model import CHANNELS
from ..service_layer.unit_of_work import NotificationUnitOfWork
from ..settings import NotificationSettings
from .schemas import (
    DeliveryOut,
    DeliveryPage,
    PreviewOut,
    PreviewRequest,
    TemplateList,
    TemplateOut,
)

Reader = Annotated[Principal, Depends(require_read(Role.OPERATOR))]
Editor = Annotated[Principal, Depends(require_roles(Role.OPERATOR))]

#: the transaction seam, typed with notification's unit of work
Tx = Annotated[Transaction[NotificationUnitOfWork], Depends(transaction)]

router = APIRouter()


def _renderer(request: Request) -> TemplateRenderer:
    return request.app.state.renderer  # type: ignore[no-any-return]


def _settings(request: Request) -> NotificationSettings:
    return request.app.state.settings  # type: ignore[no-any-return]


@router.get(
    "/notifications",
    tags=["notifications"],
    summary="The delivery log: messages scheduled, sent and failed",
)
async def list_notifications(
    principal: Reader,
    tx: Tx,
    participant_id: Annotated[
        str | None, Query(min_length=1, max_length=64, description="Only this participant")
    ] = None,
    status: Annotated[DeliveryStatus | None, Query(description="Only this status")] = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, offset_query()] = 0,
) -> DeliveryPage:
    office = office_scope(principal)  # an operator sees its own office's participants only
    rows, total = await tx.run(
        lambda uow: repo.list_deliveries(
            uow.session,
            participant_id=participant_id,
            status=status,
            offices=None if office is None else [office],
            limit=limit,
            offset=offset,
        )
    )
    return DeliveryPage(
        items=[DeliveryOut.model_validate(row, from_attributes=True) for row in rows],
        total=total,
        limit=limit,
        offset=offset,
    )


@router.get("/templates", tags=["templates"], summary="Message templates and their channels")
async def list_templates(principal: Reader, request: Request) -> TemplateList:
    renderer = _renderer(request)
    items = [
        TemplateOut(
            name=spec.name,
            event_type=spec.event.event_type(),
            description=spec.description,
            channels=[c for c in CHANNELS if renderer.exists(spec.name, c)],
        )
        for spec in TEMPLATES.values()
    ]
    return TemplateList(items=items, total=len(items))


@router.post(
    "/templates/{name}/preview",
    tags=["templates"],
    summary="Render a template for a sample event (nothing is sent)",
    responses=problem_responses(404),
)
async def preview_template(
    principal: Editor,
    request: Request,
    name: Annotated[str, Path(description="Template name, e.g. session-completed-completer")],
    body: PreviewRequest | None = None,
) -> PreviewOut:
    spec = TEMPLATES.get(name)
    if spec is None:
        raise ProblemError(
            404, "Not Found", f"No template {name!r}.", known_templates=sorted(TEMPLATES)
        )
    body = body or PreviewRequest()
    payload = body.event if body.event is not None else spec.sample_payload()
    try:
        event = spec.event.model_validate(payload)
    except ValidationError as exc:
        raise ProblemError(
            422,
            "Unprocessable Content",
            f"The event is not a valid {spec.event.__name__}.",
            errors=_event_errors(exc),
        ) from exc
    settings = _settings(request)
    planned = [
        p
        for p in plan(event, PlanningContext(settings.reminder_rule, now=None))
        if p.template == name
    ]
    if not planned:
        raise ProblemError(
            422,
            "Unprocessable Content",
            f"This {spec.event.__name__} causes no {name!r} message ({spec.description}).",
            errors=[{"field": "event", "in": "body", "message": "gives no such message"}],
        )
    context = {
        **planned[0].context,
        "nama": body.recipient.full_name,
        "sapaan": "Bapak" if body.recipient.gender == "L" else "Ibu",
    }
    try:
        rendered = _renderer(request).render(name, body.channel, context)
    except TemplateError as exc:
        raise ProblemError(
            422, "Unprocessable Content", f"The template does not render: {exc}"
        ) from exc
    return PreviewOut(
        template=name,
        channel=body.channel,
        event_type=spec.event.event_type(),
        subject=rendered.subject,
        body=rendered.body,
        encoding=rendered.encoding,
        characters=len(rendered.body),
        segments=rendered.segments,
    )


def _event_errors(exc: ValidationError) -> list[dict[str, Any]]:
    # field paths and messages only: never echo the input (it may be personal)
    return [
        {
            "field": ".".join(["event", *(str(p) for p in error["loc"])]),
            "in": "body",
            "message": error["msg"],
            "type": error["type"],
        }
        for error in exc.errors()
    ]


def create_app(settings: NotificationSettings | None = None) -> FastAPI:
    settings = settings or NotificationSettings()
    app = create_service_app(
        settings,
        title="Purna notification API",
        version=__version__,
        description="Messages to participants in Bahasa Indonesia: delivery log and templates.",
        routers=[router],
        unit_of_work=build_unit_of_work(),
    )
    app.state.renderer = build_renderer(settings)
    return app


def main() -> None:
    settings = NotificationSettings()
    serve(create_app(settings), settings)


if __name__ == "__main__":
    main()
