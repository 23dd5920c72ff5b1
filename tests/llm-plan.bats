#!/usr/bin/env bats
# llm-plan: plans in, request records out; lookup, checks, resume, --dump.

load helpers

# mkplan DIR PLAN_ID [MODELS] [QUERIES]: an assistant folder DIR with
# query files q1.md..qN.md and DIR/Output/PLAN_ID/plan.toml
mkplan() {
	local dir=$1 id=$2 models=${3:-'"m-a", "m-b"'} n=${4:-3} i
	mkdir -p "$dir/Input" "$dir/Output/$id"
	{
		printf 'plan_id = "%s"\nassistant_id = "%s"\n\n' "$id" "$(basename "$dir")"
		printf '[assistant]\nsystem_prompt = "Be brief."\n\n'
		printf '[assistant.llm]\nmodels = [%s]\ntemperature = 0.7\nmax_tokens = 100\n' "$models"
		for i in $(seq "$n"); do
			printf '\n[[query]]\nid = "q%d.md"\n' "$i"
			printf 'Question %d?\n' "$i" >"$dir/Input/q$i.md"
		done
	} >"$dir/Output/$id/plan.toml"
}

hash8() { printf '%s' "$1" | sha256sum | cut -c1-8; }

@test "a plan expands into one request per model and query" {
	mkplan asst p1
	run llm-plan asst/Output/p1/plan.toml
	assert_success
	[ "$(wc -l <<<"$output")" -eq 6 ]
	ha=$(hash8 m-a) hb=$(hash8 m-b)
	[ "$(jq -r .id <<<"$output" | tr '\n' ' ')" = "p1/$ha/q1.md p1/$hb/q1.md p1/$ha/q2.md p1/$hb/q2.md p1/$ha/q3.md p1/$hb/q3.md " ]
	first=$(head -1 <<<"$output")
	[ "$(jq -c .request <<<"$first")" = '{"model":"m-a","messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Question 1?\n"}],"temperature":0.7,"max_tokens":100}' ]
	[ "$(jq -c .meta <<<"$first")" = "{\"plan_id\":\"p1\",\"assistant_id\":\"asst\",\"query_id\":\"q1.md\",\"model\":\"m-a\",\"model_hash\":\"$ha\",\"output\":\"asst/Output/p1/$ha/q1_response.md\"}" ]
	# the same work, the same ids and bytes, run after run
	run llm-plan asst/Output/p1/plan.toml
	[ "$output" = "$(llm-plan asst/Output/p1/plan.toml)" ]
}

@test "the same plan as JSON gives the same records" {
	mkplan asst p1
	llm-plan asst/Output/p1/plan.toml >toml.out
	llm-plan --dump asst/Output/p1/plan.toml >asst/Output/p1/plan.json
	run llm-plan asst/Output/p1/plan.json
	assert_success
	[ "$output" = "$(cat toml.out)" ]
	# a JSON plan is known by its first character too
	cp asst/Output/p1/plan.json asst/Output/p1/plan.txt
	[ "$(llm-plan asst/Output/p1/plan.txt)" = "$(cat toml.out)" ]
}

@test "a plan id is looked up under . or -C DIR, or in the assistant folder itself" {
	mkplan asst p1
	run llm-plan p1
	assert_success
	[ "$(wc -l <<<"$output")" -eq 6 ]
	mkdir sub && mv asst sub/
	run llm-plan -C sub p1
	assert_success
	[ "$(jq -r .meta.output <<<"$output" | head -1)" = "sub/asst/Output/p1/$(hash8 m-a)/q1_response.md" ]
	cd sub/asst
	run llm-plan p1
	assert_success
	[ "$(jq -r .meta.output <<<"$output" | head -1)" = "Output/p1/$(hash8 m-a)/q1_response.md" ]
}

@test "no plan or several plans for an id are errors that say what to do" {
	run llm-plan p1
	[ "$status" -eq 2 ]
	assert_output "llm-plan: plan p1: no plan found under .: create it first at <assistant>/Output/p1/plan.toml"
	mkplan a1 p1
	mkplan a2 p1
	run llm-plan p1
	[ "$status" -eq 2 ]
	assert_output "llm-plan: plan p1: found 2 plans: a1/Output/p1/plan.toml, a2/Output/p1/plan.toml: give the file instead"
	run llm-plan ../p1
	[ "$status" -eq 2 ]
	assert_output --partial "llm-plan: ../p1"
}

@test "checks name the file, and the line and column in TOML" {
	mkplan asst p1
	f=asst/Output/p1/plan.toml
	sed -i 's/^plan_id = "p1"/plan_id = "p2"/' $f
	run llm-plan $f
	[ "$status" -eq 2 ]
	assert_output "llm-plan: $f:1:11: plan_id 'p2' does not match the plan's directory asst/Output/p1"
	mkplan asst p1
	sed -i 's/^models = .*/models = []/' $f
	run llm-plan $f
	[ "$status" -eq 2 ]
	assert_output "llm-plan: $f:8:10: assistant.llm.models is empty: name at least one model"
	mkplan asst p1
	sed -i 's/^max_tokens = 100/max_tokens = "100"/' $f
	run llm-plan $f
	[ "$status" -eq 2 ]
	assert_output "llm-plan: $f:10:14: assistant.llm.max_tokens: expected an integer, got a string"
	mkplan asst p1
	sed -i 's/^temperature = 0.7/temperature = 7/' $f
	run llm-plan $f
	assert_output "llm-plan: $f:9:15: assistant.llm.temperature: expected a number from 0 to 2"
	mkplan asst p1
	sed -i 's/^models = .*/models = ["m", 2]/' $f
	run llm-plan $f
	assert_output "llm-plan: $f:8:16: assistant.llm.models[1]: expected a model name, got an integer"
	mkplan asst p1 '"m", "m"'
	run llm-plan $f
	assert_output "llm-plan: $f:8:16: assistant.llm.models: 'm' is listed twice"
	mkplan asst p1 '"m"' 0
	run llm-plan $f
	[ "$status" -eq 2 ]
	assert_output "llm-plan: $f: no queries: add at least one [[query]] with an id"
	mkplan asst p1
	rm asst/Input/q2.md
	run llm-plan $f
	[ "$status" -eq 2 ]
	assert_output "llm-plan: $f:16:6: query 'q2.md': asst/Input/q2.md: No such file or directory"
	mkplan asst p1
	sed -i 's/^assistant_id = .*/assistant_id = 3/' $f
	run llm-plan $f
	assert_output "llm-plan: $f:2:16: assistant_id: expected a string, got an integer"
	printf 'plan_id = "p1"\nassistant_id "x"\n' >$f
	run llm-plan $f
	[ "$status" -eq 2 ]
	assert_output "llm-plan: $f:2:14: expected '=' after a key, found '\"'"
	echo '{"plan_id": "p1", "assistant_id": "a", "assistant": {"llm": {"models": "m"}}}' >asst/Output/p1/plan.json
	run llm-plan asst/Output/p1/plan.json
	[ "$status" -eq 2 ]
	assert_output "llm-plan: asst/Output/p1/plan.json: assistant.llm.models: expected an array of model names, got a string"
	echo '{"plan_id": ' >asst/Output/p1/plan.json
	run llm-plan asst/Output/p1/plan.json
	[ "$status" -eq 2 ]
	assert_output --partial "llm-plan: asst/Output/p1/plan.json: invalid JSON: "
}

@test "query and plan ids with .., absolute paths or NUL are refused; other names work" {
	mkplan asst p1
	f=asst/Output/p1/plan.toml
	sed -i 's/^id = "q2.md"/id = "..\/..\/etc\/passwd"/' $f
	run llm-plan $f
	[ "$status" -eq 2 ]
	assert_output "llm-plan: $f:16:6: query id: '..' not allowed in path: ../../etc/passwd"
	sed -i 's/^id = "..\/..\/etc\/passwd"/id = "\/etc\/passwd"/' $f
	run llm-plan $f
	assert_output "llm-plan: $f:16:6: query id: absolute path not allowed: /etc/passwd"
	sed -i 's/^id = "\/etc\/passwd"/id = "q\\u0000.md"/' $f
	run llm-plan $f
	assert_output "llm-plan: $f:16:6: query id: path contains a NUL byte"
	mkplan asst p1
	printf '{"plan_id":"..","assistant_id":"a"}' >x.json
	run llm-plan x.json
	[ "$status" -eq 2 ]
	assert_output "llm-plan: x.json: plan_id: '..' not allowed in path: .."
	run llm-plan 'a/../b'
	[ "$status" -eq 2 ]
	# non-ASCII names: a query in a sub-folder, an accented name
	mkdir -p asst/Input/sub
	printf 'Qu\303\251?' >asst/Input/sub/$'caf\303\251.md'
	printf '\n[[query]]\nid = "sub/caf\303\251.md"\n' >>$f
	run llm-plan $f
	assert_success
	[ "$(tail -1 <<<"$output" | jq -r '.id + " " + .meta.output + " " + .request.messages[1].content')" = \
	  "p1/$(hash8 m-b)/sub/caf$(printf '\303\251').md asst/Output/p1/$(hash8 m-b)/sub/caf$(printf '\303\251')_response.md Qu$(printf '\303\251')?" ]
}

@test "--dry-run prints the matrix and what is done, and no records" {
	mkplan asst p1
	mkdir -p "asst/Output/p1/$(hash8 m-a)"
	echo answer >"asst/Output/p1/$(hash8 m-a)/q2_response.md"
	run llm-plan --dry-run --skip-existing asst/Output/p1/plan.toml
	assert_success
	assert_line "plan        p1  (asst/Output/p1/plan.toml)"
	assert_line "assistant   asst  (folder asst)"
	assert_line "models      2"
	assert_line "  $(hash8 m-a)  m-a"
	assert_line "  $(hash8 m-b)  m-b"
	assert_line "queries     3"
	assert_line "  q1.md  (12 bytes)"
	assert_line "parameters  temperature 0.7, max_tokens 100, system prompt of 9 bytes"
	assert_line "jobs        6  (3 queries x 2 models x 1 samples)"
	assert_line "done        1 with a response file"
	assert_line "to send     5"
	refute_output --partial '{'
}

@test "--skip-existing and --done leave out the finished pairs, alone or together" {
	mkplan asst p1
	ha=$(hash8 m-a) hb=$(hash8 m-b)
	mkdir -p asst/Output/p1/$ha
	echo answer >asst/Output/p1/$ha/q1_response.md
	run llm-plan --skip-existing asst/Output/p1/plan.toml
	assert_success
	[ "$(jq -r .id <<<"$output" | tr '\n' ' ')" = "p1/$hb/q1.md p1/$ha/q2.md p1/$hb/q2.md p1/$ha/q3.md p1/$hb/q3.md " ]
	# a log: an ok record, an error record, a line that is no record
	{
		echo "{\"id\":\"p1/$hb/q2.md\",\"status\":\"ok\",\"content\":\"x\"}"
		echo "{\"id\":\"p1/$ha/q3.md\",\"status\":\"error\",\"error\":{\"kind\":\"http\"}}"
		echo "not json"
	} >log.ndjson
	run llm-plan --done log.ndjson asst/Output/p1/plan.toml
	assert_success
	[ "$(grep -c '^{' <<<"$output")" -eq 5 ]
	refute_output --partial "\"p1/$hb/q2.md\""
	assert_output --partial "llm-plan: log.ndjson: 1 lines are not records; ignored"
	run llm-plan --skip-existing --done log.ndjson asst/Output/p1/plan.toml
	[ "$(grep '^{' <<<"$output" | jq -r .id | tr '\n' ' ')" = "p1/$hb/q1.md p1/$ha/q2.md p1/$ha/q3.md p1/$hb/q3.md " ]
}

@test "--done with a log not written yet: nothing is done; one that cannot be read is an error" {
	mkplan asst p1
	# tee -a creates the log while llm-plan starts: it may not be there yet
	run llm-plan --skip-existing --done missing.ndjson asst/Output/p1/plan.toml
	assert_success
	[ "$(grep -c '^{' <<<"$output")" -eq 6 ]
	refute_output --partial 'llm-plan:'
	run llm-plan --dry-run --done missing.ndjson asst/Output/p1/plan.toml
	assert_success
	assert_line "done        0 with a response file, 0 ok in the --done log"
	assert_line "to send     6"
	mkdir dir.ndjson
	run llm-plan --done dir.ndjson asst/Output/p1/plan.toml
	[ "$status" -eq 2 ]
	assert_output --partial "llm-plan: --done dir.ndjson"
	refute_output --partial '{'
	# the pipeline of llm(7), first run: every pair asked once, all logged
	start_mock
	run bash -c 'llm-plan --skip-existing --done log.ndjson asst/Output/p1/plan.toml |
		llm-chat --save | tee -a log.ndjson >/dev/null'
	assert_success
	[ "$(jq -r 'select(.status == "ok") | .id' log.ndjson | sort -u | wc -l)" -eq 6 ]
	[ "$(wc -l <log.ndjson)" -eq 6 ]
}

@test "--skip-existing --done: a logged pair whose response file was deleted is asked again" {
	mkplan asst p1
	ha=$(hash8 m-a) hb=$(hash8 m-b)
	start_mock
	llm-plan asst/Output/p1/plan.toml | llm-chat --save >log.ndjson
	[ "$(ls asst/Output/p1/$ha asst/Output/p1/$hb | grep -c _response.md)" -eq 6 ]
	rm asst/Output/p1/$hb/q2_response.md
	run llm-plan --skip-existing --done log.ndjson asst/Output/p1/plan.toml
	assert_success
	[ "$(jq -r .id <<<"$output")" = "p1/$hb/q2.md" ]
	run llm-plan --dry-run --skip-existing --done log.ndjson asst/Output/p1/plan.toml
	assert_line "done        5 with a response file, 5 ok in the --done log"
	assert_line "to send     1"
	# rerun: the file is back, and nothing is left to ask
	llm-plan --skip-existing --done log.ndjson asst/Output/p1/plan.toml | llm-chat --save >>log.ndjson
	[ -s asst/Output/p1/$hb/q2_response.md ]
	[ "$(wc -l <log.ndjson)" -eq 7 ]
	run llm-plan --skip-existing --done log.ndjson asst/Output/p1/plan.toml
	assert_success
	assert_output ''
	# --done alone trusts the log: a run without --save has no files to look at
	rm asst/Output/p1/$hb/q2_response.md
	run llm-plan --done log.ndjson asst/Output/p1/plan.toml
	assert_success
	assert_output ''
	# a log record without meta.output is done whatever is on disk
	echo "{\"id\":\"p1/$hb/q2.md\",\"status\":\"ok\"}" >bare.ndjson
	run llm-plan --skip-existing --done bare.ndjson asst/Output/p1/plan.toml
	assert_success
	assert_output ''
}

@test "a plan refuses a key it does not know, at its line and column, listing the known ones" {
	mkplan asst p1
	f=asst/Output/p1/plan.toml
	sed -i 's/^temperature = 0.7/temprature = 0.7/' $f
	run llm-plan $f
	[ "$status" -eq 2 ]
	assert_output "llm-plan: $f:9:14: unknown key 'temprature' in [assistant.llm] (known: models, temperature, max_tokens)"
	mkplan asst p1
	sed -i 's/^system_prompt/sytem_prompt/' $f
	run llm-plan $f
	[ "$status" -eq 2 ]
	assert_output "llm-plan: $f:5:16: unknown key 'sytem_prompt' in [assistant] (known: system_prompt, llm, json_schema, assert)"
	mkplan asst p1
	sed -i 's/^assistant_id = .*/&\nplanid = "x"/' $f
	run llm-plan $f
	[ "$status" -eq 2 ]
	assert_output "llm-plan: $f:3:10: unknown key 'planid' at the top level (known: plan_id, assistant_id, assistant, query)"
	mkplan asst p1
	printf 'text = "q"\n' >>$f
	run llm-plan --dry-run $f
	[ "$status" -eq 2 ]
	assert_output "llm-plan: $f:20:8: unknown key 'text' in [[query]] (known: id, json_schema, assert)"
	mkplan asst p1
	printf '\n[[querry]]\nid = "q9.md"\n' >>$f
	run llm-plan $f
	[ "$status" -eq 2 ]
	assert_output "llm-plan: $f:21:1: unknown key 'querry' at the top level (known: plan_id, assistant_id, assistant, query)"
	mkplan asst p1
	sed -i 's/^\[assistant\.llm\]/[assistant.lm]/' $f
	run llm-plan $f
	[ "$status" -eq 2 ]
	assert_output "llm-plan: $f:7:1: unknown key 'lm' in [assistant] (known: system_prompt, llm, json_schema, assert)"
	# JSON plans the same, without a position
	mkplan asst p1
	llm-plan --dump $f | jq -c '.assistant.llm.top_p = 1' >p.json
	run llm-plan p.json
	[ "$status" -eq 2 ]
	assert_output "llm-plan: p.json: unknown key 'top_p' in [assistant.llm] (known: models, temperature, max_tokens)"
}

@test "--repeat N gives N samples with their own ids, meta.repeat and files" {
	mkplan asst p1 '"m-a"' 1
	ha=$(hash8 m-a)
	run llm-plan --repeat 3 asst/Output/p1/plan.toml
	assert_success
	[ "$(jq -r '[.id, .meta.repeat, .meta.output] | join(" ")' <<<"$output")" = "p1/$ha/q1.md/r0 0 asst/Output/p1/$ha/q1_r0_response.md
p1/$ha/q1.md/r1 1 asst/Output/p1/$ha/q1_r1_response.md
p1/$ha/q1.md/r2 2 asst/Output/p1/$ha/q1_r2_response.md" ]
	run llm-plan --repeat 0 asst/Output/p1/plan.toml
	[ "$status" -eq 2 ]
}

@test "--dump prints any TOML or JSON file as JSON for jq" {
	cat >t.toml <<'TOML'
big = 9223372036854775807
neg = -9223372036854775808
hex = 0xff
f = 1.0
g = 6.626e-34
specials = [inf, -inf, nan]
when = 1979-05-27T07:32:00-08:00
day = 1979-05-27
[t]
s = """multi
line"""
TOML
	run llm-plan --dump t.toml
	assert_success
	assert_output '{"big":9223372036854775807,"neg":-9223372036854775808,"hex":255,"f":1.0,"g":6.626e-34,"specials":["inf","-inf","nan"],"when":"1979-05-27T07:32:00-08:00","day":"1979-05-27","t":{"s":"multi\nline"}}'
	echo '{"a": [1, 2.50, "x"]}' >j.json
	run llm-plan --dump j.json
	assert_output '{"a":[1,2.50,"x"]}'
	printf 'a = 1\nb = [1,\n  2 3]\n' >bad.toml
	run llm-plan --dump bad.toml
	[ "$status" -eq 2 ]
	assert_output "llm-plan: bad.toml:3:5: expected ',' or ']' in an array, found '3'"
	run llm-plan --dump missing.toml
	[ "$status" -eq 2 ]
	assert_output "llm-plan: missing.toml: No such file or directory"
}

@test "ad hoc: -m models, -s a system file and query files, no plan file" {
	printf 'Be terse.' >sys.txt
	printf 'What is 2+2?' >q1.md
	mkdir d && printf 'Name a color.' >d/q2.txt
	run llm-plan -m m-a -m m-b -s sys.txt --temperature 0.25 --max-tokens 50 q1.md d/q2.txt
	assert_success
	[ "$(wc -l <<<"$output")" -eq 4 ]
	ha=$(hash8 m-a)
	first=$(head -1 <<<"$output")
	[ "$(jq -c . <<<"$first")" = "{\"id\":\"adhoc/$ha/q1.md\",\"request\":{\"model\":\"m-a\",\"messages\":[{\"role\":\"system\",\"content\":\"Be terse.\"},{\"role\":\"user\",\"content\":\"What is 2+2?\"}],\"temperature\":0.25,\"max_tokens\":50},\"meta\":{\"plan_id\":\"adhoc\",\"query_id\":\"q1.md\",\"model\":\"m-a\",\"model_hash\":\"$ha\",\"output\":\"Output/adhoc/$ha/q1_response.md\"}}" ]
	[ "$(tail -1 <<<"$output" | jq -r .meta.output)" = "Output/adhoc/$(hash8 m-b)/d/q2_response.md" ]
	run llm-plan --plan-id exp7 -m m q1.md
	[ "$(jq -r .id <<<"$output")" = "exp7/$(hash8 m)/q1.md" ]
	run llm-plan -m m /etc/hostname
	[ "$status" -eq 2 ]
	assert_output "llm-plan: query id: absolute path not allowed: /etc/hostname"
	run llm-plan -m m nothere.md
	[ "$status" -eq 2 ]
	assert_output "llm-plan: query file nothere.md: No such file or directory"
	run llm-plan --temperature 0.5 p1
	[ "$status" -eq 2 ]
	run llm-plan -m m
	[ "$status" -eq 2 ]
}

@test "a reader that goes away ends llm-plan quietly" {
	printf 'q' >q.md
	run bash -c 'llm-plan --repeat 100000 -m m q.md | head -1 | jq -r .id'
	assert_success
	assert_output "adhoc/$(hash8 m)/q.md/r0"
}


@test "a query id never leads out of <assistant>/Input through a symbolic link" {
	mkplan asst p1 '"m-a"' 1
	mkdir -p secret asst/Input/ok
	echo "the key" >secret/key.txt
	echo "inside" >asst/Input/ok/q.md
	ln -s ../../secret asst/Input/lnk
	printf '\n[[query]]\nid = "lnk/key.txt"\n' >>asst/Output/p1/plan.toml
	run llm-plan asst/Output/p1/plan.toml
	assert_equal "$status" 2
	assert_output --partial "asst/Input/lnk/key.txt: leads out of the directory through a symbolic link"
	refute_output --partial "the key"
	# a plain subdirectory is fine
	sed -i 's|lnk/key.txt|ok/q.md|' asst/Output/p1/plan.toml
	run llm-plan asst/Output/p1/plan.toml
	assert_success
	assert_output --partial '"content":"inside\n"'
}
