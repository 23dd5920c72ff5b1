#!/usr/bin/env bats
# An interrupt in the middle of a run (issue 16 item 4): what finished is
# written, what was in flight becomes a "cancelled" error record, so every
# record taken from the input gives exactly one output record, with -k and
# without; SIGINT exits 130 and SIGTERM 143.

load helpers

# 100 records whose answers are saved to files: the first is slow (it
# would take 30 s), the others take 200 ms each.
setup_run() {
	start_mock
	mkdir out
	jq -cn 'range(1; 101) | {id:"r\(.)",
		request:{model:"mock",messages:[{role:"user",
			content:(if . == 1 then "[[mock:slow ms=30000]] first" else "[[mock:slow ms=200]] n\(.)" end)}]},
		meta:{output:"out/r\(.).md"}}' >in.ndjson
}

# stop_after SECS SIG STATUS COMMAND...: run COMMAND (stdin in.ndjson,
# stdout res.ndjson, stderr err), send it SIG after SECS and check that
# it exits STATUS.
stop_after() {
	local secs=$1 sig=$2 want=$3 pid rc=0
	shift 3
	"$@" <in.ndjson >res.ndjson 2>err &
	pid=$!
	sleep "$secs"
	kill -"$sig" $pid
	wait $pid || rc=$?
	[ "$rc" -eq "$want" ] || { echo "SIG$sig: exit $rc, not $want"; cat err; return 1; }
}

# interrupt SIG STATUS [llm-chat options]: run the 100 records through
# llm-chat --save, send SIG after 1.2 s, and check what holds after it.
interrupt() {
	local sig=$1 want=$2 n ok cancelled files sent
	shift 2
	stop_after 1.2 "$sig" "$want" llm-chat -q -j 8 --save "$@"
	n=$(wc -l <res.ndjson)
	ok=$(jq -r 'select(.status == "ok") | .id' res.ndjson | wc -l)
	cancelled=$(jq -r 'select(.status == "error" and .error.kind == "cancelled") | .id' res.ndjson | wc -l)
	files=$(find out -type f | wc -l)
	echo "records $n, ok $ok, cancelled $cancelled, files $files"
	# one record for each record taken, nothing else
	[ "$((ok + cancelled))" -eq "$n" ]
	[ "$ok" -eq "$files" ]
	[ "$ok" -ge 1 ]
	# the records taken are the input's first ones, each once
	[ "$(jq -r .id res.ndjson | sort -V | tr '\n' ' ')" = \
	  "$(head -n "$n" in.ndjson | jq -r .id | tr '\n' ' ')" ]
	# every saved file is an ok record's, and the slow first was cancelled
	[ "$(jq -r 'select(.status == "ok") | .meta.output' res.ndjson | sort)" = \
	  "$(find out -type f | sort)" ]
	[ "$(jq -r 'select(.id == "r1") | .error.kind' res.ndjson)" = cancelled ]
	# a cancelled record is not retryable and can be sent again as it is
	[ "$(jq -c 'select(.status == "error") | [.error.retryable, (.request.messages | length)]' res.ndjson | sort -u)" = '[false,1]' ]
	# each answer the server began was either written or cancelled
	sent=$(curl -s "$LLM_BASE_URL/mock/stats" | jq .chat)
	[ "$ok" -le "$sent" ] && [ "$sent" -le "$n" ]
}

@test "-k, SIGINT: the answers finished behind a slow first one are written, in order; 130" {
	setup_run
	interrupt INT 130 -k
	# in input order: the slow one first, then the answers that waited
	[ "$(jq -r .id res.ndjson | tr '\n' ' ')" = "$(jq -r .id res.ndjson | sort -V | tr '\n' ' ')" ]
}

@test "-k, SIGTERM: the same, 143" {
	setup_run
	interrupt TERM 143 -k
}

@test "without -k, SIGINT: the answers in flight are cancelled records; 130" {
	setup_run
	interrupt INT 130
	[ "$(jq -r 'select(.status == "error") | .id' res.ndjson | wc -l)" -ge 2 ]
}

@test "without -k, SIGTERM: the same, 143" {
	setup_run
	interrupt TERM 143
}

@test "llm-stream --events, SIGINT: a cancelled stream's last line is its error record" {
	start_mock --chunk-delay 50
	{ jq -cn '{id:"fast",request:{model:"mock",messages:[{role:"user",content:"a"}]}}'
	  # 200 bytes: 25 deltas of 8, 50 ms apart, still streaming at 0.6 s
	  jq -cn '{id:"slow",request:{model:"mock",messages:[{role:"user",content:("b c d e f g h i j k l m n o p q r s t u v w x y z " * 4)}]}}'
	} >in.ndjson
	stop_after 0.6 INT 130 llm-stream -q -k --events
	[ "$(jq -r 'select(.status) | .id + " " + .status + " " + (.error.kind // "")' res.ndjson | tr '\n' ,)" = "fast ok ,slow error cancelled," ]
	[ "$(tail -1 res.ndjson | jq -r .id)" = slow ]
	# events of the slow one came before its error record
	[ "$(jq -r 'select(.id == "slow" and .event == "delta") | .id' res.ndjson | wc -l)" -ge 1 ]
}

@test "prompt mode, SIGTERM: the prompt is cancelled, said once, 143" {
	start_mock
	: >in.ndjson
	stop_after 0.5 TERM 143 llm-chat -n -m mock '[[mock:slow ms=30000]] hi'
	[ ! -s res.ndjson ]
	[ "$(cat err)" = "llm-chat: cancelled by SIGTERM before its answer came" ]
}

@test "llm-retry passes the signal on and exits as its command did: 130, 143" {
	start_mock
	jq -cn '{id:"slow",request:{model:"mock",messages:[{role:"user",content:"[[mock:slow ms=30000]] a"}]}}' >in.ndjson
	for sig in INT:130 TERM:143; do
		stop_after 0.7 "${sig%:*}" "${sig#*:}" llm-retry -- llm-chat -q
		# the command's cancelled record is final: not sent again
		[ "$(jq -r '.id + " " + .error.kind' res.ndjson)" = "slow cancelled" ]
	done
}

@test "llm-retry, interrupted: every record read gives one record, those waiting for a retry a retryable cancelled one" {
	start_mock
	{
		jq -cn '{id:"again",request:{model:"mock",messages:[{role:"user",content:"[[mock:503]] a"}]}}'
		jq -cn '{id:"slow",request:{model:"mock",messages:[{role:"user",content:"[[mock:slow ms=30000]] b"}]}}'
		jq -cn '{id:"quick",request:{model:"mock",messages:[{role:"user",content:"c"}]}}'
	} >in.ndjson
	# "again" fails at once and waits 20 s for its retry when the signal comes
	stop_after 1.5 INT 130 llm-retry -q --base 20 -- llm-chat -q
	run jq -r '[.id, .status, .error.kind // "", (.error.retryable | tostring)] | join(" ")' res.ndjson
	assert_equal "$(sort <<<"$output" | tr '\n' ,)" "again error cancelled true,quick ok  null,slow error cancelled false,"
}

@test "llm-retry --whole passes on its command's status after a signal" {
	: >in.ndjson
	for sig in INT TERM; do
		stop_after 0.5 $sig 7 llm-retry --whole -- sh -c 'trap "exit 7" TERM INT; sleep 5 & wait'
	done
}

@test "llm-runner: SIGINT 130, SIGTERM 143, the finished scenario's trace whole" {
	# the first scenario is answered at once, the second never
	cat >chat.sh <<'SH'
#!/bin/sh
while read -r l; do
	case $l in *never*) exec sleep 30;; esac
	printf '%s\n' "$l" | jq -c '{id, status:"ok", content:"fine", finish_reason:"stop"}'
done
SH
	printf '{"model":"m","prompt":"now"}\n{"model":"m","prompt":"never"}\n' >in.ndjson
	for sig in INT:130 TERM:143; do
		stop_after 0.7 "${sig%:*}" "${sig#*:}" llm-runner -q --chat "sh chat.sh"
		[ "$(jq -r '.status + " " + .final_content' res.ndjson)" = "ok fine" ]
	done
}
