#!/usr/bin/env bats
# llm-plan --estimate and --max-cost: what a plan would cost, before it runs.

load helpers
bats_require_minimum_version 1.5.0

# Two query files and a price table where a token costs whole dollars, so
# every figure below is worked out by hand: the request bodies are
#   {"model":"m-a","messages":[{"role":"user","content":"abc\n"}],"max_tokens":10}          78 bytes
#   {"model":"m-a","messages":[{"role":"user","content":"hello world\n"}],"max_tokens":10}  86 bytes
# (m-b the same), so each model sends 164 bytes, 41 tokens at four bytes a
# token, and at most 2 x 10 completion tokens.
setup() {
	cd "$BATS_TEST_TMPDIR"
	printf 'abc\n' >a.md
	printf 'hello world\n' >b.md
	echo '{"models":{"m-a":{"input":1000000,"output":2000000},"m-b":{"input":0,"output":1000000}}}' >prices.json
	export LLM_PRICES=$PWD/prices.json
	unset LLM_BASE_URL OPENAI_BASE_URL
	export LLM_CONFIG_DIR=$PWD/nocfg
}

@test "--estimate: requests, prompt tokens, completion bound and cost per model and in total" {
	run llm-plan --estimate -m m-a -m m-b --max-tokens 10 a.md b.md
	assert_success
	# m-a: 41 x $1 .. 41 x $1 + 20 x $2; m-b: 0 .. 20 x $1
	assert_line --regexp '^  m-a +2 +41 +20 41\.000000 \.\. 81\.000000$'
	assert_line --regexp '^  m-b +2 +41 +20 0\.000000 \.\. 20\.000000$'
	assert_line --regexp '^  total +4 +82 +40 41\.000000 \.\. 101\.000000$'
	# no records: the estimate is what is printed
	refute_output --partial '"request"'
}

@test "--estimate counts only what is left to send (--done)" {
	llm-plan -m m-a --max-tokens 10 a.md b.md | head -1 |
		jq -c '{id, status:"ok", content:"x"}' >done.ndjson
	run llm-plan --estimate --done done.ndjson -m m-a --max-tokens 10 a.md b.md
	assert_success
	# only b.md's request is left: 86 bytes, 21.5 tokens, rounded up to 22
	assert_line --regexp '^  m-a +1 +22 +10 22\.000000 \.\. 42\.000000$'
}

@test "--estimate with --dry-run: the summary, then the estimate" {
	run llm-plan -n --estimate -m m-a --max-tokens 10 a.md b.md
	assert_success
	assert_line --index 0 --partial "plan        adhoc"
	assert_line --regexp '^to send +2$'
	assert_line --regexp '^  total +2 +41 +20 41\.000000 \.\. 81\.000000$'
}

@test "--max-cost above the upper bound: the records are written as without it" {
	llm-plan -m m-a -m m-b --max-tokens 10 a.md b.md >plain.ndjson
	run llm-plan --max-cost 101 -m m-a -m m-b --max-tokens 10 a.md b.md
	assert_success
	assert_equal "$output" "$(cat plain.ndjson)"
}

@test "--max-cost below the upper bound: exit 1, nothing written, the estimate said" {
	run --separate-stderr llm-plan --max-cost 100 -m m-a -m m-b --max-tokens 10 a.md b.md
	assert_equal "$status" 1
	assert_equal "$output" ""
	[[ "$stderr" == *"--max-cost 100: the plan could cost up to 101.000000 USD (at least 41.000000): nothing written"* ]]
	[[ "$stderr" == *"  total "* ]]
}

@test "--max-cost: no max_tokens or no price means no bound, refused" {
	run --separate-stderr llm-plan --max-cost 1000 -m m-a a.md
	assert_equal "$status" 1
	[[ "$stderr" == *"max_tokens is not set, so the cost is not bounded"* ]]
	run --separate-stderr llm-plan --max-cost 1000 -m unknown-model --max-tokens 10 a.md
	assert_equal "$status" 1
	[[ "$stderr" == *"1 models have no price"* ]]
	run llm-plan --estimate -m unknown-model --max-tokens 10 a.md
	assert_success
	assert_line --regexp '^  unknown-model .* no price$'
	assert_line --regexp '^  total .* unknown$'
}

@test "--estimate: a model on a local endpoint costs 0" {
	LLM_BASE_URL=http://127.0.0.1:9/v1 run llm-plan --estimate -m m-a --max-tokens 10 a.md
	assert_success
	assert_line --regexp '^  m-a +1 +20 +10 0\.000000 \.\. 0\.000000  \(local\)$'
}

@test "--max-cost takes a number" {
	run llm-plan --max-cost lots -m m-a a.md
	assert_equal "$status" 2
	assert_output --partial "--max-cost"
}
