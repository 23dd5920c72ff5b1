#!/usr/bin/env bats
# Anthropic's Messages API behind the same records: llm-chat, llm-stream
# and llm-runner against llm-mock's /v1/messages route (LLM_API=anthropic,
# or api = "anthropic" in providers.toml).

load helpers

req() {	# req ID CONTENT: one request record
	jq -cn --arg id "$1" --arg c "$2" \
		'{id:$id,request:{model:"claude-sonnet-4",messages:[{role:"user",content:$c}]},meta:{tag:$id}}'
}

# anthropic_mock [llm-mock options]: the mock, spoken to in Anthropic's dialect
anthropic_mock() {
	start_mock -q "$@"
	export LLM_API=anthropic
}

# chat requests the mock has seen
mock_chats() {
	curl -s "http://127.0.0.1:$MOCK_PORT/v1/mock/stats" | jq .chat
}

@test "anthropic: prompt mode posts to /v1/messages and prints the answer" {
	start_mock -v 2>mock.log
	LLM_API=anthropic run llm-chat -m claude-sonnet-4 -s "be brief" hello world
	assert_success
	assert_output "hello world"
	grep -q 'POST /v1/messages 200' mock.log
	! grep -q 'chat/completions' mock.log
}

@test "anthropic: a result record in our shape: content, usage with the cache figures" {
	anthropic_mock
	run llm-chat <<<"$(req a 'hi there')"
	assert_success
	echo "$output" | jq -e '.id == "a" and .status == "ok" and .content == "hi there" and .model == "claude-sonnet-4" and .finish_reason == "stop" and .meta == {tag:"a"}'
	# prompt_tokens = input + cache creation + cache read
	echo "$output" | jq -e '.usage == {prompt_tokens:6,completion_tokens:2,total_tokens:8,cache_creation_input_tokens:0,cache_read_input_tokens:0}'
}

@test "anthropic: the mock refuses a request without max_tokens; llm-chat sends 4096 by default" {
	anthropic_mock
	run curl -s -H 'anthropic-version: 2023-06-01' -d '{"model":"m","messages":[{"role":"user","content":"hi"}]}' \
		"http://127.0.0.1:$MOCK_PORT/v1/messages"
	echo "$output" | jq -e '.type == "error" and .error.type == "invalid_request_error" and (.error.message|test("max_tokens"))'
	llm-chat -v -m claude-sonnet-4 hi 2>trace.txt >out.txt
	[ "$(cat out.txt)" = hi ]
}

@test "anthropic: the token goes as x-api-key, never as a Bearer token, and is checked" {
	echo sk-ant-test >tok
	anthropic_mock --token-file tok
	LLM_API_TOKEN=sk-ant-test run llm-chat -v -m claude-sonnet-4 hi
	assert_success
	assert_line "hi"
	assert_line --partial "x-api-key: [REDACTED]"
	refute_output --partial "sk-ant-test"
	refute_output --partial "Bearer"
	LLM_API_TOKEN=wrong run llm-chat <<<"$(req a hi)"
	assert_failure 1
	echo "$output" | jq -e '.error.kind == "http" and .error.http_status == 401 and .error.retryable == false and (.error.message|startswith("HTTP 401 authentication_error: "))'
	# without LLM_API_TOKEN, an Anthropic endpoint takes ANTHROPIC_API_KEY, not OpenAI's
	OPENAI_API_KEY=sk-ant-test run llm-chat -m claude-sonnet-4 hi
	assert_failure 1
	ANTHROPIC_API_KEY=sk-ant-test OPENAI_API_KEY=nope run llm-chat -m claude-sonnet-4 hi
	assert_success
}

@test "anthropic: tool calls come back as tool_calls, arguments a JSON string" {
	anthropic_mock
	run llm-chat <<<"$(req a 'weather? [[mock:tool name=get_weather args={"city":"Paris"}]] [[mock:tool name=get_time args={"tz":"UTC"}]]')"
	assert_success
	echo "$output" | jq -e '.finish_reason == "tool_calls" and .content == ""'
	run jq -c '[.tool_calls[] | [.type, .function.name, .function.arguments, (.id|startswith("toolu_"))]]' <<<"$output"
	assert_output '[["function","get_weather","{\"city\":\"Paris\"}",true],["function","get_time","{\"tz\":\"UTC\"}",true]]'
}

@test "anthropic: tool results go back as tool_result blocks of one user turn" {
	anthropic_mock
	jq -cn '{id:"t",request:{model:"claude-sonnet-4",tools:[{type:"function",function:{name:"f",parameters:{type:"object"}}}],messages:[
		{role:"user",content:"go"},
		{role:"assistant",content:null,tool_calls:[{id:"c1",type:"function",function:{name:"f",arguments:"{\"a\":1}"}},{id:"c2",type:"function",function:{name:"f",arguments:"{}"}}]},
		{role:"tool",tool_call_id:"c1",content:"one"},
		{role:"tool",tool_call_id:"c2",content:"two"}]}}' >r.ndjson
	run llm-chat <r.ndjson
	assert_success
	# the mock answers the last tool result, as on the OpenAI route
	echo "$output" | jq -e '.content == "tool result: two"'
}

@test "anthropic: response_format json_schema is a forced tool whose input is the content" {
	anthropic_mock
	jq -cn '{id:"j",request:{model:"claude-sonnet-4",response_format:{type:"json_schema",json_schema:{name:"answer",schema:{type:"object"}}},messages:[{role:"user",content:"x [[mock:tool name=answer args={\"v\":42}]]"}]}}' >r.ndjson
	run llm-chat <r.ndjson
	assert_success
	echo "$output" | jq -e '.content == "{\"v\":42}" and .finish_reason == "stop" and (has("tool_calls")|not)'
	run llm-stream <r.ndjson
	assert_success
	echo "$output" | jq -e '.content == "{\"v\":42}" and .finish_reason == "stop" and (has("tool_calls")|not)'
}

@test "anthropic: what cannot be translated is a bad_input record naming the field, never sent" {
	anthropic_mock
	{
		jq -cn '{id:"n",request:{model:"m",n:2,messages:[{role:"user",content:"hi"}]}}'
		jq -cn '{id:"lp",request:{model:"m",logprobs:true,messages:[{role:"user",content:"hi"}]}}'
		jq -cn '{id:"au",request:{model:"m",messages:[{role:"user",content:[{type:"input_audio",input_audio:{data:"AA",format:"wav"}}]}]}}'
		jq -cn '{id:"jo",request:{model:"m",response_format:{type:"json_object"},messages:[{role:"user",content:"hi"}]}}'
		jq -cn '{id:"seed",request:{model:"m",seed:7,messages:[{role:"user",content:"hi"}]}}'
	} >bad.ndjson
	run llm-chat -k <bad.ndjson
	assert_failure 1
	[ "${#lines[@]}" -eq 5 ]
	run jq -r '[.id, .error.kind, .error.retryable, .error.message] | @tsv' <<<"$output"
	assert_line --index 0 --partial $'n\tbad_input\tfalse\tn: n: Anthropic'
	assert_line --index 1 --partial $'lp\tbad_input\tfalse\tlp: logprobs: not supported'
	assert_line --index 2 --partial $'au\tbad_input\tfalse\tau: messages[0].content[0].type \'input_audio\' cannot be sent'
	assert_line --index 3 --partial $'jo\tbad_input\tfalse\tjo: response_format: type \'json_object\''
	assert_line --index 4 --partial $'seed\tbad_input\tfalse\tseed: seed: not supported'
	[ "$(mock_chats)" = 0 ]
}

@test "anthropic: llm-stream writes the same delta, reasoning and tool_call events" {
	anthropic_mock
	run llm-stream --events <<<"$(req a 'think about this [[mock:reasoning]]')"
	assert_success
	run jq -s -c '[.[] | select(.event) | .event] | unique' <<<"$output"
	assert_output '["delta","reasoning"]'
	run llm-stream --events <<<"$(req a 'think about this [[mock:reasoning]]')"
	echo "$output" | jq -s -e '([.[] | select(.event == "delta") | .content] | add) == "think about this"'
	echo "$output" | jq -s -e '([.[] | select(.event == "reasoning") | .content] | add) == "reasoning about: think about this"'
	echo "$output" | jq -s -e '.[-1] | .status == "ok" and .content == "think about this" and .reasoning == "reasoning about: think about this" and .usage.completion_tokens > 0'
	run llm-stream --events <<<"$(req t 'go [[mock:tool name=f args={"city":"Paris","n":12345}]]')"
	assert_success
	echo "$output" | jq -s -e '([.[] | select(.event == "tool_call") | .arguments // ""] | add) == "{\"city\":\"Paris\",\"n\":12345}"'
	echo "$output" | jq -s -e '[.[] | select(.event == "tool_call") | .name // empty] == ["f"]'
	echo "$output" | jq -s -e '.[-1] | .finish_reason == "tool_calls" and .tool_calls[0].function.arguments == "{\"city\":\"Paris\",\"n\":12345}"'
}

# fault  llm-chat's status/kind/retryable  llm-stream's
faults='drop error/connect/true error/protocol/true
truncate ok error/protocol/true
no-done ok ok
invalid-json error/protocol/true error/protocol/true
empty-choices ok ok
stream-error ok error/protocol/true
500 error/http/true error/http/true
529 error/http/true error/http/true
429 error/http/true error/http/true
400 error/http/false error/http/false
404 error/http/false error/http/false
sse-crlf ok ok
sse-cr ok ok
sse-nospace ok ok
sse-comments ok ok
sse-fields ok ok
sse-multiline ok ok
reasoning ok ok'

@test "anthropic: every fault of the mock gives exactly one correct record, chat and stream" {
	anthropic_mock
	while read -r f chat stream; do
		for prog in llm-chat llm-stream; do
			want=$chat
			[ "$prog" = llm-stream ] && want=$stream
			out=$("$prog" <<<"$(req "$f" "some words here [[mock:$f]]")") || true
			[ "$(printf '%s\n' "$out" | wc -l)" -eq 1 ] || { echo "$prog $f: $out"; false; }
			got=$(jq -r '[.status, .error.kind, .error.retryable] | map(select(. != null)) | map(tostring) | join("/")' <<<"$out")
			[ "$got" = "$want" ] || { echo "$prog $f: want $want, got $got: $out"; false; }
			if [ "$want" = ok ]; then
				jq -e '.id == "'"$f"'" and .usage.total_tokens > 0' <<<"$out" >/dev/null
			fi
		done
	done <<<"$faults"
}

@test "anthropic: 529 overloaded is retryable, its retry-after honoured; exit 75 in prompt mode" {
	anthropic_mock
	run llm-chat <<<"$(req a 'x [[mock:529 retry-after=3]]')"
	assert_failure 1
	echo "$output" | jq -e '.error.http_status == 529 and .error.retryable == true and .error.retry_after_ms == 3000 and (.error.message|startswith("HTTP 529 overloaded_error: "))'
	run llm-chat -m claude-sonnet-4 'x [[mock:529]]'
	assert_failure 75
	# and llm-retry sends it again until it passes
	run llm-retry -q --base 0.01 -- llm-chat <<<"$(req a 'x [[mock:529 times=2]]')"
	assert_success
	echo "$output" | jq -e '.status == "ok" and .attempt == 3'
}

@test "anthropic: a provider with api = \"anthropic\" beside the default OpenAI endpoint" {
	start_mock -v 2>mock.log
	mkdir -p "$LLM_CONFIG_DIR"
	printf '[claude]\nbase_url = "%s"\napi = "anthropic"\nanthropic_beta = "prompt-caching-2024-07-31"\n' \
		"$LLM_BASE_URL" >"$LLM_CONFIG_DIR/providers.toml"
	run llm-chat -q -k <<<"$(jq -cn '{id:"c",request:{model:"claude/claude-sonnet-4",messages:[{role:"user",content:"one"}]}}, {id:"o",request:{model:"gpt-x",messages:[{role:"user",content:"two"}]}}')"
	assert_success
	run jq -r '[.id, .content, .model] | @tsv' <<<"$output"
	assert_line $'c\tone\tclaude-sonnet-4'
	assert_line $'o\ttwo\tgpt-x'
	grep -q 'POST /v1/messages 200' mock.log
	grep -q 'POST /v1/chat/completions 200' mock.log
	printf '[claude]\nbase_url = "%s"\napi = "gemini"\n' "$LLM_BASE_URL" >"$LLM_CONFIG_DIR/providers.toml"
	run llm-chat -m claude/x hi
	assert_failure 2
	assert_output --partial "providers.toml:3:7: api: unknown API 'gemini' (openai, anthropic)"
	LLM_API=gemini run llm-chat -m x hi
	assert_failure 2
	assert_output --partial "LLM_API: unknown API 'gemini' (openai, anthropic)"
}

@test "anthropic: llm-runner plays a scenario with tools against the Messages route" {
	anthropic_mock
	run llm-runner "$ROOT/examples/scenarios/weather.toml"
	assert_success
	echo "$output" | jq -e '.status == "ok" and .turns == 3 and .max_turns_hit == false and .finish_reason == "stop"'
	run jq -c '[.tool_calls[] | [.turn, .name, .result]]' <<<"$output"
	assert_output '[[1,"get_weather","{\"city\":\"Paris\",\"temp_c\":21,\"sky\":\"sunny\"}"],[1,"get_time","12:00\n"],[2,"get_weather","{\"city\":\"Paris\",\"temp_c\":21,\"sky\":\"sunny\"}"]]'
}

@test "anthropic: llm-summarize prices cache writes and reads at the table's cache rates" {
	# claude-sonnet-4: 3 in, 15 out, 3.75 a cache write, 0.30 a cache read (per 1M)
	rec='{"id":"a","status":"ok","model":"claude-sonnet-4","endpoint":"https://api.anthropic.com/v1","content":"x","usage":{"prompt_tokens":1000000,"completion_tokens":100000,"total_tokens":1100000,"cache_creation_input_tokens":200000,"cache_read_input_tokens":500000}}'
	run llm-summarize --json <<<"$rec"
	assert_success
	# 300k plain at 3 + 200k written at 3.75 + 500k read at 0.30 + 100k out at 15
	echo "$output" | jq -e '.total.cost_usd == 3.3'
	# without the cache figures, all of the prompt at the input price
	run llm-summarize --json <<<"$(jq -c 'del(.usage.cache_creation_input_tokens, .usage.cache_read_input_tokens)' <<<"$rec")"
	echo "$output" | jq -e '.total.cost_usd == 4.5'
}
