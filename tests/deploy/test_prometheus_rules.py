"""The example alert rules (deploy/prometheus/alerts.yml) are valid and watch metrics the gateway really exports:
checked with Prometheus's own `promtool` when it is installed (Debian: `apt-get install prometheus`), and always by
reading the file against the gateway's /metrics output."""

from __future__ import annotations

import re
import shutil
import subprocess
from typing import Any

import pytest
import yaml
from fastapi import FastAPI
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.config import Settings
from api.main import create_app
from tests.support.paths import ROOT

RULES = ROOT / "deploy" / "prometheus" / "alerts.yml"
# What the issue asks to be alerted on, by the metric each rule must watch.
REQUIRED = {"xaso_rasa_up", "xaso_outbox_oldest_seconds", "xaso_dead_letters", "xaso_cases_overdue"}


def rules() -> list[dict[str, Any]]:
    document = yaml.safe_load(RULES.read_text(encoding="utf-8"))
    return [rule for group in document["groups"] for rule in group["rules"]]


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed (Debian package prometheus)")
def test_promtool_accepts_the_rules() -> None:
    done = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout + done.stderr


def test_every_rule_watches_an_exported_metric(settings: Settings) -> None:
    app: FastAPI = create_app(settings.model_copy(update={"metrics_token": SecretStr("t")}))
    with TestClient(app) as client:
        text = client.get("/metrics", headers={"Authorization": "Bearer t"}).text
    families = list(text_string_to_metric_families(text))
    # A family with no sample yet (no case open, no reply timed) is still declared: its name counts.
    exported = {sample.name for family in families for sample in family.samples} | {f.name for f in families}
    exported |= {f"{family.name}_bucket" for family in families if family.type == "histogram"}
    watched: set[str] = set()
    for rule in rules():
        assert rule["alert"] and rule["expr"] and rule["annotations"]["summary"]
        assert rule["labels"]["severity"] in {"critical", "warning", "info"}
        assert re.fullmatch(r"\d+[smh]", rule.get("for", "0s")), rule["alert"]
        names = set(re.findall(r"\b(xaso_[a-z_]+)\b", rule["expr"]))
        assert names <= exported, f"{rule['alert']} watches {names - exported}, which the gateway does not export"
        watched |= names
    assert watched >= REQUIRED
