/* Helpers of the lifecycle, terms and events tests: see lifecycle_util.h. */
#define _POSIX_C_SOURCE 200809L
#include "lifecycle_util.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *lc_create_body(int receiver, const char *terms)
{
    char *b64 = it_base64(it_pdf, it_pdf_len);
    size_t n = strlen(b64) + strlen(terms) + 160;
    char *body = malloc(n);
    if (!body)
        abort();
    snprintf(body, n,
             "{\"invoice\": {\"receiver_id\": %d, \"file_type\": "
             "\"application/pdf\", \"content\": \"%s\"%s%s}}", receiver, b64,
             *terms ? ", " : "", terms);
    free(b64);
    return body;
}

http_response_t *lc_create_r(int sender, int receiver, const char *terms)
{
    char *body = lc_create_body(receiver, terms);
    http_response_t *r = api_post_json("/api/sender/invoices", AS(sender), body);
    free(body);
    return r;
}

void lc_create_at(int sender, int receiver, const char *terms, char id[37],
                  const char *file, int line)
{
    http_response_t *r = lc_create_r(sender, receiver, terms);
    json_object *data;
    json_object *root = it_assert_invoice_response(r, 201, &data, file, line);
    snprintf(id, 37, "%s", json_object_get_string(json_object_object_get(data, "id")));
    json_object_put(root);
    http_free(r);
}

http_response_t *lc_void(int sender, const char *id)
{
    return api("POST", P("/api/sender/invoices/%s/void", id), AS(sender),
               NULL, NULL, 0);
}

http_response_t *lc_pay(int consumer, const char *id)
{
    return api("POST", P("/api/consumer/invoices/%s/pay", id), AC(consumer),
               NULL, NULL, 0);
}

const char *lc_str(json_object *o, const char *key)
{
    json_object *v = o ? json_object_object_get(o, key) : NULL;
    return v && json_object_is_type(v, json_type_string)
               ? json_object_get_string(v) : "";
}

int lc_is_null(json_object *o, const char *key)
{
    return json_object_object_get(o, key) == NULL;
}

static int is_decimal_id(const char *s)
{
    if (!*s || *s == '0' || strlen(s) > 19)
        return 0;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return 0;
    return 1;
}

void lc_assert_events_at(const http_response_t *r, lc_events_t *out,
                         const char *file, int line)
{
    static const char *types[] = {"invoice.created", "invoice.paid",
                                  "invoice.voided", "invoice.downloaded"};
    memset(out, 0, sizeof *out);
    json_object *d = NULL;
    int has_more = 0;
    json_object *o = it_assert_page(r, &d, &has_more, file, line);
    size_t n = json_object_array_length(d);
    out->n = n;
    out->ids = calloc(n + 1, sizeof *out->ids);
    out->types = calloc(n + 1, sizeof *out->types);
    out->invoices = calloc(n + 1, sizeof *out->invoices);
    out->data = calloc(n + 1, sizeof *out->data);
    if (!out->ids || !out->types || !out->invoices || !out->data)
        abort();
    for (size_t i = 0; i < n; i++) {
        json_object *ev = json_object_array_get_idx(d, i);
        const char *js = json_object_to_json_string(ev);
        static const char *keys[] = {"id", "type", "invoice_id", "created_at",
                                     "data"};
        if (!json_object_is_type(ev, json_type_object) ||
            json_object_object_length(ev) != 5)
            it_fail(file, line, "%s: event is not an object of 5 keys: %s",
                    r->what, js);
        for (size_t k = 0; k < 5; k++)
            if (!json_object_object_get_ex(ev, keys[k], NULL))
                it_fail(file, line, "%s: event lacks \"%s\": %s", r->what,
                        keys[k], js);
        const char *id = lc_str(ev, "id"), *type = lc_str(ev, "type");
        const char *inv = lc_str(ev, "invoice_id");
        if (!is_decimal_id(id))
            it_fail(file, line, "%s: event id is not a decimal string: %s",
                    r->what, js);
        int known = 0;
        for (size_t k = 0; k < 4; k++)
            known |= strcmp(type, types[k]) == 0;
        if (!known)
            it_fail(file, line, "%s: unknown event type: %s", r->what, js);
        if (!it_is_uuid_lower(inv))
            it_fail(file, line, "%s: event invoice_id is not a UUID: %s",
                    r->what, js);
        if (!it_is_rfc3339_utc(lc_str(ev, "created_at")))
            it_fail(file, line, "%s: event created_at is not RFC 3339 UTC: %s",
                    r->what, js);
        json_object *data = json_object_object_get(ev, "data");
        it_assert_invoice_shape(data, file, line);
        if (strcmp(lc_str(data, "id"), inv) != 0)
            it_fail(file, line, "%s: event data is another invoice: %s",
                    r->what, js);
        snprintf(out->ids[i], sizeof out->ids[i], "%s", id);
        snprintf(out->types[i], sizeof out->types[i], "%s", type);
        snprintf(out->invoices[i], sizeof out->invoices[i], "%s", inv);
        out->data[i] = data;
    }
    out->has_more = has_more;
    out->root = o;
}

void lc_get_events_at(const char *path, const char *auth, lc_events_t *out,
                      const char *file, int line)
{
    http_response_t *r = api("GET", path, auth, NULL, NULL, 0);
    lc_assert_events_at(r, out, file, line);
    http_free(r);
}

void lc_events_free(lc_events_t *e)
{
    free(e->ids);
    free(e->types);
    free(e->invoices);
    free(e->data);
    json_object_put(e->root);
    memset(e, 0, sizeof *e);
}

const char *lc_types_of(const lc_events_t *e, const char *id, char *out,
                        size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < e->n; i++) {
        if (strcmp(e->invoices[i], id) != 0)
            continue;
        const char *t = e->types[i] + strlen("invoice.");
        int w = snprintf(out + o, cap - o, "%s%s", o ? "," : "", t);
        if (w < 0 || (size_t)w >= cap - o)
            break;
        o += (size_t)w;
    }
    return out;
}

long lc_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

int lc_wait_event(const char *path_in, const char *auth_in, const char *id,
                  const char *type, long deadline_ms)
{
    long end = lc_now_ms() + deadline_ms;
    char path[512], auth[128];
    /* (P's buffers rotate: the caller's may be reused below) */
    snprintf(path, sizeof path, "%s", path_in);
    snprintf(auth, sizeof auth, "%s", auth_in);
    const char *sep = strchr(path, '?') ? "&" : "?";
    for (;;) {
        char after[24] = "";
        int more = 1, pages = 0;
        while (more && pages++ < 10000) {
            lc_events_t e;
            lc_get_events(*after ? P("%s%slimit=1000&starting_after=%s", path,
                                     sep, after)
                                 : P("%s%slimit=1000", path, sep), auth, &e);
            for (size_t i = 0; i < e.n; i++)
                if (strcmp(e.invoices[i], id) == 0 &&
                    (!type || strcmp(e.types[i], type) == 0)) {
                    lc_events_free(&e);
                    return 1;
                }
            more = e.has_more;
            if (e.n)
                snprintf(after, sizeof after, "%s", e.ids[e.n - 1]);
            lc_events_free(&e);
        }
        if (lc_now_ms() >= end)
            return 0;
        it_sleep_ms(20);
    }
}

static PGconn *lc_connect(const char *file, int line)
{
    PGconn *c = PQconnectdb(it_env.pg_dsn);
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        PQfinish(c);
        it_fail(file, line, "cannot connect to PostgreSQL: %s", msg);
    }
    return c;
}

void lc_db_row_at(const char *id, lc_row_t *out, const char *file, int line)
{
    memset(out, 0, sizeof *out);
    PGconn *c = lc_connect(file, line);
    const char *params[1] = {id};
    PGresult *res = PQexecParams(c,
        "SELECT xmin::text, ctid::text, updated_at::text, "
        "coalesce(first_downloaded_at::text, ''), status "
        "FROM invoices WHERE id = $1::uuid", 1, NULL, params, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        PQclear(res);
        PQfinish(c);
        it_fail(file, line, "row query failed: %s", msg);
    }
    if (PQntuples(res) == 1) {
        snprintf(out->xmin, sizeof out->xmin, "%s", PQgetvalue(res, 0, 0));
        snprintf(out->ctid, sizeof out->ctid, "%s", PQgetvalue(res, 0, 1));
        snprintf(out->updated_at, sizeof out->updated_at, "%s", PQgetvalue(res, 0, 2));
        snprintf(out->first_downloaded_at, sizeof out->first_downloaded_at,
                 "%s", PQgetvalue(res, 0, 3));
        out->status = atoi(PQgetvalue(res, 0, 4));
    }
    PQclear(res);
    PQfinish(c);
}

const char *lc_db_value_at(const char *sql, const char *param,
                           const char *file, int line)
{
    static char value[512];
    PGconn *c = lc_connect(file, line);
    const char *params[1] = {param};
    PGresult *res = PQexecParams(c, sql, param ? 1 : 0, NULL,
                                 param ? params : NULL, NULL, NULL, 0);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        PQclear(res);
        PQfinish(c);
        it_fail(file, line, "query failed: %s: %s", sql, msg);
    }
    if (PQntuples(res) == 0)
        snprintf(value, sizeof value, "(none)");
    else
        snprintf(value, sizeof value, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    PQfinish(c);
    return value;
}
