/* Test support, preloaded into the isingmf executable (LD_PRELOAD) to make failures happen
 * at chosen moments. Without its variables every function is the real one.
 *
 * ISINGMF_TEST_FSYNC_MARKER=PATH: the first fsync(2), which the atomic writer makes after
 *   writing its temporary file and before renaming it, creates PATH and then waits for a
 *   signal forever. The signal tests see PATH, know the temporary file is on disk, and send
 *   the signal at exactly that moment.
 * ISINGMF_TEST_CRASH_OPENING=SUFFIX: opening a file whose path ends in SUFFIX crashes (SIGSEGV),
 *   as HDF5 1.10 can on a damaged file, to test that `isingmf info` contains such a crash. The
 *   open(2) is HDF5's own (its first look at the file, H5Fis_hdf5): the tool carries HDF5
 *   statically, so HDF5's functions cannot be replaced from here, but its calls into the C
 *   library can. */
#define _GNU_SOURCE
#undef _FILE_OFFSET_BITS /* open and open64 are both defined below */
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

int fsync(int fd) {
    const char* marker = getenv("ISINGMF_TEST_FSYNC_MARKER");
    if (marker != NULL) {
        int m = open(marker, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
        if (m >= 0) close(m);
        for (;;) pause();
    }
    int (*real_fsync)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");
    return real_fsync != NULL ? real_fsync(fd) : -1;
}

static int ends_with(const char* text, const char* suffix) {
    const size_t n = strlen(text);
    const size_t k = strlen(suffix);
    return n >= k && strcmp(text + n - k, suffix) == 0;
}

static void crash_if_chosen(const char* path) {
    const char* suffix = getenv("ISINGMF_TEST_CRASH_OPENING");
    if (suffix != NULL && path != NULL && ends_with(path, suffix)) raise(SIGSEGV);
}

/* Whether open(2) takes a mode argument (glibc's __OPEN_NEEDS_MODE: O_TMPFILE includes
 * O_DIRECTORY, which alone takes none). */
static int needs_mode(int flags) {
    return (flags & O_CREAT) != 0 || (flags & O_TMPFILE) == O_TMPFILE;
}

/* Every name a call of open(2) may be compiled to (large-file and fortified variants). */
typedef int (*open_function)(const char*, int, ...);

static int real_open(const char* name, const char* path, int flags, mode_t mode) {
    crash_if_chosen(path);
    open_function real = (open_function)dlsym(RTLD_NEXT, name);
    return real != NULL ? real(path, flags, mode) : -1;
}

int open(const char* path, int flags, ...) {
    va_list args;
    va_start(args, flags);
    const mode_t mode = needs_mode(flags) ? va_arg(args, mode_t) : 0;
    va_end(args);
    return real_open("open", path, flags, mode);
}

int open64(const char* path, int flags, ...) {
    va_list args;
    va_start(args, flags);
    const mode_t mode = needs_mode(flags) ? va_arg(args, mode_t) : 0;
    va_end(args);
    return real_open("open64", path, flags, mode);
}

typedef int (*checked_open_function)(const char*, int);

static int real_checked_open(const char* name, const char* path, int flags) {
    crash_if_chosen(path);
    checked_open_function real = (checked_open_function)dlsym(RTLD_NEXT, name);
    return real != NULL ? real(path, flags) : -1;
}

int __open_2(const char* path, int flags) { return real_checked_open("__open_2", path, flags); }

int __open64_2(const char* path, int flags) { return real_checked_open("__open64_2", path, flags); }
