"""The response side of CORS: the CORS check, the CORS-preflight fetch's checks,
Access-Control-Max-Age, and the headers a CORS filtered response lets script read.

Sources: Fetch "CORS check", "CORS-preflight fetch" (step 7), "main fetch" (step 14.1),
"CORS filtered response", "CORS-safelisted response-header name", "forbidden
response-header name", method "normalize", "CORS-safelisted method",
"CORS non-wildcard request-header name"; RFC 9111 §1.2.2 (delta-seconds);
SEMANTICS.md §4 exposed / cors-check / preflight / max-age.

credentials is the request's credentials mode: "omit", "same-origin" or "include".
"""

import re

from corsref.headers import FAILURE, HeaderList, extract_header_list_values
from corsref.infra import byte_case_insensitive_match, byte_lowercase, byte_uppercase

# Fetch "CORS-safelisted response-header name" (the fixed part of the list).
CORS_SAFELISTED_RESPONSE_HEADER_NAMES = (
    b"cache-control", b"content-language", b"content-length", b"content-type",
    b"expires", b"last-modified", b"pragma",
)

# Fetch "forbidden response-header name".
FORBIDDEN_RESPONSE_HEADER_NAMES = (b"set-cookie", b"set-cookie2")

# Fetch method "normalize": these, matched byte-case-insensitively, are byte-uppercased.
NORMALIZED_METHODS = (b"DELETE", b"GET", b"HEAD", b"OPTIONS", b"POST", b"PUT")

# Fetch "CORS-safelisted method".
CORS_SAFELISTED_METHODS = (b"GET", b"HEAD", b"POST")

DEFAULT_MAX_AGE = 5                 # Fetch CORS-preflight fetch step 7.9
MAX_AGE_SATURATION = 2 ** 31        # RFC 9111 §1.2.2: a delta-seconds overflow is 2147483648


def is_forbidden_response_header_name(name: bytes) -> bool:
    return byte_lowercase(name) in FORBIDDEN_RESPONSE_HEADER_NAMES


def cors_exposed_header_name_list(credentials: str, headers: HeaderList) -> list[bytes]:
    """Fetch "main fetch" step 14.1: the response's CORS-exposed header-name list."""
    # step 14.1.1
    header_names = extract_header_list_values(b"Access-Control-Expose-Headers", headers)
    # step 14.1.2
    if credentials != "include" and isinstance(header_names, list) and b"*" in header_names:
        return unique_header_names(headers)
    # step 14.1.3 ("non-null or failure" reads as: neither null nor failure)
    if header_names is not None and header_names is not FAILURE:
        return header_names
    # Otherwise the list keeps its initial value: empty.
    return []


def unique_header_names(headers: HeaderList) -> list[bytes]:
    """All unique header names in a header list (compared byte-case-insensitively)."""
    seen = {}
    for name in headers.names():
        seen.setdefault(byte_lowercase(name), name)
    return list(seen.values())


def readable_response_header_names(credentials: str, headers: HeaderList) -> list[bytes]:
    """SEMANTICS.md §4 exposed: the names a CORS filtered response keeps, lowercased,
    unique, byte-sorted. The CORS check is assumed to have passed."""
    exposed = cors_exposed_header_name_list(credentials, headers)
    # Fetch "CORS-safelisted response-header name" given exposed: one of the seven
    # names, or a byte-case-insensitive match for any item of exposed that is not a
    # forbidden response-header name.
    exposed_items = {byte_lowercase(item) for item in exposed
                     if not is_forbidden_response_header_name(item)}
    readable = set()
    for name in headers.names():
        # Fetch "CORS filtered response": its header list excludes every header whose
        # name is not a CORS-safelisted response-header name given exposed.
        lowered = byte_lowercase(name)
        if lowered in CORS_SAFELISTED_RESPONSE_HEADER_NAMES or lowered in exposed_items:
            readable.add(lowered)
    return sorted(readable)


def cors_check(origin: bytes, credentials: str, headers: HeaderList) -> bool:
    """Fetch "CORS check" (SEMANTICS.md §4 cors-check). origin is the byte-serialized
    request origin, used as given. Returns True for success."""
    # Fetch step 1: Access-Control-Allow-Origin, "get".
    allow_origin_lines = headers.values_of(b"Access-Control-Allow-Origin")
    # Fetch step 2: null (absent) is failure.
    if not allow_origin_lines:
        return False
    # SEMANTICS.md cors-check step 2: on more than one line, fail early ("get" would
    # combine them as `a, b`, which a serialized origin never equals).
    if len(allow_origin_lines) > 1:
        return False
    allow_origin = allow_origin_lines[0]
    # Fetch step 3
    if credentials != "include" and allow_origin == b"*":
        return True
    # Fetch step 4
    if origin != allow_origin:
        return False
    # Fetch step 5
    if credentials != "include":
        return True
    # Fetch step 6: Access-Control-Allow-Credentials, "get" (combined over all lines).
    allow_credentials = headers.get(b"Access-Control-Allow-Credentials")
    # Fetch step 7: exactly `true`, byte case-sensitive.
    if allow_credentials == b"true":
        return True
    # Fetch step 8
    return False


def normalize_method(method: bytes) -> bytes:
    """Fetch method "normalize"."""
    for known in NORMALIZED_METHODS:
        if byte_case_insensitive_match(method, known):
            return byte_uppercase(method)
    return method


def is_cors_non_wildcard_request_header_name(name: bytes) -> bool:
    """Fetch "CORS non-wildcard request-header name": `Authorization`, any case."""
    return byte_case_insensitive_match(name, b"Authorization")


def max_age_seconds(headers: HeaderList) -> int:
    """SEMANTICS.md §4 max-age: Access-Control-Max-Age read as a singleton.

    Fetch CORS-preflight fetch steps 7.8-7.9 (extract header list values; failure or
    null gives 5), with the project's choices: a negative integer gives 0, and an
    overflow saturates at 2^31 (RFC 9111 §1.2.2). No cap is applied.
    """
    lines = headers.values_of(b"Access-Control-Max-Age")
    # Absent (null) or on more than one line (failure: the ABNF allows a single header).
    if len(lines) != 1:
        return DEFAULT_MAX_AGE
    match = re.fullmatch(rb"(-?)([0-9]+)", lines[0])
    # Not `-?DIGIT+` after trimming (delta-seconds = 1*DIGIT does not parse).
    if match is None:
        return DEFAULT_MAX_AGE
    sign, digits = match.groups()
    # A negative number, -0 included: no caching.
    if sign:
        return 0
    # Digits only: their decimal value, saturating. Leading zeros are allowed; after
    # removing them, more than 10 digits is certainly above 2^31 (which has 10).
    significant = digits.lstrip(b"0") or b"0"
    if len(significant) > 10:
        return MAX_AGE_SATURATION
    return min(int(significant), MAX_AGE_SATURATION)


class PreflightResult:
    def __init__(self, ok: bool, max_age: int | None = None):
        self.ok = ok
        self.max_age = max_age

    def __repr__(self) -> str:
        return "PreflightResult(ok=%r, max_age=%r)" % (self.ok, self.max_age)


def preflight(origin: bytes, credentials: str, method: bytes, request_headers: list[bytes],
              status: int, headers: HeaderList) -> PreflightResult:
    """Fetch "CORS-preflight fetch" from step 7 on (SEMANTICS.md §4 preflight).

    method is the actual request's method as the page gave it; request_headers are the
    actual request's CORS-unsafe request-header names (any case); status and headers
    are the preflight response's.
    """
    # step 7: a CORS check for the request and response succeeds, and the status is an
    # ok status (200 to 299); otherwise (step 8) a network error.
    if not cors_check(origin, credentials, headers) or not 200 <= status <= 299:
        return PreflightResult(ok=False)
    # step 7.1
    methods = extract_header_list_values(b"Access-Control-Allow-Methods", headers)
    # step 7.2
    header_names = extract_header_list_values(b"Access-Control-Allow-Headers", headers)
    # step 7.3
    if methods is FAILURE or header_names is FAILURE:
        return PreflightResult(ok=False)
    # step 7.4 (the use-CORS-preflight flag) is not part of this operation: null is empty.
    methods = methods if methods is not None else []
    header_names = header_names if header_names is not None else []
    # The request's method was normalized when the request was created (Request
    # constructor, and SEMANTICS.md preflight step 3).
    method = normalize_method(method)
    # step 7.5
    if (method not in methods and method not in CORS_SAFELISTED_METHODS
            and (credentials == "include" or b"*" not in methods)):
        return PreflightResult(ok=False)
    allowed_names = {byte_lowercase(item) for item in header_names}
    # step 7.6
    for name in request_headers:
        if (is_cors_non_wildcard_request_header_name(name)
                and byte_lowercase(name) not in allowed_names):
            return PreflightResult(ok=False)
    # step 7.7
    for unsafe_name in request_headers:
        if (byte_lowercase(unsafe_name) not in allowed_names
                and (credentials == "include" or b"*" not in header_names)):
            return PreflightResult(ok=False)
    # steps 7.8-7.10: max-age, with no imposed limit.
    return PreflightResult(ok=True, max_age=max_age_seconds(headers))
