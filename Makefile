# xpkttrace - packet-lifecycle tracer for Xen network I/O.
#
#   make            build build/xpkttrace
#   make demo       build, then `xpkttrace demo native` (root): iperf3 between two network
#                   namespaces through a bridge, recorded, reported (docs/native.md)
#   make demo-synth build, generate a Xen bundle with the embedded defaults, print its report
#   make check      unit tests (cmocka) twice, plain and under ASan+UBSan, then the CLI tests
#   make bench      correlator and xentrace decode throughput, side by side with xenalyze;
#                   capture overhead on the native demo topology (root)
#   make testbed    (root) boot Xen 4.17 under QEMU, iperf3 through a NIC, recorded
#                   (testbed/README.md); make testbed-check also checks the results
#   make testbed-scaling  (root) one testbed run under pmu-sim with several L2 and TLB
#                   sizes side by side: cache/TLB scaling plots (docs/pmu-sim.md)
#   make fuzz       libFuzzer targets for every decoder (FUZZ_SECONDS each, default 60)
#   make pmu-sim    the QEMU TCG plugin modelling caches and TLBs (pmu-sim/; its model
#                   test runs in make check)
#   make install    PREFIX=/usr/local
#   make format     clang-format the tree in place; make format-check only checks

CC       ?= gcc
CLANG    ?= clang
PREFIX   ?= /usr/local
O        ?= build
CFLAGS   ?= -O2 -g
WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# Debian installs libtracefs/libtraceevent headers in subdirectories (their .pc files say so).
BASE     := -std=c11 -D_GNU_SOURCE -I. -I/usr/include/tracefs -I/usr/include/traceevent -MMD -MP
LIBS     := -ljansson -lpcap -ltracefs -ltraceevent -lxenctrl -lxenforeignmemory -lzstd -lm -lbfd
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# Every module directory; data moves left to right (STYLE.md).
MODULES  := tracepoints lib bundle capture decode sym correlator diag viz synth
LIB_SRCS := $(sort $(foreach m,$(MODULES),$(wildcard $(m)/*.c)))
CLI_SRCS := $(sort $(wildcard cli/*.c))
TESTS    := $(sort $(patsubst tests/unit/%.c,%,$(wildcard tests/unit/test_*.c)))
FUZZERS  := $(sort $(patsubst tests/fuzz/%.c,%,$(wildcard tests/fuzz/fuzz_*.c)))

lib_objs = $(patsubst %.c,$(1)/%.o,$(LIB_SRCS))
cli_objs = $(patsubst %.c,$(1)/%.o,$(CLI_SRCS))

.PHONY: all check bench demo demo-synth fuzz install clean format format-check asan deps
all: $(O)/xpkttrace

# Missing Debian packages are installed first (as root), or named (otherwise).
DEPS_OK := $(O)/.deps-ok
$(DEPS_OK): scripts/deps.sh
	@scripts/deps.sh
	@mkdir -p $(O) && touch $@
deps: $(DEPS_OK)

# --- plain build -----------------------------------------------------------
$(O)/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(WARN) $(CFLAGS) -c -o $@ $<

$(O)/libxpkt.a: $(call lib_objs,$(O))
	$(AR) rcs $@ $^

$(O)/xpkttrace: $(call cli_objs,$(O)) $(O)/libxpkt.a
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(O)/tests/%: $(O)/tests/unit/%.o $(O)/libxpkt.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -o $@ $^ -lcmocka $(LIBS)

# --- ASan + UBSan build, same sources ------------------------------------------
A := $(O)/asan
$(A)/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(BASE) $(WARN) -O1 -g $(SAN) -c -o $@ $<

$(A)/libxpkt.a: $(call lib_objs,$(A))
	$(AR) rcs $@ $^

$(A)/xpkttrace: $(call cli_objs,$(A)) $(A)/libxpkt.a
	$(CC) $(SAN) -o $@ $^ $(LIBS)

$(A)/tests/%: $(A)/tests/unit/%.o $(A)/libxpkt.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN) -o $@ $^ -lcmocka $(LIBS)

asan: $(A)/xpkttrace

# --- tests -----------------------------------------------------------------------
TEST_BINS := $(addprefix $(O)/tests/,$(TESTS)) $(addprefix $(A)/tests/,$(TESTS))

check: $(O)/xpkttrace $(A)/xpkttrace $(TEST_BINS)
	@O=$(O) tests/run.sh $(TESTS)

# --- main job: real packets (native demo); the embedded Xen default ----------------------
DEMO_OUT ?= out/demo
demo: $(O)/xpkttrace
	$(O)/xpkttrace demo native

demo-synth: $(O)/xpkttrace
	$(O)/xpkttrace demo synth -o $(DEMO_OUT) --packets 200000

bench: $(O)/xpkttrace
	@O=$(O) bench/run.sh

# --- the Xen testbed (root; minutes, not part of check; testbed/README.md) ----------
# testbed: build or reuse the images, boot Xen 4.17 under QEMU, run the NIC scenario with
# this build's xpkttrace recording in dom0; results in testbed/out/latest.
# testbed-check: that, then check the results (testbed/check.sh).
# testbed-modules: the patched xen-netback.ko / xen-netfront.ko (netback-patch/,
# netfront-patch/; each make is a no-op once built), which prepare.sh puts in dom0
# and the domU. Without kernel headers for the testbed kernel they are skipped,
# and the run uses the distro modules (no xen_netback / xen_netfront events).
# xen-patch: the hypervisor with xen-patch/'s grant-unmap TLB flush record
# (xen-patch/README.md); XPKT_TESTBED_XEN_PATCH=1 make testbed boots it.
# pmu-sim: the QEMU TCG plugin that models caches and TLBs (pmu-sim/, docs/pmu-sim.md);
# tests/cli/pmu-sim.sh builds and checks it within make check.
.PHONY: pmu-sim
pmu-sim:
	$(MAKE) -C pmu-sim B=$(abspath $(O))/pmu-sim

.PHONY: testbed testbed-check testbed-modules xen-patch testbed-anomaly
xen-patch:
	xen-patch/build.sh >/dev/null
testbed-modules:
	@for d in netback-patch netfront-patch; do \
		mkdir -p $$d/build; \
		$(MAKE) --no-print-directory -C $$d >$$d/build/make.log 2>&1 && echo "testbed: $$d built" || \
		echo "testbed: warning: $$d did not build (see $$d/build/make.log); the distro module is used"; \
	done
testbed: $(O)/xpkttrace testbed-modules $(if $(filter 1,$(XPKT_TESTBED_XEN_PATCH)),xen-patch)
	XPKTTRACE=$(abspath $(O)/xpkttrace) testbed/run.sh nic

testbed-check: testbed
	XPKTTRACE=$(abspath $(O)/xpkttrace) testbed/check.sh testbed/out/latest

# testbed-anomaly: the receive-collapse anomaly, a bad and a good run
# (testbed/anomaly.sh): testbed/out/anomaly-bad, testbed/out/anomaly-good.
testbed-anomaly: $(O)/xpkttrace testbed-modules
	XPKTTRACE=$(abspath $(O)/xpkttrace) testbed/anomaly.sh

# testbed-scaling: seed 001's cache/TLB scaling curves (Figures 13-17) from one run
# under the pmu-sim plugin with 6 L2 sizes and 4 TLB sizes (plus the same TLBs with
# global hypervisor entries) modelled side by side (testbed/scaling.sh): the run's
# scaling.html and scaling.json in testbed/out/scaling/latest.
.PHONY: testbed-scaling
testbed-scaling: $(O)/xpkttrace testbed-modules
	XPKTTRACE=$(abspath $(O)/xpkttrace) testbed/scaling.sh

# --- fuzzing (clang libFuzzer) -------------------------------------------------------
F := $(O)/fuzz
FUZZ_SECONDS ?= 60
$(F)/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CLANG) $(BASE) $(WARN) -O1 -g -fsanitize=fuzzer-no-link,address,undefined -c -o $@ $<

$(F)/%: $(F)/tests/fuzz/%.o $(call lib_objs,$(F))
	$(CLANG) -fsanitize=fuzzer,address,undefined -o $@ $^ $(LIBS)

fuzz: $(addprefix $(F)/,$(FUZZERS))
	@O=$(O) FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh $(FUZZERS)

# --- the rest ----------------------------------------------------------------------
install: $(O)/xpkttrace
	install -D -m 0755 $(O)/xpkttrace $(DESTDIR)$(PREFIX)/bin/xpkttrace
	install -D -m 0644 docs/xpkttrace.1 $(DESTDIR)$(PREFIX)/share/man/man1/xpkttrace.1

FORMAT_SRCS = $(shell git ls-files '*.c' '*.h')
format:
	clang-format -i $(FORMAT_SRCS)
format-check:
	clang-format --dry-run --Werror $(FORMAT_SRCS)

clean:
	rm -rf $(O)

.SECONDARY:
-include $(shell find $(O) -name '*.d' 2>/dev/null)
