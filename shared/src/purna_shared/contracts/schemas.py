"""JSON Schemas of the event payloads and of the entry layout, and the compatibility rules.

``export_schemas`` writes what subscribers generate code from (committed under ``schemas/``)::

    schemas/envelope.json                     the stream entry: CloudEvents attributes, all strings
    schemas/events/<event-name>.v<major>.json one payload schema per event type and major version
    schemas/asyncapi.json                     every stream, its entry layout and payload

``check_compatibility`` decides whether a model may keep its major version: a subscriber built
against the committed schema must still read what the current model produces.
"""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from .base import PERSONAL_DATA_KEY, IntegrationEvent
from .catalog import CATALOG
from .envelope import CONTENT_TYPE, ENTRY_FIELDS, REQUIRED_FIELDS, SPECVERSION

JSON_SCHEMA_DIALECT: Final = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_SCHEMA_ID: Final = "schemas/envelope.json"

#: What each entry field means; shared by envelope.json and the AsyncAPI messages
ENTRY_FIELD_DESCRIPTIONS: Final[Mapping[str, str]] = {
    "specversion": "CloudEvents specification version, always 1.0",
    "id": "Event id, a UUIDv7; the idempotency key: a consumer handles each id once",
    "type": "Event type, purna.<event-name>.v<major>; equal to the stream key without prefix",
    "source": "Producing service, purna/<service>",
    "time": "When the event happened, RFC 3339 in UTC, e.g. 2024-08-15T09:30:00.123Z",
    "subject": "Id of the aggregate the event is about (participant, session, application ...)",
    "datacontenttype": "Media type of data, always application/json",
    "dataschema": "Path of the payload's JSON Schema in the published schemas folder",
    "correlationid": "Id of the first event (or request) of the chain this event belongs to",
    "causationid": "Id of the event that caused this one; empty when a request did",
    "data": "The payload: a JSON object serialised as a string (see dataschema)",
}


def render(document: Mapping[str, Any]) -> str:
    """Deterministic JSON text: sorted keys, two-space indent, trailing newline."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def schema_path(event: type[IntegrationEvent]) -> str:
    """Path of an event's schema file relative to the schemas folder."""
    return f"events/{event.name}.v{event.major}.json"


def event_schema(event: type[IntegrationEvent]) -> dict[str, Any]:
    """The JSON Schema (Draft 2020-12) of an event's payload, self-contained (``$defs``)."""
    if not event.__doc__:
        raise ValueError(f"{event.__name__} has no docstring; it becomes the schema description")
    schema = event.model_json_schema(mode="validation")
    schema.update(
        {
            "$schema": JSON_SCHEMA_DIALECT,
            "$id": event.dataschema(),
            "title": event.__name__,
            "description": inspect.cleandoc(event.__doc__),
            # Where to find it on the wire, so a subscriber's generator needs no other file
            "x-event-type": event.event_type(),
            "x-stream": event.stream(),
            "x-producer": event.producer,
            "x-subject-field": event.subject_field,
        }
    )
    return schema


def entry_properties() -> dict[str, dict[str, Any]]:
    """JSON Schema properties of a stream entry: every field is a string."""
    properties: dict[str, dict[str, Any]] = {
        name: {"type": "string", "description": ENTRY_FIELD_DESCRIPTIONS.get(name, "")}
        for name in ENTRY_FIELDS
    }
    properties["specversion"]["const"] = SPECVERSION
    properties["datacontenttype"]["const"] = CONTENT_TYPE
    properties["id"]["format"] = "uuid"
    properties["time"]["format"] = "date-time"
    properties["type"]["pattern"] = r"^purna\.[a-z0-9-]+\.v[0-9]+$"
    properties["source"]["pattern"] = r"^purna/[a-z0-9-]+$"
    properties["data"]["contentMediaType"] = CONTENT_TYPE
    return properties


def envelope_schema() -> dict[str, Any]:
    """The JSON Schema of a stream entry (``XRANGE`` output as a map), any event type."""
    return {
        "$schema": JSON_SCHEMA_DIALECT,
        "$id": ENVELOPE_SCHEMA_ID,
        "title": "Envelope",
        "description": (
            "A Redis stream entry: CloudEvents 1.0 attributes as entry fields, all strings, "
            "plus correlationid and causationid, and data: the payload as a JSON string. Purna's "
            "producers write every field; a reader requires only the listed ones."
        ),
        "type": "object",
        "properties": entry_properties(),
        "required": list(REQUIRED_FIELDS),
        # CloudEvents extension attributes may be added; they are strings too
        "additionalProperties": {"type": "string"},
    }


def generated_files() -> dict[str, str]:
    """Every file ``export_schemas`` writes, by path relative to the folder, with its text."""
    # Imported here: asyncapi builds on this module's schemas
    from .asyncapi import build_asyncapi

    files = {schema_path(event): render(event_schema(event)) for event in CATALOG}
    files["envelope.json"] = render(envelope_schema())
    files["asyncapi.json"] = render(build_asyncapi())
    return dict(sorted(files.items()))


def export_schemas(folder: Path) -> list[Path]:
    """Write every schema under ``folder``; return the paths written. Other files stay."""
    written: list[Path] = []
    for relative, text in generated_files().items():
        path = folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written


def check_folder(folder: Path) -> list[str]:
    """Problems between the committed schemas in ``folder`` and the current models.

    Incompatible changes (the model must move to a new major version), committed schemas with
    no current model, and current models never exported. Empty means all is well.
    """
    current = {schema_path(event): event for event in CATALOG}
    problems: list[str] = []
    for path in sorted((folder / "events").glob("*.json")):
        relative = path.relative_to(folder).as_posix()
        event = current.get(relative)
        if event is None:
            problems.append(
                f"{relative}: no current model; an event type (or major version) was removed "
                "without retiring its schema"
            )
            continue
        try:
            committed = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            problems.append(f"{relative}: unreadable: {exc}")
            continue
        problems.extend(
            f"{relative}: {problem}"
            for problem in check_compatibility(committed, event_schema(event))
        )
    problems.extend(
        f"{relative}: not exported (run `purna schemas export`)"
        for relative in current
        if not (folder / relative).is_file()
    )
    return problems


def stale_files(folder: Path) -> list[str]:
    """Files under ``folder`` whose text differs from what ``export_schemas`` would write."""
    stale: list[str] = []
    for relative, text in generated_files().items():
        path = folder / relative
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            stale.append(relative)
    return stale


# --- compatibility -------------------------------------------------------------------------

# A bound that rises (lower bounds) or falls (upper bounds) rejects data the old schema allowed
_LOWER_BOUNDS: Final = ("minLength", "minimum", "exclusiveMinimum", "minItems", "minProperties")
_UPPER_BOUNDS: Final = ("maxLength", "maximum", "exclusiveMaximum", "maxItems", "maxProperties")
_UNIONS: Final = ("anyOf", "oneOf")


def check_compatibility(old: Mapping[str, Any], new: Mapping[str, Any]) -> list[str]:
    """Incompatible changes from ``old`` to ``new``, two schemas of the same major version.

    Incompatible: a removed field; a changed type (including a newly nullable field or another
    ``format``); an optional field made required or a required one made optional; a new
    required field; enum/``Literal`` values removed, or a free value restricted to an enum;
    a tightened constraint (length, range, pattern); ``x-personal-data`` removed. Compatible:
    new optional fields, new enum values, loosened constraints, changed descriptions.
    ``$ref``s into ``$defs`` are followed, so nested models are compared field by field.
    """
    return _Comparison(old, new).run()


def _pointer(root: Mapping[str, Any], ref: str) -> Mapping[str, Any]:
    if not ref.startswith("#"):
        raise ValueError(f"only local $ref is supported, got {ref!r}")
    node: Any = root
    for token in ref[1:].split("/")[1:]:
        key = token.replace("~1", "/").replace("~0", "~")
        node = node[int(key)] if isinstance(node, list) else node[key]
    if not isinstance(node, Mapping):
        raise ValueError(f"$ref {ref!r} does not point to a schema")
    return node


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


class _Comparison:
    def __init__(self, old: Mapping[str, Any], new: Mapping[str, Any]) -> None:
        self.old_root = old
        self.new_root = new
        self.problems: list[str] = []
        # (old $ref, new $ref) pairs being descended into: a recursive model stops at itself,
        # while a model used at several paths is compared (and reported) at each of them
        self.descending: set[tuple[str, str]] = set()

    def run(self) -> list[str]:
        self.compare(self.old_root, self.new_root, "")
        return self.problems

    def report(self, path: str, problem: str) -> None:
        self.problems.append(f"{path or '(root)'}: {problem}")

    # Resolution: follow $ref (and a lone allOf wrapper), keeping sibling keywords such as
    # description or x-personal-data that annotate the reference at its point of use.
    def resolve(
        self, node: Mapping[str, Any], root: Mapping[str, Any]
    ) -> tuple[Mapping[str, Any], str | None]:
        ref_seen: str | None = None
        for _ in range(64):
            if "$ref" in node:
                ref = node["$ref"]
                ref_seen = ref
                siblings = {k: v for k, v in node.items() if k != "$ref"}
                node = {**_pointer(root, ref), **siblings}
            elif isinstance(node.get("allOf"), list) and len(node["allOf"]) == 1:
                siblings = {k: v for k, v in node.items() if k != "allOf"}
                node = {**node["allOf"][0], **siblings}
            else:
                return node, ref_seen
        raise ValueError("$ref chain too long (a reference cycle?)")

    def variants(self, node: Mapping[str, Any], root: Mapping[str, Any]) -> list[Mapping[str, Any]]:
        for keyword in _UNIONS:
            if isinstance(node.get(keyword), list):
                return [self.resolve(v, root)[0] for v in node[keyword]]
        return [node]

    def types(self, node: Mapping[str, Any], root: Mapping[str, Any]) -> frozenset[str]:
        found: set[str] = set()
        for variant in self.variants(node, root):
            if variant is not node:
                found |= self.types(variant, root)
            elif "type" in variant:
                declared = variant["type"]
                found |= {declared} if isinstance(declared, str) else set(declared)
            elif "const" in variant:
                found.add(_json_type(variant["const"]))
            elif "enum" in variant:
                found |= {_json_type(v) for v in variant["enum"]}
            elif "properties" in variant:
                found.add("object")
            else:
                found.add("any")
        return frozenset(found)

    def compare(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        old, old_ref = self.resolve(old, self.old_root)
        new, new_ref = self.resolve(new, self.new_root)

        if old.get(PERSONAL_DATA_KEY) is True and new.get(PERSONAL_DATA_KEY) is not True:
            self.report(path, f"{PERSONAL_DATA_KEY} removed")

        old_types = self.types(old, self.old_root)
        new_types = self.types(new, self.new_root)
        if old_types != new_types:
            self.report(
                path,
                f"type changed ({'|'.join(sorted(old_types))} -> {'|'.join(sorted(new_types))})",
            )
            return

        if any(k in old for k in _UNIONS) or any(k in new for k in _UNIONS):
            self.compare_variants(old, new, path)
            return

        self.compare_leaf(old, new, path)
        pair = (old_ref, new_ref) if old_ref is not None and new_ref is not None else None
        if pair is not None:
            if pair in self.descending:
                return
            self.descending.add(pair)
        if "object" in old_types:
            self.compare_object(old, new, path)
        if "array" in old_types:
            self.compare_array(old, new, path)
        if pair is not None:
            self.descending.discard(pair)

    def compare_variants(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        raw_old = self.raw_variants(old)
        raw_new = list(self.raw_variants(new))
        for old_variant in raw_old:
            old_types = self.types(self.resolve(old_variant, self.old_root)[0], self.old_root)
            match = next(
                (
                    candidate
                    for candidate in raw_new
                    if self.types(self.resolve(candidate, self.new_root)[0], self.new_root)
                    == old_types
                ),
                None,
            )
            if match is None:
                # Types as a whole were equal, so the variants were merely regrouped
                continue
            raw_new.remove(match)
            self.compare(old_variant, match, path)

    @staticmethod
    def raw_variants(node: Mapping[str, Any]) -> Sequence[Mapping[str, Any]]:
        for keyword in _UNIONS:
            if isinstance(node.get(keyword), list):
                return list(node[keyword])
        return [node]

    def compare_leaf(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        if old.get("format") != new.get("format"):
            self.report(path, f"format changed ({old.get('format')} -> {new.get('format')})")

        old_values = _values(old)
        new_values = _values(new)
        if old_values is None and new_values is not None:
            self.report(path, f"values restricted to {', '.join(sorted(new_values))}")
        elif old_values is not None and new_values is not None:
            removed = old_values - new_values
            if removed:
                self.report(path, f"enum values removed: {', '.join(sorted(removed))}")

        for keyword in _LOWER_BOUNDS:
            if keyword in new and (keyword not in old or new[keyword] > old[keyword]):
                self.report(path, f"{keyword} tightened ({old.get(keyword)} -> {new[keyword]})")
        for keyword in _UPPER_BOUNDS:
            if keyword in new and (keyword not in old or new[keyword] < old[keyword]):
                self.report(path, f"{keyword} tightened ({old.get(keyword)} -> {new[keyword]})")
        if "pattern" in new and new.get("pattern") != old.get("pattern"):
            self.report(path, f"pattern changed ({old.get('pattern')} -> {new['pattern']})")
        if "multipleOf" in new and new.get("multipleOf") != old.get("multipleOf"):
            self.report(path, "multipleOf changed")
        if new.get("uniqueItems") is True and old.get("uniqueItems") is not True:
            self.report(path, "uniqueItems added")

    def compare_object(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        old_props: Mapping[str, Any] = old.get("properties", {})
        new_props: Mapping[str, Any] = new.get("properties", {})
        old_required = set(old.get("required", ()))
        new_required = set(new.get("required", ()))
        for name, old_prop in old_props.items():
            child = f"{path}.{name}" if path else name
            if name not in new_props:
                self.report(child, "field removed")
            else:
                self.compare(old_prop, new_props[name], child)
        for name in sorted(new_required - old_required):
            child = f"{path}.{name}" if path else name
            if name in old_props:
                self.report(child, "optional field made required")
            else:
                self.report(child, "new required field")
        for name in sorted(old_required - new_required):
            if name in new_props:
                # Old readers count on it being present; new writers may omit it
                self.report(f"{path}.{name}" if path else name, "required field made optional")

        old_extra = old.get("additionalProperties", True)
        new_extra = new.get("additionalProperties", True)
        if new_extra is False and old_extra is not False:
            self.report(path, "additional properties no longer allowed")
        elif isinstance(old_extra, Mapping) and isinstance(new_extra, Mapping):
            self.compare(old_extra, new_extra, f"{path}{{*}}")

    def compare_array(self, old: Mapping[str, Any], new: Mapping[str, Any], path: str) -> None:
        old_prefix: Sequence[Any] = old.get("prefixItems", ())
        new_prefix: Sequence[Any] = new.get("prefixItems", ())
        for index, old_item in enumerate(old_prefix):
            if index >= len(new_prefix):
                self.report(f"{path}[{index}]", "tuple item removed")
            else:
                self.compare(old_item, new_prefix[index], f"{path}[{index}]")
        old_items = old.get("items")
        new_items = new.get("items")
        if isinstance(old_items, Mapping) and isinstance(new_items, Mapping):
            self.compare(old_items, new_items, f"{path}[]")
        elif isinstance(new_items, Mapping) and old_items is None and not old_prefix:
            self.report(f"{path}[]", "items restricted")


def _values(node: Mapping[str, Any]) -> frozenset[str] | None:
    """The allowed values of an enum/const node (as JSON text), or None when unrestricted."""
    if "const" in node:
        return frozenset({json.dumps(node["const"], sort_keys=True)})
    if "enum" in node:
        return frozenset(json.dumps(v, sort_keys=True) for v in node["enum"])
    return None


def iter_properties(schema: Mapping[str, Any]) -> Iterator[tuple[str, Mapping[str, Any]]]:
    """Every (property name, property schema) anywhere in ``schema``, ``$defs`` included."""
    stack: list[Any] = [schema]
    while stack:
        node = stack.pop()
        if isinstance(node, Mapping):
            properties = node.get("properties")
            if isinstance(properties, Mapping):
                for name, prop in properties.items():
                    if isinstance(prop, Mapping):
                        yield name, prop
            stack.extend(node.values())
        elif isinstance(node, list):
            stack.extend(node)
