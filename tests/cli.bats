#!/usr/bin/env bats
# The command line every program shares: --version, the two-line message
# of a mistyped option, a token refused on the command line, "-" for
# stdin, the exit status of missing configuration, and llm-chat's prompt
# mode with stdin (-n, "-", text piped without a prompt).

bats_require_minimum_version 1.5.0
load helpers

# every program the tree builds, new ones included
PROGS=$(cd "$BATS_TEST_DIRNAME/../cmd" && ls llm-*.c | sed 's/\.c$//')
KEY=sk-proj-Abcdefghijklmnopqrstuvwxyz0123

@test "--version: every program prints its name and the tree's one version, exits 0" {
	want=$(cat "$ROOT/VERSION")
	[ -n "$want" ]
	for p in $PROGS; do
		run --separate-stderr "$p" --version
		[ "$status" -eq 0 ] || { echo "$p: exit $status"; false; }
		[ "$output" = "$p $want" ] || { echo "$p: '$output'"; false; }
		[ -z "$stderr" ]
	done
}

@test "the version is written in VERSION only" {
	v=$(cat "$ROOT/VERSION")
	run grep -rlF -- "$v" "$ROOT/cmd" "$ROOT/lib" "$ROOT/Makefile" "$ROOT/man" "$ROOT/completions"
	assert_failure 1
}

@test "a mistyped option: two lines, curl's way, exit 2, for every program" {
	for p in $PROGS; do
		run --separate-stderr "$p" --jbos
		[ "$status" -eq 2 ] || { echo "$p: exit $status"; false; }
		[ -z "$output" ]
		[ "$stderr" = "$p: unknown option --jbos
try '$p --help'" ] || { echo "$p: $stderr"; false; }
		run --separate-stderr "$p" -Z
		[ "$status" -eq 2 ]
		[ "$stderr" = "$p: unknown option -Z
try '$p --help'" ] || { echo "$p: $stderr"; false; }
	done
}

@test "option errors name the option as typed: a missing argument, an unwanted one, an ambiguous one" {
	run --separate-stderr llm-chat -j
	[ "$status" -eq 2 ]
	[ "$stderr" = "llm-chat: option -j needs an argument
try 'llm-chat --help'" ]
	run --separate-stderr llm-chat --model
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "llm-chat: option --model needs an argument" ]
	run --separate-stderr llm-chat --json=yes
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "llm-chat: option --json takes no argument" ]
	run --separate-stderr llm-chat --t 1
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "llm-chat: option --t is ambiguous" ]
	# -x after a long option: the letter is named, not the option before it
	run --separate-stderr llm-chat --json -kx
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "llm-chat: unknown option -x" ]
	run --separate-stderr llm-plan --dump
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "llm-plan: option --dump needs an argument" ]
	run --separate-stderr llm-retry -n
	[ "$status" -eq 2 ]
	[ "${stderr%%$'\n'*}" = "llm-retry: option -n needs an argument" ]
}

@test "a token on the command line is refused, never echoed: --token, --token=, --tok" {
	for p in llm-chat llm-stream llm-mock; do
		for a in "--token $KEY" "--token=$KEY" "--tok $KEY" "--tok=$KEY"; do
			# shellcheck disable=SC2086
			run --separate-stderr "$p" $a -m m hi
			[ "$status" -eq 2 ] || { echo "$p $a: exit $status"; false; }
			[[ "$stderr" != *"$KEY"* ]] || { echo "$p $a: key echoed"; false; }
			[[ "$stderr" == *LLM_API_TOKEN*--token-file* ]] || { echo "$p $a: $stderr"; false; }
			[ -z "$output" ]
		done
	done
}

@test "a key given as the token file's name is not echoed in the error" {
	start_mock -q
	run --separate-stderr llm-chat --token-file "$KEY" -m m hi
	[ "$status" -eq 2 ]
	[[ "$stderr" != *"$KEY"* ]]
	[ "$stderr" = "llm-chat: token file [REDACTED:openai-key]: No such file or directory" ]
	run --separate-stderr llm-mock --port 0 --token-file "$KEY"
	[ "$status" -eq 2 ]
	[[ "$stderr" != *"$KEY"* ]]
	# a real token file still works
	printf 'tok123\n' >tok
	run llm-chat --token-file tok -m m hi
	assert_success
	assert_output hi
}

@test "llm-chat -n: a 'while read' loop gets every line, not just the first" {
	start_mock -q
	printf 'one\ntwo\nthree\n' >questions.txt
	run bash -c 'cat questions.txt | while read -r q; do llm-chat -n -m m "$q"; done'
	assert_success
	assert_output "one
two
three"
	# without -n the first call swallows the rest: the caveat llm-chat(1) tells
	run bash -c 'cat questions.txt | while read -r q; do llm-chat -m m "$q"; done'
	assert_success
	assert_output "two
three

one"
	run llm-chat -n
	[ "$status" -eq 2 ]
	run llm-stream -n -m m hi <questions.txt
	assert_success
	assert_output hi
}

@test "llm-chat -: the prompt is stdin's text alone" {
	start_mock -q
	run bash -c 'printf "the question\n" | llm-chat -m m -'
	assert_success
	assert_output "the question"
	run bash -c 'printf "streamed\n" | llm-stream -m m -'
	assert_success
	assert_output "streamed"
	run llm-chat -n -m m - </dev/null
	[ "$status" -eq 2 ]
	assert_line --index 0 "llm-chat: the prompt '-' is read from stdin: it does not go with -n"
}

@test "text piped to llm-chat without a prompt: one error record a line, and one hint" {
	start_mock -q
	printf '# Notes\nsome text\nmore text\n' >notes.md
	run --separate-stderr llm-chat -m m <notes.md
	[ "$status" -eq 1 ]
	[ "$(jq -r .error.kind <<<"$output" | sort | uniq -c | tr -s ' ')" = " 3 bad_input" ]
	[ "$(grep -c . <<<"$stderr")" -eq 1 ]
	[[ "$stderr" == "llm-chat: stdin does not look like request records"*"llm-chat -m MODEL 'what to do with it'"* ]]
	# records with a bad line further on get no hint
	printf '{"messages":[{"role":"user","content":"x"}],"model":"m"}\nnot json\n' >in.ndjson
	run --separate-stderr llm-chat <in.ndjson
	[ "$status" -eq 1 ]
	[ -z "$stderr" ]
}

@test "'-' is stdin for llm-plan, llm-plan --dump and llm-runner" {
	mkdir Input
	echo hello >Input/q1
	printf 'plan_id = "p"\nassistant_id = "a"\n[assistant.llm]\nmodels = ["m"]\n[[query]]\nid = "q1"\n' >plan.toml
	run llm-plan - <plan.toml
	assert_success
	h=$(llm-hash -m m)
	[ "$(jq -r .id <<<"$output")" = "p/$h/q1" ]
	[ "$(jq -r .request.messages[-1].content <<<"$output")" = hello ]
	[ "$(jq -r .meta.output <<<"$output")" = "Output/p/$h/q1_response.md" ]
	run llm-plan --dump - <plan.toml
	assert_success
	[ "$(jq -c .assistant <<<"$output")" = '{"llm":{"models":["m"]}}' ]
	run bash -c 'printf "x = \n" | llm-plan --dump -'
	[ "$status" -eq 2 ]
	assert_output --partial "llm-plan: -:1:"
	start_mock -q
	printf 'model = "m"\nprompt = "from stdin"\n' >s.toml
	run llm-runner - <s.toml
	assert_success
	[ "$(jq -r '[.status, .final_content] | join(" ")' <<<"$output")" = "ok from stdin" ]
}

@test "missing configuration exits 2: llm-runner, and llm-retry passes on its command's 2" {
	printf 'model = "m"\nprompt = "hi"\n' >s.toml
	run --separate-stderr llm-runner s.toml
	[ "$status" -eq 2 ]
	[ -z "$output" ]
	[[ "$stderr" == "llm-runner: no endpoint configured: set LLM_BASE_URL"* ]]
	echo '{"id":"a","request":{"model":"m","messages":[{"role":"user","content":"x"}]}}' >in.ndjson
	run --separate-stderr llm-retry -- llm-chat <in.ndjson
	[ "$status" -eq 2 ]
	[ "$(jq -r '[.id, .status] | join(" ")' <<<"$output")" = "a error" ]
	# a command that exits 2 after it answered is a failure of records, 1
	printf '#!/bin/sh\nllm-chat "$@"\nexit 2\n' >chat2
	chmod +x chat2
	start_mock -q
	echo '{"id":"b","request":{"model":"m","messages":[{"role":"user","content":"[[mock:400]] x"}]}}' >>in.ndjson
	run --separate-stderr llm-retry -n 0 -- ./chat2 <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r .id <<<"$output" | sort | tr '\n' ' ')" = "a b " ]
}

@test "README: the PATH line finds the built programs, and its questions line runs through its batch example" {
	# the PATH line, as written, in a shell without our PATH
	line=$(grep -m1 -F 'export PATH=$PWD/build/bin:$PATH' "$ROOT/README.md")
	run env -i HOME="$HOME" bash -c "cd '$ROOT' && ${line#"${line%%[! ]*}"} && command -v llm-chat"
	assert_output "$ROOT/build/bin/llm-chat"
	# the sample line of questions.ndjson through the batch example's jq and llm-chat
	start_mock
	grep -m1 '^    {"id": "q1", "question"' "$ROOT/README.md" >questions.ndjson
	[ -s questions.ndjson ]
	jq -c '{id: .id, request: {model: "gpt-4o-mini",
	        messages: [{role: "user", content: .question}]}}' questions.ndjson |
		llm-chat -j 64 -k >results.ndjson
	run jq -r '[.id, .status, .content] | @tsv' results.ndjson
	assert_output "$(printf 'q1\tok\tWhat is the capital of France?')"
}
