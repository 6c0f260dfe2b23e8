/*
 * modemlines.c - LD_PRELOAD shim that gives a pseudo-terminal RS-232 modem-control lines.
 *
 * A pty has no DTR/RTS/CTS/DCD/DSR/RI, so the TIOCM* ioctls fail with ENOTTY.  When (and only
 * when) the real ioctl fails that way, this shim answers instead:
 *
 *   MODEMLINES_IN   path of a text file naming the PC's input lines that are currently asserted,
 *                   as words: CTS DCD (or CD) DSR RNG (or RI).  Re-read on every TIOCMGET, so a
 *                   test changes what the program sees by rewriting the file.
 *   MODEMLINES_OUT  path of a text file rewritten with the output lines the program asserts
 *                   ("DTR RTS", "DTR", or an empty line) each time it changes them.
 *   MODEMLINES_LOG  optional path; every output change and every tcsendbreak() is appended as
 *                   one line ("SET DTR", "BREAK").
 *
 * Build: gcc -shared -fPIC -O2 -o modemlines.so modemlines.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>

static int asserted_outputs = 0;

static int word_present(const char *text, const char *word)
{
    size_t len = strlen(word);
    for (const char *p = strstr(text, word); p; p = strstr(p + 1, word)) {
        int starts = (p == text) || p[-1] == ' ' || p[-1] == '\n' || p[-1] == '\t';
        char after = p[len];
        int ends = after == '\0' || after == ' ' || after == '\n' || after == '\t';
        if (starts && ends)
            return 1;
    }
    return 0;
}

static int read_inputs(void)
{
    const char *path = getenv("MODEMLINES_IN");
    char text[512] = "";
    int bits = 0;
    if (path) {
        FILE *f = fopen(path, "r");
        if (f) {
            size_t n = fread(text, 1, sizeof(text) - 1, f);
            text[n] = '\0';
            fclose(f);
        }
    }
    if (word_present(text, "CTS")) bits |= TIOCM_CTS;
    if (word_present(text, "DCD") || word_present(text, "CD")) bits |= TIOCM_CD;
    if (word_present(text, "DSR")) bits |= TIOCM_DSR;
    if (word_present(text, "RNG") || word_present(text, "RI")) bits |= TIOCM_RI;
    return bits;
}

static void append_log(const char *line)
{
    const char *path = getenv("MODEMLINES_LOG");
    if (!path) return;
    FILE *f = fopen(path, "a");
    if (!f) return;
    fprintf(f, "%s\n", line);
    fclose(f);
}

static void publish_outputs(void)
{
    char words[32];
    snprintf(words, sizeof(words), "%s%s%s",
             (asserted_outputs & TIOCM_DTR) ? "DTR" : "",
             (asserted_outputs & TIOCM_DTR) && (asserted_outputs & TIOCM_RTS) ? " " : "",
             (asserted_outputs & TIOCM_RTS) ? "RTS" : "");
    const char *path = getenv("MODEMLINES_OUT");
    if (path) {
        FILE *f = fopen(path, "w");
        if (f) { fprintf(f, "%s\n", words); fclose(f); }
    }
    char entry[40];
    snprintf(entry, sizeof(entry), "SET %s", words);
    append_log(entry);
}

int ioctl(int fd, unsigned long request, ...)
{
    static int (*real_ioctl)(int, unsigned long, ...);
    va_list ap;
    va_start(ap, request);
    void *arg = va_arg(ap, void *);
    va_end(ap);
    if (!real_ioctl)
        real_ioctl = (int (*)(int, unsigned long, ...))dlsym(RTLD_NEXT, "ioctl");

    int result = real_ioctl(fd, request, arg);
    if (result == 0 || (errno != ENOTTY && errno != EINVAL))
        return result;

    int *bits = (int *)arg;
    const int outputs = TIOCM_DTR | TIOCM_RTS;
    switch (request) {
    case TIOCMGET: *bits = asserted_outputs | read_inputs(); return 0;
    case TIOCMSET: asserted_outputs = *bits & outputs; publish_outputs(); return 0;
    case TIOCMBIS: asserted_outputs |= *bits & outputs; publish_outputs(); return 0;
    case TIOCMBIC: asserted_outputs &= ~*bits; publish_outputs(); return 0;
    default: return result;
    }
}

int tcsendbreak(int fd, int duration)
{
    static int (*real_tcsendbreak)(int, int);
    if (!real_tcsendbreak)
        real_tcsendbreak = (int (*)(int, int))dlsym(RTLD_NEXT, "tcsendbreak");
    append_log("BREAK");
    return real_tcsendbreak(fd, duration);
}
