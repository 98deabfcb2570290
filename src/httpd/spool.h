/* Response bodies spooled to an unlinked temporary file, to be sent from
 * there with sendfile (a file bucket): the event MPM then finishes writing to a slow
 * client by itself, and the handler's thread (and the database
 * connection the bytes came from) is free at once.  Bytes kept in memory
 * above FlushMaxThreshold (64 KiB) would instead hold the thread until
 * the client read them all or Timeout passed. */
#ifndef MOD_INVOICE_HTTPD_SPOOL_H
#define MOD_INVOICE_HTTPD_SPOOL_H

#include <httpd.h>
#include <apr_file_io.h>

/* Bodies up to this size go from memory (the MPM sets them aside). */
#define INVOICE_SPOOL_ABOVE (64 * 1024)

typedef struct {
    request_rec *r;
    apr_file_t *file;
    apr_off_t len;
    apr_status_t error;     /* the first write's failure */
} invoice_spool_t;

/** A new spool in the temporary directory, living as long as r (0 when
 *  no file could be made: logged). */
int invoice_spool_open(request_rec *r, invoice_spool_t *sp);

/** Append bytes (an invoice_store_sink_fn: 0 when the write failed). */
int invoice_spool_write(void *sp, const char *data, apr_size_t len);

#endif
