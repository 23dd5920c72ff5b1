#!/usr/bin/env bats
# llm-redact: records and text in, secrets replaced and sizes bounded out.

load helpers
unset LLM_SHARE_DIR LLM_REDACT_KEY

KEY=sk-proj-abcdefghijklmnopqrstuvwxyz0123

@test "records: every string value redacted, keys and other values untouched" {
	printf '%s\n' '{"id":"a","sk-abcdefghijklmnopqrstuvwxyz":1,"content":"use '"$KEY"' now","n":[7,{"h":"Authorization: Bearer abcdefgh12345"}],"ok":true}' >in
	run llm-redact <in
	assert_success
	assert_output '{"id":"a","sk-abcdefghijklmnopqrstuvwxyz":1,"content":"use [REDACTED:openai-key] now","n":[7,{"h":"Authorization: [REDACTED:header-secret]"}],"ok":true}'
}

@test "records without a secret come out byte for byte" {
	printf '%s\n' '{"id":"b", "x":1.50, "u":"\u00e9\/"}' '{"id":"c"}' >in
	run llm-redact <in
	assert_success
	assert_output "$(cat in)"
}

@test "--text redacts lines as they are" {
	printf 'curl -H "X-Key: Bearer abcdefgh12345" https://u:pw@host/\nplain line\nno newline password=x' >in
	run llm-redact --text <in
	assert_success
	assert_output 'curl -H "X-Key: Bearer [REDACTED:bearer]" https://u:[REDACTED:url-credentials]@host/
plain line
no newline password=[REDACTED:kv-secret]'
	# the missing last newline stays missing
	[ "$(llm-redact --text <in | tail -c 1)" = "]" ]
}

@test "redacting redacted output changes nothing, in records, text and --stable" {
	# kv-secret's marker completes a basic-auth match hunter1 prevented
	printf '%s\n' 'Basic dXNpassword=hunter1 and api_key: abcdefgh1234' >in.txt
	jq -cRn '{id:"t", trace:input}' <in.txt >in.ndjson
	run llm-redact --text <in.txt
	assert_output 'Basic [REDACTED:basic-auth][REDACTED:kv-secret] and api_key: [REDACTED:header-secret]'
	[ "$(llm-redact --text <in.txt | llm-redact --text)" = "$output" ]
	[ "$(llm-redact <in.ndjson | llm-redact)" = "$(llm-redact <in.ndjson)" ]
	export LLM_REDACT_KEY=k
	[ "$(llm-redact --stable <in.ndjson | llm-redact --stable)" = "$(llm-redact --stable <in.ndjson)" ]
}

@test "-e adds patterns named e1, e2; --patterns adds a file's" {
	printf 'employee\tEMP-[0-9]{4}\n' >pats
	run llm-redact --text -e 'ticket-[0-9]+' -e 'case#[a-z]+' --patterns pats <<<'ticket-42 case#abc EMP-1234 EMP-12'
	assert_success
	assert_output '[REDACTED:e1] [REDACTED:e2] [REDACTED:employee] EMP-12'
}

@test "a bad pattern is a usage error naming file:line" {
	printf '# c\nok x\nbroken (a\n' >pats
	run llm-redact --patterns pats </dev/null
	[ "$status" -eq 2 ]
	assert_output "llm-redact: pats:3: pattern broken: missing closing parenthesis at offset 2"
	run llm-redact -e '[z' </dev/null
	[ "$status" -eq 2 ]
	assert_output --partial "llm-redact: pattern e1: missing terminating ] for character class"
}

@test "--stable joins equal secrets and tells different ones apart" {
	other=sk-proj-ZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZZ
	printf '%s\n' "{\"a\":\"$KEY\",\"b\":\"$other\"}" "{\"c\":\"x $KEY\"}" >in
	run llm-redact --stable <in
	assert_success
	a=$(jq -rs '.[0].a' <<<"$output")
	b=$(jq -rs '.[0].b' <<<"$output")
	c=$(jq -rs '.[1].c' <<<"$output")
	[[ "$a" =~ ^\[REDACTED:openai-key:[0-9a-f]{8}\]$ ]]
	[ "x $a" = "$c" ]
	[ "$a" != "$b" ]
	# one LLM_REDACT_KEY: the same hash in another run; another key: not
	k1=$(LLM_REDACT_KEY=k1 llm-redact --stable <in | head -1)
	[ "$(LLM_REDACT_KEY=k1 llm-redact --stable <in | head -1)" = "$k1" ]
	[ "$(LLM_REDACT_KEY=k2 llm-redact --stable <in | head -1)" != "$k1" ]
	# no key: a random one a run
	[ "$(llm-redact --stable <in | head -1)" != "$(llm-redact --stable <in | head -1)" ]
	# HMAC-SHA256 under the key, the first 8 hex digits
	want=$(printf '%s' "$KEY" | openssl dgst -sha256 -hmac k1 | sed 's/.*= //' | cut -c1-8)
	[ "$(jq -r .a <<<"$k1")" = "[REDACTED:openai-key:$want]" ]
}

@test "--max-string cuts on a UTF-8 boundary with the original size" {
	printf '{"id":"x","s":"ab\xc3\xa9cdef","t":"abc"}\n' >in
	run llm-redact --max-string 3 <in
	assert_success
	assert_output '{"id":"x","s":"ab[TRUNCATED:8 bytes]","t":"abc"}'
	run llm-redact --text --max-string 3 <<<$'ab\xc3\xa9cdef\nabc'
	assert_success
	assert_output 'ab[TRUNCATED:8 bytes]
abc'
}

@test "a secret across the --max-string cut is redacted, not half kept" {
	run llm-redact --max-string 10 <<<"{\"s\":\"1234567 $KEY\"}"
	assert_success
	assert_output '{"s":"1234567 [R[TRUNCATED:46 bytes]"}'
}

@test "--max-record cuts the longest strings to fit, keeping the record valid" {
	long=$(printf 'x%.0s' $(seq 3000))
	mid=$(printf 'y%.0s' $(seq 1500))
	printf '{"id":"r1","a":"%s","b":"%s","c":"short"}\n' "$long" "$mid" >in
	run llm-redact --max-record 1000 <in
	assert_success
	[ "${#output}" -le 1000 ]
	[ "$(jq -r '[.id, .c] | join(",")' <<<"$output")" = r1,short ]
	[[ "$(jq -r .a <<<"$output")" == *"[TRUNCATED:3000 bytes]" ]]
	[[ "$(jq -r .b <<<"$output")" == *"[TRUNCATED:1500 bytes]" ]]
	# a record whose bulk is not strings: an error record in its place
	nums=$(seq -s, 1 500)
	printf '{"id":"r2","n":[%s]}\n{"id":"r3"}\n' "$nums" >in
	run llm-redact --max-record 1000 <in
	[ "$status" -eq 1 ]
	[ "$(jq -r '[.id, .status, .error.kind] | join(",")' <<<"$output")" = "r2,error,bad_input
r3,," ]
	assert_output --partial "does not fit --max-record 1000 even with every string cut"
}

@test "-v prints the counts per pattern on stderr" {
	printf '%s\n' "{\"a\":\"$KEY $KEY\",\"b\":\"password=x\"}" >in
	run bash -c 'llm-redact -v --max-string 30 <in 2>err >/dev/null; cat err'
	assert_success
	assert_line "llm-redact: openai-key: 2"
	assert_line "llm-redact: kv-secret: 1"
	assert_line "llm-redact: jwt: 0"
	assert_line "llm-redact: truncated: 1"
}

@test "the literal value of LLM_API_TOKEN and OPENAI_API_KEY, metacharacters and all" {
	run env LLM_API_TOKEN='t0k.*(x)' OPENAI_API_KEY='abc' llm-redact --text <<<'a t0k.*(x) b t0kZZ(x) abc'
	assert_success
	assert_output 'a [REDACTED:LLM_API_TOKEN] b t0kZZ(x) [REDACTED:OPENAI_API_KEY]'
}

@test "bad input lines give error records, the rest goes on, exit 1" {
	printf '%s\n' '{"id":"a"}' 'not json' '[1,2]' '{"id":"d","k":"password=p"}' >in
	run llm-redact in
	[ "$status" -eq 1 ]
	assert_output '{"id":"a"}
{"id":"in:2","status":"error","error":{"kind":"bad_input","message":"in:2: invalid JSON: null expected at byte 1","retryable":false},"attempt":1,"request":null}
{"id":"in:3","status":"error","error":{"kind":"bad_input","message":"in:3: not a JSON object","retryable":false},"attempt":1,"request":null}
{"id":"d","k":"password=[REDACTED:kv-secret]"}'
}

@test "files on the command line; a missing one is a usage error before any output" {
	echo '{"id":1}' >a
	run llm-redact a - a <<<'{"id":2}'
	assert_success
	assert_output $'{"id":1}\n{"id":2}\n{"id":1}'
	run llm-redact a nope
	[ "$status" -eq 2 ]
	assert_output "llm-redact: nope: No such file or directory"
}

@test "| head -1 ends quietly" {
	for i in $(seq 20000); do echo "{\"id\":$i,\"k\":\"token=abc$i\"}"; done >in
	run bash -c 'llm-redact <in 2>err | head -1; echo "${PIPESTATUS[0]}"; cat err'
	assert_output '{"id":1,"k":"token=[REDACTED:kv-secret]"}
141'
}

@test "a missing patterns file says where it looked" {
	run env LLM_SHARE_DIR=/nonexistent llm-redact </dev/null
	[ "$status" -eq 2 ]
	assert_output "llm-redact: /nonexistent/redact.patterns: No such file or directory"
}

@test "records come out as they arrive, not when the input ends" {
	mkfifo f
	llm-redact <f >out 3>&- &
	pid=$!
	exec 5>f
	echo '{"id":"first","k":"password=z"}' >&5
	for _ in $(seq 100); do [ -s out ] && break; sleep 0.05; done
	assert_equal "$(cat out)" '{"id":"first","k":"password=[REDACTED:kv-secret]"}'
	exec 5>&-
	wait "$pid"
}

@test "a secret written with escapes is found in the decoded value" {
	printf '%s\n' '{"a":"pass\u0077ord=hunter2","b":"line\nBearer abcdefgh12345"}' >in
	run llm-redact <in
	assert_success
	assert_output '{"a":"password=[REDACTED:kv-secret]","b":"line\nBearer [REDACTED:bearer]"}'
}

@test "the patterns are found in share/llm beside the program's directory" {
	mkdir -p p/bin p/share/llm
	cp "$(command -v llm-redact)" p/bin/
	printf 'mine\tfoo[0-9]+\n' >p/share/llm/redact.patterns
	run p/bin/llm-redact --text <<<"foo12 $KEY"
	assert_success
	assert_output "[REDACTED:mine] $KEY"
	# LLM_SHARE_DIR comes first
	mkdir other
	printf 'theirs\t[0-9]+\n' >other/redact.patterns
	run env LLM_SHARE_DIR=other p/bin/llm-redact --text <<<"foo12"
	assert_output "foo[REDACTED:theirs]"
}
