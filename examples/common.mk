# Included by the examples' Makefiles.
#
# BIN: where the llm-* programs are taken from; this checkout's build by
# default (`make BIN=../../build/san/bin` for the sanitizer build), the
# installed ones when it has none.
# WITH_MOCK: run a command against an llm-mock started for it, unless
# LLM_BASE_URL names a server already (see with-mock.sh).
EXAMPLES   := $(abspath $(dir $(lastword $(MAKEFILE_LIST))))
BIN        ?= $(EXAMPLES)/../build/bin
export PATH := $(abspath $(BIN)):$(PATH)
WITH_MOCK   = sh $(EXAMPLES)/with-mock.sh

SHELL       = /bin/bash
.SHELLFLAGS = -o pipefail -ec
