#!/usr/bin/env bats
# llm-diff: two logs of result records compared.

load helpers
bats_require_minimum_version 1.5.0
unset LLM_SHARE_DIR

# A price table of our own: "cheap" costs 1 USD per 1M prompt tokens and
# 2 per 1M completion tokens.
setup() {
	cd "$BATS_TEST_TMPDIR" || return 1
	printf '{"models":{"cheap":{"input":1,"output":2}}}\n' >prices.json
	export LLM_PRICES="$BATS_TEST_TMPDIR/prices.json"
}

# ok ID CONTENT [LATENCY [MODEL [QUERY [EXTRA]]]]: a success record
ok() {
	printf '{"id":"%s","status":"ok","model":"%s","content":"%s","usage":{"prompt_tokens":10,"completion_tokens":5},"latency_ms":%s,"meta":{"query_id":"%s","model":"%s"}%s}\n' \
		"$1" "${4-m1}" "$2" "${3-100}" "${5-$1}" "${4-m1}" "${6-}"
}

# err ID KIND [MODEL [QUERY [EXTRA]]]: an error record
err() {
	printf '{"id":"%s","status":"error","error":{"kind":"%s","message":"it failed","retryable":true},"meta":{"query_id":"%s","model":"%s"},"request":{"model":"%s","messages":[]}%s}\n' \
		"$1" "$2" "${4-$1}" "${3-m1}" "${3-m1}" "${5-}"
}

pass=',"assert":{"pass":true,"score":1,"results":[]}'
fail=',"assert":{"pass":false,"score":0,"results":[]}'

# Two logs with every kind of change, each on an id of its own.
every_kind() {
	{ ok same hello; ok content 'one\ntwo\nthree\n'; ok okerr fine; err errok http
	  ok passfail x 100 m1 passfail "$pass"; ok failpass y 100 m1 failpass "$fail"
	  ok gone bye; } >old
	{ ok same 'h\u0065llo'; ok content 'one\nTWO\nthree\n'; err okerr timeout; ok errok back
	  ok passfail x 100 m1 passfail "$fail"; ok failpass y 100 m1 failpass "$pass"
	  ok fresh hi; } >new
}

@test "every change kind, one record per changed id, then a model record and a total" {
	every_kind
	run llm-diff old new
	[ "$status" -eq 1 ]
	run jq -rc 'select(.diff == "change") | [.id, (.changes | join(",")), .regressed] | @tsv' <<<"$output"
	assert_output "$(printf '%s\t%s\t%s\n' content content false okerr ok_to_error true \
		errok error_to_ok false passfail pass_to_fail true failpass fail_to_pass false \
		gone only_old false fresh only_new false)"
	run llm-diff old new
	run jq -c 'select(.diff == "total") | del(.diff)' <<<"$output"
	assert_output '{"keys":8,"same":1,"only_old":1,"only_new":1,"ok_to_error":1,"error_to_ok":1,"pass_to_fail":1,"fail_to_pass":1,"content":1,"regressed":true}'
	run llm-diff old new
	[ "$(jq -c 'select(.diff == "change" and .id == "okerr") | [.old.status, .new.status, .new.error_kind, .new.content_hash]' <<<"$output")" = '["ok","error","timeout",null]' ]
	[ "$(jq -c 'select(.diff == "change" and .id == "passfail") | [.old.pass, .new.pass, .old.content_hash == .new.content_hash]' <<<"$output")" = '[true,false,true]' ]
	[ "$(jq -c 'select(.diff == "change" and .id == "gone") | [.old.id, .new]' <<<"$output")" = '["gone",null]' ]
	[ "$(jq -c 'select(.diff == "model") | [.model, .old.requests, .new.requests, .old.failed, .new.failed]' <<<"$output")" = '["m1",7,7,1,1]' ]
}

@test "exit 0 when nothing regressed: content, an error fixed, a fail passing, ids added or gone" {
	{ ok a one; err b http; ok c x 100 m1 c "$fail"; ok d gone; } >old
	{ ok a two; ok b fixed; ok c x 100 m1 c "$pass"; ok e new; } >new
	run llm-diff old new
	[ "$status" -eq 0 ]
	[ "$(jq -c 'select(.diff == "total") | .regressed' <<<"$output")" = false ]
	# and identical logs: no change record at all
	run llm-diff old old
	[ "$status" -eq 0 ]
	assert_output --partial '"diff":"total","keys":4,"same":4,'
	[ "$(grep -c '"diff":"change"' <<<"$output")" -eq 0 ]
}

@test "content is compared by its canonical form: the same string spelt two ways is no change" {
	ok a 'caf\u00e9 \u0041' >old
	ok a 'café A' >new
	run llm-diff old new
	[ "$status" -eq 0 ]
	assert_output --partial '"same":1,'
	ok a 'café B' >new
	run llm-diff old new
	assert_output --partial '"changes":["content"]'
}

@test "the last record of an id wins, in either log" {
	{ ok a v1; err a http; ok b v1; } >old
	{ err a http; ok a v1; ok b v1; err b timeout; } >new
	run llm-diff old new
	[ "$status" -eq 1 ]
	run jq -rc 'select(.diff == "change") | [.id, .changes[]] | join(" ")' <<<"$output"
	assert_output $'a error_to_ok\nb ok_to_error'
	run llm-diff old new
	assert_output --partial '{"diff":"total","keys":2,"same":0,'
}

@test "--by joins on fields, not ids; the key is in the record; a bad path is exit 2" {
	ok p1/q1 one 100 m1 q1 >old
	ok p1/q2 two 100 m2 q2 >>old
	ok p2/q1 ONE 100 m1 q1 >new
	ok p2/q2 two 100 m2 q2 >>new
	run llm-diff old new
	[ "$(jq -c 'select(.diff == "total") | [.only_old, .only_new]' <<<"$output")" = '[2,2]' ]
	run llm-diff --by meta.query_id,.meta.model old new
	[ "$status" -eq 0 ]
	run jq -c 'select(.diff == "change") | [.id, .key, .changes, .old.id]' <<<"$output"
	assert_output '["p2/q1",{"meta.query_id":"q1","meta.model":"m1"},["content"],"p1/q1"]'
	run llm-diff --by 'meta.x[0]' old new
	[ "$status" -eq 2 ]
	assert_output 'llm-diff: --by meta.x[0]: only object keys, without '"'"'.'"'"' in them (meta.query_id)'
	run llm-diff --by 'meta..x' old new
	[ "$status" -eq 2 ]
	assert_output --partial 'llm-diff: --by meta..x: '
}

@test "--by: a record without the field is left out, and stderr says so" {
	{ ok a one; printf '{"id":"b","status":"ok","content":"x"}\n'; } >old
	ok a one >new
	run --separate-stderr llm-diff --by meta.query_id old new
	[ "$status" -eq 0 ]
	[ "$stderr" = 'llm-diff: old: 1 record without a value for --by meta.query_id: left out' ]
	assert_output --partial '"keys":1,"same":1,'
}

@test "-v: a unified diff of each changed content" {
	ok a 'l1\nl2\nl3\nl4\nl5\nl6\nl7\nl8\nl9\n' >old
	ok a 'l1\nl2\nl3\nl4\nL5\nl6\nl7\nl8\nl9\nl10\n' >new
	run llm-diff -v old new
	[ "$status" -eq 0 ]
	run jq -r 'select(.diff == "change") | .text_diff' <<<"$output"
	assert_output "$(printf '%s\n' '--- old	a' '+++ new	a' '@@ -2,8 +2,9 @@' ' l2' ' l3' ' l4' '-l5' '+L5' \
		' l6' ' l7' ' l8' ' l9' '+l10')"
	# without -v no text
	run llm-diff old new
	refute_output --partial text_diff
	# a log read from a pipe is read again from a copy
	run llm-diff -v old - <new
	[ "$(jq -r 'select(.diff == "change") | .text_diff' <<<"$output" | sed -n 4,5p)" = $' l2\n l3' ]
}

@test "-v: a text past the limit is too long to diff" {
	big=$(head -c 1100000 /dev/zero | tr '\0' 'x')
	ok a "$big" >old
	ok a "${big}y" >new
	run llm-diff -v old new
	[ "$status" -eq 0 ]
	[ "$(jq -r 'select(.diff == "change") | .text_diff' <<<"$output")" = 'too long to diff (more than 1048576 bytes or 2000 lines changed)' ]
}

@test "--markdown and --tsv tables" {
	every_kind
	run llm-diff --tsv old new
	[ "$status" -eq 1 ]
	[ "${lines[0]}" = $'id\tmodel\tchanges\tregressed\told\tnew' ]
	[ "${lines[2]}" = $'okerr\tm1\tok_to_error\tyes\tok\ttimeout' ]
	[ "${lines[4]}" = $'passfail\tm1\tpass_to_fail\tyes\tok, pass\tok, fail' ]
	[ "${lines[8]}" = $'model\told requests\tnew requests\told cost/request\tnew cost/request\tcost change\told p50 ms\tnew p50 ms\tp50 change\told p95 ms\tnew p95 ms\tp95 change\tregressed' ]
	[ "${lines[9]}" = $'m1\t7\t7\t-\t-\t-\t100\t100\t+0.0%\t100\t100\t+0.0%\tno' ]
	run llm-diff --markdown -v old new
	[ "$status" -eq 1 ]
	assert_line '## llm-diff old new'
	assert_line '8 keys: 1 unchanged, 7 changed; **regressed**.'
	assert_line '| okerr | m1 | ok_to_error | yes | ok | timeout |'
	assert_line '| --- | --- | --- | --- | --- | --- |'
	assert_line '```diff'
	assert_line '+TWO'
	run llm-diff --markdown --tsv old new
	[ "$status" -eq 2 ]
	assert_output 'llm-diff: --markdown and --tsv: one at a time'
}

@test "--max-cost-increase: a model's cost per request rising past it is a regression" {
	ok a x 100 cheap >old	# 10 and 5 tokens: 20 microdollars
	printf '{"id":"a","status":"ok","model":"cheap","content":"x","usage":{"prompt_tokens":20,"completion_tokens":10},"latency_ms":100}\n' >new
	run llm-diff old new
	[ "$status" -eq 0 ]
	[ "$(jq -c 'select(.diff == "model") | [.old.cost_per_request_usd, .new.cost_per_request_usd, .cost_change_pct, .regressed]' <<<"$output")" = '[2e-05,4e-05,100,false]' ]
	run llm-diff --max-cost-increase 50 old new
	[ "$status" -eq 1 ]
	[ "$(jq -c 'select(.diff == "model") | .regressed' <<<"$output")" = true ]
	run llm-diff --max-cost-increase 100 old new
	[ "$status" -eq 0 ]
	run llm-diff --max-cost-increase -5 old new
	[ "$status" -eq 2 ]
}

@test "--max-latency-increase: a model's median latency rising past it is a regression" {
	{ ok a x 100; ok b x 100; ok c x 1000; } >old
	{ ok a x 150; ok b x 150; ok c x 150; } >new
	run llm-diff old new
	[ "$(jq -c 'select(.diff == "model") | [.old.latency_p50_ms, .new.latency_p50_ms, .latency_p50_change_pct, .latency_p95_change_pct]' <<<"$output")" = '[100,150,50,-85]' ]
	run llm-diff --max-latency-increase 49.9 old new
	[ "$status" -eq 1 ]
	run llm-diff --max-latency-increase 50 old new
	[ "$status" -eq 0 ]
}

@test "a bad line is an error naming FILE:LINE: nothing compared, exit 2" {
	{ ok a x; echo '{"id":"b","status":'; ok c x; echo '[1]'; } >old
	ok a x >new
	run --separate-stderr llm-diff old new
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[ "${stderr_lines[0]:0:30}" = 'llm-diff: old:2: invalid JSON:' ]
	[ "${stderr_lines[1]}" = 'llm-diff: old:4: not a JSON object' ]
	[ "${stderr_lines[2]}" = 'llm-diff: 2 bad lines: nothing compared' ]
	# stream events and records without status are passed over
	{ ok a x; echo '{"id":"a","event":"delta","content":"x"}'; echo '{"id":"r","request":{}}'; } >old
	run llm-diff old new
	[ "$status" -eq 0 ]
	assert_output --partial '"keys":1,"same":1,'
}

@test "usage errors: a missing file, one operand, both on stdin; exit 2" {
	ok a x >new
	run llm-diff nosuch new
	[ "$status" -eq 2 ]
	assert_output 'llm-diff: nosuch: No such file or directory'
	run llm-diff new
	[ "$status" -eq 2 ]
	assert_output --partial 'usage: llm-diff'
	run llm-diff - -
	[ "$status" -eq 2 ]
	assert_output 'llm-diff: only one of OLD and NEW can be stdin'
	run llm-diff . new
	[ "$status" -eq 2 ]
	assert_output 'llm-diff: .: is a directory'
}

@test "examples/eval: plan, chat, assert, summarize, diff against its own mock; make gate fails on the regression" {
	mkdir ex
	cp "$ROOT/examples/common.mk" "$ROOT/examples/with-mock.sh" ex/
	cp -R "$ROOT/examples/eval" ex/
	run make -C ex/eval BIN="$ROOT/$BUILD/bin"
	[ "$status" -eq 0 ]
	[ -s ex/eval/baseline.ndjson ] && [ -s ex/eval/candidate.ndjson ]
	if [ -x "$ROOT/$BUILD/bin/llm-assert" ]; then
		refute_output --partial 'llm-assert not built'
	else
		assert_output --partial 'eval: llm-assert not built: answers not graded'
	fi
	run grep -c '^| .* | mock-large | ok_to_error' ex/eval/diff.md
	[ "$output" = 1 ]
	grep -q '^-The capital of France is Paris.$' ex/eval/diff.md
	grep -q '^+I believe it is Lyon.$' ex/eval/diff.md
	run make -C ex/eval BIN="$ROOT/$BUILD/bin" gate
	[ "$status" -ne 0 ]
	run jq -rc 'select(.diff == "change") | [(.id | sub(".*/"; "")), .model, (.changes | join(","))] | @tsv' ex/eval/diff.ndjson
	if [ -x "$ROOT/$BUILD/bin/llm-assert" ]; then
		assert_line $'capital.md\tmock-small\tpass_to_fail,content'
		assert_line $'sum.md\tmock-large\tok_to_error,pass_to_fail'
	else
		assert_line $'capital.md\tmock-small\tcontent'
		assert_line $'sum.md\tmock-large\tok_to_error'
	fi
	assert_line $'sky.md\tmock-small\tcontent'
	[ "${#lines[@]}" -eq 5 ]
}
