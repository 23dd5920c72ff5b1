#!/bin/sh
# make bench: how close a budget stops to its limit.  N requests (default
# 2000) at -j 64 against llm-mock, priced at a dollar a token (the mock
# priced as a hosted provider), under --max-cost limits that stop the run
# part way; beside each, the same run without a limit, in the same run of
# the script, for the cost of the whole.  The goal: spending stops within
# one in-flight window of the limit (DESIGN: never past it while answers
# keep to their max_tokens).  Prints the limit, what was spent, the
# window (64 requests at their most) and the requests answered.
set -eu
. "$(dirname "$0")/lib/bench.sh"
bench_needs jq
start_mock
echo '{"local_is_free":false,"models":{"mock":{"input":1000000,"output":1000000}}}' >"$tmp/prices.json"
export LLM_PRICES="$tmp/prices.json"
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"id\":\"r%d\",\"request\":{\"model\":\"mock\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"Say something short, number %d.\"}]}}\n", i, i }' >"$tmp/in"
spent() { jq -s '[.[] | select(.status == "ok") | .usage.prompt_tokens + .usage.completion_tokens] | add // 0' "$1"; }
llm-chat -q -j 64 <"$tmp/in" >"$tmp/all"
whole=$(spent "$tmp/all")
# one request held at its most: a quarter of its body's bytes and 16
hold=$(head -1 "$tmp/in" | jq -c .request | awk '{ printf "%d", length($0) / 4 + 16 }')
printf '%-10s %10s %10s %10s %8s %8s\n' limit spent "limit-spent" window answered budget
for frac in 0.10 0.50 0.90; do
	limit=$(awk -v w="$whole" -v f="$frac" 'BEGIN { printf "%d", w * f }')
	llm-chat -q -j 64 --max-cost "$limit" <"$tmp/in" >"$tmp/out" 2>/dev/null || true
	s=$(spent "$tmp/out")
	ok=$(jq -s 'map(select(.status == "ok")) | length' "$tmp/out")
	b=$(jq -s 'map(select(.error.kind == "budget")) | length' "$tmp/out")
	[ "$(wc -l <"$tmp/out")" -eq "$N" ] || { echo "bench: $(wc -l <"$tmp/out") records for $N" >&2; exit 1; }
	printf '%-10s %10s %10s %10s %8s %8s\n' "$limit" "$s" "$((limit - s))" "$((64 * hold))" "$ok" "$b"
	[ "$s" -le "$limit" ] || { echo "bench: spent $s past the limit $limit" >&2; exit 1; }
done
echo "(the whole run, no limit: $whole USD for $N requests)"
