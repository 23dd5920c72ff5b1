/* llm-chat: send chat completions.  Request records in, result records
 * out; or a prompt on the command line, the answer's text out.  The work
 * is in chatcli.c, shared with llm-stream, and lib/client.c. */
#include "chatcli.h"

int
main(int argc, char **argv)
{
	return chatcli_main(argc, argv, 0);
}
