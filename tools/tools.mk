# mod-invoice-files, the operator's tool for the file stores (sweep of
# orphans, migration between stores): tools/, over the module's core and
# store rings (no Apache).  Included by the Makefile (-include
# tools/tools.mk); standalone: make -f Makefile -f tools/tools.mk tools.
#
#   make tools         build/mod-invoice-files
#   make test-tools    test/tools/run.sh (PostgreSQL + Apache of its own)

TOOLS_BIN := build/mod-invoice-files
TOOLS_OBJ_DIR := build/tools/obj
TOOLS_SRCS := $(sort $(wildcard tools/*.c))
# The s3 backend is linked when its source is there (it may be written
# after this fragment): then the tool's table of backends has its line.
TOOLS_S3_SRCS := $(sort $(wildcard src/store/files/s3*.c))
TOOLS_RING_SRCS := $(sort $(filter-out src/store/files/s3%,\
                     $(shell find src/core src/store -name '*.c'))) $(TOOLS_S3_SRCS)
TOOLS_HEADERS := $(sort $(shell find src/core src/store tools -name '*.h' -o -name '*.def'))
TOOLS_OBJS := $(patsubst %.c,$(TOOLS_OBJ_DIR)/%.o,$(TOOLS_SRCS))
TOOLS_RING_OBJS := $(patsubst %.c,$(TOOLS_OBJ_DIR)/%.o,$(TOOLS_RING_SRCS))
TOOLS_RING_LIB := build/tools/libinvoice-store.a

TOOLS_PKGS := apr-1 apr-util-1 libcurl json-c
TOOLS_WARN := -Wall -Wextra -Werror -Wno-unused-parameter -Wno-missing-field-initializers
TOOLS_CFLAGS = -std=c11 $(TOOLS_WARN) -g -O2 -Isrc -Itools \
               -I$(shell pg_config --includedir 2>/dev/null || echo /usr/include/postgresql) \
               $(shell pkg-config --cflags $(TOOLS_PKGS) 2>/dev/null) \
               $(if $(TOOLS_S3_SRCS),-DINVOICE_TOOLS_S3)
TOOLS_LIBS = $(shell pkg-config --libs $(TOOLS_PKGS) 2>/dev/null) -lpq -lcrypto

.PHONY: tools test-tools

tools: $(TOOLS_BIN)

$(TOOLS_OBJ_DIR)/%.o: %.c $(TOOLS_HEADERS) tools/tools.mk
	@mkdir -p $(dir $@)
	@$(CC) $(TOOLS_CFLAGS) -c $< -o $@

# The rings as an archive: the tool takes only the objects it uses.
$(TOOLS_RING_LIB): $(TOOLS_RING_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(TOOLS_BIN): $(TOOLS_OBJS) $(TOOLS_RING_LIB)
	@echo "CC $@$(if $(TOOLS_S3_SRCS),, (without s3: src/store/files/s3.c is absent))"
	@$(CC) $(TOOLS_OBJS) $(TOOLS_RING_LIB) $(TOOLS_LIBS) -o $@

test-tools: build $(TOOLS_BIN)
	test/tools/run.sh $(TOOLS_BIN)
