# SPDX-License-Identifier: GPL-2.0
#
# noisetun: the human entry point. Kbuild holds the object list and flags;
# this file names every gate. `make help` lists the targets.

# KERNEL=6.12 or KERNEL=7.2: one of the other Debian kernels noisetun
# supports (Documentation/kernels.md), fetched into a cache with a build
# root of its own suite, where its compiler and C library are
# (scripts/debian-kernel.sh). It sets KVER, KDIR and KROOT (the build root,
# where kbuild runs: scripts/in-root.sh). KERNEL=6.1 is the host's own.
KERNEL ?=
ifneq ($(filter-out 6.1,$(KERNEL)),)
ifeq ($(KROOT)$(filter check check-kernels deps help version,$(MAKECMDGOALS)),)
NT_KERNEL_ENV := $(lastword $(shell $(CURDIR)/scripts/debian-kernel.sh $(KERNEL)))
ifeq ($(NT_KERNEL_ENV),)
$(error scripts/debian-kernel.sh $(KERNEL) failed)
endif
KVER := $(shell . $(patsubst NT_DEBIAN_KERNEL_ENV=%,%,$(NT_KERNEL_ENV)) && echo $$KVER)
KDIR := $(shell . $(patsubst NT_DEBIAN_KERNEL_ENV=%,%,$(NT_KERNEL_ENV)) && echo $$KDIR)
KROOT := $(shell . $(patsubst NT_DEBIAN_KERNEL_ENV=%,%,$(NT_KERNEL_ENV)) && echo $$KROOT)
endif
endif

# Kernel to build for: `uname -r` when its headers are installed, else the
# newest installed Debian kernel headers (scripts/kver.sh). Empty when no
# headers are installed yet: then neither KVER nor KDIR is exported (below),
# so that `make check` and `make demo` on a bare machine, whose scripts run
# after `make deps` installed the headers, work KVER out again themselves.
ifeq ($(KVER),)
KVER := $(shell $(CURDIR)/scripts/kver.sh 2>/dev/null)
endif
# KROOT: a build root (chroot) holding KDIR and the compiler; empty: the host.
KROOT ?=
ifeq ($(origin KDIR),undefined)
KDIR := $(firstword $(wildcard /lib/modules/$(KVER)/build /usr/src/linux-headers-$(KVER)) \
		    /lib/modules/$(KVER)/build)
endif

# git describe, or the VERSION file outside git (scripts/version.sh).
ifeq ($(origin NOISETUN_VERSION),undefined)
NOISETUN_VERSION := $(shell $(CURDIR)/scripts/version.sh)
endif

PREFIX ?= /usr/local
DESTDIR ?=
DKMS_ARGS ?=

# Passed to kbuild. W=1 and C=1/2 given on our command line reach kbuild
# by themselves (command-line variables travel in MAKEFLAGS).
KBUILD_ARGS := -C $(KDIR) M=$(CURDIR) NOISETUN_VERSION=$(NOISETUN_VERSION)
ifneq ($(filter 1 y yes,$(DEBUG)),)
KBUILD_ARGS += CONFIG_NOISETUN_DEBUG=y
endif

# kbuild runs in KROOT when there is one.
KBUILD := $(if $(KROOT),$(CURDIR)/scripts/in-root.sh $(KROOT) )$(MAKE)

export NOISETUN_VERSION
ifneq ($(KVER),)
export KVER KDIR KROOT
endif

.PHONY: all module tools deps lint check check-long check-debug check-kernels reliability-table demo initramfs install \
	install-module install-tools soak bench dkms-install dkms-uninstall clean distclean \
	help version testprogs deb check-deb

all: module tools

module:
	@test -n "$(KVER)" || { echo "no kernel headers installed (make deps, or make KVER=...)"; exit 1; }
	@test -e $(KROOT)$(KDIR)/Makefile || { echo "no kernel build tree at $(KROOT)$(KDIR) (make deps, or make KVER=...)"; exit 1; }
	@echo "  MODULE  noisetun.ko $(NOISETUN_VERSION) for $(KVER)$(if $(filter 1 y yes,$(DEBUG)), DEBUG)$(if $(KROOT), in $(KROOT))"
	+$(KBUILD) $(KBUILD_ARGS) modules

tools:
	$(MAKE) -C tools

# Programs the scenarios run inside the VM (selftests/*/Makefile with an
# `all` target that builds a binary: nlprobe, the raw netlink client;
# udpflood, a UDP capture-and-replay flooder; pktsend, a raw AF_PACKET
# sender).
TESTPROGS := $(patsubst %/Makefile,%,$(wildcard selftests/*/Makefile))

testprogs:
	@set -e; for d in $(TESTPROGS); do $(MAKE) -C $$d; done

version:
	@echo $(NOISETUN_VERSION)

deps:
	@scripts/deps.sh

lint:
	@scripts/lint.sh

# The one test command: see README.md "Tests". T=regex runs only matching
# scenarios, host tests and unit tests. Without T, it leaves out the long
# lane (LONG_T: the stress, fuzzing, scale and flood scenarios, the speed
# gate and the extra boots), which make check-long runs; LONG=1 runs
# both in one go.
LONG_T ?= ^(10-dump-race|10-scale|20-tunctl-differential|20-tunctl-scale|35-handshake-flood|44-parallel|50-teardown-traffic|51-link-flap|54-port-churn|60-speed|61-cpu-hotplug|62-ipv6-disabled|63-queries|80-packet-fuzz|85-netlink-fuzz|92-small-memory)\.sh$$
check: deps
	@$(if $(filter 1 y yes,$(KERNEL_CI)),T='$(KERNEL_CI_T)' NT_INTEROP_PEERS=wireguard )$(if $(filter 1 y yes,$(LONG))$(T)$(KERNEL_CI),,NT_EXCLUDE='$(LONG_T)' )scripts/check.sh

# make check-long: the long lane alone, and 90-objects, which accounts
# for every object the run's scenarios made. Logs in .cache/check-long/.
# NO_SPEED=1 leaves out SPEED_T, the side-by-side speed gate, which wants
# a quiet host: CI runs it by itself once its other lanes are done.
SPEED_T ?= ^60-speed\.sh$$
check-long: deps
	@T='$(or $(T),$(LONG_T)|^90-objects\.sh$$)' $(if $(filter 1 y yes,$(NO_SPEED)),NT_EXCLUDE='$(SPEED_T)' )NT_CHECK_OUT=$(CURDIR)/.cache/check-long scripts/check.sh

# The reliability table from the last make check and make check-debug
# runs (scripts/reliability-table.sh); TABLE_README=1 puts it in README.md.
reliability-table:
	@scripts/reliability-table.sh $(if $(filter 1,$(TABLE_README)),--readme)

demo: deps
	@scripts/demo.sh

# make check-debug: the scenarios on the sanitizing debug kernel (KASAN,
# UBSAN, kmemleak, lockdep, DEBUG_OBJECTS, refcount trackers), built from
# linux-source-6.1 with selftests/debug.config and cached outside the
# checkout (scripts/debug-kernel.sh). DEBUG_T is the default subset
# (README.md "Tests" says why); T=regex picks others; FULL=1 runs them all.
# SLOW=1 reaches the VM as for make check (the scenarios' long profiles:
# 86-fail-nth alone may then take an hour), with FULL's VM timeout.
DEBUG_T ?= ^(10-netlink-errors|10-dump-race|42-gso-receive|50-teardown-traffic|80-packet-fuzz|85-netlink-fuzz|86-fail-nth)\.sh$$
check-debug: deps
	@NT_DEBUG_KERNEL=1 T='$(if $(filter 1 y yes,$(FULL)),,$(or $(T),$(DEBUG_T)))' \
		NT_VM_TIMEOUT=$(or $(NT_VM_TIMEOUT),$(if $(filter 1 y yes,$(FULL) $(SLOW)),14400,5400)) \
		scripts/check.sh

# make check-kernels: make check on each supported kernel in turn (6.1,
# the host's; Debian 13's 6.12; sid's 7.2), each with its own logs in
# .cache/check[-KERNEL]/, then the three summary lines. T= applies to all.
# KERNEL_CI_T is the subset CI runs on 6.12 and 7.2 (`make check KERNEL=7.2
# KERNEL_CI=1`; README.md "Tests"): the DKMS build, interop with that
# kernel's wireguard (NT_INTEROP_PEERS=wireguard: the userspace peers are
# left to make check), the control plane, teardown, the AEAD choice (its
# Kbuild probes differ by kernel); about 5 minutes each
# under TCG, builds and boot included (README.md has the figures).
KERNELS := 6.1 6.12 7.2
KERNEL_CI_T ?= ^(dkms|10-device|10-set-semantics|10-teardown|30-handshake|40-interop|43-aead)\.sh$$
check-kernels: deps
	@mkdir -p .cache; rc=0; \
	for k in $(KERNELS); do \
		{ $(MAKE) --no-print-directory check KERNEL=$$k || echo failed >.cache/check-kernels-$$k.failed; } 2>&1 | \
			tee .cache/check-kernels-$$k.log; \
		[ ! -e .cache/check-kernels-$$k.failed ] || { rc=1; rm -f .cache/check-kernels-$$k.failed; }; \
	done; \
	echo; for k in $(KERNELS); do \
		printf '# %-5s %s\n' "$$k:" "$$(grep -E '^[0-9]+ passed, [0-9]+ failed' .cache/check-kernels-$$k.log | tail -n 1)"; \
	done; exit $$rc
# make soak: the long runs of selftests/soak (traffic and configuration
# churn for MINUTES minutes, default 30), outside make check and CI. The
# same stages as make check minus the unit and host tests; logs in
# .cache/soak/. NT_DEBUG_KERNEL=1 runs it on the debug kernel (kmemleak).
MINUTES ?= 30
soak: deps
	@NT_SUITE=soak NT_SOAK_MINUTES=$(MINUTES) scripts/check.sh

# make bench: selftests/bench in one VM boot, each workload through
# noisetun and the in-tree wireguard.ko alternating; then
# scripts/bench-report.sh writes bench/results.md and bench/results.png
# (bench/README.md). QUICK=1: the short profile (under 5 minutes). ROWS=regex
# runs only the matching workloads of a scenario, ROUNDS=N and SECS=N
# override the profile's rounds and seconds per run. PROFILE=1 adds, after
# the rounds, one tcp-1 run of each module under perf (cpu-clock samples of
# the whole VM), and one setconf and one showconf of each, and logs the
# hottest symbols. AEAD=library|portable loads noisetun with that aead=
# (the report then stays in .cache/bench/). GRO=1 turns GRO on at the
# veth pair under the tunnels of 10-throughput (bench/README.md, "The
# rows"; the report stays in .cache/bench/ too). Logs in .cache/bench/.
# Not part of make check or CI.
bench: deps
	@NT_SUITE=bench NT_BENCH_QUICK=$(if $(filter 1 y yes,$(QUICK)),1,0) \
		NT_BENCH_ROWS='$(ROWS)' NT_BENCH_ROUNDS='$(ROUNDS)' NT_BENCH_SECONDS='$(SECS)' \
		NT_BENCH_PROFILE=$(if $(filter 1 y yes,$(PROFILE)),1,0) NT_BENCH_AEAD='$(AEAD)' \
		NT_BENCH_GRO=$(if $(filter 1 y yes,$(GRO)),1,0) scripts/check.sh; rc=$$?; \
	scripts/bench-report.sh $$([ $$rc = 0 ] || echo --failed) || rc=1; exit $$rc

# make deb: the Debian packages, noisetun-dkms_VERSION_all.deb (the module's
# sources, built by DKMS for every kernel with headers) and
# tunctl_VERSION_ARCH.deb (tool, man page, completion, systemd units), in
# dist/ (DEB_DIR); built by debhelper and dh-dkms from a copy of the tree
# (scripts/deb.sh, debian/).
deb:
	@scripts/deb.sh

# make check-deb: selftests/host/deb.sh alone (make check runs it too): the
# packages built, lintian, then installed into and purged from a Debian 12
# chroot cached in .cache/deb-root/ (NT_DEB_ROOT). 1.5 to 2.5 minutes with
# the chroot cached, 5 when it is made. KTAP in .cache/check-deb.ktap.
check-deb: deps
	@mkdir -p .cache; bash selftests/host/deb.sh | tee .cache/check-deb.ktap; \
	p=$$(grep -c -E '^ok [0-9]+ - .*' .cache/check-deb.ktap); \
	s=$$(grep -c -E '^ok [0-9]+ - .*# SKIP' .cache/check-deb.ktap); \
	f=$$(grep -c -E '^not ok [0-9]+' .cache/check-deb.ktap); \
	echo "$$((p - s)) passed, $$f failed, $$s skipped"; [ "$$f" = 0 ] && [ "$$p" -gt 0 ]

initramfs: module tools
	selftests/vm/build-initramfs.sh --kver $(KVER) --out .cache/vm/initramfs.cpio.gz

install: install-module install-tools

install-module: module
	$(MAKE) $(KBUILD_ARGS) INSTALL_MOD_PATH=$(DESTDIR) modules_install
	@if [ -z "$(DESTDIR)" ]; then depmod -a $(KVER); fi

install-tools: tools
	$(MAKE) -C tools install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

# Copies the module sources to /usr/src/noisetun-$(NOISETUN_VERSION) and runs
# dkms add/build/install for $(KVER). DKMS_ARGS passes extra dkms options
# (e.g. --dkmstree/--sourcetree/--installtree for a private tree).
dkms-install:
	@scripts/dkms-install.sh install

dkms-uninstall:
	@scripts/dkms-install.sh uninstall

clean:
	@if [ -e $(KROOT)$(KDIR)/Makefile ]; then \
		$(KBUILD) -C $(KDIR) M=$(CURDIR) clean; \
	else \
		find . -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod' \
			-o -name '*.mod.c' | grep -v '^./.git/' | xargs rm -f; \
		rm -f Module.symvers modules.order; \
	fi
	$(MAKE) -C tools clean
	@for d in $(TESTPROGS); do $(MAKE) -C $$d clean; done
	rm -rf .cache/vm .cache/check .cache/check-long .cache/check-debug .cache/demo

distclean: clean
	rm -rf .cache dist

help:
	@echo "make [KVER=...] [DEBUG=1] [W=1]  build noisetun.ko and tools/tunctl"
	@echo "make module | tools              build one of them"
	@echo "make deps                        install the Debian packages needed (root)"
	@echo "make lint                        checkpatch --strict and sparse; fails on any warning"
	@echo "make check [T=regex] [LONG=1]    build, host tests, boot QEMU, run scenarios (KTAP)"
	@echo "make check-long [T=regex]        the long lane: stress, fuzzing, scale, floods, speed"
	@echo "make check-debug [T=| FULL=1]    scenarios on the KASAN/kmemleak/lockdep debug kernel"
	@echo "make check KERNEL=6.12|7.2 [T=]  the same on Debian 13's or sid's kernel (fetched, cached)"
	@echo "make check-kernels [T=]          make check on 6.1, 6.12 and 7.2 in turn"
	@echo "make reliability-table           the bad-input/flood/fault/fuzz table of the last runs"
	@echo "make soak [MINUTES=30]           traffic and config churn for MINUTES, slab checked (VM)"
	@echo "make bench [QUICK=1] [T=regex]   noisetun vs wireguard.ko side by side (VM): bench/results.md"
	@echo "make demo                        boot QEMU and show two tunnels configured by tunctl"
	@echo "make install [DESTDIR= PREFIX=]  modules_install + tunctl, man page, completion, units"
	@echo "make deb                         noisetun-dkms and tunctl .deb packages in dist/"
	@echo "make check-deb                   build, lintian, install and purge them in a chroot"
	@echo "make dkms-install                register, build and install with DKMS for KVER"
	@echo "make dkms-uninstall              remove this version from DKMS"
	@echo "make clean | distclean           remove build output (| and the .cache/)"
	@echo "make version                     print the version string"
