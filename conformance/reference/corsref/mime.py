"""WHATWG MIME Sniffing "parse a MIME type" (used by Fetch's CORS-safelisted
request-header for `Content-Type`).

The input is a byte sequence taken as an isomorphic string ("parse a MIME type from
bytes"), so code points are bytes here.
"""

from dataclasses import dataclass, field

from corsref.infra import (
    HTTP_WHITESPACE,
    TCHAR,
    Cursor,
    collect_http_quoted_string,
    only,
)

# MIME Sniffing "HTTP token code point": the tchar set of RFC 9110 §5.6.2.
HTTP_TOKEN_CODE_POINTS = TCHAR

# MIME Sniffing "HTTP quoted-string token code point": U+0009, U+0020..U+007E, U+0080..U+00FF.
HTTP_QUOTED_STRING_TOKEN_CODE_POINTS = (
    b"\t" + bytes(range(0x20, 0x7F)) + bytes(range(0x80, 0x100))
)


@dataclass
class MimeType:
    """A MIME type record: type, subtype (ASCII lowercase) and parameters."""

    type: bytes
    subtype: bytes
    parameters: dict[bytes, bytes] = field(default_factory=dict)

    @property
    def essence(self) -> bytes:
        """MIME Sniffing "essence": type, "/", subtype."""
        return self.type + b"/" + self.subtype


def _ascii_lowercase(data: bytes) -> bytes:
    # Infra "ASCII lowercase" on an isomorphic string: ASCII upper alphas only.
    return data.lower()


def parse_mime_type(input: bytes) -> MimeType | None:
    """MIME Sniffing "parse a MIME type". Returns None for failure."""
    input = input.strip(HTTP_WHITESPACE)                                # step 1
    position = Cursor(input)                                            # step 2
    type_ = position.collect_not(b"/")                                  # step 3
    if type_ == b"" or not only(type_, HTTP_TOKEN_CODE_POINTS):         # step 4
        return None
    if position.past_end():                                             # step 5
        return None
    position.advance()                                                  # step 6: skip "/"
    subtype = position.collect_not(b";")                                # step 7
    subtype = subtype.rstrip(HTTP_WHITESPACE)                           # step 8
    if subtype == b"" or not only(subtype, HTTP_TOKEN_CODE_POINTS):     # step 9
        return None
    mime_type = MimeType(_ascii_lowercase(type_), _ascii_lowercase(subtype))  # step 10
    while not position.past_end():                                      # step 11
        position.advance()                                              # step 11.1: skip ";"
        position.collect_in(HTTP_WHITESPACE)                            # step 11.2
        parameter_name = position.collect_not(b";=")                    # step 11.3
        parameter_name = _ascii_lowercase(parameter_name)               # step 11.4
        if not position.past_end():                                     # step 11.5
            if position.peek() == b";":                                 # step 11.5.1
                continue
            position.advance()                                          # step 11.5.2: skip "="
        if position.past_end():                                         # step 11.6
            break
        parameter_value = None                                          # step 11.7
        if position.peek() == b'"':                                     # step 11.8
            parameter_value = collect_http_quoted_string(position, extract_value=True)  # 11.8.1
            position.collect_not(b";")                                  # step 11.8.2
        else:                                                           # step 11.9
            parameter_value = position.collect_not(b";")                # step 11.9.1
            parameter_value = parameter_value.rstrip(HTTP_WHITESPACE)   # step 11.9.2
            if parameter_value == b"":                                  # step 11.9.3
                continue
        if (parameter_name != b""                                       # step 11.10
                and only(parameter_name, HTTP_TOKEN_CODE_POINTS)
                and only(parameter_value, HTTP_QUOTED_STRING_TOKEN_CODE_POINTS)
                and parameter_name not in mime_type.parameters):
            mime_type.parameters[parameter_name] = parameter_value
    return mime_type                                                    # step 12
