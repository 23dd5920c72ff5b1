#!/usr/bin/env bats
# llm-assert: every check kind passing and failing, the checks file, -e,
# meta.assert from a plan, error records, exit codes, the jq child, the
# llm-rubric grader through llm-mock, and llm-summarize's pass rate.

load helpers
bats_require_minimum_version 1.5.0

# rec CONTENT [EXTRA]: a result record with that content and the members
# of EXTRA (without braces) added.
rec() {
	jq -cn --arg c "$1" --argjson x "{${2:-}}" '{id:"r1",status:"ok",model:"gpt-4o",
		content:$c,finish_reason:"stop",
		usage:{prompt_tokens:1000,completion_tokens:20,total_tokens:1020},
		latency_ms:150,meta:{query_id:"q1",model:"gpt-4o"}} + $x'
}

# verdict CHECK CONTENT [EXTRA]: the pass of the one record graded by -e CHECK
# and the exit status, as "true 0" or "false 1".
verdict() {
	rec "$2" "${3:-}" >in.ndjson
	run --separate-stderr llm-assert -e "$1" in.ndjson
	printf '%s\n' "$output" >out.ndjson
	echo "$(jq -r .assert.pass <<<"$output") $status"
}

# got FILTER: what jq FILTER gives of the last verdict's record
got() {
	jq -c "$1" out.ndjson
}

@test "equals: the answer, trimmed, is the value exactly" {
	[ "$(verdict equals=4 $'4\n')" = "true 0" ]
	[ "$(verdict equals=4 '4.0')" = "false 1" ]
}

@test "contains and icontains" {
	[ "$(verdict contains=Paris 'It is Paris.')" = "true 0" ]
	[ "$(verdict contains=Paris 'It is paris.')" = "false 1" ]
	[ "$(verdict icontains=PARIS 'It is paris.')" = "true 0" ]
	[ "$(verdict icontains=pArIs 'It is PARIS.')" = "true 0" ]
	[ "$(verdict icontains=PARIS 'It is Rome.')" = "false 1" ]
}

@test "contains-any and contains-all; contains-all scores the share found" {
	[ "$(verdict 'contains-any=["Rome","Paris"]' 'Paris')" = "true 0" ]
	[ "$(verdict 'contains-any=["Rome","Oslo"]' 'Paris')" = "false 1" ]
	[ "$(verdict 'contains-all=["Paris","France"]' 'Paris, France')" = "true 0" ]
	[ "$(verdict 'contains-all=["Paris","France","Europe"]' 'Paris, France')" = "false 1" ]
	[ "$(got .assert.results[0].score)" = 0.6667 ]
	[ "$(got .assert.results[0].reason)" = '"does not contain \"Europe\" (2 of 3 found)"' ]
}

@test "regex (PCRE2) and starts-with" {
	[ "$(verdict 'regex=^\d+$' '42')" = "true 0" ]
	[ "$(verdict 'regex=^\d+$' '42 apples')" = "false 1" ]
	[ "$(verdict 'regex=(?i)^yes\b' 'YES, indeed')" = "true 0" ]
	[ "$(verdict starts-with=Yes 'Yes.')" = "true 0" ]
	[ "$(verdict starts-with=Yes ' Yes.')" = "false 1" ]
}

@test "is-json" {
	[ "$(verdict is-json '{"a":[1,2]}')" = "true 0" ]
	[ "$(verdict is-json '```json {"a":1} ```')" = "false 1" ]
}

@test "finish-reason, max-latency-ms, max-tokens" {
	[ "$(verdict finish-reason=stop x)" = "true 0" ]
	[ "$(verdict finish-reason=stop x '"finish_reason":"length"')" = "false 1" ]
	[ "$(verdict max-latency-ms=150 x)" = "true 0" ]
	[ "$(verdict max-latency-ms=149 x)" = "false 1" ]
	[ "$(got .assert.results[0].reason)" = '"latency 150 ms > 149 ms"' ]
	[ "$(verdict max-tokens=20 x)" = "true 0" ]
	[ "$(verdict max-tokens=19 x)" = "false 1" ]
	# no latency at all: unknown fails
	[ "$(verdict max-latency-ms=1000 x '"latency_ms":null')" = "false 1" ]
}

@test "max-cost: the record's cost_usd, else its tokens at the price table's price" {
	printf '%s\n' '{"models":{"gpt-4o":{"input":2.5,"output":10}}}' >prices.json
	export LLM_PRICES=$PWD/prices.json
	# 1000 * 2.5e-6 + 20 * 10e-6 = 0.0027
	[ "$(verdict max-cost=0.0027 x)" = "true 0" ]
	[ "$(verdict max-cost=0.0026 x)" = "false 1" ]
	[ "$(verdict max-cost=0.01 x '"cost_usd":0.02')" = "false 1" ]
	[ "$(verdict max-cost=0.01 x '"cost_usd":0.005')" = "true 0" ]
	# a model without a price: unknown, failed
	[ "$(verdict max-cost=1 x '"meta":{"model":"nobody"}')" = "false 1" ]
	[ "$(got .assert.results[0].reason)" = '"cost unknown"' ]
}

@test "levenshtein and similar-to, with thresholds" {
	[ "$(verdict '{"type":"levenshtein","value":"Paris","threshold":1}' 'Pariss')" = "true 0" ]
	[ "$(verdict '{"type":"levenshtein","value":"Paris","threshold":1}' 'Parisss')" = "false 1" ]
	[ "$(got .assert.results[0].reason)" = '"distance 2 > 1"' ]
	# characters, not bytes: é is one
	[ "$(verdict '{"type":"levenshtein","value":"cafe","threshold":1}' 'café')" = "true 0" ]
	[ "$(verdict '{"type":"similar-to","value":"the capital is Paris"}' 'the capital is Paris!')" = "true 0" ]
	[ "$(got .assert.score)" = 0.9524 ]
	[ "$(verdict '{"type":"similar-to","value":"the capital is Paris","threshold":0.9}' 'Rome')" = "false 1" ]
}

@test "tool-called: a runner trace's calls and a result's function calls, arguments by schema" {
	jq -cn '{run_id:"t1",status:"ok",final_content:"sunny",
		tool_calls:[{turn:1,id:"c0",name:"get_weather",arguments:"{\"city\":\"Oslo\"}",result:"x"}]}' >in.ndjson
	run llm-assert -e tool-called=get_weather in.ndjson
	assert_success
	[ "$(jq -r .assert.results[0].reason <<<"$output")" = 'tool "get_weather" called' ]
	run llm-assert -e tool-called=get_time in.ndjson
	assert_failure 1
	[ "$(jq -r .assert.results[0].reason <<<"$output")" = 'no call of tool "get_time"' ]
	rec x '"tool_calls":[{"id":"c","type":"function","function":{"name":"lookup","arguments":"{}"}}]' >in.ndjson
	run llm-assert -e '{"type":"tool-called","tool":"lookup"}' in.ndjson
	assert_success
}

@test "jq: the expression over the whole record must give true and nothing else" {
	[ "$(verdict 'jq=.usage.total_tokens < 2000' x)" = "true 0" ]
	[ "$(verdict 'jq=.usage.total_tokens < 1000' x)" = "false 1" ]
	[ "$(got .assert.results[0].reason)" = '"gave false"' ]
	[ "$(verdict 'jq=.meta.query_id' x)" = "false 1" ]
	[ "$(got .assert.results[0].reason)" = '"gave \"q1\""' ]
	[ "$(verdict 'jq=error("boom")' x)" = "false 1" ]
	[ "$(got .assert.results[0].reason)" = '"error: boom"' ]
	[ "$(verdict 'jq=true, true' x)" = "true 0" ]
	[ "$(verdict 'jq=empty' x)" = "false 1" ]
	# reading the next record, or stopping jq, is the check's error, at
	# once (jq 1.6's halt_error went on without answering: 30 s lost)
	[ "$(verdict 'jq="x" | halt_error' x)" = "false 1" ]
	[ "$(got .assert.results[0].reason)" = '"error: halt_error cannot be used in a check"' ]
	[ "$(verdict 'jq=input' x)" = "false 1" ]
	[ "$(got .assert.results[0].reason)" = '"error: input cannot be used in a check"' ]
}

@test "jq: one jq process for all records, however many expressions" {
	cat >jq-spy <<EOF
#!/bin/sh
echo \$\$ >>"$PWD/jq.pids"
exec jq "\$@"
EOF
	chmod +x jq-spy
	for i in $(seq 50); do rec "answer $i" "\"id\":\"r$i\",\"latency_ms\":$i"; done >in.ndjson
	LLM_JQ=$PWD/jq-spy run --separate-stderr llm-assert -v -e 'jq=.latency_ms <= 25' \
		-e 'jq=(.content | test("answer"))' in.ndjson
	assert_failure 1
	[ "$(jq -c 'select(.assert.pass)' <<<"$output" | wc -l)" -eq 25 ]
	[ "$(jq -r .id <<<"$output" | tr '\n' ' ')" = "$(seq -f 'r%g' 50 | tr '\n' ' ')" ]
	# two compile checks, one for each expression, then one jq for all
	[ "$(wc -l <jq.pids)" -eq 3 ]
	[ "$stderr" = "llm-assert: 50 records, 25 passed, 25 failed; jq started 1 time" ]
}

@test "jq: an expression that does not compile is exit 2, naming it" {
	run --separate-stderr llm-assert -e 'jq=.a |||' </dev/null
	assert_failure 2
	[[ "$stderr" == *"llm-assert: -e: check 1 (jq): jq cannot compile the expression"* ]]
}

@test "jq: a jq that dies fails that record's jq checks, and the next gets a new one" {
	# a jq that ends at the record marked "kill"
	cat >jq-dies <<'EOF'
#!/bin/bash
[ "$1" = -n ] && exec jq "$@"
echo started >>jq.starts
while IFS= read -r line; do
	case $line in *'"kill":true'*) exit 5 ;; esac
	printf '%s\n' "$line" | jq "$@"
done
EOF
	chmod +x jq-dies
	rec x '"id":"a"' >in.ndjson
	rec x '"id":"b","kill":true' >>in.ndjson
	rec x '"id":"c"' >>in.ndjson
	LLM_JQ=$PWD/jq-dies run --separate-stderr llm-assert -v -e 'jq=.id != "x"' in.ndjson
	assert_failure 1
	[ "$(jq -c '[.id, .assert.pass]' <<<"$output" | tr '\n' ' ')" = '["a",true] ["b",false] ["c",true] ' ]
	[ "$(jq -r 'select(.id == "b") | .assert.results[0].reason' <<<"$output")" = \
		"jq: jq exited with status 5 before answering" ]
	[ "$(wc -l <jq.starts)" -eq 2 ]
	[[ "$stderr" == *"jq started 2 times" ]]
}

@test "json-schema: the answer validated against a schema" {
	printf '%s\n' '{"type":"object","required":["city"],"properties":{"city":{"type":"string"}}}' >s.json
	printf '[[check]]\ntype = "json-schema"\nschema_file = "s.json"\n' >checks.toml
	rec '{"city":"Oslo"}' >in.ndjson
	run llm-assert -c checks.toml in.ndjson
	assert_success
	rec '{"town":"Oslo"}' >in.ndjson
	run llm-assert -c checks.toml in.ndjson
	assert_failure 1
	[[ "$(jq -r .assert.results[0].reason <<<"$output")" == *"city"* ]]
	rec 'not json' >in.ndjson
	run llm-assert -c checks.toml in.ndjson
	assert_failure 1
	[[ "$(jq -r .assert.results[0].reason <<<"$output")" == "is not JSON"* ]]
}

@test "the record comes out once, byte for byte, with assert added; an old assert is replaced" {
	rec 'Paris' >in.ndjson
	run llm-assert -e contains=Paris in.ndjson
	assert_success
	[ "$output" = "$(head -c -2 in.ndjson),\"assert\":{\"pass\":true,\"score\":1,\"results\":[{\"name\":\"contains:Paris\",\"pass\":true,\"score\":1,\"reason\":\"contains \\\"Paris\\\"\"}]}}" ]
	run llm-assert -e contains=Rome <<<"$output"
	assert_failure 1
	[ "$(jq -c '.assert.results | map(.name)' <<<"$output")" = '["contains:Rome"]' ]
	[ "$(grep -o '"assert"' <<<"$output" | wc -l)" -eq 1 ]
}

@test "not, weight and optional: the score is the weighted mean, pass ignores optional checks" {
	cat >checks.toml <<'EOF'
[[check]]
type = "contains"
value = "Paris"
weight = 3

[[check]]
type = "contains"
value = "Sorry"
not = true
name = "no apology"

[[check]]
type = "max-tokens"
value = 5
optional = true
EOF
	rec 'Paris' >in.ndjson
	run llm-assert -c checks.toml in.ndjson
	assert_success
	[ "$(jq -c '[.assert.pass, .assert.score, (.assert.results | map([.name, .pass]))]' <<<"$output")" = \
		'[true,0.8,[["contains:Paris",true],["no apology",true],["max-tokens:5",false]]]' ]
	rec 'Sorry, Paris' >in.ndjson
	run llm-assert -c checks.toml in.ndjson
	assert_failure 1
	[ "$(jq -c '[.assert.score, .assert.results[1].reason]' <<<"$output")" = \
		'[0.6,"not: contains \"Sorry\""]' ]
}

@test "checks per query id and per model glob" {
	cat >checks.toml <<'EOF'
[[check]]
type = "contains"
value = "Paris"
query = "capital-*"

[[check]]
type = "max-tokens"
value = 10
model = "GPT-4*"
EOF
	{
		rec 'Paris' '"id":"a","meta":{"query_id":"capital-fr","model":"gpt-4o"}'
		rec 'Oslo' '"id":"b","meta":{"query_id":"capital-no","model":"llama3"}'
		rec 'hi' '"id":"c","meta":{"query_id":"greet","model":"llama3"}'
		rec 'hi' '"id":"d","meta":{"query_id":"greet","model":"gpt-4o-mini"}'
	} >in.ndjson
	run llm-assert -c checks.toml in.ndjson
	assert_failure 1
	[ "$(jq -c '[.id, .assert.pass, (.assert.results | map(.name))]' <<<"$output")" = \
'["a",false,["contains:Paris","max-tokens:10"]]
["b",false,["contains:Paris"]]
["c",true,[]]
["d",false,["max-tokens:10"]]' ]
}

@test "a JSON checks file works as the TOML one" {
	printf '%s\n' '{"check":[{"type":"starts-with","value":"Pa"},{"type":"regex","value":"s$"}]}' >checks.json
	rec 'Paris' >in.ndjson
	run llm-assert -c checks.json in.ndjson
	assert_success
	[ "$(jq -c '.assert.results | length' <<<"$output")" = 2 ]
}

@test "error records fail naming their kind, unless an error check expects them" {
	jq -cn '{id:"e1",status:"error",error:{kind:"http",http_status:429,message:"slow down"},
		meta:{query_id:"q1"},request:{}}' >in.ndjson
	run llm-assert -e contains=Paris in.ndjson
	assert_failure 1
	[ "$(jq -c '.assert' <<<"$output")" = \
		'{"pass":false,"score":0,"results":[{"name":"error","pass":false,"score":0,"reason":"an error record, of kind http"}]}' ]
	run llm-assert -e contains=Paris -e error=http in.ndjson
	assert_success
	[ "$(jq -c '.assert.results | map(.name)' <<<"$output")" = '["error:http"]' ]
	run llm-assert -e error=timeout in.ndjson
	assert_failure 1
	[ "$(jq -r '.assert.results[0].reason' <<<"$output")" = "error of kind http, not timeout" ]
	# an error check on an answer fails it
	rec Paris >in.ndjson
	run llm-assert -e error in.ndjson
	assert_failure 1
}

@test "a line that is no record becomes a failed bad_input error record" {
	{ rec Paris; echo 'not json'; rec Paris; } >in.ndjson
	run --separate-stderr llm-assert -e contains=Paris in.ndjson
	assert_failure 1
	[ "${#lines[@]}" -eq 3 ]
	[ "$(jq -c '[.id, .status, .error.kind, .assert.pass]' <<<"${lines[1]}")" = '["in.ndjson:2","error","bad_input",false]' ]
	[ "$stderr" = "llm-assert: in.ndjson:2: not a JSON object" ]
}

@test "exit status: 0 all passed, 1 one failed, 2 a usage error" {
	{ rec Paris; rec Paris; } >in.ndjson
	run llm-assert -e contains=Paris in.ndjson
	assert_success
	{ rec Paris; rec Rome; } >in.ndjson
	run llm-assert -e contains=Paris in.ndjson
	assert_failure 1
	run --separate-stderr llm-assert -e containz=Paris in.ndjson
	assert_failure 2
	[ -z "$output" ]
	run --separate-stderr llm-assert -j 0 -e is-json in.ndjson
	assert_failure 2
	run --separate-stderr llm-assert --bogus
	assert_failure 2
	[ "$stderr" = "llm-assert: unknown option --bogus
try 'llm-assert --help'" ]
	run llm-assert --version
	assert_success
	assert_output "llm-assert $(cat "$ROOT/VERSION")"
}

@test "a bad checks file: exit 2 with file:line:col, the field and an example" {
	printf '[[check]]\ntype = "contains"\nvalue = 3\n' >checks.toml
	run --separate-stderr llm-assert -c checks.toml </dev/null
	assert_failure 2
	[ "$stderr" = "llm-assert: checks.toml:3:9: check 1 (contains): 'value' must be a string, not an integer; e.g. value = \"Paris\"" ]
	printf '[[check]]\ntype = "contains"\nvalue = "a"\n\n[[check]]\ntype = "regex"\nvalue = "(a"\n' >checks.toml
	run --separate-stderr llm-assert -c checks.toml </dev/null
	assert_failure 2
	[ "$stderr" = "llm-assert: checks.toml:7:9: check 2 (regex): regex at offset 2: missing closing parenthesis; e.g. value = '^[0-9]+\$'" ]
	printf '[[check]]\ntype = "contains"\nvlaue = "a"\n' >checks.toml
	run --separate-stderr llm-assert -c checks.toml </dev/null
	assert_failure 2
	[[ "$stderr" == "llm-assert: checks.toml:3:9: check 1: unknown key 'vlaue' (known: type, name, "* ]]
	printf '[[check]]\ntype = "nope"\n' >checks.toml
	run --separate-stderr llm-assert -c checks.toml </dev/null
	assert_failure 2
	[[ "$stderr" == "llm-assert: checks.toml:2:8: check 1: type \"nope\" is not a kind of check (equals, contains, "*"); e.g. type = \"contains\"" ]]
	printf '[check\n' >checks.toml
	run --separate-stderr llm-assert -c checks.toml </dev/null
	assert_failure 2
	[[ "$stderr" == "llm-assert: checks.toml:1:"* ]]
	run --separate-stderr llm-assert -c missing.toml </dev/null
	assert_failure 2
	[ "$stderr" = "llm-assert: missing.toml: No such file or directory" ]
}

@test "meta.assert: a plan's checks reach llm-assert through llm-chat" {
	start_mock
	mkdir -p Input Output/p1
	echo 'What is the capital of France? Paris.' >Input/q1.md
	echo 'Say hi' >Input/q2.md
	cat >Output/p1/plan.toml <<'EOF'
plan_id = "p1"
assistant_id = "a"
[assistant]
assert = { type = "max-tokens", value = 100 }
[assistant.llm]
models = ["mock"]
[[query]]
id = "q1.md"
[[query.assert]]
type = "contains"
value = "Paris"
[[query]]
id = "q2.md"
assert = [{ type = "contains", value = "Paris" }, { type = "regex", value = "(" }]
EOF
	run bash -c 'llm-plan Output/p1/plan.toml | llm-chat -q -k | llm-assert'
	assert_failure 1
	[ "$(jq -c '[.meta.query_id, .assert.pass, (.assert.results | map(.name))]' <<<"$output")" = \
'["q1.md",true,["max-tokens:100","contains:Paris"]]
["q2.md",false,["meta.assert"]]' ]
	[[ "$(jq -r 'select(.meta.query_id == "q2.md") | .assert.results[0].reason' <<<"$output")" == \
		"meta.assert: check 3 (regex): regex at offset 1: missing closing parenthesis"* ]]
}

@test "llm-plan refuses an assert that is not a table or an array of tables" {
	mkdir -p Output/p1
	printf 'plan_id = "p1"\nassistant_id = "a"\n[assistant.llm]\nmodels = ["m"]\n[[query]]\nid = "q"\nassert = "contains"\n' >Output/p1/plan.toml
	run --separate-stderr llm-plan Output/p1/plan.toml
	assert_failure 2
	[[ "$stderr" == "llm-plan: Output/p1/plan.toml:7:10: query.assert: expected a table or an array of tables"* ]]
}

# the mock's rules: a rubric answer by what the graded answer says
rubric_rules() {
	cat >rules.ndjson <<'EOF'
{"match":"Answer to grade:.*Paris","content":"```json\n{\"pass\":true,\"score\":0.9,\"reason\":\"names Paris\"}\n```","delay_ms":30}
{"match":"Answer to grade:.*Oslo","status":500}
{"match":"Answer to grade:.*mumble","content":"I think it is fine"}
{"match":"Answer to grade:","content":"{\"pass\":false,\"score\":0.1,\"reason\":\"no Paris\"}"}
EOF
}

@test "llm-rubric: the grader's JSON verdict through llm-chat and llm-mock, in order" {
	rubric_rules
	start_mock -r rules.ndjson
	printf '[[check]]\ntype = "llm-rubric"\nvalue = "names the capital of France"\n' >checks.toml
	for i in 1 2 3 4 5; do
		rec "It is Paris $i" "\"id\":\"p$i\",\"model\":\"mock\",\"meta\":{}"
		rec "It is Rome $i" "\"id\":\"r$i\",\"model\":\"mock\",\"meta\":{}"
	done >in.ndjson
	run --separate-stderr llm-assert -c checks.toml -j 3 in.ndjson
	assert_failure 1
	[ "$(jq -r .id <<<"$output" | tr '\n' ' ')" = "p1 r1 p2 r2 p3 r3 p4 r4 p5 r5 " ]
	[ "$(jq -c 'select(.id == "p1" or .id == "r1") | .assert' <<<"$output")" = \
'{"pass":true,"score":0.9,"results":[{"name":"llm-rubric:names the capital of France","pass":true,"score":0.9,"reason":"names Paris"}]}
{"pass":false,"score":0.1,"results":[{"name":"llm-rubric:names the capital of France","pass":false,"score":0.1,"reason":"no Paris"}]}' ]
	# the grader asked the mock once per record, with its model
	run curl -s "http://127.0.0.1:$MOCK_PORT/v1/mock/stats"
	[ "$(jq .requests <<<"$output")" -eq 10 ]
}

@test "llm-rubric: a grader error or an answer that is no verdict fails the check" {
	rubric_rules
	start_mock -r rules.ndjson
	{ rec 'Oslo' '"id":"o","model":"mock"'; rec 'mumble' '"id":"m","model":"mock"'; } >in.ndjson
	run --separate-stderr llm-assert --grader 'llm-chat -q' \
		-e 'llm-rubric=names Paris' in.ndjson
	assert_failure 1
	[[ "$(jq -r 'select(.id == "o") | .assert.results[0].reason' <<<"$output")" == "the grader failed: http: "* ]]
	[ "$(jq -r 'select(.id == "m") | .assert.results[0].reason' <<<"$output")" = "the grader's answer is not a JSON object" ]
}

@test "llm-rubric: --grader-model and a grader command that cannot start" {
	rubric_rules
	start_mock -r rules.ndjson
	rec 'Paris' >in.ndjson
	# the record's model is gpt-4o, which the mock answers as any
	run llm-assert --grader-model judge -e 'llm-rubric=names Paris' in.ndjson
	assert_success
	run llm-assert --grader 'no-such-grader-cmd' -e 'llm-rubric=names Paris' in.ndjson
	assert_failure 1
	[[ "$(jq -r '.assert.results[0].reason' <<<"$output")" == "cannot start the grader: no-such-grader-cmd"* ]]
}

@test "llm-summarize: pass rate and mean score per model and group; --best-by" {
	{
		rec xx '"id":"1","model":"a","meta":{"query_id":"q1"},"assert":{"pass":true,"score":0.9}'
		rec xxxx '"id":"2","model":"b","meta":{"query_id":"q1"},"assert":{"pass":false,"score":0.4}'
		rec x '"id":"3","model":"a","meta":{"query_id":"q2"},"assert":{"pass":false,"score":0.2}'
		rec xxxxx '"id":"4","model":"b","meta":{"query_id":"q2"},"assert":{"pass":true,"score":1}'
	} >log
	run llm-summarize --json log
	assert_success
	[ "$(jq -c '.models | map([.model, .pass_rate, .mean_score])' <<<"$output")" = '[["a",0.5,0.55],["b",0.5,0.7]]' ]
	[ "$(jq -c '.asserts | map([.group, .graded, .passed, .mean_score])' <<<"$output")" = '[["q1",2,1,0.65],["q2",2,1,0.6]]' ]
	[ "$(jq -c '[.best_rank, (.best | map(.id))]' <<<"$output")" = '["score",["1","4"]]' ]
	run llm-summarize --best log
	[ "$(jq -r .id <<<"$output" | tr '\n' ' ')" = "1 4 " ]
	run llm-summarize --best --best-by output log
	[ "$(jq -r .id <<<"$output" | tr '\n' ' ')" = "2 4 " ]
	run llm-summarize --best --best-by cost log
	[ "$(jq -r .id <<<"$output" | tr '\n' ' ')" = "2 4 " ]
	run llm-summarize log
	assert_line --regexp '^a +2 +2 .* 0\.500 +0\.550$'
	assert_line 'best per meta.query_id (by score): 2'
	run --separate-stderr llm-summarize --best-by price log
	assert_failure 2
}

@test "the pipeline: llm-chat | llm-assert | llm-summarize" {
	start_mock
	printf '%s\n' '{"id":"a","request":{"model":"m1","messages":[{"role":"user","content":"Paris"}]},"meta":{"query_id":"q"}}' \
		'{"id":"b","request":{"model":"m2","messages":[{"role":"user","content":"Rome"}]},"meta":{"query_id":"q"}}' >req.ndjson
	run bash -c 'llm-chat -q <req.ndjson | llm-assert -e contains=Paris | llm-summarize --best'
	assert_success
	[ "$(jq -r '[.id, .assert.pass] | @tsv' <<<"$output")" = "a	true" ]
}

@test "llm-rubric: -j 1 holds one record at a time; a bad line waits its turn in order" {
	rubric_rules
	start_mock -r rules.ndjson
	{
		rec 'It is Paris' '"id":"a","model":"mock"'
		echo 'not a record'
		rec 'It is Rome' '"id":"b","model":"mock"'
		rec 'It is Paris too' '"id":"c","model":"mock"'
	} >in.ndjson
	run --separate-stderr llm-assert -j 1 -e 'llm-rubric=names Paris' in.ndjson
	assert_failure 1
	[ "$(jq -c '[.id, .assert.pass]' <<<"$output" | tr '\n' ' ')" = \
		'["a",true] ["in.ndjson:2",false] ["b",false] ["c",true] ' ]
}

@test "llm-rubric: the grader's answers are cached by llm-chat's --cache in the grader command" {
	rubric_rules
	start_mock -r rules.ndjson
	{ rec 'It is Paris' '"id":"a","model":"mock"'; rec 'It is Rome' '"id":"b","model":"mock"'; } >in.ndjson
	for _ in 1 2; do
		run --separate-stderr llm-assert --grader "llm-chat -q --cache $PWD/cache" \
			-e 'llm-rubric=names Paris' in.ndjson
		assert_failure 1
		[ "$(jq -c '[.id, .assert.pass, .assert.score]' <<<"$output" | tr '\n' ' ')" = \
			'["a",true,0.9] ["b",false,0.1] ' ]
	done
	run curl -s "http://127.0.0.1:$MOCK_PORT/v1/mock/stats"
	[ "$(jq .requests <<<"$output")" -eq 2 ]
}
