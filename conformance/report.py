"""The reports of a conformance run (run.py --out DIR): report.md, junit.xml, results.json and a static
index.html (an implementation x op matrix, then each implementation's failures with expected and got).
Every byte of a vector or a reply is escaped for its format; nothing here runs script.

A Result bundles what run.py made for one implementation: its Impl, AdapterRun and outcomes.
"""

from __future__ import annotations

import datetime
import html
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

import runner
from runner import FAILED, KINDS, OPS, PARTIAL, PASSED, UNSUPPORTED

# The HTML page lists at most this many non-passed cases per implementation and op (results.json
# has all of them): a crashed adapter's 13,000 failures would otherwise make a page no browser opens.
HTML_CASES_PER_OP = 200


@dataclass
class Result:
    impl: runner.Impl
    run: runner.AdapterRun
    outcomes: dict

    def verdict(self, strict: bool) -> str:
        return "FAIL" if runner.not_passed(self.impl, self.outcomes, strict) or self.run.problems else "pass"


@dataclass
class Settings:
    profile: str
    engine: str | None
    cases: list
    strict: bool = False
    generated: str = ""

    def __post_init__(self):
        if not self.generated:
            self.generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

    def describe(self) -> str:
        return "%d vectors, profile %s, %s" % (
            len(self.cases), self.profile,
            "judged against the %s variants" % self.engine if self.engine else "base expectations")


def _ops(results: list[Result]) -> list[str]:
    present = {o.op for r in results for o in r.outcomes.values()}
    return [op for op in OPS if op in present] + sorted(present - set(OPS))


def _not_passed(result: Result) -> list:
    return [o for o in result.outcomes.values() if o.kind != PASSED]


# ---- JSON ---------------------------------------------------------------------------------------

def to_json(results: list[Result], settings: Settings) -> dict:
    return {
        "format": "corshdr-conformance-results/1",
        "generated": settings.generated,
        "vectors": {"count": len(settings.cases), "profile": settings.profile, "engine": settings.engine},
        "implementations": [{
            "label": r.impl.label, "command": r.impl.command, "seconds": round(r.run.seconds, 3),
            "verdict": r.verdict(settings.strict), "restarts": r.run.restarts, "problems": r.run.problems,
            "incidents": [{"id": i.case_id, "what": i.what, "stderr": i.stderr} for i in r.run.incidents],
            "totals": runner.totals(r.outcomes),
            "ops": {op: row for op, row in runner.counts_by_op(r.outcomes).items() if any(row.values())},
            "not_passed": [{"id": o.case_id, "op": o.op, "outcome": o.kind, "why": o.message,
                            "expected": o.expected, "got": o.got} for o in _not_passed(r)],
        } for r in results],
    }


# ---- Markdown -----------------------------------------------------------------------------------

def _code(value) -> str:
    text = json.dumps(value, ensure_ascii=True)
    if len(text) > 600:
        text = text[:600] + " ... (%d characters)" % len(text)
    return "`` %s ``" % text.replace("`", "\\u0060")


def to_markdown(results: list[Result], settings: Settings) -> str:
    by_id = {c["id"]: c for c in settings.cases}
    ops = _ops(results)
    out = ["# corshdr conformance report", "",
           "%s; generated %s. A case passes when every key of its expected result is present and "
           "JSON-equal; partial when some keys are missing and the others equal; an `error` reply, a "
           "crash or a hang is a failure (conformance/FORMAT.md)." % (settings.describe(), settings.generated), "",
           "| implementation | " + " | ".join(ops) + " | total | verdict |",
           "|---|" + "---:|" * (len(ops) + 1) + "---|"]
    for r in results:
        table = runner.counts_by_op(r.outcomes, ops)
        cells = []
        for op in ops:
            row = table[op]
            n = sum(row.values())
            cells.append("%d/%d%s%s%s" % (row[PASSED], n, " (%d partial)" % row[PARTIAL] if row[PARTIAL] else "",
                                           " (%d unsupported)" % row[UNSUPPORTED] if row[UNSUPPORTED] and row[UNSUPPORTED] < n else "",
                                           " unsupported" if n and row[UNSUPPORTED] == n else ""))
        t = runner.totals(r.outcomes)
        out.append("| %s | %s | %d/%d | %s |" % (r.impl.label, " | ".join(cells), t[PASSED], sum(t.values()),
                                                r.verdict(settings.strict)))
    for r in results:
        out += ["", "## %s" % r.impl.label, "",
                "Command: `%s` (%.1f s, %d restarts)" % (r.impl.command, r.run.seconds, r.run.restarts), ""]
        if r.run.problems:
            out += ["Protocol problems:", ""] + ["- %s" % p for p in r.run.problems] + [""]
        for i in r.run.incidents:
            out += ["Incident on `%s`: %s; stderr:" % (i.case_id, i.what), "", "```",
                    i.stderr.strip().replace("```", "'''") or "(empty)", "```", ""]
        out += ["| op | passed | failed | partial | unsupported |", "|---|---:|---:|---:|---:|"]
        for op, row in runner.counts_by_op(r.outcomes, ops).items():
            out.append("| %s | %d | %d | %d | %d |" % (op, row[PASSED], row[FAILED], row[PARTIAL], row[UNSUPPORTED]))
        for kind in (FAILED, PARTIAL):
            chosen = [o for o in r.outcomes.values() if o.kind == kind]
            if not chosen:
                continue
            out += ["", "### %s of %s (%d)" % ("Failures" if kind == FAILED else "Partial answers",
                                               r.impl.label, len(chosen)), ""]
            for o in chosen:
                case = by_id[o.case_id]
                out += ["#### `%s`" % o.case_id, "",
                        "- file: `%s`, op: `%s`, profile: `%s`" % (case.get("_file"), o.op, case.get("profile")),
                        "- input: %s" % _code(case["input"]),
                        "- expected: %s" % _code(o.expected),
                        "- got: %s" % _code(o.got),
                        "- why: %s" % o.message, ""]
        unsupported = sorted({o.op for o in r.outcomes.values() if o.kind == UNSUPPORTED})
        if unsupported:
            out += ["", "Unsupported ops: %s" % ", ".join(unsupported)]
    return "\n".join(out).rstrip("\n") + "\n"


# ---- JUnit --------------------------------------------------------------------------------------

def _xml_text(value) -> str:
    """XML 1.0 cannot hold most control characters even escaped: JSON-escape them away."""
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=True)
    return "".join(c if c in "\t\n" or 0x20 <= ord(c) < 0xD800 or 0xE000 <= ord(c) < 0xFFFE
                   else "\\u%04x" % ord(c) for c in text)


def to_junit(results: list[Result], settings: Settings) -> bytes:
    suites = ET.Element("testsuites", name="corshdr conformance")
    for r in results:
        t = runner.totals(r.outcomes)
        suite = ET.SubElement(suites, "testsuite", name=r.impl.label, tests=str(len(r.outcomes)),
                              failures=str(t[FAILED]), skipped=str(t[PARTIAL] + t[UNSUPPORTED]),
                              errors="0", time="%.3f" % r.run.seconds, timestamp=settings.generated)
        props = ET.SubElement(suite, "properties")
        for name, value in (("command", r.impl.command), ("profile", settings.profile),
                            ("engine", settings.engine or "")):
            ET.SubElement(props, "property", name=name, value=_xml_text(value))
        for o in r.outcomes.values():
            case = ET.SubElement(suite, "testcase", classname="%s.%s" % (r.impl.label, o.op), name=_xml_text(o.case_id))
            if o.kind == FAILED:
                failure = ET.SubElement(case, "failure", message=_xml_text(o.message))
                failure.text = _xml_text("expected: %s\ngot: %s" % (json.dumps(o.expected), json.dumps(o.got)))
            elif o.kind in (PARTIAL, UNSUPPORTED):
                ET.SubElement(case, "skipped", message=_xml_text(o.message))
        if r.run.stderr:
            ET.SubElement(suite, "system-err").text = _xml_text(r.run.stderr)
    return ET.tostring(suites, encoding="utf-8", xml_declaration=True)


# ---- HTML ---------------------------------------------------------------------------------------

STYLE = """
body { font: 14px/1.4 system-ui, sans-serif; margin: 1.5em; color: #222; }
table { border-collapse: collapse; margin: .8em 0; }
th, td { border: 1px solid #ccc; padding: .25em .5em; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; }
td.pass { background: #d8f5d8; } td.fail { background: #f8d0d0; } td.partial { background: #fdf0c0; }
td.unsupported { background: #eee; color: #777; } td.none { color: #bbb; }
table.cases th { text-align: left; }
table.cases td { text-align: left; font: 12px/1.3 monospace; max-width: 40em; overflow-wrap: anywhere; }
.verdict-FAIL { color: #a00; font-weight: bold; } .verdict-pass { color: #070; font-weight: bold; }
pre { background: #f6f6f6; padding: .5em; overflow-x: auto; max-height: 20em; }
"""


def _cell(row: dict) -> tuple[str, str]:
    n = sum(row.values())
    if n == 0:
        return "none", "-"
    if row[FAILED]:
        cls = "fail"
    elif row[PARTIAL]:
        cls = "partial"
    elif row[UNSUPPORTED] == n:
        cls = "unsupported"
    else:
        cls = "pass"
    text = "%d/%d" % (row[PASSED], n)
    extra = [("%d failed" % row[FAILED]) if row[FAILED] else "", ("%d partial" % row[PARTIAL]) if row[PARTIAL] else "",
             ("%d unsupported" % row[UNSUPPORTED]) if row[UNSUPPORTED] else ""]
    extra = ", ".join(e for e in extra if e)
    return cls, text + ("<br><small>%s</small>" % html.escape(extra) if extra else "")


def to_html(results: list[Result], settings: Settings) -> str:
    esc = html.escape
    ops = _ops(results)
    out = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
           "<title>corshdr conformance report</title><style>%s</style></head><body>" % STYLE,
           "<h1>corshdr conformance report</h1>",
           "<p>%s; generated %s.</p>" % (esc(settings.describe()), esc(settings.generated)),
           '<table id="matrix"><thead><tr><th>implementation</th>'
           + "".join('<th scope="col">%s</th>' % esc(op) for op in ops) + "<th>total</th><th>verdict</th></tr></thead><tbody>"]
    for r in results:
        table = runner.counts_by_op(r.outcomes, ops)
        cells = []
        for op in ops:
            cls, text = _cell(table[op])
            cells.append('<td class="%s" data-op="%s">%s</td>' % (cls, esc(op), text))
        t = runner.totals(r.outcomes)
        cls, text = _cell(t)
        verdict = r.verdict(settings.strict)
        out.append('<tr data-impl="%s"><th scope="row"><a href="#impl-%d">%s</a></th>%s<td class="%s">%s</td>'
                   '<td class="verdict-%s">%s</td></tr>'
                   % (esc(r.impl.label), results.index(r), esc(r.impl.label), "".join(cells), cls, text, verdict, verdict))
    out.append("</tbody></table>")
    for index, r in enumerate(results):
        out.append('<h2 id="impl-%d">%s</h2>' % (index, esc(r.impl.label)))
        out.append("<p>Command: <code>%s</code> (%.1f s, %d restarts)</p>" % (esc(r.impl.command), r.run.seconds, r.run.restarts))
        if r.run.problems:
            out.append("<p>Protocol problems:</p><ul>%s</ul>" % "".join("<li>%s</li>" % esc(p) for p in r.run.problems))
        for i in r.run.incidents:
            out.append("<p>Incident on <code>%s</code>: %s; stderr:</p><pre>%s</pre>"
                       % (esc(i.case_id), esc(i.what), esc(i.stderr.strip()) or "(empty)"))
        chosen = _not_passed(r)
        shown = [o for o in chosen if o.kind != UNSUPPORTED]
        if not shown:
            out.append("<p>No failed or partial case.</p>")
            continue
        out.append('<table class="cases"><thead><tr><th>case</th><th>op</th><th>outcome</th><th>expected</th>'
                   '<th>got</th><th>why</th></tr></thead><tbody>')
        per_op: dict[str, int] = {}
        left_out = 0
        for o in shown:
            per_op[o.op] = per_op.get(o.op, 0) + 1
            if per_op[o.op] > HTML_CASES_PER_OP:
                left_out += 1
                continue
            out.append("<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td></tr>" % tuple(
                esc(x) for x in (o.case_id, o.op, o.kind, json.dumps(o.expected, ensure_ascii=True),
                                 json.dumps(o.got, ensure_ascii=True)[:2000], o.message)))
        out.append("</tbody></table>")
        if left_out:
            out.append("<p>%d more (over %d per op) are in results.json.</p>" % (left_out, HTML_CASES_PER_OP))
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_all(directory: Path, results: list[Result], settings: Settings) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    paths = {name: directory / name for name in ("report.md", "junit.xml", "results.json", "index.html")}
    paths["report.md"].write_text(to_markdown(results, settings), encoding="utf-8")
    paths["junit.xml"].write_bytes(to_junit(results, settings))
    paths["results.json"].write_text(json.dumps(to_json(results, settings), indent=1, ensure_ascii=True) + "\n",
                                     encoding="utf-8")
    paths["index.html"].write_text(to_html(results, settings), encoding="utf-8")
    return paths
