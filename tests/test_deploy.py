"""deploy/ stays in step with the code: every setting it names exists, every command it runs is
a real subcommand, every path it copies is in the repository. (No Docker engine runs here.)"""

from __future__ import annotations

import re
import shlex

import pytest

from bot.cli import build_parser
from bot.config import Settings
from tests.conftest import ROOT

DEPLOY = ROOT / "deploy"
FILES = [".env.example", "Dockerfile", "compose.yaml", "talks-bot.service"]


@pytest.mark.parametrize("name", FILES)
def test_settings_named_in_deploy_files_exist(name: str) -> None:
    text = (DEPLOY / name).read_text()
    fields = {f"TALKS_{f.upper()}" for f in Settings.model_fields}
    named = set(re.findall(r"\bTALKS_[A-Z_]+\b", text)) - {"TALKS_COMMAND"}  # compose's own
    assert named, f"{name} names no settings"
    assert named <= fields, f"unknown settings in {name}: {sorted(named - fields)}"


def test_commands_run_by_deploy_files_exist() -> None:
    subcommands = set(build_parser()._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    unit = (DEPLOY / "talks-bot.service").read_text()
    runs = re.findall(r'"talks-bot", "(\w+)"', dockerfile)
    runs += [shlex.split(line)[0] for line in re.findall(r"/talks-bot (\w.*)", unit)]
    assert {"run", "health"} <= set(runs)
    assert set(runs) <= subcommands


def test_dockerfile_copies_what_exists() -> None:
    dockerfile = (DEPLOY / "Dockerfile").read_text()
    for line in dockerfile.splitlines():
        if line.startswith("COPY ") and "--from" not in line:
            *sources, _ = line.split()[1:]
            for source in sources:
                assert (ROOT / source).exists(), source


def test_the_systemd_unit_agrees_with_itself() -> None:
    """Its user exists (a dynamic one), its state directory is where the store and the working
    directory are, and the paths its comment tells to install to are the ones it runs."""
    unit = (DEPLOY / "talks-bot.service").read_text()
    settings = dict(
        line.split("=", 1) for line in unit.splitlines() if re.match(r"^[A-Z]\w+=", line)
    )
    assert settings["DynamicUser"] == "yes"
    assert "User" not in settings, "a named user would have to be created first"
    state = f"/var/lib/{settings['StateDirectory']}"
    assert settings["WorkingDirectory"] == state
    assert f"TALKS_DATABASE_URL=sqlite:///{state}/" in unit
    exe = settings["ExecStart"].split()[0]
    venv = exe.removesuffix("/bin/talks-bot")
    assert f"python3 -m venv {venv}" in unit
    assert f"{venv}/bin/pip install" in unit
    assert settings["EnvironmentFile"] == "/etc/talks-bot/env"
    assert settings["EnvironmentFile"] in unit.split("[Unit]")[0], "the comment names it"


def test_the_replicas_profile_wires_postgres_replicas_and_the_proxy() -> None:
    yaml = pytest.importorskip("yaml")
    services = yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]
    replica = services["replica"]
    assert replica["command"] == "talks-bot run --webhook"
    assert replica["deploy"]["replicas"] >= 3
    assert replica["depends_on"]["postgres"]["condition"] == "service_healthy"
    env = replica["environment"]
    assert env["TALKS_DATABASE_URL"].startswith("postgresql+psycopg://")
    assert "TALKS_WEBHOOK_SECRET" in env, "one secret shared by every replica"
    assert "pg_isready" in services["postgres"]["healthcheck"]["test"]
    caddy = (DEPLOY / "Caddyfile").read_text()
    path = Settings.model_fields["webhook_path"].default
    assert f"handle /{path}*" in caddy
    assert f"dynamic a replica {env['TALKS_WEBHOOK_PORT']}" in caddy
    assert "./Caddyfile:/etc/caddy/Caddyfile:ro" in services["proxy"]["volumes"]
    assert '".[postgres]"' in (DEPLOY / "Dockerfile").read_text(), "the image speaks PostgreSQL"
