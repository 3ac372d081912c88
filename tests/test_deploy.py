"""Offline checks of deploy/: Dockerfile, compose.yaml, Kubernetes manifests, systemd unit.

Nothing here needs a network or a Docker engine: compose.yaml is validated against the
Compose Specification schema (compose-spec/compose-spec, vendored by check-jsonschema),
the Kubernetes manifests against the schemas kubernetes-validate ships, and KEDA's
custom resources structurally. Every command a deploy file runs must parse with the
``newsflow`` CLI parser, and every queue it names must be a stage.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import dockerfile
import jsonschema
import kubernetes_validate
import pytest
import yaml

from schemas import STAGES
from tasks.subscribers import load_subscribers
from tasks.vocabulary import load_vocabulary
from workers.cli import build_parser
from workers.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
K8S = DEPLOY / "k8s"
DOCKERFILE = DEPLOY / "Dockerfile"
COMPOSE = DEPLOY / "compose.yaml"
SUBSCRIBERS = DEPLOY / "subscribers.example.toml"
UNIT = DEPLOY / "systemd" / "newsflow-worker@.service"
UNIT_ENV = DEPLOY / "systemd" / "newsflow.env.example"
KUBERNETES_VERSION = "1.30.0"
#: Kinds kubernetes-validate has no schema for, checked structurally below.
CUSTOM_KINDS = {
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("kustomize.config.k8s.io/v1beta1", "Kustomization"),
}


# --- loading ---------------------------------------------------------------------------------


@cache
def compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text("utf-8"))


def k8s_files() -> list[Path]:
    return sorted(K8S.glob("*.yaml"))


@cache
def k8s_documents() -> tuple[tuple[str, dict[str, Any]], ...]:
    """(file name, document) for every non-empty YAML document under deploy/k8s/."""
    return tuple(
        (path.name, doc)
        for path in k8s_files()
        for doc in yaml.safe_load_all(path.read_text("utf-8"))
        if doc
    )


def of_kind(kind: str, *, include_examples: bool = False) -> list[dict[str, Any]]:
    return [
        doc
        for name, doc in k8s_documents()
        if doc["kind"] == kind and (include_examples or ".example." not in name)
    ]


def by_name(kind: str, *, include_examples: bool = False) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in of_kind(kind, include_examples=include_examples)}


def worker_deployments() -> dict[str, dict[str, Any]]:
    """Stage Deployments, keyed by the queue their container consumes."""
    found: dict[str, dict[str, Any]] = {}
    for deployment in of_kind("Deployment"):
        (container, *_) = deployment["spec"]["template"]["spec"]["containers"]
        argv = container.get("command", [])
        if argv[:2] == ["newsflow", "worker"]:
            (queue,) = worker_queues(argv)
            assert queue not in found, f"two Deployments consume {queue}"
            found[queue] = deployment
    return found


def settings_from(env: Mapping[str, Any]) -> Settings:
    """The Settings a process would build from these NEWSFLOW_* variables."""
    fields: dict[str, Any] = {}
    for key, value in env.items():
        if not key.startswith("NEWSFLOW_"):
            continue
        field = key.removeprefix("NEWSFLOW_").lower()
        assert field in Settings.model_fields, f"{key} is not a newsflow setting"
        fields[field] = value
    return Settings(**fields)


def shutdown_window(settings: Settings) -> float:
    """A bound on a worker's shutdown: a running task may take up to its hard time limit,
    and a shutdown escalated to a cold one waits the soft shutdown timeout."""
    from workers.app import app

    soft = getattr(settings, "soft_shutdown_timeout", app.conf.worker_soft_shutdown_timeout)
    return settings.task_time_limit + float(soft or 0)


def test_shutdown_window_follows_the_settings() -> None:
    short = Settings.model_construct(task_time_limit=20, soft_shutdown_timeout=5)
    long = Settings.model_construct(task_time_limit=200, soft_shutdown_timeout=5)
    assert shutdown_window(long) - shutdown_window(short) == 180
    assert shutdown_window(short) >= 20


def parse_env_file(path: Path) -> dict[str, str]:
    env = {}
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def parse_unit(path: Path) -> dict[str, list[tuple[str, str]]]:
    """A systemd unit's sections as ordered (key, value) lists; keys may repeat."""
    sections: dict[str, list[tuple[str, str]]] = {}
    current = None
    for line in path.read_text("utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("[") and line.endswith("]"):
            current = sections.setdefault(line[1:-1], [])
            continue
        assert current is not None, f"{path.name}: {line!r} outside a section"
        key, sep, value = line.partition("=")
        assert sep, f"{path.name}: not a key=value line: {line!r}"
        current.append((key.strip(), value.strip()))
    return sections


def unit_value(section: list[tuple[str, str]], key: str) -> str:
    values = [value for k, value in section if k == key]
    assert values, f"{key}= missing"
    return values[-1]


def parse_duration(text: str | int | float) -> float:
    """Compose durations ("120s", "2m", "1m30s") and plain seconds."""
    if isinstance(text, int | float):
        return float(text)
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", text)
    assert parts and "".join(a + b for a, b in parts) == text, f"bad duration {text!r}"
    return sum(float(amount) * units[unit] for amount, unit in parts)


def quantity(text: str | int | float) -> float:
    """A Kubernetes quantity ("250m", "1", "512Mi") as a number."""
    suffixes = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "k": 1e3, "M": 1e6, "G": 1e9}
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([A-Za-z]*)", str(text))
    assert match and (match[2] in suffixes or not match[2]), f"bad quantity {text!r}"
    return float(match[1]) * suffixes.get(match[2], 1)


# --- the newsflow CLI ----------------------------------------------------------------------


def worker_queues(argv: list[str]) -> list[str]:
    args = build_parser().parse_args(argv[1:])
    return args.queues.split(",")


def subscriber_names() -> set[str]:
    return {subscriber.name for subscriber in load_subscribers(SUBSCRIBERS)}


def check_command(argv: list[str], where: str) -> None:
    """``argv`` must be a newsflow command the CLI accepts, naming real queues and
    subscribers, or ``celery -A workers.app`` for Flower."""
    assert argv, f"{where}: empty command"
    program = Path(argv[0]).name
    if program == "celery":
        assert argv[1:3] == ["-A", "workers.app"], f"{where}: {argv}"
        assert argv[3] in {"flower", "worker", "inspect"}, f"{where}: {argv}"
        return
    assert program == "newsflow", f"{where}: runs {argv[0]!r}, not newsflow"
    try:
        args = build_parser().parse_args(argv[1:])
    except SystemExit as exit_:
        pytest.fail(f"{where}: `{shlex.join(argv)}` is refused by the newsflow CLI ({exit_})")
    if args.command == "worker":
        for queue in args.queues.split(","):
            assert queue in STAGES, f"{where}: queue {queue!r} is not a stage {STAGES}"
    if args.command == "subscribe":
        assert args.name in subscriber_names(), f"{where}: no subscriber {args.name!r}"


def test_check_command_refuses_what_the_cli_refuses() -> None:
    with pytest.raises(pytest.fail.Exception):
        check_command(["newsflow", "no-such-command"], "test")
    with pytest.raises(AssertionError, match="not a stage"):
        check_command(["newsflow", "worker", "--queues", "ingest,resize"], "test")
    with pytest.raises(AssertionError, match="no subscriber"):
        check_command(["newsflow", "subscribe", "nobody", "--json"], "test")
    check_command(["newsflow", "worker", "--queues", "ingest,tag"], "test")


# --- Dockerfile ----------------------------------------------------------------------------


#: Every Dockerfile instruction BuildKit knows (the parser below accepts any word).
DOCKERFILE_INSTRUCTIONS = {
    "ADD", "ARG", "CMD", "COPY", "ENTRYPOINT", "ENV", "EXPOSE", "FROM", "HEALTHCHECK", "LABEL",
    "MAINTAINER", "ONBUILD", "RUN", "SHELL", "STOPSIGNAL", "USER", "VOLUME", "WORKDIR",
}  # fmt: skip


def dockerfile_stages() -> list[dict[str, Any]]:
    """Each stage: base image (ARG defaults substituted), name and (instruction, command)
    pairs, as parsed by BuildKit's own Dockerfile parser (the ``dockerfile`` package)."""
    args: dict[str, str] = {}
    stages: list[dict[str, Any]] = []
    for command in dockerfile.parse_file(str(DOCKERFILE)):
        keyword = command.cmd.upper()
        assert keyword in DOCKERFILE_INSTRUCTIONS, f"line {command.start_line}: {keyword}"
        if keyword == "ARG" and not stages:
            name, _, default = command.value[0].partition("=")
            args[name] = default
        elif keyword == "FROM":
            words = command.value
            image = re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: args[m[1] or m[2]], words[0])
            name = words[2] if len(words) == 3 and words[1].upper() == "AS" else None
            stages.append({"from": image, "name": name, "instructions": []})
        else:
            assert stages, f"line {command.start_line}: {keyword} before FROM"
            stages[-1]["instructions"].append((keyword, command))
    return stages


def stage_value(stage: dict[str, Any], keyword: str) -> Any:
    """The stage's last ``keyword`` instruction (a ``dockerfile.Command``), or None."""
    values = [command for k, command in stage["instructions"] if k == keyword]
    return values[-1] if values else None


def inherited(stage: dict[str, Any], stages: list[dict[str, Any]]) -> list[Any]:
    """The stage's instructions preceded by those of the stages it is built FROM."""
    parents = {s["name"]: s for s in stages}
    parent = parents.get(stage["from"])
    return (inherited(parent, stages) if parent else []) + stage["instructions"]


def test_dockerfile_is_slim_non_root_and_runs_a_worker() -> None:
    stages = dockerfile_stages()
    names = {stage["name"] for stage in stages}
    for stage in stages:
        assert stage["from"] == "python:3.11-slim" or stage["from"] in names, stage["from"]
    final = stages[-1]
    assert final["name"] == "worker", "the default target must be the worker"
    with_cmd = [stage for stage in stages if stage_value(stage, "CMD") is not None]
    assert final in with_cmd
    for stage in with_cmd:
        cmd = stage_value(stage, "CMD")
        assert cmd.json, f"stage {stage['name']}: CMD in shell form would not get SIGTERM"
        user = stage_value(stage, "USER")
        assert user is not None, f"stage {stage['name']} runs as root"
        assert user.value[0].split(":")[0] not in {"root", "0"}, f"stage {stage['name']}: root"
        check_command(list(cmd.value), f"Dockerfile stage {stage['name']}")
        workdirs = [c.value[0] for k, c in inherited(stage, stages) if k == "WORKDIR"]
        assert workdirs and not workdirs[-1].startswith("/tmp"), "sys.path must not be writable"
    assert list(stage_value(final, "CMD").value) == ["newsflow", "worker"]
    installs = [
        command
        for stage in stages
        for keyword, command in stage["instructions"]
        if keyword == "RUN" and re.search(r"\bpip install \.(\s|$)", " ".join(command.value))
    ]
    assert installs, "no stage runs `pip install .`"
    copied_from = {
        flag.removeprefix("--from=")
        for keyword, command in final["instructions"]
        for flag in command.flags
        if keyword == "COPY" and flag.startswith("--from=")
    }
    assert copied_from, "the worker stage copies nothing built"
    assert copied_from <= names, copied_from


def dockerignore_patterns() -> list[str]:
    lines = (ROOT / ".dockerignore").read_text("utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def ignored(relative: str, patterns: list[str]) -> bool:
    """Whether .dockerignore keeps ``relative`` (or a folder above it) out of the context."""
    parts = relative.split("/")
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in patterns:
        assert not pattern.startswith("!"), "exceptions are not handled by this check"
        bare = pattern.removeprefix("**/")
        for candidate in candidates:
            if fnmatch.fnmatchcase(candidate, pattern):
                return True
            if pattern.startswith("**/") and any(
                fnmatch.fnmatchcase("/".join(parts[i : candidates.index(candidate) + 1]), bare)
                for i in range(candidates.index(candidate) + 1)
            ):
                return True
    return False


def test_dockerignore_matching() -> None:
    patterns = ["**/__pycache__", ".venv", "tests", "*.egg-info"]
    assert ignored("tasks/__pycache__/x.pyc", patterns)
    assert ignored("__pycache__", patterns)
    assert ignored(".venv/bin/python", patterns)
    assert ignored("newsflow.egg-info/PKG-INFO", patterns)
    assert not ignored("tasks/stage.py", patterns)
    assert not ignored("workers/tests.py", patterns)


def test_docker_build_context_holds_what_pip_install_needs() -> None:
    """What the Dockerfile COPYs, minus .dockerignore, must be enough for `pip install .`."""
    patterns = dockerignore_patterns()
    copied: set[str] = set()
    for stage in dockerfile_stages():
        for keyword, command in stage["instructions"]:
            if keyword not in {"COPY", "ADD"} or any(
                f.startswith("--from=") for f in command.flags
            ):
                continue
            *sources, _ = command.value
            for source in sources:
                path = ROOT / source
                assert path.exists(), f"COPY {source}: not in the repository"
                files = [path] if path.is_file() else [p for p in path.rglob("*") if p.is_file()]
                for file in files:
                    relative = file.relative_to(ROOT).as_posix()
                    if not ignored(relative, patterns):
                        copied.add(relative)
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    assert "pyproject.toml" in copied
    readme = project["project"].get("readme")
    if isinstance(readme, str):
        assert readme in copied, f"pyproject's readme {readme} is not in the build context"
    setuptools = project["tool"]["setuptools"]
    includes = setuptools["packages"]["find"]["include"]
    packages = [
        path.parent.relative_to(ROOT).as_posix().replace("/", ".")
        for path in ROOT.glob("**/__init__.py")
        if ".venv" not in path.parts
        and any(fnmatch.fnmatchcase(path.parent.relative_to(ROOT).as_posix(), p) for p in includes)
    ]
    assert packages
    for package in packages:
        init = package.replace(".", "/") + "/__init__.py"
        assert init in copied, f"package {package} is not copied into the image"
    for package, globs in setuptools.get("package-data", {}).items():
        folder = package.replace(".", "/")
        for glob in globs:
            matching = [p.relative_to(ROOT).as_posix() for p in (ROOT / folder).glob(glob)]
            assert all(m in copied for m in matching), f"{folder}/{glob} not all copied"
    assert not any(p.startswith((".venv/", ".git/", "tests/")) for p in copied)


# --- compose.yaml ----------------------------------------------------------------------------


@cache
def compose_schema() -> dict[str, Any]:
    """The Compose Specification's JSON schema, as check-jsonschema vendors it from the
    compose-spec/compose-spec repository (licence file alongside)."""
    vendor = resources.files("check_jsonschema.builtin_schemas").joinpath("vendor")
    assert vendor.joinpath("licenses/LICENSE.compose-spec").is_file()
    schema = json.loads(vendor.joinpath("compose-spec.json").read_text("utf-8"))
    assert schema["title"] == "Compose Specification"
    return schema


def compose_errors(document: Any) -> list[str]:
    schema = compose_schema()
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    validator = validator_class(schema, format_checker=validator_class.FORMAT_CHECKER)
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in validator.iter_errors(document)
    ]


def test_compose_matches_the_compose_specification() -> None:
    assert compose_errors(compose()) == []


def test_compose_schema_catches_mistakes() -> None:
    broken = copy.deepcopy(compose())
    broken["services"]["tag"]["stop_grace_perod"] = "120s"
    assert compose_errors(broken)
    broken = copy.deepcopy(compose())
    broken["services"]["redis"]["volumes"] = "redis-data:/data"
    assert compose_errors(broken)


def newsflow_services() -> dict[str, dict[str, Any]]:
    return {name: s for name, s in compose()["services"].items() if "build" in s}


def test_compose_has_one_scalable_worker_service_per_stage() -> None:
    services = compose()["services"]
    workers = {
        name: service
        for name, service in services.items()
        if service.get("command", [])[:2] == ["newsflow", "worker"]
    }
    assert sorted(workers) == sorted(STAGES)
    for name, service in workers.items():
        assert worker_queues(service["command"]) == [name], f"{name} consumes another queue"
        assert "container_name" not in service, f"{name} cannot scale with a container_name"
        assert "ports" not in service, f"{name} cannot scale with published ports"
        assert service.get("stop_signal", "SIGTERM") == "SIGTERM"
        grace = parse_duration(service["stop_grace_period"])
        window = shutdown_window(settings_from(service["environment"]))
        assert grace > window, f"{name}: stop_grace_period {grace}s <= shutdown window {window}s"
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"


def test_compose_redis_persists_to_a_volume() -> None:
    redis = compose()["services"]["redis"]
    command = redis["command"]
    assert command[0] == "redis-server"
    assert command[command.index("--appendonly") + 1] == "yes"
    assert command[command.index("--maxmemory-policy") + 1] == "noeviction"
    volumes = [v.split(":") for v in redis["volumes"]]
    assert [source for source, target in volumes if target == "/data"] == ["redis-data"]
    assert "redis-data" in compose()["volumes"]


def test_compose_services_build_the_image_and_share_valid_settings() -> None:
    stage_names = {stage["name"] for stage in dockerfile_stages()}
    services = newsflow_services()
    assert set(STAGES) < set(services)
    subscribers_file = None
    for name, service in services.items():
        build = service["build"]
        assert (DEPLOY / build["context"]).resolve() == ROOT, name
        assert (ROOT / build["dockerfile"]).resolve() == DOCKERFILE, name
        assert build.get("target", "worker") in stage_names, name
        settings = settings_from(service["environment"])
        assert settings.redis_url == "redis://redis:6379/0"
        assert settings.subscribers_file is not None
        subscribers_file = settings.subscribers_file
        mounts = {
            v["target"]: (DEPLOY / v["source"]).resolve()
            for v in service["volumes"]
            if isinstance(v, dict) and v["type"] == "bind"
        }
        assert mounts.get(str(subscribers_file)) == SUBSCRIBERS, name
        check_command(service["command"], f"compose service {name}")
    assert subscribers_file is not None


def test_compose_runs_flower_and_an_example_subscriber() -> None:
    services = compose()["services"]
    flower = services["flower"]
    assert flower["command"] == ["celery", "-A", "workers.app", "flower", "--port=5555"]
    assert flower["build"]["target"] == "flower"
    subscribers = [
        s["command"]
        for s in services.values()
        if s.get("command", [])[:2] == ["newsflow", "subscribe"]
    ]
    assert subscribers, "no example subscriber service"
    for argv in subscribers:
        assert "--json" in argv
        check_command(argv, "compose subscriber")


# --- subscribers -----------------------------------------------------------------------------


def test_example_subscribers_load_and_name_real_topics() -> None:
    subscribers = load_subscribers(SUBSCRIBERS)
    assert len(subscribers) >= 2
    vocabulary = load_vocabulary()
    for subscriber in subscribers:
        for topic in subscriber.filter.topics:
            assert topic in vocabulary.labels, f"{subscriber.name}: unknown topic {topic}"


def test_k8s_subscribers_configmap_is_the_example_file() -> None:
    (configmap,) = [c for c in of_kind("ConfigMap") if "subscribers.toml" in c["data"]]
    assert configmap["data"]["subscribers.toml"].strip() == SUBSCRIBERS.read_text("utf-8").strip()


# --- Kubernetes --------------------------------------------------------------------------------


def test_k8s_manifests_match_the_kubernetes_schemas() -> None:
    checked = 0
    for name, doc in k8s_documents():
        if (doc["apiVersion"], doc["kind"]) in CUSTOM_KINDS:
            continue
        try:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)
        except kubernetes_validate.ValidationError as error:
            path = ".".join(map(str, error.path))
            pytest.fail(f"{name}: {doc['kind']}/{doc['metadata']['name']}: {path}: {error.message}")
        checked += 1
    kinds = {doc["kind"] for _, doc in k8s_documents()}
    assert {"Deployment", "PodDisruptionBudget", "ConfigMap", "Secret", "StatefulSet"} <= kinds
    assert checked >= 15


def test_k8s_validation_catches_mistakes() -> None:
    deployment = copy.deepcopy(worker_deployments()["tag"])
    deployment["spec"]["template"]["spec"]["terminationGracePeriod"] = 120
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)
    deployment = copy.deepcopy(worker_deployments()["tag"])
    deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"] = "1Gi"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(deployment, KUBERNETES_VERSION, strict=True)


def test_kustomization_lists_every_manifest() -> None:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text("utf-8"))
    assert kustomization["kind"] == "Kustomization"
    expected = {
        p.name for p in k8s_files() if p.name != "kustomization.yaml" and ".example." not in p.name
    }
    assert sorted(kustomization["resources"]) == sorted(expected)
    images = {image["name"] for image in kustomization.get("images", [])}
    used = {
        container["image"].split(":")[0]
        for deployment in of_kind("Deployment")
        for container in deployment["spec"]["template"]["spec"]["containers"]
    }
    assert used <= images


def configmap_settings() -> Settings:
    (config,) = [
        c for c in of_kind("ConfigMap") if any(k.startswith("NEWSFLOW_") for k in c["data"])
    ]
    assert "NEWSFLOW_REDIS_URL" not in config["data"], "the Redis URL belongs in the Secret"
    return settings_from(config["data"])


def pod_spec(workload: dict[str, Any]) -> dict[str, Any]:
    return workload["spec"]["template"]["spec"]


def test_k8s_one_deployment_per_stage() -> None:
    deployments = worker_deployments()
    assert sorted(deployments) == sorted(STAGES)
    window = shutdown_window(configmap_settings())
    configmaps = by_name("ConfigMap")
    secrets = by_name("Secret", include_examples=True)
    for stage, deployment in deployments.items():
        name = deployment["metadata"]["name"]
        assert name == f"newsflow-{stage}"
        assert "replicas" not in deployment["spec"], f"{name}: replicas belong to KEDA"
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        selector = deployment["spec"]["selector"]["matchLabels"]
        assert selector.items() <= labels.items(), name
        spec = pod_spec(deployment)
        assert spec["terminationGracePeriodSeconds"] > window, f"{name}: grace <= {window}s"
        assert spec["securityContext"]["runAsNonRoot"] is True, name
        assert spec["securityContext"]["runAsUser"] != 0, name
        (container,) = spec["containers"]
        check_command(container["command"], f"k8s {name}")
        security = container["securityContext"]
        assert security["allowPrivilegeEscalation"] is False, name
        assert security["capabilities"]["drop"] == ["ALL"], name
        for kind in ("requests", "limits"):
            assert {"cpu", "memory"} <= container["resources"][kind].keys(), f"{name} {kind}"
        for resource in ("cpu", "memory"):
            request = quantity(container["resources"]["requests"][resource])
            assert request <= quantity(container["resources"]["limits"][resource]), name
        for probe in ("livenessProbe", "readinessProbe"):
            assert container[probe]["exec"]["command"][:2] == ["newsflow", "health"], name
        for source in container["envFrom"]:
            assert source["configMapRef"]["name"] in configmaps, name
        env = {e["name"]: e for e in container["env"]}
        ref = env["NEWSFLOW_REDIS_URL"]["valueFrom"]["secretKeyRef"]
        assert ref["key"] in secrets[ref["name"]]["stringData"], name
        for volume in spec["volumes"]:
            if "configMap" in volume:
                assert volume["configMap"]["name"] in configmaps, name
        mounts = {m["mountPath"] for m in container["volumeMounts"]}
        assert str(configmap_settings().subscribers_file.parent) in mounts, name


def test_k8s_keda_scales_each_stage_on_its_queue() -> None:
    deployments = {d["metadata"]["name"]: d for d in of_kind("Deployment")}
    queue_of = {d["metadata"]["name"]: q for q, d in worker_deployments().items()}
    scaled = of_kind("ScaledObject")
    assert len(scaled) == len(STAGES)
    targets = set()
    for scaled_object in scaled:
        assert scaled_object["apiVersion"] == "keda.sh/v1alpha1"
        spec = scaled_object["spec"]
        target = spec["scaleTargetRef"]
        assert target.get("kind", "Deployment") == "Deployment"
        assert target["name"] in deployments, f"no Deployment {target['name']}"
        targets.add(target["name"])
        assert 1 <= spec["minReplicaCount"] <= spec["maxReplicaCount"]
        (container,) = pod_spec(deployments[target["name"]])["containers"]
        env = {e["name"] for e in container["env"]}
        (trigger,) = spec["triggers"]
        assert trigger["type"] == "redis"
        metadata = trigger["metadata"]
        assert metadata["listName"] in STAGES
        assert metadata["listName"] == queue_of[target["name"]], "scaled on another queue"
        assert int(metadata["listLength"]) > 0
        assert all(isinstance(value, str) for value in metadata.values()), "metadata are strings"
        for key in ("addressFromEnv", "passwordFromEnv"):
            assert metadata[key] in env, f"{key}: {metadata[key]} is not in the container"
        assert "address" in metadata or "addressFromEnv" in metadata or "host" in metadata
    assert targets == set(queue_of)


def test_k8s_disruption_budgets_cover_every_stage() -> None:
    budgets = of_kind("PodDisruptionBudget")
    for stage, deployment in worker_deployments().items():
        labels = deployment["spec"]["template"]["metadata"]["labels"]
        covering = [
            b for b in budgets if b["spec"]["selector"]["matchLabels"].items() <= labels.items()
        ]
        assert len(covering) == 1, f"{stage}: {len(covering)} budgets"
        spec = covering[0]["spec"]
        assert spec.get("maxUnavailable", 0) >= 1 or "minAvailable" in spec


def test_k8s_services_select_pods_and_redis_persists() -> None:
    pods = [
        workload["spec"]["template"]["metadata"]["labels"]
        for workload in of_kind("Deployment") + of_kind("StatefulSet")
    ]
    for service in of_kind("Service"):
        selector = service["spec"]["selector"]
        assert any(selector.items() <= labels.items() for labels in pods), service["metadata"]
    (redis,) = of_kind("StatefulSet")
    (container,) = pod_spec(redis)["containers"]
    args = container["args"]
    assert args[args.index("--appendonly") + 1] == "yes"
    assert args[args.index("--maxmemory-policy") + 1] == "noeviction"
    data = args[args.index("--dir") + 1]
    claims = {claim["metadata"]["name"] for claim in redis["spec"]["volumeClaimTemplates"]}
    assert any(m["mountPath"] == data and m["name"] in claims for m in container["volumeMounts"])
    assert pod_spec(redis)["securityContext"]["runAsNonRoot"] is True
    secret = by_name("Secret", include_examples=True)["newsflow-redis"]["stringData"]
    assert secret["address"] == f"{redis['spec']['serviceName']}:6379"
    assert settings_from({"NEWSFLOW_REDIS_URL": secret["url"]}).redis_url.startswith("redis://")


# --- the thumbnail stage's media directory ----------------------------------------------------


def media_dir(env: Mapping[str, Any]) -> Path:
    path = Path(settings_from(env).media_dir)
    assert path.is_absolute(), f"NEWSFLOW_MEDIA_DIR {path} depends on the working directory"
    return path


def test_thumbnail_workers_can_write_the_media_dir() -> None:
    """Renditions go to NEWSFLOW_MEDIA_DIR: a writable, shared volume wherever the root
    filesystem is read-only, created for the image's unprivileged user."""
    # compose: a named volume, shared by every thumbnail container
    service = compose()["services"]["thumbnail"]
    target = str(media_dir(service["environment"]))
    (mount,) = [v for v in service["volumes"] if isinstance(v, dict) and v["target"] == target]
    assert mount["type"] == "volume" and not mount.get("read_only", False)
    assert mount["source"] in compose()["volumes"]
    # Dockerfile: the directory exists, owned by the user, so a new volume inherits it
    runs = " ".join(
        " ".join(command.value)
        for stage in dockerfile_stages()
        for keyword, command in stage["instructions"]
        if keyword == "RUN"
    )
    assert re.search(rf"install -d -o newsflow -g newsflow( -m \d+)? {re.escape(target)}", runs)
    # Kubernetes: the thumbnail pods mount a ReadWriteMany claim there, group-writable
    deployment = worker_deployments()["thumbnail"]
    spec = pod_spec(deployment)
    (container,) = spec["containers"]
    (mount,) = [m for m in container["volumeMounts"] if m["mountPath"] == str(media_dir_k8s())]
    assert not mount.get("readOnly", False)
    (volume,) = [v for v in spec["volumes"] if v["name"] == mount["name"]]
    claim = by_name("PersistentVolumeClaim")[volume["persistentVolumeClaim"]["claimName"]]
    assert claim["spec"]["accessModes"] == ["ReadWriteMany"], "thumbnail pods share it"
    assert spec["securityContext"]["fsGroup"] == spec["securityContext"]["runAsGroup"]
    # systemd: ProtectSystem=strict leaves only the StateDirectory writable
    service_section = parse_unit(UNIT)["Service"]
    state = Path("/var/lib") / unit_value(service_section, "StateDirectory")
    assert media_dir(parse_env_file(UNIT_ENV)).is_relative_to(state)


def media_dir_k8s() -> Path:
    (config,) = [c for c in of_kind("ConfigMap") if "NEWSFLOW_MEDIA_DIR" in c["data"]]
    return media_dir(config["data"])


# --- health probes -----------------------------------------------------------------------------


def probe_commands() -> Iterator[tuple[str, list[str]]]:
    """Every health probe of a newsflow container: compose healthchecks, Kubernetes exec
    probes (Flower's are HTTP, Redis's are redis-cli in a StatefulSet)."""
    for name, service in newsflow_services().items():
        test = service.get("healthcheck", {}).get("test")
        if test:
            assert test[0] == "CMD", f"compose {name}: a healthcheck in shell form"
            yield f"compose {name}", test[1:]
    for deployment in of_kind("Deployment"):
        for container in pod_spec(deployment)["containers"]:
            for probe in ("livenessProbe", "readinessProbe"):
                command = container.get(probe, {}).get("exec", {}).get("command")
                if command:
                    yield f"k8s {deployment['metadata']['name']} {probe}", command


def test_health_probes_check_the_containers_own_worker() -> None:
    """Each worker's probes are ``newsflow health`` for a worker of its own host;
    tests/test_operations.py runs them against a real worker."""
    probes = list(probe_commands())
    assert len(probes) >= 2 * len(STAGES) + len(STAGES)
    for where, argv in probes:
        check_command(argv, where)
        args = build_parser().parse_args(argv[1:])
        assert args.command == "health", f"{where}: {argv}"
        assert args.worker.endswith("@%h"), f"{where}: not this container's worker"


# --- systemd -----------------------------------------------------------------------------------


def test_systemd_unit_runs_one_queue_per_instance() -> None:
    unit = parse_unit(UNIT)
    service = unit["Service"]
    argv = shlex.split(unit_value(service, "ExecStart"))
    assert argv[argv.index("--queues") + 1] == "%i"
    for stage in STAGES:
        instance = [word.replace("%i", stage).replace("%H", "host") for word in argv]
        check_command(instance, f"{UNIT.name} instance {stage}")
        assert worker_queues(instance) == [stage]
    assert unit_value(service, "EnvironmentFile") == "/etc/newsflow/newsflow.env"
    assert unit_value(service, "Restart") == "always"
    assert unit_value(service, "KillSignal") == "SIGTERM"
    assert unit_value(service, "KillMode") == "mixed", "pool children must not get SIGTERM"
    window = shutdown_window(settings_from(parse_env_file(UNIT_ENV)))
    assert parse_duration(unit_value(service, "TimeoutStopSec") + "s") > window
    assert unit_value(service, "User") not in {"root", "0"}
    for key, value in {
        "NoNewPrivileges": "yes",
        "ProtectSystem": "strict",
        "ProtectHome": "yes",
        "PrivateTmp": "yes",
        "PrivateDevices": "yes",
        "RestrictSUIDSGID": "yes",
        "CapabilityBoundingSet": "",
    }.items():
        assert unit_value(service, key) == value, key
    assert unit_value(unit["Install"], "WantedBy") == "multi-user.target"


def test_systemd_env_example_is_valid_configuration() -> None:
    env = parse_env_file(UNIT_ENV)
    assert "NEWSFLOW_REDIS_URL" in env
    settings = settings_from(env)
    assert settings.task_soft_time_limit < settings.task_time_limit < settings.visibility_timeout


@pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze is absent")
def test_systemd_analyze_verifies_the_unit(tmp_path: Path) -> None:
    """systemd's own parser: unknown keys and bad values are warnings, which must be none."""
    text = UNIT.read_text("utf-8")
    executable = shlex.split(unit_value(parse_unit(UNIT)["Service"], "ExecStart"))[0]
    newsflow = Path(sys.executable).with_name("newsflow")
    assert newsflow.exists()
    env = tmp_path / "newsflow.env"
    env.write_text(UNIT_ENV.read_text("utf-8"))
    text = text.replace(executable, str(newsflow)).replace("/etc/newsflow/newsflow.env", str(env))
    (tmp_path / UNIT.name).write_text(text)
    result = subprocess.run(
        ["systemd-analyze", "verify", "--man=no", str(tmp_path / "newsflow-worker@ingest.service")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    about_unit = [line for line in result.stderr.splitlines() if "newsflow-worker@" in line]
    assert result.returncode == 0, result.stderr
    assert about_unit == [], "\n".join(about_unit)


# --- the README's recipes ----------------------------------------------------------------------


def test_deploy_readme_commands_exist() -> None:
    text = (DEPLOY / "README.md").read_text("utf-8")
    blocks = re.findall(r"```(?:sh|ini)\n(.*?)```", text, flags=re.S)
    assert blocks
    found = 0
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            words = shlex.split(line, comments=True)
            for i, word in enumerate(words):
                # A command: first on the line, or after a compose service (`run SERVICE ...`).
                program = word.rsplit("=", 1)[-1]
                starts = i == 0 or words[i - 1] in compose()["services"]
                if starts and Path(program).name == "newsflow":
                    argv = [program]
                    for rest in words[i + 1 :]:
                        if rest in {"<", ">", "|", "&&", ";"}:
                            break
                        argv.append(rest.replace("%H", "host"))
                    check_command(argv, f"deploy/README.md: {line.strip()}")
                    found += 1
            if "--scale" in words:
                for spec in words[words.index("--scale") + 1 :: 2]:
                    assert spec.split("=")[0] in STAGES, line
    assert found >= 2
