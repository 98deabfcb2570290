/* A cmocka group fixture giving each test file one APR pool. */
#ifndef MOD_INVOICE_UNIT_POOL_H
#define MOD_INVOICE_UNIT_POOL_H

#include <apr_general.h>
#include <apr_pools.h>

static apr_pool_t *pool;

static int setup(void **state)
{
    (void)state;
    apr_initialize();
    return apr_pool_create(&pool, NULL);
}

static int teardown(void **state)
{
    (void)state;
    apr_pool_destroy(pool);
    apr_terminate();
    return 0;
}

#endif
