# Fault injection, the integration suite under ASan/UBSan, and a soak
# benchmark (included from the root Makefile, which defines CC, APXS, WARN,
# PG_INC, HEADERS, MODULE_SRCS and INTEGRATION_BIN, and the targets build
# and $(INTEGRATION_BIN)).
#
#   make test-faults   PostgreSQL SIGKILLed and restarted, Apache gracefully
#                      restarted, an Apache child SIGKILLed, all under a load
#                      of concurrent creates (test/faults/test_faults.c);
#                      the events feeds' order under out-of-order commits
#                      (test_events_order.c, 30 s); the migrations on a
#                      database with invoices in it (migrations.sh);
#                      exactly-once under lost replies (retries.sh); then
#                      test-resilience, test-floods, test-failover
#   make test-migrations  migrations.sh alone
#   make test-asan     the whole integration suite against Apache running
#                      the module built with -fsanitize=address,undefined
#   make bench-soak    100,000 mixed requests; each Apache child's RSS
#                      before and after (bench/soak.sh; a benchmark: it
#                      reports, it does not fail on the figures)

FAULTS_BIN := build/test_faults
ASAN_MODULE_DIR := build/asan-module
ASAN_MODULE := $(ASAN_MODULE_DIR)/mod_invoice.so

# The module as apxs builds it (same includes and defines), plus the
# sanitizers; linked with gcc so that libasan/libubsan become DT_NEEDED of
# the .so (Apache itself is not instrumented: the runtime is preloaded).
ASAN_MODULE_CFLAGS = -std=c11 $(WARN) -g -O1 -fPIC \
    -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all \
    $(shell $(APXS) -q EXTRA_CPPFLAGS 2>/dev/null) \
    -I$(shell $(APXS) -q INCLUDEDIR 2>/dev/null) \
    $(shell pkg-config --cflags apr-1 apr-util-1 2>/dev/null) -I$(CURDIR)/src -I$(PG_INC) \
    -DINVOICE_VERSION_NUMBER=$(VERSION)

.PHONY: test-faults test-asan bench-soak test-migrations

# sql/ applied to a database at schema 003 with invoices in it
test-migrations: build
	test/faults/migrations.sh

FAULTS_CFLAGS = -std=c11 $(WARN) -g -I$(PG_INC) $(shell pkg-config --cflags cmocka libcurl json-c)
FAULTS_LIBS = $(shell pkg-config --libs cmocka libcurl json-c) -lpq -lcrypto -lpthread
# What every fault-test binary links (processes and time; HTTP, PostgreSQL,
# pgproxy and the rest of the client side), and what it depends on.
FAULTS_SHARED = test/faults/proc.c test/faults/client.c
FAULTS_SHARED_DEPS = $(FAULTS_SHARED) test/faults/proc.h test/faults/client.h

$(FAULTS_BIN): test/faults/test_faults.c $(FAULTS_SHARED_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(FAULTS_CFLAGS) test/faults/test_faults.c $(FAULTS_SHARED) $(FAULTS_LIBS) -o $@

# The events feeds never skip or repeat an event when transactions commit
# out of order (8 writers, 2 pollers per party, 30 s: issue 15).
EVENTS_ORDER_BIN := build/test_events_order

$(EVENTS_ORDER_BIN): test/faults/test_events_order.c $(FAULTS_SHARED_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(FAULTS_CFLAGS) test/faults/test_events_order.c $(FAULTS_SHARED) $(FAULTS_LIBS) -o $@

RETRIES_BIN := build/test_retries
PGPROXY_BIN := build/pgproxy

$(RETRIES_BIN): test/faults/test_retries.c $(FAULTS_SHARED_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(FAULTS_CFLAGS) test/faults/test_retries.c $(FAULTS_SHARED) $(FAULTS_LIBS) -o $@

$(PGPROXY_BIN): test/faults/pgproxy.c
	@mkdir -p $(dir $@)
	$(CC) -std=c11 $(WARN) -O1 $< -o $@

# The faults without retries (every answer 201 or 503), exactly-once
# under retries with Idempotency-Keys, then a stalled database and slow
# clients (resilience.mk, floods.mk) and a failover (failover.mk).
test-faults: build $(FAULTS_BIN) $(RETRIES_BIN) $(PGPROXY_BIN) $(EVENTS_ORDER_BIN)
	test/faults/run.sh $(FAULTS_BIN)
	test/faults/run.sh $(EVENTS_ORDER_BIN)
	test/faults/migrations.sh
	INVOICE_FILE_STORE=file: test/faults/run.sh $(FAULTS_BIN)
	test/faults/retries.sh $(RETRIES_BIN) $(PGPROXY_BIN)
	@$(MAKE) --no-print-directory test-resilience test-floods test-failover

$(ASAN_MODULE): $(MODULE_SRCS) $(HEADERS) VERSION test/faults/sanitizer_options.c test/faults/faults.mk
	@mkdir -p $(dir $@)
	@echo "CC $@ (ASan/UBSan)"
	@$(CC) $(ASAN_MODULE_CFLAGS) -shared $(MODULE_SRCS) test/faults/sanitizer_options.c \
	    -lpq -ljson-c -lcrypto -lcurl -laprutil-1 -o $@

test-asan: build $(INTEGRATION_BIN) $(ASAN_MODULE)
	test/faults/asan.sh $(ASAN_MODULE) $(INTEGRATION_BIN)

bench-soak: build
	bench/soak.sh

include test/faults/resilience.mk
include test/faults/floods.mk
include test/faults/failover.mk
