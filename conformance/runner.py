"""The conformance suite's machinery: load the vectors, run an adapter over them, judge its answers,
and summarize (DESIGN.md §4 vectors, §5 adapter protocol).

The pytest suite (conftest.py, test_conformance.py) is a thin layer over this module; it has no
pytest dependency and can be used on its own:

    import runner
    cases = runner.load_cases()
    run = runner.run_adapter(["/usr/bin/python3", "conformance/reference/adapter.py"], cases)
    outcomes = runner.judge_run(cases, run)
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

CONFORMANCE_DIR = Path(__file__).resolve().parent
REPO_ROOT = CONFORMANCE_DIR.parent
VECTORS_DIR = CONFORMANCE_DIR / "vectors"
SCHEMA_PATH = CONFORMANCE_DIR / "schema" / "vector.schema.json"
REFERENCE_ADAPTER = CONFORMANCE_DIR / "reference" / "adapter.py"
DEFAULT_REPORT = CONFORMANCE_DIR / "report" / "report.md"
DEFAULT_CORSHDR = REPO_ROOT / "build" / "test-gcc" / "tools" / "corshdr" / "corshdr"
PYTHON = "/usr/bin/python3"

# The operations of DESIGN.md §4, in the order of its table.
OPS = (
    "token", "field-value", "combine", "split", "name-list", "exposed", "cors-check", "preflight",
    "max-age", "request-safelisted", "unsafe-names", "forbidden-request", "origin",
)

# What a case sends to an adapter: the rest (expected, spec, ...) is the suite's business.
SENT_KEYS = ("id", "op", "input")

# Outcome kinds. An adapter "error" reply is a failure (DESIGN.md §5 / the brief).
PASSED, FAILED, UNSUPPORTED = "passed", "failed", "unsupported"

BUILD_HINT = (
    "build it with\n"
    "    cmake -S . -B build/test-gcc -G Ninja && cmake --build build/test-gcc\n"
    "(or: sh tools/test-all.sh), or point the suite at another build with --corshdr PATH\n"
    "(environment: CORSHDR_BIN)"
)


# ---- vectors ------------------------------------------------------------------------------------

def vector_files(directory: Path = VECTORS_DIR) -> list[Path]:
    return sorted(directory.glob("*.json"))


def load_cases(directory: Path = VECTORS_DIR) -> list[dict]:
    """Every case of every vector file, files in name order, cases in file order. Each case gets a
    private key "_file" (the file name) that is never sent to an adapter."""
    cases = []
    for path in vector_files(directory):
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as e:
            raise ValueError("%s is not valid JSON: %s" % (path, e)) from None
        for case in data:
            case = dict(case)
            case["_file"] = path.name
            cases.append(case)
    return cases


def case_line(case: dict) -> bytes:
    """The JSON line an adapter receives for a case."""
    sent = {k: case[k] for k in SENT_KEYS if k in case}
    return json.dumps(sent, ensure_ascii=True).encode("ascii") + b"\n"


# ---- implementations ----------------------------------------------------------------------------

@dataclass
class Impl:
    label: str          # short name used in test ids and tables
    argv: list[str]     # the command, run from the repository root
    own: bool           # one of the project's implementations: unsupported counts as a failure

    @property
    def command(self) -> str:
        return shlex.join(self.argv)


def _is_reference(argv: list[str]) -> bool:
    return (len(argv) == 2 and Path(argv[0]).name.startswith("python")
            and (REPO_ROOT / argv[1]).resolve() == REFERENCE_ADAPTER)


def _is_corshdr(argv: list[str]) -> bool:
    return len(argv) == 2 and Path(argv[0]).name == "corshdr" and argv[1] == "conform"


def impl_from_command(command: str) -> Impl:
    """An --impl COMMAND: shlex-split, labelled after the program (or the script it runs)."""
    argv = shlex.split(command)
    if not argv:
        raise ValueError("--impl needs a non-empty command")
    if _is_reference(argv):
        return Impl("reference", argv, own=True)
    if _is_corshdr(argv):
        return Impl("corshdr", argv, own=True)
    program = Path(argv[0]).name
    if program.startswith("python") and len(argv) > 1 and not argv[1].startswith("-"):
        label = Path(argv[1]).stem
    else:
        label = Path(program).stem
    return Impl(label or "impl", argv, own=False)


def default_impls(corshdr_path: str) -> list[Impl]:
    return [Impl("reference", [PYTHON, str(REFERENCE_ADAPTER.relative_to(REPO_ROOT))], own=True),
            Impl("corshdr", [corshdr_path, "conform"], own=True)]


def resolve_corshdr(option: str | None) -> tuple[str, str]:
    """The corshdr binary for the default run: --corshdr, else $CORSHDR_BIN, else the gcc test build.
    Returns (absolute path, where it came from)."""
    if option:
        where, path = "--corshdr", option
    elif os.environ.get("CORSHDR_BIN"):
        where, path = "CORSHDR_BIN", os.environ["CORSHDR_BIN"]
    else:
        where, path = "the default path", str(DEFAULT_CORSHDR.relative_to(REPO_ROOT))
    absolute = Path(path) if Path(path).is_absolute() else REPO_ROOT / path
    return str(absolute), where


def missing_corshdr_message(path: str, where: str) -> str:
    return ("the corshdr tool (%s) does not exist: %s\n"
            "The conformance suite runs `corshdr conform` over every vector; %s"
            % (where, path, BUILD_HINT))


def unique_labels(impls: list[Impl]) -> list[Impl]:
    seen: dict[str, int] = {}
    for impl in impls:
        base = impl.label
        seen[base] = seen.get(base, 0) + 1
        if seen[base] > 1:
            impl.label = "%s-%d" % (base, seen[base])
    return impls


# ---- running an adapter -------------------------------------------------------------------------

@dataclass
class AdapterRun:
    impl_command: str
    replies: list            # one entry per reply line: a dict, or a str describing a bad line
    returncode: int | None   # None when it could not start or was killed
    stderr: str
    seconds: float
    start_error: str | None = None
    timed_out: bool = False
    problems: list[str] = field(default_factory=list)  # protocol violations (filled by judge_run)


def run_adapter(argv: list[str], cases: list[dict], cwd: Path = REPO_ROOT,
                timeout: float = 600.0) -> AdapterRun:
    """Runs one adapter process over all cases: a thread streams the input lines while this thread
    reads the replies, so neither pipe can fill up and block the other; stderr goes to a temporary
    file. The process is killed after `timeout` seconds."""
    started = time.monotonic()
    stderr_file = tempfile.TemporaryFile()
    try:
        try:
            process = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                       stderr=stderr_file)
        except OSError as e:
            return AdapterRun(shlex.join(argv), [], None, "", 0.0,
                              start_error="cannot start %s: %s" % (shlex.join(argv), e))

        def feed():
            try:
                for case in cases:
                    process.stdin.write(case_line(case))
                process.stdin.close()
            except (BrokenPipeError, ValueError, OSError):
                pass  # the adapter went away; the missing replies say so

        timed_out = threading.Event()

        def kill():
            timed_out.set()
            process.kill()

        writer = threading.Thread(target=feed, daemon=True)
        timer = threading.Timer(timeout, kill)
        writer.start()
        timer.start()
        replies = []
        try:
            for raw in process.stdout:
                replies.append(_parse_reply(raw))
        finally:
            process.stdout.close()
            returncode = process.wait()
            timer.cancel()
            writer.join(timeout=10)
        stderr_file.seek(0)
        stderr = stderr_file.read().decode("utf-8", "replace")
    finally:
        stderr_file.close()
    return AdapterRun(shlex.join(argv), replies, None if timed_out.is_set() else returncode, stderr,
                      time.monotonic() - started, timed_out=timed_out.is_set())


def _parse_reply(raw: bytes):
    if not raw.endswith(b"\n"):
        return "the last reply line does not end with a newline"
    try:
        reply = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        return "not a JSON line (%s): %r" % (e, raw[:200])
    if not isinstance(reply, dict):
        return "not a JSON object: %r" % raw[:200]
    return reply


# ---- judging ------------------------------------------------------------------------------------

def json_equal(a, b) -> bool:
    """JSON equality: true is not 1, 5 equals 5.0, objects compare by keys and values."""
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    if isinstance(a, str) and isinstance(b, str):
        return a == b
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    return False


@dataclass
class Outcome:
    case_id: str
    op: str
    kind: str              # PASSED, FAILED or UNSUPPORTED
    expected: dict
    got: object = None     # the reply's result, the reply itself, or None
    message: str = ""      # why it failed, one line


def judge(case: dict, reply) -> Outcome:
    """DESIGN.md §4: a result passes when every key of `expected` is present and JSON-equal."""
    expected = case["expected"]
    outcome = Outcome(case["id"], case["op"], FAILED, expected)
    if not isinstance(reply, dict):
        outcome.message = "no usable reply: %s" % reply
        return outcome
    outcome.got = reply
    if "result" in reply:
        result = reply["result"]
        outcome.got = result
        if not isinstance(result, dict):
            outcome.message = "result is not a JSON object"
            return outcome
        missing = [k for k in expected if k not in result]
        wrong = [k for k in expected if k in result and not json_equal(expected[k], result[k])]
        if missing or wrong:
            parts = []
            if wrong:
                parts.append("differs at %s" % ", ".join(wrong))
            if missing:
                parts.append("missing %s" % ", ".join(missing))
            outcome.message = "; ".join(parts)
            return outcome
        outcome.kind = PASSED
        return outcome
    if reply.get("unsupported") is True:
        outcome.kind = UNSUPPORTED
        outcome.message = "unsupported"
        return outcome
    if "error" in reply:
        outcome.message = "error: %s" % (reply["error"],)
        return outcome
    outcome.message = "reply has no result, unsupported or error"
    return outcome


def judge_run(cases: list[dict], run: AdapterRun) -> dict[str, Outcome]:
    """One outcome per case id. Replies pair with cases by position (the protocol answers in order);
    a reply whose id is not its case's id is a failure for that case. Protocol violations are also
    collected in run.problems."""
    problems = run.problems
    problems.clear()
    if run.start_error:
        problems.append(run.start_error)
    if run.timed_out:
        problems.append("killed after the time limit")
    elif run.returncode not in (0, None):
        problems.append("exit status %d (the protocol asks for 0)" % run.returncode)
    if not run.start_error and len(run.replies) != len(cases):
        problems.append("%d reply lines for %d cases" % (len(run.replies), len(cases)))
    if run.timed_out:
        ended = "was killed at the time limit"
    else:
        ended = "stopped" + (" with exit status %s" % run.returncode if run.returncode else "")
    no_reply = run.start_error or "no reply line (the adapter %s after %d replies)" % (ended, len(run.replies))
    outcomes = {}
    for index, case in enumerate(cases):
        if index >= len(run.replies):
            outcome = judge(case, no_reply)
        else:
            reply = run.replies[index]
            if isinstance(reply, dict) and reply.get("id") != case["id"]:
                bad = "reply %d has id %s, expected %s" % (index + 1, json.dumps(reply.get("id")),
                                                          json.dumps(case["id"]))
                if len(problems) < 20:
                    problems.append(bad)
                outcome = judge(case, bad)
                outcome.got = reply
            else:
                if not isinstance(reply, dict) and len(problems) < 20:
                    problems.append("reply %d: %s" % (index + 1, reply))
                outcome = judge(case, reply)
        outcomes[case["id"]] = outcome
    return outcomes


def counts_by_op(outcomes: dict[str, Outcome]) -> dict[str, dict[str, int]]:
    table = {op: {PASSED: 0, FAILED: 0, UNSUPPORTED: 0} for op in OPS}
    for outcome in outcomes.values():
        row = table.setdefault(outcome.op, {PASSED: 0, FAILED: 0, UNSUPPORTED: 0})
        row[outcome.kind] += 1
    return table


def not_passed(impl: Impl, outcomes: dict[str, Outcome]) -> list[Outcome]:
    """What makes the suite fail for this impl: failures, and unsupported cases of our own impls."""
    return [o for o in outcomes.values()
            if o.kind == FAILED or (o.kind == UNSUPPORTED and impl.own)]


# ---- output -------------------------------------------------------------------------------------

def text_table(impl: Impl, outcomes: dict[str, Outcome]) -> list[str]:
    table = counts_by_op(outcomes)
    width = max(len(op) for op in table)
    lines = ["%-*s %8s %8s %12s" % (width, "op", "passed", "failed", "unsupported")]
    total = {PASSED: 0, FAILED: 0, UNSUPPORTED: 0}
    for op, row in table.items():
        lines.append("%-*s %8d %8d %12d" % (width, op, row[PASSED], row[FAILED], row[UNSUPPORTED]))
        for k in total:
            total[k] += row[k]
    lines.append("%-*s %8d %8d %12d" % (width, "total", total[PASSED], total[FAILED], total[UNSUPPORTED]))
    return lines


def _code(value) -> str:
    text = json.dumps(value, ensure_ascii=True)
    if len(text) > 600:
        text = text[:600] + " ... (%d characters)" % len(text)
    return "`` %s ``" % text


def markdown_report(results: list[tuple[Impl, AdapterRun, dict[str, Outcome]]], cases: list[dict]) -> str:
    by_id = {c["id"]: c for c in cases}
    files = sorted({c["_file"] for c in cases})
    out = ["# corshdr conformance report", "",
           "%d vectors in %d files of `conformance/vectors/`. A case passes when every key of "
           "`expected` is present and JSON-equal in the result (DESIGN.md §4); an `error` reply is a "
           "failure; `unsupported` is a failure for the project's own implementations only." % (
               len(cases), len(files)), "",
           "| implementation | command | passed | failed | unsupported | verdict |",
           "|---|---|---:|---:|---:|---|"]
    for impl, run, outcomes in results:
        kinds = [o.kind for o in outcomes.values()]
        bad = not_passed(impl, outcomes) or run.problems
        out.append("| %s%s | `%s` | %d | %d | %d | %s |" % (
            impl.label, " (own)" if impl.own else "", impl.command, kinds.count(PASSED),
            kinds.count(FAILED), kinds.count(UNSUPPORTED), "**FAIL**" if bad else "pass"))
    for impl, run, outcomes in results:
        out += ["", "## %s" % impl.label, "",
                "Command: `%s` (%.1f s, exit status %s)" % (impl.command, run.seconds, run.returncode), ""]
        if run.problems:
            out += ["Protocol problems:", ""] + ["- %s" % p for p in run.problems] + [""]
        out += ["| op | passed | failed | unsupported |", "|---|---:|---:|---:|"]
        for op, row in counts_by_op(outcomes).items():
            out.append("| %s | %d | %d | %d |" % (op, row[PASSED], row[FAILED], row[UNSUPPORTED]))
        failures = [o for o in outcomes.values() if o.kind == FAILED]
        unsupported = [o for o in outcomes.values() if o.kind == UNSUPPORTED]
        if failures:
            out += ["", "### Failures of %s (%d)" % (impl.label, len(failures)), ""]
            for o in failures:
                case = by_id[o.case_id]
                out += ["#### `%s`" % o.case_id, "",
                        "- file: `%s`, op: `%s`" % (case["_file"], o.op),
                        "- input: %s" % _code(case["input"]),
                        "- expected: %s" % _code(o.expected),
                        "- got: %s" % _code(o.got),
                        "- why: %s" % o.message, ""]
        if unsupported:
            ops = sorted({o.op for o in unsupported})
            out += ["", "### Unsupported by %s (%d cases; ops: %s)" % (
                impl.label, len(unsupported), ", ".join(ops)), ""]
            if impl.own:
                out += ["- `%s`" % o.case_id for o in unsupported]
    return "\n".join(out).rstrip("\n") + "\n"
