#!/usr/bin/env bats
# Every record is valid UTF-8: raw bytes that are not (a server's, an
# input line's) are written U+FFFD, one for each maximal invalid piece;
# llm-stream's deltas never split a character.  llm-mock's
# [[mock:bad-utf8]] sends a lone FF, E2 82 (cut short) and U+1F600, the
# last split across two stream deltas.

load helpers

R=$'\xef\xbf\xbd'	# U+FFFD
SMILE=$'\xf0\x9f\x98\x80'

req() {
	jq -nc --arg id "$1" --arg t "$2" '{id:$id,request:{model:"mock",messages:[{role:"user",content:$t}]}}'
}

valid() {
	iconv -f UTF-8 -t UTF-8 "$1" >/dev/null
}

@test "llm-mock [[mock:bad-utf8]] sends the raw bytes, whole and streamed" {
	start_mock -q
	curl -s "$LLM_BASE_URL/chat/completions" -d "$(req a 'hi [[mock:bad-utf8]]' | jq -c .request)" >body
	run valid body
	assert_failure
	grep -q $'"content":"hi \xff \xe2\x82 \xf0\x9f\x98\x80"' body
	curl -s "$LLM_BASE_URL/chat/completions" -d "$(req a 'hi [[mock:bad-utf8]]' | jq -c '.request + {stream:true}')" >sse
	grep -q $'"content":" \xff \xe2\x82 \xf0\x9f"' sse
	grep -q $'"content":"\x98\x80"' sse
}

@test "llm-chat: a server's invalid bytes are U+FFFD in the record" {
	start_mock -q
	req a 'hello there [[mock:bad-utf8]]' | llm-chat >out
	valid out
	run jq -r .content out
	assert_output "hello there $R $R $SMILE"
}

@test "llm-stream --events: valid records, the split character whole in one delta" {
	start_mock -q
	req a 'hello there [[mock:bad-utf8]]' | llm-stream --events >out
	valid out
	run jq -r 'select(.event == "delta") | .content' out
	assert_output "hello th
ere
 $R $R 
$SMILE"
	run jq -r 'select(.status) | .content' out
	assert_output "hello there $R $R $SMILE"
}

@test "an input record whose prompt holds raw invalid bytes gives a valid record" {
	start_mock -q
	printf '{"id":"a","request":{"model":"mock","messages":[{"role":"user","content":"x\xffy \xe2\x82z \xf0\x9f\x98"}]}}\n' >in
	run valid in
	assert_failure
	llm-chat --echo <in >out
	valid out
	run jq -r '.content, .request.messages[0].content' out
	assert_output "x${R}y ${R}z $R
x${R}y ${R}z $R"
	llm-stream --events --echo <in >out
	valid out
	run jq -r 'select(.status) | .content, .request.messages[0].content' out
	assert_output "x${R}y ${R}z $R
x${R}y ${R}z $R"
}

@test "llm-redact: records and text lines come out valid UTF-8" {
	printf '{"id":"a","content":"x\xffy"}\n{"id":"b","content":"\xe2\x82 sk-proj-abcdefghijklmnopqrstuvwxyz0123"}\n' >in
	llm-redact <in >out
	valid out
	run jq -r .content out
	assert_output "x${R}y
$R [REDACTED:openai-key]"
	printf 'a \xff b\n' | llm-redact --text >out
	valid out
	run cat out
	assert_output "a $R b"
}

@test "llm-summarize: --best, --json, --tsv and --markdown are valid UTF-8" {
	printf '{"id":"a","status":"ok","model":"m\xff","content":"x\xffy","latency_ms":5,"meta":{"query_id":"q1"}}\n' >in
	llm-summarize --best <in >out
	valid out
	run jq -r .content out
	assert_output "x${R}y"
	llm-summarize --json <in >out
	valid out
	run jq -r '.models[0].model' out
	assert_output "m$R"
	for f in --tsv --markdown; do
		llm-summarize $f <in >out
		valid out
		grep -q "m$R" out
	done
}

@test "llm-runner: a trace of a server's invalid bytes is valid UTF-8" {
	start_mock -q
	printf 'model = "mock"\nprompt = "hi [[mock:bad-utf8]]"\n' >s.toml
	llm-runner s.toml >t.json
	valid t.json
	run jq -r .final_content t.json
	assert_output "hi $R $R $SMILE"
}
