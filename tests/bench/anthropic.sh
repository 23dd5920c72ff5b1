#!/bin/sh
# make bench: llm-chat -j 64 (and llm-stream -j 64) against one llm-mock,
# its OpenAI route and its Anthropic route (/v1/messages: the request
# translated, the answer read back) in the same run.  The two are measured
# in turn, ROUNDS times, so load on the machine falls on both alike; the
# figures are medians over the rounds.  Goal: the Anthropic route within
# 10% of the OpenAI route's req/s.
set -eu
. "$(dirname "$0")/lib/bench.sh"
bench_needs hyperfine jq /usr/bin/time
ROUNDS=${ROUNDS:-5}
REPS=${REPS:-3}
start_mock
records "$N" "$tmp/in.ndjson"

for _ in $(seq "$ROUNDS"); do
	for prog in llm-chat llm-stream; do
		for api in openai anthropic; do
			set -- $(measure_exec "env LLM_API=$api $prog -q -j 64 -i $tmp/in.ndjson")
			echo "$(rps "$N" "$1") $2 $(awk -v s="$3" -v n="$N" 'BEGIN { printf "%.1f", s * 1e6 / n }')" \
				>>"$tmp/$prog.$api"
		done
	done
done

col() { awk -v k="$2" '{ print $k }' "$tmp/$1" | median; }
printf '%-34s %12s %10s %14s\n' "client ($N requests, $ROUNDS rounds)" "req/s" "peak RSS" "CPU us/req"
for prog in llm-chat llm-stream; do
	for api in openai anthropic; do
		printf '%-34s %12s %8s KB %14s\n' "$prog -j 64, $api route" "$(col "$prog.$api" 1)" \
			"$(col "$prog.$api" 2)" "$(col "$prog.$api" 3)"
	done
done
echo
echo "llm-chat -j 64, anthropic / openai:   $(ratio "$(col llm-chat.anthropic 1)" "$(col llm-chat.openai 1)") (goal >= 0.90)"
echo "llm-stream -j 64, anthropic / openai: $(ratio "$(col llm-stream.anthropic 1)" "$(col llm-stream.openai 1)")"
