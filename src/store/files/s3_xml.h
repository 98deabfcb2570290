/* What S3 answers in XML, read with apr-util's XML parser (expat): an
 * error's Code and Message, and a page of ListObjectsV2.  Pure code. */
#ifndef MOD_INVOICE_STORE_FILES_S3_XML_H
#define MOD_INVOICE_STORE_FILES_S3_XML_H

#include <apr_pools.h>
#include <apr_tables.h>
#include <apr_time.h>

/** The Code and Message of an S3 <Error> document; NULL each when the
 *  body is not one (a HEAD, a proxy's HTML page).  The message is cut to
 *  a line of printable text, fit for a log. */
void invoice_s3_xml_error(apr_pool_t *p, const char *body, apr_size_t len,
                          const char **code, const char **message);

typedef struct {
    const char *key;                /* the whole object key */
    apr_time_t last_modified;
} invoice_s3_object_t;

typedef struct {
    apr_array_header_t *objects;    /* of invoice_s3_object_t */
    const char *next_token;         /* NULL: the last page */
} invoice_s3_list_page_t;

/** A ListBucketResult; NULL, or why it is not one. */
const char *invoice_s3_xml_list_page(apr_pool_t *p, const char *body,
                                     apr_size_t len,
                                     invoice_s3_list_page_t *out);

/** S3's time format (ISO 8601 in UTC: 2024-01-31T12:00:00.000Z) into
 *  *out; 0 when text is not one. */
int invoice_s3_parse_time(const char *text, apr_time_t *out);

#endif
