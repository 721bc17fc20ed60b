# rppgq build. `make` builds build/rppgq; `make check` installs what the tests need (when
# missing), builds everything again under AddressSanitizer + UBSan and runs every test;
# `make bench` prints the benchmarks. Sources are found by folder, so a new module needs no
# edit here.

CC      ?= cc
BUILD   ?= build
OPT     ?= -O2
PKGS    := libzip json-c libpng libprotobuf-c
WARN    := -Wall -Wextra -Werror
CSTD    := -std=c11 -D_GNU_SOURCE

# The libraries' flags come from pkg-config, which a fresh machine does not have until
# tools/install-deps.sh has run. So they live in a generated file: make first remakes
# $(BUILD)/config.mk (installing the build packages when missing, then asking pkg-config)
# and then reads itself again with the flags known. Every goal, `make run` and
# `make check` included, therefore works as the first command on a fresh machine.
CONFIG_MK := $(BUILD)/config.mk
ifneq ($(if $(MAKECMDGOALS),$(filter-out clean,$(MAKECMDGOALS)),all),)
include $(CONFIG_MK)
endif
$(CONFIG_MK): tools/install-deps.sh Makefile
	@bash tools/install-deps.sh build
	@mkdir -p $(@D)
	@cflags=$$(pkg-config --cflags $(PKGS)) && libs=$$(pkg-config --libs $(PKGS)) || \
	    { echo "rppgq: pkg-config does not know $(PKGS) (tools/install-deps.sh build installs them)" >&2; exit 1; }; \
	    printf 'PKG_CFLAGS := %s\nPKG_LIBS := %s\n' "$$cflags" "$$libs" >$@.tmp && mv $@.tmp $@

CFLAGS_BASE = $(CSTD) $(WARN) -g -pthread -Isrc -Iruntime $(PKG_CFLAGS)
LDLIBS  = $(PKG_LIBS) -lcrypto -lz -lm -pthread
SAN     := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

# The ONNX front end's protobuf code is generated from the onnx.proto that Debian's
# libonnx-dev installs (protoc-c from protobuf-c-compiler), into $(BUILD)/gen.
ONNX_PROTO ?= /usr/include/onnx/onnx.proto
GEN     := $(BUILD)/gen
GEN_SRC := $(GEN)/onnx.pb-c.c
CFLAGS_BASE += -I$(GEN)
LIB_SRC := $(sort $(filter-out src/cli/main.c,$(wildcard src/*/*.c)) $(wildcard runtime/*.c)) $(GEN_SRC)
TEST_SRC := $(sort $(wildcard tests/unit/test_*.c))
BENCH_SRC := $(sort $(wildcard bench/bench_*.c))

# One object tree per flavour: build/ (release) and build/asan/ (sanitizers).
define flavour
$(1)OBJ := $$(patsubst %.c,$(2)/obj/%.o,$$(LIB_SRC))
$(2)/obj/%.o: %.c
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS_BASE) $(3) -MMD -MP -c $$< -o $$@
$(2)/librppgq.a: $$($(1)OBJ)
	@rm -f $$@
	ar rcs $$@ $$^
$(2)/rppgq: $(2)/obj/src/cli/main.o $(2)/librppgq.a
	$$(CC) $(3) $$^ -o $$@ $$(LDLIBS)
$(2)/tests/%: $(2)/obj/tests/unit/%.o $(2)/librppgq.a
	@mkdir -p $$(dir $$@)
	$$(CC) $(3) $$^ -o $$@ $$(LDLIBS)
$(2)/bench/%: $(2)/obj/bench/%.o $(2)/librppgq.a
	@mkdir -p $$(dir $$@)
	$$(CC) $(3) $$^ -o $$@ $$(LDLIBS)
-include $$($(1)OBJ:.o=.d)
# the kept test and bench objects follow their headers too (a struct that grows must not
# leave a test compiled against the old layout)
-include $$(patsubst %.c,$(2)/obj/%.d,$$(TEST_SRC) $$(BENCH_SRC))
endef

$(eval $(call flavour,REL,$(BUILD),$(OPT)))
$(eval $(call flavour,ASAN,$(BUILD)/asan,-O1 $(SAN)))

$(GEN)/onnx.pb-c.c: $(ONNX_PROTO)
	@mkdir -p $(GEN)
	protoc-c --c_out=$(GEN) -I$(dir $(ONNX_PROTO)) $(ONNX_PROTO)
$(GEN)/onnx.pb-c.h: $(GEN)/onnx.pb-c.c
# Objects of the ONNX front end include the generated header.
ONNX_USERS := $(patsubst %.c,%.o,$(wildcard src/frontend/*.c))
$(addprefix $(BUILD)/obj/,$(ONNX_USERS)) $(addprefix $(BUILD)/asan/obj/,$(ONNX_USERS)) \
	$(addprefix $(BUILD)/fuzz/obj/,$(ONNX_USERS)): $(GEN)/onnx.pb-c.h

# export-c embeds the MCU runtime byte for byte (.incbin in src/codegen/runtime_embed.c)
$(BUILD)/obj/src/codegen/runtime_embed.o $(BUILD)/asan/obj/src/codegen/runtime_embed.o: \
	runtime/temporal_fusion.c runtime/temporal_fusion.h runtime/float_ops.c runtime/float_ops.h
$(BUILD)/obj/src/codegen/spatial_embed.o $(BUILD)/asan/obj/src/codegen/spatial_embed.o: \
	$(wildcard runtime/input_contract.* runtime/int8_kernels.* runtime/int8_dwfc.* runtime/int8_movement.* runtime/q8_moves.* runtime/int8_ops.h runtime/int8_elementwise.c runtime/int8_fixedpoint.c runtime/int8_reduce.c runtime/q8_net.* runtime/preprocess.* runtime/resample.* runtime/postprocess.* runtime/quality.*)

REL_TESTS  := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(TEST_SRC))
ASAN_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/asan/tests/%,$(TEST_SRC))
BENCHES    := $(patsubst bench/%.c,$(BUILD)/bench/%,$(BENCH_SRC))

.PHONY: all deps deps-build check check-fast bench fuzz clean run m55-test
# Test and bench objects are intermediate files: keep them, or every make check rebuilds
# them (and read their header dependencies, or a kept object goes stale). Only these: a
# bare .SECONDARY would make missing library objects "up to date".
-include $(patsubst tests/unit/%.c,$(BUILD)/obj/tests/unit/%.d,$(TEST_SRC)) \
	$(patsubst tests/unit/%.c,$(BUILD)/asan/obj/tests/unit/%.d,$(TEST_SRC)) \
	$(patsubst bench/%.c,$(BUILD)/obj/bench/%.d,$(BENCH_SRC))
.SECONDARY: $(patsubst tests/unit/%.c,$(BUILD)/obj/tests/unit/%.o,$(TEST_SRC)) \
	$(patsubst tests/unit/%.c,$(BUILD)/asan/obj/tests/unit/%.o,$(TEST_SRC)) \
	$(patsubst bench/%.c,$(BUILD)/obj/bench/%.o,$(BENCH_SRC))
.DEFAULT_GOAL := all

all: $(BUILD)/rppgq

# Installs the Debian packages the build needs when they are missing (root only; the
# build does this itself through $(CONFIG_MK)).
deps-build:
	@bash tools/install-deps.sh build

deps:
	@bash tools/install-deps.sh all

# Every test, under ASan + UBSan; the runner ends with "N passed, N failed".
check: deps
	@$(MAKE) --no-print-directory $(BUILD)/rppgq $(BUILD)/asan/rppgq $(ASAN_TESTS) $(REL_TESTS)
	@RPPGQ=$(BUILD)/asan/rppgq RPPGQ_REL=$(BUILD)/rppgq TEST_BIN=$(BUILD)/asan/tests bash tests/run.sh

# The unit tests and quick integration tests only, without installing anything.
check-fast:
	@$(MAKE) --no-print-directory $(BUILD)/asan/rppgq $(ASAN_TESTS) $(BUILD)/rppgq
	@RPPGQ=$(BUILD)/asan/rppgq RPPGQ_REL=$(BUILD)/rppgq TEST_BIN=$(BUILD)/asan/tests RQ_FAST=1 bash tests/run.sh

bench: deps $(BUILD)/rppgq $(BENCHES)
	@bash bench/run.sh

run: all
	$(BUILD)/rppgq run

clean:
	rm -rf build

include fuzz/fuzz.mk

# The runtime on an emulated Cortex-M55 (QEMU mps3-an547), compared with the host build.
m55-test: $(BUILD)/librppgq.a $(BUILD)/rppgq
	@bash tests/m55/run.sh
	@RPPGQ=$(BUILD)/rppgq RQ_ROOT=$(CURDIR) bash tests/integration/onnx_c_m55.sh
