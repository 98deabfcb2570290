# A stalled or flaky database must not hang requests (included at the end
# of test/faults/faults.mk, which defines FAULTS_CFLAGS, FAULTS_LIBS,
# FAULTS_SHARED, FAULTS_SHARED_DEPS and PGPROXY_BIN).
#
#   make test-resilience   PostgreSQL frozen (SIGSTOP) under a mix of
#                          requests, a slow link (pgproxy delay), and
#                          backends terminated before creates over 1 MiB
#                          (test/faults/test_resilience.c, resilience.sh)

RESILIENCE_BIN := build/test_resilience

$(RESILIENCE_BIN): test/faults/test_resilience.c $(FAULTS_SHARED_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(FAULTS_CFLAGS) test/faults/test_resilience.c $(FAULTS_SHARED) $(FAULTS_LIBS) -o $@

.PHONY: test-resilience

test-resilience: build $(RESILIENCE_BIN) $(PGPROXY_BIN)
	test/faults/resilience.sh $(RESILIENCE_BIN) $(PGPROXY_BIN)
