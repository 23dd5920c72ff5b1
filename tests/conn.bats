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

@test "llm-stream -j 1: 200 answers from a server closing each connection after a stream" {
	start_mock --close-after-stream
	reqs 200 >in.ndjson
	run llm-stream -j 1 -i in.ndjson
	assert_success
	[ "$(jq -r 'select(.status) | .status' <<<"$output" | sort | uniq -c | awk '{ print $1, $2 }')" = "200 ok" ]
	# the mock did close them: a new connection for every answer
	[ "$(stats_connections)" -ge 200 ]
}

@test "llm-stream -j 4: 200 answers from a server closing each connection after a stream" {
	start_mock --close-after-stream
	reqs 200 >in.ndjson
	run llm-stream -j 4 -i in.ndjson
	assert_success
	[ "$(jq -r 'select(.status) | .status' <<<"$output" | sort | uniq -c | awk '{ print $1, $2 }')" = "200 ok" ]
	[ "$(stats_connections)" -ge 200 ]
}

@test "llm-mock --close-after-stream keeps connections after answers not streamed" {
	start_mock --close-after-stream
	reqs 50 >in.ndjson
	run llm-chat -j 1 -i in.ndjson
	assert_success
	[ "$(grep -c '"status":"ok"' <<<"$output")" -eq 50 ]
	[ "$(stats_connections)" -le 2 ]
}
