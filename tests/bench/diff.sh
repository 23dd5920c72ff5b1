#!/bin/sh
# make bench: llm-diff of two logs of N result records (default 100,000,
# content of 200-1,000 bytes, four models, some with assert), a fifth of
# them changed (content, status, assertion, latency; some ids only in one
# log), side by side with jq over the same files in the same run: `jq -n
# --slurpfile` joining the two on id and counting the ids whose status,
# content or assert.pass changed (the least a join in jq can do).  Goal:
# llm-diff in at most 2 s and 64 MB.  Figures are medians of REPS runs.
#   N=20000 REPS=3 sh tests/bench/diff.sh     a quick run
set -eu
N=${N:-100000}
REPS=${REPS:-5}
. "$(dirname "$0")/lib/bench.sh"
bench_needs jq /usr/bin/time

# gen N CHANGED FILE: the old log (CHANGED 0) or the new (1)
gen() {
	awk -v n="$1" -v changed="$2" 'BEGIN {
		srand(7)
		split("the model answered with a careful and detailed explanation of caf\303\251 parsers and \\\"quotes\\\"\\n", words, " ")
		split("gpt-4o-mini gpt-4o llama3:8b claude-3-haiku", models, " ")
		for (i = 1; i <= n; i++) {
			len = 30 + int(rand() * 130); c = ""
			for (k = 0; k < len; k++) c = c words[1 + int(rand() * 14)] " "
			m = models[1 + i % 4]; lat = 300 + int(rand() * 900); st = "ok"; pass = "true"
			r = rand()
			if (changed && i % 5 == 0) {
				if (r < 0.5) c = c "and one more sentence"
				else if (r < 0.6) st = "error"
				else if (r < 0.8) pass = "false"
				else lat = lat * 2
			}
			if (changed && i % 97 == 0) continue	# only in the old log
			id = "p1/" m "/q" i
			if (st == "error")
				printf "{\"id\":\"%s\",\"status\":\"error\",\"error\":{\"kind\":\"http\",\"http_status\":500,\"message\":\"HTTP 500\",\"retryable\":true},\"attempt\":1,\"meta\":{\"query_id\":\"q%d\",\"model\":\"%s\"},\"assert\":{\"pass\":false,\"score\":0,\"results\":[]},\"request\":{\"model\":\"%s\",\"messages\":[{\"role\":\"user\",\"content\":\"q%d\"}]}}\n", id, i, m, m, i
			else
				printf "{\"id\":\"%s\",\"status\":\"ok\",\"model\":\"%s\",\"content\":\"%s\",\"finish_reason\":\"stop\",\"usage\":{\"prompt_tokens\":%d,\"completion_tokens\":%d,\"total_tokens\":%d},\"latency_ms\":%d,\"attempt\":1,\"cached\":false,\"meta\":{\"plan_id\":\"p1\",\"query_id\":\"q%d\",\"model\":\"%s\"},\"assert\":{\"pass\":%s,\"score\":1,\"results\":[{\"name\":\"c\",\"pass\":%s,\"score\":1,\"reason\":\"ok\"}]}}\n", id, m, c, 20 + i % 90, len, 20 + i % 90 + len, lat, i, m, pass, pass
		}
		if (changed) for (i = n + 1; i <= n + n / 100; i++)	# only in the new log
			printf "{\"id\":\"p1/x/q%d\",\"status\":\"ok\",\"model\":\"gpt-4o\",\"content\":\"new\",\"latency_ms\":500,\"meta\":{\"query_id\":\"q%d\",\"model\":\"gpt-4o\"}}\n", i, i
	}' >"$3"
}

gen "$N" 0 "$tmp/old.ndjson"
gen "$N" 1 "$tmp/new.ndjson"
echo "logs: $(wc -l <"$tmp/old.ndjson") and $(wc -l <"$tmp/new.ndjson") records," \
	"$(( $(wc -c <"$tmp/old.ndjson") / 1000000 )) and $(( $(wc -c <"$tmp/new.ndjson") / 1000000 )) MB"

# llm-diff exits 1 when something regressed, as it does here
set -- $(measure "llm-diff $tmp/old.ndjson $tmp/new.ndjson >$tmp/out; [ \$? -le 1 ]")
d_s=$1 d_rss=$2 d_cpu=$3
set -- $(measure "llm-diff --markdown $tmp/old.ndjson $tmp/new.ndjson >/dev/null; [ \$? -le 1 ]")
m_s=$1 m_rss=$2 m_cpu=$3
set -- $(measure "jq -n --slurpfile o $tmp/old.ndjson --slurpfile n $tmp/new.ndjson '
	(\$o | map({key: .id, value: {status, content, p: .assert.pass}}) | from_entries) as \$O
	| [\$n[] | select(\$O[.id] != {status, content, p: .assert.pass})] | length'")
j_s=$1 j_rss=$2 j_cpu=$3

changed=$(grep -c '"diff":"change"' "$tmp/out")
echo "llm-diff:            ${d_s} s (CPU ${d_cpu} s)  peak RSS $(( d_rss / 1024 )) MB  ($changed changed ids)"
echo "llm-diff --markdown: ${m_s} s (CPU ${m_cpu} s)  peak RSS $(( m_rss / 1024 )) MB"
echo "jq -n --slurpfile:   ${j_s} s (CPU ${j_cpu} s)  peak RSS $(( j_rss / 1024 )) MB  (x$(ratio "$j_s" "$d_s") llm-diff's time)"
# the wall time counts what other work on the machine takes from us; the
# CPU time is what llm-diff needs, the time it takes on an idle machine
ok=$(awk -v s="$d_s" -v r="$d_rss" 'BEGIN { print (s <= 2 && r <= 64 * 1024) ? "met" : "MISSED" }')
okc=$(awk -v s="$d_cpu" -v r="$d_rss" 'BEGIN { print (s <= 2 && r <= 64 * 1024) ? "met" : "MISSED" }')
echo "goal (<= 2 s, <= 64 MB): $ok by the wall clock, $okc by CPU time (load average $(cut -d' ' -f1 /proc/loadavg))"
