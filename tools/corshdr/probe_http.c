/*
 * probe_http: the libcurl transport of `corshdr probe`. It only moves bytes: each request of the battery
 * goes out with its Origin, Access-Control-Request-Method and -Headers, and the raw response head comes
 * back as received, for the tool's head reader and the library to judge. libcurl's own header parsing
 * is never used for a check.
 *
 * Safe by default: HTTP and HTTPS only (also after a redirect), no proxy from the environment unless
 * asked, no redirect unless asked (and then only actual requests, only to the same host, at most
 * PROBE_MAX_REDIRECTS), connect and total timeouts, a cap on the head (an error beyond it) and on the
 * body (the transfer is cut: only heads matter), HTTP/1.1 so that the head is the bytes on the wire.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "probe.h"

#define PROBE_MAX_REDIRECTS 5

struct http {
    CURL *curl;
    probe_http_options opt;
    char errbuf[CURL_ERROR_SIZE];
    /* the transfer under way */
    char *head;
    size_t len;
    size_t cap;
    int head_done; /* the blank line that ends a head was seen */
    int too_big;   /* the head passed opt.max_head: the transfer was cut */
    size_t body;
    int body_cut;
};

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct http *h = ud;
    size_t bytes = size * n;
    if (h->head_done) {
        /* A status line after a complete head starts the final response after an interim 1xx one; any
         * other line is a trailer of a chunked body, which is not part of the head. */
        if (bytes < 5 || memcmp(p, "HTTP/", 5) != 0)
            return bytes;
        h->len = 0;
        h->head_done = 0;
    }
    if (h->len + bytes > h->opt.max_head) {
        h->too_big = 1;
        return 0;
    }
    if (h->len + bytes > h->cap) {
        size_t c = h->cap ? h->cap : 1024;
        while (c < h->len + bytes)
            c *= 2;
        char *b = realloc(h->head, c);
        if (!b)
            return 0; /* CURLE_WRITE_ERROR, reported as out of memory below */
        h->head = b;
        h->cap = c;
    }
    memcpy(h->head + h->len, p, bytes);
    h->len += bytes;
    if ((bytes == 2 && p[0] == '\r' && p[1] == '\n') || (bytes == 1 && p[0] == '\n'))
        h->head_done = 1;
    return bytes;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct http *h = ud;
    (void)p;
    h->body += size * n;
    if (h->body > h->opt.max_body) {
        h->body_cut = 1;
        return 0;
    }
    return size * n;
}

static void http_close(void *ctx)
{
    struct http *h = ctx;
    curl_easy_cleanup(h->curl);
    free(h->head);
    free(h);
    curl_global_cleanup();
}

/* "Name: " + bytes, as one header line for libcurl (the bytes hold no NUL: the plan made them). */
static struct curl_slist *add_header(struct curl_slist *list, const char *name, corshdr_span value, int *oom)
{
    size_t n = strlen(name);
    char *line = malloc(n + 2 + value.len + 1);
    if (!line) {
        *oom = 1;
        return list;
    }
    memcpy(line, name, n);
    memcpy(line + n, ": ", 2);
    if (value.len)
        memcpy(line + n + 2, value.ptr, value.len);
    line[n + 2 + value.len] = '\0';
    struct curl_slist *l = curl_slist_append(list, line);
    free(line);
    if (!l)
        *oom = 1;
    return l ? l : list;
}

/* The host of a URL, lowercased, into buf; 0, or -1 when it has none. */
static int url_host(const char *url, char *buf, size_t cap)
{
    CURLU *u = curl_url();
    char *host = NULL;
    int rc = -1;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK && strlen(host) < cap) {
        for (size_t i = 0; host[i]; i++)
            buf[i] = host[i] >= 'A' && host[i] <= 'Z' ? (char)(host[i] + 32) : host[i];
        buf[strlen(host)] = '\0';
        rc = 0;
    }
    curl_free(host);
    curl_url_cleanup(u);
    return rc;
}

/* One exchange with url. 0, or -1 when out of memory. */
static int exchange(struct http *h, const char *url, const probe_target *t, const probe_request *rq,
                    probe_response *r)
{
    int oom = 0;
    struct curl_slist *headers = add_header(NULL, "Origin", rq->origin, &oom);
    if (rq->preflight)
        headers = add_header(headers, "Access-Control-Request-Method", rq->acrm, &oom);
    if (rq->acrh.ptr)
        headers = add_header(headers, "Access-Control-Request-Headers", rq->acrh, &oom);
    for (size_t i = 0; i < h->opt.nheaders; i++) {
        struct curl_slist *l = curl_slist_append(headers, h->opt.headers[i]);
        oom |= !l;
        headers = l ? l : headers;
    }
    if (oom) {
        curl_slist_free_all(headers);
        return -1;
    }

    CURL *c = h->curl;
    h->len = 0;
    h->head_done = h->too_big = h->body_cut = 0;
    h->body = 0;
    h->errbuf[0] = '\0';
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
    if (rq->preflight) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "OPTIONS");
        curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
    } else {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, (char *)NULL);
        curl_easy_setopt(c, CURLOPT_NOBODY, t->head_requests ? 1L : 0L);
    }
    CURLcode res = curl_easy_perform(c);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
    curl_slist_free_all(headers);

    curl_off_t first = 0, total = 0;
    curl_easy_getinfo(c, CURLINFO_STARTTRANSFER_TIME_T, &first);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &total);
    r->elapsed_ms = (double)(first > 0 ? first : total) / 1000.0;
    r->body_cut = h->body_cut;

    if (res == CURLE_WRITE_ERROR && !h->body_cut && !h->too_big)
        return -1; /* the header callback could not grow its buffer */
    if (h->too_big) {
        r->failed = r->bad_reply = 1;
        snprintf(r->error, sizeof r->error, "the response head is longer than %zu bytes (--max-head)",
                 h->opt.max_head);
        return 0;
    }
    if (res != CURLE_OK && !(res == CURLE_WRITE_ERROR && h->body_cut)) {
        r->failed = 1;
        r->timed_out = res == CURLE_OPERATION_TIMEDOUT;
        r->unreachable = res == CURLE_COULDNT_RESOLVE_HOST || res == CURLE_COULDNT_RESOLVE_PROXY ||
                         res == CURLE_COULDNT_CONNECT || res == CURLE_SSL_CONNECT_ERROR ||
                         res == CURLE_PEER_FAILED_VERIFICATION || (r->timed_out && h->len == 0);
        /* libcurl rejects some malformed heads itself (a line without a colon, HTTP/0.9). */
        r->bad_reply = res == CURLE_WEIRD_SERVER_REPLY || res == CURLE_UNSUPPORTED_PROTOCOL ||
                       res == CURLE_BAD_CONTENT_ENCODING;
        snprintf(r->error, sizeof r->error, "%s%s%s", curl_easy_strerror(res), h->errbuf[0] ? ": " : "",
                 h->errbuf);
        return 0;
    }
    if (h->len == 0) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "no response head");
        return 0;
    }
    free(r->head);
    r->head = malloc(h->len);
    if (!r->head)
        return -1;
    memcpy(r->head, h->head, h->len);
    r->head_len = h->len;
    return 0;
}

/* The redirect target of a parsed 3xx answer to follow, as a new string; NULL when there is none to
 * follow (r->redirect_note then says why, if there was a Location). *oom is set when out of memory. */
static char *redirect_target(probe_response *r, const char *url, const char *host, int *oom)
{
    static const char location[] = "Location";
    size_t index;
    int s = r->info.status;
    if (r->malformed || (s != 301 && s != 302 && s != 303 && s != 307 && s != 308) ||
        corshdr_header_find(r->fields, r->info.nfields, location, sizeof location - 1, &index) != CORSHDR_OK)
        return NULL;
    corshdr_span v = corshdr_value_trim(r->fields[index].value.ptr, r->fields[index].value.len);
    char *rel = malloc(v.len + 1), *next = NULL, *scheme = NULL;
    CURLU *u = curl_url();
    if (!rel || !u) {
        *oom = 1;
        free(rel);
        curl_url_cleanup(u);
        return NULL;
    }
    memcpy(rel, v.ptr, v.len);
    rel[v.len] = '\0';
    int ok = memchr(v.ptr, '\0', v.len) == NULL && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
             curl_url_set(u, CURLUPART_URL, rel, 0) == CURLUE_OK &&
             curl_url_get(u, CURLUPART_URL, &next, 0) == CURLUE_OK &&
             curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK;
    char next_host[256];
    if (ok && (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        ok = 0;
    if (ok && (url_host(next, next_host, sizeof next_host) != 0 || strcmp(next_host, host) != 0)) {
        snprintf(r->redirect_note, sizeof r->redirect_note, "redirect to another host not followed: %.100s",
                 next);
        ok = 0;
    } else if (!ok) {
        snprintf(r->redirect_note, sizeof r->redirect_note, "redirect not followed: unusable Location");
    }
    char *result = NULL;
    if (ok && !(result = malloc(strlen(next) + 1)))
        *oom = 1;
    else if (ok)
        memcpy(result, next, strlen(next) + 1);
    free(rel);
    curl_free(next);
    curl_free(scheme);
    curl_url_cleanup(u);
    return result;
}

static int http_send(void *ctx, const probe_target *t, const probe_request *rq, probe_response *r)
{
    struct http *h = ctx;
    if (exchange(h, t->url, t, rq, r) != 0)
        return -1;
    /* Fetch's CORS-preflight fetch never follows a redirect, so only actual requests do, when asked. */
    if (!h->opt.follow_redirects || rq->preflight || r->failed)
        return 0;
    char host[256];
    if (url_host(t->url, host, sizeof host) != 0)
        return 0;
    char *url = NULL;
    while (r->redirects < PROBE_MAX_REDIRECTS) {
        int oom = 0;
        if (probe_response_parse(r) != 0)
            return -1;
        char *next = redirect_target(r, url ? url : t->url, host, &oom);
        if (oom) {
            free(url);
            return -1;
        }
        if (!next)
            break;
        free(url);
        url = next;
        r->redirects++;
        if (exchange(h, url, t, rq, r) != 0) {
            free(url);
            return -1;
        }
        if (r->failed)
            break;
    }
    free(r->url);
    r->url = url;
    return 0;
}

int probe_http_open(probe_transport *tr, const probe_http_options *opt, char *err, size_t errlen)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl could not be initialized");
        return -1;
    }
    struct http *h = calloc(1, sizeof *h);
    CURL *c = h ? curl_easy_init() : NULL;
    if (!c) {
        free(h);
        curl_global_cleanup();
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    h->curl = c;
    h->opt = *opt;
    int bad = 0;
    /* Only what the URL names is contacted: http and https, no other protocol even after a redirect. */
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    if (!opt->env_proxy)
        bad |= curl_easy_setopt(c, CURLOPT_PROXY, "") != CURLE_OK; /* "" disables the environment's proxy */
    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, opt->connect_timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, opt->timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "corshdr-probe/" CORSHDR_VERSION_STRING) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERDATA, h) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, h) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, h->errbuf) != CURLE_OK;
    if (opt->insecure) {
        bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK;
    }
    if (bad) {
        tr->ctx = h;
        http_close(h);
        snprintf(err, errlen, "libcurl lacks an option the probe needs (libcurl 7.85 or later is required)");
        return -1;
    }
    tr->ctx = h;
    tr->send = http_send;
    tr->close = http_close;
    return 0;
}
