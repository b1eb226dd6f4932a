"""The command-line runner (run.py): labels, profiles, engines, partial answers, the report directory."""

import json
import subprocess
import sys

import pytest

import runner

REFERENCE = "%s conformance/reference/adapter.py" % runner.PYTHON


def run(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "conformance.run", *args], cwd=runner.REPO_ROOT,
                          capture_output=True, text=True, timeout=timeout)


def results(directory):
    return json.loads((directory / "results.json").read_text())["implementations"]


def test_two_implementations_with_one_label_are_refused():
    done = run("--impl", REFERENCE, "--impl", REFERENCE)
    assert done.returncode == 2 and "give each its own --label" in done.stderr


def test_labels_name_implementations(tmp_path):
    done = run("--impl", REFERENCE, "--label", "model-a", "--impl", REFERENCE, "--label", "model-b",
               "--op", "token", "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    assert [i["label"] for i in results(tmp_path)] == ["model-a", "model-b"]
    assert "== model-a:" in done.stdout and "== model-b:" in done.stdout


def test_a_label_needs_an_impl_before_it():
    done = run("--label", "x", "--impl", REFERENCE)
    assert done.returncode == 2 and "give --impl first" in done.stderr


def test_reports_are_never_written_into_the_source_tree():
    done = run("--impl", REFERENCE, "--op", "token", "--out", "conformance/report")
    assert done.returncode == 2 and "inside the source tree" in done.stderr
    assert not (runner.CONFORMANCE_DIR / "report").exists()


@pytest.mark.parametrize("profile", ["fetch", "corshdr", "all"])
def test_the_profile_selects_the_vectors(profile, tmp_path):
    done = run("--impl", REFERENCE, "--profile", profile, "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout[-2000:]
    everything = runner.load_cases()
    want = [c for c in everything if profile == "all" or c["profile"] == profile]
    assert json.loads((tmp_path / "results.json").read_text())["vectors"] == {
        "count": len(want), "profile": profile, "engine": None}
    assert sum(results(tmp_path)[0]["totals"].values()) == len(want)
    assert 0 < len(want) <= len(everything)


VARIANT_ADAPTER = """
import json, sys
sys.path.insert(0, "conformance")
import runner
cases = {c["id"]: c for c in runner.load_cases()}
for line in sys.stdin:
    c = cases[json.loads(line)["id"]]
    print(json.dumps({"id": c["id"], "result": runner.expected_for(c, "chromium")}), flush=True)
"""


def test_engine_variants_replace_the_expectation(tmp_path):
    """An implementation that behaves as Chromium does passes with --engine chromium, and fails
    exactly the cases with a Chromium variant without it."""
    script = tmp_path / "as_chromium.py"
    script.write_text(VARIANT_ADAPTER)
    command = "%s %s" % (runner.PYTHON, script)
    done = run("--impl", command, "--profile", "all", "--engine", "chromium", "--out", str(tmp_path / "a"))
    assert done.returncode == 0, done.stdout[-3000:]
    done = run("--impl", command, "--profile", "all", "--out", str(tmp_path / "b"))
    assert done.returncode == 1
    differing = {c["id"] for c in runner.load_cases()
                 if "chromium" in c.get("variants", {}) and c["variants"]["chromium"]["expected"] != c["expected"]}
    failed = {c["id"] for c in results(tmp_path / "b")[0]["not_passed"]}
    assert failed == differing and len(differing) > 10


PARTIAL_ADAPTER = """
import json, sys
for line in sys.stdin:
    c = json.loads(line)
    if c["op"] != "preflight":
        print(json.dumps({"id": c["id"], "unsupported": True}), flush=True)
        continue
    sys.path.insert(0, "conformance/reference")
    from corsref import run_op
    result = run_op("preflight", c["input"])
    result.pop("max_age", None)   # this implementation models no preflight cache
    print(json.dumps({"id": c["id"], "result": result}), flush=True)
"""


def test_answers_without_max_age_are_partial_not_failed(tmp_path):
    script = tmp_path / "no_cache.py"
    script.write_text(PARTIAL_ADAPTER)
    done = run("--impl", "%s %s" % (runner.PYTHON, script), "--op", "preflight", "--out", str(tmp_path / "r"))
    assert done.returncode == 0, done.stdout[-3000:]
    row = results(tmp_path / "r")[0]["ops"]["preflight"]
    with_max_age = [c for c in runner.select(runner.load_cases(), "fetch", ["preflight"]) if "max_age" in c["expected"]]
    assert row == {"passed": row["passed"], "failed": 0, "partial": len(with_max_age), "unsupported": 0}
    assert run("--impl", "%s %s" % (runner.PYTHON, script), "--op", "preflight", "--strict").returncode == 1


def test_a_crashing_adapter_is_reported_in_seconds_with_its_stderr(tmp_path):
    script = tmp_path / "crash.py"
    script.write_text("import json, sys\nfor line in sys.stdin:\n    c = json.loads(line)\n"
                      "    if c['id'] == 'token/single-byte-2c':\n        sys.exit('crashed on the comma')\n"
                      "    print(json.dumps({'id': c['id'], 'result': {'valid': False}}), flush=True)\n")
    done = run("--impl", "%s %s" % (runner.PYTHON, script), "--op", "token", "--out", str(tmp_path / "r"))
    assert done.returncode == 1
    assert "incident on token/single-byte-2c: the adapter exited with status 1" in done.stdout
    assert "crashed on the comma" in done.stdout
    impl = results(tmp_path / "r")[0]
    assert impl["restarts"] == 1 and impl["incidents"][0]["id"] == "token/single-byte-2c"
    # the run went on after the crash: every token case was answered
    assert impl["totals"]["passed"] + impl["totals"]["failed"] == sum(1 for c in runner.load_cases() if c["op"] == "token")
