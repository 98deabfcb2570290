/* mod-invoice-files: the operator's tool for mod_invoice's file stores.
 *
 *   mod-invoice-files sweep   --db CONNINFO --store NAME [--older-than D] [--dry-run]
 *   mod-invoice-files migrate --db CONNINFO --to NAME|pg [--from NAME|pg] ...
 *
 * The command line, and the usage; the commands are sweep.c and
 * migrate.c. */
#include "tool.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <apr_general.h>
#include <apr_getopt.h>
#include <apr_strings.h>

static const char usage_text[] =
"usage: " TOOL_NAME " sweep --db CONNINFO --store NAME [--older-than DURATION]\n"
"                         [--dry-run] [--batch N]\n"
"       " TOOL_NAME " migrate --db CONNINFO --to NAME|pg [--from NAME|pg]\n"
"                         [--batch N] [--limit N] [--pause DURATION]\n"
"       " TOOL_NAME " --help\n"
"\n"
"An invoice's file is in PostgreSQL (\"pg\": invoice_files) or in a file\n"
"store named \"scheme:where\", as InvoiceFileStore and the invoice rows\n"
"name it: file:/var/lib/mod_invoice/files, s3:https://host/bucket.\n"
"\n"
"sweep    Remove the orphans of a file store: files written before now\n"
"         minus --older-than whose invoice has no row, or whose row names\n"
"         another store (left by a crash between a file's write and its\n"
"         row, or by an interrupted migration).  A file whose row names\n"
"         the store is never removed.  Prints each removal and a summary.\n"
"  --store NAME           the store, as the rows name it\n"
"  --older-than DURATION  only files older than this (default 1h); keep\n"
"                         it above the longest upload while Apache writes\n"
"  --dry-run              print what would be removed, remove nothing\n"
"  --batch N              files looked up per query (default 500)\n"
"\n"
"migrate  Move the files of existing invoices to another store, in id\n"
"         order: each file is copied, checked against the SHA-256 its row\n"
"         records (a mismatch is refused and left as it is), the row\n"
"         switched in one transaction, then the old copy removed.  Run it\n"
"         again after an interruption: rows already in the target are\n"
"         skipped, a leftover old copy is an orphan for sweep.\n"
"  --to NAME|pg           the target store\n"
"  --from NAME|pg         only the files in this store (default: any)\n"
"  --batch N              rows read per page (default 100)\n"
"  --limit N              stop after N rows\n"
"  --pause DURATION       wait after each row, to spare a busy database\n"
"\n"
"common options:\n"
"  --db CONNINFO          libpq connection string, e.g. \"host=db\n"
"                         dbname=invoice user=invoice\" (PG* variables\n"
"                         fill in what it leaves out)\n"
"  --timeout DURATION     a statement, or a transfer without progress\n"
"                         (database or store), fails after this (default 60s)\n"
"  --s3-region REGION     for s3: stores (default AWS_REGION, then\n"
"                         AWS_DEFAULT_REGION, then us-east-1)\n"
"  --s3-credentials-file FILE  AWS shared-credentials file (default:\n"
"                         AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and\n"
"                         AWS_SESSION_TOKEN)\n"
"  --s3-profile NAME      its section (default AWS_PROFILE, else default)\n"
"\n"
"DURATION: 500ms, 90s, 15m, 1h, 2d; a bare number is seconds.\n"
"Run it as the user Apache runs as: the files it writes must be readable\n"
"by Apache's children.  One sweep or migration at a time per database.\n"
"Exit status: 0 done, 1 some files failed or the run could not start,\n"
"2 usage.\n";

enum {
    OPT_DB = 256, OPT_TIMEOUT, OPT_S3_REGION, OPT_S3_CREDENTIALS, OPT_S3_PROFILE,
    OPT_STORE, OPT_OLDER_THAN, OPT_DRY_RUN, OPT_BATCH,
    OPT_TO, OPT_FROM, OPT_LIMIT, OPT_PAUSE,
};

#define COMMON_OPTIONS \
    { "db", OPT_DB, 1, NULL }, { "timeout", OPT_TIMEOUT, 1, NULL }, \
    { "s3-region", OPT_S3_REGION, 1, NULL }, \
    { "s3-credentials-file", OPT_S3_CREDENTIALS, 1, NULL }, \
    { "s3-profile", OPT_S3_PROFILE, 1, NULL }, { "help", 'h', 0, NULL }

static const apr_getopt_option_t sweep_options[] = {
    COMMON_OPTIONS,
    { "store", OPT_STORE, 1, NULL }, { "older-than", OPT_OLDER_THAN, 1, NULL },
    { "dry-run", OPT_DRY_RUN, 0, NULL }, { "batch", OPT_BATCH, 1, NULL },
    { NULL, 0, 0, NULL },
};

static const apr_getopt_option_t migrate_options[] = {
    COMMON_OPTIONS,
    { "to", OPT_TO, 1, NULL }, { "from", OPT_FROM, 1, NULL },
    { "batch", OPT_BATCH, 1, NULL }, { "limit", OPT_LIMIT, 1, NULL },
    { "pause", OPT_PAUSE, 1, NULL },
    { NULL, 0, 0, NULL },
};

/* Everything the command line can say. */
typedef struct {
    tool_common_t common;
    tool_sweep_opts_t sweep;
    tool_migrate_opts_t migrate;
    int help;
} command_line_t;

static int usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, TOOL_NAME ": ");
    fprintf(stderr, fmt, arg);
    fprintf(stderr, "\n(" TOOL_NAME " --help tells more)\n");
    return TOOL_EXIT_USAGE;
}

static int parse_count(const char *text, long max, long *out)
{
    char *end;
    long n = strtol(text, &end, 10);

    if (end == text || *end != '\0' || n < 1 || n > max) {
        return 0;
    }
    *out = n;
    return 1;
}

/* A duration or a count into its place: 0 when the text is none. */
static int take_value(command_line_t *cl, int opt, const char *arg)
{
    long n;

    switch (opt) {
    case OPT_TIMEOUT:
        return tool_parse_duration(arg, &cl->common.files.timeout)
            && cl->common.files.timeout > 0;
    case OPT_OLDER_THAN:
        return tool_parse_duration(arg, &cl->sweep.older_than);
    case OPT_PAUSE:
        return tool_parse_duration(arg, &cl->migrate.pause);
    case OPT_BATCH:
        if (!parse_count(arg, 10000, &n)) {
            return 0;
        }
        cl->sweep.batch = cl->migrate.batch = (int)n;
        return 1;
    case OPT_LIMIT:
        return parse_count(arg, 2147483647L, &cl->migrate.limit);
    }
    return 0;
}

/* One option: 1, or 0 when its value is none. */
static int take_option(command_line_t *cl, int opt, const char *arg)
{
    switch (opt) {
    case 'h': cl->help = 1; return 1;
    case OPT_DB: cl->common.conninfo = arg; return 1;
    case OPT_S3_REGION: cl->common.files.s3_region = arg; return 1;
    case OPT_S3_CREDENTIALS: cl->common.files.s3_credentials_file = arg; return 1;
    case OPT_S3_PROFILE: cl->common.files.s3_profile = arg; return 1;
    case OPT_STORE: cl->sweep.store = arg; return 1;
    case OPT_DRY_RUN: cl->sweep.dry_run = 1; return 1;
    case OPT_TO: cl->migrate.to = arg; return 1;
    case OPT_FROM: cl->migrate.from = arg; return 1;
    default: return take_value(cl, opt, arg);
    }
}

static void defaults(command_line_t *cl)
{
    memset(cl, 0, sizeof(*cl));
    cl->common.files.timeout = apr_time_from_sec(60);
    cl->sweep.older_than = apr_time_from_sec(3600);
    cl->sweep.batch = 500;
    cl->migrate.batch = 100;
}

/* argv[0] is the command: its options into cl; 0, or an exit status. */
static int parse(apr_pool_t *p, int argc, const char *const *argv,
                 const apr_getopt_option_t *options, command_line_t *cl)
{
    apr_getopt_t *os;
    const char *arg;
    apr_status_t rv;
    int opt;
    const char **args = apr_pmemdup(p, argv, sizeof(*argv) * (argc + 1));

    defaults(cl);
    args[0] = apr_pstrcat(p, TOOL_NAME " ", argv[0], NULL);   /* in messages */
    apr_getopt_init(&os, p, argc, args);
    while ((rv = apr_getopt_long(os, options, &opt, &arg)) == APR_SUCCESS) {
        if (!take_option(cl, opt, arg)) {
            return usage_error("not a valid value: '%s'", arg);
        }
    }
    if (rv != APR_EOF) {
        return usage_error("%s", "unknown option, or one without its value");
    }
    if (os->ind < argc) {
        return usage_error("unexpected argument '%s'", argv[os->ind]);
    }
    if (!cl->help && cl->common.conninfo == NULL) {
        return usage_error("%s", "--db CONNINFO is needed");
    }
    return 0;
}

static int sweep_command(apr_pool_t *p, int argc, const char *const *argv)
{
    command_line_t cl;
    int status = parse(p, argc, argv, sweep_options, &cl);

    if (status != 0 || cl.help) {
        fputs(cl.help ? usage_text : "", stdout);
        return status;
    }
    if (cl.sweep.store == NULL) {
        return usage_error("%s", "sweep needs --store NAME");
    }
    if (tool_store_is_pg(cl.sweep.store)) {
        return usage_error("%s", "PostgreSQL has no orphans to sweep: its "
                           "files go with their rows");
    }
    return tool_sweep(p, &cl.common, &cl.sweep);
}

static int migrate_command(apr_pool_t *p, int argc, const char *const *argv)
{
    command_line_t cl;
    int status = parse(p, argc, argv, migrate_options, &cl);

    if (status != 0 || cl.help) {
        fputs(cl.help ? usage_text : "", stdout);
        return status;
    }
    if (cl.migrate.to == NULL) {
        return usage_error("%s", "migrate needs --to NAME|pg");
    }
    if (cl.migrate.from != NULL && strcmp(cl.migrate.from, cl.migrate.to) == 0) {
        return usage_error("--from and --to are both '%s'", cl.migrate.to);
    }
    return tool_migrate(p, &cl.common, &cl.migrate);
}

static int dispatch(apr_pool_t *p, int argc, const char *const *argv)
{
    const char *command = argc > 1 ? argv[1] : "";

    if (strcmp(command, "sweep") == 0) {
        return sweep_command(p, argc - 1, argv + 1);
    }
    if (strcmp(command, "migrate") == 0) {
        return migrate_command(p, argc - 1, argv + 1);
    }
    if (strcmp(command, "--help") == 0 || strcmp(command, "-h") == 0
        || strcmp(command, "help") == 0) {
        fputs(usage_text, stdout);
        printf("File stores of this build: %s.\n", tool_store_schemes(p));
        return TOOL_EXIT_OK;
    }
    fputs(usage_text, stderr);
    return argc > 1 ? usage_error("unknown command '%s'", command)
                    : TOOL_EXIT_USAGE;
}

int main(int argc, const char *const *argv)
{
    apr_pool_t *pool;
    int status;

    if (apr_app_initialize(&argc, &argv, NULL) != APR_SUCCESS
        || apr_pool_create(&pool, NULL) != APR_SUCCESS) {
        fputs(TOOL_NAME ": cannot initialize APR\n", stderr);
        return TOOL_EXIT_FAILURES;
    }
    status = dispatch(pool, argc, argv);
    apr_pool_destroy(pool);
    apr_terminate();
    return status;
}
