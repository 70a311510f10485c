"""The deployment files under deploy/ parse and name things that exist in the project.

No database: nothing here uses the ``db`` fixture.
"""

from __future__ import annotations

import importlib
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from django.core.management import get_commands
from django.urls import Resolver404, resolve

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
COMPOSE = DEPLOY / "compose.yaml"
DOCKERFILE = DEPLOY / "Dockerfile"
K8S = DEPLOY / "k8s"
CITUS_SCRIPT = DEPLOY / "citus_distribute_townships.py"
YAML_FILES = sorted(DEPLOY.rglob("*.yaml")) + sorted(DEPLOY.rglob("*.yml"))

CELERY = ["celery", "-A", "platform_core.celery"]
EXPECTED_COMMANDS = {
    "migrate": ["python", "manage.py", "migrate_schemas", "--noinput"],
    "web": ["gunicorn", "platform_core.wsgi", "--bind", "0.0.0.0:8000"],
    "worker": [*CELERY, "worker"],
    "beat": [*CELERY, "beat"],
}


def load_all(path: Path) -> list:
    with path.open(encoding="utf-8") as handle:
        return [doc for doc in yaml.safe_load_all(handle) if doc is not None]


def compose() -> dict:
    return load_all(COMPOSE)[0]


def k8s_documents() -> list[dict]:
    return [doc for path in sorted(K8S.glob("*.yaml")) for doc in load_all(path)]


def containers(doc: dict) -> list[dict]:
    spec = doc.get("spec", {})
    pod = spec.get("template", {}).get("spec", {})
    return pod.get("containers", []) + pod.get("initContainers", [])


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text(encoding="utf-8"))
    result = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def command_words(command) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else [str(w) for w in command]


def all_commands() -> list[list[str]]:
    """Every command line of the Dockerfile (RUN, CMD), compose and the manifests."""
    found = []
    for keyword, rest in dockerfile_instructions():
        if keyword == "CMD":
            found.append(yaml.safe_load(rest))  # exec form is a JSON list
        elif keyword == "RUN":
            found += [shlex.split(part) for part in re.split(r"&&|;", rest)]
    for service in compose()["services"].values():
        if "command" in service:
            found.append(command_words(service["command"]))
    for doc in k8s_documents():
        for container in containers(doc):
            found.append(command_words(container.get("command", []) + container.get("args", [])))
    return found


# --- YAML -------------------------------------------------------------------------------


def test_there_are_yaml_files():
    assert COMPOSE in YAML_FILES
    assert len([p for p in YAML_FILES if p.parent == K8S]) >= 4


@pytest.mark.parametrize("path", YAML_FILES, ids=lambda p: str(p.relative_to(DEPLOY)))
def test_every_yaml_file_parses(path):
    assert load_all(path), f"{path} holds no YAML document"


# --- compose ----------------------------------------------------------------------------


def test_compose_has_the_six_services_with_their_commands():
    services = compose()["services"]
    assert set(services) >= {"postgres", "redis", "migrate", "web", "worker", "beat"}
    image = services["postgres"]["image"]
    assert image.startswith("postgres:") and int(re.match(r"\d+", image.split(":")[1])[0]) >= 16
    assert services["redis"]["image"].startswith("redis")
    for name, expected in EXPECTED_COMMANDS.items():
        command = command_words(services[name]["command"])
        assert command[: len(expected)] == expected, (name, command)


def test_compose_environment_and_dependencies():
    services = compose()["services"]
    for name in ("migrate", "web", "worker", "beat"):
        env = services[name]["environment"]
        for key in (
            "DATABASE_URL",
            "CELERY_BROKER_URL",
            "CACHE_URL",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "BASE_DOMAIN",
        ):
            assert env.get(key), (name, key)
        assert (
            env["DATABASE_URL"].startswith("postgresql://") and "@postgres:" in env["DATABASE_URL"]
        )
        assert env["CELERY_BROKER_URL"].startswith("redis://redis:")
        assert "${SECRET_KEY" in env["SECRET_KEY"], "the secret comes from the env file"
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
    assert services["migrate"]["restart"] == "no"


def test_compose_healthchecks():
    services = compose()["services"]
    assert "pg_isready" in " ".join(services["postgres"]["healthcheck"]["test"])
    assert services["redis"]["healthcheck"]["test"][1:] == ["redis-cli", "ping"]
    assert "/health/live" in " ".join(services["web"]["healthcheck"]["test"])


def test_compose_builds_the_dockerfile():
    web = compose()["services"]["web"]
    build = web["build"]
    assert (COMPOSE.parent / build["context"] / build["dockerfile"]).resolve() == DOCKERFILE


# --- Kubernetes -------------------------------------------------------------------------


def test_every_k8s_document_is_a_named_object():
    docs = k8s_documents()
    assert docs
    for doc in docs:
        assert doc.get("apiVersion") and doc.get("kind"), doc
        assert doc.get("metadata", {}).get("name"), doc


def test_expected_k8s_objects_exist():
    by_kind: dict[str, dict[str, dict]] = {}
    for doc in k8s_documents():
        by_kind.setdefault(doc["kind"], {})[doc["metadata"]["name"]] = doc
    assert {"ConfigMap", "Secret", "Deployment", "Service", "Job"} <= set(by_kind)
    deployments = by_kind["Deployment"]
    commands = {
        name: command_words(containers(doc)[0]["command"]) for name, doc in deployments.items()
    }
    for role in ("web", "worker", "beat"):
        matching = [
            name
            for name, cmd in commands.items()
            if cmd[: len(EXPECTED_COMMANDS[role])] == EXPECTED_COMMANDS[role]
        ]
        assert len(matching) == 1, (role, commands)
        if role == "beat":
            assert deployments[matching[0]]["spec"]["replicas"] == 1
    (job,) = by_kind["Job"].values()
    assert command_words(containers(job)[0]["command"]) == EXPECTED_COMMANDS["migrate"]
    web = deployments[next(n for n, c in commands.items() if c[0] == "gunicorn")]
    selector = web["spec"]["selector"]["matchLabels"]
    services = [s for s in by_kind["Service"].values() if s["spec"]["selector"] == selector]
    assert services, "a Service selects the web pods"
    secret = next(iter(by_kind["Secret"].values()))
    assert {"SECRET_KEY", "DATABASE_URL"} <= set(secret.get("stringData", secret.get("data")))


def test_probes_point_at_health_routes():
    probes = []
    for doc in k8s_documents():
        for container in containers(doc):
            for kind in ("livenessProbe", "readinessProbe"):
                if kind in container:
                    probes.append((kind, container[kind]["httpGet"]["path"]))
    assert ("livenessProbe", "/health/live") in probes
    assert ("readinessProbe", "/health/ready") in probes
    for _, path in probes:
        for urlconf in ("platform_core.urls_public", "platform_core.urls_tenant"):
            try:
                resolve(path, urlconf=urlconf)
            except Resolver404:
                pytest.fail(f"{path} is not a route of {urlconf}")


# --- Commands and modules named by the files ---------------------------------------------


def test_manage_py_commands_exist():
    known = get_commands()
    used = set()
    for words in all_commands():
        for index, word in enumerate(words[:-1]):
            if word.endswith("manage.py"):
                used.add(words[index + 1])
    assert {"migrate_schemas", "collectstatic"} <= used
    assert not used - set(known), f"unknown management commands: {used - set(known)}"


def test_celery_app_and_wsgi_module_are_importable():
    app_paths = set()
    wsgi_modules = set()
    for words in all_commands():
        if words and words[0] == "celery":
            app_paths.add(words[words.index("-A") + 1])
        if words and words[0] == "gunicorn":
            wsgi_modules.add(words[1])
    assert app_paths == {"platform_core.celery"}
    assert wsgi_modules == {"platform_core.wsgi"}
    from celery import Celery

    assert isinstance(importlib.import_module("platform_core.celery").app, Celery)
    spec = importlib.util.find_spec("platform_core.wsgi")
    assert spec is not None
    assert "application = get_wsgi_application()" in Path(spec.origin).read_text()


def test_dockerfile():
    instructions = dockerfile_instructions()
    keywords = [k for k, _ in instructions]
    assert instructions[0] == ("FROM", "python:3.11-slim")
    for keyword, rest in instructions:
        if keyword == "COPY":
            sources = shlex.split(rest)[:-1]
            assert sources and not any(s.startswith("--from") for s in sources)
            for source in sources:
                assert (ROOT / source).exists(), f"COPY {source}: no such file in the project"
    runs = " ".join(rest for k, rest in instructions if k == "RUN")
    assert "pip install -r requirements.lock" in runs
    assert "pip install --no-deps ." in runs
    assert runs.index("requirements.lock") < runs.index("--no-deps")
    env = " ".join(rest for k, rest in instructions if k == "ENV")
    assert "PLATFORM_MODE=production" in env
    user = [rest for k, rest in instructions if k == "USER"]
    assert user and user[-1].split(":")[0] not in {"root", "0"}
    assert keywords.index("USER") > max(i for i, k in enumerate(keywords) if k == "RUN")
    assert ("EXPOSE", "8000") in instructions
    cmd = yaml.safe_load(next(rest for k, rest in instructions if k == "CMD"))
    assert cmd == EXPECTED_COMMANDS["web"]


def test_collectstatic_target_is_settings_static_root():
    from django.conf import settings

    assert settings.STATIC_ROOT, "the Dockerfile runs collectstatic: STATIC_ROOT must be set"
    env = " ".join(rest for k, rest in dockerfile_instructions() if k == "ENV")
    assert "PLATFORM_DATA_DIR=/app/var" in env  # STATIC_ROOT = PLATFORM_DATA_DIR/static


# --- Citus script -----------------------------------------------------------------------


def load_citus_script():
    spec = importlib.util.spec_from_file_location("citus_distribute_townships", CITUS_SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def run_script(*args: str) -> subprocess.CompletedProcess:
    env = {"PATH": "/usr/bin:/bin"}  # no DATABASE_URL: must not touch a database
    return subprocess.run(
        [sys.executable, str(CITUS_SCRIPT), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=ROOT,
    )


def test_citus_script_help():
    result = run_script("--help")
    assert result.returncode == 0, result.stderr
    for option in ("--dry-run", "--codes", "--database-url", "--include-template"):
        assert option in result.stdout


def test_citus_statements_from_codes():
    script = load_citus_script()
    assert script.build_statements(["330502104", "330502103", "330502103"]) == [
        "SELECT citus_schema_distribute('t_330502103');",
        "SELECT citus_schema_distribute('t_330502104');",
    ]
    with_template = script.build_statements(["330502103"], template="township_template")
    assert with_template[-1] == "SELECT citus_schema_distribute('township_template');"
    assert script.build_statements([]) == []
    for bad in ("3305021", "33050210x", "330502103'; DROP SCHEMA public; --"):
        with pytest.raises(script.DistributeError, match="not valid"):
            script.build_statements([bad])


def test_citus_script_schema_names_match_onboarding():
    from django.conf import settings

    from platform_core.townships.services import schema_name_for

    script = load_citus_script()
    assert script.schema_for("330502103") == schema_name_for("330502103")
    assert script.DEFAULT_TEMPLATE_SCHEMA == settings.TENANT_TEMPLATE_SCHEMA


def test_citus_script_dry_run_prints_statements():
    result = run_script("--dry-run", "--codes", "330502103,330502104")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == [
        "SELECT citus_schema_distribute('t_330502103');",
        "SELECT citus_schema_distribute('t_330502104');",
    ]


def test_citus_script_clear_errors():
    bad = run_script("--dry-run", "--codes", "12345")
    assert bad.returncode == 2
    assert "not valid" in bad.stderr and "9 digits" in bad.stderr
    no_db = run_script()
    assert no_db.returncode == 2
    assert "DATABASE_URL" in no_db.stderr and "Traceback" not in no_db.stderr


def test_citus_script_finds_the_township_triggers_and_says_how_to_allow_them(township_a):
    """The trigger check runs on plain PostgreSQL: it lists the ledger and board guards of a
    real township schema, refuses while citus.enable_unsafe_triggers is off and says how."""
    from django.db import connection

    script = load_citus_script()
    with connection.cursor() as cursor:
        cursor.execute(script.SCHEMA_TRIGGERS, [[township_a.schema_name]])
        triggered = cursor.fetchall()
        cursor.execute(script.SCHEMA_TRIGGERS, [["t_000000000"]])
        assert cursor.fetchall() == []  # a schema that does not exist: nothing to check
    tables = {table for _, table, _ in triggered}
    assert {"scoring_scoreevent", "publication_honourboard", "households_household"} <= tables
    assert {schema for schema, _, _ in triggered} == {township_a.schema_name}

    problem = script.triggers_problem(False, triggered)
    first_schema, first_table, _ = triggered[0]
    assert f"{first_schema}.{first_table}" in problem and "more tables" in problem
    assert script.ENABLE_TRIGGERS in problem and "scale-out.md" in problem
    assert script.triggers_problem(True, triggered) == ""
    assert script.triggers_problem(False, []) == ""
