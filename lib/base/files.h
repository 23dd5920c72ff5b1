/* files: directories made, files written atomically and files read, with
 * the option of keeping a relative path beneath its starting directory.
 *
 * A path that path_confined() accepts (relative, no "..") can still lead
 * out of its directory through a symbolic link on the way ("Output/link"
 * pointing at /etc).  With FILES_BENEATH the path is resolved so that it
 * cannot: openat2(2)'s RESOLVE_BENEATH, which follows a link only while
 * it stays below the directory, or where the kernel lacks openat2 (before
 * Linux 5.6) a walk one name at a time that follows no link at all.
 * Such a path is refused with EXDEV, and the message says which way it
 * leads out: an absolute path, a ".." above the start, or a link.
 */
#ifndef LLM_FILES_H
#define LLM_FILES_H

#include <stddef.h>

enum {
	FILES_MKDIRS = 1,	/* make the missing parent directories */
	FILES_BENEATH = 2,	/* never lead out of the working directory */
};

/* Create dir and its parents (mode 0777 before umask). 0 or -1 with err. */
int mkdir_p(const char *dir, char *err, size_t errlen);

/* Write data to path atomically: an unnamed file (O_TMPFILE) in the same
 * directory, fsync, then linked in as path — or, when path exists,
 * linked as ".NAME.PID.tmp" and renamed over it, keeping the mode of the
 * file it replaces (a file made 0600 stays so).  A process killed at
 * any point leaves either the old file or the new one whole, and a
 * temporary name only between that link and the rename.  Where the file
 * system has no O_TMPFILE (or there is no /proc), the data goes to
 * ".NAME.PID.tmp" first, which a kill can leave behind; its leading dot
 * keeps it out of globs.  flags: FILES_MKDIRS, FILES_BENEATH.  0, or -1
 * with a message in err. */
int atomic_write(const char *path, const void *data, size_t len, int flags, char *err,
                 size_t errlen);

/* Is the relative path p confined to its directory?  Rejects empty paths,
 * absolute paths, '..' components and embedded NUL (len counts bytes, so a
 * NUL inside is seen).  0 when safe, -1 with a reason in err. */
int path_confined(const char *p, size_t len, char *err, size_t errlen);

/* Read a whole file (at most max bytes). NULL with err on failure, and
 * errno EFBIG when the file is larger than max. */
char *read_file(const char *path, size_t max, size_t *lenp, char *err, size_t errlen);

/* Read the file rel, which must lie beneath the directory root (as
 * FILES_BENEATH) and be a regular file (a FIFO is refused, not waited
 * on); messages name root/rel. */
char *read_file_beneath(const char *root, const char *rel, size_t max, size_t *lenp, char *err,
                        size_t errlen);

/* A pipe or socket fd made non-blocking, so that a slow producer never
 * holds up a poll loop; its flags before, to put back with F_SETFL, or
 * -1 when they cannot be read (nothing changed then). */
int fd_nonblock_pipe(int fd);

#endif
