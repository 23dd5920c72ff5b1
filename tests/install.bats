#!/usr/bin/env bats
# make install into a scratch DESTDIR, then run what was installed.

load helpers

@test "make install puts programs, man pages and share/llm under DESTDIR; uninstall removes them" {
	d="$BATS_TEST_TMPDIR/dest"
	san=SAN=0
	[ "$BUILD" = build/san ] && san=SAN=1
	run make -C "$ROOT" -s install DESTDIR="$d" PREFIX=/usr/local "$san"
	assert_success
	[ -x "$d/usr/local/bin/llm-chat" ]
	[ -x "$d/usr/local/bin/llm-mock" ]
	[ -f "$d/usr/local/share/man/man1/llm-chat.1" ]
	[ -f "$d/usr/local/share/man/man5/llm-records.5" ]
	[ -f "$d/usr/local/share/man/man7/llm.7" ]
	run "$d/usr/local/bin/llm-chat" --help
	assert_success
	assert_output --partial "usage: llm-chat"
	run mandoc -T utf8 "$d/usr/local/share/man/man1/llm-chat.1"
	assert_success
	assert_output --partial "send chat completions"
	run make -C "$ROOT" -s uninstall DESTDIR="$d" PREFIX=/usr/local "$san"
	assert_success
	[ ! -e "$d/usr/local/bin/llm-chat" ]
	[ ! -e "$d/usr/local/share/man/man1/llm-mock.1" ]
}
