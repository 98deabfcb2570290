# The s3: file store (src/store/files/s3*.c) against a local S3: s3rver
# behind a proxy that verifies every SigV4 signature and body hash
# (test/s3/sigv4-proxy.js, started by test/s3/s3.sh; node, npm ci from
# test/s3/package-lock.json).  Included from the root Makefile, which
# defines CC, WARN and the target deps.
#
#   make test-s3   build/test_s3 against it, on a free port, in a temporary
#                  directory removed afterwards (the server is stopped
#                  however the test ends)

S3_TEST_BIN := build/test_s3
S3_STORE_SRCS := $(sort $(wildcard src/store/files/s3*.c))
S3_STORE_HEADERS := $(wildcard src/store/files/s3*.h) src/store/files.h $(HEADERS) \
                    src/store/store.h src/core/util/hex.h src/core/util/sha256.h
# The core helpers the backend uses.
S3_CORE_SRCS := src/core/util/hex.c src/core/util/sha256.c
S3_TEST_CFLAGS = -std=c11 $(WARN) -g -O1 -Isrc \
    $(shell pkg-config --cflags apr-1 apr-util-1 libcurl cmocka 2>/dev/null)
# --wrap: the test adds a CURLOPT_RESOLVE entry to each request, for the
# virtual-host bucket name (nothing of the kind in the module).
S3_TEST_LIBS = $(shell pkg-config --libs apr-1 libcurl cmocka 2>/dev/null) \
    -laprutil-1 -lcrypto -lpthread -Wl,--wrap=curl_easy_perform
S3_TEST_TOKEN := mod-invoice-test-session-token

.PHONY: test-s3

$(S3_TEST_BIN): test/s3/test_s3.c $(S3_STORE_SRCS) $(S3_CORE_SRCS) $(S3_STORE_HEADERS)
	@mkdir -p $(dir $@)
	$(CC) $(S3_TEST_CFLAGS) test/s3/test_s3.c $(S3_STORE_SRCS) $(S3_CORE_SRCS) \
	    $(S3_TEST_LIBS) -o $@

test-s3: deps $(S3_TEST_BIN)
	@dir=$$(mktemp -d /tmp/mod_invoice-s3.XXXXXX) && \
	port=$$(bash -c ". scripts/common.sh && pick_port") && \
	trap 'test/s3/s3.sh stop "$$dir"; rm -rf "$$dir"' EXIT && \
	S3_SESSION_TOKEN=$(S3_TEST_TOKEN) test/s3/s3.sh start "$$dir" "$$port" && \
	S3_TEST_PORT=$$port S3_TEST_TOKEN=$(S3_TEST_TOKEN) S3_TEST_DIR=$$dir $(S3_TEST_BIN)
