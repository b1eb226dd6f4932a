"""The conformance suite's machinery: load and select the vectors, run an adapter over them, judge its
answers and count them (FORMAT.md: the vectors; PROTOCOL.md: the adapter protocol).

The command line is run.py (`/usr/bin/python3 -m conformance.run`), the reports are report.py, and the
pytest suite (conftest.py, test_conformance.py) is a thin layer over the three. This module has no
pytest dependency:

    import runner
    cases = runner.select(runner.load_cases(), profile="fetch")
    run = runner.run_adapter(["/usr/bin/python3", "conformance/reference/adapter.py"], cases)
    outcomes = runner.judge_run(cases, run)
"""

from __future__ import annotations

import json
import os
import queue
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
DEFAULT_CORSHDR = REPO_ROOT / "build" / "test-gcc" / "tools" / "corshdr" / "corshdr"
PYTHON = "/usr/bin/python3"

# The operations of DESIGN.md §4, in the order of its table.
OPS = (
    "token", "field-value", "combine", "split", "name-list", "exposed", "cors-check", "preflight",
    "max-age", "request-safelisted", "unsafe-names", "forbidden-request", "origin",
    "policy-compile", "policy-apply",
)
PROFILES = ("fetch", "corshdr", "all")
ENGINES = ("chromium", "firefox", "webkit")

# What a case sends to an adapter: the rest (expected, spec, ...) is the suite's business.
SENT_KEYS = ("id", "op", "input")

# Outcome kinds (FORMAT.md "Judging"). An `error` reply, a crash or a hang is a failure.
PASSED, FAILED, PARTIAL, UNSUPPORTED = "passed", "failed", "partial", "unsupported"
KINDS = (PASSED, FAILED, PARTIAL, UNSUPPORTED)

DEFAULT_CASE_TIMEOUT = 10.0   # seconds an adapter may take for one case (its start included)
MAX_RESTARTS = 25             # restarts after a crash or hang before the rest of the run is given up
STDERR_TAIL = 4000            # bytes of an adapter's stderr shown with an incident

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


def select(cases: list[dict], profile: str = "fetch", ops=None, only: str | None = None) -> list[dict]:
    """The cases of a profile ("fetch", "corshdr" or "all"), of some ops, whose id contains `only`."""
    if profile not in PROFILES:
        raise ValueError("unknown profile %r (one of %s)" % (profile, ", ".join(PROFILES)))
    return [c for c in cases
            if (profile == "all" or c.get("profile") == profile)
            and (not ops or c["op"] in ops) and (not only or only in c["id"])]


def expected_for(case: dict, engine: str | None = None) -> dict:
    """The result a case expects: the engine's variant when one is named and the case has it."""
    if engine:
        variant = case.get("variants", {}).get(engine)
        if variant is not None:
            return variant["expected"]
    return case["expected"]


def case_line(case: dict) -> bytes:
    """The JSON line an adapter receives for a case."""
    sent = {k: case[k] for k in SENT_KEYS if k in case}
    return json.dumps(sent, ensure_ascii=True).encode("ascii") + b"\n"


# ---- implementations ----------------------------------------------------------------------------

INTERPRETERS = ("python", "node", "nodejs", "deno", "bun", "ruby", "perl", "php", "sh", "bash")


@dataclass
class Impl:
    label: str          # the name in tables, reports and test ids
    argv: list[str]     # the command, run from the repository root
    own: bool = False   # one of the project's implementations: anything but passed is a failure

    @property
    def command(self) -> str:
        return shlex.join(self.argv)


def _is_reference(argv: list[str]) -> bool:
    return (len(argv) == 2 and Path(argv[0]).name.startswith("python")
            and (REPO_ROOT / argv[1]).resolve() == REFERENCE_ADAPTER)


def _is_corshdr(argv: list[str]) -> bool:
    return len(argv) == 2 and Path(argv[0]).name == "corshdr" and argv[1] == "conform"


def default_label(argv: list[str]) -> str:
    """The program's name, or the script's when the program is an interpreter (`node x/jsdom.mjs`
    is `jsdom`)."""
    program = Path(argv[0]).name
    if any(program == i or program.startswith(i) and program[len(i):].lstrip("0123456789.") == ""
           for i in INTERPRETERS):
        scripts = [a for a in argv[1:] if not a.startswith("-")]
        if scripts:
            return Path(scripts[0]).name.split(".")[0] or program
    return program or "impl"


def impl_from_command(command: str, label: str | None = None) -> Impl:
    """An --impl COMMAND (shlex-split) with its --label, else a label after the program or script."""
    argv = shlex.split(command)
    if not argv:
        raise ValueError("--impl needs a non-empty command")
    own = _is_reference(argv) or _is_corshdr(argv)
    if label is None:
        label = "reference" if _is_reference(argv) else "corshdr" if _is_corshdr(argv) else default_label(argv)
    return Impl(label, argv, own=own)


def check_labels(impls: list[Impl]) -> None:
    """Two implementations with one label would mix in every table: the user names them apart."""
    seen = {}
    for impl in impls:
        if not impl.label or any(c in impl.label for c in "\n\r\t"):
            raise ValueError("label %r: give a name without control characters" % impl.label)
        if impl.label in seen:
            raise ValueError("two implementations are labelled %r (%s; %s): give each its own --label"
                             % (impl.label, seen[impl.label], impl.command))
        seen[impl.label] = impl.command


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


# ---- running an adapter -------------------------------------------------------------------------

@dataclass
class Incident:
    """An adapter that crashed or hung on a case, and was restarted after it."""
    case_id: str
    what: str           # one line: "exited with status 3", "no answer within 10 s (killed)", ...
    stderr: str         # the tail of its standard error


@dataclass
class AdapterRun:
    impl_command: str
    replies: list            # one entry per case: the reply dict, or a str saying why there is none
    seconds: float
    stderr: str = ""         # the tail of the last process's standard error
    returncode: int | None = None   # of the last process (None: killed or never started)
    start_error: str | None = None
    restarts: int = 0
    incidents: list = field(default_factory=list)
    problems: list = field(default_factory=list)  # protocol violations, one line each

    @property
    def timed_out(self) -> bool:
        return any("killed" in i.what for i in self.incidents)


def _tail(path_file) -> str:
    path_file.flush()
    path_file.seek(0, os.SEEK_END)
    size = path_file.tell()
    path_file.seek(max(0, size - STDERR_TAIL))
    text = path_file.read().decode("utf-8", "replace")
    return ("..." if size > STDERR_TAIL else "") + text


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


class _Process:
    """One adapter process fed cases[start:], its replies arriving on a queue (None at end of output)."""

    def __init__(self, argv, cases, start, cwd, stderr_file):
        self.process = subprocess.Popen(argv, cwd=cwd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        stderr=stderr_file)
        self.lines: queue.Queue = queue.Queue()
        threading.Thread(target=self._feed, args=(cases, start), daemon=True).start()
        threading.Thread(target=self._read, daemon=True).start()

    def _feed(self, cases, start):
        try:
            for case in cases[start:]:
                self.process.stdin.write(case_line(case))
            self.process.stdin.close()
        except (BrokenPipeError, ValueError, OSError):
            pass  # the adapter went away; the missing replies say so

    def _read(self):
        try:
            for raw in self.process.stdout:
                self.lines.put(raw)
        except (ValueError, OSError):
            pass
        self.lines.put(None)

    def kill(self):
        try:
            self.process.kill()
        except OSError:
            pass


def run_adapter(argv: list[str], cases: list[dict], cwd: Path = REPO_ROOT,
                case_timeout: float = DEFAULT_CASE_TIMEOUT, progress=None,
                max_restarts: int = MAX_RESTARTS) -> AdapterRun:
    """Runs an adapter over the cases, streaming: input is written by a thread while replies are read,
    so no pipe can fill up and block. An adapter that gives no reply for `case_timeout` seconds is
    killed; one that exits before answering everything has crashed. Either way the case it was on
    fails with what happened and its stderr, the adapter is restarted on the next case, and the run
    goes on (up to `max_restarts` times; an adapter that dies at once three times in a row is not
    restarted again). `progress(done, total)` is called as replies come in."""
    started = time.monotonic()
    total = len(cases)
    replies: list = []
    run = AdapterRun(shlex.join(argv), replies, 0.0)
    quick_deaths = 0
    with tempfile.TemporaryFile() as stderr_file:
        while True:  # one adapter process per turn; a crash or hang starts the next one
            begin = len(replies)
            stderr_file.seek(0)
            stderr_file.truncate()
            try:
                proc = _Process(argv, cases, begin, cwd, stderr_file)
            except OSError as e:
                run.start_error = "cannot start %s: %s" % (shlex.join(argv), e)
                replies.extend([run.start_error] * (total - len(replies)))
                break
            incident = None
            while True:
                try:
                    raw = proc.lines.get(timeout=case_timeout)
                except queue.Empty:
                    proc.kill()
                    incident = "gave no answer within %g s (killed)" % case_timeout
                    break
                if raw is None:
                    break
                if len(replies) < total:
                    replies.append(_parse_reply(raw))
                    if progress:
                        progress(len(replies), total)
                elif len(run.problems) < 20:
                    run.problems.append("a reply line after the last case: %r" % raw[:200])
            try:
                code = proc.process.wait(timeout=case_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                code = proc.process.wait()
                if incident is None and len(replies) >= total:
                    run.problems.append("did not exit within %g s of the end of its input (killed)" % case_timeout)
            run.returncode = None if incident else code
            run.stderr = _tail(stderr_file)
            if len(replies) >= total:
                if code not in (0, None) and incident is None and code >= 0:
                    run.problems.append("exit status %d at the end of input (the protocol asks for 0)" % code)
                break
            if incident is None:
                incident = ("exited with status %d" % code if code >= 0 else "killed by signal %d" % -code)
            case_id = cases[len(replies)]["id"]
            run.incidents.append(Incident(case_id, incident, run.stderr))
            replies.append("the adapter %s while on this case (stderr: %s)"
                           % (incident, " | ".join(run.stderr.strip().splitlines()[-3:]) or "empty"))
            if progress:
                progress(len(replies), total)
            quick_deaths = quick_deaths + 1 if len(replies) == begin + 1 else 0
            if len(replies) < total and (run.restarts >= max_restarts or quick_deaths >= 3):
                why = ("it failed at once %d times in a row" % quick_deaths if quick_deaths >= 3
                       else "it was restarted %d times" % run.restarts)
                run.problems.append("gave up on the adapter after %s; %d cases not run"
                                    % (why, total - len(replies)))
                replies.extend(["not run: the runner gave up on the adapter (%s)" % why]
                               * (total - len(replies)))
                break
            if len(replies) < total:
                run.restarts += 1
    for incident in run.incidents:
        if len(run.problems) < 20:
            run.problems.append("%s on %s" % (incident.what, incident.case_id))
    run.seconds = time.monotonic() - started
    return run


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
    kind: str              # one of KINDS
    expected: dict
    got: object = None     # the reply's result, the reply itself, or None
    message: str = ""      # why it did not pass, one line


def judge(case: dict, reply, expected: dict | None = None) -> Outcome:
    """FORMAT.md "Judging": passed when every key of `expected` is present and JSON-equal; partial
    when some keys are missing and every present one is equal (a network error is never partial);
    unsupported for an `unsupported` reply; failed otherwise."""
    if expected is None:
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
        if wrong:
            outcome.message = "differs at %s" % ", ".join(wrong)
            if missing:
                outcome.message += "; missing %s" % ", ".join(missing)
        elif missing and len(missing) < len(expected) and "network_error" not in expected:
            outcome.kind = PARTIAL
            outcome.message = "partial: no %s" % ", ".join(missing)
        elif missing:
            outcome.message = "missing %s" % ", ".join(missing)
        else:
            outcome.kind = PASSED
        return outcome
    if reply.get("unsupported") is True:
        outcome.kind = UNSUPPORTED
        outcome.message = "unsupported" + (": %s" % reply["why"] if isinstance(reply.get("why"), str) else "")
        return outcome
    if "error" in reply:
        outcome.message = "error: %s" % (reply["error"],)
        return outcome
    outcome.message = "reply has no result, unsupported or error"
    return outcome


def judge_run(cases: list[dict], run: AdapterRun, engine: str | None = None) -> dict[str, Outcome]:
    """One outcome per case id, against the engine's variants when an engine is named. Replies pair
    with cases by position (the protocol answers in order); a reply whose id is not its case's id
    fails that case."""
    outcomes = {}
    for index, case in enumerate(cases):
        reply = run.replies[index] if index < len(run.replies) else "no reply"
        expected = expected_for(case, engine)
        if isinstance(reply, dict) and reply.get("id") != case["id"]:
            bad = "reply %d has id %s, expected %s" % (index + 1, json.dumps(reply.get("id")),
                                                      json.dumps(case["id"]))
            if len(run.problems) < 20:
                run.problems.append(bad)
            outcome = judge(case, bad, expected)
            outcome.got = reply
        else:
            if not isinstance(reply, dict) and len(run.problems) < 20 and reply.startswith("not a JSON"):
                run.problems.append("reply %d: %s" % (index + 1, reply))
            outcome = judge(case, reply, expected)
        outcomes[case["id"]] = outcome
    return outcomes


def counts_by_op(outcomes: dict[str, Outcome], ops=OPS) -> dict[str, dict[str, int]]:
    table = {op: dict.fromkeys(KINDS, 0) for op in ops}
    for outcome in outcomes.values():
        table.setdefault(outcome.op, dict.fromkeys(KINDS, 0))[outcome.kind] += 1
    return table


def totals(outcomes: dict[str, Outcome]) -> dict[str, int]:
    out = dict.fromkeys(KINDS, 0)
    for outcome in outcomes.values():
        out[outcome.kind] += 1
    return out


def not_passed(impl: Impl, outcomes: dict[str, Outcome], strict: bool = False) -> list[Outcome]:
    """What fails the run for this impl: failures; with `strict` (and for the project's own
    implementations) partial and unsupported answers too."""
    strict = strict or impl.own
    return [o for o in outcomes.values() if o.kind == FAILED or (strict and o.kind != PASSED)]


def text_table(outcomes: dict[str, Outcome]) -> list[str]:
    table = {op: row for op, row in counts_by_op(outcomes).items() if any(row.values())}
    width = max([len(op) for op in table] + [5])
    lines = ["%-*s %8s %8s %8s %12s" % (width, "op", "passed", "failed", "partial", "unsupported")]
    for op, row in table.items():
        lines.append("%-*s %8d %8d %8d %12d" % (width, op, row[PASSED], row[FAILED], row[PARTIAL], row[UNSUPPORTED]))
    t = totals(outcomes)
    lines.append("%-*s %8d %8d %8d %12d" % (width, "total", t[PASSED], t[FAILED], t[PARTIAL], t[UNSUPPORTED]))
    return lines
