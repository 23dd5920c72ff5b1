#!/bin/sh
# One fault soak: soak.sh PROG QUERIES SEED
#
#   llm-plan plan.toml | llm-retry ... -- PROG -j 64 >out.ndjson
#
# for 5 x QUERIES requests against llm-mock, each query carrying a fault
# drawn with SEED (gen.awk), the mock killed and started again on its
# port twice along the way (SIGKILL at 30 %, SIGTERM at 60 %).  Every
# second the RSS and open descriptors of llm-retry and of PROG are
# sampled, and the children of llm-retry looked at for zombies.
#
# Fails (exit 1) when an id is lost or comes out twice, a result is not
# what its fault leads to (content by llm-mock's echo rule), the RSS at
# the end is more than 2 MB above the RSS after the first 10,000 results,
# llm-retry holds more descriptors at the end than after 10,000, PROG
# ever more than its connections (-j) and 16, a child
# stays a zombie, or a program exits other than expected.
set -u
PROG=$1
QUERIES=$2
SEED=$3
JOBS=64
N=$((QUERIES * 5))
# 100,000 query files and logs: on tmpfs (common.sh)
. "$(dirname "$0")/common.sh"

restart_mock() {
	kill "-$1" "$mock"
	wait "$mock" 2>/dev/null
	# llm-mock (libmicrohttpd) sets SO_REUSEADDR: the port is free at once
	start_mock "$port"
}

# sample PID: "RSS_KB FDS" of a process, or nothing when it is gone
sample() {
	rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
	fds=$(ls "/proc/$1/fd" 2>/dev/null | wc -l)
	[ -n "$rss" ] && echo "$rss $fds"
}

ts=$(date +%s.%N)
mkdir -p A/Input A/Output/p1
awk -v dir=. -v n="$QUERIES" -v seed="$SEED" -v mode="${PROG#llm-}" -f "$here/gen.awk" || exit 1
start_mock 0
export LLM_BASE_URL="http://127.0.0.1:$port/v1"

: >out.ndjson
t0=$(date +%s.%N)
echo "soak $PROG: $N requests, seed $SEED, set up in $(awk -v a="$ts" -v b="$t0" 'BEGIN { printf "%.1f", b - a }') s"
{ llm-plan A/Output/p1/plan.toml; echo $? >plan.rc; } |
	llm-retry -v -n 12 --base 0.01 --cap 0.25 --max-retry-after 1 -- "$PROG" -q -j $JOBS \
	>out.ndjson 2>retry.err &
pipe=$!

# every 250 ms: the restarts; every second: a sample
tick=0 restarts=0 zprev=
: >samples
while kill -0 "$pipe" 2>/dev/null; do
	done_n=$(wc -l <out.ndjson)
	if [ $restarts -eq 0 ] && [ "$done_n" -ge $((N * 3 / 10)) ]; then
		restart_mock KILL; restarts=1
	elif [ $restarts -eq 1 ] && [ "$done_n" -ge $((N * 6 / 10)) ]; then
		restart_mock TERM; restarts=2
	fi
	if [ $((tick % 4)) -eq 0 ]; then
		child=$(cat /proc/"$pipe"/task/*/children 2>/dev/null)
		r=$(sample "$pipe")
		c=
		zs=
		for k in $child; do
			st=$(awk '{ print $3 }' "/proc/$k/stat" 2>/dev/null)
			[ "$st" = Z ] && zs="$zs $k"
			[ "$(cat "/proc/$k/comm" 2>/dev/null)" = "$PROG" ] && c=$(sample "$k")
		done
		for z in $zs; do
			case " $zprev " in *" $z "*) bad "llm-retry leaves child $z a zombie";; esac
		done
		zprev=$zs
		# done, retry RSS, fds, PROG RSS, fds
		[ -n "$r" ] && [ -n "$c" ] && echo "$done_n $r $c" >>samples
	fi
	tick=$((tick + 1))
	sleep 0.25
done
wait "$pipe"
rc=$?
t1=$(date +%s.%N)
kill "$mock" 2>/dev/null
wait "$mock" 2>/dev/null
mock=

# the results, one per line: query id, model, id, status, kind, http, content
jq -r '[.meta.query_id, .meta.model, .id, .status, (.error.kind // ""),
        (.error.http_status // "" | tostring), (.content // "")] | @tsv' out.ndjson >got.tsv ||
	bad "out.ndjson is not all JSON"

awk -F '\t' -v n=$N -v prog="$PROG" '
	FILENAME == ARGV[1] { st[$1] = $2; kind[$1] = $3; http[$1] = $4; content[$1] = $5; next }
	{
		lines++
		if (seen[$3]++) { dup++; next }
		if (!($1 in st)) { unknown++; next }
		if ($4 != st[$1] || $5 != kind[$1] || $6 != http[$1] ||
		    ($4 == "ok" && $7 != content[$1])) {
			if (wrong++ < 5)
				printf "soak %s: wrong: %s: %s %s %s, want %s %s %s\n", prog, $3,
				       $4, $5, $6, st[$1], kind[$1], http[$1]
		}
		if ($4 == "ok") ok++
		else byk[$5 ($6 != "" ? " " $6 : "")]++
	}
	END {
		ids = 0
		for (i in seen) ids++
		printf "requests %d, results %d, ok %d, failed %d", n, lines, ok, lines - ok - dup
		sep = " ("
		for (k in byk) { printf "%s%s %d", sep, k, byk[k]; sep = ", " }
		if (sep == ", ") printf ")"
		printf "\nduplicates %d, lost %d, unknown %d, wrong %d\n", dup + 0, n - ids + unknown,
		       unknown + 0, wrong + 0
		exit (dup || ids != n || unknown || wrong) ? 1 : 0
	}' expected.tsv got.tsv || bad "results do not match the plan"

[ "$(cat plan.rc)" = 0 ] || bad "llm-plan exited $(cat plan.rc)"
# failures were expected: llm-retry says so with 1
[ $rc -eq 1 ] || bad "llm-retry exited $rc, want 1"

# RSS and descriptors: after 10,000 results against the last sample
awk -v prog="$PROG" -v jobs=$JOBS '
	!base && $1 >= 10000 { base = 1; r0 = $2; f0 = $3; c0 = $4; g0 = $5 }
	base { r1 = $2; f1 = $3; c1 = $4; g1 = $5
	       if ($2 > rm) rm = $2; if ($4 > cm) cm = $4; if ($3 > fm) fm = $3; if ($5 > gm) gm = $5 }
	END {
		if (!base) { print "soak " prog ": FAIL: no sample after 10,000 results"; exit 1 }
		printf "llm-retry RSS %d/%d/%d kB (at 10k/end/max), fds %d/%d/%d\n", r0, r1, rm, f0, f1, fm
		printf "%s RSS %d/%d/%d kB (at 10k/end/max), fds %d/%d/%d\n", prog, c0, c1, cm, g0, g1, gm
		e = 0
		if (r1 - r0 > 2048) { print "soak " prog ": FAIL: llm-retry RSS grew"; e = 1 }
		if (c1 - c0 > 2048) { print "soak " prog ": FAIL: " prog " RSS grew"; e = 1 }
		if (f1 > f0) { print "soak " prog ": FAIL: llm-retry descriptors grew"; e = 1 }
		# its connections come and go with the restarts: bounded by -j
		if (gm > jobs + 16) { print "soak " prog ": FAIL: " prog " holds " gm " descriptors"; e = 1 }
		exit e
	}' samples || fail=1

grep '^llm-retry: [0-9]* records' retry.err
other=$(grep -cv '^llm-retry: [0-9]* records' retry.err)
echo "mock restarts $restarts, stderr lines besides the summary $other, samples $(wc -l <samples)"
awk -v a="$t0" -v b="$t1" -v c="$(date +%s.%N)" -v n=$N \
	'BEGIN { printf "wall %.1f s (%.0f requests/s), checked in %.1f s\n", b - a, n / (b - a), c - b }'
if [ $fail -ne 0 ]; then
	echo "soak $PROG: stderr (first lines):"
	head -5 retry.err
	exit 1
fi
echo "soak $PROG: ok"
