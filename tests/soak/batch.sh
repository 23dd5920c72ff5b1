#!/bin/sh
# The batch soak: batch.sh RECORDS SEED
#
#   llm-batch run -q -o st.json --max-requests 300 in.ndjson >>out.ndjson
#
# against llm-mock's batch API (0.2 s a step, one request in 50 failing
# with a 500), killed with SIGKILL at a random point ROUNDS times (20),
# each time run again; then run once more to its end.
#
# Fails (exit 1) when an id is not in out.ndjson exactly once, a line of
# it is not a result record, the server holds two batches for one part of
# the run (or a batch of another run), the 500s are not the error records
# (one in 50), or the last run exits other than 0 or 1 (1 when errors
# were among what it wrote).
set -u
N=$1
SEED=$2
ROUNDS=${ROUNDS:-20}
PROG=batch
. "$(dirname "$0")/common.sh"

start_mock 0 --batch-seconds 0.2
export LLM_BASE_URL="http://127.0.0.1:$port/v1"
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
llm-batch run -q -o st.json --max-requests 300 in.ndjson >>out.ndjson 2>>err
st=$?
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
curl -s "$LLM_BASE_URL/batches" | jq -r '.data[] | "\(.metadata.llm_batch_run) \(.metadata.llm_batch_part)"' >batches
[ "$(sort batches | uniq -d | wc -l)" -eq 0 ] || bad "two batches for one part: $(sort batches | uniq -d | head -3)"
[ "$(grep -vc "^$run " batches)" -eq 0 ] || bad "batches of another run on the server"
[ "$(wc -l <batches)" -eq "$parts" ] || bad "$(wc -l <batches) batches on the server for $parts parts"
echo "soak batch: $N records, $ROUNDS kills, $parts batches, $(jq -r 'select(.status=="error") | .id' out.ndjson | wc -l) errors, $(($(date +%s) - start)) s: $([ $fail -eq 0 ] && echo ok || echo FAILED)"
exit $fail
