# OpenAPI (included from the Makefile: -include docs/openapi.mk).
#
# docs/openapi.yaml describes the API.  At build time it becomes JSON
# compiled into the module (build/openapi_json.inc, included by
# src/httpd/openapi.c), served at MOUNT/openapi.json with servers[0].url
# set to the mount.
#
#   make test-openapi   the route table (src/core/routes.def) and the
#                       document name the same routes and methods, and
#                       Redocly CLI (test/openapi/package-lock.json: npm ci
#                       when node_modules is missing or older than the
#                       lockfile) lints it with no error (test/openapi/
#                       redocly.yaml says which rules are relaxed, and why).
#
# The integration suite (test/integration/run.sh) validates every response
# it receives against the document (test/openapi/validate.py, with Debian's
# python3-jsonschema).

# Debian's python3 (not whatever `python3` is first on PATH), where
# python3-yaml and python3-jsonschema are installed.
OPENAPI_PYTHON ?= /usr/bin/python3
PACKAGES += python3 python3-yaml python3-jsonschema

APXS_CFLAGS += -I$(CURDIR)/build
ASAN_MODULE_CFLAGS += -I$(CURDIR)/build

.PHONY: test-openapi

build/openapi_json.inc: docs/openapi.yaml test/openapi/openapi_inc.py VERSION
	@mkdir -p build
	@echo "GEN $@ (from docs/openapi.yaml)"
	@$(OPENAPI_PYTHON) test/openapi/openapi_inc.py docs/openapi.yaml $@ build/openapi.json VERSION

# The module's rules (Makefile, test/faults/faults.mk) take these
# prerequisites too: the document is generated before anything compiles.
.libs/mod_invoice.so: build/openapi_json.inc
ifneq ($(ASAN_MODULE),)
$(ASAN_MODULE): build/openapi_json.inc
endif

OPENAPI_NPM_STAMP := test/openapi/node_modules/.package-lock.json

# npm ci only when node_modules is missing or stale.  @redocly/cli 2.x
# needs Node.js >= 20.19 (Debian 12's nodejs is 18: NodeSource's works;
# test/openapi/check_node.js says so).
$(OPENAPI_NPM_STAMP): test/openapi/package.json test/openapi/package-lock.json
	@node test/openapi/check_node.js
	cd test/openapi && npm ci --no-audit --no-fund --loglevel=error
	@touch $@

test-openapi: deps $(OPENAPI_NPM_STAMP)
	$(OPENAPI_PYTHON) test/openapi/check_routes.py src/core/routes.def docs/openapi.yaml
	cd test/openapi && REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
	    ./node_modules/.bin/redocly lint --config redocly.yaml \
	    --format stylish ../../docs/openapi.yaml
