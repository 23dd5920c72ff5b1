#!/usr/bin/env bats
# I/O errors, injected: every program says `prog: ...` on stderr and
# exits nonzero, never claiming success.  Standard output to /dev/full
# gives ENOSPC; the LD_PRELOAD shim tests/inject/inject.c gives the rest
# (INJECT_FAIL=CALL:ERRNO:WHERE, see there).
load helpers

# faulty CALL:ERRNO:WHERE CMD...: run CMD with the shim
PRELOAD=$(shim_preload)
export PRELOAD
faulty() {
	local spec=$1
	shift
	INJECT_FAIL=$spec LD_PRELOAD=$PRELOAD "$@"
}

# a plan of one query for one model, its request and its result
plan() {
	mkdir -p A/Input A/Output/p1
	printf 'plan_id = "p1"\nassistant_id = "A"\n[assistant.llm]\nmodels = ["m"]\n[[query]]\nid = "q.md"\n' \
		>A/Output/p1/plan.toml
	echo 'hello' >A/Input/q.md
	llm-plan A/Output/p1/plan.toml >req.ndjson
	OUT=A/Output/p1/62c66a7a/q_response.md
	printf 'model = "m"\nprompt = "hi"\n' >s.toml
	echo '{"id":"a","status":"ok","model":"m","usage":{"total_tokens":3},"latency_ms":5}' >res.ndjson
}

# each program that writes records or text: F INPUT CMD...
each_writer() {
	local f=$1
	"$f" /dev/null llm-plan A/Output/p1/plan.toml
	"$f" req.ndjson llm-chat
	"$f" req.ndjson llm-stream
	"$f" req.ndjson llm-retry -- llm-chat
	"$f" /dev/null llm-hash -m m
	"$f" req.ndjson llm-redact
	"$f" /dev/null llm-summarize --json res.ndjson
	"$f" /dev/null llm-summarize res.ndjson
	"$f" /dev/null llm-runner s.toml
}
export -f faulty

full() {
	local in=$1
	shift
	run bash -c '"$@" <"$0" >/dev/full' "$in" "$@"
	assert_failure 1
	assert_output "$1: stdout: No space left on device"
}

eio() {
	local in=$1
	shift
	run bash -c '"$@" <"$0" >out.txt' "$in" faulty 'write:EIO:*/out.txt' "$@"
	assert_failure 1
	assert_output "$1: stdout: Input/output error"
}

@test "stdout on a full disk: every program says so and exits 1" {
	start_mock -q
	plan
	each_writer full
}

@test "stdout failing with EIO: every program says so and exits 1" {
	start_mock -q
	plan
	each_writer eio
}

@test "stdin failing with EIO: an io error record and a message, exit 1; or exit 2 for whole documents" {
	start_mock -q
	plan
	for p in llm-chat llm-stream llm-redact 'llm-retry -- llm-chat'; do
		run faulty 'read:EIO:*/req.ndjson' $p <req.ndjson
		assert_failure 1
		assert_line "${p%% *}: stdin: Input/output error"
		assert_line --partial '"status":"error","error":{"kind":"io","message":"stdin: Input/output error"'
	done
	# what was read is summed up, as wc(1) counts what it could read
	run faulty 'read:EIO:*/res.ndjson' llm-summarize --json <res.ndjson
	assert_failure 1
	assert_line --index 0 'llm-summarize: stdin: Input/output error'
	assert_line --index 1 --partial '"total":{"requests":0,'
	run faulty 'read:EIO:*/res.ndjson' llm-hash <res.ndjson
	assert_failure 2
	assert_output 'llm-hash: stdin: Input/output error'
}

@test "llm-plan: a plan, a query or a --done log that cannot be read: exit 2, nothing written" {
	plan
	run faulty 'read:EIO:*/plan.toml' llm-plan A/Output/p1/plan.toml
	assert_failure 2
	assert_output 'llm-plan: A/Output/p1/plan.toml: Input/output error'
	run faulty 'read:EIO:*/q.md' llm-plan A/Output/p1/plan.toml
	assert_failure 2
	assert_output "llm-plan: A/Output/p1/plan.toml:6:6: query 'q.md': A/Input/q.md: Input/output error"
	run faulty 'read:EIO:*/res.ndjson' llm-plan --done res.ndjson A/Output/p1/plan.toml
	assert_failure 2
	assert_output 'llm-plan: --done res.ndjson: Input/output error'
}

@test "llm-summarize and llm-runner: an input file that cannot be read" {
	plan
	run faulty 'read:EIO:*/res.ndjson' llm-summarize --json res.ndjson
	assert_failure 1
	assert_line --index 0 'llm-summarize: res.ndjson: Input/output error'
	run faulty 'read:EIO:*/s.toml' llm-runner s.toml
	assert_failure 2
	assert_output 'llm-runner: s.toml: Input/output error'
}

# save_fails CALL:ERRNO:WHERE: --save fails that way: an io error record
# naming the file, exit 1, no temporary file, the old content kept.
save_fails() {
	run faulty "$1" llm-chat --save -i req.ndjson
	assert_failure 1
	echo "$output" | jq -e --arg m "cannot save response: $OUT: $2" \
		'.status == "error" and .error.kind == "io" and .error.retryable == false and .error.message == $m'
	run ls -A "$(dirname "$OUT")"
	assert_output "${3:-}"
	[ -z "${4:-}" ] || [ "$(cat "$OUT")" = "$4" ]
}

@test "llm-chat --save: write, fsync, link or rename failing is an io error record, nothing half-written" {
	start_mock -q
	plan
	save_fails 'write:ENOSPC:*/62c66a7a/*' 'No space left on device'
	save_fails 'fsync:EIO:*/62c66a7a/*' 'Input/output error'
	save_fails 'linkat:EIO:*_response.md' 'Input/output error'
	# replacing a file: linked under a temporary name, renamed over it
	echo old >"$OUT"
	save_fails 'rename:EIO:*_response.md' 'Input/output error' q_response.md old
	save_fails 'linkat:ENOSPC:*.tmp' 'No space left on device' q_response.md old
	run llm-chat --save -i req.ndjson
	assert_success
	[ "$(cat "$OUT")" = hello ]
}

@test "llm-chat --cache: an entry that cannot be written loses no answer, said once, exit 0" {
	start_mock -q
	plan
	jq -c '.id = "b" | .request.messages[0].content = "other"' req.ndjson >>req.ndjson
	run faulty 'linkat:EIO:cache/*' llm-chat --cache cache -i req.ndjson
	assert_success
	[ "$(grep -c '"status":"ok"' <<<"$output")" -eq 2 ]
	[ "$(grep -c '^llm-chat: cache: .*: Input/output error (answers are not cached)$' <<<"$output")" -eq 1 ]
	[ -z "$(find cache -type f)" ]
}

@test "llm-runner --store: a trace that cannot be stored is said, exit 1, the trace still out" {
	start_mock -q
	plan
	run faulty 'linkat:EIO:store/*' llm-runner --store store s.toml
	assert_failure 1
	assert_line --regexp '^llm-runner: store/[^ ]+\.json: Input/output error$'
	assert_line --partial '"status":"ok"'
}

@test "llm-mock: a port file that cannot be written ends it, exit 1" {
	run faulty 'linkat:EIO:pf' llm-mock -q --port 0 --port-file pf
	assert_failure 1
	assert_output 'llm-mock: pf: Input/output error'
	[ ! -e pf ]
}
