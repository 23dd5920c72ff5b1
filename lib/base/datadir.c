#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/datadir.h"

#ifndef LLM_DATADIR
#define LLM_DATADIR "/usr/local/share/llm"
#endif

static int
fits(int n, size_t len)
{
	return n >= 0 && (size_t)n < len ? 0 : -1;
}

/* Cut dir at its last '/': its parent.  0 when there is none left. */
static int
up(char *dir)
{
	char *slash = strrchr(dir, '/');

	if (!slash || slash == dir)
		return 0;
	*slash = '\0';
	return 1;
}

int
datadir_find(const char *file, char *path, size_t pathlen)
{
	const char *env = getenv("LLM_SHARE_DIR");
	char dir[PATH_MAX];
	ssize_t n;
	int i;

	if (env && *env)
		return fits(snprintf(path, pathlen, "%s/%s", env, file), pathlen);
	n = readlink("/proc/self/exe", dir, sizeof dir - 1);
	if (n > 0) {
		dir[n] = '\0';
		up(dir);	/* the executable's directory */
		for (i = 0; i < 3 && up(dir); i++)
			if (fits(snprintf(path, pathlen, "%s/share/llm/%s", dir, file), pathlen) == 0 &&
			    access(path, R_OK) == 0)
				return 0;
	}
	return fits(snprintf(path, pathlen, "%s/%s", LLM_DATADIR, file), pathlen);
}
