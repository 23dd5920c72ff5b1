#!/bin/sh
# make bench: llm-batch at scale.  N (100,000) requests submitted to
# llm-mock's batch API (split into two batches at 50,000), completed by
# it, and fetched: the wall time and peak RSS of submit and of fetch.
# Goals: submit <= 5 s, fetch <= 5 s, each <= 64 MB.
set -eu
BUILD=${BUILD:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$root/$BUILD/bin:$PATH"
N=${N:-100000}
tmp=$(mktemp -d)
trap 'kill $mock 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
command -v /usr/bin/time >/dev/null || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 1; }

llm-mock -q --port 0 --port-file "$tmp/port" --batch-seconds 0.1 &
mock=$!
while [ ! -s "$tmp/port" ]; do sleep 0.05; done
export LLM_BASE_URL="http://127.0.0.1:$(cat "$tmp/port")/v1"
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"id\":\"r%d\",\"request\":{\"model\":\"mock\",\"messages\":[{\"role\":\"user\",\"content\":\"Say something short about %d.\"}]},\"meta\":{\"i\":%d}}\n", i, i, i }' >"$tmp/in.ndjson"

# timed WHAT CMD: run CMD, print its seconds and peak RSS in MB
timed() {
	s=$(date +%s%N)
	/usr/bin/time -f '%M %U %S' -o "$tmp/rss" sh -c "$2" || { echo "bench: failed: $2" >&2; exit 1; }
	e=$(date +%s%N)
	secs=$(awk -v d="$((e - s))" 'BEGIN { printf "%.2f", d / 1e9 }')
	mb=$(awk '{ printf "%.1f", $1 / 1024 }' "$tmp/rss")
	cpu=$(awk '{ printf "%.2f", $2 + $3 }' "$tmp/rss")
	printf '%-8s %8s s (%s s of CPU) %8s MB   (goal <= 5 s, <= 64 MB)\n' "$1" "$secs" "$cpu" "$mb"
	awk -v s="$secs" -v m="$mb" 'BEGIN { exit !(s <= 5 && m <= 64) }' || fail=1
}

fail=0
cd "$tmp"
timed submit "llm-batch submit -o st.json in.ndjson >/dev/null"
# the mock answers a batch when it is next looked at: that is its time,
# not llm-batch's, so it is spent here
until llm-batch status st.json >/dev/null; do sleep 0.2; done
timed fetch "llm-batch fetch st.json >out.ndjson"
[ "$(wc -l <out.ndjson)" -eq "$N" ] || { echo "bench: $(wc -l <out.ndjson) records, not $N" >&2; exit 1; }
[ "$(cut -d, -f1 out.ndjson | sort -u | wc -l)" -eq "$N" ] || { echo "bench: an id twice" >&2; exit 1; }
echo "$N requests in $(jq '.batches | length' st.json) batches; every id once"
exit $fail
