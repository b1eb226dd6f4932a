"""The ctypes binding mirrors corshdr.h exactly and computes every op; the suite's clear failures
when the C library or the tool is not built."""

import ctypes
import re
import shutil
import subprocess
import sys

import pytest

import corshdr_ctypes as cc
import runner

HEADER = runner.REPO_ROOT / "parser" / "include" / "corshdr.h"


def declarations() -> dict[str, int]:
    """Every CORSHDR_API function of corshdr.h and its number of parameters."""
    text = re.sub(r"/\*.*?\*/", "", HEADER.read_text(), flags=re.S)
    found = {}
    for name, params in re.findall(r"CORSHDR_API\s[^;(]*?\b(corshdr_\w+)\s*\(([^)]*)\)", text):
        params = params.strip()
        found[name] = 0 if params in ("", "void") else params.count(",") + 1
    return found


def test_prototypes_match_the_header():
    """Each bound function is declared in corshdr.h with as many parameters as the binding passes."""
    declared = declarations()
    missing = sorted(set(cc.PROTOTYPES) - set(declared))
    assert not missing, "bound but not declared in corshdr.h: %s" % missing
    wrong = {name: (len(argtypes), declared[name]) for name, (_, argtypes) in cc.PROTOTYPES.items()
             if len(argtypes) != declared[name]}
    assert not wrong, "parameter counts (binding, header): %s" % wrong


def test_every_function_is_bound():
    """lex, list, names, cors, the request side and the server policy: everything the ops can need."""
    unbound = sorted(n for n in declarations() if n not in cc.PROTOTYPES)
    assert not unbound, unbound


def test_structs_match_the_c_compiler(tmp_path):
    compiler = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
    if not compiler:
        pytest.skip("no C compiler to compare the struct layouts with")
    lines = ['#include <stddef.h>', '#include <stdio.h>', '#include "corshdr.h"', "int main(void) {"]
    for struct in cc.STRUCTS:
        name = struct.__name__
        lines.append('printf("%s sizeof %%zu\\n", sizeof(%s));' % (name, name))
        for field, _ in struct._fields_:
            lines.append('printf("%s %s %%zu\\n", offsetof(%s, %s));' % (name, field, name, field))
    lines.append("return 0; }")
    source = tmp_path / "layout.c"
    source.write_text("\n".join(lines))
    subprocess.run([compiler, "-std=c11", "-I", str(HEADER.parent), str(source), "-o", str(tmp_path / "layout")],
                   check=True, timeout=120)
    c_layout = subprocess.run([str(tmp_path / "layout")], capture_output=True, text=True, check=True).stdout
    py_layout = []
    for struct in cc.STRUCTS:
        py_layout.append("%s sizeof %d" % (struct.__name__, ctypes.sizeof(struct)))
        for field, _ in struct._fields_:
            py_layout.append("%s %s %d" % (struct.__name__, field, getattr(struct, field).offset))
    assert c_layout.splitlines() == py_layout


def test_status_names(corshdr_lib):
    assert corshdr_lib.err_name(cc.CORSHDR_ETOKEN) == "ETOKEN"
    assert corshdr_lib.err_name(cc.CORSHDR_EAUTHORIZATION) == "EAUTHORIZATION"
    assert corshdr_lib.version() == "%d.%d.%d" % tuple(
        int(re.search(r"#define CORSHDR_VERSION_%s (\d+)" % part, HEADER.read_text()).group(1))
        for part in ("MAJOR", "MINOR", "PATCH"))


def test_options_defaults(corshdr_lib):
    opt = cc.corshdr_options()
    corshdr_lib.c.corshdr_options_init(ctypes.byref(opt))
    assert (opt.max_elements, opt.max_empty, opt.max_bytes) == (
        cc.CORSHDR_DEFAULT_MAX_ELEMENTS, cc.CORSHDR_DEFAULT_MAX_EMPTY, cc.CORSHDR_DEFAULT_MAX_BYTES)


def test_list_error_record(corshdr_lib):
    """The README's example through the binding: `x-a, b@d` fails with ETOKEN at byte 6."""
    keep = cc._Keep()
    fields = (cc.corshdr_field * 1)()
    fields[0].name = keep.span(b"Access-Control-Request-Headers")
    fields[0].value = keep.span(b"x-a, b@d")
    out = (cc.corshdr_span * 4)()
    count, err = ctypes.c_size_t(), cc.corshdr_error()
    name = b"access-control-request-headers"
    st = corshdr_lib.c.corshdr_list_extract(fields, 1, keep.ptr(name), len(name), cc.CORSHDR_LIST_NONEMPTY,
                                            None, out, 4, ctypes.byref(count), ctypes.byref(err))
    assert (st, err.code, err.line, err.offset) == (cc.CORSHDR_ETOKEN, cc.CORSHDR_ETOKEN, 0, 6)


def test_binding_passes_every_vector(corshdr_lib):
    """The C library through ctypes, judged like an adapter, over every vector (with every kernel
    for the ops whose calls take one)."""
    failures = []
    for case in runner.load_cases():
        kernels = cc.KERNELS.items() if case["op"] in cc.KERNEL_OPS else [("auto", None)]
        for kernel_name, kernel in kernels:
            result = corshdr_lib.run_op(case["op"], case["input"], kernel=kernel)
            outcome = runner.judge(case, {"id": case["id"], "result": result})
            if outcome.kind != runner.PASSED:
                failures.append("%s (kernel %s): expected %s, got %s" % (
                    case["id"], kernel_name, outcome.expected, outcome.got))
    assert not failures, "%d failures:\n%s" % (len(failures), "\n".join(failures[:50]))


def test_missing_library_says_how_to_build_it(tmp_path):
    with pytest.raises(cc.LibraryNotFound) as e:
        cc.library_path(str(tmp_path / "libcorshdr.so"), must_exist=True)
    assert "cmake -S . -B build/test-gcc" in str(e.value) and "--libcorshdr" in str(e.value)


def test_missing_tool_stops_the_run_with_one_clear_message(tmp_path):
    missing = tmp_path / "corshdr"
    done = subprocess.run([sys.executable, "-m", "pytest", "conformance/test_conformance.py", "-q",
                           "-p", "no:cacheprovider", "--corshdr", str(missing)],
                          cwd=runner.REPO_ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert "the corshdr tool (--corshdr) does not exist: %s" % missing in done.stdout + done.stderr
    assert "cmake -S . -B build/test-gcc -G Ninja" in done.stdout + done.stderr
    assert "passed" not in done.stdout
