/*
 * lib/input.c - files as lines of valid UTF-8.
 *
 * Bytes are read in blocks into `raw`; lines are cut from `raw` at LF, CRLF or a lone
 * CR, and each line is then decoded into `line`: validated as UTF-8 (the fast path is
 * an 8-byte ASCII test), or converted with an ICU converter once the file is known to
 * be in a legacy encoding. The encoding is decided when the first byte above 0x7F is
 * met: valid UTF-8 sequences outnumbering invalid bytes mean UTF-8 with a few errors,
 * otherwise ICU's charset detector names the legacy encoding. Deciding late is safe
 * because everything before is ASCII, which reads the same in all of them.
 *
 * UTF-16 (recognised by its byte order mark) is converted whole when the file is
 * opened, then read as UTF-8 from memory; what is not valid UTF-16 (an odd last byte, a
 * lone surrogate) is replaced by U+FFFD and reported with the offset of the first.
 */
#include "gpkit/input.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unicode/ucnv.h>
#include <unicode/ucsdet.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "gpkit/text.h"
#include "internal.h"

enum { BLOCK = 65536, BINARY_SNIFF = 8000, MAX_REPORTED_LINES = 50 };

typedef enum { ENC_UNDECIDED, ENC_UTF8, ENC_LEGACY } enc_state;

/* What is left of a line that was cut at the length limit: dropped before the next line. */
typedef enum { SKIP_NONE, SKIP_LINE, SKIP_LF } skip_state;

struct gp_input {
    FILE *f;
    int own_f;
    char *name;
    gp_diag_sink *diags;

    unsigned char *raw;
    size_t raw_pos, raw_len, raw_cap;
    long long raw_base;   /* file offset of raw[0] */
    size_t ascii_checked; /* raw[raw_pos..ascii_checked) is known ASCII */
    int eof;
    int started;
    int refused;
    int read_error;

    enc_state enc;
    UConverter *conv;
    char encname[48];
    UChar *ubuf;
    size_t ucap;

    gp_buf line;
    int line_in_raw; /* the last line was valid as read: handed out from raw, not copied */
    gp_buf legacy;   /* a line converted from the legacy encoding */
    long lineno;
    gp_buf peek;
    int peeked;
    size_t line_max;
    skip_state skip;

    long invalid_lines;
    long nul_lines;
    int summary_done;
};

static int input_new(gp_input **out, const char *display, gp_diag_sink *diags)
{
    gp_input *in = calloc(1, sizeof *in);
    if (!in)
        return GP_ENOMEM;
    in->name = gp__strdup(display ? display : "-");
    if (!in->name) {
        free(in);
        return GP_ENOMEM;
    }
    in->diags = diags;
    in->line_max = GP_INPUT_LINE_MAX;
    strcpy(in->encname, "UTF-8");
    *out = in;
    return GP_OK;
}

int gp_input_open(gp_input **out, const char *path, const char *display, gp_diag_sink *diags)
{
    int is_stdin = !path || strcmp(path, "-") == 0;
    gp_input *in;
    int rc = input_new(&in, display ? display : (is_stdin ? "-" : path), diags);
    if (rc)
        return rc;
    if (is_stdin) {
        in->f = stdin;
    } else {
        in->f = fopen(path, "rb");
        if (!in->f) {
            int e = errno;
            gp_diag_report(diags, GP_SEV_ERROR, "input.unreadable", NULL, 0, 0,
                           "cannot open '%s': %s", in->name, strerror(e));
            free(in->name);
            free(in);
            return GP_EIO;
        }
        in->own_f = 1;
    }
    *out = in;
    return GP_OK;
}

int gp_input_open_mem(gp_input **out, const char *display, const void *data, size_t len,
                      gp_diag_sink *diags)
{
    gp_input *in;
    int rc = input_new(&in, display, diags);
    if (rc)
        return rc;
    in->raw = malloc(len + 1);
    if (!in->raw) {
        free(in->name);
        free(in);
        return GP_ENOMEM;
    }
    if (len)
        memcpy(in->raw, data, len);
    in->raw_len = len;
    in->raw_cap = len + 1;
    in->eof = 1;
    *out = in;
    return GP_OK;
}

void gp_input_close(gp_input *in)
{
    if (!in)
        return;
    if (in->own_f && in->f)
        fclose(in->f);
    if (in->conv)
        ucnv_close(in->conv);
    free(in->raw);
    free(in->ubuf);
    free(in->name);
    gp_buf_free(&in->line);
    gp_buf_free(&in->legacy);
    gp_buf_free(&in->peek);
    free(in);
}

const char *gp_input_name(const gp_input *in)
{
    return in->name;
}

const char *gp_input_encoding(const gp_input *in)
{
    return in->encname;
}

long long gp_input_bytes(const gp_input *in)
{
    return in->raw_base + (long long)in->raw_len;
}

/* Reads more bytes, keeping raw[raw_pos..) (moved to the front). 0 at EOF, 1 read, <0. */
static int fill(gp_input *in)
{
    if (in->eof)
        return 0;
    if (in->raw_pos > 0) {
        size_t keep = in->raw_len - in->raw_pos;
        memmove(in->raw, in->raw + in->raw_pos, keep);
        in->raw_base += (long long)in->raw_pos;
        in->ascii_checked -= in->raw_pos < in->ascii_checked ? in->raw_pos : in->ascii_checked;
        in->raw_len = keep;
        in->raw_pos = 0;
    }
    if (in->raw_cap - in->raw_len < BLOCK) {
        size_t cap = in->raw_cap ? in->raw_cap * 2 : BLOCK + 1;
        while (cap - in->raw_len < BLOCK)
            cap *= 2;
        unsigned char *p = realloc(in->raw, cap);
        if (!p)
            return GP_ENOMEM;
        in->raw = p;
        in->raw_cap = cap;
    }
    size_t n = fread(in->raw + in->raw_len, 1, in->raw_cap - in->raw_len - 1, in->f);
    in->raw_len += n;
    if (n == 0) {
        if (ferror(in->f)) {
            int e = errno;
            in->read_error = 1;
            gp_diag_report(in->diags, GP_SEV_ERROR, "input.unreadable", in->name, 0, 0,
                           "cannot read '%s': %s", in->name, strerror(e));
            return GP_EIO;
        }
        in->eof = 1;
        return 0;
    }
    return 1;
}

/* What a converter could not read: counted here, replaced by U+FFFD by ICU. */
typedef struct bad_units {
    const char *src; /* start of the converted bytes */
    long long base;  /* their offset in the file */
    long long first; /* offset of the first unreadable unit, -1 when none */
    long count;
} bad_units;

static void U_CALLCONV count_bad_units(const void *ctx, UConverterToUnicodeArgs *args,
                                       const char *units, int32_t len,
                                       UConverterCallbackReason reason, UErrorCode *st)
{
    bad_units *b = (bad_units *)ctx;
    if (reason <= UCNV_IRREGULAR) {
        /* args->source is already past the unreadable units */
        if (b->count++ == 0)
            b->first = b->base + (long long)(args->source - b->src) - len;
    }
    UCNV_TO_U_CALLBACK_SUBSTITUTE(NULL, args, units, len, reason, st);
}

static int convert_utf16(gp_input *in)
{
    /* Read everything, then convert in one go: UTF-16 files are small and rare. */
    int rc;
    while ((rc = fill(in)) > 0)
        ;
    if (rc < 0)
        return rc;
    if (in->raw_len - 2 > INT32_MAX / 2)
        return GP_ELIMIT;
    UErrorCode st = U_ZERO_ERROR;
    const char *cs = in->raw[0] == 0xFF ? "UTF-16LE" : "UTF-16BE";
    UConverter *cv = ucnv_open(cs, &st);
    if (U_FAILURE(st))
        return GP_EINTERNAL;
    const char *src = (const char *)in->raw + 2;
    int32_t srclen = (int32_t)(in->raw_len - 2);
    bad_units bad = {src, 2, -1, 0};
    ucnv_setToUCallBack(cv, count_bad_units, &bad, NULL, NULL, &st);
    /* A unit takes at most 3 bytes in UTF-8 (a pair takes 4), an odd last byte 3. */
    size_t cap = ((size_t)srclen / 2 + 1) * 3 + 1;
    char *dst = malloc(cap);
    if (!dst) {
        ucnv_close(cv);
        return GP_ENOMEM;
    }
    int32_t got = ucnv_toAlgorithmic(UCNV_UTF8, cv, dst, (int32_t)cap, src, srclen, &st);
    ucnv_close(cv);
    if (U_FAILURE(st)) {
        free(dst);
        return GP_EINTERNAL;
    }
    free(in->raw);
    in->raw = (unsigned char *)dst;
    in->raw_len = (size_t)got;
    in->raw_cap = cap;
    in->raw_pos = 0;
    in->enc = ENC_UTF8;
    snprintf(in->encname, sizeof in->encname, "%s", cs);
    gp_diag_report(in->diags, GP_SEV_WARNING, "input.legacy-encoding", in->name, 1, 1,
                   "'%s' is %s, not UTF-8; converted", in->name, cs);
    if (bad.count) {
        gp_diag d = GP_DIAG_INIT;
        d.rule_id = "input.invalid-utf8";
        d.file = in->name;
        d.offset = bad.first;
        if (bad.count == 1)
            gp_diag_emitf(in->diags, &d, "invalid %s at byte offset %lld; replaced by U+FFFD", cs,
                          bad.first);
        else
            gp_diag_emitf(
                in->diags, &d,
                "invalid %s at byte offset %lld and %ld more in the file; replaced by U+FFFD", cs,
                bad.first, bad.count - 1);
    }
    return GP_OK;
}

/* First look at the file: byte order marks and binary content. */
static int start(gp_input *in)
{
    if (in->started)
        return in->refused ? GP_EINPUT : GP_OK;
    in->started = 1;
    int rc = 0;
    while (!in->eof && in->raw_len < BINARY_SNIFF && (rc = fill(in)) > 0)
        ;
    if (rc < 0)
        return rc;
    if (in->raw_len >= 2 &&
        ((in->raw[0] == 0xFF && in->raw[1] == 0xFE) || (in->raw[0] == 0xFE && in->raw[1] == 0xFF)))
        return convert_utf16(in);
    if (in->raw_len >= 3 && memcmp(in->raw, "\xEF\xBB\xBF", 3) == 0) {
        in->raw_pos = 3;
        in->ascii_checked = 3;
        in->enc = ENC_UTF8;
    }
    size_t sniff = in->raw_len < BINARY_SNIFF ? in->raw_len : BINARY_SNIFF;
    const unsigned char *nul = memchr(in->raw, 0, sniff);
    if (nul) {
        in->refused = 1;
        gp_diag d = GP_DIAG_INIT;
        d.rule_id = "input.binary";
        d.file = in->name;
        d.offset = nul - in->raw;
        gp_diag_emitf(in->diags, &d,
                      "'%s' looks like a binary file (NUL byte at byte offset %lld): not read",
                      in->name, (long long)(nul - in->raw));
        return GP_EINPUT;
    }
    return GP_OK;
}

/*
 * Decides between UTF-8 and a legacy encoding when the first byte above 0x7F, at
 * raw[first], is met. The warning points at that byte: everything before it is ASCII, so
 * its line and column can be counted here in bytes, the way the reader will cut lines.
 */
static void decide_encoding(gp_input *in, size_t first)
{
    gp_diag where = GP_DIAG_INIT;
    where.severity = GP_SEV_WARNING;
    where.rule_id = "input.legacy-encoding";
    where.file = in->name;
    where.line = in->lineno + 1;
    where.offset = in->raw_base + (long long)first;
    size_t bol = in->raw_pos;
    for (size_t i = in->raw_pos; i < first; i++) {
        /* raw[first] is not a line end, so raw[i + 1] can always be looked at */
        if (in->raw[i] == '\n' || (in->raw[i] == '\r' && in->raw[i + 1] != '\n')) {
            where.line++;
            bol = i + 1;
        }
    }
    where.column = (long)(first - bol) + 1;
    /* Look at up to 64 KiB from here: enough for the detector, cheap to get. */
    while (!in->eof && in->raw_len - in->raw_pos < BLOCK && fill(in) > 0)
        ;
    const char *s = (const char *)in->raw + in->raw_pos;
    size_t n = in->raw_len - in->raw_pos;
    size_t valid = 0, invalid = 0;
    for (size_t i = 0; i < n;) {
        if (!((unsigned char)s[i] & 0x80)) {
            i++;
            continue;
        }
        UChar32 c;
        size_t j = i;
        U8_NEXT(s, j, n, c);
        if (c < 0)
            invalid++;
        else
            valid++;
        i = j;
    }
    if (invalid == 0 || valid >= invalid) {
        in->enc = ENC_UTF8;
        return;
    }
    UErrorCode st = U_ZERO_ERROR;
    UCharsetDetector *det = ucsdet_open(&st);
    const char *name = NULL;
    int32_t confidence = 0;
    if (U_SUCCESS(st)) {
        ucsdet_setText(det, s, (int32_t)(n > INT32_MAX ? INT32_MAX : n), &st);
        const UCharsetMatch *m = ucsdet_detect(det, &st);
        if (U_SUCCESS(st) && m) {
            name = ucsdet_getName(m, &st);
            confidence = ucsdet_getConfidence(m, &st);
        }
    }
    /* WHATWG reads ISO-8859-1 labels as windows-1252: the same bytes, plus 0x80-0x9F. */
    const char *use = "windows-1252";
    if (name && U_SUCCESS(st) && strcmp(name, "UTF-8") != 0 && strcmp(name, "ISO-8859-1") != 0 &&
        strncmp(name, "UTF-", 4) != 0)
        use = name;
    st = U_ZERO_ERROR;
    in->conv = ucnv_open(use, &st);
    if (U_FAILURE(st)) {
        in->conv = NULL;
        st = U_ZERO_ERROR;
        use = "windows-1252";
        in->conv = ucnv_open(use, &st);
    }
    if (det)
        ucsdet_close(det);
    if (!in->conv) {
        in->enc = ENC_UTF8;
        return;
    }
    in->enc = ENC_LEGACY;
    snprintf(in->encname, sizeof in->encname, "%s", use);
    if (name)
        gp_diag_emitf(in->diags, &where,
                      "'%s' is not UTF-8; read as %s (ICU charset detector: %s, confidence %d)",
                      in->name, use, name, (int)confidence);
    else
        gp_diag_emitf(in->diags, &where, "'%s' is not UTF-8; read as %s", in->name, use);
}

static void report_summary(gp_input *in)
{
    if (in->summary_done)
        return;
    in->summary_done = 1;
    if (in->invalid_lines > MAX_REPORTED_LINES)
        gp_diag_report(in->diags, GP_SEV_ERROR, "input.invalid-utf8", in->name, 0, 0,
                       "invalid UTF-8 on %ld more lines of '%s' (replaced by U+FFFD)",
                       in->invalid_lines - MAX_REPORTED_LINES, in->name);
    if (in->nul_lines > MAX_REPORTED_LINES)
        gp_diag_report(in->diags, GP_SEV_ERROR, "input.nul", in->name, 0, 0,
                       "NUL bytes on %ld more lines of '%s' (replaced by U+FFFD)",
                       in->nul_lines - MAX_REPORTED_LINES, in->name);
}

/* Converts a line of the legacy encoding into in->legacy as UTF-8. */
static int convert_legacy(gp_input *in, const char *s, size_t n)
{
    if (n > INT32_MAX / 2)
        return GP_ELIMIT;
    if (in->ucap < n + 1) {
        UChar *u = realloc(in->ubuf, (n + 1) * sizeof(UChar));
        if (!u)
            return GP_ENOMEM;
        in->ubuf = u;
        in->ucap = n + 1;
    }
    UErrorCode st = U_ZERO_ERROR;
    int32_t un = ucnv_toUChars(in->conv, in->ubuf, (int32_t)in->ucap, s, (int32_t)n, &st);
    if (U_FAILURE(st))
        return GP_EINTERNAL;
    int32_t need = 0;
    st = U_ZERO_ERROR;
    u_strToUTF8WithSub(NULL, 0, &need, in->ubuf, un, 0xFFFD, NULL, &st);
    gp_buf_reset(&in->legacy);
    if (gp_buf_reserve(&in->legacy, (size_t)need) != 0)
        return GP_ENOMEM;
    st = U_ZERO_ERROR;
    u_strToUTF8WithSub(in->legacy.data, (int32_t)in->legacy.cap, &need, in->ubuf, un, 0xFFFD, NULL,
                       &st);
    if (U_FAILURE(st))
        return GP_EINTERNAL;
    in->legacy.len = (size_t)need;
    in->legacy.data[need] = '\0';
    return GP_OK;
}

/* Whether the bytes are valid UTF-8 without a NUL: the line can then be used as read. */
static int clean_utf8(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            if ((w & 0x8080808080808080ULL) ||
                ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL))
                break;
            i += 8;
        }
        if (i >= n)
            break;
        if (s[i] == '\0')
            return 0;
        if (!((unsigned char)s[i] & 0x80)) {
            i++;
            continue;
        }
        UChar32 c;
        U8_NEXT(s, i, n, c);
        if (c < 0)
            return 0;
    }
    return 1;
}

/*
 * Decodes raw line bytes into in->line, reporting what had to be replaced. A line that
 * is valid UTF-8 as read is not copied (in->line_in_raw): a 100 MB line would otherwise
 * cost its size once more.
 */
static int decode_line(gp_input *in, const char *s, size_t n, long long offset)
{
    gp_buf_reset(&in->line);
    in->line_in_raw = in->enc != ENC_LEGACY && clean_utf8(s, n);
    if (in->line_in_raw)
        return GP_OK;
    if (in->enc == ENC_LEGACY) {
        int rc = convert_legacy(in, s, n);
        if (rc)
            return rc;
        if (!memchr(in->legacy.data, 0, in->legacy.len)) {
            gp_buf t = in->line;
            in->line = in->legacy;
            in->legacy = t;
            return GP_OK;
        }
        /* The converted text is valid UTF-8; the pass below only replaces its NUL bytes. */
        s = in->legacy.data;
        n = in->legacy.len;
    }
    if (gp_buf_reserve(&in->line, n + 16) != 0)
        return GP_ENOMEM;
    long first_bad_col = 0, first_nul_col = 0;
    long long first_bad_off = -1;
    unsigned first_bad_byte = 0;
    size_t bad = 0, nuls = 0;
    size_t i = 0;
    while (i < n) {
        size_t start_i = i;
        while (i + 8 <= n) {
            uint64_t w;
            memcpy(&w, s + i, 8);
            /* stop at non-ASCII bytes and at zero bytes */
            if ((w & 0x8080808080808080ULL) ||
                ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL))
                break;
            i += 8;
        }
        while (i < n && !((unsigned char)s[i] & 0x80) && s[i] != '\0')
            i++;
        if (i > start_i)
            gp_buf_put(&in->line, s + start_i, i - start_i);
        if (i >= n)
            break;
        if (s[i] == '\0') {
            if (nuls++ == 0)
                first_nul_col = (long)gp_text_char_count(s, i) + 1;
            gp_buf_put(&in->line, "\xEF\xBF\xBD", 3);
            i++;
            continue;
        }
        UChar32 c;
        size_t j = i;
        U8_NEXT(s, j, n, c);
        if (c < 0) {
            if (bad++ == 0) {
                first_bad_col = (long)gp_text_char_count(s, i) + 1;
                first_bad_off = offset + (long long)i;
                first_bad_byte = (unsigned char)s[i];
            }
            gp_buf_put(&in->line, "\xEF\xBF\xBD", 3);
        } else {
            gp_buf_put(&in->line, s + i, j - i);
        }
        i = j;
    }
    if (bad && ++in->invalid_lines <= MAX_REPORTED_LINES) {
        gp_diag d = GP_DIAG_INIT;
        d.severity = GP_SEV_ERROR;
        d.rule_id = "input.invalid-utf8";
        d.file = in->name;
        d.line = in->lineno;
        d.column = first_bad_col;
        d.offset = first_bad_off;
        if (bad == 1)
            gp_diag_emitf(in->diags, &d,
                          "invalid UTF-8 byte 0x%02X at byte offset %lld; replaced by U+FFFD",
                          first_bad_byte, first_bad_off);
        else
            gp_diag_emitf(in->diags, &d,
                          "invalid UTF-8 byte 0x%02X at byte offset %lld and %zu more on this "
                          "line; replaced by U+FFFD",
                          first_bad_byte, first_bad_off, bad - 1);
    }
    if (nuls && ++in->nul_lines <= MAX_REPORTED_LINES)
        gp_diag_report(in->diags, GP_SEV_ERROR, "input.nul", in->name, in->lineno, first_nul_col,
                       "NUL byte in text; replaced by U+FFFD");
    return gp_buf_error(&in->line) ? GP_ENOMEM : GP_OK;
}

int gp__input_identity(const gp_input *in, unsigned long long *dev, unsigned long long *ino)
{
    struct stat st;
    if (!in->f || fstat(fileno(in->f), &st) != 0)
        return GP_EIO;
    *dev = (unsigned long long)st.st_dev;
    *ino = (unsigned long long)st.st_ino;
    return GP_OK;
}

void gp__input_set_line_max(gp_input *in, size_t max)
{
    in->line_max = max < GP_INPUT_LINE_MAX ? max : GP_INPUT_LINE_MAX;
}

/*
 * Drops the rest of a line that was cut, up to and including its line end (a CR may be
 * the last byte read, its LF still to come). Reads as much as that takes, in blocks.
 */
static int skip_rest(gp_input *in)
{
    while (in->skip != SKIP_NONE) {
        unsigned char *p = in->raw + in->raw_pos;
        size_t avail = in->raw_len - in->raw_pos;
        if (in->skip == SKIP_LINE) {
            unsigned char *nl = memchr(p, '\n', avail);
            unsigned char *cr = memchr(p, '\r', nl ? (size_t)(nl - p) : avail);
            unsigned char *end = cr ? cr : nl;
            if (end) {
                in->raw_pos += (size_t)(end - p) + 1;
                in->skip = end == cr ? SKIP_LF : SKIP_NONE;
            } else {
                in->raw_pos = in->raw_len;
            }
        } else if (avail) {
            if (*p == '\n')
                in->raw_pos++;
            in->skip = SKIP_NONE;
        }
        if (in->skip != SKIP_NONE && in->raw_pos == in->raw_len) {
            if (in->eof) {
                in->skip = SKIP_NONE;
                break;
            }
            int rc = fill(in);
            if (rc < 0)
                return rc;
        }
    }
    return GP_OK;
}

int gp_input_next_line(gp_input *in, gp_line *line)
{
    int rc = start(in);
    if (rc)
        return rc;
    if (in->read_error)
        return GP_EIO;
    if (in->skip != SKIP_NONE) {
        rc = skip_rest(in);
        if (rc < 0)
            return rc;
    }
    for (;;) {
        if (in->enc == ENC_UNDECIDED) {
            size_t k = in->ascii_checked > in->raw_pos ? in->ascii_checked : in->raw_pos;
            while (k < in->raw_len && !(in->raw[k] & 0x80))
                k++;
            in->ascii_checked = k;
            if (k < in->raw_len) {
                decide_encoding(in, k);
                continue;
            }
        }
        unsigned char *p = in->raw + in->raw_pos;
        size_t avail = in->raw_len - in->raw_pos;
        unsigned char *nl = memchr(p, '\n', avail);
        size_t scan = nl ? (size_t)(nl - p) : avail;
        unsigned char *cr = memchr(p, '\r', scan);
        unsigned char *end = cr ? cr : nl;
        if (!end || (end == cr && (size_t)(cr - p) + 1 == avail && !in->eof)) {
            /* one byte more than the limit tells a line that is longer from one that is not */
            if (!in->eof && avail <= in->line_max) {
                rc = fill(in);
                if (rc < 0)
                    return rc;
                continue;
            }
            if (avail == 0) {
                report_summary(in);
                return 0;
            }
        }
        size_t len, consumed;
        if (!end) {
            len = avail;
            consumed = avail;
            /* Longer than the limit and its end not read yet: the rest is not a new line. */
            if (!in->eof)
                in->skip = SKIP_LINE;
        } else {
            len = (size_t)(end - p);
            consumed = len + 1;
            if (end == cr && consumed < avail && p[consumed] == '\n')
                consumed++;
            else if (end == cr && consumed == avail && !in->eof)
                in->skip = SKIP_LF;
        }
        long long offset = in->raw_base + (long long)in->raw_pos;
        in->lineno++;
        if (len > in->line_max) {
            gp_diag_report(in->diags, GP_SEV_ERROR, "input.line-too-long", in->name, in->lineno, 0,
                           "line is longer than %zu bytes; cut there", in->line_max);
            /* Not inside a UTF-8 sequence, which would be reported as invalid. */
            len = in->enc == ENC_LEGACY ? in->line_max
                                        : gp__clip_len((const char *)p, len, in->line_max);
        }
        rc = decode_line(in, (const char *)p, len, offset);
        in->raw_pos += consumed;
        if (rc)
            return rc;
        if (in->line_in_raw) {
            /* p[len] is the line end, a byte of a cut line's rest, or the spare byte that
               fill() keeps after the data: it is free to end the string */
            p[len] = '\0';
            line->text = (const char *)p;
            line->len = len;
        } else {
            line->text = gp_buf_str(&in->line);
            line->len = in->line.len;
        }
        line->number = in->lineno;
        line->offset = offset;
        return 1;
    }
}

int gp_input_peek(gp_input *in, const char **text, size_t *len)
{
    int rc = start(in);
    if (rc)
        return rc;
    if (!in->peeked) {
        in->peeked = 1;
        while (!in->eof && in->raw_len - in->raw_pos < BLOCK && (rc = fill(in)) > 0)
            ;
        if (rc < 0)
            return rc;
        const char *s = (const char *)in->raw + in->raw_pos;
        size_t n = in->raw_len - in->raw_pos;
        /* Replace what is not UTF-8 silently: this copy only serves format detection. */
        for (size_t i = 0; i < n;) {
            size_t j = i;
            uint32_t cp = gp_utf8_next(s, n, &j);
            if (cp == 0xFFFD && !(j - i == 3 && memcmp(s + i, "\xEF\xBF\xBD", 3) == 0))
                gp_buf_put(&in->peek, "\xEF\xBF\xBD", 3);
            else
                gp_buf_put(&in->peek, s + i, j - i);
            i = j;
        }
        if (gp_buf_error(&in->peek))
            return GP_ENOMEM;
    }
    *text = gp_buf_str(&in->peek);
    *len = in->peek.len;
    return GP_OK;
}

int gp_input_read_all(gp_input *in, char **out, size_t *len)
{
    gp_buf all = GP_BUF_INIT;
    gp_line line;
    int rc;
    while ((rc = gp_input_next_line(in, &line)) > 0) {
        gp_buf_put(&all, line.text, line.len);
        gp_buf_putc(&all, '\n');
    }
    if (rc < 0) {
        gp_buf_free(&all);
        return rc;
    }
    *len = all.len;
    *out = gp_buf_detach(&all);
    return *out ? GP_OK : GP_ENOMEM;
}
