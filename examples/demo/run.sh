#!/bin/sh
# The demo, run by `make -C examples/demo` (`make demo` at the top): the
# Makefile puts the llm-* programs on PATH and starts llm-mock on a free
# port for it (with-mock.sh, which sets LLM_BASE_URL and stops the mock).
# Sends a small batch through llm-chat and shows what came back.
set -u
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

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
