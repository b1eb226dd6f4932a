"""The request side of CORS: which author headers a page may send without a preflight,
the preflight's Access-Control-Request-Headers value, and forbidden request-headers.

Sources: Fetch §2.2.2 "Headers" ("CORS-safelisted request-header", "CORS-unsafe
request-header byte", "CORS-unsafe request-header names", "forbidden request-header",
"parse a single range header value"), Fetch §2.2.1 "Methods" ("forbidden method"),
Fetch "CORS-preflight fetch" steps 4-5, and SEMANTICS.md §4.
"""

from corsref.headers import HeaderList, get_decode_split_value
from corsref.infra import (
    ASCII_DIGITS,
    HTTP_TAB_OR_SPACE,
    Cursor,
    decimal_number,
    byte_case_insensitive_match,
    byte_lowercase,
    only,
)
from corsref.mime import parse_mime_type

# Fetch "CORS-unsafe request-header byte": less than 0x20 and not 0x09 HT; or one of
# 0x22 ("), 0x28, 0x29, 0x3A (:), 0x3C (<), 0x3E (>), 0x3F (?), 0x40 (@), 0x5B ([),
# 0x5C (\), 0x5D (]), 0x7B ({), 0x7D (}), 0x7F DEL.
CORS_UNSAFE_REQUEST_HEADER_BYTES = (
    bytes(b for b in range(0x20) if b != 0x09) + b'"():<>?@[\\]{}\x7f'
)

# Fetch CORS-safelisted request-header, `accept-language` / `content-language` case:
# 0-9, A-Z, a-z, SP, "*", ",", "-", ".", ";", "=".
LANGUAGE_BYTES = (
    ASCII_DIGITS + b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" + b" *,-.;="
)

SAFELISTED_CONTENT_TYPE_ESSENCES = (
    b"application/x-www-form-urlencoded",
    b"multipart/form-data",
    b"text/plain",
)

# Fetch "forbidden request-header", step 1.
FORBIDDEN_REQUEST_HEADER_NAMES = (
    b"Accept-Charset", b"Accept-Encoding", b"Access-Control-Request-Headers",
    b"Access-Control-Request-Method", b"Connection", b"Content-Length", b"Cookie",
    b"Cookie2", b"Date", b"DNT", b"Expect", b"Host", b"Keep-Alive", b"Origin", b"Referer",
    b"Set-Cookie", b"TE", b"Trailer", b"Transfer-Encoding", b"Upgrade", b"Via",
)

# Fetch "forbidden request-header", step 3.
METHOD_OVERRIDE_HEADER_NAMES = (b"X-HTTP-Method", b"X-HTTP-Method-Override", b"X-Method-Override")

# Fetch "forbidden method".
FORBIDDEN_METHODS = (b"CONNECT", b"TRACE", b"TRACK")


def contains_cors_unsafe_request_header_byte(value: bytes) -> bool:
    return any(byte in CORS_UNSAFE_REQUEST_HEADER_BYTES for byte in value)


def parse_single_range_header_value(value: bytes, allow_whitespace: bool):
    """Fetch "parse a single range header value". Returns (start, end) with None for an
    omitted side, or None for failure. Numbers are Python ints (arbitrary precision)."""
    data = value                                                   # step 1 (isomorphic decode)
    if not data.startswith(b"bytes"):                              # step 2
        return None
    # step 3: "initially pointing at the 5th code point": position 5 counted from 0, just
    # past "bytes" (counted from 1 it would be the "s" and step 5 could never succeed).
    position = Cursor(data, 5)
    if allow_whitespace:                                           # step 4
        position.collect_in(HTTP_TAB_OR_SPACE)
    if position.peek() != b"=":                                    # step 5
        return None
    position.advance()                                             # step 6
    if allow_whitespace:                                           # step 7
        position.collect_in(HTTP_TAB_OR_SPACE)
    range_start = position.collect_in(ASCII_DIGITS)                # step 8
    range_start_value = decimal_number(range_start) if range_start else None  # step 9
    if allow_whitespace:                                           # step 10
        position.collect_in(HTTP_TAB_OR_SPACE)
    if position.peek() != b"-":                                    # step 11
        return None
    position.advance()                                             # step 12
    if allow_whitespace:                                           # step 13
        position.collect_in(HTTP_TAB_OR_SPACE)
    range_end = position.collect_in(ASCII_DIGITS)                  # step 14
    range_end_value = decimal_number(range_end) if range_end else None        # step 15
    if not position.past_end():                                    # step 16
        return None
    if range_end_value is None and range_start_value is None:      # step 17
        return None
    if (range_start_value is not None and range_end_value is not None
            and range_start_value > range_end_value):              # step 18
        return None
    return (range_start_value, range_end_value)                    # step 19


def is_cors_safelisted_request_header(name: bytes, value: bytes) -> bool:
    """Fetch "CORS-safelisted request-header" for (name, value), value as given."""
    # step 1
    if len(value) > 128:
        return False
    # step 2: byte-lowercase name and switch on the result.
    lowered = byte_lowercase(name)
    if lowered == b"accept":
        if contains_cors_unsafe_request_header_byte(value):
            return False
    elif lowered in (b"accept-language", b"content-language"):
        if not only(value, LANGUAGE_BYTES):
            return False
    elif lowered == b"content-type":
        if contains_cors_unsafe_request_header_byte(value):        # content-type step 1
            return False
        mime_type = parse_mime_type(value)                         # content-type step 2
        if mime_type is None:                                      # content-type step 3
            return False
        if mime_type.essence not in SAFELISTED_CONTENT_TYPE_ESSENCES:  # content-type step 4
            return False
    elif lowered == b"range":
        range_value = parse_single_range_header_value(value, False)  # range step 1
        if range_value is None:                                    # range step 2
            return False
        if range_value[0] is None:                                 # range step 3
            return False
    else:
        return False
    # step 3
    return True


def cors_unsafe_request_header_names(headers: HeaderList) -> list[bytes]:
    """Fetch "CORS-unsafe request-header names" given a header list."""
    unsafe_names = []                                              # step 1
    potentially_unsafe_names = []                                  # step 2
    safelist_value_size = 0                                        # step 3
    for name, value in headers.headers:                            # step 4
        if not is_cors_safelisted_request_header(name, value):     # step 4.1
            unsafe_names.append(name)
        else:                                                      # step 4.2
            potentially_unsafe_names.append(name)
            safelist_value_size += len(value)
    if safelist_value_size > 1024:                                 # step 5
        unsafe_names.extend(potentially_unsafe_names)
    return convert_to_sorted_lowercase_set(unsafe_names)           # step 6


def convert_to_sorted_lowercase_set(header_names: list[bytes]) -> list[bytes]:
    """Fetch "convert header names to a sorted-lowercase set"."""
    header_names_set = {byte_lowercase(name) for name in header_names}  # steps 1-2
    return sorted(header_names_set)                                # step 3: byte less than


def access_control_request_headers_value(unsafe_names: list[bytes]) -> bytes | None:
    """Fetch "CORS-preflight fetch" step 5.1: the names separated by `,` (no space);
    null (no header is appended) when the list is empty."""
    if not unsafe_names:
        return None
    return b",".join(unsafe_names)


def is_forbidden_method(method: bytes) -> bool:
    """Fetch "forbidden method": byte-case-insensitive CONNECT, TRACE or TRACK."""
    return any(byte_case_insensitive_match(method, m) for m in FORBIDDEN_METHODS)


def is_forbidden_request_header(name: bytes, value: bytes) -> bool:
    """Fetch "forbidden request-header" for (name, value), value as given."""
    # step 1
    if any(byte_case_insensitive_match(name, n) for n in FORBIDDEN_REQUEST_HEADER_NAMES):
        return True
    # step 2
    lowered = byte_lowercase(name)
    if lowered.startswith(b"proxy-") or lowered.startswith(b"sec-"):
        return True
    # step 3
    if any(byte_case_insensitive_match(name, n) for n in METHOD_OVERRIDE_HEADER_NAMES):
        parsed_values = get_decode_split_value(value)              # step 3.1
        for method in parsed_values:                               # step 3.2
            if is_forbidden_method(method):                        # (isomorphic encode: identity)
                return True
    # step 4
    return False
