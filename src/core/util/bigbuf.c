/* Mapped buffers for whole files.  See bigbuf.h. */
#define _DEFAULT_SOURCE     /* MAP_ANONYMOUS */
#include "core/util/bigbuf.h"

#include <string.h>
#include <sys/mman.h>

typedef struct {
    void *addr;
    apr_size_t size;
} mapping_t;

static apr_status_t unmap(void *data)
{
    mapping_t *m = data;

    if (m->addr != NULL) {
        munmap(m->addr, m->size);
        m->addr = NULL;
    }
    return APR_SUCCESS;
}

void *invoice_bigbuf_alloc(apr_pool_t *p, apr_size_t size)
{
    mapping_t *m;

    if (size < INVOICE_BIGBUF_MAP_FROM) {
        return apr_palloc(p, size);
    }
    m = apr_palloc(p, sizeof(*m));
    m->size = size;
    m->addr = mmap(NULL, size, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m->addr == MAP_FAILED) {
        return NULL;
    }
    apr_pool_cleanup_register(p, m, unmap, apr_pool_cleanup_null);
    return m->addr;
}

void *invoice_bigbuf_grow(apr_pool_t *p, void *buf, apr_size_t used,
                          apr_size_t *cap, apr_size_t need)
{
    void *bigger;

    while (*cap < need) {
        *cap *= 2;
    }
    bigger = invoice_bigbuf_alloc(p, *cap);
    if (bigger == NULL) {
        return NULL;
    }
    memcpy(bigger, buf, used);
    return bigger;  /* the old buffer goes with the pool */
}
