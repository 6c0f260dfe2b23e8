/* modem_shim.c - LD_PRELOAD library for the probe tests.
 *
 * Gives file descriptors whose real TIOCM* ioctls fail (pseudo-terminals) emulated RS-232 modem
 * lines, and keeps an audit trail of what the program did with them:
 *   PROBE_SHIM_LINES  file with the input lines to report, words CTS DCD DSR RNG (re-read each time)
 *   PROBE_SHIM_LOG    file to which one line is appended per event:
 *                       "SET <path> DTR=<0|1> RTS=<0|1>"  after every change of the output lines
 *                       "OPEN <path>"                       for every open of a watched path
 *   PROBE_SHIM_WATCH  substring selecting the paths whose opens are logged (none when unset)
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <termios.h>
#include <unistd.h>

#define MAX_FDS 1024
static int outputs[MAX_FDS];  /* DTR/RTS per descriptor, as last set by the program */

static void append_log(const char *text) {
    const char *path = getenv("PROBE_SHIM_LOG");
    if (!path) return;
    /* a raw syscall, so that logging never goes through the open() wrappers below */
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0) return;
    ssize_t ignored = write(fd, text, strlen(text));
    (void)ignored;
    close(fd);
}

static int input_lines(void) {
    const char *path = getenv("PROBE_SHIM_LINES");
    char text[256] = "";
    if (path) {
        int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t n = read(fd, text, sizeof text - 1);
            if (n > 0) text[n] = 0;
            close(fd);
        }
    }
    int bits = 0;
    if (strstr(text, "CTS")) bits |= TIOCM_CTS;
    if (strstr(text, "DCD")) bits |= TIOCM_CD;
    if (strstr(text, "DSR")) bits |= TIOCM_DSR;
    if (strstr(text, "RNG")) bits |= TIOCM_RI;
    return bits;
}

static void record(int fd) {
    char link[64], target[PATH_MAX] = "?", line[PATH_MAX + 64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n > 0) target[n] = 0;
    snprintf(line, sizeof line, "SET %s DTR=%d RTS=%d\n", target,
             (outputs[fd] & TIOCM_DTR) ? 1 : 0, (outputs[fd] & TIOCM_RTS) ? 1 : 0);
    append_log(line);
}

int ioctl(int fd, unsigned long request, ...) {
    static int (*real_ioctl)(int, unsigned long, ...);
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (!real_ioctl) real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
    int result = real_ioctl(fd, request, arg);
    if (result == 0 || (errno != ENOTTY && errno != EINVAL) || fd < 0 || fd >= MAX_FDS) return result;
    int *bits = (int *)arg;
    switch (request) {
    case TIOCMGET: *bits = outputs[fd] | input_lines(); return 0;
    case TIOCMSET: outputs[fd] = *bits & (TIOCM_DTR | TIOCM_RTS); record(fd); return 0;
    case TIOCMBIS: outputs[fd] |= *bits & (TIOCM_DTR | TIOCM_RTS); record(fd); return 0;
    case TIOCMBIC: outputs[fd] &= ~*bits; record(fd); return 0;
    default: return result;
    }
}

static void note_open(const char *path, int fd) {
    if (fd >= 0 && fd < MAX_FDS) outputs[fd] = 0;
    const char *watch = getenv("PROBE_SHIM_WATCH");
    if (!watch || !path || !strstr(path, watch)) return;
    char line[PATH_MAX + 16];
    snprintf(line, sizeof line, "OPEN %s\n", path);
    append_log(line);
}

static mode_t mode_argument(int flags, va_list ap) {
    return (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

#define WRAP_OPEN(name)                                                                   \
    int name(const char *path, int flags, ...) {                                          \
        static int (*real)(const char *, int, ...);                                       \
        if (!real) real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name);       \
        va_list ap; va_start(ap, flags); mode_t mode = mode_argument(flags, ap); va_end(ap); \
        int fd = real(path, flags, mode);                                                 \
        note_open(path, fd);                                                              \
        return fd;                                                                        \
    }

#define WRAP_OPENAT(name)                                                                 \
    int name(int dirfd, const char *path, int flags, ...) {                               \
        static int (*real)(int, const char *, int, ...);                                  \
        if (!real) real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, #name);  \
        va_list ap; va_start(ap, flags); mode_t mode = mode_argument(flags, ap); va_end(ap); \
        int fd = real(dirfd, path, flags, mode);                                          \
        note_open(path, fd);                                                              \
        return fd;                                                                        \
    }

WRAP_OPEN(open)
WRAP_OPEN(open64)
WRAP_OPENAT(openat)
WRAP_OPENAT(openat64)
