/* Processes and time for the fault tests: the clock, sleeping, files,
 * pids, the children and connections of a process, and the two faults the
 * tests inject (PostgreSQL SIGKILLed, a busy Apache child SIGKILLed). */
#ifndef INVOICE_FAULTS_PROC_H
#define INVOICE_FAULTS_PROC_H

#include <stddef.h>

/* Monotonic seconds. */
double now_s(void);
void sleep_ms(long ms);

/* The whole file (malloc'd, NUL-terminated), or NULL. */
void *read_file(const char *path, size_t *len);

/* The pid in a pid file, or -1. */
long read_pid(const char *path);

/* The Apache parent's pid (httpd_dir/httpd.pid), or -1. */
long httpd_pid(const char *httpd_dir);

/* A live (non-zombie) process? */
int alive(long pid);

/* Children of parent: how many, their pids in out[0..max). */
int children_of(long parent, long *out, int max);

/* Established connections to the local port held by process pid. */
int connections_of(long pid, int port);

/* SIGKILL the postmaster of the cluster in pg_dir (pg.sh's layout), keep it
 * down down_ms, and wait for its orphaned backends to go: 0, or -1. */
int kill_postgres(const char *pg_dir, long down_ms);

/* Of parent's children, the one holding the most connections to port
 * (polled up to 3 s for one holding any): *child, and its connections. */
int busiest_child(long parent, int port, long *child);

#endif
