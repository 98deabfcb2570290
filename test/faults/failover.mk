# Failover to a streaming-replication standby (included from faults.mk).
#
#   make test-failover   a primary and a synchronous standby (pg_basebackup):
#                        a read-only database answers 503 + Retry-After and
#                        /readyz 503; then creates and pays under load, the
#                        primary SIGKILLed and the standby promoted: no 500,
#                        every acknowledged invoice and pay on the new
#                        primary, recovery without a restart
#                        (test/faults/failover.sh, test_failover.c)

FAILOVER_BIN := build/test_failover

.PHONY: test-failover

$(FAILOVER_BIN): test/faults/test_failover.c $(FAULTS_SHARED_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(FAULTS_CFLAGS) test/faults/test_failover.c $(FAULTS_SHARED) $(FAULTS_LIBS) -o $@

test-failover: build $(FAILOVER_BIN)
	test/faults/failover.sh $(FAILOVER_BIN)
