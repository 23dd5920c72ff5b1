#!/usr/bin/env bats
# llm-batch through Anthropic's Message Batches, against llm-mock's
# /v1/messages/batches: submit, status, fetch, cancel, run; results shaped
# as llm-chat's on the Anthropic route; errored, expired and canceled
# lines; a run mixing an OpenAI and an Anthropic endpoint; kill -9 around
# the create call and a resume that never makes two batches.

load helpers
load batch
bats_require_minimum_version 1.5.0

req() {	# req ID CONTENT: one request record for Claude
	jq -cn --arg id "$1" --arg c "$2" \
		'{id:$id,request:{model:"claude-sonnet-4",messages:[{role:"user",content:$c}]},meta:{tag:$id}}'
}

reqs() {	# reqs N: records "r 1".."r N" (ids no custom_id could be)
	local i
	for i in $(seq "$1"); do req "r $i/x" "n$i"; done
}

# anthropic_mock [llm-mock options]: the mock, spoken to in Anthropic's dialect
anthropic_mock() {
	start_mock -q "$@"
	export LLM_API=anthropic
}

an() {	# an PATH [curl args]: a call to the mock's Message Batches API
	local p=$1
	shift
	curl -s -H 'anthropic-version: 2023-06-01' "$@" "http://127.0.0.1:$MOCK_PORT/v1/messages/batches$p"
}

@test "anthropic batch: submit, status 75 then 0, fetch: records shaped as llm-chat's on the Anthropic route" {
	anthropic_mock --batch-seconds 1
	{ reqs 3; req tools 'weather? [[mock:tool name=get_weather args={"city":"Paris"}]]'
	  req think 'why [[mock:reasoning]]'; } >in.ndjson
	run llm-batch submit -o st.json in.ndjson
	assert_success
	assert_output st.json
	# no upload: the input file is the create call's body, custom ids of the run and part
	jq -e '.batches[0].api == "anthropic" and .batches[0].file_id == null and (.batches[0].batch_id | startswith("msgbatch_"))' st.json
	run jq -r '.requests[].custom_id' st.json.0.jsonl
	run0=$(jq -r '.run[:12]' st.json)
	assert_output "$(printf 'r%sp0n%d\n' "$run0" 0 "$run0" 1 "$run0" 2 "$run0" 3 "$run0" 4)"
	jq -e '.requests[0].params == {model:"claude-sonnet-4",messages:[{role:"user",content:[{type:"text",text:"n1"}]}],max_tokens:4096}' st.json.0.jsonl
	status_then_fetch '^0 msgbatch_mock[0-9]+ in_progress 0/5 failed 0 written 0$' 'ended 5'
	llm-chat <in.ndjson >chat.ndjson
	for id in "r 2/x" tools think; do
		[ "$(jq -c --arg id "$id" 'select(.id==$id) | del(.batch) | keys' out.ndjson)" = \
		  "$(jq -c --arg id "$id" 'select(.id==$id) | del(.latency_ms, .ttft_ms) | keys' chat.ndjson)" ]
		[ "$(jq -c --arg id "$id" 'select(.id==$id) | [.content, .usage, .model, .finish_reason, .tool_calls, .reasoning, .attempt, .meta, .endpoint]' out.ndjson)" = \
		  "$(jq -c --arg id "$id" 'select(.id==$id) | [.content, .usage, .model, .finish_reason, .tool_calls, .reasoning, .attempt, .meta, .endpoint]' chat.ndjson)" ]
	done
	jq -c 'select(.id=="tools")' out.ndjson | jq -e '.finish_reason == "tool_calls" and .tool_calls[0].function.name == "get_weather"'
	jq -c 'select(.id=="think")' out.ndjson | jq -e '.reasoning | startswith("reasoning about")'
	jq -c 'select(.id=="r 1/x")' out.ndjson | jq -e '(.batch.id | startswith("msgbatch_mock")) and (.batch.provider_request_id | startswith("msg_"))'
	jq -c 'select(.id=="r 1/x")' out.ndjson | jq -e '.usage | has("cache_read_input_tokens") and has("cache_creation_input_tokens")'
	# one batch on the server
	[ "$(an '' | jq '.data | length')" -eq 1 ]
}

@test "anthropic batch: fetch again writes nothing new; --all writes every record again" {
	anthropic_mock --batch-seconds 0.05
	reqs 4 >in.ndjson
	llm-batch submit -o st.json in.ndjson
	wait_done st.json
	llm-batch fetch st.json >out.ndjson
	assert_once
	jq -se 'all(.batch.id | startswith("msgbatch_"))' out.ndjson
	run llm-batch fetch st.json
	assert_success
	assert_output ''
	llm-batch fetch --all st.json >again.ndjson
	assert_once in.ndjson again.ndjson
	jq -se 'all(.batch.id | startswith("msgbatch_"))' again.ndjson
}

@test "anthropic batch: run submits, waits and fetches; the token goes as x-api-key and is checked" {
	echo 's3cret-token' >tok
	anthropic_mock --batch-seconds 0.05 --token-file tok
	reqs 3 >in.ndjson
	run --separate-stderr llm-batch run -o st.json --token-file tok in.ndjson
	assert_success
	printf '%s\n' "$output" >out.ndjson
	assert_once
	[ "$(jq -r .status out.ndjson | sort -u)" = ok ]
	! grep -r s3cret st.json* out.ndjson
	# the mock takes no Bearer token on these routes
	[ "$(an '' -H 'Authorization: Bearer s3cret-token' | jq -r .error.type)" = authentication_error ]
	[ "$(an '' -H 'x-api-key: s3cret-token' | jq '.data | length')" -eq 1 ]
	run llm-batch submit -o st2.json in.ndjson
	[ "$status" -eq 75 ]
	assert_output --partial '401 authentication_error'
	refute_output --partial s3cret
}

@test "anthropic batch: errored lines map through the Anthropic error types; 529 overloaded is retryable" {
	anthropic_mock --batch-seconds 0.05
	{ req ok hello; req bad '[[mock:400]] no'; req busy '[[mock:529]] later'; } >in.ndjson
	llm-batch submit -o st.json in.ndjson
	wait_done st.json
	# the results file says errored, in Anthropic's error shape
	an "/$(jq -r '.batches[0].batch_id' st.json)/results" | jq -se 'map(.result.type) == ["succeeded","errored","errored"] and .[1].result.error.error.type == "invalid_request_error"'
	run llm-batch fetch st.json
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >out.ndjson
	assert_once
	[ "$(jq -c 'select(.id=="bad") | [.error.kind, .error.http_status, .error.retryable]' out.ndjson)" = '["http",400,false]' ]
	[ "$(jq -c 'select(.id=="busy") | [.error.kind, .error.http_status, .error.retryable]' out.ndjson)" = '["http",529,true]' ]
	jq -c 'select(.id=="bad")' out.ndjson | jq -e '(.error.message | test("invalid_request_error")) and .request.messages[0].content == "[[mock:400]] no" and .meta.tag == "bad"'
	jq -c 'select(.id=="busy")' out.ndjson | jq -e '.error.message | test("overloaded_error")'
}

@test "anthropic batch: expired lines are batch_expired, retryable" {
	anthropic_mock --batch-seconds 0.05 --batch-expire 2
	reqs 5 >in.ndjson
	submit_fetch 1
	assert_once
	jq -se 'all(.batch.id | startswith("msgbatch_"))' out.ndjson
	[ "$(jq -r 'select(.status=="ok") | .id' out.ndjson | tr '\n' ' ')" = "r 1/x r 2/x r 3/x " ]
	[ "$(jq -c 'select(.status=="error") | [.id, .error.kind, .error.retryable]' out.ndjson | tr '\n' ' ')" = \
	  '["r 4/x","batch_expired",true] ["r 5/x","batch_expired",true] ' ]
}

@test "anthropic batch: cancel: the lines not reached are canceled, batch_cancelled, retryable" {
	anthropic_mock --batch-seconds 30
	reqs 3 >in.ndjson
	llm-batch submit -o st.json in.ndjson
	run llm-batch cancel st.json
	assert_success
	assert_output --regexp '^0 msgbatch_mock[0-9]+ ended 0/3 failed 3'
	an "/$(jq -r '.batches[0].batch_id' st.json)" | jq -e '.cancel_initiated_at != null and .request_counts.canceled == 3'
	run llm-batch fetch st.json
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >out.ndjson
	assert_once
	[ "$(jq -r '[.error.kind, .error.retryable] | @tsv' out.ndjson | sort -u)" = "$(printf 'batch_cancelled\ttrue')" ]
	jq -c 'select(.id=="r 1/x")' out.ndjson | jq -e '.request.messages[0].content == "n1"'
}

@test "anthropic batch: a record the Messages API cannot be asked is one bad_input record, never sent" {
	anthropic_mock --batch-seconds 0.05
	{ req a one; jq -cn '{id:"n2",request:{model:"m",n:2,messages:[{role:"user",content:"hi"}]}}'
	  req b two; jq -cn '{id:"seed",request:{model:"m",seed:7,messages:[{role:"user",content:"hi"}]}}'; } >in.ndjson
	llm-batch submit -o st.json in.ndjson
	# the batch holds the two that can be sent, numbered without a gap
	[ "$(jq -r '.requests | length' st.json.0.jsonl)" -eq 2 ]
	[ "$(jq -r '.requests[1].custom_id | sub(".*p0";"")' st.json.0.jsonl)" = n1 ]
	[ "$(an '' | jq '.data[0].request_counts | add')" -eq 2 ]
	wait_done st.json
	run llm-batch fetch st.json
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >out.ndjson
	assert_once
	[ "$(jq -r 'select(.status=="error") | [.id, .error.kind] | @tsv' out.ndjson | sort | tr '\n' ' ')" = \
	  "$(printf 'n2\tbad_input seed\tbad_input ')" ]
	jq -c 'select(.id=="seed")' out.ndjson | jq -e '(.error.message | test("seed: seed: not supported")) and .request.seed == 7'
}

@test "anthropic batch: a run mixing an OpenAI and an Anthropic endpoint: one batch each, in its own API" {
	start_mock -q --batch-seconds 0.05
	mkdir -p "$LLM_CONFIG_DIR"
	printf '[claude]\nbase_url = "%s"\napi = "anthropic"\n' "$LLM_BASE_URL" >"$LLM_CONFIG_DIR/providers.toml"
	{ jq -cn '{id:"o1",request:{model:"gpt-x",messages:[{role:"user",content:"one"}]}}'
	  jq -cn '{id:"c1",request:{model:"claude/claude-sonnet-4",messages:[{role:"user",content:"two"}]}}'
	  jq -cn '{id:"o2",request:{model:"gpt-x",messages:[{role:"user",content:"three"}]}}'
	  jq -cn '{id:"c2",request:{model:"claude/claude-sonnet-4",messages:[{role:"user",content:"four"}]}}'; } >in.ndjson
	llm-batch submit -o st.json in.ndjson
	[ "$(jq -c '[.batches[] | [.endpoint, .api, .ids]]' st.json)" = '[["","openai",["o1","o2"]],["claude","anthropic",["c1","c2"]]]' ]
	[ "$(curl -s "$LLM_BASE_URL/batches" | jq '.data | length')" -eq 1 ]
	[ "$(an '' | jq '.data | length')" -eq 1 ]
	# the provider's prefix is not sent
	jq -e '[.requests[].params.model] == ["claude-sonnet-4","claude-sonnet-4"]' st.json.1.jsonl
	run llm-batch run -q -o st.json
	assert_success
	printf '%s\n' "$output" >out.ndjson
	assert_once
	[ "$(jq -r '[.id, .content, (.batch.id | sub("[0-9]+$";""))] | @tsv' out.ndjson | sort | tr '\n' ' ')" = \
	  "$(printf 'c1\ttwo\tmsgbatch_mock c2\tfour\tmsgbatch_mock o1\tone\tbatch_mock o2\tthree\tbatch_mock ')" ]
}

# kill_at STEP: llm-batch killed with SIGKILL at STEP, then the same
# command again; nothing lost, nothing twice, one batch for each part.
kill_at() {
	anthropic_mock --batch-seconds 0.05
	reqs 6 >in.ndjson
	run env LLM_BATCH_KILL="$1" llm-batch run -q -o st.json --max-requests 4 in.ndjson
	[ "$status" -eq 137 ]
	printf '%s' "$output" >out.ndjson
	llm-batch run -q -o st.json >>out.ndjson || true
	assert_once
	[ "$(an '' | jq -c '[.data[].request_counts | add] | sort')" = '[2,4]' ]
	[ "$(jq -c '[.batches[].batch_id] | unique | length' st.json)" -eq 2 ]
	run llm-batch run -q -o st.json
	assert_output ''
	[ "$(an '' | jq '.data | length')" -eq 2 ]
}

@test "anthropic batch: kill -9 before create, then resume: one batch each, every id once" {
	kill_at before-create
}

@test "anthropic batch: kill -9 after create, before it was recorded: the batch is found by time and count, not made again" {
	kill_at after-create
}

@test "anthropic batch: kill -9 during fetch: every id once after the resume" {
	kill_at in-fetch
}

@test "anthropic batch: an endpoint that no longer speaks the API a part was sent through is an error naming it, not a call in the wrong dialect" {
	anthropic_mock --batch-seconds 0.05
	reqs 2 >in.ndjson
	llm-batch submit -o st.json in.ndjson
	wait_done st.json
	run --separate-stderr env -u LLM_API llm-batch fetch st.json
	[ "$status" -ne 0 ]
	[ "$output" = "" ]
	[ "$stderr" = "llm-batch: part 0 was sent through the anthropic API, and its endpoint now speaks openai: set LLM_API as when it was submitted" ]
	# as it was: every id once
	llm-batch fetch st.json >out.ndjson
	assert_once
}

@test "anthropic batch: a create whose answer was lost is not sent again; the next run finds it by time and count" {
	anthropic_mock --batch-seconds 0.05 --batch-lose 1
	reqs 3 >in.ndjson
	run --separate-stderr llm-batch submit -o st.json in.ndjson
	[ "$status" -eq 75 ]
	[ "$(an '' | jq '.data | length')" -eq 1 ]
	llm-batch run -q -o st.json >out.ndjson
	assert_once
	[ "$(an '' | jq '.data | length')" -eq 1 ]
	[ "$(jq -r '.batch.id' out.ndjson | sort -u)" = "$(an '' | jq -r '.data[0].id')" ]
}

@test "anthropic batch: two batches that could be the lost one: none is guessed, nothing sent; cancelling the stranger resolves it" {
	anthropic_mock --batch-seconds 30
	reqs 2 >in.ndjson
	run env LLM_BATCH_KILL=after-create llm-batch submit -o st.json in.ndjson
	[ "$status" -eq 137 ]
	# someone else's batch of the same size, made meanwhile
	other=$(an '' -H 'content-type: application/json' -d '{"requests":[{"custom_id":"a","params":{"model":"m","max_tokens":1,"messages":[]}},{"custom_id":"b","params":{"model":"m","max_tokens":1,"messages":[]}}]}' | jq -r .id)
	run llm-batch submit -o st.json
	[ "$status" -ne 0 ]
	assert_output --partial "2 batches made while it was being sent could be its own"
	assert_output --partial "$other"
	[ "$(an '' | jq '.data | length')" -eq 2 ]
	an "/$other/cancel" -X POST >/dev/null
	run llm-batch submit -o st.json
	assert_success
	[ "$(jq -r '.batches[0].batch_id' st.json)" != "$other" ]
	[ "$(an '' | jq '.data | length')" -eq 2 ]
}

@test "anthropic batch: an answer for a custom_id of no record is a notice; the record it lacks is an error" {
	anthropic_mock --batch-seconds 0.05
	reqs 2 >in.ndjson
	llm-batch submit -o st.json in.ndjson
	wait_done st.json
	# another run's id: the server's custom ids name none of this run's records
	jq '.run = "00000000000000000000000000000000"' st.json >st2.json && mv st2.json st.json
	run --separate-stderr llm-batch fetch st.json
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >out.ndjson
	assert_once
	[ "$(jq -r .error.kind out.ndjson | sort -u)" = protocol ]
	[ "$(grep -c 'none of its records' <<<"$stderr")" -eq 2 ]
}

@test "anthropic batch: llm-summarize prices its records at the batch rates, half of llm-chat's" {
	anthropic_mock --batch-seconds 0.05
	reqs 2 >in.ndjson
	llm-batch run -q -o st.json in.ndjson >out.ndjson
	jq -se 'all((.batch.id | startswith("msgbatch_")) and (.usage | has("cache_read_input_tokens")))' out.ndjson
	llm-chat <in.ndjson >chat.ndjson
	# the mock is on 127.0.0.1, which costs nothing: name a priced host
	for f in out chat; do
		jq -c '.endpoint = "https://api.anthropic.com/v1"' $f.ndjson | llm-summarize --json | jq -r .total.cost_usd
	done >costs
	batch=$(sed -n 1p costs) chat=$(sed -n 2p costs)
	awk -v b="$batch" -v c="$chat" 'BEGIN { exit !(b > 0 && b * 2 == c) }'
}

@test "anthropic batch: the mock refuses bad calls in Anthropic's shapes" {
	anthropic_mock
	run an '' -H 'content-type: application/json' -d '{"requests":[{"custom_id":"has space","params":{}}]}'
	[ "$(jq -r '.type + " " + .error.type' <<<"$output")" = "error invalid_request_error" ]
	jq -e '.error.message | test("custom_id")' <<<"$output"
	run an '' -H 'content-type: application/json' -d '{"requests":[{"custom_id":"a","params":{}},{"custom_id":"a","params":{}}]}'
	jq -e '.error.message | test("duplicate")' <<<"$output"
	run an '' -H 'content-type: application/json' -d '{"requests":[]}'
	[ "$(jq -r .error.type <<<"$output")" = invalid_request_error ]
	run an '/msgbatch_nope'
	[ "$(jq -r .error.type <<<"$output")" = not_found_error ]
	# without anthropic-version
	run curl -s "http://127.0.0.1:$MOCK_PORT/v1/messages/batches"
	jq -e '.error.message | test("anthropic-version")' <<<"$output"
	# pagination: limit, after_id, has_more, last_id
	for i in 1 2 3; do an '' -H 'content-type: application/json' -d "{\"requests\":[{\"custom_id\":\"x$i\",\"params\":{\"model\":\"m\",\"max_tokens\":1,\"messages\":[]}}]}" >/dev/null; done
	run an '?limit=2'
	jq -e '(.data | length) == 2 and .has_more == true and .last_id == .data[1].id' <<<"$output"
	last=$(jq -r .last_id <<<"$output")
	run an "?limit=2&after_id=$last"
	jq -e '(.data | length) == 1 and .has_more == false' <<<"$output"
	# results before the end are refused
	run an "/$last/results"
	[ "$(jq -r .type <<<"$output")" = error ]
}
