/* S3 credentials and region.  See s3_creds.h. */
#include "store/files/s3_creds.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <apr_file_info.h>
#include <apr_file_io.h>
#include <apr_lib.h>
#include <apr_strings.h>

#define MAX_CREDENTIALS_FILE (64 * 1024)
#define GROUP_OR_OTHERS (APR_FPROT_GREAD | APR_FPROT_GWRITE \
                         | APR_FPROT_GEXECUTE | APR_FPROT_WREAD \
                         | APR_FPROT_WWRITE | APR_FPROT_WEXECUTE)

/* What the credentials are called where they come from, for messages. */
typedef struct {
    const char *source;
    const char *key_id, *secret, *token;
} names_t;

static const names_t env_names = {
    "the environment", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
};

/* A variable that is set and not empty. */
static const char *env(const char *name)
{
    const char *v = getenv(name);

    return v != NULL && v[0] != '\0' ? v : NULL;
}

static char *trim(char *s)
{
    char *end = s + strlen(s);

    while (apr_isspace(*s)) {
        s++;
    }
    while (end > s && apr_isspace(end[-1])) {
        *--end = '\0';
    }
    return s;
}

/* The file, when only its owner may open it (it holds a secret). */
static const char *read_private_file(apr_pool_t *p, const char *path,
                                     char **text)
{
    apr_file_t *f;
    apr_finfo_t fi;
    apr_size_t n = 0;
    char err[120];
    apr_status_t rv = apr_file_open(&f, path, APR_FOPEN_READ
                                    | APR_FOPEN_BINARY, 0, p);

    if (rv == APR_SUCCESS) {
        rv = apr_file_info_get(&fi, APR_FINFO_TYPE | APR_FINFO_PROT
                               | APR_FINFO_SIZE, f);
    }
    if (rv != APR_SUCCESS) {
        return apr_psprintf(p, "cannot read the S3 credentials file %s: %s",
                            path, apr_strerror(rv, err, sizeof(err)));
    }
    if (fi.filetype != APR_REG || fi.size > MAX_CREDENTIALS_FILE) {
        return apr_psprintf(p, "the S3 credentials file %s is not a regular "
                            "file of at most 64 KiB", path);
    }
    if (fi.protection & GROUP_OR_OTHERS) {
        return apr_psprintf(p, "the S3 credentials file %s may be opened by "
                            "group or others (mode 0%o%o%o): chmod 600 %s",
                            path, (fi.protection >> 8) & 7,
                            (fi.protection >> 4) & 7, fi.protection & 7, path);
    }
    *text = apr_palloc(p, (apr_size_t)fi.size + 1);
    rv = apr_file_read_full(f, *text, (apr_size_t)fi.size, &n);
    (*text)[n] = '\0';
    apr_file_close(f);
    return rv == APR_SUCCESS || APR_STATUS_IS_EOF(rv) ? NULL
           : apr_psprintf(p, "cannot read the S3 credentials file %s: %s",
                          path, apr_strerror(rv, err, sizeof(err)));
}

static void set_value(apr_pool_t *p, const char *name, const char *value,
                      invoice_s3_creds_t *out)
{
    if (strcasecmp(name, "aws_access_key_id") == 0) {
        out->access_key_id = apr_pstrdup(p, value);
    } else if (strcasecmp(name, "aws_secret_access_key") == 0) {
        out->secret_access_key = apr_pstrdup(p, value);
    } else if (strcasecmp(name, "aws_session_token") == 0) {
        out->session_token = apr_pstrdup(p, value);
    }
}

/* The values of section [profile], read as the AWS CLI reads them: whole
 * line comments (# or ;), names (any case) and values trimmed.  0 when
 * there is no such section. */
static int profile_values(apr_pool_t *p, char *text, const char *profile,
                          invoice_s3_creds_t *out)
{
    int in_profile = 0, found = 0;
    char *next;

    for (char *line = text; line != NULL; line = next) {
        char *close, *eq;

        next = strchr(line, '\n');
        if (next != NULL) {
            *next++ = '\0';
        }
        line = trim(line);
        if (line[0] == '[' && (close = strchr(line, ']')) != NULL) {
            *close = '\0';
            in_profile = strcmp(trim(line + 1), profile) == 0;
            found |= in_profile;
        } else if (in_profile && line[0] != '#' && line[0] != ';'
                   && (eq = strchr(line, '=')) != NULL) {
            *eq = '\0';
            set_value(p, trim(line), trim(eq + 1), out);
        }
    }
    return found;
}

/* Printable, no spaces: anything else would corrupt a header. */
static int printable(const char *s)
{
    for (; *s; s++) {
        if ((unsigned char)*s <= ' ' || *s == 0x7f) {
            return 0;
        }
    }
    return 1;
}

/* Present, not empty, printable; the message names, never shows. */
static const char *check_creds(apr_pool_t *p, const names_t *n,
                               invoice_s3_creds_t *c)
{
    const char *name = NULL;

    if (c->session_token != NULL && c->session_token[0] == '\0') {
        c->session_token = NULL;
    }
    if (c->access_key_id == NULL || c->access_key_id[0] == '\0') {
        return apr_psprintf(p, "no S3 credentials: %s has no %s", n->source,
                            n->key_id);
    }
    if (c->secret_access_key == NULL || c->secret_access_key[0] == '\0') {
        return apr_psprintf(p, "no S3 credentials: %s has no %s", n->source,
                            n->secret);
    }
    if (!printable(c->access_key_id)) {
        name = n->key_id;
    } else if (!printable(c->secret_access_key)) {
        name = n->secret;
    } else if (c->session_token != NULL && !printable(c->session_token)) {
        name = n->token;
    }
    return name == NULL ? NULL
           : apr_psprintf(p, "the %s of %s holds a space or a control "
                          "character", name, n->source);
}

static const char *from_file(apr_pool_t *p, const char *path,
                             const char *profile, invoice_s3_creds_t *out)
{
    names_t names = { NULL, "aws_access_key_id", "aws_secret_access_key",
                      "aws_session_token" };
    char *text = NULL;
    const char *err = read_private_file(p, path, &text);

    if (err != NULL) {
        return err;
    }
    names.source = apr_psprintf(p, "the S3 credentials file %s [%s]", path,
                                profile);
    if (!profile_values(p, text, profile, out)) {
        return apr_psprintf(p, "the S3 credentials file %s has no [%s] "
                            "section (the profile)", path, profile);
    }
    return check_creds(p, &names, out);
}

const char *invoice_s3_creds_load(apr_pool_t *p,
                                  const invoice_files_settings_t *settings,
                                  invoice_s3_creds_t *out)
{
    const char *profile = settings->s3_profile;

    memset(out, 0, sizeof(*out));
    if (settings->s3_credentials_file != NULL) {
        if (profile == NULL) {
            profile = env("AWS_PROFILE") ? env("AWS_PROFILE") : "default";
        }
        return from_file(p, settings->s3_credentials_file, profile, out);
    }
    out->access_key_id = apr_pstrdup(p, env("AWS_ACCESS_KEY_ID"));
    out->secret_access_key = apr_pstrdup(p, env("AWS_SECRET_ACCESS_KEY"));
    out->session_token = apr_pstrdup(p, env("AWS_SESSION_TOKEN"));
    if (out->access_key_id == NULL && out->secret_access_key == NULL) {
        return "no S3 credentials: no credentials file is configured, and "
               "neither AWS_ACCESS_KEY_ID nor AWS_SECRET_ACCESS_KEY is set "
               "in the environment";
    }
    return check_creds(p, &env_names, out);
}

const char *invoice_s3_region(apr_pool_t *p,
                              const invoice_files_settings_t *settings,
                              const char **out)
{
    const char *r = settings->s3_region;
    size_t n;

    if (r == NULL) {
        r = env("AWS_REGION") ? env("AWS_REGION")
            : env("AWS_DEFAULT_REGION") ? env("AWS_DEFAULT_REGION")
                                        : "us-east-1";
    }
    n = strlen(r);
    if (n == 0 || n > 64 || strspn(r, "abcdefghijklmnopqrstuvwxyz"
                                      "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                      "0123456789-_") != n) {
        return apr_psprintf(p, "'%s' is not an S3 region name (such as "
                            "eu-west-1)", r);
    }
    *out = r;
    return NULL;
}
