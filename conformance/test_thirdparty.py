"""The third-party adapters (conformance/adapters/) still give the recorded results, and FINDINGS.md
cites only vectors that the named implementation really fails.

Needs `npm ci` in conformance/adapters (tools/test-all.sh runs it); without it these tests fail with
the command to run, they never skip.
"""

import json
import re
import subprocess
import sys

import pytest

import runner
import thirdparty

FINDINGS = runner.CONFORMANCE_DIR / "FINDINGS.md"


def test_the_adapters_are_installed():
    for _, _, package, _ in thirdparty.ADAPTERS:
        thirdparty.package_version(package)  # raises NotInstalled with the npm command
    assert thirdparty.node_version().startswith("v22."), thirdparty.node_version()


def test_fresh_runs_equal_the_recorded_results():
    done = subprocess.run([sys.executable, "-m", "conformance.thirdparty"], cwd=runner.REPO_ROOT,
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-3000:]
    for name, _, _, _ in thirdparty.ADAPTERS:
        assert re.search(r"^%s-[0-9.]+ \(.*\): Fetch profile: passed [1-9]" % re.escape(name), done.stdout, re.M), done.stdout


def records():
    return {json.loads(p.read_text())["implementation"]: json.loads(p.read_text())
            for p in thirdparty.RESULTS_DIR.glob("*.json")}


def test_each_adapter_drives_its_ops():
    """No adapter is a stub: each passes and fails cases of the ops it claims (its header comment)."""
    fetch = {name: r["profiles"]["fetch"]["ops"] for name, r in records().items()}
    for name, ops in (("jsdom", ("exposed", "cors-check", "preflight")), ("happy-dom", ("exposed", "cors-check", "preflight")),
                      ("undici", ("token", "field-value", "combine", "split"))):
        for op in ops:
            row = fetch[name][op]
            assert row["passed"] > 0 and row["unsupported"] < sum(row.values()) / 2, (name, op, row)


def test_findings_cite_vectors_the_implementation_fails():
    """Every `vector` line of FINDINGS.md names a case that the record of that section's
    implementation lists as failed or partial."""
    text = FINDINGS.read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)[1:]
    recs = records()
    cited = 0
    for section in sections:
        name = section.split()[0]
        assert name in recs, "FINDINGS.md section %r names no recorded implementation" % name
        not_passed = {i for p in recs[name]["profiles"].values() for kinds in p["not_passed"].values()
                      for ids in kinds.values() for i in ids}
        for case_id in re.findall(r"`((?:exposed|cors-check|preflight|split|combine|gen)/[^`]+)`", section):
            cited += 1
            assert case_id in not_passed, "%s: %s is cited but not failed in the record" % (name, case_id)
    assert cited >= 10
