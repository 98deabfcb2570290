/* Linked into the ASan/UBSan build of the module only (make test-asan).
 *
 * UBSan initialises lazily, at its first report, which happens in an Apache
 * child that has already switched to www-data.  The sanitizer runtime reads
 * its options from /proc/self/environ, which a process that changed uid
 * away from root cannot read (it is no longer dumpable), so UBSAN_OPTIONS
 * would be silently ignored: no stack trace, and a plain exit(1) instead of
 * an abort the parent logs.  This hook hands the runtime the same variable
 * through libc's environment, which is intact.  (ASan itself is preloaded
 * and initialises in the root parent, so ASAN_OPTIONS needs no help.) */
#include <stdlib.h>

const char *__ubsan_default_options(void);

const char *__ubsan_default_options(void)
{
    const char *o = getenv("UBSAN_OPTIONS");
    return o ? o : "";
}
