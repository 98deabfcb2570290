/* mod-invoice-files migrate: the files of existing invoices moved to
 * another store, row by row in id order.  For each row: its bytes read
 * from where the row says, written to the target and made durable there,
 * their SHA-256 checked against the row's, then the row switched to the
 * target in one statement (guarded: only while it still names the old
 * store), and only then the old copy removed.  Interrupted anywhere, every
 * row still names a store that has its file; running again finishes the
 * job, and a leftover copy is an orphan for the sweep. */
#include "tool.h"

#include <string.h>
#include <apr_strings.h>

#include "core/util/hex.h"
#include "core/util/sha256_stream.h"
#include "core/util/uuid.h"

typedef enum { MOVED, SKIPPED, FAILED } outcome_t;

/* A store rows name, opened when first met. */
typedef struct {
    tool_store_t *store;
    const char *why;                    /* why it cannot be used */
} source_t;

typedef struct {
    const tool_migrate_opts_t *opts;
    const tool_common_t *common;
    apr_pool_t *pool;
    tool_db_t db;
    tool_store_t *target;               /* NULL: PostgreSQL */
    apr_hash_t *sources;                /* name -> source_t */
    invoice_admin_move_t move;
    long taken, moved, skipped, failed;
    char after[INVOICE_UUID_LEN + 1];   /* the last row taken; "": none */
} migration_t;

/* One file on its way: read, digested, counted, written. */
typedef struct {
    apr_pool_t *pool;
    invoice_sha256_stream_t *sha;
    apr_off_t count, expected;
    const tool_store_t *to;             /* a file store, and its writer */
    void *writer;
    invoice_admin_pg_writer_t *to_pg;   /* or PostgreSQL */
    const char *why;                    /* why the sink refused */
} copy_t;

static const char *name_of(const char *store)
{
    return store ? store : "pg";
}

static outcome_t failed(const invoice_admin_row_t *row, const char *to,
                        const char *why)
{
    tool_warn("failed %s (%s -> %s): %s", row->id, name_of(row->file_store),
              to, why);
    return FAILED;
}

static outcome_t skipped(const invoice_admin_row_t *row, const char *why)
{
    tool_say("skipped %s: %s", row->id, why);
    return SKIPPED;
}

static int copy_sink(void *ctx, const char *data, apr_size_t len)
{
    copy_t *c = ctx;
    invoice_files_status_t written;
    invoice_store_status_t copied;

    if ((apr_off_t)len > c->expected - c->count) {
        c->why = "the file is longer than its row says";
        return 0;
    }
    invoice_sha256_update(c->sha, data, len);
    c->count += (apr_off_t)len;
    if (c->to_pg != NULL) {
        copied = invoice_admin_pg_put(c->to_pg, data, len);
        if (copied != INVOICE_STORE_OK) {
            c->why = apr_pstrcat(c->pool, "writing into PostgreSQL: ",
                                 tool_db_status(copied), NULL);
        }
        return copied == INVOICE_STORE_OK;
    }
    written = c->to->ops->put(c->writer, data, len, &c->why);
    if (written != INVOICE_FILES_OK) {
        c->why = apr_pstrcat(c->pool, "writing into ", c->to->name, ": ",
                             c->why ? c->why : tool_files_status(written), NULL);
    }
    return written == INVOICE_FILES_OK;
}

/* The row's bytes from src (NULL: PostgreSQL) through the copy's sink:
 * NULL, or why not. */
static const char *read_source(migration_t *m, const invoice_admin_row_t *row,
                               const tool_store_t *src, copy_t *c)
{
    const char *why = NULL;
    invoice_store_status_t st;
    invoice_files_status_t fs;

    if (src == NULL) {
        st = invoice_admin_pg_read(tool_db_store(&m->db, c->pool), row->id,
                                   row->size, copy_sink, c);
        return st == INVOICE_STORE_OK ? NULL
             : st == INVOICE_STORE_ABORTED ? c->why
             : st == INVOICE_STORE_NOT_FOUND
                 ? "its file is missing from PostgreSQL (no invoice_files row)"
             : apr_pstrcat(c->pool, "reading it from PostgreSQL: ",
                           tool_db_status(st), NULL);
    }
    fs = src->ops->read(src->state, c->pool, row->id, 0, row->size, copy_sink,
                        c, &why);
    return fs == INVOICE_FILES_OK ? NULL
         : fs == INVOICE_FILES_ABORTED ? c->why
         : fs == INVOICE_FILES_NOT_FOUND
             ? apr_pstrcat(c->pool, "its file is missing from ", src->name, NULL)
         : apr_pstrcat(c->pool, "reading it from ", src->name, ": ",
                       why ? why : tool_files_status(fs), NULL);
}

/* What was read against the row: NULL when it is the same file. */
static const char *verify(copy_t *c, const invoice_admin_row_t *row,
                          unsigned char digest[INVOICE_SHA256_LEN])
{
    char got[2 * INVOICE_SHA256_LEN + 1], want[2 * INVOICE_SHA256_LEN + 1];

    invoice_sha256_end(c->sha, digest);
    if (c->count != row->size) {
        return apr_psprintf(c->pool, "%" APR_OFF_T_FMT " bytes read, its row "
                            "says %" APR_OFF_T_FMT, c->count, row->size);
    }
    if (memcmp(digest, row->sha256, INVOICE_SHA256_LEN) == 0) {
        return NULL;
    }
    invoice_hex_encode(digest, INVOICE_SHA256_LEN, got);
    invoice_hex_encode(row->sha256, INVOICE_SHA256_LEN, want);
    return apr_psprintf(c->pool, "SHA-256 mismatch: the bytes read hash to "
                        "%s, the row says %s; refused, the row and its file "
                        "are left as they are", got, want);
}

/* After the row's switch: the old copy goes (best effort). */
static void remove_old(const invoice_admin_row_t *row, const tool_store_t *src,
                       apr_pool_t *p)
{
    const char *why = NULL;
    invoice_files_status_t st;

    if (src == NULL) {
        return;     /* its invoice_files row went with the switch */
    }
    st = src->ops->remove(src->state, p, row->id, &why);
    if (st != INVOICE_FILES_OK && st != INVOICE_FILES_NOT_FOUND) {
        tool_warn("%s: its old copy in %s stays, an orphan for the sweep: %s",
                  row->id, src->name, why ? why : tool_files_status(st));
    }
}

/* Into a file store: the file durable there before the row names it. */
static outcome_t to_files(migration_t *m, const invoice_admin_row_t *row,
                          const tool_store_t *src, apr_pool_t *p)
{
    const tool_store_t *to = m->target;
    copy_t c = { p, invoice_sha256_begin(p), 0, row->size, to };
    unsigned char digest[INVOICE_SHA256_LEN];
    const char *why = NULL;
    invoice_files_status_t fs = to->ops->begin(to->state, p, row->id,
                                               &c.writer, &why);
    invoice_store_status_t switched;

    if (fs != INVOICE_FILES_OK) {
        return failed(row, to->name, apr_pstrcat(p, "cannot write into it: ",
                      why ? why : tool_files_status(fs), NULL));
    }
    why = read_source(m, row, src, &c);
    if (why == NULL) {
        why = verify(&c, row, digest);
    }
    if (why == NULL
        && (fs = to->ops->commit(c.writer, digest, row->size, &why)) != INVOICE_FILES_OK) {
        why = apr_pstrcat(p, "cannot store it: ",
                          why ? why : tool_files_status(fs), NULL);
    }
    if (why != NULL) {
        to->ops->abort(c.writer);
        return failed(row, to->name, why);
    }
    switched = invoice_admin_moved(tool_db_store(&m->db, p), row->id,
                                   row->file_store, to->name);
    if (switched == INVOICE_STORE_NOT_FOUND) {
        return skipped(row, "its row no longer names its old store (deleted "
                       "or moved meanwhile): the copy just written stays; if "
                       "no row names it, the sweep removes it");
    }
    if (switched != INVOICE_STORE_OK) {
        return failed(row, to->name, apr_pstrcat(p, "cannot switch its row (",
                      tool_db_status(switched), "): both copies are kept", NULL));
    }
    remove_old(row, src, p);
    return MOVED;
}

/* Into PostgreSQL: the row's switch and the bytes in one transaction,
 * committed only when the bytes check out. */
static outcome_t to_pg(migration_t *m, const invoice_admin_row_t *row,
                       const tool_store_t *src, apr_pool_t *p)
{
    copy_t c = { p, invoice_sha256_begin(p), 0, row->size };
    unsigned char digest[INVOICE_SHA256_LEN];
    const char *why;
    invoice_store_status_t status = invoice_admin_pg_begin(
        tool_db_store(&m->db, p), row->id, row->file_store, row->size, &c.to_pg);

    if (status == INVOICE_STORE_NOT_FOUND) {
        return skipped(row, "its row changed meanwhile (deleted or moved)");
    }
    if (status != INVOICE_STORE_OK) {
        return failed(row, "pg", tool_db_status(status));
    }
    why = read_source(m, row, src, &c);
    if (why == NULL) {
        why = verify(&c, row, digest);
    }
    status = invoice_admin_pg_end(c.to_pg, why == NULL);
    if (why != NULL) {
        return failed(row, "pg", why);
    }
    if (status != INVOICE_STORE_OK) {
        return failed(row, "pg", apr_pstrcat(p, "cannot commit (",
                      tool_db_status(status), "): the old copy is kept", NULL));
    }
    remove_old(row, src, p);
    return MOVED;
}

/* The store a row names, opened once: NULL (*out NULL for PostgreSQL),
 * or why it cannot be used. */
static const char *source_of(migration_t *m, const char *name,
                             const tool_store_t **out)
{
    source_t *s;

    *out = NULL;
    if (name == NULL) {
        return NULL;
    }
    s = apr_hash_get(m->sources, name, APR_HASH_KEY_STRING);
    if (s == NULL) {
        s = apr_pcalloc(m->pool, sizeof(*s));
        s->why = tool_store_open(m->pool, name, &m->common->files, &s->store);
        apr_hash_set(m->sources, apr_pstrdup(m->pool, name),
                     APR_HASH_KEY_STRING, s);
    }
    *out = s->store;
    return s->why;
}

static outcome_t move_row(migration_t *m, const invoice_admin_row_t *row,
                          apr_pool_t *p)
{
    const char *to = name_of(m->move.to);
    const tool_store_t *src;
    const char *why = source_of(m, row->file_store, &src);
    outcome_t outcome;

    if (why != NULL) {
        return failed(row, to, why);
    }
    if (src != NULL && m->target != NULL
        && tool_store_same_place(p, src->name, m->target->name)) {
        return failed(row, to, "its store and the target are one place "
                      "under two names: nothing to move");
    }
    if (src == NULL && m->target == NULL) {
        return skipped(row, "already in PostgreSQL");
    }
    outcome = m->target ? to_files(m, row, src, p) : to_pg(m, row, src, p);
    if (outcome == MOVED) {
        tool_say("moved %s: %s -> %s (%" APR_OFF_T_FMT " bytes)", row->id,
                 name_of(row->file_store), to, row->size);
    }
    return outcome;
}

/* The next page of rows to move (NULL when the limit is reached): 0 when
 * the database failed. */
static int next_page(migration_t *m, apr_pool_t *p, apr_array_header_t **rows)
{
    long want = m->opts->batch;
    invoice_store_status_t status;

    *rows = NULL;
    if (m->opts->limit > 0 && m->opts->limit - m->taken < want) {
        want = m->opts->limit - m->taken;
    }
    if (want <= 0) {
        return 1;
    }
    status = invoice_admin_rows(tool_db_store(&m->db, p), &m->move,
                                m->after[0] ? m->after : NULL, (int)want, rows);
    if (status != INVOICE_STORE_OK) {
        tool_warn("cannot list the rows to move: %s", tool_db_status(status));
        return 0;
    }
    return 1;
}

static void tally(migration_t *m, outcome_t outcome)
{
    m->moved += outcome == MOVED;
    m->skipped += outcome == SKIPPED;
    m->failed += outcome == FAILED;
}

/* Page after page, row after row: 0 when the database failed. */
static int run(migration_t *m)
{
    apr_pool_t *page_pool, *row_pool;
    apr_array_header_t *rows;

    apr_pool_create(&page_pool, m->pool);
    apr_pool_create(&row_pool, m->pool);
    for (;;) {
        apr_pool_clear(page_pool);
        if (!next_page(m, page_pool, &rows)) {
            return 0;
        }
        if (rows == NULL || rows->nelts == 0) {
            return 1;
        }
        for (int i = 0; i < rows->nelts; i++) {
            const invoice_admin_row_t *row =
                &APR_ARRAY_IDX(rows, i, invoice_admin_row_t);
            const char *why;

            apr_pool_clear(row_pool);
            if ((why = tool_db_keep_lock(&m->db, row_pool)) != NULL) {
                tool_warn("%s", why);
                return 0;
            }
            tally(m, move_row(m, row, row_pool));
            apr_cpystrn(m->after, row->id, sizeof(m->after));
            m->taken++;
            if (m->opts->pause > 0) {
                apr_sleep(m->opts->pause);
            }
        }
        tool_say("progress: %ld moved, %ld skipped, %ld failed (up to %s)",
                 m->moved, m->skipped, m->failed, m->after);
    }
}

/* The target opened and checked, the database connected and locked. */
static const char *prepare(migration_t *m)
{
    const tool_migrate_opts_t *o = m->opts;
    const tool_store_t *from;
    const char *why = NULL, *reason = NULL;
    invoice_files_status_t fs;

    m->move.to = tool_store_is_pg(o->to) ? NULL : o->to;
    m->move.only_from = o->from != NULL;
    m->move.from = o->from && !tool_store_is_pg(o->from) ? o->from : NULL;
    if (m->move.to != NULL) {
        why = tool_store_open(m->pool, m->move.to, &m->common->files, &m->target);
    }
    if (why == NULL && m->target != NULL) {
        why = tool_store_writable(m->pool, m->target);
    }
    if (why == NULL && m->target != NULL
        && (fs = m->target->ops->check(m->target->state, m->pool, &reason))
               != INVOICE_FILES_OK) {
        why = apr_pstrcat(m->pool, "cannot write into ", m->target->name, ": ",
                          reason ? reason : tool_files_status(fs), NULL);
    }
    if (why == NULL && m->move.from != NULL) {
        why = source_of(m, m->move.from, &from);
    }
    return why ? why : tool_db_open_locked(m->pool, m->common, &m->db);
}

int tool_migrate(apr_pool_t *p, const tool_common_t *common,
                 const tool_migrate_opts_t *opts)
{
    migration_t m = { opts, common, p };
    const char *why;
    int completed;

    m.sources = apr_hash_make(p);
    why = prepare(&m);
    if (why != NULL) {
        tool_warn("%s", why);
        return TOOL_EXIT_FAILURES;
    }
    tool_say("migrating files to %s%s%s (--batch %d)", name_of(m.move.to),
             opts->from ? " from " : "", opts->from ? opts->from : "",
             opts->batch);
    completed = run(&m);
    tool_say("migrate to %s: %ld moved, %ld skipped, %ld failed%s",
             name_of(m.move.to), m.moved, m.skipped, m.failed,
             completed ? "" : " (stopped early: see above)");
    tool_db_close(&m.db);
    return completed && m.failed == 0 ? TOOL_EXIT_OK : TOOL_EXIT_FAILURES;
}
