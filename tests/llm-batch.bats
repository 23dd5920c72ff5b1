#!/usr/bin/env bats
# llm-batch against llm-mock's batch API: submit, status, fetch, cancel,
# run; splitting; each failure shape; kill -9 at every step and a resume
# that loses and repeats nothing; the cache and --save.

load helpers
load batch
bats_require_minimum_version 1.5.0

reqs() {	# reqs N [PREFIX]: records r1..rN, content PREFIX + "nI"
	jq -cn --argjson n "$1" --arg p "${2:-}" \
		'range(1; $n + 1) | {id:"r\(.)",request:{model:"mock",messages:[{role:"user",content:($p + "n\(.)")}]},meta:{tag:"r\(.)"}}'
}

req() {	# req ID CONTENT
	jq -cn --arg id "$1" --arg c "$2" \
		'{id:$id,request:{model:"mock",messages:[{role:"user",content:$c}]},meta:{tag:$id}}'
}

# the batches llm-mock holds for the run of state file $1
server_batches() {
	curl -s "$LLM_BASE_URL/batches" | jq --arg r "$(jq -r .run "$1")" \
		'[.data[] | select(.metadata.llm_batch_run == $r)] | length'
}

@test "submit prints the state; status says running (75) then finished (0); fetch writes llm-chat's records" {
	start_mock --batch-seconds 1
	reqs 3 >in.ndjson
	run llm-batch submit -o st.json in.ndjson
	assert_success
	assert_output st.json
	# the state lists the batch, its file, and the ids with their hashes
	[ "$(jq -r '.batches[0].ids | join(" ")' st.json)" = "r1 r2 r3" ]
	[ "$(jq -r '.batches[0].hashes | join(" ")' st.json)" = "$(llm-hash --field .request in.ndjson | tr '\n' ' ' | sed 's/ $//')" ]
	jq -e '.batches[0].file_id and .batches[0].batch_id and .run' st.json
	status_then_fetch '^0 batch_mock[0-9]+ (validating|in_progress|finalizing) 0/3 failed 0 written 0$' 'completed 3'
	# the shape of llm-chat's record for the same request, plus batch
	llm-chat <in.ndjson >chat.ndjson
	[ "$(jq -c 'select(.id=="r2") | del(.batch) | keys' out.ndjson)" = \
	  "$(jq -c 'select(.id=="r2") | del(.latency_ms, .ttft_ms) | keys' chat.ndjson)" ]
	[ "$(jq -c 'select(.id=="r2") | [.content, .usage, .model, .finish_reason, .attempt, .meta]' out.ndjson)" = \
	  "$(jq -c 'select(.id=="r2") | [.content, .usage, .model, .finish_reason, .attempt, .meta]' chat.ndjson)" ]
	jq -c 'select(.id=="r1")' out.ndjson | jq -e '(.batch.id | startswith("batch_mock")) and (.batch.provider_request_id | startswith("req_"))'
}

@test "fetch again writes nothing new; --all writes every record again" {
	start_mock --batch-seconds 0.05
	reqs 4 >in.ndjson
	llm-batch submit -o st.json in.ndjson
	wait_done st.json
	llm-batch fetch st.json >out.ndjson
	assert_once
	run llm-batch fetch st.json
	assert_success
	assert_output ''
	llm-batch fetch --all st.json >again.ndjson
	assert_once in.ndjson again.ndjson
	jq -e '[.written] | all(. == 4)' <(llm-batch status --json st.json)
}

@test "run: submit, wait and fetch in one; exit 0; a progress-free stdout of records" {
	start_mock --batch-seconds 0.05
	reqs 5 >in.ndjson
	run --separate-stderr llm-batch run -o st.json in.ndjson
	assert_success
	printf '%s\n' "$output" >out.ndjson
	assert_once
	[ "$(jq -r .status out.ndjson | sort -u)" = ok ]
	[ "$stderr" = "llm-batch: state: st.json" ]
}

@test "records past --max-requests or --max-bytes are split into several batches" {
	start_mock --batch-seconds 0.05
	reqs 5 >in.ndjson
	llm-batch submit -o st.json --max-requests 2 in.ndjson
	[ "$(jq '.batches | length' st.json)" -eq 3 ]
	[ "$(jq -c '[.batches[].ids | length]' st.json)" = "[2,2,1]" ]
	[ "$(server_batches st.json)" -eq 3 ]
	wait_done st.json
	llm-batch fetch st.json >out.ndjson
	assert_once
	# bytes: each line of the file is 132 bytes, so 300 hold two
	llm-batch submit -o st2.json --max-bytes 300 in.ndjson
	[ "$(jq -c '[.batches[].ids | length]' st2.json)" = "[2,2,1]" ]
	[ "$(jq -r '[.batches[].bytes] | max' st2.json)" -le 300 ]
	[ "$(wc -c <st2.json.0.jsonl)" -eq "$(jq -r '.batches[0].bytes' st2.json)" ]
}

@test "failed lines: the provider's error mapped onto our kinds, retryable by status" {
	start_mock --batch-seconds 0.05
	{ req ok hello; req bad '[[mock:400]] no'; req busy '[[mock:429]] later'; } >in.ndjson
	submit_fetch 1
	assert_once
	[ "$(jq -c 'select(.id=="bad") | [.error.kind, .error.http_status, .error.retryable]' out.ndjson)" = '["http",400,false]' ]
	[ "$(jq -c 'select(.id=="busy") | [.error.kind, .error.http_status, .error.retryable]' out.ndjson)" = '["http",429,true]' ]
	# error records carry their request, to be sent again as they are
	jq -c 'select(.id=="bad")' out.ndjson | jq -e '.request.messages[0].content == "[[mock:400]] no" and .meta.tag == "bad"'
	jq -c 'select(.id=="ok")' out.ndjson | jq -e '.status == "ok"'
}

@test "an expired batch: the requests it did not reach are batch_expired, retryable" {
	start_mock --batch-seconds 0.05 --batch-expire 2
	reqs 5 >in.ndjson
	llm-batch submit -o st.json in.ndjson
	wait_done st.json
	run llm-batch status st.json
	assert_output --partial ' expired '
	run llm-batch fetch st.json
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >out.ndjson
	assert_once
	[ "$(jq -r 'select(.status=="ok") | .id' out.ndjson | tr '\n' ' ')" = "r1 r2 r3 " ]
	[ "$(jq -c 'select(.status=="error") | [.id, .error.kind, .error.retryable]' out.ndjson | tr '\n' ' ')" = \
	  '["r4","batch_expired",true] ["r5","batch_expired",true] ' ]
}

@test "cancel: a batch cancelled before it ran gives batch_cancelled errors, retryable" {
	start_mock --batch-seconds 30
	reqs 3 >in.ndjson
	llm-batch submit -o st.json in.ndjson
	run llm-batch cancel st.json
	assert_success
	assert_output --regexp '^0 batch_mock[0-9]+ cancelled 0/3'
	run llm-batch status st.json
	assert_success
	run llm-batch fetch st.json
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >out.ndjson
	assert_once
	[ "$(jq -r '[.error.kind, .error.retryable] | @tsv' out.ndjson | sort -u)" = "$(printf 'batch_cancelled\ttrue')" ]
	# an error record goes back in as it is
	jq -c 'select(.id=="r1")' out.ndjson | jq -e '.request.messages[0].content == "n1"'
}

@test "bad lines and a repeated id are error records of their own, and are not sent" {
	start_mock --batch-seconds 0.05
	{ req a one; echo 'not json'; req a again; echo '{"id":"x"}'; } >in.ndjson
	llm-batch submit -o st.json in.ndjson
	[ "$(jq -c '[.batches[] | {local, n: (.ids | length)}]' st.json)" = '[{"local":false,"n":1},{"local":true,"n":3}]' ] ||
		[ "$(jq -c '[.batches[] | {local, n: (.ids | length)}]' st.json)" = '[{"local":true,"n":3},{"local":false,"n":1}]' ]
	wait_done st.json
	run llm-batch fetch st.json
	[ "$status" -eq 1 ]
	printf '%s\n' "$output" >out.ndjson
	[ "$(wc -l <out.ndjson)" -eq 4 ]
	[ "$(jq -r 'select(.status=="error") | .error.kind' out.ndjson | sort | tr '\n' ' ')" = "bad_input bad_input bad_input " ]
	jq -c 'select(.id=="a" and .status=="error")' out.ndjson | jq -e '.error.message | test("used by an earlier record")'
}

@test "records for another endpoint go into a batch of their own, on that endpoint" {
	start_mock --batch-seconds 0.05
	local other=$MOCK_PORT
	start_mock --batch-seconds 0.05
	mkdir -p "$LLM_CONFIG_DIR"
	printf '[other]\nbase_url = "http://127.0.0.1:%s/v1"\n' "$other" >"$LLM_CONFIG_DIR/providers.toml"
	{ req a one; jq -cn '{id:"b",request:{model:"other/mock",messages:[{role:"user",content:"two"}]}}'; } >in.ndjson
	llm-batch submit -o st.json in.ndjson
	[ "$(jq -c '[.batches[] | [.endpoint, .ids[0]]]' st.json)" = '[["","a"],["other","b"]]' ]
	[ "$(curl -s "http://127.0.0.1:$other/v1/batches" | jq '.data | length')" -eq 1 ]
	[ "$(curl -s "$LLM_BASE_URL/batches" | jq '.data | length')" -eq 1 ]
	# the provider's prefix is not sent
	curl -s "http://127.0.0.1:$other/v1/files/$(jq -r '.batches[1].file_id' st.json)/content" | jq -e '.body.model == "mock"'
	wait_done st.json
	llm-batch fetch st.json >out.ndjson
	assert_once
}

# kill_at STEP [CMD]: llm-batch killed with SIGKILL at STEP, then the same
# command again; nothing lost, nothing twice, one batch for each part.
kill_at() {
	start_mock --batch-seconds 0.05
	reqs 6 >in.ndjson
	run env LLM_BATCH_KILL="$1" llm-batch run -q -o st.json --max-requests 4 in.ndjson
	[ "$status" -eq 137 ]
	printf '%s' "$output" >out.ndjson
	llm-batch run -q -o st.json >>out.ndjson || true
	assert_once
	[ "$(server_batches st.json)" -eq 2 ]
	# and a third time: nothing more
	run llm-batch run -q -o st.json
	assert_output ''
	[ "$(server_batches st.json)" -eq 2 ]
}

@test "kill -9 between upload and create, then resume: the upload is found, one batch each" {
	kill_at after-upload
	# the file uploaded before the kill was taken up, not uploaded again
	[ "$(curl -s "$LLM_BASE_URL/files" | jq '[.data[] | select(.purpose=="batch")] | length')" -eq 2 ]
}

@test "kill -9 before create, then resume: one batch each" {
	kill_at before-create
}

@test "kill -9 after create, before it was recorded: the batch is found on the server, not made again" {
	kill_at after-create
}

@test "kill -9 during fetch, before a chunk is written: written once after the resume" {
	kill_at in-fetch
}

@test "kill -9 during fetch, after a chunk is written: not written again" {
	kill_at after-write
}

@test "kill -9 during fetch with output through a pipe: the cut chunk is written again, not lost" {
	start_mock --batch-seconds 0.05
	reqs 3 >in.ndjson
	llm-batch submit -o st.json in.ndjson
	wait_done st.json
	run bash -c 'LLM_BATCH_KILL=in-fetch llm-batch fetch st.json | cat'
	assert_output ''
	llm-batch fetch st.json | cat >out.ndjson
	assert_once
}

@test "an upload's and a create's answers lost on the way: never sent twice; the next run finds both on the server" {
	# the mock makes the first upload and the first batch, and drops
	# the connection instead of answering each
	start_mock --batch-seconds 0.05 --batch-lose 2
	reqs 3 >in.ndjson
	run --separate-stderr llm-batch submit -o st.json in.ndjson
	[ "$status" -eq 75 ]
	[[ "$stderr" == *"run the same command again to go on"* ]]
	[ "$(curl -s "$LLM_BASE_URL/files" | jq '[.data[] | select(.purpose=="batch")] | length')" -eq 1 ]
	[ "$(server_batches st.json)" -eq 0 ]
	# the upload is found by its name; the create's answer is lost too
	run llm-batch submit -o st.json
	[ "$status" -eq 75 ]
	[ "$(curl -s "$LLM_BASE_URL/files" | jq '[.data[] | select(.purpose=="batch")] | length')" -eq 1 ]
	[ "$(server_batches st.json)" -eq 1 ]
	# the batch is found by its run, not made again
	llm-batch run -q -o st.json >out.ndjson
	assert_once
	[ "$(server_batches st.json)" -eq 1 ]
	[ "$(jq -r '.batch.id' out.ndjson | sort -u | wc -l)" -eq 1 ]
}

@test "--cache: answers fill the cache; cached records are not sent again and come back cached" {
	start_mock --batch-seconds 0.05
	reqs 3 >in.ndjson
	llm-batch run -q -o st.json --cache cache in.ndjson >out.ndjson
	assert_once
	[ "$(find cache -name '*.json' | wc -l)" -eq 3 ]
	{ reqs 3; req r4 new; } >in2.ndjson
	llm-batch run -q -o st2.json --cache cache in2.ndjson >out2.ndjson
	assert_once in2.ndjson out2.ndjson
	[ "$(jq -r 'select(.cached) | .id' out2.ndjson | sort | tr '\n' ' ')" = "r1 r2 r3 " ]
	# only r4 went to the server
	[ "$(jq -c '[.batches[] | select(.local | not) | .ids[]]' st2.json)" = '["r4"]' ]
	# llm-chat finds the batch's answers in the same cache
	req r4 new | llm-chat --cache cache | jq -e '.cached == true and .content == "new"'
}

@test "--save writes each answer's content to its meta.output; a bad path is an error record" {
	start_mock --batch-seconds 0.05
	{ jq -cn '{id:"a",request:{model:"mock",messages:[{role:"user",content:"alpha"}]},meta:{output:"out/a.md"}}'
	  jq -cn '{id:"b",request:{model:"mock",messages:[{role:"user",content:"beta"}]},meta:{output:"../b.md"}}'; } >in.ndjson
	run llm-batch run -q -o st.json --save in.ndjson
	[ "$status" -eq 1 ]
	[ "$(cat out/a.md)" = alpha ]
	[ ! -e ../b.md ]
	printf '%s\n' "$output" | jq -c 'select(.id=="b")' | jq -e '.error.kind == "bad_input"'
}

@test "--estimate says the cost at batch prices and sends nothing; --max-cost refuses a dearer run" {
	start_mock --batch-seconds 0.05
	printf '{"written":"x","models":{"pricey":{"input":2,"output":8,"batch_input":1,"batch_output":4}}}\n' >prices.json
	export LLM_PRICES=$PWD/prices.json
	jq -cn '{id:"a",request:{model:"pricey",max_tokens:1000000,messages:[{role:"user",content:"hi"}]}}' >in.ndjson
	# the mock is on 127.0.0.1, which costs nothing: point the price at a name
	run llm-batch submit --estimate -o st.json --base-url "http://localhost.invalid:1/v1" in.ndjson
	assert_success
	assert_output --regexp '^1 requests, about [0-9]+ prompt tokens and at most 1000000 completion tokens: about \$4\.0[0-9]+ at batch prices$'
	[ ! -e st.json ]
	run llm-batch submit --max-cost 1 -o st.json --base-url "http://localhost.invalid:1/v1" in.ndjson
	[ "$status" -eq 2 ]
	assert_output --partial 'more than --max-cost $1.0000: nothing was sent'
	[ ! -e st.json ]
	[ "$(curl -s "$LLM_BASE_URL/files" | jq '.data | length')" -eq 0 ]
}

@test "the token goes in a header, never in the state file or argv" {
	echo 's3cret-token' >tok
	start_mock --batch-seconds 0.05 --token-file tok
	reqs 2 >in.ndjson
	llm-batch run -q -o st.json --token-file tok in.ndjson >out.ndjson
	assert_once
	! grep -r s3cret st.json* out.ndjson
	# without it the server refuses, and says so
	run llm-batch submit -o st2.json in.ndjson
	[ "$status" -eq 75 ]
	assert_output --partial '401'
	refute_output --partial s3cret
}

@test "usage: a command is needed; status needs a state that exists" {
	run llm-batch
	[ "$status" -eq 2 ]
	export LLM_BASE_URL=http://127.0.0.1:1/v1
	run llm-batch frob
	[ "$status" -eq 2 ]
	assert_output --partial "unknown command 'frob'"
	run llm-batch status nothere.json
	[ "$status" -eq 2 ]
	assert_output 'llm-batch: nothere.json: no such state file'
	run llm-batch fetch --json st.json
	[ "$status" -eq 2 ]
}

@test "llm-summarize prices records of a batch at batch rates, cached prompt tokens at the cached rate" {
	printf '{"written":"x","models":{"pricey":{"input":2,"output":8,"batch_input":1,"batch_output":4,"cache_read":0.5}}}\n' >prices.json
	export LLM_PRICES=$PWD/prices.json
	u='"usage":{"prompt_tokens":1000000,"completion_tokens":1000000'
	{ echo "{\"id\":\"plain\",\"status\":\"ok\",\"model\":\"pricey\",$u}}"
	  echo "{\"id\":\"batch\",\"status\":\"ok\",\"model\":\"pricey\",$u},\"batch\":{\"id\":\"b1\",\"provider_request_id\":null}}"
	  echo "{\"id\":\"cached\",\"status\":\"ok\",\"model\":\"pricey\",$u,\"prompt_tokens_details\":{\"cached_tokens\":500000}}}"
	  echo "{\"id\":\"both\",\"status\":\"ok\",\"model\":\"pricey\",$u,\"prompt_tokens_details\":{\"cached_tokens\":500000}},\"batch\":{\"id\":\"b1\"}}"
	} >res.ndjson
	# list 2 + 8; batch 1 + 4; cached half at 0.5: 1 + 0.25 + 8; both: 0.5 + 0.125 + 4
	for id in plain batch cached both; do
		grep "\"id\":\"$id\"" res.ndjson | llm-summarize --json | jq -r .total.cost_usd
	done >costs
	[ "$(tr '\n' ' ' <costs)" = "10 5 9.25 4.625 " ]
}

@test "run --max-wait: stops waiting, writes what finished, exits 75; the same run later finishes" {
	start_mock --batch-seconds 1
	reqs 2 >in.ndjson
	run --separate-stderr llm-batch run -q -o st.json --max-wait 0.5 in.ndjson
	[ "$status" -eq 75 ]
	assert_output ''
	wait_done st.json
	llm-batch run -q -o st.json >out.ndjson
	assert_once
}
