# SPDX-License-Identifier: GPL-2.0
#
# make            build build/bpfjail (libbpf linked statically)
# make static     build build/bpfjail-static (fully static, for the VM)
# make test       the whole test suite (host tiers + VM tier); what CI runs
# make vm-test    only the VM tier (BPF LSM enforcement under QEMU)
# make fuzz       the loader's libFuzzer target, for a bounded time
# make vmlinux    regenerate vmlinux/vmlinux.h from this kernel's BTF
# make deps       install build and test dependencies (apt-get)
# make bench      benchmarks: bench/inspect.sh, bench/enforce.sh (VM; see bench/README.md)
# make man        build/bpfjail.8 from docs/bpfjail.md (pandoc if installed)

OUT        ?= build
CC         ?= gcc
CLANG      ?= clang
BPFTOOL    ?= bpftool
ARCH       := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')
VERSION    := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

CFLAGS     ?= -O2 -g
CFLAGS     += -std=gnu11 -Wall -Wextra -Wno-unused-parameter -Wno-missing-field-initializers \
	      -D_GNU_SOURCE -DBPFJAIL_VERSION='"$(VERSION)"'
INCLUDES   := -I$(OUT) -Iuser -Ibpf
LIBS_DYN   := -lelf -lz -lzstd -ljson-c -lyaml -lmicrohttpd -lnettle
# The static build has no metrics HTTP server: Debian's libmicrohttpd.a needs
# GnuTLS, and a static GnuTLS needs a static p11-kit Debian does not ship.
LIBS_STATIC := $(filter-out -lmicrohttpd,$(LIBS_DYN))
# libbpf.a from libbpf-dev: the binary must not depend on the host's libbpf.
LIBBPF_A   := $(firstword $(wildcard /usr/lib/$(shell gcc -print-multiarch)/libbpf.a /usr/lib64/libbpf.a /usr/lib/libbpf.a))

# clang -target bpf does not see the host's arch-specific include dirs
# (asm/types.h); pass the system include list explicitly (libbpf-bootstrap).
CLANG_BPF_SYS_INCLUDES := $(shell $(CLANG) -v -E - </dev/null 2>&1 \
	| sed -n '/<...> search starts here:/,/End of search list./{ s| \(/.*\)|-idirafter \1|p }')

BPF_SRCS   := $(sort $(wildcard bpf/*.bpf.c))
BPF_OBJS   := $(patsubst bpf/%.bpf.c,$(OUT)/bpf/%.bpf.o,$(BPF_SRCS))
SKELS      := $(patsubst bpf/%.bpf.c,$(OUT)/%.skel.h,$(BPF_SRCS))

# Pure libraries: no libbpf. Unit tests and the fuzzer link only these.
GOSYM_SRCS  := $(sort $(wildcard user/gosym/*.c))
POLICY_SRCS := $(sort $(wildcard user/policy/*.c))
UTIL_SRCS   := $(sort $(wildcard user/util/*.c))
LIB_SRCS    := $(GOSYM_SRCS) $(POLICY_SRCS) $(UTIL_SRCS)
# Everything else in user/ (commands, the libbpf glue).
APP_SRCS    := $(sort $(wildcard user/*.c user/kernel/*.c user/agent/*.c))
USER_SRCS   := $(LIB_SRCS) $(APP_SRCS)
USER_OBJS   := $(patsubst %.c,$(OUT)/obj/%.o,$(USER_SRCS))
STATIC_OBJS := $(patsubst %.c,$(OUT)/static-obj/%.o,$(USER_SRCS))
HDRS        := $(wildcard user/*.h user/*/*.h bpf/*.h)

.SECONDARY: $(BPF_OBJS) $(SKELS)
.PHONY: all static test vm-test host-test unit-test fuzz vmlinux deps clean demo man
all: $(OUT)/bpfjail

$(OUT)/bpf/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) vmlinux/vmlinux.h | $(OUT)/bpf
	$(CLANG) -g -O2 -Wall -target bpf -D__TARGET_ARCH_$(ARCH) \
		-Ivmlinux -Ibpf $(CLANG_BPF_SYS_INCLUDES) -c $< -o $@.tmp
	llvm-strip -g $@.tmp -o $@ 2>/dev/null || mv $@.tmp $@
	@rm -f $@.tmp

$(OUT)/%.skel.h: $(OUT)/bpf/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $(subst -,_,$*)_bpf > $@.tmp && mv $@.tmp $@

$(OUT)/obj/%.o: %.c $(HDRS) $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(INCLUDES) -c $< -o $@

$(OUT)/static-obj/%.o: %.c $(HDRS) $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -DBPFJAIL_STATIC $(INCLUDES) -c $< -o $@

$(OUT)/bpfjail: $(USER_OBJS)
	@test -n "$(LIBBPF_A)" || { echo "libbpf.a not found: run 'make deps'" >&2; exit 1; }
	$(CC) $(CFLAGS) -o $@ $^ $(LIBBPF_A) $(LIBS_DYN)

static: $(OUT)/bpfjail-static
$(OUT)/bpfjail-static: $(STATIC_OBJS)
	$(CC) $(CFLAGS) -static -o $@ $^ -lbpf $(LIBS_STATIC)

$(OUT)/bpf:
	mkdir -p $@

vmlinux:
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > vmlinux/vmlinux.h

deps:
	bash scripts/install-deps.sh

# The man page: pandoc when it is installed, else a small awk converter that
# knows the few Markdown constructs docs/bpfjail.md uses. `man -l` shows it.
man: $(OUT)/bpfjail.8
$(OUT)/bpfjail.8: docs/bpfjail.md scripts/md2man.awk
	@mkdir -p $(OUT)
	@if command -v pandoc >/dev/null 2>&1; then \
		pandoc -s -f markdown -t man -M title=BPFJAIL -M section=8 \
			-M footer='bpfjail $(VERSION)' -M header='bpfjail manual' $< -o $@.tmp; \
	else \
		echo "man: pandoc not installed, using scripts/md2man.awk"; \
		awk -v version='$(VERSION)' -f scripts/md2man.awk $< > $@.tmp; \
	fi && mv $@.tmp $@
	@echo "man: wrote $@ (view: man -l $@)"

# --- sanitizer and fuzzer builds (tests/host/badinput.sh, tests/fuzz/loader.sh)
# build/asan/bpfjail: every user source with ASan+UBSan, errors fatal.
# build/fuzz/loader_fuzz: libFuzzer target over the pure gosym library.
ASAN_OUT    := $(OUT)/asan
SAN_FLAGS   := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
ASAN_OBJS   := $(patsubst %.c,$(ASAN_OUT)/obj/%.o,$(USER_SRCS))
FUZZ_SRCS   := tests/fuzz/loader_fuzz.c $(GOSYM_SRCS) $(UTIL_SRCS)

.PHONY: asan fuzz-build
asan: $(ASAN_OUT)/bpfjail
fuzz-build: $(OUT)/fuzz/loader_fuzz

$(ASAN_OUT)/obj/%.o: %.c $(HDRS) $(SKELS)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -O1 $(SAN_FLAGS) $(INCLUDES) -c $< -o $@

$(ASAN_OUT)/bpfjail: $(ASAN_OBJS)
	@test -n "$(LIBBPF_A)" || { echo "libbpf.a not found: run 'make deps'" >&2; exit 1; }
	$(CC) $(CFLAGS) -O1 $(SAN_FLAGS) -o $@ $^ $(LIBBPF_A) $(LIBS_DYN)

$(OUT)/fuzz/loader_fuzz: $(FUZZ_SRCS) $(HDRS)
	@mkdir -p $(dir $@)
	$(CLANG) -g -O1 -std=gnu11 -D_GNU_SOURCE -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(INCLUDES) -o $@ $(FUZZ_SRCS) -lelf -lz -lzstd

# --- tests -------------------------------------------------------------------
# One entry point: tests/run prints per-tier results and a final
# "N passed, N failed, N skipped" line; it exits non-zero if anything failed.
test: all static
	bash tests/run all

host-test: all
	bash tests/run host

unit-test:
	bash tests/run unit

vm-test: all static
	bash tests/run vm

fuzz:
	bash tests/run fuzz

demo:
	bash scripts/demo.sh

# --- benchmarks (not part of make test; figures in bench/README.md) ---------
.PHONY: bench bench-inspect bench-enforce
bench: bench-inspect bench-enforce

bench-inspect: all
	bash bench/inspect.sh

bench-enforce: static
	bash bench/enforce.sh

clean:
	rm -rf $(OUT)
