#!/usr/bin/env bats
# examples/: each one runs with `make -C examples/NAME` against llm-mock;
# here each runs in a copy, with this build's programs (BIN).

load helpers

# example NAME: copy examples/NAME, and what the examples share, to ex/,
# without what a run there may have left
example() {
	mkdir -p ex
	cp "$ROOT/examples/common.mk" "$ROOT/examples/with-mock.sh" ex/
	cp -R "$ROOT/examples/$1" ex/
	make -s -C "ex/$1" clean >/dev/null
	rm -rf "ex/$1/cache"	# examples/makefile keeps its cache through clean
}

# mk NAME [ARGS]: make in the copy of examples/NAME
mk() {
	make -C "ex/$1" BIN="$ROOT/$BUILD/bin" "${@:2}"
}

# The chat requests llm-mock has answered so far.
mock_chats() {
	curl -s "http://127.0.0.1:$MOCK_PORT/v1/mock/stats" | jq .chat
}

# assert_mock_stopped: the mock with-mock.sh started (the URL it printed
# in $output) no longer answers
assert_mock_stopped() {
	local url
	url=$(sed -n 's/^with-mock: llm-mock on //p' <<<"$output")
	[ -n "$url" ] || { echo "no mock was started"; return 1; }
	run curl -s "$url/mock/stats"
	assert_failure
}

@test "with-mock.sh: the command gets a mock of its own, its status comes back, the mock is stopped" {
	example demo
	run sh ex/with-mock.sh sh -c 'curl -s "$LLM_BASE_URL/mock/stats"; echo; exit 3'
	assert_failure 3
	assert_line '{"requests":0,"chat":0,"faults":0,"connections":1}'
	assert_mock_stopped
	# a server named in LLM_BASE_URL is used as it is
	start_mock
	run sh ex/with-mock.sh sh -c 'echo "$LLM_BASE_URL"'
	assert_success
	assert_output "$LLM_BASE_URL"
}

@test "with-mock.sh: Ctrl-C stops the command and the mock" {
	example demo
	set -m
	sh ex/with-mock.sh sh -c 'echo "$LLM_BASE_URL" >url; exec sleep 30' 2>/dev/null &
	pid=$!
	set +m
	for _ in $(seq 400); do [ -s url ] && break; sleep 0.05; done	# 20 s: a loaded machine
	kill -INT -- -"$pid"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 130 ]
	run curl -s "$(cat url)/mock/stats"
	assert_failure
}

@test "examples/demo: a prompt and a batch, some failing on purpose, against its own mock" {
	example demo
	LLM_BASE_URL=http://127.0.0.1:1/v1 run mk demo
	assert_success
	assert_line 'Hello from the demo'
	assert_line "$(printf 'demo/1\tok\tThe capital of France is Paris.')"
	assert_line "$(printf 'demo/2\tok\t tool_calls: get_weather')"
	assert_line --regexp $'^demo/3\terror\thttp 429 retryable=true HTTP 429'
	assert_line "$(printf 'demo/4\tok\tA slow answer.')"
	assert_line --regexp $'^demo/5\terror\thttp 503 retryable=true'
	assert_line --regexp $'^stdin:6\terror\tbad_input  retryable=false stdin:6: invalid JSON'
	assert_mock_stopped
}

@test "examples/tuna: make answers every pair with its own mock, and stops it" {
	example tuna
	run mk tuna
	assert_success
	assert_line --regexp '^total +12 +12 +0 '
	[ "$(find ex/tuna/Output/demo -name '*_response.md' | wc -l)" -eq 12 ]
	for f in ex/tuna/Output/demo/*/sea_response.md; do
		[ "$(cat "$f")" = "$(cat ex/tuna/Input/sea.md)" ]
	done
	assert_mock_stopped
}

@test "examples/tuna: a run interrupted with SIGINT resumes, and no finished pair is sent again" {
	example tuna
	start_mock --latency 300
	# job control gives the run a process group of its own, as a shell
	# does, so SIGINT reaches make and the whole pipeline like Ctrl-C
	set -m
	mk tuna JOBS=2 >run1.out 2>&1 &
	pid=$!
	set +m
	for _ in $(seq 200); do
		[ "$(find ex/tuna/Output/demo -name '*_response.md' | wc -l)" -ge 2 ] && break
		sleep 0.05
	done
	kill -INT -- -"$pid"
	wait "$pid" || true
	done1=$(find ex/tuna/Output/demo -name '*_response.md' | wc -l)
	echo "responses after the interrupt: $done1 of 12" >&3
	[ "$done1" -ge 2 ] && [ "$done1" -lt 12 ]
	# a request on its way when the run stopped is counted as it lands
	sent1=$(mock_chats)
	for _ in $(seq 20); do
		sleep 0.1
		[ "$(mock_chats)" -eq "$sent1" ] && break
		sent1=$(mock_chats)
	done
	run mk tuna JOBS=2
	assert_success
	# only the pairs without a response were sent the second time
	[ $(( $(mock_chats) - sent1 )) -eq $(( 12 - done1 )) ]
	for m in mock-small mock-large; do
		for q in ex/tuna/Input/*.md; do
			b=$(basename "$q" .md)
			f="ex/tuna/Output/demo/$(printf '%s' $m | sha256sum | cut -c1-8)/${b}_response.md"
			[ -f "$f" ] || { echo "missing $f"; return 1; }
			# llm-mock answers with the query's text
			[ "$(cat "$f")" = "$(cat "$q")" ]
		done
	done
	# the log holds an ok record for each pair
	[ "$(jq -r 'select(.status == "ok") | .id' ex/tuna/Output/demo/results.ndjson | sort -u | wc -l)" -eq 12 ]
	# a third run has nothing left to send
	sent2=$(mock_chats)
	run mk tuna
	assert_success
	[ "$(mock_chats)" -eq "$sent2" ]
}

@test "examples/scenarios: make plays both scenarios, a line each" {
	example scenarios
	run mk scenarios -s
	assert_success
	assert_line "$(printf 'ok\t3 turns\tget_weather,get_time,get_weather\ttool result: {"city":"Paris","temp_c":21,"sky":"sunny"}')"
	assert_line "$(printf 'ok\t2 turns\tlookup\ttool result: Ada Lovelace')"
	assert_line --regexp '^total +2 +2 +0 '
	[ "$(jq -s 'map(select(.status == "ok")) | length' ex/scenarios/traces.ndjson)" -eq 2 ]
	assert_mock_stopped
	# a scenario that fails shows in the table and in make's status
	printf 'model = "m"\nprompt = "x [[mock:400]]"\n' >ex/scenarios/bad.toml
	run mk scenarios -s
	assert_failure
	assert_line --regexp $'^error\t1 turns\t'
	assert_line --regexp '^total +3 +2 +1 '
}

# out/MODEL/NAME.txt files of examples/makefile built after the files
# were all dated in the past (see the test below), as MODEL/NAME
rebuilt() {
	(cd ex/makefile/out && find . -name '*.txt' -newer ../stamp | sed 's,^\./,,; s,\.txt$,,' | sort | tr '\n' ' ')
}

@test "examples/makefile: every prompt x model, with its own mock" {
	example makefile
	run mk makefile
	assert_success
	assert_mock_stopped
	for m in mock-small mock-large; do
		for p in ex/makefile/prompts/*.md; do
			f=ex/makefile/out/$m/$(basename "$p" .md).txt
			# llm-mock answers with the prompt's text
			[ "$(cat "$f")" = "$(cat "$p")" ] || { echo "$f"; return 1; }
		done
	done
	[ "$(find ex/makefile/out -type f | wc -l)" -eq 6 ]
}

@test "examples/makefile: a rerun sends nothing; an edited prompt is asked again, a touched one comes from the cache" {
	example makefile
	start_mock
	run mk makefile -j2
	assert_success
	[ "$(mock_chats)" -eq 6 ]
	# nothing changed: nothing to do
	run mk makefile
	assert_success
	assert_output --partial "Nothing to be done for 'answers'"
	[ "$(mock_chats)" -eq 6 ]
	# the answers gone, the cache kept: rebuilt from the cache
	rm -rf ex/makefile/out
	run mk makefile
	assert_success
	[ "$(mock_chats)" -eq 6 ]
	[ "$(cat ex/makefile/out/mock-large/haiku.txt)" = "$(cat ex/makefile/prompts/haiku.md)" ]
	# date every file in the past, answers as new as their prompts, so
	# `find -newer stamp` tells what a run wrote
	touch -d @1000000000 ex/makefile/prompts/*.md ex/makefile/system.md ex/makefile/out/*/*.txt
	touch -d @1000000100 ex/makefile/stamp
	# one prompt edited: its two answers are asked for, nothing else
	echo "In five lines." >>ex/makefile/prompts/haiku.md
	run mk makefile
	assert_success
	[ "$(mock_chats)" -eq 8 ]
	[ "$(rebuilt)" = "mock-large/haiku mock-small/haiku " ]
	[ "$(cat ex/makefile/out/mock-small/haiku.txt)" = "$(cat ex/makefile/prompts/haiku.md)" ]
	# one prompt touched, not changed: its answers are rebuilt, from the cache
	touch -d @1000000000 ex/makefile/prompts/*.md ex/makefile/out/*/*.txt
	touch ex/makefile/prompts/name.md
	run mk makefile
	assert_success
	[ "$(mock_chats)" -eq 8 ]
	[ "$(rebuilt)" = "mock-large/name mock-small/name " ]
	# the system prompt changed: every answer is asked again
	echo "Be kind." >>ex/makefile/system.md
	run mk makefile
	assert_success
	[ "$(mock_chats)" -eq 14 ]
}

@test "examples/makefile: a failed request leaves no answer, and make says which" {
	example makefile
	start_mock
	echo 'Fail [[mock:400]]' >ex/makefile/prompts/broken.md
	run mk makefile -k
	assert_failure
	assert_output --partial "out/mock-small/broken.txt"
	[ ! -e ex/makefile/out/mock-small/broken.txt ] && [ ! -e ex/makefile/out/mock-large/broken.txt ]
	[ "$(find ex/makefile/out -name '*.txt' | wc -l)" -eq 6 ]
}

@test "examples/parallel: parallel --pipe, --sshlogin : and xargs -P each give every id once" {
	example parallel
	start_mock
	run mk parallel
	assert_success
	for m in parallel sshlogin xargs; do
		assert_line "out/$m.ndjson: 200 ids, each exactly once, 200 ok"
		f=ex/parallel/out/$m.ndjson
		[ "$(wc -l <"$f")" -eq 200 ]
		[ "$(jq -r .id "$f" | sort -u | wc -l)" -eq 200 ]
		# each answer is its own question's
		[ "$(jq -r 'select(.content != "question " + (.id | ltrimstr("q"))) | .id' "$f")" = "" ]
	done
	# the five requests turned away once were sent twice, once in all: the
	# mock remembers it answered them 429 (times=1)
	[ "$(mock_chats)" -eq 605 ]
	[ "$(cat ex/parallel/out/*.ndjson | jq -r 'select(.attempt == 2) | .id' | sort | tr '\n' ' ')" = "q120 q160 q200 q40 q80 " ]
}

@test "examples/parallel: check-ids.sh names missing, repeated and unknown ids" {
	example parallel
	printf '{"id":"a"}\n{"id":"b"}\n{"id":"c"}\n' >req.ndjson
	printf '{"id":"a","status":"ok"}\n{"id":"a","status":"ok"}\n{"id":"d","status":"ok"}\n{"id":"c","status":"error"}\n' >res.ndjson
	run sh ex/parallel/check-ids.sh req.ndjson res.ndjson
	assert_failure 1
	assert_output "res.ndjson: 1 ids missing: b 
res.ndjson: 1 ids repeated: a 
res.ndjson: 1 ids unknown: d "
	printf '{"id":"b","status":"ok"}\n{"id":"c","status":"error"}\n{"id":"a","status":"ok"}\n' >res.ndjson
	run sh ex/parallel/check-ids.sh req.ndjson res.ndjson
	assert_success
	assert_output "res.ndjson: 3 ids, each exactly once, 2 ok"
}

# fail_requests: (in ex/cron) the example's requests and two the mock fails every time
fail_requests() {
	cat requests.ndjson
	echo '{"id":"down","request":{"model":"mock","messages":[{"role":"user","content":"x [[mock:500]]"}]}}'
	echo '{"id":"gone","request":{"model":"mock","messages":[{"role":"user","content":"y [[mock:404]]"}]}}'
}

@test "examples/cron: make runs the night against its own mock; all ok exits 0" {
	example cron
	run mk cron
	assert_success
	assert_line --regexp '^nightly run [0-9T:.Z-]+: 5 requests, 5 ok, 0 failed \(log: log/results\.ndjson\)$'
	assert_line --regexp '^total +5 +5 +0 '
	assert_mock_stopped
	[ "$(jq -s 'map(select(.status == "ok" and .meta.run != null)) | length' ex/cron/log/results.ndjson)" -eq 5 ]
}

@test "examples/cron: failed records exit 1, are listed for the mail and appended to the log" {
	example cron
	start_mock
	cd ex/cron
	run ./nightly.sh
	assert_success
	fail_requests >fail.ndjson
	RETRY_FLAGS="-n 1 --base 0.05" SUMMARY_FLAGS=--markdown run ./nightly.sh fail.ndjson
	assert_failure 1
	assert_line --regexp '^nightly run .*: 7 requests, 5 ok, 2 failed'
	assert_line '| down | mock | http | HTTP 500 Internal Server Error: mock: injected 500 Internal Server Error |'
	assert_line '| gone | mock | http | HTTP 404 Not Found: mock: injected 404 Not Found |'
	# the log holds both runs, apart by meta.run; the 500 was retried once
	[ "$(wc -l <log/results.ndjson)" -eq 12 ]
	[ "$(jq -r .meta.run log/results.ndjson | sort -u | wc -l)" -eq 2 ]
	[ "$(jq -r 'select(.id == "down") | .attempt' log/results.ndjson)" = 2 ]
	[ "$(jq -r 'select(.id == "gone") | .attempt' log/results.ndjson)" = 1 ]
	# bad requests: exit 2, nothing sent, the log untouched
	sent=$(mock_chats)
	echo 'not json' >bad.ndjson
	run ./nightly.sh bad.ndjson
	assert_failure 2
	assert_line "nightly: bad.ndjson: not request records; nothing sent"
	[ "$(mock_chats)" -eq "$sent" ]
	[ "$(wc -l <log/results.ndjson)" -eq 12 ]
}

@test "examples/cron: a run started while another holds the lock exits 75 and sends nothing" {
	example cron
	start_mock
	cd ex/cron
	{ cat requests.ndjson
	  echo '{"id":"slow","request":{"model":"mock","messages":[{"role":"user","content":"z [[mock:slow ms=3000]]"}]}}'
	} >slow.ndjson
	./nightly.sh slow.ndjson >run1.out 2>&1 &
	pid=$!
	# run 1 is past its lock once its requests reach the mock
	for _ in $(seq 100); do [ "$(mock_chats)" -ge 6 ] && break; sleep 0.05; done
	[ "$(mock_chats)" -ge 6 ]
	run ./nightly.sh
	assert_failure 75
	assert_output "nightly: another run holds log/nightly.lock; not starting"
	rc=0
	wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
	grep -q '6 requests, 6 ok, 0 failed' run1.out
	# only run 1 was sent and logged
	[ "$(mock_chats)" -eq 6 ]
	[ "$(wc -l <log/results.ndjson)" -eq 6 ]
	# the lock is free again
	run ./nightly.sh
	assert_success
}
