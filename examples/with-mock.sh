#!/bin/sh
# with-mock.sh COMMAND [ARG...]: run COMMAND against an llm-mock started for
# it on a free port (LLM_BASE_URL points there), and stop the mock when
# COMMAND ends, whatever its status, Ctrl-C included.  The examples'
# Makefiles run themselves through it.  With LLM_BASE_URL already set,
# COMMAND runs against that server and no mock is started.
# MOCK_FLAGS adds options to llm-mock.  Exits with COMMAND's status.
[ -n "${LLM_BASE_URL:-}" ] && exec "$@"
dir=$(mktemp -d) || exit 1
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid"; rm -rf "$dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
# shellcheck disable=SC2086 # MOCK_FLAGS is a list of options
llm-mock -q --port 0 --port-file "$dir/port" ${MOCK_FLAGS:-} &
pid=$!
i=0
while [ ! -s "$dir/port" ]; do
	if ! kill -0 "$pid" 2>/dev/null || [ $i -ge 200 ]; then
		echo "with-mock: llm-mock did not start" >&2
		exit 1
	fi
	sleep 0.05
	i=$((i + 1))
done
LLM_BASE_URL="http://127.0.0.1:$(cat "$dir/port")/v1"
export LLM_BASE_URL
echo "with-mock: llm-mock on $LLM_BASE_URL" >&2
"$@"
