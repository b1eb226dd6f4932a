/*
 * probe_http: the libcurl transport of `corshdr probe`, over the multi interface so that many requests
 * (of one target or of many) are in flight at once. It only moves bytes: each request of a battery goes
 * out with its Origin, Access-Control-Request-Method and -Headers, and the raw response head comes back as
 * received, for the tool's head reader and the library to judge. libcurl's own header parsing is never
 * used for a check.
 *
 * Safe by default: HTTP and HTTPS only (also after a redirect), no proxy from the environment unless
 * asked, no redirect unless asked (and then only actual requests, only to the same host, at most
 * PROBE_MAX_REDIRECTS), connect and total timeouts, a cap on the header bytes of an answer (interim 1xx
 * heads, the head and a chunked body's trailers: an endless trailer section stops there) and on the body
 * (the transfer is cut: only heads matter), HTTP/1.1 so that the head is the bytes on the wire, and at
 * most --concurrency connections, --per-host to one host.
 *
 * A server may close a kept-alive connection after an answer without saying so (RFC 9112 §9.6); a request
 * that then gets nothing back on the reused connection is sent once more on a fresh one by libcurl itself,
 * and only a failure there counts. libcurl keeps that budget per easy handle (5 retries, then "Connection
 * died"), so each exchange has an easy handle of its own: a long battery on one handle once used it up
 * and failed at random. The multi handle keeps the connections and the DNS cache.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "probe.h"

#define PROBE_MAX_REDIRECTS 5

struct http {
    CURLM *multi;
    probe_http_options opt;
    probe_done_queue ready; /* finished, not yet handed back */
};

/* One exchange's transfer. */
struct xfer {
    struct http *h;
    probe_exchange *x;
    CURL *easy;
    struct curl_slist *lines;
    double started_ms;    /* the exchange's start: a retry or a redirect gets what is left of its timeout */
    char *url;            /* the URL of this transfer when it follows a redirect (owned), else NULL */
    char host[256];       /* the target URL's host, for the same-host rule */
    char errbuf[CURL_ERROR_SIZE];
    char *head;           /* the final head as received */
    size_t len, cap;
    size_t header_bytes;  /* every header line of the answer, interim heads and trailers included */
    int head_done;        /* the blank line that ends a head was seen */
    int too_big;          /* header_bytes passed opt.max_head: the transfer was cut */
    int in_trailers;      /* lines after the final head: a chunked body's trailer section */
    size_t body;
    int body_cut;
};

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *t = ud;
    size_t bytes = size * n;
    /* Every line counts, whatever it is: an endless 1xx series or trailer section is cut like a long head. */
    t->header_bytes += bytes;
    if (t->header_bytes > t->h->opt.max_head) {
        t->too_big = 1;
        return 0;
    }
    if (t->head_done) {
        /* A status line after a complete head starts the final response after an interim 1xx one; any
         * other line is a trailer of a chunked body, which is not part of the head. */
        if (bytes < 5 || memcmp(p, "HTTP/", 5) != 0) {
            t->in_trailers = 1;
            return bytes;
        }
        t->len = 0;
        t->head_done = 0;
    }
    if (t->len + bytes > t->cap) {
        size_t c = t->cap ? t->cap : 1024;
        while (c < t->len + bytes)
            c *= 2;
        char *b = realloc(t->head, c);
        if (!b)
            return 0; /* CURLE_WRITE_ERROR, reported as out of memory below */
        t->head = b;
        t->cap = c;
    }
    memcpy(t->head + t->len, p, bytes);
    t->len += bytes;
    if ((bytes == 2 && p[0] == '\r' && p[1] == '\n') || (bytes == 1 && p[0] == '\n'))
        t->head_done = 1;
    return bytes;
}

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct xfer *t = ud;
    (void)p;
    t->body += size * n;
    if (t->body > t->h->opt.max_body) {
        t->body_cut = 1;
        return 0;
    }
    return size * n;
}

/* "Name: " + bytes, as one header line for libcurl (the bytes hold no NUL: the plan made them). */
static struct curl_slist *add_line(struct curl_slist *list, const char *name, corshdr_span value, int *oom)
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

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* A new easy handle for the transfer's next attempt, added to the multi handle. 0, or -1 when out of
 * memory (or libcurl refused an option it had accepted at open). */
static int launch(struct xfer *t)
{
    const probe_http_options *o = &t->h->opt;
    const probe_request *rq = t->x->request;
    CURL *c = curl_easy_init();
    if (!c)
        return -1;
    t->easy = c;
    t->len = t->header_bytes = t->body = 0;
    t->head_done = t->too_big = t->in_trailers = t->body_cut = 0;
    t->errbuf[0] = '\0';
    /* One timeout for the exchange, however many attempts it takes (it may be what is left of --deadline). */
    long timeout_ms = t->x->timeout_ms - (long)(now_ms() - t->started_ms);
    if (timeout_ms < 1)
        timeout_ms = 1;
    long connect_ms = o->connect_timeout_ms < timeout_ms ? o->connect_timeout_ms : timeout_ms;
    int bad = 0;
    /* Only what the URL names is contacted: http and https, no other protocol even after a redirect. */
    bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    if (!o->env_proxy)
        bad |= curl_easy_setopt(c, CURLOPT_PROXY, "") != CURLE_OK; /* "" disables the environment's proxy */
    bad |= curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, connect_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_1_1) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_USERAGENT, "corshdr-probe/" CORSHDR_VERSION_STRING) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HEADERDATA, t) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_WRITEDATA, t) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_ERRORBUFFER, t->errbuf) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_PRIVATE, (void *)t) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_URL, t->url ? t->url : t->x->target->url) != CURLE_OK;
    bad |= curl_easy_setopt(c, CURLOPT_HTTPHEADER, t->lines) != CURLE_OK;
    if (o->insecure) {
        bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L) != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L) != CURLE_OK;
    }
    if (rq->preflight)
        bad |= curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "OPTIONS") != CURLE_OK;
    else if (t->x->target->head_requests)
        bad |= curl_easy_setopt(c, CURLOPT_NOBODY, 1L) != CURLE_OK;
    if (bad || curl_multi_add_handle(t->h->multi, c) != CURLM_OK) {
        curl_easy_cleanup(c);
        t->easy = NULL;
        return -1;
    }
    return 0;
}

static void drop_easy(struct xfer *t)
{
    if (!t->easy)
        return;
    curl_multi_remove_handle(t->h->multi, t->easy);
    curl_easy_cleanup(t->easy);
    t->easy = NULL;
}

static void xfer_free(struct xfer *t)
{
    drop_easy(t);
    curl_slist_free_all(t->lines);
    free(t->url);
    free(t->head);
    free(t);
}

static int http_start(void *ctx, probe_exchange *x)
{
    struct http *h = ctx;
    const probe_request *rq = x->request;
    struct xfer *t = calloc(1, sizeof *t);
    if (!t)
        return -1;
    t->h = h;
    t->x = x;
    t->started_ms = now_ms();
    int oom = 0;
    t->lines = add_line(NULL, "Origin", rq->origin, &oom);
    if (rq->preflight)
        t->lines = add_line(t->lines, "Access-Control-Request-Method", rq->acrm, &oom);
    if (rq->acrh.ptr)
        t->lines = add_line(t->lines, "Access-Control-Request-Headers", rq->acrh, &oom);
    for (size_t i = 0; i < h->opt.nheaders; i++) {
        struct curl_slist *l = curl_slist_append(t->lines, h->opt.headers[i]);
        oom |= !l;
        t->lines = l ? l : t->lines;
    }
    if (url_host(x->target->url, t->host, sizeof t->host) != 0)
        t->host[0] = '\0';
    if (oom || launch(t) != 0) {
        xfer_free(t);
        return -1;
    }
    x->priv = t;
    return 0;
}

static void http_cancel(void *ctx, probe_exchange *x)
{
    (void)ctx;
    if (x->priv)
        xfer_free(x->priv);
    x->priv = NULL;
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

/* Fills the response from a finished attempt. 0, or -1 when out of memory. */
static int settle(struct xfer *t, CURLcode res)
{
    probe_response *r = t->x->response;
    CURL *c = t->easy;
    curl_off_t first = 0, total = 0, connect = 0;
    curl_easy_getinfo(c, CURLINFO_STARTTRANSFER_TIME_T, &first);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME_T, &total);
    curl_easy_getinfo(c, CURLINFO_CONNECT_TIME_T, &connect);
    long new_conns = 0;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &new_conns);
    int connected = connect > 0 || new_conns == 0; /* a new connection was made, or one was reused */
    r->elapsed_ms = (double)(first > 0 ? first : total) / 1000.0;
    r->body_cut = t->body_cut;
    free(r->head);
    r->head = NULL;
    r->head_len = 0;
    r->failed = r->timed_out = r->deadline = r->unreachable = r->bad_reply = 0;
    r->error[0] = '\0';

    if (res == CURLE_WRITE_ERROR && !t->body_cut && !t->too_big)
        return -1; /* the header callback could not grow its buffer */
    if (t->too_big) {
        r->failed = r->bad_reply = 1;
        snprintf(r->error, sizeof r->error, "the %s is longer than %zu bytes (--max-head)",
                 t->in_trailers ? "response head with its trailer section" : "response head", t->h->opt.max_head);
        return 0;
    }
    if (res != CURLE_OK && !(res == CURLE_WRITE_ERROR && t->body_cut)) {
        r->failed = 1;
        r->timed_out = res == CURLE_OPERATION_TIMEDOUT;
        r->deadline = r->timed_out && t->x->deadline_bound;
        r->unreachable = res == CURLE_COULDNT_RESOLVE_HOST || res == CURLE_COULDNT_RESOLVE_PROXY ||
                         res == CURLE_COULDNT_CONNECT || res == CURLE_SSL_CONNECT_ERROR ||
                         res == CURLE_PEER_FAILED_VERIFICATION || (r->timed_out && !connected);
        /* libcurl rejects some malformed heads itself (a line without a colon, HTTP/0.9), and heads past
         * its own caps (300 KiB in all, 100 KiB a line). */
        r->bad_reply = res == CURLE_WEIRD_SERVER_REPLY || res == CURLE_UNSUPPORTED_PROTOCOL ||
                       res == CURLE_BAD_CONTENT_ENCODING || res == CURLE_OUT_OF_MEMORY ||
                       (res == CURLE_RECV_ERROR && strstr(t->errbuf, "header"));
        if (r->timed_out && connected) {
            /* Reached, then silent: say which limit ran out and what the server had sent. */
            double s = (double)t->x->timeout_ms / 1000.0;
            if (t->header_bytes)
                snprintf(r->error, sizeof r->error, "the server sent %zu bytes of its answer, then stalled "
                                                    "until the %s ran out (%g s)", t->header_bytes,
                         r->deadline ? "deadline (--deadline)" : "timeout (--timeout)", s);
            else
                snprintf(r->error, sizeof r->error, "the server took the request and said nothing until the "
                                                    "%s ran out (%g s)",
                         r->deadline ? "deadline (--deadline)" : "timeout (--timeout)", s);
        } else if (res == CURLE_OUT_OF_MEMORY) {
            /* libcurl 7.88 reports its cap on one header line (CURL_MAX_HTTP_HEADER) as out of memory. */
            snprintf(r->error, sizeof r->error, "libcurl refused the answer: %s (what libcurl reports for a header "
                                                "line over 100 KiB)%s%.100s", curl_easy_strerror(res),
                     t->errbuf[0] ? ": " : "", t->errbuf);
        } else {
            snprintf(r->error, sizeof r->error, "%s%s%s", curl_easy_strerror(res), t->errbuf[0] ? ": " : "",
                     t->errbuf);
        }
        return 0;
    }
    if (t->len == 0) {
        r->failed = 1;
        snprintf(r->error, sizeof r->error, "no response head");
        return 0;
    }
    r->head = malloc(t->len);
    if (!r->head)
        return -1;
    memcpy(r->head, t->head, t->len);
    r->head_len = t->len;
    return 0;
}

/* An attempt finished: follow a redirect, or hand the exchange back. 0, or -1 when out of memory. */
static int finish(struct http *h, struct xfer *t, CURLcode res)
{
    probe_exchange *x = t->x;
    probe_response *r = x->response;
    if (settle(t, res) != 0)
        return -1;
    /* Fetch's CORS-preflight fetch never follows a redirect, so only actual requests do, when asked. */
    if (h->opt.follow_redirects && !x->request->preflight && !r->failed && t->host[0] &&
        r->redirects < PROBE_MAX_REDIRECTS) {
        if (probe_response_parse(r) != 0)
            return -1;
        int oom = 0;
        char *next = redirect_target(r, t->url ? t->url : x->target->url, t->host, &oom);
        if (oom)
            return -1;
        if (next) {
            free(t->url);
            t->url = next;
            r->redirects++;
            drop_easy(t);
            return launch(t);
        }
    }
    if (t->url) {
        free(r->url);
        r->url = t->url;
        t->url = NULL;
    }
    r->done = 1;
    if (probe_done_push(&h->ready, x) != 0)
        return -1;
    x->priv = NULL;
    xfer_free(t);
    return 0;
}

/* Runs libcurl and collects what finished. 0, or -1 when out of memory. */
static int collect(struct http *h)
{
    int running, left;
    curl_multi_perform(h->multi, &running);
    CURLMsg *m;
    while ((m = curl_multi_info_read(h->multi, &left))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        struct xfer *t = NULL;
        curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&t);
        if (finish(h, t, m->data.result) != 0)
            return -1;
    }
    return 0;
}

static int http_poll(void *ctx, long wait_ms, probe_exchange **done, size_t cap, size_t *count)
{
    struct http *h = ctx;
    if (h->ready.n == 0) {
        if (collect(h) != 0)
            return -1;
        if (h->ready.n == 0 && wait_ms > 0) {
            curl_multi_poll(h->multi, NULL, 0, (int)wait_ms, NULL);
            if (collect(h) != 0)
                return -1;
        }
    }
    *count = probe_done_take(&h->ready, done, cap);
    return 0;
}

static void http_close(void *ctx)
{
    struct http *h = ctx;
    curl_multi_cleanup(h->multi);
    free(h->ready.v);
    free(h);
    curl_global_cleanup();
}

int probe_http_open(probe_transport *tr, const probe_http_options *opt, char *err, size_t errlen)
{
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        snprintf(err, errlen, "libcurl could not be initialized");
        return -1;
    }
    struct http *h = calloc(1, sizeof *h);
    CURLM *m = h ? curl_multi_init() : NULL;
    if (!m) {
        free(h);
        curl_global_cleanup();
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    h->multi = m;
    h->opt = *opt;
    int bad = 0;
    /* The engine keeps to the same bounds; libcurl's own limits make sure of it for connections too. */
    bad |= curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)opt->concurrency) != CURLM_OK;
    bad |= curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)opt->per_host) != CURLM_OK;
    bad |= curl_multi_setopt(m, CURLMOPT_MAXCONNECTS, (long)opt->concurrency) != CURLM_OK;
    bad |= curl_multi_setopt(m, CURLMOPT_PIPELINING, (long)CURLPIPE_NOTHING) != CURLM_OK;
    /* Every option launch() sets, tried once here so that an old libcurl fails at once and clearly. */
    CURL *c = curl_easy_init();
    bad |= !c;
    if (c) {
        bad |= curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https") != CURLE_OK;
        bad |= curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https") != CURLE_OK;
        curl_easy_cleanup(c);
    }
    if (bad) {
        http_close(h);
        snprintf(err, errlen, "libcurl lacks an option the probe needs (libcurl 7.85 or later is required)");
        return -1;
    }
    tr->ctx = h;
    tr->start = http_start;
    tr->poll = http_poll;
    tr->cancel = http_cancel;
    tr->close = http_close;
    return 0;
}
