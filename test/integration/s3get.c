/* Reading an object of an s3: file store straight from the bucket (for the
 * checks of what was stored), signed with libcurl's SigV4 and the keys the
 * module got: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION. */
#include "db.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    unsigned char *data;
    size_t len;
} got_t;

static size_t on_bytes(char *p, size_t sz, size_t n, void *ud)
{
    got_t *g = ud;
    unsigned char *more = realloc(g->data, g->len + sz * n + 1);

    if (!more)
        return 0;
    g->data = more;
    memcpy(g->data + g->len, p, sz * n);
    g->len += sz * n;
    return sz * n;
}

static const char *env_or(const char *name, const char *fallback)
{
    const char *v = getenv(name);
    return v && *v ? v : fallback;
}

unsigned char *it_s3_get(const char *base, const char *key, size_t *len)
{
    char url[4096], sigv4[128], userpwd[512];
    struct curl_slist *h = curl_slist_append(NULL,
        "x-amz-content-sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    got_t g = { NULL, 0 };
    long status = 0;
    CURL *c = curl_easy_init();

    snprintf(url, sizeof url, "%s/%s", base, key);
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", env_or("AWS_REGION", "us-east-1"));
    snprintf(userpwd, sizeof userpwd, "%s:%s", env_or("AWS_ACCESS_KEY_ID", ""),
             env_or("AWS_SECRET_ACCESS_KEY", ""));
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4);
    curl_easy_setopt(c, CURLOPT_USERPWD, userpwd);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_bytes);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &g);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
    if (curl_easy_perform(c) != CURLE_OK
        || curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK
        || status != 200) {
        free(g.data);
        g.data = NULL;
        g.len = 0;
    }
    curl_easy_cleanup(c);
    curl_slist_free_all(h);
    *len = g.len;
    return g.data;
}
