/* Test support, preloaded into the isingmf executable (LD_PRELOAD) by the signal tests:
 * the first fsync(2), which the atomic writer makes after writing its temporary file and
 * before renaming it, creates the file named by ISINGMF_TEST_FSYNC_MARKER and then waits
 * for a signal forever. The test sees the marker, knows the temporary file is on disk,
 * and sends the signal at exactly that moment. Without the variable, fsync is the real one. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
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
