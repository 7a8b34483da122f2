# Build, boot and test clk. `make help` lists the targets.
#
# The kernel is built by the patched toolchain (scripts/clk-go, GOOS=clk);
# host code and tests use the machine's own Go. Both work from a fresh Debian
# 12 machine with Go at /usr/local/go: `deps` installs the rest.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := kernel
# Steps print section headers and drive QEMU on the terminal: run them in order.
.NOTPARALLEL:

# The host's Go, also when /usr/local/go/bin is not on PATH.
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
CLKGO := scripts/clk-go

BUILD := build
ELF := $(BUILD)/clk.elf
ISO := $(BUILD)/clk.iso
# The raw disk image: clk's own BIOS boot loader (image/boot, assembled by
# nasm), the kernel and the initrd on a boot partition, and an empty FAT32
# data partition; cmd/mkimg writes it (layout: image/diskimg).
IMG := $(BUILD)/clk.img
BOOT_STAGES := $(BUILD)/boot/stage1.bin $(BUILD)/boot/stage2.bin
BOOT_SOURCES := $(wildcard image/boot/*.inc)
MKIMG := $(BUILD)/mkimg

# Reproducible builds (docs/release.md). SOURCE_DATE_EPOCH, the time of
# the commit, dates every file of the initrd and the ISO. REPRO=1, which
# make release sets, also builds every GOOS=clk program with -trimpath and
# an empty build ID, so that its bytes do not depend on the directory of
# the checkout; development builds keep their paths for debuggers.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
export SOURCE_DATE_EPOCH
REPRO ?=
REPRO_FLAGS := $(if $(filter 1,$(REPRO)),-trimpath)
REPRO_LDFLAGS := $(if $(filter 1,$(REPRO)),-buildid=)

# The initrd: image/initrd/ plus the ring-3 programs as a newc cpio archive,
# which the kernel mounts read-only at / (ls and cat in the shell read it,
# run starts the programs in /bin).
INITRD := $(BUILD)/initrd.cpio
INITRD_FILES := $(shell find image/initrd -type f 2>/dev/null)
# Ring-3 programs: each directory of programs/, built for clk and linked
# in the user address space (-T; the linker then picks the user entry point),
# without DWARF but with the symbol table the kernel's fault reports use.
PROGRAMS := $(notdir $(patsubst %/,%,$(wildcard programs/*/)))
USER_LDFLAGS := -T 0x7f0000101000 -w $(REPRO_LDFLAGS)

# Modules: each directory of modules/ with a module.json, built as a
# ring-3 program is, wrapped and signed by clkmod into
# build/modules/DIR.clkm (modules/kv/kv1 is kv1.clkm), with the key
# CLK_SIGNING_KEY names (KEY.key beside its KEY.pub), by default a
# development key made in build/keys on first use. The image's trust
# store (build/trust) is a root set of one root key (build/keys/root,
# threshold 1) and a delegation of the signing key for every name: a
# development setup, see docs/modules.md. The initrd carries both, at
# /etc/trust and /modules.
CLKMOD := $(BUILD)/clkmod
KEYS := $(BUILD)/keys
SIGNING_KEY := $(or $(CLK_SIGNING_KEY),$(KEYS)/dev.key)
# The trust store's root key, CLK_ROOT_KEY or a development key.
ROOT_KEY := $(or $(CLK_ROOT_KEY),$(KEYS)/root.key)
# The key that signs a release's SHA256SUMS (make release): CLK_RELEASE_KEY
# or a development key, never the module key.
RELEASE_KEY := $(or $(CLK_RELEASE_KEY),$(KEYS)/release.key)
# The supervisor's action key, built into modules/sup (CLK_SUP_KEY), and
# the one root the kernel trusts for supervisor policies
# (CLK_SUP_ROOT_KEY); development keys when not given.
SUP_KEY := $(or $(CLK_SUP_KEY),$(KEYS)/sup.key)
SUP_ROOT_KEY := $(or $(CLK_SUP_ROOT_KEY),$(KEYS)/suproot.key)
TRUST := $(BUILD)/trust
MODULE_DIRS := $(patsubst %/module.json,%,$(shell find modules -name module.json 2>/dev/null | LC_ALL=C sort))
MODULE_FILES := $(foreach d,$(MODULE_DIRS),$(BUILD)/modules/$(notdir $(d)).clkm)

QEMU ?= qemu-system-x86_64
QEMU_MEM ?= 512M
QEMU_SMP ?= 2
QEMU_ACCEL ?= tcg
# QEMU_DISPLAY=gtk (or sdl, curses) shows the VGA screen, where a second
# shell runs on the PS/2 keyboard; none keeps QEMU on the terminal only.
QEMU_DISPLAY ?= none
# Extra QEMU arguments, e.g. QEMU_FLAGS="-s -S" to wait for GDB on :1234.
QEMU_FLAGS ?=
# The disk make qemu attaches: a FAT32 image, made on first use when it is
# the default one. DISK=path boots another image; DISK= boots without one.
DEFAULT_DISK := build/disk.img
DISK ?= $(DEFAULT_DISK)
# The host port on 127.0.0.1 that reaches the guest's port 80.
CLK_HTTP_PORT ?= 8080
# A server on the host's loopback (127.0.0.1:PORT) that the guest reaches
# at 10.0.2.100:8000; none by default.
CLK_HOST_SERVER ?=
# The devices make qemu and make qemu-iso give the guest.
DEVICE_FLAGS = $(if $(DISK),-disk $(DISK)) -http-port $(CLK_HTTP_PORT) $(if $(CLK_HOST_SERVER),-host-server $(CLK_HOST_SERVER))
# UEFI=1 makes qemu-iso boot through OVMF instead of SeaBIOS.
UEFI ?=
OVMF_CODE ?= /usr/share/OVMF/OVMF_CODE_4M.fd
OVMF_VARS ?= /usr/share/OVMF/OVMF_VARS_4M.fd
# Extra flags for every go test run, e.g. TESTFLAGS=-v.
TESTFLAGS ?=
# test-clk runs the bare-metal tests again on these CPU counts (the first
# run uses CLK_SMP, default 1).
SMP_COUNTS ?= 2 4

# Directories whose packages also run on bare metal (GOOS=clk, in QEMU):
# test/baremetal holds the Go runtime port's own tests.
CLK_DIRS := arch kernel drivers cmd actor services test/baremetal

# Debugging (docs/debugging.md). The debug kernel is cmd/clk with the
# project's packages built without optimisation or inlining (-N -l), so
# that every local and argument is there to print and a step goes line by
# line; the runtime stays optimised (its nosplit functions must fit their
# stack limits). Both kernels carry DWARF. Delve is pinned here and
# installed with go install into the toolchain's cache directory; it
# reaches QEMU's gdbstub through scripts/gdbrelay, built beside the
# kernel. DEBUG_SMP CPUs; the gdbstub and the serial console listen on
# 127.0.0.1 at GDB_PORT and CONSOLE_PORT. DEBUG_FLAGS go to the debugger,
# e.g. DEBUG_FLAGS="--init session.dlv" or DEBUG_FLAGS="-x session.gdb".
DEBUG_ELF := $(BUILD)/clk-debug.elf
DEBUG_GCFLAGS := clk/...=-N -l
DELVE_VERSION := v1.27.2
DELVE_DIR := $(or $(CLK_CACHE),$(or $(XDG_CACHE_HOME),$(HOME)/.cache)/clk)/dlv-$(DELVE_VERSION)
DLV := $(DELVE_DIR)/dlv
GDBRELAY := $(BUILD)/gdbrelay
DEBUG_SMP ?= $(QEMU_SMP)
DEBUG_FLAGS ?=
GDB_PORT ?= 1234
CONSOLE_PORT ?= 4555
CRASH_DIR ?= $(BUILD)/crash
CLKDEBUG = CLK_QEMU=$(QEMU) $(GO) run ./scripts/clkdebug -kernel $(1) -initrd $(INITRD) -mem $(QEMU_MEM) -smp $(DEBUG_SMP) \
	-gdb-port $(GDB_PORT) -console-port $(CONSOLE_PORT) -crash-dir $(CRASH_DIR)

# Interactive QEMU (scripts/clkboot, on clk/internal/qemu's command line):
# serial console and monitor multiplexed on the terminal (Ctrl-A X quits,
# Ctrl-A C switches between them); it says how QEMU ended and exits with the
# guest's status.
CLKBOOT = CLK_QEMU=$(QEMU) $(GO) run ./scripts/clkboot -mem $(QEMU_MEM) -smp $(QEMU_SMP) -accel $(QEMU_ACCEL) -display $(QEMU_DISPLAY)

header = @printf '\n==> %s\n' '$(1)'

.PHONY: help all deps toolchain kernel modules iso img qemu qemu-iso qemu-img test test-host test-fuzz test-clk test-system test-std test-std-full soak bench-boot bench-actor bench-smp bench-ipc-host bench-ipc bench-runtime bench-io bench-modules clean debug-kernel delve debug gdb console crash-dump docs release test-repro

help:
	@echo 'make deps         install the Debian packages needed (QEMU, GRUB, OVMF, ...)'
	@echo 'make toolchain    build the GOOS=clk Go toolchain (cached outside the repository)'
	@echo 'make docs         draw the diagrams of docs/diagrams from their Graphviz sources'
	@echo 'make kernel       build $(ELF) (default target)'
	@echo 'make modules      build and sign modules/ into $(BUILD)/modules (the initrd carries them)'
	@echo 'make iso          build $(ISO): GRUB, BIOS and UEFI'
	@echo 'make img          build $(IMG): raw disk image with clk'"'"'s own BIOS boot loader'
	@echo 'make all          build the kernel, the ISO, the image and the modules'
	@echo 'make release      the signed, reproducible release of this commit in $(RELEASE_DIR)'
	@echo 'make qemu         boot $(ELF) in QEMU (-kernel) with the serial console here'
	@echo 'make qemu-iso     boot $(ISO) from SeaBIOS, or from OVMF with UEFI=1'
	@echo 'make qemu-img     boot $(IMG) from SeaBIOS (-snapshot: the image is not changed)'
	@echo 'make debug        boot $(DEBUG_ELF) stopped and debug it with Delve (console: make console)'
	@echo 'make gdb          the same with GDB and the Go runtime'"'"'s GDB extension'
	@echo 'make console      connect this terminal to the serial console of make debug or make gdb'
	@echo 'make crash-dump   boot $(ELF) as make qemu does; a panic or crashdump writes a core to $(CRASH_DIR)'
	@echo 'make test         host tests, bounded fuzzing, bare-metal tests in QEMU, system tests'
	@echo 'make test-host    the host tests (go test ./..., actor also with -race)'
	@echo 'make test-clk     the bare-metal tests: GOOS=clk go test in QEMU, on 1, 2 and 4 CPUs'
	@echo 'make test-system  boot the kernel, the ISO and the image and drive the shell'
	@echo 'make test-fuzz    run each kernel fuzz target for FUZZ_TIME (default 10s)'
	@echo 'make test-repro   make release twice from two clean clones; compare the artefacts'
	@echo 'make test-std     the Go standard library tests on clk, as a table'
	@echo 'make test-std-full  the same without -short: the whole tests, with $(STD_FULL_MEM) of guest memory'
	@echo 'make soak         boot the bare-metal tests again and again; keep evidence of failures'
	@echo 'make bench-boot   time from QEMU start to the first prompt, per boot path'
	@echo 'make bench-actor  actor round trip, spawn and shell pipeline throughput on clk'
	@echo 'make bench-smp    parallel sha256 on 1 and 2 CPUs: the speed-up'
	@echo 'make bench-ipc-host  null syscall dispatch and channel round trips, on the host'
	@echo 'make bench-ipc    null syscall and process round trip on clk and on a Linux guest, with ratios'
	@echo 'make bench-runtime  Go runtime benchmarks on clk and on a Linux guest, with ratios'
	@echo 'make bench-io     disk, TCP and HTTP throughput on clk and on a Linux guest, with ratios'
	@echo 'make bench-modules  module install latency, and how long a replacement holds its clients (p50, p99)'
	@echo 'make clean        remove $(BUILD)/'

deps:
	@scripts/deps.sh

# The diagrams' SVGs are committed beside their sources, so that the README
# links work in a browser of the repository; make docs draws them again
# after a source changes.
DIAGRAMS := $(patsubst %.dot,%.svg,$(wildcard docs/diagrams/*.dot))
docs: $(DIAGRAMS)

docs/diagrams/%.svg: docs/diagrams/%.dot | deps
	dot -Tsvg $< -o $@

toolchain: deps
	@scripts/toolchain.sh >/dev/null

kernel: $(ELF)

# go build always runs (it caches) but the ELF is replaced only when its bytes
# change, so that the ISO is rebuilt only when the kernel changed.
$(ELF): FORCE | toolchain
	@mkdir -p $(BUILD)
	$(CLKGO) build $(REPRO_FLAGS) -ldflags='$(REPRO_LDFLAGS)' -o $@.new ./cmd/clk
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

all: kernel iso img modules

debug-kernel: $(DEBUG_ELF)

$(DEBUG_ELF): FORCE | toolchain
	@mkdir -p $(BUILD)
	$(CLKGO) build -gcflags='$(DEBUG_GCFLAGS)' -o $@.new ./cmd/clk
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

delve: $(DLV)

$(DLV):
	GOBIN=$(DELVE_DIR) $(GO) install github.com/go-delve/delve/cmd/dlv@$(DELVE_VERSION)

$(GDBRELAY): FORCE
	@mkdir -p $(BUILD)
	@$(GO) build -o $@ ./scripts/gdbrelay

iso: $(ISO)

$(ISO): $(ELF) $(INITRD) image/grub.cfg image/mkiso.sh | deps
	image/mkiso.sh $(ELF) $@ $(INITRD)

img: $(IMG)

$(BUILD)/boot/%.bin: image/boot/%.asm $(BOOT_SOURCES) | deps
	@mkdir -p $(dir $@)
	nasm -f bin -I image/boot/ -o $@ $<

# The host's mkimg, replaced only when its bytes change.
$(MKIMG): FORCE
	@mkdir -p $(BUILD)
	@$(GO) build -o $@.new ./cmd/mkimg
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

$(IMG): $(ELF) $(INITRD) $(BOOT_STAGES) $(MKIMG)
	$(MKIMG) -stage1 $(BUILD)/boot/stage1.bin -stage2 $(BUILD)/boot/stage2.bin -kernel $(ELF) -initrd $(INITRD) -o $@

# make release (docs/release.md): the release of the checked-out commit in
# $(RELEASE_DIR), built by scripts/release.sh in a build directory of its
# own with REPRO=1: the ISO, the raw disk image (when the target
# RELEASE_IMG_TARGET, default img, writes $(BUILD)/clk.img), the debug
# archive, the release notes, the logs of the build and of RELEASE_TESTS
# (system tests run on the release's own kernel and ISO), SHA256SUMS and
# its signature by RELEASE_KEY. The keys are CLK_SIGNING_KEY, CLK_ROOT_KEY,
# CLK_SUP_KEY, CLK_SUP_ROOT_KEY
# and CLK_RELEASE_KEY, each a development key in $(KEYS) when not given.
RELEASE_DIR := $(BUILD)/release
RELEASE_TESTS ?= ^Test(KernelShellOverPVH|ISOShellFromBIOS|ISOShellFromUEFI)$$
RELEASE_IMG_TARGET ?= img
RELEASE_ENV = RELEASE_OUT=$(RELEASE_DIR) RELEASE_WORK=$(BUILD)/release-work \
	CLK_SIGNING_KEY=$(abspath $(SIGNING_KEY)) CLK_ROOT_KEY=$(abspath $(ROOT_KEY)) CLK_RELEASE_KEY=$(abspath $(RELEASE_KEY)) \
	CLK_SUP_KEY=$(abspath $(SUP_KEY)) CLK_SUP_ROOT_KEY=$(abspath $(SUP_ROOT_KEY)) \
	RELEASE_DEV_KEYS=$(if $(and $(CLK_SIGNING_KEY),$(CLK_ROOT_KEY),$(CLK_RELEASE_KEY),$(CLK_SUP_KEY),$(CLK_SUP_ROOT_KEY)),,1) \
	RELEASE_TESTS='$(RELEASE_TESTS)' RELEASE_IMG_TARGET=$(RELEASE_IMG_TARGET) \
	CLK_USER_LDFLAGS='$(filter-out -w,$(USER_LDFLAGS)) -buildid=' GO=$(GO)
release: deps toolchain $(SIGNING_KEY) $(ROOT_KEY) $(RELEASE_KEY) $(SUP_KEY) $(SUP_ROOT_KEY)
	$(RELEASE_ENV) scripts/release.sh

# Two release builds of the checked-out commit (without RELEASE_TESTS),
# each from a clean clone in a directory of its own, one after the other,
# the second with an empty Go build cache; with the same keys. Every
# artefact must be the same, byte for byte (scripts/test-repro.sh).
test-repro: deps toolchain $(SIGNING_KEY) $(ROOT_KEY) $(RELEASE_KEY) $(SUP_KEY) $(SUP_ROOT_KEY)
	$(call header,reproducibility: two release builds from two clean clones)
	CLK_SIGNING_KEY=$(abspath $(SIGNING_KEY)) CLK_ROOT_KEY=$(abspath $(ROOT_KEY)) CLK_RELEASE_KEY=$(abspath $(RELEASE_KEY)) \
	CLK_SUP_KEY=$(abspath $(SUP_KEY)) CLK_SUP_ROOT_KEY=$(abspath $(SUP_ROOT_KEY)) \
		GO=$(GO) scripts/test-repro.sh

# The host's clkmod, replaced only when its bytes change.
$(CLKMOD): FORCE
	@mkdir -p $(BUILD)
	@$(GO) build -o $@.new ./cmd/clkmod
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

$(KEYS)/%.key: | $(CLKMOD)
	$(CLKMOD) keygen -o $(KEYS)/$*

# The trust store is made again when a key changes.
$(TRUST)/stamp: $(ROOT_KEY) $(SIGNING_KEY) | $(CLKMOD)
	@rm -rf $(TRUST)
	$(CLKMOD) root -trust $(TRUST) -k 1 -sign $(ROOT_KEY) $(ROOT_KEY:.key=.pub)
	$(CLKMOD) delegate -trust $(TRUST) -sign $(ROOT_KEY) $(SIGNING_KEY:.key=.pub)
	@touch $@

# Each module is built whenever it may have changed (go build caches) and
# signed again (ed25519 signatures are deterministic); its file is
# replaced only when its bytes change.
$(BUILD)/modules/%.clkm: $(SIGNING_KEY) $(SUP_KEY) FORCE | toolchain $(CLKMOD)
	@mkdir -p $(BUILD)/modules
	@dir=$$(for d in $(MODULE_DIRS); do [ "$$(basename $$d)" != "$*" ] || echo $$d; done); \
	seed=; [ "$*" != sup ] || seed="-X main.keySeed=$$(sed -n 2p $(SUP_KEY))"; \
	$(CLKGO) build $(REPRO_FLAGS) -ldflags="$(USER_LDFLAGS) $$seed" -o $(BUILD)/modules/$*.elf ./$$dir && \
	$(CLKMOD) build -elf $(BUILD)/modules/$*.elf -key $(SIGNING_KEY) -o $@.new ./$$dir >/dev/null
	@rm -f $(BUILD)/modules/$*.elf
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

modules: $(MODULE_FILES)

# The AI supervisor (docs/supervisor.md): modules/sup is built with the
# seed of SUP_KEY, and its policy, image/sup/policy.json with that key's
# public half added, is signed by SUP_ROOT_KEY, the
# one root the kernel trusts for policies (/etc/sup/root.pub): not a key
# that signs modules.
SUP_POLICY := $(BUILD)/sup/policy.clkp
$(SUP_POLICY): image/sup/policy.json $(SUP_ROOT_KEY) $(SUP_KEY) | $(CLKMOD)
	@mkdir -p $(BUILD)/sup
	$(CLKMOD) suppolicy -sign $(SUP_ROOT_KEY) -supervisor $(SUP_KEY:.key=.pub) -o $@ $<

# Rebuilt whenever a program may have changed (go build caches), replaced
# only when its bytes change, as the kernel is.
$(INITRD): $(INITRD_FILES) $(MODULE_FILES) $(TRUST)/stamp $(SUP_POLICY) FORCE | toolchain
	@rm -rf $(BUILD)/initrd-root && mkdir -p $(BUILD)/initrd-root/bin $(BUILD)/initrd-root/modules $(BUILD)/initrd-root/etc/trust $(BUILD)/initrd-root/etc/sup
	@cp -R image/initrd/. $(BUILD)/initrd-root/
	@cp $(MODULE_FILES) $(BUILD)/initrd-root/modules/
	@cp $(TRUST)/*.clkt $(BUILD)/initrd-root/etc/trust/
	@cp $(SUP_POLICY) $(BUILD)/initrd-root/etc/sup/policy.clkp
	@cp $(SUP_ROOT_KEY:.key=.pub) $(BUILD)/initrd-root/etc/sup/root.pub
	@for p in $(PROGRAMS); do \
		$(CLKGO) build $(REPRO_FLAGS) -ldflags='$(USER_LDFLAGS)' -o $(BUILD)/initrd-root/bin/$$p ./programs/$$p || exit 1; \
	done
	@# Fixed order, owner, modes and dates: the archive's bytes depend on
	@# the files' contents only.
	@cd $(BUILD)/initrd-root && chmod -R u=rwX,go=rX . && find . -exec touch -h -d @$(SOURCE_DATE_EPOCH) {} + && \
		find . -mindepth 1 | sed 's|^\./||' | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet --reproducible >$(abspath $@).new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

qemu: deps kernel $(INITRD) $(filter $(DEFAULT_DISK),$(DISK))
	$(call header,booting $(ELF): Ctrl-A X quits QEMU)
	@$(CLKBOOT) -kernel $(ELF) -initrd $(INITRD) $(DEVICE_FLAGS) -- $(QEMU_FLAGS)

debug: deps debug-kernel $(INITRD) $(DLV) $(GDBRELAY)
	$(call header,debugging $(DEBUG_ELF) with Delve: the serial console is make console)
	@$(call CLKDEBUG,$(DEBUG_ELF)) -debugger dlv -dlv $(DLV) -relay $(abspath $(GDBRELAY)) -- $(DEBUG_FLAGS)

gdb: deps debug-kernel $(INITRD)
	$(call header,debugging $(DEBUG_ELF) with GDB: the serial console is make console)
	@$(call CLKDEBUG,$(DEBUG_ELF)) -debugger gdb -goroot $$(scripts/toolchain.sh) -- $(DEBUG_FLAGS)

console:
	@$(GO) run ./scripts/clkdebug -attach 127.0.0.1:$(CONSOLE_PORT)

crash-dump: deps kernel $(INITRD)
	$(call header,booting $(ELF): a panic or crashdump writes a core to $(CRASH_DIR); Ctrl-A X quits QEMU)
	@$(call CLKDEBUG,$(ELF)) -debugger none

# The default disk: a 512 MiB FAT32 volume of 4 KiB clusters, sparse on
# the host, made once; mtools (mdir -i build/disk.img ::) and fsck.fat
# read it.
$(DEFAULT_DISK): | deps
	@mkdir -p $(dir $@)
	/usr/sbin/mkfs.fat -F 32 -s 8 -n CLK -C $@.new 524288 >/dev/null && mv $@.new $@

qemu-iso: deps iso $(filter $(DEFAULT_DISK),$(DISK))
ifneq ($(filter 1 yes true,$(UEFI)),)
	$(call header,booting $(ISO) from UEFI (OVMF): Ctrl-A X quits QEMU)
	@CLK_OVMF_CODE=$(OVMF_CODE) CLK_OVMF_VARS=$(OVMF_VARS) $(CLKBOOT) -iso $(ISO) -uefi $(BUILD) $(DEVICE_FLAGS) -- $(QEMU_FLAGS)
else
	$(call header,booting $(ISO) from BIOS: Ctrl-A X quits QEMU)
	@$(CLKBOOT) -iso $(ISO) $(DEVICE_FLAGS) -- $(QEMU_FLAGS)
endif

# The command line README.md gives for the image, with -snapshot so that
# the image stays as built, and the monitor on the terminal (Ctrl-A X quits).
qemu-img: deps img
	$(call header,booting $(IMG) from BIOS: Ctrl-A X quits QEMU)
	$(QEMU) -m 2048 -drive format=raw,file=$(IMG) -snapshot -serial mon:stdio -display $(QEMU_DISPLAY) $(QEMU_FLAGS)

test: deps toolchain test-host test-fuzz test-clk test-system test-repro test-std

# -count=1: the tests exercise scripts and QEMU, which go test's cache does
# not see. CLK_GOROOT lets host tests that build GOOS=clk programs
# (test/baremetal) find the toolchain. The actor runtime's tests run again
# under the race detector (a few seconds once the race build of its
# dependencies is cached).
test-host: toolchain
	$(call header,host tests: go test ./...)
	env -u CLK_SYSTEST_ELF -u CLK_SYSTEST_ISO -u CLK_SYSTEST_INITRD -u CLK_SYSTEST_IMG CLK_GOROOT=$$(scripts/toolchain.sh) $(GO) test -count=1 $(TESTFLAGS) ./...
	$(call header,host tests: go test -race ./actor/...)
	$(GO) test -count=1 -race $(TESTFLAGS) ./actor/...

# Every fuzz target of the tree, each run for FUZZ_TIME with the host's Go
# (go test -fuzz takes one target at a time): the syscall decoder, the
# channel message validator and schema parser, the ELF loader, a process's
# syscalls through the real thread driver and address space, the ACPI
# table parsers, the PCI capability walk and BAR sizing, the virtio
# capability walk and used-ring checks, the virtio network device's
# receive path, the keyboard decoder, the screen,
# the shell's parser and line editor, the FAT file system's boot sector,
# cluster chains and directories, the MBR partition table, the network
# service's DHCP message parser, the file system service's exported
# state, the module file and trust document parsers, the version floor's
# text form, the audit log's
# file reader, the supervisor's action and policy file decoders, its
# metrics record, rules section and model file parsers.
FUZZ_TIME ?= 10s
FUZZ_TARGETS := ./kernel/syscalls:FuzzDispatch ./kernel/ipc:FuzzMessageValidator ./kernel/ipc:FuzzParseSchema \
	./kernel/proc:FuzzLoadELF ./kernel/proc:FuzzSyscallsOfAProcess ./drivers/acpi:FuzzParse ./drivers/acpi:FuzzParseS5 ./drivers/acpi:FuzzMCFG ./drivers/acpi:FuzzDMAR ./drivers/pci:FuzzCapabilities ./drivers/ps2:FuzzDecoder \
	./drivers/virtio:FuzzTransportCaps ./drivers/virtio:FuzzUsedRing ./drivers/vga:FuzzScreen ./actor/shell:FuzzParse ./actor/shell:FuzzEditor \
	./drivers/fat:FuzzMount ./drivers/fat:FuzzFATChain ./drivers/fat:FuzzDirectory ./drivers/mbr:FuzzParse ./services/netstack:FuzzDHCPMessage \
	./services/fs:FuzzParseState ./drivers/virtio/net:FuzzRXUsed ./modstore:FuzzParseModule ./modstore:FuzzParseDocs ./modstore:FuzzParseFloor \
	./kernel/audit:FuzzVerify ./suppolicy:FuzzParseAction ./suppolicy:FuzzParsePolicy \
	./aisup/metrics:FuzzParseRecord ./aisup/rules:FuzzParseRules ./aisup/ngram:FuzzParseModel \
	./aisup/classify:FuzzParseClassifier ./aisup/modelfile:FuzzParseModelFile

#
# Go 1.26's fuzzing coordinator can end a run that found nothing with
# "context deadline exceeded" when -fuzztime runs out while a worker is busy
# (go.dev/issue/75804, fixed in Go 1.27); it happens about once a run of
# all the targets. Such a run, with no failing input written, is run again,
# up to twice; any other failure fails at once.
test-fuzz:
	$(call header,fuzzing: $(FUZZ_TIME) per target)
	@mkdir -p $(BUILD)
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; fn=$${t#*:}; \
		for try in 1 2 3; do \
			echo "$(GO) test -run '^$$' -fuzz '^$$fn$$' -fuzztime $(FUZZ_TIME) $$pkg"; \
			status=0; $(GO) test -run '^$$' -fuzz "^$$fn\$$" -fuzztime $(FUZZ_TIME) $$pkg 2>&1 | tee $(BUILD)/fuzz.log || status=$$?; \
			[ $$status -eq 0 ] && break; \
			if [ $$try -lt 3 ] && grep -q 'context deadline exceeded' $(BUILD)/fuzz.log && ! grep -q 'Failing input written' $(BUILD)/fuzz.log; then \
				echo "test-fuzz: $$fn hit Go's fuzz-time deadline race (go.dev/issue/75804) without a finding: again"; \
				continue; \
			fi; \
			exit 1; \
		done; \
	done

# Every package under $(CLK_DIRS) that builds for GOOS=clk, each test binary
# booted in QEMU by scripts/go_clk_amd64_exec. One at a time (-p 1): the
# timing tests measure a guest whose vCPU should not fight other QEMUs for
# the host's cores.
test-clk: toolchain
	$(call header,bare-metal tests: GOOS=clk go test in QEMU)
	@patterns=; for d in $(CLK_DIRS); do [ ! -d $$d ] || patterns="$$patterns ./$$d/..."; done; \
	pkgs=; if [ -n "$$patterns" ]; then \
		mkdir -p $(BUILD); \
		pkgs=$$($(CLKGO) list -e $$patterns 2>$(BUILD)/list.err) || { cat $(BUILD)/list.err >&2; exit 1; }; \
		grep -v 'matched no packages' $(BUILD)/list.err >&2 || true; \
	fi; \
	if [ -z "$$pkgs" ]; then echo "no Go packages under $(CLK_DIRS) yet: nothing to test"; exit 0; fi; \
	echo $(CLKGO) test -count=1 -p 1 $(TESTFLAGS) $$pkgs; \
	CLK_EXEC_ENV=CLK_SMP $(CLKGO) test -count=1 -p 1 $(TESTFLAGS) $$pkgs; \
	for n in $(SMP_COUNTS); do \
		printf '\n==> %s\n' "bare-metal tests on $$n CPUs"; \
		echo "CLK_SMP=$$n $(CLKGO) test -count=1 -p 1 $(TESTFLAGS) ..."; \
		CLK_SMP=$$n CLK_EXEC_ENV=CLK_SMP $(CLKGO) test -count=1 -p 1 $(TESTFLAGS) $$pkgs || exit 1; \
	done
	$(call header,bare-metal tests with 8 GiB: a heap past 4 GiB)
	CLK_QEMU_MEM=8G $(CLKGO) test -count=1 -run 'TestHeapGrowsPastFourGiB' $(TESTFLAGS) ./test/baremetal

# The debugging tests (TestKernelDebug*, TestKernelCrashDump*) drive Delve
# and GDB on the debug kernel and open crash dumps with dlv core.
test-system: iso img $(DEBUG_ELF) $(DLV) $(GDBRELAY)
	$(call header,system tests: boot $(ELF) and $(ISO) and $(IMG) and use the shell)
	CLK_SYSTEST_ELF=$(abspath $(ELF)) CLK_SYSTEST_ISO=$(abspath $(ISO)) CLK_SYSTEST_INITRD=$(abspath $(INITRD)) CLK_SYSTEST_IMG=$(abspath $(IMG)) \
		CLK_SYSTEST_DEBUG_ELF=$(abspath $(DEBUG_ELF)) CLK_DLV=$(DLV) CLK_GDBRELAY=$(abspath $(GDBRELAY)) CLK_GOROOT=$$(scripts/toolchain.sh) \
		$(GO) test -count=1 -v -run '^Test(Kernel|ISO|Image)' $(TESTFLAGS) ./test/system

# soak boots the bare-metal test binaries again and again, one QEMU at a
# time under nice, and keeps the evidence of each boot that fails
# (scripts/soak.sh: SOAK_PKGS, SOAK_SMP, SOAK_RUNS, SOAK_UNTIL, SOAK_DIR).
soak: deps toolchain
	$(call header,soak: the bare-metal tests booted again and again)
	scripts/soak.sh

# The Go standard library's own tests, run on clk (scripts/stdtest), with
# -short as Go's builders do on slow machines; the last step of `make test`.
# STD_PKGS narrows the list.
STD_PKGS ?=
test-std: deps toolchain
	$(call header,the standard library tests on bare metal)
	$(GO) run ./scripts/stdtest -skips $(STD_PKGS)

# The same tests without -short, as Go's builders run them on fast
# machines: hours under TCG. Some need far more memory than the default
# guest's (encoding/xml's peak about 1.8 GB on Linux); 4G also puts a GiB of
# RAM above 4 GiB.
STD_FULL_MEM ?= 4G
test-std-full: deps toolchain
	$(call header,the standard library tests on bare metal without -short)
	$(GO) run ./scripts/stdtest -skips -full -mem $(STD_FULL_MEM) -timeout 30m $(STD_PKGS)

# The CPU-bound parallel benchmark on 1 and 2 CPUs, and the speed-up.
bench-smp: deps toolchain
	$(call header,parallel sha256 over 64 MiB on 1 and 2 CPUs)
	@for n in 1 2; do \
		CLK_SMP=$$n $(CLKGO) test -count=1 -run '^$$' -bench ParallelSHA256 -benchtime 3x ./test/baremetal \
			| awk -v n=$$n '/^BenchmarkParallelSHA256/ { print n, $$3 }'; \
	done | awk '{ ns[$$1] = $$2; printf "%d CPU(s): %.0f ms per 64 MiB\n", $$1, $$2 / 1e6 } \
		END { if (ns[2] > 0) printf "speed-up from 1 to 2 CPUs: %.2fx\n", ns[1] / ns[2] }'

# In-kernel costs measured on the host: Dispatch of the null syscall and
# channel round trips, in kernel code and through syscalls.
bench-ipc-host:
	$(call header,IPC and syscall dispatch on the host)
	$(GO) test -run '^$$' -bench 'NullSyscall|RoundTrip|WriteRead' -benchmem ./kernel/syscalls ./kernel/ipc

bench-boot: deps iso img $(INITRD)
	$(call header,boot time: QEMU start to the first prompt; image size; smallest memory)
	$(GO) run ./bench/boot -elf $(ELF) -iso $(ISO) -img $(IMG) -initrd $(INITRD) -runs 5

# The same Go program (bench/runtime/guest) built for clk and as a static
# Linux /init, booted under the same QEMU command line; BENCH_RUNS boots of
# each, BENCH_TIME per benchmark, BENCH_GODEBUG as both programs' GODEBUG
# (e.g. cpu.avx=off,cpu.avx2=off); BENCH_TOGETHER=1 boots the two side by
# side, so that the host's other work weighs on both alike. It prints figures
# and never fails on time.
BENCH_RUNS ?= 2
BENCH_TIME ?= 1s
BENCH_GODEBUG ?=
BENCH_TOGETHER ?=
RTBENCH := $(BUILD)/runtimebench
bench-runtime: deps toolchain
	$(call header,Go runtime benchmarks: clk and Linux under the same QEMU)
	@mkdir -p $(RTBENCH)
	$(CLKGO) build -o $(RTBENCH)/guest.elf ./bench/runtime/guest
	GOOS=linux GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o $(RTBENCH)/guest.linux ./bench/runtime/guest
	scripts/linux-guest.sh initramfs $(RTBENCH)/guest.linux $(RTBENCH)/initramfs.cpio
	kernel=$$(scripts/linux-guest.sh kernel); \
	CLK_QEMU_MEM=$(QEMU_MEM) CLK_QEMU_ACCEL=$(QEMU_ACCEL) $(GO) run ./bench/runtime -clk $(RTBENCH)/guest.elf -linux-kernel "$$kernel" \
		-linux-initrd $(RTBENCH)/initramfs.cpio -runs $(BENCH_RUNS) -smp $(QEMU_SMP) -benchtime $(BENCH_TIME) \
		-godebug "$(BENCH_GODEBUG)" $(if $(filter 1 yes true,$(BENCH_TOGETHER)),-together)
# A null syscall and a one-byte round trip between two processes: clk's
# ring-3 programs/ipcbench from its initrd (kernel command line
# clk.run=ipcbench), and bench/ipc/linuxguest as a static Linux /init (getppid, a pipe
# ping-pong), under the same QEMU command line; BENCH_RUNS boots of each. It
# prints figures and ratios, and fails only when a guest prints no results.
# Then the floor under clk's round trip (arch/x86_64's BenchmarkRing3Bounce*:
# two user threads driven by one goroutine, in two address spaces and in one).
IPCBENCH := $(BUILD)/ipcbench
# IPC_SMP is the guests' CPU count: 1 by default, where a round trip is two
# context switches on one CPU on both systems; with more, each wake-up also
# crosses CPUs (slower on both under TCG).
IPC_SMP ?= 1
bench-ipc: deps kernel $(INITRD)
	$(call header,null syscall and process round trip: clk and Linux under the same QEMU)
	@mkdir -p $(IPCBENCH)
	GOOS=linux GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o $(IPCBENCH)/linuxguest ./bench/ipc/linuxguest
	scripts/linux-guest.sh initramfs $(IPCBENCH)/linuxguest $(IPCBENCH)/initramfs.cpio
	kernel=$$(scripts/linux-guest.sh kernel); \
	CLK_QEMU_MEM=$(QEMU_MEM) CLK_QEMU_ACCEL=$(QEMU_ACCEL) $(GO) run ./bench/ipc -clk $(ELF) -clk-initrd $(INITRD) \
		-linux-kernel "$$kernel" -linux-initrd $(IPCBENCH)/initramfs.cpio -runs $(BENCH_RUNS) -smp $(IPC_SMP)
	$(call header,the floor under a round trip on clk: two ring-3 threads bouncing through SYSCALL and SYSRET, one CPU)
	CLK_SMP=1 CLK_EXEC_ENV=CLK_SMP $(CLKGO) test -count=1 -run '^$$' -bench Ring3Bounce ./arch/x86_64
# Disk and network throughput: programs/iobench from clk's initrd (kernel
# command line clk.run=iobench) and the same program as a static Linux
# /init, with the modules it needs, under the same QEMU command line with a
# virtio disk (a new FAT32 image each boot) and a virtio network device on
# QEMU's user network (restrict=on, hostfwd from 127.0.0.1 only). The guest
# times a sequential write and read of IO_DISK_MIB MiB on its disk; the host
# times IO_TCP_MIB MiB over TCP each way and IO_HTTP_CLIENTS keep-alive
# clients' GETs for IO_HTTP_TIME (bench/io). BENCH_RUNS boots of each,
# QEMU_SMP CPUs. It prints figures and ratios, and fails only when a guest
# prints no results.
IOBENCH := $(BUILD)/iobench
IO_DISK_MIB ?= 16
IO_TCP_MIB ?= 16
IO_HTTP_CLIENTS ?= 4
IO_HTTP_TIME ?= 5s
IO_LINUX_MODULES := virtio_pci virtio_blk virtio_net vfat nls_cp437 nls_ascii
bench-io: deps kernel $(INITRD)
	$(call header,disk and network throughput: clk and Linux under the same QEMU)
	@mkdir -p $(IOBENCH)
	GOOS=linux GOARCH=amd64 CGO_ENABLED=0 $(GO) build -o $(IOBENCH)/iobench.linux ./programs/iobench
	scripts/linux-guest.sh initramfs $(IOBENCH)/iobench.linux $(IOBENCH)/initramfs.cpio $(IO_LINUX_MODULES)
	kernel=$$(scripts/linux-guest.sh kernel); \
	CLK_QEMU_MEM=$(QEMU_MEM) CLK_QEMU_ACCEL=$(QEMU_ACCEL) $(GO) run ./bench/io -clk $(ELF) -clk-initrd $(INITRD) \
		-linux-kernel "$$kernel" -linux-initrd $(IOBENCH)/initramfs.cpio -runs $(BENCH_RUNS) -smp $(QEMU_SMP) \
		-disk-mib $(IO_DISK_MIB) -tcp-mib $(IO_TCP_MIB) -http-clients $(IO_HTTP_CLIENTS) -http-time $(IO_HTTP_TIME)
# Actor figures on clk: the actor package's benchmarks and the shell's
# pipeline benchmark run as bare-metal test binaries, then the kernel's shell
# times "yes | head -n 1000000 | wc -l". Figures only: never fails on time.
# The module manager in the running kernel (bench/modules): mod install
# at the prompt, and the time a replacement of kv holds its clients (from
# the quiesce to the switch, as the replace records of the audit log say)
# with 1 KiB and 1 MiB of state. Figures only.
BENCH_MODULE_RUNS ?= 20
bench-modules: deps kernel $(INITRD)
	$(call header,module install and replacement latency on clk)
	$(GO) run ./bench/modules -elf $(ELF) -initrd $(INITRD) -runs $(BENCH_MODULE_RUNS)

bench-actor: deps toolchain kernel
	$(call header,actor benchmarks on clk: round trip and spawn and send-receive)
	$(CLKGO) test -run '^$$' -bench . $(TESTFLAGS) ./actor
	$(call header,shell pipeline benchmark on clk: one line per message against batches)
	$(CLKGO) test -run '^$$' -bench Pipeline -benchtime 3x $(TESTFLAGS) ./actor/shell
	$(call header,pipeline throughput typed at the kernel shell)
	$(GO) run ./bench/pipe -elf $(ELF) -lines 1000000 -runs 3

clean:
	rm -rf $(BUILD)

FORCE:
