#!/bin/sh
# make bench: llm-plan expanding 10,000 queries x 10 models (100,000
# records) from a plan.toml, side by side with, in the same run, `cat` of
# the same 10,000 query files (the floor: reading them) and jq expanding
# the same matrix from the plan as JSON (ids and meta, no file reading).
# Figures are medians of REPS runs, wall time; quote the ratios.
set -eu
BUILD=${BUILD:-build}
root=$(cd "$(dirname "$0")/../.." && pwd)
PATH="$root/$BUILD/bin:$PATH"
Q=${Q:-10000}
M=${M:-10}
REPS=${REPS:-5}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM
command -v jq >/dev/null || { echo "bench: needs jq" >&2; exit 1; }

# the assistant folder: Q small query files, a plan of M models
a="$tmp/Bench"
mkdir -p "$a/Input" "$a/Output/big"
awk -v q="$Q" -v dir="$a/Input" 'BEGIN {
	for (i = 1; i <= q; i++) {
		f = sprintf("%s/q%05d.md", dir, i)
		printf "Question number %d: what is %d times %d? Answer in one line.\n", i, i, i + 1 >f
		close(f)
	}
}'
awk -v q="$Q" -v m="$M" 'BEGIN {
	print "plan_id = \"big\"\nassistant_id = \"Bench\"\n"
	print "[assistant]\nsystem_prompt = \"You are a careful calculator.\"\n"
	printf "[assistant.llm]\nmodels = ["
	for (j = 1; j <= m; j++)
		printf "%s\"model-%d\"", (j > 1 ? ", " : ""), j
	print "]\ntemperature = 0.2\nmax_tokens = 64"
	for (i = 1; i <= q; i++)
		printf "\n[[query]]\nid = \"q%05d.md\"\n", i
}' >"$a/Output/big/plan.toml"
llm-plan --dump "$a/Output/big/plan.toml" >"$tmp/plan.json"

median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

# measure CMD: the median wall time of REPS runs, in seconds
measure() {
	: >"$tmp/secs"
	for _ in $(seq "$REPS"); do
		s=$(date +%s%N)
		sh -c "$1" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; echo "bench: failed: $1" >&2; exit 1; }
		e=$(date +%s%N)
		echo "$(( (e - s) / 1000 ))" | awk '{ printf "%.6f\n", $1 / 1e6 }' >>"$tmp/secs"
	done
	median <"$tmp/secs"
}

cd "$tmp"
n=$(llm-plan Bench/Output/big/plan.toml | wc -l)
[ "$n" -eq $((Q * M)) ] || { echo "bench: expected $((Q * M)) records, got $n" >&2; exit 1; }

plan=$(measure "llm-plan Bench/Output/big/plan.toml")
dry=$(measure "llm-plan --dry-run --skip-existing Bench/Output/big/plan.toml")
ls Bench/Input/*.md >files.txt
cat_s=$(measure "xargs cat <files.txt")
jq_s=$(measure "jq -c '.plan_id as \$p | .assistant.llm.models[] as \$m | .query[] |
	{id: (\$p + \"/\" + \$m + \"/\" + .id), request: {model: \$m, messages: [{role: \"user\", content: .id}]},
	 meta: {plan_id: \$p, query_id: .id, model: \$m}}' plan.json")

printf '%-52s %10s %12s\n' "$Q queries x $M models ($n records), median of $REPS" "seconds" "vs llm-plan"
printf '%-52s %10.3f %12s\n' "llm-plan PLAN" "$plan" "1.00"
printf '%-52s %10.3f %12.2f\n' "llm-plan --dry-run --skip-existing (stat each file)" "$dry" "$(awk -v a="$dry" -v b="$plan" 'BEGIN { print a / b }')"
printf '%-52s %10.3f %12.2f\n' "xargs cat of the $Q query files (baseline)" "$cat_s" "$(awk -v a="$cat_s" -v b="$plan" 'BEGIN { print a / b }')"
printf '%-52s %10.3f %12.2f\n' "jq expanding the matrix, no file read (baseline)" "$jq_s" "$(awk -v a="$jq_s" -v b="$plan" 'BEGIN { print a / b }')"
echo
echo "llm-plan: $(printf '%.3f' "$plan") s for $n records (goal <= 1 s); $(awk -v a="$plan" -v b="$cat_s" 'BEGIN { printf "%.1f", a / b }')x cat of the query files, $(awk -v a="$jq_s" -v b="$plan" 'BEGIN { printf "%.1f", a / b }')x faster than jq"
