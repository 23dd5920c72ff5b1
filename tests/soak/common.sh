# What the soaks share (sourced by soak.sh and interrupt.sh, which set
# PROG, the name their messages go by): the build on PATH, a scratch
# directory (on tmpfs when there is one) removed at the end unless
# SOAK_KEEP is set, bad() to note a failure, start_mock.
BUILD=${BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PATH="$root/$BUILD/bin:$PATH"
export PATH LC_ALL=C
unset LLM_CACHE_DIR LLM_API_TOKEN OPENAI_API_KEY

tmp=${TMPDIR:-/tmp}
[ -d /dev/shm ] && [ -w /dev/shm ] && tmp=/dev/shm
dir=$(mktemp -d "$tmp/soak.XXXXXX")
mock=
pipe=
cleanup() {
	[ -n "$pipe" ] && kill "$pipe" 2>/dev/null
	[ -n "$mock" ] && kill "$mock" 2>/dev/null
	wait 2>/dev/null
	[ -n "${SOAK_KEEP:-}" ] && echo "kept $dir" || rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
cd "$dir" || exit 1

fail=0
bad() {
	echo "soak $PROG: FAIL: $*"
	fail=1
}

# start_mock PORT [OPTIONS]: llm-mock on PORT (0: a free one); sets mock
# and port.
start_mock() {
	rm -f port
	llm-mock -q --port "$@" --port-file port &
	mock=$!
	i=0
	while [ ! -s port ]; do
		i=$((i + 1))
		if [ $i -gt 200 ] || ! kill -0 "$mock" 2>/dev/null; then
			echo "soak $PROG: llm-mock did not start on port $1" >&2
			exit 1
		fi
		sleep 0.02
	done
	port=$(cat port)
}
