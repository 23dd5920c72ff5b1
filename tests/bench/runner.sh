#!/bin/sh
# make bench: what llm-runner adds per turn.  S scenarios of K turns each
# (the mock calls a tool K-1 times, then answers) through llm-runner, and,
# as the baseline in the same run, the very same K*S requests (taken from
# the traces, so every body is the same) sent straight through llm-chat as
# records, one at a time (-j 1).  The mock answers at once; reps are
# interleaved; medians of REPS.  (runner - chat) / turns is llm-runner's
# overhead per turn: its process, pipes, JSON and mocks.
set -eu
. "$(dirname "$0")/lib/bench.sh"
S=${S:-20}
K=${K:-20}
REPS=${REPS:-5}
bench_needs jq

start_mock
jq -cn --argjson s "$S" --argjson k "$K" 'range($s) as $i |
	{model: "mock", prompt: "scenario \($i) [[mock:tool name=t turns=\($k - 1) args={\"i\":\($i)}]]",
	 max_turns: $k, tools: [{name: "t", mock_response: {ok: true}}]}' >"$tmp/scen.ndjson"
llm-runner -q <"$tmp/scen.ndjson" >"$tmp/traces.ndjson"
[ "$(jq -s 'map(select(.status == "ok" and .turns == '"$K"')) | length' "$tmp/traces.ndjson")" -eq "$S" ] ||
	{ echo "bench: llm-runner did not play every scenario to $K turns" >&2; exit 1; }
# the requests llm-runner sent: each turn's messages are those before its answer
jq -c '.run_id as $r | .messages as $m | [range(0; $m|length) | select($m[.].role == "assistant")] |
	to_entries[] | {id: "\($r)/t\(.key + 1)", request: {model: "mock", messages: $m[:.value],
	tools: [{type: "function", function: {name: "t", parameters: {type: "object", properties: {}}}}]}}' \
	"$tmp/traces.ndjson" >"$tmp/requests.ndjson"
T=$(wc -l <"$tmp/requests.ndjson")

timed() {	# timed CMD: wall seconds of CMD
	s=$(date +%s%N)
	sh -c "$1" >/dev/null
	e=$(date +%s%N)
	echo "$(( (e - s) / 1000 ))" | awk '{ printf "%.6f\n", $1 / 1e6 }'
}
: >"$tmp/chat.secs"; : >"$tmp/runner.secs"
for _ in $(seq "$REPS"); do
	timed "$CLI llm-chat -q -j 1 <$tmp/requests.ndjson" >>"$tmp/chat.secs"
	timed "$CLI llm-runner -q <$tmp/scen.ndjson" >>"$tmp/runner.secs"
done
chat=$(median <"$tmp/chat.secs")
runner=$(median <"$tmp/runner.secs")
printf '%-48s %10s %12s\n' "$S scenarios x $K turns = $T requests, median of $REPS" "seconds" "ms/request"
printf '%-48s %10.3f %12.3f\n' "llm-chat -j 1, the same requests as records" "$chat" \
	"$(awk -v a="$chat" -v t="$T" 'BEGIN { print a * 1000 / t }')"
printf '%-48s %10.3f %12.3f\n' "llm-runner (-> llm-chat)" "$runner" \
	"$(awk -v a="$runner" -v t="$T" 'BEGIN { print a * 1000 / t }')"
echo "llm-runner adds $(awk -v a="$runner" -v b="$chat" -v t="$T" 'BEGIN { printf "%.3f", (a - b) * 1000 / t }') ms per turn" \
	"(ratio $(ratio "$runner" "$chat"); goal <= 2 ms per turn)"
