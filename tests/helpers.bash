# Shared setup for the bats tests: the build on PATH, LC_ALL=C, a scratch
# directory per test, and llm-mock started on a port it picks itself.
ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
BUILD=${BUILD:-build}
load /usr/lib/bats/bats-support/load
load /usr/lib/bats/bats-assert/load

export LC_ALL=C
export PATH="$ROOT/$BUILD/bin:$PATH"
unset LLM_BASE_URL OPENAI_BASE_URL LLM_API_TOKEN OPENAI_API_KEY LLM_CACHE_DIR LLM_API ANTHROPIC_API_KEY LLM_ANTHROPIC_BETA
export LLM_CONFIG_DIR="$BATS_TEST_TMPDIR/config"

# Every test runs in its own scratch directory, never in the checkout.
setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
}

# start_mock [llm-mock options]: start llm-mock on a free port and point
# LLM_BASE_URL at it.  MOCK_PORT and MOCK_PID are set; a test may start
# several, and teardown stops them all (MOCK_PIDS).
start_mock() {
	local pf="$BATS_TEST_TMPDIR/mock.port.$RANDOM"
	llm-mock --port 0 --port-file "$pf" "$@" 3>&- &
	MOCK_PID=$!
	MOCK_PIDS="${MOCK_PIDS:-} $MOCK_PID"
	local i
	for i in $(seq 100); do
		[ -s "$pf" ] && break
		kill -0 "$MOCK_PID" 2>/dev/null || { echo "llm-mock died" >&2; return 1; }
		sleep 0.05
	done
	MOCK_PORT=$(cat "$pf")
	export LLM_BASE_URL="http://127.0.0.1:$MOCK_PORT/v1"
}

stop_mock() {
	if [ -n "${MOCK_PID:-}" ]; then
		kill "$MOCK_PID" 2>/dev/null || true
		wait "$MOCK_PID" 2>/dev/null || true
		MOCK_PID=
	fi
}

# A free port with nothing listening, for "dead server" tests: start and
# stop a mock so the port was just free.
dead_url() {
	start_mock
	stop_mock
	echo "http://127.0.0.1:$MOCK_PORT/v1"
}

teardown() {
	stop_mock
	local pid
	for pid in ${MOCK_PIDS:-}; do
		kill "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
}

# What every record-speaking program must do, checked the same way for
# each.  PROG reads records from in.ndjson (written by the caller).

# assert_head_quiet PROG [ARGS]: `PROG | head -1` ends quietly, with the
# first record out.
assert_head_quiet() {
	run bash -c '"$@" <in.ndjson | head -1; echo "status=${PIPESTATUS[0]}"' _ "$@"
	jq -e . <<<"$(head -1 <<<"$output")" >/dev/null
	refute_output --partial "$1:"
	assert_line --regexp '^status=(0|141)$'
}

# assert_sigint PROG [ARGS]: SIGINT after a second writes what finished
# (the ids in $WANT_IDS, sorted, space-separated) and exits 130.
assert_sigint() {
	"$@" <in.ndjson >out.ndjson &
	local pid=$! rc=0
	sleep 1
	kill -INT $pid
	wait $pid || rc=$?
	[ "$rc" -eq 130 ] || { echo "exit $rc"; return 1; }
	[ "$(jq -r .id out.ndjson | sort | tr '\n' ' ')" = "$WANT_IDS" ]
}

# shim_preload: LD_PRELOAD for the I/O fault shim (tests/inject/inject.c);
# a sanitized build wants the ASan runtime first.
shim_preload() {
	local asan
	asan=$(ldd "$(command -v llm-chat)" | awk '/libasan/ { print $3 }')
	echo "${asan:+$asan }$ROOT/$BUILD/tests/inject.so"
}
