/* S3's XML answers.  See s3_xml.h. */
#include "store/files/s3_xml.h"

#include <string.h>
#include <apr_strings.h>
#include <apr_xml.h>

#define MAX_MESSAGE 300     /* bytes of an S3 message kept for a log */

static apr_xml_doc *parse(apr_pool_t *p, const char *body, apr_size_t len,
                          const char **why)
{
    apr_xml_parser *parser = apr_xml_parser_create(p);
    apr_xml_doc *doc = NULL;
    char err[200];

    if (parser == NULL) {
        *why = "cannot make an XML parser";
        return NULL;
    }
    if (apr_xml_parser_feed(parser, body, len) != APR_SUCCESS
        || apr_xml_parser_done(parser, &doc) != APR_SUCCESS || doc == NULL
        || doc->root == NULL) {
        *why = apr_pstrdup(p, apr_xml_parser_geterror(parser, err,
                                                      sizeof(err)));
        return NULL;
    }
    return doc;
}

static const apr_xml_elem *child(const apr_xml_elem *e, const char *name)
{
    for (const apr_xml_elem *c = e->first_child; c != NULL; c = c->next) {
        if (strcmp(c->name, name) == 0) {
            return c;
        }
    }
    return NULL;
}

/* The text of an element with no children (entities decoded). */
static const char *text_of(apr_pool_t *p, const apr_xml_elem *e)
{
    const apr_text *t = e != NULL ? e->first_cdata.first : NULL;
    const char *s;

    if (t == NULL) {
        return e != NULL ? "" : NULL;
    }
    for (s = t->text, t = t->next; t != NULL; t = t->next) {
        s = apr_pstrcat(p, s, t->text, NULL);
    }
    return s;
}

/* One line of printable text, cut at a character boundary. */
static const char *for_log(apr_pool_t *p, const char *text)
{
    size_t n = strlen(text);
    char *s;

    if (n > MAX_MESSAGE) {
        n = MAX_MESSAGE;
        while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80) {
            n--;                /* inside a UTF-8 sequence */
        }
    }
    s = apr_pstrmemdup(p, text, n);
    for (char *c = s; *c; c++) {
        if ((unsigned char)*c < ' ' || *c == 0x7f) {
            *c = ' ';
        }
    }
    return s;
}

void invoice_s3_xml_error(apr_pool_t *p, const char *body, apr_size_t len,
                          const char **code, const char **message)
{
    const char *why;
    apr_xml_doc *doc = len > 0 ? parse(p, body, len, &why) : NULL;
    const char *c = NULL, *m = NULL;

    if (doc != NULL && strcmp(doc->root->name, "Error") == 0) {
        c = text_of(p, child(doc->root, "Code"));
        m = text_of(p, child(doc->root, "Message"));
    }
    *code = c != NULL && c[0] != '\0' ? for_log(p, c) : NULL;
    *message = m != NULL && m[0] != '\0' ? for_log(p, m) : NULL;
}

const char *invoice_s3_xml_list_page(apr_pool_t *p, const char *body,
                                     apr_size_t len,
                                     invoice_s3_list_page_t *out)
{
    const char *why = NULL, *truncated;
    apr_xml_doc *doc = parse(p, body, len, &why);

    if (doc == NULL) {
        return apr_psprintf(p, "unreadable listing: %s", why);
    }
    if (strcmp(doc->root->name, "ListBucketResult") != 0) {
        return apr_psprintf(p, "a <%s> where a listing was expected",
                            doc->root->name);
    }
    out->objects = apr_array_make(p, 64, sizeof(invoice_s3_object_t));
    for (const apr_xml_elem *c = doc->root->first_child; c; c = c->next) {
        invoice_s3_object_t *o;
        const char *when;

        if (strcmp(c->name, "Contents") != 0) {
            continue;
        }
        o = apr_array_push(out->objects);
        o->key = text_of(p, child(c, "Key"));
        when = text_of(p, child(c, "LastModified"));
        if (o->key == NULL || when == NULL
            || !invoice_s3_parse_time(when, &o->last_modified)) {
            return "a listed object without a Key or a LastModified time";
        }
    }
    truncated = text_of(p, child(doc->root, "IsTruncated"));
    out->next_token = text_of(p, child(doc->root, "NextContinuationToken"));
    if (truncated == NULL || strcmp(truncated, "true") != 0) {
        out->next_token = NULL;
    } else if (out->next_token == NULL || out->next_token[0] == '\0') {
        return "a listing that goes on without a NextContinuationToken";
    }
    return NULL;
}

/* The value of n decimal digits, or -1. */
static int digits(const char *s, int n)
{
    int v = 0;

    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return -1;
        }
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

/* ".fff...Z" or "Z": the microseconds, or -1. */
static int fraction_then_z(const char *s)
{
    int usec = 0, scale = 100000;

    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++) {
            usec += (*s - '0') * scale;
            scale /= 10;
        }
    }
    return strcmp(s, "Z") == 0 ? usec : -1;
}

int invoice_s3_parse_time(const char *s, apr_time_t *out)
{
    apr_time_exp_t t;

    if (strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T'
        || s[13] != ':' || s[16] != ':') {
        return 0;
    }
    memset(&t, 0, sizeof(t));
    t.tm_year = digits(s, 4) - 1900;
    t.tm_mon = digits(s + 5, 2) - 1;
    t.tm_mday = digits(s + 8, 2);
    t.tm_hour = digits(s + 11, 2);
    t.tm_min = digits(s + 14, 2);
    t.tm_sec = digits(s + 17, 2);
    t.tm_usec = fraction_then_z(s + 19);
    if (t.tm_year < 70 || t.tm_mon < 0 || t.tm_mon > 11 || t.tm_mday < 1
        || t.tm_mday > 31 || t.tm_hour < 0 || t.tm_hour > 23 || t.tm_min < 0
        || t.tm_min > 59 || t.tm_sec < 0 || t.tm_sec > 60 || t.tm_usec < 0) {
        return 0;
    }
    return apr_time_exp_gmt_get(out, &t) == APR_SUCCESS;
}
