#!/bin/sh
# Write the bash, zsh and fish completions of every program (cmd/llm-*.c)
# from its --help, so they cannot drift from it:
#
#	sh mk/completions.sh [BINDIR [OUTDIR]]	(default build/bin, completions)
#
# mk/completions.awk reads the options; what the operands are is said
# here.  The shared logic is written by hand: completions/bash/_llm-common,
# completions/zsh/_llm_models, completions/fish/llm-common.fish.
# tests/completions.bats checks that the committed files are what this
# writes.
set -e
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${1:-$root/build/bin}
out=${2:-$root/completions}
mkdir -p "$out/bash" "$out/zsh" "$out/fish"

for c in "$root"/cmd/llm-*.c; do
	p=$(basename "$c" .c)
	case $p in
	llm-chat|llm-stream|llm-mock) operands=none ;;
	llm-retry) operands=command ;;
	*) operands=file ;;
	esac
	help=$("$bin/$p" --help)
	for sh in bash zsh fish; do
		case $sh in
		bash) f=$out/bash/$p ;;
		zsh) f=$out/zsh/_$p ;;
		fish) f=$out/fish/$p.fish ;;
		esac
		printf '%s\n' "$help" |
			awk -v prog="$p" -v shell="$sh" -v operands="$operands" \
				-f "$root/mk/completions.awk" >"$f"
	done
done
