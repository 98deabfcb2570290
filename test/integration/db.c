#define _POSIX_C_SOURCE 200809L
#include "db.h"
#include "util.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static PGconn *connect_db(const char *file, int line)
{
    PGconn *c = PQconnectdb(it_env.pg_dsn);
    if (PQstatus(c) != CONNECTION_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        PQfinish(c);
        it_fail(file, line, "cannot connect to PostgreSQL (%s): %s",
                it_env.pg_dsn, msg);
    }
    return c;
}

/* Run a one-parameter query; fails the test unless it returns tuples. */
static PGresult *query1(PGconn *c, const char *sql, const char *param,
                        int binary, const char *file, int line)
{
    const char *params[1] = {param};
    PGresult *res = PQexecParams(c, sql, 1, NULL, params, NULL, NULL, binary);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        PQclear(res);
        PQfinish(c);
        it_fail(file, line, "query failed: %s: %s", sql, msg);
    }
    return res;
}

long it_db_count_sender(int sender, const char *file, int line)
{
    PGconn *c = connect_db(file, line);
    char p[16];
    snprintf(p, sizeof p, "%d", sender);
    PGresult *res = query1(c, "SELECT count(*) FROM invoices WHERE sender_id = $1",
                           p, 0, file, line);
    long n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    PQfinish(c);
    return n;
}

long it_db_count_keys(int role, int caller, const char *file, int line)
{
    PGconn *c = connect_db(file, line);
    char p[32];
    snprintf(p, sizeof p, "%d.%d", role, caller);
    PGresult *res = query1(c, "SELECT count(*) FROM idempotency_keys WHERE "
                           "role = split_part($1, '.', 1)::int2 AND "
                           "caller = split_part($1, '.', 2)::int4", p, 0, file, line);
    long n = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    PQfinish(c);
    return n;
}

void it_db_get_invoice(const char *id, db_invoice_t *out, const char *file,
                       int line)
{
    memset(out, 0, sizeof *out);
    PGconn *c = connect_db(file, line);
    PGresult *res = query1(c,
        "SELECT sender_id, receiver_id, file_type, file_size, is_payable, "
        "paid_at IS NOT NULL, coalesce(encode(file_sha256, 'hex'), '') "
        "FROM invoices WHERE id = $1::uuid", id, 0, file, line);
    if (PQntuples(res) == 1) {
        out->found = 1;
        out->sender_id = atoi(PQgetvalue(res, 0, 0));
        out->receiver_id = atoi(PQgetvalue(res, 0, 1));
        snprintf(out->file_type, sizeof out->file_type, "%s", PQgetvalue(res, 0, 2));
        out->file_size = strtol(PQgetvalue(res, 0, 3), NULL, 10);
        out->is_payable = PQgetvalue(res, 0, 4)[0] == 't';
        out->paid = PQgetvalue(res, 0, 5)[0] == 't';
        snprintf(out->sha256_hex, sizeof out->sha256_hex, "%s", PQgetvalue(res, 0, 6));
    }
    PQclear(res);
    PQfinish(c);
}

/* The whole of a local file (malloc'd), or NULL. */
static unsigned char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *out = NULL;
    long n;

    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0
        && fseek(f, 0, SEEK_SET) == 0 && (out = malloc((size_t)n + 1)) != NULL
        && fread(out, 1, (size_t)n, f) == (size_t)n) {
        *len = (size_t)n;
    }
    else {
        free(out);
        out = NULL;
    }
    if (f)
        fclose(f);
    return out;
}

/* A file in the file: store DIR: DIR/<last two characters of id>/<id>. */
static unsigned char *from_dir(const char *dir, const char *id, size_t *len)
{
    char path[4096];
    size_t n = strlen(id);

    snprintf(path, sizeof path, "%s/%s/%s", dir, id + (n >= 2 ? n - 2 : 0), id);
    return slurp(path, len);
}

unsigned char *it_db_get_file(const char *id, size_t *len, const char *file,
                              int line)
{
    PGconn *c = connect_db(file, line);
    PGresult *res = query1(c,
        "SELECT i.file_store, f.content FROM invoices i "
        "LEFT JOIN invoice_files f ON f.invoice_id = i.id WHERE i.id = $1::uuid",
        id, 1, file, line);
    unsigned char *out = NULL;
    *len = 0;
    if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 1)) {
        *len = (size_t)PQgetlength(res, 0, 1);
        out = malloc(*len + 1);
        if (!out)
            abort();
        memcpy(out, PQgetvalue(res, 0, 1), *len);
    }
    else if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 0)) {
        const char *store = PQgetvalue(res, 0, 0);
        if (strncmp(store, "file:", 5) == 0)
            out = from_dir(store + 5, id, len);
        else if (strncmp(store, "s3:", 3) == 0)
            out = it_s3_get(store + 3, id, len);
    }
    PQclear(res);
    PQfinish(c);
    return out;
}

void it_db_assert_invoice(const char *id, int sender, int receiver,
                          const char *ftype, const unsigned char *bytes,
                          size_t len, const char *file, int line)
{
    db_invoice_t row;
    it_db_get_invoice(id, &row, file, line);
    if (!row.found)
        it_fail(file, line, "no invoices row for %s", id);
    if (row.sender_id != sender || row.receiver_id != receiver ||
        strcmp(row.file_type, ftype) != 0 || row.file_size != (long)len)
        it_fail(file, line, "invoices row %s is (sender %d, receiver %d, %s, "
                "%ld bytes), expected (%d, %d, %s, %zu)", id, row.sender_id,
                row.receiver_id, row.file_type, row.file_size, sender,
                receiver, ftype, len);
    char sha[65];
    it_sha256_hex(bytes, len, sha);
    if (strcmp(row.sha256_hex, sha) != 0)
        it_fail(file, line, "invoices.file_sha256 of %s is \"%s\", expected %s",
                id, row.sha256_hex, sha);
    size_t got_len;
    unsigned char *got = it_db_get_file(id, &got_len, file, line);
    if (!got)
        it_fail(file, line, "no file for %s (in invoice_files or its store)", id);
    if (got_len != len || memcmp(got, bytes, len) != 0) {
        free(got);
        it_fail(file, line, "invoice_files.content of %s differs from the "
                "bytes sent (%zu stored, %zu sent)", id, got_len, len);
    }
    free(got);
}
