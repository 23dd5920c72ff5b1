#!/bin/sh
# The batch soak: batch.sh RECORDS SEED [API]
#
#   llm-batch run -q -o st.json --max-requests 300 in.ndjson >>out.ndjson
#
# against llm-mock's batch API of API (openai, the default, or anthropic:
# Message Batches), 0.2 s a step, one request in 50 failing with a 500,
# and the answers of the first 3 uploads or batches made lost on the way
# back (--batch-lose 3); killed with SIGKILL at a random point ROUNDS
# times (20), each time run again; then run to its end (again while it
# exits 75, as a lost answer makes it, at most 5 times).
#
# Fails (exit 1) when an id is not in out.ndjson exactly once, a line of
# it is not a result record, the server holds two batches for one part of
# the run (or a batch of another run; for Message Batches, which carry no
# run: more batches than parts, or requests other than the records), the
# 500s are not the error records (one in 50), or the last run exits other
# than 0 or 1 (1 when errors were among what it wrote).
set -u
N=$1
SEED=$2
API=${3:-openai}
ROUNDS=${ROUNDS:-20}
PROG="batch ($API)"
. "$(dirname "$0")/common.sh"

start_mock 0 --batch-seconds 0.2 --batch-lose 3
export LLM_BASE_URL="http://127.0.0.1:$port/v1" LLM_API="$API"
awk -v n="$N" 'BEGIN { for (i = 1; i <= n; i++)
	printf "{\"id\":\"r%d\",\"request\":{\"model\":\"mock\",\"messages\":[{\"role\":\"user\",\"content\":\"soak %d%s\"}]}}\n",
		i, i, (i % 50 == 0 ? " [[mock:500]]" : "") }' >in.ndjson

# the kill points: SEED's draw of waits, 0 to 1.5 s
awk -v s="$SEED" -v n="$ROUNDS" 'BEGIN { srand(s); for (i = 0; i < n; i++) printf "%.3f\n", rand() * 1.5 }' >waits
start=$(date +%s)
: >out.ndjson
while read -r w; do
	llm-batch run -q -o st.json --max-requests 300 in.ndjson >>out.ndjson 2>>err &
	pid=$!
	sleep "$w"
	kill -9 $pid 2>/dev/null
	wait $pid 2>/dev/null
done <waits
i=0
while :; do
	llm-batch run -q -o st.json --max-requests 300 in.ndjson >>out.ndjson 2>>err
	st=$?
	i=$((i + 1))
	[ $st -eq 75 ] && [ $i -lt 5 ] || break
done
[ $st -le 1 ] || bad "the last run exited $st: $(tail -3 err)"
[ "$(jq -r 'select(.status=="error") | .id' out.ndjson | sort -u | wc -l)" -eq $((N / 50)) ] ||
	bad "$(jq -r 'select(.status=="error") | .id' out.ndjson | wc -l) error records, not $((N / 50))"

jq -e -s 'all(.[]; (.status == "ok" and .content != null) or (.status == "error" and .error.kind != null))' out.ndjson >/dev/null ||
	bad "a line is not a result record"
dups=$(jq -r .id out.ndjson | sort | uniq -d | wc -l)
[ "$dups" -eq 0 ] || bad "$dups ids written twice"
[ "$(jq -r .id out.ndjson | sort -u | wc -l)" -eq "$N" ] || bad "$(jq -r .id out.ndjson | sort -u | wc -l) ids of $N"
run=$(jq -r .run st.json)
parts=$(jq '[.batches[] | select(.local | not)] | length' st.json)
if [ "$API" = anthropic ]; then
	curl -s -H 'anthropic-version: 2023-06-01' "$LLM_BASE_URL/messages/batches?limit=1000" |
		jq -r '.data[] | .request_counts | add' >batches
	[ "$(awk '{ s += $1 } END { print s + 0 }' batches)" -eq "$N" ] ||
		bad "$(awk '{ s += $1 } END { print s + 0 }' batches) requests in the server's batches for $N records"
else
	curl -s "$LLM_BASE_URL/batches" | jq -r '.data[] | "\(.metadata.llm_batch_run) \(.metadata.llm_batch_part)"' >batches
	[ "$(sort batches | uniq -d | wc -l)" -eq 0 ] || bad "two batches for one part: $(sort batches | uniq -d | head -3)"
	[ "$(grep -vc "^$run " batches)" -eq 0 ] || bad "batches of another run on the server"
fi
[ "$(wc -l <batches)" -eq "$parts" ] || bad "$(wc -l <batches) batches on the server for $parts parts"
echo "soak batch ($API): $N records, $ROUNDS kills, $parts batches, $(jq -r 'select(.status=="error") | .id' out.ndjson | wc -l) errors, $(($(date +%s) - start)) s: $([ $fail -eq 0 ] && echo ok || echo FAILED)"
exit $fail
