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
