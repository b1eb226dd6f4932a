"""README.md's minimal adapter is examples/minimal_adapter.py, and it works through the suite."""

import json
import re
import subprocess
import sys

import runner

EXAMPLE = runner.CONFORMANCE_DIR / "examples" / "minimal_adapter.py"
README = runner.CONFORMANCE_DIR / "README.md"


def test_readme_shows_the_example_file_verbatim():
    text = README.read_text(encoding="utf-8")
    match = re.search(r"<!-- begin example: conformance/examples/minimal_adapter.py -->\n```python\n(.*?)```\n"
                      r"<!-- end example -->", text, re.S)
    assert match, "README.md lost its example markers"
    assert match.group(1) == EXAMPLE.read_text(encoding="utf-8")
    assert len(match.group(1).splitlines()) <= 35


def test_example_adapter_passes_the_suite(tmp_path):
    command = "%s %s" % (runner.PYTHON, EXAMPLE.relative_to(runner.REPO_ROOT))
    done = subprocess.run([sys.executable, "-m", "conformance.run", "--impl", command, "--out", str(tmp_path)],
                          cwd=runner.REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    cases = runner.select(runner.load_cases(), "fetch")
    n_token = sum(1 for c in cases if c["op"] == "token")
    (impl,) = json.loads((tmp_path / "results.json").read_text())["implementations"]
    assert impl["label"] == "minimal_adapter" and impl["verdict"] == "pass"
    # every token case passes; every other case is reported as unsupported, none fails
    assert impl["totals"] == {"passed": n_token, "failed": 0, "partial": 0, "unsupported": len(cases) - n_token}
    assert impl["ops"]["token"] == {"passed": n_token, "failed": 0, "partial": 0, "unsupported": 0}
    assert re.search(r"^token\s+%d\s+0\s+0\s+0$" % n_token, done.stdout, re.M)
    assert "== minimal_adapter:" in done.stdout


def test_readme_shows_the_example_run_as_it_prints():
    """The README's sample output is the first lines of the real table (counts included)."""
    text = README.read_text(encoding="utf-8")
    match = re.search(r"Its run ends with:\n\n```\n(.*?)```", text, re.S)
    assert match, "README.md lost its sample output"
    done = subprocess.run([sys.executable, "-m", "conformance.run", "--impl",
                           "%s %s" % (runner.PYTHON, EXAMPLE.relative_to(runner.REPO_ROOT))],
                          cwd=runner.REPO_ROOT, capture_output=True, text=True, timeout=600)
    shown = [line for line in match.group(1).splitlines() if line != "..."]
    printed = done.stdout.splitlines()
    for line in shown:
        if line.startswith("== "):
            assert any(p.startswith(line.split("(")[0]) for p in printed), line
        else:
            assert line in printed, line
