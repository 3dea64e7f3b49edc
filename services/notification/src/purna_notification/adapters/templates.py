"""Message templates: Jinja2 files ``<template>/<channel>.j2``, overridable from a folder.

The built-in templates ship in ``purna_notification/templates``. When ``templates_dir`` is set,
a file there with the same relative path wins (a ``ChoiceLoader``, override folder first), and
templates are re-read when their file changes, so a BP3MI office can reword a message without a
code change or a restart. An e-mail template sets its subject with
``{% set subject = "..." %}``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from purna_shared.reference import Zone
from purna_shared.text import mask_niks

from ..domain import formatting
from ..domain.gsm7 import SmsText
from ..domain.model import Channel

TEMPLATE_EXTENSION = ".j2"
_BLANK_RUNS = re.compile(r"\n{3,}")


class TemplateError(Exception):
    """A template is missing or does not render (an unknown variable, a syntax error)."""


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    channel: Channel
    body: str
    subject: str | None
    #: for SMS: the body is GSM-7 and takes this many parts
    segments: int | None
    encoding: str


def template_path(template: str, channel: Channel) -> str:
    return f"{template}/{channel}{TEMPLATE_EXTENSION}"


def _bulan(months: int) -> str:
    return f"{months} bulan"


class TemplateRenderer:
    def __init__(self, override_dir: Path | None = None) -> None:
        loaders: list[jinja2.BaseLoader] = []
        if override_dir is not None:
            loaders.append(jinja2.FileSystemLoader(str(override_dir)))
        loaders.append(jinja2.PackageLoader("purna_notification", "templates"))
        self._env = jinja2.Environment(
            loader=jinja2.ChoiceLoader(loaders),
            undefined=jinja2.StrictUndefined,  # a misspelt fact fails loudly, never prints ""
            autoescape=False,  # plain text: SMS, WhatsApp and text/plain e-mail
            trim_blocks=True,
            lstrip_blocks=True,
            auto_reload=True,
        )
        self._env.filters.update(
            rupiah=formatting.rupiah,
            tanggal=_tanggal,
            jam=_jam,
            persen=formatting.persen,
            bulan=_bulan,
        )
        self._env.globals["rentang_tanggal"] = formatting.rentang_tanggal

    def exists(self, template: str, channel: Channel) -> bool:
        try:
            self._env.get_template(template_path(template, channel))
        except jinja2.TemplateNotFound:
            return False
        return True

    def render(
        self, template: str, channel: Channel, context: Mapping[str, Any]
    ) -> RenderedMessage:
        try:
            compiled = self._env.get_template(template_path(template, channel))
            module = compiled.make_module(dict(context))
        except jinja2.TemplateNotFound as exc:
            raise TemplateError(f"no template {template_path(template, channel)}") from exc
        except jinja2.TemplateError as exc:
            raise TemplateError(f"{template_path(template, channel)}: {exc}") from exc
        except (ValueError, TypeError, KeyError) as exc:  # a filter given the wrong kind of fact
            raise TemplateError(f"{template_path(template, channel)}: {exc}") from exc
        body = _tidy(str(module))
        subject = getattr(module, "subject", None)
        if channel == "email":
            if not subject:
                raise TemplateError(f"{template_path(template, channel)} sets no subject")
            return RenderedMessage(channel, body, _tidy(str(subject)), None, "UTF-8")
        if channel == "sms":
            sms = SmsText.of(body)
            return RenderedMessage(channel, sms.text, None, sms.segments, "GSM-7")
        return RenderedMessage(channel, body, None, None, "UTF-8")


def _zone(context: jinja2.runtime.Context) -> Zone:
    """The recipient's zone, which the dispatcher puts in every rendering context."""
    zone = context.get("zona")
    if not isinstance(zone, Zone):
        raise ValueError("no recipient zone (zona) in the rendering context")
    return zone


@jinja2.pass_context
def _tanggal(context: jinja2.runtime.Context, value: Any, hari: bool = True) -> str:
    return formatting.tanggal(value, hari=hari, zone=_zone(context))


@jinja2.pass_context
def _jam(context: jinja2.runtime.Context, value: Any) -> str:
    return formatting.jam(value, _zone(context))


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    # A NIK never goes out in a message, even one that slipped into an event's free text
    # upstream (the APIs refuse them; this is the net).
    return mask_niks(_BLANK_RUNS.sub("\n\n", "\n".join(lines)))
