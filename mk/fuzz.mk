# `make fuzz`: the libFuzzer targets of tests/fuzz/fuzz_*.c, built with
# clang into build/fuzz/ (the library compiled again, with the fuzzer's
# coverage and ASan+UBSan), each run FUZZ_TIME seconds from its seed
# corpus by mk/fuzz.sh.  FUZZ_TARGETS picks some: FUZZ_TARGETS=fuzz_toml.
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 60
FB          = build/fuzz
FUZZ_SAN    = -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_CFLAGS = $(WARN) -g -O1 $(FUZZ_SAN) $(PKG_CFLAGS)
FUZZ_SRC    = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS   = $(FUZZ_SRC:tests/fuzz/%.c=$(FB)/%)
FUZZ_OBJ    = $(LIB_SRC:lib/%.c=$(FB)/lib/%.o)
FUZZ_TARGETS ?= $(FUZZ_SRC:tests/fuzz/%.c=%)

.PHONY: fuzz fuzz-build
fuzz:
	@DEPS_FUZZ=1 sh mk/deps.sh
	@$(MAKE) --no-print-directory -j2 fuzz-build
	@FB=$(FB) FUZZ_TIME=$(FUZZ_TIME) sh mk/fuzz.sh $(FUZZ_TARGETS)

fuzz-build: $(FUZZ_BINS)

$(FB)/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FB)/lib/base/util.o: CPPFLAGS += -DLLM_VERSION='"$(VERSION)"'

$(FB)/libllm.a: $(FUZZ_OBJ)
	rm -f $@
	ar rcs $@ $(FUZZ_OBJ)

$(FB)/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/fuzz.h $(FB)/libllm.a
	$(FUZZ_CC) $(CPPFLAGS) $(FUZZ_CFLAGS) -Wno-missing-prototypes -fsanitize=fuzzer \
		-o $@ $< $(FB)/libllm.a $(PKG_LIBS) -lpthread -lm
