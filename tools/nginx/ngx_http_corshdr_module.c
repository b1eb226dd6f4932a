/*
 * ngx_http_corshdr_module: CORS for nginx from a corshdr policy.
 *
 * Each location's policy is checked and compiled once, when the configuration is read; `nginx -t` lists
 * every problem of every policy, each with the library's code and message and the file and line of the
 * directive that holds the entry. Per request the module reads the request's header lines in place and
 * asks the compiled policy (corshdr_policy_apply): a preflight is answered at the start of the access
 * phase (after rewrites, limit_req and limit_conn; before allow/deny and authentication, since browsers
 * send preflights without credentials), and a header filter adds the answer's lines to every other
 * response of the location, error pages and proxied responses included. Nothing is allocated per request
 * but from the request's pool, and only for a request of more than FIELDS_ON_STACK header lines.
 */

#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include <libpsl.h>

#include "corshdr.h"


/* A directive argument and where it was written, for the messages of `nginx -t`. */
typedef struct {
    ngx_str_t                   value;
    ngx_str_t                   file;
    ngx_uint_t                  line;
    uint32_t                    reported;  /* codes already reported for it: bit -code */
} ngx_http_corshdr_entry_t;


/* The lists of a policy, in the order of corshdr_policy_part. */
enum {
    CORSHDR_LIST_ORIGINS = 0,
    CORSHDR_LIST_METHODS,
    CORSHDR_LIST_HEADERS,
    CORSHDR_LIST_EXPOSE,
    CORSHDR_LISTS
};

/* Its flags and numbers. */
enum {
    CORSHDR_SET_ENABLE = 0,
    CORSHDR_SET_CREDENTIALS,
    CORSHDR_SET_NULL,
    CORSHDR_SET_DEBUG,
    CORSHDR_SET_MAX_AGE,
    CORSHDR_SET_STATUS,
    CORSHDR_SETTINGS
};


typedef struct {
    /* NULL when neither this level nor any above sets it; shared with the level it is inherited from */
    ngx_array_t                *lists[CORSHDR_LISTS];     /* of ngx_http_corshdr_entry_t */
    ngx_http_corshdr_entry_t   *settings[CORSHDR_SETTINGS];
    ngx_int_t                   values[CORSHDR_SETTINGS];  /* meaningful where settings[i] is set */

    corshdr_policy             *policy;   /* NULL: no CORS at this level */
    ngx_http_corshdr_entry_t   *first;    /* the first directive at this level, or NULL */
    unsigned                    compiled:1;
} ngx_http_corshdr_loc_conf_t;


typedef struct {
    psl_ctx_t                  *psl_latest;  /* psl_latest()'s list, freed after configuration */
    const psl_ctx_t            *psl;
    ngx_uint_t                  psl_tried;
    ngx_pool_t                 *temp_pool;
    ngx_log_t                  *log;
    ngx_uint_t                  failed;       /* problems were reported */
} ngx_http_corshdr_main_conf_t;


static void *ngx_http_corshdr_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_corshdr_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_corshdr_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child);
static char *ngx_http_corshdr_list(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static char *ngx_http_corshdr_setting(ngx_conf_t *cf, ngx_command_t *cmd, void *conf);
static ngx_int_t ngx_http_corshdr_init(ngx_conf_t *cf);


/* How a setting's argument is read. */
typedef enum {
    CORSHDR_ARG_FLAG = 0,    /* on | off */
    CORSHDR_ARG_MAX_AGE,     /* seconds, -1 allowed */
    CORSHDR_ARG_STATUS       /* a status code */
} ngx_http_corshdr_arg_e;

static ngx_http_corshdr_arg_e  ngx_http_corshdr_arg_flag = CORSHDR_ARG_FLAG;
static ngx_http_corshdr_arg_e  ngx_http_corshdr_arg_max_age = CORSHDR_ARG_MAX_AGE;
static ngx_http_corshdr_arg_e  ngx_http_corshdr_arg_status = CORSHDR_ARG_STATUS;


#define NGX_HTTP_CORSHDR_CONF                                                 \
    (NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF)

static ngx_command_t  ngx_http_corshdr_commands[] = {

    { ngx_string("corshdr"),
      NGX_HTTP_CORSHDR_CONF|NGX_CONF_TAKE1,
      ngx_http_corshdr_setting,
      NGX_HTTP_LOC_CONF_OFFSET,
      CORSHDR_SET_ENABLE,
      &ngx_http_corshdr_arg_flag },

    { ngx_string("corshdr_allow_origin"),
      NGX_HTTP_CORSHDR_CONF|NGX_CONF_1MORE,
      ngx_http_corshdr_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      CORSHDR_LIST_ORIGINS,
      NULL },

    { ngx_string("corshdr_allow_methods"),
      NGX_HTTP_CORSHDR_CONF|NGX_CONF_1MORE,
      ngx_http_corshdr_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      CORSHDR_LIST_METHODS,
      NULL },

    { ngx_string("corshdr_allow_headers"),
      NGX_HTTP_CORSHDR_CONF|NGX_CONF_1MORE,
      ngx_http_corshdr_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      CORSHDR_LIST_HEADERS,
      NULL },

    { ngx_string("corshdr_expose_headers"),
      NGX_HTTP_CORSHDR_CONF|NGX_CONF_1MORE,
      ngx_http_corshdr_list,
      NGX_HTTP_LOC_CONF_OFFSET,
      CORSHDR_LIST_EXPOSE,
      NULL },

    { ngx_string("corshdr_allow_credentials"),
      NGX_HTTP_CORSHDR_CONF|NGX_CONF_TAKE1,
      ngx_http_corshdr_setting,
      NGX_HTTP_LOC_CONF_OFFSET,
      CORSHDR_SET_CREDENTIALS,
      &ngx_http_corshdr_arg_flag },

    { ngx_string("corshdr_allow_null_origin"),
      NGX_HTTP_CORSHDR_CONF|NGX_CONF_TAKE1,
      ngx_http_corshdr_setting,
      NGX_HTTP_LOC_CONF_OFFSET,
      CORSHDR_SET_NULL,
      &ngx_http_corshdr_arg_flag },

    { ngx_string("corshdr_debug"),
      NGX_HTTP_CORSHDR_CONF|NGX_CONF_TAKE1,
      ngx_http_corshdr_setting,
      NGX_HTTP_LOC_CONF_OFFSET,
      CORSHDR_SET_DEBUG,
      &ngx_http_corshdr_arg_flag },

    { ngx_string("corshdr_max_age"),
      NGX_HTTP_CORSHDR_CONF|NGX_CONF_TAKE1,
      ngx_http_corshdr_setting,
      NGX_HTTP_LOC_CONF_OFFSET,
      CORSHDR_SET_MAX_AGE,
      &ngx_http_corshdr_arg_max_age },

    { ngx_string("corshdr_preflight_status"),
      NGX_HTTP_CORSHDR_CONF|NGX_CONF_TAKE1,
      ngx_http_corshdr_setting,
      NGX_HTTP_LOC_CONF_OFFSET,
      CORSHDR_SET_STATUS,
      &ngx_http_corshdr_arg_status },

      ngx_null_command
};


/* Directive names by list and by setting, for messages. */
static const char  *ngx_http_corshdr_list_names[CORSHDR_LISTS] = {
    "corshdr_allow_origin", "corshdr_allow_methods", "corshdr_allow_headers",
    "corshdr_expose_headers"
};

static const char  *ngx_http_corshdr_setting_names[CORSHDR_SETTINGS] = {
    "corshdr", "corshdr_allow_credentials", "corshdr_allow_null_origin",
    "corshdr_debug", "corshdr_max_age", "corshdr_preflight_status"
};


static ngx_http_module_t  ngx_http_corshdr_module_ctx = {
    NULL,                                  /* preconfiguration */
    ngx_http_corshdr_init,                 /* postconfiguration */

    ngx_http_corshdr_create_main_conf,     /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_corshdr_create_loc_conf,      /* create location configuration */
    ngx_http_corshdr_merge_loc_conf        /* merge location configuration */
};


ngx_module_t  ngx_http_corshdr_module = {
    NGX_MODULE_V1,
    &ngx_http_corshdr_module_ctx,          /* module context */
    ngx_http_corshdr_commands,             /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    NULL,                                  /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;

/* The request context of a preflight the module answered: its lines are in already. */
static ngx_uint_t  ngx_http_corshdr_answered;

/* A request's header lines are passed as spans; this many fit on the stack. */
#define FIELDS_ON_STACK  64


/* ---- configuration ------------------------------------------------------------------------------- */

static void *
ngx_http_corshdr_create_main_conf(ngx_conf_t *cf)
{
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_corshdr_main_conf_t));
}


static void *
ngx_http_corshdr_create_loc_conf(ngx_conf_t *cf)
{
    /* lists and settings NULL (not set), policy NULL, first NULL, compiled 0 */
    return ngx_pcalloc(cf->pool, sizeof(ngx_http_corshdr_loc_conf_t));
}


static ngx_http_corshdr_entry_t *
ngx_http_corshdr_entry(ngx_conf_t *cf, ngx_http_corshdr_entry_t *e, ngx_str_t *value)
{
    e->value = *value;
    e->file = cf->conf_file->file.name;
    e->line = cf->conf_file->line;
    e->reported = 0;
    return e;
}


/* corshdr_allow_origin and the other lists: every argument an entry; repeated directives append. */
static char *
ngx_http_corshdr_list(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_corshdr_loc_conf_t *lcf = conf;

    ngx_str_t                  *value;
    ngx_uint_t                  i;
    ngx_array_t               **list;
    ngx_http_corshdr_entry_t   *e;

    list = &lcf->lists[cmd->offset];

    if (*list == NULL) {
        *list = ngx_array_create(cf->pool, cf->args->nelts - 1, sizeof(ngx_http_corshdr_entry_t));
        if (*list == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        e = ngx_array_push(*list);
        if (e == NULL) {
            return NGX_CONF_ERROR;
        }

        ngx_http_corshdr_entry(cf, e, &value[i]);

        if (lcf->first == NULL) {
            lcf->first = e;
        }
    }

    return NGX_CONF_OK;
}


/* A number of at most 9 digits after an optional '-'; anything longer counts as 999999999, which every
 * range check refuses, so the policy's own message says what is allowed. */
static ngx_int_t
ngx_http_corshdr_number(ngx_str_t *s, ngx_int_t *out, ngx_uint_t negative_ok)
{
    u_char     *p, *end;
    ngx_int_t   n, sign;

    p = s->data;
    end = s->data + s->len;
    sign = 1;

    if (p < end && *p == '-' && negative_ok) {
        sign = -1;
        p++;
    }

    if (p == end) {
        return NGX_ERROR;
    }

    for (n = 0; p < end; p++) {
        if (*p < '0' || *p > '9') {
            return NGX_ERROR;
        }

        n = n < 100000000 ? n * 10 + (*p - '0') : 999999999;
    }

    *out = sign * n;
    return NGX_OK;
}


/* corshdr, corshdr_allow_credentials, corshdr_allow_null_origin, corshdr_debug: on | off;
 * corshdr_max_age: seconds; corshdr_preflight_status: a status. Ranges are the policy's to check. */
static char *
ngx_http_corshdr_setting(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_corshdr_loc_conf_t *lcf = conf;

    ngx_str_t                  *value;
    ngx_int_t                   n;
    ngx_http_corshdr_arg_e      arg;
    ngx_http_corshdr_entry_t   *e;

    if (lcf->settings[cmd->offset] != NULL) {
        return "is duplicate";
    }

    value = cf->args->elts;
    arg = *(ngx_http_corshdr_arg_e *) cmd->post;

    if (arg == CORSHDR_ARG_FLAG) {
        if (ngx_strcmp(value[1].data, "on") == 0) {
            n = 1;

        } else if (ngx_strcmp(value[1].data, "off") == 0) {
            n = 0;

        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid value \"%V\" in \"%V\" directive, it must be \"on\" or \"off\"",
                               &value[1], &cmd->name);
            return NGX_CONF_ERROR;
        }

    } else if (ngx_http_corshdr_number(&value[1], &n, arg == CORSHDR_ARG_MAX_AGE) != NGX_OK) {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid value \"%V\" in \"%V\" directive, it must be %s", &value[1], &cmd->name,
                           arg == CORSHDR_ARG_MAX_AGE ? "a number of seconds (-1 to 86400)"
                                                      : "a status code (200 to 299)");
        return NGX_CONF_ERROR;
    }

    e = ngx_palloc(cf->pool, sizeof(ngx_http_corshdr_entry_t));
    if (e == NULL) {
        return NGX_CONF_ERROR;
    }

    lcf->settings[cmd->offset] = ngx_http_corshdr_entry(cf, e, &value[1]);
    lcf->values[cmd->offset] = n;

    if (lcf->first == NULL) {
        lcf->first = e;
    }

    return NGX_CONF_OK;
}


static void
ngx_http_corshdr_psl_free(void *data)
{
    psl_free(data);
}


/* The policy's callback: libpsl's newest list (psl_latest: the built-in one or Debian's publicsuffix
 * file), loaded on first use and freed with the configuration's temporary pool. */
static int
ngx_http_corshdr_public_suffix(void *ctx, const char *domain, size_t len)
{
    ngx_http_corshdr_main_conf_t *mcf = ctx;

    char                 name[256];
    ngx_pool_cleanup_t  *cln;

    if (!mcf->psl_tried) {
        mcf->psl_tried = 1;
        mcf->psl_latest = psl_latest(NULL);
        mcf->psl = mcf->psl_latest ? mcf->psl_latest : psl_builtin();

        if (mcf->psl_latest) {
            cln = ngx_pool_cleanup_add(mcf->temp_pool, 0);
            if (cln == NULL) {
                psl_free(mcf->psl_latest);
                mcf->psl_latest = NULL;
                mcf->psl = NULL;

            } else {
                cln->handler = ngx_http_corshdr_psl_free;
                cln->data = mcf->psl_latest;
            }
        }

        if (mcf->psl == NULL) {
            ngx_log_error(NGX_LOG_EMERG, mcf->log, 0,
                          "corshdr: the Public Suffix List cannot be loaded (libpsl has none built in "
                          "and %s is missing: Debian's package publicsuffix), so subdomain patterns "
                          "cannot be checked", psl_dist_filename());
            mcf->failed = 1;
        }
    }

    if (mcf->psl == NULL || len >= sizeof(name)) {
        return 0;  /* failed above, or not a domain (the policy refuses it anyway) */
    }

    ngx_memcpy(name, domain, len);
    name[len] = '\0';

    /* Any section (ICANN and private: github.io is one), and no "*" rule for unlisted names, so that
     * *.localhost or *.internal stay allowed. */
    return psl_is_public_suffix2(mcf->psl, name, PSL_TYPE_ANY|PSL_TYPE_NO_STAR_RULE);
}


/* An argument as a message may show it: printable ASCII as is, any other byte (and " and \) escaped,
 * at most 96 bytes of it. */
static u_char *
ngx_http_corshdr_escape(u_char *p, u_char *last, ngx_str_t *s)
{
    ngx_uint_t     i;
    static u_char  hex[] = "0123456789abcdef";

    for (i = 0; i < s->len && i < 96 && last - p >= 4; i++) {
        if (s->data[i] >= 0x20 && s->data[i] < 0x7f && s->data[i] != '"' && s->data[i] != '\\') {
            *p++ = s->data[i];

        } else {
            *p++ = '\\';
            *p++ = 'x';
            *p++ = hex[s->data[i] >> 4];
            *p++ = hex[s->data[i] & 0xf];
        }
    }

    if (i < s->len && last - p >= 3) {
        p = ngx_cpymem(p, "...", 3);
    }

    return p;
}


/* One problem of a compiled policy, as one emerg line:
 *   corshdr: CODE: directive "entry": what is wrong [at byte N] [(credentials at file:line)] in file:line
 * reported once per entry and code, however many locations inherit the entry. */
static void
ngx_http_corshdr_report(ngx_conf_t *cf, ngx_http_corshdr_main_conf_t *mcf,
    ngx_http_corshdr_loc_conf_t *conf, const corshdr_problem *pb)
{
    u_char                     buf[256], *p, *last;
    uint32_t                   bit;
    ngx_uint_t                 set;
    const char                *directive;
    ngx_http_corshdr_entry_t  *e, *cred;

    directive = NULL;
    e = NULL;

    if (pb->part != CORSHDR_PART_SETTINGS && pb->index != CORSHDR_NPOS) {
        e = (ngx_http_corshdr_entry_t *) conf->lists[pb->part]->elts + pb->index;
        directive = ngx_http_corshdr_list_names[pb->part];

    } else if (pb->code == CORSHDR_EMAXAGE || pb->code == CORSHDR_ESTATUS || pb->code == CORSHDR_ENULL) {
        set = pb->code == CORSHDR_EMAXAGE ? CORSHDR_SET_MAX_AGE
              : pb->code == CORSHDR_ESTATUS ? CORSHDR_SET_STATUS : CORSHDR_SET_NULL;
        e = conf->settings[set];
        directive = ngx_http_corshdr_setting_names[set];
    }

    bit = (uint32_t) 1 << ((uint32_t) -pb->code & 31);

    if (e != NULL) {
        if (e->reported & bit) {
            return;
        }

        e->reported |= bit;
    }

    mcf->failed = 1;

    p = buf;
    last = buf + sizeof(buf);

    if (e != NULL) {
        p = ngx_slprintf(p, last, "%s \"", directive);
        p = ngx_http_corshdr_escape(p, last, &e->value);
        p = ngx_slprintf(p, last, "\"");

    } else {
        p = ngx_slprintf(p, last, "the policy");
    }

    if (pb->offset != CORSHDR_NPOS && (pb->code == CORSHDR_ETOKEN || pb->code == CORSHDR_EORIGIN)) {
        p = ngx_slprintf(p, last, " at byte %uz", pb->offset);
    }

    cred = conf->settings[CORSHDR_SET_CREDENTIALS];

    if ((pb->code == CORSHDR_EWILDCARD || pb->code == CORSHDR_EINSECURE
         || (pb->code == CORSHDR_ENULL && pb->part == CORSHDR_PART_SETTINGS))
        && cred != NULL)
    {
        p = ngx_slprintf(p, last, " (with corshdr_allow_credentials on in %V:%ui)", &cred->file, cred->line);
    }

    if (e == NULL) {
        e = conf->first;
    }

    if (e != NULL) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "corshdr: %s: %*s: %s in %V:%ui",
                      corshdr_err_name(pb->code), (size_t) (p - buf), buf, pb->message, &e->file, e->line);

    } else {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "corshdr: %s: %*s: %s",
                      corshdr_err_name(pb->code), (size_t) (p - buf), buf, pb->message);
    }
}


/* Checks a level's policy once and compiles it into the cycle's pool. A level with no origin (and no
 * allow_null) has no CORS, only defaults for the levels below; its entries are still checked. */
static ngx_int_t
ngx_http_corshdr_compile(ngx_conf_t *cf, ngx_http_corshdr_loc_conf_t *conf)
{
    size_t                         i, k, nproblems, cap;
    void                          *storage;
    ngx_uint_t                     any, active;
    corshdr_span                  *spans[CORSHDR_LISTS];
    corshdr_status                 st;
    corshdr_policy                 policy;
    corshdr_problem               *problems;
    ngx_http_corshdr_entry_t      *e;
    corshdr_policy_config          cfg;
    ngx_http_corshdr_main_conf_t  *mcf;

    if (conf->compiled) {
        return NGX_OK;
    }

    conf->compiled = 1;
    conf->policy = NULL;

    if (conf->settings[CORSHDR_SET_ENABLE] != NULL && conf->values[CORSHDR_SET_ENABLE] == 0) {
        return NGX_OK;  /* corshdr off */
    }

    any = 0;

    for (i = 0; i < CORSHDR_LISTS; i++) {
        any |= conf->lists[i] != NULL;
    }

    for (i = 0; i < CORSHDR_SETTINGS; i++) {
        any |= conf->settings[i] != NULL;
    }

    if (!any) {
        return NGX_OK;
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_corshdr_module);
    mcf->temp_pool = cf->temp_pool;
    mcf->log = cf->log;

    /* the configuration as spans (only for this call: the compiled policy copies what it keeps) */
    ngx_memzero(&cfg, sizeof(corshdr_policy_config));
    cap = 4;

    for (i = 0; i < CORSHDR_LISTS; i++) {
        spans[i] = NULL;

        if (conf->lists[i] == NULL || conf->lists[i]->nelts == 0) {
            continue;
        }

        spans[i] = ngx_palloc(cf->temp_pool, conf->lists[i]->nelts * sizeof(corshdr_span));
        if (spans[i] == NULL) {
            return NGX_ERROR;
        }

        e = conf->lists[i]->elts;

        for (k = 0; k < conf->lists[i]->nelts; k++) {
            spans[i][k].ptr = (const char *) e[k].value.data;
            spans[i][k].len = e[k].value.len;
        }

        cap += 2 * conf->lists[i]->nelts;
    }

    cfg.origins = spans[CORSHDR_LIST_ORIGINS];
    cfg.norigins = conf->lists[CORSHDR_LIST_ORIGINS] ? conf->lists[CORSHDR_LIST_ORIGINS]->nelts : 0;
    cfg.methods = spans[CORSHDR_LIST_METHODS];
    cfg.nmethods = conf->lists[CORSHDR_LIST_METHODS] ? conf->lists[CORSHDR_LIST_METHODS]->nelts : 0;
    cfg.headers = spans[CORSHDR_LIST_HEADERS];
    cfg.nheaders = conf->lists[CORSHDR_LIST_HEADERS] ? conf->lists[CORSHDR_LIST_HEADERS]->nelts : 0;
    cfg.expose = spans[CORSHDR_LIST_EXPOSE];
    cfg.nexpose = conf->lists[CORSHDR_LIST_EXPOSE] ? conf->lists[CORSHDR_LIST_EXPOSE]->nelts : 0;
    /* values[] of a setting never set are 0: off, no max-age line, the default status */
    cfg.credentials = conf->values[CORSHDR_SET_CREDENTIALS] == 1;
    cfg.allow_null = conf->values[CORSHDR_SET_NULL] == 1;
    cfg.debug = conf->values[CORSHDR_SET_DEBUG] == 1;
    cfg.max_age = (int32_t) conf->values[CORSHDR_SET_MAX_AGE];
    cfg.preflight_status = (int) conf->values[CORSHDR_SET_STATUS];
    cfg.is_public_suffix = ngx_http_corshdr_public_suffix;
    cfg.suffix_ctx = mcf;

    active = cfg.norigins > 0 || cfg.allow_null;

    for ( ;; ) {
        problems = ngx_palloc(cf->temp_pool, cap * sizeof(corshdr_problem));
        if (problems == NULL) {
            return NGX_ERROR;
        }

        st = corshdr_policy_compile(&policy, &cfg, NULL, 0, problems, cap, &nproblems);

        if (st != CORSHDR_EPOLICY || nproblems <= cap) {
            break;
        }

        cap = nproblems;
    }

    if (st == CORSHDR_EPOLICY) {
        for (i = 0; i < nproblems; i++) {
            if (!active && problems[i].code == CORSHDR_EEMPTY && problems[i].part == CORSHDR_PART_ORIGINS) {
                continue;  /* no origin: defaults for the levels below, not a policy */
            }

            ngx_http_corshdr_report(cf, mcf, conf, &problems[i]);
        }

        return NGX_OK;  /* ngx_http_corshdr_init fails the configuration once every level is checked */
    }

    if (!active) {
        return NGX_OK;
    }

    if (st != CORSHDR_ENOSPC) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "corshdr: the policy cannot be compiled: %s",
                      corshdr_strerror(st));
        return NGX_ERROR;
    }

    conf->policy = ngx_palloc(cf->pool, sizeof(corshdr_policy));
    storage = ngx_palloc(cf->pool, policy.storage_needed);

    if (conf->policy == NULL || storage == NULL) {
        return NGX_ERROR;
    }

    st = corshdr_policy_compile(conf->policy, &cfg, storage, policy.storage_needed, NULL, 0, &nproblems);

    if (st != CORSHDR_OK) {
        ngx_log_error(NGX_LOG_EMERG, cf->log, 0, "corshdr: the policy cannot be compiled: %s",
                      corshdr_strerror(st));
        return NGX_ERROR;
    }

    return NGX_OK;
}


/* Each list and setting not set at a level is the level above's; a level that sets nothing shares the
 * policy compiled for the level above. */
static char *
ngx_http_corshdr_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_corshdr_loc_conf_t *prev = parent;
    ngx_http_corshdr_loc_conf_t *conf = child;

    ngx_uint_t  i;

    if (conf->first == NULL) {
        if (ngx_http_corshdr_compile(cf, prev) != NGX_OK) {
            return NGX_CONF_ERROR;
        }

        *conf = *prev;
        conf->first = NULL;
        return NGX_CONF_OK;
    }

    for (i = 0; i < CORSHDR_LISTS; i++) {
        if (conf->lists[i] == NULL) {
            conf->lists[i] = prev->lists[i];
        }
    }

    for (i = 0; i < CORSHDR_SETTINGS; i++) {
        if (conf->settings[i] == NULL) {
            conf->settings[i] = prev->settings[i];
            conf->values[i] = prev->values[i];
        }
    }

    if (ngx_http_corshdr_compile(cf, conf) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


/* ---- per request ----------------------------------------------------------------------------------- */

/* The policy's answer to r: its header lines as spans, in wire order (nginx keeps every line, repeated
 * ones too, in r->headers_in.headers). */
static ngx_int_t
ngx_http_corshdr_apply(ngx_http_request_t *r, const corshdr_policy *policy, corshdr_policy_answer *answer)
{
    ngx_uint_t        i, n;
    corshdr_field     stack[FIELDS_ON_STACK], *fields;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        n += part->nelts;
    }

    fields = stack;

    if (n > FIELDS_ON_STACK) {
        fields = ngx_palloc(r->pool, n * sizeof(corshdr_field));
        if (fields == NULL) {
            return NGX_ERROR;
        }
    }

    n = 0;

    for (part = &r->headers_in.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].hash == 0) {
                continue;  /* removed by a module */
            }

            fields[n].name.ptr = (const char *) h[i].key.data;
            fields[n].name.len = h[i].key.len;
            fields[n].value.ptr = (const char *) h[i].value.data;
            fields[n].value.len = h[i].value.len;
            n++;
        }
    }

    (void) corshdr_policy_apply(policy, (const char *) r->method_name.data, r->method_name.len, fields, n,
                                NULL, answer);

    return NGX_OK;
}


/* Adds the answer's lines as new response lines. The names are the library's static strings and the
 * values point into the policy or into the request's header bytes: both outlive the response head. */
static ngx_int_t
ngx_http_corshdr_add_lines(ngx_http_request_t *r, const corshdr_policy_answer *answer)
{
    size_t            i;
    ngx_table_elt_t  *h;

    for (i = 0; i < answer->nlines; i++) {
        h = ngx_list_push(&r->headers_out.headers);
        if (h == NULL) {
            return NGX_ERROR;
        }

        /* ngx_str_t is not const; nginx only reads a response line's bytes */
        h->hash = 1;
        h->key.data = (u_char *) (uintptr_t) answer->lines[i].name.ptr;
        h->key.len = answer->lines[i].name.len;
        h->value.data = (u_char *) (uintptr_t) answer->lines[i].value.ptr;
        h->value.len = answer->lines[i].value.len;
        h->lowcase_key = NULL;
#if (nginx_version >= 1023000)
        h->next = NULL;
#endif
    }

    return NGX_OK;
}


/* Access phase, first handler: a preflight (OPTIONS with Origin and Access-Control-Request-Method) is
 * answered here with the policy's status (204, another 2xx, or 403 when refused) and no body. */
static ngx_int_t
ngx_http_corshdr_preflight_handler(ngx_http_request_t *r)
{
    ngx_int_t                     rc;
    corshdr_policy_answer         answer;
    ngx_http_corshdr_loc_conf_t  *lcf;

    if (r->method != NGX_HTTP_OPTIONS) {
        return NGX_DECLINED;
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_corshdr_module);

    if (lcf->policy == NULL) {
        return NGX_DECLINED;
    }

    if (ngx_http_corshdr_apply(r, lcf->policy, &answer) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    if (answer.kind != CORSHDR_REQUEST_PREFLIGHT) {
        return NGX_DECLINED;  /* a plain OPTIONS: the application's */
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    if (ngx_http_corshdr_add_lines(r, &answer) != NGX_OK) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    r->headers_out.status = answer.status;
    r->headers_out.content_length_n = 0;
    r->header_only = 1;

    ngx_http_set_ctx(r, &ngx_http_corshdr_answered, ngx_http_corshdr_module);

    rc = ngx_http_send_header(r);
    ngx_http_finalize_request(r, rc);

    return NGX_DONE;
}


/* Access-Control-* response lines, which only the policy writes in a location that has one. */
static ngx_uint_t
ngx_http_corshdr_is_cors_line(ngx_str_t *name)
{
    switch (name->len) {
    case 22: /* Access-Control-Max-Age */
    case 27: /* Access-Control-Allow-Origin */
    case 28: /* Access-Control-Allow-Methods, -Headers */
    case 29: /* Access-Control-Expose-Headers */
    case 32: /* Access-Control-Allow-Credentials */
        return ngx_strncasecmp(name->data, (u_char *) "access-control-", 15) == 0;
    default:
        return 0;
    }
}


/* Every response of a location with a policy but the preflights answered above: the application's
 * (static files, proxied and FastCGI answers) and nginx's own error pages get the answer's lines; any
 * Access-Control-* line the application or the upstream wrote is dropped first, so that a browser never
 * sees two (an add_header line is added after this filter: do not add CORS lines with add_header). */
static ngx_int_t
ngx_http_corshdr_header_filter(ngx_http_request_t *r)
{
    ngx_uint_t                    i;
    ngx_list_part_t              *part;
    ngx_table_elt_t              *h;
    corshdr_policy_answer         answer;
    ngx_http_corshdr_loc_conf_t  *lcf;

    if (r != r->main) {
        return ngx_http_next_header_filter(r);
    }

    lcf = ngx_http_get_module_loc_conf(r, ngx_http_corshdr_module);

    if (lcf->policy == NULL || ngx_http_get_module_ctx(r, ngx_http_corshdr_module) != NULL) {
        return ngx_http_next_header_filter(r);
    }

    if (ngx_http_corshdr_apply(r, lcf->policy, &answer) != NGX_OK) {
        return NGX_ERROR;
    }

    for (part = &r->headers_out.headers.part; part; part = part->next) {
        h = part->elts;

        for (i = 0; i < part->nelts; i++) {
            if (h[i].hash != 0 && ngx_http_corshdr_is_cors_line(&h[i].key)) {
                h[i].hash = 0;
            }
        }
    }

    if (ngx_http_corshdr_add_lines(r, &answer) != NGX_OK) {
        return NGX_ERROR;
    }

    return ngx_http_next_header_filter(r);
}


static ngx_int_t
ngx_http_corshdr_init(ngx_conf_t *cf)
{
    ngx_http_handler_pt            *h;
    ngx_http_core_main_conf_t      *cmcf;
    ngx_http_corshdr_loc_conf_t    *lcf;
    ngx_http_corshdr_main_conf_t   *mcf;

    /* The http level's own entries: merged into every server, but checked here even with no server. */
    lcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_corshdr_module);

    if (ngx_http_corshdr_compile(cf, lcf) != NGX_OK) {
        return NGX_ERROR;
    }

    mcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_corshdr_module);

    if (mcf->failed) {
        return NGX_ERROR;  /* the problems of every level are reported above */
    }

    cmcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_core_module);

    h = ngx_array_push(&cmcf->phases[NGX_HTTP_ACCESS_PHASE].handlers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    *h = ngx_http_corshdr_preflight_handler;

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_corshdr_header_filter;

    return NGX_OK;
}
