"""docs/prometheus-rules.yml: valid for promtool (when installed) and only about metrics aepx watch exports."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

RULES = Path(__file__).resolve().parents[2] / "docs" / "prometheus-rules.yml"


def test_the_rules_use_only_exported_metrics():
    from tui.core.models import Target
    from tui.monitor.metrics import WatchMetrics

    metrics = WatchMetrics()
    metrics.add_target(Target(profile="p", org_id="ORG@AdobeOrg", sandbox="prod", platform_url="http://x"))
    exported = set()
    for family in metrics.registry.collect():
        exported.update(sample.name for sample in family.samples)
        exported.add(family.name)
    used = set(re.findall(r"\baepx_[a-z_]+", RULES.read_text()))
    assert used and used <= exported, used - exported


@pytest.mark.skipif(shutil.which("promtool") is None, reason="promtool is not installed (Debian: prometheus)")
def test_promtool_check_rules_passes():
    done = subprocess.run(["promtool", "check", "rules", str(RULES)], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "SUCCESS" in done.stdout
