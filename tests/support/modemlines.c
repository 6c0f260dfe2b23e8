/*
 * modemlines.c - LD_PRELOAD shim that gives pseudo-terminals RS-232 modem-control lines and keeps an
 * audit trail of what the program did with them.
 *
 * A pty has no DTR/RTS/CTS/DCD/DSR/RI, so the TIOCM* ioctls fail with ENOTTY (or EINVAL).  When (and
 * only when) the real ioctl fails that way, this shim answers instead, keeping DTR/RTS per descriptor
 * (all low after every open).  Environment:
 *
 *   MODEMLINES_IN     file naming the PC input lines currently asserted, as words: CTS, DCD (or CD),
 *                     DSR, RNG (or RI).  Re-read on every TIOCMGET, so a test changes what the program
 *                     sees by rewriting it.
 *   MODEMLINES_OUT    file rewritten with the output lines asserted after each change ("DTR RTS",
 *                     "DTR", "RTS" or an empty line).
 *   MODEMLINES_LOG    file to which one line is appended per event:
 *                       "SET <device> DTR=<0|1> RTS=<0|1>"   after every change of the output lines
 *                       "BREAK <device>"                      for every tcsendbreak()
 *                       "OPEN <path>"                         for every open of a watched path
 *   MODEMLINES_WATCH  substring selecting the paths whose opens are logged (none when unset).
 *
 * Every file is read and written with raw system calls, so the shim never goes through its own
 * open() wrappers.
 *
 * Build: gcc -shared -fPIC -O2 -Wall -Werror -o modemlines.so modemlines.c -ldl
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

static void write_file(const char *variable, const char *text, int flags)
{
    const char *path = getenv(variable);
    if (!path) return;
    int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0644);
    if (fd < 0) return;
    ssize_t ignored = write(fd, text, strlen(text));
    (void)ignored;
    close(fd);
}

static int word_present(const char *text, const char *word)
{
    size_t len = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        int starts = (p == text) || p[-1] == ' ' || p[-1] == '\n' || p[-1] == '\t';
        char after = p[len];
        int ends = after == '\0' || after == ' ' || after == '\n' || after == '\t';
        if (starts && ends) return 1;
    }
    return 0;
}

static int input_lines(void)
{
    const char *path = getenv("MODEMLINES_IN");
    char text[512] = "";
    if (path) {
        int fd = (int)syscall(SYS_openat, AT_FDCWD, path, O_RDONLY | O_CLOEXEC);
        if (fd >= 0) {
            ssize_t n = read(fd, text, sizeof text - 1);
            if (n > 0) text[n] = '\0';
            close(fd);
        }
    }
    int bits = 0;
    if (word_present(text, "CTS")) bits |= TIOCM_CTS;
    if (word_present(text, "DCD") || word_present(text, "CD")) bits |= TIOCM_CD;
    if (word_present(text, "DSR")) bits |= TIOCM_DSR;
    if (word_present(text, "RNG") || word_present(text, "RI")) bits |= TIOCM_RI;
    return bits;
}

static void device_of(int fd, char *target, size_t size)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, target, size - 1);
    if (n > 0) target[n] = '\0';
    else snprintf(target, size, "?");
}

static void outputs_changed(int fd)
{
    int dtr = (outputs[fd] & TIOCM_DTR) != 0, rts = (outputs[fd] & TIOCM_RTS) != 0;
    char words[16], device[PATH_MAX], line[PATH_MAX + 32];
    snprintf(words, sizeof words, "%s%s%s\n", dtr ? "DTR" : "", dtr && rts ? " " : "", rts ? "RTS" : "");
    write_file("MODEMLINES_OUT", words, O_TRUNC);
    device_of(fd, device, sizeof device);
    snprintf(line, sizeof line, "SET %s DTR=%d RTS=%d\n", device, dtr, rts);
    write_file("MODEMLINES_LOG", line, O_APPEND);
}

int ioctl(int fd, unsigned long request, ...)
{
    static int (*real_ioctl)(int, unsigned long, ...);
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (!real_ioctl) real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");
    int result = real_ioctl(fd, request, arg);
    if (result == 0 || (errno != ENOTTY && errno != EINVAL) || fd < 0 || fd >= MAX_FDS) return result;
    int *bits = (int *)arg;
    const int settable = TIOCM_DTR | TIOCM_RTS;
    switch (request) {
    case TIOCMGET: *bits = outputs[fd] | input_lines(); return 0;
    case TIOCMSET: outputs[fd] = *bits & settable; outputs_changed(fd); return 0;
    case TIOCMBIS: outputs[fd] |= *bits & settable; outputs_changed(fd); return 0;
    case TIOCMBIC: outputs[fd] &= ~*bits; outputs_changed(fd); return 0;
    default: return result;
    }
}

int tcsendbreak(int fd, int duration)
{
    static int (*real_tcsendbreak)(int, int);
    if (!real_tcsendbreak) real_tcsendbreak = (int (*)(int, int))dlsym(RTLD_NEXT, "tcsendbreak");
    char device[PATH_MAX], line[PATH_MAX + 16];
    device_of(fd, device, sizeof device);
    snprintf(line, sizeof line, "BREAK %s\n", device);
    write_file("MODEMLINES_LOG", line, O_APPEND);
    return real_tcsendbreak(fd, duration);
}

static void note_open(const char *path, int fd)
{
    if (fd >= 0 && fd < MAX_FDS) outputs[fd] = 0;
    const char *watch = getenv("MODEMLINES_WATCH");
    if (!watch || !path || !strstr(path, watch)) return;
    char line[PATH_MAX + 16];
    snprintf(line, sizeof line, "OPEN %s\n", path);
    write_file("MODEMLINES_LOG", line, O_APPEND);
}

static mode_t mode_argument(int flags, va_list ap)
{
    return (flags & (O_CREAT | O_TMPFILE)) ? va_arg(ap, mode_t) : 0;
}

#define WRAP_OPEN(name)                                                                      \
    int name(const char *path, int flags, ...)                                               \
    {                                                                                        \
        static int (*real)(const char *, int, ...);                                          \
        if (!real) real = (int (*)(const char *, int, ...))dlsym(RTLD_NEXT, #name);          \
        va_list ap; va_start(ap, flags); mode_t mode = mode_argument(flags, ap); va_end(ap); \
        int fd = real(path, flags, mode);                                                    \
        note_open(path, fd);                                                                 \
        return fd;                                                                           \
    }

#define WRAP_OPENAT(name)                                                                    \
    int name(int dirfd, const char *path, int flags, ...)                                   \
    {                                                                                        \
        static int (*real)(int, const char *, int, ...);                                     \
        if (!real) real = (int (*)(int, const char *, int, ...))dlsym(RTLD_NEXT, #name);     \
        va_list ap; va_start(ap, flags); mode_t mode = mode_argument(flags, ap); va_end(ap); \
        int fd = real(dirfd, path, flags, mode);                                             \
        note_open(path, fd);                                                                 \
        return fd;                                                                           \
    }

WRAP_OPEN(open)
WRAP_OPEN(open64)
WRAP_OPENAT(openat)
WRAP_OPENAT(openat64)
