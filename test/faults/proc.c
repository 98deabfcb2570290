/* Processes and time for the fault tests.  See proc.h. */
#define _GNU_SOURCE
#include "proc.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>


double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void sleep_ms(long ms)
{
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

void *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 65536, n = 0;
    unsigned char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
        n += got;
        if (n == cap) {
            unsigned char *nb = realloc(buf, (cap *= 2) + 1);
            if (!nb) {
                free(buf);
                buf = NULL;
            }
            buf = nb;
        }
    }
    fclose(f);
    if (buf) {
        buf[n] = '\0';
        *len = n;
    }
    return buf;
}

long read_pid(const char *path)
{
    FILE *f = fopen(path, "r");
    long pid = -1;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = -1;
        fclose(f);
    }
    return pid;
}

long httpd_pid(const char *httpd_dir)
{
    char pidfile[1024];
    snprintf(pidfile, sizeof pidfile, "%s/httpd.pid", httpd_dir);
    return read_pid(pidfile);
}

/* Live (non-zombie) process?  A zombie has released its resources. */
int alive(long pid)
{
    char path[64], line[256];
    snprintf(path, sizeof path, "/proc/%ld/status", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    int live = 1;
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, "State:", 6) == 0) {
            live = strchr(line, 'Z') == NULL && strchr(line, 'X') == NULL;
            break;
        }
    }
    fclose(f);
    return live;
}

/* Children of parent (from /proc/<pid>/status PPid); returns how many. */
int children_of(long parent, long *out, int max)
{
    DIR *d = opendir("/proc");
    struct dirent *e;
    int n = 0;
    if (!d)
        return 0;
    while ((e = readdir(d)) != NULL && n < max) {
        if (!isdigit((unsigned char)e->d_name[0]))
            continue;
        char path[300], line[256];
        snprintf(path, sizeof path, "/proc/%s/status", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f)
            continue;
        long ppid = -1;
        while (fgets(line, sizeof line, f))
            if (sscanf(line, "PPid: %ld", &ppid) == 1)
                break;
        fclose(f);
        if (ppid == parent)
            out[n++] = strtol(e->d_name, NULL, 10);
    }
    closedir(d);
    return n;
}

/* Established TCP connections to the local port held by process pid: from
 * /proc/net/tcp (state 01, local port) and the socket inodes of its fds. */
int connections_of(long pid, int port)
{
    unsigned long inodes[4096];
    int ninodes = 0, count = 0;
    char line[512];
    FILE *f = fopen("/proc/net/tcp", "r");
    if (!f)
        return 0;
    while (fgets(line, sizeof line, f) && ninodes < 4096) {
        unsigned lport, st;
        unsigned long inode;
        if (sscanf(line, " %*d: %*x:%x %*x:%*x %x %*x:%*x %*x:%*x %*x %*u %*d %lu",
                   &lport, &st, &inode) == 3 && (int)lport == port && st == 1)
            inodes[ninodes++] = inode;
    }
    fclose(f);
    char dir[64];
    snprintf(dir, sizeof dir, "/proc/%ld/fd", pid);
    DIR *d = opendir(dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        char path[400], target[64];
        unsigned long inode;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        ssize_t n = readlink(path, target, sizeof target - 1);
        if (n <= 0)
            continue;
        target[n] = '\0';
        if (sscanf(target, "socket:[%lu]", &inode) == 1)
            for (int i = 0; i < ninodes; i++)
                count += inodes[i] == inode;
    }
    if (d)
        closedir(d);
    return count;
}

int kill_postgres(const char *pg_dir, long down_ms)
{
    char pidfile[1024];
    long kids[256], pm;
    int nkids, left;

    snprintf(pidfile, sizeof pidfile, "%s/data/postmaster.pid", pg_dir);
    pm = read_pid(pidfile);
    if (pm <= 0)
        return -1;
    nkids = children_of(pm, kids, 256);
    if (kill((pid_t)pm, SIGKILL) != 0)
        return -1;
    fprintf(stderr, "faults: SIGKILLed postmaster %ld (%d children)\n", pm, nkids);
    sleep_ms(down_ms);
    /* Orphaned backends notice the postmaster's death and exit; a new
     * postmaster refuses to start while they still hold shared memory. */
    double deadline = now_s() + 30;
    do {
        left = alive(pm);
        for (int i = 0; i < nkids; i++)
            left += alive(kids[i]);
        if (left)
            sleep_ms(100);
    } while (left && now_s() < deadline);
    if (left) {
        fprintf(stderr, "faults: %d PostgreSQL processes outlived the postmaster by 30 s; "
                "SIGKILLing them\n", left);
        for (int i = 0; i < nkids; i++)
            if (alive(kids[i]))
                kill((pid_t)kids[i], SIGKILL);
        sleep_ms(1000);
    }
    return 0;
}

int busiest_child(long parent, int port, long *child)
{
    long kids[64];
    int n = children_of(parent, kids, 64), conns = -1;
    /* The child holding the most client connections, caught at a moment
     * when one holds any (polled for up to 3 s): the kill should cut
     * requests in flight, which is the case worth testing. */
    double until = now_s() + 3;

    *child = n > 0 ? kids[0] : -1;
    do {
        for (int i = 0; i < n; i++) {
            int c = connections_of(kids[i], port);
            if (c > conns) {
                conns = c;
                *child = kids[i];
            }
        }
        if (conns > 0)
            break;
        sleep_ms(5);
    } while (now_s() < until);
    return conns;
}
