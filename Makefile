# ttstack — one entry point. See README.md.
#
#   make            user space into build/ (and the kernel module when headers exist)
#   make check      unit and integration tests on the in-process model, then again
#                   under ASan+UBSan
#   make bench      benchmarks, one JSON object per line
#   make demo       the first programs
#   make deps       install the Debian packages the build and tests need
#   make install    PREFIX=/usr/local DESTDIR=

BUILD   ?= build
V       ?= 0
ifeq ($(V),0)
Q       := @
say      = @printf '  %-6s %s\n' $(1) $(2);
else
Q       :=
say      =
endif
PREFIX  ?= /usr/local
# Libraries go to PREFIX/lib, or to Debian's multiarch folder under /usr.
MULTIARCH := $(shell $(CC) -print-multiarch 2>/dev/null)
LIBDIR  ?= $(if $(and $(filter /usr,$(PREFIX)),$(MULTIARCH)),$(PREFIX)/lib/$(MULTIARCH),$(PREFIX)/lib)
DESTDIR ?=
SAN     ?=

CC      ?= cc
VERSION := 0.1.0
SONAME  := libttuser.so.0

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wno-missing-field-initializers
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c11 -D_GNU_SOURCE $(WARN) -ffp-contract=off -pthread -fPIC
CPPFLAGS += -Iuapi -Isim -Ilibttuser -Ilibttuser/include -Ifirmware -I$(BUILD)/include
LDLIBS  += -lm -pthread -ludev -ldl
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=address,undefined
endif

SIM_SRC := $(filter-out sim/ivshmem.c,$(wildcard sim/*.c))
LIB_SRC := $(wildcard libttuser/*.c)
KHDRS   := $(wildcard libttuser/include/ttuser/kernel/*.h)
OBJ      = $(patsubst %.c,$(BUILD)/obj/%.o,$(SIM_SRC) $(LIB_SRC)) $(BUILD)/obj/gen/kernel_headers.o \
	   $(BUILD)/obj/gen/firmware.o

UNIT_TESTS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(wildcard tests/unit/test_*.c))
INTEG_TESTS := $(patsubst tests/integration/%.c,$(BUILD)/tests/%,$(wildcard tests/integration/test_*.c))
EXAMPLES    := $(BUILD)/examples/add1
EXAMPLES    += $(BUILD)/examples/eltwise_add
EXAMPLES    += $(BUILD)/examples/matmul
BENCHES     := $(patsubst tests/bench/%.c,$(BUILD)/bench/%,$(wildcard tests/bench/*.c))

TOOLS       := $(BUILD)/bin/ttctl $(BUILD)/bin/ttsim-ivshmem

all: lib examples tests benches tools
lib: $(BUILD)/lib/libttuser.a $(BUILD)/lib/$(SONAME) $(BUILD)/lib/libttuser.pc
examples: $(EXAMPLES)
tests: $(UNIT_TESTS) $(INTEG_TESTS)
benches: $(BENCHES)

$(BUILD)/include/ttuser/tt_core.h: uapi/tt_core.h
	@mkdir -p $(@D)
	$(Q)cp $< $@

# The kernel API headers, built into the library (see libttuser/compile.c).
$(BUILD)/gen/kernel_headers.c: $(KHDRS) uapi/tt_core.h tools/embed.sh
	@mkdir -p $(@D)
	$(call say,GEN,$@)sh tools/embed.sh uapi/tt_core.h=ttuser/tt_core.h \
		$(foreach h,$(KHDRS),$(h)=ttuser/kernel/$(notdir $(h))) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/kernel_headers.o: $(BUILD)/gen/kernel_headers.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(CFLAGS) -c $< -o $@

# The firmware of Wormhole's and Blackhole's Tensix cores (firmware/), built
# for RV32IM and carried in the library as flat images: per chip, the
# worker firmware of BRISC and NCRISC and the command processor, each linked
# at its place in the top FW_REGION of L1 (firmware/fw.h).
FW_CHIPS    := wh bh
FW_SRC      := $(wildcard firmware/*.c firmware/*.h firmware/*.S) uapi/tt_core.h uapi/ttsim.h
FW_CC       := clang --target=riscv32 -march=rv32im -mabi=ilp32 -mno-relax -msmall-data-limit=0 \
	       -ffreestanding -fno-builtin -nostdlib -O2 -std=c11 -Wall -Wextra -Werror \
	       -Wno-missing-field-initializers -Ifirmware -Ifirmware/include -Iuapi
FW_DEF_wh   := -DCHIP_WORMHOLE
FW_DEF_bh   := -DCHIP_BLACKHOLE
FW_BASE_wh  := 0x15E000
FW_BASE_bh  := 0x170000
FW_IMAGES   := $(foreach c,$(FW_CHIPS),$(BUILD)/firmware/$(c)/brisc.bin \
	       $(BUILD)/firmware/$(c)/ncrisc.bin $(BUILD)/firmware/$(c)/cp.bin)

# $(1) chip, $(2) image, $(3) its offset in the region, $(4) sources, $(5) defines,
# $(6) its room
define FW_IMAGE
$(BUILD)/firmware/$(1)/$(2).elf: $(FW_SRC)
	@mkdir -p $$(@D)
	$$(call say,CC,$$@)printf 'ENTRY(_start)\nSECTIONS {\n. = %s + %s;\n.text : { KEEP(*(.text.start)) *(.text .text.*) }\n.rodata : { *(.rodata .rodata.* .srodata .srodata.*) }\n.data : { *(.data .data.* .sdata .sdata.*) }\n__bss_start = .;\n.bss : { *(.bss .bss.* .sbss .sbss.* COMMON) }\n__bss_end = .;\n__image_end = .;\nASSERT(__image_end <= %s + %s + %s, "firmware image too big")\n/DISCARD/ : { *(.comment) *(.note*) *(.eh_frame*) *(.riscv.attributes) }\n}\n' \
		$(FW_BASE_$(1)) $(3) $(FW_BASE_$(1)) $(3) $(6) > $$@.ld
	$(Q)$(FW_CC) $(FW_DEF_$(1)) $(5) -DFW_STACK_TOP=0xFFB00FF0 -fuse-ld=lld -Wl,-T,$$@.ld \
		-Wl,--no-relax -Wl,-z,max-page-size=16 $(4) -o $$@
$(BUILD)/firmware/$(1)/$(2).bin: $(BUILD)/firmware/$(1)/$(2).elf
	$(Q)llvm-objcopy -O binary $$< $$@
endef
$(foreach c,$(FW_CHIPS),$(eval $(call FW_IMAGE,$(c),brisc,0x1000,firmware/start.S firmware/worker.c firmware/fwlib.c,-DFW_BRISC,0x5000)))
$(foreach c,$(FW_CHIPS),$(eval $(call FW_IMAGE,$(c),ncrisc,0x6000,firmware/start.S firmware/worker.c firmware/fwlib.c,-DFW_NCRISC,0x5000)))
$(foreach c,$(FW_CHIPS),$(eval $(call FW_IMAGE,$(c),cp,0x1000,firmware/start.S firmware/cp.c firmware/fwlib.c,,0xF000)))

$(BUILD)/gen/firmware.c: $(FW_IMAGES) tools/embed.sh
	@mkdir -p $(@D)
	$(call say,GEN,$@)EMBED_NAME=tt_firmware sh tools/embed.sh \
		$(foreach f,$(FW_IMAGES),$(f)=$(patsubst $(BUILD)/firmware/%,%,$(f))) > $@.tmp && mv $@.tmp $@

# In-process ttsim finds its libraries in this build folder too (libttuser/io_ttsim.c).
$(BUILD)/obj/libttuser/io_ttsim.o: CPPFLAGS += -DTTUSER_TTSIM_DIR='"$(abspath $(BUILD))/ttsim"'

$(BUILD)/obj/gen/firmware.o: $(BUILD)/gen/firmware.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(CFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.c $(BUILD)/include/ttuser/tt_core.h
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/lib/libttuser.a: $(OBJ)
	@mkdir -p $(@D)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

$(BUILD)/lib/$(SONAME): $(OBJ) libttuser/libttuser.map
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(LDFLAGS) -shared -Wl,-soname,$(SONAME) -Wl,--version-script=libttuser/libttuser.map \
		-o $@ $(OBJ) $(LDLIBS)
	$(Q)ln -sf $(SONAME) $(BUILD)/lib/libttuser.so

$(BUILD)/lib/libttuser.pc: libttuser/libttuser.pc.in Makefile
	@mkdir -p $(@D)
	$(Q)sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
		$< > $@

# Programs of this tree that use only the public API link the shared library,
# as a user's program would, and find it next to them (build/lib, PREFIX/lib).
TT_LINK := -L$(BUILD)/lib -lttuser -Wl,-rpath,'$$ORIGIN/../lib'

# Examples find their kernels in the source tree.
.SECONDEXPANSION:
$(BUILD)/examples/%: examples/$$*/$$*.c $(BUILD)/lib/libttuser.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -DEXAMPLES_DIR='"$(abspath examples)"' $< \
		$(BUILD)/lib/libttuser.a $(LDFLAGS) $(LDLIBS) -o $@

tools: $(TOOLS)

# The model device behind QEMU's ivshmem-doorbell (see tests/qemu/).
$(BUILD)/bin/ttsim-ivshmem: sim/ivshmem.c $(BUILD)/lib/libttuser.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/lib/libttuser.a $(LDFLAGS) $(LDLIBS) -o $@

$(BUILD)/bin/ttctl: $(wildcard tools/ttctl/*.c tools/ttctl/*.h) $(BUILD)/lib/$(SONAME)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) $(filter %.c,$^) $(TT_LINK) \
		$(LDFLAGS) $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/unit/%.c $(BUILD)/lib/libttuser.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(BUILD)/lib/libttuser.a $(LDFLAGS) -lcmocka $(LDLIBS) -o $@

$(BUILD)/tests/%: tests/integration/%.c tests/integration/helpers.h $(BUILD)/lib/libttuser.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -DEXAMPLES_DIR='"$(abspath examples)"' \
		-DTESTS_DIR='"$(abspath tests)"' $< $(BUILD)/lib/libttuser.a $(LDFLAGS) \
		-lcmocka $(LDLIBS) -o $@

$(BUILD)/bench/%: tests/bench/%.c $(BUILD)/lib/libttuser.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -DTESTS_DIR='"$(abspath tests)"' $< $(BUILD)/lib/libttuser.a \
		$(LDFLAGS) $(LDLIBS) -o $@

# matmul: the GEMM example and its benchmark share gemm.h; OpenBLAS gives the
# float64 reference and the sgemm to compare with.
$(BUILD)/examples/matmul $(BUILD)/bench/bench_matmul: examples/matmul/gemm.h
$(BUILD)/examples/matmul $(BUILD)/bench/bench_matmul: LDLIBS += -lopenblas
$(BUILD)/bench/bench_matmul: CFLAGS += -DEXAMPLES_DIR='"$(abspath examples)"'
# make check runs it at 512 (2048 takes minutes under ASan); make demo at 2048.
check-plain: TEST_ENV += MATMUL_SIZE=512

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- tests ----------------------------------------------------------
# Kernels compiled by the tests go to a cache inside the build tree.
TEST_ENV := XDG_CACHE_HOME=$(abspath $(BUILD))/cache BUILD=$(BUILD)
TOOL_TESTS := $(wildcard tests/tools/test_*.sh)

check: check-plain check-asan check-chips

check-plain: tests examples tools
	$(TEST_ENV) sh tests/run.sh $(UNIT_TESTS) $(INTEG_TESTS) $(EXAMPLES) $(TOOL_TESTS)

check-asan:
	$(MAKE) --no-print-directory BUILD=$(BUILD)/asan SAN=1 check-plain

# The integration tests that do no tile math, again on Wormhole and on
# Blackhole under ttsim in-process (TT_TEST_CHIP: tests/integration/helpers.h).
# The Tensix compute engine is not driven on the chips yet: the tile tests run
# on the model only; the trace and pipeline tests add their 1.0 on a RISC-V
# there (soft float from gcc-riscv64-unknown-elf's libgcc).
CHIP_TESTS := $(addprefix $(BUILD)/tests/,test_cq test_dataflow test_events test_sharded \
	      test_trace test_pipeline test_device_errors test_kernels test_tilize)
CHIPS ?= ttsim:wh ttsim:bh
check-chips: tests ttsim
	@for c in $(CHIPS); do echo "chip tests on $$c"; \
		$(TEST_ENV) TT_TEST_CHIP=$$c sh tests/run.sh $(CHIP_TESTS) || exit 1; done

# Under valgrind (memcheck; leaks count as errors): the unit and integration
# tests and the two small examples. test_riscv is left out: valgrind does
# not model the exception flags of MXCSR, which the interpreter reads for
# the RISC-V fflags, so its flag checks cannot pass there.
VALGRIND_TESTS := $(filter-out $(BUILD)/tests/test_riscv,$(UNIT_TESTS)) $(INTEG_TESTS) \
		  $(BUILD)/examples/add1 $(BUILD)/examples/eltwise_add
check-valgrind: tests examples
	$(TEST_ENV) TEST_WRAPPER="valgrind -q --error-exitcode=9 --leak-check=full \
		--errors-for-leak-kinds=definite" sh tests/run.sh $(VALGRIND_TESTS)

bench: benches ttsim
	@for b in $(BENCHES); do $(TEST_ENV) $$b || exit 1; done

demo: examples
	$(TEST_ENV) $(BUILD)/examples/add1
	$(TEST_ENV) $(BUILD)/examples/eltwise_add
	$(TEST_ENV) $(BUILD)/examples/matmul

# ---- kernel module (Kbuild, kmod/, dkms.conf, tools/udev) -----------
# Built against the Debian 6.1 headers when they are installed (never
# `uname -r`: the running kernel may be another). KDIR=... overrides.
# The module builds in $(BUILD)/kmod, a copy of the layout dkms gets.
KDIR     ?= $(firstword $(wildcard /lib/modules/6.1.*/build))
KVER     := $(notdir $(patsubst %/build,%,$(KDIR)))
KMOD_VER := $(shell sed -n 's/^PACKAGE_VERSION="\(.*\)"/\1/p' dkms.conf)
KMOD_PKG := $(shell sed -n 's/^PACKAGE_NAME="\(.*\)"/\1/p' dkms.conf)
KMOD_SRC := Kbuild $(wildcard kmod/*.c kmod/*.h) uapi/tenstorrent.h uapi/ttsim.h
KMOD_DIR := $(abspath $(BUILD))/kmod
KMOD     := $(KMOD_DIR)/tenstorrent.ko
KBUILD    = $(MAKE) --no-print-directory -C $(KDIR) M=$(KMOD_DIR) W=1 KCFLAGS=-Werror
UDEV_RULE := tools/udev/60-tenstorrent.rules
ifneq ($(KDIR),)
all: module
endif

$(KMOD_DIR)/.copied: $(KMOD_SRC)
	@rm -rf $(KMOD_DIR) && mkdir -p $(KMOD_DIR)/kmod $(KMOD_DIR)/uapi
	$(Q)cp Kbuild $(KMOD_DIR)/ && cp kmod/*.c kmod/*.h $(KMOD_DIR)/kmod/ && \
		cp uapi/tenstorrent.h uapi/ttsim.h $(KMOD_DIR)/uapi/ && touch $@

$(KMOD): $(KMOD_DIR)/.copied
	+$(call say,KBUILD,$@)$(KBUILD) modules $(if $(filter 0,$(V)),>$(KMOD_DIR)/build.log 2>&1 || \
		{ cat $(KMOD_DIR)/build.log; exit 1; })

module: kdir $(KMOD)

kdir:
	@test -n "$(KDIR)" -a -d "$(KDIR)" || { echo "no kernel headers under /lib/modules/6.1.*/build" \
		"(make deps, or KDIR=...)"; exit 1; }

# sparse over every file of the module; any warning fails.
sparse: kdir $(KMOD_DIR)/.copied
	+$(Q)$(KBUILD) C=2 modules >$(KMOD_DIR)/sparse.log 2>&1 || { cat $(KMOD_DIR)/sparse.log; exit 1; }
	$(Q)if grep -E 'warning:|error:' $(KMOD_DIR)/sparse.log; then exit 1; fi
	@echo "sparse: no warnings"

udev-install:
	getent group tenstorrent >/dev/null || groupadd --system tenstorrent
	install -D -m 644 $(UDEV_RULE) $(DESTDIR)/etc/udev/rules.d/60-tenstorrent.rules
	@# the group and the names apply to devices already there, without a reboot
	[ -n "$(DESTDIR)" ] || { udevadm control --reload 2>/dev/null && \
		udevadm trigger --subsystem-match=tenstorrent --action=change 2>/dev/null; } || true

modules_install: module udev-install
	$(KBUILD) INSTALL_MOD_DIR=updates CONFIG_MODULE_SIG_ALL= modules_install
	depmod -a $(KVER)

# dkms: the module's source under /usr/src/ttstack-tenstorrent-VERSION (a
# package name of its own: Tenstorrent's driver is dkms package "tenstorrent").
DKMS_SRC := $(DESTDIR)/usr/src/$(KMOD_PKG)-$(KMOD_VER)
dkms-install: kdir udev-install
	rm -rf $(DKMS_SRC) && mkdir -p $(DKMS_SRC)/kmod $(DKMS_SRC)/uapi
	cp Kbuild dkms.conf $(DKMS_SRC)/ && cp kmod/*.c kmod/*.h $(DKMS_SRC)/kmod/ && \
		cp uapi/tenstorrent.h uapi/ttsim.h $(DKMS_SRC)/uapi/
	dkms add $(KMOD_PKG)/$(KMOD_VER)
	dkms build $(KMOD_PKG)/$(KMOD_VER) -k $(KVER)
	dkms install $(KMOD_PKG)/$(KMOD_VER) -k $(KVER)

dkms-remove:
	-dkms remove $(KMOD_PKG)/$(KMOD_VER) --all
	rm -rf $(DKMS_SRC)

# The ioctl ABI's layout: no holes, no padding, and as recorded.
abi-check:
	@mkdir -p $(BUILD)/abi
	$(Q)$(CC) -g -c -Iuapi tests/abi/tenstorrent_abi.c -o $(BUILD)/abi/abi.o
	$(Q)pahole $(BUILD)/abi/abi.o | grep -v cacheline > $(BUILD)/abi/layout.txt
	$(Q)if grep -n 'XXX' $(BUILD)/abi/layout.txt; then echo "abi-check: holes or padding"; exit 1; fi
	$(Q)diff -u tests/abi/tenstorrent.pahole $(BUILD)/abi/layout.txt && echo "abi-check: layout as recorded"

.PHONY: module kdir sparse udev-install modules_install dkms-install dkms-remove abi-check

# ---- QEMU harness (tests/qemu/): the module against the model device ----
QEMU_TESTS := $(patsubst tests/qemu/%.c,$(BUILD)/tests/qemu/%,$(wildcard tests/qemu/*.c))

$(BUILD)/tests/qemu/%: tests/qemu/%.c $(wildcard tests/qemu/*.h) $(BUILD)/lib/libttuser.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -DEXAMPLES_DIR='"$(abspath examples)"' $< \
		$(BUILD)/lib/libttuser.a $(LDFLAGS) -lcmocka $(LDLIBS) -o $@

qemu-tests: $(QEMU_TESTS)

# The guest has no RISC-V compiler: its kernels come from the cache the
# same tests fill on the host first (matmul at the size the guest runs).
qemu-prime: TEST_ENV += MATMUL_SIZE=512
qemu-prime: tests examples
	@$(TEST_ENV) sh tests/run.sh $(INTEG_TESTS) $(EXAMPLES) >$(BUILD)/qemu-prime.log 2>&1 || \
		{ cat $(BUILD)/qemu-prime.log; exit 1; }

qemu-check: module tools qemu-tests qemu-prime
	$(Q)BUILD=$(BUILD) KDIR=$(KDIR) sh tests/qemu/run.sh check

qemu-bench: module tools qemu-tests
	$(Q)BUILD=$(BUILD) KDIR=$(KDIR) sh tests/qemu/run.sh bench

# The attacks alone. qemu-race: mmap against reset for RACE_SECONDS (600);
# qemu-fuzz: the fuzzer on two devices, FUZZ_SECONDS (60) and FUZZ_SEED to
# replay a run. Both with the checks of qemu-check (log, resources).
qemu-race: module tools qemu-tests
	$(Q)BUILD=$(BUILD) KDIR=$(KDIR) QEMU_ONLY='^race_kmod$$' \
		RACE_SECONDS=$(or $(RACE_SECONDS),600) sh tests/qemu/run.sh check

qemu-fuzz: module tools qemu-tests
	$(Q)BUILD=$(BUILD) KDIR=$(KDIR) QEMU_ONLY='^fuzz_kmod$$' sh tests/qemu/run.sh check

# make bench: also the module's figures, measured in the guest.
ifneq ($(and $(KDIR),$(shell command -v qemu-system-x86_64)),)
bench: qemu-bench
endif

.PHONY: qemu-tests qemu-prime qemu-check qemu-bench qemu-race qemu-fuzz

# ---- install --------------------------------------------------------
install: lib tools
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(PREFIX)/include/ttuser/kernel
	install -m 644 $(BUILD)/lib/libttuser.a $(DESTDIR)$(LIBDIR)/
	install -m 755 $(BUILD)/lib/$(SONAME) $(DESTDIR)$(LIBDIR)/
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libttuser.so
	@# the .pc of this install's PREFIX and LIBDIR (build/lib's may be of another)
	sed -e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(LIBDIR)|g' -e 's|@VERSION@|$(VERSION)|g' \
		libttuser/libttuser.pc.in > $(DESTDIR)$(LIBDIR)/pkgconfig/libttuser.pc
	chmod 644 $(DESTDIR)$(LIBDIR)/pkgconfig/libttuser.pc
	install -m 644 libttuser/include/ttuser.h $(DESTDIR)$(PREFIX)/include/
	install -m 644 uapi/tt_core.h $(DESTDIR)$(PREFIX)/include/ttuser/
	install -m 644 $(KHDRS) $(DESTDIR)$(PREFIX)/include/ttuser/kernel/
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/bin/ttctl $(DESTDIR)$(PREFIX)/bin/
	install -m 644 tools/ttctl/ttctl.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -d $(DESTDIR)$(PREFIX)/share/man/man3 $(DESTDIR)$(PREFIX)/share/man/man7
	install -m 644 libttuser/man/*.3 $(DESTDIR)$(PREFIX)/share/man/man3/
	install -m 644 libttuser/man/*.7 $(DESTDIR)$(PREFIX)/share/man/man7/
	@# every function a page describes gets a page that points to it (man tt_cq_finish)
	$(Q)for p in libttuser/man/*.3; do \
		for n in $$(sed -n '/^\.SH NAME/,/^\.SH/p' $$p | grep -v '^\.SH' | sed 's/\\-.*//' | tr ', ' '\n\n'); do \
			[ -z "$$n" ] || [ -e $(DESTDIR)$(PREFIX)/share/man/man3/$$n.3 ] || \
			echo ".so man3/$$(basename $$p)" > $(DESTDIR)$(PREFIX)/share/man/man3/$$n.3; \
		done; \
	done
	install -m 644 uapi/tt_bfp8.h $(DESTDIR)$(PREFIX)/include/ttuser/

# ---- dependencies (Debian 12) ---------------------------------------
# One line per component, so that each says what it needs.
DEPS := build-essential pkg-config clang lld llvm gcc-riscv64-unknown-elf libcmocka-dev libudev-dev
# the kernel module (build, sparse, abi-check, dkms, udev) and the QEMU harness
DEPS += linux-headers-amd64 linux-image-amd64 sparse dkms pahole kmod udev
DEPS += qemu-system-x86 busybox-static cpio
DEPS += libopenblas-dev
DEPS += valgrind

deps:
	@missing=$$(for p in $(DEPS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | \
		grep -q 'install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	fi

clean:
	rm -rf $(BUILD)

.PHONY: all lib examples tests benches tools check check-plain check-asan check-chips check-valgrind bench demo install deps clean
.SECONDARY:

# ---- Faster-RCNN groundwork: model/ host code, ttdetect tools, parity ----
# libttmodel.a holds model/ (weights, host reference ops, COCO evaluation).
# The parity test and the converter test need /usr/bin/python3 with
# torchvision; they run in `make check` whenever it is there.
DEPS += libjpeg-dev libpng-dev libonnx-testdata
DEPS += python3-torchvision
MODEL_LIB   := $(BUILD)/lib/libttmodel.a
MODEL_OBJ   := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard model/*.c model/reference/*.c model/net/*.c model/eval/*.c))
IMAGE_SRC   := tools/ttdetect/image.c tools/ttdetect/annotate.c
IMAGE_LIBS  := -ljpeg -lpng
MODEL_UNIT  := $(filter $(UNIT_TESTS),$(addprefix $(BUILD)/tests/,test_json test_weights test_coco_eval test_image \
	test_host_ops test_onnx_ops test_shapes_model test_layers))
PARITY_DIR  := $(BUILD)/parity
HAVE_TORCHVISION := $(shell /usr/bin/python3 -c 'import importlib.util as u, sys; \
	sys.exit(u.find_spec("torchvision") is None)' >/dev/null 2>&1 && echo yes)

$(MODEL_LIB): $(MODEL_OBJ)
	@mkdir -p $(@D)
	$(call say,AR,$@)rm -f $@ && ar rcs $@ $^

$(MODEL_UNIT): $(BUILD)/tests/%: tests/unit/%.c $(IMAGE_SRC) $(MODEL_LIB) $(BUILD)/lib/libttuser.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -DTESTS_DIR='"$(abspath tests)"' $< $(IMAGE_SRC) \
		$(MODEL_LIB) $(BUILD)/lib/libttuser.a $(LDFLAGS) -lcmocka $(IMAGE_LIBS) $(LDLIBS) -o $@

$(BUILD)/bin/coco_eval: tools/ttdetect/coco_eval_cli.c $(MODEL_LIB) $(BUILD)/lib/$(SONAME)
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(MODEL_LIB) $(BUILD)/lib/libttuser.a \
		$(LDFLAGS) $(LDLIBS) -o $@

$(BUILD)/tests/test_parity: tests/parity/test_parity.c $(MODEL_LIB) $(BUILD)/lib/libttuser.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -DPARITY_DIR='"$(abspath $(PARITY_DIR))"' $< \
		$(MODEL_LIB) $(BUILD)/lib/libttuser.a $(LDFLAGS) -lcmocka $(LDLIBS) -o $@

# Seeded random-init torchvision R50-FPN at 320x320: weights and reference tensors.
$(PARITY_DIR)/reference.safetensors: tests/parity/make_reference.py tools/ttdetect/convert.py \
		tools/ttdetect/shapes.py tools/ttdetect/train_shapes.py
	@mkdir -p $(@D)
	$(call say,GEN,$@)/usr/bin/python3 tests/parity/make_reference.py $(PARITY_DIR)

$(BUILD)/bin/ttdetect: tools/ttdetect/ttdetect.c $(IMAGE_SRC) tools/ttdetect/image.h $(MODEL_LIB) \
		$(BUILD)/lib/libttuser.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) \
		-DSOURCE_WEIGHTS='"$(abspath model/data/shapes_frcnn.safetensors)"' \
		-DDATA_DIR='"$(PREFIX)/share/ttstack"' $< $(IMAGE_SRC) \
		$(MODEL_LIB) $(TT_LINK) $(LDFLAGS) $(IMAGE_LIBS) $(LDLIBS) -o $@

tools: $(BUILD)/bin/coco_eval $(BUILD)/bin/ttdetect

# ttdetect, its man page and the shapes detector it uses without -w.
install: install-ttdetect
install-ttdetect: $(BUILD)/bin/ttdetect
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/ttstack
	install -m 755 $(BUILD)/bin/ttdetect $(DESTDIR)$(PREFIX)/bin/
	install -m 644 tools/ttdetect/ttdetect.1 $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 model/data/shapes_frcnn.safetensors $(DESTDIR)$(PREFIX)/share/ttstack/
.PHONY: install-ttdetect
# Without python3-torchvision there is no reference: these tests say so and
# count as skipped.
tests: $(BUILD)/tests/test_parity
ifeq ($(HAVE_TORCHVISION),yes)
check-plain: $(PARITY_DIR)/reference.safetensors
endif
TOOL_TESTS += $(BUILD)/tests/test_parity tests/parity/test_convert.py tests/parity/test_shapes.py \
	tests/parity/test_train_shapes.py

# The small shapes detector: tools/ttdetect/train_shapes.py (deterministic,
# niced; about half an hour on 2 cores). Its result is committed in model/data/.
train-shapes: $(BUILD)/bin/coco_eval $(BUILD)/bin/ttdetect
	nice -n 19 /usr/bin/python3 tools/ttdetect/train_shapes.py --out $(BUILD)/shapes \
		--evaluator $(BUILD)/bin/coco_eval --ttdetect $(BUILD)/bin/ttdetect
.PHONY: train-shapes

# ttdetect with the committed shapes detector on a committed test image, on
# the model device (the report says where each step ran).
demo-ttdetect: $(BUILD)/bin/ttdetect
	@mkdir -p $(BUILD)/demo
	$(BUILD)/bin/ttdetect --report -o $(BUILD)/demo/shapes.png model/data/shapes/shape_00000.png
	@echo "annotated image: $(BUILD)/demo/shapes.png"
demo: demo-ttdetect
.PHONY: demo-ttdetect

# make bench: ttdetect at 320x320 on the model next to torchvision on the CPU
# (the committed shapes detector, the same weights, threads and run).
bench-ttdetect: $(BUILD)/bin/ttdetect
	/usr/bin/python3 tests/bench/bench_ttdetect.py $(BUILD)/bin/ttdetect \
		model/data/shapes_frcnn.safetensors model/data/shapes/shape_00000.png --size 320
ifeq ($(HAVE_TORCHVISION),yes)
bench: bench-ttdetect
endif
.PHONY: bench-ttdetect

# The parity test plus the whole R50-FPN network on the host (about a minute).
parity-r50: $(BUILD)/tests/test_parity $(PARITY_DIR)/reference.safetensors
	nice $(BUILD)/tests/test_parity --r50-network
.PHONY: parity-r50

# ---- Device op library: model/ops/ (conv, eltwise, pool) and its tests ----
# The op kernels (model/ops/kernels/*.c) are built into libttmodel.a, so
# programs that link it (tools/ttdetect) need no source tree.
OPS_KERNELS := $(wildcard model/ops/kernels/*.c)
OPS_KERNELS += $(wildcard model/ops/kernels/*.h)
OPS_OBJ     := $(patsubst %.c,$(BUILD)/obj/%.o,$(wildcard model/ops/*.c)) $(BUILD)/obj/gen/op_kernels.o
OPS_TESTS   := $(filter $(INTEG_TESTS),$(addprefix $(BUILD)/tests/,test_model_ops test_model_conv \
	test_model_roi_align test_model_onnx))
OPS_TESTS   += $(filter $(INTEG_TESTS),$(BUILD)/tests/test_model_topk)
OPS_TESTS   += $(filter $(INTEG_TESTS),$(BUILD)/tests/test_model_nms)
OPS_TESTS   += $(filter $(INTEG_TESTS),$(BUILD)/tests/test_model_proposals)
OPS_TESTS   += $(filter $(INTEG_TESTS),$(BUILD)/tests/test_model_postprocess)
OPS_TESTS   += $(filter $(INTEG_TESTS),$(BUILD)/tests/test_model_transform)
OPS_BENCHES := $(filter $(BENCHES),$(BUILD)/bench/bench_conv)

$(MODEL_LIB): $(OPS_OBJ)

$(BUILD)/gen/op_kernels.c: $(OPS_KERNELS) tools/embed.sh
	@mkdir -p $(@D)
	$(call say,GEN,$@)EMBED_NAME=op_kernels sh tools/embed.sh \
		$(foreach k,$(OPS_KERNELS),$(k)=$(notdir $(k))) > $@.tmp && mv $@.tmp $@

$(BUILD)/obj/gen/op_kernels.o: $(BUILD)/gen/op_kernels.c
	@mkdir -p $(@D)
	$(call say,CC,$@)$(CC) $(CFLAGS) -c $< -o $@

$(OPS_TESTS): $(BUILD)/tests/%: tests/integration/%.c tests/integration/helpers.h tests/onnx_testdata.h $(MODEL_LIB) \
		$(BUILD)/lib/libttuser.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -DEXAMPLES_DIR='"$(abspath examples)"' $< \
		$(MODEL_LIB) $(BUILD)/lib/libttuser.a $(LDFLAGS) -lcmocka $(LDLIBS) -o $@

# bench_conv compares with im2col + OpenBLAS sgemm on the CPU.
DEPS += libopenblas-dev
$(OPS_BENCHES): $(BUILD)/bench/%: tests/bench/%.c $(MODEL_LIB) $(BUILD)/lib/libttuser.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) $< $(MODEL_LIB) $(BUILD)/lib/libttuser.a \
		$(LDFLAGS) -lopenblas $(LDLIBS) -o $@

# The network's device parts (body, FPN, RPN head, box head) against torchvision.
tests: $(BUILD)/tests/test_network
TOOL_TESTS += $(BUILD)/tests/test_network
$(BUILD)/tests/test_network: tests/parity/test_network.c $(MODEL_LIB) $(BUILD)/lib/libttuser.a
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CPPFLAGS) $(CFLAGS) -DPARITY_DIR='"$(abspath $(PARITY_DIR))"' $< \
		$(MODEL_LIB) $(BUILD)/lib/libttuser.a $(LDFLAGS) -lcmocka $(LDLIBS) -o $@

# ---- ttsim behind QEMU (tools/ttsim-proxy) ----
# ttsim-proxy serves Tenstorrent's ttsim (libttsim_wh.so, libttsim_bh.so,
# built from ../shared/ttsim into $(BUILD)/ttsim) to QEMU 7.2 as a PCI device
# through -device x-pci-proxy-dev. `make proxy-smoke` boots a guest with a
# Wormhole and a Blackhole behind it (tests/qemu/proxy_smoke.sh).
TTSIM_SHARED ?= $(abspath ..)/shared
TTSIM_LIBS   := $(BUILD)/ttsim/libttsim_wh.so $(BUILD)/ttsim/libttsim_bh.so

$(BUILD)/bin/ttsim-proxy: tools/ttsim-proxy/ttsim-proxy.c
	@mkdir -p $(@D)
	$(call say,LD,$@)$(CC) $(CFLAGS) $< $(LDFLAGS) -ldl -o $@

# build-ttsim does nothing when the libraries are newer than ttsim's source.
$(TTSIM_LIBS) &: ttsim-always
	$(call say,GEN,$(BUILD)/ttsim)$(TTSIM_SHARED)/tools/build-ttsim $(BUILD)/ttsim

ttsim: $(TTSIM_LIBS)
tools: $(BUILD)/bin/ttsim-proxy

proxy-smoke: $(BUILD)/bin/ttsim-proxy ttsim
	BUILD=$(BUILD) sh tests/qemu/proxy_smoke.sh

# make qemu-check adds a Wormhole and a Blackhole under ttsim (tests/qemu/chips.sh).
qemu-check: ttsim $(BUILD)/bin/ttsim-proxy

install: install-ttsim-proxy
install-ttsim-proxy: $(BUILD)/bin/ttsim-proxy
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 $(BUILD)/bin/ttsim-proxy $(DESTDIR)$(PREFIX)/bin/
	install -m 644 tools/ttsim-proxy/ttsim-proxy.1 $(DESTDIR)$(PREFIX)/share/man/man1/

.PHONY: ttsim ttsim-always proxy-smoke install-ttsim-proxy
