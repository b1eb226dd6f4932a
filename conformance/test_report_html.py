"""The HTML report renders in a real browser: headless Chromium loads index.html, and the DOM it
builds has the implementation x op matrix with the counts of results.json, and the failure table,
with hostile bytes from an adapter shown as text (never markup or script)."""

import html.parser
import json
import shutil
import subprocess
import sys

import runner
from browsers import CHROMIUM_FLAGS

HOSTILE = """
import json, sys
for line in sys.stdin:
    c = json.loads(line)
    if c["op"] != "token":
        print(json.dumps({"id": c["id"], "unsupported": True}), flush=True)
    elif c["id"] == "gen/token/byte-00-start":
        print(json.dumps({"id": c["id"], "result": {"valid": "</td></tr></table><script>document.title='owned'</script><b>"}}), flush=True)
    else:
        print(json.dumps({"id": c["id"], "result": {"valid": False}}), flush=True)
"""


class Dom(html.parser.HTMLParser):
    """The matrix table's cells and every element name seen."""

    def __init__(self):
        super().__init__()
        self.tags, self.title = [], ""
        self.in_matrix = self.in_title = False
        self.rows, self.cell = [], None

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        attrs = dict(attrs)
        if tag == "table" and attrs.get("id") == "matrix":
            self.in_matrix = True
        elif self.in_matrix and tag == "tr":
            self.rows.append([])
        elif self.in_matrix and tag in ("td", "th"):
            self.cell = ""
        self.in_title = tag == "title"

    def handle_endtag(self, tag):
        if self.in_matrix and tag in ("td", "th") and self.cell is not None:
            self.rows[-1].append(" ".join(self.cell.split()))
            self.cell = None
        elif tag == "table":
            self.in_matrix = False
        self.in_title = False

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data
        if self.in_title:
            self.title += data


def test_chromium_renders_the_matrix_and_the_failures(tmp_path):
    assert shutil.which("chromium"), "chromium is not installed: sh tools/setup-deps.sh test"
    script = tmp_path / "hostile.py"
    script.write_text(HOSTILE)
    out = tmp_path / "report"
    done = subprocess.run([sys.executable, "-m", "conformance.run", "--impl", REFERENCE, "--label", "model",
                           "--impl", "%s %s" % (runner.PYTHON, script), "--label", "hostile <x>",
                           "--out", str(out)], cwd=runner.REPO_ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout[-2000:]
    dumped = subprocess.run(["chromium", *CHROMIUM_FLAGS, "--user-data-dir=%s" % (tmp_path / "profile"),
                             "--dump-dom", (out / "index.html").as_uri()],
                            capture_output=True, text=True, timeout=120)
    assert dumped.returncode == 0, dumped.stderr[-2000:]
    dom = Dom()
    dom.feed(dumped.stdout)
    results = json.loads((out / "results.json").read_text())["implementations"]
    ops = [op for op in runner.OPS if any(op in r["ops"] for r in results)]
    assert dom.rows[0] == ["implementation"] + ops + ["total", "verdict"]
    assert [row[0] for row in dom.rows[1:]] == ["model", "hostile <x>"]
    for row, result in zip(dom.rows[1:], results):
        for op, cell in zip(ops, row[1:]):
            counts = result["ops"][op]
            assert cell.startswith("%d/%d" % (counts["passed"], sum(counts.values()))), (result["label"], op, cell)
        assert row[-1] == result["verdict"]
    assert [r["verdict"] for r in results] == ["pass", "FAIL"]
    # the adapter's markup is text: no script ran, no element came from it
    assert "script" not in dom.tags and "b" not in dom.tags
    assert dom.title == "corshdr conformance report"
    assert "&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;" in dumped.stdout
    assert "gen/token/byte-00-start" in dumped.stdout


REFERENCE = "%s conformance/reference/adapter.py" % runner.PYTHON
