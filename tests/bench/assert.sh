#!/bin/sh
# make bench: llm-assert with 10 deterministic checks (no rubric, no jq)
# over SIZE MB (default 1000) of result records (content of 1-6 KB,
# escapes and UTF-8 in it), side by side with jq evaluating the same 10
# checks over the same file in the same run; then llm-assert's peak RSS
# at 100 MB and at SIZE (must not grow).  Figures are medians of REPS runs.
#   SIZE=100 REPS=1 sh tests/bench/assert.sh     a quick run
set -eu
REPS=${REPS:-3}
SIZE=${SIZE:-1000}
. "$(dirname "$0")/lib/bench.sh"
bench_needs jq /usr/bin/time

# block FILE: 1000 result records, one in ten an error
awk 'BEGIN {
	srand(7)
	split("the model answered with a long and careful explanation of how caf\303\251 parsers handle \\\"nested\\\" quotes\\n", w, " ")
	for (i = 1; i <= 1000; i++) {
		n = 200 + int(rand() * 800); c = ""
		for (k = 0; k < n; k++) c = c w[1 + int(rand() * 18)] " "
		if (i % 10 == 1)
			printf "{\"id\":\"p/%d\",\"status\":\"error\",\"error\":{\"kind\":\"http\",\"http_status\":429,\"message\":\"slow down\",\"retryable\":true},\"attempt\":1,\"meta\":{\"query_id\":\"q%d\",\"model\":\"gpt-4o\"},\"request\":{\"model\":\"gpt-4o\"}}\n", i, i % 50
		else
			printf "{\"id\":\"p/%d\",\"status\":\"ok\",\"model\":\"gpt-4o\",\"content\":\"%s\",\"finish_reason\":\"%s\",\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d},\"latency_ms\":%d,\"attempt\":1,\"cached\":false,\"meta\":{\"plan_id\":\"p\",\"query_id\":\"q%d\",\"model\":\"gpt-4o\"}}\n", i, c, i % 7 ? "stop" : "length", 40, n, n + 40, 300 + i % 1200, i % 50
	}
}' >"$tmp/block"

make_log() {	# make_log MB FILE
	blk=$(wc -c <"$tmp/block")
	n=$(( ($1 * 1000000 + blk - 1) / blk ))
	: >"$2"
	for _ in $(seq "$n"); do cat "$tmp/block"; done >"$2"
}

cat >"$tmp/checks.toml" <<'EOF'
[[check]]
type = "equals"
value = "x"
[[check]]
type = "contains"
value = "careful"
[[check]]
type = "icontains"
value = "PARSERS"
[[check]]
type = "contains-any"
value = ["zebra", "quotes"]
[[check]]
type = "contains-all"
value = ["model", "nested"]
[[check]]
type = "regex"
value = 'café [a-z]+'
[[check]]
type = "starts-with"
value = "the"
[[check]]
type = "finish-reason"
value = "stop"
[[check]]
type = "max-latency-ms"
value = 1000
[[check]]
type = "max-tokens"
value = 900
EOF
# the same ten in jq, each a boolean, the record passing when all are
jqprog='(.content // "") as $c | if .status == "error" then . + {assert: {pass: false}} else
[ ($c | test("^\\s*x\\s*$")), ($c | contains("careful")),
  ($c | test("PARSERS"; "i")), ($c | contains("zebra") or contains("quotes")),
  ($c | contains("model") and contains("nested")), ($c | test("café [a-z]+")),
  ($c | startswith("the")), .finish_reason == "stop", (.latency_ms // 1e18) <= 1000,
  (.usage.completion_tokens // 1e18) <= 900 ] as $r
| . + {assert: {pass: ($r | all), score: ($r | map(if . then 1 else 0 end) | add / 10)}} end'

make_log "$SIZE" "$tmp/log"
bytes=$(wc -c <"$tmp/log")
echo "log: $bytes bytes, $(wc -l <"$tmp/log") records"
# both agree on which records pass
a=$(head -3000 "$tmp/log" | llm-assert -c "$tmp/checks.toml" | jq -c .assert.pass | sort | uniq -c)
b=$(head -3000 "$tmp/log" | jq -c "$jqprog" | jq -c .assert.pass | sort | uniq -c)
[ "$a" = "$b" ] || { echo "bench: llm-assert and jq disagree: $a / $b" >&2; exit 1; }
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }

printf '%-36s %8s %8s %11s %9s\n' "$SIZE MB log, median of $REPS" seconds MB/s "peak RSS" "vs jq"
set -- $(measure "jq -c '$jqprog' $tmp/log")
jq_s=$1
printf '%-36s %8.2f %8s %8s KB %9s\n' "jq, the same 10 checks" "$1" "$(mbps "$1")" "$2" 1.00
set -- $(measure "llm-assert -c $tmp/checks.toml $tmp/log || [ \$? -eq 1 ]")
as_s=$1 as_rss=$2
printf '%-36s %8.2f %8s %8s KB %9s\n' "llm-assert -c checks.toml (10)" "$1" "$(mbps "$1")" "$2" "$(ratio "$jq_s" "$1")"

make_log 100 "$tmp/log"
set -- $(REPS=1 measure "llm-assert -c $tmp/checks.toml $tmp/log || [ \$? -eq 1 ]")
echo "peak RSS of llm-assert: $2 KB at 100 MB, $as_rss KB at $SIZE MB"
awk -v s="$as_s" -v b="$bytes" 'BEGIN { exit !(b / 1e6 / s >= 100) }' ||
	echo "bench: llm-assert under 100 MB/s on this machine" >&2
