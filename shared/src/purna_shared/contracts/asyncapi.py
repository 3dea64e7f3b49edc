"""The AsyncAPI 3.0 document of every Purna stream: what a subscriber needs to read one.

One channel per stream (address = the stream key), one message per event whose payload is the
*entry layout* (CloudEvents attributes as string fields) with ``data`` holding the payload as a
JSON string; the payload schemas are under ``components.schemas``. Operations say who sends
(the producer, through its outbox relay) and who receives (each consuming service's group).
"""

from __future__ import annotations

import inspect
from typing import Any, Final

from .base import IntegrationEvent
from .catalog import CATALOG, CONSUMERS, DEAD_LETTER_STREAM, consumers_of
from .envelope import REQUIRED_FIELDS
from .schemas import entry_properties, event_schema

ASYNCAPI_VERSION: Final = "3.0.0"
DOCUMENT_VERSION: Final = "1.0.0"
DEAD_LETTER_CHANNEL: Final = "dead-letter"
DEAD_LETTER_MESSAGE: Final = "DeadLetter"

_LOCAL_DEFS: Final = "#/$defs/"
_COMPONENT_SCHEMAS: Final = "#/components/schemas/"

#: Fields of a dead-letter entry, as ``messaging.dead_letter.dead_letter_fields`` writes them
DEAD_LETTER_FIELDS: Final[dict[str, dict[str, Any]]] = {
    "stream": {"description": "Stream key the entry was read from"},
    "entry_id": {"description": "Id of the entry in that stream, e.g. 1723714200123-0"},
    "group": {"description": "Consumer group (consuming service) that gave up on it"},
    "attempts": {
        "pattern": "^[0-9]+$",
        "description": "Deliveries to that group, a decimal integer (0 when never parseable)",
    },
    "error": {
        "maxLength": 4000,
        "description": "Why: the parse or validation error, or the handler's last exception",
    },
    "failed_at": {"format": "date-time", "description": "When it was dead-lettered, RFC 3339 UTC"},
    "original": {
        "contentMediaType": "application/json",
        "description": (
            "The original entry's fields, unchanged, as a JSON object of strings; "
            "redriving adds them back to their stream as a new entry"
        ),
    },
}


def _channel_id(event: type[IntegrationEvent]) -> str:
    return f"{event.name}-v{event.major}"


def _summary(event: type[Any]) -> str:
    return inspect.cleandoc(event.__doc__ or event.__name__).splitlines()[0]


def _to_components(node: Any) -> Any:
    """Re-home a payload schema under components: ``$defs`` refs point to components.schemas,
    and a ``$ref`` with sibling keywords is wrapped in ``allOf`` (AsyncAPI schemas follow
    Draft 07, where siblings of ``$ref`` are ignored: descriptions and x-personal-data would
    be lost)."""
    if isinstance(node, list):
        return [_to_components(item) for item in node]
    if not isinstance(node, dict):
        return node
    converted = {key: _to_components(value) for key, value in node.items()}
    ref = converted.get("$ref")
    if isinstance(ref, str) and ref.startswith(_LOCAL_DEFS):
        ref = _COMPONENT_SCHEMAS + ref[len(_LOCAL_DEFS) :]
        siblings = {key: value for key, value in converted.items() if key != "$ref"}
        return {**siblings, "allOf": [{"$ref": ref}]} if siblings else {"$ref": ref}
    return converted


def _payload_schemas() -> dict[str, Any]:
    schemas: dict[str, Any] = {}

    def add(name: str, schema: dict[str, Any]) -> None:
        if name in schemas and schemas[name] != schema:
            raise ValueError(f"two different schemas are both named {name!r}; rename a model")
        schemas[name] = schema

    for event in CATALOG:
        payload = event_schema(event)
        for name, definition in payload.pop("$defs", {}).items():
            add(name, _to_components(definition))
        # $id would change the base URI that components refs resolve against
        payload.pop("$id")
        payload.pop("$schema")
        payload["x-dataschema"] = event.dataschema()
        add(event.__name__, _to_components(payload))
    return schemas


def _event_message(event: type[IntegrationEvent]) -> dict[str, Any]:
    properties = entry_properties()
    properties["type"] = {**properties["type"], "const": event.event_type()}
    properties["source"] = {**properties["source"], "const": f"purna/{event.producer}"}
    properties["dataschema"] = {**properties["dataschema"], "const": event.dataschema()}
    properties["subject"]["description"] = f"The payload's {event.subject_field}"
    properties["data"] = {
        **properties["data"],
        "description": f"The {event.__name__} payload as a JSON string",
        "contentSchema": {"$ref": _COMPONENT_SCHEMAS + event.__name__},
    }
    return {
        "name": event.__name__,
        "title": event.event_type(),
        "summary": _summary(event),
        "description": inspect.cleandoc(event.__doc__ or ""),
        "contentType": "application/json",
        "tags": [{"name": event.producer}],
        "correlationId": {
            "description": "Groups every event caused, directly or not, by one request",
            "location": "$message.payload#/correlationid",
        },
        "payload": {
            "type": "object",
            "description": (
                "The stream entry's fields, all strings (XRANGE shows them as a flat list)"
            ),
            "properties": properties,
            "required": list(REQUIRED_FIELDS),
            "additionalProperties": {"type": "string"},
        },
    }


def _dead_letter_message() -> dict[str, Any]:
    return {
        "name": DEAD_LETTER_MESSAGE,
        "title": DEAD_LETTER_STREAM,
        "summary": "An entry a consumer group could not parse, validate or handle",
        "description": (
            "Copied here, then acknowledged on its stream, when an entry cannot be parsed or "
            "validated, or when its handler failed max_deliveries times (default 5). "
            "Operators list and redrive dead letters with the purna CLI."
        ),
        "contentType": "application/json",
        "payload": {
            "type": "object",
            "properties": {
                name: {"type": "string", **spec} for name, spec in DEAD_LETTER_FIELDS.items()
            },
            "required": list(DEAD_LETTER_FIELDS),
        },
    }


def build_asyncapi() -> dict[str, Any]:
    """The AsyncAPI 3.0.0 document, as a JSON-ready dict (deterministic for a given catalog)."""
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    messages: dict[str, Any] = {}

    for event in CATALOG:
        channel_id = _channel_id(event)
        message_ref = {"$ref": f"#/channels/{channel_id}/messages/{event.__name__}"}
        channel_ref = {"$ref": f"#/channels/{channel_id}"}
        consumers = consumers_of(event)
        messages[event.__name__] = _event_message(event)
        channels[channel_id] = {
            "address": event.stream(),
            "title": event.event_type(),
            "summary": _summary(event),
            "description": (
                f"Redis stream of {event.__name__} events, produced by {event.producer}. "
                f"Consumer groups: {', '.join(consumers) or 'none inside Purna'}; outside "
                "subscribers read with their own group and a read-only ACL user. Trimmed "
                "approximately (MAXLEN ~)."
            ),
            "messages": {event.__name__: {"$ref": f"#/components/messages/{event.__name__}"}},
        }
        operations[f"{event.producer}-sends-{channel_id}"] = {
            "action": "send",
            "title": f"{event.producer} publishes {event.__name__}",
            "summary": "Written in the producer's transaction to its outbox, then XADDed",
            "channel": channel_ref,
            "messages": [message_ref],
        }
        for consumer in consumers:
            operations[f"{consumer}-receives-{channel_id}"] = {
                "action": "receive",
                "title": f"{consumer} consumes {event.__name__}",
                "summary": f"XREADGROUP with consumer group {consumer}; idempotent by event id",
                "channel": channel_ref,
                "messages": [message_ref],
                "x-consumer-group": consumer,
            }

    dead_letter_ref = {"$ref": f"#/channels/{DEAD_LETTER_CHANNEL}"}
    dead_letter_message_ref = {
        "$ref": f"#/channels/{DEAD_LETTER_CHANNEL}/messages/{DEAD_LETTER_MESSAGE}"
    }
    messages[DEAD_LETTER_MESSAGE] = _dead_letter_message()
    channels[DEAD_LETTER_CHANNEL] = {
        "address": DEAD_LETTER_STREAM,
        "title": DEAD_LETTER_STREAM,
        "summary": "Entries that could not be handled, kept for inspection and redrive",
        "messages": {DEAD_LETTER_MESSAGE: {"$ref": f"#/components/messages/{DEAD_LETTER_MESSAGE}"}},
    }
    for consumer in CONSUMERS:
        operations[f"{consumer}-sends-{DEAD_LETTER_CHANNEL}"] = {
            "action": "send",
            "title": f"{consumer} dead-letters an entry it cannot handle",
            "channel": dead_letter_ref,
            "messages": [dead_letter_message_ref],
        }
    operations[f"operators-receive-{DEAD_LETTER_CHANNEL}"] = {
        "action": "receive",
        "title": "Operators list and redrive dead letters",
        "summary": "Read with XRANGE by the purna CLI, not by a consumer group",
        "channel": dead_letter_ref,
        "messages": [dead_letter_message_ref],
    }

    return {
        "asyncapi": ASYNCAPI_VERSION,
        "info": {
            "title": "Purna integration events",
            "version": DOCUMENT_VERSION,
            "description": (
                "Events of Purna, the empowerment programme services of Indonesia's Ministry "
                "for the Protection of Migrant Workers (P2MI/BP3MI), on Redis Streams. One "
                "stream per event type and major version, purna.<event-name>.v<major>. Each "
                "entry holds CloudEvents 1.0 attributes as string fields and the payload as a "
                "JSON string in data. Fields marked x-personal-data hold personal data "
                "(UU PDP No. 27/2022); NIK never appears in an event."
            ),
        },
        "defaultContentType": "application/json",
        "servers": {
            "redis": {
                "host": "redis:6379",
                "protocol": "redis",
                "protocolVersion": "7",
                "description": (
                    "The deployment's Redis (AOF on). Each service has its own ACL user; an "
                    "outside subscriber gets a read-only user for the streams it is granted."
                ),
            }
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": _payload_schemas(), "messages": messages},
    }
