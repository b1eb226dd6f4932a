"""Every vector through every implementation under test: one test per (implementation, vector id).

The implementations are adapter commands (DESIGN.md §5): by default the reference model and
`corshdr conform`, or the --impl commands. Each runs once, as one process, over all vectors
(conftest.results_for); these tests only read its answers.
"""

import json

import pytest

import runner
from conftest import case_by_id, results_for


def _show(value) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 2000 else text[:2000] + "... (%d characters)" % len(text)


def test_adapter_protocol(pytestconfig, conformance_impl):
    """The adapter starts, answers every line in order with its id, and exits 0 (DESIGN.md §5)."""
    impl, run, _ = results_for(pytestconfig, conformance_impl)
    if run.problems:
        tail = run.stderr.strip().splitlines()[-10:]
        pytest.fail("%s (%s) broke the adapter protocol:\n  %s%s" % (
            impl.label, impl.command, "\n  ".join(run.problems),
            "\nstderr (last lines):\n  " + "\n  ".join(tail) if tail else ""), pytrace=False)


def test_vector(pytestconfig, conformance_case):
    label, case_id = conformance_case
    impl, run, outcomes = results_for(pytestconfig, label)
    outcome = outcomes[case_id]
    if outcome.kind == runner.PASSED:
        return
    if outcome.kind == runner.UNSUPPORTED and not impl.own:
        pytest.skip("unsupported by %s (op %s)" % (label, outcome.op))
    why = ("unsupported: the project's own implementations must support every op"
           if outcome.kind == runner.UNSUPPORTED else outcome.message)
    pytest.fail("%s: %s\n  op:       %s\n  input:    %s\n  expected: %s\n  got:      %s"
                % (label, why, outcome.op, _show(case_by_id(pytestconfig)[case_id]["input"]),
                   _show(outcome.expected), _show(outcome.got)), pytrace=False)
