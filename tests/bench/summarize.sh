#!/bin/sh
# make bench: llm-summarize over a log of result, error and trace records
# (content of 1-6 KB, escapes and UTF-8 in it), SIZE MB (default 400),
# side by side with jq over the same file in the same run: `jq -c
# 'select(.status == "error")' | wc -l` (the least jq can do: parse every
# record) and `jq -s` counting per model.  Then peak RSS at 100 MB and at
# SIZE, two ways: SIZE made of longer content (the same records, each 4x
# larger: must not grow), and SIZE made of the 100 MB log read again (the
# same ids re-run: must not grow either).  Figures are medians of REPS runs.
#   SIZE=100 REPS=3 sh tests/bench/summarize.sh     a quick run
set -eu
REPS=${REPS:-5}
SIZE=${SIZE:-400}
. "$(dirname "$0")/lib/bench.sh"
bench_needs jq /usr/bin/time

# block SCALE FILE: 2000 varied records, content SCALE times as long
block() {
	awk -v scale="$1" 'BEGIN {
		srand(11)
		w = "the model answered with a long and careful explanation of how caf\303\251 parsers handle \\\"nested\\\" quotes\\n"
		split(w, words, " ")
		nm = split("gpt-4o-mini gpt-4o llama3:8b mystery-13b", models, " ")
		for (i = 1; i <= 2000; i++) {
			n = (200 + int(rand() * 800)) * scale; c = ""; short = ""
			for (k = 0; k < n; k++) c = c words[1 + int(rand() * 18)] " "
			for (k = 0; k < 40; k++) short = short words[1 + int(rand() * 18)] " "
			m = models[1 + i % nm]
			q = "q" (i % 500)
			if (i % 10 == 1)
				printf "{\"id\":\"p1/%s/%d\",\"status\":\"error\",\"error\":{\"kind\":\"http\",\"http_status\":429,\"message\":\"HTTP 429: Rate limit reached for %s\",\"retryable\":true,\"retry_after_ms\":2000},\"attempt\":1,\"meta\":{\"query_id\":\"%s\",\"model\":\"%s\"},\"request\":{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}}\n", m, i, m, q, m, m, short
			else if (i % 10 == 2)
				printf "{\"run_id\":\"r%d\",\"scenario_hash\":\"9f86d081\",\"status\":\"ok\",\"turns\":3,\"max_turns_hit\":false,\"messages\":[{\"role\":\"user\",\"content\":\"%s\"},{\"role\":\"assistant\",\"content\":\"%s\"}],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d},\"cost_usd\":0.00012,\"latency_ms\":%d,\"model\":\"%s\",\"endpoint\":\"https://api.openai.com/v1\",\"final_content\":\"done\",\"finish_reason\":\"stop\"}\n", i, short, c, n, n / 2, 900 + i, m
			else
				printf "{\"id\":\"p1/%s/%d\",\"status\":\"ok\",\"model\":\"%s\",\"content\":\"%s\",\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d},\"latency_ms\":%d,\"ttft_ms\":%d,\"attempt\":1,\"cached\":%s,\"meta\":{\"plan_id\":\"p1\",\"query_id\":\"%s\",\"model\":\"%s\",\"output\":\"a/Output/p1/%s_response.md\"}}\n", m, i, m, c, 20 + i % 90, n, 20 + i % 90 + n, 300 + i % 900, 80 + i % 200, i % 7 == 0 ? "true" : "false", q, m, q
		}
	}' >"$2"
}

# make_log MB BLOCK FILE: BLOCK repeated to MB megabytes, each copy's ids
# made its own (a run of its own, not a re-run)
make_log() {
	blk=$(wc -c <"$2")
	n=$(( ($1 * 1000000 + blk - 1) / blk ))
	awk -v n="$n" '{ a[NR] = $0 } END {
		for (c = 1; c <= n; c++)
			for (i = 1; i <= NR; i++) { s = a[i]; sub(/"p1\//, "\"p" c "/", s); sub(/"run_id":"r/, "\"run_id\":\"c" c "r", s); print s }
	}' "$2" >"$3"
}

block 1 "$tmp/block1"
block 4 "$tmp/block4"
make_log "$SIZE" "$tmp/block1" "$tmp/log"
bytes=$(wc -c <"$tmp/log")
echo "log: $bytes bytes, $(wc -l <"$tmp/log") records, $(llm-summarize --json "$tmp/log" | jq .total.requests) counted"
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }

printf '%-44s %8s %8s %11s %9s\n' "$SIZE MB log, median of $REPS" seconds MB/s "peak RSS" "vs jq -c"
set -- $(measure "jq -c 'select(.status == \"error\")' $tmp/log | wc -l")
jq_s=$1
printf '%-44s %8.2f %8s %8s KB %9s\n' "jq -c 'select(.status == \"error\")' | wc -l" "$1" "$(mbps "$1")" "$2" 1.00
set -- $(measure "llm-summarize $tmp/log || [ \$? -eq 1 ]")
sum_s=$1 sum_rss=$2
printf '%-44s %8.2f %8s %8s KB %9s\n' "llm-summarize" "$1" "$(mbps "$1")" "$2" "$(ratio "$jq_s" "$1")"
set -- $(measure "llm-summarize --all-attempts --json $tmp/log || [ \$? -eq 1 ]")
printf '%-44s %8.2f %8s %8s KB %9s\n' "llm-summarize --all-attempts --json" "$1" "$(mbps "$1")" "$2" "$(ratio "$jq_s" "$1")"
set -- $(measure "llm-summarize --best <$tmp/log || [ \$? -eq 1 ]")
printf '%-44s %8.2f %8s %8s KB %9s\n' "llm-summarize --best <log (spooled)" "$1" "$(mbps "$1")" "$2" "$(ratio "$jq_s" "$1")"
if [ "$SIZE" -le 100 ]; then
	set -- $(REPS=1 measure "jq -s 'group_by(.meta.model) | map(length)' $tmp/log")
	printf '%-44s %8.2f %8s %8s KB %9s\n' "jq -s (1 run)" "$1" "$(mbps "$1")" "$2" "$(ratio "$jq_s" "$1")"
fi

# memory: at 100 MB; at SIZE of 4x content; at SIZE of the same ids re-run
make_log 100 "$tmp/block1" "$tmp/log"
set -- $(measure "llm-summarize $tmp/log || [ \$? -eq 1 ]")
rss100=$2 recs100=$(wc -l <"$tmp/log")
make_log "$SIZE" "$tmp/block4" "$tmp/log"
set -- $(measure "llm-summarize $tmp/log || [ \$? -eq 1 ]")
rss_long=$2 recs_long=$(wc -l <"$tmp/log")
make_log 100 "$tmp/block1" "$tmp/part"
: >"$tmp/log"
for _ in $(seq $(( (SIZE + 99) / 100 ))); do cat "$tmp/part" >>"$tmp/log"; done
rm -f "$tmp/part"
set -- $(measure "llm-summarize $tmp/log || [ \$? -eq 1 ]")
rss_rerun=$2
echo "peak RSS of llm-summarize: $rss100 KB at 100 MB ($recs100 records);" \
	"$rss_long KB at $SIZE MB of 4x longer content ($recs_long records);" \
	"$rss_rerun KB at $SIZE MB re-running the same ids;" \
	"$sum_rss KB at $SIZE MB of distinct ids"
awk -v s="$sum_s" -v b="$bytes" 'BEGIN { exit !(b / 1e6 / s >= 100) }' ||
	echo "bench: llm-summarize under 100 MB/s on this machine" >&2
