# llm-* — a plain Makefile.  `make` builds, `make check` tests,
# `make SAN=1 check` tests under ASan+UBSan, `make demo` shows it working.

PREFIX   ?= /usr/local
DESTDIR  ?=
BINDIR    = $(PREFIX)/bin
MANDIR    = $(PREFIX)/share/man
DATADIR   = $(PREFIX)/share/llm
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
ZSHCOMPDIR  ?= $(PREFIX)/share/zsh/vendor-completions
FISHCOMPDIR ?= $(PREFIX)/share/fish/vendor_completions.d

CC       ?= cc
PKGS      = libcurl json-c libcrypto libmicrohttpd libpcre2-8
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CMOCKA_LIBS := $(shell pkg-config --libs cmocka 2>/dev/null)

OPT      ?= -O2
CFLAGS   ?= -g
WARN      = -std=c17 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
# the one version of the whole tree: every program's --version says it
VERSION  := $(shell cat VERSION)
CPPFLAGS += -D_GNU_SOURCE -DLLM_DATADIR='"$(DATADIR)"' -Ilib

ifeq ($(SAN),1)
B         = build/san
OPT       = -O1
# float-cast-overflow: gcc's "undefined" leaves it out (clang's, in make
# fuzz, has it); a double past an int is a --timeout of days away
SANFLAGS  = -fsanitize=address,undefined,float-cast-overflow -fno-omit-frame-pointer \
            -fno-sanitize-recover=all
else
B         = build
SANFLAGS  =
endif

ALL_CFLAGS = $(WARN) $(OPT) $(CFLAGS) $(SANFLAGS) $(PKG_CFLAGS)
ALL_LDFLAGS = $(SANFLAGS) -Wl,--as-needed $(LDFLAGS)

# every cmd/llm-*.c is a program; every tests/bench/*.sh a benchmark
PROGS    = $(patsubst cmd/%.c,%,$(wildcard cmd/llm-*.c))
LIB_SRC  = $(wildcard lib/*/*.c)
LIB_HDR  = $(wildcard lib/*/*.h)
LIB_OBJ  = $(LIB_SRC:lib/%.c=$(B)/lib/%.o)
UNIT_SRC = $(wildcard tests/unit/test_*.c)
UNITS    = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
BINS     = $(PROGS:%=$(B)/bin/%)
MANPAGES = $(wildcard man/man1/*.1 man/man5/*.5 man/man7/*.7)
COMPS    = $(addprefix $(BASHCOMPDIR)/,$(notdir $(wildcard completions/bash/*))) \
           $(addprefix $(ZSHCOMPDIR)/,$(notdir $(wildcard completions/zsh/*))) \
           $(addprefix $(FISHCOMPDIR)/,$(notdir $(wildcard completions/fish/*)))

.PHONY: all check unit bats deps demo bench bench-base soak install uninstall clean lint-man
all: $(BINS)

$(B)/lib/%.o: lib/%.c $(LIB_HDR)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

$(B)/cmd/%.o: cmd/%.c $(LIB_HDR) | $(B)/cmd
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -c -o $@ $<

# the version reaches util.o alone, in every build (plain, SAN, fuzz)
%/lib/base/util.o: CPPFLAGS += -DLLM_VERSION='"$(VERSION)"'
$(B)/lib/base/util.o build/fuzz/lib/base/util.o: VERSION

$(B)/libllm.a: $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

# llm-stream is llm-chat's front end compiled with streaming on
$(B)/cmd/llm-stream.o: cmd/llm-chat.c

$(B)/bin/%: $(B)/cmd/%.o $(B)/libllm.a | $(B)/bin
	$(CC) $(ALL_LDFLAGS) -o $@ $(filter %.o,$^) $(B)/libllm.a $(PKG_LIBS) -lpthread -lm

$(B)/tests/%: tests/unit/%.c $(B)/libllm.a $(wildcard tests/unit/*.h) | $(B)/tests
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -Wno-missing-prototypes -o $@ $< $(B)/libllm.a \
		$(PKG_LIBS) $(CMOCKA_LIBS) -lpthread -lm

$(B)/cmd $(B)/bin $(B)/tests:
	mkdir -p $@

# Missing packages are installed when root, named otherwise.
deps:
	@sh mk/deps.sh

check: deps
	@$(MAKE) --no-print-directory all units
	@BUILD=$(B) sh tests/run.sh

# the LD_PRELOAD shim of tests/inject.bats, never sanitized (see inject.c)
$(B)/tests/inject.so: tests/inject/inject.c | $(B)/tests
	$(CC) $(WARN) $(OPT) $(CFLAGS) -fPIC -shared -o $@ $< -ldl

units: $(UNITS) $(B)/tests/inject.so

demo: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory -C examples/demo BIN=$(CURDIR)/$(B)/bin

# tests/bench/chat.sh's yardstick: libcurl with nothing on top
$(B)/bench/curl-alone: tests/bench/curl_alone.c
	@mkdir -p $(B)/bench
	$(CC) $(WARN) $(OPT) $(CFLAGS) $(PKG_CFLAGS) -o $@ $< $$(pkg-config --libs libcurl)

bench:
	@DEPS_EXTRA="wrk hyperfine strace" sh mk/deps.sh
	@$(MAKE) --no-print-directory all $(B)/bench/curl-alone
	@for b in tests/bench/*.sh; do echo "== $$b"; BUILD=$(B) sh $$b || exit 1; echo; done
	@BUILD=$(B) PIN=1 sh tests/bench/chat.sh

# the speed goals of BASE=REV's build and this tree's, side by side
bench-base:
	@DEPS_EXTRA="wrk hyperfine strace" sh mk/deps.sh
	@sh mk/bench-base.sh

# the fault soak (tests/soak): long, so not part of check
soak: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(B) sh tests/soak/run.sh

lint-man:
	mandoc -T lint -W warning man/man1/*.1 man/man5/*.5 man/man7/*.7

install: all
	mkdir -p $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
		$(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(DATADIR) \
		$(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(FISHCOMPDIR)
	cp $(BINS) $(DESTDIR)$(BINDIR)/
	cp man/man1/*.1 $(DESTDIR)$(MANDIR)/man1/
	cp man/man5/*.5 $(DESTDIR)$(MANDIR)/man5/
	cp man/man7/*.7 $(DESTDIR)$(MANDIR)/man7/
	cp -R share/llm/. $(DESTDIR)$(DATADIR)/
	cp completions/bash/* $(DESTDIR)$(BASHCOMPDIR)/
	cp completions/zsh/* $(DESTDIR)$(ZSHCOMPDIR)/
	cp completions/fish/* $(DESTDIR)$(FISHCOMPDIR)/

uninstall:
	rm -f $(PROGS:%=$(DESTDIR)$(BINDIR)/%) $(MANPAGES:man/%=$(DESTDIR)$(MANDIR)/%) \
		$(COMPS:%=$(DESTDIR)%)
	rm -rf $(DESTDIR)$(DATADIR)

clean:
	rm -rf build

include mk/fuzz.mk
