#!/usr/bin/env bats
# A provider's limits: llm-mock acting them out (--limit-rpm, --limit-tpm,
# --quota-tokens, --tokens-per-s, the x-ratelimit-* headers), the quota
# error kind, and llm-chat pacing itself by the headers.
load helpers

req() {	# req ID CONTENT [MAX_TOKENS]: one request record
	jq -cn --arg id "$1" --arg c "$2" --argjson mt "${3:-null}" \
		'{id:$id,request:({model:"mock",messages:[{role:"user",content:$c}]}
		  + (if $mt then {max_tokens:$mt} else {} end))}'
}

post() {	# post TOKEN CONTENT [MAX_TOKENS]: the answer's headers and body
	curl -s -D - -H "Authorization: Bearer $1" "$LLM_BASE_URL/chat/completions" \
		-d "$(req x "$2" "${3:-}" | jq -c .request)"
}

header() {	# header NAME: its value in $output
	tr -d '\r' <<<"$output" | awk -v n="$1:" 'tolower($1) == n { print $2 }'
}

@test "llm-mock: the x-ratelimit headers are on every answer" {
	start_mock --limit-rpm 6 --limit-tpm 60000
	run post a hello 10
	assert_line --partial "HTTP/1.1 200"
	[ "$(header x-ratelimit-limit-requests)" = 6 ]
	[ "$(header x-ratelimit-remaining-requests)" = 5 ]
	# one request of 6 a minute refills in ten seconds
	[ "$(header x-ratelimit-reset-requests)" = 10s ]
	[ "$(header x-ratelimit-limit-tokens)" = 60000 ]
	# the prompt (2 tokens + 4 for its message) and max_tokens 10
	[ "$(header x-ratelimit-remaining-tokens)" = 59984 ]
	[ "$(header x-ratelimit-reset-tokens)" = 16ms ]
	run post a hello 10
	[ "$(header x-ratelimit-remaining-requests)" = 4 ]
	# a mock without limits sends none
	stop_mock
	start_mock
	run post a hello
	assert_line --partial "HTTP/1.1 200"
	refute_output --partial x-ratelimit
}

@test "llm-mock: past --limit-rpm a 429 with OpenAI's headers and body" {
	start_mock --limit-rpm 2
	run post a one
	run post a two
	assert_line --partial "HTTP/1.1 200"
	run post a three
	assert_line --partial "HTTP/1.1 429"
	[ "$(header x-ratelimit-remaining-requests)" = 0 ]
	[ "$(header x-ratelimit-limit-requests)" = 2 ]
	ms=$(header retry-after-ms)
	[ "$ms" -gt 0 ] && [ "$ms" -le 30000 ]
	[ "$(header retry-after)" = $(( (ms + 999) / 1000 )) ]
	[ "$(tail -1 <<<"$output" | jq -r .error.code)" = rate_limit_exceeded ]
	[ "$(tail -1 <<<"$output" | jq -r .error.type)" = requests ]
	[ "$(curl -s "$LLM_BASE_URL/mock/stats" | jq .rate_limited)" -eq 1 ]
}

@test "llm-mock: each token has its own budget" {
	start_mock --limit-rpm 1
	run post alice one
	assert_line --partial "HTTP/1.1 200"
	run post alice two
	assert_line --partial "HTTP/1.1 429"
	run post bob one
	assert_line --partial "HTTP/1.1 200"
	[ "$(header x-ratelimit-remaining-requests)" = 0 ]
}

@test "llm-mock: --limit-tpm counts the prompt and max_tokens" {
	start_mock --limit-tpm 600
	run post a hi 500
	assert_line --partial "HTTP/1.1 200"
	# 1 token of prompt, 4 for its message, 500 of max_tokens
	[ "$(header x-ratelimit-remaining-tokens)" = 95 ]
	run post a hi 500
	assert_line --partial "HTTP/1.1 429"
	[ "$(tail -1 <<<"$output" | jq -r .error.type)" = tokens ]
	# a small one still fits
	run post a hi 50
	assert_line --partial "HTTP/1.1 200"
}

@test "llm-mock: POST /v1/mock/limits changes the limits of a running mock" {
	start_mock --limit-rpm 600
	run curl -s -d '{"rpm":1}' "$LLM_BASE_URL/mock/limits"
	[ "$(jq -r .status <<<"$output")" = ok ]
	run post a one
	[ "$(header x-ratelimit-limit-requests)" = 1 ]
	run post a two
	assert_line --partial "HTTP/1.1 429"
	run curl -s -o /dev/null -w '%{http_code}' -d '{"rpm":"x"}' "$LLM_BASE_URL/mock/limits"
	[ "$output" = 400 ]
}

@test "llm-mock: --tokens-per-s makes longer answers take longer" {
	start_mock --tokens-per-s 100
	{ req short hi; req long "$(printf 'word %.0s' $(seq 80))"; } >in.ndjson
	run llm-chat -q <in.ndjson
	assert_success
	short=$(jq 'select(.id == "short") | .latency_ms' <<<"$output")
	long=$(jq 'select(.id == "long") | .latency_ms' <<<"$output")
	# 100 tokens at 100 a second: a second; 1 token: 10 ms
	[ "$long" -ge 900 ] && [ "$long" -lt 5000 ]
	[ "$short" -lt 500 ]
}

@test "a spent quota: kind quota, the rest of the endpoint's records not sent, exit 1" {
	start_mock --quota-tokens 100
	for i in $(seq 30); do req "r$i" "hello $i"; done >in.ndjson
	run llm-chat -j 1 <in.ndjson
	[ "$status" -eq 1 ]
	# every id once
	[ "$(jq -r .id <<<"$output" | sort -u | wc -l)" -eq 30 ]
	[ "$(jq -r .id <<<"$output" | wc -l)" -eq 30 ]
	ok=$(jq -r 'select(.status == "ok") | .id' <<<"$output" | wc -l)
	[ "$ok" -gt 0 ] && [ "$ok" -lt 30 ]
	# one answer said so; every later record got kind quota unsent
	[ "$(jq -r 'select(.error.kind == "quota" and .error.http_status == 429) | .id' <<<"$output" | wc -l)" -eq 1 ]
	[ "$(jq -r 'select(.error.kind == "quota") | .error.retryable' <<<"$output" | sort -u)" = false ]
	[ "$(jq -r 'select(.status == "error" and .error.kind != "quota") | .id' <<<"$output" | wc -l)" -eq 0 ]
	[ "$(curl -s "$LLM_BASE_URL/mock/stats" | jq .chat)" -eq $((ok + 1)) ]
	jq -e 'select(.error.kind == "quota" and .error.http_status == null) | .request.messages' <<<"$output" >/dev/null
}

@test "a spent quota stops only its endpoint" {
	start_mock
	other=$LLM_BASE_URL
	start_mock --quota-tokens 30
	spent=$LLM_BASE_URL
	mkdir -p "$LLM_CONFIG_DIR"
	printf '[spent]\nbase_url = "%s"\n' "$LLM_BASE_URL" >"$LLM_CONFIG_DIR/providers.toml"
	export LLM_BASE_URL=$other
	for i in $(seq 10); do
		req "a$i" "hello $i"
		req "b$i" "hello $i" | jq -c '.request.model = "spent/mock"'
	done >in.ndjson
	run llm-chat -j 1 <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r 'select(.status == "ok" and (.id | startswith("a"))) | .id' <<<"$output" | wc -l)" -eq 10 ]
	[ "$(jq -r 'select(.error.kind == "quota") | .id' <<<"$output" | grep -c '^a')" -eq 0 ]
	[ "$(jq -r 'select(.error.kind == "quota") | .id' <<<"$output" | wc -l)" -ge 5 ]
	[ "$(jq -r .id <<<"$output" | wc -l)" -eq 20 ]
	# the spent endpoint was sent the ones it answered and the one 429
	ok=$(jq -r 'select(.status == "ok" and (.id | startswith("b"))) | .id' <<<"$output" | wc -l)
	[ "$(curl -s "$spent/mock/stats" | jq .chat)" -eq $((ok + 1)) ]
}

@test "llm-retry does not retry a spent quota" {
	start_mock --quota-tokens 30
	for i in $(seq 10); do req "r$i" "hello $i"; done >in.ndjson
	run llm-retry -q -n 3 --base 0.01 --on 429 -- llm-chat -j 1 <in.ndjson
	[ "$status" -eq 1 ]
	[ "$(jq -r .id <<<"$output" | sort -u | wc -l)" -eq 10 ]
	[ "$(jq -r 'select(.error.kind == "quota") | .attempt' <<<"$output" | sort -u)" = 1 ]
	ok=$(jq -r 'select(.status == "ok") | .id' <<<"$output" | wc -l)
	# sent once each: the answered ones and the one that said so
	[ "$(curl -s "$LLM_BASE_URL/mock/stats" | jq .chat)" -eq $((ok + 1)) ]
	[ "$(curl -s "$LLM_BASE_URL/mock/stats" | jq .quota)" -eq 1 ]
}

@test "paced, a run against --limit-rpm gets few 429s; unpaced -j 64 gets many" {
	start_mock --limit-rpm 3000 --tokens-per-s 500
	# printf, not jq: 3200 jq runs would take longer than the test
	for i in $(seq 3200); do
		printf '{"id":"r%d","request":{"model":"mock","max_tokens":8,"messages":[{"role":"user","content":"hello %d"}]}}\n' "$i" "$i"
	done >in.ndjson
	run llm-chat -q <in.ndjson
	paced=$(curl -s "$LLM_BASE_URL/mock/stats" | jq .rate_limited)
	# at most 1% refused; nothing else failed
	jq -c 'select(.status == "error") | .error' <<<"$output" | sort | uniq -c | head -5
	[ "$paced" -le 32 ]
	[ "$(jq -r 'select(.status == "error" and .error.http_status != 429) | .id' <<<"$output" | wc -l)" -eq 0 ]
	[ "$(jq -r .id <<<"$output" | sort -u | wc -l)" -eq 3200 ]
	stop_mock
	start_mock --limit-rpm 3000 --tokens-per-s 500
	run llm-chat -q --no-pace -j 64 <in.ndjson
	[ "$status" -eq 1 ]
	unpaced=$(curl -s "$LLM_BASE_URL/mock/stats" | jq .rate_limited)
	[ "$unpaced" -ge 100 ]
	[ "$(jq -r 'select(.error.http_status == 429) | .error.retryable' <<<"$output" | sort -u)" = true ]
}

@test "paced, Anthropic's headers hold requests until the reset" {
	reset=$(date -u -d '+2 seconds' +%Y-%m-%dT%H:%M:%SZ)
	printf '{"headers":{"anthropic-ratelimit-requests-limit":"60","anthropic-ratelimit-requests-remaining":"0","anthropic-ratelimit-requests-reset":"%s"}}\n' "$reset" >rules.ndjson
	start_mock --rules rules.ndjson
	{ req a one; req b two; req c three; } >in.ndjson
	start=$(date +%s%N)
	run llm-chat -q -j 1 <in.ndjson
	assert_success
	paced=$(( ($(date +%s%N) - start) / 1000000 ))
	# none left, one a second coming back, one kept in hand: each after
	# the first waits about 2 s
	[ "$paced" -ge 1500 ]
	start=$(date +%s%N)
	run llm-chat -q -j 1 --no-pace <in.ndjson
	assert_success
	[ $(( ($(date +%s%N) - start) / 1000000 )) -lt 1000 ]
}

@test "paced, an interrupt gives a record held for its pace a cancelled record" {
	reset=$(date -u -d '+60 seconds' +%Y-%m-%dT%H:%M:%SZ)
	printf '{"headers":{"anthropic-ratelimit-requests-limit":"6","anthropic-ratelimit-requests-remaining":"0","anthropic-ratelimit-requests-reset":"%s"}}\n' "$reset" >rules.ndjson
	start_mock --rules rules.ndjson
	{ req a one; req b two; req c three; } >in.ndjson
	WANT_IDS="a b "
	assert_sigint llm-chat -q -j 1
	[ "$(jq -r '[.id, .status, .error.kind // ""] | join(" ")' out.ndjson)" = "a ok 
b error cancelled" ]
	grep -q 'before it was sent' out.ndjson
}
