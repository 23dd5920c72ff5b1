# Helpers of the llm-batch tests (llm-batch.bats, llm-batch-anthropic.bats).

# every id of in.ndjson exactly once in out.ndjson
assert_once() {
	[ "$(jq -r .id "${2:-out.ndjson}" | sort | tr '\n' ' ')" = "$(jq -r .id "${1:-in.ndjson}" | sort | tr '\n' ' ')" ] || {
		jq -r .id "${2:-out.ndjson}" | sort | uniq -c
		return 1
	}
}

wait_done() {	# wait_done STATE: until status exits 0
	local i
	for i in $(seq 100); do
		llm-batch status "$1" >/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# submit_fetch STATUS: in.ndjson submitted, waited for and fetched into
# out.ndjson, the fetch's exit status STATUS
submit_fetch() {
	llm-batch submit -o st.json in.ndjson
	wait_done st.json
	run llm-batch fetch st.json
	[ "$status" -eq "$1" ]
	printf '%s\n' "$output" >out.ndjson
}

# status_then_fetch LINE STATUS: st.json's status exits 75 with a line
# matching LINE while running, then, done, says STATUS ("completed 3");
# its fetch succeeds into out.ndjson with every id once
status_then_fetch() {
	run llm-batch status st.json
	[ "$status" -eq 75 ]
	assert_output --regexp "$1"
	wait_done st.json
	run llm-batch status --json st.json
	assert_success
	[ "$(jq -r '.status + " " + (.request_counts.completed|tostring)' <<<"$output")" = "$2" ]
	run llm-batch fetch st.json
	assert_success
	printf '%s\n' "$output" >out.ndjson
	assert_once
}
