# parbench Makefile.  User knobs first; `make V=1` shows full command lines.
CC        ?= cc
PREFIX    ?= /usr/local
DESTDIR   ?=
BUILD     ?= build
# What `make install` installs as bin/parbench (default: this build's; the tests install theirs).
INSTALL_BIN ?= $(BUILD)/parbench
OPT       ?= -O3 -march=native
CFLAGS    ?=
LDFLAGS   ?=
PKG_CONFIG ?= pkg-config
# auto: use the library if pkg-config finds it; no: build the stub and say so at run time.
WITH_HWLOC  ?= auto
WITH_PAPI   ?= auto
WITH_OPENMP ?= auto
WITH_MPI    ?= auto
# Arguments for `make bench` (BENCH=full for the larger matrix) and `make report`.
BENCH     ?=
BENCH_ARGS ?=
VERSION   := 0.1.0

ifeq ($(V),1)
Q :=
else
Q := @
endif

# -ffp-contract=off: no FMA contraction anywhere, so every floating-point
# expression rounds the same way in every build (SEEDS.md, FMA rounding).
STD   := -std=gnu11
WARN  := -Wall -Wextra -Wshadow -Wno-unused-parameter
DEFS  := -D_GNU_SOURCE -ffp-contract=off -pthread
FINAL_CFLAGS  = $(STD) $(WARN) $(OPT) $(DEFS) $(LIB_CFLAGS) $(CFLAGS) -MMD -MP
# Plugins get pb_buf_alloc and pb_buf_free from the executable that loads them: exported, and nothing else.
FINAL_LDFLAGS = -pthread -Wl,--dynamic-list=harness/plugin.exports $(LDFLAGS)

# ---- optional libraries, found with pkg-config ----
have = $(shell $(PKG_CONFIG) --exists $(1) 2>/dev/null && echo yes)

ifeq ($(WITH_HWLOC),auto)
WITH_HWLOC := $(if $(call have,hwloc),yes,no)
endif
ifeq ($(WITH_PAPI),auto)
WITH_PAPI := $(if $(call have,papi),yes,no)
endif
ifeq ($(WITH_MPI),auto)
WITH_MPI := $(if $(call have,ompi-c),yes,no)
endif
ifeq ($(WITH_OPENMP),auto)
WITH_OPENMP := $(shell echo 'int main(void){return 0;}' | $(CC) -fopenmp -x c - -o /dev/null 2>/dev/null && echo yes || echo no)
endif

# Required libraries: pkg-config name and the Debian package that provides it.
REQUIRED_PKGS := jansson:libjansson-dev libpng:libpng-dev
ifneq ($(filter test-run unit-tests $(BUILD)/tests/%,$(MAKECMDGOALS)),)
REQUIRED_PKGS += cmocka:libcmocka-dev
endif
pc_name = $(firstword $(subst :, ,$(1)))
deb_name = $(lastword $(subst :, ,$(1)))
MISSING_DEBS := $(strip $(foreach p,$(REQUIRED_PKGS),$(if $(call have,$(call pc_name,$(p))),,$(call deb_name,$(p)))))
# Goals that install what they need first (scripts/deps.sh) and then run make again, and goals
# that compile nothing: they go ahead without the libraries; every other goal stops with the
# Debian packages to install rather than a compiler error.
WRAPPER_GOALS := deps clean test test-minimal bench bench-full asan tsan valgrind
ifneq ($(MISSING_DEBS),)
ifneq ($(filter-out $(WRAPPER_GOALS),$(or $(MAKECMDGOALS),all)),)
$(error parbench needs the Debian package(s) $(MISSING_DEBS) (pkg-config finds no $(strip $(foreach p,$(REQUIRED_PKGS),$(if $(call have,$(call pc_name,$(p))),,$(call pc_name,$(p)))))): run 'make deps' as root, or: sudo apt-get install -y $(MISSING_DEBS))
endif
endif
PC_REQUIRED := jansson libpng
LIB_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PC_REQUIRED) 2>/dev/null)
LIBS       := $(shell $(PKG_CONFIG) --libs $(PC_REQUIRED) 2>/dev/null) -lm -lrt -ldl

# Feature files: foo.c when the feature is on, foo_none.c when it is off.
ALL_SRCS := $(wildcard workloads/*.c harness/*.c)
STUB_SRCS := $(filter %_none.c,$(ALL_SRCS))
FEATURE_SRCS :=
ifeq ($(WITH_HWLOC),yes)
LIB_CFLAGS += $(shell $(PKG_CONFIG) --cflags hwloc)
LIBS += $(shell $(PKG_CONFIG) --libs hwloc)
FEATURE_SRCS += harness/pin_hwloc.c
else
FEATURE_SRCS += harness/pin_hwloc_none.c
endif
ifeq ($(WITH_PAPI),yes)
LIB_CFLAGS += $(shell $(PKG_CONFIG) --cflags papi)
LIBS += $(shell $(PKG_CONFIG) --libs papi)
FEATURE_SRCS += harness/counters_papi.c
else
FEATURE_SRCS += harness/counters_papi_none.c
endif
ifeq ($(WITH_OPENMP),yes)
FINAL_LDFLAGS += -fopenmp
FEATURE_SRCS += harness/exec_openmp.c
else
FEATURE_SRCS += harness/exec_openmp_none.c
endif
# The mpi variant: parbench starts mpirun; the ranks run build/parbench-mpi (harness/mpi_rank.c,
# the only file that includes mpi.h), so the parbench binary itself never links MPI.
ifeq ($(WITH_MPI),yes)
MPI_CFLAGS := $(shell $(PKG_CONFIG) --cflags ompi-c)
MPI_LIBS   := $(shell $(PKG_CONFIG) --libs ompi-c)
FEATURE_SRCS += harness/exec_mpi.c
RANK_BIN := $(BUILD)/parbench-mpi
else
FEATURE_SRCS += harness/exec_mpi_none.c
RANK_BIN :=
endif
OPTIONAL_SRCS := harness/pin_hwloc.c harness/counters_papi.c harness/exec_openmp.c harness/exec_mpi.c \
	harness/mpi_rank.c $(STUB_SRCS)
SRCS := $(filter-out $(OPTIONAL_SRCS),$(ALL_SRCS)) $(FEATURE_SRCS)
OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,$(SRCS))
LIB_OBJS := $(filter-out $(BUILD)/obj/harness/main.o,$(OBJS))

CREATOR := $(BUILD)/parbench-creator
CREATOR_OBJS := $(patsubst %.c,$(BUILD)/obj/%.o,harness/helpers/parbench-creator.c workloads/mech_spawn.c workloads/mech_util.c)

TEST_SRCS := $(wildcard tests/test_*.c)
TEST_BINS := $(patsubst tests/%.c,$(BUILD)/tests/%,$(TEST_SRCS))
CMOCKA_CFLAGS := $(shell $(PKG_CONFIG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell $(PKG_CONFIG) --libs cmocka 2>/dev/null)

BUILDINFO := $(BUILD)/gen/buildinfo.h

.PHONY: all test test-run test-minimal unit-tests bench bench-full report perf-check deps clean install examples asan tsan valgrind FORCE

# ... and as bin/parbench-mpi, the program of the mpi variant's ranks, which parbench runs from beside itself.
INSTALL_RANK_BIN ?= $(RANK_BIN)

all: $(BUILD)/parbench $(RANK_BIN) $(CREATOR)

$(BUILD)/parbench: $(OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(FINAL_CFLAGS) -o $@ $(OBJS) $(FINAL_LDFLAGS) $(LIBS)

# parbench mech's lean creator (workloads/mech_spawn.c): linked with libc alone, so that the
# processes it forks have the mappings of a plain C loop, not parbench's libraries.
$(CREATOR): $(CREATOR_OBJS)
	@echo "  LD      $@"
	$(Q)$(CC) $(FINAL_CFLAGS) -o $@ $(CREATOR_OBJS) -pthread $(LDFLAGS)

$(BUILD)/obj/harness/exec_openmp.o: FINAL_CFLAGS += -fopenmp
$(BUILD)/obj/harness/mpi_rank.o: FINAL_CFLAGS += $(MPI_CFLAGS)

$(BUILD)/parbench-mpi: $(LIB_OBJS) $(BUILD)/obj/harness/mpi_rank.o
	@echo "  LD      $@"
	$(Q)$(CC) $(FINAL_CFLAGS) -o $@ $(LIB_OBJS) $(BUILD)/obj/harness/mpi_rank.o $(FINAL_LDFLAGS) $(LIBS) $(MPI_LIBS)

# buildinfo.h is order-only: it must exist before the first compile, and -MMD makes only the
# objects that really include it (main.c, session.c) depend on its contents.
$(BUILD)/obj/%.o: %.c | $(BUILDINFO)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)$(CC) $(FINAL_CFLAGS) -I$(BUILD)/gen -c -o $@ $<

# Compiler, flags, features and git revision, baked in for meta.json; rewritten only when they change.
$(BUILDINFO): FORCE
	@mkdir -p $(dir $@)
	@{ echo '#define PB_VERSION "$(VERSION)"'; \
	   echo '#define PB_BUILD_CC "$(shell $(CC) --version 2>/dev/null | head -n 1 | sed 's/"/\\"/g')"'; \
	   echo '#define PB_BUILD_CFLAGS "$(subst ",\",$(FINAL_CFLAGS))"'; \
	   echo '#define PB_BUILD_FEATURES "hwloc=$(WITH_HWLOC) papi=$(WITH_PAPI) openmp=$(WITH_OPENMP) mpi=$(WITH_MPI)"'; \
	   echo '#define PB_BUILD_GIT "$(shell git describe --always --dirty 2>/dev/null || echo unknown)"'; \
	 } > $@.tmp; cmp -s $@.tmp $@ && rm -f $@.tmp || mv $@.tmp $@

$(BUILD)/tests/%: tests/%.c $(LIB_OBJS) | $(BUILDINFO)
	@mkdir -p $(dir $@)
	@echo "  TEST    $@"
	$(Q)$(CC) $(FINAL_CFLAGS) $(CMOCKA_CFLAGS) -I$(BUILD)/gen -o $@ $< $(LIB_OBJS) $(FINAL_LDFLAGS) $(LIBS) $(CMOCKA_LIBS)

unit-tests: $(TEST_BINS)

# Unit tests (cmocka) and command-line tests; the last line is "N passed, N failed, N skipped".
# `make test` first installs what is missing (as root; otherwise it prints the apt-get line and
# stops), then runs make again so that pkg-config finds what was installed.
test: deps
	$(Q)$(MAKE) --no-print-directory test-run

test-run: $(BUILD)/parbench $(RANK_BIN) $(CREATOR) $(TEST_BINS) examples
	$(Q)PARBENCH=$(abspath $(BUILD)/parbench) BUILD=$(abspath $(BUILD)) sh tests/run.sh $(TEST_BINS)

# The whole test suite on a build without PAPI, hwloc and OpenMP (build-min/).
test-minimal:
	$(Q)$(MAKE) --no-print-directory BUILD=build-min WITH_PAPI=no WITH_HWLOC=no WITH_OPENMP=no WITH_MPI=no test

deps:
	$(Q)sh scripts/deps.sh

bench: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)sh scripts/bench.sh $(BENCH) $(BENCH_ARGS)

report: $(BUILD)/parbench
	$(Q)sh scripts/make-report.sh

perf-check: $(BUILD)/parbench
	$(Q)sh scripts/perf-check.sh

# ---- plugins: the public header, its pkg-config file, the examples ----
# A plugin needs only include/parbench/workload.h (no library to link), so parbench.pc is
# architecture-independent and goes to share/pkgconfig, on pkg-config's default path.
PC_DIR := $(PREFIX)/share/pkgconfig
PLUGIN_ABI := $(shell sed -n 's/^\#define PB_WORKLOAD_ABI \([0-9]*\).*/\1/p' include/parbench/workload.h)
EXAMPLES := $(patsubst examples/%.c,$(BUILD)/examples/lib%.so,$(wildcard examples/*.c))

# The examples, built as a user would build them (against the header that `make install` installs).
examples: $(EXAMPLES)

$(BUILD)/examples/lib%.so: examples/%.c include/parbench/workload.h
	@mkdir -p $(dir $@)
	@echo "  PLUGIN  $@"
	$(Q)$(CC) $(STD) $(WARN) -O2 -fPIC -shared -Iinclude $(CFLAGS) -o $@ $<

# Binary (and parbench-mpi beside it, where the mpi variant sought it), header, pkg-config file, gnuplot scripts (the binary finds them in ../share/parbench),
# and the man page and bash completion where the tree has them.
install: $(INSTALL_BIN) $(INSTALL_RANK_BIN) $(CREATOR)
	install -d $(DESTDIR)$(PREFIX)/libexec/parbench $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/parbench $(DESTDIR)$(PREFIX)/include/parbench $(DESTDIR)$(PC_DIR)
	install -m 755 $(INSTALL_BIN) $(DESTDIR)$(PREFIX)/bin/parbench
	if [ -n "$(INSTALL_RANK_BIN)" ]; then install -m 755 $(INSTALL_RANK_BIN) $(DESTDIR)$(PREFIX)/bin/parbench-mpi; fi
	install -m 755 $(CREATOR) $(DESTDIR)$(PREFIX)/libexec/parbench/parbench-creator
	install -m 644 include/parbench/workload.h $(DESTDIR)$(PREFIX)/include/parbench/workload.h
	install -m 644 scripts/*.gp $(DESTDIR)$(PREFIX)/share/parbench/
	printf '%s\n' 'prefix=$(PREFIX)' 'includedir=$${prefix}/include' 'plugin_abi=$(PLUGIN_ABI)' '' \
		'Name: parbench' 'Description: the workload contract for parbench plugins (parbench run -w ./libmine.so)' \
		'Version: $(VERSION)' 'Cflags: -I$${includedir}' >$(DESTDIR)$(PC_DIR)/parbench.pc
	chmod 644 $(DESTDIR)$(PC_DIR)/parbench.pc
	if [ -f doc/parbench.1 ]; then install -d $(DESTDIR)$(PREFIX)/share/man/man1 && \
		install -m 644 doc/parbench.1 $(DESTDIR)$(PREFIX)/share/man/man1/parbench.1; fi
	if [ -f scripts/parbench-completion.bash ]; then install -d $(DESTDIR)$(PREFIX)/share/bash-completion/completions && \
		install -m 644 scripts/parbench-completion.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/parbench; fi

# Sanitizer builds in their own directories, running the whole test suite.
asan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-asan OPT="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined -fno-sanitize-recover=undefined" LDFLAGS="-fsanitize=address,undefined" WITH_OPENMP=$(WITH_OPENMP) test

# TSan: the thread and OpenMP executors (libgomp is not TSan-instrumented, so OpenMP is off here), and
# every mechanism with thread endpoints (test_mech).
tsan:
	$(Q)$(MAKE) --no-print-directory BUILD=build-tsan OPT="-O1 -g -fsanitize=thread" LDFLAGS="-fsanitize=thread" WITH_OPENMP=no build-tsan/parbench build-tsan/parbench-creator build-tsan/tests/test_exec_threads build-tsan/tests/test_mech
	$(Q)TSAN_OPTIONS="halt_on_error=1" build-tsan/tests/test_exec_threads
	$(Q)TSAN_OPTIONS="halt_on_error=1" build-tsan/tests/test_mech
	$(Q)d=$$(mktemp -d) && TSAN_OPTIONS="halt_on_error=1" build-tsan/parbench run --quick -v threads -j 1,2,4 -r 2 -q -o $$d/tsan >/dev/null; \
		rc=$$?; rm -rf "$$d"; [ $$rc -eq 0 ] && echo "tsan: clean"

# valgrind cannot decode AVX-512, which -march=native may emit: a portable build of its own.
valgrind:
	$(Q)$(MAKE) --no-print-directory BUILD=build-valgrind OPT="-O1 -g" build-valgrind/parbench examples
	$(Q)sh scripts/valgrind-check.sh build-valgrind/parbench

clean:
	rm -rf build build-min build-asan build-tsan build-valgrind

FORCE:

-include $(OBJS:.o=.d) $(TEST_BINS:=.d) $(BUILD)/obj/harness/mpi_rank.d $(BUILD)/obj/harness/helpers/parbench-creator.d
