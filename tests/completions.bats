#!/usr/bin/env bats
# Shell completions: made from each program's --help by mk/completions.sh,
# and working in bash, zsh and fish.

load helpers

C=$ROOT/completions

# bcomp WORD...: what the bash completion of program WORD offers for the
# last WORD, one a line.  A shell of its own, bounded by timeout.
bcomp() {
	timeout 20 bash -c '
		. "$0/bash/$1" || exit 1
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		_llm_complete "$1"
		((${#COMPREPLY[@]} == 0)) || printf "%s\n" "${COMPREPLY[@]}"' "$C" "$@"
}

# fcomp LINE: what fish offers at the end of LINE, one a line
fcomp() {
	HOME=$BATS_TEST_TMPDIR timeout 20 fish -c \
		'set -p fish_complete_path $argv[1]; complete -C$argv[2]' "$C/fish" "$1" | cut -f1
}

# tabs SHELL LINE...: each LINE as a TAB in an interactive SHELL (bash or
# zsh, in a pseudo-terminal) leaves it
tabs() {
	INPUTRC=/dev/null timeout 30 zsh -f "$ROOT/tests/completions.zsh" "$1" "$C/$1" "${@:2}"
}

# the options PROG --help lists, one a line
help_options() {
	"$1" --help | awk -v shell=list -f "$ROOT/mk/completions.awk" | cut -f1,2 |
		tr '\t' '\n' | grep .
}

# a curl that logs its arguments, in front of the real one
fake_curl() {
	local real
	real=$(command -v curl)
	mkdir -p bin
	printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>"%s/curl.argv"\nexec %s "$@"\n' \
		"$BATS_TEST_TMPDIR" "$real" >bin/curl
	chmod +x bin/curl
	PATH="$BATS_TEST_TMPDIR/bin:$PATH"
}

@test "the committed completions are what mk/completions.sh makes of every --help" {
	cp -R "$C" made
	run sh "$ROOT/mk/completions.sh" "$ROOT/$BUILD/bin" made
	assert_success
	run diff -r "$C" made
	assert_success
	# and none is left over from a program that is gone
	for f in "$C"/bash/llm-* "$C"/zsh/_llm-* "$C"/fish/llm-*.fish; do
		p=${f##*/}; p=${p#_}; p=${p%.fish}
		[ "$p" = llm-common ] || [ -f "$ROOT/cmd/$p.c" ] || { echo "stale $f"; false; }
	done
}

@test "every option of every program's --help is offered by bash, zsh and fish" {
	n=0
	missing=
	for c in "$ROOT"/cmd/llm-*.c; do
		p=$(basename "$c" .c)
		b=$(bcomp "$p" -)
		f=$(fcomp "$p -")
		for o in $(help_options "$p"); do
			n=$((n + 1))
			grep -qxF -- "$o" <<<"$b" || missing="$missing bash:$p:$o"
			grep -qxF -- "$o" <<<"$f" || missing="$missing fish:$p:$o"
			grep -qE "^	'(\([^)]*\)|\*)?$o[=+]?\[" "$C/zsh/_$p" ||
				missing="$missing zsh:$p:$o"
		done
	done
	[ -z "$missing" ] || { echo "missing:$missing"; false; }
	[ "$n" -gt 100 ]
}

@test "bash: options, files for FILE, directories for DIR, operands as each program takes them" {
	mkdir sub
	touch sub/a.ndjson notes.txt
	run bcomp llm-chat --kee
	assert_output --keep-order
	run bcomp llm-chat -i sub/
	assert_output sub/a.ndjson
	run bcomp llm-redact --patterns=no
	assert_output --patterns=notes.txt
	run bcomp llm-plan --done = no
	assert_output notes.txt
	run bcomp llm-runner --store ''
	assert_output sub
	run bcomp llm-hash no
	assert_output notes.txt
	# a prompt, a number, llm-mock's own model names: nothing to offer
	run bcomp llm-chat no
	assert_output ''
	run bcomp llm-chat --jobs ''
	assert_output ''
	run bcomp llm-mock -m ''
	assert_output ''
}

@test "bash: -m and --model offer the models GET \$LLM_BASE_URL/models lists" {
	start_mock --model gpt-4o --model gpt-4o-mini --model llama3:8b
	run bcomp llm-chat -m gpt
	assert_output "$(printf 'gpt-4o\ngpt-4o-mini')"
	run bcomp llm-plan --model = gpt-4o-
	assert_output gpt-4o-mini
	run bcomp llm-stream --model=ll
	assert_output --model=llama3:8b
	# bash puts in what follows the ':' it split the word at
	run bcomp llm-runner -m llama3 : ''
	assert_output 8b
	run bcomp llm-chat -m ''
	assert_output "$(printf 'gpt-4o\ngpt-4o-mini\nllama3:8b')"
	# --base-url on the line wins over the environment
	url=$LLM_BASE_URL
	LLM_BASE_URL=$(dead_url)
	run bcomp llm-chat --base-url "$url" -m gpt-4o-
	assert_output gpt-4o-mini
}

@test "bash: the token reaches the models call on curl's standard input, never its arguments" {
	echo s3cret-token-42 >tok
	start_mock --token-file tok --model m1
	fake_curl
	run bcomp llm-chat -m ''
	assert_output ''
	export LLM_API_TOKEN=s3cret-token-42
	run bcomp llm-chat -m ''
	assert_output m1
	unset LLM_API_TOKEN
	run bcomp llm-chat --token-file tok -m ''
	assert_output m1
	[ "$(wc -l <curl.argv)" -eq 3 ]
	run grep -c s3cret curl.argv
	assert_output 0
}

@test "bash: a dead, a silent or a wrong server offers no model and does not hang" {
	LLM_BASE_URL=$(dead_url)
	run bcomp llm-chat -m ''
	assert_success
	assert_output ''
	# a server that takes the connection and never answers: curl gives up
	start_mock --model m1
	kill -STOP "$MOCK_PID"
	run bcomp llm-chat -m ''
	kill -CONT "$MOCK_PID"
	assert_success
	assert_output ''
	LLM_BASE_URL=http://127.0.0.1:$MOCK_PORT/nothing
	run bcomp llm-chat -m ''
	assert_success
	assert_output ''
	unset LLM_BASE_URL
	run bcomp llm-chat -m ''
	assert_success
	assert_output ''
}

@test "bash: llm-retry completes a command after -- and then that command's arguments" {
	run bcomp llm-retry --wh
	assert_output --whole
	run bcomp llm-retry -- llm-cha
	assert_output llm-chat
	run bcomp llm-retry -n 2 -- llm-chat --keep-
	assert_output --keep-order
	run bcomp llm-runner -c llm-cha
	assert_output llm-chat
}

@test "bash: a TAB in an interactive bash completes options, directories and models with ':'" {
	mkdir sub
	touch sfile
	start_mock --model gpt-4o --model llama3:8b
	run tabs bash 'llm-chat --kee' 'llm-runner --store s' 'llm-chat -m gp' \
		'llm-chat -m llama3:' 'llm-chat --model=lla' 'llm-retry -- llm-chat --keep-o'
	assert_success
	assert_output "$(printf '%s\n' 'llm-chat --keep-order' 'llm-runner --store sub/' \
		'llm-chat -m gpt-4o' 'llm-chat -m llama3:8b' 'llm-chat --model=llama3:8b' \
		'llm-retry -- llm-chat --keep-order')"
}

@test "zsh: every file parses and compinit binds each program to its function" {
	for f in "$C"/zsh/_*; do
		zsh -n "$f" || { echo "zsh -n $f"; false; }
	done
	run zsh -f -c 'fpath=($1 $fpath); autoload -U compinit; compinit -u -D
		shift; for p; print -r -- "$p $_comps[$p]"' _ "$C/zsh" \
		$(cd "$ROOT/cmd" && ls llm-*.c | sed 's/\.c$//')
	assert_success
	[ "${#lines[@]}" -eq "$(ls "$ROOT"/cmd/llm-*.c | wc -l)" ]
	for l in "${lines[@]}"; do
		[ "${l#* }" = "_${l%% *}" ] || { echo "$l"; false; }
	done
}

@test "zsh: a TAB completes options, files, models and the command after --" {
	mkdir sub
	touch sub/a.ndjson sfile
	start_mock --model gpt-4o --model llama3:8b
	run tabs zsh 'llm-chat --kee' 'llm-plan --dr' 'llm-chat -i sub/' 'llm-runner --store s' \
		'llm-chat -m gp' 'llm-chat --model=lla' 'llm-retry -- llm-cha' \
		'llm-retry -- llm-chat --keep-o' 'llm-retry -n 2 --wh'
	assert_success
	assert_output "$(printf '%s\n' 'llm-chat --keep-order' 'llm-plan --dry-run' \
		'llm-chat -i sub/a.ndjson' 'llm-runner --store sub' 'llm-chat -m gpt-4o' \
		'llm-chat --model=llama3:8b' 'llm-retry -- llm-chat' \
		'llm-retry -- llm-chat --keep-order' 'llm-retry -n 2 --whole')"
}

@test "fish: every file parses; complete -C offers options, files, models and the command after --" {
	for f in "$C"/fish/*.fish; do
		fish -n "$f" || { echo "fish -n $f"; false; }
	done
	mkdir sub
	touch sub/a.ndjson notes.txt
	start_mock --model gpt-4o --model llama3:8b
	run fcomp 'llm-chat --kee'
	assert_output --keep-order
	run fcomp 'llm-chat -i sub/'
	assert_output sub/a.ndjson
	run fcomp 'llm-runner --store '
	assert_output sub/
	run fcomp 'llm-chat no'
	assert_output ''
	run fcomp 'llm-summarize no'
	assert_output notes.txt
	run fcomp 'llm-chat -m '
	assert_output "$(printf 'gpt-4o\nllama3:8b')"
	run fcomp 'llm-chat --model=ll'
	assert_output --model=llama3:8b
	run fcomp 'llm-retry -- llm-cha'
	assert_output llm-chat
	run fcomp 'llm-retry -- llm-chat --keep-'
	assert_output --keep-order
	LLM_BASE_URL=$(dead_url)
	run fcomp 'llm-chat -m '
	assert_output ''
}
