#!/bin/sh
# tests/manopts.sh PROG MANPAGE: every option PROG --help lists must be an
# item of MANPAGE (.It Fl ...).  Says which are not and fails.
root=$(cd "$(dirname "$0")/.." && pwd)
prog=$1 page=$2

# the flags of the .It lines: "Fl m , -model Ar model" is -m and --model
items=$(awk '/^\.It / {
	fl = 0
	for (i = 2; i <= NF; i++) {
		t = $i
		if (t == "Fl") { fl = 1; continue }
		if (t ~ /^[A-Z][a-z][a-z]?$/) { fl = 0; continue }
		if (!fl || t == "," || t == "|") continue
		sub(/^\\/, "", t)
		print "-" t
	}
}' "$page")

missing=
for o in $("$prog" --help | awk -v shell=list -f "$root/mk/completions.awk" | cut -f1,2); do
	printf '%s\n' "$items" | grep -qxF -- "$o" || missing="$missing $o"
done
[ -z "$missing" ] && exit 0
echo "# $(basename "$page") lacks$missing"
exit 1
