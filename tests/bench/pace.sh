#!/bin/sh
# make bench: pacing against a provider's limits.  20,000 requests against
# `llm-mock --limit-rpm 6000 --limit-tpm 1000000 --tokens-per-s 200`:
#  1. llm-chat with no pacing flags: wall time against the ideal, and the
#     share of requests answered 429 (goals: within 10%, at most 1%);
#  2. `llm-retry -- llm-chat -j 64 --no-pace` on the same work, for
#     comparison: its time and its 429s;
#  3. the limits halved in the middle of a paced run (POST
#     /v1/mock/limits): when the send rate follows (goal: within 5 s).
# The ideal: the mock's buckets start full (a minute's worth, as a
# provider's do), so the work past the first minute's limit, divided by
# the limit's rate; the plain work / limit is printed beside it.
set -eu
BUILD=${BUILD:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$root/$BUILD/bin:$PATH"
N=${N:-20000}
RPM=${RPM:-6000}
TPM=${TPM:-1000000}
TPS=${TPS:-200}
N3=${N3:-10500}		# phase 3's records
PHASES=${PHASES:-123}	# which phases to run
CHANGE=${CHANGE:-40}	# phase 3: seconds in when the limits are halved
tmp=$(mktemp -d)
mock=
trap '[ -n "$mock" ] && kill $mock 2>/dev/null; rm -rf "$tmp"' EXIT INT TERM

start_mock() {
	rm -f "$tmp/port"
	llm-mock -q --port 0 --port-file "$tmp/port" --limit-rpm "$RPM" --limit-tpm "$TPM" \
		--tokens-per-s "$TPS" &
	mock=$!
	while [ ! -s "$tmp/port" ]; do sleep 0.05; done
	export LLM_BASE_URL="http://127.0.0.1:$(cat "$tmp/port")/v1"
}
stop_mock() { kill "$mock"; wait "$mock" 2>/dev/null || true; mock=; }
stat() { curl -s "$LLM_BASE_URL/mock/stats" | sed "s/.*\"$1\":\([0-9]*\).*/\1/"; }
now() { date +%s%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", (b - a) / 1e9 }'; }

# records N FILE: contents of 20 to 200 bytes, so answers (the mock
# echoes) take 25 to 250 ms at 200 tokens a second; prints the tokens the
# mock counts for them all (prompt: a quarter of the bytes rounded up,
# plus 4; and max_tokens 60)
records() {
	awk -v n="$1" 'BEGIN {
		for (i = 1; i <= n; i++) {
			len = 20 + (i * 37) % 181
			c = sprintf("item %d ", i)
			while (length(c) < len) c = c "x"
			printf "{\"id\":\"r%d\",\"request\":{\"model\":\"mock\",\"max_tokens\":60,\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}}\n", i, c
			t += int((len + 3) / 4) + 4 + 60
		}
		print t > "/dev/stderr"
	}' >"$2" 2>"$2.tokens"
}

records "$N" "$tmp/in.ndjson"
tokens=$(cat "$tmp/in.ndjson.tokens")
ideal=$(awk -v n="$N" -v t="$tokens" -v r="$RPM" -v k="$TPM" 'BEGIN {
	a = (n - r) / (r / 60); b = (t - k) / (k / 60)
	a = a < 0 ? 0 : a; b = b < 0 ? 0 : b
	printf "%.1f", (a > b ? a : b) }')
plain=$(awk -v n="$N" -v t="$tokens" -v r="$RPM" -v k="$TPM" 'BEGIN {
	a = n / (r / 60); b = t / (k / 60); printf "%.1f", (a > b ? a : b) }')
echo "$N requests, $tokens tokens counted; limits $RPM requests and $TPM tokens a minute"
echo "ideal: ${ideal} s past the first minute's full buckets (work / limit: ${plain} s)"

# 1. paced, no flags
case $PHASES in *1*)
start_mock
s=$(now)
llm-chat -q <"$tmp/in.ndjson" >"$tmp/out1" || true
e=$(now)
t1=$(secs "$s" "$e")
r1=$(stat rate_limited)
ok1=$(grep -c '"status":"ok"' "$tmp/out1" || true)
stop_mock
printf '%-44s %8s s  %6s 429s (%s%%)  %s ok  %s%% of ideal\n' "llm-chat (paced, no flags)" "$t1" "$r1" \
	"$(awk -v a="$r1" -v n="$N" 'BEGIN { printf "%.2f", 100 * a / n }')" "$ok1" \
	"$(awk -v a="$t1" -v b="$ideal" 'BEGIN { printf "%.1f", 100 * a / b }')"
esac

# 2. unpaced under llm-retry
case $PHASES in *2*)
start_mock
s=$(now)
llm-retry -q -- llm-chat -q -j 64 --no-pace <"$tmp/in.ndjson" >"$tmp/out2" || true
e=$(now)
t2=$(secs "$s" "$e")
r2=$(stat rate_limited)
ok2=$(grep -c '"status":"ok"' "$tmp/out2" || true)
stop_mock
printf '%-44s %8s s  %6s 429s (%s%%)  %s ok  %s%% of ideal\n' "llm-retry -- llm-chat -j 64 --no-pace" "$t2" \
	"$r2" "$(awk -v a="$r2" -v n="$N" 'BEGIN { printf "%.2f", 100 * a / n }')" "$ok2" \
	"$(awk -v a="$t2" -v b="$ideal" 'BEGIN { printf "%.1f", 100 * a / b }')"
esac

# 3. the limits halved in the middle of a paced run; the mock's counters
# sampled every 250 ms: requests received (chat) and refused (429s)
case $PHASES in *3*) ;; *) exit 0 ;; esac
records "$N3" "$tmp/in3.ndjson"
start_mock
llm-chat -q <"$tmp/in3.ndjson" >"$tmp/out3" &
chat=$!
s=$(now)
changed=
while kill -0 "$chat" 2>/dev/null; do
	t=$(secs "$s" "$(now)")
	if [ -z "$changed" ] && awk -v t="$t" -v c="$CHANGE" 'BEGIN { exit !(t >= c) }'; then
		curl -s -o /dev/null -d "{\"rpm\":$((RPM / 2)),\"tpm\":$((TPM / 2))}" "$LLM_BASE_URL/mock/limits"
		changed=$t
	fi
	echo "$t $(stat chat) $(stat rate_limited)" >>"$tmp/samples"
	sleep 0.25
done
wait "$chat" || true
stop_mock
# the send rate over each 1 s window after the change; followed = the
# first window from which on it stays within 10% of the new limit
awk -v c="$changed" -v lim="$((RPM / 2))" '
	{ t[NR] = $1; n[NR] = $2; r[NR] = $3 }
	END {
		goal = lim / 60 * 1.1; followed = -1
		for (i = 1; i <= NR; i++) {
			for (j = i; j <= NR && t[j] < t[i] + 1; j++) ;
			if (j > NR) break
			rate = (n[j] - n[i]) / (t[j] - t[i])
			if (t[i] < c) { base429 = r[i]; before = rate; continue }
			if (t[i] < c + 3)
				after = after sprintf(" %.0f", rate)
			if (rate > goal) followed = -1
			else if (followed < 0) followed = t[i] - c
			last = r[j]
		}
		printf "limits halved at %.1f s: sending %.0f/s in the second before; in the windows of the 3 s after:%s/s\n",
			c, before, after
		printf "the send rate within 10%% of %d a minute from +%.1f s on (goal <= 5 s); %d 429s after the change\n",
			lim, followed, last - base429
	}' "$tmp/samples"
echo "phase 3: $(grep -c '"status":"ok"' "$tmp/out3" || true) of $N3 ok"
