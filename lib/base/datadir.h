/* datadir: where the files of share/llm (redact.patterns, prices.json)
 * are found, installed or not.
 *
 * The rule, first hit wins:
 *  1. $LLM_SHARE_DIR/FILE, when LLM_SHARE_DIR is set (not tested for
 *     existence: a wrong setting is an error, not a silent fallback);
 *  2. DIR/share/llm/FILE for DIR the executable's directory's parent, its
 *     grandparent and great-grandparent, the first where FILE exists: an
 *     installed PREFIX/bin/llm-x finds PREFIX/share/llm, a program run
 *     from the build tree (build/bin, build/san/bin) finds the tree's
 *     share/llm;
 *  3. LLM_DATADIR/FILE, the directory `make install` fills.
 */
#ifndef LLM_DATADIR_H
#define LLM_DATADIR_H

#include <stddef.h>

/* The path of FILE by the rule above, in path.  0, or -1 when it does not
 * fit (the path is then cut). */
int datadir_find(const char *file, char *path, size_t pathlen);

#endif
