/* Credentials for the identity source a mount uses, so that the same
 * checks (the authorization matrix) run in every mode.  The mode and the
 * mount come from the environment that test/apache/run.sh sets:
 *   INVOICE_IT_IDENTITY  header (default) | basic | dbd | cert
 *   INVOICE_IT_MOUNT     the mount the checks go to (default /api)
 *   INVOICE_IT_HTPASSWD  basic: the htpasswd file users are added to
 *   INVOICE_IT_MKCERT    cert: command "CMD CN FILE" writing a client
 *                        certificate and key for CN into FILE
 * Invoices are always set up through the header-mode mount /api. */
#ifndef INVOICE_IT_IDENTITY_H
#define INVOICE_IT_IDENTITY_H

#include "http.h"

typedef enum { IT_ID_HEADER, IT_ID_BASIC, IT_ID_DBD, IT_ID_CERT } it_identity_t;

typedef struct {
    char header[256];   /* "Authorization: ..." or "" */
    char cert[512];     /* client certificate file or "" */
} it_cred_t;

it_identity_t it_identity_mode(void);
const char *it_identity_mount(void);

/* The credentials of party id acting as a sender or a consumer: the
 * mode's own form ("sender N" header; Basic user N; Basic user whose
 * mod_authn_dbd party is "sender:N"; a certificate with CN "sender:N"),
 * created on first use.  id 0: no credentials at all. */
void it_credentials(int consumer, int id, it_cred_t *out);

/* A request with those credentials; NULL cred: none. */
http_response_t *it_api_as(const char *method, const char *path,
                           const it_cred_t *cred, const char *ctype,
                           const void *body, size_t len);

#endif
