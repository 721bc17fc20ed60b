# libFuzzer harnesses (fuzz/fuzz_*.c), included by the Makefile.
#   make fuzz                 every harness for FUZZ_SECONDS (default 60) each, one after
#                             the other, on a corpus seeded from fuzz/corpus and from files
#                             PyTorch and our writer make (fuzz/make_corpus.sh)
#   make fuzz FUZZ=fuzz_zip   one harness
#   make fuzz-build           only the binaries (build/fuzz/fuzz_*)
# Crashes land in build/fuzz/crashes/<harness>/; once fixed, commit the input under
# fuzz/regressions/<harness>/ so that make check replays it.
FUZZ_CC      ?= clang-14
FUZZ_SECONDS ?= 60
FUZZ_BUILD   := $(BUILD)/fuzz
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_SRC     := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_NAMES   := $(patsubst fuzz/%.c,%,$(FUZZ_SRC))
FUZZ_BINS    := $(addprefix $(FUZZ_BUILD)/,$(FUZZ_NAMES))
FUZZ_LIBOBJ  := $(patsubst %.c,$(FUZZ_BUILD)/obj/%.o,$(LIB_SRC))
FUZZ         ?= $(FUZZ_NAMES)

$(FUZZ_BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(CFLAGS_BASE) -O1 $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@
$(FUZZ_BUILD)/librppgq.a: $(FUZZ_LIBOBJ)
	@rm -f $@
	ar rcs $@ $^
$(FUZZ_BUILD)/fuzz_%: $(FUZZ_BUILD)/obj/fuzz/fuzz_%.o $(FUZZ_BUILD)/librppgq.a
	$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer $^ -o $@ $(LDLIBS)
-include $(FUZZ_LIBOBJ:.o=.d) $(patsubst fuzz/%.c,$(FUZZ_BUILD)/obj/fuzz/%.d,$(FUZZ_SRC))

.PHONY: fuzz-build
fuzz-build: $(FUZZ_BINS)

fuzz: fuzz-build
	@FUZZ_SECONDS=$(FUZZ_SECONDS) BUILD=$(BUILD) bash fuzz/run.sh $(FUZZ)

# Writes the TFLite seeds (built with the normal compiler against the release library).
$(FUZZ_BUILD)/seedgen: fuzz/seedgen.c $(BUILD)/librppgq.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS_BASE) $(OPT) $^ -o $@ $(LDLIBS)
fuzz-build: $(FUZZ_BUILD)/seedgen
