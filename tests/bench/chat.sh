#!/bin/sh
# make bench: llm-chat against one llm-mock, side by side with wrk (the
# ceiling), libcurl doing nothing else (curl_alone.c: the most a client
# on libcurl can reach) and `xargs -P 64 curl` (the baseline), in the
# same run.  Figures are medians of REPS runs, timed by hyperfine around
# each command (measure_exec); quote the ratios, machines are noisy.
# PIN=1 pins server and clients apart (lib/bench.sh).
set -eu
. "$(dirname "$0")/lib/bench.sh"
bench_needs wrk curl hyperfine jq /usr/bin/time
[ -x "$root/$BUILD/bench/curl-alone" ] ||
	{ echo "bench: needs $BUILD/bench/curl-alone (make $BUILD/bench/curl-alone)" >&2; exit 1; }
start_mock

records "$N" "$tmp/in.ndjson"

cat >"$tmp/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '$body'
wrk.headers["Content-Type"] = "application/json"
LUA
# wrk's req/s, and the CPU it spent a request (its user + system time
# over the requests it made)
: >"$tmp/wrk"
for _ in $(seq 3); do
	/usr/bin/time -f "%U %S" -o "$tmp/t" $CLI wrk -t2 -c64 -d3s -s "$tmp/post.lua" \
		"$url/chat/completions" >"$tmp/w"
	awk -v cpu="$(awk '{ print $1 + $2 }' "$tmp/t")" '/requests in/ { n = $1 }
		/Requests\/sec/ { r = $2 } END { printf "%s %.1f\n", r, cpu * 1e6 / n }' "$tmp/w" >>"$tmp/wrk"
done
wrk_rps=$(awk '{ print $1 }' "$tmp/wrk" | median)
wrk_us=$(awk '{ print $2 }' "$tmp/wrk" | median)

# cpu_us SECONDS N: CPU microseconds a request
cpu_us() { awk -v s="$1" -v n="$2" 'BEGIN { printf "%.1f", s * 1e6 / n }'; }

printf '%-28s %12s %10s %12s %14s\n' "client ($N requests)" "req/s" "peak RSS" "vs wrk" "CPU us/req"
printf '%-28s %12.0f %10s %12s %14s\n' "wrk -c 64 (ceiling)" "$wrk_rps" "-" "1.00" "$wrk_us"
for j in 1 8 64; do
	set -- $(measure_exec "llm-chat -q -j $j -i $tmp/in.ndjson")
	r=$(rps "$N" "$1")
	eval "chat_rps_$j=$r; chat_rss_$j=$2; chat_us_$j=$(cpu_us "$3" "$N")"
	printf '%-28s %12s %8s KB %12s %14s\n' "llm-chat -j $j" "$r" "$2" \
		"$(ratio "$r" "$wrk_rps")" "$(cpu_us "$3" "$N")"
done

# the yardstick: libcurl alone, doing nothing with the answers; llm-chat
# is built on libcurl (DESIGN.md), so this is the most it could reach
set -- $(measure_exec "$root/$BUILD/bench/curl-alone 64 $N $url/chat/completions '$body'")
alone_rps=$(rps "$N" "$1")
alone_us=$(cpu_us "$3" "$N")
printf '%-28s %12s %10s %12s %14s\n' "libcurl alone -j 64" "$alone_rps" "-" \
	"$(ratio "$alone_rps" "$wrk_rps")" "$alone_us"

# the baseline: one curl process per request, 64 at a time
seq "$N" >"$tmp/ids"
set -- $(REPS=1 measure_exec "xargs -a $tmp/ids -P 64 -I{} curl -s -o /dev/null -H 'Content-Type: application/json' -d '$body' $url/chat/completions")
curl_rps=$(rps "$N" "$1")
printf '%-28s %12s %10s %12s\n' "xargs -P 64 curl" "$curl_rps" "-" "$(ratio "$curl_rps" "$wrk_rps")"

# the same at 20,000 requests: start-up and the 64 connections llm-mock
# makes a thread for are paid once, as wrk pays them outside its 3 s
records 20000 "$tmp/in20k.ndjson"
set -- $(measure_exec "llm-chat -q -j 64 -i $tmp/in20k.ndjson")
chat_rps_20k=$(rps 20000 "$1")
chat_us_20k=$(cpu_us "$3" 20000)
printf '%-28s %12s %8s KB %12s %14s\n' "llm-chat -j 64 (20000)" "$chat_rps_20k" "$2" \
	"$(ratio "$chat_rps_20k" "$wrk_rps")" "$chat_us_20k"

echo
echo "llm-chat -j 64 / wrk:            $(ratio "$chat_rps_64" "$wrk_rps") (goal >= 0.50); at 20000 requests: $(ratio "$chat_rps_20k" "$wrk_rps")"
echo "llm-chat -j 64 / libcurl alone: $(ratio "$chat_rps_64" "$alone_rps") (libcurl alone / wrk: $(ratio "$alone_rps" "$wrk_rps"))"
echo "llm-chat -j 64 / xargs curl:     $(awk -v a="$chat_rps_64" -v b="$curl_rps" 'BEGIN { printf "%.1fx (goal >= 10x)", a / b }')"
echo "client CPU a request:            llm-chat -j 64 ${chat_us_64} us (${chat_us_20k} us over 20000, start-up spread), wrk ${wrk_us} us"

[ -z "$PIN" ] || exit 0

# memory must not grow with the number of records
REPS=1
for n in 10000 100000; do
	records "$n" "$tmp/big.ndjson"
	set -- $(measure_exec "llm-chat -q -j 64 -i $tmp/big.ndjson")
	eval "rss_$n=$2"
done
echo "peak RSS -j 64: ${chat_rss_64} KB at $N, ${rss_10000} KB at 10000, ${rss_100000} KB at 100000 records (goal <= 16384 KB, within 1024 KB)"

# one request, start to finish (hyperfine when it is there: no shell in
# the measurement)
if command -v hyperfine >/dev/null; then
	hyperfine -N -w 5 -r 50 --export-json "$tmp/h.json" "$root/$BUILD/bin/llm-chat -m mock hi" >/dev/null 2>&1
	one=$(jq '.results[0].median * 1000' "$tmp/h.json")
	how="hyperfine median of 50"
else
	: >"$tmp/one"
	for _ in $(seq 21); do
		s=$(date +%s%N); llm-chat -m mock hi >/dev/null; e=$(date +%s%N)
		echo $(( (e - s) / 1000 )) >>"$tmp/one"
	done
	one=$(median <"$tmp/one" | awk '{ print $1 / 1000 }')
	how="median of 21, shell timing"
fi
echo "one prompt against llm-mock, wall: $(printf '%.1f' "$one") ms, $how (goal <= 20 ms)"
