#!/usr/bin/env bats
# llm-mock: real requests with curl, answers checked with jq.

load helpers

# body TEXT [JQ-EXTRA]: a request with one user message, extra fields
# merged in from a jq object expression.
body() {
	jq -nc --arg t "$1" "{model:\"mock\",messages:[{role:\"user\",content:\$t}]} + (${2:-{\}})"
}

# post BODY: the answer's body on stdout
post() {
	curl -s "$LLM_BASE_URL/chat/completions" -H 'Content-Type: application/json' -d "$1"
}

# code BODY: the answer's HTTP status
code() {
	curl -s -o /dev/null -w '%{http_code}' "$LLM_BASE_URL/chat/completions" -d "$1"
}

# headers BODY: the status line and headers, CR removed
headers() {
	curl -s -D - -o /dev/null "$LLM_BASE_URL/chat/completions" -d "$1" | tr -d '\r'
}

stats() {
	curl -s "$LLM_BASE_URL/mock/stats"
}

@test "--help prints usage on stdout and exits 0" {
	run llm-mock --help
	assert_success
	assert_line --index 0 --partial 'usage: llm-mock'
	assert_output --partial '--port-file FILE'
	# the usage lines name every long option the list below them explains
	usage=$(llm-mock --help | sed '/^$/q')
	n=0
	for o in $(llm-mock --help | sed -n 's/^ *\(-[a-zA-Z], \)\{0,1\}\(--[a-z0-9-]*\).*/\2/p'); do
		n=$((n + 1))
		case $o in --quiet | --verbose | --help | --version) continue ;; esac
		grep -qF -- "[$o" <<<"$usage" || { echo "usage lacks $o"; false; }
	done
	[ "$n" -gt 15 ]
}

@test "a bad option is a usage error" {
	run llm-mock --bogus
	assert_failure 2
	assert_line --index 0 "llm-mock: unknown option --bogus"
	assert_line --index 1 "try 'llm-mock --help'"
	run llm-mock --port 70000
	assert_failure 2
	assert_output --partial 'llm-mock: --port: expected a whole number from 0 to 65535'
	run llm-mock extra
	assert_failure 2
	assert_line --index 0 "llm-mock: unexpected argument 'extra'"
}

@test "--port-file holds the port listened on, and the start line says so" {
	local pf="$BATS_TEST_TMPDIR/port"
	llm-mock --port 0 --port-file "$pf" 2>"$BATS_TEST_TMPDIR/err" &
	MOCK_PID=$!
	for i in $(seq 100); do [ -s "$pf" ] && break; sleep 0.05; done
	run cat "$pf"
	assert_output --regexp '^[0-9]+$'
	[ "$output" -gt 0 ]
	[ "$(wc -c <"$pf")" -eq $(( ${#output} + 1 )) ]
	run curl -s "http://127.0.0.1:$output/health"
	assert_output '{"status":"ok"}'
	run cat "$BATS_TEST_TMPDIR/err"
	assert_output "llm-mock: listening on http://127.0.0.1:$(cat "$pf")/v1"
}

@test "-q says nothing; SIGTERM ends it with status 0" {
	local pf="$BATS_TEST_TMPDIR/port"
	llm-mock -q --port 0 --port-file "$pf" 2>"$BATS_TEST_TMPDIR/err" &
	local pid=$!
	for i in $(seq 100); do [ -s "$pf" ] && break; sleep 0.05; done
	kill -TERM "$pid"
	local rc=0
	wait "$pid" || rc=$?
	assert_equal "$rc" 0
	[ ! -s "$BATS_TEST_TMPDIR/err" ]
}

@test "SIGINT ends it with status 0, even during a slow answer" {
	start_mock -q
	curl -s -m 10 "$LLM_BASE_URL/chat/completions" -d "$(body '[[mock:slow ms=60000]]')" &
	local cpid=$!
	sleep 0.3
	local t0=$(date +%s)
	kill -INT "$MOCK_PID"
	local rc=0
	wait "$MOCK_PID" || rc=$?
	MOCK_PID=
	assert_equal "$rc" 0
	[ $(( $(date +%s) - t0 )) -lt 5 ]
	wait "$cpid" || true
}

@test "/v1/models lists the default model, or the --model ones" {
	start_mock -q
	run curl -s "$LLM_BASE_URL/models"
	assert_output '{"object":"list","data":[{"id":"mock","object":"model","created":0,"owned_by":"llm-mock"}]}'
	stop_mock
	start_mock -q --model gpt-4o --model 'llama3:8b'
	run sh -c "curl -s '$LLM_BASE_URL/models' | jq -c '[.data[].id]'"
	assert_output '["gpt-4o","llama3:8b"]'
}

@test "/health answers ok" {
	start_mock -q
	run curl -s -w ' %{http_code}' "http://127.0.0.1:$MOCK_PORT/health"
	assert_output '{"status":"ok"} 200'
}

@test "/v1/mock/stats counts requests, chats, faults and connections, requests not itself" {
	start_mock -q
	run stats
	assert_output '{"requests":0,"chat":0,"faults":0,"connections":1}'
	post "$(body one)" >/dev/null
	post "$(body two)" >/dev/null
	post "$(body '[[mock:429]]')" >/dev/null
	curl -s "$LLM_BASE_URL/models" >/dev/null
	run stats
	# each curl is a connection of its own, the two reads of stats too
	assert_output '{"requests":4,"chat":3,"faults":1,"connections":6}'
}

@test "the answer echoes the last user message with exact usage" {
	start_mock -q
	local req='{"model":"m1","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"first"},{"role":"assistant","content":"ok"},{"role":"user","content":"  Hello, world! [[mock:slow ms=1]]  "}]}'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$req' | jq -c '[.object,.created,.model,.choices[0].index,.choices[0].message,.choices[0].finish_reason,.usage]'"
	# prompt: ceil(9/4)+4 + ceil(5/4)+4 + ceil(2/4)+4 + ceil(36/4)+4 = 7+6+5+13
	assert_output '["chat.completion",0,"m1",0,{"role":"assistant","content":"Hello, world!"},"stop",{"prompt_tokens":31,"completion_tokens":4,"total_tokens":35}]'
}

@test "the id is a hash of the body: same body, same id; model defaults to mock" {
	start_mock -q
	local a b c
	a=$(post '{"messages":[{"role":"user","content":"x"}]}' | jq -r .id)
	b=$(post '{"messages":[{"role":"user","content":"x"}]}' | jq -r .id)
	c=$(post '{"messages":[{"role":"user","content":"y"}]}' | jq -r .id)
	assert_regex "$a" '^chatcmpl-mock-[0-9a-f]+$'
	assert_equal "$a" "$b"
	[ "$a" != "$c" ]
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '{\"messages\":[]}' | jq -c '[.model,.choices[0].message.content]'"
	assert_output '["mock",""]'
}

@test "content parts are joined by newlines" {
	start_mock -q
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"ab\"},{\"type\":\"image_url\",\"image_url\":{\"url\":\"x\"}},{\"type\":\"text\",\"text\":\"cd\"}]}]}' | jq -c '[.choices[0].message.content,.usage.prompt_tokens]'"
	assert_output '["ab\ncd",6]'
}

@test "max_tokens cuts the content and says length" {
	start_mock -q
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body 0123456789abcdef '{max_tokens:3}')' | jq -c '[.choices[0].message.content,.choices[0].finish_reason,.usage.completion_tokens]'"
	assert_output '["0123456789ab","length",3]'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body 0123456789abcdef '{max_completion_tokens:4}')' | jq -c '[.choices[0].finish_reason,.usage.completion_tokens]'"
	assert_output '["stop",4]'
}

@test "a tool directive makes a tool call" {
	start_mock -q
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body 'weather? [[mock:tool name=get_weather args={"city": "Paris"}]]')' | jq -c '[.choices[0].message.content,.choices[0].finish_reason,(.choices[0].message.tool_calls|length),.choices[0].message.tool_calls[0].type,.choices[0].message.tool_calls[0].function]'"
	assert_output '[null,"tool_calls",1,"function",{"name":"get_weather","arguments":"{\"city\": \"Paris\"}"}]'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body 'x [[mock:tool name=f]]')' | jq -r '.choices[0].message.tool_calls[0].id'"
	assert_output --regexp '^call_0_[0-9a-f]{8}$'
}

@test "two tool directives make two parallel tool calls in order" {
	start_mock -q
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body '[[mock:tool name=a args={"n":1}]] [[mock:tool name=b]]')' | jq -c '[.choices[0].message.tool_calls[] | [.id[0:7], .function.name, .function.arguments]]'"
	assert_output '[["call_0_","a","{\"n\":1}"],["call_1_","b","{}"]]'
}

@test "a tool result is quoted back" {
	start_mock -q
	local req='{"messages":[{"role":"user","content":"[[mock:tool name=f]]"},{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]},{"role":"tool","tool_call_id":"c1","content":"sunny, 21C"}]}'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$req' | jq -c '[.choices[0].message.content,.choices[0].finish_reason]'"
	assert_output '["tool result: sunny, 21C","stop"]'
}

@test "turns=N calls a tool again for N rounds, then quotes the result" {
	start_mock -q
	local u='{"role":"user","content":"go [[mock:tool name=f turns=2]] [[mock:tool name=g]]"}'
	local a='{"role":"assistant","content":null,"tool_calls":[{"id":"c1","type":"function","function":{"name":"f","arguments":"{}"}}]}'
	local t='{"role":"tool","tool_call_id":"c1","content":"r1"}'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '{\"messages\":[$u]}' | jq -c '[.choices[0].finish_reason,[.choices[0].message.tool_calls[].function.name]]'"
	assert_output '["tool_calls",["f","g"]]'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '{\"messages\":[$u,$a,$t]}' | jq -c '[.choices[0].finish_reason,[.choices[0].message.tool_calls[].function.name]]'"
	assert_output '["tool_calls",["f"]]'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '{\"messages\":[$u,$a,$t,$a,$t]}' | jq -c '[.choices[0].message.content,.choices[0].finish_reason]'"
	assert_output '["tool result: r1","stop"]'
}

@test "each fault status answers with that status and an OpenAI error" {
	start_mock -q
	local s reason
	for s in 400:'Bad Request' 401:Unauthorized 403:Forbidden 404:'Not Found' \
	         408:'Request Timeout' 409:Conflict 429:'Too Many Requests' \
	         500:'Internal Server Error' 502:'Bad Gateway' 503:'Service Unavailable' \
	         504:'Gateway Timeout'; do
		reason=${s#*:}
		s=${s%%:*}
		run curl -s -w ' %{http_code}' "$LLM_BASE_URL/chat/completions" -d "$(body "[[mock:$s]]")"
		assert_output --regexp "^\\{\"error\":\\{\"message\":\"mock: injected $s $reason\",\"type\":\"[a-z_]+\",\"param\":null,\"code\":[^}]*\\}\\} $s\$"
	done
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body '[[mock:429]]')' | jq -c .error"
	assert_output '{"message":"mock: injected 429 Too Many Requests","type":"rate_limit_error","param":null,"code":"rate_limit_exceeded"}'
}

@test "retry-after= sends Retry-After in seconds" {
	start_mock -q
	run headers "$(body '[[mock:429 retry-after=7]]')"
	assert_line --index 0 'HTTP/1.1 429 Too Many Requests'
	assert_line 'Retry-After: 7'
	refute_line --partial 'retry-after-ms'
	refute_line --partial 'x-should-retry'
}

@test "retry-after-date= sends Retry-After as an HTTP date in the future" {
	start_mock -q
	run headers "$(body '[[mock:503 retry-after-date=120]]')"
	assert_line --index 0 'HTTP/1.1 503 Service Unavailable'
	local ra
	ra=$(printf '%s\n' "$output" | sed -n 's/^Retry-After: //p')
	assert_regex "$ra" '^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), [0-9]{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) [0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2} GMT$'
	local delta=$(( $(date -d "$ra" +%s) - $(date +%s) ))
	[ "$delta" -ge 115 ] && [ "$delta" -le 121 ]
}

@test "retry-after-ms= and should-retry= send their headers" {
	start_mock -q
	run headers "$(body '[[mock:500 retry-after-ms=1500 should-retry=true]]')"
	assert_line --index 0 'HTTP/1.1 500 Internal Server Error'
	assert_line 'retry-after-ms: 1500'
	assert_line 'x-should-retry: true'
	refute_line --partial 'Retry-After:'
	run headers "$(body '[[mock:400 should-retry=false]]')"
	assert_line 'x-should-retry: false'
}

@test "times=2 fails the same body twice, then answers; another body is apart" {
	start_mock -q
	local b1 b2
	b1=$(body 'flaky [[mock:503 times=2]]')
	b2=$(body 'other [[mock:503 times=2]]')
	run code "$b1"; assert_output 503
	run code "$b1"; assert_output 503
	run code "$b2"; assert_output 503
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$b1' | jq -r '.choices[0].message.content'"
	assert_output 'flaky'
	run code "$b1"; assert_output 200
	run code "$b2"; assert_output 503
	run code "$b2"; assert_output 200
	run stats
	assert_output '{"requests":7,"chat":7,"faults":4,"connections":8}'
}

@test "times= counts of two bodies sharing a slot of the table survive their turns" {
	# these two bodies have the same low 16 bits of FNV-1a: when one slot
	# held one body, each took it from the other and both failed forever
	start_mock -q
	local b1='{"messages":[{"role":"user","content":"c588 [[mock:500 times=1]]"}]}'
	local b2='{"messages":[{"role":"user","content":"c694 [[mock:500 times=1]]"}]}'
	run code "$b1"; assert_output 500
	run code "$b2"; assert_output 500
	run code "$b1"; assert_output 200
	run code "$b2"; assert_output 200
}

@test "times= applies per fault: slow once, then fast" {
	start_mock -q
	local b t
	b=$(body 'x [[mock:slow ms=400 times=1]]')
	t=$(curl -s -o /dev/null -w '%{time_total}' "$LLM_BASE_URL/chat/completions" -d "$b")
	[ "$(echo "$t >= 0.39" | bc)" -eq 1 ]
	t=$(curl -s -o /dev/null -w '%{time_total}' "$LLM_BASE_URL/chat/completions" -d "$b")
	[ "$(echo "$t < 0.3" | bc)" -eq 1 ]
}

@test "slow ms= delays the first byte, then answers normally" {
	start_mock -q
	run curl -s -w ' %{time_starttransfer}' "$LLM_BASE_URL/chat/completions" -d "$(body 'hi [[mock:slow ms=500]]')"
	local t=${output##* }
	[ "$(echo "$t >= 0.49" | bc)" -eq 1 ]
	[ "$(echo "$t < 5" | bc)" -eq 1 ]
	assert_output --partial '"content":"hi"'
}

@test "--latency delays every answer" {
	start_mock -q --latency 300
	local t
	t=$(curl -s -o /dev/null -w '%{time_starttransfer}' "$LLM_BASE_URL/chat/completions" -d "$(body hi)")
	[ "$(echo "$t >= 0.29" | bc)" -eq 1 ]
	t=$(curl -s -o /dev/null -w '%{time_starttransfer}' "$LLM_BASE_URL/models")
	[ "$(echo "$t < 0.25" | bc)" -eq 1 ]
}

@test "drop breaks the connection in the middle of the body" {
	start_mock -q
	run curl -s "$LLM_BASE_URL/chat/completions" -d "$(body 'some text [[mock:drop]]')"
	assert_failure 18
	assert_output --partial '{"id":"chatcmpl-mock-'
	refute_output --partial 'usage'
	run curl -sN "$LLM_BASE_URL/chat/completions" -d "$(body '0123456789abcdefghijklmnopqrstuvwxyz [[mock:drop]]' '{stream:true}')"
	assert_failure
	assert_output --partial '"role":"assistant"'
	assert_output --partial '"content":"01234567"'
	refute_output --partial 'finish_reason":"stop"'
	refute_output --partial '[DONE]'
}

@test "a stream sends role, deltas of at most 8 bytes, finish, usage, [DONE]" {
	start_mock -q
	run curl -sN -D "$BATS_TEST_TMPDIR/h" "$LLM_BASE_URL/chat/completions" -d "$(body 'Hello, streaming world!' '{stream:true,stream_options:{include_usage:true}}')"
	assert_success
	run grep -ci '^content-type: text/event-stream' "$BATS_TEST_TMPDIR/h"
	assert_output 1
	run curl -sN "$LLM_BASE_URL/chat/completions" -d "$(body 'Hello, streaming world!' '{stream:true,stream_options:{include_usage:true}}')"
	local s="$output"
	# every event is "data: ...", a blank line after each
	[ "$(printf '%s\n' "$s" | grep -c '^data: ')" -eq 7 ]
	assert_equal "$(printf '%s\n' "$s" | tail -n 1)" 'data: [DONE]'
	run sh -c "printf '%s\n' '$s' | sed -n 's/^data: //p' | grep -v DONE | jq -c '[.object,.created,.model,(.x_mock_ts_ms|type)]' | sort -u"
	assert_output '["chat.completion.chunk",0,"mock","number"]'
	run sh -c "printf '%s\n' '$s' | sed -n 's/^data: //p' | grep -v DONE | jq -c '.choices[0].delta // \"usage\"'"
	assert_output '{"role":"assistant","content":""}
{"content":"Hello, s"}
{"content":"treaming"}
{"content":" world!"}
{}
"usage"'
	run sh -c "printf '%s\n' '$s' | sed -n 's/^data: //p' | grep -v DONE | jq -c 'select(.choices==[]) | .usage'"
	assert_output '{"prompt_tokens":10,"completion_tokens":6,"total_tokens":16}'
	run sh -c "printf '%s\n' '$s' | sed -n 's/^data: //p' | grep -v DONE | jq -r '.choices[0].finish_reason // empty'"
	assert_output 'stop'
}

@test "a stream without include_usage sends no usage chunk" {
	start_mock -q
	run curl -sN "$LLM_BASE_URL/chat/completions" -d "$(body 'hi' '{stream:true}')"
	refute_output --partial 'usage'
	assert_output --partial 'data: [DONE]'
}

@test "a stream splits deltas on UTF-8 boundaries" {
	start_mock -q
	run sh -c "curl -sN '$LLM_BASE_URL/chat/completions' -d '$(body 'ééééé€€€' '{stream:true}')' | sed -n 's/^data: //p' | grep -v DONE | jq -r '.choices[0].delta.content // empty' | grep ."
	assert_output 'éééé
é€€
€'
}

@test "--chunk-delay spaces the chunks" {
	start_mock -q --chunk-delay 100
	run sh -c "curl -sN '$LLM_BASE_URL/chat/completions' -d '$(body 'abcdefghijklmnopqrstuvwx' '{stream:true}')' | sed -n 's/^data: //p' | grep -v DONE | jq -s '[.[].x_mock_ts_ms] | (.[-1] - .[0])'"
	# role, three deltas, finish: four gaps of 100 ms
	[ "$(echo "$output >= 390" | bc)" -eq 1 ]
	[ "$(echo "$output < 2000" | bc)" -eq 1 ]
}

@test "a streamed tool call sends its head, then argument pieces" {
	start_mock -q
	run sh -c "curl -sN '$LLM_BASE_URL/chat/completions' -d '$(body '[[mock:tool name=get_weather args={"city":"Paris"}]]' '{stream:true}')' | sed -n 's/^data: //p' | grep -v DONE | jq -c '.choices[0] | [.delta.tool_calls[0] // null, .finish_reason]' | sed 's/call_0_[0-9a-f]*/ID/'"
	assert_output '[null,null]
[{"index":0,"id":"ID","type":"function","function":{"name":"get_weather","arguments":""}},null]
[{"index":0,"function":{"arguments":"{\"city\":"}},null]
[{"index":0,"function":{"arguments":"\"Paris\"}"}},null]
[null,"tool_calls"]'
}

@test "no-done ends a stream after finish_reason without [DONE]" {
	start_mock -q
	run curl -sN "$LLM_BASE_URL/chat/completions" -d "$(body 'text [[mock:no-done]]' '{stream:true,stream_options:{include_usage:true}}')"
	assert_success
	refute_output --partial '[DONE]'
	assert_output --partial '"finish_reason":"stop"'
	assert_output --partial '"usage":{"prompt_tokens":10,'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body 'text [[mock:no-done]]')' | jq -r '.choices[0].message.content'"
	assert_output 'text'
}

@test "truncate ends a stream after some deltas, cleanly" {
	start_mock -q
	run curl -sN "$LLM_BASE_URL/chat/completions" -d "$(body '0123456789abcdefghijklmnopqrstuvwxyz [[mock:truncate]]' '{stream:true}')"
	assert_success
	assert_output --partial '"content":"01234567"'
	assert_output --partial '"content":"89abcdef"'
	assert_output --partial '"content":"ghijklmn"'
	refute_output --partial '"content":"opqrstuv"'
	refute_output --partial 'finish_reason":"'
	refute_output --partial '[DONE]'
}

@test "stream-error sends an error event after two deltas" {
	start_mock -q
	run curl -sN "$LLM_BASE_URL/chat/completions" -d "$(body '0123456789abcdefghijklmnopqrstuvwxyz [[mock:stream-error]]' '{stream:true}')"
	assert_success
	assert_equal "$(printf '%s\n' "$output" | grep -c '^data: ')" 4
	assert_equal "$(printf '%s\n' "$output" | grep '^data: ' | tail -n 1)" 'data: {"error":{"message":"mock: injected stream error","type":"server_error"}}'
	refute_output --partial '[DONE]'
}

@test "invalid-json answers 200 with a body that does not parse" {
	start_mock -q
	run curl -s -w ' %{http_code} %{content_type}' "$LLM_BASE_URL/chat/completions" -d "$(body '[[mock:invalid-json]]')"
	assert_output '{"id":"x","choices":[{"mess 200 application/json'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body '[[mock:invalid-json]]')' | jq ."
	assert_failure
}

@test "empty-choices answers a valid completion with no choices" {
	start_mock -q
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body 'x [[mock:empty-choices]]')' | jq -c '[.object,.choices]'"
	assert_output '["chat.completion",[]]'
}

@test "huge bytes= answers content of that many x" {
	start_mock -q
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body '[[mock:huge bytes=100000]]')' | jq -c '[(.choices[0].message.content|length), (.choices[0].message.content|test(\"^x+$\")), .usage.completion_tokens]'"
	assert_output '[100000,true,25000]'
	run sh -c "curl -sN '$LLM_BASE_URL/chat/completions' -d '$(body '[[mock:huge bytes=40000]]' '{stream:true}')' | sed -n 's/^data: //p' | grep -v DONE | jq -j '.choices[0].delta.content // empty' | wc -c"
	assert_output 40000
}

@test "tools-no-stream refuses a streamed request only" {
	start_mock -q
	run curl -s -w ' %{http_code}' "$LLM_BASE_URL/chat/completions" -d "$(body 'x [[mock:tools-no-stream]]' '{stream:true}')"
	assert_output '{"error":{"message":"Cannot use tools with stream","type":"invalid_request_error","param":null,"code":null}} 400'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body 'x [[mock:tools-no-stream]]')' | jq -r '.choices[0].message.content'"
	assert_output 'x'
}

@test "an unknown directive is a 400 naming it" {
	start_mock -q
	run curl -s -w ' %{http_code}' "$LLM_BASE_URL/chat/completions" -d "$(body 'hi [[mock:sloow ms=5]]')"
	assert_output '{"error":{"message":"mock: unknown directive [[mock:sloow]]","type":"invalid_request_error","param":null,"code":null}} 400'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body '[[mock:slow mss=5]]')' | jq -r .error.message"
	assert_output "mock: [[mock:slow]]: unknown option 'mss'"
}

@test "a directive in an earlier user message is ignored" {
	start_mock -q
	run curl -s -w ' %{http_code}' "$LLM_BASE_URL/chat/completions" -d '{"messages":[{"role":"user","content":"[[mock:500]]"},{"role":"assistant","content":"a"},{"role":"user","content":"fine"}]}'
	assert_output --partial '"content":"fine"'
	assert_output --regexp ' 200$'
}

@test "bad requests: invalid JSON, no messages, unknown path, wrong method" {
	start_mock -q
	run curl -s -w ' %{http_code}' "$LLM_BASE_URL/chat/completions" -d '{"messages":'
	assert_output --regexp '^\{"error":\{"message":"invalid JSON in request body: [^"]*","type":"invalid_request_error","param":null,"code":null\}\} 400$'
	run curl -s -w ' %{http_code}' "$LLM_BASE_URL/chat/completions" -d '{"model":"m"}'
	assert_output "{\"error\":{\"message\":\"'messages' is required and must be an array\",\"type\":\"invalid_request_error\",\"param\":null,\"code\":null}} 400"
	run curl -s -w ' %{http_code}' "$LLM_BASE_URL/completions" -d '{}'
	assert_output --regexp '^\{"error":\{"message":"mock: unknown request URL: POST /v1/completions",.* 404$'
	run curl -s -o /dev/null -D - "$LLM_BASE_URL/chat/completions"
	assert_line --index 0 --partial 'HTTP/1.1 405'
	run curl -s -o /dev/null -w '%{http_code}' -X POST "$LLM_BASE_URL/models"
	assert_output 405
}

@test "a body over 16 MiB is refused with 413" {
	start_mock -q
	head -c 17000000 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/big"
	run curl -s -o /dev/null -w '%{http_code}' "$LLM_BASE_URL/chat/completions" --data-binary @"$BATS_TEST_TMPDIR/big"
	assert_output 413
	run curl -s "http://127.0.0.1:$MOCK_PORT/health"
	assert_output '{"status":"ok"}'
}

@test "rules: first match wins, by model, regex, role; status and headers" {
	cat >"$BATS_TEST_TMPDIR/rules" <<-'EOF'
	# a tool loop: call the tool, then answer from its result
	{"role":"tool","content":"It is sunny in Paris."}
	{"model":"big","content":"from the big model"}
	{"match":"weather|forecast","tool_calls":[{"name":"get_weather","arguments":{"city":"Paris"}}]}
	{"match":"^busy","status":429,"headers":{"retry-after":"3"}}
	{"match":"custom","status":200,"body":"{\"custom\":true}"}
	{"match":"late","content":"later","delay_ms":300}
	EOF
	start_mock -q --rules "$BATS_TEST_TMPDIR/rules"
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '{\"model\":\"big\",\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"}]}' | jq -r '.choices[0].message.content'"
	assert_output 'from the big model'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body 'the forecast?')' | jq -c '[.choices[0].finish_reason, .choices[0].message.tool_calls[0].function]'"
	assert_output '["tool_calls",{"name":"get_weather","arguments":"{\"city\":\"Paris\"}"}]'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '{\"messages\":[{\"role\":\"user\",\"content\":\"weather?\"},{\"role\":\"assistant\",\"content\":null},{\"role\":\"tool\",\"content\":\"sunny\"}]}' | jq -r '.choices[0].message.content'"
	assert_output 'It is sunny in Paris.'
	run headers "$(body 'busy now')"
	assert_line --index 0 'HTTP/1.1 429 Too Many Requests'
	assert_line 'retry-after: 3'
	run curl -s "$LLM_BASE_URL/chat/completions" -d "$(body 'not busy')"
	assert_output --partial '"content":"not busy"'
	run curl -s "$LLM_BASE_URL/chat/completions" -d "$(body 'custom')"
	assert_output '{"custom":true}'
	run curl -s -w ' %{time_starttransfer}' "$LLM_BASE_URL/chat/completions" -d "$(body 'late')"
	assert_output --partial '"content":"later"'
	[ "$(echo "${output##* } >= 0.29" | bc)" -eq 1 ]
	run stats
	assert_output '{"requests":7,"chat":7,"faults":1,"connections":8}'
}

@test "rules: a tool directive outranks the rules, a fault directive too" {
	printf '%s\n' '{"content":"ruled"}' >"$BATS_TEST_TMPDIR/rules"
	start_mock -q --rules "$BATS_TEST_TMPDIR/rules"
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body 'x')' | jq -r '.choices[0].message.content'"
	assert_output 'ruled'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$(body '[[mock:tool name=t]]')' | jq -r '.choices[0].message.tool_calls[0].function.name'"
	assert_output 't'
	run code "$(body '[[mock:502]]')"
	assert_output 502
}

@test "a bad rules file exits 2 naming file and line" {
	printf '%s\n' '{"content":"ok"}' '' '{"match":"(unclosed"}' >"$BATS_TEST_TMPDIR/rules"
	run llm-mock --port 0 --rules "$BATS_TEST_TMPDIR/rules"
	assert_failure 2
	assert_output --regexp "^llm-mock: $BATS_TEST_TMPDIR/rules:3: 'match': .+"
	printf '%s\n' '{"content":"ok"}' '{"contnet":"typo"}' >"$BATS_TEST_TMPDIR/rules"
	run llm-mock --port 0 --rules "$BATS_TEST_TMPDIR/rules"
	assert_failure 2
	assert_output "llm-mock: $BATS_TEST_TMPDIR/rules:2: unknown field 'contnet'"
	printf '%s\n' 'not json' >"$BATS_TEST_TMPDIR/rules"
	run llm-mock --port 0 --rules "$BATS_TEST_TMPDIR/rules"
	assert_failure 2
	assert_output --regexp "^llm-mock: $BATS_TEST_TMPDIR/rules:1: invalid JSON: "
	run llm-mock --port 0 --rules "$BATS_TEST_TMPDIR/missing"
	assert_failure 2
	assert_output --partial "llm-mock: $BATS_TEST_TMPDIR/missing: No such file or directory"
}

@test "-v logs each request on stderr" {
	local pf="$BATS_TEST_TMPDIR/port"
	llm-mock -v --port 0 --port-file "$pf" 2>"$BATS_TEST_TMPDIR/err" &
	MOCK_PID=$!
	for i in $(seq 100); do [ -s "$pf" ] && break; sleep 0.05; done
	curl -s "http://127.0.0.1:$(cat "$pf")/v1/chat/completions" -d "$(body '[[mock:429]]')" >/dev/null
	stop_mock
	run grep -c '^llm-mock: POST /v1/chat/completions 429$' "$BATS_TEST_TMPDIR/err"
	assert_output 1
}
