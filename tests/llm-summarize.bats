#!/usr/bin/env bats
# llm-summarize: result and trace records in, a report out.

load helpers
bats_require_minimum_version 1.5.0
unset LLM_SHARE_DIR

# A price table of our own: "cheap" costs 1 USD per 1M prompt tokens and
# 2 per 1M completion tokens; any "dear*" 10 and 20.
setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	printf '{"models":{"cheap":{"input":1,"output":2},"dear*":{"input":10,"output":20}}}\n' >prices.json
	export LLM_PRICES="$BATS_TEST_TMPDIR/prices.json"
}

# okrec ID MODEL QUERY PROMPT COMPLETION LATENCY [CONTENT]: a success record
okrec() {
	printf '{"id":"%s","status":"ok","model":"%s","content":"%s","usage":{"prompt_tokens":%s,"completion_tokens":%s},"latency_ms":%s,"attempt":1,"cached":false,"meta":{"query_id":"%s"}}\n' \
		"$1" "$2" "${7-answer}" "$4" "$5" "$6" "$3"
}

# errrec ID MODEL QUERY KIND MESSAGE: an error record
errrec() {
	printf '{"id":"%s","status":"error","error":{"kind":"%s","message":"%s","retryable":true},"attempt":1,"meta":{"query_id":"%s"},"request":{"model":"%s","messages":[]}}\n' \
		"$1" "$4" "$5" "$3" "$2"
}

@test "per model: requests, ok, failed by kind, tokens; a totals row; exit 1 on a failure" {
	{ okrec a1 cheap q1 100 50 10; okrec a2 cheap q2 200 20 20; errrec a3 cheap q3 http 'HTTP 429: slow down'
	  errrec a4 dear-1 q1 timeout 'no answer in 600 s'; errrec a5 dear-1 q2 http 'HTTP 500'
	  errrec a6 dear-1 q3 http 'HTTP 502'; okrec a7 dear-1 q4 1000 100 30; } >log
	run llm-summarize --json log
	[ "$status" -eq 1 ]
	run jq -c '.models[] | [.model, .requests, .ok, .failed, .errors, .prompt_tokens, .completion_tokens]' <<<"$output"
	assert_output '["cheap",3,2,1,{"http":1},300,70]
["dear-1",4,1,3,{"http":2,"timeout":1},1000,100]'
	run llm-summarize --json log
	[ "$(jq -c '.total | [.requests, .ok, .failed, .errors, .prompt_tokens, .completion_tokens]' <<<"$output")" = '[7,3,4,{"http":3,"timeout":1},1300,170]' ]
	# every record ok: 0
	{ okrec a1 cheap q1 1 1 1; } >good
	run llm-summarize good
	assert_success
}

@test "the aligned table" {
	{ okrec a1 cheap q1 100 50 10 hello; errrec a2 cheap q2 http 'HTTP 429: slow down'
	  okrec a3 mystery q1 10 5 40 'a longer answer'; } >log
	run llm-summarize log
	[ "$status" -eq 1 ]
	assert_output 'model    requests  ok  failed  errors  cached  prompt_tokens  completion_tokens      cost_usd  p50_ms  p95_ms  max_ms
cheap           2   1       1  http:1       0            100                 50     $0.000200      10      10      10
mystery         1   1       0  -            0             10                  5       unknown      40      40      40
total           3   2       1  http:1       0            110                 55  >= $0.000200      10      40      40

failed: 1
id  model  kind  message
a2  cheap  http  HTTP 429: slow down

best per meta.query_id: 2
meta.query_id  id  model  status   cost_usd  content_bytes
q1             a1  cheap  ok      $0.000200              5
q2             a2  cheap  failed  $0.000000              0

results: 3'
}

@test "cost: known, unknown (null, never 0), a lower bound in the totals; local endpoints free; a trace's own cost wins" {
	{ okrec a1 cheap q1 1000000 500000 10; okrec a2 mystery q1 10 10 10; } >log
	run llm-summarize --json log
	assert_success
	[ "$(jq -c '.models[] | [.model, .cost_usd, .cost_incomplete]' <<<"$output")" = '["cheap",2,false]
["mystery",null,true]' ]
	[ "$(jq -c '.total | [.cost_usd, .cost_incomplete]' <<<"$output")" = '[2,true]' ]
	run llm-summarize log
	assert_line --regexp '^cheap .* \$2\.000000 '
	assert_line --regexp '^mystery .* unknown '
	assert_line --regexp '^total .* >= \$2\.000000 '
	# a model nobody prices, on this machine: 0; meta.endpoint says where
	printf '%s\n' '{"id":"l","status":"ok","model":"mystery","usage":{"prompt_tokens":5,"completion_tokens":5},"meta":{"endpoint":"http://127.0.0.1:11434/v1"}}' >local
	run llm-summarize --json local
	[ "$(jq -c '.total | [.cost_usd, .cost_incomplete]' <<<"$output")" = '[0,false]' ]
	# a trace: its cost_usd, not the table's; its endpoint for the rest
	printf '%s\n' '{"run_id":"r1","status":"ok","turns":2,"usage":{"prompt_tokens":1000000,"completion_tokens":0},"cost_usd":0.125,"latency_ms":900,"model":"cheap","endpoint":"https://api.example.com/v1","final_content":"done"}' \
		'{"run_id":"r2","status":"ok","turns":1,"usage":{"prompt_tokens":1000000,"completion_tokens":0},"latency_ms":100,"model":"cheap","endpoint":"https://api.example.com/v1","final_content":"done"}' >traces
	run llm-summarize --json traces
	assert_success
	[ "$(jq -c '.models[] | [.model, .requests, .cost_usd, .latency_ms.max]' <<<"$output")" = '["cheap",2,1.125,900]' ]
	# no price table at all: unknown, and said once
	LLM_PRICES=/nonexistent/prices.json run llm-summarize --json log
	[ "$(jq -c '.total | [.cost_usd, .cost_incomplete]' <<<"$output")" = '[null,true]' ] || { echo "$output"; false; }
}

@test "latency percentiles are nearest-rank over ok, uncached results" {
	for i in $(seq 20); do okrec "r$i" cheap "q$i" 1 1 "$((i * 10))"; done >log
	errrec f1 cheap q1 timeout slow >>log
	printf '%s\n' '{"id":"c1","status":"ok","model":"cheap","usage":{"prompt_tokens":7,"completion_tokens":7},"latency_ms":1,"cached":true}' >>log
	run llm-summarize --json log
	[ "$(jq -c '.models[0] | [.latency_ms, .cached, .prompt_tokens]' <<<"$output")" = '[{"n":20,"p50":100,"p95":190,"max":200},1,20]' ]
	# a model with no latency: nulls in JSON, "-" in the table
	errrec f1 dear q1 connect refused >only
	run llm-summarize --json only
	[ "$(jq -c '.total.latency_ms' <<<"$output")" = '{"n":0,"p50":null,"p95":null,"max":null}' ]
	run llm-summarize only
	assert_line --regexp '^total .*  -       -       -$'
}

@test "the last record of an id counts; --all-attempts counts every one" {
	{ errrec a1 cheap q1 http 'HTTP 429'; okrec a2 cheap q2 1 1 5; okrec a1 cheap q1 1 1 7; } >log
	run llm-summarize --json log
	assert_success
	[ "$(jq -c '[.total.requests, .total.ok, .total.failed, .records.superseded, .failed_count]' <<<"$output")" = '[2,2,0,1,0]' ]
	run llm-summarize --all-attempts --json log
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.total.requests, .total.ok, .total.failed, .records.superseded, .failed_count]' <<<"$output")" = '[3,2,1,0,1]' ]
	# a record without an id is a request of its own, named by where it was
	printf '%s\n' '{"status":"error","error":{"kind":"io","message":"disk"}}' '{"status":"error"}' >noid
	run llm-summarize --json noid
	[ "$(jq -c '[.failed[] | [.id, .kind, .message]]' <<<"$output")" = '[["noid:1","io","disk"],["noid:2","unknown","status error, no error message"]]' ]
}

@test "best per query: ok first, then the lowest cost, then the longest content, then the first read" {
	{ errrec a cheap q1 http x
	  okrec b dear q1 10 10 1 'long long answer'
	  okrec c cheap q1 10 10 1 short
	  okrec d cheap q2 10 10 1 same
	  okrec e cheap q2 10 10 1 'same but longer'
	  okrec f cheap q3 10 10 1 tie1
	  okrec g cheap q3 10 10 1 tie2
	  okrec h mystery q4 1 1 1 'unknown cost'
	  okrec i dear q4 1 1 1 'known cost'
	  errrec j cheap q5 http y; } >log
	run llm-summarize --json log
	[ "$(jq -c '[.best[] | [.group, .id, .status]]' <<<"$output")" = '[["q1","c","ok"],["q2","e","ok"],["q3","f","ok"],["q4","i","ok"],["q5","j","failed"]]' ]
	# --best: those records as they were, byte for byte
	run llm-summarize --best log
	[ "$status" -eq 1 ]
	[ "$output" = "$(sed -n '3p;5p;6p;9p;10p' log)" ]
	# from a pipe too
	run bash -c 'cat log | llm-summarize --best'
	[ "$output" = "$(sed -n '3p;5p;6p;9p;10p' log)" ]
}

@test "--best says how many results had no group key, and exits 1" {
	# records of llm-chat run without llm-plan: no meta.query_id
	printf '%s\n' '{"id":"a","status":"ok","model":"cheap","content":"x"}' \
		'{"id":"b","status":"ok","model":"cheap","content":"y","meta":{}}' >log
	run llm-summarize --best log
	[ "$status" -eq 1 ]
	assert_output "llm-summarize: 2 results without meta.query_id: in no group, left out (--by PATH groups by another field)"
	# the grouped ones are written, the rest counted
	okrec c cheap q1 1 1 1 z >>log
	run --separate-stderr llm-summarize --best log
	[ "$status" -eq 1 ]
	[ "$output" = "$(sed -n 3p log)" ]
	[ "$stderr" = "llm-summarize: 2 results without meta.query_id: in no group, left out (--by PATH groups by another field)" ]
	run --separate-stderr llm-summarize --best --by id log
	assert_success
	[ "$output" = "$(cat log)" ]
	[ -z "$stderr" ]
	# one without, by another path
	run llm-summarize --best --by meta.plan_id log
	[ "$status" -eq 1 ]
	assert_output "llm-summarize: 3 results without meta.plan_id: in no group, left out (--by PATH groups by another field)"
}

@test "--by groups by another path; records without it are in no group" {
	{ okrec a cheap q1 1 1 1 x; okrec b dear q1 1 1 1 y; } >log
	printf '%s\n' '{"id":"c","status":"ok","model":"cheap","content":"zz","meta":{"query_id":"q1","plan_id":7}}' >>log
	run llm-summarize --by model --json log
	[ "$(jq -c '[.best_by, [.best[] | [.group, .id]]]' <<<"$output")" = '["model",[["cheap","a"],["dear","b"]]]' ]
	run llm-summarize --by meta.plan_id --json log
	[ "$(jq -c '[.best[] | [.group, .id]]' <<<"$output")" = '[["7","c"]]' ]
	run llm-summarize --by meta.plan_id log
	assert_line 'best per meta.plan_id: 1'
	assert_line --regexp '^meta\.plan_id  id  model '
}

@test "--markdown and --tsv" {
	{ okrec a1 cheap q1 100 50 10 'pipe | in it'; errrec a2 mystery q1 http 'HTTP 500'; } >log
	run llm-summarize --markdown log
	[ "$status" -eq 1 ]
	assert_output '### models

| model | requests | ok | failed | errors | cached | prompt_tokens | completion_tokens | cost_usd | p50_ms | p95_ms | max_ms |
| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| cheap | 1 | 1 | 0 | - | 0 | 100 | 50 | $0.000200 | 10 | 10 | 10 |
| mystery | 1 | 0 | 1 | http:1 | 0 | 0 | 0 | $0.000000 | - | - | - |
| total | 2 | 1 | 1 | http:1 | 0 | 100 | 50 | $0.000200 | 10 | 10 | 10 |

### failed: 1

| id | model | kind | message |
| --- | --- | --- | --- |
| a2 | mystery | http | HTTP 500 |

### best per meta.query_id: 1

| meta.query_id | id | model | status | cost_usd | content_bytes |
| --- | --- | --- | --- | ---: | ---: |
| q1 | a1 | cheap | ok | $0.000200 | 12 |

results: 2'
	run llm-summarize --tsv log
	[ "$(sed -n 1,4p <<<"$output")" = "$(printf 'model\trequests\tok\tfailed\terrors\tcached\tprompt_tokens\tcompletion_tokens\tcost_usd\tp50_ms\tp95_ms\tmax_ms
cheap\t1\t1\t0\t-\t0\t100\t50\t0.000200\t10\t10\t10
mystery\t1\t0\t1\thttp:1\t0\t0\t0\t0.000000\t-\t-\t-
total\t2\t1\t1\thttp:1\t0\t100\t50\t0.000200\t10\t10\t10')" ]
	assert_line "$(printf 'a2\tmystery\thttp\tHTTP 500')"
	# an unknown cost in TSV: unknown and >=
	okrec a3 nobody q1 1 1 1 >>log
	run llm-summarize --tsv log
	assert_line --regexp "^nobody.*	unknown	"
	assert_line --regexp "^total.*	>=0\.000200	"
}

@test "the first 20 failures, --all-errors for every one" {
	for i in $(seq 25); do errrec "f$i" cheap "q$i" http "HTTP 500 number $i"; done >log
	run llm-summarize log
	assert_line 'failed: 25 (the first 20; --all-errors for every one)'
	assert_line --regexp '^f20 +cheap +http +HTTP 500 number 20$'
	refute_line --regexp '^f21 '
	run llm-summarize --all-errors log
	assert_line 'failed: 25'
	assert_line --regexp '^f25 +cheap +http +HTTP 500 number 25$'
	run llm-summarize --json log
	[ "$(jq -c '[(.failed | length), .failed_count]' <<<"$output")" = '[20,25]' ]
	run llm-summarize --json --all-errors log
	[ "$(jq -c '.failed | length' <<<"$output")" = 25 ]
}

@test "bad lines: named FILE:LINE on stderr (the first 5), counted, exit 1; events passed over" {
	{ okrec a1 cheap q1 1 1 1; echo 'not json'; echo '[1,2]'; echo '{"id":"a1","event":"delta","content":"x"}'
	  echo '{"id":"x","request":{}}'; echo '{"id":"s","status":7}'; echo '{"a":'; echo; echo '"s"'; echo 1; echo null; } >log
	run bash -c 'llm-summarize --json log 2>err'
	[ "$status" -eq 1 ]
	[ "$(jq -c '.records' <<<"$output")" = '{"results":1,"superseded":0,"events":1,"other":1,"bad":7}' ]
	[ "$(jq -c '.total | [.requests, .ok]' <<<"$output")" = '[1,1]' ]
	run cat err
	assert_output 'llm-summarize: log:2: invalid JSON: null expected at byte 1
llm-summarize: log:3: not a JSON object
llm-summarize: log:6: "status" is not a string
llm-summarize: log:7: invalid JSON: unexpected end of data at byte 1
llm-summarize: log:9: not a JSON object
llm-summarize: 7 bad lines in all (the first 5 named)'
	# -v says what was read
	run bash -c 'llm-summarize -v --json log >/dev/null'
	assert_line 'llm-summarize: 1 results (0 replaced by a later record of their id), 1 stream events, 1 records without status, 7 bad lines'
}

@test "traces from llm-runner: run_id, a status other than ok is a failure of that kind" {
	printf '%s\n' '{"run_id":"r1","scenario_hash":"h1","status":"ok","turns":3,"usage":{"prompt_tokens":10,"completion_tokens":5},"cost_usd":0.01,"latency_ms":500,"model":"cheap","endpoint":"https://x/v1","final_content":"all done"}' \
		'{"run_id":"r2","scenario_hash":"h1","status":"max_turns","turns":8,"max_turns_hit":true,"usage":{"prompt_tokens":80,"completion_tokens":40},"cost_usd":0.08,"latency_ms":4000,"model":"cheap","endpoint":"https://x/v1","final_content":""}' >traces
	run llm-summarize --by scenario_hash --json traces
	[ "$status" -eq 1 ]
	[ "$(jq -c '.total | [.requests, .ok, .failed, .errors, .prompt_tokens, .cost_usd, .latency_ms.max]' <<<"$output")" = '[2,1,1,{"max_turns":1},90,0.09,500]' ]
	[ "$(jq -c '[.failed[] | [.id, .kind]], [.best[] | [.group, .id, .content_bytes]]' <<<"$output")" = '[["r2","max_turns"]]
[["h1","r1",8]]' ]
}

@test "empty input: an empty report, exit 0" {
	run llm-summarize --json </dev/null
	assert_success
	[ "$(jq -c '[.models, .total.requests, .total.cost_usd, .total.cost_incomplete, .best]' <<<"$output")" = '[[],0,0,false,[]]' ]
	run llm-summarize </dev/null
	assert_success
	assert_line --regexp '^total +0 +0 +0 +- +0 +0 +0 +\$0\.000000 +- +- +-$'
}

@test "several files, '-' for stdin; usage errors exit 2 before reading" {
	okrec a1 cheap q1 1 1 1 >one
	okrec a2 cheap q1 1 1 1 | llm-summarize --json one - >out
	[ "$(jq -c .total.requests out)" = 2 ]
	run llm-summarize nonexistent
	[ "$status" -eq 2 ]
	assert_output 'llm-summarize: nonexistent: No such file or directory'
	run llm-summarize --json --tsv one
	[ "$status" -eq 2 ]
	run llm-summarize --best --json one
	[ "$status" -eq 2 ]
	run llm-summarize --by 'meta..x' one
	[ "$status" -eq 2 ]
	assert_output "llm-summarize: --by meta..x: not a path (keys joined by '.')"
	run llm-summarize --nope one
	[ "$status" -eq 2 ]
	run llm-summarize .
	[ "$status" -eq 2 ]
}

@test "| head ends quietly" {
	for i in $(seq 30); do errrec "f$i" cheap "q$i" http x; done >in.ndjson
	run bash -c 'llm-summarize --all-errors in.ndjson | head -1; echo "status=${PIPESTATUS[0]}"'
	assert_line --regexp '^model +requests'
	assert_line --regexp '^status=(1|141)$'
	refute_output --partial 'llm-summarize:'
}

# wait_for FILE JQ: until the last line of FILE makes JQ true (10 s at most)
wait_for() {
	local i
	for i in $(seq 200); do
		[ -s "$1" ] && tail -n 1 "$1" | jq -e "$2" >/dev/null 2>&1 && return 0
		sleep 0.05
	done
	echo "timed out waiting for $2 in $1"; cat "$1"; return 1
}

@test "--follow: a file that grows is read as it grows; SIGINT ends it with a last report and 0" {
	okrec a1 cheap q1 1 1 1 >log
	timeout -s KILL 20 llm-summarize --follow --json log >out 2>err &
	pid=$!
	wait_for out '.total.requests == 1'
	okrec a2 cheap q2 1 1 1 >>log
	wait_for out '.total.requests == 2'
	# half a line waits for the rest
	printf '{"id":"a3","status":"error","error":{"kind":"http","mess' >>log
	errrec a4 cheap q4 http x | sed 's/^/age":"m"}}\n/' >>log
	wait_for out '.total.requests == 4'
	kill -INT "$pid"
	rc=0; wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
	[ ! -s err ]
	# a snapshot a line, the last after the signal
	run jq -c '[.total.requests, .total.failed]' out
	assert_line --index 0 '[1,0]'
	[ "${lines[-1]}" = '[4,2]' ]
	# from a pipe: read till it ends, then the usual exit status
	run bash -c '{ okrec() { printf "{\"id\":\"%s\",\"status\":\"ok\",\"model\":\"m\"}\n" "$1"; }; okrec p1; sleep 0.3; okrec p2; } | llm-summarize --follow --json'
	assert_success
	[ "$(tail -n 1 <<<"$output" | jq -c .total.requests)" = 2 ]
}

@test "--follow: a truncated file is read again from its start" {
	{ okrec a1 cheap q1 1 1 1; okrec a2 cheap q2 1 1 1; } >log
	timeout -s KILL 20 llm-summarize --follow --json log >out 2>err &
	pid=$!
	wait_for out '.total.requests == 2'
	errrec b1 cheap q1 http x >log
	wait_for out '.total.requests == 1 and .total.failed == 1'
	kill -TERM "$pid"
	rc=0; wait "$pid" || rc=$?
	[ "$rc" -eq 0 ]
	run cat err
	assert_output 'llm-summarize: log: file truncated, starting over'
}
