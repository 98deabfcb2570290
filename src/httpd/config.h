/* The module's directives and configuration.
 *
 * Per directory (merged like any Apache directive):
 *   InvoiceAPI On|Off        mounts the API at the enclosing <Location>
 *   InvoiceIdentity header | remote-user | "expr=..."
 *   InvoiceIdempotencyTTL duration  how long Idempotency-Keys are kept
 *   InvoiceDBStatementTimeout, InvoiceDBRequestTimeout,
 *   InvoiceDBTransferTimeout duration   client-side database deadlines
 *   InvoiceFileStore pg | file:DIR | s3:URL   where new files go
 * Global (main server): InvoiceDBConnectTimeout, InvoiceMaxUploads,
 * InvoiceMaxDownloads, InvoiceS3Region, InvoiceS3CredentialsFile,
 * InvoiceS3Profile, InvoiceS3Delivery, InvoiceS3PresignSeconds,
 * InvoiceDownloadCache.
 * Per server: the mounts configured in it (for the checks at startup).
 * Also the handler names an operator may place with SetHandler. */
#ifndef MOD_INVOICE_HTTPD_CONFIG_H
#define MOD_INVOICE_HTTPD_CONFIG_H

#include <httpd.h>
#include <http_config.h>

#include "httpd/dbd_conf.h"
#include "identity/identity.h"
#include "store/files.h"
#include "store/store.h"

#define INVOICE_API_HANDLER "invoice"           /* set by the module itself */
#define INVOICE_HEALTH_HANDLER "invoice-health"
#define INVOICE_METRICS_HANDLER "invoice-metrics"
#define INVOICE_PROBLEM_HANDLER "invoice-problem"

#define INVOICE_IDEM_TTL_DEFAULT 86400   /* seconds: 24 hours */
/* Database deadlines, seconds: a statement, a request's database time, a
 * file transfer without progress; the connect timeout given to libpq. */
#define INVOICE_DB_STATEMENT_DEFAULT 2
#define INVOICE_DB_REQUEST_DEFAULT 5
#define INVOICE_DB_TRANSFER_DEFAULT 30
#define INVOICE_DB_CONNECT_DEFAULT 2
/* Concurrent upload bodies and file downloads per child. */
#define INVOICE_MAX_TRANSFERS_DEFAULT 20

typedef struct {
    int api;                        /* -1 unset, 0 Off, 1 On */
    const char *mount;              /* the <Location> path when api is 1 */
    int identity_set;
    invoice_identity_conf_t identity;
    int idempotency_ttl;            /* seconds; -1 unset (merged: set) */
    int db_statement, db_request, db_transfer;  /* seconds; -1 unset */
    const char *file_store;         /* InvoiceFileStore; NULL unset, "pg" */
} invoice_dir_conf_t;

/* A store named by InvoiceFileStore, and where. */
typedef struct {
    const char *name;
    const char *file;
    int line;
} invoice_store_name_t;

/* Where InvoiceAPI On was said. */
typedef struct invoice_mount_t {
    const char *path;
    const char *file;
    int line;
    const ap_directive_t *vhost;    /* the enclosing <VirtualHost>, or NULL */
    struct invoice_mount_t *next;
} invoice_mount_t;

typedef struct {
    invoice_mount_t *mounts;        /* of this server, newest first */
    invoice_dbd_conf_t dbd;         /* what mod_dbd was told (startup.c) */
    apr_array_header_t *store_names;    /* of invoice_store_name_t, or NULL */
    /* Global settings, in the main server's: 0 / NULL when not set. */
    int db_connect;                 /* seconds */
    int max_uploads, max_downloads; /* per child */
    const char *s3_region, *s3_credentials_file, *s3_profile;
    int s3_redirect;                /* InvoiceS3Delivery redirect */
    int s3_presign_seconds;
    int download_cache;             /* entries; -1: not set */
} invoice_srv_conf_t;

#define INVOICE_S3_PRESIGN_DEFAULT 60   /* seconds */
/* InvoiceDownloadCache entries (httpd/filecache.h): about 200 bytes each,
 * 13 MB of shared memory at the default. */
#define INVOICE_DOWNLOAD_CACHE_DEFAULT 65536
#define INVOICE_DOWNLOAD_CACHE_MAX 4194304

extern const command_rec invoice_directives[];

void *invoice_config_create_dir(apr_pool_t *p, char *path);
void *invoice_config_merge_dir(apr_pool_t *p, void *base, void *add);
void *invoice_config_create_srv(apr_pool_t *p, server_rec *s);

/** The directory configuration of r. */
const invoice_dir_conf_t *invoice_config_dir(request_rec *r);

/** The server configuration of s (shared with the main server when no
 *  directive of the module appears in s's <VirtualHost>). */
invoice_srv_conf_t *invoice_config_srv(server_rec *s);

/** The database deadlines that apply to r. */
invoice_store_deadlines_t invoice_config_deadlines(request_rec *r);

/** The deadlines of work outside requests (the defaults). */
invoice_store_deadlines_t invoice_config_default_deadlines(void);

/** Where r's new files go: NULL for this database (pg), else the store's
 *  name (InvoiceFileStore). */
const char *invoice_config_file_store(request_rec *r);

/** The settings of file stores: the main server's (global). */
invoice_files_settings_t invoice_config_files_settings(server_rec *main_server);

/** S3 downloads by redirect (InvoiceS3Delivery redirect)?  And for how
 *  long a presigned URL is valid. */
int invoice_config_s3_redirect(void);
int invoice_config_s3_presign_seconds(void);

/** Entries of the download cache (InvoiceDownloadCache; 0: none). */
int invoice_config_download_cache(void);

/** The global settings, defaults applied. */
int invoice_config_connect_timeout(void);
int invoice_config_max_uploads(void);
int invoice_config_max_downloads(void);

/** True for the module's own handler names. */
int invoice_config_handler_is_ours(const char *handler);

/** The API mount of r as a prefix for paths: "/api", or "" for a mount at
 *  "/"; NULL when r is not in a mount. */
const char *invoice_config_mount_prefix(request_rec *r);

/** The path of r below the API mount that applies to r ("/sender/invoices",
 *  "" for the mount itself), or NULL when r is not in a mount. */
const char *invoice_config_below_mount(request_rec *r);

#endif
