#!/bin/sh
# make bench: llm-hash --json on an NDJSON file of request records, side by
# side with `jq -cS .` (parse, sort keys, print: the nearest common tool) on
# the same file in the same run.  Figures are MB/s medians of REPS runs;
# quote the ratio, machines are noisy.
set -eu
BUILD=${BUILD:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$root/$BUILD/bin:$PATH"
N=${N:-170000}		# records; about 840 bytes each
REPS=${REPS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
command -v jq >/dev/null || { echo "bench: needs jq" >&2; exit 1; }

# realistic request records: a model, a system and a user message of a few
# hundred bytes (with escapes and non-ASCII text), sampling settings, meta
awk -v n="$N" 'BEGIN {
	srand(42)
	split("gpt-4o-mini gpt-4o llama3.1:8b qwen2.5:7b mistral-small claude-3-haiku", models, " ")
	nw = split("the of and to in is that for it as with was on be by this are from or have an they which one you had not but what all were when we there can said", words, " ")
	for (i = 1; i <= n; i++) {
		m = models[1 + int(rand() * 6)]
		printf "{\"id\":\"p%d/%08x/q%d\",\"request\":{\"model\":\"%s\",\"messages\":[{\"role\":\"system\",\"content\":\"%s\"},{\"role\":\"user\",\"content\":\"%s\\nAnswer in \\\"plain\\\" text, caf\\u00e9 \\u2014 ok.\"}],\"temperature\":%.1f,\"max_tokens\":%d,\"seed\":%d},\"meta\":{\"plan_id\":\"p%d\",\"query_id\":\"q%d\",\"model\":\"%s\",\"model_hash\":\"%08x\",\"repeat\":%d,\"output\":\"a1/Output/p%d/%08x/q%d_response.md\"}}\n",
			i % 7, int(rand() * 4294967295), i, m, text(25 + int(rand() * 20)), text(50 + int(rand() * 60)),
			rand(), 256 * (1 + int(rand() * 4)), int(rand() * 100000), i % 7, i, m,
			int(rand() * 4294967295), i % 3, i % 7, int(rand() * 4294967295), i
	}
}
function text(k,   s, j) {
	s = words[1 + int(rand() * nw)]
	for (j = 1; j < k; j++)
		s = s " " words[1 + int(rand() * nw)]
	return s
}' >"$tmp/req.ndjson"
bytes=$(wc -c <"$tmp/req.ndjson")
mb=$(awk -v b="$bytes" 'BEGIN { printf "%.1f", b / 1e6 }')

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# mbps CMD: median MB/s of REPS runs of CMD (output to /dev/null)
mbps() {
	: >"$tmp/secs"
	for _ in $(seq "$REPS"); do
		s=$(date +%s%N)
		sh -c "$1" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; echo "bench: failed: $1" >&2; exit 1; }
		e=$(date +%s%N)
		echo "$(( (e - s) / 1000 ))" >>"$tmp/secs"
	done
	median <"$tmp/secs" | awk -v b="$bytes" '{ printf "%.1f", b / $1 }'
}

# the output is right before it is fast: one hash a record
[ "$(llm-hash --json "$tmp/req.ndjson" | wc -l)" -eq "$N" ] || { echo "bench: wrong line count" >&2; exit 1; }

echo "input: $N request records, $mb MB; MB/s, median of $REPS"
hash=$(mbps "llm-hash --json $tmp/req.ndjson")
into=$(mbps "llm-hash --field .request --into request_hash $tmp/req.ndjson")
jq=$(mbps "jq -cS . $tmp/req.ndjson")
printf '%-52s %8s\n' "llm-hash --json" "$hash"
printf '%-52s %8s\n' "llm-hash --field .request --into request_hash" "$into"
printf '%-52s %8s\n' "jq -cS . (baseline)" "$jq"
echo
echo "llm-hash --json: $hash MB/s (goal >= 50); $(awk -v a="$hash" -v b="$jq" 'BEGIN { printf "%.1f", a / b }')x jq -cS ."
