#!/bin/sh
# make bench-base BASE=REV: the speed goals measured for REV's build and
# this tree's, side by side in one run, by this tree's benchmarks: a
# change that claims to keep the speed shows both (machines here are
# noisy: compare the two columns of one run, not runs of different
# days).  REV is built from `git archive` in build/base/REV.  ROUNDS
# (default 1) alternates base and new that many times.
set -eu
cd "$(dirname "$0")/.."
BASE=${BASE:?BASE=REV names the revision to compare with}
ROUNDS=${ROUNDS:-1}
rev=$(git rev-parse --short "$BASE")
dir=build/base/$rev
if [ ! -x "$dir/build/bin/llm-chat" ] || [ ! -x "$dir/build/bench/curl-alone" ]; then
	rm -rf "$dir"
	mkdir -p "$dir"
	git archive "$rev" | tar -x -C "$dir"
	make -C "$dir" --no-print-directory -j2 all build/bench/curl-alone >/dev/null
fi
make --no-print-directory -j2 all build/bench/curl-alone >/dev/null

# run SIDE BUILD: the goal lines of each benchmark for one build
run() {
	echo "== $1 ($2)"
	BUILD=$2 PIN=1 sh tests/bench/chat.sh | grep -E '^llm-chat -j 64 / (wrk|libcurl)'
	BUILD=$2 sh tests/bench/stream.sh | grep -E '^llm-stream -j 64 / llm-chat'
	BUILD=$2 sh tests/bench/hash.sh | grep -E '^llm-hash --json:'
	BUILD=$2 sh tests/bench/redact.sh | grep -E '^llm-redact '
}
i=0
while [ "$i" -lt "$ROUNDS" ]; do
	run "base $rev" "$dir/build"
	run "new $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- lib cmd || echo +)" build
	i=$((i + 1))
done
