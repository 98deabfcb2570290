# libFuzzer targets for the pure core (included from the root Makefile,
# which defines CORE_SRCS, HEADERS and WARN).
#   make fuzz [FUZZ_SECONDS=60]   each target for FUZZ_SECONDS seconds
#   make fuzz-brief               each target for FUZZ_RUNS executions
# Each run starts from a scratch copy of test/fuzz/corpus/<target>/, so the
# committed corpus stays small.  Any crash, leak, sanitizer report or failed
# cross-check fails the run; the input is saved as
# build/fuzz/artifacts/<target>-crash-*.  Logs: build/fuzz/<target>.log.

FUZZ_SECONDS ?= 60
FUZZ_RUNS    ?= 3000
FUZZ_TIMEOUT ?= 10
FUZZ_CC      ?= clang
FUZZ_DIR     := test/fuzz
FUZZ_OUT     := build/fuzz
FUZZ_TARGETS := create_request base64 filetype auth router list_query \
                json_strict multipart terms
FUZZ_PACKAGES := clang libclang-rt-dev
FUZZ_CFLAGS = -std=c11 -g -O1 $(filter-out -Werror,$(WARN)) -Werror=implicit-function-declaration -Isrc \
              -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
              -fno-omit-frame-pointer $(shell pkg-config --cflags apr-1 json-c)
FUZZ_LIBS = $(shell pkg-config --libs apr-1 json-c) -lcrypto

# -max_len per target (default 4096): bodies are larger than headers.
FUZZ_MAXLEN_create_request := 65536
FUZZ_MAXLEN_multipart := 16384
fuzz_maxlen = $(or $(FUZZ_MAXLEN_$(1)),4096)

.PHONY: fuzz fuzz-brief fuzz-build fuzz-deps

fuzz-deps:
	@scripts/ensure-packages.sh $(FUZZ_PACKAGES)

# The core once (instrumented for coverage, not linked with libFuzzer's
# main), then each target.
$(FUZZ_OUT)/obj/%.o: src/%.c $(HEADERS)
	@mkdir -p $(dir $@)
	@$(FUZZ_CC) $(subst -fsanitize=fuzzer$(comma),-fsanitize=fuzzer-no-link$(comma),$(FUZZ_CFLAGS)) -c $< -o $@

$(FUZZ_OUT)/fuzz_%: $(FUZZ_DIR)/fuzz_%.c $(FUZZ_DIR)/fuzz_check.h $(addprefix $(FUZZ_OUT)/obj/,$(CORE_OBJS))
	@mkdir -p $(dir $@)
	@echo "CLANG $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) $< $(filter %.o,$^) $(FUZZ_LIBS) -o $@

fuzz-build: deps fuzz-deps $(addprefix $(FUZZ_OUT)/fuzz_,$(FUZZ_TARGETS))

# $(call fuzz_run,<libFuzzer options that bound each run>)
define fuzz_run
	@fail=0; summary=; \
	run() { \
	    t=$$1; max=$$2; dict=$$3; work=$(FUZZ_OUT)/work/$$t; log=$(FUZZ_OUT)/$$t.log; \
	    rm -rf $$work $(FUZZ_OUT)/artifacts/$$t-*; mkdir -p $$work $(FUZZ_OUT)/artifacts; \
	    cp $(FUZZ_DIR)/corpus/$$t/* $$work/; \
	    echo "== fuzz_$$t $(strip $(1)) -max_len=$$max"; \
	    if $(FUZZ_OUT)/fuzz_$$t $(1) -max_len=$$max -timeout=$(FUZZ_TIMEOUT) $$dict -print_final_stats=1 \
	            -artifact_prefix=$(FUZZ_OUT)/artifacts/$$t- $$work >$$log 2>&1; then \
	        status=ok; \
	    else \
	        status=FAILED; fail=1; tail -n 40 $$log; \
	    fi; \
	    execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log); \
	    summary="$$summary$$(printf '%-16s %-6s %12s executions' $$t $$status "$${execs:-?}")\n"; \
	}; \
	$(foreach t,$(FUZZ_TARGETS),run $(t) $(call fuzz_maxlen,$(t)) $(addprefix -dict=,$(wildcard $(FUZZ_DIR)/$(t).dict));) \
	printf "fuzz summary:\n$$summary"; \
	exit $$fail
endef

fuzz: fuzz-build
	$(call fuzz_run,-max_total_time=$(FUZZ_SECONDS))

fuzz-brief: fuzz-build
	$(call fuzz_run,-runs=$(FUZZ_RUNS))
