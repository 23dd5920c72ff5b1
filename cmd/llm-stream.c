/* llm-stream: chat completions as Server-Sent Events.  The same inputs
 * and options as llm-chat; a prompt's text is written as it arrives, and
 * --events writes each record's deltas before its result. */
#include "chatcli.h"

int
main(int argc, char **argv)
{
	return chatcli_main(argc, argv, 1);
}
