#!/usr/bin/env bats
# make install into a scratch DESTDIR, then run what was installed, from
# there, with the build tree off PATH; make uninstall leaves no file.

load helpers

@test "make install puts programs, man pages, share/llm and completions under DESTDIR; they work from there; uninstall removes every file" {
	d="$BATS_TEST_TMPDIR/dest"
	p="$d/usr/local"
	san=SAN=0
	[ "$BUILD" = build/san ] && san=SAN=1
	run make -C "$ROOT" -s install DESTDIR="$d" PREFIX=/usr/local "$san"
	assert_success
	progs=$(cd "$ROOT/cmd" && ls llm-*.c | sed 's/\.c$//')

	# the installed programs, and nothing of the build tree, on PATH
	PATH="$p/bin:/usr/bin:/bin"
	for x in $progs; do
		[ "$(command -v "$x")" = "$p/bin/$x" ]
		run "$x" --help
		assert_success
		assert_output --partial "usage: $x"
	done

	# every man page reads with man(1)
	n=0
	for m in "$ROOT"/man/man[157]/*.[157]; do
		f="$p/share/man/${m#"$ROOT"/man/}"
		run env MANWIDTH=80 man -l "$f"
		assert_success
		assert_output --partial "$(basename "${f%.*}")"
		n=$((n + 1))
	done
	[ "$n" -ge 12 ]

	# llm-chat talks to llm-mock, both the installed ones
	start_mock --model mock
	run llm-chat -m mock --json 'hello from the install'
	assert_success
	jq -e '.status == "ok" and (.content | contains("hello from the install"))' <<<"$output"
	result=$output

	# share/llm is found next to the installed programs: what is added to
	# the installed files is used
	# (the mock is on this machine: the table says to price it all the same)
	jq '.models.mock = {"input": 1000000, "output": 1000000} | .local_is_free = false' \
		"$p/share/llm/prices.json" >prices
	cp prices "$p/share/llm/prices.json"
	run llm-summarize --json <<<"$result"
	assert_success
	jq -e '.total.cost_usd == .total.prompt_tokens + .total.completion_tokens and
		.total.cost_usd > 0' <<<"$output"
	printf 'sentinel\tSENTINEL-[0-9]+\n' >>"$p/share/llm/redact.patterns"
	run llm-redact --text <<<'SENTINEL-42 sk-abcdefghijklmnopqrstuvwxyz012345'
	assert_success
	assert_output '[REDACTED:sentinel] [REDACTED:openai-key]'
	# and LLM_SHARE_DIR overrides it
	mkdir alt
	printf 'other\tSENTINEL-[0-9]+\n' >alt/redact.patterns
	LLM_SHARE_DIR=$PWD/alt run llm-redact --text <<<'SENTINEL-42 sk-abcdefghijklmnopqrstuvwxyz012345'
	assert_output '[REDACTED:other] sk-abcdefghijklmnopqrstuvwxyz012345'

	# the completions, each program's in each shell, working from there
	for x in $progs; do
		[ -f "$p/share/bash-completion/completions/$x" ]
		[ -f "$p/share/zsh/vendor-completions/_$x" ]
		[ -f "$p/share/fish/vendor_completions.d/$x.fish" ]
	done
	run bash -c '. "$1"; COMP_WORDS=(llm-chat -m ""); COMP_CWORD=2; _llm_complete llm-chat
		printf "%s\n" "${COMPREPLY[@]}"' _ "$p/share/bash-completion/completions/llm-chat"
	assert_output mock
	run env HOME="$BATS_TEST_TMPDIR" fish -c 'set -p fish_complete_path $argv[1]
		complete -C"llm-chat --kee"' "$p/share/fish/vendor_completions.d"
	assert_output --partial --keep-order
	stop_mock

	run make -C "$ROOT" -s uninstall DESTDIR="$d" PREFIX=/usr/local "$san"
	assert_success
	run find "$d" ! -type d
	assert_output ''
}
