#!/bin/sh
# Check that the Debian 12 packages the build and tests need are present.
# As root, install the missing ones; otherwise print the apt-get line and
# stop, so `make check` and `make demo` fail with a clear message.
pkgs="make gcc pkg-config libcurl4-openssl-dev libjson-c-dev libssl-dev
libmicrohttpd-dev libpcre2-dev libcmocka-dev bats bats-assert bats-support jq mandoc time
curl valgrind openssl parallel man-db zsh fish json-schema-test-suite"
# `make fuzz` (DEPS_FUZZ=1): clang and its libFuzzer and sanitizer runtimes
fuzz_pkgs="clang libclang-rt-14-dev"
[ -n "$DEPS_FUZZ" ] && pkgs="$pkgs $fuzz_pkgs"
[ -n "$DEPS_EXTRA" ] && pkgs="$pkgs $DEPS_EXTRA"

missing=
for p in $pkgs; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" = 0 ]; then
	echo "deps: installing$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >&2 &&
	apt-get install -y -qq --no-install-recommends $missing >&2 && exit 0
	echo "deps: apt-get failed" >&2
	exit 1
fi
echo "deps: missing packages:$missing" >&2
echo "deps: run as root: apt-get install$missing" >&2
exit 1
