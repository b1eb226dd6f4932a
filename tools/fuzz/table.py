#!/usr/bin/python3
"""Campaign summaries (tools/fuzz-campaign.sh --summary DIR) as one Markdown table, a row per summary.

    /usr/bin/python3 tools/fuzz/table.py SUMMARY.json... > table.md

Rows by target, then start time. Columns: target, engine (with cmplog), CPU minutes, execs, execs per
CPU second, inputs new to the corpus, lines and branches of parser/src reached by the target's corpus
before and after the campaign, the same for every corpus and the unit tests together, crashes and
mismatches. A summary that is not a
corshdr-fuzz-campaign/1 object is an error naming the file.
"""

import json
import sys


def pct(fig):
    return "%.2f%%" % (100.0 * fig["covered"] / fig["total"]) if fig["total"] else "-"


def before_after(cov, scope):
    if not cov:
        return "-", "-"
    b, a = cov[scope + "_before"], cov[scope + "_after"]
    return ("%s → %s" % (pct(b["lines"]), pct(a["lines"])), "%s → %s" % (pct(b["branches"]), pct(a["branches"])))


def row(s):
    engine = s["engine"] + (" + cmplog" if s.get("cmplog") else "")
    tl, tb = before_after(s.get("coverage"), "target")
    al, ab = before_after(s.get("coverage"), "all")
    return "| %s | %s | %.1f | %s | %s | %d | %s | %s | %s | %s | %d | %d |" % (
        s["target"], engine, s["cpu_s"] / 60.0, format(s["execs"], ","), format(round(s["execs_per_cpu_s"]), ","),
        s["corpus"]["new"], tl, tb, al, ab, s["crashes"], s["mismatches"])


def main(paths):
    if not paths:
        sys.exit(__doc__.strip().splitlines()[2].strip())
    rows = []
    for p in paths:
        try:
            with open(p, encoding="utf-8") as f:
                s = json.load(f)
            if not isinstance(s, dict) or s.get("schema") != "corshdr-fuzz-campaign/1":
                raise ValueError("not a corshdr-fuzz-campaign/1 summary")
            rows.append((s["target"], s.get("started") or "", row(s)))
        except (OSError, ValueError, KeyError, TypeError) as e:
            sys.exit("table: %s: %s" % (p, e))
    print("| target | engine | CPU min | execs | execs/CPU-s | new inputs | target lines | target branches "
          "| all lines | all branches | crashes | mismatches |")
    print("|---|---|---:|---:|---:|---:|---|---|---|---|---:|---:|")
    for _, _, r in sorted(rows):
        print(r)


if __name__ == "__main__":
    main(sys.argv[1:])
