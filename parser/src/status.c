/* Status codes, their names and sentences, the version, and option defaults. */
#include "internal.h"

struct code_text {
    corshdr_status code;
    const char *name;
    const char *text;
};

/* One row per code: the names are stable (logs and JSON depend on them), the sentences may improve. */
static const struct code_text codes[] = {
    {CORSHDR_OK, "OK", "success"},
    {CORSHDR_DONE, "DONE", "no further element"},
    {CORSHDR_ABSENT, "ABSENT", "the header is not present"},
    {CORSHDR_EINVAL, "EINVAL", "invalid argument"},
    {CORSHDR_ENOSPC, "ENOSPC", "caller storage is too small"},
    {CORSHDR_ENAME, "ENAME", "field name is empty or not a token"},
    {CORSHDR_EVALUE, "EVALUE", "field value contains NUL, CR or LF (network error)"},
    {CORSHDR_ESPACE, "ESPACE", "header value begins or ends with SP or HTAB"},
    {CORSHDR_ETOKEN, "ETOKEN", "byte not allowed in a token"},
    {CORSHDR_EEMPTY, "EEMPTY", "empty token or list with no element"},
    {CORSHDR_EREPEATED, "EREPEATED", "single-valued header present on more than one line"},
    {CORSHDR_ETOOMANY, "ETOOMANY", "more list elements than the limit"},
    {CORSHDR_EEMPTIES, "EEMPTIES", "more empty list elements than the limit"},
    {CORSHDR_ETOOLONG, "ETOOLONG", "header longer than the byte limit"},
    {CORSHDR_EORIGIN, "EORIGIN", "not a serialized origin or null"},
    {CORSHDR_EMAXAGE, "EMAXAGE", "Access-Control-Max-Age is not delta-seconds"},
    {CORSHDR_ENOACAO, "ENOACAO", "Access-Control-Allow-Origin is absent"},
    {CORSHDR_EACAO, "EACAO", "Access-Control-Allow-Origin does not match the request origin"},
    {CORSHDR_EWILDCARD, "EWILDCARD", "Access-Control-Allow-Origin is * but credentials are included"},
    {CORSHDR_EACAC, "EACAC", "credentials included but Access-Control-Allow-Credentials is not true"},
    {CORSHDR_ESTATUS, "ESTATUS", "preflight response status is not 200-299"},
    {CORSHDR_EMETHOD, "EMETHOD", "method not allowed by Access-Control-Allow-Methods"},
    {CORSHDR_EHEADER, "EHEADER", "request header not allowed by Access-Control-Allow-Headers"},
    {CORSHDR_EAUTHORIZATION, "EAUTHORIZATION", "Authorization must be listed by name in Access-Control-Allow-Headers"},
    {CORSHDR_ENULL, "ENULL", "the null origin, which any sandboxed page can send"},
    {CORSHDR_EINSECURE, "EINSECURE", "an insecure (http) origin trusted with credentials"},
    {CORSHDR_EPUBLICSUFFIX, "EPUBLICSUFFIX", "a subdomain pattern over a public suffix"},
    {CORSHDR_ECANONICAL, "ECANONICAL", "an origin not in the form browsers send"},
    {CORSHDR_EFORBIDDEN, "EFORBIDDEN", "a forbidden request-header name"},
    {CORSHDR_EPOLICY, "EPOLICY", "the policy configuration has problems"},
};

static const struct code_text *lookup(corshdr_status code)
{
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
        if (codes[i].code == code)
            return &codes[i];
    return NULL;
}

const char *corshdr_strerror(corshdr_status code)
{
    const struct code_text *c = lookup(code);
    return c ? c->text : "unknown status code";
}

const char *corshdr_err_name(corshdr_status code)
{
    const struct code_text *c = lookup(code);
    return c ? c->name : "UNKNOWN";
}

const char *corshdr_version(void)
{
    return CORSHDR_VERSION_STRING;
}

void corshdr_options_init(corshdr_options *opt)
{
    if (!opt)
        return;
    opt->max_elements = CORSHDR_DEFAULT_MAX_ELEMENTS;
    opt->max_empty = CORSHDR_DEFAULT_MAX_EMPTY;
    opt->max_bytes = CORSHDR_DEFAULT_MAX_BYTES;
    opt->kernel = CORSHDR_KERNEL_AUTO;
}

const corshdr_options corshdr__default_options = {CORSHDR_DEFAULT_MAX_ELEMENTS, CORSHDR_DEFAULT_MAX_EMPTY,
                                                  CORSHDR_DEFAULT_MAX_BYTES, CORSHDR_KERNEL_AUTO};

corshdr_options corshdr__options(const corshdr_options *opt)
{
    corshdr_options o;
    if (opt)
        o = *opt;
    else
        corshdr_options_init(&o);
    return o;
}
