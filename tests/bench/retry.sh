#!/bin/sh
# make bench: what llm-retry costs.  `llm-retry -- llm-chat -j 64` against
# bare `llm-chat -j 64` on the same fault-free records and the same
# llm-mock, in the same run, reps interleaved so drift hits both alike;
# medians of REPS.  Then the peak RSS of llm-retry at 10,000 and 100,000
# records, which must be flat.
set -eu
BUILD=${BUILD:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$root/$BUILD/bin:$PATH"
N=${N:-10000}
REPS=${REPS:-5}
tmp=$(mktemp -d)
trap 'kill $mock 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM
for t in /usr/bin/time mawk; do
	command -v $t >/dev/null || { echo "bench: needs $t (apt-get install time mawk)" >&2; exit 1; }
done

llm-mock -q --port 0 --port-file "$tmp/port" &
mock=$!
while [ ! -s "$tmp/port" ]; do sleep 0.05; done
export LLM_BASE_URL="http://127.0.0.1:$(cat "$tmp/port")/v1"
body='{"model":"mock","messages":[{"role":"user","content":"Say something short."}]}'

records() {	# records N FILE
	awk -v n="$1" -v b="$body" 'BEGIN { for (i = 1; i <= n; i++) printf "{\"id\":\"r%d\",\"request\":%s}\n", i, b }' >"$2"
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# once CMD OUT: run CMD once, append its wall seconds to OUT.secs and its
# peak RSS (KB, from /usr/bin/time -v) to OUT.rss
once() {
	s=$(date +%s%N)
	/usr/bin/time -v -o "$tmp/t" sh -c "$1" >"$tmp/out" 2>"$tmp/err" ||
		{ cat "$tmp/err" >&2; echo "bench: failed: $1" >&2; exit 1; }
	e=$(date +%s%N)
	[ "$(wc -l <"$tmp/out")" -eq "$3" ] || { echo "bench: $1: wrong number of records" >&2; exit 1; }
	echo "$(( (e - s) / 1000 ))" | awk '{ printf "%.6f\n", $1 / 1e6 }' >>"$2.secs"
	awk -F': ' '/Maximum resident set size/ { print $2 }' "$tmp/t" >>"$2.rss"
}

records "$N" "$tmp/in.ndjson"
chat="llm-chat -q -j 64 <$tmp/in.ndjson"
retry="llm-retry -- llm-chat -q -j 64 <$tmp/in.ndjson"
: >"$tmp/chat.secs"; : >"$tmp/retry.secs"
for _ in $(seq "$REPS"); do
	once "$chat" "$tmp/chat" "$N"
	once "$retry" "$tmp/retry" "$N"
done
chat_rps=$(median <"$tmp/chat.secs" | awk -v n="$N" '{ printf "%.0f", n / $1 }')
retry_rps=$(median <"$tmp/retry.secs" | awk -v n="$N" '{ printf "%.0f", n / $1 }')

printf '%-36s %10s %10s\n' "$N fault-free records, median of $REPS" "req/s" "vs bare"
printf '%-36s %10s %10s\n' "llm-chat -j 64" "$chat_rps" "1.00"
printf '%-36s %10s %10s\n' "llm-retry -- llm-chat -j 64" "$retry_rps" \
	"$(awk -v a="$retry_rps" -v b="$chat_rps" 'BEGIN { printf "%.3f", a / b }')"
echo "llm-retry costs $(awk -v a="$retry_rps" -v b="$chat_rps" 'BEGIN { printf "%.1f%%", (1 - a / b) * 100 }') of the throughput (goal <= 5%)"

# Peak RSS.  /usr/bin/time reports the largest of a process and the
# children it waited for, so llm-retry's own figure is taken with a child
# smaller than itself: mawk answering each request with an ok record.
cat >"$tmp/answer.awk" <<'AWK'
{
	match($0, /"id":"[^"]*"/); id = substr($0, RSTART, RLENGTH)
	match($0, /"attempt":[0-9]+/); a = substr($0, RSTART, RLENGTH)
	printf "{%s,\"status\":\"ok\",%s}\n", id, a
}
AWK
echo
printf '%-44s %12s %12s\n' "peak RSS (/usr/bin/time -v)" "10000" "100000"
for what in mawk chat; do
	for n in 10000 100000; do
		records "$n" "$tmp/big.ndjson"
		: >"$tmp/m$n.rss"
		if [ $what = mawk ]; then
			once "llm-retry -- mawk -W interactive -f $tmp/answer.awk <$tmp/big.ndjson" "$tmp/m$n" "$n"
		else
			once "llm-retry -- llm-chat -q -j 64 <$tmp/big.ndjson" "$tmp/m$n" "$n"
		fi
		eval "rss_$n=\$(cat $tmp/m$n.rss)"
	done
	if [ $what = mawk ]; then
		label="llm-retry alone (-- mawk answerer)"
		mine10=$rss_10000 mine100=$rss_100000
	else
		label="llm-retry -- llm-chat -j 64 (the larger)"
	fi
	printf '%-44s %9s KB %9s KB\n' "$label" "$rss_10000" "$rss_100000"
done
echo "llm-retry peak RSS grows $(( mine100 - mine10 )) KB from 10000 to 100000 records (goal: flat, within 1024 KB)"
