#!/usr/bin/env bats
# llm-runner against llm-mock through llm-chat, and against chat scripts
# of its own: turns, parallel calls, mocks, max_turns, traces.

load helpers

# scen FILE PROMPT [TOML...]: a TOML scenario with the tools f (a JSON
# mock_response), g (a string one) and h (no mock), and more lines.
scen() {
	local f=$1 p=$2
	shift 2
	{
		printf 'model = "mock-1"\nprompt = %s\n' "$(jq -n --arg p "$p" '$p')"
		printf '%s\n' "$@"
		printf '[[tools]]\nname = "f"\nmock_response = { temp = 21 }\n'
		printf '[[tools]]\nname = "g"\nmock_response = "sunny"\n'
		printf '[[tools]]\nname = "h"\ndescription = "no mock"\n'
	} >"$f"
}

@test "one turn without tool calls: an ok trace with every field" {
	start_mock -q
	scen s.toml 'hello there'
	run llm-runner s.toml
	assert_success
	echo "$output" | jq -e '.status == "ok" and .turns == 1 and .max_turns_hit == false and .final_content == "hello there" and .finish_reason == "stop" and .tool_calls == [] and .model == "mock-1" and .cost_usd == 0 and (.latency_ms|type) == "number" and .endpoint == env.LLM_BASE_URL'
	echo "$output" | jq -e '(.run_id|test("^[0-9]{8}T[0-9]{6}\\.[0-9]{6}Z-[0-9a-f]{8}$")) and (.scenario_hash|test("^[0-9a-f]{64}$")) and (.timestamp|test("^[0-9-]{10}T[0-9:.]{12}Z$"))'
	echo "$output" | jq -e '[.messages[].role] == ["user","assistant"]'
}

@test "the trace's endpoint has the base URL's secrets masked, as llm-chat's records do" {
	start_mock -q
	scen s.toml 'hello there'
	url=${LLM_BASE_URL/http:\/\//http://user:pw-in-url@}?key=key-in-query
	LLM_BASE_URL=$url run llm-runner s.toml
	assert_success
	refute_output --partial pw-in-url
	refute_output --partial key-in-query
	chat=$(echo '{"id":"a","messages":[{"role":"user","content":"hi"}]}' | LLM_BASE_URL=$url llm-chat -m mock-1)
	[ "$(echo "$output" | jq -r .endpoint)" = "$(echo "$chat" | jq -r .endpoint)" ]
	echo "$output" | jq -e '.status == "ok" and (.endpoint | test("^http://\\[REDACTED\\]@127.0.0.1:[0-9]+/v1\\?key=\\[REDACTED\\]$"))'
}

@test "several turns with parallel calls: every call answered, in order, usage summed" {
	start_mock -q
	scen s.toml 'go [[mock:tool name=f turns=3 args={"city":"Paris"}]] [[mock:tool name=g]]'
	run llm-runner s.toml
	assert_success
	echo "$output" | jq -e '.status == "ok" and .turns == 4 and .max_turns_hit == false'
	run jq -c '[.tool_calls[] | [.turn, .name, .arguments, .result]]' <<<"$output"
	assert_output '[[1,"f","{\"city\":\"Paris\"}","{\"temp\":21}"],[1,"g","{}","sunny"],[2,"f","{\"city\":\"Paris\"}","{\"temp\":21}"],[3,"f","{\"city\":\"Paris\"}","{\"temp\":21}"]]'
	llm-runner s.toml >t.json
	run jq -c '[.messages[].role]' t.json
	assert_output '["user","assistant","tool","tool","assistant","tool","assistant","tool","assistant"]'
	# every tool message answers the call of the assistant message before it
	jq -e '[.messages as $m | range(1; $m|length) | select($m[.].role == "tool") | $m[.].tool_call_id] == [.tool_calls[].id]' t.json
	jq -e '.final_content == "tool result: {\"temp\":21}"' t.json
}

@test "usage is the sum over all turns, not the last" {
	start_mock -q
	scen s.toml 'go [[mock:tool name=g turns=2]]'
	llm-runner s.toml >t.json
	# the same three requests sent straight to llm-chat
	jq -c '.messages as $m | [2, 4, 6][] as $n | {id:"x\($n)", request:{model:"mock-1", messages:$m[:$n-1], tools:[{type:"function",function:{name:"f",parameters:{type:"object",properties:{}}}},{type:"function",function:{name:"g",parameters:{type:"object",properties:{}}}},{type:"function",function:{name:"h",description:"no mock",parameters:{type:"object",properties:{}}}}]}}' t.json | llm-chat -q >direct.ndjson
	run jq -s -c '[(map(.usage.prompt_tokens)|add), (map(.usage.completion_tokens)|add), (map(.usage.total_tokens)|add)]' direct.ndjson
	sum=$output
	run jq -c '[.usage.prompt_tokens, .usage.completion_tokens, .usage.total_tokens]' t.json
	assert_output "$sum"
	jq -e '.turns == 3' t.json
	# and not the last turn alone
	run jq -s -c '.[-1] | [.usage.prompt_tokens, .usage.completion_tokens, .usage.total_tokens]' direct.ndjson
	refute_output "$sum"
}

@test "a call to a tool with no mock ends that scenario; the next one still runs" {
	start_mock -q
	scen bad.toml 'x [[mock:tool name=h]]'
	scen good.toml 'fine'
	run llm-runner bad.toml good.toml
	assert_failure 1
	assert_equal "$(echo "$output" | jq -s length)" 2
	run jq -s -r '.[0] | [.status, .error.kind, .error.message] | @tsv' <<<"$output"
	assert_output --partial "error	tool	the model called tool 'h', which has no mock (tools with a mock: f, g)"
	llm-runner bad.toml good.toml >t.ndjson || true
	run jq -s -c '[.[].status, .[1].final_content]' t.ndjson
	assert_output '["error","ok","fine"]'
}

@test "a tool the scenario does not define is named too" {
	start_mock -q
	scen s.toml 'x [[mock:tool name=nosuch]]'
	run llm-runner s.toml
	assert_failure 1
	echo "$output" | jq -e '.error.message | contains("tool '"'"'nosuch'"'"', which has no definition")'
}

@test "mock_exec gets the call's arguments on stdin; its stdout is the result, with any --timeout" {
	start_mock -q
	cat >s.json <<'JSON'
{"model":"mock-1","prompt":"x [[mock:tool name=calc args={\"a\":2,\"b\":3}]]",
 "tools":[{"name":"calc","mock_exec":["sh","-c","jq -c '{sum: (.a + .b)}'"]}]}
JSON
	run llm-runner s.json
	assert_success
	run jq -c '[.tool_calls[0].result, .final_content]' <<<"$output"
	assert_output '["{\"sum\":5}\n","tool result: {\"sum\":5}\n"]'
	# --timeout of the most days allowed, 1e7 s, is past an int of ms: the
	# waits for a turn and a mock_exec were a cast of it (undefined; SAN=1
	# checks float-cast-overflow)
	run timeout 20 llm-runner --timeout 1e7 s.json
	assert_success
	run jq -c '[.status, .tool_calls[0].result]' <<<"$output"
	assert_output '["ok","{\"sum\":5}\n"]'
}

@test "a failing mock_exec is an error trace, exit 1" {
	start_mock -q
	cat >s.json <<'JSON'
{"model":"mock-1","prompt":"x [[mock:tool name=t]]","tools":[{"name":"t","mock_exec":["sh","-c","exit 3"]}]}
JSON
	run llm-runner s.json
	assert_failure 1
	echo "$output" | jq -e '.status == "error" and .error.kind == "tool" and (.error.message | contains("tool '"'"'t'"'"': mock_exec failed: sh exited with status 3"))'
}

@test "max_turns stops a loop that never ends: max_turns_hit" {
	start_mock -q
	scen s.toml 'x [[mock:tool name=g turns=1000]]' 'max_turns = 3'
	run llm-runner s.toml
	assert_success
	echo "$output" | jq -e '.status == "ok" and .turns == 3 and .max_turns_hit == true and (.tool_calls|length) == 3 and .final_content == null and .finish_reason == "tool_calls"'
}

@test "max_turns defaults to 10" {
	start_mock -q
	scen s.toml 'x [[mock:tool name=g turns=1000]]'
	run llm-runner s.toml
	echo "$output" | jq -e '.turns == 10 and .max_turns_hit == true'
}

@test "extras the loop owns are refused before anything runs (exit 2)" {
	local k
	for k in messages tools tool_choice stream model; do
		scen s.toml 'x' '[extras]' "$k = \"v\""
		run llm-runner --chat false s.toml
		assert_failure 2
		assert_output "llm-runner: s.toml: extras: '$k' is set by the loop or by the scenario's own field, not by extras"
	done
}

@test "extras and the scenario's fields go into every request" {
	cat >chat.sh <<'SH'
#!/bin/sh
# answers each request with the request it got, as content
while read -r l; do
	printf '%s\n' "$l" | jq -c '{id, status:"ok", content:(.request|del(.messages)|tojson), finish_reason:"stop", usage:{prompt_tokens:1,completion_tokens:1,total_tokens:2}}'
done
SH
	chmod +x chat.sh
	scen s.toml 'x' 'temperature = 0.5' 'seed = 7' 'max_tokens = 20' '[extras]' 'top_p = 0.9'
	run llm-runner --chat "sh ./chat.sh" s.toml
	assert_success
	run jq -c '.final_content | fromjson | [.model, .temperature, .seed, .max_tokens, .top_p, (.tools|map(.function.name))]' <<<"$output"
	assert_output '["mock-1",0.5,7,20,0.9,["f","g","h"]]'
}

@test "a scenario file that is not valid is a usage error, and nothing runs" {
	start_mock -q
	scen good.toml 'fine'
	printf 'model = "m"\n' >noprompt.toml
	run llm-runner good.toml noprompt.toml
	assert_failure 2
	assert_output 'llm-runner: noprompt.toml: prompt: a string is required'
	printf 'model = "m"\nprompt = "x"\ntemprature = 1\n' >typo.toml
	run llm-runner typo.toml
	assert_failure 2
	assert_output "llm-runner: typo.toml: unknown field 'temprature'"
	run llm-runner nosuch.toml
	assert_failure 2
	[ "$(curl -s "$LLM_BASE_URL/mock/stats" | jq .chat)" = 0 ]
}

@test "scenario records on stdin; a bad one is an error trace" {
	start_mock -q
	printf '%s\n' '{"model":"mock-1","prompt":"one"}' '{"model":"mock-1"}' 'not json' '{"prompt":"three"}' |
		llm-runner --model mock-2 >t.ndjson && rc=0 || rc=$?
	assert_equal "$rc" 1
	run jq -c '[.source, .status, .final_content // .error.message]' t.ndjson
	assert_output '["stdin:1","ok","one"]
["stdin:2","error","stdin:2: prompt: a string is required"]
["stdin:3","error","stdin:3: invalid JSON: null expected at byte 1"]
["stdin:4","ok","three"]'
	jq -s -e '.[3].model == "mock-2"' t.ndjson
}

@test "scenario_hash: the resolved scenario, TOML or JSON alike, defaults filled" {
	start_mock -q
	printf 'model = "mock-1"\nprompt = "hi"\n' >a.toml
	printf '{"prompt":"hi","model":"mock-1","max_turns":10}' >b.json
	printf '{"prompt":"hi","max_turns":10}' >c.json
	printf '{"prompt":"hi","model":"mock-1","max_turns":9}' >d.json
	run llm-runner a.toml b.json d.json
	run jq -s -r 'map(.scenario_hash) | .[0] == .[1] and .[0] != .[2]' <<<"$output"
	assert_output true
	h=$(llm-runner --model mock-1 c.json | jq -r .scenario_hash)
	assert_equal "$h" "$(llm-runner a.toml | jq -r .scenario_hash)"
	assert_equal "$h" "$(printf '{"max_turns":10,"model":"mock-1","prompt":"hi"}' | llm-hash --json)"
}

@test "run_ids increase with time" {
	start_mock -q
	scen s.toml 'x'
	llm-runner s.toml s.toml s.toml >t.ndjson
	run jq -s -r 'map(.run_id) | . == sort and (unique|length) == 3' t.ndjson
	assert_output true
}

@test "--store writes DIR/<run_id>.json, the same as stdout" {
	start_mock -q
	scen s.toml 'x [[mock:tool name=g]]'
	llm-runner --store traces s.toml >t.json
	id=$(jq -r .run_id t.json)
	[ -f "traces/$id.json" ]
	cmp t.json "traces/$id.json"
	[ "$(ls traces | wc -l)" = 1 ]
}

@test "traces are redacted and size-bounded, in stdout and the store" {
	start_mock -q
	export LLM_API_TOKEN=sk-test-abcdefghijklmnop1234
	cat >s.json <<JSON
{"model":"mock-1","prompt":"x [[mock:tool name=k]]","tools":[{"name":"k","mock_response":"the key is $LLM_API_TOKEN"}]}
JSON
	llm-runner --store st s.json >t.json
	! grep -q abcdefghijklmnop t.json
	! grep -rq abcdefghijklmnop st
	jq -e '.tool_calls[0].result == "the key is [REDACTED:LLM_API_TOKEN]"' t.json
	jq -e '.final_content == "tool result: the key is [REDACTED:LLM_API_TOKEN]"' t.json
	unset LLM_API_TOKEN
	scen big.toml "$(printf 'y%.0s' $(seq 300))"
	llm-runner --max-string 100 big.toml >b.json
	jq -e '[.messages[].content, .final_content] | all(startswith("yyy") and endswith("[TRUNCATED:300 bytes]") and length < 140)' b.json
}

@test "a chat command that dies fails its scenario; the next gets a new one" {
	cat >chat.sh <<'SH'
#!/bin/sh
while read -r l; do
	case $l in *die*) exit 4;; esac
	printf '%s\n' "$l" | jq -c '{id, status:"ok", content:"fine", finish_reason:"stop"}'
done
SH
	printf '{"model":"m","prompt":"die"}\n{"model":"m","prompt":"live"}\n' >in.ndjson
	run llm-runner --chat "sh chat.sh" <in.ndjson
	assert_failure 1
	run jq -c '[.status, .error.message // .final_content]' <<<"$output"
	assert_output '["error","the chat command sh exited with status 4 before answering"]
["ok","fine"]'
}

@test "a turn with no answer in --timeout fails, the command is killed" {
	printf '#!/bin/sh\nexec sleep 30\n' >chat.sh
	printf '{"model":"m","prompt":"x"}\n' >in.ndjson
	run timeout 10 llm-runner --timeout 0.3 --chat "sh chat.sh" <in.ndjson
	assert_failure 1
	echo "$output" | jq -e '.error.kind == "timeout" and .error.message == "no answer from the chat command in 300 ms"'
}

@test "an error answer from the model fails the scenario with its message" {
	start_mock -q
	scen s.toml 'x [[mock:400]]'
	run llm-runner s.toml
	assert_failure 1
	echo "$output" | jq -e '.status == "error" and .error.kind == "http" and (.error.message | startswith("turn 1: "))'
}

@test "the example scenarios run against llm-mock" {
	start_mock -q
	run llm-runner "$ROOT"/examples/scenarios/*.toml "$ROOT"/examples/scenarios/*.json
	assert_success
	assert_equal "$(echo "$output" | jq -s 'map(select(.status == "ok" and .turns >= 2)) | length')" 2
}

@test "usage errors exit 2" {
	run llm-runner --nosuch
	assert_failure 2
	run llm-runner --timeout 0 x.toml
	assert_failure 2
	run llm-runner --chat ' ' x.toml
	assert_failure 2
}

@test "on a terminal, a summary line per scenario on stderr; -q silences it" {
	command -v script >/dev/null || skip "needs script(1)"
	start_mock -q
	scen s.toml 'x [[mock:tool name=g]]'
	run script -qc "llm-runner s.toml >/dev/null" /dev/null
	assert_output --regexp '^llm-runner: s\.toml: ok, model mock-1, 2 turns, 1 tool call, [0-9]+ tokens, cost \$0\.000000, [0-9]+ ms, hash [0-9a-f]{12}'
	run script -qc "llm-runner -q s.toml >/dev/null" /dev/null
	assert_output ''
}

@test "llm-runner | head -1 ends quietly, as a filter killed by SIGPIPE" {
	start_mock -q
	# more traces than a pipe holds, so a write comes after head has gone
	for i in $(seq 200); do echo "$ROOT/examples/scenarios/weather.toml"; done >list
	run bash -c 'mapfile -t s <list; llm-runner "${s[@]}" 2>err | head -c 1
		echo " status=${PIPESTATUS[0]}"; cat err'

	assert_output --regexp ' status=141'
	refute_output --partial "llm-runner:"
}

@test "an answer cut off at max_tokens is flagged: cut_off, exit 1, said in the summary" {
	start_mock -q
	scen cut.toml 'tell me a long story about dragons and castles' 'max_tokens = 2'
	scen whole.toml 'hi'
	run llm-runner cut.toml whole.toml
	assert_failure 1
	echo "${lines[0]}" | jq -e '.status == "ok" and .cut_off == true and .finish_reason == "length"'
	echo "${lines[1]}" | jq -e '.status == "ok" and .cut_off == false and .finish_reason == "stop"'
	run llm-runner whole.toml
	assert_success
	command -v script >/dev/null || skip "needs script(1)"
	run script -qec "llm-runner cut.toml >/dev/null" /dev/null
	assert_output --regexp '^llm-runner: cut\.toml: ok but cut off \(finish_reason length\), model mock-1'
}

@test "-j 4 plays 8 slow scenarios at once: under half the time of -j 1, the traces of -j 1 in the same order" {
	start_mock -q
	for i in 1 2 3 4 5 6 7 8; do scen s$i.toml "s$i [[mock:slow ms=1500]]"; done
	local t0=$SECONDS t4 t1
	run llm-runner -j 4 s1.toml s2.toml s3.toml s4.toml s5.toml s6.toml s7.toml s8.toml
	assert_success
	t4=$((SECONDS - t0))
	echo "$output" | jq -s -e 'map(.final_content) == ["s1","s2","s3","s4","s5","s6","s7","s8"]'
	echo "$output" | jq -S -c 'del(.run_id, .latency_ms, .timestamp)' >j4
	t0=$SECONDS
	llm-runner s1.toml s2.toml s3.toml s4.toml s5.toml s6.toml s7.toml s8.toml |
		jq -S -c 'del(.run_id, .latency_ms, .timestamp)' >j1
	t1=$((SECONDS - t0))
	# one after another takes 12 s at least; at once, a good deal less
	# (compared, not bounded: a loaded machine slows both)
	[ "$t1" -ge 12 ] && [ $((t4 * 2)) -lt "$t1" ]
	diff j1 j4
	[ "$(wc -l <j4)" -eq 8 ]
}

@test "-j 3 over scenario records: one trace a record in input order, bad ones included" {
	start_mock -q
	{
		echo '{"model":"mock-1","prompt":"a [[mock:slow ms=300]]"}'
		echo '{"prompt":"no model"}'
		echo '{"model":"mock-1","prompt":"c"}'
		echo 'not json'
		echo '{"model":"mock-1","prompt":"e [[mock:tool name=t]]","tools":[{"name":"t","mock_response":"r"}]}'
	} >in.ndjson
	run llm-runner -j 3 <in.ndjson
	assert_failure 1
	echo "$output" | jq -s -e 'map(.source) == ["stdin:1","stdin:2","stdin:3","stdin:4","stdin:5"]'
	echo "$output" | jq -s -e 'map(.status) == ["ok","error","ok","error","ok"] and .[4].tool_calls[0].result == "r"'
	run llm-runner -j 0 x.toml
	assert_failure 2
}
