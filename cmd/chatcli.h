/* chatcli: the front end of llm-chat (stream 0) and llm-stream (stream 1). */
#ifndef LLM_CHATCLI_H
#define LLM_CHATCLI_H

int chatcli_main(int argc, char **argv, int stream);

#endif
