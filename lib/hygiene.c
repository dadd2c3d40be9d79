/*
 * lib/hygiene.c - what text should not contain, with certain fixes.
 *
 * One walk over the text, code point by code point (ASCII bytes take a short path),
 * collects issues into an array; the footer patterns run as ICU regular expressions over
 * the whole text; the array is sorted by position and handed out. Fixing applies the
 * issues that carry a replacement, left to right, skipping any that overlap one already
 * applied.
 *
 * Mojibake: UTF-8 that went through Windows-1252 shows as a lead character U+00C2..U+00F4
 * followed by characters whose Windows-1252 byte is a UTF-8 continuation byte
 * (0x80..0xBF): "Ã©" is C3 A9, "â€™" is E2 80 99. The candidate characters are encoded
 * back with ICU's windows-1252 converter; if the bytes are valid UTF-8 the text is
 * mojibake and the decoded bytes are the fix.
 */
#include "gpkit/hygiene.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unicode/ucnv.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/uscript.h>
#include <unicode/uspoof.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include "gpkit/text.h"
#include "internal.h"
#include "lint_impl.h"
#include "regex.h"

typedef struct issue {
    const char *rule_id;
    size_t start, end;
    char *fix;     /* owned, or NULL */
    char *message; /* owned */
    char *left, *right;
} issue;

struct gp_hygiene {
    gp_ruleset *rules;
    UConverter *cp1252;
    USpoofChecker *spoof;
    const UNormalizer2 *nfkc;
    issue *items;
    size_t len, cap;
    int oom;
};

int gp_hygiene_new(gp_hygiene **out, gp_ruleset *rules)
{
    *out = NULL;
    gp_hygiene *h = calloc(1, sizeof *h);
    if (!h)
        return GP_ENOMEM;
    h->rules = rules;
    UErrorCode st = U_ZERO_ERROR;
    h->cp1252 = ucnv_open("windows-1252", &st);
    if (U_SUCCESS(st))
        ucnv_setFromUCallBack(h->cp1252, UCNV_FROM_U_CALLBACK_STOP, NULL, NULL, NULL, &st);
    if (U_SUCCESS(st))
        h->spoof = uspoof_open(&st);
    if (U_SUCCESS(st))
        h->nfkc = unorm2_getNFKCInstance(&st);
    if (U_FAILURE(st)) {
        gp_hygiene_free(h);
        return GP_EINTERNAL;
    }
    *out = h;
    return GP_OK;
}

static void clear_issues(gp_hygiene *h)
{
    for (size_t i = 0; i < h->len; i++) {
        free(h->items[i].fix);
        free(h->items[i].message);
        free(h->items[i].left);
        free(h->items[i].right);
    }
    h->len = 0;
}

void gp_hygiene_free(gp_hygiene *h)
{
    if (!h)
        return;
    clear_issues(h);
    free(h->items);
    if (h->cp1252)
        ucnv_close(h->cp1252);
    if (h->spoof)
        uspoof_close(h->spoof);
    free(h);
}

static void add(gp_hygiene *h, const char *rule, size_t start, size_t end, const char *fix,
                size_t fixlen, const char *fmt, ...) __attribute__((format(printf, 7, 8)));

static void add(gp_hygiene *h, const char *rule, size_t start, size_t end, const char *fix,
                size_t fixlen, const char *fmt, ...)
{
    if (GP_GROW(h->items, h->cap, h->len + 1) != GP_OK) {
        h->oom = 1;
        return;
    }
    issue *it = &h->items[h->len];
    memset(it, 0, sizeof *it);
    it->rule_id = rule;
    it->start = start;
    it->end = end;
    gp_buf msg = GP_BUF_INIT;
    va_list ap;
    va_start(ap, fmt);
    gp_buf_vprintf(&msg, fmt, ap);
    va_end(ap);
    it->message = gp_buf_detach(&msg);
    if (fix)
        it->fix = gp__strndup(fix, fixlen);
    if (!it->message || (fix && !it->fix)) {
        free(it->message);
        free(it->fix);
        h->oom = 1;
        return;
    }
    h->len++;
}

/* Windows-1252 byte of one character, or -1 when it has none. */
static int cp1252_byte(gp_hygiene *h, UChar32 c)
{
    if (c < 0x80)
        return c;
    if (c >= 0xA0 && c <= 0xFF)
        return c;
    UChar u[2];
    int32_t n = 0;
    UBool err = false;
    U16_APPEND(u, n, 2, c, err);
    if (err)
        return -1;
    char out[4];
    UErrorCode st = U_ZERO_ERROR;
    ucnv_resetFromUnicode(h->cp1252);
    int32_t m = ucnv_fromUChars(h->cp1252, out, sizeof out, u, n, &st);
    if (U_FAILURE(st) || m != 1)
        return -1;
    return (unsigned char)out[0];
}

/* Tries mojibake at s[i] (a lead character); returns the bytes consumed, 0 if none. */
static size_t try_mojibake(gp_hygiene *h, const char *s, size_t len, size_t i)
{
    unsigned char bytes[64];
    size_t nb = 0, j = i, last_good = 0;
    gp_buf fixed = GP_BUF_INIT;
    /* A run of sequences: lead + continuation characters, decoded one by one. */
    while (j < len && nb + 4 < sizeof bytes) {
        size_t k = j;
        UChar32 lead;
        U8_NEXT(s, k, len, lead);
        if (lead < 0xC2 || lead > 0xF4)
            break;
        int need = lead < 0xE0 ? 1 : lead < 0xF0 ? 2 : 3;
        unsigned char seq[4] = {(unsigned char)lead};
        int got = 0;
        while (got < need && k < len) {
            size_t k2 = k;
            UChar32 c;
            U8_NEXT(s, k2, len, c);
            int b = c < 0 ? -1 : cp1252_byte(h, c);
            if (b < 0x80 || b > 0xBF)
                break;
            seq[1 + got++] = (unsigned char)b;
            k = k2;
        }
        if (got < need)
            break;
        UChar32 decoded;
        int32_t off = 0;
        U8_NEXT(seq, off, need + 1, decoded);
        if (decoded < 0 || off != need + 1)
            break;
        memcpy(bytes + nb, seq, (size_t)need + 1);
        nb += (size_t)need + 1;
        gp_buf_put(&fixed, seq, (size_t)need + 1);
        j = k;
        last_good = j;
    }
    if (!last_good || fixed.oom) {
        gp_buf_free(&fixed);
        return 0;
    }
    add(h, "text.mojibake", i, last_good, fixed.data, fixed.len,
        "'%.*s' is UTF-8 read as Windows-1252; it was '%s'", (int)(last_good - i), s + i,
        fixed.data);
    gp_buf_free(&fixed);
    return last_good - i;
}

/* The code point before s[*i], moving *i back to its start (U8_PREV wants 32-bit). */
static UChar32 prev_cp(const char *s, size_t *i)
{
    int32_t at = (int32_t)*i;
    UChar32 c;
    U8_PREV(s, 0, at, c);
    *i = (size_t)at;
    return c;
}

static int is_zero_width(UChar32 c)
{
    return c == 0x200B || c == 0x200C || c == 0x200D || c == 0x2060 || c == 0xFEFF;
}

/* Byte span of the word around s[i] (letters, marks and digits). */
static void word_around(const char *s, size_t len, size_t i, size_t *ws, size_t *we)
{
    size_t a = i;
    while (a > 0) {
        size_t p = a;
        UChar32 c;
        c = prev_cp(s, &p);
        if (c < 0 || !(u_isalnum(c) || u_getCombiningClass(c) || is_zero_width(c)))
            break;
        a = p;
    }
    size_t b = i;
    while (b < len) {
        size_t n = b;
        UChar32 c;
        U8_NEXT(s, n, len, c);
        if (c < 0 || !(u_isalnum(c) || u_getCombiningClass(c) || is_zero_width(c)))
            break;
        b = n;
    }
    *ws = a;
    *we = b;
}

/* A letter of another script inside a word that is otherwise Latin (ICU uspoof). */
static size_t check_confusable(gp_hygiene *h, const char *s, size_t len, size_t i)
{
    size_t ws, we;
    word_around(s, len, i, &ws, &we);
    int latin = 0, other = 0;
    for (size_t k = ws; k < we;) {
        UChar32 c;
        U8_NEXT(s, k, len, c);
        UErrorCode st = U_ZERO_ERROR;
        UScriptCode sc = uscript_getScript(c, &st);
        if (sc == USCRIPT_LATIN)
            latin++;
        else if (sc != USCRIPT_COMMON && sc != USCRIPT_INHERITED)
            other++;
    }
    if (!latin || !other)
        return we;
    UErrorCode st = U_ZERO_ERROR;
    int32_t r = uspoof_checkUTF8(h->spoof, s + ws, (int32_t)(we - ws), NULL, &st);
    if (U_FAILURE(st) || r == 0)
        return we;
    /* The fix: each foreign letter replaced by the Latin letter its skeleton is. */
    gp_buf fix = GP_BUF_INIT;
    int certain = 1;
    for (size_t k = ws; k < we;) {
        size_t start = k;
        UChar32 c;
        U8_NEXT(s, k, len, c);
        st = U_ZERO_ERROR;
        UScriptCode sc = uscript_getScript(c, &st);
        if (sc == USCRIPT_LATIN || sc == USCRIPT_COMMON || sc == USCRIPT_INHERITED) {
            gp_buf_put(&fix, s + start, k - start);
            continue;
        }
        char skel[16];
        st = U_ZERO_ERROR;
        int32_t n = uspoof_getSkeletonUTF8(h->spoof, 0, s + start, (int32_t)(k - start), skel,
                                           sizeof skel, &st);
        int32_t off = 0;
        UChar32 sk = 0;
        if (U_SUCCESS(st) && n > 0)
            U8_NEXT(skel, off, n, sk);
        st = U_ZERO_ERROR;
        if (U_SUCCESS(st) && n > 0 && off == n && uscript_getScript(sk, &st) == USCRIPT_LATIN) {
            /* the skeleton is lower case; keep the case of the letter it stands for */
            UChar32 out = u_isupper(c) ? u_toupper(sk) : sk;
            gp_utf8_put(&fix, (uint32_t)out);
        } else {
            certain = 0;
            gp_buf_put(&fix, s + start, k - start);
        }
    }
    add(h, "text.confusable", ws, we, certain ? fix.data : NULL, fix.len,
        "'%.*s' mixes Latin letters with look-alike letters of another script", (int)(we - ws),
        s + ws);
    gp_buf_free(&fix);
    return we;
}

static int is_stopword(gp_hygiene *h, const char *w, size_t len)
{
    const struct gp_lint_rules *lr = gp__lint_rules(h->rules);
    for (size_t i = 0; i < lr->nstopwords; i++)
        if (strlen(lr->stopwords[i]) == len && strncasecmp(lr->stopwords[i], w, len) == 0)
            return 1;
    return 0;
}

/* A short piece of text for a message: one line, at most `max` bytes, whole characters. */
static char *snippet(const char *s, size_t len, size_t max)
{
    size_t from = len > max ? len - max : 0;
    while (from < len && ((unsigned char)s[from] & 0xC0) == 0x80)
        from++;
    char *out = gp__strndup(s + from, len - from);
    for (char *p = out; p && *p; p++)
        if (*p == '\n' || *p == '\r' || *p == '\t')
            *p = ' ';
    return out;
}

/* Shared with the page readers: a trailing line that ends no sentence is not prose. */
int gp__ends_sentence(const char *s, size_t len)
{
    while (len) {
        size_t p = len;
        UChar32 c;
        c = prev_cp(s, &p);
        if (c == '.' || c == '!' || c == '?' || c == 0x2026)
            return 1;
        if (c == '"' || c == ')' || c == ']' || c == 0x201D || c == 0x2019 || c == 0xBB ||
            c == '\'' || c == ' ')
            len = p;
        else
            return 0;
    }
    return 0;
}

static void check_footers(gp_hygiene *h, const char *s, size_t len)
{
    const struct gp_lint_rules *lr = h->rules ? gp__lint_rules(h->rules) : NULL;
    if (!lr)
        return;
    for (size_t f = 0; f < lr->nfooters; f++) {
        gp_regex *re = lr->footers[f];
        if (!gp_regex_match(re, s, len, 0))
            continue;
        do {
            size_t a, b;
            gp_regex_span(re, &a, &b);
            if (b <= a)
                break;
            /* take one space before it too, so the words around it meet with one space */
            if (a > 0 && s[a - 1] == ' ')
                a--;
            add(h, "text.footer", a, b, "", 0, "page footer '%.*s' left in the text", (int)(b - a),
                s + a);
        } while (gp_regex_find_next(re));
    }
}

static int issue_cmp(const void *pa, const void *pb)
{
    const issue *a = pa, *b = pb;
    if (a->start != b->start)
        return a->start < b->start ? -1 : 1;
    if (a->end != b->end)
        return a->end < b->end ? -1 : 1;
    return strcmp(a->rule_id, b->rule_id);
}

/* Printable ASCII other than the space and the hyphen: nothing to check. */
static int plain(unsigned char b)
{
    return b > ' ' && b < 0x7F && b != '-';
}

static void scan(gp_hygiene *h, const char *s, size_t len, gp_field field)
{
    int paragraphs = field == GP_F_DESCRIPTION || field == GP_F_JURY_COMMENT;
    clear_issues(h);
    h->oom = 0;
    size_t i = 0;
    while (i < len) {
        unsigned char b = (unsigned char)s[i];
        if (plain(b)) {
            i++;
            continue;
        }
        /* one space between plain characters, inside the text: most of any text */
        if (b == ' ' && i > 0 && i + 1 < len && plain((unsigned char)s[i + 1])) {
            i += 2;
            continue;
        }
        if (b == ' ' || b == '\t' || b == '\n' || b == '\r') {
            size_t j = i;
            int newlines = 0, odd = 0;
            while (j < len && (s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r')) {
                newlines += s[j] == '\n';
                odd |= s[j] == '\t' || s[j] == '\r';
                j++;
            }
            size_t run = j - i;
            int paragraph_break = paragraphs && newlines == 2 && run == 2;
            if (i == 0 || j == len) {
                add(h, "text.spacing", i, j, "", 0, "white space at the %s of the text",
                    i == 0 ? "start" : "end");
            } else if (!paragraph_break && (run > 1 || odd || newlines)) {
                const char *fix = paragraphs && newlines >= 2 ? "\n\n" : " ";
                add(h, "text.spacing", i, j, fix, strlen(fix), "%s inside the text",
                    newlines ? "a line break"
                    : odd    ? "a tab"
                             : "doubled spaces");
            }
            i = j;
            continue;
        }
        if (b == '-') {
            /* "impro- vement": a hyphen and a space between two lower-case halves */
            if (i > 0 && i + 2 < len && s[i + 1] == ' ') {
                size_t p = i;
                UChar32 before, after;
                before = prev_cp(s, &p);
                size_t n = i + 2;
                U8_NEXT(s, n, len, after);
                size_t lws, lwe, rws, rwe;
                word_around(s, len, p, &lws, &lwe);
                word_around(s, len, i + 2, &rws, &rwe);
                /* "short- and long-term", "Gaststätten- und": a hyphen that waits for the
                 * next word is no broken word; the rules' stop words tell the conjunctions */
                while (lws > 1 && s[lws - 1] == '-' && s[lws - 2] != ' ') {
                    size_t ps, pe;
                    word_around(s, len, lws - 2, &ps, &pe);
                    if (ps == lws - 1)
                        break;
                    lws = ps;
                }
                if (before >= 0 && after >= 0 && u_isalpha(before) && u_islower(after) &&
                    !is_stopword(h, s + rws, rwe - rws)) {
                    add(h, "text.broken-word", i, i + 2, NULL, 0,
                        "'%.*s- %.*s' looks like a word broken at a line end", (int)(lwe - lws),
                        s + lws, (int)(rwe - rws), s + rws);
                    if (!h->oom) {
                        issue *it = &h->items[h->len - 1];
                        it->left = gp__strndup(s + lws, lwe - lws);
                        it->right = gp__strndup(s + rws, rwe - rws);
                    }
                }
            }
            i++;
            continue;
        }
        if (b < 0x80) {
            /* C0 controls and DEL */
            size_t j = i;
            while (j < len && ((unsigned char)s[j] < 0x20 || s[j] == 0x7F) && s[j] != '\n' &&
                   s[j] != '\t' && s[j] != '\r')
                j++;
            if (j == i)
                j = i + 1;
            add(h, "text.control-char", i, j, "", 0, "control character U+%04X in the text",
                (unsigned char)s[i]);
            i = j;
            continue;
        }
        size_t next = i;
        UChar32 c;
        U8_NEXT(s, next, len, c);
        if (c < 0) {
            add(h, "text.replacement-char", i, next, NULL, 0, "bytes that are not UTF-8");
        } else if (c >= 0xC2 && c <= 0xF4 && try_mojibake(h, s, len, i)) {
            next = h->items[h->len - 1].end;
        } else if (c >= 0x80 && c <= 0x9F) {
            add(h, "text.control-char", i, next, "", 0, "control character U+%04X in the text",
                (unsigned)c);
        } else if (c == 0xAD) {
            add(h, "text.soft-hyphen", i, next, "", 0, "soft hyphen (U+00AD) in the text");
        } else if (is_zero_width(c)) {
            add(h, "text.zero-width", i, next, "", 0, "invisible character U+%04X in the text",
                (unsigned)c);
        } else if (c == 0xFFFD) {
            add(h, "text.replacement-char", i, next, NULL, 0,
                "U+FFFD: a character was lost when the text was converted");
        } else if (c >= 0xFB00 && c <= 0xFB06) {
            UChar u = (UChar)c, outu[8];
            UErrorCode st = U_ZERO_ERROR;
            int32_t n = unorm2_normalize(h->nfkc, &u, 1, outu, 8, &st);
            char fix[16];
            int32_t m = 0;
            if (U_SUCCESS(st))
                u_strToUTF8(fix, sizeof fix, &m, outu, n, &st);
            add(h, "text.ligature", i, next, U_SUCCESS(st) ? fix : NULL, (size_t)m,
                "ligature '%.*s' from PDF text", (int)(next - i), s + i);
        } else if (u_isalpha(c)) {
            UErrorCode st = U_ZERO_ERROR;
            UScriptCode sc = uscript_getScript(c, &st);
            if (sc != USCRIPT_LATIN && sc != USCRIPT_COMMON && sc != USCRIPT_INHERITED) {
                size_t word_end = check_confusable(h, s, len, i);
                if (word_end > next)
                    next = word_end;
            }
        }
        i = next;
    }
    /* footers only break into running text, never into a name or a label */
    if (field == GP_F_DESCRIPTION || field == GP_F_JURY_COMMENT || field == GP_F_TITLE)
        check_footers(h, s, len);
    if (field == GP_F_DESCRIPTION && len && !gp__ends_sentence(s, len)) {
        size_t p = len;
        prev_cp(s, &p);
        char *tail = snippet(s, len, 40);
        add(h, "text.truncated", p, len, NULL, 0, "the text stops mid-sentence: '...%s'",
            tail ? tail : "");
        free(tail);
    }
    if (h->len > 1)
        qsort(h->items, h->len, sizeof *h->items, issue_cmp);
}

int gp_hygiene_check(gp_hygiene *h, const char *text, size_t len, gp_field field, gp_hygiene_fn fn,
                     void *ctx)
{
    scan(h, text, len, field);
    if (h->oom)
        return GP_ENOMEM;
    for (size_t i = 0; i < h->len; i++) {
        const issue *it = &h->items[i];
        gp_hygiene_issue out = {it->rule_id, it->start, it->end,  it->fix,
                                it->message, it->left,  it->right};
        int rc = fn(ctx, &out);
        if (rc)
            return rc;
    }
    return GP_OK;
}

int gp_hygiene_fix(gp_hygiene *h, const char *text, size_t len, gp_field field, gp_buf *out,
                   size_t *fixes)
{
    scan(h, text, len, field);
    if (h->oom)
        return GP_ENOMEM;
    size_t at = 0, n = 0;
    for (size_t i = 0; i < h->len; i++) {
        const issue *it = &h->items[i];
        if (!it->fix || it->start < at)
            continue;
        gp_buf_put(out, text + at, it->start - at);
        gp_buf_puts(out, it->fix);
        at = it->end;
        n++;
    }
    gp_buf_put(out, text + at, len - at);
    if (fixes)
        *fixes = n;
    return gp_buf_error(out) ? GP_ENOMEM : GP_OK;
}
