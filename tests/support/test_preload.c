/* Test support, preloaded into the isingmf executable (LD_PRELOAD) to make failures happen
 * at chosen moments. Without its variables every function is the real one.
 *
 * ISINGMF_TEST_FSYNC_MARKER=PATH: the first fsync(2), which the atomic writer makes after
 *   writing its temporary file and before renaming it, creates PATH and then waits for a
 *   signal forever. The signal tests see PATH, know the temporary file is on disk, and send
 *   the signal at exactly that moment.
 * ISINGMF_TEST_CRASH_IN_H5FOPEN=1: H5Fopen crashes (SIGSEGV), as HDF5 1.10 can on a damaged
 *   file, to test that `isingmf info` contains such a crash. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
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

typedef int64_t hid_t;

hid_t H5Fopen(const char* name, unsigned flags, hid_t fapl) {
    if (getenv("ISINGMF_TEST_CRASH_IN_H5FOPEN") != NULL) raise(SIGSEGV);
    hid_t (*real_open)(const char*, unsigned, hid_t) =
        (hid_t(*)(const char*, unsigned, hid_t))dlsym(RTLD_NEXT, "H5Fopen");
    return real_open != NULL ? real_open(name, flags, fapl) : -1;
}
