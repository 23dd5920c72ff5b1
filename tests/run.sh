#!/bin/sh
# Run every unit test, lint the man pages and run every bats file, TAP
# from each, and end with the one line CI reads: "N passed, N failed".
BUILD=${BUILD:-build}
export BUILD
root=$(cd "$(dirname "$0")/.." && pwd)
log=$(mktemp)
out=$(mktemp)
trap 'rm -f "$log" "$out"' EXIT INT TERM

for t in "$root/$BUILD"/tests/test_*; do
	[ -x "$t" ] || continue
	name=$(basename "$t")
	echo "# unit: $name"
	CMOCKA_MESSAGE_OUTPUT=TAP "$t" >"$out" 2>&1
	rc=$?
	cat "$out"
	cat "$out" >>"$log"
	# a crash prints no "not ok": count it as a failure of its own
	if [ $rc -ne 0 ] && ! grep -q '^not ok ' "$out"; then
		echo "not ok - $name exited with status $rc" | tee -a "$log"
	fi
done

echo "# man pages"
for m in "$root"/man/man*/*.[157]; do
	if mandoc -T lint -W warning "$m" >"$out" 2>&1; then
		echo "ok - mandoc lint $(basename "$m")"
	else
		cat "$out"
		echo "not ok - mandoc lint $(basename "$m")"
	fi
done | tee -a "$log"

echo "# every option of --help in the man page"
for c in "$root"/cmd/llm-*.c; do
	p=$(basename "$c" .c)
	if sh "$root/tests/manopts.sh" "$root/$BUILD/bin/$p" "$root/man/man1/$p.1"; then
		echo "ok - $p.1 documents every option of $p --help"
	else
		echo "not ok - $p.1 documents every option of $p --help"
	fi
done | tee -a "$log"

echo "# the tree: lib/'s layers and no circles of calls (lib/README)"
for c in "layers.sh:no lib file includes a higher layer's header" \
	"cycles.sh $root/$BUILD:no lib files call each other in a circle"; do
	# shellcheck disable=SC2086 # the script and its argument
	if sh $root/mk/${c%%:*} >"$out" 2>&1; then
		echo "ok - ${c#*:}"
	else
		cat "$out"
		echo "not ok - ${c#*:}"
	fi
done | tee -a "$log"

bats --tap "$root"/tests/*.bats 2>&1 | tee -a "$log"

passed=$(grep -c '^ok ' "$log")
failed=$(grep -c '^not ok ' "$log")
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
