"""A small kustomize for the features deploy/ uses, so the tests need no kustomize binary.

Supported, with kustomize's semantics (v5):

* ``resources``: YAML files (several documents each) and directories holding a Kustomization
* ``components``: directories holding a ``Component``; each adds its resources to what the
  parent has accumulated so far and then runs its own patches over all of it
* ``patches`` with ``path`` or inline ``patch`` and a ``target`` (kind, name and namespace as
  anchored regular expressions, group, version, labelSelector ``k=v,k2=v2``): RFC 6902 JSON
  patches only (add, remove, replace, test)
* ``images``: name, newName, newTag, digest; on every container and init container
* ``namespace``: set on every namespaced object

Anything else in a kustomization is an error, not silently ignored, so nobody can start using
a feature this renderer would get wrong. It is also stricter than kustomize in two ways that
catch mistakes: a patch whose target selects nothing fails, and so does a duplicate object.
YAML is read with the YAML 1.2 core schema, as kustomize reads it (``yes`` and ``10:30`` stay
strings, unlike PyYAML's default YAML 1.1).
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

Object = dict[str, Any]

KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
KINDS = {
    "Kustomization": "kustomize.config.k8s.io/v1beta1",
    "Component": "kustomize.config.k8s.io/v1alpha1",
}
SUPPORTED_FIELDS = {
    "apiVersion",
    "kind",
    "resources",
    "components",
    "patches",
    "images",
    "namespace",
}
CLUSTER_SCOPED = {
    "Namespace",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PersistentVolume",
    "StorageClass",
    "PriorityClass",
    "ValidatingWebhookConfiguration",
    "MutatingWebhookConfiguration",
    "ClusterTriggerAuthentication",
}


class KustomizeError(Exception):
    pass


# -- YAML 1.2 core schema ------------------------------------------------------------------------


class Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with the YAML 1.2 core schema's implicit types only."""


Yaml12Loader.yaml_implicit_resolvers = {}
for _tag, _pattern, _first in (
    ("tag:yaml.org,2002:null", r"^(?:~|null|Null|NULL|)$", ["~", "n", "N", ""]),
    ("tag:yaml.org,2002:bool", r"^(?:true|True|TRUE|false|False|FALSE)$", list("tTfF")),
    ("tag:yaml.org,2002:int", r"^(?:[-+]?[0-9]+|0o[0-7]+|0x[0-9a-fA-F]+)$", list("-+0123456789")),
    (
        "tag:yaml.org,2002:float",
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$",
        list("-+.0123456789"),
    ),
):
    Yaml12Loader.add_implicit_resolver(_tag, re.compile(_pattern), _first)


def _int_12(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> int:
    value = str(loader.construct_scalar(node))
    if value.startswith("0o"):
        return int(value[2:], 8)
    if value.startswith("0x"):
        return int(value[2:], 16)
    return int(value)  # YAML 1.2: a leading 0 is decimal, not octal


Yaml12Loader.add_constructor("tag:yaml.org,2002:int", _int_12)


def load_documents(text: str) -> list[Any]:
    return [doc for doc in yaml.load_all(text, Loader=Yaml12Loader) if doc is not None]


def _read_yaml(path: Path) -> list[Any]:
    try:
        return load_documents(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise KustomizeError(f"{path}: {exc}") from exc


# -- building ------------------------------------------------------------------------------------


def build(directory: Path) -> list[Object]:
    """Render the Kustomization in ``directory``, like ``kustomize build directory``."""
    return _build(Path(directory), expected="Kustomization", accumulated=[])


def _kustomization(directory: Path, expected: str) -> dict[str, Any]:
    found = [directory / name for name in KUSTOMIZATION_FILES if (directory / name).is_file()]
    if len(found) != 1:
        raise KustomizeError(f"{directory}: expected exactly one kustomization file")
    docs = _read_yaml(found[0])
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise KustomizeError(f"{found[0]}: a kustomization is one YAML mapping")
    k: dict[str, Any] = docs[0]
    kind = k.get("kind", "Kustomization")
    if kind != expected or k.get("apiVersion", KINDS[kind]) != KINDS[kind]:
        raise KustomizeError(f"{found[0]}: expected {expected} ({KINDS[expected]}), got {kind}")
    unsupported = set(k) - SUPPORTED_FIELDS
    if unsupported:
        raise KustomizeError(f"{found[0]}: unsupported by this renderer: {sorted(unsupported)}")
    return k


def _build(directory: Path, *, expected: str, accumulated: list[Object]) -> list[Object]:
    k = _kustomization(directory, expected)
    objects = accumulated
    for entry in k.get("resources", []):
        path = directory / entry
        if path.is_dir():
            objects = objects + build(path)
        elif path.is_file():
            docs = _read_yaml(path)
            for doc in docs:
                if not isinstance(doc, dict) or not {"apiVersion", "kind", "metadata"} <= set(doc):
                    raise KustomizeError(f"{path}: not a Kubernetes object: {doc!r:.80}")
            objects = objects + docs
        else:
            raise KustomizeError(f"{directory}: resource {entry} does not exist")
    for entry in k.get("components", []):
        objects = _build(directory / entry, expected="Component", accumulated=objects)
    _check_unique(objects, directory)
    objects = copy.deepcopy(objects)
    for patch in k.get("patches", []):
        _apply_patch(objects, patch, directory)
    if "namespace" in k:
        for obj in objects:
            if obj["kind"] not in CLUSTER_SCOPED:
                obj["metadata"]["namespace"] = k["namespace"]
    for image in k.get("images", []):
        _apply_image(objects, image, directory)
    return objects


def object_id(obj: Object) -> tuple[str, str, str, str]:
    meta = obj["metadata"]
    return (obj["apiVersion"], obj["kind"], meta.get("namespace", ""), meta["name"])


def _check_unique(objects: list[Object], where: Path) -> None:
    seen: set[tuple[str, str, str, str]] = set()
    for obj in objects:
        key = object_id(obj)
        if key in seen:
            raise KustomizeError(f"{where}: duplicate object {key}")
        seen.add(key)


# -- patches -------------------------------------------------------------------------------------

TARGET_FIELDS = {"group", "version", "kind", "name", "namespace", "labelSelector"}


def _full_match(pattern: str | None, value: str) -> bool:
    return pattern is None or re.fullmatch(pattern, value) is not None


def _labels_match(selector: str | None, labels: dict[str, str]) -> bool:
    if not selector:
        return True
    for term in selector.split(","):
        key, sep, value = term.partition("==") if "==" in term else term.partition("=")
        if not sep or "!" in key:
            raise KustomizeError(f"unsupported labelSelector term {term!r} (only k=v)")
        if labels.get(key.strip()) != value.strip():
            return False
    return True


def selects(target: dict[str, Any], obj: Object) -> bool:
    unsupported = set(target) - TARGET_FIELDS
    if unsupported:
        raise KustomizeError(f"unsupported patch target fields {sorted(unsupported)}")
    group, _, version = obj["apiVersion"].rpartition("/")
    meta = obj["metadata"]
    return (
        target.get("group", group) == group
        and target.get("version", version) == version
        and _full_match(target.get("kind"), obj["kind"])
        and _full_match(target.get("name"), meta["name"])
        and _full_match(target.get("namespace"), meta.get("namespace", ""))
        and _labels_match(target.get("labelSelector"), meta.get("labels") or {})
    )


def _apply_patch(objects: list[Object], patch: dict[str, Any], directory: Path) -> None:
    if set(patch) - {"path", "patch", "target"} or ("path" in patch) == ("patch" in patch):
        raise KustomizeError(f"{directory}: a patch has `path` or `patch`, and a `target`")
    if "target" not in patch:
        raise KustomizeError(f"{directory}: strategic-merge patches are not supported")
    if "path" in patch:
        docs = _read_yaml(directory / patch["path"])
        operations = docs[0] if len(docs) == 1 else None
        where = f"{directory / patch['path']}"
    else:
        operations = load_documents(patch["patch"])
        operations = operations[0] if len(operations) == 1 else None
        where = f"{directory}: inline patch"
    if not isinstance(operations, list):
        raise KustomizeError(f"{where}: only JSON6902 patches (a list of operations) are supported")
    selected = [obj for obj in objects if selects(patch["target"], obj)]
    if not selected:
        raise KustomizeError(f"{where}: target {patch['target']} selects nothing")
    for obj in selected:
        try:
            apply_json_patch(obj, operations)
        except KustomizeError as exc:
            raise KustomizeError(f"{where} on {object_id(obj)}: {exc}") from exc


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise KustomizeError(f"JSON pointer {path!r} must start with /")
    return [part.replace("~1", "/").replace("~0", "~") for part in path[1:].split("/")]


def _index(container: list[Any], token: str, *, for_add: bool) -> int:
    if for_add and token == "-":
        return len(container)
    if not re.fullmatch(r"0|[1-9][0-9]*", token):
        raise KustomizeError(f"bad array index {token!r}")
    index = int(token)
    if index > len(container) or (index == len(container) and not for_add):
        raise KustomizeError(f"array index {index} out of range")
    return index


def _parent(document: Any, tokens: list[str]) -> Any:
    node = document
    for token in tokens[:-1]:
        if isinstance(node, dict):
            if token not in node:
                raise KustomizeError(f"path member {token!r} does not exist")
            node = node[token]
        elif isinstance(node, list):
            node = node[_index(node, token, for_add=False)]
        else:
            raise KustomizeError(f"cannot descend into a scalar at {token!r}")
    return node


def apply_json_patch(document: Object, operations: list[dict[str, Any]]) -> None:
    """RFC 6902 add, remove, replace and test, in place."""
    for op in operations:
        kind, tokens = op.get("op"), _pointer(op.get("path", ""))
        if not tokens:
            raise KustomizeError("patching the whole document is not supported")
        parent, last = _parent(document, tokens), tokens[-1]
        if kind == "add":
            value = copy.deepcopy(op["value"])
            if isinstance(parent, dict):
                parent[last] = value
            elif isinstance(parent, list):
                parent.insert(_index(parent, last, for_add=True), value)
            else:
                raise KustomizeError(f"cannot add into a scalar at {op['path']}")
        elif kind in ("remove", "replace", "test"):
            if isinstance(parent, dict):
                if last not in parent:
                    raise KustomizeError(f"{kind}: {op['path']} does not exist")
                key: Any = last
            elif isinstance(parent, list):
                key = _index(parent, last, for_add=False)
            else:
                raise KustomizeError(f"{kind}: {op['path']} is inside a scalar")
            if kind == "remove":
                del parent[key]
            elif kind == "replace":
                parent[key] = copy.deepcopy(op["value"])
            elif parent[key] != op["value"]:
                raise KustomizeError(f"test failed at {op['path']}")
        else:
            raise KustomizeError(f"unsupported JSON patch op {kind!r}")


# -- images --------------------------------------------------------------------------------------


def split_image(image: str) -> tuple[str, str, str]:
    """``name[:tag][@digest]`` -> (name, tag, digest); a registry port is part of the name."""
    name, _, digest = image.partition("@")
    slash = name.rfind("/")
    colon = name.rfind(":")
    tag = ""
    if colon > slash:
        name, tag = name[:colon], name[colon + 1 :]
    return name, tag, digest


def _containers(node: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("containers", "initContainers") and isinstance(value, list):
                found.extend(c for c in value if isinstance(c, dict) and "image" in c)
            else:
                found.extend(_containers(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_containers(item))
    return found


def _apply_image(objects: list[Object], image: dict[str, Any], directory: Path) -> None:
    unsupported = set(image) - {"name", "newName", "newTag", "digest"}
    if unsupported or "name" not in image:
        raise KustomizeError(f"{directory}: images entry {image} (name, newName, newTag, digest)")
    for obj in objects:
        for container in _containers(obj):
            name, tag, digest = split_image(container["image"])
            if name != image["name"]:
                continue
            new = image.get("newName", name)
            if "digest" in image:
                new += "@" + image["digest"]
            elif "newTag" in image:
                new += ":" + str(image["newTag"])
            else:
                new += (":" + tag if tag else "") + ("@" + digest if digest else "")
            container["image"] = new
