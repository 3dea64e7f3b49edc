"""Every overlay renders, every object validates offline, and the rules of deploy/ hold.

Kubernetes objects are validated with kubernetes-validate (strict: unknown fields are errors)
against a pinned Kubernetes version; KEDA ScaledObjects against our own strict JSON Schema of
KEDA's documented spec (tests/deploy/scaledobject.schema.json).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from purna_shared.contracts.catalog import SERVICES, streams_consumed_by

pytestmark = pytest.mark.unit

KUBERNETES_VERSION = "1.31"
IMAGE = "purna"
UID = 10001
PORTS = {
    "registration": 8001,
    "training": 8002,
    "credit": 8003,
    "notification": 8004,
    "console": 8080,
}
#: the web console: an api (its web process) with no worker, database or Redis user
CONSOLE = "console"
SCALEDOBJECT_SCHEMA = Path(__file__).with_name("scaledobject.schema.json")
DEPLOY = Path(__file__).resolve().parents[2] / "deploy"

Obj = dict[str, Any]


@cache
def _scaledobject_validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCALEDOBJECT_SCHEMA.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def validate(obj: Obj) -> list[str]:
    """Errors of one rendered object (empty when valid)."""
    name = f"{obj['kind']}/{obj['metadata']['name']}"
    if obj["apiVersion"].startswith("keda.sh/"):
        return [
            f"{name}: {'.'.join(map(str, e.absolute_path))}: {e.message}"
            for e in _scaledobject_validator().iter_errors(obj)
        ]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as e:
        return [f"{name}: {'.'.join(map(str, e.path))}: {e.message}"]
    except kubernetes_validate.SchemaNotFoundError as e:
        return [f"{name}: {e.message}"]
    return []


def by_kind(objects: list[Obj], kind: str) -> dict[str, Obj]:
    return {o["metadata"]["name"]: o for o in objects if o["kind"] == kind}


def containers(deployment: Obj) -> list[Obj]:
    spec = deployment["spec"]["template"]["spec"]
    return [*spec.get("initContainers", []), *spec["containers"]]


_UNITS = {"m": 1e-3, "": 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}


def quantity(value: str | int) -> float:
    match = re.fullmatch(r"([0-9.]+)(m|Ki|Mi|Gi|k|M|G|)", str(value))
    assert match, f"unparsed quantity {value!r}"
    return float(match.group(1)) * _UNITS[match.group(2)]


def deployments(rendered: dict[str, list[Obj]]) -> Iterator[tuple[str, Obj]]:
    for overlay, objects in rendered.items():
        for d in by_kind(objects, "Deployment").values():
            yield overlay, d


def workloads(rendered: dict[str, list[Obj]]) -> Iterator[tuple[str, Obj]]:
    """Deployments and the migration Job: everything that runs a pod."""
    for overlay, objects in rendered.items():
        for o in objects:
            if o["kind"] in ("Deployment", "Job"):
                yield overlay, o


# -- validation ----------------------------------------------------------------------------------


def test_every_object_of_every_overlay_validates_offline(rendered: dict[str, list[Obj]]) -> None:
    errors = [
        f"{overlay}: {e}" for overlay, objs in rendered.items() for o in objs for e in validate(o)
    ]
    assert not errors, "\n".join(errors)
    kinds = {o["kind"] for o in rendered["prod"]}
    assert {
        "ScaledObject",
        "HorizontalPodAutoscaler",
        "PodDisruptionBudget",
        "NetworkPolicy",
    } <= kinds


def test_validation_catches_what_it_should(rendered: dict[str, list[Obj]]) -> None:
    deployment = json.loads(json.dumps(by_kind(rendered["prod"], "Deployment")["credit-api"]))
    deployment["spec"]["template"]["spec"]["containers"][0]["readOnlyRootFS"] = True
    assert validate(deployment)
    scaled = json.loads(json.dumps(by_kind(rendered["prod"], "ScaledObject")["credit-worker"]))
    scaled["spec"]["triggers"][0]["metadata"]["lagCount"] = 5  # metadata values are strings
    assert validate(scaled)
    scaled["spec"]["triggers"][0]["metadata"]["lagCount"] = "5"
    scaled["spec"]["triggers"][0]["metadata"]["lagcount"] = "5"
    assert validate(scaled)


def test_the_overlays_put_everything_in_their_namespace_and_pin_the_image(
    rendered: dict[str, list[Obj]],
) -> None:
    for overlay, namespace in (("dev", "purna-dev"), ("prod", "purna")):
        assert {o["metadata"].get("namespace") for o in rendered[overlay]} == {namespace}
    for overlay, d in workloads(rendered):
        for c in containers(d):
            name, _, tag = c["image"].rpartition(":")
            assert name.endswith(IMAGE) and tag, f"{overlay} {c['image']}"
            if overlay == "prod":
                assert re.fullmatch(r"[0-9]+\.[0-9]+\.[0-9]+", tag) or "@sha256:" in c["image"]


# -- containers ----------------------------------------------------------------------------------


def test_every_pod_runs_non_root_read_only_with_no_privileges(
    rendered: dict[str, list[Obj]],
) -> None:
    for overlay, d in workloads(rendered):
        where = f"{overlay} {d['metadata']['name']}"
        pod = d["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["runAsUser"] == UID, where
        assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}, where
        assert pod["automountServiceAccountToken"] is False, where
        volumes = {v["name"]: v for v in pod["volumes"]}
        for c in containers(d):
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["runAsNonRoot"] is True, where
            assert sc["capabilities"] == {"drop": ["ALL"]}, where
            assert "privileged" not in sc and "runAsUser" not in sc, where
            tmp = [m for m in c["volumeMounts"] if m["mountPath"] == "/tmp"]
            assert len(tmp) == 1 and "emptyDir" in volumes[tmp[0]["name"]], where


def test_every_container_has_requests_within_limits(rendered: dict[str, list[Obj]]) -> None:
    for overlay, d in workloads(rendered):
        for c in containers(d):
            resources = c["resources"]
            for resource in ("cpu", "memory"):
                request = quantity(resources["requests"][resource])
                limit = quantity(resources["limits"][resource])
                assert 0 < request <= limit, f"{overlay} {d['metadata']['name']} {resource}"
    dev = by_kind(rendered["dev"], "Deployment")["training-api"]["spec"]["template"]["spec"]
    prod = by_kind(rendered["prod"], "Deployment")["training-api"]["spec"]["template"]["spec"]
    assert quantity(dev["containers"][0]["resources"]["limits"]["memory"]) < quantity(
        prod["containers"][0]["resources"]["limits"]["memory"]
    )


def test_apis_and_workers_are_probed_on_livez_and_readyz(
    rendered: dict[str, list[Obj]],
) -> None:
    for overlay, d in deployments(rendered):
        (c,) = d["spec"]["template"]["spec"]["containers"]
        component = d["metadata"]["labels"]["app.kubernetes.io/component"]
        service = d["metadata"]["name"].removesuffix(f"-{component}")
        assert c["command"] == ["python", "-m", f"purna_{service}.entrypoints.{component}"]
        if component == "api":
            assert c["ports"] == [
                {"name": "http", "containerPort": PORTS[service], "protocol": "TCP"}
            ]
            for probe, path in (("livenessProbe", "/livez"), ("readinessProbe", "/readyz")):
                assert c[probe]["httpGet"] == {"path": path, "port": "http"}, overlay
            assert c["startupProbe"]["httpGet"]["path"] == "/livez"
        else:
            # the worker exits non-zero when its consumer or relay fails (the kubelet restarts
            # it) and serves /livez and /readyz on WORKER_HTTP_PORT for a hung one
            assert component == "worker"
            assert c["ports"] == [{"name": "health", "containerPort": 9000, "protocol": "TCP"}]
            assert {"name": "WORKER_HTTP_PORT", "value": "9000"} in c["env"]
            for probe, path in (("livenessProbe", "/livez"), ("readinessProbe", "/readyz")):
                assert c[probe]["httpGet"] == {"path": path, "port": "health"}, overlay


# -- wiring --------------------------------------------------------------------------------------


def test_each_service_has_an_api_a_service_a_worker_and_an_account(
    rendered: dict[str, list[Obj]],
) -> None:
    for overlay, objects in rendered.items():
        deps, svcs = by_kind(objects, "Deployment"), by_kind(objects, "Service")
        # the dev overlay's own Redis and PostgreSQL are not Purna's (see test_dev_data_services)
        svcs = {
            n: o
            for n, o in svcs.items()
            if o["metadata"]["labels"]["app.kubernetes.io/part-of"] == "purna"
        }
        accounts = by_kind(objects, "ServiceAccount")
        assert set(deps) == {f"{s}-{r}" for s in SERVICES for r in ("api", "worker")} | {
            f"{CONSOLE}-api"
        }, overlay
        assert set(svcs) == {f"{s}-api" for s in (*SERVICES, CONSOLE)}, overlay
        assert set(accounts) == {*SERVICES, CONSOLE, "purna-migrate"}, overlay
        for service in (*SERVICES, CONSOLE):
            api = deps[f"{service}-api"]
            pod_labels = api["spec"]["template"]["metadata"]["labels"]
            selector = svcs[f"{service}-api"]["spec"]["selector"]
            assert selector.items() <= pod_labels.items()
            assert api["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
            assert svcs[f"{service}-api"]["spec"]["ports"][0]["port"] == PORTS[service]
            for role in ("api", "worker") if service != CONSOLE else ("api",):
                pod = deps[f"{service}-{role}"]["spec"]["template"]
                assert pod["spec"]["serviceAccountName"] == service
                assert pod["metadata"]["labels"]["app.kubernetes.io/part-of"] == "purna"


def test_one_job_migrates_every_database_before_the_services_need_it(
    rendered: dict[str, list[Obj]],
) -> None:
    for overlay, objects in rendered.items():
        (job,) = by_kind(objects, "Job").values()
        pod = job["spec"]["template"]["spec"]
        (c,) = pod["containers"]
        assert c["command"] == ["purna", "migrate"], overlay
        assert pod["restartPolicy"] == "OnFailure" and pod["serviceAccountName"] == "purna-migrate"
        env = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in c["env"]}
        assert env == {
            f"{s.upper()}_DATABASE_URL": {"name": f"purna-{s}", "key": "database-url"}
            for s in SERVICES
        }


def _env(container: Obj) -> dict[str, Obj]:
    return {e["name"]: e for e in container["env"]}


def test_every_process_gets_its_own_redis_user_database_and_the_shared_settings(
    rendered: dict[str, list[Obj]],
) -> None:
    for overlay, d in deployments(rendered):
        service = d["spec"]["template"]["spec"]["serviceAccountName"]
        where = f"{overlay} {d['metadata']['name']}"
        (c,) = d["spec"]["template"]["spec"]["containers"]
        env = _env(c)
        config_maps = [s["configMapRef"]["name"] for s in c["envFrom"]]
        assert "purna-config" in config_maps, where
        if service == CONSOLE:
            # no database, no Redis: only its session secret (and the JWT secret of dev mode)
            assert not {"REDIS_URL", "REDIS_PASSWORD"} & set(env), where
            assert not any(name.endswith("_DATABASE_URL") for name in env), where
            assert env["CONSOLE_SESSION_SECRET"]["valueFrom"]["secretKeyRef"] == {
                "name": "purna-console",
                "key": "session-secret",
            }, where
            assert "purna-console" in config_maps, where
            continue
        assert env["REDIS_USERNAME"]["value"] == service, where  # = its ACL user and group
        secret = f"purna-{service}"
        assert env["REDIS_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": secret,
            "key": "redis-password",
        }, where
        assert env[f"{service.upper()}_DATABASE_URL"]["valueFrom"]["secretKeyRef"] == {
            "name": secret,
            "key": "database-url",
        }, where
        assert env["JWT_SECRET"]["valueFrom"]["secretKeyRef"] == {
            "name": "purna-jwt",
            "key": "secret",
        }
        assert (
            env["REDIS_URL"]["value"]
            == "$(REDIS_SCHEME)://$(REDIS_USERNAME):$(REDIS_PASSWORD)@$(REDIS_ADDRESS)/0"
        )
        # every $(VAR) is defined before it is used (envFrom first, then env in order)
        config = {name: obj for name, obj in by_kind(rendered[overlay], "ConfigMap").items()}
        defined = {k for name in config_maps for k in config[name]["data"]}
        for e in c["env"]:
            for ref in re.findall(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)", e.get("value", "")):
                assert ref in defined, f"{where}: {e['name']} uses $({ref}) before it is defined"
            defined.add(e["name"])
        other_secrets = {
            v["valueFrom"]["secretKeyRef"]["name"] for v in c["env"] if "valueFrom" in v
        } - {secret, "purna-jwt"}
        assert not other_secrets, f"{where} reads another service's secrets: {other_secrets}"


def test_dev_ships_development_secrets_for_every_reference(rendered: dict[str, list[Obj]]) -> None:
    secrets = by_kind(rendered["dev"], "Secret")
    assert not by_kind(rendered["prod"], "Secret"), "production secrets are never committed"
    for _, d in deployments({"dev": rendered["dev"]}):
        for e in d["spec"]["template"]["spec"]["containers"][0]["env"]:
            ref = e.get("valueFrom", {}).get("secretKeyRef")
            if ref and not ref.get("optional"):
                assert ref["key"] in secrets[ref["name"]]["stringData"], ref


# -- scaling -------------------------------------------------------------------------------------


def _targets(objects: list[Obj], kind: str) -> dict[str, Obj]:
    return {o["spec"]["scaleTargetRef"]["name"]: o for o in by_kind(objects, kind).values()}


def test_every_worker_scales_on_the_lag_of_exactly_the_streams_its_service_consumes(
    rendered: dict[str, list[Obj]],
) -> None:
    objects = rendered["prod"]
    scaled, hpas = _targets(objects, "ScaledObject"), _targets(objects, "HorizontalPodAutoscaler")
    deps = by_kind(objects, "Deployment")
    assert not set(scaled) & set(hpas), "a Deployment is scaled by both KEDA and an HPA"
    for service in SERVICES:
        worker = f"{service}-worker"
        consumed = set(streams_consumed_by(service))
        if not consumed:
            assert worker not in scaled and worker in hpas, worker
            continue
        spec = scaled[worker]["spec"]
        triggers = spec["triggers"]
        assert {t["metadata"]["stream"] for t in triggers} == consumed
        assert len(triggers) == len(consumed)
        assert {t["type"] for t in triggers} == {"redis-streams"}
        assert {t["metadata"]["consumerGroup"] for t in triggers} == {service}
        assert all("lagCount" in t["metadata"] for t in triggers)
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"], worker
        # KEDA reads the connection from the worker's first container
        container = deps[worker]["spec"]["template"]["spec"]["containers"][0]
        env = {*_env(container)} | {
            k
            for s in container["envFrom"]
            for k in by_kind(objects, "ConfigMap")[s["configMapRef"]["name"]]["data"]
        }
        for t in triggers:
            for key in ("addressFromEnv", "usernameFromEnv", "passwordFromEnv"):
                assert t["metadata"][key] in env, (worker, key)
    assert not _targets(rendered["dev"], "ScaledObject"), "dev runs without KEDA"


def test_apis_scale_on_cpu_and_registration_has_campaign_headroom(
    rendered: dict[str, list[Obj]],
) -> None:
    hpas = _targets(rendered["prod"], "HorizontalPodAutoscaler")
    for service in (*SERVICES, CONSOLE):
        hpa = hpas[f"{service}-api"]["spec"]
        assert hpa["metrics"][0]["resource"]["name"] == "cpu"
        assert 2 <= hpa["minReplicas"] <= hpa["maxReplicas"]
    registration = hpas["registration-api"]["spec"]["maxReplicas"]
    assert all(registration > hpas[f"{s}-api"]["spec"]["maxReplicas"] for s in SERVICES[1:])
    for d in by_kind(rendered["prod"], "Deployment").values():
        assert "replicas" not in d["spec"], "an autoscaled Deployment must not pin replicas"
    for d in by_kind(rendered["dev"], "Deployment").values():
        assert d["spec"]["replicas"] == 1


def test_every_prod_pod_has_a_disruption_budget(rendered: dict[str, list[Obj]]) -> None:
    objects = rendered["prod"]
    pods = {
        name: d["spec"]["template"]["metadata"]["labels"]
        for name, d in by_kind(objects, "Deployment").items()
    }
    covered = []
    for pdb in by_kind(objects, "PodDisruptionBudget").values():
        selector = pdb["spec"]["selector"]["matchLabels"]
        matching = [name for name, labels in pods.items() if selector.items() <= labels.items()]
        assert len(matching) == 1, pdb["metadata"]["name"]
        covered += matching
    assert sorted(covered) == sorted(pods)


# -- network -------------------------------------------------------------------------------------


def _selected(policy: Obj, labels: dict[str, str]) -> bool:
    return policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()


def _egress_ports(policies: list[Obj], labels: dict[str, str]) -> set[int]:
    return {
        p["port"]
        for policy in policies
        if _selected(policy, labels) and "Egress" in policy["spec"]["policyTypes"]
        for rule in policy["spec"].get("egress", [])
        for p in rule["ports"]
    }


def test_network_policies_deny_by_default_and_allow_only_what_is_needed(
    rendered: dict[str, list[Obj]],
) -> None:
    for overlay in ("dev", "prod"):
        objects = rendered[overlay]
        policies = list(by_kind(objects, "NetworkPolicy").values())
        deny = by_kind(objects, "NetworkPolicy")["purna-default-deny"]["spec"]
        assert set(deny["policyTypes"]) == {"Ingress", "Egress"} and "ingress" not in deny
        for name, d in by_kind(objects, "Deployment").items():
            labels = d["spec"]["template"]["metadata"]["labels"]
            assert _selected(by_kind(objects, "NetworkPolicy")["purna-default-deny"], labels)
            egress = _egress_ports(policies, labels)
            expected = {53, 6379, 5432}
            if name.endswith("-api"):
                expected |= {443}  # the OIDC key set
            if name == "notification-worker":
                expected |= {443, 587, 465, 25}  # SMS/WhatsApp gateway and SMTP
            if name == f"{CONSOLE}-api":
                expected |= {8001, 8002, 8003, 8004}  # the services' APIs
            assert egress == expected, (overlay, name, egress)
            ingress = [
                rule
                for policy in policies
                if _selected(policy, labels) and "Ingress" in policy["spec"]["policyTypes"]
                for rule in policy["spec"].get("ingress", [])
            ]
            if name.endswith("-api"):
                port = d["spec"]["template"]["spec"]["containers"][0]["ports"][0]["containerPort"]
                assert {p["port"] for rule in ingress for p in rule["ports"]} == {port}
                sources = [
                    s["namespaceSelector"]["matchLabels"]
                    for r in ingress
                    for s in r["from"]
                    if "namespaceSelector" in s
                ]
                assert {"purna/ingress": "true"} in sources
                pods = [
                    s["podSelector"]["matchLabels"]
                    for r in ingress
                    for s in r["from"]
                    if "podSelector" in s
                ]
                if name != f"{CONSOLE}-api":  # every API admits the console, and only it
                    assert pods == [{"app.kubernetes.io/name": f"{CONSOLE}-api"}], name
            else:
                assert ingress == [], (overlay, name)


def test_the_dev_overlay_brings_redis_with_the_acl_users_and_postgres(
    rendered: dict[str, list[Obj]],
) -> None:
    from purna.deploy import compose_acl, dev_password, init_databases_sql

    assert not by_kind(rendered["prod"], "StatefulSet")  # production brings its own
    sets = by_kind(rendered["dev"], "StatefulSet")
    assert set(sets) == {"redis", "postgres"}
    config = by_kind(rendered["dev"], "ConfigMap")
    assert config["redis-users"]["data"]["users.acl"] == compose_acl()
    assert config["postgres-init"]["data"]["init-databases.sql"] == init_databases_sql()
    (redis,) = sets["redis"]["spec"]["template"]["spec"]["containers"]
    assert "--aclfile" in redis["args"]
    services = by_kind(rendered["dev"], "Service")
    assert services["redis"]["spec"]["ports"][0]["port"] == 6379
    assert services["postgres"]["spec"]["ports"][0]["port"] == 5432
    # the apps reach them with the passwords the dev Secrets hold
    config_map = config["purna-config"]["data"]
    assert config_map["REDIS_ADDRESS"] == "redis:6379"
    secrets = by_kind(rendered["dev"], "Secret")
    for service in SERVICES:
        data = secrets[f"purna-{service}"]["stringData"]
        assert data["redis-password"] == dev_password(service)
        assert data["database-url"].startswith(
            f"postgresql://{service}:{dev_password(service)}@postgres:5432/"
        )


def test_one_image_name_in_the_docs_compose_and_overlays(rendered: dict[str, list[Obj]]) -> None:
    guide = (DEPLOY / "README.md").read_text()
    built = set(re.findall(r"docker build -t (\S+) \.", guide))
    images = {
        overlay: {c["image"] for _, d in workloads({overlay: objs}) for c in containers(d)}
        for overlay, objs in rendered.items()
    }
    assert images["dev"] == {"purna:local"}
    (prod,) = images["prod"]
    assert built == {"purna:local", prod}, built
    compose = (DEPLOY.parent / "docker-compose.yml").read_text()
    assert set(re.findall(r"image: (purna\S*)", compose)) == {"purna:local"}
