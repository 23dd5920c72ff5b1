#!/bin/bash
# nightly.sh [REQUESTS]: one night's run of an experiment, for cron.
#
# Sends the request records of REQUESTS (default requests.ndjson) through
# llm-retry and llm-chat, appends every result record to the log
# (LOG_DIR/results.ndjson; LOG_DIR defaults to log), each with meta.run set
# to the run's start time, and writes a summary of this run on standard
# output, for cron to mail.  A lock (LOG_DIR/nightly.lock) keeps two runs
# from overlapping.
#
# Exit status: 0 every record ok; 1 some failed (the summary lists them);
# 2 bad REQUESTS or configuration, nothing sent; 75 another run holds the
# lock, nothing done.
#
# RETRY_FLAGS (default "-n 3") go to llm-retry, CHAT_FLAGS (default "-j 8")
# to llm-chat, SUMMARY_FLAGS (e.g. --markdown) to llm-summarize.
set -u -o pipefail
requests=${1:-requests.ndjson}
dir=${LOG_DIR:-log}
mkdir -p "$dir" || exit 2

exec 9>>"$dir/nightly.lock" || exit 2
if ! flock -n 9; then
	echo "nightly: another run holds $dir/nightly.lock; not starting" >&2
	exit 75
fi

run=$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ)
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
if ! jq -c --arg run "$run" '.meta.run = $run' "$requests" >"$tmp/requests"; then
	echo "nightly: $requests: not request records; nothing sent" >&2
	exit 2
fi

# shellcheck disable=SC2086 # the *_FLAGS are lists of options
llm-retry ${RETRY_FLAGS:--n 3} -- llm-chat -q ${CHAT_FLAGS:--j 8} <"$tmp/requests" |
	tee -a "$dir/results.ndjson" >"$tmp/results"
status=$?

echo "nightly run $run: $(wc -l <"$tmp/requests") requests," \
	"$(jq -c 'select(.status == "ok")' "$tmp/results" | wc -l) ok," \
	"$(jq -c 'select(.status != "ok")' "$tmp/results" | wc -l) failed" \
	"(log: $dir/results.ndjson)"
echo
# shellcheck disable=SC2086
llm-summarize ${SUMMARY_FLAGS:-} "$tmp/results"
exit $status
