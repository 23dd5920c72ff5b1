#!/usr/bin/env bats
# llm-hash: model hashes, RFC 8785 hashes of JSON documents, --field/--into.

load helpers
bats_require_minimum_version 1.5.0

sha() {	# sha TEXT: SHA-256 of TEXT's bytes as they are
	printf %s "$1" | sha256sum | cut -c1-64
}

@test "-m NAME prints the tuna model hash, first 8 hex digits of SHA-256" {
	run llm-hash -m gpt-4o
	assert_success
	assert_output "$(sha gpt-4o | cut -c1-8)"
	assert_output a2a69af7
}

@test "-m with several names prints hash and name; -n sets the length" {
	run llm-hash -m gpt-4o 'meta-llama/Llama-3-8B' 'two words'
	assert_success
	assert_output "$(sha gpt-4o | cut -c1-8)  gpt-4o
$(sha meta-llama/Llama-3-8B | cut -c1-8)  meta-llama/Llama-3-8B
$(sha 'two words' | cut -c1-8)  two words"
	run llm-hash -m -n 64 gpt-4o
	assert_output "$(sha gpt-4o)"
	run llm-hash -m -l -n 3 gpt-4o
	assert_output "a2a  gpt-4o"
}

@test "-m reads names from stdin, one a line; blank lines and CRs are not names" {
	run bash -c 'printf "gpt-4o\n\nllama3.1:8b\r\n with space \n" | llm-hash -m'
	assert_success
	assert_output "$(sha gpt-4o | cut -c1-8)  gpt-4o
$(sha llama3.1:8b | cut -c1-8)  llama3.1:8b
$(sha ' with space ' | cut -c1-8)   with space "
}

@test "--json: documents equal but for order, spacing and number form hash alike" {
	printf '%s\n' '{"b":1,"a":[true,null,"x"]}' \
		'  { "a" : [ true , null , "\u0078" ] , "b" : 1.0 }' \
		'{"a":[true,null,"x"],"b":10e-1}' '{"a":[null,true,"x"],"b":1}' >in.ndjson
	want=$(sha '{"a":[true,null,"x"],"b":1}')
	run llm-hash --json in.ndjson
	assert_success
	assert_output "$want
$want
$want
$(sha '{"a":[null,true,"x"],"b":1}')"
	# the default mode, stdin, and -n
	run bash -c 'head -1 in.ndjson | llm-hash -n 12'
	assert_output "$(cut -c1-12 <<<"$want")"
}

@test "--json: the RFC 8785 section 3.2.2 example, pretty-printed over lines" {
	cat >rfc.json <<'JSON'
{
  "numbers": [333333333.33333329, 1E30, 4.50,
              2e-3, 0.000000000000000000000000001],
  "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/",
  "literals": [null, true, false]
}
JSON
	canon=$(printf '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"\xe2\x82\xac$\\u000f\\nA'"'"'B\\"\\\\\\\\\\"/"}')
	run llm-hash rfc.json
	assert_success
	assert_output "$(sha "$canon")"
}

@test "--json: the RFC 8785 section 3.2.3 sorting example (UTF-16 order)" {
	printf '%s\n' '{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}' >sort.json
	canon=$(printf '{"\\r":"Carriage Return","1":"One","\xc2\x80":"Control","\xc3\xb6":"Latin Small Letter O With Diaeresis","\xe2\x82\xac":"Euro Sign","\xf0\x9f\x98\x80":"Emoji: Grinning Face","\xef\xac\xb3":"Hebrew Letter Dalet With Dagesh"}')
	run llm-hash sort.json
	assert_success
	assert_output "$(sha "$canon")"
}

@test "--json: RFC 8785 appendix B numbers, -0, 1e21 and integers past 2^53 and 2^64" {
	echo '[-0, 1e21, 1e20, 1e-7, 0.000001, 9007199254740993, 99999999999999999999999, 5e-324, 1.7976931348623157e308]' >n.json
	run llm-hash n.json
	assert_success
	assert_output "$(sha '[0,1e+21,100000000000000000000,1e-7,0.000001,9007199254740992,1e+23,5e-324,1.7976931348623157e+308]')"
	# a number json-c reads as infinity has no canonical form
	run bash -c 'echo "[1e400]" | llm-hash'
	[ "$status" -eq 1 ]
	assert_line --index 0 "llm-hash: stdin:1: number inf cannot be canonicalized"
}

@test "a bad line: a message naming FILE:LINE, 'error' in its place, exit 1" {
	# line 5 is cut short: line 6 is not its continuation but a document
	printf '%s\n' '{"a":1}' 'not json' '{"a":"\ud800"}' '{"a":1,"a":2}' '{"a":1' '{"b":2}' '[1,' >in.ndjson
	run --separate-stderr llm-hash in.ndjson
	[ "$status" -eq 1 ]
	assert_output "$(sha '{"a":1}')
error
error
error
error
$(sha '{"b":2}')
error"
	[ "${stderr_lines[0]}" = "llm-hash: in.ndjson:2: invalid JSON: null expected at byte 1" ]
	[ "${stderr_lines[1]}" = 'llm-hash: in.ndjson:3: invalid JSON: lone surrogate \ud800 in a string at byte 6' ]
	[ "${stderr_lines[2]}" = "llm-hash: in.ndjson:4: invalid JSON: an object has a member name twice" ]
	[ "${stderr_lines[3]}" = "llm-hash: in.ndjson:5: invalid JSON: the document ends unfinished" ]
	[ "${stderr_lines[4]}" = "llm-hash: in.ndjson:7: invalid JSON: the document ends unfinished" ]
	[ "${#stderr_lines[@]}" -eq 5 ]
}

@test "-l and several files print FILE:LINE after each hash" {
	printf '{"a":1}\n\n{"a":2}\n' >one.ndjson
	printf '{\n"a":\n3}\n' >two.json
	run llm-hash one.ndjson two.json
	assert_success
	assert_output "$(sha '{"a":1}')  one.ndjson:1
$(sha '{"a":2}')  one.ndjson:3
$(sha '{"a":3}')  two.json:1"
	run bash -c 'llm-hash -l -n 8 - <one.ndjson'
	assert_output "$(sha '{"a":1}' | cut -c1-8)  stdin:1
$(sha '{"a":2}' | cut -c1-8)  stdin:3"
}

@test "--field hashes a part of each document" {
	printf '%s\n' '{"id":"a","request":{"model":"m","temperature":0.70},"meta":{"x":1}}' \
		'{"id":"b","request":{"temperature":0.7,"model":"m"}}' '{"id":"c"}' >req.ndjson
	run --separate-stderr llm-hash --field .request req.ndjson
	[ "$status" -eq 1 ]
	want=$(sha '{"model":"m","temperature":0.7}')
	assert_output "$want
$want
error"
	[ "$stderr" = 'llm-hash: req.ndjson:3: .request: no member "request"' ]
	run --separate-stderr llm-hash --field '.request."model"' -n 8 req.ndjson
	assert_line --index 0 "$(sha '"m"' | cut -c1-8)"
}

@test "--field --into adds the hash to every record; bad ones become error records" {
	printf '%s\n' '{"id":"a","request":{"model":"m","messages":[]},"meta":{"k":"v"}}' \
		'{"id":"b","meta":{"k":"w"}}' 'oops' '[1]' '{"request":{"messages":[],"model":"m"}}' >req.ndjson
	run --separate-stderr llm-hash --field .request --into request_hash req.ndjson
	[ "$status" -eq 1 ]
	[ "${#lines[@]}" -eq 5 ]
	want=$(sha '{"messages":[],"model":"m"}')
	[ "${lines[0]}" = '{"id":"a","request":{"model":"m","messages":[]},"meta":{"k":"v"},"request_hash":"'"$want"'"}' ]
	[ "$(jq -r '[.id,.status,.error.kind,.error.message,.meta.k,.attempt] | join("|")' <<<"${lines[1]}")" = \
		'b|error|bad_input|req.ndjson:2: .request: no member "request"|w|1' ]
	[ "$(jq -r '[.id,.error.kind,.error.message,.request] | join("|")' <<<"${lines[2]}")" = \
		'req.ndjson:3|bad_input|req.ndjson:3: invalid JSON: unexpected character at byte 0|' ]
	[ "$(jq -r '[.id,.error.message] | join("|")' <<<"${lines[3]}")" = 'req.ndjson:4|req.ndjson:4: not a JSON object' ]
	[ "$(jq -r .request_hash <<<"${lines[4]}")" = "$want" ]
	# -n shortens the field too
	run bash -c 'head -1 req.ndjson | llm-hash --field .request --into h -n 8 | jq -r .h'
	assert_output "$(cut -c1-8 <<<"$want")"
}

@test "llm-chat's cache key is llm-hash of {endpoint, request}" {
	start_mock
	jq -cn '{id:"a",request:{model:"mock",messages:[{role:"user",content:"hi"}]}}' >req.ndjson
	run llm-chat --cache cache <req.ndjson
	assert_success
	key=$(jq -c --arg u "$LLM_BASE_URL/chat/completions" '{endpoint:$u,request:.request}' req.ndjson | llm-hash)
	[ -f "cache/${key:0:2}/$key.json" ]
}

@test "usage errors exit 2 and write nothing" {
	run llm-hash -m --json x
	[ "$status" -eq 2 ]
	assert_output "llm-hash: -m hashes names; it does not go with --json, --field or --into"
	run llm-hash --field 'request' x
	[ "$status" -eq 2 ]
	assert_output "llm-hash: --field request: a path starts with '.'"
	echo '{}' >ok.json
	run --separate-stderr llm-hash ok.json missing.json
	[ "$status" -eq 2 ]
	[ "$output" = "" ]
	[ "$stderr" = "llm-hash: missing.json: No such file or directory" ]
	run llm-hash -n 65 ok.json
	[ "$status" -eq 2 ]
	run llm-hash --into h -l ok.json
	[ "$status" -eq 2 ]
}
