#!/bin/sh
# Run each libFuzzer target named (build/fuzz/fuzz_NAME) for FUZZ_TIME
# seconds, one at a time, from its committed seeds (tests/fuzz/corpus/NAME,
# read only: what it finds goes to build/fuzz/corpus/NAME).  Print one
# summary line a target from -print_final_stats; fail when any target
# found something (its input is kept in build/fuzz/artifacts/).
FB=${FB:-build/fuzz}
FUZZ_TIME=${FUZZ_TIME:-60}
fails=0
mkdir -p "$FB/artifacts" "$FB/logs"
for t in "$@"; do
	name=${t#fuzz_}
	seeds=tests/fuzz/corpus/$name
	work=$FB/corpus/$name
	log=$FB/logs/$name.log
	mkdir -p "$work" "$seeds"
	"$FB/$t" -max_total_time="$FUZZ_TIME" -print_final_stats=1 -timeout=10 \
		-artifact_prefix="$FB/artifacts/$name-" "$work" "$seeds" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1)
	if [ $rc -eq 0 ]; then
		echo "fuzz $name: ok, ${runs:-?} runs, ${rate:-?} exec/s, ${cov:-no coverage}"
	else
		echo "fuzz $name: FAILED (status $rc), ${runs:-?} runs; log $log"
		grep -E '^(==[0-9]+== ?ERROR|SUMMARY|.*runtime error|fuzz: invariant|.*Assertion)|^artifact_prefix|Test unit written' \
			"$log" | head -n 6
		# the input itself, so a failure seen only on another machine
		# (CI) can be replayed here: printf '%b' 'ESCAPED' > input
		unit=$(sed -n 's/.*Test unit written to //p' "$log" | tail -n 1)
		if [ -n "$unit" ] && [ -f "$unit" ]; then
			echo "input ($(wc -c <"$unit") bytes, first 2000 as octal escapes):"
			head -c 2000 "$unit" | od -An -v -to1 | tr -s ' \n' '  ' |
				sed 's/ \([0-7]\{3\}\)/\\0\1/g; s/ *$//'
			echo
		fi
		fails=$((fails + 1))
	fi
done
echo "fuzz: $# targets, $fails failed"
[ $fails -eq 0 ]
