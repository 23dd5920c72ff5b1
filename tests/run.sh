#!/bin/sh
# Run every unit test and bats file, TAP from each, and end with the one
# line CI reads: "N passed, N failed".
BUILD=${BUILD:-build}
export BUILD
root=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
trap 'rm -f "$log"' EXIT INT TERM

for t in "$root/$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	echo "# unit: $(basename "$t")"
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" 2>&1 | tee -a "$log"
done
bats --tap "$root"/tests/*.bats 2>&1 | tee -a "$log"

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
