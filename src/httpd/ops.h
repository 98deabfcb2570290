/* Operations endpoints, wherever the operator places them: Prometheus
 * metrics (SetHandler invoice-metrics) with the mod_status section, and
 * health (SetHandler invoice-health: /healthz liveness, /readyz
 * readiness). */
#ifndef MOD_INVOICE_HTTPD_OPS_H
#define MOD_INVOICE_HTTPD_OPS_H

#include <httpd.h>

/** The invoice-metrics handler; returns DONE. */
int invoice_ops_metrics(request_rec *r);

/** mod_status's status_hook: the key counters. */
int invoice_ops_status_hook(request_rec *r, int flags);

/** The invoice-health handler: liveness at a path ending in /healthz,
 *  readiness (a pooled connection answers, the diagnosis found nothing
 *  wrong) at one ending in /readyz, 404 elsewhere; returns DONE. */
int invoice_ops_health(request_rec *r);

#endif
