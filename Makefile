# mod_invoice — build, run and test.  `make run` and `make test` work on a
# fresh Debian 12 machine as root: missing packages are installed first.

APXS    ?= apxs
CC      ?= cc
VERSION := $(shell cat VERSION)
PORT    ?= 8080
PGPORT  ?= 15432
RUNDIR  := .run

PACKAGES := apache2 apache2-dev apache2-utils libaprutil1-dbd-pgsql \
            libjson-c-dev libcmocka-dev libcurl4-openssl-dev libpq-dev \
            postgresql-15 postgresql-client-15 curl valgrind pkg-config gcc make \
            prometheus libssl-dev

# The rings (README, "Layout"): arrows only point inward, glue -> httpd ->
# {identity, store} -> core; `make check-layers` enforces it.
CORE_SRCS := $(sort $(shell find src/core -name '*.c'))
STORE_SRCS := $(sort $(shell find src/store -name '*.c'))
IDENTITY_SRCS := $(sort $(shell find src/identity -name '*.c'))
HTTPD_SRCS := $(sort $(shell find src/httpd -name '*.c'))
GLUE_SRCS := $(HTTPD_SRCS) $(IDENTITY_SRCS) $(STORE_SRCS)
MODULE_SRCS := mod_invoice.c $(GLUE_SRCS) $(CORE_SRCS)
HEADERS := $(sort $(shell find src -name '*.h' -o -name '*.def'))

WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
PG_INC = $(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
comma := ,
APXS_CFLAGS = -Wc,-std=c11 $(addprefix -Wc$(comma),$(WARN)) -I$(CURDIR)/src -I$(PG_INC) \
              -DINVOICE_VERSION_NUMBER=$(VERSION)

# Pure-core unit tests, in folders that mirror src/core/: built with
# sanitizers, and again plain for valgrind.
UNIT_TESTS := $(sort $(patsubst test/unit/%.c,%,$(shell find test/unit -name 'test_*.c')))
TEST_CFLAGS = -std=c11 $(WARN) -g -O1 -Isrc $(shell pkg-config --cflags apr-1 json-c cmocka 2>/dev/null)
TEST_LIBS = $(shell pkg-config --libs apr-1 json-c cmocka 2>/dev/null) -lcrypto
SANITIZE := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

INTEGRATION_SRCS := $(wildcard test/integration/*.c)
INTEGRATION_BIN := build/test_integration

.PHONY: all deps build run stop test unit unit-asan unit-valgrind integration \
        test-ops test-apache bench bench-upload install clean check-layers \
        check-house test-lane-cpu test-lane-wait test-run

all: build

deps:
	@scripts/ensure-packages.sh $(PACKAGES)

build: deps .libs/mod_invoice.so

.libs/mod_invoice.so: $(MODULE_SRCS) $(HEADERS) Makefile VERSION
	@mkdir -p build
	@echo "apxs -c mod_invoice.so (log: build/apxs.log)"
	@$(APXS) -c -o mod_invoice.so $(APXS_CFLAGS) $(MODULE_SRCS) -lpq -ljson-c -lcrypto -lcurl -laprutil-1 \
	    >build/apxs.log 2>&1 || { cat build/apxs.log; exit 1; }

run: build
	@scripts/run.sh start $(RUNDIR) $(PORT) $(PGPORT)

stop:
	@scripts/run.sh stop $(RUNDIR)

# Two lanes at once (the machine has two cores): what keeps a core busy,
# and the suites that mostly wait (faults, floods, failover, ops).  Each
# suite starts its own servers on free ports.  A lane's output is shown
# when it ends (-O); the first failure fails the run.
test: deps check-layers check-house build
	@$(MAKE) --no-print-directory -j2 -Otarget test-lane-cpu test-lane-wait

test-lane-cpu:
	@$(MAKE) --no-print-directory unit fuzz-brief integration test-apache test-openapi

test-lane-wait:
	@$(MAKE) --no-print-directory test-s3 test-faults test-ops test-tools test-run

# No include runs from an inner ring to an outer one (scripts/check-layers.sh).
check-layers:
	@scripts/check-layers.sh

# Size limits and log ids (scripts/check-house.sh).
check-house:
	@scripts/check-house.sh

unit: unit-asan unit-valgrind

# The core is compiled once per flavour, then linked into each test (and
# kept: make would delete them as intermediate files).
CORE_OBJS := $(patsubst src/%.c,%.o,$(CORE_SRCS))
.SECONDARY:

build/asan/obj/%.o: src/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	@$(CC) $(TEST_CFLAGS) $(SANITIZE) -c $< -o $@

build/plain/obj/%.o: src/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	@$(CC) $(TEST_CFLAGS) -c $< -o $@

build/asan/%: test/unit/%.c $(addprefix build/asan/obj/,$(CORE_OBJS))
	@mkdir -p $(dir $@)
	@echo "CC $@"
	@$(CC) $(TEST_CFLAGS) $(SANITIZE) $< $(filter %.o,$^) $(TEST_LIBS) -o $@

build/plain/%: test/unit/%.c $(addprefix build/plain/obj/,$(CORE_OBJS))
	@mkdir -p $(dir $@)
	@echo "CC $@"
	@$(CC) $(TEST_CFLAGS) $< $(filter %.o,$^) $(TEST_LIBS) -o $@

unit-asan: deps $(addprefix build/asan/,$(UNIT_TESTS))
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t (ASan/UBSan)"; build/asan/$$t; done

unit-valgrind: deps $(addprefix build/plain/,$(UNIT_TESTS))
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t (valgrind)"; \
	    valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \
	        build/plain/$$t >/dev/null; done; echo "valgrind: all unit tests clean"

$(INTEGRATION_BIN): $(INTEGRATION_SRCS) $(wildcard test/integration/*.h) src/core/util/sha256.c
	@mkdir -p build
	$(CC) -std=c11 $(WARN) -g -O1 -Itest/integration -Isrc -I$(PG_INC) \
	    $(shell pkg-config --cflags cmocka libcurl json-c) $(INTEGRATION_SRCS) src/core/util/sha256.c \
	    $(shell pkg-config --libs cmocka libcurl json-c) -lpq -lcrypto -lpthread -o $@

# The whole suite once per file store: the database, a directory, a
# bucket (a test S3 that checks every signature).
integration: build $(INTEGRATION_BIN)
	test/integration/run.sh $(INTEGRATION_BIN)
	INVOICE_FILE_STORE=file: test/integration/run.sh $(INTEGRATION_BIN)
	INVOICE_FILE_STORE=s3 test/integration/run.sh $(INTEGRATION_BIN)

# The operator's view: sites, identity sources, configtest, misconfiguration,
# secrets (test/apache/run.sh).
test-apache: build $(INTEGRATION_BIN)
	test/apache/run.sh $(INTEGRATION_BIN)

# Health, metrics (promtool), tracing, logs, scale-out over two Apaches.
test-ops: build
	test/ops/run.sh

# make run's first contact: a run directory below a 0700 directory, a
# second start on another port, stop twice (test/run/run.sh).
test-run: build
	test/run/run.sh

bench: build
	bench/run.sh

# Peak RSS of the children during 20 MiB uploads and downloads.
bench-upload: build
	bench/upload.sh

# The module, and the configuration files an operator edits: installed only
# where absent, so a reinstall never overwrites an edit.
install: build
	$(APXS) -i -n invoice .libs/mod_invoice.so
	install -d /etc/apache2/mod-invoice
	@for f in conf/invoice.load:/etc/apache2/mods-available/invoice.load \
	          conf/invoice.conf:/etc/apache2/mods-available/invoice.conf \
	          conf/invoice-api.conf:/etc/apache2/mod-invoice/api.conf; do \
	    src=$${f%%:*}; dst=$${f#*:}; \
	    if [ -e "$$dst" ]; then echo "kept $$dst (edited? new version: $$src)"; \
	    else install -m 644 "$$src" "$$dst"; echo "installed $$dst"; fi; \
	done
	@echo "next: README, \"System Apache (Debian)\": passfile, Include the mount in a vhost, a2enmod invoice"

clean:
	rm -rf build .libs *.la *.lo *.slo *.o
	find src \( -name '*.lo' -o -name '*.slo' -o -name '*.o' -o -name .libs \) -prune -exec rm -rf {} +

# Hardening, containers: fragments kept beside what they drive.
-include test/fuzz/fuzz.mk
-include test/s3/s3.mk
-include tools/tools.mk
-include test/faults/faults.mk
-include docker/image.mk
-include packaging.mk
-include docs/openapi.mk
-include bench/bench.mk
