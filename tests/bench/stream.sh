#!/bin/sh
# make bench: llm-stream.
#  1. Throughput: llm-stream -j 64 against llm-chat -j 64 on the same short
#     answers from one llm-mock, same run (goal: >= 0.50 of llm-chat).
#  2. Delta latency: how long after llm-mock sent a chunk llm-stream has
#     written its text.  llm-mock stamps each chunk with x_mock_ts_ms (the
#     wall clock when it was sent); strace -ttt stamps llm-stream's reads
#     of the socket and its writes to stdout with the same clock.  The
#     figure is write time - x_mock_ts_ms for every delta, and write time -
#     the read that brought it (goal: <= 1 ms).  strace slows each system
#     call, so the figures are an upper bound.
set -eu
. "$(dirname "$0")/lib/bench.sh"
bench_needs curl hyperfine jq /usr/bin/time strace
start_mock

records "$N" "$tmp/in.ndjson"
printf '%-28s %12s %10s %12s\n' "client ($N requests)" "req/s" "peak RSS" "vs llm-chat"
set -- $(measure_exec "llm-chat -q -j 64 -i $tmp/in.ndjson")
chat=$(rps "$N" "$1")
printf '%-28s %12s %8s KB %12s\n' "llm-chat -j 64" "$chat" "$2" "1.00"
set -- $(measure_exec "llm-stream -q -j 64 -i $tmp/in.ndjson")
stream=$(rps "$N" "$1")
printf '%-28s %12s %8s KB %12s\n' "llm-stream -j 64" "$stream" "$2" "$(ratio "$stream" "$chat")"
set -- $(measure_exec "llm-stream -q -j 64 --events -i $tmp/in.ndjson")
events=$(rps "$N" "$1")
printf '%-28s %12s %8s KB %12s\n' "llm-stream -j 64 --events" "$events" "$2" "$(ratio "$events" "$chat")"
echo "llm-stream -j 64 / llm-chat -j 64: $(ratio "$stream" "$chat") (goal >= 0.50)"

# delta latency: 60 words, one chunk each 20 ms (a person's reading pace
# is slower; the point is that every chunk is a read of its own)
kill "$mock"; wait "$mock" 2>/dev/null || true
start_mock --chunk-delay 20
words=$(seq -f 'w%g' 1 60 | tr '\n' ' ')
lat() {	# lat ARGS...: strace llm-stream, print one "from_mock from_read" line per delta
	strace -f -ttt -s 65536 -e trace=recvfrom,read,write -o "$tmp/trace" "$@" >/dev/null
	awk '
	# a read without a chunk stamp (the end of the stream) pairs with nothing
	/recvfrom\(|read\(/ && !/x_mock_ts_ms/ { pending = 0; next }
	/recvfrom\(|read\(/ {
		# the last chunk this read brought
		n = split($0, parts, "x_mock_ts_ms\\\\\":")
		if (n < 2) n = split($0, parts, "x_mock_ts_ms\":")
		sent = parts[n] + 0; got = $2 + 0; pending = 1; next
	}
	pending && / write\(1,/ {
		t = $2 + 0
		printf "%.3f %.3f\n", t * 1000 - sent, (t - got) * 1000
		pending = 0
	}' "$tmp/trace"
}
stats() {	# stats NAME FILE: median and max of both columns
	printf '%-34s %5d deltas: after the mock sent it: median %.3f ms, max %.3f ms; after the read: median %.3f ms, max %.3f ms\n' \
		"$1" "$(wc -l <"$2")" \
		"$(cut -d' ' -f1 "$2" | median)" "$(cut -d' ' -f1 "$2" | sort -n | tail -1)" \
		"$(cut -d' ' -f2 "$2" | median)" "$(cut -d' ' -f2 "$2" | sort -n | tail -1)"
}
lat llm-stream -m mock "$words" >"$tmp/prompt.lat"
stats "llm-stream prompt mode" "$tmp/prompt.lat"
printf '{"id":"a","request":{"model":"mock","messages":[{"role":"user","content":"%s"}]}}\n' "$words" >"$tmp/one.ndjson"
lat sh -c "exec llm-stream --events <$tmp/one.ndjson" >"$tmp/events.lat"
stats "llm-stream --events" "$tmp/events.lat"
echo "goal: every delta written <= 1 ms after its chunk arrived"
