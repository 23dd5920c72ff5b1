/* msgredact: every message that ends a program (base/util.h's eprintf,
 * enprintf and usage_error) passed through the built-in redaction
 * patterns, so that a token typed where a file name goes ("--token-file
 * sk-...") is not echoed back in "token file sk-...: No such file or
 * directory".
 *
 * The patterns are compiled at the first message, once, and kept for the
 * life of the process; the filter holds a lock, as a message can come
 * from any thread.  When the patterns cannot be had, messages
 * pass as they are: they are how the user learns what went wrong.
 */
#ifndef LLM_MSGREDACT_H
#define LLM_MSGREDACT_H

/* Install the filter; call once, early in main. */
void redact_messages(void);

#endif
