/*
 * lib/text.c - matching keys, NFC, white space and character folding, with ICU.
 *
 * Everything that needs Unicode properties or transformations goes through ICU; this
 * file only walks UTF-8 (with ICU's U8_* macros) and keeps fast paths for ASCII text,
 * which is most of what gpkit sees: an ASCII string is already NFC, its NFKC case fold
 * is its lower case, and Latin-ASCII leaves it unchanged.
 *
 * gp_foldmap is a two-level table: 256 pages of 256 entries for the BMP, allocated on
 * first use, and a short list for the rest; replacement strings live in a pool.
 */
#include "gpkit/text.h"

#include <stdlib.h>
#include <string.h>
#include <unicode/uchar.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>
#include <unicode/utrans.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "internal.h"

struct gp_text {
    const UNormalizer2 *nfc;
    const UNormalizer2 *nfkc_cf;
    const UNormalizer2 *nfd;
    UTransliterator *to_ascii; /* opened on first use: it is slow to open */
    int to_ascii_failed;
    UChar *u1, *u2;
    int32_t ucap;
};

int gp_text_new(gp_text **out)
{
    gp_text *t = calloc(1, sizeof *t);
    if (!t)
        return GP_ENOMEM;
    UErrorCode st = U_ZERO_ERROR;
    t->nfc = unorm2_getNFCInstance(&st);
    t->nfkc_cf = unorm2_getNFKCCasefoldInstance(&st);
    t->nfd = unorm2_getNFDInstance(&st);
    if (U_FAILURE(st)) {
        free(t);
        return GP_EINTERNAL;
    }
    *out = t;
    return GP_OK;
}

void gp_text_free(gp_text *t)
{
    if (!t)
        return;
    if (t->to_ascii)
        utrans_close(t->to_ascii);
    free(t->u1);
    free(t->u2);
    free(t);
}

static int ureserve(gp_text *t, int32_t need)
{
    if (need <= t->ucap)
        return GP_OK;
    int32_t cap = t->ucap ? t->ucap : 256;
    while (cap < need) {
        if (cap > INT32_MAX / 2)
            return GP_ENOMEM;
        cap *= 2;
    }
    UChar *a = realloc(t->u1, (size_t)cap * sizeof(UChar));
    if (!a)
        return GP_ENOMEM;
    t->u1 = a;
    UChar *b = realloc(t->u2, (size_t)cap * sizeof(UChar));
    if (!b)
        return GP_ENOMEM;
    t->u2 = b;
    t->ucap = cap;
    return GP_OK;
}

int gp_text_is_ascii(const char *s, size_t len)
{
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        if (w & 0x8080808080808080ULL)
            return 0;
    }
    for (; i < len; i++)
        if ((unsigned char)s[i] & 0x80)
            return 0;
    return 1;
}

size_t gp_text_char_count(const char *s, size_t len)
{
    size_t n = 0;
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)s[i] & 0xC0) != 0x80)
            n++;
    return n;
}

uint32_t gp_utf8_next(const char *s, size_t len, size_t *i)
{
    UChar32 c;
    U8_NEXT(s, *i, len, c);
    return c < 0 ? 0xFFFD : (uint32_t)c;
}

void gp_utf8_put(gp_buf *out, uint32_t cp)
{
    uint8_t tmp[4];
    int32_t n = 0;
    UBool err = false;
    if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
        cp = 0xFFFD;
    U8_APPEND((uint8_t *)tmp, n, 4, (UChar32)cp, err);
    if (!err)
        gp_buf_put(out, tmp, (size_t)n);
}

/* UTF-8 -> t->u1; returns its length or a negative GP code. */
static int32_t to_utf16(gp_text *t, const char *s, size_t len)
{
    if (len > INT32_MAX / 2)
        return GP_ELIMIT;
    if (ureserve(t, (int32_t)len + 1) != GP_OK)
        return GP_ENOMEM;
    int32_t n = 0;
    UErrorCode st = U_ZERO_ERROR;
    u_strFromUTF8WithSub(t->u1, t->ucap, &n, s, (int32_t)len, 0xFFFD, NULL, &st);
    if (U_FAILURE(st))
        return GP_EINTERNAL;
    return n;
}

static int append_utf8(gp_buf *out, const UChar *u, int32_t n)
{
    int32_t need = 0;
    UErrorCode st = U_ZERO_ERROR;
    u_strToUTF8WithSub(NULL, 0, &need, u, n, 0xFFFD, NULL, &st);
    if (st != U_BUFFER_OVERFLOW_ERROR && U_FAILURE(st))
        return GP_EINTERNAL;
    if (gp_buf_reserve(out, (size_t)need) != 0)
        return GP_ENOMEM;
    st = U_ZERO_ERROR;
    u_strToUTF8WithSub(out->data + out->len, (int32_t)(out->cap - out->len), &need, u, n, 0xFFFD,
                       NULL, &st);
    if (U_FAILURE(st))
        return GP_EINTERNAL;
    out->len += (size_t)need;
    out->data[out->len] = '\0';
    return GP_OK;
}

/* Normalises u1[0..n) with `norm` into u2; returns the new length. */
static int32_t normalize_u1(gp_text *t, const UNormalizer2 *norm, int32_t n)
{
    for (int attempt = 0; attempt < 4; attempt++) {
        UErrorCode st = U_ZERO_ERROR;
        int32_t m = unorm2_normalize(norm, t->u1, n, t->u2, t->ucap, &st);
        if (st == U_BUFFER_OVERFLOW_ERROR) {
            if (ureserve(t, m + 1) != GP_OK)
                return GP_ENOMEM;
            continue;
        }
        if (U_FAILURE(st))
            return GP_EINTERNAL;
        return m;
    }
    return GP_EINTERNAL;
}

/*
 * Every character has NFC_Quick_Check=Yes and combining class 0 (ICU's properties), so
 * no composition or reordering can apply. Most text passes (curly quotes, dashes,
 * accented letters), without any conversion.
 */
int gp_text_surely_nfc(const char *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        if (!((unsigned char)s[i] & 0x80)) {
            i++;
            continue;
        }
        UChar32 c;
        U8_NEXT(s, i, len, c);
        if (c < 0 || u_getIntPropertyValue(c, UCHAR_NFC_QUICK_CHECK) != UNORM_YES ||
            u_getCombiningClass(c) != 0)
            return 0;
    }
    return 1;
}

int gp_text_nfc(gp_text *t, const char *s, size_t len, gp_buf *out)
{
    if (gp_text_surely_nfc(s, len)) {
        gp_buf_put(out, s, len);
        return gp_buf_error(out) ? GP_ENOMEM : GP_OK;
    }
    int32_t n = to_utf16(t, s, len);
    if (n < 0)
        return n;
    UErrorCode st = U_ZERO_ERROR;
    int32_t span = unorm2_spanQuickCheckYes(t->nfc, t->u1, n, &st);
    if (U_SUCCESS(st) && span == n)
        return append_utf8(out, t->u1, n); /* also repairs invalid bytes */
    int32_t m = normalize_u1(t, t->nfc, n);
    if (m < 0)
        return m;
    return append_utf8(out, t->u2, m);
}

static int open_to_ascii(gp_text *t)
{
    if (t->to_ascii)
        return GP_OK;
    if (t->to_ascii_failed)
        return GP_EINTERNAL;
    static const UChar id[] = u"Any-Latin; Latin-ASCII";
    UErrorCode st = U_ZERO_ERROR;
    t->to_ascii = utrans_openU(id, -1, UTRANS_FORWARD, NULL, 0, NULL, &st);
    if (U_FAILURE(st)) {
        t->to_ascii = NULL;
        t->to_ascii_failed = 1;
        return GP_EINTERNAL;
    }
    return GP_OK;
}

/* Key-building state: words separated by exactly one space, no space at either end. */
typedef struct keyw {
    gp_buf *out;
    int pending_space;
    int any;
    size_t words, limit; /* words ended so far; stop when it reaches limit (0: never) */
    int done;
} keyw;

static void key_sep(keyw *k)
{
    if (k->any)
        k->pending_space = 1;
}

static void key_put(keyw *k, const char *s, size_t n)
{
    if (k->done)
        return;
    if (k->pending_space) {
        /* a space ends a word: the limit is reached when it would end one word too many */
        if (++k->words == k->limit) {
            k->done = 1;
            return;
        }
        gp_buf_putc(k->out, ' ');
        k->pending_space = 0;
    }
    gp_buf_put(k->out, s, n);
    k->any = 1;
}

/*
 * What each ASCII byte is in a key: a letter or digit (the byte to write, lower case),
 * a separator (0), an apostrophe that vanishes (1), or "&" (2).
 */
static const unsigned char key_table[128] = {
    ['\''] = 1,  ['`'] = 1,   ['&'] = 2,   ['0'] = '0', ['1'] = '1', ['2'] = '2', ['3'] = '3',
    ['4'] = '4', ['5'] = '5', ['6'] = '6', ['7'] = '7', ['8'] = '8', ['9'] = '9', ['a'] = 'a',
    ['b'] = 'b', ['c'] = 'c', ['d'] = 'd', ['e'] = 'e', ['f'] = 'f', ['g'] = 'g', ['h'] = 'h',
    ['i'] = 'i', ['j'] = 'j', ['k'] = 'k', ['l'] = 'l', ['m'] = 'm', ['n'] = 'n', ['o'] = 'o',
    ['p'] = 'p', ['q'] = 'q', ['r'] = 'r', ['s'] = 's', ['t'] = 't', ['u'] = 'u', ['v'] = 'v',
    ['w'] = 'w', ['x'] = 'x', ['y'] = 'y', ['z'] = 'z', ['A'] = 'a', ['B'] = 'b', ['C'] = 'c',
    ['D'] = 'd', ['E'] = 'e', ['F'] = 'f', ['G'] = 'g', ['H'] = 'h', ['I'] = 'i', ['J'] = 'j',
    ['K'] = 'k', ['L'] = 'l', ['M'] = 'm', ['N'] = 'n', ['O'] = 'o', ['P'] = 'p', ['Q'] = 'q',
    ['R'] = 'r', ['S'] = 's', ['T'] = 't', ['U'] = 'u', ['V'] = 'v', ['W'] = 'w', ['X'] = 'x',
    ['Y'] = 'y', ['Z'] = 'z',
};

/* Whether key_ascii_run may take 16 bytes at a time (tests turn it off to compare). */
static int key_vectors = 1;

void gp__text_key_vectors(int on)
{
    key_vectors = on;
}

#if defined(__SSE2__)
/*
 * The common case 16 bytes at a time: letters, digits and single spaces, as in most of
 * a description. Their key is the bytes lower-cased, a trailing space left pending.
 * Takes the longest such opening of the 16 bytes and returns its length (0 to 16): it
 * stops before punctuation, the second of two spaces, a space where the byte loop would
 * drop it, or when the word limit is in reach; the byte loop goes on from there.
 */
static size_t key_ascii_16(const char *s, char **wp, int *pending, int *any, size_t *words,
                           size_t limit)
{
    const __m128i v = _mm_loadu_si128((const __m128i *)(const void *)s);
    /* an ASCII run: every byte is below 0x80, so the signed comparisons hold */
    const __m128i upper = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('A' - 1)),
                                        _mm_cmpgt_epi8(_mm_set1_epi8('Z' + 1), v));
    const __m128i lower = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('a' - 1)),
                                        _mm_cmpgt_epi8(_mm_set1_epi8('z' + 1), v));
    const __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                        _mm_cmpgt_epi8(_mm_set1_epi8('9' + 1), v));
    const __m128i space = _mm_cmpeq_epi8(v, _mm_set1_epi8(' '));
    unsigned ok = (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(upper, lower), _mm_or_si128(digit, space)));
    unsigned spaces = (unsigned)_mm_movemask_epi8(space);
    unsigned stop = (~ok & 0xFFFF) | ((spaces & (spaces >> 1)) << 1);
    /* a leading space counts only right after a word: else it is dropped or doubled */
    if ((spaces & 1) && (*pending || !*any))
        stop |= 1;
    unsigned n = stop ? (unsigned)__builtin_ctz(stop) : 16;
    if (n == 0)
        return 0;
    unsigned taken = n == 16 ? 0xFFFF : (1u << n) - 1;
    /* words are counted for the limit only (a popcount is a call without -mpopcnt) */
    size_t nstarts = 0;
    if (limit != SIZE_MAX) {
        unsigned starts = ~spaces & taken & ((spaces << 1) | (unsigned)*pending);
        for (; starts; starts &= starts - 1)
            nstarts++;
        if (*words + nstarts >= limit)
            return 0;
    }
    char *w = *wp;
    if (*pending) /* the first byte is a letter or digit here */
        *w++ = ' ';
    /* all 16 are stored (the buffer holds five bytes out per byte in), n are kept */
    _mm_storeu_si128((__m128i *)(void *)w,
                     _mm_or_si128(v, _mm_and_si128(upper, _mm_set1_epi8(0x20))));
    w += n;
    *pending = (spaces >> (n - 1)) & 1;
    w -= *pending;
    *any = 1;
    *words += nstarts;
    *wp = w;
    return n;
}
#endif

/* ASCII bytes straight into the reserved buffer: this is the hot loop of every key. */
static void key_ascii_run(keyw *k, const char *s, size_t len)
{
    gp_buf *out = k->out;
    if (k->done)
        return;
    /* "&" grows to " and " at most: five bytes out for one in. */
    if (len > (SIZE_MAX - 8) / 5 || gp_buf_reserve(out, len * 5 + 2) != 0)
        return;
    char *w = out->data + out->len;
    int pending = k->pending_space, any = k->any;
    size_t words = k->words, limit = k->limit;
    if (limit == 0)
        limit = SIZE_MAX;
    size_t i = 0;
    while (i < len) {
        size_t stop = len;
#if defined(__SSE2__)
        if (key_vectors && len - i >= 16) {
            size_t n = key_ascii_16(s + i, &w, &pending, &any, &words, limit);
            i += n;
            if (n == 16)
                continue;
            /* the byte that stopped it and the next (", " or ". "), or a few more when
               nothing was taken, so that punctuation does not cost a try a byte */
            stop = len - i > 4 ? i + (n ? 2 : 4) : len;
        }
#endif
        for (; i < stop; i++) {
            unsigned char t = key_table[(unsigned char)s[i] & 0x7F];
            if (t != 1 && t != 2) {
                /*
                 * Letters, digits and separators without a branch on which it is: a
                 * word start costs a misprediction otherwise, and words are short.
                 */
                int word = t > 2, begins = word & pending;
                words += (size_t)begins;
                if (words == limit) {
                    k->done = 1;
                    goto out;
                }
                *w = ' ';
                w += begins;
                *w = (char)t;
                w += word;
                any |= word;
                pending = (1 - word) & (pending | (t == 0 && any));
            } else if (t == 2) {
                if (any) {
                    if (++words == limit) {
                        k->done = 1;
                        goto out;
                    }
                    *w++ = ' ';
                }
                memcpy(w, "and", 3);
                w += 3;
                any = pending = 1;
            }
        }
    }
out:
    out->len = (size_t)(w - out->data);
    out->data[out->len] = '\0';
    k->pending_space = pending;
    k->any = any;
    k->words = words;
}

/*
 * A long run a piece at a time: the reservation is five times the piece ("&" becomes
 * " and "), and five times a whole 4 MB description was 20 MB of buffer for its key.
 */
static void key_ascii(keyw *k, const char *s, size_t len)
{
    enum { PIECE = 1 << 16 };
    while (len > PIECE && !k->done && !k->out->oom) {
        key_ascii_run(k, s, PIECE);
        s += PIECE;
        len -= PIECE;
    }
    key_ascii_run(k, s, len);
}

enum { KEY_WORD, KEY_SEPARATOR, KEY_VANISH };

/* How a character outside ASCII counts in a key, from ICU's properties alone when it can. */
static int key_class(UChar32 c)
{
    switch (u_charType(c)) {
    case U_SPACE_SEPARATOR:
    case U_LINE_SEPARATOR:
    case U_PARAGRAPH_SEPARATOR:
        return KEY_SEPARATOR;
    case U_DASH_PUNCTUATION:
    case U_START_PUNCTUATION:
    case U_END_PUNCTUATION:
    case U_CONNECTOR_PUNCTUATION:
    case U_OTHER_PUNCTUATION:
    case U_INITIAL_PUNCTUATION:
    case U_FINAL_PUNCTUATION:
    case U_MATH_SYMBOL:
    case U_CURRENCY_SYMBOL:
    case U_MODIFIER_SYMBOL:
    case U_OTHER_SYMBOL:
        /* compatibility forms (a fullwidth "&", "™") need the full treatment */
        if (u_getIntPropertyValue(c, UCHAR_NFKC_QUICK_CHECK) != UNORM_YES)
            return KEY_WORD;
        if (u_hasBinaryProperty(c, UCHAR_QUOTATION_MARK) && c != 0x201C && c != 0x201D &&
            c != 0x00AB && c != 0x00BB)
            return KEY_VANISH; /* single quotation marks are apostrophes here */
        return KEY_SEPARATOR;
    default:
        return KEY_WORD;
    }
}

/* The key of a word holding characters outside ASCII: the full ICU treatment. */
static int key_icu(gp_text *t, keyw *kw, const char *s, size_t len)
{
    keyw k = *kw;
    int32_t n = to_utf16(t, s, len);
    if (n < 0)
        return n;
    int32_t m = normalize_u1(t, t->nfkc_cf, n);
    if (m < 0)
        return m;
    /*
     * Decomposed, most accented Latin is an ASCII letter and marks the loop below drops.
     * The transliterator (slow: it dominated gp-norm's profile) is only needed when a
     * letter or digit outside ASCII is left, such as Cyrillic, "ø" or "æ".
     */
    memcpy(t->u1, t->u2, (size_t)m * sizeof(UChar));
    m = normalize_u1(t, t->nfd, m);
    if (m < 0)
        return m;
    int needs_transliteration = 0;
    for (int32_t i = 0; i < m && !needs_transliteration;) {
        UChar32 c;
        U16_NEXT(t->u2, i, m, c);
        needs_transliteration = c >= 0x80 && u_isalnum(c) && u_getCombiningClass(c) == 0;
    }
    int rc = needs_transliteration ? open_to_ascii(t) : GP_EINTERNAL;
    if (rc == GP_OK) {
        int32_t limit = m;
        for (int attempt = 0; attempt < 4; attempt++) {
            UErrorCode st = U_ZERO_ERROR;
            memcpy(t->u1, t->u2, (size_t)m * sizeof(UChar));
            int32_t tl = m;
            limit = m;
            utrans_transUChars(t->to_ascii, t->u1, &tl, t->ucap, 0, &limit, &st);
            if (st == U_BUFFER_OVERFLOW_ERROR) {
                if (ureserve(t, tl + 16) != GP_OK)
                    return GP_ENOMEM;
                continue;
            }
            if (U_FAILURE(st))
                return GP_EINTERNAL;
            memcpy(t->u2, t->u1, (size_t)tl * sizeof(UChar));
            m = tl;
            break;
        }
    }
    for (int32_t i = 0; i < m && !k.done;) {
        UChar32 c;
        U16_NEXT(t->u2, i, m, c);
        if (c < 0x80) {
            char ch = (char)c;
            key_ascii(&k, &ch, 1);
        } else if (u_isalnum(c)) {
            char tmp[4];
            int32_t tn = 0;
            UBool bad = false;
            U8_APPEND((uint8_t *)tmp, tn, 4, u_tolower(c), bad);
            if (!bad)
                key_put(&k, tmp, (size_t)tn);
        } else if (u_getCombiningClass(c) != 0 || u_charType(c) == U_NON_SPACING_MARK) {
            /* combining marks left by a script Latin-ASCII cannot reach: drop */
        } else if (key_class(c) != KEY_VANISH) {
            key_sep(&k);
        }
    }
    *kw = k;
    return gp_buf_error(k.out) ? GP_ENOMEM : GP_OK;
}

/* The key of s[0..len) into `out`, stopping after `limit` words (0: all). */
static int text_key(gp_text *t, const char *s, size_t len, size_t limit, gp_buf *out)
{
    /*
     * ASCII runs take the fast path; a character outside ASCII is classified by its ICU
     * properties, and only words holding letters, digits or marks outside ASCII go
     * through normalisation and transliteration, one word at a time.
     */
    keyw k = {out, 0, 0, 0, limit, 0};
    size_t i = 0;
    while (i < len && !k.done) {
        size_t start = i;
        /* with a word limit, a chunk at a time: the text after the limit is never read */
        size_t stop = limit && len - i > 128 ? i + 128 : len;
        while (i < stop && !((unsigned char)s[i] & 0x80))
            i++;
        if (i > start)
            key_ascii(&k, s + start, i - start);
        if (i >= len || k.done)
            break;
        if (!((unsigned char)s[i] & 0x80))
            continue; /* the chunk ended in ASCII */
        size_t j = i;
        UChar32 c;
        U8_NEXT(s, j, len, c);
        int cls = c < 0 ? KEY_SEPARATOR : key_class(c);
        if (cls != KEY_WORD) {
            if (cls == KEY_SEPARATOR)
                key_sep(&k);
            i = j;
            continue;
        }
        /* The rest of the word: letters, digits and other characters that need ICU. */
        while (j < len) {
            unsigned char b = (unsigned char)s[j];
            if (b < 0x80) {
                if (!((b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9')))
                    break;
                j++;
                continue;
            }
            size_t next = j;
            U8_NEXT(s, next, len, c);
            if (c >= 0 && key_class(c) != KEY_WORD)
                break;
            j = next;
        }
        int rc = key_icu(t, &k, s + i, j - i);
        if (rc)
            return rc;
        i = j;
    }
    return gp_buf_error(out) ? GP_ENOMEM : GP_OK;
}

int gp_text_key(gp_text *t, const char *s, size_t len, gp_buf *out)
{
    return text_key(t, s, len, 0, out);
}

int gp_text_key_opening(gp_text *t, const char *s, size_t len, size_t nwords, gp_buf *out)
{
    if (nwords == 0)
        return GP_OK;
    return text_key(t, s, len, nwords, out);
}

size_t gp_text_key_prefix(const char *key, size_t len, size_t nwords)
{
    if (nwords == 0)
        return 0;
    size_t words = 0;
    for (size_t i = 0; i < len; i++)
        if (key[i] == ' ' && ++words == nwords)
            return i;
    return len;
}

/* Whether the code point at s[i] is white space; sets *next and *breaks (line breaks). */
static int space_at(const char *s, size_t len, size_t i, size_t *next, int *breaks)
{
    unsigned char c = (unsigned char)s[i];
    if (c < 0x80) {
        *next = i + 1;
        *breaks = c == '\n';
        return c == ' ' || (c >= '\t' && c <= '\r');
    }
    UChar32 cp;
    size_t j = i;
    U8_NEXT(s, j, len, cp);
    *next = j;
    *breaks = cp == 0x2028 || cp == 0x85 ? 1 : cp == 0x2029 ? 2 : 0;
    return cp >= 0 && u_isUWhiteSpace(cp);
}

int gp_text_collapse_space(const char *s, size_t len, int keep_paragraphs, gp_buf *out)
{
    /* The result is never longer than the input: write it in place. */
    if (gp_buf_reserve(out, len + 1) != 0)
        return GP_ENOMEM;
    char *w = out->data + out->len, *start = w;
    size_t i = 0;
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c > ' ' && c < 0x80) {
            *w++ = (char)c;
            i++;
            continue;
        }
        /* one space between two words, the common case */
        if (c == ' ' && w != start && i + 1 < len && (unsigned char)s[i + 1] > ' ' &&
            (unsigned char)s[i + 1] < 0x80) {
            *w++ = ' ';
            i++;
            continue;
        }
        size_t next;
        int breaks;
        if (!space_at(s, len, i, &next, &breaks)) {
            memcpy(w, s + i, next - i);
            w += next - i;
            i = next;
            continue;
        }
        int total = 0;
        while (i < len && space_at(s, len, i, &next, &breaks)) {
            total += breaks;
            i = next;
        }
        if (w == start || i >= len)
            continue;
        if (keep_paragraphs && total >= 2) {
            *w++ = '\n';
            *w++ = '\n';
        } else {
            *w++ = ' ';
        }
    }
    out->len = (size_t)(w - out->data);
    out->data[out->len] = '\0';
    return GP_OK;
}

/* Decodes `s` into code points (an invalid sequence is one negative value); returns how many,
 * or more than `cap` when they do not fit. */
static size_t decode_cps(const char *s, size_t len, UChar32 *out, size_t cap)
{
    size_t n = 0;
    for (int32_t i = 0; (size_t)i < len;) {
        UChar32 c;
        U8_NEXT(s, i, (int32_t)len, c);
        if (n < cap)
            out[n] = c;
        n++;
    }
    return n;
}

/* Optimal string alignment over code points; `rows` has room for 3 * (m + 1) values. */
static size_t osa(const UChar32 *a, size_t n, const UChar32 *b, size_t m, size_t *rows)
{
    size_t *prev2 = rows, *prev = rows + m + 1, *cur = prev + m + 1;
    for (size_t j = 0; j <= m; j++)
        prev[j] = j;
    for (size_t i = 1; i <= n; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
            size_t v = prev[j] + 1;
            if (cur[j - 1] + 1 < v)
                v = cur[j - 1] + 1;
            if (prev[j - 1] + cost < v)
                v = prev[j - 1] + cost;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < v)
                v = prev2[j - 2] + 1;
            cur[j] = v;
        }
        size_t *tmp = prev2;
        prev2 = prev;
        prev = cur;
        cur = tmp;
    }
    return prev[m];
}

enum { EDIT_STACK = 128, EDIT_MAX = 4096 };

size_t gp_text_edit_distance(const char *a, size_t alen, const char *b, size_t blen)
{
    /* Names are short: they fit on the stack; longer text takes one heap block. */
    UChar32 sa[EDIT_STACK], sb[EDIT_STACK];
    size_t srows[3 * (EDIT_STACK + 1)];
    if (alen > (size_t)EDIT_MAX * 4 || blen > (size_t)EDIT_MAX * 4)
        return alen > blen ? alen : blen;
    size_t n = decode_cps(a, alen, sa, EDIT_STACK), m = decode_cps(b, blen, sb, EDIT_STACK);
    if (n == 0 || m == 0)
        return n + m;
    if (n > EDIT_MAX || m > EDIT_MAX)
        return n > m ? n : m;
    if (n <= EDIT_STACK && m <= EDIT_STACK)
        return osa(sa, n, sb, m, srows);
    char *mem = malloc((n + m) * sizeof(UChar32) + 3 * (m + 1) * sizeof(size_t));
    if (!mem)
        return n > m ? n : m;
    size_t *rows = (size_t *)(void *)mem;
    UChar32 *ha = (UChar32 *)(void *)(rows + 3 * (m + 1)), *hb = ha + n;
    decode_cps(a, alen, ha, n);
    decode_cps(b, blen, hb, m);
    size_t d = osa(ha, n, hb, m, rows);
    free(mem);
    return d;
}

/* ---- character folding ---- */

typedef struct fold_entry {
    uint32_t off; /* into pool */
    uint32_t len;
    int used;
} fold_entry;

typedef struct fold_astral {
    uint32_t cp;
    fold_entry e;
} fold_astral;

struct gp_foldmap {
    fold_entry *pages[256];
    fold_astral *astral;
    size_t nastral, astral_cap;
    gp_buf pool;
    size_t count;
    int has_ascii;
};

int gp_foldmap_new(gp_foldmap **out)
{
    gp_foldmap *m = calloc(1, sizeof *m);
    if (!m)
        return GP_ENOMEM;
    *out = m;
    return GP_OK;
}

void gp_foldmap_free(gp_foldmap *m)
{
    if (!m)
        return;
    for (int i = 0; i < 256; i++)
        free(m->pages[i]);
    free(m->astral);
    gp_buf_free(&m->pool);
    free(m);
}

static fold_entry *fold_slot(gp_foldmap *m, uint32_t cp, int create)
{
    if (cp < 0x10000) {
        fold_entry **page = &m->pages[cp >> 8];
        if (!*page) {
            if (!create)
                return NULL;
            *page = calloc(256, sizeof **page);
            if (!*page)
                return NULL;
        }
        return &(*page)[cp & 0xFF];
    }
    for (size_t i = 0; i < m->nastral; i++)
        if (m->astral[i].cp == cp)
            return &m->astral[i].e;
    if (!create || GP_GROW(m->astral, m->astral_cap, m->nastral + 1) != GP_OK)
        return NULL;
    fold_astral *a = &m->astral[m->nastral++];
    memset(a, 0, sizeof *a);
    a->cp = cp;
    return &a->e;
}

int gp_foldmap_add(gp_foldmap *m, uint32_t cp, const char *to, size_t len)
{
    fold_entry *e = fold_slot(m, cp, 1);
    if (!e || m->pool.len > UINT32_MAX - len)
        return GP_ENOMEM;
    if (!e->used)
        m->count++;
    e->off = (uint32_t)m->pool.len;
    e->len = (uint32_t)len;
    e->used = 1;
    gp_buf_put(&m->pool, to, len);
    if (cp < 0x80)
        m->has_ascii = 1;
    return gp_buf_error(&m->pool) ? GP_ENOMEM : GP_OK;
}

const char *gp_foldmap_get(const gp_foldmap *m, uint32_t cp, size_t *len)
{
    const fold_entry *e = fold_slot((gp_foldmap *)m, cp, 0);
    if (!e || !e->used)
        return NULL;
    *len = e->len;
    return gp_buf_str(&m->pool) + e->off;
}

size_t gp_foldmap_size(const gp_foldmap *m)
{
    return m->count;
}

size_t gp_fold_apply(const gp_foldmap *m, const char *s, size_t len, gp_buf *out)
{
    size_t changes = 0, i = 0;
    while (i < len) {
        size_t start = i;
        if (!m->has_ascii)
            while (i < len && !((unsigned char)s[i] & 0x80))
                i++;
        if (i > start) {
            gp_buf_put(out, s + start, i - start);
            continue;
        }
        size_t j = i;
        uint32_t cp = gp_utf8_next(s, len, &j);
        size_t rlen;
        const char *rep = gp_foldmap_get(m, cp, &rlen);
        if (rep) {
            gp_buf_put(out, rep, rlen);
            changes++;
        } else {
            gp_buf_put(out, s + i, j - i);
        }
        i = j;
    }
    return changes;
}

static int ascii_space(unsigned char c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

enum { CL_TEXT, CL_SPACE, CL_SKIP, CL_BAIL };

/*
 * What the character at s[i] becomes after folding and NFC, for gp_text_clean_fast:
 * text (copied, or *rep when folded to printable ASCII), white space (with its line
 * breaks), nothing (folded away), or something one pass cannot tell (NFC may change it,
 * or it folds to anything else).
 */
static int clean_class(const gp_foldmap *m, const char *s, size_t len, size_t i, size_t *next,
                       int *breaks, const char **rep, size_t *rlen)
{
    unsigned char c = (unsigned char)s[i];
    *rep = NULL;
    *breaks = 0;
    if (c < 0x80) {
        *next = i + 1;
        if (ascii_space(c)) {
            *breaks = c == '\n';
            return CL_SPACE;
        }
        return CL_TEXT;
    }
    UChar32 cp;
    size_t j = i;
    U8_NEXT(s, j, len, cp);
    *next = j;
    if (cp < 0)
        return CL_BAIL;
    size_t fl;
    const char *f = gp_foldmap_get(m, (uint32_t)cp, &fl);
    if (f) {
        if (fl == 0)
            return CL_SKIP;
        if (fl == 1 && f[0] == ' ')
            return CL_SPACE;
        for (size_t k = 0; k < fl; k++)
            if ((unsigned char)f[k] <= ' ' || (unsigned char)f[k] >= 0x7F)
                return CL_BAIL;
        *rep = f;
        *rlen = fl;
        return CL_TEXT;
    }
    if (u_getIntPropertyValue(cp, UCHAR_NFC_QUICK_CHECK) != UNORM_YES ||
        u_getCombiningClass(cp) != 0)
        return CL_BAIL;
    if (u_isUWhiteSpace(cp)) {
        *breaks = cp == 0x2028 || cp == 0x85 ? 1 : cp == 0x2029 ? 2 : 0;
        return CL_SPACE;
    }
    return CL_TEXT;
}

int gp_text_clean_fast(const gp_foldmap *m, const char *s, size_t len, int paragraphs, gp_buf *out)
{
    if (m->has_ascii)
        return 0;
    /*
     * Every input byte gives at most one output byte, but for replacements (which
     * reserve more): the room left is always at least the input left plus 17 bytes,
     * enough for a 16-byte store.
     */
    if (len > SIZE_MAX / 2 || gp_buf_reserve(out, len + 17) != 0)
        return GP_ENOMEM;
    size_t start = out->len, o = start, i = 0;
    char *d = out->data;
    while (i < len) {
#if defined(__SSE2__)
        /* words: sixteen bytes of printable ASCII at a time, copied as they are */
        const __m128i sp = _mm_set1_epi8(' ');
        while (i + 16 <= len) {
            __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            unsigned stop = (unsigned)_mm_movemask_epi8(w) |
                            (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(w, sp), sp));
            _mm_storeu_si128((__m128i *)(void *)(d + o), w);
            unsigned n = stop ? (unsigned)__builtin_ctz(stop) : 16;
            o += n;
            i += n;
            if (stop)
                break;
        }
        if (i >= len)
            break;
#endif
        unsigned char c = (unsigned char)s[i];
        if (c > ' ' && c < 0x80) {
            d[o++] = (char)c;
            i++;
            continue;
        }
        /* one space between two words, the common case */
        if (c == ' ' && o != start && i + 1 < len && (unsigned char)s[i + 1] > ' ' &&
            (unsigned char)s[i + 1] < 0x80) {
            d[o++] = ' ';
            i++;
            continue;
        }
        size_t next, rlen = 0;
        int breaks;
        const char *rep;
        int cl = clean_class(m, s, len, i, &next, &breaks, &rep, &rlen);
        if (cl == CL_BAIL)
            goto bail;
        if (cl == CL_SKIP) {
            i = next;
            continue;
        }
        if (cl == CL_TEXT) {
            if (rep) {
                out->len = o;
                if (gp_buf_reserve(out, rlen + (len - next) + 17) != 0)
                    return GP_ENOMEM;
                d = out->data;
                memcpy(d + o, rep, rlen);
                o += rlen;
            } else {
                memcpy(d + o, s + i, next - i);
                o += next - i;
            }
            i = next;
            continue;
        }
        int total = 0;
        while (i < len) {
            cl = clean_class(m, s, len, i, &next, &breaks, &rep, &rlen);
            if (cl == CL_BAIL)
                goto bail;
            if (cl == CL_TEXT)
                break;
            total += cl == CL_SPACE ? breaks : 0;
            i = next;
        }
        if (o == start || i >= len)
            continue;
        if (paragraphs && total >= 2) {
            d[o++] = '\n';
            d[o++] = '\n';
        } else {
            d[o++] = ' ';
        }
    }
    out->len = o;
    out->data[o] = '\0';
    return 1;
bail:
    out->len = start;
    out->data[start] = '\0';
    return 0;
}

int gp_text_is_clean(const gp_foldmap *m, const char *s, size_t len, int paragraphs)
{
    if (len == 0 || m->has_ascii || ascii_space((unsigned char)s[0]) ||
        ascii_space((unsigned char)s[len - 1]))
        return 0;
    const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
    for (size_t i = 0; i < len;) {
#if defined(__SSE2__)
        /*
         * Sixteen bytes at once up to the first byte that is not printable ASCII or a
         * space: no space may follow a space (the byte before is checked too).
         */
        const __m128i ctl = _mm_set1_epi8(0x1F), space = _mm_set1_epi8(' ');
        while (i > 0 && i + 16 <= len) {
            __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
            unsigned stop = (unsigned)_mm_movemask_epi8(w) |
                            (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_max_epu8(w, ctl), ctl));
            unsigned sp = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(w, space));
            unsigned before = stop ? (stop & (0u - stop)) - 1 : 0xFFFFu;
            if (sp & ((sp << 1) | (s[i - 1] == ' ')) & before)
                return 0;
            if (stop) {
                i += (size_t)__builtin_ctz(stop);
                break;
            }
            i += 16;
        }
#endif
        /* Eight bytes at once: printable ASCII with single spaces, not after a space. */
        while (i + 8 <= len && s[i] != ' ' && i > 0 && s[i - 1] != ' ') {
            uint64_t w;
            memcpy(&w, s + i, 8);
            uint64_t x = w ^ (ones * ' ');
            uint64_t sp = (x - ones) & ~x & highs;
            uint64_t low = (w - ones * ' ') & ~w & highs;
            if ((w & highs) | low | (sp & (sp << 8)) || (sp >> 63))
                break;
            i += 8;
        }
        if (i >= len)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c > ' ' && c < 0x80) {
            i++;
            continue;
        }
        if (c == ' ') {
            if (ascii_space((unsigned char)s[i - 1]))
                return 0;
            i++;
            continue;
        }
        if (c == '\n') {
            /* only a paragraph break: exactly "\n\n" between two words */
            if (!paragraphs || i + 2 >= len || s[i + 1] != '\n' ||
                ascii_space((unsigned char)s[i - 1]) || ascii_space((unsigned char)s[i + 2]))
                return 0;
            i += 2;
            continue;
        }
        if (c < 0x80)
            return 0;
        UChar32 cp;
        U8_NEXT(s, i, len, cp);
        size_t rl;
        if (cp < 0 || gp_foldmap_get(m, (uint32_t)cp, &rl) || u_isUWhiteSpace(cp) ||
            u_getIntPropertyValue(cp, UCHAR_NFC_QUICK_CHECK) != UNORM_YES ||
            u_getCombiningClass(cp) != 0)
            return 0;
    }
    return 1;
}
