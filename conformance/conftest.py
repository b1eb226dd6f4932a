"""pytest wiring of the conformance suite (see README.md in this directory).

    /usr/bin/python3 -m pytest conformance [--impl "COMMAND" ...] [--corshdr PATH]
                                           [--libcorshdr PATH] [--report-md PATH] [--junitxml PATH]

Every implementation under test is one adapter process (DESIGN.md §5) that receives every vector;
test_conformance.py then has one test per (implementation, vector id). runner.py does the work.
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

import runner  # noqa: E402

STATE = pytest.StashKey[dict]()


def pytest_addoption(parser):
    group = parser.getgroup("conformance", "corshdr conformance suite")
    group.addoption("--impl", action="append", default=[], metavar="COMMAND",
                    help="an adapter command to validate (DESIGN.md section 5), run from the repository "
                         "root after shlex splitting; repeatable. Default: the reference model and "
                         "`corshdr conform`.")
    group.addoption("--corshdr", default=None, metavar="PATH",
                    help="the corshdr tool for the default run (else $CORSHDR_BIN, else "
                         "build/test-gcc/tools/corshdr/corshdr)")
    group.addoption("--libcorshdr", default=None, metavar="PATH",
                    help="libcorshdr.so for the ctypes binding and the property tests (else "
                         "$CORSHDR_LIB, else build/test-gcc/libcorshdr.so)")
    group.addoption("--report-md", default=None, metavar="PATH",
                    help="where to write the Markdown report (default conformance/report/report.md)")
    group.addoption("--adapter-timeout", default=600.0, type=float, metavar="SECONDS",
                    help="kill an adapter that has not answered every vector after this long")


def pytest_configure(config):
    commands = config.getoption("impl") or []
    corshdr_path, corshdr_where = runner.resolve_corshdr(config.getoption("corshdr"))
    if commands:
        impls = [runner.impl_from_command(c) for c in commands]
    else:
        impls = runner.default_impls(corshdr_path)
    config.stash[STATE] = {
        "impls": {impl.label: impl for impl in runner.unique_labels(impls)},
        "default_run": not commands,
        "corshdr": (corshdr_path, corshdr_where),
        "cases": None,
        "results": {},  # label -> (impl, AdapterRun, {id: Outcome})
    }


def state(config) -> dict:
    return config.stash[STATE]


def cases(config) -> list[dict]:
    st = state(config)
    if st["cases"] is None:
        st["cases"] = runner.load_cases()
    return st["cases"]


def case_by_id(config) -> dict[str, dict]:
    st = state(config)
    if "by_id" not in st:
        st["by_id"] = {c["id"]: c for c in cases(config)}
    return st["by_id"]


def results_for(config, label: str):
    """Runs the adapter once (the first time any of its tests asks) and judges every case."""
    st = state(config)
    if label not in st["results"]:
        impl = st["impls"][label]
        all_cases = cases(config)
        run = runner.run_adapter(impl.argv, all_cases, timeout=config.getoption("adapter_timeout"))
        st["results"][label] = (impl, run, runner.judge_run(all_cases, run))
    return st["results"][label]


def pytest_generate_tests(metafunc):
    if "conformance_case" in metafunc.fixturenames:
        impls = list(state(metafunc.config)["impls"].values())
        ids = [c["id"] for c in cases(metafunc.config)]
        metafunc.parametrize("conformance_case", [(impl.label, i) for impl in impls for i in ids],
                             ids=["%s:%s" % (impl.label, i) for impl in impls for i in ids])
    if "conformance_impl" in metafunc.fixturenames:
        labels = list(state(metafunc.config)["impls"])
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
        and (item.callspec.params.get("conformance_case", ("",))[0] == "corshdr"
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


def pytest_sessionfinish(session, exitstatus):
    st = session.config.stash.get(STATE, None)
    if not st or not st["results"]:
        return
    results = [st["results"][label] for label in st["impls"] if label in st["results"]]
    path = session.config.getoption("report_md") or runner.DEFAULT_REPORT
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(runner.markdown_report(results, cases(session.config)), encoding="utf-8")
    st["report_path"] = path


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    st = config.stash.get(STATE, None)
    if not st or not st["results"]:
        return
    tr = terminalreporter
    n = len(cases(config))
    for label in st["impls"]:
        if label not in st["results"]:
            continue
        impl, run, outcomes = st["results"][label]
        tr.write_sep("=", "conformance: %s%s" % (label, " (own implementation)" if impl.own else ""))
        tr.write_line("command: %s  (%d vectors, %.1f s)" % (impl.command, n, run.seconds))
        for problem in run.problems:
            tr.write_line("protocol problem: %s" % problem, red=True)
        for line in runner.text_table(impl, outcomes):
            tr.write_line(line)
        bad = runner.not_passed(impl, outcomes)
        if bad:
            shown = ", ".join(o.case_id for o in bad[:10])
            tr.write_line("not passed (%d): %s%s" % (len(bad), shown, ", ..." if len(bad) > 10 else ""),
                          red=True)
    if st.get("report_path"):
        tr.write_line("Markdown report: %s" % st["report_path"])
