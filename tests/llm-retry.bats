#!/usr/bin/env bats
# llm-retry against llm-mock through llm-chat (and scripts that misbehave):
# every input id comes out once, retryable failures are sent again.

load helpers

req() {	# req ID CONTENT: one request record
	jq -cn --arg id "$1" --arg c "$2" \
		'{id:$id,request:{model:"mock",messages:[{role:"user",content:$c}]},meta:{tag:$id}}'
}

reqs() {	# reqs N [PREFIX]: records r1..rN, content PREFIX + "nI", in one jq
	jq -cn --argjson n "$1" --arg p "${2:-}" \
		'range(1; $n + 1) | {id:"r\(.)",request:{model:"mock",messages:[{role:"user",content:($p + "n\(.)")}]},meta:{tag:"r\(.)"}}'
}

stats() {	# the number of chat requests llm-mock has answered
	curl -s "http://127.0.0.1:$MOCK_PORT/v1/mock/stats" | jq .chat
}

# id status attempt, one line each, sorted by id
summary() {
	jq -r '[.id,.status,(.attempt|tostring)] | join(" ")' "$@" | sort
}

# short backoff for every test
R="llm-retry --base 0.01"

@test "ok and non-retryable records pass through; retryable ones come back ok" {
	start_mock
	{ req a one; req b '[[mock:400]] two'; req c '[[mock:503 times=2]] three'; } >in.ndjson
	run bash -c "$R -- llm-chat -j 4 <in.ndjson 2>err"
	[ "$status" -eq 1 ]
	[ "$(summary <<<"$output")" = "a ok 1
b error 1
c ok 3" ]
	[ "$(jq -r 'select(.id == "c") | .content + " " + .meta.tag' <<<"$output")" = "three c" ]
	[ "$(jq -r 'select(.id == "b") | .error.http_status' <<<"$output")" = 400 ]
	[ "$(stats)" -eq 5 ]
	[ ! -s err ]
}

@test "429 with Retry-After in seconds waits that long" {
	start_mock
	req a '[[mock:429 retry-after=1 times=1]] x' >in.ndjson
	run bash -c "$R -v -- llm-chat <in.ndjson 2>err"
	assert_success
	[ "$(summary <<<"$output")" = "a ok 2" ]
	# the server's wait, not the 10 ms backoff
	grep -q '^llm-retry: a: attempt 2 in 1\.000 s: HTTP 429' err
}

@test "429 with retry-after-ms waits that long" {
	start_mock
	req a '[[mock:429 retry-after-ms=300 times=1]] x' >in.ndjson
	run bash -c "$R -v -- llm-chat <in.ndjson 2>err"
	assert_success
	[ "$(summary <<<"$output")" = "a ok 2" ]
	grep -q '^llm-retry: a: attempt 2 in 0\.300 s: HTTP 429' err
}

@test "429 with Retry-After as an HTTP date is waited for, or refused past --max-retry-after" {
	start_mock
	req a '[[mock:429 retry-after-date=1 times=1]] x' >in.ndjson
	run bash -c "$R -v -- llm-chat <in.ndjson 2>err"
	assert_success
	[ "$(summary <<<"$output")" = "a ok 2" ]
	grep -q '^llm-retry: a: attempt 2 in [0-9.]* s: HTTP 429' err
	# an hour away is past the limit of 2 s: not waited for
	req b '[[mock:429 retry-after-date=3600]] x' >in.ndjson
	run bash -c "$R --max-retry-after 2 -- llm-chat <in.ndjson 2>err"
	[ "$status" -eq 1 ]
	[ "$(summary <<<"$output")" = "b error 1" ]
	[[ "$(jq -r .error.message <<<"$output")" == *"past --max-retry-after 2 s; the limit resets at 2"*Z")" ]]
}

@test "--max-retry-after: a longer Retry-After fails at once, saying when the limit resets" {
	start_mock
	req a '[[mock:429 retry-after=3600]] x' >in.ndjson
	run bash -c "$R -- llm-chat <in.ndjson 2>err"
	[ "$status" -eq 1 ]
	[ "$(summary <<<"$output")" = "a error 1" ]
	msg=$(jq -r .error.message <<<"$output")
	[[ "$msg" == "HTTP 429 Too Many Requests: mock: injected 429 Too Many Requests (not retried: the server asks to wait 3600 s, past --max-retry-after 120 s; the limit resets at "*Z")" ]]
	# the time named is an hour from now
	when=$(sed 's/.*resets at \(.*\))$/\1/' <<<"$msg")
	secs=$(( $(date -u -d "$when" +%s) - $(date -u +%s) ))
	[ "$secs" -ge 3590 ] && [ "$secs" -le 3601 ]
	[ "$(jq -r '[.error.retryable, .error.retry_after_ms] | join(" ")' <<<"$output")" = "true 3600000" ]
	[ "$(stats)" -eq 1 ]
}

@test "x-should-retry: false is not retried" {
	start_mock
	req a '[[mock:503 should-retry=false]] x' >in.ndjson
	run bash -c "$R -- llm-chat <in.ndjson"
	[ "$status" -eq 1 ]
	[ "$(summary <<<"$output")" = "a error 1" ]
	[ "$(jq -r .error.retryable <<<"$output")" = false ]
	[ "$(stats)" -eq 1 ]
}

@test "a dropped connection is retried" {
	start_mock
	{ req a '[[mock:drop times=1]] x'; req b '[[mock:drop times=2]] y'; } >in.ndjson
	run bash -c "$R -- llm-chat <in.ndjson"
	assert_success
	[ "$(summary <<<"$output")" = "a ok 2
b ok 3" ]
}

@test "-n exhausted: the final record is the error, attempt n+1" {
	start_mock
	req a '[[mock:503]] x' >in.ndjson
	run bash -c "$R -n 2 -- llm-chat <in.ndjson"
	[ "$status" -eq 1 ]
	[ "$(summary <<<"$output")" = "a error 3" ]
	[ "$(jq -r '[.error.http_status,.error.retryable,.meta.tag,.request.messages[0].content] | join(" ")' <<<"$output")" = "503 true a [[mock:503]] x" ]
	[ "$(stats)" -eq 3 ]
	# -n 0: sent once
	run bash -c "$R -n 0 -- llm-chat <in.ndjson"
	[ "$(summary <<<"$output")" = "a error 1" ]
}

@test "--on decides which statuses are retried" {
	start_mock
	{ req a '[[mock:503 times=1]] x'; req b '[[mock:400 times=1]] y'; req c '[[mock:429 times=1]] z'; } >in.ndjson
	run bash -c "$R --on 400,429 -- llm-chat <in.ndjson"
	[ "$status" -eq 1 ]
	[ "$(summary <<<"$output")" = "a error 1
b ok 2
c ok 2" ]
	run llm-retry --on 4x -- llm-chat <in.ndjson
	[ "$status" -eq 2 ]
	assert_output "llm-retry: --on: not an HTTP status (100-599 or 4xx, 5xx): '4x'"
}

@test "--max-time ends a run that keeps failing, every record answered" {
	start_mock
	{ req a '[[mock:503]] x'; req b '[[mock:slow ms=20000]] y'; req c ok; } >in.ndjson
	run bash -c "llm-retry --base 0.1 -n 1000 --max-time 1 -- llm-chat -j 4 <in.ndjson"
	[ "$status" -eq 1 ]
	[ "$(jq -r .id <<<"$output" | sort | tr '\n' ' ')" = "a b c " ]
	[ "$(jq -r 'select(.id == "a") | .error.http_status' <<<"$output")" = 503 ]
	[ "$(jq -r 'select(.id == "a") | .attempt > 1' <<<"$output")" = true ]
	[ "$(jq -r 'select(.id == "b") | [.error.kind, .error.message, .attempt] | join(" ")' <<<"$output")" = "timeout --max-time passed before llm-chat answered 1" ]
	[ "$(jq -r 'select(.id == "c") | .status' <<<"$output")" = ok ]
}

@test "COMMAND killed by signal mid-run: what it had not answered goes to a new one" {
	start_mock
	# answers two records, one llm-chat each, then kills itself
	cat >crash.sh <<'EOF'
#!/bin/bash
n=0
while IFS= read -r line; do
	printf '%s\n' "$line" | llm-chat
	n=$((n + 1))
	[ $n -lt 2 ] || kill -9 $$
done
EOF
	chmod +x crash.sh
	reqs 7 >in.ndjson
	run bash -c "$R -n 5 -- ./crash.sh <in.ndjson 2>err"
	assert_success
	[ "$(jq -r .id <<<"$output" | sort | uniq -c | awk '$1 != 1' | wc -l)" -eq 0 ]
	[ "$(wc -l <<<"$output")" -eq 7 ]
	[ "$(jq -r .status <<<"$output" | sort -u)" = ok ]
	# the first run answered r1 and r2; the others went to later runs
	[ "$(jq -r 'select(.id == "r1" or .id == "r2") | .attempt' <<<"$output" | sort -u)" = 1 ]
	[ "$(jq -r 'select(.attempt == 1) | .id' <<<"$output" | wc -l)" -eq 2 ]
	grep -q '^llm-retry: ./crash.sh was killed by signal 9 (Killed) with 5 records unanswered$' err
	# it keeps dying: out of retries, an io error naming how it ended
	run bash -c "$R -n 1 -- ./crash.sh <in.ndjson 2>err"
	[ "$status" -eq 1 ]
	[ "$(wc -l <<<"$output")" -eq 7 ]
	[ "$(jq -r 'select(.status == "error") | [.error.kind, .error.message, .attempt] | join(" ")' <<<"$output" | sort -u)" = "io ./crash.sh was killed by signal 9 (Killed) before answering 2" ]
}

@test "llm-chat killed by the test: its records are sent again and come out once" {
	start_mock
	# answers slow enough that the child is still waiting when it is
	# killed, however loaded the machine
	reqs 10 "[[mock:slow ms=3000 times=1]] " >in.ndjson
	$R -- llm-chat -j 10 <in.ndjson >out.ndjson 2>err &
	pid=$!
	for _ in $(seq 100); do
		child=$(pgrep -P $pid) && break
		sleep 0.05
	done
	[ -n "$child" ]
	sleep 0.2
	kill -9 "$child"
	wait $pid
	[ "$(summary out.ndjson | sort -u | awk '{ print $2, $3 }' | sort -u)" = "ok 2" ]
	[ "$(jq -r .id out.ndjson | sort -u | wc -l)" -eq 10 ]
	[ "$(wc -l <out.ndjson)" -eq 10 ]
	grep -q "^llm-retry: llm-chat was killed by signal 9 (Killed) with 10 records unanswered$" err
}

@test "COMMAND that exits at once every time: io error records, not a hang" {
	req a one >in.ndjson
	run bash -c "$R -n 2 -- sh -c 'exit 4' <in.ndjson 2>err"
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.id, .error.kind, .error.message, .attempt] | join(" ")' <<<"$output")" = "a io sh exited with status 4 before answering 3" ]
	[ "$(jq -r .request.messages[0].content <<<"$output")" = one ]
}

@test "garbage lines from COMMAND are reported, not passed on" {
	start_mock
	cat >garbage.sh <<'EOF'
#!/bin/sh
echo "garbage line"
echo '[1,2]'
echo '{"no":"id"}'
echo '{"id":"zz","status":"weird"}'
exec llm-chat
EOF
	chmod +x garbage.sh
	{ req a one; req b two; } >in.ndjson
	run bash -c "$R -- ./garbage.sh <in.ndjson 2>err"
	assert_success
	[ "$(summary <<<"$output")" = "a ok 1
b ok 1" ]
	[ "$(cat err)" = "llm-retry: ./garbage.sh stdout:1: invalid JSON: unexpected character at byte 0: dropped
llm-retry: ./garbage.sh stdout:2: not a JSON object: dropped
llm-retry: ./garbage.sh stdout:3: not a result record: dropped
llm-retry: ./garbage.sh stdout:4: not a result record: dropped" ]
}

@test "an id answered twice: the second answer is dropped and reported" {
	start_mock
	cat >twice.sh <<'EOF'
#!/bin/sh
llm-chat -k | while IFS= read -r l; do printf '%s\n%s\n' "$l" "$l"; done
EOF
	chmod +x twice.sh
	{ req a one; req b two; } >in.ndjson
	run bash -c "$R -v -- ./twice.sh <in.ndjson 2>err"
	assert_success
	[ "$(summary <<<"$output")" = "a ok 1
b ok 1" ]
	[ "$(grep -c 'is not awaited (answered twice?): dropped$' err)" -eq 2 ]
	grep -q '^llm-retry: ./twice.sh stdout:2: id a attempt 1 is not awaited' err
	grep -q '^llm-retry: 2 records: 2 ok, 0 failed; 0 retries, 0 restarts of ./twice.sh, 0 lines not records, 2 answers dropped$' err
}

@test "1000 records with 20% transient faults: every id once, all ok" {
	start_mock
	# r3, r13, ... fail once with 503, r6, r16, ... once with 429
	jq -cn 'range(1; 1001) | {id:"r\(.)",request:{model:"mock",messages:[{role:"user",
		content:((if . % 10 == 3 then "[[mock:503 times=1]] " elif . % 10 == 6 then "[[mock:429 times=1]] " else "" end) + "n\(.)")}]}}' >in.ndjson
	run bash -c "$R -- llm-chat -j 16 <in.ndjson 2>err"
	assert_success
	[ "$(wc -l <<<"$output")" -eq 1000 ]
	[ "$(jq -r .id <<<"$output" | sort -u | wc -l)" -eq 1000 ]
	[ "$(jq -r .status <<<"$output" | sort -u)" = ok ]
	[ "$(jq -r 'select(.attempt == 2) | .id' <<<"$output" | wc -l)" -eq 200 ]
	[ "$(jq -r 'select(.attempt == 2) | .id | ltrimstr("r") | tonumber % 10' <<<"$output" | sort -u | tr '\n' ' ')" = "3 6 " ]
	[ "$(jq -r 'select(.id == "r13") | .content' <<<"$output")" = n13 ]
	[ "$(stats)" -eq 1200 ]
	[ ! -s err ]
}

@test "a small window still gets every record through" {
	start_mock
	reqs 50 "[[mock:503 times=1]] " >in.ndjson
	run bash -c "$R -w 3 -- llm-chat -j 8 <in.ndjson"
	assert_success
	[ "$(jq -r .id <<<"$output" | sort -u | wc -l)" -eq 50 ]
	[ "$(jq -r .attempt <<<"$output" | sort -u)" = 2 ]
}

@test "ids: missing ones are stdin:LINE, bad lines are bad_input and not sent" {
	start_mock
	{
		echo '{"model":"mock","messages":[{"role":"user","content":"bare"}],"meta":{"k":1}}'
		echo 'not json'
		echo '[1]'
		echo '{"request":{"model":"mock","messages":[{"role":"user","content":"wrapped"}]}}'
	} >in.ndjson
	run bash -c "$R -- llm-chat -k <in.ndjson"
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.id, .status, .error.kind // .content] | join(" ")' <<<"$output" | sort)" = "stdin:1 ok bare
stdin:2 error bad_input
stdin:3 error bad_input
stdin:4 ok wrapped" ]
	[ "$(jq -r 'select(.id == "stdin:1") | .meta.k' <<<"$output")" = 1 ]
	[[ "$(jq -r 'select(.id == "stdin:2") | .error.message' <<<"$output")" == "stdin:2: invalid JSON: "* ]]
	[ "$(stats)" -eq 2 ]
}

@test "an error record fed back in counts its attempts on" {
	start_mock
	req a '[[mock:503 times=1]] x' | llm-chat >err1.ndjson || true
	[ "$(summary err1.ndjson)" = "a error 1" ]
	run bash -c "$R -- llm-chat <err1.ndjson"
	assert_success
	[ "$(summary <<<"$output")" = "a ok 2" ]
	[ "$(jq -r .meta.tag <<<"$output")" = a ]
}

@test "the same id twice in flight: the second waits its turn, both come out" {
	start_mock
	{ req a '[[mock:503 times=1]] one'; req a two; req b three; } >in.ndjson
	run bash -c "$R -- llm-chat -j 4 <in.ndjson"
	assert_success
	[ "$(jq -r '[.id, .content, .attempt] | join(" ")' <<<"$output" | sort)" = "a one 2
a two 1
b three 1" ]
}

@test "a slow reader and a flood of output do not deadlock it" {
	start_mock
	reqs 40 "[[mock:huge bytes=200000]] " >in.ndjson
	run bash -c "$R -- llm-chat -j 8 <in.ndjson | { sleep 1; cat; } | jq -r '.id + \" \" + (.content | length | tostring)'"
	assert_success
	[ "$(wc -l <<<"$output")" -eq 40 ]
	[ "$(awk '{ print $2 }' <<<"$output" | sort -u)" = 200000 ]
}

@test "stream events pass through; the result record ends each id" {
	command -v llm-stream >/dev/null || skip "no llm-stream in this build"
	start_mock
	req a '[[mock:503 times=1]] hello there' >in.ndjson
	run bash -c "$R -- llm-stream --events <in.ndjson"
	assert_success
	[ "$(tail -1 <<<"$output" | jq -r '[.status, .attempt] | join(" ")')" = "ok 2" ]
}

@test "| head -1 ends quietly" {
	start_mock
	reqs 300 >in.ndjson
	run bash -c "$R -- llm-chat -j 4 <in.ndjson | head -1; echo \"status=\${PIPESTATUS[0]}\""
	[ "$(head -1 <<<"$output" | jq -r .status)" = ok ]
	refute_output --partial "llm-retry:"
	assert_line --regexp '^status=(0|141)$'
}

@test "a write error on stdout is reported" {
	[ -w /dev/full ] || skip "no /dev/full"
	start_mock
	req a one >in.ndjson
	run bash -c "$R -- llm-chat <in.ndjson >/dev/full"
	[ "$status" -eq 1 ]
	assert_output --partial "llm-retry: stdout: No space left on device"
}

@test "SIGINT is passed on: what finished is written, what was in flight cancelled, exit 130" {
	start_mock
	{ req fast1 a; req fast2 b; req slow "[[mock:slow ms=5000]] c"; } >in.ndjson
	$R -- llm-chat -j 3 <in.ndjson >out.ndjson 2>err &
	pid=$!
	sleep 1
	kill -INT $pid
	rc=0
	wait $pid || rc=$?
	[ "$rc" -eq 130 ]
	[ "$(jq -r .id out.ndjson | sort | tr '\n' ' ')" = "fast1 fast2 slow " ]
	[ "$(jq -r 'select(.id == "slow") | .error.kind' out.ndjson)" = cancelled ]
}

@test "COMMAND not found: exit 2 before anything is read" {
	run bash -c "echo '{\"id\":\"a\"}' | llm-retry -- llm-no-such-command"
	[ "$status" -eq 2 ]
	assert_output "llm-retry: llm-no-such-command: No such file or directory"
}

@test "usage errors exit 2" {
	run llm-retry
	[ "$status" -eq 2 ]
	assert_output --partial "usage: llm-retry"
	run llm-retry -n x -- llm-chat
	[ "$status" -eq 2 ]
	run llm-retry --base -1 -- llm-chat
	[ "$status" -eq 2 ]
	run llm-retry --help
	assert_success
	assert_output --partial "--max-retry-after SEC"
}

@test "--whole re-runs a command while it exits 75" {
	cat >flaky.sh <<'EOF'
#!/bin/sh
n=$(cat count 2>/dev/null || echo 0)
n=$((n + 1))
echo $n >count
echo "run $n"
[ $n -gt 2 ] || exit 75
EOF
	chmod +x flaky.sh
	run bash -c "$R --whole -v -- ./flaky.sh 2>err"
	assert_success
	assert_output "run 1
run 2
run 3"
	[ "$(grep -c 'attempt [23] in' err)" -eq 2 ]
	# out of retries: its own status, 75
	rm count
	run $R --whole -n 1 -- ./flaky.sh
	[ "$status" -eq 75 ]
	[ "$(cat count)" -eq 2 ]
	# another status is not retried
	run $R --whole -- sh -c 'echo once >>log; exit 3'
	[ "$status" -eq 3 ]
	[ "$(wc -l <log)" -eq 1 ]
}

@test "--whole with llm-chat in prompt mode" {
	start_mock
	run bash -c "$R --whole -- llm-chat -m mock '[[mock:503 times=2]] hi' </dev/null 2>err"
	assert_success
	assert_output "hi"
	[ "$(grep -c '^llm-chat: HTTP 503' err)" -eq 2 ]
	run bash -c "$R --whole -n 1 -- llm-chat -m mock '[[mock:503 times=5]] hi' </dev/null"
	[ "$status" -eq 75 ]
	[ "$(stats)" -eq 5 ]
}

@test "--whole: a file on stdin is read from its start by every run" {
	cat >reads.sh <<'EOF'
#!/bin/sh
cat
n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n >count
[ $n -gt 1 ] || exit 75
EOF
	chmod +x reads.sh
	printf 'line\n' >in.txt
	run bash -c "$R --whole -- ./reads.sh <in.txt"
	assert_success
	assert_output "line
line"
}

@test "--max-time and --cap of the most days allowed: waits as for any other (no int cast of 1e10 ms)" {
	start_mock
	req a '[[mock:503 times=1]] x' >in.ndjson
	run timeout 20 bash -c "llm-retry --base 0.01 --cap 1e7 --max-time 1e7 -- llm-chat <in.ndjson"
	assert_success
	[ "$(summary <<<"$output")" = "a ok 2" ]
	run timeout 20 bash -c "llm-retry --whole --max-time 1e7 -- true"
	assert_success
}

@test "--whole --max-time stops a run that takes too long" {
	run bash -c "$R --whole --max-time 0.3 -- sleep 30"
	[ "$status" -eq 75 ]
	assert_output "llm-retry: --max-time passed: sleep stopped"
}

@test "valgrind: no leaks and no errors through retries, a crash, garbage and duplicates" {
	command -v valgrind >/dev/null || skip "valgrind not installed"
	[ "$BUILD" = build ] || skip "valgrind does not run sanitized builds"
	start_mock
	cat >flaky.sh <<'SH'
#!/bin/sh
# the first run prints garbage and dies after two answers; later ones answer twice
if mkdir ran 2>/dev/null; then
	echo garbage
	llm-chat | head -2
	exit 1
fi
llm-chat | while IFS= read -r l; do printf '%s\n%s\n' "$l" "$l"; done
SH
	chmod +x flaky.sh
	{
		reqs 20 "[[mock:503 times=1]] "
		echo bad
		req big '[[mock:429 retry-after=3600]] x'
		req r1 again
	} >in.ndjson
	run bash -c "valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
		--error-exitcode=9 llm-retry --base 0.01 -- ./flaky.sh <in.ndjson 2>err"
	[ "$status" -eq 1 ]
	[ "$(wc -l <<<"$output")" -eq 23 ]
	[ "$(jq -r 'select(.status == "ok") | .id' <<<"$output" | wc -l)" -eq 21 ]
	! grep -q "==" err
}

@test "COMMAND exiting 2 (usage, configuration) is not retried, and its 2 is passed on" {
	unset LLM_BASE_URL
	{ req a one; req b two; } >in.ndjson
	run bash -c "$R -n 5 -- llm-chat <in.ndjson 2>err"
	[ "$status" -eq 2 ]
	[ "$(jq -r '[.id, .error.kind, .error.retryable, .error.message, .attempt] | join(" ")' <<<"$output" | sort)" = "a io false llm-chat exited with status 2 before answering 1
b io false llm-chat exited with status 2 before answering 1" ]
	# llm-chat said what to set, once: it ran once
	[ "$(grep -c '^llm-chat: ' err)" -eq 1 ]
}

@test "--max-time: records not read yet get an error record each, not sent" {
	start_mock
	reqs 5 "[[mock:slow ms=20000]] " >in.ndjson
	echo 'not json' >>in.ndjson
	run bash -c "$R -w 2 --max-time 0.5 -- llm-chat -j 4 <in.ndjson 2>err"
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.id, .error.kind, (.error.message | sub("JSON: .*"; "JSON")), .attempt] | join(" ")' <<<"$output" | sort)" = "r1 timeout --max-time passed before llm-chat answered 1
r2 timeout --max-time passed before llm-chat answered 1
r3 timeout not sent: --max-time passed 1
r4 timeout not sent: --max-time passed 1
r5 timeout not sent: --max-time passed 1
stdin:6 bad_input stdin:6: invalid JSON 1" ]
	[ "$(jq -r 'select(.id == "r4") | .request.messages[0].content + " " + .meta.tag' <<<"$output")" = "[[mock:slow ms=20000]] n4 r4" ]
	# a bad line's request is null, read after --max-time as in the run (was {})
	[ "$(jq -c 'select(.id == "stdin:6") | [has("request"), .request]' <<<"$output")" = '[true,null]' ]
}

@test "progress: one line, llm-retry's, counting final outcomes and retries; -v messages on lines of their own" {
	start_mock
	for i in 1 2 3 4 5 6; do req r$i "[[mock:503 times=2]] n$i"; done >in.ndjson
	LLM_PROGRESS=1 $R -v -- llm-chat <in.ndjson >out.ndjson 2>err
	[ "$(jq -s 'map(select(.status == "ok")) | length' out.ndjson)" -eq 6 ]
	# the command draws none: it was told so
	! grep -q 'llm-chat:' err
	tr '\r' '\n' <err >lines
	grep -qx 'llm-retry: 6 done, 6 ok, 0 failed, 12 retried'$'\e''\[K' lines
	grep -q 'attempt 3 in' lines
	# a message never glued onto the progress line
	! grep -q 'llm-retry:.*llm-retry:' lines
	# -q: no line; and none when stderr is not a terminal
	LLM_PROGRESS=1 $R -q -- llm-chat <in.ndjson >/dev/null 2>err
	[ ! -s err ]
	$R -- llm-chat <in.ndjson >/dev/null 2>err
	[ ! -s err ]
}

@test "progress on a terminal, without the forcing variable" {
	command -v script >/dev/null || skip "needs script(1)"
	start_mock
	{ req a one; req b '[[mock:400]] two'; } >in.ndjson
	run script -qec "$R -- llm-chat <in.ndjson >/dev/null" /dev/null
	assert_output --partial 'llm-retry: 2 done, 1 ok, 1 failed, 0 retried'
	refute_output --partial 'llm-chat:'
}
