/* Credentials per identity mode.  See identity.h. */
#define _POSIX_C_SOURCE 200809L
#include "identity.h"

#include <openssl/evp.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"

it_identity_t it_identity_mode(void)
{
    const char *m = getenv("INVOICE_IT_IDENTITY");

    if (m == NULL || strcmp(m, "header") == 0)
        return IT_ID_HEADER;
    if (strcmp(m, "basic") == 0)
        return IT_ID_BASIC;
    if (strcmp(m, "dbd") == 0)
        return IT_ID_DBD;
    return IT_ID_CERT;
}

const char *it_identity_mount(void)
{
    const char *m = getenv("INVOICE_IT_MOUNT");
    return m && *m ? m : "/api";
}

/* The password of every test user, and its {SHA} form (what
 * apr_password_validate accepts from htpasswd files and databases). */
static void password_of(const char *user, char *pw, size_t cap, char sha[64])
{
    unsigned char digest[20];
    unsigned int n = 0;

    snprintf(pw, cap, "pw-%s", user);
    EVP_Digest(pw, strlen(pw), digest, &n, EVP_sha1(), NULL);
    memcpy(sha, "{SHA}", 5);
    EVP_EncodeBlock((unsigned char *)sha + 5, digest, 20);
}

static void basic_header(const char *user, it_cred_t *out, char sha[64])
{
    char pw[96], pair[192];
    char *b64;

    password_of(user, pw, sizeof pw, sha);
    snprintf(pair, sizeof pair, "%s:%s", user, pw);
    b64 = it_base64((const unsigned char *)pair, strlen(pair));
    snprintf(out->header, sizeof out->header, "Authorization: Basic %s", b64);
    free(b64);
}

/* htpasswd: user "N"; mod_authn_file reads the file at every request. */
static void add_htpasswd_user(int id, it_cred_t *out)
{
    char user[16], sha[64];
    FILE *f;

    snprintf(user, sizeof user, "%d", id);
    basic_header(user, out, sha);
    f = fopen(getenv("INVOICE_IT_HTPASSWD"), "a");
    if (!f)
        abort();
    fprintf(f, "%s:%s\n", user, sha);
    fclose(f);
}

/* mod_authn_dbd: user "s-N" / "c-N", party "sender:N" / "consumer:N". */
static void add_dbd_user(int consumer, int id, it_cred_t *out)
{
    char user[24], party[32], sha[64];
    const char *params[3] = { user, sha, party };
    PGconn *c = PQconnectdb(it_env.pg_dsn);
    PGresult *res;

    snprintf(user, sizeof user, "%c-%d", consumer ? 'c' : 's', id);
    snprintf(party, sizeof party, "%s:%d", consumer ? "consumer" : "sender", id);
    basic_header(user, out, sha);
    res = PQexecParams(c, "INSERT INTO api_users (name, password, party) "
                          "VALUES ($1, $2, $3) ON CONFLICT DO NOTHING",
                       3, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        fprintf(stderr, "api_users: %s", PQerrorMessage(c));
        abort();
    }
    PQclear(res);
    PQfinish(c);
}

/* A certificate with CN "sender:N" / "consumer:N", made once. */
static void make_cert(int consumer, int id, it_cred_t *out)
{
    char cn[32], cmd[1024];

    snprintf(cn, sizeof cn, "%s:%d", consumer ? "consumer" : "sender", id);
    snprintf(out->cert, sizeof out->cert, "%s/%c%d.pem",
             getenv("INVOICE_IT_CERTDIR"), consumer ? 'c' : 's', id);
    if (access(out->cert, R_OK) == 0)
        return;
    snprintf(cmd, sizeof cmd, "%s '%s' '%s'", getenv("INVOICE_IT_MKCERT"), cn,
             out->cert);
    if (system(cmd) != 0) {
        fprintf(stderr, "cannot make a certificate: %s\n", cmd);
        abort();
    }
}

void it_credentials(int consumer, int id, it_cred_t *out)
{
    memset(out, 0, sizeof *out);
    if (id == 0)
        return;
    switch (it_identity_mode()) {
    case IT_ID_HEADER:
        snprintf(out->header, sizeof out->header, "Authorization: %s %d",
                 consumer ? "consumer" : "sender", id);
        break;
    case IT_ID_BASIC:
        add_htpasswd_user(id, out);
        break;
    case IT_ID_DBD:
        add_dbd_user(consumer, id, out);
        break;
    case IT_ID_CERT:
        make_cert(consumer, id, out);
        break;
    }
}

http_response_t *it_api_as(const char *method, const char *path,
                           const it_cred_t *cred, const char *ctype,
                           const void *body, size_t len)
{
    char ch[256];
    const char *hs[3];
    int n = 0;
    http_request_t req = { .method = method, .path = path, .headers = hs,
                           .body = body, .body_len = len };

    if (cred && cred->header[0])
        hs[n++] = cred->header;
    if (ctype) {
        snprintf(ch, sizeof ch, "Content-Type: %s", ctype);
        hs[n++] = ch;
    }
    hs[n] = NULL;
    if (cred && cred->cert[0])
        req.client_cert = cred->cert;
    return http_do(&req);
}
