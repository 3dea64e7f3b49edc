"""The offline kustomize renderer does what kustomize does for the features deploy/ uses."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent
from types import ModuleType

import pytest

pytestmark = pytest.mark.unit

DEPLOYMENT = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app.kubernetes.io/component: {component}
spec:
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      initContainers:
        - name: init
          image: busybox:1.36
      containers:
        - name: main
          image: {image}
          args: ["yes", "10:30", "0755"]
"""


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(dedent(text))


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    write(
        tmp_path,
        {
            "base/kustomization.yaml": "resources: [api.yaml, worker.yaml]\n",
            "base/api.yaml": DEPLOYMENT.format(name="a-api", component="api", image="app"),
            "base/worker.yaml": DEPLOYMENT.format(
                name="a-worker", component="worker", image="app:old@sha256:abc"
            ),
            "extra/kustomization.yaml": """\
                apiVersion: kustomize.config.k8s.io/v1alpha1
                kind: Component
                resources: [cm.yaml]
                patches:
                  - target: {kind: Deployment}
                    patch: |-
                      - op: add
                        path: /spec/replicas
                        value: 2
                """,
            "extra/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {A: x}\n",
        },
    )
    return tmp_path


def test_resources_components_patches_namespace_and_images(
    kustomize: ModuleType, tree: Path
) -> None:
    write(
        tree,
        {
            "overlay/kustomization.yaml": """\
                namespace: ns
                resources: [../base]
                components: [../extra]
                images:
                  - {name: app, newName: reg.example/app, newTag: "1.2"}
                patches:
                  - path: p.yaml
                    target: {kind: Deployment, labelSelector: app.kubernetes.io/component=api}
                  - target: {kind: ConfigMap, name: "c|d"}
                    patch: '[{"op": "replace", "path": "/data/A", "value": "y"}]'
                """,
            "overlay/p.yaml": """\
                - op: replace
                  path: /spec/replicas
                  value: 5
                - op: add
                  path: /spec/template/spec/containers/0/args/-
                  value: "--fast"
                - op: remove
                  path: /spec/template/spec/initContainers
                """,
        },
    )
    objects = {o["metadata"]["name"]: o for o in kustomize.build(tree / "overlay")}
    assert {o["metadata"]["namespace"] for o in objects.values()} == {"ns"}
    api, worker = objects["a-api"], objects["a-worker"]
    assert api["spec"]["replicas"] == 5 and worker["spec"]["replicas"] == 2
    assert api["spec"]["template"]["spec"]["containers"][0]["image"] == "reg.example/app:1.2"
    assert worker["spec"]["template"]["spec"]["containers"][0]["image"] == "reg.example/app:1.2"
    assert worker["spec"]["template"]["spec"]["initContainers"][0]["image"] == "busybox:1.36"
    assert "initContainers" not in api["spec"]["template"]["spec"]
    # YAML 1.2, as kustomize reads it: no yes->True, no sexagesimal, no octal
    assert api["spec"]["template"]["spec"]["containers"][0]["args"] == [
        "yes", "10:30", "0755", "--fast",
    ]  # fmt: skip
    assert objects["c"]["data"] == {"A": "y"}


def test_newname_alone_keeps_the_tag_and_a_digest_replaces_it(
    kustomize: ModuleType, tree: Path
) -> None:
    write(
        tree,
        {
            "o/kustomization.yaml": """\
                resources: [../base]
                images:
                  - {name: app, newName: other/app}
                  - {name: busybox, digest: "sha256:def"}
                """
        },
    )
    objects = {o["metadata"]["name"]: o for o in kustomize.build(tree / "o")}
    spec = objects["a-worker"]["spec"]["template"]["spec"]
    assert spec["containers"][0]["image"] == "other/app:old@sha256:abc"
    assert spec["initContainers"][0]["image"] == "busybox@sha256:def"
    assert kustomize.split_image("reg:5000/a/b:1.0@sha256:x") == ("reg:5000/a/b", "1.0", "sha256:x")


@pytest.mark.parametrize(
    ("kustomization", "message"),
    [
        ("resources: [../base]\ncommonLabels: {a: b}\n", "unsupported by this renderer"),
        ("resources: [../base, ../base/api.yaml]\n", "duplicate object"),
        ("resources: [missing.yaml]\n", "does not exist"),
        ("resources: [../extra]\n", "expected Kustomization"),
        (
            "resources: [../base]\npatches:\n  - {path: sm.yaml}\n",
            "strategic-merge patches are not supported",
        ),
        (
            "resources: [../base]\npatches:\n  - target: {kind: Service}\n"
            '    patch: \'[{"op": "add", "path": "/x", "value": 1}]\'\n',
            "selects nothing",
        ),
        (
            "resources: [../base]\npatches:\n  - target: {kind: Deployment}\n"
            '    patch: \'[{"op": "replace", "path": "/spec/nope", "value": 1}]\'\n',
            "does not exist",
        ),
        (
            "resources: [../base]\npatches:\n  - target: {kind: Deployment}\n"
            '    patch: \'[{"op": "move", "from": "/a", "path": "/b"}]\'\n',
            "unsupported JSON patch op",
        ),
        (
            "resources: [../base]\npatches:\n  - target: {kind: Deployment, labelSelector: a!=b}\n"
            '    patch: \'[{"op": "add", "path": "/x", "value": 1}]\'\n',
            "only k=v",
        ),
    ],
)
def test_what_it_does_not_support_or_cannot_apply_is_an_error(
    kustomize: ModuleType, tree: Path, kustomization: str, message: str
) -> None:
    write(tree, {"bad/kustomization.yaml": kustomization, "bad/sm.yaml": "kind: Deployment\n"})
    with pytest.raises(kustomize.KustomizeError, match=message):
        kustomize.build(tree / "bad")


def test_json_patch_test_op_and_array_bounds(kustomize: ModuleType) -> None:
    doc = {"a": [1, 2]}
    kustomize.apply_json_patch(doc, [{"op": "test", "path": "/a/1", "value": 2}])
    kustomize.apply_json_patch(doc, [{"op": "add", "path": "/a/0", "value": 0}])
    assert doc == {"a": [0, 1, 2]}
    with pytest.raises(kustomize.KustomizeError, match="test failed"):
        kustomize.apply_json_patch(doc, [{"op": "test", "path": "/a/0", "value": 9}])
    with pytest.raises(kustomize.KustomizeError, match="out of range"):
        kustomize.apply_json_patch(doc, [{"op": "replace", "path": "/a/3", "value": 9}])
    kustomize.apply_json_patch(doc, [{"op": "add", "path": "/k~1v", "value": 1}])
    assert doc["k/v"] == 1
