#!/usr/bin/env bats
# Connections: servers that close kept-alive connections, base URLs with
# a query, and a process short of file descriptors.

load helpers

reqs() {	# reqs N: N request records r1..rN
	local i
	for i in $(seq "$1"); do
		printf '{"id":"r%d","request":{"model":"mock","messages":[{"role":"user","content":"hi %d"}]}}\n' "$i" "$i"
	done
}

# stats_connections: how many connections the mock has seen
stats_connections() {
	curl -s "http://127.0.0.1:$MOCK_PORT/v1/mock/stats" | jq .connections
}

# streams_ok J: 200 streamed records at -j J all come back ok from a
# mock that closes each connection after a stream (llama-server), and the
# mock did close them: a new connection for every answer
streams_ok() {
	start_mock --close-after-stream
	reqs 200 >in.ndjson
	run llm-stream -j "$1" -i in.ndjson
	assert_success
	[ "$(jq -r 'select(.status) | .status' <<<"$output" | sort | uniq -c | awk '{ print $1, $2 }')" = "200 ok" ]
	[ "$(stats_connections)" -ge 200 ]
}

@test "llm-stream -j 1: 200 answers from a server closing each connection after a stream" {
	streams_ok 1
}

@test "llm-stream -j 4: 200 answers from a server closing each connection after a stream" {
	streams_ok 4
}

@test "llm-mock --close-after-stream keeps connections after answers not streamed" {
	start_mock --close-after-stream
	reqs 50 >in.ndjson
	run llm-chat -j 1 -i in.ndjson
	assert_success
	[ "$(grep -c '"status":"ok"' <<<"$output")" -eq 50 ]
	[ "$(stats_connections)" -le 2 ]
}

# Azure OpenAI's base URLs carry a query: the path goes before it.
@test "llm-chat: a base URL with a query posts to the path before the query" {
	start_mock -v 2>mock.log
	run llm-chat --base-url "http://127.0.0.1:$MOCK_PORT/ok/v1/?api-version=2024-02-01" -m mock hello
	# the mock answers /v1/... only: this path is its 404, but the log
	# shows where the request went
	grep -q '^llm-mock: POST /ok/v1/chat/completions?api-version=2024-02-01 404$' mock.log
	run llm-chat --base-url "http://127.0.0.1:$MOCK_PORT/v1?api-version=2024-02-01" -m mock hello
	assert_success
	assert_output "hello"
	grep -q '^llm-mock: POST /v1/chat/completions?api-version=2024-02-01 200$' mock.log
}

@test "llm-stream: a base URL with a query keeps it" {
	start_mock -v 2>mock.log
	export LLM_BASE_URL="http://127.0.0.1:$MOCK_PORT/v1?api-version=2024-02-01"
	reqs 3 >in.ndjson
	run llm-stream -i in.ndjson
	assert_success
	[ "$(grep -c '"status":"ok"' <<<"$output")" -eq 3 ]
	[ "$(grep -c '^llm-mock: POST /v1/chat/completions?api-version=2024-02-01 200$' mock.log)" -eq 3 ]
}

@test "llm-runner: its llm-chat keeps the base URL's query" {
	start_mock -v 2>mock.log
	export LLM_BASE_URL="http://127.0.0.1:$MOCK_PORT/v1?api-version=2024-02-01"
	printf 'model = "mock"\nprompt = "hello there"\n' >s.toml
	run llm-runner s.toml
	assert_success
	jq -e '.status == "ok" and .final_content == "hello there"' <<<"$output"
	grep -q '^llm-mock: POST /v1/chat/completions?api-version=2024-02-01 200$' mock.log
}

@test "a base URL with a fragment is refused before anything is sent" {
	start_mock -v 2>mock.log
	run llm-chat --base-url "http://127.0.0.1:$MOCK_PORT/v1#x" -m mock hello
	assert_failure 2
	assert_output "llm-chat: base URL has a fragment ('#...'), which is never sent: remove it: 'http://127.0.0.1:$MOCK_PORT/v1#x'"
	LLM_BASE_URL="http://127.0.0.1:$MOCK_PORT/v1?api-key=s3cret#x" run llm-stream -m mock hello
	assert_failure 2
	refute_output --partial s3cret
	[ "$(grep -c POST mock.log)" -eq 0 ]
}

@test "-v masks credentials and secret query values of the URL like the token" {
	start_mock
	export LLM_API_TOKEN=tok-s3cret
	url="http://me:pw-s3cret@127.0.0.1:$MOCK_PORT/v1?api-version=2024-02-01&api-key=key-s3cret"
	for prog in llm-chat llm-stream; do
		run "$prog" -v --base-url "$url" -m mock hello
		assert_success
		line=$(grep '> POST' <<<"$output")
		[ "${line%% (*}" = "$prog: > POST http://[REDACTED]@127.0.0.1:$MOCK_PORT/v1/chat/completions?api-version=2024-02-01&api-key=[REDACTED]" ]
		[[ "$line" == *" bytes) Authorization: Bearer [REDACTED]" ]]
		refute_output --partial s3cret
	done
}

@test "-j is fitted to the open-file limit, said once; every record ok" {
	start_mock
	reqs 200 >in.ndjson
	run bash -c 'ulimit -n 32; llm-chat -j 64 -i in.ndjson 2>err.txt'
	assert_success
	[ "$(grep -c '"status":"ok"' <<<"$output")" -eq 200 ]
	[ "$(grep -c . err.txt)" -eq 1 ]
	grep -Eq '^llm-chat: -j 64 is more than 32 open files allow \(ulimit -n\): running -j [0-9]+$' err.txt
	# a limit that allows -j 64 is not mentioned
	run bash -c 'ulimit -n 1024; llm-stream -j 64 -i in.ndjson 2>err.txt'
	assert_success
	[ ! -s err.txt ]
}

@test "a transfer short of a descriptor says too many open files" {
	start_mock
	reqs 3 >in.ndjson
	# descriptors taken up to a little below the limit, more each time,
	# until the program's own leave none for a connection
	seen=
	for last in $(seq 20 29); do
		bash -c 'ulimit -n 32; for f in $(seq 3 '"$last"'); do eval "exec $f<in.ndjson"; done
			llm-chat -j 4 <in.ndjson >out.ndjson 2>err.txt' || true
		[ "$(grep -c "Couldn't connect" out.ndjson)" -eq 0 ]
		if grep -q '"status":"error"' out.ndjson; then
			[ "$(jq -r .error.message out.ndjson | sort -u)" = "cannot connect: too many open files (lower -j or raise ulimit -n)" ]
			[ "$(jq -r .error.retryable out.ndjson | sort -u)" = true ]
			seen=1
			break
		fi
	done
	[ -n "$seen" ]
}
