"""pytest wiring of the conformance suite: a thin layer over runner.py and report.py (README.md).

    /usr/bin/python3 -m pytest conformance [--impl "COMMAND" [--label NAME]] ... [--profile P]
        [--engine E] [--corshdr PATH] [--libcorshdr PATH] [--report-dir DIR] [--case-timeout S]

Every implementation under test is one adapter run over the selected vectors (runner.run_adapter);
test_conformance.py then has one test per (implementation, op) and one for the protocol. With no
--impl the project's own two run on every profile and must pass every case.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
for extra in (HERE, HERE / "reference", HERE / "bindings"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))

import report  # noqa: E402
import runner  # noqa: E402

STATE = pytest.StashKey[dict]()


def pytest_addoption(parser):
    group = parser.getgroup("conformance", "corshdr conformance suite")
    group.addoption("--impl", action="append", default=[], metavar="COMMAND",
                    help="an adapter command to validate (PROTOCOL.md), run from the repository root after "
                         "shlex splitting; repeatable. Default: the reference model and `corshdr conform`.")
    group.addoption("--label", action="append", default=[], metavar="NAME",
                    help="the name of the n-th --impl (given in the same order)")
    group.addoption("--profile", choices=runner.PROFILES, default=None,
                    help="vectors to judge: fetch (default with --impl), corshdr, all (default without)")
    group.addoption("--engine", choices=runner.ENGINES, default=None,
                    help="judge against this engine's variants")
    group.addoption("--corshdr", default=None, metavar="PATH",
                    help="the corshdr tool for the default run (else $CORSHDR_BIN, else "
                         "build/test-gcc/tools/corshdr/corshdr)")
    group.addoption("--libcorshdr", default=None, metavar="PATH",
                    help="libcorshdr.so for the ctypes binding and the property tests (else "
                         "$CORSHDR_LIB, else build/test-gcc/libcorshdr.so)")
    group.addoption("--report-dir", default=None, metavar="DIR",
                    help="write report.md, junit.xml, results.json and index.html of the run here")
    group.addoption("--case-timeout", default=runner.DEFAULT_CASE_TIMEOUT, type=float, metavar="SECONDS",
                    help="restart an adapter that answers no case for this long")


def pytest_configure(config):
    commands = config.getoption("impl") or []
    labels = config.getoption("label") or []
    if len(labels) > len(commands):
        raise pytest.UsageError("more --label than --impl options")
    corshdr_path, corshdr_where = runner.resolve_corshdr(config.getoption("corshdr"))
    if commands:
        impls = [runner.impl_from_command(c, labels[i] if i < len(labels) else None) for i, c in enumerate(commands)]
    else:
        impls = runner.default_impls(corshdr_path)
    try:
        runner.check_labels(impls)
    except ValueError as e:
        raise pytest.UsageError(str(e))
    config.stash[STATE] = {
        "impls": {impl.label: impl for impl in impls},
        "default_run": not commands,
        "profile": config.getoption("profile") or ("fetch" if commands else "all"),
        "corshdr": (corshdr_path, corshdr_where),
        "cases": None,
        "results": {},  # label -> report.Result
    }


def state(config) -> dict:
    return config.stash[STATE]


def cases(config) -> list[dict]:
    st = state(config)
    if st["cases"] is None:
        st["cases"] = runner.select(runner.load_cases(), st["profile"])
    return st["cases"]


def result_for(config, label: str) -> report.Result:
    """Runs the adapter once (the first time any of its tests asks) and judges every case."""
    st = state(config)
    if label not in st["results"]:
        impl = st["impls"][label]
        run = runner.run_adapter(impl.argv, cases(config), case_timeout=config.getoption("case_timeout"))
        st["results"][label] = report.Result(impl, run, runner.judge_run(cases(config), run, config.getoption("engine")))
    return st["results"][label]


def pytest_generate_tests(metafunc):
    labels = list(state(metafunc.config)["impls"])
    if "conformance_op" in metafunc.fixturenames:
        pairs = [(label, op) for label in labels for op in runner.OPS]
        metafunc.parametrize("conformance_op", pairs, ids=["%s:%s" % p for p in pairs])
    if "conformance_impl" in metafunc.fixturenames:
        metafunc.parametrize("conformance_impl", labels, ids=labels)


def _missing_library_message(config) -> str | None:
    import corshdr_ctypes
    try:
        corshdr_ctypes.library_path(config.getoption("libcorshdr"), must_exist=True)
    except corshdr_ctypes.LibraryNotFound as e:
        return str(e)
    return None


def pytest_collection_modifyitems(session, config, items):
    """Fail the whole run at once, with one clear message, when something it needs is not built
    (never a silent skip)."""
    st = state(config)
    messages = []
    corshdr_path, where = st["corshdr"]
    needs_tool = st["default_run"] and any(
        getattr(item, "callspec", None) is not None
        and (item.callspec.params.get("conformance_op", ("",))[0] == "corshdr"
             or item.callspec.params.get("conformance_impl") == "corshdr")
        for item in items)
    if needs_tool and not os.access(corshdr_path, os.X_OK):
        messages.append(runner.missing_corshdr_message(corshdr_path, where))
    if any("corshdr_lib" in getattr(item, "fixturenames", ()) for item in items):
        message = _missing_library_message(config)
        if message:
            messages.append(message)
    if messages:
        pytest.exit("\n\n".join(messages), returncode=pytest.ExitCode.USAGE_ERROR)


@pytest.fixture(scope="session")
def corshdr_lib(pytestconfig):
    import corshdr_ctypes
    return corshdr_ctypes.Corshdr(pytestconfig.getoption("libcorshdr"))


def _settings(config) -> report.Settings:
    return report.Settings(state(config)["profile"], config.getoption("engine"), cases(config))


def pytest_sessionfinish(session, exitstatus):
    st = session.config.stash.get(STATE, None)
    directory = session.config.getoption("report_dir")
    if not st or not st["results"] or not directory:
        return
    results = [st["results"][label] for label in st["impls"] if label in st["results"]]
    st["report_paths"] = report.write_all(Path(directory), results, _settings(session.config))


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    st = config.stash.get(STATE, None)
    if not st or not st["results"]:
        return
    tr = terminalreporter
    for label in st["impls"]:
        if label not in st["results"]:
            continue
        result = st["results"][label]
        tr.write_sep("=", "conformance: %s%s" % (label, " (own implementation)" if result.impl.own else ""))
        tr.write_line("command: %s  (%s, %.1f s)" % (result.impl.command, _settings(config).describe(), result.run.seconds))
        for problem in result.run.problems:
            tr.write_line("protocol problem: %s" % problem, red=True)
        for line in runner.text_table(result.outcomes):
            tr.write_line(line)
    if st.get("report_paths"):
        tr.write_line("reports: %s" % ", ".join(str(p) for p in st["report_paths"].values()))
