/* Idempotency-Key on create, upload and pay: a repeat returns the stored
 * answer byte for byte (Idempotent-Replayed: true) and touches nothing; the
 * same key with another request is 422; keys are the caller's own; only
 * committed outcomes are remembered; concurrent repeats create one
 * invoice; the answers survive a PostgreSQL restart. */
#define _POSIX_C_SOURCE 200809L
#include "tests.h"
#include "db.h"
#include "wire.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_HEADER "Idempotency-Key"

/* A POST with Authorization, Content-Type and an Idempotency-Key (NULL:
 * none). */
static http_response_t *post_key(const char *path, const char *auth,
                                 const char *ctype, const void *body,
                                 size_t len, const char *key)
{
    char ah[128], ch[128], kh[400];
    const char *hs[4];
    int n = 0;

    snprintf(ah, sizeof ah, "Authorization: %s", auth);
    hs[n++] = ah;
    if (ctype) {
        snprintf(ch, sizeof ch, "Content-Type: %s", ctype);
        hs[n++] = ch;
    }
    if (key) {
        /* libcurl sends an empty header only in the form "Name;" */
        snprintf(kh, sizeof kh, *key ? KEY_HEADER ": %s" : KEY_HEADER ";", key);
        hs[n++] = kh;
    }
    hs[n] = NULL;
    return http_request("POST", path, hs, body, len);
}

static const char *new_key(void)
{
    char uuid[37];
    it_random_uuid(uuid);
    return P("key-%s", uuid);
}

/* A replay: the same status, Location and body, byte for byte. */
static void assert_replay(const http_response_t *first, const http_response_t *again)
{
    const char *l1 = http_header(first, "Location"), *l2 = http_header(again, "Location");

    assert_int_equal(again->status, first->status);
    assert_header(again, "Idempotent-Replayed", "true");
    it_check(http_header(first, "Idempotent-Replayed") == NULL,
             "a first answer carries Idempotent-Replayed");
    assert_int_equal(again->body_len, first->body_len);
    assert_memory_equal(again->body, first->body, first->body_len);
    it_check((l1 == NULL && l2 == NULL) || (l1 && l2 && strcmp(l1, l2) == 0),
             "Location %s, replayed %s", l1 ? l1 : "-", l2 ? l2 : "-");
}

static double metric(const char *name)
{
    http_response_t *r = http_request("GET", "/metrics", NULL, NULL, 0);
    const char *line = r->body ? strstr(r->body, P("\n%s ", name)) : NULL;
    double v = line ? strtod(line + strlen(name) + 2, NULL) : -1;
    http_free(r);
    return v;
}

static void t_idem_create_replays(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    const char *key = new_key();
    char *body = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);
    double replays = metric("invoice_idempotent_replays_total");

    http_response_t *a = post_key("/api/sender/invoices", AS(s), "application/json",
                                  body, strlen(body), key);
    assert_status(a, 201);
    http_response_t *b = post_key("/api/sender/invoices", AS(s), "application/json",
                                  body, strlen(body), key);
    assert_replay(a, b);
    assert_int_equal(db_count_sender(s), 1);
    assert_int_equal(db_count_keys(1, s), 1);
    it_check(metric("invoice_idempotent_replays_total") >= replays + 1,
             "replays counted");
    /* after the invoice changed, the replay is still the first answer */
    json_object *data, *root = assert_invoice_response(a, 201, &data);
    const char *id = json_object_get_string(json_object_object_get(data, "id"));
    http_response_t *pay = api("POST", P("/api/consumer/invoices/%s/pay", id), AC(rcv),
                               NULL, NULL, 0);
    assert_status(pay, 200);
    http_response_t *c = post_key("/api/sender/invoices", AS(s), "application/json",
                                  body, strlen(body), key);
    assert_replay(a, c);
    json_object_put(root);
    http_free(a); http_free(b); http_free(c); http_free(pay);
    free(body);
}

static void t_idem_mismatch_422(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    const char *key = new_key();
    char *b1 = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);
    char *b2 = it_create_body(rcv + 1, "application/pdf", it_pdf, it_pdf_len);
    double mismatches = metric("invoice_idempotency_mismatches_total");

    http_response_t *a = post_key("/api/sender/invoices", AS(s), "application/json",
                                  b1, strlen(b1), key);
    assert_status(a, 201);
    http_response_t *b = post_key("/api/sender/invoices", AS(s), "application/json",
                                  b2, strlen(b2), key);
    json_object *p = assert_problem(b, 422);
    it_check(strstr(b->body, "was used for a different request") != NULL, "%s", b->body);
    json_object_put(p);
    assert_int_equal(db_count_sender(s), 1);
    it_check(metric("invoice_idempotency_mismatches_total") >= mismatches + 1,
             "mismatches counted");
    http_free(a); http_free(b);
    free(b1); free(b2);
}

static void t_idem_keys_are_the_callers(void **state)
{
    (void)state;
    int s1 = it_new_id(), s2 = it_new_id(), rcv = it_new_id();
    const char *key = new_key();
    char *body = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);

    http_response_t *a = post_key("/api/sender/invoices", AS(s1), "application/json",
                                  body, strlen(body), key);
    http_response_t *b = post_key("/api/sender/invoices", AS(s2), "application/json",
                                  body, strlen(body), key);
    assert_status(a, 201);
    assert_status(b, 201);
    it_check(http_header(b, "Idempotent-Replayed") == NULL, "another caller's key replayed");
    assert_int_equal(db_count_sender(s1), 1);
    assert_int_equal(db_count_sender(s2), 1);
    http_free(a); http_free(b);
    free(body);
}

static void t_idem_bad_keys_400(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char *body = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);
    char long_key[300];
    memset(long_key, 'k', 256);
    long_key[256] = '\0';
    const char *bad[] = { "", "a b", long_key, "caf\xc3\xa9", "tab\there" };

    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        http_response_t *r = post_key("/api/sender/invoices", AS(s), "application/json",
                                      body, strlen(body), bad[i]);
        json_object *p = assert_problem(r, 400);
        json_object_put(p);
        http_free(r);
        r = post_key(P("/api/consumer/invoices/%s/pay", "0190a5c6-1e2f-7abc-8def-0123456789ab"),
                     AC(rcv), NULL, NULL, 0, bad[i]);
        p = assert_problem(r, 400);
        json_object_put(p);
        http_free(r);
    }
    assert_int_equal(db_count_sender(s), 0);
    free(body);
}

static void t_idem_validation_not_remembered(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    const char *key = new_key();
    const char *invalid = "{\"invoice\": {\"receiver_id\": 0}}";
    char *body = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);

    http_response_t *a = post_key("/api/sender/invoices", AS(s), "application/json",
                                  invalid, strlen(invalid), key);
    assert_status(a, 422);
    assert_int_equal(db_count_keys(1, s), 0);
    /* the client fixes the request and keeps the key */
    http_response_t *b = post_key("/api/sender/invoices", AS(s), "application/json",
                                  body, strlen(body), key);
    assert_status(b, 201);
    it_check(http_header(b, "Idempotent-Replayed") == NULL, "a fixed request replayed");
    http_free(a); http_free(b);
    free(body);
}

static void t_idem_concurrent_one_invoice(void **state)
{
    (void)state;
    enum { N = 50 };
    int s = it_new_id(), rcv = it_new_id();
    const char *key = new_key();
    char *body = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);
    char kh[300];
    snprintf(kh, sizeof kh, KEY_HEADER ": %s", key);
    it_req_t *qs = calloc(N, sizeof *qs);

    for (int i = 0; i < N; i++) {
        it_req(&qs[i], "POST", "/api/sender/invoices", AS(s), "application/json",
               body, strlen(body));
        qs[i].hs[2] = kh;
        qs[i].hs[3] = NULL;
    }
    http_response_t **rs = it_run_many(qs, N);
    const char *first_id = NULL;
    int created = 0, busy = 0;
    for (int i = 0; i < N; i++) {
        if (rs[i]->status == 409) {
            it_check(http_header(rs[i], "Retry-After") != NULL, "409 without Retry-After");
            busy++;
            continue;
        }
        assert_status(rs[i], 201);
        json_object *data, *root = assert_invoice_response(rs[i], 201, &data);
        const char *id = json_object_get_string(json_object_object_get(data, "id"));
        if (!first_id)
            first_id = strdup(id);
        assert_string_equal(id, first_id);
        created += http_header(rs[i], "Idempotent-Replayed") == NULL;
        json_object_put(root);
    }
    assert_int_equal(created, 1);
    assert_int_equal(db_count_sender(s), 1);
    print_message("%d concurrent: one invoice, %d replays, %d busy\n", N,
                  N - 1 - busy, busy);
    http_free_many(rs, N);
    free(qs);
    free((void *)first_id);
    free(body);
}

static void t_idem_uploads(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    const char *key = new_key();
    buf_t m1 = {0}, m2 = {0};

    mp_field(&m1, "receiver_id", P("%d", rcv));
    mp_part(&m1, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_close(&m1);
    http_response_t *a = post_key("/api/sender/uploads", AS(s), MP_CTYPE, m1.data, m1.len, key);
    assert_status(a, 201);
    /* the same fields and file in another multipart shape: the same request */
    mp_part(&m2, "file", "application/pdf", it_pdf, it_pdf_len);
    mp_field(&m2, "receiver_id", P("%d", rcv));
    mp_close(&m2);
    http_response_t *b = post_key("/api/sender/uploads", AS(s), MP_CTYPE, m2.data, m2.len, key);
    assert_replay(a, b);
    /* a raw upload under its own key */
    const char *raw_key = new_key();
    http_response_t *c = post_key(P("/api/sender/uploads?receiver_id=%d", rcv), AS(s),
                                  "application/pdf", it_pdf, it_pdf_len, raw_key);
    assert_status(c, 201);
    http_response_t *d = post_key(P("/api/sender/uploads?receiver_id=%d", rcv), AS(s),
                                  "application/pdf", it_pdf, it_pdf_len, raw_key);
    assert_replay(c, d);
    /* another receiver under that key: another request */
    http_response_t *e = post_key(P("/api/sender/uploads?receiver_id=%d", rcv + 1), AS(s),
                                  "application/pdf", it_pdf, it_pdf_len, raw_key);
    json_object_put(assert_problem(e, 422));
    assert_int_equal(db_count_sender(s), 2);
    http_free(a); http_free(b); http_free(c); http_free(d); http_free(e);
    buf_free(&m1); buf_free(&m2);
}

static void t_idem_pay(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char id[37], other[37];
    create_tiny(s, rcv, id);
    create_tiny(s, rcv, other);
    const char *path = P("/api/consumer/invoices/%s/pay", id);
    const char *k1 = new_key(), *k2 = new_key();

    http_response_t *a = post_key(path, AC(rcv), NULL, NULL, 0, k1);
    assert_status(a, 200);
    http_response_t *b = post_key(path, AC(rcv), NULL, NULL, 0, k1);
    assert_replay(a, b);                        /* the payer sees its 200 */
    http_response_t *c = post_key(path, AC(rcv), NULL, NULL, 0, k2);
    json_object_put(assert_problem(c, 409));    /* another attempt: paid */
    http_response_t *d = post_key(path, AC(rcv), NULL, NULL, 0, k2);
    assert_replay(c, d);                        /* that 409 is remembered */
    http_response_t *e = post_key(P("/api/consumer/invoices/%s/pay", other), AC(rcv),
                                  NULL, NULL, 0, k1);
    json_object_put(assert_problem(e, 422));    /* k1 was for another invoice */
    db_invoice_t inv;
    db_get_invoice(other, &inv);
    assert_false(inv.paid);
    /* a 404 is not remembered: the key stays free */
    const char *k3 = new_key();
    http_response_t *f = post_key("/api/consumer/invoices/0190a5c6-1e2f-7abc-8def-0123456789ab/pay",
                                  AC(rcv), NULL, NULL, 0, k3);
    json_object_put(assert_problem(f, 404));
    http_response_t *g = post_key(P("/api/consumer/invoices/%s/pay", other), AC(rcv),
                                  NULL, NULL, 0, k3);
    assert_status(g, 200);
    http_free(a); http_free(b); http_free(c); http_free(d); http_free(e);
    http_free(f); http_free(g);
}

static void t_idem_without_header_unchanged(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    char *body = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);

    http_response_t *a = post_key("/api/sender/invoices", AS(s), "application/json",
                                  body, strlen(body), NULL);
    http_response_t *b = post_key("/api/sender/invoices", AS(s), "application/json",
                                  body, strlen(body), NULL);
    assert_status(a, 201);
    assert_status(b, 201);
    it_check(http_header(b, "Idempotent-Replayed") == NULL, "replayed without a key");
    assert_int_equal(db_count_sender(s), 2);
    assert_int_equal(db_count_keys(1, s), 0);
    http_free(a); http_free(b);
    free(body);
}

static void t_idem_survives_postgres_restart(void **state)
{
    (void)state;
    int s = it_new_id(), rcv = it_new_id();
    const char *key = new_key();
    char *body = it_create_body(rcv, "application/pdf", it_pdf, it_pdf_len);

    http_response_t *a = post_key("/api/sender/invoices", AS(s), "application/json",
                                  body, strlen(body), key);
    assert_status(a, 201);
    run_cmd(it_env.pg_restart);
    http_response_t *b = NULL;
    for (int i = 0; i < 50; i++) {      /* the first may meet a stale connection */
        http_free(b);
        b = post_key("/api/sender/invoices", AS(s), "application/json", body,
                     strlen(body), key);
        if (b->status != 503)
            break;
        it_sleep_ms(100);
    }
    assert_replay(a, b);
    assert_int_equal(db_count_sender(s), 1);
    http_free(a); http_free(b);
    free(body);
}

const struct CMUnitTest it_tests_idempotency[] = {
    cmocka_unit_test(t_idem_create_replays),
    cmocka_unit_test(t_idem_mismatch_422),
    cmocka_unit_test(t_idem_keys_are_the_callers),
    cmocka_unit_test(t_idem_bad_keys_400),
    cmocka_unit_test(t_idem_validation_not_remembered),
    cmocka_unit_test(t_idem_concurrent_one_invoice),
    cmocka_unit_test(t_idem_uploads),
    cmocka_unit_test(t_idem_pay),
    cmocka_unit_test(t_idem_without_header_unchanged),
    cmocka_unit_test(t_idem_survives_postgres_restart),
};
IT_DEFINE_COUNT(idempotency);
