#!/usr/bin/env bats
# llm-stream against llm-mock: text as it arrives, events, every stream
# shape real servers send, every way a stream breaks.

load helpers

req() {	# req ID CONTENT [MODEL]: one request record
	jq -cn --arg id "$1" --arg c "$2" --arg m "${3:-mock}" \
		'{id:$id,request:{model:$m,messages:[{role:"user",content:$c}]},meta:{tag:$id}}'
}

toolreq() {	# toolreq ID CONTENT: a request offering a tool
	jq -cn --arg id "$1" --arg c "$2" \
		'{id:$id,request:{model:"mock",messages:[{role:"user",content:$c}],
		  tools:[{type:"function",function:{name:"get_weather",parameters:{type:"object"}}}]}}'
}

@test "prompt mode prints the text and a final newline" {
	start_mock
	run llm-stream -m mock hello streaming world
	assert_success
	assert_output "hello streaming world"
	[ "$(llm-stream -m mock hello | od -c | head -1)" = "$(printf 'hello\n' | od -c | head -1)" ]
}

@test "prompt mode writes each delta as it comes, before the answer ends" {
	start_mock --chunk-delay 400
	llm-stream -m mock "one two three four five six seven eight nine ten eleven twelve" >out.txt &
	pid=$!
	# the role chunk and the first delta are out after ~0.8 s; the whole
	# answer (several deltas, 0.4 s apart) takes far longer
	for i in $(seq 50); do [ -s out.txt ] && break; sleep 0.1; done
	kill -0 $pid	# still streaming
	[ -s out.txt ]
	grep -q '^one ' out.txt
	wait $pid
	[ "$(cat out.txt)" = "one two three four five six seven eight nine ten eleven twelve" ]
}

@test "prompt mode --json: the result has usage, finish_reason, model, ttft_ms, latency_ms" {
	start_mock --chunk-delay 50
	run llm-stream --json -m mock "be quick about it"
	assert_success
	jq -e '.status == "ok" and .content == "be quick about it" and .model == "mock"
	       and .finish_reason == "stop" and .usage.completion_tokens > 0
	       and .usage.total_tokens == .usage.prompt_tokens + .usage.completion_tokens
	       and .ttft_ms >= 50 and .latency_ms >= .ttft_ms and .cached == false' <<<"$output"
}

@test "the request asks for a stream with usage; other stream_options are kept" {
	start_mock
	jq -cn '{id:"a",request:{model:"mock",messages:[{role:"user",content:"hi"}],
	         stream_options:{something:1}}}' | llm-stream --echo >out.ndjson 2>/dev/null
	jq -e '.request.stream == true and .request.stream_options.include_usage == true
	       and .request.stream_options.something == 1 and .usage.total_tokens > 0' out.ndjson
}

@test "prompt mode exits 75 on a retryable failure, 1 on another" {
	start_mock
	run llm-stream -m mock '[[mock:truncate]] a b c d e f g h'
	[ "$status" -eq 75 ]
	assert_output --partial "llm-stream: stream ended before the answer was complete"
	run llm-stream -m mock '[[mock:400]] x'
	[ "$status" -eq 1 ]
	assert_output --partial "llm-stream: HTTP 400"
}

@test "--events: deltas for an id come before its result and add up to its content" {
	start_mock
	{ req a "alpha beta gamma delta epsilon zeta eta theta"; req b "one two three"; } >in.ndjson
	run llm-stream --events -j 2 <in.ndjson
	assert_success
	for id in a b; do
		jq -c "select(.id == \"$id\")" <<<"$output" >"$id.ndjson"
		# the last line for the id is its result; every one before is an event
		[ "$(tail -1 $id.ndjson | jq -r .status)" = ok ]
		[ "$(head -n -1 $id.ndjson | jq -r 'select(.status) | .id' | wc -l)" -eq 0 ]
		[ "$(head -n -1 $id.ndjson | jq -r .event | sort -u)" = delta ]
		[ "$(head -n -1 $id.ndjson | jq -j .content)" = "$(tail -1 $id.ndjson | jq -r .content)" ]
	done
	[ "$(jq -r 'select(.id == "a" and .event) | .id' <<<"$output" | wc -l)" -ge 2 ]
}

@test "without --events only result records come out" {
	start_mock
	req a "alpha beta gamma delta epsilon zeta" >in.ndjson
	run llm-stream <in.ndjson
	assert_success
	[ "${#lines[@]}" -eq 1 ]
	[ "$(jq -r .content <<<"$output")" = "alpha beta gamma delta epsilon zeta" ]
}

@test "every stream shape of real servers gives the same answer" {
	start_mock
	# prompt_tokens count the directive too: compare the rest
	want=$(req x "the quick brown fox jumps" | llm-stream | jq -c '{content,finish_reason,c:.usage.completion_tokens}')
	for shape in sse-crlf sse-cr sse-nospace sse-comments sse-fields sse-multiline sse-filter \
	             "sse-cr]] [[mock:sse-nospace]] [[mock:sse-comments" \
	             "sse-crlf]] [[mock:sse-fields]] [[mock:sse-multiline"; do
		got=$(req x "[[mock:$shape]] the quick brown fox jumps" | llm-stream |
		      jq -c '{content,finish_reason,c:.usage.completion_tokens}')
		[ "$got" = "$want" ] || { echo "$shape: got $got want $want"; return 1; }
	done
}

@test "the mock's shapes are really on the wire" {
	start_mock
	body() { jq -cn --arg c "[[mock:$1]] hi there" \
		'{model:"mock",stream:true,messages:[{role:"user",content:$c}]}'; }
	curl -sN "$LLM_BASE_URL/chat/completions" -d "$(body sse-crlf)" >crlf.txt
	[ "$(tr -cd '\r' <crlf.txt | wc -c)" -gt 4 ]
	grep -c $'\r$' crlf.txt
	curl -sN "$LLM_BASE_URL/chat/completions" -d "$(body sse-cr)" >cr.txt
	[ "$(tr -cd '\n' <cr.txt | wc -c)" -eq 0 ]
	curl -sN "$LLM_BASE_URL/chat/completions" -d "$(body sse-nospace)" >ns.txt
	grep -q '^data:{' ns.txt
	! grep -q '^data: ' ns.txt
	curl -sN "$LLM_BASE_URL/chat/completions" -d "$(body sse-fields)" >f.txt
	grep -q '^retry: 3000$' f.txt
	grep -q '^id: 2$' f.txt
	curl -sN "$LLM_BASE_URL/chat/completions" -d "$(body sse-comments)" >c.txt
	grep -q '^: keep-alive$' c.txt
	curl -sN "$LLM_BASE_URL/chat/completions" -d "$(body sse-multiline)" >m.txt
	grep -q '^data: "object":"chat.completion.chunk",$' m.txt
}

@test "reasoning_content is streamed as reasoning events and lands in .reasoning" {
	start_mock
	req r "[[mock:reasoning]] why is the sky blue" >in.ndjson
	run llm-stream --events <in.ndjson
	assert_success
	[ "$(jq -j 'select(.event == "reasoning") | .content' <<<"$output")" = "reasoning about: why is the sky blue" ]
	[ "$(tail -1 <<<"$output" | jq -r .reasoning)" = "reasoning about: why is the sky blue" ]
	[ "$(tail -1 <<<"$output" | jq -r .content)" = "why is the sky blue" ]
}

@test "parallel tool calls are assembled from their deltas" {
	start_mock
	toolreq t '[[mock:tool name=get_weather args={"city":"Paris","days":[1,2,3]}]] [[mock:tool name=get_time args={"tz":"Europe/Paris"}]] go' >in.ndjson
	run llm-stream --events <in.ndjson
	assert_success
	res=$(tail -1 <<<"$output")
	jq -e '.finish_reason == "tool_calls" and (.tool_calls | length) == 2
	       and .tool_calls[0].function.name == "get_weather"
	       and (.tool_calls[0].function.arguments | fromjson) == {"city":"Paris","days":[1,2,3]}
	       and .tool_calls[1].function.name == "get_time"
	       and (.tool_calls[1].function.arguments | fromjson) == {"tz":"Europe/Paris"}
	       and (.tool_calls[0].id | startswith("call_0_")) and (.tool_calls[1].id | startswith("call_1_"))' <<<"$res"
	# the events carry the same pieces: arguments split over several chunks
	[ "$(jq -r 'select(.event == "tool_call" and .index == 0) | .arguments // empty' <<<"$output" | wc -l)" -ge 2 ]
	[ "$(jq -j 'select(.event == "tool_call" and .index == 0) | .arguments // empty' <<<"$output")" = '{"city":"Paris","days":[1,2,3]}' ]
	[ "$(jq -r 'select(.event == "tool_call" and .name) | .name' <<<"$output" | tr '\n' ' ')" = "get_weather get_time " ]
}

@test "tools refused with a stream: one unstreamed request instead, said once" {
	start_mock
	{ toolreq a '[[mock:tools-no-stream]] first'; toolreq b '[[mock:tools-no-stream]] second'; } >in.ndjson
	run llm-stream -j 1 <in.ndjson
	assert_success
	[ "$(grep -c 'does not stream answers with tools' <<<"$output")" -eq 1 ]
	[ "$(grep -v '^llm-stream:' <<<"$output" | jq -r '[.id,.status,.content] | join(" ")' | tr '\n' ',')" = "a ok first,b ok second," ]
	# a, then a again unstreamed, then b unstreamed at once: three requests
	[ "$(curl -s "http://127.0.0.1:$MOCK_PORT/v1/mock/stats" | jq .chat)" -eq 3 ]
}

@test "a cut stream is never a success: no [DONE] and no finish_reason, dropped, error sent" {
	start_mock
	{ req trunc '[[mock:truncate]] a b c d e f g h i j';
	  req drop '[[mock:drop]] a b c d e f g h i j';
	  req err '[[mock:stream-error]] a b c d e f g h i j';
	  req nodone '[[mock:no-done]] a b c'; } >in.ndjson
	run llm-stream -k <in.ndjson
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 4 ]
	[ "$(jq -r '[.id,.status,.error.kind,.error.retryable] | join(" ")' <<<"$output" | tr '\n' ',')" = \
	  "trunc error protocol true,drop error protocol true,err error protocol true,nodone ok  ," ]
	assert_output --partial "mock: injected stream error"
	# a finish_reason without [DONE] is whole: some servers leave it off
	[ "$(jq -r 'select(.id == "nodone") | .content' <<<"$output")" = "a b c" ]
	# error records carry the request, so they can be sent again
	[ "$(jq -r 'select(.status == "error") | .request.messages[0].content' <<<"$output" | wc -l)" -eq 3 ]
}

@test "broken streams: invalid JSON, no choices, too big, an HTTP error body" {
	start_mock
	{ req bad '[[mock:invalid-json]] x';
	  req empty '[[mock:empty-choices]] x';
	  req huge '[[mock:huge bytes=300000]] x';
	  req limited '[[mock:429 retry-after=2]] x'; } >in.ndjson
	run llm-stream -k --max-response 100000 <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.id,.error.kind,.error.retryable,(.error.http_status // 0),(.error.retry_after_ms // 0)] | join(" ")' <<<"$output" | tr '\n' ',')" = \
	  "bad protocol true 0 0,empty protocol false 0 0,huge protocol false 0 0,limited http true 429 2000," ]
	assert_output --partial "larger than 100000 bytes"
	assert_output --partial "mock: injected 429"
}

@test "a huge answer within the limit streams whole" {
	start_mock
	req big '[[mock:huge bytes=1000000]] x' >in.ndjson
	run llm-stream <in.ndjson
	assert_success
	[ "$(jq -r '.content | length' <<<"$output")" -eq 1000000 ]
}

@test "dead server and timeout are retryable error records" {
	export LLM_BASE_URL=$(dead_url)
	req a one >in.ndjson
	run llm-stream <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.error.kind,.error.retryable] | join(" ")' <<<"$output")" = "connect true" ]
	start_mock --chunk-delay 1000
	req a "one two three four five six" >in.ndjson
	run llm-stream --timeout 0.5 <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.error.kind,.error.retryable] | join(" ")' <<<"$output")" = "timeout true" ]
}

@test "-k keeps input order; every line gives one record under faults" {
	start_mock
	for i in $(seq 1 40); do
		case $((i % 5)) in
		0) req "r$i" "[[mock:truncate]] a b c d" ;;
		1) req "r$i" "[[mock:slow ms=200]] n$i" ;;
		2) req "r$i" "[[mock:503]] n$i" ;;
		*) req "r$i" "n$i" ;;
		esac
	done >in.ndjson
	echo 'not json' >>in.ndjson
	run llm-stream -j 8 -k <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r .id <<<"$output" | head -40 | tr '\n' ' ')" = "$(seq -f 'r%g' 1 40 | tr '\n' ' ')" ]
	[ "${#lines[@]}" -eq 41 ]
	[ "$(tail -1 <<<"$output" | jq -r .error.kind)" = bad_input ]
}

@test "--save and --cache: a cache hit gives the same events as a stream" {
	start_mock
	jq -cn '{id:"s",request:{model:"mock",messages:[{role:"user",content:"saved words here"}]},meta:{output:"out/s.md"}}' >in.ndjson
	run llm-stream --save --cache cache --events <in.ndjson
	assert_success
	[ "$(cat out/s.md)" = "saved words here" ]
	first=$(jq -j 'select(.event) | .content' <<<"$output")
	run llm-stream --save --cache cache --events <in.ndjson
	assert_success
	[ "$(tail -1 <<<"$output" | jq -r .cached)" = true ]
	[ "$(jq -j 'select(.event) | .content' <<<"$output")" = "$first" ]
	[ "$(curl -s "http://127.0.0.1:$MOCK_PORT/v1/mock/stats" | jq .chat)" -eq 1 ]
	# llm-chat's cache is the same cache: the stream flags are not in the key
	run llm-chat --cache cache <in.ndjson
	[ "$(jq -r .cached <<<"$output")" = true ]
}

@test "| head -1 ends quietly" {
	start_mock
	for i in $(seq 1 100); do req "r$i" "n$i w w w w"; done >in.ndjson
	assert_head_quiet llm-stream --events -j 4
	[ "$(head -1 <<<"$output" | jq -r .event)" = delta ]
}

@test "SIGINT writes what finished, cancels what was in flight, and exits 130" {
	start_mock --chunk-delay 20
	{ req fast a; req slow "[[mock:slow ms=5000]] c"; } >in.ndjson
	WANT_IDS="fast slow " assert_sigint llm-stream -j 2 -q
}

@test "usage errors: --events with a prompt, --events in llm-chat" {
	run llm-stream --events -m mock hi
	[ "$status" -eq 2 ]
	assert_output --partial "--events goes with records"
	run llm-chat --events
	[ "$status" -eq 2 ]
	run llm-stream --help
	assert_success
	assert_output --partial "--events"
	assert_output --partial "--rpm"
}

@test "valgrind: no leaks and no errors over streams, faults, tools and the cache" {
	command -v valgrind >/dev/null || skip "no valgrind"
	[ "${BUILD:-build}" = build ] || skip "not under the sanitizers"
	start_mock
	for i in $(seq 1 30); do
		case $((i % 6)) in
		0) req "r$i" "[[mock:truncate]] a b c d" ;;
		1) req "r$i" "[[mock:reasoning]] [[mock:sse-multiline]] n$i" ;;
		2) req "r$i" "[[mock:drop]] a b c d e f" ;;
		3) toolreq "r$i" "[[mock:tool name=f args={\"a\":1}]] [[mock:tools-no-stream]] x" ;;
		*) req "r$i" "n$i words" ;;
		esac
	done >in.ndjson
	LLM_REDACT_NO_JIT=1 run valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 llm-stream --events --cache cache -j 4 <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(grep -c '"status"' <<<"$output")" -eq 30 ]
}
