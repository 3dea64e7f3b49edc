"""The AsyncAPI 3.0 document: a channel per stream, and every reference resolves."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
from jsonschema import Draft7Validator, Draft202012Validator

from purna_shared.contracts.asyncapi import DEAD_LETTER_FIELDS, build_asyncapi
from purna_shared.contracts.base import PERSONAL_DATA_KEY, IntegrationEvent
from purna_shared.contracts.catalog import CATALOG, CONSUMERS, DEAD_LETTER_STREAM, consumers_of
from purna_shared.contracts.envelope import Envelope
from purna_shared.messaging.dead_letter import dead_letter_fields

pytestmark = pytest.mark.unit

DOC = build_asyncapi()
EVENTS = pytest.mark.parametrize("event", CATALOG, ids=lambda e: e.name)
ID = re.compile(r"^[A-Za-z0-9_\-]+$")
COMPONENT_KEY = re.compile(r"^[A-Za-z0-9\.\-_]+$")


def refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def resolve(ref: str) -> Any:
    assert ref.startswith("#/"), f"{ref} is not a local reference"
    node: Any = DOC
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        assert token in node, f"{ref} does not resolve (no {token!r})"
        node = node[token]
    return node


def channel_of(event: type[IntegrationEvent]) -> tuple[str, dict[str, Any]]:
    matches = [(k, c) for k, c in DOC["channels"].items() if c["address"] == event.stream()]
    assert len(matches) == 1
    return matches[0]


def test_document_header() -> None:
    assert DOC["asyncapi"] == "3.0.0"
    assert DOC["info"]["title"] and DOC["info"]["version"]
    assert DOC["servers"]["redis"]["protocol"] == "redis"
    assert DOC["servers"]["redis"]["host"]


def test_one_channel_per_stream_plus_dead_letters() -> None:
    addresses = sorted(c["address"] for c in DOC["channels"].values())
    assert addresses == sorted([*(e.stream() for e in CATALOG), DEAD_LETTER_STREAM])


def test_every_reference_resolves() -> None:
    found = list(refs(DOC))
    assert len(found) > len(CATALOG) * 3
    for ref in found:
        resolve(ref)


def test_keys_are_valid_identifiers() -> None:
    assert all(ID.match(k) for k in DOC["channels"])
    assert all(ID.match(k) for k in DOC["operations"])
    for section in DOC["components"].values():
        assert all(COMPONENT_KEY.match(k) for k in section)


def test_operations_reference_messages_of_their_own_channel() -> None:
    for key, operation in DOC["operations"].items():
        assert operation["action"] in {"send", "receive"}, key
        channel_ref = operation["channel"]["$ref"]
        channel = resolve(channel_ref)
        for message in operation["messages"]:
            assert message["$ref"].startswith(f"{channel_ref}/messages/"), key
            name = message["$ref"].rsplit("/", 1)[1]
            assert name in channel["messages"], key


@EVENTS
def test_producer_sends_and_each_consumer_receives(event: type[IntegrationEvent]) -> None:
    channel_key, _ = channel_of(event)
    on_channel = [
        op
        for op in DOC["operations"].values()
        if op["channel"]["$ref"] == f"#/channels/{channel_key}"
    ]
    senders = [op for op in on_channel if op["action"] == "send"]
    receivers = sorted(op["x-consumer-group"] for op in on_channel if op["action"] == "receive")
    assert len(senders) == 1 and event.producer in senders[0]["title"]
    assert receivers == sorted(consumers_of(event))


@EVENTS
def test_message_payload_is_the_entry_with_data_as_json(event: type[IntegrationEvent]) -> None:
    _, channel = channel_of(event)
    message = resolve(channel["messages"][event.__name__]["$ref"])
    payload = message["payload"]
    assert payload["properties"]["type"]["const"] == event.event_type()
    data = payload["properties"]["data"]
    assert data["type"] == "string" and data["contentMediaType"] == "application/json"
    assert data["contentSchema"] == {"$ref": f"#/components/schemas/{event.__name__}"}

    # a real entry validates against the message payload, and its data against contentSchema
    instance = event.model_validate(event.model_json_schema()["examples"][0])
    fields = Envelope.wrap(instance, source=event.producer).to_fields()
    components = {"components": DOC["components"]}
    Draft202012Validator({**payload, **components}).validate(fields)
    Draft202012Validator({**data["contentSchema"], **components}).validate(
        json.loads(fields["data"])
    )


@EVENTS
def test_payload_schemas_keep_personal_marks(event: type[IntegrationEvent]) -> None:
    schema = DOC["components"]["schemas"][event.__name__]
    marked = {n for n, p in schema["properties"].items() if p.get(PERSONAL_DATA_KEY) is True}
    assert marked == event.personal_fields()


def test_component_schemas_are_draft_07_compatible() -> None:
    # AsyncAPI schema objects extend Draft 07, where keywords beside $ref are ignored
    for name, schema in DOC["components"]["schemas"].items():
        Draft7Validator.check_schema(schema)
        for node in refs_with_siblings(schema):
            pytest.fail(f"{name}: $ref with sibling keywords {sorted(node)}")


def refs_with_siblings(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "$ref" in node and len(node) > 1:
            yield node
        for value in node.values():
            yield from refs_with_siblings(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs_with_siblings(item)


def test_dead_letter_channel_matches_what_consumers_write() -> None:
    channel = DOC["channels"]["dead-letter"]
    assert channel["address"] == DEAD_LETTER_STREAM
    message = resolve(channel["messages"]["DeadLetter"]["$ref"])
    written = dead_letter_fields(
        stream="purna.session-completed.v1",
        entry_id="1723714200123-0",
        group="credit",
        attempts=5,
        error="boom",
        original={"id": "x", "data": "{}"},
    )
    assert set(message["payload"]["properties"]) == set(written) == set(DEAD_LETTER_FIELDS)
    Draft202012Validator(message["payload"]).validate(written)
    senders = {
        key.split("-sends-")[0]
        for key, op in DOC["operations"].items()
        if op["channel"]["$ref"] == "#/channels/dead-letter" and op["action"] == "send"
    }
    assert senders == set(CONSUMERS)


def test_no_nik_anywhere_in_the_document() -> None:
    text = json.dumps(DOC).lower()
    assert not re.search(r'"(nik|[a-z_]*_nik|nik_[a-z_]*)"\s*:', text)
