# What the benchmarks in tests/bench/*.sh share: the build on PATH, a
# scratch directory, llm-mock on a free port, request records, medians and
# a timed run.  Source it after setting PIN (optional).
#
# PIN=1 runs llm-mock on CPU 0 and every client on CPU 1 (taskset): on a
# two-core machine the unpinned client and server fight for the same two
# cores, so a client that costs more CPU than wrk also slows the server it
# is measured against; pinned, each side has a core of its own.
PIN=${PIN:-}
if [ -n "$PIN" ]; then
	command -v taskset >/dev/null || { echo "bench: PIN=1 needs taskset" >&2; exit 1; }
	SRV="taskset -c 0" CLI="taskset -c 1"
	echo "== pinned: llm-mock on CPU 0, clients on CPU 1"
else
	SRV= CLI=
	echo "== unpinned: llm-mock and the clients share every CPU"
fi
BUILD=${BUILD:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$root/$BUILD/bin:$PATH"
N=${N:-2000}
REPS=${REPS:-5}
tmp=$(mktemp -d)
mock=
trap '[ -z "$mock" ] || kill $mock 2>/dev/null || true; rm -rf "$tmp"' EXIT INT TERM

# bench_needs CMD...: stop with the apt-get hint when one is missing
bench_needs() {
	for t in "$@"; do
		command -v "$t" >/dev/null || { echo "bench: needs $t (apt-get install $t)" >&2; exit 1; }
	done
}

# start_mock [llm-mock options]: sets url, LLM_BASE_URL and mock
start_mock() {
	rm -f "$tmp/port"
	$SRV llm-mock -q --port 0 --port-file "$tmp/port" "$@" &
	mock=$!
	while [ ! -s "$tmp/port" ]; do sleep 0.05; done
	url="http://127.0.0.1:$(cat "$tmp/port")/v1"
	export LLM_BASE_URL="$url"
}

body='{"model":"mock","messages":[{"role":"user","content":"Say something short."}]}'

records() {	# records N FILE
	awk -v n="$1" -v b="$body" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"id\":\"r%d\",\"request\":%s}\n", i, b }' >"$2"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rps() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", n / (s > 0 ? s : 0.001) }'; }

# measure CMD: runs it REPS times and prints "median_seconds
# median_maxrss_kb"; the wall time is taken in nanoseconds around the
# command, the peak RSS from /usr/bin/time -v; a third figure is the
# median CPU seconds (user + system) the command used, which other load
# on the machine disturbs less than the wall time
measure() {
	: >"$tmp/secs"; : >"$tmp/rss"; : >"$tmp/cpu"
	for _ in $(seq "$REPS"); do
		s=$(date +%s%N)
		/usr/bin/time -f "%M %U %S" -o "$tmp/t" $CLI sh -c "$1" >/dev/null 2>"$tmp/err" ||
			{ cat "$tmp/err" >&2; echo "bench: failed: $1" >&2; exit 1; }
		e=$(date +%s%N)
		echo "$(( (e - s) / 1000 ))" | awk '{ printf "%.6f\n", $1 / 1e6 }' >>"$tmp/secs"
		awk '{ print $1 }' "$tmp/t" >>"$tmp/rss"
		awk '{ print $2 + $3 }' "$tmp/t" >>"$tmp/cpu"
	done
	echo "$(median <"$tmp/secs") $(median <"$tmp/rss") $(median <"$tmp/cpu")"
}

# measure_exec CMD: the same three figures, the wall time taken by
# hyperfine around the command itself: no shell, date(1) or time(1) in
# it.  Those add some 5 ms, a tenth of a 2,000-request llm-chat run,
# which wrk's own clock (started once its connections are up) never
# counts; the command's own start (exec, libraries, set-up) is counted.
# CMD is split into words as a shell would, quotes kept, and run by none.
# The CPU figure is hyperfine's mean user + system; the peak RSS is from
# one more run under /usr/bin/time.
measure_exec() {
	$CLI hyperfine -N -w $(( REPS > 1 )) -r "$REPS" --export-json "$tmp/h.json" "$1" \
		>/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; echo "bench: failed: $1" >&2; exit 1; }
	/usr/bin/time -f "%M" -o "$tmp/t" $CLI sh -c "exec $1" >/dev/null 2>"$tmp/err" ||
		{ cat "$tmp/err" >&2; echo "bench: failed: $1" >&2; exit 1; }
	jq -r --arg rss "$(cat "$tmp/t")" \
		'.results[0] | "\(.median) \($rss) \(.user + .system)"' "$tmp/h.json"
}
