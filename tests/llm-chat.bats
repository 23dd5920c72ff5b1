#!/usr/bin/env bats
# llm-chat against llm-mock: records in, records out, every fault.

load helpers

req() {	# req ID CONTENT [MODEL]: one request record
	jq -cn --arg id "$1" --arg c "$2" --arg m "${3:-mock}" \
		'{id:$id,request:{model:$m,messages:[{role:"user",content:$c}]},meta:{tag:$id}}'
}

@test "prompt mode prints the answer text" {
	start_mock
	run llm-chat -m mock hello world
	assert_success
	assert_output "hello world"
}

@test "prompt mode joins piped text before the prompt" {
	start_mock
	run bash -c 'printf "some notes\n" | llm-chat -m mock "summarize this"'
	assert_success
	assert_output "some notes

summarize this"
}

@test "prompt mode --json prints the result record" {
	start_mock
	run llm-chat --json -m mock -s "be brief" hi
	assert_success
	[ "$(jq -r .status <<<"$output")" = ok ]
	[ "$(jq -r .content <<<"$output")" = hi ]
	[ "$(jq -r .model <<<"$output")" = mock ]
	[ "$(jq -r .finish_reason <<<"$output")" = stop ]
	# system "be brief" (2 tokens + 4) + user "hi" (1 + 4) = 11
	[ "$(jq -r .usage.prompt_tokens <<<"$output")" = 11 ]
	[ "$(jq -r .usage.completion_tokens <<<"$output")" = 1 ]
}

@test "prompt mode exits 75 on a retryable failure, 1 on another" {
	start_mock
	run llm-chat -m mock '[[mock:503]] x'
	[ "$status" -eq 75 ]
	assert_output --partial "llm-chat: HTTP 503"
	run llm-chat -m mock '[[mock:400]] x'
	[ "$status" -eq 1 ]
	assert_output --partial "llm-chat: HTTP 400"
}

@test "records in, one result record each, meta copied" {
	start_mock
	{ req a one; req b two; req c three; } >in.ndjson
	run llm-chat -k <in.ndjson
	assert_success
	[ "$(wc -l <<<"$output")" -eq 3 ]
	[ "$(jq -r '[.id,.status,.content,.meta.tag,.attempt,.cached] | join(",")' <<<"$output")" = "a,ok,one,a,1,false
b,ok,two,b,1,false
c,ok,three,c,1,false" ]
	# success records carry no request unless --echo
	[ "$(jq -r 'has("request")' <<<"$output" | sort -u)" = false ]
	run llm-chat --echo <in.ndjson
	[ "$(jq -r '.request.messages[0].content' <<<"$output" | sort | tr '\n' ,)" = "one,three,two," ]
}

@test "a bare OpenAI body is a request; its id comes from the line number" {
	start_mock
	run bash -c "printf '%s\n' '{\"model\":\"mock\",\"messages\":[{\"role\":\"user\",\"content\":\"bare\"}]}' | llm-chat"
	assert_success
	[ "$(jq -r '.id + " " + .content' <<<"$output")" = "stdin:1 bare" ]
}

@test "bad lines become bad_input records naming the line; the rest go on" {
	start_mock
	{ req a one; echo 'not json'; echo '[1,2]'; echo '{"id":"x","request":{"model":"m"}}'; req b two; } >in.ndjson
	run llm-chat -k <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(wc -l <<<"$output")" -eq 5 ]
	[ "$(jq -r '.id + " " + .status + " " + (.error.kind // "")' <<<"$output")" = "a ok 
stdin:2 error bad_input
stdin:3 error bad_input
x error bad_input
b ok " ]
	[ "$(jq -r 'select(.id=="stdin:2").error.message' <<<"$output")" = "stdin:2: invalid JSON: null expected at byte 1" ]
	[ "$(jq -r 'select(.id=="stdin:3").error.message' <<<"$output")" = "stdin:3: not a JSON object" ]
	[ "$(jq -r 'select(.id=="x").error.message' <<<"$output")" = 'x: request has no "messages" array' ]
}

@test "a line over the limit is a bad_input record, not a crash" {
	start_mock
	{ req a one; head -c 70000000 /dev/zero | tr '\0' x; echo; req b two; } >in.ndjson
	run llm-chat -k <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r '.id + " " + .status' <<<"$output")" = "a ok
stdin:2 error
b ok" ]
	assert_output --partial "line longer than 67108864 bytes"
}

@test "missing configuration says what to set, sends nothing, exits 2" {
	run llm-chat -m mock hi
	[ "$status" -eq 2 ]
	assert_output --partial "set LLM_BASE_URL"
	assert_output --partial "https://api.openai.com/v1"
	assert_output --partial "http://localhost:11434/v1"
	run bash -c "echo '{}' | llm-chat"
	[ "$status" -eq 2 ]
}

@test "OPENAI_BASE_URL is the fallback; a token is sent and never shown" {
	echo s3cr3t-token >tok
	start_mock --token-file tok
	export OPENAI_BASE_URL=$LLM_BASE_URL
	unset LLM_BASE_URL
	run llm-chat -m mock hi
	[ "$status" -eq 1 ]
	assert_output --partial "HTTP 401"
	export LLM_API_TOKEN=s3cr3t-token
	run llm-chat -v -m mock hi
	assert_success
	assert_output --partial "Authorization: Bearer [REDACTED]"
	refute_output --partial s3cr3t
	unset LLM_API_TOKEN
	run llm-chat --token-file tok -m mock hi
	assert_success
}

@test "-j with -k keeps input order under uneven latency" {
	start_mock
	for i in $(seq 1 40); do
		if [ $((i % 3)) -eq 0 ]; then req "r$i" "[[mock:slow ms=150]] n$i"; else req "r$i" "n$i"; fi
	done >in.ndjson
	run llm-chat -j 16 -k <in.ndjson
	assert_success
	[ "$(jq -r .id <<<"$output" | tr '\n' ' ')" = "$(seq -f 'r%g' 1 40 | tr '\n' ' ')" ]
	# without -k the fast ones overtake the slow ones
	run llm-chat -j 16 <in.ndjson
	assert_success
	[ "$(jq -r .id <<<"$output" | sort | tr '\n' ' ')" = "$(seq -f 'r%g' 1 40 | sort | tr '\n' ' ')" ]
	[ "$(jq -r .id <<<"$output" | head -1)" != r3 ]
	[ "$(jq -r .id <<<"$output" | tr '\n' ' ')" != "$(seq -f 'r%g' 1 40 | tr '\n' ' ')" ]
}

@test "-j really runs requests at once" {
	start_mock
	for i in $(seq 1 8); do req "r$i" "[[mock:slow ms=400]] n$i"; done >in.ndjson
	start=$(date +%s%N)
	run llm-chat -j 8 <in.ndjson
	assert_success
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	# eight 400 ms answers one after another would take 3.2 s
	[ "$ms" -lt 2500 ]
}

@test "--save writes content to meta.output atomically, making directories" {
	start_mock
	jq -cn '{id:"a",request:{model:"m",messages:[{role:"user",content:"saved text"}]},meta:{output:"out/deep/a_response.md"}}' >in.ndjson
	jq -cn '{id:"b",request:{model:"m",messages:[{role:"user",content:"x"}]},meta:{output:"../escape.md"}}' >>in.ndjson
	jq -cn '{id:"c",request:{model:"m",messages:[{role:"user",content:"x"}]}}' >>in.ndjson
	run llm-chat -k --save <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(cat out/deep/a_response.md)" = "saved text" ]
	[ ! -e ../escape.md ]
	[ "$(jq -r '.id + " " + .status + " " + (.error.kind // "")' <<<"$output")" = "a ok 
b error bad_input
c error bad_input" ]
	assert_output --partial "'..' not allowed in path"
	assert_output --partial "--save needs meta.output"
	[ -z "$(find out -name '.*tmp')" ]
}

@test "--save into a read-only directory is an io error record" {
	[ "$(id -u)" -ne 0 ] || skip "root writes anywhere"
	start_mock
	mkdir ro && chmod 555 ro
	jq -cn '{id:"a",request:{model:"m",messages:[{role:"user",content:"x"}]},meta:{output:"ro/a.md"}}' >in.ndjson
	run llm-chat --save <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r .error.kind <<<"$output")" = io ]
}

@test "--cache answers a repeated request from disk, marked cached" {
	start_mock
	req a one >in.ndjson
	run llm-chat --cache cache <in.ndjson
	assert_success
	[ "$(jq -r .cached <<<"$output")" = false ]
	before=$(curl -s "http://127.0.0.1:$MOCK_PORT/v1/mock/stats" | jq .chat)
	run llm-chat --cache cache <in.ndjson
	assert_success
	[ "$(jq -r '[.cached,.content,.id] | join(" ")' <<<"$output")" = "true one a" ]
	after=$(curl -s "http://127.0.0.1:$MOCK_PORT/v1/mock/stats" | jq .chat)
	[ "$before" = "$after" ]
	# meta.repeat keeps samples apart; LLM_CACHE_DIR works too
	jq -c '.meta.repeat=1' in.ndjson >rep.ndjson
	LLM_CACHE_DIR=cache run llm-chat <rep.ndjson
	[ "$(jq -r .cached <<<"$output")" = false ]
	# errors are not cached
	req e '[[mock:500]] x' >err.ndjson
	run llm-chat --cache cache <err.ndjson
	run llm-chat --cache cache <err.ndjson
	[ "$(jq -r .status <<<"$output")" = error ]
}

@test "| head -1 ends quietly" {
	start_mock
	for i in $(seq 1 200); do req "r$i" "n$i"; done >in.ndjson
	assert_head_quiet llm-chat -j 4
	[ "$(head -1 <<<"$output" | jq -r .status)" = ok ]
}

@test "a write error on stdout is reported" {
	[ -w /dev/full ] || skip "no /dev/full"
	start_mock
	req a one >in.ndjson
	run bash -c 'llm-chat <in.ndjson >/dev/full'
	[ "$status" -eq 1 ]
	assert_output --partial "llm-chat: stdout: No space left on device"
}

@test "SIGINT writes what finished, cancels what was in flight, and exits 130" {
	start_mock
	{ req fast1 a; req fast2 b; req slow "[[mock:slow ms=5000]] c"; } >in.ndjson
	WANT_IDS="fast1 fast2 slow " assert_sigint llm-chat -j 3 -q
}

@test "dead server: connect errors, retryable, one per record" {
	export LLM_BASE_URL=$(dead_url)
	{ req a one; req b two; } >in.ndjson
	run llm-chat <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.error.kind,.error.retryable,(.request.messages[0].content)] | join(" ")' <<<"$output" | sort)" = "connect true one
connect true two" ]
}

@test "--timeout gives a retryable timeout record" {
	start_mock
	req a '[[mock:slow ms=3000]] x' >in.ndjson
	run llm-chat --timeout 0.3 <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.error.kind,.error.retryable] | join(" ")' <<<"$output")" = "timeout true" ]
}

# fault → kind, http_status, retryable, retry_after_ms
@test "every HTTP fault is classified as DESIGN.md says" {
	start_mock
	while IFS='|' read -r directive want; do
		req x "$directive hi" >in.ndjson
		out=$(llm-chat <in.ndjson) && { echo "unexpected success: $directive"; return 1; }
		got=$(jq -r '[.error.kind, (.error.http_status|tostring), (.error.retryable|tostring), (.error.retry_after_ms|tostring)] | join(" ")' <<<"$out")
		[ "$got" = "$want" ] || { echo "$directive: got '$got' want '$want'"; return 1; }
		[ "$(jq -r .request.messages[0].content <<<"$out")" = "$directive hi" ]
	done <<'EOF'
[[mock:400]]|http 400 false null
[[mock:401]]|http 401 false null
[[mock:403]]|http 403 false null
[[mock:404]]|http 404 false null
[[mock:408]]|http 408 true null
[[mock:409]]|http 409 true null
[[mock:429]]|http 429 true null
[[mock:429 retry-after=2]]|http 429 true 2000
[[mock:429 retry-after-ms=1500]]|http 429 true 1500
[[mock:500]]|http 500 true null
[[mock:502]]|http 502 true null
[[mock:503]]|http 503 true null
[[mock:504]]|http 504 true null
[[mock:500 should-retry=false]]|http 500 false null
[[mock:400 should-retry=true]]|http 400 true null
EOF
}

@test "Retry-After as an HTTP date becomes milliseconds from now" {
	start_mock
	req x '[[mock:429 retry-after-date=30]] hi' >in.ndjson
	run llm-chat <in.ndjson
	ms=$(jq -r .error.retry_after_ms <<<"$output")
	[ "$ms" -ge 27000 ] && [ "$ms" -le 31000 ]
}

@test "the server's error message is in the record, on one line" {
	start_mock
	req x '[[mock:401]] hi' >in.ndjson
	run llm-chat <in.ndjson
	[ "$(jq -r .error.message <<<"$output")" = "HTTP 401 Unauthorized: mock: injected 401 Unauthorized" ]
}

@test "broken bodies: dropped, invalid JSON, empty choices, huge" {
	start_mock
	while IFS='|' read -r directive want; do
		req x "$directive hi" >in.ndjson
		out=$(llm-chat --max-response 1048576 <in.ndjson) && { echo "unexpected success: $directive"; return 1; }
		got=$(jq -r '[.error.kind, (.error.retryable|tostring)] | join(" ")' <<<"$out")
		[ "$got" = "$want" ] || { echo "$directive: got '$got' want '$want' ($out)"; return 1; }
	done <<'EOF'
[[mock:drop]]|connect true
[[mock:invalid-json]]|protocol true
[[mock:empty-choices]]|protocol false
[[mock:huge bytes=5000000]]|protocol false
EOF
}

@test "times=N fails the first N attempts of the same request" {
	start_mock
	req x '[[mock:503 times=2]] hi' >in.ndjson
	run llm-chat <in.ndjson
	[ "$(jq -r .error.http_status <<<"$output")" = 503 ]
	# the error record is re-submitted as it is: attempt counts up
	echo "$output" >err.ndjson
	run llm-chat <err.ndjson
	[ "$(jq -r '[.status,.attempt] | join(" ")' <<<"$output")" = "error 2" ]
	echo "$output" >err2.ndjson
	run llm-chat <err2.ndjson
	assert_success
	[ "$(jq -r '[.status,.attempt,.content] | join(" ")' <<<"$output")" = "ok 3 hi" ]
}

@test "every fault gives exactly one record per input line" {
	start_mock
	n=0
	for d in 400 401 408 429 500 502 503 504 drop invalid-json empty-choices "slow ms=10" "huge bytes=2000000"; do
		for k in 1 2 3; do n=$((n+1)); req "f$n" "[[mock:$d]] x$k"; done
		n=$((n+1)); req "ok$n" "fine $n"
	done >in.ndjson
	echo 'garbage' >>in.ndjson
	run llm-chat -j 8 --max-response 1000000 <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(wc -l <<<"$output")" -eq $((n + 1)) ]
	[ "$(jq -r .id <<<"$output" | sort | uniq -d)" = "" ]
	# 13 plain ones and the 3 slow ones
	[ "$(jq -r 'select(.status=="ok") | .id' <<<"$output" | wc -l)" -eq 16 ]
}

@test "-m, --temperature, --max-tokens and --json-object set fields in every request" {
	start_mock
	req a one other >in.ndjson
	run llm-chat --echo -m mock2 --temperature 0.7 --max-tokens 5 --json-object <in.ndjson
	assert_success
	[ "$(jq -c '.request | [.model,.temperature,.max_tokens,.response_format.type]' <<<"$output")" = '["mock2",0.7,5,"json_object"]' ]
	[ "$(jq -r .model <<<"$output")" = mock2 ]
}

@test "provider prefixes route to the providers file" {
	start_mock
	mkdir -p "$LLM_CONFIG_DIR"
	printf '[local]\nbase_url = "%s"\n' "$LLM_BASE_URL" >"$LLM_CONFIG_DIR/providers.toml"
	unset LLM_BASE_URL
	run llm-chat --json -m local/meta-llama/Llama-3-8B hi
	assert_success
	[ "$(jq -r .model <<<"$output")" = meta-llama/Llama-3-8B ]
	# an unknown prefix is part of the model name and needs the default endpoint
	req a one other/x >in.ndjson
	run llm-chat <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r .error.kind <<<"$output")" = config ]
	# ... and the error lists the providers the file has, the likely one first
	assert_equal "$(jq -r .error.message <<<"$output")" "model 'other/x': no provider 'other' ($LLM_CONFIG_DIR/providers.toml has: local); a name with '/' that is not a provider's goes to the default endpoint, and LLM_BASE_URL is not set"
	run llm-chat -q -m Local/x hi
	assert_equal "$status" 2
	assert_output --partial "no provider 'Local' (did you mean 'local'?"
}

@test "proxies from the environment are used as curl uses them" {
	start_mock
	local dead
	dead=$(dead_url)
	start_mock
	req a hi >in.ndjson
	# a proxy that is not there: the request goes to it and fails
	http_proxy="${dead%/v1}" run llm-chat <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r .error.kind <<<"$output")" = connect ]
	assert_output --partial "$(sed 's|.*:||; s|/v1||' <<<"$dead")"
	# the host left out of it goes direct; with no variables, direct too
	http_proxy="${dead%/v1}" no_proxy=127.0.0.1 run llm-chat <in.ndjson
	assert_success
	run llm-chat <in.ndjson
	assert_success
}

@test "records for two endpoints, mixed, each reach their own server" {
	# each slot serves both endpoints in turn: the URL set for one request
	# must not stick to the slot
	start_mock
	local one="http://127.0.0.1:$MOCK_PORT/v1"
	start_mock
	mkdir -p "$LLM_CONFIG_DIR"
	printf '[two]\nbase_url = "%s"\n' "$LLM_BASE_URL" >"$LLM_CONFIG_DIR/providers.toml"
	export LLM_BASE_URL="$one"
	for i in $(seq 10); do req "a$i" x mock; req "b$i" y two/m; req "c$i" z two/m; done >in.ndjson
	run llm-chat -j 2 <in.ndjson
	assert_success
	[ "$(jq -r 'select(.status == "ok") | .id' <<<"$output" | wc -l)" -eq 30 ]
	[ "$(curl -s "$one/mock/stats" | jq .chat)" -eq 10 ]
	[ "$(curl -s "http://127.0.0.1:$MOCK_PORT/v1/mock/stats" | jq .chat)" -eq 20 ]
}

@test "stream in a request is taken off: llm-chat reads whole answers" {
	start_mock
	jq -cn '{id:"s",request:{model:"m",stream:true,stream_options:{include_usage:true},messages:[{role:"user",content:"[[mock:truncate]] whole"}]}}' >in.ndjson
	run llm-chat --echo <in.ndjson
	assert_success
	[ "$(jq -r '[.content, (.request|has("stream")), (.request|has("stream_options"))] | join(" ")' <<<"$output")" = "whole false false" ]
}

@test "usage errors exit 2 with a message" {
	run llm-chat -j 0
	[ "$status" -eq 2 ]
	assert_output --partial "llm-chat: -j: expected a whole number from 1 to 1024"
	run llm-chat --no-such-option
	[ "$status" -eq 2 ]
	run llm-chat -i /nonexistent/file
	[ "$status" -eq 2 ]
	assert_output --partial "llm-chat: /nonexistent/file: No such file or directory"
}

@test "--help lists the options" {
	run llm-chat --help
	assert_success
	assert_output --partial "--keep-order"
	assert_output --partial "--cache DIR"
}

@test "valgrind: no leaks and no errors for a 100-record run with faults and the cache" {
	command -v valgrind >/dev/null || skip "valgrind not installed"
	[ "$BUILD" = build ] || skip "valgrind does not run sanitized builds"
	start_mock
	for i in $(seq 1 95); do req "r$i" "n$i"; done >in.ndjson
	{ echo bad; req f '[[mock:429 retry-after=1]] x'; req d '[[mock:drop]] x'; req t '[[mock:tool name=f]] x'; req e '[[mock:empty-choices]] x'; } >>in.ndjson
	LLM_REDACT_NO_JIT=1 run valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect,possible \
		--error-exitcode=9 llm-chat -q -j 8 -k --cache cache -i in.ndjson
	[ "$status" -eq 1 ]
	[ "$(grep -c '^{' <<<"$output")" -eq 100 ]
	refute_output --partial "=="
}

@test "--rpm spaces requests out: 120 a minute sends 2 at once, then one each 0.5 s" {
	start_mock
	for i in $(seq 1 5); do req "r$i" "n$i"; done >in.ndjson
	start=$(date +%s%N)
	run llm-chat -j 8 --rpm 120 <in.ndjson
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	assert_success
	[ "${#lines[@]}" -eq 5 ]
	# 2 at 0 s, then 0.5, 1.0, 1.5 s: never sooner (no limit: ~0.01 s)
	[ "$ms" -ge 1400 ] || { echo "took $ms ms"; return 1; }
}

@test "--tpm holds requests back by their estimated tokens, corrected by usage" {
	start_mock
	# each request is ~1,000 bytes (~250 tokens) and asks for 50 more:
	# 6,000 a minute is 100 a second, so each waits for its debt
	long=$(printf 'word %.0s' $(seq 1 200))
	for i in $(seq 1 3); do req "r$i" "$long" | jq -c '.request.max_tokens = 50'; done >in.ndjson
	start=$(date +%s%N)
	run llm-chat -j 8 --tpm 6000 <in.ndjson
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	[ "$ms" -ge 2000 ] || { echo "took $ms ms"; return 1; }
	run llm-chat --rpm 0 <in.ndjson
	[ "$status" -eq 2 ]
}

@test "an error message that echoes a secret or the token is redacted" {
	start_mock
	export LLM_API_TOKEN=my-own-token-4711
	# llm-mock's message for a bad directive quotes the words it did not take
	req a '[[mock:429 sk-proj-abcdefghijklmnopqrstuvwxyz0123]] x' >in.ndjson
	req b '[[mock:429 my-own-token-4711]] x' >>in.ndjson
	run llm-chat -k <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r .error.http_status <<<"$output" | tr '\n' ' ')" = "400 400 " ]
	# the request is the user's own and stays as sent; the message is cleaned
	[ "$(jq -r .error.message <<<"$output" | grep -c 'sk-proj-')" -eq 0 ]
	[ "$(jq -r .error.message <<<"$output" | grep -c "got '\[REDACTED:")" -eq 2 ]
	[ "$(jq -r .error.message <<<"$output" | grep -c 'my-own-token-4711')" -eq 0 ]
}

@test "-j opens connections of its own to a plain-HTTP server and reuses them" {
	start_mock
	# fast answers: transfers must not queue for one HTTP/1.1 connection
	for i in $(seq 1 300); do req "r$i" "n$i"; done >in.ndjson
	run llm-chat -j 8 <in.ndjson
	assert_success
	[ "${#lines[@]}" -eq 300 ]
	# the read of the stats opens a connection of its own: one less
	conns=$(( $(curl -s "http://127.0.0.1:$MOCK_PORT/v1/mock/stats" | jq .connections) - 1 ))
	# more than one connection at once, never more than -j, reused after
	[ "$conns" -ge 2 ] && [ "$conns" -le 8 ] || { echo "connections: $conns"; return 1; }
}
