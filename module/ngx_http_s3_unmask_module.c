
/*
 * ngx_http_s3_unmask_module: restores S3 authorization denials that an
 * application masked as a 5xx, and says which policy layer denied.
 *
 * The filter holds the header of an upstream error response, collects the
 * body (up to s3_unmask_buffer), lets the pure-C detectors (module/detect)
 * read it, and then sends the header, rewritten or not, and the body.
 * Everything that is not inspected goes straight on: the success path
 * costs a status comparison and no allocation.
 */


#include <ngx_config.h>
#include <ngx_core.h>
#include <ngx_http.h>

#include "detect/s3u_finding.h"
#include "detect/s3u_detect.h"
#include "detect/s3u_sfv.h"
#include "metrics/s3u_metrics.h"
#include "policy/s3u_pset.h"
#include "token/s3u_token.h"


/* r->buffered has four bits; nginx's own filters use 0x01, 0x02, 0x04 */
#define NGX_HTTP_S3_UNMASK_BUFFERED  0x08

#define NGX_HTTP_S3_UNMASK_BODY_KEEP     0
#define NGX_HTTP_S3_UNMASK_BODY_PROBLEM  1

#define NGX_HTTP_S3_UNMASK_HEADER_MAX    4096
#define NGX_HTTP_S3_UNMASK_PROBLEM_MAX   8192

/* extra context keys the gateway sets for an evaluation, besides the
 * operator's s3_unmask_context ones */
#define NGX_HTTP_S3_UNMASK_DERIVED_KEYS  3

/* context keys an evaluation holds without allocating */
#define NGX_HTTP_S3_UNMASK_CTX_KEYS      16

/* the strings of a question the worker's last answer can be kept for */
#define NGX_HTTP_S3_UNMASK_QUESTION_MAX  (3 + 2 * NGX_HTTP_S3_UNMASK_CTX_KEYS)

/*
 * Every response passes the filters, wherever the module is on; what is
 * done for the few it holds is kept out of line, so that the others go
 * on without the saving and restoring of registers it needs (50
 * instructions a response less).
 */
#if (defined __GNUC__)
#define NGX_HTTP_S3_UNMASK_COLD          __attribute__((noinline))
#else
#define NGX_HTTP_S3_UNMASK_COLD
#endif

/* an inspected response's own pool, and how many a worker keeps spare */
#define NGX_HTTP_S3_UNMASK_POOL_SIZE     4096
#define NGX_HTTP_S3_UNMASK_SPARE_POOLS   16


typedef struct {
    ngx_str_t                 key;
    ngx_http_complex_value_t  value;
} ngx_http_s3_unmask_context_t;


/* what the module keeps of one evaluation */
typedef struct {
    int                       rc;
    s3u_decision_t            decision;
    s3u_layer_t               layer;
    size_t                    statement_len;
    size_t                    reason_len;
    char                      statement[256];
    char                      reason[512];
} ngx_http_s3_unmask_answer_t;


/*
 * The last evaluation of this worker.  A broken deployment sends the same
 * denial over and over, with only the request ids changing; its inputs
 * include aws:CurrentTime, so an answer is reused within one second at
 * most, and never across configurations.  The question is kept as its
 * strings (principal, action, resource, then the operator's context keys
 * and values) and compared where it lies; the keys the gateway derives
 * depend on the second alone, which is compared instead.
 */
typedef struct {
    ngx_cycle_t                  *cycle;
    s3u_pset_t                   *policies;
    time_t                        now;
    ngx_uint_t                    n;
    u_short                       at[NGX_HTTP_S3_UNMASK_QUESTION_MAX];
    u_char                        text[2048];
    ngx_http_s3_unmask_answer_t   answer;
} ngx_http_s3_unmask_last_t;


typedef struct {
    ngx_flag_t                enable;
    ngx_array_t              *statuses;     /* of ngx_uint_t */
    ngx_array_t              *codes;        /* of ngx_str_t */
    size_t                    buffer;
    ngx_str_t                 header;       /* empty: off */
    ngx_uint_t                expose;
    ngx_uint_t                body;

    s3u_pset_t               *policies;     /* NULL: no evaluation */
    ngx_http_complex_value_t *principal;
    ngx_http_complex_value_t *resource;
    ngx_http_complex_value_t *action;
    ngx_array_t              *context;  /* of ngx_http_s3_unmask_context_t */
    s3u_token_key_t          *token_key;
} ngx_http_s3_unmask_loc_conf_t;


typedef struct {
    ngx_flag_t                used;         /* "s3_unmask on" somewhere */
    ngx_shm_zone_t           *metrics;      /* s3u_metrics_t, across workers */
} ngx_http_s3_unmask_main_conf_t;


typedef enum {
    ngx_http_s3_unmask_collect = 0,
    ngx_http_s3_unmask_pass,
    ngx_http_s3_unmask_done
} ngx_http_s3_unmask_state_e;


/*
 * What a request keeps of its finding, for the variables and the log phase.
 * The detectors and the evaluator fill one s3u_finding_t per worker, whose
 * fixed-size fields take about 4 KB; a request copies out only the bytes
 * its fields hold (a few hundred), and only when they are needed: when a
 * variable is read, or when another response is about to reuse the
 * worker's finding while this request still lives.  Most requests end
 * before either happens.
 */
typedef struct {
    s3u_verdict_e                verdict;
    s3u_source_e                 source;
    s3u_decision_e               decision;
    ngx_str_t                    code;
    ngx_str_t                    service;
    ngx_str_t                    layer;
    ngx_str_t                    request_id;
    ngx_str_t                    host_id;
    ngx_str_t                    principal;
    ngx_str_t                    action;
    ngx_str_t                    resource;
    ngx_str_t                    statement;
    ngx_str_t                    reason;
} ngx_http_s3_unmask_kept_t;


typedef struct {
    ngx_http_s3_unmask_state_e   state;
    ngx_pool_t                  *pool;      /* what the response allocates */
    ngx_uint_t                   upstream_status;
    u_char                      *buf;
    size_t                       len;
    size_t                       size;
    ngx_http_s3_unmask_kept_t   *kept;
    s3u_detect_meta_t            meta;
    unsigned                     found:1;   /* a finding was made */
} ngx_http_s3_unmask_ctx_t;


static ngx_int_t ngx_http_s3_unmask_header_filter(ngx_http_request_t *r);
static ngx_int_t ngx_http_s3_unmask_hold(ngx_http_request_t *r,
    ngx_http_s3_unmask_loc_conf_t *conf);
static ngx_int_t ngx_http_s3_unmask_body_filter(ngx_http_request_t *r,
    ngx_chain_t *in);
static ngx_int_t ngx_http_s3_unmask_read_body(ngx_http_request_t *r,
    ngx_http_s3_unmask_ctx_t *ctx, ngx_chain_t *in);
static ngx_pool_t *ngx_http_s3_unmask_get_pool(ngx_http_request_t *r);
static void ngx_http_s3_unmask_put_pool(void *data);
static ngx_int_t ngx_http_s3_unmask_selected(ngx_http_request_t *r,
    ngx_http_s3_unmask_loc_conf_t *conf);
static void ngx_http_s3_unmask_read_headers(ngx_list_t *headers,
    s3u_detect_meta_t *meta);
static ngx_table_elt_t *ngx_http_s3_unmask_find_header(ngx_list_t *headers,
    const char *name, size_t len);
static ngx_int_t ngx_http_s3_unmask_release(ngx_http_request_t *r,
    ngx_http_s3_unmask_ctx_t *ctx, ngx_chain_t *rest,
    s3u_pass_reason_e reason);
static void ngx_http_s3_unmask_count_pass(ngx_http_request_t *r,
    s3u_pass_reason_e reason);
static void ngx_http_s3_unmask_count_finding(ngx_http_request_t *r,
    s3u_finding_t *f, ngx_uint_t rewritten);
static ngx_int_t ngx_http_s3_unmask_decide(ngx_http_request_t *r,
    ngx_http_s3_unmask_ctx_t *ctx, ngx_http_s3_unmask_loc_conf_t *conf);
static ngx_int_t ngx_http_s3_unmask_keep(ngx_http_s3_unmask_ctx_t *ctx,
    s3u_finding_t *f);
static ngx_int_t ngx_http_s3_unmask_rewrite(ngx_http_request_t *r,
    ngx_http_s3_unmask_ctx_t *ctx, ngx_http_s3_unmask_loc_conf_t *conf,
    s3u_finding_t *f, ngx_chain_t *out);
static void ngx_http_s3_unmask_evaluate(ngx_http_request_t *r,
    ngx_http_s3_unmask_ctx_t *ctx, ngx_http_s3_unmask_loc_conf_t *conf,
    s3u_finding_t *f);
static const ngx_http_s3_unmask_answer_t *ngx_http_s3_unmask_answer(
    s3u_pset_t *policies, ngx_str_t *principal, ngx_str_t *action,
    ngx_str_t *resource, const s3u_ctx_t *ctx, ngx_uint_t set);
static void ngx_http_s3_unmask_set_field(char *field, size_t size,
    const char *s, size_t len);
static ngx_int_t ngx_http_s3_unmask_eval_input(ngx_http_request_t *r,
    ngx_pool_t *pool, ngx_http_complex_value_t *cv, const char *found,
    const char *dflt, ngx_str_t *value);
static ngx_int_t ngx_http_s3_unmask_eval_context(ngx_http_request_t *r,
    ngx_pool_t *pool, ngx_http_s3_unmask_loc_conf_t *conf, s3u_ctx_t *ctx);
static ngx_uint_t ngx_http_s3_unmask_derive(s3u_ctx_entry_t *e,
    const char **values, ngx_uint_t n, ngx_uint_t set, const char *key,
    const char *value);
static ngx_int_t ngx_http_s3_unmask_set_token(ngx_http_request_t *r,
    ngx_http_s3_unmask_ctx_t *ctx, ngx_http_s3_unmask_loc_conf_t *conf,
    s3u_finding_t *f);
static ngx_int_t ngx_http_s3_unmask_code_listed(
    ngx_http_s3_unmask_loc_conf_t *conf, const char *code);
static ngx_int_t ngx_http_s3_unmask_set_header(ngx_http_request_t *r,
    ngx_str_t *name, u_char *value, size_t len);

static s3u_metrics_t *ngx_http_s3_unmask_get_metrics(ngx_http_request_t *r);
static ngx_int_t ngx_http_s3_unmask_metrics_handler(ngx_http_request_t *r);
static ngx_int_t ngx_http_s3_unmask_init_zone(ngx_shm_zone_t *shm_zone,
    void *data);
static char *ngx_http_s3_unmask_add_zone(ngx_conf_t *cf);

static ngx_int_t ngx_http_s3_unmask_add_variables(ngx_conf_t *cf);
static ngx_int_t ngx_http_s3_unmask_field_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_s3_unmask_source_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_s3_unmask_decision_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);
static ngx_int_t ngx_http_s3_unmask_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data);

static void *ngx_http_s3_unmask_create_main_conf(ngx_conf_t *cf);
static void *ngx_http_s3_unmask_create_loc_conf(ngx_conf_t *cf);
static char *ngx_http_s3_unmask_merge_loc_conf(ngx_conf_t *cf, void *parent,
    void *child);
static char *ngx_http_s3_unmask(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_s3_unmask_status(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_s3_unmask_codes(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_s3_unmask_header(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_s3_unmask_check_buffer(ngx_conf_t *cf, void *post,
    void *data);
static char *ngx_http_s3_unmask_set_enum(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_s3_unmask_metrics(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_s3_unmask_policies(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_s3_unmask_free_policies(void *data);
static char *ngx_http_s3_unmask_eval_value(ngx_conf_t *cf,
    ngx_command_t *cmd, void *conf);
static char *ngx_http_s3_unmask_context(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static char *ngx_http_s3_unmask_token_key(ngx_conf_t *cf, ngx_command_t *cmd,
    void *conf);
static void ngx_http_s3_unmask_wipe_key(void *data);
static ngx_int_t ngx_http_s3_unmask_init(ngx_conf_t *cf);
static void ngx_http_s3_unmask_exit_process(ngx_cycle_t *cycle);


static ngx_conf_enum_t  ngx_http_s3_unmask_expose_levels[] = {
    { ngx_string("none"), S3U_EXPOSE_NONE },
    { ngx_string("layer"), S3U_EXPOSE_LAYER },
    { ngx_string("full"), S3U_EXPOSE_FULL },
    { ngx_null_string, 0 }
};


static ngx_conf_enum_t  ngx_http_s3_unmask_body_modes[] = {
    { ngx_string("keep"), NGX_HTTP_S3_UNMASK_BODY_KEEP },
    { ngx_string("problem"), NGX_HTTP_S3_UNMASK_BODY_PROBLEM },
    { ngx_null_string, 0 }
};


static ngx_conf_post_t  ngx_http_s3_unmask_buffer_post = {
    ngx_http_s3_unmask_check_buffer
};


static ngx_command_t  ngx_http_s3_unmask_commands[] = {

    { ngx_string("s3_unmask"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_FLAG,
      ngx_http_s3_unmask,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_s3_unmask_loc_conf_t, enable),
      NULL },

    { ngx_string("s3_unmask_status"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_s3_unmask_status,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_s3_unmask_loc_conf_t, statuses),
      NULL },

    { ngx_string("s3_unmask_codes"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_1MORE,
      ngx_http_s3_unmask_codes,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_s3_unmask_loc_conf_t, codes),
      NULL },

    { ngx_string("s3_unmask_buffer"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_conf_set_size_slot,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_s3_unmask_loc_conf_t, buffer),
      &ngx_http_s3_unmask_buffer_post },

    { ngx_string("s3_unmask_header"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_s3_unmask_header,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_s3_unmask_loc_conf_t, header),
      NULL },

    { ngx_string("s3_unmask_expose"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_s3_unmask_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_s3_unmask_loc_conf_t, expose),
      &ngx_http_s3_unmask_expose_levels },

    { ngx_string("s3_unmask_body"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_s3_unmask_set_enum,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_s3_unmask_loc_conf_t, body),
      &ngx_http_s3_unmask_body_modes },

    { ngx_string("s3_unmask_policies"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_s3_unmask_policies,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("s3_unmask_principal"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_s3_unmask_eval_value,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_s3_unmask_loc_conf_t, principal),
      NULL },

    { ngx_string("s3_unmask_resource"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_s3_unmask_eval_value,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_s3_unmask_loc_conf_t, resource),
      NULL },

    { ngx_string("s3_unmask_action"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_s3_unmask_eval_value,
      NGX_HTTP_LOC_CONF_OFFSET,
      offsetof(ngx_http_s3_unmask_loc_conf_t, action),
      NULL },

    { ngx_string("s3_unmask_context"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE2,
      ngx_http_s3_unmask_context,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("s3_unmask_token_key"),
      NGX_HTTP_MAIN_CONF|NGX_HTTP_SRV_CONF|NGX_HTTP_LOC_CONF|NGX_CONF_TAKE1,
      ngx_http_s3_unmask_token_key,
      NGX_HTTP_LOC_CONF_OFFSET,
      0,
      NULL },

    { ngx_string("s3_unmask_metrics"),
      NGX_HTTP_LOC_CONF|NGX_CONF_NOARGS,
      ngx_http_s3_unmask_metrics,
      0,
      0,
      NULL },

      ngx_null_command
};


static ngx_http_module_t  ngx_http_s3_unmask_module_ctx = {
    ngx_http_s3_unmask_add_variables,      /* preconfiguration */
    ngx_http_s3_unmask_init,               /* postconfiguration */

    ngx_http_s3_unmask_create_main_conf,   /* create main configuration */
    NULL,                                  /* init main configuration */

    NULL,                                  /* create server configuration */
    NULL,                                  /* merge server configuration */

    ngx_http_s3_unmask_create_loc_conf,    /* create location configuration */
    ngx_http_s3_unmask_merge_loc_conf      /* merge location configuration */
};


ngx_module_t  ngx_http_s3_unmask_module = {
    NGX_MODULE_V1,
    &ngx_http_s3_unmask_module_ctx,        /* module context */
    ngx_http_s3_unmask_commands,           /* module directives */
    NGX_HTTP_MODULE,                       /* module type */
    NULL,                                  /* init master */
    NULL,                                  /* init module */
    NULL,                                  /* init process */
    NULL,                                  /* init thread */
    NULL,                                  /* exit thread */
    ngx_http_s3_unmask_exit_process,       /* exit process */
    NULL,                                  /* exit master */
    NGX_MODULE_V1_PADDING
};


static ngx_http_output_header_filter_pt  ngx_http_next_header_filter;
static ngx_http_output_body_filter_pt    ngx_http_next_body_filter;

static ngx_http_s3_unmask_last_t  ngx_http_s3_unmask_last;

/*
 * Per worker: deciding a response runs to its end without yielding, so one
 * finding and one buffer for the encoders serve every request in turn.
 */
static s3u_finding_t  ngx_http_s3_unmask_finding;
static u_char  ngx_http_s3_unmask_scratch[NGX_HTTP_S3_UNMASK_PROBLEM_MAX];

/* the live request whose finding the worker's finding still is */
static ngx_http_s3_unmask_ctx_t  *ngx_http_s3_unmask_owner;

/*
 * An inspected response allocates from a small pool of its own, which goes
 * back to these spares when the request ends.  nginx's own allocations
 * leave a few hundred bytes in a request pool's first block; a denial's
 * kilobyte or so would make it malloc, and later free, a new block each
 * time, which was a tenth of the module's cost on the denial path.
 */
static ngx_pool_t  *ngx_http_s3_unmask_spare[NGX_HTTP_S3_UNMASK_SPARE_POOLS];
static ngx_uint_t   ngx_http_s3_unmask_nspare;


static ngx_uint_t  ngx_http_s3_unmask_default_statuses[] = {
    500, 502, 503, 504
};


#define ngx_http_s3_unmask_field(name)                                        \
    offsetof(ngx_http_s3_unmask_kept_t, name)

static ngx_http_variable_t  ngx_http_s3_unmask_vars[] = {

    { ngx_string("s3_unmask_code"), NULL,
      ngx_http_s3_unmask_field_variable,
      ngx_http_s3_unmask_field(code), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("s3_unmask_service"), NULL,
      ngx_http_s3_unmask_field_variable,
      ngx_http_s3_unmask_field(service), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("s3_unmask_layer"), NULL,
      ngx_http_s3_unmask_field_variable,
      ngx_http_s3_unmask_field(layer), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("s3_unmask_request_id"), NULL,
      ngx_http_s3_unmask_field_variable,
      ngx_http_s3_unmask_field(request_id), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("s3_unmask_host_id"), NULL,
      ngx_http_s3_unmask_field_variable,
      ngx_http_s3_unmask_field(host_id), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("s3_unmask_principal"), NULL,
      ngx_http_s3_unmask_field_variable,
      ngx_http_s3_unmask_field(principal), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("s3_unmask_action"), NULL,
      ngx_http_s3_unmask_field_variable,
      ngx_http_s3_unmask_field(action), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("s3_unmask_resource"), NULL,
      ngx_http_s3_unmask_field_variable,
      ngx_http_s3_unmask_field(resource), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("s3_unmask_statement"), NULL,
      ngx_http_s3_unmask_field_variable,
      ngx_http_s3_unmask_field(statement), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("s3_unmask_reason"), NULL,
      ngx_http_s3_unmask_field_variable,
      ngx_http_s3_unmask_field(reason), NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("s3_unmask_source"), NULL,
      ngx_http_s3_unmask_source_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("s3_unmask_decision"), NULL,
      ngx_http_s3_unmask_decision_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

    { ngx_string("s3_unmask_upstream_status"), NULL,
      ngx_http_s3_unmask_status_variable, 0, NGX_HTTP_VAR_NOCACHEABLE, 0 },

      ngx_http_null_variable
};


/* the finding's fields a request keeps, and where */
static struct {
    size_t  from;
    size_t  to;
} ngx_http_s3_unmask_kept_fields[] = {

#define ngx_http_s3_unmask_keep_field(name)                                   \
    { offsetof(s3u_finding_t, name), ngx_http_s3_unmask_field(name) }

    ngx_http_s3_unmask_keep_field(code),
    ngx_http_s3_unmask_keep_field(service),
    ngx_http_s3_unmask_keep_field(layer),
    ngx_http_s3_unmask_keep_field(request_id),
    ngx_http_s3_unmask_keep_field(host_id),
    ngx_http_s3_unmask_keep_field(principal),
    ngx_http_s3_unmask_keep_field(action),
    ngx_http_s3_unmask_keep_field(resource),
    ngx_http_s3_unmask_keep_field(statement),
    ngx_http_s3_unmask_keep_field(reason)

#undef ngx_http_s3_unmask_keep_field
};

#define NGX_HTTP_S3_UNMASK_KEPT_FIELDS                                        \
    (sizeof(ngx_http_s3_unmask_kept_fields)                                   \
     / sizeof(ngx_http_s3_unmask_kept_fields[0]))


static ngx_int_t
ngx_http_s3_unmask_header_filter(ngx_http_request_t *r)
{
    ngx_http_s3_unmask_loc_conf_t  *conf;

    conf = ngx_http_get_module_loc_conf(r, ngx_http_s3_unmask_module);

    if (!conf->enable
        || r != r->main
        || r->upstream == NULL
        || r->err_status
        || (r->method & NGX_HTTP_HEAD))
    {
        return ngx_http_next_header_filter(r);
    }

    /* nginx's own error pages carry status_n 0: only real upstream answers */

    if (r->upstream->headers_in.status_n != r->headers_out.status
        || ngx_http_get_module_ctx(r, ngx_http_s3_unmask_module) != NULL
        || ngx_http_s3_unmask_selected(r, conf) != NGX_OK)
    {
        return ngx_http_next_header_filter(r);
    }

    return ngx_http_s3_unmask_hold(r, conf);
}


/* a selected response: held, unless its body cannot be read */

static NGX_HTTP_S3_UNMASK_COLD ngx_int_t
ngx_http_s3_unmask_hold(ngx_http_request_t *r,
    ngx_http_s3_unmask_loc_conf_t *conf)
{
    ngx_pool_t                *pool;
    s3u_metrics_t             *m;
    ngx_http_s3_unmask_ctx_t  *ctx;

    if (r->headers_out.content_length_n == 0) {
        return ngx_http_next_header_filter(r);
    }

    if (r->headers_out.content_length_n > (off_t) conf->buffer) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "s3_unmask: passed through: body of %O bytes is over "
                      "the %uz-byte s3_unmask_buffer",
                      r->headers_out.content_length_n, conf->buffer);
        ngx_http_s3_unmask_count_pass(r, S3U_PASS_OVER_LIMIT);
        return ngx_http_next_header_filter(r);
    }

    if (r->headers_out.content_encoding
        && r->headers_out.content_encoding->value.len
        && !(r->headers_out.content_encoding->value.len == 8
             && ngx_strncasecmp(r->headers_out.content_encoding->value.data,
                                (u_char *) "identity", 8) == 0))
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "s3_unmask: passed through: body is compressed "
                      "(Content-Encoding: %V)",
                      &r->headers_out.content_encoding->value);
        ngx_http_s3_unmask_count_pass(r, S3U_PASS_COMPRESSED);
        return ngx_http_next_header_filter(r);
    }

    pool = ngx_http_s3_unmask_get_pool(r);
    if (pool == NULL) {
        return NGX_ERROR;
    }

    ctx = ngx_pcalloc(pool, sizeof(ngx_http_s3_unmask_ctx_t));
    if (ctx == NULL) {
        return NGX_ERROR;
    }

    ctx->pool = pool;

    ctx->upstream_status = r->headers_out.status;
    ctx->size = conf->buffer;

    if (r->headers_out.content_length_n > 0) {
        ctx->size = (size_t) r->headers_out.content_length_n;
    }

    ngx_http_set_ctx(r, ctx, ngx_http_s3_unmask_module);

    m = ngx_http_s3_unmask_get_metrics(r);
    if (m) {
        s3u_metrics_inspected(m);
    }

    /* file-backed proxy buffers are read into memory for us */
    r->filter_need_in_memory = 1;
    r->allow_ranges = 0;

    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, r->connection->log, 0,
                   "s3_unmask: holding the %ui response", ctx->upstream_status);

    return NGX_OK;
}


/* a spare pool, or a new one, given back when the request's pool goes */

static ngx_pool_t *
ngx_http_s3_unmask_get_pool(ngx_http_request_t *r)
{
    ngx_pool_t          *pool;
    ngx_pool_cleanup_t  *cln;

    cln = ngx_pool_cleanup_add(r->pool, 0);
    if (cln == NULL) {
        return NULL;
    }

    if (ngx_http_s3_unmask_nspare) {
        pool = ngx_http_s3_unmask_spare[--ngx_http_s3_unmask_nspare];
        pool->log = r->connection->log;

    } else {
        pool = ngx_create_pool(NGX_HTTP_S3_UNMASK_POOL_SIZE,
                               r->connection->log);
        if (pool == NULL) {
            return NULL;
        }
    }

    cln->handler = ngx_http_s3_unmask_put_pool;
    cln->data = pool;

    return pool;
}


static void
ngx_http_s3_unmask_put_pool(void *data)
{
    ngx_pool_t  *pool = data;

    /* what the response took, for t/bench/pool_bytes.pl: the request
     * pool's blocks show in nginx's own debug lines, ours do not */
    ngx_log_debug1(NGX_LOG_DEBUG_HTTP, pool->log, 0,
                   "s3_unmask: response pool: %uz bytes used",
                   (size_t) (pool->d.last - (u_char *) pool));

    if (ngx_http_s3_unmask_owner && ngx_http_s3_unmask_owner->pool == pool) {
        ngx_http_s3_unmask_owner = NULL;
    }

    /* one that grew past its first block is not kept: spares stay small,
     * whatever size of body one response brought */

    if (pool->d.next != NULL
        || ngx_http_s3_unmask_nspare == NGX_HTTP_S3_UNMASK_SPARE_POOLS)
    {
        ngx_destroy_pool(pool);
        return;
    }

    /* frees what went to the heap, a body over the block's size */
    ngx_reset_pool(pool);

    ngx_http_s3_unmask_spare[ngx_http_s3_unmask_nspare++] = pool;
}


static ngx_int_t
ngx_http_s3_unmask_selected(ngx_http_request_t *r,
    ngx_http_s3_unmask_loc_conf_t *conf)
{
    ngx_uint_t   i, *status;

    if (r->headers_out.status == NGX_HTTP_FORBIDDEN) {
        return NGX_OK;
    }

    status = conf->statuses->elts;

    for (i = 0; i < conf->statuses->nelts; i++) {
        if (status[i] == r->headers_out.status) {
            return NGX_OK;
        }
    }

    /* Lambda's Invoke API reports a function error in a 200 */

    if (ngx_http_s3_unmask_find_header(&r->headers_out.headers,
                                       "x-amz-function-error", 20)
        != NULL)
    {
        return NGX_OK;
    }

    return NGX_DECLINED;
}


/* the response headers the detectors read, in one walk over the list */

static void
ngx_http_s3_unmask_read_headers(ngx_list_t *headers, s3u_detect_meta_t *meta)
{
    ngx_uint_t        i;
    const char       *name;
    s3u_slice_t      *to;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &headers->part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash == 0) {
            continue;
        }

        switch (h[i].key.len) {

        case sizeof("x-amz-function-error") - 1:
            to = &meta->function_error;
            name = "x-amz-function-error";
            break;

        case sizeof("x-amz-request-id") - 1:
            to = &meta->amz_request_id;
            name = "x-amz-request-id";
            break;

        case sizeof("x-amz-id-2") - 1:
            to = &meta->amz_id_2;
            name = "x-amz-id-2";
            break;

        default:
            continue;
        }

        /* the first of each name, as a search for it would find */
        if (to->data == NULL
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, h[i].key.len)
               == 0)
        {
            to->data = (const char *) h[i].value.data;
            to->len = h[i].value.len;
        }
    }
}


static ngx_table_elt_t *
ngx_http_s3_unmask_find_header(ngx_list_t *headers, const char *name,
    size_t len)
{
    ngx_uint_t        i;
    ngx_list_part_t  *part;
    ngx_table_elt_t  *h;

    part = &headers->part;
    h = part->elts;

    for (i = 0; /* void */; i++) {

        if (i >= part->nelts) {
            if (part->next == NULL) {
                return NULL;
            }

            part = part->next;
            h = part->elts;
            i = 0;
        }

        if (h[i].hash != 0
            && h[i].key.len == len
            && ngx_strncasecmp(h[i].key.data, (u_char *) name, len) == 0)
        {
            return &h[i];
        }
    }
}


static ngx_int_t
ngx_http_s3_unmask_body_filter(ngx_http_request_t *r, ngx_chain_t *in)
{
    ngx_http_s3_unmask_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r, ngx_http_s3_unmask_module);

    if (ctx == NULL || ctx->state != ngx_http_s3_unmask_collect) {
        return ngx_http_next_body_filter(r, in);
    }

    return ngx_http_s3_unmask_read_body(r, ctx, in);
}


/* the held response's body, up to its end or the buffer's */

static NGX_HTTP_S3_UNMASK_COLD ngx_int_t
ngx_http_s3_unmask_read_body(ngx_http_request_t *r,
    ngx_http_s3_unmask_ctx_t *ctx, ngx_chain_t *in)
{
    size_t                          size;
    ngx_buf_t                      *b;
    ngx_chain_t                    *cl;
    ngx_http_s3_unmask_loc_conf_t  *conf;

    if (in == NULL) {
        return NGX_OK;
    }

    conf = ngx_http_get_module_loc_conf(r, ngx_http_s3_unmask_module);

    for (cl = in; cl; cl = cl->next) {
        b = cl->buf;

        if (!ngx_buf_in_memory(b) && ngx_buf_size(b) != 0) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "s3_unmask: passed through: body not in memory");
            return ngx_http_s3_unmask_release(r, ctx, cl,
                                              S3U_PASS_NOT_IN_MEMORY);
        }

        size = ngx_buf_in_memory(b) ? (size_t) (b->last - b->pos) : 0;

        if (size > conf->buffer - ctx->len) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "s3_unmask: passed through: body is over the "
                          "%uz-byte s3_unmask_buffer", conf->buffer);
            return ngx_http_s3_unmask_release(r, ctx, cl,
                                              S3U_PASS_OVER_LIMIT);
        }

        if (size) {
            if (ctx->buf == NULL) {
                ctx->buf = ngx_pnalloc(ctx->pool, ngx_max(ctx->size, size));
                if (ctx->buf == NULL) {
                    return NGX_ERROR;
                }

                ctx->size = ngx_max(ctx->size, size);

            } else if (ctx->len + size > ctx->size) {
                /* the upstream sent more than its Content-Length said */
                ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                              "s3_unmask: passed through: body is longer "
                              "than its Content-Length");
                return ngx_http_s3_unmask_release(r, ctx, cl,
                                                  S3U_PASS_UNPARSEABLE);
            }

            ngx_memcpy(ctx->buf + ctx->len, b->pos, size);
            ctx->len += size;

            /* consumed: the upstream may reuse its buffer */
            b->pos = b->last;
        }

        if (b->last_buf) {
            r->buffered &= ~NGX_HTTP_S3_UNMASK_BUFFERED;
            return ngx_http_s3_unmask_decide(r, ctx, conf);
        }
    }

    /*
     * The upstream module closes its connection before it flushes a failed
     * response; a held header must not turn that into an empty reply.
     */

    if (r->upstream && r->upstream->peer.connection == NULL) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "s3_unmask: upstream response ended before its body "
                      "was complete; sending 502");

        r->buffered &= ~NGX_HTTP_S3_UNMASK_BUFFERED;
        ctx->state = ngx_http_s3_unmask_done;
        ngx_http_s3_unmask_count_pass(r, S3U_PASS_UPSTREAM_ABORTED);

        return ngx_http_filter_finalize_request(r, &ngx_http_s3_unmask_module,
                                                NGX_HTTP_BAD_GATEWAY);
    }

    r->buffered |= NGX_HTTP_S3_UNMASK_BUFFERED;

    return NGX_OK;
}


/* sends the held response unchanged: collected bytes, then the rest */

static ngx_int_t
ngx_http_s3_unmask_release(ngx_http_request_t *r,
    ngx_http_s3_unmask_ctx_t *ctx, ngx_chain_t *rest,
    s3u_pass_reason_e reason)
{
    ngx_int_t     rc;
    ngx_buf_t    *b;
    ngx_chain_t  *out;

    ctx->state = ngx_http_s3_unmask_pass;
    r->buffered &= ~NGX_HTTP_S3_UNMASK_BUFFERED;

    ngx_http_s3_unmask_count_pass(r, reason);

    rc = ngx_http_next_header_filter(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    if (ctx->len == 0) {
        return ngx_http_next_body_filter(r, rest);
    }

    b = ngx_calloc_buf(ctx->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->memory = 1;
    b->pos = ctx->buf;
    b->last = ctx->buf + ctx->len;

    out = ngx_alloc_chain_link(ctx->pool);
    if (out == NULL) {
        return NGX_ERROR;
    }

    out->buf = b;
    out->next = rest;

    return ngx_http_next_body_filter(r, out);
}


static ngx_int_t
ngx_http_s3_unmask_decide(ngx_http_request_t *r,
    ngx_http_s3_unmask_ctx_t *ctx, ngx_http_s3_unmask_loc_conf_t *conf)
{
    ngx_int_t          rc;
    ngx_buf_t         *b;
    ngx_uint_t         rewritten;
    ngx_chain_t        out;
    s3u_finding_t     *f;

    ctx->state = ngx_http_s3_unmask_done;

    f = &ngx_http_s3_unmask_finding;

    ctx->meta.status = (int) ctx->upstream_status;

    if (r->headers_out.content_type.len) {
        ctx->meta.content_type.data = (const char *)
                                      r->headers_out.content_type.data;
        ctx->meta.content_type.len = r->headers_out.content_type.len;
    }

    ngx_http_s3_unmask_read_headers(&r->headers_out.headers, &ctx->meta);

    if (ngx_http_s3_unmask_owner) {
        /* a failure leaves that request's variables empty, nothing else */
        (void) ngx_http_s3_unmask_keep(ngx_http_s3_unmask_owner, f);
        ngx_http_s3_unmask_owner = NULL;
    }

    s3u_detect((const char *) ctx->buf, ctx->len, &ctx->meta, f);

    b = ngx_calloc_buf(ctx->pool);
    if (b == NULL) {
        return NGX_ERROR;
    }

    b->pos = ctx->buf;
    b->last = ctx->buf ? ctx->buf + ctx->len : NULL;
    b->memory = (ctx->len != 0);
    b->last_buf = 1;
    b->last_in_chain = 1;

    out.buf = b;
    out.next = NULL;

    rewritten = 0;

    if (f->verdict == S3U_VERDICT_NONE) {
        if (!f->parsed) {
            ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                          "s3_unmask: passed through: body of the %ui "
                          "response is not a known error form",
                          ctx->upstream_status);
            ngx_http_s3_unmask_count_pass(r, S3U_PASS_UNPARSEABLE);
        }

    } else {
        if (f->verdict == S3U_VERDICT_DENIAL) {
            if (conf->policies) {
                ngx_http_s3_unmask_evaluate(r, ctx, conf, f);
            }

            /* one spelling of "we do not know" for header, logs and metrics */

            if (f->layer[0] == '\0') {
                ngx_http_s3_unmask_set_field(f->layer, sizeof(f->layer),
                                             "unknown",
                                             sizeof("unknown") - 1);
            }
        }

        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "s3_unmask: %s %s (%s) in the %ui response",
                      s3u_verdict_name(f->verdict), f->code,
                      f->format ? f->format : "-", ctx->upstream_status);

        if (f->s3_status > 0
            && (f->verdict == S3U_VERDICT_DENIAL
                || ngx_http_s3_unmask_code_listed(conf, f->code) == NGX_OK))
        {
            if (ngx_http_s3_unmask_rewrite(r, ctx, conf, f, &out) != NGX_OK) {
                return NGX_ERROR;
            }

            rewritten = 1;
        }

        ngx_http_s3_unmask_count_finding(r, f, rewritten);

        ctx->found = 1;
        ngx_http_s3_unmask_owner = ctx;
    }

    rc = ngx_http_next_header_filter(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    return ngx_http_next_body_filter(r, &out);
}


static ngx_int_t
ngx_http_s3_unmask_rewrite(ngx_http_request_t *r,
    ngx_http_s3_unmask_ctx_t *ctx, ngx_http_s3_unmask_loc_conf_t *conf,
    s3u_finding_t *f, ngx_chain_t *out)
{
    u_char  *p, *scratch;
    size_t   len;

    static ngx_str_t  problem_type = ngx_string("application/problem+json");

    scratch = ngx_http_s3_unmask_scratch;

    r->headers_out.status = (ngx_uint_t) f->s3_status;
    r->headers_out.status_line.len = 0;

    if (conf->header.len && conf->expose != S3U_EXPOSE_NONE) {
        len = s3u_denial_header(f, (int) ctx->upstream_status,
                                (s3u_expose_e) conf->expose, (char *) scratch,
                                NGX_HTTP_S3_UNMASK_HEADER_MAX);

        if (len) {
            p = ngx_pnalloc(ctx->pool, len);
            if (p == NULL) {
                return NGX_ERROR;
            }

            ngx_memcpy(p, scratch, len);

            if (ngx_http_s3_unmask_set_header(r, &conf->header, p, len)
                != NGX_OK)
            {
                return NGX_ERROR;
            }
        }
    }

    if (conf->token_key
        && ngx_http_s3_unmask_set_token(r, ctx, conf, f) != NGX_OK)
    {
        return NGX_ERROR;
    }

    if (conf->body != NGX_HTTP_S3_UNMASK_BODY_PROBLEM) {
        return NGX_OK;
    }

    len = s3u_problem_json(f, f->s3_status, (int) ctx->upstream_status,
                           (s3u_expose_e) conf->expose, (char *) scratch,
                           NGX_HTTP_S3_UNMASK_PROBLEM_MAX);
    if (len == 0) {
        /* cannot happen with the fields' sizes; keep the body then */
        return NGX_OK;
    }

    p = ngx_pnalloc(ctx->pool, len);
    if (p == NULL) {
        return NGX_ERROR;
    }

    ngx_memcpy(p, scratch, len);

    out->buf->pos = p;
    out->buf->last = p + len;
    out->buf->memory = 1;

    r->headers_out.content_type = problem_type;
    r->headers_out.content_type_len = problem_type.len;
    r->headers_out.content_type_lowcase = NULL;
    r->headers_out.charset.len = 0;

    ngx_http_clear_content_length(r);
    r->headers_out.content_length_n = len;

    ngx_http_clear_accept_ranges(r);
    ngx_http_clear_last_modified(r);
    ngx_http_clear_etag(r);

    return NGX_OK;
}


/* copies out of the worker's finding what the variables will read */

static ngx_int_t
ngx_http_s3_unmask_keep(ngx_http_s3_unmask_ctx_t *ctx, s3u_finding_t *f)
{
    u_char                     *p;
    size_t                      len[NGX_HTTP_S3_UNMASK_KEPT_FIELDS];
    size_t                      total;
    ngx_str_t                  *to;
    ngx_uint_t                  i, n;
    const char                 *from;
    ngx_http_s3_unmask_kept_t  *k;

    n = NGX_HTTP_S3_UNMASK_KEPT_FIELDS;
    total = 0;

    for (i = 0; i < n; i++) {
        from = (const char *) f + ngx_http_s3_unmask_kept_fields[i].from;
        len[i] = ngx_strlen(from);
        total += len[i];
    }

    k = ngx_palloc(ctx->pool, sizeof(ngx_http_s3_unmask_kept_t) + total);
    if (k == NULL) {
        return NGX_ERROR;
    }

    k->verdict = f->verdict;
    k->source = f->source;
    k->decision = f->decision;

    p = (u_char *) (k + 1);

    for (i = 0; i < n; i++) {
        from = (const char *) f + ngx_http_s3_unmask_kept_fields[i].from;
        to = (ngx_str_t *) ((u_char *) k
                            + ngx_http_s3_unmask_kept_fields[i].to);

        to->data = p;
        to->len = len[i];
        p = ngx_cpymem(p, from, len[i]);
    }

    ctx->kept = k;

    return NGX_OK;
}


/*
 * Asks the policy set which layer denied, for a denial whose message did
 * not say.  A message that names only "resource-based policy" is refined
 * to the bucket or access point policy when the evaluator agrees it is one
 * of those.
 */

static void
ngx_http_s3_unmask_evaluate(ngx_http_request_t *r,
    ngx_http_s3_unmask_ctx_t *ctx, ngx_http_s3_unmask_loc_conf_t *conf,
    s3u_finding_t *f)
{
    ngx_str_t                           principal, action, resource;
    const char                         *dflt_action, *layer;
    s3u_ctx_t                           context;
    s3u_metrics_t                      *m;
    const ngx_http_s3_unmask_answer_t  *answer;

    static ngx_str_t  drift = ngx_string("drift: the policy set on file "
                                         "allows this request, so the "
                                         "deployed policies differ from it");

    if (f->layer[0] && ngx_strcmp(f->layer, "resource-policy") != 0) {
        return;
    }

    if (r->method & (NGX_HTTP_PUT|NGX_HTTP_POST)) {
        dflt_action = "s3:PutObject";

    } else if (r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD)) {
        dflt_action = "s3:GetObject";

    } else if (r->method & NGX_HTTP_DELETE) {
        dflt_action = "s3:DeleteObject";

    } else {
        dflt_action = NULL;
    }

    if (ngx_http_s3_unmask_eval_input(r, ctx->pool, conf->principal,
                                      f->principal, NULL, &principal)
        != NGX_OK
        || ngx_http_s3_unmask_eval_input(r, ctx->pool, conf->action,
                                         f->action, dflt_action, &action)
           != NGX_OK
        || ngx_http_s3_unmask_eval_input(r, ctx->pool, conf->resource,
                                         f->resource, NULL, &resource)
           != NGX_OK
        || ngx_http_s3_unmask_eval_context(r, ctx->pool, conf, &context)
           != NGX_OK)
    {
        return;
    }

    if (principal.data == NULL || action.data == NULL
        || resource.data == NULL)
    {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "s3_unmask: not evaluated: the %s is unknown (set "
                      "s3_unmask_%s)",
                      principal.data == NULL ? "principal"
                      : action.data == NULL ? "action" : "resource",
                      principal.data == NULL ? "principal"
                      : action.data == NULL ? "action" : "resource");
        return;
    }

    answer = ngx_http_s3_unmask_answer(conf->policies, &principal, &action,
                                       &resource, &context,
                                       conf->context ? conf->context->nelts
                                                     : 0);

    if (answer->rc != 0) {
        ngx_log_error(NGX_LOG_INFO, r->connection->log, 0,
                      "s3_unmask: not evaluated: the policy set has no "
                      "answer for %V %V on %V", &principal, &action,
                      &resource);
        return;
    }

    m = ngx_http_s3_unmask_get_metrics(r);
    if (m) {
        s3u_metrics_evaluation(m, answer->decision == S3U_ALLOW);
    }

    if (!f->principal[0]) {
        ngx_http_s3_unmask_set_field(f->principal, sizeof(f->principal),
                                     (char *) principal.data, principal.len);
    }

    if (!f->action[0]) {
        ngx_http_s3_unmask_set_field(f->action, sizeof(f->action),
                                     (char *) action.data, action.len);
    }

    if (!f->resource[0]) {
        ngx_http_s3_unmask_set_field(f->resource, sizeof(f->resource),
                                     (char *) resource.data, resource.len);
    }

    if (answer->decision == S3U_ALLOW) {
        ngx_http_s3_unmask_set_field(f->reason, sizeof(f->reason),
                                     (char *) drift.data, drift.len);

        f->decision = S3U_DECISION_UNKNOWN;
        if (!f->layer[0]) {
            f->source = S3U_SOURCE_EVALUATOR;
            ngx_http_s3_unmask_set_field(f->layer, sizeof(f->layer),
                                         "unknown",
                                         sizeof("unknown") - 1);
        }

        ngx_log_error(NGX_LOG_WARN, r->connection->log, 0,
                      "s3_unmask: drift: the policy set allows %V %V on %V, "
                      "which AWS denied", &principal, &action, &resource);
        return;
    }

    if (f->layer[0]) {
        /* the message said "resource-based": keep it unless we know which */
        if (answer->layer != S3U_LAYER_BUCKET
            && answer->layer != S3U_LAYER_ACCESS_POINT)
        {
            return;
        }

    } else {
        f->source = S3U_SOURCE_EVALUATOR;
    }

    layer = s3u_layer_name(answer->layer);

    ngx_http_s3_unmask_set_field(f->layer, sizeof(f->layer), layer,
                                 ngx_strlen(layer));

    f->decision = (answer->decision == S3U_EXPLICIT_DENY)
                  ? S3U_DECISION_EXPLICIT_DENY : S3U_DECISION_IMPLICIT_DENY;

    ngx_http_s3_unmask_set_field(f->statement, sizeof(f->statement),
                                 answer->statement, answer->statement_len);
    ngx_http_s3_unmask_set_field(f->reason, sizeof(f->reason), answer->reason,
                                 answer->reason_len);
}


/* evaluates, or reuses the worker's last answer to the same question; the
 * answer is the worker's and holds until the next call.  The first "set"
 * context entries are the operator's, the others derived from the time. */

static const ngx_http_s3_unmask_answer_t *
ngx_http_s3_unmask_answer(s3u_pset_t *policies, ngx_str_t *principal,
    ngx_str_t *action, ngx_str_t *resource, const s3u_ctx_t *ctx,
    ngx_uint_t set)
{
    u_char                       *p, *last;
    size_t                        len;
    time_t                        now;
    ngx_uint_t                    i, n;
    const char                   *q[NGX_HTTP_S3_UNMASK_QUESTION_MAX];
    s3u_eval_result_t             res;
    ngx_http_s3_unmask_last_t    *c;
    ngx_http_s3_unmask_answer_t  *answer;

    c = &ngx_http_s3_unmask_last;
    now = ngx_time();

    n = 0;

    if (3 + 2 * set <= NGX_HTTP_S3_UNMASK_QUESTION_MAX) {
        q[n++] = (char *) principal->data;
        q[n++] = (char *) action->data;
        q[n++] = (char *) resource->data;

        for (i = 0; i < set; i++) {
            q[n++] = ctx->entries[i].key;
            q[n++] = ctx->entries[i].values[0];
        }
    }

    if (n
        && c->cycle == ngx_cycle
        && c->policies == policies
        && c->now == now
        && c->n == n)
    {
        for (i = 0; i < n; i++) {
            if (ngx_strcmp(q[i], c->text + c->at[i]) != 0) {
                break;
            }
        }

        if (i == n) {
            return &c->answer;
        }
    }

    answer = &c->answer;
    ngx_memzero(answer, sizeof(ngx_http_s3_unmask_answer_t));

    answer->rc = s3u_pset_eval(policies, (char *) principal->data,
                               (char *) action->data, (char *) resource->data,
                               ctx, &res);

    if (answer->rc == 0) {
        answer->decision = res.decision;
        answer->layer = res.layer;
        s3u_eval_statement(&res, answer->statement,
                           sizeof(answer->statement));
        answer->statement_len = ngx_strlen(answer->statement);
        ngx_http_s3_unmask_set_field(answer->reason, sizeof(answer->reason),
                                     res.reason, ngx_strlen(res.reason));
        answer->reason_len = ngx_strlen(answer->reason);
    }

    /* a question that does not fit is not kept */

    c->cycle = NULL;
    c->policies = policies;
    c->now = now;
    c->n = n;

    p = c->text;
    last = c->text + sizeof(c->text);

    for (i = 0; i < n; i++) {
        len = ngx_strlen(q[i]) + 1;

        if ((size_t) (last - p) < len) {
            return answer;
        }

        c->at[i] = (u_short) (p - c->text);
        p = ngx_cpymem(p, q[i], len);
    }

    c->cycle = n ? (ngx_cycle_t *) ngx_cycle : NULL;

    return answer;
}


/* copies a string of len bytes into a finding's field, cut to fit */

static void
ngx_http_s3_unmask_set_field(char *field, size_t size, const char *s,
    size_t len)
{
    len = ngx_min(len, size - 1);

    *ngx_cpymem(field, s, len) = '\0';
}


/* what the body said, else the directive's value, else the default */

static ngx_int_t
ngx_http_s3_unmask_eval_input(ngx_http_request_t *r, ngx_pool_t *pool,
    ngx_http_complex_value_t *cv, const char *found, const char *dflt,
    ngx_str_t *value)
{
    u_char     *p;
    ngx_str_t   v;

    if (found[0]) {
        value->data = (u_char *) found;
        value->len = ngx_strlen(found);
        return NGX_OK;
    }

    if (cv && cv->lengths == NULL && cv->value.len) {
        /* no variables: NUL-terminated since the configuration was read */
        *value = cv->value;
        return NGX_OK;
    }

    v.len = 0;

    if (cv && cv->lengths && ngx_http_complex_value(r, cv, &v) != NGX_OK) {
        return NGX_ERROR;
    }

    if (v.len == 0) {
        value->data = (u_char *) dflt;
        value->len = dflt ? ngx_strlen(dflt) : 0;
        return NGX_OK;
    }

    p = ngx_pnalloc(pool, v.len + 1);
    if (p == NULL) {
        return NGX_ERROR;
    }

    *ngx_cpymem(p, v.data, v.len) = '\0';

    value->data = p;
    value->len = v.len;

    return NGX_OK;
}


/*
 * The keys AWS sets for any call that the gateway can know: the SDKs
 * always use TLS, and the time is now.  The operator's s3_unmask_context
 * keys come last and so override them.
 */

static ngx_int_t
ngx_http_s3_unmask_eval_context(ngx_http_request_t *r, ngx_pool_t *pool,
    ngx_http_s3_unmask_loc_conf_t *conf, s3u_ctx_t *ctx)
{
    u_char                        *p;
    time_t                         now;
    ngx_tm_t                       tm;
    ngx_str_t                      v;
    ngx_uint_t                     i, n, set;
    const char                   **values;
    s3u_ctx_entry_t               *e;
    ngx_http_s3_unmask_context_t  *c;

    /* the time keys change once a second: formatted once a second */
    static time_t  formatted = -1;
    static u_char  epoch[NGX_TIME_T_LEN + 1];
    static u_char  iso[sizeof("1970-01-01T00:00:00Z")];

    /* the context lives while one evaluation runs: per worker, unless the
     * operator set more keys than these hold */
    static s3u_ctx_entry_t  entries[NGX_HTTP_S3_UNMASK_CTX_KEYS];
    static const char      *entry_values[NGX_HTTP_S3_UNMASK_CTX_KEYS];

    n = NGX_HTTP_S3_UNMASK_DERIVED_KEYS
        + (conf->context ? conf->context->nelts : 0);

    if (n <= NGX_HTTP_S3_UNMASK_CTX_KEYS) {
        e = entries;
        values = entry_values;
        ngx_memzero(e, n * sizeof(s3u_ctx_entry_t));

    } else {
        e = ngx_pcalloc(pool, n * sizeof(s3u_ctx_entry_t));
        values = ngx_palloc(pool, n * sizeof(char *));
        if (e == NULL || values == NULL) {
            return NGX_ERROR;
        }
    }

    now = ngx_time();

    if (now != formatted) {
        ngx_gmtime(now, &tm);

        *ngx_sprintf(epoch, "%T", now) = '\0';
        *ngx_sprintf(iso, "%4d-%02d-%02dT%02d:%02d:%02dZ",
                     tm.ngx_tm_year, tm.ngx_tm_mon, tm.ngx_tm_mday,
                     tm.ngx_tm_hour, tm.ngx_tm_min, tm.ngx_tm_sec) = '\0';
        formatted = now;
    }

    n = 0;
    c = conf->context ? conf->context->elts : NULL;

    for (i = 0; c && i < conf->context->nelts; i++) {
        if (ngx_http_complex_value(r, &c[i].value, &v) != NGX_OK) {
            return NGX_ERROR;
        }

        p = ngx_pnalloc(pool, v.len + 1);
        if (p == NULL) {
            return NGX_ERROR;
        }

        *ngx_cpymem(p, v.data, v.len) = '\0';

        e[n].key = (char *) c[i].key.data;
        values[n++] = (char *) p;
    }

    set = n;

    n = ngx_http_s3_unmask_derive(e, values, n, set, "aws:SecureTransport",
                                  "true");
    n = ngx_http_s3_unmask_derive(e, values, n, set, "aws:EpochTime",
                                  (char *) epoch);
    n = ngx_http_s3_unmask_derive(e, values, n, set, "aws:CurrentTime",
                                  (char *) iso);

    for (i = 0; i < n; i++) {
        e[i].values = &values[i];
        e[i].nvalues = 1;
    }

    ctx->entries = e;
    ctx->n = n;

    return NGX_OK;
}


/* adds a key the gateway derives, unless the operator set it already (one
 * of the first "set" entries) */

static ngx_uint_t
ngx_http_s3_unmask_derive(s3u_ctx_entry_t *e, const char **values,
    ngx_uint_t n, ngx_uint_t set, const char *key, const char *value)
{
    ngx_uint_t  i;

    for (i = 0; i < set; i++) {
        if (ngx_strcasecmp((u_char *) e[i].key, (u_char *) key) == 0) {
            return n;
        }
    }

    e[n].key = key;
    values[n] = value;

    return n + 1;
}


/* S3-Denial-Token: the full diagnosis, sealed for the operator */

static ngx_int_t
ngx_http_s3_unmask_set_token(ngx_http_request_t *r,
    ngx_http_s3_unmask_ctx_t *ctx, ngx_http_s3_unmask_loc_conf_t *conf,
    s3u_finding_t *f)
{
    u_char     *plain, *token;
    size_t      len;
    long        n;

    static ngx_str_t  name = ngx_string("S3-Denial-Token");

    plain = ngx_http_s3_unmask_scratch;

    len = s3u_problem_json(f, f->s3_status, (int) ctx->upstream_status,
                           S3U_EXPOSE_FULL, (char *) plain,
                           NGX_HTTP_S3_UNMASK_PROBLEM_MAX);
    if (len == 0) {
        return NGX_OK;
    }

    token = ngx_pnalloc(ctx->pool, s3u_token_size(len));
    if (token == NULL) {
        return NGX_ERROR;
    }

    n = s3u_token_seal(conf->token_key, (const char *) plain, len,
                       (char *) token, s3u_token_size(len));
    if (n < 0) {
        ngx_log_error(NGX_LOG_ERR, r->connection->log, 0,
                      "s3_unmask: could not seal the S3-Denial-Token");
        return NGX_OK;
    }

    return ngx_http_s3_unmask_set_header(r, &name, token, (size_t) n);
}


static ngx_int_t
ngx_http_s3_unmask_code_listed(ngx_http_s3_unmask_loc_conf_t *conf,
    const char *code)
{
    size_t      len;
    ngx_str_t  *c;
    ngx_uint_t  i;

    if (conf->codes == NULL) {
        return NGX_DECLINED;
    }

    len = ngx_strlen(code);
    c = conf->codes->elts;

    for (i = 0; i < conf->codes->nelts; i++) {
        if (c[i].len == len && ngx_strncmp(c[i].data, code, len) == 0) {
            return NGX_OK;
        }
    }

    return NGX_DECLINED;
}


/* replaces any header of that name the upstream sent: ours is the word */

static ngx_int_t
ngx_http_s3_unmask_set_header(ngx_http_request_t *r, ngx_str_t *name,
    u_char *value, size_t len)
{
    ngx_table_elt_t  *h;

    while ((h = ngx_http_s3_unmask_find_header(&r->headers_out.headers,
                                               (const char *) name->data,
                                               name->len))
           != NULL)
    {
        h->hash = 0;
    }

    h = ngx_list_push(&r->headers_out.headers);
    if (h == NULL) {
        return NGX_ERROR;
    }

    h->hash = 1;
    h->key = *name;
    h->value.data = value;
    h->value.len = len;
    h->lowcase_key = NULL;
#if (nginx_version >= 1023000)
    h->next = NULL;
#endif

    return NGX_OK;
}


static void
ngx_http_s3_unmask_count_pass(ngx_http_request_t *r, s3u_pass_reason_e reason)
{
    s3u_metrics_t  *m;

    m = ngx_http_s3_unmask_get_metrics(r);

    if (m) {
        s3u_metrics_passed(m, reason);
    }
}


static void
ngx_http_s3_unmask_count_finding(ngx_http_request_t *r, s3u_finding_t *f,
    ngx_uint_t rewritten)
{
    s3u_metrics_t  *m;

    m = ngx_http_s3_unmask_get_metrics(r);

    if (m == NULL) {
        return;
    }

    if (f->verdict == S3U_VERDICT_DENIAL) {
        s3u_metrics_denial(m, f);

    } else {
        s3u_metrics_s3_error(m, f->code);
    }

    if (rewritten) {
        s3u_metrics_rewritten(m);
    }
}


static s3u_metrics_t *
ngx_http_s3_unmask_get_metrics(ngx_http_request_t *r)
{
    ngx_http_s3_unmask_main_conf_t  *smcf;

    smcf = ngx_http_get_module_main_conf(r, ngx_http_s3_unmask_module);

    if (smcf->metrics == NULL) {
        return NULL;
    }

    return smcf->metrics->data;
}


static ngx_int_t
ngx_http_s3_unmask_metrics_handler(ngx_http_request_t *r)
{
    size_t          len;
    ngx_int_t       rc;
    ngx_buf_t      *b;
    ngx_chain_t     out;
    s3u_metrics_t  *m;

    if (!(r->method & (NGX_HTTP_GET|NGX_HTTP_HEAD))) {
        return NGX_HTTP_NOT_ALLOWED;
    }

    rc = ngx_http_discard_request_body(r);
    if (rc != NGX_OK) {
        return rc;
    }

    m = ngx_http_s3_unmask_get_metrics(r);
    if (m == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    /* counters move while we render: size with room to spare */

    len = s3u_metrics_render(m, NULL, 0) + 1024;

    b = ngx_create_temp_buf(r->pool, len);
    if (b == NULL) {
        return NGX_HTTP_INTERNAL_SERVER_ERROR;
    }

    len = s3u_metrics_render(m, (char *) b->pos, len);
    b->last = b->pos + ngx_min(len, (size_t) (b->end - b->pos - 1));
    b->last_buf = (r == r->main) ? 1 : 0;
    b->last_in_chain = 1;

    ngx_str_set(&r->headers_out.content_type,
                "text/plain; version=0.0.4; charset=utf-8");
    r->headers_out.content_type_len = r->headers_out.content_type.len;
    r->headers_out.status = NGX_HTTP_OK;
    r->headers_out.content_length_n = b->last - b->pos;

    rc = ngx_http_send_header(r);

    if (rc == NGX_ERROR || rc > NGX_OK || r->header_only) {
        return rc;
    }

    out.buf = b;
    out.next = NULL;

    return ngx_http_output_filter(r, &out);
}


static ngx_int_t
ngx_http_s3_unmask_init_zone(ngx_shm_zone_t *shm_zone, void *data)
{
    ngx_slab_pool_t  *shpool;
    s3u_metrics_t    *m;

    /* a reload keeps the zone, and with it the counts */

    if (data) {
        shm_zone->data = data;
        return NGX_OK;
    }

    shpool = (ngx_slab_pool_t *) shm_zone->shm.addr;

    if (shm_zone->shm.exists) {
        shm_zone->data = shpool->data;
        return NGX_OK;
    }

    m = ngx_slab_calloc(shpool, sizeof(s3u_metrics_t));
    if (m == NULL) {
        return NGX_ERROR;
    }

    shpool->data = m;
    shm_zone->data = m;

    return NGX_OK;
}


static char *
ngx_http_s3_unmask_add_zone(ngx_conf_t *cf)
{
    ngx_http_s3_unmask_main_conf_t  *smcf;

    static ngx_str_t  name = ngx_string("s3_unmask_metrics");

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_s3_unmask_module);

    if (smcf->metrics) {
        return NGX_CONF_OK;
    }

    smcf->metrics = ngx_shared_memory_add(cf, &name,
                                          ngx_max(8 * ngx_pagesize,
                                                  2 * sizeof(s3u_metrics_t)),
                                          &ngx_http_s3_unmask_module);
    if (smcf->metrics == NULL) {
        return NGX_CONF_ERROR;
    }

    smcf->metrics->init = ngx_http_s3_unmask_init_zone;

    return NGX_CONF_OK;
}


static ngx_http_s3_unmask_kept_t *
ngx_http_s3_unmask_get_kept(ngx_http_request_t *r)
{
    ngx_http_s3_unmask_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_s3_unmask_module);

    if (ctx == NULL || !ctx->found) {
        return NULL;
    }

    if (ctx == ngx_http_s3_unmask_owner) {
        /* a failure leaves the variables empty */
        (void) ngx_http_s3_unmask_keep(ctx, &ngx_http_s3_unmask_finding);
        ngx_http_s3_unmask_owner = NULL;
    }

    return ctx->kept;
}


static void
ngx_http_s3_unmask_set_value(ngx_http_variable_value_t *v, u_char *data,
    size_t len)
{
    if (len == 0) {
        v->not_found = 1;
        return;
    }

    v->data = data;
    v->len = len;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;
}


static void
ngx_http_s3_unmask_set_name(ngx_http_variable_value_t *v, const char *name)
{
    ngx_http_s3_unmask_set_value(v, (u_char *) name,
                                 name ? ngx_strlen(name) : 0);
}


static ngx_int_t
ngx_http_s3_unmask_field_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_str_t                  *s;
    ngx_http_s3_unmask_kept_t  *k;

    k = ngx_http_s3_unmask_get_kept(r);

    if (k == NULL) {
        v->not_found = 1;
        return NGX_OK;
    }

    s = (ngx_str_t *) ((u_char *) k + data);

    ngx_http_s3_unmask_set_value(v, s->data, s->len);

    return NGX_OK;
}


static ngx_int_t
ngx_http_s3_unmask_source_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_s3_unmask_kept_t  *k;

    k = ngx_http_s3_unmask_get_kept(r);

    ngx_http_s3_unmask_set_name(v, k ? s3u_source_name(k->source) : NULL);

    return NGX_OK;
}


static ngx_int_t
ngx_http_s3_unmask_decision_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    ngx_http_s3_unmask_kept_t  *k;

    k = ngx_http_s3_unmask_get_kept(r);

    ngx_http_s3_unmask_set_name(v, k ? s3u_decision_name(k->decision)
                                     : NULL);

    return NGX_OK;
}


static ngx_int_t
ngx_http_s3_unmask_status_variable(ngx_http_request_t *r,
    ngx_http_variable_value_t *v, uintptr_t data)
{
    u_char                    *p;
    ngx_http_s3_unmask_ctx_t  *ctx;

    ctx = ngx_http_get_module_ctx(r->main, ngx_http_s3_unmask_module);

    if (ctx == NULL || !ctx->found) {
        v->not_found = 1;
        return NGX_OK;
    }

    p = ngx_pnalloc(r->pool, NGX_INT_T_LEN);
    if (p == NULL) {
        return NGX_ERROR;
    }

    v->len = ngx_sprintf(p, "%ui", ctx->upstream_status) - p;
    v->data = p;
    v->valid = 1;
    v->no_cacheable = 0;
    v->not_found = 0;

    return NGX_OK;
}


static ngx_int_t
ngx_http_s3_unmask_add_variables(ngx_conf_t *cf)
{
    ngx_http_variable_t  *var, *v;

    for (v = ngx_http_s3_unmask_vars; v->name.len; v++) {
        var = ngx_http_add_variable(cf, &v->name, v->flags);
        if (var == NULL) {
            return NGX_ERROR;
        }

        var->get_handler = v->get_handler;
        var->data = v->data;
    }

    return NGX_OK;
}


static void *
ngx_http_s3_unmask_create_main_conf(ngx_conf_t *cf)
{
    ngx_http_s3_unmask_main_conf_t  *smcf;

    smcf = ngx_pcalloc(cf->pool, sizeof(ngx_http_s3_unmask_main_conf_t));
    if (smcf == NULL) {
        return NULL;
    }

    return smcf;
}


static void *
ngx_http_s3_unmask_create_loc_conf(ngx_conf_t *cf)
{
    ngx_http_s3_unmask_loc_conf_t  *conf;

    conf = ngx_pcalloc(cf->pool, sizeof(ngx_http_s3_unmask_loc_conf_t));
    if (conf == NULL) {
        return NULL;
    }

    /*
     * set by ngx_pcalloc():
     *
     *     conf->header = { 0, NULL };
     *     conf->principal = NULL;
     *     conf->resource = NULL;
     *     conf->action = NULL;
     */

    conf->enable = NGX_CONF_UNSET;
    conf->statuses = NGX_CONF_UNSET_PTR;
    conf->codes = NGX_CONF_UNSET_PTR;
    conf->buffer = NGX_CONF_UNSET_SIZE;
    conf->header.len = NGX_CONF_UNSET_SIZE;
    conf->expose = NGX_CONF_UNSET_UINT;
    conf->body = NGX_CONF_UNSET_UINT;
    conf->policies = NGX_CONF_UNSET_PTR;
    conf->context = NGX_CONF_UNSET_PTR;
    conf->token_key = NGX_CONF_UNSET_PTR;

    return conf;
}


static char *
ngx_http_s3_unmask_merge_loc_conf(ngx_conf_t *cf, void *parent, void *child)
{
    ngx_http_s3_unmask_loc_conf_t *prev = parent;
    ngx_http_s3_unmask_loc_conf_t *conf = child;

    ngx_uint_t  i, *s;

    ngx_conf_merge_value(conf->enable, prev->enable, 0);
    ngx_conf_merge_ptr_value(conf->codes, prev->codes, NULL);
    ngx_conf_merge_size_value(conf->buffer, prev->buffer, 16 * 1024);
    ngx_conf_merge_uint_value(conf->expose, prev->expose, S3U_EXPOSE_LAYER);
    ngx_conf_merge_uint_value(conf->body, prev->body,
                              NGX_HTTP_S3_UNMASK_BODY_KEEP);
    ngx_conf_merge_ptr_value(conf->policies, prev->policies, NULL);
    ngx_conf_merge_ptr_value(conf->context, prev->context, NULL);
    ngx_conf_merge_ptr_value(conf->token_key, prev->token_key, NULL);

    if (conf->principal == NULL) {
        conf->principal = prev->principal;
    }

    if (conf->resource == NULL) {
        conf->resource = prev->resource;
    }

    if (conf->action == NULL) {
        conf->action = prev->action;
    }

    if (conf->header.len == NGX_CONF_UNSET_SIZE) {
        if (prev->header.len == NGX_CONF_UNSET_SIZE) {
            ngx_str_set(&prev->header, "S3-Denial");
        }

        conf->header = prev->header;
    }

    if (conf->statuses == NGX_CONF_UNSET_PTR) {
        if (prev->statuses == NGX_CONF_UNSET_PTR) {
            prev->statuses = ngx_array_create(cf->pool, 4,
                                              sizeof(ngx_uint_t));
            if (prev->statuses == NULL) {
                return NGX_CONF_ERROR;
            }

            for (i = 0; i < 4; i++) {
                s = ngx_array_push(prev->statuses);
                if (s == NULL) {
                    return NGX_CONF_ERROR;
                }

                *s = ngx_http_s3_unmask_default_statuses[i];
            }
        }

        conf->statuses = prev->statuses;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_s3_unmask(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char                            *rv;
    ngx_http_s3_unmask_loc_conf_t   *slcf = conf;
    ngx_http_s3_unmask_main_conf_t  *smcf;

    rv = ngx_conf_set_flag_slot(cf, cmd, conf);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    if (slcf->enable) {
        smcf = ngx_http_conf_get_module_main_conf(cf,
                                                  ngx_http_s3_unmask_module);
        smcf->used = 1;

        return ngx_http_s3_unmask_add_zone(cf);
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_s3_unmask_status(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_s3_unmask_loc_conf_t *slcf = conf;

    ngx_int_t    n;
    ngx_str_t   *value;
    ngx_uint_t   i, *s;

    if (slcf->statuses != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    slcf->statuses = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                      sizeof(ngx_uint_t));
    if (slcf->statuses == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {
        n = ngx_atoi(value[i].data, value[i].len);

        /* success statuses are never held: that path must stay free */

        if (n < 400 || n > 599) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "invalid status \"%V\" in \"%V\": "
                               "must be between 400 and 599",
                               &value[i], &cmd->name);
            return NGX_CONF_ERROR;
        }

        s = ngx_array_push(slcf->statuses);
        if (s == NULL) {
            return NGX_CONF_ERROR;
        }

        *s = (ngx_uint_t) n;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_s3_unmask_codes(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_s3_unmask_loc_conf_t *slcf = conf;

    u_char      code[64];
    ngx_str_t  *value, *c;
    ngx_uint_t  i;

    if (slcf->codes != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    slcf->codes = ngx_array_create(cf->pool, cf->args->nelts - 1,
                                   sizeof(ngx_str_t));
    if (slcf->codes == NULL) {
        return NGX_CONF_ERROR;
    }

    value = cf->args->elts;

    for (i = 1; i < cf->args->nelts; i++) {

        if (value[i].len == 0 || value[i].len >= sizeof(code)) {
            goto invalid;
        }

        ngx_cpystrn(code, value[i].data, value[i].len + 1);

        /* a code must be one whose HTTP status we know to restore */

        if (s3u_s3_error_status((const char *) code) == 0) {
            goto invalid;
        }

        c = ngx_array_push(slcf->codes);
        if (c == NULL) {
            return NGX_CONF_ERROR;
        }

        *c = value[i];
    }

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "unknown S3 error code \"%V\" in \"%V\"",
                       &value[i], &cmd->name);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_s3_unmask_header(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_s3_unmask_loc_conf_t *slcf = conf;

    u_char     *p;
    ngx_str_t  *value;

    if (slcf->header.len != NGX_CONF_UNSET_SIZE) {
        return "is duplicate";
    }

    value = cf->args->elts;

    if (ngx_strcmp(value[1].data, "off") == 0) {
        slcf->header.len = 0;
        slcf->header.data = NULL;
        return NGX_CONF_OK;
    }

    if (value[1].len == 0) {
        goto invalid;
    }

    /* an RFC 9110 token, so that the name cannot split the header */

    for (p = value[1].data; p < value[1].data + value[1].len; p++) {
        if (ngx_strchr("!#$%&'*+-.^_`|~", *p) == NULL
            && !(*p >= '0' && *p <= '9')
            && !((*p | 0x20) >= 'a' && (*p | 0x20) <= 'z'))
        {
            goto invalid;
        }
    }

    slcf->header = value[1];

    return NGX_CONF_OK;

invalid:

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid header name \"%V\" in \"%V\"",
                       &value[1], &cmd->name);

    return NGX_CONF_ERROR;
}


/* ngx_conf_set_enum_slot, with a message that lists the accepted values */

static char *
ngx_http_s3_unmask_set_enum(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char  *p = conf;

    u_char           *last;
    u_char            names[128];
    ngx_str_t        *value;
    ngx_uint_t       *np, i;
    ngx_conf_enum_t  *e;

    np = (ngx_uint_t *) (p + cmd->offset);

    if (*np != NGX_CONF_UNSET_UINT) {
        return "is duplicate";
    }

    value = cf->args->elts;
    e = cmd->post;

    for (i = 0; e[i].name.len; i++) {
        if (e[i].name.len == value[1].len
            && ngx_strcmp(e[i].name.data, value[1].data) == 0)
        {
            *np = e[i].value;
            return NGX_CONF_OK;
        }
    }

    last = names;

    for (i = 0; e[i].name.len; i++) {
        last = ngx_snprintf(last, names + sizeof(names) - last, "%s\"%V\"",
                            i == 0 ? "" : e[i + 1].name.len ? ", " : " or ",
                            &e[i].name);
    }

    ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                       "invalid value \"%V\" in \"%V\": must be %*s",
                       &value[1], &cmd->name, last - names, names);

    return NGX_CONF_ERROR;
}


static char *
ngx_http_s3_unmask_check_buffer(ngx_conf_t *cf, void *post, void *data)
{
    size_t  *sp = data;

    if (*sp < 256 || *sp > 16 * 1024 * 1024) {
        return "must be between 256 and 16m";
    }

    return NGX_CONF_OK;
}


/*
 * Loads and compiles the policy set now, in the master: workers share it
 * read-only, and a broken set fails "nginx -t" and a reload, leaving the
 * running configuration to serve.
 */

static char *
ngx_http_s3_unmask_policies(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_s3_unmask_loc_conf_t *slcf = conf;

    ngx_str_t           *value, path;
    s3u_error_t          err;
    ngx_pool_cleanup_t  *cln;

    if (slcf->policies != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_strcmp(path.data, "off") == 0) {
        slcf->policies = NULL;
        return NGX_CONF_OK;
    }

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, 0);
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    ngx_memzero(&err, sizeof(s3u_error_t));

    slcf->policies = s3u_pset_load((char *) path.data, &err);

    if (slcf->policies == NULL) {
        if (err.line) {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "s3_unmask_policies: %s:%ud:%ud: %s",
                               err.file, err.line, err.column, err.message);
        } else {
            ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                               "s3_unmask_policies: %s: %s",
                               err.file[0] ? err.file : (char *) path.data,
                               err.message);
        }

        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_s3_unmask_free_policies;
    cln->data = slcf->policies;

    return NGX_CONF_OK;
}


static void
ngx_http_s3_unmask_free_policies(void *data)
{
    s3u_pset_free(data);
}


/* s3_unmask_principal, _resource, _action: a value without variables is
 * kept NUL-terminated, so that a request reads it as it is */

static char *
ngx_http_s3_unmask_eval_value(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    char                       *rv;
    u_char                     *p;
    ngx_http_complex_value_t  **cv;

    rv = ngx_http_set_complex_value_slot(cf, cmd, conf);
    if (rv != NGX_CONF_OK) {
        return rv;
    }

    cv = (ngx_http_complex_value_t **) ((char *) conf + cmd->offset);

    if ((*cv)->lengths == NULL) {
        p = ngx_pnalloc(cf->pool, (*cv)->value.len + 1);
        if (p == NULL) {
            return NGX_CONF_ERROR;
        }

        *ngx_cpymem(p, (*cv)->value.data, (*cv)->value.len) = '\0';
        (*cv)->value.data = p;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_s3_unmask_context(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_s3_unmask_loc_conf_t *slcf = conf;

    ngx_str_t                         *value;
    ngx_http_s3_unmask_context_t      *c;
    ngx_http_compile_complex_value_t   ccv;

    if (slcf->context == NGX_CONF_UNSET_PTR) {
        slcf->context = ngx_array_create(cf->pool, 4,
                                         sizeof(ngx_http_s3_unmask_context_t));
        if (slcf->context == NULL) {
            return NGX_CONF_ERROR;
        }
    }

    value = cf->args->elts;

    /* a condition key: "service:Name", optionally with a /tag part */

    if (value[1].len < 3 || ngx_strlchr(value[1].data,
                                        value[1].data + value[1].len, ':')
                            == NULL)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0,
                           "invalid condition key \"%V\" in \"%V\": "
                           "expected a key such as aws:SourceIp",
                           &value[1], &cmd->name);
        return NGX_CONF_ERROR;
    }

    c = ngx_array_push(slcf->context);
    if (c == NULL) {
        return NGX_CONF_ERROR;
    }

    c->key = value[1];

    ngx_memzero(&ccv, sizeof(ngx_http_compile_complex_value_t));

    ccv.cf = cf;
    ccv.value = &value[2];
    ccv.complex_value = &c->value;

    if (ngx_http_compile_complex_value(&ccv) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    return NGX_CONF_OK;
}


static char *
ngx_http_s3_unmask_token_key(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_s3_unmask_loc_conf_t *slcf = conf;

    char                 err[256];
    ngx_str_t           *value, path;
    ngx_pool_cleanup_t  *cln;

    if (slcf->token_key != NGX_CONF_UNSET_PTR) {
        return "is duplicate";
    }

    value = cf->args->elts;
    path = value[1];

    if (ngx_strcmp(path.data, "off") == 0) {
        slcf->token_key = NULL;
        return NGX_CONF_OK;
    }

    if (ngx_conf_full_name(cf->cycle, &path, 1) != NGX_OK) {
        return NGX_CONF_ERROR;
    }

    cln = ngx_pool_cleanup_add(cf->pool, sizeof(s3u_token_key_t));
    if (cln == NULL) {
        return NGX_CONF_ERROR;
    }

    if (s3u_token_key_load((char *) path.data, cln->data, err, sizeof(err))
        != 0)
    {
        ngx_conf_log_error(NGX_LOG_EMERG, cf, 0, "s3_unmask_token_key: %s",
                           err);
        return NGX_CONF_ERROR;
    }

    cln->handler = ngx_http_s3_unmask_wipe_key;
    slcf->token_key = cln->data;

    return NGX_CONF_OK;
}


static void
ngx_http_s3_unmask_wipe_key(void *data)
{
    s3u_token_key_wipe(data);
}


static char *
ngx_http_s3_unmask_metrics(ngx_conf_t *cf, ngx_command_t *cmd, void *conf)
{
    ngx_http_core_loc_conf_t  *clcf;

    clcf = ngx_http_conf_get_module_loc_conf(cf, ngx_http_core_module);
    clcf->handler = ngx_http_s3_unmask_metrics_handler;

    return ngx_http_s3_unmask_add_zone(cf);
}


static ngx_int_t
ngx_http_s3_unmask_init(ngx_conf_t *cf)
{
    ngx_http_s3_unmask_main_conf_t  *smcf;

    smcf = ngx_http_conf_get_module_main_conf(cf, ngx_http_s3_unmask_module);

    /* where no location turns it on, the module is not in the chain at all */

    if (!smcf->used) {
        return NGX_OK;
    }

    ngx_http_next_header_filter = ngx_http_top_header_filter;
    ngx_http_top_header_filter = ngx_http_s3_unmask_header_filter;

    ngx_http_next_body_filter = ngx_http_top_body_filter;
    ngx_http_top_body_filter = ngx_http_s3_unmask_body_filter;

    return NGX_OK;
}


/* the spare pools go with the worker, so that leak checkers see none */

static void
ngx_http_s3_unmask_exit_process(ngx_cycle_t *cycle)
{
    ngx_pool_t  *pool;

    while (ngx_http_s3_unmask_nspare) {
        pool = ngx_http_s3_unmask_spare[--ngx_http_s3_unmask_nspare];
        pool->log = cycle->log;
        ngx_destroy_pool(pool);
    }
}
