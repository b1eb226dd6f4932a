/*
 * probe_engine: runs the batteries of many targets through one transport, many requests at a time, and
 * hands each target's outcome to a sink in the targets' order.
 *
 * Bounds: at most opt->concurrency requests in flight in all and opt->per_host to one host and port; at
 * most WINDOW(concurrency) targets begun and not yet handed over, so that memory stays bounded however
 * long the list (a finished target waits for the ones before it, and is freed once handed over); every
 * request has opt->timeout_ms, and every target opt->deadline_ms from its first request to its last
 * answer (a request's timeout is cut to what is left of it).
 *
 * Within a target, requests start in the plan's order. An exclusive one (the first, which tells whether the
 * host answers at all, and the timed hostile preflights) goes alone: nothing else of its target is in
 * flight with it. A request that is not allowed to fail and fails stops its target: what is in flight is
 * cancelled and the target's outcome is that one error line, naming the request.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "probe.h"

/* Targets begun and not yet handed over, at most. */
#define WINDOW(concurrency) (4 * (concurrency) + 4)
/* The longest wait in one poll: the progress line and the deadlines are looked at this often. */
#define TICK_MS 200
/* Exchanges taken from the transport at once. */
#define BATCH 64

struct job {
    const probe_target *t;
    size_t index;
    probe_plan plan;
    probe_response *responses;
    probe_exchange *xs;  /* one per request of the plan */
    size_t next;         /* the next request to start */
    size_t in_flight;
    int exclusive;       /* an exclusive request is in flight */
    int stop;            /* start nothing more: an error or the deadline */
    int begun;           /* its first request was started */
    char error[720];     /* why the target could not be probed; "" when it could */
    int unreachable;
    double start_ms, end_ms;
};

struct engine {
    probe_transport *tr;
    const probe_domains *d;
    const probe_target *targets;
    size_t count;
    const probe_engine_options *opt;
    probe_sink sink;
    void *ud;
    struct job *jobs;    /* a ring of WINDOW slots: target i lives in jobs[i % window] */
    size_t window;
    size_t admitted;     /* targets begun */
    size_t written;      /* targets handed over */
    size_t in_flight;
    size_t errors;       /* targets that could not be probed */
    double progress_at;  /* when the progress line was last drawn */
    int progress_shown;
};

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static struct job *job_of(struct engine *e, size_t index)
{
    return &e->jobs[index % e->window];
}

static const char *method_of(const probe_target *t, const probe_request *rq)
{
    return rq->preflight ? "OPTIONS" : t->head_requests ? "HEAD" : "GET";
}

/* Requests of all targets in flight to the job's host and port. */
static size_t host_in_flight(struct engine *e, const struct job *j)
{
    size_t n = 0;
    for (size_t i = e->written; i < e->admitted; i++) {
        const struct job *k = job_of(e, i);
        if (k->in_flight && strcmp(k->t->authority, j->t->authority) == 0)
            n += k->in_flight;
    }
    return n;
}

static int admit(struct engine *e)
{
    while (e->admitted < e->count && e->admitted < e->written + e->window) {
        struct job *j = job_of(e, e->admitted);
        memset(j, 0, sizeof *j);
        j->t = &e->targets[e->admitted];
        j->index = e->admitted;
        if (probe_plan_build(j->t, e->d, &j->plan) != 0)
            return -1;
        j->responses = calloc(j->plan.count ? j->plan.count : 1, sizeof *j->responses);
        j->xs = calloc(j->plan.count ? j->plan.count : 1, sizeof *j->xs);
        if (!j->responses || !j->xs)
            return -1;
        e->admitted++;
    }
    return 0;
}

/* The job stops: its error (the first one wins), and every request in flight cancelled. */
static void stop_job(struct engine *e, struct job *j, const char *error, int unreachable)
{
    if (!j->error[0]) {
        snprintf(j->error, sizeof j->error, "%s", error);
        j->unreachable = unreachable;
    }
    j->stop = 1;
    for (size_t i = 0; i < j->next; i++) {
        probe_exchange *x = &j->xs[i];
        if (j->responses[i].done)
            continue;
        e->tr->cancel(e->tr->ctx, x);
        j->responses[i].done = j->responses[i].failed = 1;
        snprintf(j->responses[i].error, sizeof j->responses[i].error, "cancelled: %s", error);
        j->in_flight--;
        e->in_flight--;
    }
    j->exclusive = 0;
}

/* "URL" escaped for an error line. */
static const char *shown_url(const probe_target *t, char buf[CLI_ESCAPED_SIZE])
{
    return cli_escape(buf, t->url, strlen(t->url));
}

/* The deadline ran out: in request `culprit`, or (NULL) in the oldest request still waiting, the one the
 * server stalled on, or before the next request could be sent. */
static void deadline_error(struct engine *e, struct job *j, double now, const probe_exchange *culprit)
{
    char msg[720], url[CLI_ESCAPED_SIZE];
    const probe_exchange *oldest = culprit;
    for (size_t i = 0; !culprit && i < j->next; i++)
        if (!j->responses[i].done && (!oldest || j->xs[i].started_ms < oldest->started_ms))
            oldest = &j->xs[i];
    if (oldest)
        snprintf(msg, sizeof msg, "%s: no answer to request '%s' (%s) within the deadline of %g s (--deadline): "
                                  "it waited %.1f s; %zu of %zu requests were answered",
                 shown_url(j->t, url), oldest->request->name, method_of(j->t, oldest->request),
                 (double)e->opt->deadline_ms / 1000.0, (now - oldest->started_ms) / 1000.0,
                 j->next - j->in_flight - (culprit ? 1 : 0), j->plan.count);
    else
        snprintf(msg, sizeof msg, "%s: the deadline of %g s (--deadline) ran out before request '%s' (%s) was "
                                  "sent; %zu of %zu requests were answered",
                 shown_url(j->t, url), (double)e->opt->deadline_ms / 1000.0, j->plan.items[j->next].name,
                 method_of(j->t, &j->plan.items[j->next]), j->next, j->plan.count);
    stop_job(e, j, msg, 0);
}

/* Starts what the bounds allow, targets in order. 0, or -1 when out of memory. */
static int start_requests(struct engine *e, double now)
{
    const probe_engine_options *o = e->opt;
    for (size_t i = e->written; i < e->admitted && e->in_flight < o->concurrency; i++) {
        struct job *j = job_of(e, i);
        while (!j->stop && !j->exclusive && j->next < j->plan.count && e->in_flight < o->concurrency) {
            const probe_request *rq = &j->plan.items[j->next];
            if ((rq->exclusive && j->in_flight > 0) || host_in_flight(e, j) >= o->per_host)
                break;
            if (!j->begun) {
                j->begun = 1;
                j->start_ms = now;
            }
            double left = (double)o->deadline_ms - (now - j->start_ms);
            if (left < 1) {
                deadline_error(e, j, now, NULL);
                break;
            }
            probe_exchange *x = &j->xs[j->next];
            x->target = j->t;
            x->request = rq;
            x->response = &j->responses[j->next];
            x->deadline_bound = left < (double)o->timeout_ms;
            x->timeout_ms = x->deadline_bound ? (long)left : o->timeout_ms;
            x->started_ms = now;
            x->owner = j;
            if (e->tr->start(e->tr->ctx, x) != 0)
                return -1;
            j->next++;
            j->in_flight++;
            e->in_flight++;
            if (rq->exclusive)
                j->exclusive = 1;
        }
    }
    return 0;
}

/* An exchange came back. 0, or -1 when out of memory. */
static int answered(struct engine *e, probe_exchange *x, double now)
{
    struct job *j = x->owner;
    const probe_request *rq = x->request;
    probe_response *r = x->response;
    j->in_flight--;
    e->in_flight--;
    if (rq->exclusive)
        j->exclusive = 0;
    j->end_ms = now;
    if (!r->failed && probe_response_parse(r) != 0)
        return -1;
    if (j->stop)
        return 0;
    char url[CLI_ESCAPED_SIZE];
    if (r->deadline) {
        /* What was left of the deadline ran out in this request, whatever it was for. */
        deadline_error(e, j, now, x);
        return 0;
    }
    if (probe_request_may_fail(rq) || (!r->failed && !r->malformed))
        return 0;
    char msg[720];
    if (r->unreachable)
        snprintf(msg, sizeof msg, "cannot reach %s: %s", shown_url(j->t, url), r->error);
    else
        snprintf(msg, sizeof msg, "%s: %s answer to request '%s' (%s): %s",
                 r->url ? cli_escape(url, r->url, strlen(r->url)) : shown_url(j->t, url),
                 r->failed && !r->bad_reply ? "no" : "malformed", rq->name, method_of(j->t, rq), r->error);
    stop_job(e, j, msg, r->unreachable);
    return 0;
}

static void progress(struct engine *e, double now, int last)
{
    if (!e->opt->progress || (!last && now - e->progress_at < TICK_MS))
        return;
    e->progress_at = now;
    if (last) {
        if (e->progress_shown)
            fprintf(stderr, "\r%72s\r", "");
    } else {
        fprintf(stderr, "\rcorshdr probe: %zu/%zu targets done, %zu requests in flight, %zu not probed   ",
                e->written, e->count, e->in_flight, e->errors);
        e->progress_shown = 1;
    }
    fflush(stderr);
}

/* Hands over every finished target at the front of the window, in order. 0, or -1 (memory, or the sink
 * stopped the run). */
static int hand_over(struct engine *e)
{
    while (e->written < e->admitted) {
        struct job *j = job_of(e, e->written);
        if (j->in_flight || (!j->stop && j->next < j->plan.count))
            return 0;
        probe_findings *findings = NULL;
        int rc = 0;
        if (!j->error[0]) {
            findings = calloc(1, sizeof *findings);
            if (!findings || probe_analyze(j->t, &j->plan, j->responses, &e->opt->checks, findings) != 0)
                rc = -1;
        } else {
            e->errors++;
        }
        probe_outcome o = {j->index, j->t, &j->plan, j->responses, findings, j->error[0] ? j->error : NULL,
                           j->unreachable, j->begun ? j->end_ms - j->start_ms : 0};
        if (rc == 0 && e->sink(e->ud, &o) != 0)
            rc = -1;
        free(findings);
        for (size_t i = 0; i < j->plan.count; i++)
            probe_response_free(&j->responses[i]);
        free(j->responses);
        free(j->xs);
        probe_plan_free(&j->plan);
        j->responses = NULL;
        j->xs = NULL;
        e->written++;
        if (rc != 0)
            return -1;
    }
    return 0;
}

static void cleanup(struct engine *e)
{
    for (size_t i = e->written; i < e->admitted; i++) {
        struct job *j = job_of(e, i);
        for (size_t k = 0; k < j->next && j->xs; k++)
            if (!j->responses[k].done)
                e->tr->cancel(e->tr->ctx, &j->xs[k]);
        for (size_t k = 0; j->responses && k < j->plan.count; k++)
            probe_response_free(&j->responses[k]);
        free(j->responses);
        free(j->xs);
        probe_plan_free(&j->plan);
    }
    free(e->jobs);
}

int probe_engine_run(probe_transport *tr, const probe_domains *d, const probe_target *targets, size_t count,
                     const probe_engine_options *opt, probe_sink sink, void *ud)
{
    struct engine e;
    memset(&e, 0, sizeof e);
    e.tr = tr;
    e.d = d;
    e.targets = targets;
    e.count = count;
    e.opt = opt;
    e.sink = sink;
    e.ud = ud;
    e.window = WINDOW(opt->concurrency);
    if (e.window > count)
        e.window = count ? count : 1;
    e.jobs = calloc(e.window, sizeof *e.jobs);
    if (!e.jobs)
        return -1;
    int rc = 0;
    probe_exchange *done[BATCH];
    while (rc == 0 && e.written < count) {
        double now = now_ms();
        if (admit(&e) != 0 || start_requests(&e, now) != 0 || hand_over(&e) != 0) {
            rc = -1;
            break;
        }
        if (e.written == count)
            break;
        /* Wait no longer than the nearest deadline of a target with requests in flight. */
        double wait = TICK_MS;
        for (size_t i = e.written; i < e.admitted; i++) {
            const struct job *j = job_of(&e, i);
            if (j->begun && !j->stop) {
                double left = (double)opt->deadline_ms - (now - j->start_ms);
                wait = left < wait ? left : wait;
            }
        }
        size_t n = 0;
        if (tr->poll(tr->ctx, wait > 0 ? (long)wait + 1 : 0, done, BATCH, &n) != 0) {
            rc = -1;
            break;
        }
        now = now_ms();
        for (size_t k = 0; k < n && rc == 0; k++)
            rc = answered(&e, done[k], now);
        /* A target whose deadline passed while nothing of it was in flight (its requests are limited to the
         * deadline, so the ones in flight end by themselves). */
        for (size_t i = e.written; i < e.admitted && rc == 0; i++) {
            struct job *j = job_of(&e, i);
            if (j->begun && !j->stop && !j->in_flight && j->next < j->plan.count &&
                now - j->start_ms >= (double)opt->deadline_ms)
                deadline_error(&e, j, now, NULL);
        }
        progress(&e, now, 0);
    }
    progress(&e, now_ms(), 1);
    cleanup(&e);
    return rc;
}

int probe_done_push(probe_done_queue *q, probe_exchange *x)
{
    if (q->n == q->cap) {
        size_t cap = q->cap ? q->cap * 2 : 64;
        probe_exchange **v = realloc(q->v, cap * sizeof *v);
        if (!v)
            return -1;
        q->v = v;
        q->cap = cap;
    }
    q->v[q->n++] = x;
    return 0;
}

size_t probe_done_take(probe_done_queue *q, probe_exchange **out, size_t cap)
{
    size_t n = q->n < cap ? q->n : cap;
    if (n) {
        memcpy(out, q->v, n * sizeof *out);
        memmove(q->v, q->v + n, (q->n - n) * sizeof *q->v);
        q->n -= n;
    }
    return n;
}

void probe_done_drop(probe_done_queue *q, const probe_exchange *x)
{
    for (size_t i = 0; i < q->n; i++)
        if (q->v[i] == x) {
            memmove(&q->v[i], &q->v[i + 1], (q->n - i - 1) * sizeof *q->v);
            q->n--;
            return;
        }
}
