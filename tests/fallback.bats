#!/usr/bin/env bats
# Fallbacks: a request that asking its model again cannot mend goes to the
# next model the providers file names for it.

load helpers
bats_require_minimum_version 1.5.0

NOT_FOUND='{"error":{"message":"The model `big` does not exist","type":"invalid_request_error","code":"model_not_found"}}'
TOO_LONG='{"error":{"message":"This model'"'"'s maximum context length is 8192 tokens","type":"invalid_request_error","code":"context_length_exceeded"}}'

setup() {
	cd "$BATS_TEST_TMPDIR"
	export LLM_CONFIG_DIR=$PWD/cfg
	mkdir -p cfg
	jq -cn --arg b "$NOT_FOUND" '{model:"big", status:404, body:$b}' >rules.ndjson
	jq -cn --arg b "$TOO_LONG" '{model:"long", status:400, body:$b}' >>rules.ndjson
	jq -cn '{model:"picky", status:400, body:"{\"error\":{\"message\":\"temperature: out of range\"}}"}' >>rules.ndjson
	start_mock -q -r rules.ndjson
	printf '[[fallback]]\nmodel = "big"\nto = ["small"]\n[[fallback]]\nmodel = "l*"\nto = ["big", "medium"]\n[[fallback]]\nmodel = "picky"\nto = ["small"]\n' >cfg/providers.toml
}

req() {
	printf '{"id":"%s","request":{"model":"%s","messages":[{"role":"user","content":"hi"}]}}\n' "$1" "$2"
}

stats() {
	curl -s "$LLM_BASE_URL/mock/stats" | jq .requests
}

@test "a model the server does not have (404): its fallback answers, the record says so" {
	req a big >in.ndjson
	run llm-chat <in.ndjson
	assert_success
	assert_equal "$(jq -c '[.status, .model, .fallback_from, .endpoint == env.LLM_BASE_URL]' <<<"$output")" '["ok","small","big",true]'
	assert_equal "$(stats)" 2
}

@test "a prompt past the context: the fallbacks in order, past one that fails too" {
	req a long >in.ndjson
	run llm-chat <in.ndjson
	assert_success
	# long -> big (404) -> medium
	assert_equal "$(jq -c '[.status, .model, .fallback_from]' <<<"$output")" '["ok","medium","long"]'
	assert_equal "$(stats)" 3
}

@test "other errors are not mended by another model: no fallback" {
	req a picky >in.ndjson
	run llm-chat <in.ndjson
	assert_equal "$status" 1
	assert_equal "$(jq -c '[.error.http_status, .request.model]' <<<"$output")" '[400,"picky"]'
	assert_equal "$(stats)" 1
}

@test "when every fallback fails, the error says so and the request keeps its model" {
	printf '[[fallback]]\nmodel = "big"\nto = ["long"]\n' >cfg/providers.toml
	req a big >in.ndjson
	run llm-chat <in.ndjson
	assert_equal "$status" 1
	assert_equal "$(jq -r .request.model <<<"$output")" big
	assert_output --partial "(after its fallbacks, the last long)"
	assert_equal "$(stats)" 2
}

@test "a provider's fallbacks send to another endpoint; the record names it" {
	local one=$LLM_BASE_URL
	start_mock -q
	local two=$LLM_BASE_URL
	printf '[p]\nbase_url = "%s"\nfallbacks = ["q/small"]\n[q]\nbase_url = "%s"\n' "$one" "$two" >cfg/providers.toml
	req a p/big >in.ndjson
	run llm-chat <in.ndjson
	assert_success
	assert_equal "$(jq -c '[.model, .fallback_from, .endpoint]' <<<"$output")" "[\"small\",\"p/big\",\"$two\"]"
}

@test "a fallback answer is cached under its own model's key, never the first's" {
	req a big >in.ndjson
	llm-chat --cache c <in.ndjson >/dev/null
	# asked again, big is asked again (its 404 is not cached) and falls back
	run llm-chat --cache c <in.ndjson
	assert_equal "$(jq -c '[.model, .fallback_from]' <<<"$output")" '["small","big"]'
	assert_equal "$(stats)" 3
	# asked for itself, small's answer is the one the fallback cached
	req b small >in2.ndjson
	run llm-chat --cache c <in2.ndjson
	assert_equal "$(jq -c '[.model, .cached]' <<<"$output")" '["small",true]'
	assert_equal "$(stats)" 3
}

@test "llm-retry --fallback: a model that fails for good, or whose retries are spent, gives way" {
	printf '[[fallback]]\nmodel = "nothing"\nto = ["x"]\n' >cfg/providers.toml
	jq -cn '{model:"busy", status:503, body:"{\"error\":{\"message\":\"overloaded\"}}"}' >>rules.ndjson
	start_mock -q -r rules.ndjson
	{ req a big; req b busy; req c picky; req d fine; } >in.ndjson
	run --separate-stderr llm-retry -q -n 1 --base 0.01 --fallback small -- llm-chat <in.ndjson
	assert_equal "$status" 1
	sorted=$(jq -c '[.id, .status, .model, .fallback_from, .attempt]' <<<"$output" | sort)
	# a: 404 at once, then small; b: 503, a retry, then small (attempt 3);
	# c: a 400 that another model would not mend; d: fine as it is
	assert_equal "$sorted" "$(printf '%s\n' '["a","ok","small","big",2]' '["b","ok","small","busy",3]' '["c","error",null,null,1]' '["d","ok","fine",null,1]')"
	# out of fallbacks: the error says so and keeps the model first asked
	{ req e big; } >in2.ndjson
	jq -cn --arg b "$NOT_FOUND" '{model:"big", status:404, body:$b}, {model:"small", status:404, body:$b}' >rules2.ndjson
	start_mock -q -r rules2.ndjson
	run --separate-stderr llm-retry -q --fallback small -- llm-chat <in2.ndjson
	assert_equal "$status" 1
	assert_equal "$(jq -r .request.model <<<"$output")" "big"
	assert_output --partial "(after --fallback small)"
}

@test "a spent quota: that request and every later one for the endpoint go to the fallback" {
	start_mock -q --quota-tokens 40
	local one=$LLM_BASE_URL
	start_mock -q
	local two=$LLM_BASE_URL
	printf '[p]\nbase_url = "%s"\nfallbacks = ["q/m"]\n[q]\nbase_url = "%s"\n' "$one" "$two" >cfg/providers.toml
	for i in 1 2 3 4 5 6 7 8; do req "r$i" p/m; done >in.ndjson
	run llm-chat -j 1 -k <in.ndjson
	assert_success
	[ "$(wc -l <<<"$output")" -eq 8 ]
	[ "$(jq -r .status <<<"$output" | sort -u)" = ok ]
	before=$(jq -s 'map(select(.fallback_from == null)) | length' <<<"$output")
	after=$(jq -s 'map(select(.fallback_from == "p/m" and .endpoint == "'"$two"'")) | length' <<<"$output")
	[ "$before" -gt 0 ] && [ "$after" -gt 0 ] && [ $((before + after)) -eq 8 ]
	# the first endpoint saw the answered ones and the one its quota refused, no more
	[ "$(curl -s "$one/mock/stats" | jq .requests)" -eq $((before + 1)) ]
	[ "$(curl -s "$two/mock/stats" | jq .requests)" -eq "$after" ]
}
