# Slow-client floods (included from test/faults/faults.mk, which defines
# FAULTS_CFLAGS, FAULTS_LIBS, FAULTS_SHARED and FAULTS_SHARED_DEPS; the
# root Makefile defines build).
#
#   make test-floods   100 uploads at 1 KB/s and 100 downloads that never
#                      read, while probes check that /healthz, /readyz and
#                      ordinary API calls keep answering (p99 < 1 s), that
#                      slow uploads are cut with a logged 408, that every
#                      503 carries Retry-After, and that the big file
#                      downloads whole afterwards (test/faults/test_floods.c)

FLOODS_BIN := build/test_floods

$(FLOODS_BIN): test/faults/test_floods.c $(FAULTS_SHARED_DEPS)
	@mkdir -p $(dir $@)
	$(CC) $(FAULTS_CFLAGS) test/faults/test_floods.c $(FAULTS_SHARED) $(FAULTS_LIBS) -o $@

.PHONY: test-floods

test-floods: build $(FLOODS_BIN)
	test/faults/floods.sh $(FLOODS_BIN)
