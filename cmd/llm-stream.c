/* llm-stream: chat completions as Server-Sent Events.  The same inputs
 * and options as llm-chat, whose front end this is, compiled with
 * streaming on: a prompt's text is written as it arrives, and --events
 * writes each record's deltas before its result. */
#define LLM_STREAM 1
#include "llm-chat.c"
