#!/bin/sh
# The layers of lib/ (lib/README): a file in a folder may include the
# headers of its own folder and of folders of a lower layer, never of a
# higher one or of one beside it.  Prints every include that breaks the
# rule, and fails when there is one.
cd "$(dirname "$0")/.." || exit 2
layers="base:0 json:1 net:1 text:2 wire:3 mock:3 plan:4 report:5 run:6 grade:6"

rank() {
	for l in $layers; do
		[ "${l%%:*}" = "$1" ] && { echo "${l#*:}"; return; }
	done
	echo -1
}

bad=0
for f in lib/*/*.[ch]; do
	dir=${f#lib/}
	dir=${dir%%/*}
	r=$(rank "$dir")
	if [ "$r" -lt 0 ]; then
		echo "$f: folder $dir has no layer in mk/layers.sh"
		bad=1
		continue
	fi
	for inc in $(sed -n 's/^#include "\([^"]*\)".*/\1/p' "$f"); do
		case $inc in
		*/*) to=${inc%%/*} ;;
		*) echo "$f: includes \"$inc\": name its folder"; bad=1; continue ;;
		esac
		[ "$to" = "$dir" ] && continue
		t=$(rank "$to")
		if [ "$t" -lt 0 ] || [ "$t" -ge "$r" ]; then
			echo "$f: includes $inc, of layer $to, not below $dir"
			bad=1
		fi
	done
done
exit $bad
