#!/usr/bin/env bats
# Budgets: --max-cost and --max-total-tokens stop the spending at a limit,
# with every record still answered once.

load helpers
bats_require_minimum_version 1.5.0

# A price table where a token costs a dollar, that prices llm-mock on
# 127.0.0.1 as a hosted provider; and n requests of at most 10 tokens.
setup() {
	cd "$BATS_TEST_TMPDIR"
	echo '{"local_is_free":false,"models":{"m":{"input":1000000,"output":1000000}}}' >prices.json
	export LLM_PRICES=$PWD/prices.json
	start_mock -q
}

reqs() {
	local i
	for i in $(seq "$1"); do
		printf '{"id":"r%d","request":{"model":"%s","max_tokens":10,"messages":[{"role":"user","content":"hello there %d"}]}}\n' \
			"$i" "${2:-m}" "$i"
	done
}

# every id r1..rN exactly once in file
once() {
	[ "$(wc -l <"$1")" -eq "$2" ] &&
		[ "$(jq -r .id "$1" | sort -u)" = "$(seq "$2" | sed 's/^/r/' | sort)" ]
}

# dollars the ok records of file cost: a token is a dollar
spent() {
	jq -s '[.[] | select(.status == "ok" and .cached == false) | .usage.prompt_tokens + .usage.completion_tokens] | add // 0' "$1"
}

@test "--max-cost: the spending stays under the limit, the rest are budget errors, every id once" {
	reqs 40 >in.ndjson
	run --separate-stderr sh -c 'llm-chat -j 4 --max-cost 200 <in.ndjson >out.ndjson'
	assert_equal "$status" 1
	once out.ndjson 40
	[ "$(spent out.ndjson)" -le 200 ]
	ok=$(jq -s 'map(select(.status == "ok")) | length' out.ndjson)
	[ "$ok" -gt 0 ]
	# the rest: budget errors, not retryable, each with its request to send again
	[ "$(jq -c 'select(.status == "error") | [.error.kind, .error.retryable, (.request.model)]' out.ndjson | sort -u)" = '["budget",false,"m"]' ]
	[ "$(jq -s 'map(select(.status == "error")) | length' out.ndjson)" -eq $((40 - ok)) ]
	# said once on stderr, not per record
	[ "$(grep -c 'budget: not sent: it could pass the budget' <<<"$stderr")" -eq 1 ]
	# and the server saw only the requests that were answered
	[ "$(curl -s "$LLM_BASE_URL/mock/stats" | jq .requests)" -eq "$ok" ]
}

@test "--max-cost is never passed by more than what was in flight: -j 1 never passes it at all" {
	reqs 30 >in.ndjson
	for limit in 30 55 100; do
		llm-chat -j 1 --max-cost $limit <in.ndjson >out.ndjson || true
		once out.ndjson 30
		[ "$(spent out.ndjson)" -le "$limit" ]
	done
}

@test "--max-total-tokens counts usage the same way" {
	reqs 20 >in.ndjson
	run --separate-stderr sh -c 'llm-chat -j 2 --max-total-tokens 100 <in.ndjson'
	assert_equal "$status" 1
	echo "$output" >out.ndjson
	once out.ndjson 20
	[ "$(jq -s '[.[] | select(.status == "ok") | .usage.total_tokens] | add' out.ndjson)" -le 100 ]
	[ "$(jq -s 'map(select(.error.kind == "budget")) | length' out.ndjson)" -gt 0 ]
}

@test "a cached answer costs nothing: a spent budget still gives every cached answer" {
	reqs 5 >in.ndjson
	llm-chat --cache cache <in.ndjson >first.ndjson
	run llm-chat --cache cache --max-cost 0 <in.ndjson
	assert_success
	[ "$(jq -c '[.status, .cached]' <<<"$output" | sort -u)" = '["ok",true]' ]
}

@test "--max-cost with a model the table has no price for: that record alone is refused" {
	{ reqs 2; reqs 1 unpriced | sed 's/"r1"/"u1"/'; } >in.ndjson
	run llm-chat -k --max-cost 1000 <in.ndjson
	assert_equal "$status" 1
	[ "$(jq -c '[.id, .status, .error.kind]' <<<"$output")" = "$(printf '%s\n' '["r1","ok",null]' '["r2","ok",null]' '["u1","error","budget"]')" ]
	assert_output --partial "model 'unpriced' has no price, so --max-cost cannot count it"
}

@test "a local endpoint costs nothing with the usual price table" {
	unset LLM_PRICES
	reqs 5 >in.ndjson
	run llm-chat --max-cost 0 <in.ndjson
	assert_success
}

@test "llm-stream takes the same budget" {
	reqs 20 >in.ndjson
	run sh -c 'llm-stream -j 2 --max-cost 60 <in.ndjson 2>/dev/null | jq -c "select(.status)"'
	echo "$output" >out.ndjson
	once out.ndjson 20
	[ "$(spent out.ndjson)" -le 60 ]
	[ "$(jq -s 'map(select(.error.kind == "budget")) | length' out.ndjson)" -gt 0 ]
}

@test "llm-retry --max-cost: each record it passes on is held; the rest are budget errors" {
	reqs 20 >in.ndjson
	run --separate-stderr sh -c 'llm-retry -q --max-cost 200 -- llm-chat -j 4 <in.ndjson >out.ndjson'
	assert_equal "$status" 1
	once out.ndjson 20
	[ "$(spent out.ndjson)" -le 200 ]
	[ "$(jq -s 'map(select(.status == "ok")) | length' out.ndjson)" -gt 0 ]
	[ "$(jq -c 'select(.status == "error") | [.error.kind, .error.retryable]' out.ndjson | sort -u)" = '["budget",false]' ]
	[ "$(grep -c 'budget: not sent' <<<"$stderr")" -eq 1 ]
	run llm-retry --whole --max-cost 1 -- true
	assert_equal "$status" 2
}

@test "llm-runner --max-cost: once the scenarios played cost the limit, the rest are not played" {
	local i
	for i in 1 2 3 4 5 6; do
		printf '{"model":"m","prompt":"hello there %d"}\n' "$i" >s$i.json
	done
	llm-runner s1.json >one.ndjson
	each=$(jq .cost_usd one.ndjson)
	[ "$each" -gt 0 ]
	# two scenarios stay under the limit, the third passes it: it was in flight
	run --separate-stderr llm-runner --max-cost $((2 * each + 1)) s1.json s2.json s3.json s4.json s5.json s6.json
	assert_equal "$status" 1
	[ "$(jq -c '[.status, .error.kind]' <<<"$output" | tr '\n' ' ')" = '["ok",null] ["ok",null] ["ok",null] ["error","budget"] ["error","budget"] ["error","budget"] ' ]
	[ "$(jq -r 'select(.error) | .error.message' <<<"$output" | sort -u)" = "not played: the scenarios before it spent $((3 * each)).000000 USD, --max-cost $((2 * each + 1))" ]
}
