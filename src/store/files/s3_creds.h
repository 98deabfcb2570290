/* The credentials and region of an S3 store, read once at configuration
 * time in the parent (which may read a 0600 file owned by another user):
 * a credentials file in the AWS shared-credentials format, else the
 * environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, and
 * AWS_SESSION_TOKEN for temporary credentials).  No message ever holds a
 * secret. */
#ifndef MOD_INVOICE_STORE_FILES_S3_CREDS_H
#define MOD_INVOICE_STORE_FILES_S3_CREDS_H

#include <apr_pools.h>

#include "store/files.h"

typedef struct {
    const char *access_key_id;
    const char *secret_access_key;
    const char *session_token;      /* NULL: none */
} invoice_s3_creds_t;

/** The credentials the settings name; NULL, or an error naming their
 *  source (a file that group or others may open is refused). */
const char *invoice_s3_creds_load(apr_pool_t *p,
                                  const invoice_files_settings_t *settings,
                                  invoice_s3_creds_t *out);

/** The region: the settings', AWS_REGION, AWS_DEFAULT_REGION, else
 *  us-east-1.  NULL, or an error when it is not a region name. */
const char *invoice_s3_region(apr_pool_t *p,
                              const invoice_files_settings_t *settings,
                              const char **out);

#endif
