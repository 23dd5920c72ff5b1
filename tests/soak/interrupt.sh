#!/bin/sh
# The interrupt soak: interrupt.sh QUERIES SEED
#
#   llm-plan --skip-existing --done log.ndjson A p1 |
#     llm-retry -- llm-chat -q -j 8 --save [-k] >>log.ndjson
#
# as llm(7) recommends for a tuna plan, 5 x QUERIES pairs against llm-mock
# (20 ms an answer, one query in 20 slow, so -k holds answers back), run
# ROUNDS times and stopped each time at a random point: SIGINT to the
# pipeline's process group (as Ctrl-C does) or SIGTERM to llm-retry
# alone, with -k and without; then run once more to its end.
#
# Fails (exit 1) when a round exits other than 130 / 143 (0 for the last),
# a round writes a line that is not an ok record or an error record, an
# id has an ok record twice across the rounds (a pair sent again after it
# was answered) or none at the end, the saved files and the ok records'
# meta.output differ, or a round's records are not each an ok, a
# cancelled or a retryable error.
set -u
QUERIES=$1
SEED=$2
ROUNDS=${ROUNDS:-8}
N=$((QUERIES * 5))
PROG=interrupt
. "$(dirname "$0")/common.sh"

# the plan: five models, QUERIES queries, every 20th slow
mkdir -p A/Input A/Output/p1
awk -v n="$QUERIES" 'BEGIN {
	printf "plan_id = \"p1\"\nassistant_id = \"A\"\n[assistant]\nsystem_prompt = \"soak\"\n"
	printf "[assistant.llm]\nmodels = [\"m1\", \"m2\", \"m3\", \"m4\", \"m5\"]\n"
	for (i = 0; i < n; i++) {
		printf "[[query]]\nid = \"q%d\"\n", i
		f = "A/Input/q" i
		printf "soak q%d%s\n", i, (i % 20 == 7 ? " [[mock:slow ms=1000]]" : "") > f
		close(f)
	}
}' >A/Output/p1/plan.toml

start_mock 0 --latency 20
export LLM_BASE_URL="http://127.0.0.1:$port/v1"

: >log.ndjson
t0=$(date +%s.%N)
# the draw of signal times and ways: an LCG of its own, seeded
state=$((SEED % 2147483646 + 1))
draw() {	# draw K: a number below K in $r
	state=$((state * 16807 % 2147483647))
	r=$((state % $1))
}

round=0
while [ $round -le "$ROUNDS" ]; do
	round=$((round + 1))
	last=$([ $round -gt "$ROUNDS" ] && echo 1 || echo 0)
	keep=$([ $((round % 2)) -eq 1 ] && echo -k || echo)
	# setsid: the pipeline in a process group of its own, as a shell's
	# job, so a signal can go to it all; its leader is sh, which passes
	# llm-retry's status on in retry.rc
	rm -f pgid retry.pid retry.rc
	setsid sh -c 'echo $$ >pgid; llm-plan --skip-existing --done log.ndjson A/Output/p1/plan.toml |
		llm-retry -n 3 --base 0.01 -- llm-chat -q -j 8 --save '"$keep"' >round.ndjson 2>round.err &
		echo $! >retry.pid; wait $!; echo $? >retry.rc' &
	leader=$!
	while [ ! -s retry.pid ]; do sleep 0.01; done
	if [ "$last" -eq 0 ]; then
		draw 1500
		sleep "$(awk -v ms=$((r + 300)) 'BEGIN { printf "%.3f", ms / 1000 }')"
		draw 2
		if [ "$r" -eq 0 ]; then
			how="SIGINT to the group" want=130
			kill -s INT -- "-$(cat pgid)"
		else
			how="SIGTERM to llm-retry" want=143
			kill -TERM "$(cat retry.pid)"
		fi
	else
		how="no signal" want=0
	fi
	wait "$leader"
	rc=$(cat retry.rc 2>/dev/null || echo "none")
	# a run that ended before its signal came exits 0
	[ "$rc" -eq "$want" ] || [ "$rc" -eq 0 ] || bad "round $round ($how, ${keep:-no -k}): exit $rc, want $want"
	jq -r 'if .status == "ok" then "ok"
	       elif .status == "error" and .error.kind == "cancelled" then "cancelled"
	       elif .status == "error" and .error.retryable then "retryable"
	       else "other " + (.error.kind // "?") end' round.ndjson >kinds 2>/dev/null ||
		bad "round $round: a line that is not JSON"
	grep -q '^other' kinds && bad "round $round: $(grep '^other' kinds | sort | uniq -c | tr '\n' ' ')"
	[ "$(jq -r .id round.ndjson | sort | uniq -d | wc -l)" -eq 0 ] || bad "round $round: an id twice"
	[ "$(wc -l <kinds)" -eq "$(grep -c . round.ndjson)" ] || bad "round $round: a line that is not a record"
	echo "round $round: $how, ${keep:-no -k}: exit $rc, $(sort kinds | uniq -c | awk '{ printf "%s %s, ", $1, $2 }')$(jq -r 'select(.status == "ok") | .id' log.ndjson round.ndjson | wc -l) of $N ok so far"
	cat round.ndjson >>log.ndjson
	[ "$last" -eq 1 ] && [ "$rc" -ne 0 ] && bad "the last round exited $rc"
done
t1=$(date +%s.%N)

# across the rounds: every pair answered once, each saved file an ok record's
jq -r 'select(.status == "ok") | .id' log.ndjson | sort >ok.ids
[ "$(wc -l <ok.ids)" -eq "$N" ] || bad "$(wc -l <ok.ids) ok records, want $N"
[ "$(uniq -d ok.ids | wc -l)" -eq 0 ] || bad "ids answered twice: $(uniq -d ok.ids | head -3 | tr '\n' ' ')"
jq -r 'select(.status == "ok") | .meta.output' log.ndjson | sort >ok.files
find A/Output/p1 -name '*_response.md' | sort >saved.files
[ "$(wc -l <saved.files)" -eq "$N" ] || bad "$(wc -l <saved.files) files saved, want $N"
cmp -s ok.files saved.files || bad "saved files and ok records differ: $(diff ok.files saved.files | head -3 | tr '\n' ' ')"
awk -v a="$t0" -v b="$t1" -v r="$round" 'BEGIN { printf "soak interrupt: %d rounds in %.1f s\n", r, b - a }'
[ $fail -eq 0 ] && echo "soak interrupt: ok"
exit $fail
