#!/usr/bin/python3
"""Run implementations through the conformance vectors and report, per op, how many cases passed,
failed, were partial or unsupported.

    /usr/bin/python3 -m conformance.run --impl "COMMAND" [--label NAME] [--impl ...] [--out DIR]
        [--profile fetch|corshdr|all] [--engine chromium|firefox|webkit] [--op OP] [--only TEXT]
        [--case-timeout SECONDS] [--strict] [--vectors DIR]
    /usr/bin/python3 -m conformance.run --own [--corshdr PATH]      the project's two implementations

Each COMMAND is an adapter (conformance/PROTOCOL.md), split like a shell would and run from the
repository root. The run judges the Fetch profile unless --profile says otherwise, and each case
against its base expectation unless --engine names an engine whose variants replace it. On a terminal
it shows progress; it ends with a table per implementation. With --out DIR it writes report.md,
junit.xml, results.json and index.html into DIR (never into the source tree: a DIR inside the
checkout is refused unless it is under build/). Exit status: 0 when nothing failed (with --strict,
and always for --own: when everything passed), 1 otherwise, 2 for a usage error.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import report  # noqa: E402
import runner  # noqa: E402


class ImplAction(argparse.Action):
    """--impl and --label build one list: a --label names the --impl before it."""

    def __call__(self, parser, namespace, value, option_string=None):
        impls = getattr(namespace, "impls", None) or []
        if option_string == "--impl":
            impls.append([value, None])
        else:
            if not impls:
                parser.error("--label names the --impl before it; give --impl first")
            if impls[-1][1] is not None:
                parser.error("--impl %r already has the label %r" % (impls[-1][0], impls[-1][1]))
            impls[-1][1] = value
        namespace.impls = impls


def out_dir(path: str) -> Path:
    """The report directory: anywhere but the source tree (build/ is for build output)."""
    target = Path(path).resolve()
    root = runner.REPO_ROOT.resolve()
    if (target == root or root in target.parents) and not (target == root / "build" or (root / "build") in target.parents):
        raise ValueError("--out %s is inside the source tree %s: name a directory outside it (or under "
                         "build/)" % (path, root))
    return target


class Progress:
    """A one-line counter on a terminal (standard error), redrawn at most ten times a second."""

    def __init__(self, label: str, stream=sys.stderr):
        self.label, self.stream = label, stream
        self.live = stream.isatty()
        self.last = 0.0

    def __call__(self, done: int, total: int):
        now = time.monotonic()
        if self.live and (now - self.last > 0.1 or done == total):
            self.last = now
            self.stream.write("\r  %s: %d/%d cases (%d%%)" % (self.label, done, total, 100 * done // max(total, 1)))
            self.stream.flush()

    def end(self):
        if self.live:
            self.stream.write("\r\033[K")
            self.stream.flush()


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python3 -m conformance.run",
                                     description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=__doc__.split("\n\n", 2)[2])
    parser.add_argument("--impl", action=ImplAction, dest="impls", metavar="COMMAND",
                        help="an adapter command (repeatable)")
    parser.add_argument("--label", action=ImplAction, dest="impls", metavar="NAME",
                        help="the name of the --impl before it in tables and reports")
    parser.add_argument("--own", action="store_true",
                        help="run the reference model and `corshdr conform` (strict: all must pass)")
    parser.add_argument("--corshdr", metavar="PATH", help="the corshdr tool for --own (else $CORSHDR_BIN, "
                        "else build/test-gcc/tools/corshdr/corshdr)")
    parser.add_argument("--profile", choices=runner.PROFILES, default="fetch",
                        help="which vectors judge: fetch (default), corshdr, or all")
    parser.add_argument("--engine", choices=runner.ENGINES,
                        help="judge against this engine's variants where a vector has one")
    parser.add_argument("--op", action="append", choices=runner.OPS, help="only this op (repeatable)")
    parser.add_argument("--only", metavar="TEXT", help="only the vectors whose id contains TEXT")
    parser.add_argument("--vectors", metavar="DIR", default=str(runner.VECTORS_DIR),
                        help="the vector directory (default conformance/vectors)")
    parser.add_argument("--case-timeout", type=float, default=runner.DEFAULT_CASE_TIMEOUT, metavar="SECONDS",
                        help="kill and restart an adapter that answers no case for this long (default %g)"
                        % runner.DEFAULT_CASE_TIMEOUT)
    parser.add_argument("--strict", action="store_true", help="partial and unsupported answers fail too")
    parser.add_argument("--out", metavar="DIR", help="write report.md, junit.xml, results.json, index.html here")
    parser.add_argument("--show", type=int, default=10, metavar="N",
                        help="cases that did not pass listed per implementation (default 10)")
    args = parser.parse_args(argv)
    if not args.impls and not args.own:
        parser.error("name an implementation with --impl COMMAND (or --own for the project's two)")
    return parser, args


def main(argv=None) -> int:
    parser, args = parse_args(argv)
    try:
        impls = [runner.impl_from_command(command, label) for command, label in (args.impls or [])]
        if args.own:
            path, where = runner.resolve_corshdr(args.corshdr)
            if not Path(path).is_file():
                print("corshdr conformance: " + runner.missing_corshdr_message(path, where), file=sys.stderr)
                return 2
            impls = runner.default_impls(path) + impls
        runner.check_labels(impls)
        directory = out_dir(args.out) if args.out else None
        cases = runner.select(runner.load_cases(Path(args.vectors)), args.profile, args.op, args.only)
    except ValueError as e:
        parser.error(str(e))
    if not cases:
        parser.error("no vector is selected (profile %s, ops %s, only %r)" % (args.profile, args.op, args.only))
    settings = report.Settings(args.profile, args.engine, cases, strict=args.strict)
    print("corshdr conformance: %s" % settings.describe())
    results = []
    for impl in impls:
        progress = Progress(impl.label)
        run = runner.run_adapter(impl.argv, cases, case_timeout=args.case_timeout, progress=progress)
        progress.end()
        outcomes = runner.judge_run(cases, run, args.engine)
        result = report.Result(impl, run, outcomes)
        results.append(result)
        print("\n== %s: %s  (%d cases, %.1f s%s)" % (impl.label, impl.command, len(cases), run.seconds,
                                                      ", %d restarts" % run.restarts if run.restarts else ""))
        for incident in run.incidents[:args.show]:
            tail = incident.stderr.strip().splitlines()[-15:]
            print("incident on %s: the adapter %s; its stderr ends:\n    %s"
                  % (incident.case_id, incident.what, "\n    ".join(tail) if tail else "(empty)"))
        for problem in run.problems:
            print("protocol: %s" % problem)
        for line in runner.text_table(outcomes):
            print(line)
        bad = runner.not_passed(impl, outcomes, args.strict)
        shown = [o for o in outcomes.values() if o.kind in (runner.FAILED, runner.PARTIAL)][:args.show]
        for o in shown:
            print("  %s %s: %s" % (o.kind.upper(), o.case_id, o.message[:300]))
        if bad or run.problems:
            print("verdict: FAIL (%d cases)" % len(bad))
        else:
            print("verdict: pass")
    if directory:
        paths = report.write_all(directory, results, settings)
        print("\nreports: %s" % ", ".join(str(p) for p in paths.values()))
    strict = args.strict
    return 1 if any(r.verdict(strict) == "FAIL" for r in results) else 0


if __name__ == "__main__":
    sys.exit(main())
