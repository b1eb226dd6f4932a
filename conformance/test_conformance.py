"""The implementations under test through the selected vectors: one test per (implementation, op),
and one for the adapter protocol.

The implementations are adapter commands (PROTOCOL.md): by default the reference model and
`corshdr conform` (every profile; every case must pass), or the --impl commands (the Fetch profile
unless --profile says otherwise; unsupported ops are skipped, partial answers pass). Each runs once, as
one process, over all vectors (conftest.result_for); these tests only read its answers.
"""

import json

import pytest

import runner
from conftest import cases, result_for

SHOWN = 20


def _show(value) -> str:
    text = json.dumps(value, ensure_ascii=True)
    return text if len(text) <= 600 else text[:600] + "... (%d characters)" % len(text)


def test_adapter_protocol(pytestconfig, conformance_impl):
    """The adapter starts, answers every line in order with its id, never crashes or hangs, and exits 0."""
    result = result_for(pytestconfig, conformance_impl)
    if result.run.problems:
        tail = result.run.stderr.strip().splitlines()[-10:]
        pytest.fail("%s (%s) broke the adapter protocol:\n  %s%s" % (
            result.impl.label, result.impl.command, "\n  ".join(result.run.problems),
            "\nstderr (last lines):\n  " + "\n  ".join(tail) if tail else ""), pytrace=False)


def test_op(pytestconfig, conformance_op):
    label, op = conformance_op
    result = result_for(pytestconfig, label)
    mine = {i: o for i, o in result.outcomes.items() if o.op == op}
    if not mine:
        pytest.skip("no %s vector in the selected profile" % op)
    bad = runner.not_passed(result.impl, mine)
    if not bad and all(o.kind == runner.UNSUPPORTED for o in mine.values()):
        pytest.skip("%s does not support %s" % (label, op))
    if not bad:
        return
    by_id = {c["id"]: c for c in cases(pytestconfig)}
    lines = ["%s: %d of %d %s cases did not pass" % (label, len(bad), len(mine), op)]
    for o in bad[:SHOWN]:
        lines.append("  %s (%s): %s\n    input:    %s\n    expected: %s\n    got:      %s"
                     % (o.case_id, o.kind, o.message, _show(by_id[o.case_id]["input"]), _show(o.expected), _show(o.got)))
    if len(bad) > SHOWN:
        lines.append("  ... %d more (run python3 -m conformance.run with --out DIR for every case)" % (len(bad) - SHOWN))
    pytest.fail("\n".join(lines), pytrace=False)
