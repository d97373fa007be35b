# SPDX-License-Identifier: GPL-2.0
#
# xen_net_patch.mk - the build both driver patches share (netfront-patch/,
# netback-patch/): fetch the pristine Debian files, apply the patch, add
# xen_net_trace.h, build the module out of tree against linux-headers.
# The including Makefile sets MODULE, PATCH, FILES, MODSRC and HERE (its
# own directory) first.

# The Debian source package the patch is made against, and the testbed kernel.
DEBIAN_VERSION := 6.1.192-2
KVER     ?= 6.1.0-56-amd64
KDIR     ?= /usr/src/linux-headers-$(KVER)
BUILD    ?= $(HERE)/build
PRISTINE ?= $(BUILD)/pristine
SRC      ?=
SRC_TAR  ?= /usr/src/linux-source-6.1.tar.xz
TRACE_H  := $(HERE)/../tracepoints/xen_net_trace.h
MOD      := $(BUILD)/mod
# git apply inside a repository's subdirectory skips paths outside it; stop
# git from finding the xpkttrace repository above BUILD.
NOGIT    := GIT_CEILING_DIRECTORIES=$(BUILD)

# O and KBUILD_OUTPUT mean the kernel's output tree to Kbuild: one meant for
# another build (xpkttrace's own "make O=...") must not reach it.
unexport O KBUILD_OUTPUT
MAKEOVERRIDES := $(filter-out O=% KBUILD_OUTPUT=%,$(MAKEOVERRIDES))

.PHONY: all module pristine check-apply clean
all: module

pristine: $(PRISTINE)/.ok

$(PRISTINE)/.ok:
	rm -rf $(PRISTINE).tmp && mkdir -p $(PRISTINE).tmp
ifneq ($(SRC),)
	cd $(SRC) && cp -r --parents $(FILES) $(PRISTINE).tmp/
else
	set -e; if [ -f $(SRC_TAR) ]; then \
		tar -xJf $(SRC_TAR) -C $(PRISTINE).tmp --strip-components=1 \
			$(addprefix linux-source-6.1/,$(FILES)); \
	else \
		mkdir -p $(BUILD)/deb; \
		cd $(BUILD)/deb && apt-get download -q linux-source-6.1=$(DEBIAN_VERSION); \
		dpkg-deb --fsys-tarfile $(BUILD)/deb/linux-source-6.1_$(DEBIAN_VERSION)_all.deb | \
			tar -xO ./usr/src/linux-source-6.1.tar.xz | \
			tar -xJ -C $(PRISTINE).tmp --strip-components=1 \
				$(addprefix linux-source-6.1/,$(FILES)); \
		rm -rf $(BUILD)/deb; \
	fi
endif
	rm -rf $(PRISTINE) && mv $(PRISTINE).tmp $(PRISTINE) && touch $@

check-apply: $(PRISTINE)/.ok
	rm -rf $(BUILD)/apply && mkdir -p $(BUILD)/apply
	cd $(PRISTINE) && cp -r --parents $(FILES) $(BUILD)/apply/
	cd $(BUILD)/apply && patch -p1 --dry-run --fuzz=0 -s -f < $(HERE)/$(PATCH)
	cd $(BUILD)/apply && $(NOGIT) git apply --check $(HERE)/$(PATCH)
	rm -rf $(BUILD)/apply
	@echo "$(PATCH): applies to linux-source-6.1 $(DEBIAN_VERSION)"

$(MOD)/.ok: $(PRISTINE)/.ok $(HERE)/$(PATCH) $(TRACE_H) $(HERE)/Kbuild
	rm -rf $(BUILD)/patched $(MOD) && mkdir -p $(BUILD)/patched $(MOD)
	cd $(PRISTINE) && cp -r --parents $(FILES) $(BUILD)/patched/
	cd $(BUILD)/patched && patch -p1 --fuzz=0 -s -f --no-backup-if-mismatch < $(HERE)/$(PATCH)
	cp $(addprefix $(BUILD)/patched/,$(MODSRC)) $(TRACE_H) $(HERE)/Kbuild $(MOD)/
	touch $@

module: $(MOD)/.ok
	@test -f $(KDIR)/Makefile || { echo "no kernel headers at $(KDIR)" \
		"(apt-get install linux-headers-$(KVER), or make KDIR=...)" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(MOD) modules
	@echo "built $(MOD)/$(MODULE).ko"

clean:
	rm -rf $(BUILD)
