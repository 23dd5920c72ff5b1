/* stdfds: descriptors 0, 1 and 2 made sure to be open before a program
 * opens any of its own.
 *
 * A program started with one of them closed would have its first open(),
 * pipe() or socket() take that number, and then read its own pipe or
 * curl's wake-up socket as its input, or write records into it.  Nothing
 * is owned by the caller: the descriptors put in place stay open for the
 * life of the process.
 */
#ifndef LLM_STDFDS_H
#define LLM_STDFDS_H

/* Fill each closed one of 0, 1, 2 with /dev/null opened the wrong way
 * round for 0 and 1 (write-only, read-only), so reading stdin or
 * writing stdout still fails with EBADF, as it would have closed, and
 * write-only for 2, so messages are dropped.  Call first thing in
 * main(); dies (status 2) when /dev/null cannot be opened. */
void stdfds_ensure(void);

#endif
