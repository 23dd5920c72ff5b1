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
