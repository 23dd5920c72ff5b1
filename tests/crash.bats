#!/usr/bin/env bats
# Crash and resume: llm-chat --save runs killed with SIGKILL at seeded
# random points and resumed with llm-plan --skip-existing --done end with
# every answer saved whole, no temporary file and a log of whole lines;
# a full disk and a read-only directory give io error records and exit 1.
load helpers


# plan N: N queries for two models, the mock answering each after 20 ms
plan() {
	mkdir -p A/Input A/Output/p1
	{
		printf 'plan_id = "p1"\nassistant_id = "A"\n[assistant.llm]\nmodels = ["m1", "m2"]\n'
		for i in $(seq "$1"); do
			printf '[[query]]\nid = "q%d.md"\n' "$i"
			printf 'answer %d %s\n' "$i" "${2:-}" >"A/Input/q$i.md"
		done
	} >A/Output/p1/plan.toml
	PAIRS=$(($1 * 2))
}

# a random wait from 10 to 259 ms, from the seeded RANDOM
pause() {
	sleep "$(printf '0.%03d' $((RANDOM % 250 + 10)))"
}

resume() {
	llm-plan --skip-existing --done log.ndjson A/Output/p1/plan.toml
}

# Every pair has its response, whole; nothing else is in the output
# tree; every line of the log is a whole record; no id is ok twice.
assert_all_saved() {
	local f n=0 i m
	for f in A/Output/p1/*/q*_response.md; do
		i=${f##*/q}
		i=${i%_response.md}
		[ "$(cat "$f")" = "answer $i" ] || { echo "$f: $(cat "$f")"; return 1; }
		n=$((n + 1))
	done
	[ "$n" -eq "$PAIRS" ] || { echo "$n responses, want $PAIRS"; return 1; }
	run find A/Output -name '.*'
	assert_output ''
	[ -z "$(tail -c 1 log.ndjson)" ]	# ends with a newline
	m=$(wc -l <log.ndjson)
	[ "$(jq -R 'fromjson? | .id' log.ndjson | wc -l)" -eq "$m" ]
	[ -z "$(jq -r 'select(.status == "ok") | .id' log.ndjson | sort | uniq -d)" ]
}

@test "kill -9 of llm-chat --save at random points, then resume: every answer once, whole" {
	start_mock -q --latency 20
	plan 30
	RANDOM=7
	: >log.ndjson
	for k in 1 2 3 4 5; do
		resume | llm-chat -j 4 --save >>log.ndjson &
		local pid=$!
		pause
		kill -9 $pid 2>/dev/null || true
		wait $pid || true
	done
	resume | llm-chat -j 4 --save >>log.ndjson
	assert_all_saved
	# nothing is left to do
	run resume
	assert_success
	assert_output ''
}

@test "kill -9 of llm-retry at random points, then resume: every answer once, whole, no orphan" {
	start_mock -q --latency 20
	plan 30
	RANDOM=11
	: >log.ndjson
	for k in 1 2 3 4; do
		resume | llm-retry --base 0.01 -- llm-chat -j 4 --save >>log.ndjson &
		local pid=$! kids i
		pause
		kids=$(cat /proc/$pid/task/*/children 2>/dev/null || true)
		kill -9 $pid 2>/dev/null || true
		wait $pid || true
		# its llm-chat sees its input end and its output go: it ends
		for i in $(seq 100); do
			[ -z "$kids" ] && break
			kill -0 $kids 2>/dev/null || break
			sleep 0.05
		done
		! kill -0 $kids 2>/dev/null
	done
	resume | llm-retry --base 0.01 -- llm-chat -j 4 --save >>log.ndjson
	assert_all_saved
}

@test "killed inside the atomic write (at fsync, at the link): no temporary file, resumed whole" {
	start_mock -q
	plan 1
	: >log.ndjson
	for at in 'fsync:KILL:*/A/Output/p1/*' 'linkat:KILL:*_response.md'; do
		run bash -c 'llm-plan A/Output/p1/plan.toml |
			INJECT_FAIL="$0" LD_PRELOAD="$1" llm-chat --save >>log.ndjson' "$at" "$(shim_preload)"
		assert_failure 137
		run find A/Output -type f -not -name plan.toml
		assert_output ''
	done
	resume | llm-chat --save >>log.ndjson
	assert_all_saved
}

@test "llm-plan --done reads past a half last line and a record glued to it" {
	start_mock -q
	plan 2
	llm-plan A/Output/p1/plan.toml >req.ndjson
	sed -n 1p req.ndjson | llm-chat >log.ndjson
	# a run killed inside a write, then a resumed one appending to it
	printf '{"id":"p1/x/q2.md","status":"o' >>log.ndjson
	run llm-plan --done log.ndjson A/Output/p1/plan.toml
	assert_success
	assert_line --index 0 'llm-plan: log.ndjson: 1 lines are not records; ignored'
	[ "${#lines[@]}" -eq 4 ]
	refute_line --partial "$(jq -r .id log.ndjson | head -1)\""
	# the record glued to the half line is not taken: its pair is done again
	sed -n 2p req.ndjson | llm-chat >>log.ndjson
	run llm-plan --done log.ndjson A/Output/p1/plan.toml
	assert_success
	[ "${#lines[@]}" -eq 4 ]
}

# on_tmpfs SIZE: a tmpfs of SIZE mounted at fs/, or skip when not root
on_tmpfs() {
	[ "$(id -u)" -eq 0 ] || skip "needs root to mount a tmpfs"
	mkdir -p fs
	mount -t tmpfs -o "size=$1" tmpfs fs 2>/dev/null || skip "cannot mount a tmpfs here"
	MOUNTED=$BATS_TEST_TMPDIR/fs
}

teardown() {
	stop_mock
	if [ -n "${MOUNTED:-}" ]; then
		cd "$BATS_TEST_TMPDIR" && umount "$MOUNTED"
	fi
}

@test "a full disk: answers that do not fit are io error records, the rest whole, exit 1" {
	on_tmpfs 64k
	start_mock -q
	cd fs
	plan 3 '[[mock:huge bytes=20000]]'
	run bash -c 'llm-plan A/Output/p1/plan.toml | llm-chat -j 1 --save >../log.ndjson'
	assert_failure 1
	jq -e -s 'map(select(.status == "error")) | length > 0 and
		all(.error.kind == "io" and (.error.message | test("^cannot save response: .*: No space left on device$")))' ../log.ndjson
	for f in $(jq -r 'select(.status == "ok") | .meta.output' ../log.ndjson); do
		[ "$(wc -c <"$f")" -eq 20000 ]
	done
	[ "$(find A/Output -type f -name '*_response.md' | wc -l)" -eq "$(grep -c '"status":"ok"' ../log.ndjson)" ]
	run find A/Output -name '.*'
	assert_output ''
}

@test "the result log on a full disk: llm-chat says so, exit 1" {
	on_tmpfs 64k
	start_mock -q
	plan 2
	head -c 100000 /dev/zero >fs/filler 2>/dev/null || true
	run bash -c 'llm-plan A/Output/p1/plan.toml | llm-chat >fs/log.ndjson'
	assert_failure 1
	assert_output 'llm-chat: stdout: No space left on device'
}

@test "a read-only output directory: io error records, nothing written, exit 1" {
	plan 2
	if [ "$(id -u)" -eq 0 ]; then
		on_tmpfs 1m
		mkdir -p fs/A
		cp -R A/. fs/A/
		mount -o remount,ro "$MOUNTED"
		cd fs
		want='Read-only file system'
	else
		chmod 555 A/Output/p1
		want='Permission denied'
	fi
	start_mock -q
	run bash -c 'llm-plan A/Output/p1/plan.toml | llm-chat --save >"$0"' "$BATS_TEST_TMPDIR/log.ndjson"
	assert_failure 1
	jq -e -s --arg w "$want" 'length == 4 and all(.status == "error" and .error.kind == "io" and
		(.error.message | endswith($w)))' "$BATS_TEST_TMPDIR/log.ndjson"
	run find A/Output -type f -not -name plan.toml
	assert_output ''
}
