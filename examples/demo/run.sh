#!/bin/sh
# make demo: start llm-mock on a free port, send a small batch through
# llm-chat, and show what came back.
set -u
BUILD=${BUILD:-build}
here=$(cd "$(dirname "$0")" && pwd)
PATH="$here/../../$BUILD/bin:$PATH"
tmp=$(mktemp -d)
trap 'kill $mock 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM

llm-mock -q --port 0 --port-file "$tmp/port" &
mock=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i+1)); done
export LLM_BASE_URL="http://127.0.0.1:$(cat "$tmp/port")/v1"
echo "== llm-mock is listening on $LLM_BASE_URL"

echo "== one prompt:  llm-chat -m mock 'Hello from the demo'"
llm-chat -m mock 'Hello from the demo'

echo "== a batch:  llm-chat -j 4 -k < examples/demo/requests.ndjson"
llm-chat -j 4 -k -q <"$here/requests.ndjson" >"$tmp/results.ndjson"
echo "(exit status $?: 1 means some records failed, as some of these must)"
if command -v jq >/dev/null; then
	jq -r '[.id, .status, (if .status == "ok"
		then (.content // "" | .[0:40]) + (if .tool_calls then " tool_calls: " + (.tool_calls | map(.function.name) | join(",")) else "" end)
		else .error.kind + " " + (.error.http_status // "" | tostring) + " retryable=" + (.error.retryable | tostring) + " " + (.error.message | .[0:50]) end)] | @tsv' \
		"$tmp/results.ndjson"
else
	cat "$tmp/results.ndjson"
fi
echo "== the records themselves are NDJSON, one per input line:"
head -2 "$tmp/results.ndjson"
