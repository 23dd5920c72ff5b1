#!/usr/bin/env bats
# The whole answer: every choice of n > 1, logprobs and system_fingerprint,
# as llm-mock sends them and llm-chat and llm-stream keep them.

load helpers

req() {	# req ID CONTENT [EXTRA]: one request record, EXTRA merged into its body
	jq -cn --arg id "$1" --arg c "$2" --argjson x "${3:-{\}}" \
		'{id:$id,request:({model:"mock",messages:[{role:"user",content:$c}]} + $x)}'
}

@test "llm-mock: n choices, each content its own, logprobs and system_fingerprint" {
	start_mock
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '{\"model\":\"m\",\"n\":3,\"logprobs\":true,\"top_logprobs\":2,\"messages\":[{\"role\":\"user\",\"content\":\"hello world\"}]}' | jq -c '[.system_fingerprint, [.choices[] | [.index, .message.content, (.logprobs.content | map(.token) | join(\"\")), (.logprobs.content[0].top_logprobs | length)]]]'"
	assert_success
	assert_output '["fp_mock",[[0,"hello world","hello world",2],[1,"hello world (choice 1)","hello world (choice 1)",2],[2,"hello world (choice 2)","hello world (choice 2)",2]]]'
	# no logprobs unless asked; a bad n is refused as OpenAI does
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}' | jq -c '[(.choices | length), (.choices[0] | has(\"logprobs\"))]'"
	assert_output '[1,false]'
	run sh -c "curl -s -w ' %{http_code}' '$LLM_BASE_URL/chat/completions' -d '{\"model\":\"m\",\"n\":0,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}'"
	assert_output --partial "'n' must be an integer from 1 to 128"
	assert_output --partial " 400"
}

@test "llm-chat: n=2 gives choices of 2, content is choice 0's" {
	start_mock
	req a "two answers please" '{"n":2}' >in
	run llm-chat <in
	assert_success
	run jq -c '[.content, (.choices | length), .choices[0].content == .content, .choices[1].content, .choices[1].finish_reason, .system_fingerprint]' <<<"$output"
	assert_output '["two answers please",2,true,"two answers please (choice 1)","stop","fp_mock"]'
}

@test "llm-chat: one choice gives no choices; logprobs only when asked" {
	start_mock
	{ req a "plain"; req b "with logprobs here" '{"logprobs":true,"top_logprobs":1}'; } >in
	run llm-chat -k <in
	assert_success
	run jq -c '[has("choices"), has("logprobs"), .system_fingerprint, (.logprobs.content // [] | map(.token) | join("")), (.logprobs.content[0].top_logprobs // [] | length)]' <<<"$output"
	assert_output - <<'EOF'
[false,false,"fp_mock","",0]
[false,true,"fp_mock","with logprobs here",1]
EOF
}

@test "llm-chat: each choice keeps its tool calls" {
	start_mock
	req a '[[mock:tool name=f args={"x":1}]]' '{"n":2}' >in
	run llm-chat <in
	assert_success
	run jq -c '[.choices[] | [.finish_reason, .tool_calls[0].function.name, .tool_calls[0].function.arguments]]' <<<"$output"
	assert_output '[["tool_calls","f","{\"x\":1}"],["tool_calls","f","{\"x\":1}"]]'
}

@test "llm-stream: the same choices, logprobs and system_fingerprint as llm-chat" {
	start_mock
	{ req a "stream two answers" '{"n":2,"logprobs":true,"top_logprobs":2}'; req b "just one"; } >in
	run llm-stream -k <in
	assert_success
	printf '%s\n' "$output" >stream.out
	run jq -c '[.content, (.choices | length), .choices[0].content == .content, .choices[1].content, .system_fingerprint, has("logprobs")]' stream.out
	assert_output - <<'EOF'
["stream two answers",2,true,"stream two answers (choice 1)","fp_mock",true]
["just one",0,false,null,"fp_mock",false]
EOF
	# the chunks' logprobs.content arrays, put together, are the whole answer's
	llm-chat -k <in >chat.out
	[ "$(jq -c '[.logprobs, .choices, .system_fingerprint]' stream.out)" = \
	  "$(jq -c '[.logprobs, .choices, .system_fingerprint]' chat.out)" ]
	run jq -r 'select(.id == "a") | .logprobs.content | map(.token) | join("")' stream.out
	assert_output "stream two answers"
}

@test "llm-mock: a stream's logprobs are the whole answer's, with bad-utf8 bytes after the content" {
	start_mock
	body='{"model":"m","logprobs":true,"messages":[{"role":"user","content":"[[mock:bad-utf8]] ok then"}]}'
	run sh -c "curl -s '$LLM_BASE_URL/chat/completions' -d '$body' | LC_ALL=C jq -c '.choices[0].logprobs.content | map(.token)'"
	assert_output '["ok then"]'
	# the two deltas of bad bytes carry no entry (they once read past the content)
	run sh -c "curl -sN '$LLM_BASE_URL/chat/completions' -d '${body%\}},\"stream\":true}' | sed -n 's/^data: //p' | grep -av '^\[DONE\]' | LC_ALL=C jq -sc '[.[].choices[0] | [(.delta.content | length), (.logprobs.content // [] | map(.token))]]'"
	assert_output '[[0,[]],[7,["ok then"]],[6,[]],[2,[]],[0,[]]]'
}

@test "llm-stream --events: deltas are choice 0's only" {
	start_mock
	req a "only the first" '{"n":3}' >in
	run llm-stream --events <in
	assert_success
	run jq -rs '[.[] | select(.event == "delta") | .content] | join("")' <<<"$output"
	assert_output "only the first"
}
