/*
 * probe_domain: registrable domains for `corshdr probe`, from the Public Suffix List through libpsl.
 * An untrusted origin made from the site's name is only worth sending when an attacker could register
 * it: "pp.example.com" (a sibling subdomain) or "app.examplexcom" (no such suffix) prove nothing about an
 * attacker, "evilexample.com" does. A hand-made list of suffixes would be wrong for co.uk, github.io and
 * thousands more; the list is the source of truth.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libpsl.h>

#include "probe.h"

/* A DNS name: at most 253 bytes, labels of at most 63. */
#define NAME_MAX_BYTES 253
#define LABEL_MAX_BYTES 63

struct probe_domains {
    psl_ctx_t *latest; /* NULL when the built-in list is used */
    const psl_ctx_t *psl;
};

int probe_domains_open(probe_domains **out, char *err, size_t errlen)
{
    probe_domains *d = calloc(1, sizeof *d);
    if (!d) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    /* psl_latest: the newer of the list built into libpsl and the system's file. */
    d->latest = psl_latest(NULL);
    d->psl = d->latest ? d->latest : psl_builtin();
    if (!d->psl) {
        free(d);
        snprintf(err, errlen, "the Public Suffix List cannot be loaded (libpsl has none built in, and %s "
                              "is missing: Debian's package publicsuffix)", psl_dist_filename());
        return -1;
    }
    *out = d;
    return 0;
}

void probe_domains_close(probe_domains *d)
{
    if (!d)
        return;
    if (d->latest)
        psl_free(d->latest);
    free(d);
}

int probe_host_is_ip(corshdr_span host)
{
    if (host.len && host.ptr[0] == '[')
        return 1;
    for (size_t i = 0; i < host.len; i++)
        if ((host.ptr[i] < '0' || host.ptr[i] > '9') && host.ptr[i] != '.')
            return 0;
    return host.len > 0;
}

/* host as a NUL-terminated name in buf (NAME_MAX_BYTES + 1); 0, or -1 when it cannot be a DNS name. */
static int name_copy(corshdr_span host, char *buf)
{
    if (host.len == 0 || host.len > NAME_MAX_BYTES || probe_host_is_ip(host))
        return -1;
    memcpy(buf, host.ptr, host.len);
    buf[host.len] = '\0';
    return 0;
}

corshdr_span probe_registrable(const probe_domains *d, corshdr_span host)
{
    char name[NAME_MAX_BYTES + 1];
    if (name_copy(host, name) != 0)
        return (corshdr_span){host.ptr, 0};
    const char *r = psl_registrable_domain(d->psl, name);
    /* The implicit "*" rule makes "a.invalid" registrable; only a listed suffix counts. */
    const char *suffix = psl_unregistrable_domain(d->psl, name);
    if (!r || !suffix || !psl_is_public_suffix2(d->psl, suffix, PSL_TYPE_ANY | PSL_TYPE_NO_STAR_RULE))
        return (corshdr_span){host.ptr, 0};
    size_t off = (size_t)(r - name);
    return (corshdr_span){host.ptr + off, host.len - off};
}

/* Letters, digits and hyphens, 1 to 63 bytes a label, no empty label. */
static int ldh_name(corshdr_span host)
{
    size_t label = 0;
    for (size_t i = 0; i < host.len; i++) {
        char c = host.ptr[i];
        if (c == '.') {
            if (label == 0)
                return 0;
            label = 0;
            continue;
        }
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-') || ++label > LABEL_MAX_BYTES)
            return 0;
    }
    return label > 0;
}

int probe_attacker_domain(const probe_domains *d, corshdr_span host, corshdr_span site)
{
    if (!ldh_name(host) || host.len > NAME_MAX_BYTES)
        return 0;
    corshdr_span r = probe_registrable(d, host);
    return r.len > 0 && !(r.len == site.len && memcmp(r.ptr, site.ptr, r.len) == 0);
}
