"""README.md's minimal adapter is examples/minimal_adapter.py, and it works through the suite."""

import collections
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

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
    junit = tmp_path / "junit.xml"
    command = "%s %s" % (runner.PYTHON, EXAMPLE.relative_to(runner.REPO_ROOT))
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "conformance/test_conformance.py", "-q", "-p", "no:cacheprovider",
         "--impl", command, "--junitxml", str(junit), "--report-md", str(tmp_path / "report.md")],
        cwd=runner.REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    cases = runner.load_cases()
    ops = {c["id"]: c["op"] for c in cases}
    outcome = collections.Counter()
    for testcase in ET.parse(junit).getroot().iter("testcase"):
        name = testcase.get("name")
        kind = ("failed" if testcase.find("failure") is not None or testcase.find("error") is not None
                else "skipped" if testcase.find("skipped") is not None else "passed")
        if name.startswith("test_vector[minimal_adapter:"):
            op = ops[name[len("test_vector[minimal_adapter:"):-1]]
            outcome[(kind, op == "token")] += 1
        else:
            assert name == "test_adapter_protocol[minimal_adapter]" and kind == "passed"
    n_token = sum(1 for c in cases if c["op"] == "token")
    # every token case passes; every other case is reported as unsupported (skipped), none fails
    assert outcome == {("passed", True): n_token, ("skipped", False): len(cases) - n_token}
    assert re.search(r"^token\s+%d\s+0\s+0$" % n_token, done.stdout, re.M)
    assert "conformance: minimal_adapter" in done.stdout
