"""The vector operations of DESIGN.md §4 (and conformance/FORMAT.md), on decoded JSON input.

run_op(op, input) takes a case's "op" and "input" as parsed from JSON and returns the
result object, or raises MalformedCase when the input is not of the op's shape (missing
or wrongly typed field, a code point above U+00FF, an unknown credentials mode). An op
that reads `headers` answers {"network_error": true} when that list cannot exist.
"""

from corsref import cors, origin, policy, request
from corsref.headers import FAILURE, HeaderList, NetworkError, extract_header_list_values
from corsref.infra import is_header_value, is_token

CREDENTIALS_MODES = ("omit", "same-origin", "include")


class MalformedCase(ValueError):
    """The case does not have the shape its op requires."""


# ---- decoding the JSON input (strings are isomorphic: one code point per byte) ----

def _field(input: dict, key: str, where: str = "input"):
    if key not in input:
        raise MalformedCase("%s.%s is missing" % (where, key))
    return input[key]


def _as_bytes(value, where: str) -> bytes:
    if not isinstance(value, str):
        raise MalformedCase("%s must be a string" % where)
    try:
        return value.encode("latin-1")
    except UnicodeEncodeError:
        raise MalformedCase("%s has a code point above U+00FF" % where) from None


def _bytes_field(input: dict, key: str) -> bytes:
    return _as_bytes(_field(input, key), "input." + key)


def _credentials_field(input: dict) -> str:
    credentials = _field(input, "credentials")
    if credentials not in CREDENTIALS_MODES:
        raise MalformedCase("input.credentials must be one of %s" % ", ".join(CREDENTIALS_MODES))
    return credentials


def _field_lines(input: dict, key: str = "headers") -> list[tuple[bytes, bytes]]:
    lines = _field(input, key)
    if not isinstance(lines, list):
        raise MalformedCase("input.%s must be an array" % key)
    field_lines = []
    for index, line in enumerate(lines):
        where = "input.%s[%d]" % (key, index)
        if not isinstance(line, list) or len(line) != 2:
            raise MalformedCase("%s must be a [name, value] pair" % where)
        field_lines.append((_as_bytes(line[0], where + "[0]"), _as_bytes(line[1], where + "[1]")))
    return field_lines


def _header_list(input: dict) -> HeaderList:
    """The header list of input.headers; NetworkError if it cannot exist."""
    return HeaderList.from_field_lines(_field_lines(input))


def _bytes_list_field(input: dict, key: str, where: str = "input") -> list[bytes]:
    items = _field(input, key, where)
    if not isinstance(items, list):
        raise MalformedCase("%s.%s must be an array of strings" % (where, key))
    return [_as_bytes(item, "%s.%s[%d]" % (where, key, i)) for i, item in enumerate(items)]


def _int_field(input: dict, key: str, where: str = "input") -> int:
    value = _field(input, key, where)
    # JSON (and JSON Schema) has one number type: 204.0 is the integer 204. true is not.
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedCase("%s.%s must be an integer" % (where, key))
    return value


def _bool_field(input: dict, key: str, default: bool, where: str = "input") -> bool:
    value = input.get(key, default)
    if not isinstance(value, bool):
        raise MalformedCase("%s.%s must be true or false" % (where, key))
    return value


# The keys of input.policy (SEMANTICS.md §4 "The server policy"); all but origins are optional.
POLICY_KEYS = ("origins", "allow_null", "credentials", "methods", "headers", "expose", "max_age",
               "preflight_status", "debug", "public_suffixes")


def _policy_field(input: dict) -> policy.Config:
    given = _field(input, "policy")
    if not isinstance(given, dict):
        raise MalformedCase("input.policy must be an object")
    unknown = sorted(set(given) - set(POLICY_KEYS))
    if unknown:
        raise MalformedCase("input.policy.%s is not a policy setting" % unknown[0])
    where = "input.policy"
    origins = _bytes_list_field(given, "origins", where)
    lists = {key: _bytes_list_field(given, key, where) if key in given else []
             for key in ("methods", "headers", "expose", "public_suffixes")}
    numbers = {key: _int_field(given, key, where) if key in given else 0 for key in ("max_age", "preflight_status")}
    flags = {key: _bool_field(given, key, False, where) for key in ("allow_null", "credentials", "debug")}
    return policy.Config(origins=origins, **flags, **lists, **numbers)


def _problems(problems: list) -> dict:
    return {"problems": [{"code": p.code, "part": p.part, "index": p.index} for p in problems]}


def _text(data: bytes) -> str:
    return data.decode("latin-1")


# ---- the operations ----

def op_token(input: dict) -> dict:
    return {"valid": is_token(_bytes_field(input, "value"))}


def op_field_value(input: dict) -> dict:
    return {"valid": is_header_value(_bytes_field(input, "value"))}


def op_combine(input: dict) -> dict:
    name = _bytes_field(input, "name")
    value = _header_list(input).get(name)
    return {"value": None if value is None else _text(value)}


def op_split(input: dict) -> dict:
    name = _bytes_field(input, "name")
    values = _header_list(input).get_decode_split(name)
    return {"values": None if values is None else [_text(v) for v in values]}


def op_name_list(input: dict) -> dict:
    name = _bytes_field(input, "name")
    values = extract_header_list_values(name, _header_list(input))
    if values is FAILURE:
        return {"failure": True}
    return {"values": None if values is None else [_text(v) for v in values]}


def op_exposed(input: dict) -> dict:
    credentials = _credentials_field(input)
    names = cors.readable_response_header_names(credentials, _header_list(input))
    return {"readable": [_text(n) for n in names]}


def op_cors_check(input: dict) -> dict:
    request_origin = _bytes_field(input, "origin")
    credentials = _credentials_field(input)
    return {"ok": cors.cors_check(request_origin, credentials, _header_list(input))}


def op_preflight(input: dict) -> dict:
    request_origin = _bytes_field(input, "origin")
    credentials = _credentials_field(input)
    method = _bytes_field(input, "method")
    request_headers = _bytes_list_field(input, "request_headers")
    status = _int_field(input, "status")
    headers = _header_list(input)
    result = cors.preflight(request_origin, credentials, method, request_headers, status, headers)
    if not result.ok:
        return {"ok": False}
    return {"ok": True, "max_age": result.max_age}


def op_max_age(input: dict) -> dict:
    return {"seconds": cors.max_age_seconds(_header_list(input))}


def op_request_safelisted(input: dict) -> dict:
    name = _bytes_field(input, "name")
    value = _bytes_field(input, "value")
    return {"safelisted": request.is_cors_safelisted_request_header(name, value)}


def op_unsafe_names(input: dict) -> dict:
    names = request.cors_unsafe_request_header_names(_header_list(input))
    acrh = request.access_control_request_headers_value(names)
    return {"names": [_text(n) for n in names], "acrh": None if acrh is None else _text(acrh)}


def op_forbidden_request(input: dict) -> dict:
    name = _bytes_field(input, "name")
    value = _bytes_field(input, "value")
    return {"forbidden": request.is_forbidden_request_header(name, value)}


def op_origin(input: dict) -> dict:
    return {"valid": origin.is_origin_or_null(_bytes_field(input, "value"))}


def op_policy_compile(input: dict) -> dict:
    problems = policy.compile_problems(_policy_field(input))
    return _problems(problems) if problems else {"ok": True}


def op_policy_apply(input: dict) -> dict:
    method = _bytes_field(input, "method")
    request_lines = _field_lines(input)   # never a network error: apply reads three names only
    config = _policy_field(input)
    problems = policy.compile_problems(config)
    if problems:
        return _problems(problems)
    answer = policy.apply(config, method, request_lines)
    lines = sorted([_text(name.lower()), _text(value)] for name, value in answer.lines)
    return {"kind": answer.kind, "status": answer.status, "reason": answer.reason, "lines": lines}


OPS = {
    "token": op_token,
    "field-value": op_field_value,
    "combine": op_combine,
    "split": op_split,
    "name-list": op_name_list,
    "exposed": op_exposed,
    "cors-check": op_cors_check,
    "preflight": op_preflight,
    "max-age": op_max_age,
    "request-safelisted": op_request_safelisted,
    "unsafe-names": op_unsafe_names,
    "forbidden-request": op_forbidden_request,
    "origin": op_origin,
    "policy-compile": op_policy_compile,
    "policy-apply": op_policy_apply,
}


def run_op(op: str, input) -> dict:
    """The result object of op on input. Raises KeyError for an unknown op and
    MalformedCase for input of the wrong shape."""
    function = OPS[op]
    if not isinstance(input, dict):
        raise MalformedCase("input must be an object")
    try:
        return function(input)
    except NetworkError:
        return {"network_error": True}
