#!/bin/sh
# make bench: llm-redact over an NDJSON log of SIZE MB (default 1024) with
# the built-in patterns, side by side with `sed -E` running the same
# patterns (written as POSIX EREs, GNU sed's I flag for case) in the same
# run; then peak RSS at 100 MB and at SIZE, which must be the same:
# memory does not grow with the input.
#
# The log is a mix of result, error and trace records (~1 KB a line, one
# in 40 carrying a secret), generated in a temporary directory and removed
# at the end.  Figures are medians of REPS runs; quote the ratios.
#   SIZE=100 REPS=3 sh tests/bench/redact.sh     a quick run
set -eu
BUILD=${BUILD:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$root/$BUILD/bin:$PATH"
SIZE=${SIZE:-1024}
REPS=${REPS:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
command -v /usr/bin/time >/dev/null || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

# a block of varied records, repeated to the size wanted
awk 'BEGIN {
	srand(7)
	w = "the model answered with a long and careful explanation of how the parser handles nested quotes"
	split(w, words, " ")
	for (i = 1; i <= 2000; i++) {
		n = 20 + int(rand() * 120); c = ""
		for (k = 0; k < n; k++) c = c words[1 + int(rand() * 16)] " "
		s = ""
		if (i % 40 == 1) s = " key sk-proj-abcdefghij" i "klmnopqrstuvwxyz0123456"
		if (i % 40 == 11) s = " Authorization: Bearer eyJhbGciOiJIUzI1NiJ9" i
		if (i % 40 == 21) s = " curl https://bob:hunter" i "@example.com/ AKIAIOSFODNN7EXAMPLE"
		if (i % 40 == 31) s = " {\\\"password\\\": \\\"pw" i "\\\"}"
		req = sprintf("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":\"You are terse.\"},{\"role\":\"user\",\"content\":\"question %d: %s\"}],\"temperature\":0.7}", i, substr(c, 1, 120))
		if (i % 3 == 0)
			printf "{\"id\":\"p1/1a2b3c4d/q%d\",\"status\":\"ok\",\"model\":\"gpt-4o-mini-2024-07-18\",\"content\":\"%s%s\",\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d},\"latency_ms\":%d,\"ttft_ms\":%d,\"attempt\":1,\"cached\":false,\"meta\":{\"plan_id\":\"p1\",\"query_id\":\"q%d\",\"model\":\"gpt-4o-mini\",\"output\":\"a/Output/p1/1a2b3c4d/q%d_response.md\"}}\n", i, c, s, 20 + i % 90, n, 20 + i % 90 + n, 300 + i % 900, 80 + i % 200, i, i
		else if (i % 3 == 1)
			printf "{\"id\":\"q%d\",\"status\":\"error\",\"error\":{\"kind\":\"http\",\"http_status\":429,\"message\":\"HTTP 429: Rate limit reached for gpt-4o-mini in organization org-abc on tokens per min.%s\",\"retryable\":true,\"retry_after_ms\":2000},\"attempt\":%d,\"meta\":{\"query_id\":\"q%d\"},\"request\":%s}\n", i, s, 1 + i % 3, i, req
		else
			printf "{\"run_id\":\"r%d\",\"scenario_hash\":\"9f86d081884c7d65\",\"status\":\"ok\",\"turns\":3,\"max_turns_hit\":false,\"messages\":[{\"role\":\"user\",\"content\":\"%s\"},{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"call_%d\",\"type\":\"function\",\"function\":{\"name\":\"search\",\"arguments\":\"{\\\"q\\\":\\\"weather in paris\\\",\\\"limit\\\":5}\"}}]},{\"role\":\"tool\",\"tool_call_id\":\"call_%d\",\"content\":\"%s\"},{\"role\":\"assistant\",\"content\":\"%s\"}],\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d},\"cost_usd\":0.00012,\"latency_ms\":%d,\"model\":\"gpt-4o-mini\",\"endpoint\":\"https://api.openai.com/v1\",\"final_content\":\"done\",\"finish_reason\":\"stop\"}\n", i, substr(c, 1, 80), i, i, substr(c, 1, 200) s, substr(c, 1, 300), n, n / 2, 900 + i
	}
}' >"$tmp/block"
make_log() {	# make_log MB FILE
	blk=$(wc -c <"$tmp/block")
	n=$(( ($1 * 1000000 + blk - 1) / blk ))
	: >"$2"
	# doubling: a few cats make the whole log
	cp "$tmp/block" "$tmp/part"
	while [ "$n" -gt 0 ]; do
		[ $((n % 2)) -eq 1 ] && cat "$tmp/part" >>"$2"
		n=$((n / 2))
		[ "$n" -gt 0 ] && cat "$tmp/part" "$tmp/part" >"$tmp/part2" && mv "$tmp/part2" "$tmp/part"
	done
	rm -f "$tmp/part"
}

# the built-in patterns as EREs for GNU sed, in the same order
cat >"$tmp/sed" <<'SED'
s/(\\?"[A-Za-z0-9_.-]*(api[_-]?key|secret([_-]?access)?([_-]?key)?|private[_-]?key|password|passwd|token|authorization|credentials?)\\?"[[:space:]]*:[[:space:]]*\\?")[^"\\]+/\1[REDACTED:json-secret]/gI
s/((api[_-]?key|secret([_-]?access)?([_-]?key)?|private[_-]?key|password|passwd|token|authorization|credentials?)["']?[ 	]*[:=][ 	]*["']?)((bearer|basic|token)[ 	]+)?[^[:space:]"'&,;]+/\1[REDACTED:kv-secret]/gI
s/(\b[a-z][a-z0-9+.-]*:\/\/[^[:space:]\/:@]+:)[^[:space:]\/@]+@/\1[REDACTED:url-credentials]@/gI
s/\bsk-ant-[A-Za-z0-9_-]{20,}/[REDACTED:anthropic-key]/g
s/\bsk-(proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/[REDACTED:openai-key]/g
s/(\bbearer[ 	]+)[A-Za-z0-9._~+\/-]{8,}=*/\1[REDACTED:bearer]/gI
s/(\b[Bb]asic[ 	]+)([A-Za-z0-9+\/]{4}){2,}([A-Za-z0-9+\/]{2}==|[A-Za-z0-9+\/]{3}=)?/\1[REDACTED:basic-auth]/g
s/\b(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/[REDACTED:aws-access-key]/g
s/\b(gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{22,})/[REDACTED:github-token]/g
s/\bAIza[0-9A-Za-z_-]{35}/[REDACTED:google-api-key]/g
s/\bxox[abposr]-[A-Za-z0-9-]{10,}/[REDACTED:slack-token]/g
s/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/[REDACTED:jwt]/g
s/-----BEGIN[A-Z ]*PRIVATE KEY-----.*/[REDACTED:private-key]/g
SED

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# measure CMD FILE: "median_seconds median_peak_rss_kb" over REPS runs
measure() {
	: >"$tmp/secs"; : >"$tmp/rss"
	for _ in $(seq "$REPS"); do
		s=$(date +%s%N)
		/usr/bin/time -v -o "$tmp/t" sh -c "$1 <\"$2\" >/dev/null" 2>"$tmp/err" ||
			{ cat "$tmp/err" >&2; echo "bench: failed: $1" >&2; exit 1; }
		e=$(date +%s%N)
		echo "$(( (e - s) / 1000 ))" | awk '{ printf "%.6f\n", $1 / 1e6 }' >>"$tmp/secs"
		awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/t" >>"$tmp/rss"
	done
	echo "$(median <"$tmp/secs") $(median <"$tmp/rss")"
}

make_log "$SIZE" "$tmp/log"
bytes=$(wc -c <"$tmp/log")
secrets=$(llm-redact -v <"$tmp/log" 2>&1 >/dev/null | awk '{ n += $NF } END { print n }')
echo "log: $bytes bytes, $(wc -l <"$tmp/log") records, $secrets secrets and cuts"
mbps() { awk -v b="$bytes" -v s="$1" 'BEGIN { printf "%.1f", b / 1e6 / s }'; }

printf '%-34s %10s %10s %12s %8s\n' "$SIZE MB log, median of $REPS" "seconds" "MB/s" "peak RSS" "vs sed"
set -- $(measure "sed -E -f $tmp/sed" "$tmp/log")
sed_s=$1
printf '%-34s %10.2f %10s %9s KB %8s\n' "sed -E (same patterns)" "$1" "$(mbps "$1")" "$2" "1.00"
set -- $(measure "llm-redact" "$tmp/log")
red_s=$1 red_rss=$2
printf '%-34s %10.2f %10s %9s KB %8.1f\n' "llm-redact" "$1" "$(mbps "$1")" "$2" \
	"$(awk -v a="$sed_s" -v b="$1" 'BEGIN { print a / b }')"
set -- $(measure "llm-redact --text" "$tmp/log")
printf '%-34s %10.2f %10s %9s KB %8.1f\n' "llm-redact --text" "$1" "$(mbps "$1")" "$2" \
	"$(awk -v a="$sed_s" -v b="$1" 'BEGIN { print a / b }')"

# constant memory: the same peak at 100 MB as at SIZE
if [ "$SIZE" -ne 100 ]; then
	rm -f "$tmp/log"
	make_log 100 "$tmp/log"
	set -- $(measure "llm-redact" "$tmp/log")
	printf 'peak RSS of llm-redact: %s KB at 100 MB, %s KB at %s MB\n' "$2" "$red_rss" "$SIZE"
fi
awk -v s="$red_s" -v b="$bytes" 'BEGIN { exit !(b / 1e6 / s >= 100) }' ||
	echo "bench: llm-redact under 100 MB/s on this machine" >&2
