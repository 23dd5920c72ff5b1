#!/usr/bin/env bats
# Structured output end to end against llm-mock: --json-schema on llm-chat
# and llm-stream, the fallback for servers without json_schema, plan.toml's
# json_schema key and llm-retry --on schema.

load helpers
bats_require_minimum_version 1.5.0

# person.json: a strict schema of three members
person() {
	cat >person.json <<'EOF'
{"type":"object","additionalProperties":false,"required":["name","age","tags"],
 "properties":{"name":{"type":"string","minLength":2},"age":{"type":"integer","minimum":1},
  "tags":{"type":"array","items":{"type":"string"},"minItems":1}}}
EOF
}

req() {	# req ID CONTENT: one request record
	jq -cn --arg id "$1" --arg c "$2" '{id:$id,request:{model:"mock",messages:[{role:"user",content:$c}]}}'
}

@test "--json-schema: the request asks for it, the answer follows it and is parsed" {
	start_mock
	person
	req a hello >in.ndjson
	run llm-chat --echo --json-schema person.json <in.ndjson
	assert_success
	[ "$(jq -c .request.response_format <<<"$output")" = "$(jq -c '{type:"json_schema",json_schema:{name:"person",schema:.,strict:true}}' person.json)" ]
	[ "$(jq -c .parsed <<<"$output")" = '{"name":"mock","age":1,"tags":["mock"]}' ]
	[ "$(jq -c '.content | fromjson' <<<"$output")" = "$(jq -c .parsed <<<"$output")" ]
	# prompt mode prints the JSON text
	run llm-chat -m mock --json-schema person.json hi
	assert_success
	assert_output '{"name":"mock","age":1,"tags":["mock"]}'
}

@test "--json-schema: an answer that breaks the schema is an error of kind schema naming the path" {
	start_mock
	person
	req a 'hi [[mock:schema-break]]' >in.ndjson
	run llm-chat --json-schema person.json <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.status,.error.kind,.error.retryable] | join(",")' <<<"$output")" = "error,schema,false" ]
	[ "$(jq -r .error.message <<<"$output")" = "the answer does not follow the schema: /name is a number, not a string" ]
	# the content is kept, and the request, to send again
	[ "$(jq -c '.content | fromjson' <<<"$output")" = '{"name":12345,"age":1,"tags":["mock"]}' ]
	[ "$(jq -r .request.response_format.type <<<"$output")" = json_schema ]
	[ "$(jq 'has("parsed")' <<<"$output")" = false ]
	# the answer was billed: its usage is on the record, and counts
	[ "$(jq '.usage.total_tokens > 0 and .usage.total_tokens == .usage.prompt_tokens + .usage.completion_tokens' <<<"$output")" = true ]
	echo "$output" >out.ndjson
	[ "$(llm-summarize --json out.ndjson | jq .total.completion_tokens)" = "$(jq .usage.completion_tokens out.ndjson)" ]
	# prompt mode: said on stderr, exit 1 (not 75: not retryable)
	run llm-chat -m mock --json-schema person.json 'x [[mock:schema-break]]'
	[ "$status" -eq 1 ]
	assert_line "llm-chat: the answer does not follow the schema: /name is a number, not a string"
}

@test "--json-schema: a path named like a secret (passwd, token) is not taken for one in the message" {
	start_mock
	printf '{"type":"object","properties":{"passwd":{"type":"string"}},"required":["passwd"]}' >pw.json
	req a 'hi [[mock:schema-break]]' >in.ndjson
	run llm-chat --json-schema pw.json <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r .error.message <<<"$output")" = "the answer does not follow the schema: /passwd is a number, not a string" ]
}

@test "--json-schema: the mock's numbers for bounds past 64 bits still follow the schema" {
	# found by fuzz_schema: minimum 1e19 was cast to int64 (undefined; it
	# came out as -2^63, below the minimum)
	start_mock
	cat >big.json <<'EOF'
{"type":"object","required":["n","x","y"],"properties":{"n":{"type":"integer","minimum":1e19},
 "x":{"type":"integer","maximum":-1e300},"y":{"type":"integer","maximum":-9223372036854775808}}}
EOF
	run llm-chat -m mock --json-schema big.json hi
	assert_success
	[ "$(jq -c '[.n >= 1e19, .x <= -1e300]' <<<"$output")" = '[true,true]' ]
	# -2^63 itself is an int64 (jq would round it: look at the text)
	[[ "$output" == *'"y":-9223372036854775808}' ]]
}

@test "llm-stream --json-schema: the events, then the checked result" {
	start_mock
	person
	{ req ok hi; req bad 'hi [[mock:schema-break]]'; } >in.ndjson
	run llm-stream -k --events --json-schema person.json <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r 'select(.status) | [.id,.status,.error.kind // "-"] | join(",")' <<<"$output")" = "ok,ok,-
bad,error,schema" ]
	[ "$(jq -r 'select(.id=="ok" and .event=="delta") | .content' <<<"$output" | tr -d '\n')" = '{"name":"mock","age":1,"tags":["mock"]}' ]
	[ "$(jq -c 'select(.status=="ok") | .parsed.tags' <<<"$output")" = '["mock"]' ]
	[ "$(jq -r 'select(.status=="error") | .error.message' <<<"$output")" = "the answer does not follow the schema: /name is a number, not a string" ]
}

@test "--json-schema: a schema that does not compile, or with --json-object, is a usage error" {
	start_mock 2>mock.log -v
	echo '{"type":"object","properties":{"a":{"$ref":"https://example.com/a.json"}}}' >remote.json
	run llm-chat -m mock --json-schema remote.json hi
	[ "$status" -eq 2 ]
	assert_output "llm-chat: --json-schema: remote.json: at /properties/a/\$ref: remote \$ref \"https://example.com/a.json\" is not supported: only refs within the document (\"#/\$defs/name\")"
	run llm-chat -m mock --json-schema missing.json hi
	[ "$status" -eq 2 ]
	assert_output --partial "llm-chat: --json-schema: missing.json"
	echo '{"type":"object"' >broken.json
	run llm-chat -m mock --json-schema broken.json hi
	[ "$status" -eq 2 ]
	assert_output --partial "llm-chat: --json-schema: broken.json: invalid JSON"
	person
	run llm-chat -m mock --json-object --json-schema person.json hi
	[ "$status" -eq 2 ]
	assert_line "llm-chat: give --json-object or --json-schema, not both"
	# nothing was sent
	run grep -c POST mock.log
	assert_output 0
}

@test "a server without json_schema: json_object and the schema in the system message, said once" {
	start_mock --no-json-schema -v 2>mock.log
	person
	# the mock answers with the user's text: JSON that follows, and not
	{ req a '{"name":"ab","age":3,"tags":["x"]}'; req b '{"name":"cd","age":4,"tags":["y"]}'
	  req c 'not json'; } >in.ndjson
	run --separate-stderr llm-chat -j1 -k --json-schema person.json <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.id,.status,(.parsed.age // .error.kind)] | join(",")' <<<"$output")" = "a,ok,3
b,ok,4
c,error,schema" ]
	[ "$(jq -r 'select(.id=="c") | .error.message' <<<"$output")" = "the answer is not JSON: null expected at byte 1" ]
	[ "$(jq -r 'select(.id=="c") | .content' <<<"$output")" = "not json" ]
	# the error record keeps the request as it was asked, json_schema
	[ "$(jq -r 'select(.id=="c") | .request.response_format.type' <<<"$output")" = json_schema ]
	[ "$(grep -c 'does not take response_format json_schema' <<<"$stderr")" -eq 1 ]
	assert_equal "$stderr" "llm-chat: http://127.0.0.1:$MOCK_PORT/v1/chat/completions does not take response_format json_schema: sending json_object with the schema in the system message, the answers still checked against it"
	# one refusal, then every request the fallback way at once
	[ "$(grep -c 'POST /v1/chat/completions 400' mock.log)" -eq 1 ]
	[ "$(grep -c 'POST /v1/chat/completions 200' mock.log)" -eq 3 ]
}

@test "the mock's refusal names response_format; the fallback's answer is still checked" {
	start_mock --no-json-schema
	person
	jq -cn '{id:"s",request:{model:"mock",messages:[{role:"system",content:"Be brief."},{role:"user",content:"[1]"}]}}' >in.ndjson
	# the mock's 400 names response_format, as llama.cpp's does
	run curl -s "$LLM_BASE_URL/chat/completions" -d '{"model":"mock","messages":[{"role":"user","content":"x"}],"response_format":{"type":"json_schema","json_schema":{"name":"n","schema":{}}}}'
	[ "$(jq -r .error.message <<<"$output")" = "response_format json_schema is not supported" ]
	run --separate-stderr llm-chat -v -j1 --json-schema person.json <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r .error.message <<<"$output")" = "the answer does not follow the schema: (root) is an array, not an object" ]
	[ "$(grep -c '^llm-chat: > POST' <<<"$stderr")" -eq 2 ]
}

@test "plan.toml json_schema, per assistant and per query, reaches the request and is checked" {
	start_mock
	mkdir -p asst/Input asst/Output/p1 asst/schemas
	person
	cp person.json asst/schemas/person.json
	echo '{"type":"object","properties":{"ok":{"type":"boolean"}},"required":["ok"]}' >asst/schemas/yes.no.json
	echo 'Who?' >asst/Input/q1.md
	echo 'Yes? [[mock:schema-break]]' >asst/Input/q2.md
	echo 'Plain.' >asst/Input/q3.md
	cat >asst/Output/p1/plan.toml <<'EOF'
plan_id = "p1"
assistant_id = "asst"

[assistant]
json_schema = "schemas/person.json"

[assistant.llm]
models = ["mock"]

[[query]]
id = "q1.md"

[[query]]
id = "q2.md"
json_schema = "schemas/yes.no.json"
EOF
	run llm-plan asst/Output/p1/plan.toml
	assert_success
	[ "$(jq -r '[.meta.query_id, .request.response_format.json_schema.name, (.request.response_format.json_schema.schema.required | join("+")), .request.response_format.json_schema.strict] | join(",")' <<<"$output")" = "q1.md,person,name+age+tags,true
q2.md,yes,ok,true" ]
	run sh -c 'llm-plan asst/Output/p1/plan.toml | llm-chat -k'
	[ "$status" -eq 1 ]
	[ "$(jq -c '[.meta.query_id, .status, .parsed // .error.message]' <<<"$output")" = '["q1.md","ok",{"name":"mock","age":1,"tags":["mock"]}]
["q2.md","error","the answer does not follow the schema: /ok is a string, not a boolean"]' ]
}

@test "plan.toml json_schema: a missing file, a wrong value, a bad schema are errors at their line" {
	mkdir -p asst/Input asst/Output/p1 asst/schemas
	echo 'Who?' >asst/Input/q1.md
	echo '{"type":"strin"}' >asst/schemas/bad.json
	# refused VALUE MESSAGE: a plan whose query has json_schema = VALUE
	# is refused with MESSAGE (prefixed by the place of the value)
	refused() {
		printf 'plan_id = "p1"\nassistant_id = "asst"\n\n[assistant.llm]\nmodels = ["m"]\n\n[[query]]\nid = "q1.md"\njson_schema = %s\n' "$1" >asst/Output/p1/plan.toml
		run llm-plan asst/Output/p1/plan.toml
		[ "$status" -eq 2 ]
		assert_output "llm-plan: asst/Output/p1/plan.toml:9:15: $2"
	}
	refused '"schemas/none.json"' "json_schema: asst/schemas/none.json: No such file or directory"
	refused 3 "json_schema: expected the path of a JSON Schema file, got an integer"
	refused '"schemas/bad.json"' "json_schema 'schemas/bad.json': at /type: \"strin\" is not a JSON Schema type"
	# beneath the assistant folder only
	echo '{}' >outside.json
	refused '"../outside.json"' "json_schema: asst/../outside.json: leads out of the directory through \"..\""
}

@test "llm-retry --on schema sends a broken answer again; without it the error is final" {
	person
	req a 'hi [[mock:schema-break times=1]]' >in.ndjson
	start_mock
	run llm-retry --base 0.01 -- llm-chat --json-schema person.json <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.status,.error.kind,.attempt] | join(",")' <<<"$output")" = "error,schema,1" ]
	# a fresh mock: times=1 counts its own attempts
	start_mock
	run llm-retry --base 0.01 --on schema -- llm-chat --json-schema person.json <in.ndjson
	assert_success
	[ "$(jq -r '[.status,.attempt,.parsed.name] | join(",")' <<<"$output")" = "ok,2,mock" ]
	# schema with statuses: a 503 still retried when named
	start_mock
	run llm-retry --base 0.01 --on 503,schema -- llm-chat --json-schema person.json <in.ndjson
	assert_success
	[ "$(jq -r .attempt <<<"$output")" = 2 ]
}

@test "an answer that breaks its schema is not cached" {
	start_mock
	person
	req a 'hi [[mock:schema-break]]' >in.ndjson
	mkdir cache
	run llm-chat --cache cache --json-schema person.json <in.ndjson
	[ "$status" -eq 1 ]
	run find cache -type f
	assert_output ""
	req b 'hi' >in.ndjson
	llm-chat --cache cache --json-schema person.json <in.ndjson >/dev/null
	run llm-chat --cache cache --json-schema person.json <in.ndjson
	assert_success
	[ "$(jq -r '[.cached,.parsed.age] | join(",")' <<<"$output")" = "true,1" ]
}
