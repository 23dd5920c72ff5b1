#!/usr/bin/env bats
# Hostile input and unlucky users (issue 16): closed standard
# descriptors, absurd attempt values, endless lines, NUL in paths, and
# the smaller cases around them.  Every test bounds its run with
# timeout, so a hang fails it instead of hanging the suite.

load helpers

# ---- a closed stdin (or stdout) ----

# closed_stdin PROG [ARGS]: with fd 0 closed, PROG reads no input of its
# own making: one io error record, the message, exit 1, within 5 s.
closed_stdin() {
	# not `run PROG <&-`: run's own capture pipe would take fd 0
	run timeout 5 bash -c '"$@" <&-' _ "$@"
	[ "$status" -eq 1 ] || { echo "exit $status: $output"; return 1; }
	assert_line "$1: stdin: Bad file descriptor"
	assert_line --partial '"kind":"io","message":"stdin: Bad file descriptor"'
}

@test "a closed stdin: llm-chat says so and exits 1" {
	start_mock
	closed_stdin llm-chat -q
}

@test "a closed stdin: llm-stream says so and exits 1" {
	start_mock
	closed_stdin llm-stream -q
}

@test "a closed stdin: llm-retry -- llm-chat says so and exits 1" {
	start_mock
	closed_stdin llm-retry -- llm-chat -q
}

@test "a closed stdout: llm-chat reports it and exits 1, no hang" {
	start_mock
	run timeout 5 bash -c 'echo "{\"id\":\"a\",\"request\":{\"model\":\"mock\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}}" | llm-chat -q >&-'
	assert_equal "$status" 1
	assert_output "llm-chat: stdout: Bad file descriptor"
}

# ---- absurd "attempt" values ----

# attempt_recs: one re-submitted error record per absurd attempt value,
# id "aN" for the Nth value, and a request record for each as well.
attempt_recs() {
	local i=0 v
	for v in -1 0 2147483647 1e30 '"3"' 3.5; do
		i=$((i + 1))
		jq -cn --argjson a "$v" --arg id "a$i" \
			'{id:$id,status:"error",error:{kind:"http",message:"x",retryable:true},attempt:$a,
			  request:{model:"mock",messages:[{role:"user",content:"hi"}]}}'
		jq -cn --argjson a "$v" --arg id "r$i" \
			'{id:$id,attempt:$a,request:{model:"mock",messages:[{role:"user",content:"hi"}]}}'
	done
}

@test "absurd attempts: llm-retry -- llm-chat answers every id once, attempts clamped" {
	start_mock
	attempt_recs >in.ndjson
	run timeout 20 bash -c 'llm-retry --base 0.01 -- llm-chat -q <in.ndjson 2>err'
	assert_equal "$status" 0
	assert_equal "$(jq -r '"\(.id) \(.status) \(.attempt)"' <<<"$output" | sort | tr '\n' ,)" \
		"a1 ok 1,a2 ok 1,a3 ok 1000000000,a4 ok 1,a5 ok 1,a6 ok 1,r1 ok 1,r2 ok 1,r3 ok 1000000000,r4 ok 1,r5 ok 1,r6 ok 1,"
	run cat err
	refute_output --partial "not awaited"
}

@test "absurd attempts: llm-chat alone clamps them the same way" {
	start_mock
	attempt_recs >in.ndjson
	run timeout 20 llm-chat -q <in.ndjson
	assert_equal "$status" 0
	assert_equal "$(jq -r '"\(.id) \(.attempt)"' <<<"$output" | sort | tr '\n' ,)" \
		"a1 1,a2 1,a3 1000000000,a4 1,a5 1,a6 1,r1 1,r2 1,r3 1000000000,r4 1,r5 1,r6 1,"
}

@test "an attempt at the limit is retried at the limit, not past it" {
	start_mock
	jq -cn '{id:"m",status:"error",attempt:2147483647,
	         request:{model:"mock",messages:[{role:"user",content:"[[mock:503 times=1]] hi"}]}}' >in.ndjson
	run timeout 20 bash -c 'llm-retry --base 0.01 -- llm-chat -q <in.ndjson 2>err'
	assert_equal "$status" 0
	assert_equal "$(jq -r '"\(.id) \(.status) \(.attempt)"' <<<"$output")" "m ok 1000000000"
	[ ! -s err ]
}

# ---- an endless line ----

# endless SIG WANT PROG [ARGS]: PROG on /dev/zero, signalled after 1 s,
# ends within 2 s with status WANT (a hang is killed and fails).
endless() {
	local sig=$1 want=$2 pid rc=0 i
	shift 2
	"$@" </dev/zero >out 2>err &
	pid=$!
	sleep 1
	kill -"$sig" $pid
	for i in $(seq 20); do
		kill -0 $pid 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 $pid 2>/dev/null; then
		kill -KILL $pid
		wait $pid || true
		echo "still running 2 s after SIG$sig"
		return 1
	fi
	wait $pid || rc=$?
	[ "$rc" -eq "$want" ] || { echo "exit $rc, not $want"; return 1; }
}

@test "an endless line: llm-chat ends on SIGINT (130) and SIGTERM (143)" {
	export LLM_BASE_URL=$(dead_url)
	endless INT 130 llm-chat -q
	endless TERM 143 llm-chat -q
}

@test "an endless line: llm-stream ends on SIGINT (130) and SIGTERM (143)" {
	export LLM_BASE_URL=$(dead_url)
	endless INT 130 llm-stream -q
	endless TERM 143 llm-stream -q
}

@test "an endless line: llm-retry -- llm-chat ends on SIGINT (130) and SIGTERM (143)" {
	export LLM_BASE_URL=$(dead_url)
	endless INT 130 llm-retry -- llm-chat -q
	endless TERM 143 llm-retry -- llm-chat -q
}

@test "an overlong line is still one bad_input record, and the next line is read" {
	start_mock
	# past the 64 MiB limit, from a file (read blocking) and a pipe
	{ head -c 70000000 /dev/zero | tr '\0' x; echo; echo '{"id":"b","request":{"model":"mock","messages":[{"role":"user","content":"hi"}]}}'; } >in.ndjson
	run timeout 20 llm-chat -q <in.ndjson
	assert_equal "$status" 1
	assert_equal "$(jq -r '"\(.id) \(.status) \(.error.kind // "")"' <<<"$output" | tr '\n' ,)" \
		"stdin:1 error bad_input,b ok ,"
	run timeout 20 bash -c 'cat in.ndjson | llm-retry -- llm-chat -q'
	assert_equal "$status" 1
	assert_equal "$(jq -r '"\(.id) \(.status) \(.error.kind // "")"' <<<"$output" | sort | tr '\n' ,)" \
		"b ok ,stdin:1 error bad_input,"
}

# ---- NUL in a path from data ----

# save_two OUTPUT KIND: --save of record a (to OUTPUT, a JSON string as
# written) and b (to Output/b.md): a fails with KIND, b is saved, exit 1.
save_two() {
	{
		jq -cn --argjson o "$1" '{id:"a",request:{model:"m",messages:[{role:"user",content:"x"}]},meta:{output:$o}}'
		jq -cn '{id:"b",request:{model:"m",messages:[{role:"user",content:"y"}]},meta:{output:"Output/b.md"}}'
	} >in.ndjson
	run timeout 10 llm-chat -q -k --save <in.ndjson
	assert_equal "$status" 1
	assert_equal "$(jq -r '"\(.id) \(.status) \(.error.kind // "")"' <<<"$output" | tr '\n' ,)" \
		"a error $2,b ok ,"
}

@test "a NUL in meta.output is refused: bad_input for that line, nothing written" {
	start_mock
	save_two '"Output/nul\u0000/../../x.md"' bad_input
	assert_line --regexp '"id":"a".*meta.output: .*NUL'
	[ ! -e Output/nul ]
	[ ! -e x.md ]
	[ "$(cat Output/b.md)" = y ]
}

@test "--save never follows a symbolic link out of the working directory" {
	start_mock
	mkdir -p tree/Output outside
	ln -s ../../outside tree/Output/link
	cd tree
	save_two '"Output/link/x.md"' io
	assert_line --regexp '"id":"a".*leads out of the directory through a symbolic link'
	[ ! -e ../outside/x.md ]
	[ "$(cat Output/b.md)" = y ]
}

@test "--save keeps the mode of the file it replaces" {
	start_mock
	mkdir -p Output
	echo old >Output/s.md
	chmod 600 Output/s.md
	jq -cn '{id:"a",request:{model:"m",messages:[{role:"user",content:"new"}]},meta:{output:"Output/s.md"}}' >in.ndjson
	run timeout 10 llm-chat -q --save <in.ndjson
	assert_success
	[ "$(cat Output/s.md)" = new ]
	[ "$(stat -c %a Output/s.md)" = 600 ]
}

@test "an io error on a long path keeps its reason: the path is shortened, not the errno text" {
	start_mock
	long=Output$(for i in 1 2 3 4 5 6; do printf '/%s' "$(head -c 100 /dev/zero | tr '\0' d)"; done)/x.md
	mkdir -p "$long"	# a directory where the file would go
	jq -cn --arg o "$long" '{id:"a",request:{model:"m",messages:[{role:"user",content:"x"}]},meta:{output:$o}}' >in.ndjson
	run timeout 10 llm-chat -q --save <in.ndjson
	assert_equal "$status" 1
	run jq -r .error.message <<<"$output"
	assert_output --regexp '^cannot save response: \.\.\.d+(/d+)+/x\.md: Is a directory$'
}

@test "a redirect is not followed, and its error record says where it leads" {
	echo '{"match":"moved","status":301,"headers":{"Location":"https://api.example.org/v1/chat/completions"},"body":""}' >rules.ndjson
	start_mock --rules rules.ndjson
	for prog in llm-chat llm-stream; do
		run bash -c 'echo "{\"id\":\"a\",\"request\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"moved\"}]}}" | '"$prog"' -q'
		assert_equal "$status" 1
		run jq -r '[.error.kind, .error.http_status, .error.retryable, .error.message] | map(tostring) | join(" ")' <<<"$output"
		assert_output "protocol 301 false HTTP 301: redirected to https://api.example.org/v1/chat/completions, not followed (set the base URL to where it leads)"
	done
}

@test "a 10 MB response header is a protocol error, not retryable, not 'Out of memory'" {
	printf '{"headers":{"X-Huge":"%s"}}\n' "$(head -c 10485760 /dev/zero | tr '\0' x)" >rules.ndjson
	start_mock --rules rules.ndjson
	for prog in llm-chat llm-stream; do
		run bash -c 'echo "{\"id\":\"a\",\"request\":{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}}" | '"$prog"' -q'
		assert_equal "$status" 1
		run jq -r '[.error.kind, .error.retryable, .error.message] | map(tostring) | join(" ")' <<<"$output"
		assert_output "protocol false response headers too large to read (HTTP 200)"
	done
}

# ---- smaller cases ----

@test "an empty --token-file is a usage error, not a run with no token" {
	start_mock
	: >empty.tok
	printf ' \n\n' >blank.tok
	run timeout 5 llm-chat -m mock --token-file empty.tok hi
	assert_equal "$status" 2
	assert_output "llm-chat: token file empty.tok: no token on its first line"
	run timeout 5 llm-chat -m mock --token-file blank.tok hi
	assert_equal "$status" 2
	assert_output "llm-chat: token file blank.tok: no token on its first line"
	[ "$(curl -s "http://127.0.0.1:$MOCK_PORT/v1/mock/stats" | jq .chat)" -eq 0 ]
}

@test "llm-summarize: token sums near INT64_MAX stop there, not wrap" {
	{
		echo '{"id":"a","status":"ok","model":"m","usage":{"prompt_tokens":9223372036854775807,"completion_tokens":-9223372036854775808}}'
		echo '{"id":"b","status":"ok","model":"m","usage":{"prompt_tokens":5,"completion_tokens":-5}}'
	} >in.ndjson
	run timeout 5 llm-summarize --json in.ndjson
	assert_equal "$status" 0
	[ "$(grep -o '"prompt_tokens":[-0-9]*' <<<"$output" | sort -u)" = '"prompt_tokens":9223372036854775807' ]
	[ "$(grep -o '"completion_tokens":[-0-9]*' <<<"$output" | sort -u)" = '"completion_tokens":-9223372036854775808' ]
}

# ---- a server's (or a command's) numbers past 64 bits ----

@test "llm-retry: a retry_after_ms near INT64_MAX is a wait past the limit in whole seconds, not a wrapped one" {
	cat >cmd.sh <<'SH'
#!/bin/sh
while read -r l; do
	printf '%s\n' '{"id":"a","status":"error","error":{"kind":"http","http_status":429,"message":"m","retryable":true,"retry_after_ms":9223372036854775807}}'
done
SH
	chmod +x cmd.sh
	echo '{"id":"a","request":{"model":"m","messages":[{"role":"user","content":"x"}]}}' >in.ndjson
	run timeout 10 bash -c 'llm-retry -- ./cmd.sh <in.ndjson'
	assert_equal "$status" 1
	assert_equal "${#lines[@]}" 1
	[[ "$(jq -r .error.message <<<"$output")" == "m (not retried: the server asks to wait 9223372036854776 s, past --max-retry-after 120 s; the limit resets at "*")" ]]
}

@test "a server's usage near INT64_MAX: llm-runner's sums over turns stop there, not wrap" {
	cat >chat.sh <<'SH'
#!/bin/sh
# a tool call every turn, each with the largest usage there is
while read -r l; do
	id=$(printf '%s\n' "$l" | jq -r .id)
	printf '{"id":"%s","status":"ok","content":null,"finish_reason":"tool_calls","tool_calls":[{"id":"c1","type":"function","function":{"name":"g","arguments":"{}"}}],"usage":{"prompt_tokens":9223372036854775807,"completion_tokens":9223372036854775807,"total_tokens":9223372036854775807}}\n' "$id"
done
SH
	chmod +x chat.sh
	printf 'model = "m"\nprompt = "x"\nmax_turns = 3\n[[tools]]\nname = "g"\nmock_response = "sunny"\n' >s.toml
	run timeout 10 llm-runner --chat "sh ./chat.sh" s.toml
	jq -e '.turns == 3 and .max_turns_hit == true' <<<"$output"
	[ "$(grep -o '"[a-z_]*_tokens":[-0-9]*' <<<"$output" | sort -u | tr '\n' ' ')" = '"completion_tokens":9223372036854775807 "prompt_tokens":9223372036854775807 "total_tokens":9223372036854775807 ' ]
}

@test "llm-batch --estimate: max_tokens near INT64_MAX add up to it, not wrap" {
	for id in a b; do
		printf '{"id":"%s","request":{"model":"m","max_tokens":9223372036854775807,"messages":[{"role":"user","content":"hi"}]}}\n' "$id"
	done >in.ndjson
	run timeout 10 llm-batch submit --estimate -o st.json --base-url "http://localhost.invalid:1/v1" in.ndjson
	assert_equal "$status" 0
	assert_output --regexp '^2 requests, about [0-9]+ prompt tokens and at most 9223372036854775807 completion tokens'
}

@test "a server's usage near INT64_MAX: llm-chat's token count stops there, every record answered" {
	printf '%s\n' '{"model":"huge","body":"{\"id\":\"c\",\"object\":\"chat.completion\",\"model\":\"huge\",\"choices\":[{\"index\":0,\"message\":{\"role\":\"assistant\",\"content\":\"hi\"},\"finish_reason\":\"stop\"}],\"usage\":{\"prompt_tokens\":1,\"completion_tokens\":9223372036854775806,\"total_tokens\":9223372036854775807}}"}' >rules.ndjson
	start_mock -q -r rules.ndjson
	for id in a b c; do
		printf '{"id":"%s","request":{"model":"huge","messages":[{"role":"user","content":"hi"}]}}\n' "$id"
	done >in.ndjson
	run timeout 10 llm-chat -q <in.ndjson
	assert_equal "$status" 0
	[ "$(jq -r '[.id, .status, .content] | join(" ")' <<<"$output" | sort | tr '\n' ' ')" = 'a ok hi b ok hi c ok hi ' ]
	[ "$(grep -o '"total_tokens":[-0-9]*' <<<"$output" | sort -u)" = '"total_tokens":9223372036854775807' ]
}

@test "llm-runner: a tool's mock_exec does not see LLM_API_TOKEN or OPENAI_API_KEY" {
	start_mock -q
	cat >s.json <<'JSON'
{"model":"mock-1","prompt":"x [[mock:tool name=env args={}]]",
 "tools":[{"name":"env","mock_exec":["sh","-c","echo \"[${LLM_API_TOKEN-unset}][${OPENAI_API_KEY-unset}][${KEEP-unset}]\""]}]}
JSON
	LLM_API_TOKEN=sekrit-1 OPENAI_API_KEY=sekrit-2 KEEP=kept run timeout 10 llm-runner s.json
	assert_success
	assert_equal "$(jq -r '.tool_calls[0].result' <<<"$output")" "[unset][unset][kept]"
}

@test "llm-runner: a tool's mock_exec does not see a provider's token_env variable either" {
	start_mock -q
	mkdir cfg
	printf '[prov]\nbase_url = "%s"\ntoken_env = "MY_PROV_KEY"\n' "$LLM_BASE_URL" >cfg/providers.toml
	cat >s.json <<'JSON'
{"model":"prov/mock-1","prompt":"x [[mock:tool name=env args={}]]",
 "tools":[{"name":"env","mock_exec":["sh","-c","echo \"[${MY_PROV_KEY-unset}][${SAME-unset}][${KEEP-unset}]\""]}]}
JSON
	LLM_CONFIG_DIR=$PWD/cfg MY_PROV_KEY=sekrit-3 SAME=sekrit-3 KEEP=kept run timeout 10 llm-runner s.json
	assert_success
	assert_equal "$(jq -r '.tool_calls[0].result' <<<"$output")" "[unset][unset][kept]"
}

@test "llm-plan: a plan over 8 MiB is refused before it is parsed, exit 2, in little memory" {
	awk 'BEGIN { print "plan_id = \"big\"\nassistant_id = \"A\"\n[assistant]\nllm = [\"m\"]";
		for (i = 0; i < 400000; i++) printf "[[query]]\nid = \"q%07d.md\"\n", i }' >plan.toml
	run bash -c '/usr/bin/time -f "rss=%M" llm-plan plan.toml 2>&1'
	assert_equal "$status" 2
	assert_line --partial "plan.toml: a plan is at most 8 MiB (about 250,000 queries): split it"
	rss=$(sed -n 's/^rss=//p' <<<"$output")
	# parsing it would take some 400 MB; refusing it, the file's 8 MiB and the program
	[ "$rss" -lt 120000 ]
}

@test "llm-plan --dump | head -c 10 ends quietly, as the other programs do" {
	jq -cn '{plan_id:"p",x:("a" * 4000000)}' >big.json
	run bash -c 'llm-plan --dump big.json 2>err | head -c 10 >/dev/null; echo "status=${PIPESTATUS[0]}"'
	assert_output "status=141"
	[ ! -s err ]
}

# ---- numbers json-c takes beyond JSON's grammar ----

@test "a record with a number such as 1. or -.5 is bad_input, never sent or echoed" {
	start_mock
	{
		echo '{"id":"a","request":{"model":"mock","temperature":1.,"messages":[{"role":"user","content":"hi"}]}}'
		echo '{"id":"b","request":{"model":"mock","top_p":-.5,"messages":[{"role":"user","content":"hi"}]}}'
		echo '{"id":"c","request":{"model":"mock","temperature":1.0,"messages":[{"role":"user","content":"hi"}]}}'
	} >"$BATS_TEST_TMPDIR/in"
	llm-chat -q <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>/dev/null || true
	run jq -c '[.id, .status, .error.kind, (.error.message // "" | test("not in JSON.s form"))]' "$BATS_TEST_TMPDIR/out"
	assert_success
	assert_line --index 0 '["stdin:1","error","bad_input",true]'
	assert_line --index 1 '["stdin:2","error","bad_input",true]'
	assert_line --index 2 '["c","ok",null,false]'
}

@test "llm-hash refuses numbers json-c would take: 1. -.5 -01 00.5 1.e3" {
	run llm-hash --json <<<$'[1.]\n[-.5]\n[-01]\n[00.5]\n[1.e3]\n[1.0]'
	assert_equal "$(grep -c "not in JSON's form" <<<"$output")" 5
}

# ---- several writers into one log ----

# big_records N SIZE: N request records whose prompt is SIZE bytes.
big_records() {
	local pad
	pad=$(head -c "$2" /dev/zero | tr '\0' x)
	for i in $(seq 1 "$1"); do
		printf '{"id":"r%s","request":{"model":"m","messages":[{"role":"user","content":"%s"}]}}\n' \
			"$i" "$pad"
	done
}

@test "eight writers appending 5 KB records to one log with >> never tear a record" {
	start_mock
	big_records 100 5000 >in.ndjson
	local pids=()
	for w in 1 2 3 4 5 6 7 8; do
		llm-chat -q -j 4 <in.ndjson >>log.ndjson &
		pids+=($!)
	done
	wait "${pids[@]}"	# not the mock
	assert_equal "$(wc -l <log.ndjson)" 800
	# every line one whole JSON record, 5 KB or more
	run jq -c 'select(.status == "ok" and (.content | length) >= 5000) | .id' log.ndjson
	assert_equal "${#lines[@]}" 800
	pids=()
	for w in 1 2 3 4 5 6 7 8; do
		llm-redact <log.ndjson >>red.ndjson &
		pids+=($!)
	done
	wait "${pids[@]}"
	assert_equal "$(jq -c .id red.ndjson | wc -l)" 6400
}

@test "writers sharing a pipe never tear records of up to PIPE_BUF bytes" {
	start_mock
	big_records 200 3000 >in.ndjson
	llm-chat -q -j 4 <in.ndjson >small.ndjson
	[ "$(awk '{ if (length($0) + 1 > 4096) n++ } END { print n + 0 }' small.ndjson)" = 0 ]
	( for w in 1 2 3 4 5 6 7 8; do llm-redact <small.ndjson & done; wait ) | cat >shared.ndjson
	assert_equal "$(jq -c .id shared.ndjson | wc -l)" 1600
}
