/* json-c trees owned by an APR pool: a tree handed to invoice_json_own is
 * released (json_object_put) when the pool goes, so no code path has to
 * remember to free it.  Pure code. */
#ifndef MOD_INVOICE_CORE_UTIL_JSON_H
#define MOD_INVOICE_CORE_UTIL_JSON_H

#include <json-c/json.h>
#include <apr_pools.h>

/** Tie obj's lifetime to p; returns obj (NULL stays NULL). */
json_object *invoice_json_own(apr_pool_t *p, json_object *obj);

/** obj[key], or NULL when absent. */
json_object *invoice_json_member(json_object *obj, const char *key);

/** The compact text of obj (no slash escaping), copied into p. */
const char *invoice_json_text(apr_pool_t *p, json_object *obj, apr_size_t *len);

/** s as a JSON string literal, quotes included, with what JSON requires
 *  escaped (quote, backslash, control characters); s is valid UTF-8. */
const char *invoice_json_quote(apr_pool_t *p, const char *s);

#endif
