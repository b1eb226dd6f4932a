"""A ctypes binding of libcorshdr (parser/include/corshdr.h), and the vector operations of DESIGN.md §4
(conformance/FORMAT.md) computed with it, as conformance/SEMANTICS.md defines them.

    from corshdr_ctypes import Corshdr
    lib = Corshdr()                       # --libcorshdr / $CORSHDR_LIB / build/test-gcc/libcorshdr.so
    lib.token_check(b"GET")               # -> CORSHDR_OK
    lib.run_op("name-list", {"headers": [["A", "x, y"]], "name": "A"})   # -> {"values": ["x", "y"]}

The structures mirror corshdr.h field for field (test_bindings.py compares their sizes and offsets
with a C compiler's). Pointers to bytes are c_void_p so that ctypes never reads them as NUL-terminated
strings; spans are read back with ctypes.string_at.
"""

from __future__ import annotations

import ctypes
import os
from ctypes import (CFUNCTYPE, POINTER, Structure, byref, c_char_p, c_int, c_int32, c_size_t, c_uint, c_uint32,
                    c_void_p)
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_LIBRARY = REPO_ROOT / "build" / "test-gcc" / "libcorshdr.so"


class LibraryNotFound(RuntimeError):
    """libcorshdr.so is not where the suite was told to look."""


def library_path(option: str | None = None, must_exist: bool = False) -> str:
    """--libcorshdr, else $CORSHDR_LIB, else build/test-gcc/libcorshdr.so (relative paths from the
    repository root). With must_exist, LibraryNotFound says how to build it."""
    if option:
        where, path = "--libcorshdr", option
    elif os.environ.get("CORSHDR_LIB"):
        where, path = "CORSHDR_LIB", os.environ["CORSHDR_LIB"]
    else:
        where, path = "the default path", str(DEFAULT_LIBRARY.relative_to(REPO_ROOT))
    absolute = Path(path) if Path(path).is_absolute() else REPO_ROOT / path
    if must_exist and not absolute.is_file():
        raise LibraryNotFound(
            "libcorshdr (%s) does not exist: %s\n"
            "The ctypes binding and the property tests load the C library; build it with\n"
            "    cmake -S . -B build/test-gcc -G Ninja && cmake --build build/test-gcc\n"
            "(or: sh tools/test-all.sh), or point them at another build with --libcorshdr PATH\n"
            "(environment: CORSHDR_LIB)" % (where, absolute))
    return str(absolute)


# ---- corshdr.h: constants -------------------------------------------------------------------------

CORSHDR_NPOS = ctypes.c_size_t(-1).value

CORSHDR_OK = 0
CORSHDR_DONE = 1
CORSHDR_ABSENT = 2
CORSHDR_EINVAL = -1
CORSHDR_ENOSPC = -2
CORSHDR_ENAME = -3
CORSHDR_EVALUE = -4
CORSHDR_ESPACE = -5
CORSHDR_ETOKEN = -6
CORSHDR_EEMPTY = -7
CORSHDR_EREPEATED = -8
CORSHDR_ETOOMANY = -9
CORSHDR_EEMPTIES = -10
CORSHDR_ETOOLONG = -11
CORSHDR_EORIGIN = -12
CORSHDR_EMAXAGE = -13
CORSHDR_ENOACAO = -14
CORSHDR_EACAO = -15
CORSHDR_EWILDCARD = -16
CORSHDR_EACAC = -17
CORSHDR_ESTATUS = -18
CORSHDR_EMETHOD = -19
CORSHDR_EHEADER = -20
CORSHDR_EAUTHORIZATION = -21

CORSHDR_KERNEL_AUTO = 0
CORSHDR_KERNEL_SCALAR = 1
CORSHDR_KERNEL_SSE2 = 2
CORSHDR_KERNEL_AVX2 = 3
KERNELS = {"auto": CORSHDR_KERNEL_AUTO, "scalar": CORSHDR_KERNEL_SCALAR, "sse2": CORSHDR_KERNEL_SSE2,
           "avx2": CORSHDR_KERNEL_AVX2}
# The ops whose calls take corshdr_options, and so a kernel.
KERNEL_OPS = ("name-list", "exposed", "preflight", "policy-apply")

CORSHDR_DEFAULT_MAX_ELEMENTS = 1024
CORSHDR_DEFAULT_MAX_EMPTY = 1024
CORSHDR_DEFAULT_MAX_BYTES = 65536

CORSHDR_LIST_SINGLETON = 0x1
CORSHDR_LIST_NONEMPTY = 0x2

CORSHDR_CREDENTIALS_OMIT = 0
CORSHDR_CREDENTIALS_SAME_ORIGIN = 1
CORSHDR_CREDENTIALS_INCLUDE = 2

CREDENTIALS = {"omit": CORSHDR_CREDENTIALS_OMIT, "same-origin": CORSHDR_CREDENTIALS_SAME_ORIGIN,
               "include": CORSHDR_CREDENTIALS_INCLUDE}

# corshdr_status, corshdr_kernel and corshdr_credentials are C enums: int-sized on every ABI we build for.
c_enum = c_int


# ---- corshdr.h: structures (same order, same types) -------------------------------------------------

class corshdr_span(Structure):
    _fields_ = [("ptr", c_void_p),        # const char *
                ("len", c_size_t)]


class corshdr_field(Structure):
    _fields_ = [("name", corshdr_span),
                ("value", corshdr_span)]


class corshdr_error(Structure):
    _fields_ = [("code", c_enum),         # corshdr_status
                ("line", c_size_t),
                ("offset", c_size_t),
                ("in_name", c_int),
                ("expected", c_char_p)]   # const char *, static text


class corshdr_options(Structure):
    _fields_ = [("max_elements", c_size_t),
                ("max_empty", c_size_t),
                ("max_bytes", c_size_t),
                ("kernel", c_enum)]       # corshdr_kernel


class corshdr_split(Structure):
    _fields_ = [("ptr", c_void_p),        # const char *
                ("len", c_size_t),
                ("pos", c_size_t),
                ("done", c_int)]


class corshdr_list(Structure):
    _fields_ = [("fields", POINTER(corshdr_field)),
                ("nfields", c_size_t),
                ("name", c_void_p),       # const char *
                ("name_len", c_size_t),
                ("opt", corshdr_options),
                ("flags", c_uint),
                ("line", c_size_t),
                ("pos", c_size_t),
                ("end", c_size_t),
                ("elements", c_size_t),
                ("empties", c_size_t),
                ("bytes", c_size_t),
                ("error", corshdr_error)]


class corshdr_name(Structure):
    _fields_ = [("name", corshdr_span),
                ("seq", c_size_t),
                ("mark", c_uint)]


class corshdr_names(Structure):
    _fields_ = [("items", POINTER(corshdr_name)),
                ("cap", c_size_t),
                ("count", c_size_t),
                ("needed", c_size_t),
                ("sorted", c_int)]


class corshdr_request(Structure):
    _fields_ = [("origin", corshdr_span),
                ("method", corshdr_span),
                ("credentials", c_enum),  # corshdr_credentials
                ("headers", POINTER(corshdr_names)),
                ("use_preflight", c_int),
                ("max_age_cap", c_uint32)]


CORSHDR_CORS_NAMES = 9
CORSHDR_INDEX_KEPT = 8


class corshdr_index(Structure):
    _fields_ = [("fields", c_void_p),
                ("n", c_size_t),
                ("count", c_size_t * CORSHDR_CORS_NAMES),
                ("line", (c_size_t * CORSHDR_INDEX_KEPT) * CORSHDR_CORS_NAMES)]


STRUCTS = (corshdr_span, corshdr_field, corshdr_error, corshdr_options, corshdr_split, corshdr_list,
           corshdr_name, corshdr_names, corshdr_request, corshdr_index)

# name: (restype, argtypes). Every function of corshdr.h.
_P = c_void_p          # const char * (bytes)
_FIELDS = POINTER(corshdr_field)
_ERR = POINTER(corshdr_error)
_OPT = POINTER(corshdr_options)
_SZ = POINTER(c_size_t)
PROTOTYPES = {
    "corshdr_strerror": (c_char_p, [c_enum]),
    "corshdr_err_name": (c_char_p, [c_enum]),
    "corshdr_version": (c_char_p, []),
    "corshdr_options_init": (None, [_OPT]),
    "corshdr_tchar_span": (c_size_t, [_P, c_size_t, c_enum]),
    "corshdr_kernel_active": (c_enum, []),
    "corshdr_token_check": (c_enum, [_P, c_size_t, _ERR]),
    "corshdr_value_check": (c_enum, [_P, c_size_t, _ERR]),
    "corshdr_value_trim": (corshdr_span, [_P, c_size_t]),
    "corshdr_fields_check": (c_enum, [_FIELDS, c_size_t, _ERR]),
    "corshdr_name_compare": (c_int, [_P, c_size_t, _P, c_size_t]),
    "corshdr_header_find": (c_enum, [_FIELDS, c_size_t, _P, c_size_t, _SZ]),
    "corshdr_header_combine": (c_enum, [_FIELDS, c_size_t, _P, c_size_t, _P, c_size_t, _SZ]),
    "corshdr_split_init": (None, [POINTER(corshdr_split), _P, c_size_t]),
    "corshdr_split_next": (c_enum, [POINTER(corshdr_split), POINTER(corshdr_span)]),
    "corshdr_list_init": (c_enum, [POINTER(corshdr_list), _FIELDS, c_size_t, _P, c_size_t, c_uint, _OPT,
                                   _ERR]),
    "corshdr_list_next": (c_enum, [POINTER(corshdr_list), POINTER(corshdr_span), _ERR]),
    "corshdr_list_extract": (c_enum, [_FIELDS, c_size_t, _P, c_size_t, c_uint, _OPT,
                                      POINTER(corshdr_span), c_size_t, _SZ, _ERR]),
    "corshdr_list_parse": (c_enum, [_P, c_size_t, c_uint, _OPT, POINTER(corshdr_span), c_size_t, _SZ, _ERR]),
    "corshdr_names_init": (None, [POINTER(corshdr_names), POINTER(corshdr_name), c_size_t]),
    "corshdr_names_add": (c_enum, [POINTER(corshdr_names), _P, c_size_t]),
    "corshdr_names_sort": (None, [POINTER(corshdr_names)]),
    "corshdr_names_find": (c_enum, [POINTER(corshdr_names), _P, c_size_t, _SZ]),
    "corshdr_names_join": (c_enum, [POINTER(corshdr_names), _P, c_size_t, _P, c_size_t, _SZ]),
    "corshdr_origin_check": (c_enum, [_P, c_size_t, _ERR]),
    "corshdr_cors_check": (c_enum, [_FIELDS, c_size_t, _P, c_size_t, c_enum, _ERR]),
    "corshdr_index_build": (c_enum, [POINTER(corshdr_index), _FIELDS, c_size_t, _OPT, _ERR]),
    "corshdr_index_cors_check": (c_enum, [POINTER(corshdr_index), _P, c_size_t, c_enum, _ERR]),
    "corshdr_index_preflight_check": (c_enum, [POINTER(corshdr_index), POINTER(corshdr_request), c_int, _OPT,
                                               POINTER(c_uint32), _ERR]),
    "corshdr_index_max_age": (c_enum, [POINTER(corshdr_index), POINTER(c_uint32), _ERR]),
    "corshdr_index_exposed_filter": (c_enum, [POINTER(corshdr_index), c_enum, _OPT, POINTER(corshdr_names), _ERR]),
    "corshdr_index_is_exposed": (c_int, [POINTER(corshdr_index), c_enum, _OPT, _P, c_size_t]),
    "corshdr_preflight_check": (c_enum, [POINTER(corshdr_request), c_int, _FIELDS, c_size_t, _OPT,
                                         POINTER(c_uint32), _ERR]),
    "corshdr_max_age_parse": (c_enum, [_FIELDS, c_size_t, POINTER(c_uint32), _ERR]),
    "corshdr_exposed_filter": (c_enum, [_FIELDS, c_size_t, c_enum, _OPT, POINTER(corshdr_names), _ERR]),
    "corshdr_is_exposed": (c_int, [_FIELDS, c_size_t, c_enum, _OPT, _P, c_size_t]),
    "corshdr_is_safelisted_request_header": (c_int, [_P, c_size_t, _P, c_size_t]),
    "corshdr_is_forbidden_request_header": (c_int, [_P, c_size_t, _P, c_size_t]),
    "corshdr_is_forbidden_method": (c_int, [_P, c_size_t]),
    "corshdr_is_safelisted_method": (c_int, [_P, c_size_t]),
    "corshdr_is_safelisted_response_name": (c_int, [_P, c_size_t]),
    "corshdr_is_forbidden_response_name": (c_int, [_P, c_size_t]),
    "corshdr_method_normalize": (corshdr_span, [_P, c_size_t]),
    "corshdr_unsafe_names_collect": (c_enum, [_FIELDS, c_size_t, POINTER(corshdr_names), _ERR]),
}

# ---- corshdr.h: the policy layer ------------------------------------------------------------------

CORSHDR_EPOLICY = -27
CORSHDR_POLICY_FIELDS = 7
POLICY_PARTS = ("origins", "methods", "headers", "expose", "settings")   # corshdr_policy_part
REQUEST_KINDS = ("plain", "actual", "preflight")                        # corshdr_request_kind
SUFFIX_CALLBACK = CFUNCTYPE(c_int, c_void_p, c_void_p, c_size_t)        # is_public_suffix(ctx, domain, len)


class corshdr_policy_config(Structure):
    _fields_ = [("origins", POINTER(corshdr_span)),
                ("norigins", c_size_t),
                ("allow_null", c_int),
                ("credentials", c_int),
                ("methods", POINTER(corshdr_span)),
                ("nmethods", c_size_t),
                ("headers", POINTER(corshdr_span)),
                ("nheaders", c_size_t),
                ("expose", POINTER(corshdr_span)),
                ("nexpose", c_size_t),
                ("max_age", c_int32),
                ("preflight_status", c_int),
                ("debug", c_int),
                ("is_public_suffix", SUFFIX_CALLBACK),
                ("suffix_ctx", c_void_p)]


class corshdr_problem(Structure):
    _fields_ = [("code", c_enum),
                ("part", c_enum),         # corshdr_policy_part
                ("index", c_size_t),
                ("offset", c_size_t),
                ("message", c_char_p)]


class corshdr_policy(Structure):
    _fields_ = [("exact", corshdr_names),
                ("headers", corshdr_names),
                ("patterns", c_void_p),
                ("npatterns", c_size_t),
                ("acam", corshdr_span),
                ("acah", corshdr_span),
                ("aceh", corshdr_span),
                ("acma", corshdr_span),
                ("flags", c_uint),
                ("preflight_status", c_int),
                ("storage_needed", c_size_t)]


class corshdr_policy_answer(Structure):
    _fields_ = [("kind", c_enum),         # corshdr_request_kind
                ("status", c_int),
                ("lines", corshdr_field * CORSHDR_POLICY_FIELDS),
                ("nlines", c_size_t),
                ("why", corshdr_error)]


STRUCTS += (corshdr_policy_config, corshdr_problem, corshdr_policy, corshdr_policy_answer)
PROTOTYPES.update({
    "corshdr_policy_compile": (c_enum, [POINTER(corshdr_policy), POINTER(corshdr_policy_config), c_void_p, c_size_t,
                                        POINTER(corshdr_problem), c_size_t, _SZ]),
    "corshdr_policy_apply": (c_enum, [POINTER(corshdr_policy), _P, c_size_t, _FIELDS, c_size_t, _OPT,
                                      POINTER(corshdr_policy_answer)]),
})

# SEMANTICS.md §4 name-list step 2: the headers whose ABNF allows a single line.
SINGLETON_HEADERS = (b"access-control-allow-origin", b"access-control-allow-credentials",
                     b"access-control-max-age", b"access-control-request-method")


class MalformedCase(ValueError):
    """The JSON input does not have the shape its op requires (as corsref.MalformedCase)."""


class _Keep:
    """Holds the Python bytes objects whose buffers C spans point into, for the length of a call."""

    def __init__(self):
        self.objects = []

    def ptr(self, data: bytes) -> int | None:
        """The address of data's bytes (never NULL, even for b"")."""
        buf = c_char_p(data)
        self.objects.append(buf)
        return ctypes.cast(buf, c_void_p).value

    def span(self, data: bytes) -> corshdr_span:
        return corshdr_span(self.ptr(data), len(data))


def span_bytes(span: corshdr_span) -> bytes:
    return ctypes.string_at(span.ptr, span.len) if span.len else b""


class Corshdr:
    """libcorshdr loaded with ctypes: the raw C functions as attributes (lib.c.corshdr_token_check),
    byte-level helpers, and run_op for the vector operations."""

    def __init__(self, path: str | None = None):
        self.path = library_path(path, must_exist=True)
        self.c = ctypes.CDLL(self.path)
        for name, (restype, argtypes) in PROTOTYPES.items():
            function = getattr(self.c, name)
            function.restype = restype
            function.argtypes = argtypes

    # ---- helpers over bytes ----

    def options(self, kernel: int | None = None) -> corshdr_options | None:
        """None (the library's defaults, kernel AUTO), or the defaults with the given kernel."""
        if kernel is None:
            return None
        opt = corshdr_options()
        self.c.corshdr_options_init(byref(opt))
        opt.kernel = kernel
        return opt

    def tchar_span(self, value: bytes, kernel: int = CORSHDR_KERNEL_AUTO) -> int:
        keep = _Keep()
        return self.c.corshdr_tchar_span(keep.ptr(value), len(value), kernel)

    def list_parse(self, value: bytes, flags: int = 0,
                   options: corshdr_options | None = None) -> tuple[int, list[bytes]]:
        """corshdr_list_parse of one value: (status, elements). Sized in two calls."""
        keep = _Keep()
        count = c_size_t(0)
        opt = byref(options) if options is not None else None
        st = self.c.corshdr_list_parse(keep.ptr(value), len(value), flags, opt, None, 0, byref(count), None)
        if st == CORSHDR_ENOSPC:
            out = (corshdr_span * count.value)()
            st = self.c.corshdr_list_parse(keep.ptr(value), len(value), flags, opt, out, count.value,
                                           byref(count), None)
            return st, [span_bytes(out[i]) for i in range(count.value)] if st == CORSHDR_OK else []
        return st, []

    def version(self) -> str:
        return self.c.corshdr_version().decode()

    def err_name(self, status: int) -> str:
        return self.c.corshdr_err_name(status).decode()

    def _fields(self, keep: _Keep, headers: list[tuple[bytes, bytes]]):
        array = (corshdr_field * max(len(headers), 1))()
        for i, (name, value) in enumerate(headers):
            array[i].name = keep.span(name)
            array[i].value = keep.span(value)
        keep.objects.append(array)
        return array

    def token_check(self, value: bytes) -> int:
        keep = _Keep()
        return self.c.corshdr_token_check(keep.ptr(value), len(value), None)

    def value_check(self, value: bytes) -> int:
        keep = _Keep()
        return self.c.corshdr_value_check(keep.ptr(value), len(value), None)

    def fields_check(self, headers) -> tuple[int, corshdr_error]:
        keep = _Keep()
        err = corshdr_error()
        st = self.c.corshdr_fields_check(self._fields(keep, headers), len(headers), byref(err))
        return st, err

    def origin_check(self, value: bytes) -> int:
        keep = _Keep()
        return self.c.corshdr_origin_check(keep.ptr(value), len(value), None)

    def combine(self, headers, name: bytes) -> bytes | None:
        """Fetch "get" (corshdr_header_combine, sized in two calls). None when absent."""
        keep = _Keep()
        fields = self._fields(keep, headers)
        n = c_size_t(0)
        st = self.c.corshdr_header_combine(fields, len(headers), keep.ptr(name), len(name), None, 0, byref(n))
        if st == CORSHDR_ABSENT:
            return None
        if st == CORSHDR_OK:
            return b""
        if st != CORSHDR_ENOSPC:
            raise RuntimeError("corshdr_header_combine: %s" % self.err_name(st))
        buf = ctypes.create_string_buffer(n.value)
        st = self.c.corshdr_header_combine(fields, len(headers), keep.ptr(name), len(name),
                                           ctypes.cast(buf, c_void_p), n.value, byref(n))
        if st != CORSHDR_OK:
            raise RuntimeError("corshdr_header_combine: %s" % self.err_name(st))
        return buf.raw[:n.value]

    def split_value(self, value: bytes) -> list[bytes]:
        """Fetch "get, decode, and split" of one value (corshdr_split_init/next)."""
        keep = _Keep()
        it = corshdr_split()
        self.c.corshdr_split_init(byref(it), keep.ptr(value), len(value))
        elem = corshdr_span()
        out = []
        while self.c.corshdr_split_next(byref(it), byref(elem)) == CORSHDR_OK:
            out.append(span_bytes(elem))
        return out

    def list_extract(self, headers, name: bytes, flags: int = 0,
                     options: corshdr_options | None = None) -> tuple[int, list[bytes]]:
        """corshdr_list_extract: (status, elements). Sized in two calls."""
        keep = _Keep()
        fields = self._fields(keep, headers)
        count = c_size_t(0)
        opt = byref(options) if options is not None else None
        st = self.c.corshdr_list_extract(fields, len(headers), keep.ptr(name), len(name), flags, opt,
                                         None, 0, byref(count), None)
        if st == CORSHDR_ENOSPC:
            out = (corshdr_span * count.value)()
            st = self.c.corshdr_list_extract(fields, len(headers), keep.ptr(name), len(name), flags, opt,
                                             out, count.value, byref(count), None)
            return st, [span_bytes(out[i]) for i in range(count.value)] if st == CORSHDR_OK else []
        return st, []

    def _names(self, keep: _Keep, capacity: int) -> corshdr_names:
        storage = (corshdr_name * max(capacity, 1))()
        names = corshdr_names()
        keep.objects.append(storage)
        self.c.corshdr_names_init(byref(names), storage, capacity)
        return names

    def names_join(self, names: corshdr_names, sep: bytes) -> bytes:
        keep = _Keep()
        n = c_size_t(0)
        st = self.c.corshdr_names_join(byref(names), keep.ptr(sep), len(sep), None, 0, byref(n))
        if st == CORSHDR_ENOSPC:
            buf = ctypes.create_string_buffer(n.value)
            st = self.c.corshdr_names_join(byref(names), keep.ptr(sep), len(sep), ctypes.cast(buf, c_void_p),
                                           n.value, byref(n))
            if st == CORSHDR_OK:
                return buf.raw[:n.value]
        if st != CORSHDR_OK:
            raise RuntimeError("corshdr_names_join: %s" % self.err_name(st))
        return b""

    @staticmethod
    def _members(names: corshdr_names) -> list[bytes]:
        return [span_bytes(names.items[i].name) for i in range(names.count)]

    def exposed(self, headers, credentials: int,
                options: corshdr_options | None = None) -> tuple[int, list[bytes]]:
        keep = _Keep()
        fields = self._fields(keep, headers)
        names = self._names(keep, len(headers))
        opt = byref(options) if options is not None else None
        st = self.c.corshdr_exposed_filter(fields, len(headers), credentials, opt, byref(names), None)
        return st, [m.lower() for m in self._members(names)] if st == CORSHDR_OK else []

    def cors_check(self, headers, origin: bytes, credentials: int) -> int:
        keep = _Keep()
        return self.c.corshdr_cors_check(self._fields(keep, headers), len(headers), keep.ptr(origin),
                                         len(origin), credentials, None)

    def preflight(self, origin: bytes, credentials: int, method: bytes, request_headers: list[bytes],
                  status: int, headers, use_preflight: int = 0, max_age_cap: int = 0,
                  options: corshdr_options | None = None) -> tuple[int, int]:
        keep = _Keep()
        names = self._names(keep, len(request_headers))
        for name in request_headers:
            self.c.corshdr_names_add(byref(names), keep.ptr(name), len(name))
        req = corshdr_request(keep.span(origin), keep.span(method), credentials,
                              ctypes.pointer(names), use_preflight, max_age_cap)
        max_age = c_uint32(0)
        status = max(min(status, 2 ** 31 - 1), -2 ** 31)
        opt = byref(options) if options is not None else None
        st = self.c.corshdr_preflight_check(byref(req), status, self._fields(keep, headers), len(headers),
                                            opt, byref(max_age), None)
        return st, max_age.value

    def indexed(self, headers, origin: bytes, credentials: int,
                options: corshdr_options | None = None) -> tuple[int, int, tuple[int, list[bytes]], tuple[int, int]]:
        """One index, then the CORS check, the exposed filter and max-age from it: (index status, cors
        check, (exposed status, names), (max-age status, seconds)), to compare with the plain calls."""
        keep = _Keep()
        fields = self._fields(keep, headers)
        ix = corshdr_index()
        opt = byref(options) if options is not None else None
        st = self.c.corshdr_index_build(byref(ix), fields, len(headers), opt, None)
        if st != CORSHDR_OK:
            return st, st, (st, []), (st, 0)
        cors = self.c.corshdr_index_cors_check(byref(ix), keep.ptr(origin), len(origin), credentials, None)
        names = self._names(keep, len(headers))
        est = self.c.corshdr_index_exposed_filter(byref(ix), credentials, opt, byref(names), None)
        seconds = c_uint32(0)
        mst = self.c.corshdr_index_max_age(byref(ix), byref(seconds), None)
        exposed = [m.lower() for m in self._members(names)] if est == CORSHDR_OK else []
        return st, cors, (est, exposed), (mst, seconds.value)

    def max_age(self, headers) -> tuple[int, int]:
        keep = _Keep()
        seconds = c_uint32(0)
        st = self.c.corshdr_max_age_parse(self._fields(keep, headers), len(headers), byref(seconds), None)
        return st, seconds.value

    def is_safelisted_request_header(self, name: bytes, value: bytes) -> bool:
        keep = _Keep()
        return bool(self.c.corshdr_is_safelisted_request_header(keep.ptr(name), len(name), keep.ptr(value),
                                                                len(value)))

    def is_forbidden_request_header(self, name: bytes, value: bytes) -> bool:
        keep = _Keep()
        return bool(self.c.corshdr_is_forbidden_request_header(keep.ptr(name), len(name), keep.ptr(value),
                                                               len(value)))

    def unsafe_names(self, headers) -> tuple[int, list[bytes], bytes | None]:
        """(status, sorted lowercase names, the Access-Control-Request-Headers value or None)."""
        keep = _Keep()
        names = self._names(keep, len(headers))
        st = self.c.corshdr_unsafe_names_collect(self._fields(keep, headers), len(headers), byref(names), None)
        if st != CORSHDR_OK:
            return st, [], None
        acrh = self.names_join(names, b",")
        return st, [m.lower() for m in self._members(names)], (acrh if names.count else None)

    def policy_compile(self, keep: _Keep, origins: list[bytes], methods: list[bytes] = (),
                       headers: list[bytes] = (), expose: list[bytes] = (), allow_null: bool = False,
                       credentials: bool = False, max_age: int = 0, preflight_status: int = 0, debug: bool = False,
                       public_suffixes: list[bytes] = ()):
        """corshdr_policy_compile, sized in two calls: (status, problems as (code name, part, index or
        None), the compiled policy). The policy points into storage that keep holds."""
        def spans(items):
            array = (corshdr_span * max(len(items), 1))(*[keep.span(b) for b in items])
            keep.objects.append(array)
            return array, len(items)

        suffixes = set(public_suffixes)
        callback = SUFFIX_CALLBACK(lambda ctx, domain, n: int(ctypes.string_at(domain, n) in suffixes))
        keep.objects.append(callback)
        cfg = corshdr_policy_config()
        cfg.origins, cfg.norigins = spans(list(origins))
        cfg.methods, cfg.nmethods = spans(list(methods))
        cfg.headers, cfg.nheaders = spans(list(headers))
        cfg.expose, cfg.nexpose = spans(list(expose))
        cfg.allow_null, cfg.credentials, cfg.debug = int(allow_null), int(credentials), int(debug)
        cfg.max_age = max(min(max_age, 2 ** 31 - 1), -2 ** 31)
        cfg.preflight_status = max(min(preflight_status, 2 ** 31 - 1), -2 ** 31)
        cfg.is_public_suffix = callback
        cap = 2 * len(origins) + len(methods) + len(headers) + len(expose) + 3
        problems = (corshdr_problem * cap)()
        policy, n = corshdr_policy(), c_size_t(0)
        st = self.c.corshdr_policy_compile(byref(policy), byref(cfg), None, 0, problems, cap, byref(n))
        if st == CORSHDR_ENOSPC:
            storage = ctypes.create_string_buffer(policy.storage_needed)
            keep.objects.append(storage)
            st = self.c.corshdr_policy_compile(byref(policy), byref(cfg), ctypes.cast(storage, c_void_p),
                                               policy.storage_needed, problems, cap, byref(n))
        found = [(self.err_name(problems[i].code), POLICY_PARTS[problems[i].part],
                  None if problems[i].index == CORSHDR_NPOS else problems[i].index) for i in range(n.value)]
        return st, found, policy

    def policy_apply(self, keep: _Keep, policy: corshdr_policy, method: bytes, request,
                     options: corshdr_options | None = None) -> tuple[int, corshdr_policy_answer]:
        answer = corshdr_policy_answer()
        opt = byref(options) if options is not None else None
        st = self.c.corshdr_policy_apply(byref(policy), keep.ptr(method), len(method), self._fields(keep, request),
                                         len(request), opt, byref(answer))
        return st, answer

    # ---- the vector operations (DESIGN.md §4) on JSON input, like corsref.run_op ----

    def run_op(self, op: str, input: dict, kernel: int | None = None) -> dict:
        """The op's result object, as corsref.run_op gives it. kernel picks the lexing kernel of the
        calls that take options (name-list, exposed, preflight); None means the library's AUTO."""
        if op not in _OPS:
            raise KeyError(op)
        if not isinstance(input, dict):
            raise MalformedCase("input must be an object")
        return _OPS[op](self, input, self.options(kernel))


# ---- decoding JSON input (isomorphic strings) -----------------------------------------------------

def _field(input: dict, key: str):
    if key not in input:
        raise MalformedCase("input.%s is missing" % key)
    return input[key]


def _bytes(value, where: str) -> bytes:
    if not isinstance(value, str):
        raise MalformedCase("%s must be a string" % where)
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        raise MalformedCase("%s has a code point above U+00FF" % where) from None


def _bytes_field(input: dict, key: str) -> bytes:
    return _bytes(_field(input, key), "input." + key)


def _headers(input: dict) -> list[tuple[bytes, bytes]]:
    lines = _field(input, "headers")
    if not isinstance(lines, list):
        raise MalformedCase("input.headers must be an array")
    out = []
    for i, line in enumerate(lines):
        if not isinstance(line, list) or len(line) != 2:
            raise MalformedCase("input.headers[%d] must be a [name, value] pair" % i)
        out.append((_bytes(line[0], "input.headers[%d][0]" % i), _bytes(line[1], "input.headers[%d][1]" % i)))
    return out


def _credentials(input: dict) -> int:
    value = _field(input, "credentials")
    if value not in CREDENTIALS:
        raise MalformedCase("input.credentials must be one of omit, same-origin, include")
    return CREDENTIALS[value]


def _text(data: bytes) -> str:
    return data.decode("latin-1")


NETWORK_ERROR = {"network_error": True}


def _network_error(lib: Corshdr, headers) -> bool:
    """SEMANTICS.md §1: a list with a bad name or a NUL/CR/LF value cannot exist."""
    return lib.fields_check(headers)[0] != CORSHDR_OK


def _op_token(lib, input, opt=None):
    return {"valid": lib.token_check(_bytes_field(input, "value")) == CORSHDR_OK}


def _op_field_value(lib, input, opt=None):
    return {"valid": lib.value_check(_bytes_field(input, "value")) == CORSHDR_OK}


def _op_combine(lib, input, opt=None):
    name, headers = _bytes_field(input, "name"), _headers(input)
    if _network_error(lib, headers):
        return NETWORK_ERROR
    value = lib.combine(headers, name)
    return {"value": None if value is None else _text(value)}


def _op_split(lib, input, opt=None):
    name, headers = _bytes_field(input, "name"), _headers(input)
    if _network_error(lib, headers):
        return NETWORK_ERROR
    value = lib.combine(headers, name)  # a quoted string may span lines: split the combined value
    return {"values": None if value is None else [_text(v) for v in lib.split_value(value)]}


def _op_name_list(lib, input, opt=None):
    name, headers = _bytes_field(input, "name"), _headers(input)
    if _network_error(lib, headers):
        return NETWORK_ERROR
    flags = CORSHDR_LIST_SINGLETON if name.lower() in SINGLETON_HEADERS else 0
    st, values = lib.list_extract(headers, name, flags, opt)
    if st == CORSHDR_ABSENT:
        return {"values": None}
    if st != CORSHDR_OK:
        return {"failure": True}
    return {"values": [_text(v) for v in values]}


def _op_exposed(lib, input, opt=None):
    credentials, headers = _credentials(input), _headers(input)
    if _network_error(lib, headers):
        return NETWORK_ERROR
    st, names = lib.exposed(headers, credentials, opt)
    if st != CORSHDR_OK:
        raise RuntimeError("corshdr_exposed_filter: %s" % lib.err_name(st))
    return {"readable": [_text(n) for n in names]}


def _op_cors_check(lib, input, opt=None):
    origin, credentials, headers = _bytes_field(input, "origin"), _credentials(input), _headers(input)
    if _network_error(lib, headers):
        return NETWORK_ERROR
    return {"ok": lib.cors_check(headers, origin, credentials) == CORSHDR_OK}


def _op_preflight(lib, input, opt=None):
    origin, credentials = _bytes_field(input, "origin"), _credentials(input)
    method = _bytes_field(input, "method")
    names = _field(input, "request_headers")
    if not isinstance(names, list):
        raise MalformedCase("input.request_headers must be an array of strings")
    names = [_bytes(n, "input.request_headers[%d]" % i) for i, n in enumerate(names)]
    status = _field(input, "status")
    if isinstance(status, float) and status.is_integer():
        status = int(status)
    if isinstance(status, bool) or not isinstance(status, int):
        raise MalformedCase("input.status must be an integer")
    headers = _headers(input)
    if _network_error(lib, headers):
        return NETWORK_ERROR
    st, max_age = lib.preflight(origin, credentials, method, names, status, headers, options=opt)
    return {"ok": True, "max_age": max_age} if st == CORSHDR_OK else {"ok": False}


def _op_max_age(lib, input, opt=None):
    headers = _headers(input)
    if _network_error(lib, headers):
        return NETWORK_ERROR
    return {"seconds": lib.max_age(headers)[1]}


def _op_request_safelisted(lib, input, opt=None):
    return {"safelisted": lib.is_safelisted_request_header(_bytes_field(input, "name"),
                                                           _bytes_field(input, "value"))}


def _op_unsafe_names(lib, input, opt=None):
    headers = _headers(input)
    if _network_error(lib, headers):
        return NETWORK_ERROR
    st, names, acrh = lib.unsafe_names(headers)
    if st != CORSHDR_OK:
        raise RuntimeError("corshdr_unsafe_names_collect: %s" % lib.err_name(st))
    return {"names": [_text(n) for n in names], "acrh": None if acrh is None else _text(acrh)}


def _op_forbidden_request(lib, input, opt=None):
    return {"forbidden": lib.is_forbidden_request_header(_bytes_field(input, "name"),
                                                         _bytes_field(input, "value"))}


def _op_origin(lib, input, opt=None):
    return {"valid": lib.origin_check(_bytes_field(input, "value")) == CORSHDR_OK}


# The settings of a policy (SEMANTICS.md "policy-config"): lists of bytes, flags, integers.
_POLICY_LISTS = ("origins", "methods", "headers", "expose", "public_suffixes")
_POLICY_FLAGS = ("allow_null", "credentials", "debug")
_POLICY_NUMBERS = ("max_age", "preflight_status")


def _policy(input: dict) -> dict:
    given = _field(input, "policy")
    if not isinstance(given, dict):
        raise MalformedCase("input.policy must be an object")
    unknown = sorted(set(given) - set(_POLICY_LISTS + _POLICY_FLAGS + _POLICY_NUMBERS))
    if unknown:
        raise MalformedCase("input.policy.%s is not a policy setting" % unknown[0])
    if "origins" not in given:
        raise MalformedCase("input.policy.origins is missing")
    out = {}
    for key in _POLICY_LISTS:
        items = given.get(key, [])
        if not isinstance(items, list):
            raise MalformedCase("input.policy.%s must be an array of strings" % key)
        out[key] = [_bytes(v, "input.policy.%s[%d]" % (key, i)) for i, v in enumerate(items)]
    for key in _POLICY_FLAGS:
        if not isinstance(given.get(key, False), bool):
            raise MalformedCase("input.policy.%s must be true or false" % key)
        out[key] = given.get(key, False)
    for key in _POLICY_NUMBERS:
        value = given.get(key, 0)
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if isinstance(value, bool) or not isinstance(value, int):
            raise MalformedCase("input.policy.%s must be an integer" % key)
        out[key] = value
    return out


def _compiled(lib, keep, input):
    """(the compiled policy, None) or (None, the problems result)."""
    st, problems, policy = lib.policy_compile(keep, **_policy(input))
    if st == CORSHDR_OK:
        return policy, None
    if st != CORSHDR_EPOLICY:
        raise RuntimeError("corshdr_policy_compile: %s" % lib.err_name(st))
    return None, {"problems": [{"code": c, "part": p, "index": i} for c, p, i in problems]}


def _op_policy_compile(lib, input, opt=None):
    policy, problems = _compiled(lib, _Keep(), input)
    return problems or {"ok": True}


def _op_policy_apply(lib, input, opt=None):
    method, request = _bytes_field(input, "method"), _headers(input)
    keep = _Keep()
    policy, problems = _compiled(lib, keep, input)
    if problems:
        return problems
    st, a = lib.policy_apply(keep, policy, method, request, opt)
    lines = sorted([_text(span_bytes(a.lines[i].name).lower()), _text(span_bytes(a.lines[i].value))]
                   for i in range(a.nlines))
    return {"kind": REQUEST_KINDS[a.kind], "status": a.status or None, "reason": lib.err_name(st), "lines": lines}


_OPS = {
    "token": _op_token,
    "field-value": _op_field_value,
    "combine": _op_combine,
    "split": _op_split,
    "name-list": _op_name_list,
    "exposed": _op_exposed,
    "cors-check": _op_cors_check,
    "preflight": _op_preflight,
    "max-age": _op_max_age,
    "request-safelisted": _op_request_safelisted,
    "unsafe-names": _op_unsafe_names,
    "forbidden-request": _op_forbidden_request,
    "origin": _op_origin,
    "policy-compile": _op_policy_compile,
    "policy-apply": _op_policy_apply,
}
OPS = tuple(_OPS)

__all__ = ["Corshdr", "LibraryNotFound", "MalformedCase", "library_path", "OPS", "STRUCTS",
           "PROTOTYPES"] + [s.__name__ for s in STRUCTS]
