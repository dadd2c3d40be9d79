/*
 * lib/record.c - the record model, its canonical JSON writer and its JSON reader, and
 * the names of the formats its sources are read from.
 *
 * Writer: RFC 8785 for the values a record holds (strings, small integers, null,
 * arrays, objects). Keys are written in the fixed order of gp_field, which is the
 * sorted order RFC 8785 asks for; field-position objects are sorted at write time.
 * Strings escape only what RFC 8785 escapes: '"', '\\', and control characters (the
 * short forms \b \t \n \f \r, else \u00xx in lower case). Bytes that are not valid
 * UTF-8 are written as U+FFFD, so the output is always valid UTF-8.
 *
 * Reader: a strict RFC 8259 parser specialised for records, writing straight into the
 * record's arena. It exists because jansson parses a typical 800-byte record in about
 * 24 us, as slow as Python's json module, which puts gp-norm's speed target out of
 * reach (measured: 200k records, jansson 4.8 s to parse, Python 6.7 s to parse and
 * normalise). jansson is still used where speed does not matter.
 */
#include "gpkit/record.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/utf8.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "gpkit/text.h"
#include "internal.h"

static const char *const field_names[GP_F_COUNT] = {"award",
                                                    "award_year",
                                                    "country",
                                                    "country_code",
                                                    "description",
                                                    "id",
                                                    "implementation_year",
                                                    "institution",
                                                    "jury_comment",
                                                    "priority_areas",
                                                    "region",
                                                    "sources",
                                                    "title",
                                                    "topics"};

const char *gp_field_name(gp_field f)
{
    return (unsigned)f < GP_F_COUNT ? field_names[f] : NULL;
}

/* Lengths of field_names: every key of every record line is looked up. */
static const unsigned char field_name_len[GP_F_COUNT] = {5,  10, 7,  12, 11, 2, 19,
                                                         11, 12, 14, 6,  7,  5, 6};

int gp_field_lookup(const char *name, size_t len)
{
    for (int f = 0; f < GP_F_COUNT; f++)
        if (field_name_len[f] == len && memcmp(field_names[f], name, len) == 0)
            return f;
    return -1;
}

int gp_field_is_list(gp_field f)
{
    return f == GP_F_TOPICS || f == GP_F_PRIORITY_AREAS;
}

int gp_field_is_year(gp_field f)
{
    return f == GP_F_AWARD_YEAR || f == GP_F_IMPLEMENTATION_YEAR;
}

static const char *const format_names[] = {"auto", "listing", "booklet",  "html",
                                           "xml",  "jsonl",   "practice", "old-practice"};

const char *gp_format_name(gp_format f)
{
    return (unsigned)f < GP_ARRAY_LEN(format_names) ? format_names[f] : "unknown";
}

int gp_format_parse(const char *name, gp_format *out)
{
    for (size_t i = 0; i < GP_ARRAY_LEN(format_names); i++) {
        if (strcmp(name, format_names[i]) == 0) {
            *out = (gp_format)i;
            return 0;
        }
    }
    return -1;
}

void gp_record_init(gp_record *rec, gp_arena *arena)
{
    memset(rec, 0, sizeof *rec);
    rec->arena = arena;
}

const char **gp_record_slot(gp_record *rec, gp_field f)
{
    switch (f) {
    case GP_F_AWARD:
        return &rec->award;
    case GP_F_COUNTRY:
        return &rec->country;
    case GP_F_COUNTRY_CODE:
        return &rec->country_code;
    case GP_F_DESCRIPTION:
        return &rec->description;
    case GP_F_ID:
        return &rec->id;
    case GP_F_INSTITUTION:
        return &rec->institution;
    case GP_F_JURY_COMMENT:
        return &rec->jury_comment;
    case GP_F_REGION:
        return &rec->region;
    case GP_F_TITLE:
        return &rec->title;
    default:
        return NULL;
    }
}

int gp_record_set(gp_record *rec, gp_field f, const char *value, size_t len)
{
    const char **slot = gp_record_slot(rec, f);
    if (!slot)
        return GP_EINVAL;
    if (!value) {
        *slot = NULL;
        return GP_OK;
    }
    char *s = gp_arena_strndup(rec->arena, value, len);
    if (!s)
        return GP_ENOMEM;
    *slot = s;
    return GP_OK;
}

const char *gp_record_get(const gp_record *rec, gp_field f)
{
    const char **slot = gp_record_slot((gp_record *)rec, f);
    return slot ? *slot : NULL;
}

gp_strlist *gp_record_list(gp_record *rec, gp_field f)
{
    if (f == GP_F_TOPICS)
        return &rec->topics;
    if (f == GP_F_PRIORITY_AREAS)
        return &rec->priority_areas;
    return NULL;
}

const gp_strlist *gp_record_list_const(const gp_record *rec, gp_field f)
{
    return gp_record_list((gp_record *)rec, f);
}

gp_year *gp_record_year(gp_record *rec, gp_field f)
{
    if (f == GP_F_AWARD_YEAR)
        return &rec->award_year;
    if (f == GP_F_IMPLEMENTATION_YEAR)
        return &rec->implementation_year;
    return NULL;
}

int gp_strlist_push(gp_arena *arena, gp_strlist *list, const char *s, size_t len)
{
    if (gp__arena_grow(arena, (void **)&list->items, &list->cap, list->len, list->len + 1,
                       sizeof *list->items) != GP_OK)
        return GP_ENOMEM;
    char *copy = gp_arena_strndup(arena, s, len);
    if (!copy)
        return GP_ENOMEM;
    list->items[list->len++] = copy;
    return GP_OK;
}

gp_source *gp_record_add_source(gp_record *rec, const char *file, long line, const char *format)
{
    if (gp__arena_grow(rec->arena, (void **)&rec->sources, &rec->sources_cap, rec->nsources,
                       rec->nsources + 1, sizeof *rec->sources) != GP_OK)
        return NULL;
    gp_source *src = &rec->sources[rec->nsources];
    memset(src, 0, sizeof *src);
    src->file = gp_arena_strdup(rec->arena, file ? file : "-");
    src->format = format ? gp_arena_strdup(rec->arena, format) : NULL;
    src->line = line;
    if (!src->file || (format && !src->format))
        return NULL;
    rec->nsources++;
    return src;
}

int gp_source_add_field(gp_arena *arena, gp_source *src, const char *pointer, long line,
                        long column)
{
    if (gp__arena_grow(arena, (void **)&src->fields, &src->fields_cap, src->nfields,
                       src->nfields + 1, sizeof *src->fields) != GP_OK)
        return GP_ENOMEM;
    gp_fieldpos *fp = &src->fields[src->nfields];
    fp->pointer = gp_arena_strdup(arena, pointer);
    if (!fp->pointer)
        return GP_ENOMEM;
    fp->line = line;
    fp->column = column;
    src->nfields++;
    return GP_OK;
}

long gp_record_field_line(const gp_record *rec, const char *pointer, long *column)
{
    if (column)
        *column = 0;
    if (rec->nsources == 0)
        return 0;
    const gp_source *src = &rec->sources[0];
    for (size_t i = 0; pointer && i < src->nfields; i++) {
        if (strcmp(src->fields[i].pointer, pointer) == 0) {
            if (column)
                *column = src->fields[i].column;
            return src->fields[i].line;
        }
    }
    return src->line;
}

static const char *copy_opt(gp_arena *a, const char *s, int *err)
{
    if (!s)
        return NULL;
    const char *c = gp_arena_strdup(a, s);
    if (!c)
        *err = 1;
    return c;
}

static int copy_list(gp_arena *a, gp_strlist *dst, const gp_strlist *src)
{
    memset(dst, 0, sizeof *dst);
    for (size_t i = 0; i < src->len; i++)
        if (gp_strlist_push(a, dst, src->items[i], strlen(src->items[i])) != GP_OK)
            return GP_ENOMEM;
    return GP_OK;
}

int gp_record_copy(gp_record *dst, const gp_record *src, gp_arena *arena)
{
    int err = 0;
    gp_record_init(dst, arena);
    dst->id = copy_opt(arena, src->id, &err);
    dst->institution = copy_opt(arena, src->institution, &err);
    dst->country = copy_opt(arena, src->country, &err);
    dst->country_code = copy_opt(arena, src->country_code, &err);
    dst->region = copy_opt(arena, src->region, &err);
    dst->title = copy_opt(arena, src->title, &err);
    dst->description = copy_opt(arena, src->description, &err);
    dst->award = copy_opt(arena, src->award, &err);
    dst->jury_comment = copy_opt(arena, src->jury_comment, &err);
    dst->implementation_year.value = src->implementation_year.value;
    dst->implementation_year.text = copy_opt(arena, src->implementation_year.text, &err);
    dst->award_year.value = src->award_year.value;
    dst->award_year.text = copy_opt(arena, src->award_year.text, &err);
    if (err || copy_list(arena, &dst->topics, &src->topics) != GP_OK ||
        copy_list(arena, &dst->priority_areas, &src->priority_areas) != GP_OK)
        return GP_ENOMEM;
    for (size_t i = 0; i < src->nsources; i++) {
        const gp_source *s = &src->sources[i];
        gp_source *d = gp_record_add_source(dst, s->file, s->line, s->format);
        if (!d)
            return GP_ENOMEM;
        for (size_t k = 0; k < s->nfields; k++)
            if (gp_source_add_field(arena, d, s->fields[k].pointer, s->fields[k].line,
                                    s->fields[k].column) != GP_OK)
                return GP_ENOMEM;
    }
    return GP_OK;
}

int gp_year_parse(const char *s, size_t len, int *out)
{
    gp__trim(&s, &len);
    if (len != 4)
        return 0;
    int v = 0;
    for (size_t i = 0; i < 4; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (s[i] - '0');
    }
    if (v < 1000 || v > 2999)
        return 0;
    *out = v;
    return 1;
}

/* ---- writer ---- */

/*
 * Byte scans eight at a time: the record's text fields are most of every line read and
 * written. A byte "needs attention" when it is '"', '\\', a control character, or (for
 * the writer) above 0x7F.
 */
#define ONES 0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL

#if !defined(__SSE2__)
static uint64_t has_byte(uint64_t w, unsigned char b)
{
    uint64_t x = w ^ (ONES * b);
    return (x - ONES) & ~x & HIGHS;
}
#endif

#if !defined(__SSE2__)
static size_t plain_run_tail(const char *s, size_t i, size_t len, int stop_at_high)
{
    while (i < len) {
        unsigned char c = (unsigned char)s[i];
        if (c == '"' || c == '\\' || c < 0x20 || (stop_at_high && c >= 0x80))
            break;
        i++;
    }
    return i;
}
#endif

#if defined(__SSE2__)
/* Sixteen bytes at once where SSE2 is there (every x86-64). */
static size_t plain_run(const char *s, size_t i, size_t len, int stop_at_high)
{
    const __m128i quote = _mm_set1_epi8('"'), bslash = _mm_set1_epi8('\\');
    const __m128i ctl = _mm_set1_epi8(0x1F);
    while (i + 16 <= len) {
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)(s + i));
        __m128i m = _mm_or_si128(_mm_cmpeq_epi8(w, quote), _mm_cmpeq_epi8(w, bslash));
        /* unsigned w <= 0x1F exactly when max(w, 0x1F) == 0x1F */
        m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_max_epu8(w, ctl), ctl));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (stop_at_high)
            mask |= (unsigned)_mm_movemask_epi8(w);
        if (mask)
            return i + (size_t)__builtin_ctz(mask);
        i += 16;
    }
    if (i < len) {
        /* the last bytes of a short string too, padded with a byte that needs nothing */
        char tmp[16];
        memset(tmp, 'a', sizeof tmp);
        memcpy(tmp, s + i, len - i);
        __m128i w = _mm_loadu_si128((const __m128i *)(const void *)tmp);
        __m128i m = _mm_or_si128(_mm_cmpeq_epi8(w, quote), _mm_cmpeq_epi8(w, bslash));
        m = _mm_or_si128(m, _mm_cmpeq_epi8(_mm_max_epu8(w, ctl), ctl));
        unsigned mask = (unsigned)_mm_movemask_epi8(m);
        if (stop_at_high)
            mask |= (unsigned)_mm_movemask_epi8(w);
        return mask ? i + (size_t)__builtin_ctz(mask) : len;
    }
    return len;
}
#else
static size_t plain_run(const char *s, size_t i, size_t len, int stop_at_high)
{
    while (i + 8 <= len) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        uint64_t special = has_byte(w, '"') | has_byte(w, '\\') | ((w - ONES * 0x20) & ~w & HIGHS);
        if (stop_at_high)
            special |= w & HIGHS;
        if (special)
            break;
        i += 8;
    }
    return plain_run_tail(s, i, len, stop_at_high);
}
#endif

void gp_json_write_string(gp_buf *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    if (gp_buf_reserve(out, len + 2) != 0)
        return;
    gp_buf_putc(out, '"');
    size_t i = 0;
    while (i < len) {
        size_t start = i;
        i = plain_run(s, i, len, 1);
        if (i > start)
            gp_buf_put(out, s + start, i - start);
        if (i >= len)
            break;
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x80) {
            size_t j = i;
            UChar32 cp;
            U8_NEXT(s, j, len, cp);
            if (cp < 0)
                gp_buf_put(out, "\xEF\xBF\xBD", 3);
            else
                gp_buf_put(out, s + i, j - i);
            i = j;
            continue;
        }
        i++;
        switch (c) {
        case '"':
            gp_buf_put(out, "\\\"", 2);
            break;
        case '\\':
            gp_buf_put(out, "\\\\", 2);
            break;
        case '\b':
            gp_buf_put(out, "\\b", 2);
            break;
        case '\t':
            gp_buf_put(out, "\\t", 2);
            break;
        case '\n':
            gp_buf_put(out, "\\n", 2);
            break;
        case '\f':
            gp_buf_put(out, "\\f", 2);
            break;
        case '\r':
            gp_buf_put(out, "\\r", 2);
            break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};
            gp_buf_put(out, esc, 6);
        }
        }
    }
    gp_buf_putc(out, '"');
}

/* A string literal, its length known at compile time. */
#define PUT_LIT(out, lit) gp_buf_put((out), (lit), sizeof(lit) - 1)

static void write_opt_string(gp_buf *out, const char *s)
{
    if (s)
        gp_json_write_string(out, s, strlen(s));
    else
        gp_buf_put(out, "null", 4);
}

static void write_year(gp_buf *out, const gp_year *y)
{
    if (y->value > 0)
        gp_buf_put_long(out, y->value);
    else
        write_opt_string(out, y->text);
}

static void write_list(gp_buf *out, const gp_strlist *l)
{
    gp_buf_putc(out, '[');
    for (size_t i = 0; i < l->len; i++) {
        if (i)
            gp_buf_putc(out, ',');
        gp_json_write_string(out, l->items[i], strlen(l->items[i]));
    }
    gp_buf_putc(out, ']');
}

static int fieldpos_cmp(const void *a, const void *b)
{
    /* Pointers are ASCII, where UTF-16 order (RFC 8785) is byte order. */
    return strcmp(((const gp_fieldpos *)a)->pointer, ((const gp_fieldpos *)b)->pointer);
}

static void write_source(gp_buf *out, const gp_source *src, int with_fields)
{
    gp_buf_putc(out, '{');
    if (with_fields && src->nfields) {
        gp_fieldpos sorted[64];
        gp_fieldpos *fp = src->nfields <= 64 ? sorted : malloc(src->nfields * sizeof *fp);
        if (!fp) {
            out->oom = 1;
            return;
        }
        memcpy(fp, src->fields, src->nfields * sizeof *fp);
        qsort(fp, src->nfields, sizeof *fp, fieldpos_cmp);
        PUT_LIT(out, "\"fields\":{");
        for (size_t i = 0; i < src->nfields; i++) {
            if (i)
                gp_buf_putc(out, ',');
            gp_json_write_string(out, fp[i].pointer, strlen(fp[i].pointer));
            gp_buf_put(out, ":[", 2);
            gp_buf_put_long(out, fp[i].line);
            gp_buf_putc(out, ',');
            gp_buf_put_long(out, fp[i].column);
            gp_buf_putc(out, ']');
        }
        PUT_LIT(out, "},");
        if (fp != sorted)
            free(fp);
    }
    PUT_LIT(out, "\"file\":");
    write_opt_string(out, src->file);
    PUT_LIT(out, ",\"format\":");
    write_opt_string(out, src->format);
    PUT_LIT(out, ",\"line\":");
    gp_buf_put_long(out, src->line);
    gp_buf_putc(out, '}');
}

void gp_record_write_json(const gp_record *rec, gp_buf *out, int with_field_positions)
{
    PUT_LIT(out, "{\"award\":");
    write_opt_string(out, rec->award);
    PUT_LIT(out, ",\"award_year\":");
    write_year(out, &rec->award_year);
    PUT_LIT(out, ",\"country\":");
    write_opt_string(out, rec->country);
    PUT_LIT(out, ",\"country_code\":");
    write_opt_string(out, rec->country_code);
    PUT_LIT(out, ",\"description\":");
    write_opt_string(out, rec->description);
    PUT_LIT(out, ",\"id\":");
    write_opt_string(out, rec->id);
    PUT_LIT(out, ",\"implementation_year\":");
    write_year(out, &rec->implementation_year);
    PUT_LIT(out, ",\"institution\":");
    write_opt_string(out, rec->institution);
    PUT_LIT(out, ",\"jury_comment\":");
    write_opt_string(out, rec->jury_comment);
    PUT_LIT(out, ",\"priority_areas\":");
    write_list(out, &rec->priority_areas);
    PUT_LIT(out, ",\"region\":");
    write_opt_string(out, rec->region);
    PUT_LIT(out, ",\"sources\":[");
    for (size_t i = 0; i < rec->nsources; i++) {
        if (i)
            gp_buf_putc(out, ',');
        write_source(out, &rec->sources[i], with_field_positions);
    }
    PUT_LIT(out, "],\"title\":");
    write_opt_string(out, rec->title);
    PUT_LIT(out, ",\"topics\":");
    write_list(out, &rec->topics);
    PUT_LIT(out, "}\n");
}

/* ---- reader ---- */

typedef struct jcur {
    const char *s;
    size_t n;
    size_t i;
    gp_arena *arena;
    gp_buf scratch;
    gp_json_error *err;
    int depth;
    long nuls, nul_column; /* "\u0000" escapes replaced by U+FFFD */
} jcur;

enum { JSON_MAX_DEPTH = 64 };

static int jfail(jcur *c, const char *fmt, const char *what)
{
    if (c->err) {
        snprintf(c->err->message, sizeof c->err->message, fmt, what ? what : "");
        c->err->column = (long)gp_text_char_count(c->s, c->i < c->n ? c->i : c->n) + 1;
    }
    return GP_EPARSE;
}

static inline void jws(jcur *c)
{
    /* Canonical lines have no white space between tokens: test that first. */
    if (c->i < c->n && (unsigned char)c->s[c->i] > ' ')
        return;
    while (c->i < c->n) {
        char ch = c->s[c->i];
        if (ch != ' ' && ch != '\t' && ch != '\n' && ch != '\r')
            break;
        c->i++;
    }
}

static int jexpect(jcur *c, char ch, const char *what)
{
    jws(c);
    if (c->i >= c->n || c->s[c->i] != ch)
        return jfail(c, c->i >= c->n ? "unexpected end of line, expected %s" : "expected %s", what);
    c->i++;
    return GP_OK;
}

/* Just inside '[' or '{': consumes `close` and returns 1 when the container is empty. */
static int jempty(jcur *c, char close)
{
    jws(c);
    if (c->i < c->n && c->s[c->i] == close) {
        c->i++;
        return 1;
    }
    return 0;
}

/* After a member: consumes ',' and sets *more, or consumes `close` and clears it. */
static int jnext(jcur *c, char close, int *more)
{
    jws(c);
    *more = c->i < c->n && c->s[c->i] == ',';
    if (*more) {
        c->i++;
        return GP_OK;
    }
    return jexpect(c, close, close == '}' ? "',' or '}'" : "',' or ']'");
}

static int hexval(char h)
{
    if (h >= '0' && h <= '9')
        return h - '0';
    if (h >= 'a' && h <= 'f')
        return h - 'a' + 10;
    if (h >= 'A' && h <= 'F')
        return h - 'A' + 10;
    return -1;
}

static int read_hex4(jcur *c, unsigned *out)
{
    if (c->n - c->i < 4)
        return jfail(c, "truncated \\u escape%s", NULL);
    unsigned v = 0;
    for (int k = 0; k < 4; k++) {
        int h = hexval(c->s[c->i + k]);
        if (h < 0)
            return jfail(c, "bad \\u escape%s", NULL);
        v = v * 16 + (unsigned)h;
    }
    c->i += 4;
    *out = v;
    return GP_OK;
}

/* Reads a string; *out is NUL-terminated, in the arena when `keep`, else in scratch. */
static int jstring(jcur *c, const char **out, size_t *outlen, int keep)
{
    jws(c);
    if (c->i >= c->n || c->s[c->i] != '"')
        return jfail(c, "expected a string%s", NULL);
    size_t start = ++c->i;
    c->i = plain_run(c->s, c->i, c->n, 0);
    if (c->i < c->n && c->s[c->i] == '"') {
        size_t len = c->i - start;
        c->i++;
        if (keep) {
            char *p = gp_arena_strndup(c->arena, c->s + start, len);
            if (!p)
                return GP_ENOMEM;
            *out = p;
        } else {
            gp_buf_reset(&c->scratch);
            gp_buf_put(&c->scratch, c->s + start, len);
            *out = gp_buf_str(&c->scratch);
        }
        if (outlen)
            *outlen = len;
        return GP_OK;
    }
    gp_buf_reset(&c->scratch);
    gp_buf_put(&c->scratch, c->s + start, c->i - start);
    for (;;) {
        /* the plain bytes up to the next quote, backslash or control character at once:
           a description's paragraphs are "\n" escapes, and most of it comes after one */
        size_t plain = plain_run(c->s, c->i, c->n, 0);
        gp_buf_put(&c->scratch, c->s + c->i, plain - c->i);
        c->i = plain;
        if (c->i >= c->n)
            return jfail(c, "unterminated string%s", NULL);
        unsigned char ch = (unsigned char)c->s[c->i];
        if (ch == '"') {
            c->i++;
            break;
        }
        if (ch < 0x20)
            return jfail(c, "control character in a string must be escaped%s", NULL);
        /* a backslash */
        if (++c->i >= c->n)
            return jfail(c, "unterminated string%s", NULL);
        char e = c->s[c->i++];
        switch (e) {
        case '"':
        case '\\':
        case '/':
            gp_buf_putc(&c->scratch, e);
            break;
        case 'b':
            gp_buf_putc(&c->scratch, '\b');
            break;
        case 'f':
            gp_buf_putc(&c->scratch, '\f');
            break;
        case 'n':
            gp_buf_putc(&c->scratch, '\n');
            break;
        case 'r':
            gp_buf_putc(&c->scratch, '\r');
            break;
        case 't':
            gp_buf_putc(&c->scratch, '\t');
            break;
        case 'u': {
            unsigned cp;
            int rc = read_hex4(c, &cp);
            if (rc)
                return rc;
            if (cp >= 0xDC00 && cp <= 0xDFFF)
                return jfail(c, "lone low surrogate in \\u escape%s", NULL);
            if (cp >= 0xD800 && cp <= 0xDBFF) {
                unsigned lo;
                if (c->n - c->i < 6 || c->s[c->i] != '\\' || c->s[c->i + 1] != 'u')
                    return jfail(c, "lone high surrogate in \\u escape%s", NULL);
                c->i += 2;
                if ((rc = read_hex4(c, &lo)))
                    return rc;
                if (lo < 0xDC00 || lo > 0xDFFF)
                    return jfail(c, "lone high surrogate in \\u escape%s", NULL);
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            }
            if (cp == 0) {
                /* a NUL would end the string here: keep the place visible instead */
                if (c->nuls++ == 0)
                    c->nul_column = (long)gp_text_char_count(c->s, c->i - 6) + 1;
                cp = 0xFFFD;
            }
            gp_utf8_put(&c->scratch, cp);
            break;
        }
        default:
            c->i--;
            return jfail(c, "bad escape in a string%s", NULL);
        }
    }
    if (c->scratch.oom)
        return GP_ENOMEM;
    if (keep) {
        char *p = gp_arena_strndup(c->arena, gp_buf_str(&c->scratch), c->scratch.len);
        if (!p)
            return GP_ENOMEM;
        *out = p;
    } else {
        *out = gp_buf_str(&c->scratch);
    }
    if (outlen)
        *outlen = c->scratch.len;
    return GP_OK;
}

/*
 * Reads an object key: points into the line when it has no escape (most keys), which
 * saves a copy per key; then it is not NUL-terminated, so use *klen.
 */
static int jkey(jcur *c, const char **key, size_t *klen)
{
    jws(c);
    if (c->i < c->n && c->s[c->i] == '"') {
        size_t start = c->i + 1, end = plain_run(c->s, start, c->n, 0);
        if (end < c->n && c->s[end] == '"') {
            *key = c->s + start;
            *klen = end - start;
            c->i = end + 1;
            return GP_OK;
        }
    }
    return jstring(c, key, klen, 0);
}

/* Reads a JSON number; sets *is_int and *value for integers that fit in a long. */
static int jnumber(jcur *c, int *is_int, long *value)
{
    size_t start = c->i;
    if (c->i < c->n && c->s[c->i] == '-')
        c->i++;
    if (c->i >= c->n || c->s[c->i] < '0' || c->s[c->i] > '9')
        return jfail(c, "expected a value%s", NULL);
    if (c->s[c->i] == '0')
        c->i++;
    else
        while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9')
            c->i++;
    int integral = 1;
    if (c->i < c->n && c->s[c->i] == '.') {
        integral = 0;
        c->i++;
        if (c->i >= c->n || c->s[c->i] < '0' || c->s[c->i] > '9')
            return jfail(c, "bad number%s", NULL);
        while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9')
            c->i++;
    }
    if (c->i < c->n && (c->s[c->i] == 'e' || c->s[c->i] == 'E')) {
        integral = 0;
        c->i++;
        if (c->i < c->n && (c->s[c->i] == '+' || c->s[c->i] == '-'))
            c->i++;
        if (c->i >= c->n || c->s[c->i] < '0' || c->s[c->i] > '9')
            return jfail(c, "bad number%s", NULL);
        while (c->i < c->n && c->s[c->i] >= '0' && c->s[c->i] <= '9')
            c->i++;
    }
    *is_int = 0;
    if (integral && c->i - start <= 18) {
        /* at most 18 characters: fits in a long without overflow */
        size_t k = start + (c->s[start] == '-');
        long v = 0;
        for (; k < c->i; k++)
            v = v * 10 + (c->s[k] - '0');
        *value = c->s[start] == '-' ? -v : v;
        *is_int = 1;
    }
    return GP_OK;
}

static int jliteral(jcur *c, const char *word)
{
    size_t len = strlen(word);
    if (c->n - c->i < len || memcmp(c->s + c->i, word, len) != 0)
        return jfail(c, "expected a value%s", NULL);
    c->i += len;
    return GP_OK;
}

static int jnull(jcur *c)
{
    jws(c);
    if (c->n - c->i >= 4 && memcmp(c->s + c->i, "null", 4) == 0) {
        c->i += 4;
        return 1;
    }
    return 0;
}

static int jskip(jcur *c)
{
    jws(c);
    if (c->i >= c->n)
        return jfail(c, "unexpected end of line, expected a value%s", NULL);
    char ch = c->s[c->i];
    int rc;
    if (ch == '"')
        return jstring(c, &(const char *){NULL}, NULL, 0);
    if (ch == '{' || ch == '[') {
        if (++c->depth > JSON_MAX_DEPTH)
            return jfail(c, "nested too deeply%s", NULL);
        char close = ch == '{' ? '}' : ']';
        c->i++;
        if (!jempty(c, close)) {
            int more;
            do {
                if (ch == '{') {
                    if ((rc = jstring(c, &(const char *){NULL}, NULL, 0)) ||
                        (rc = jexpect(c, ':', "':'")))
                        return rc;
                }
                if ((rc = jskip(c)))
                    return rc;
            } while ((rc = jnext(c, close, &more)) == GP_OK && more);
            if (rc)
                return rc;
        }
        c->depth--;
        return GP_OK;
    }
    if (ch == 't')
        return jliteral(c, "true");
    if (ch == 'f')
        return jliteral(c, "false");
    if (ch == 'n')
        return jliteral(c, "null");
    int is_int;
    long v;
    return jnumber(c, &is_int, &v);
}

static int read_string_field(jcur *c, const char **slot, const char *name)
{
    if (jnull(c)) {
        *slot = NULL;
        return GP_OK;
    }
    jws(c);
    if (c->i >= c->n || c->s[c->i] != '"')
        return jfail(c, "field '%s' must be a string or null", name);
    return jstring(c, slot, NULL, 1);
}

static int read_year_field(jcur *c, gp_year *y, const char *name)
{
    y->value = 0;
    y->text = NULL;
    if (jnull(c))
        return GP_OK;
    jws(c);
    if (c->i < c->n && c->s[c->i] == '"')
        return jstring(c, &y->text, NULL, 1);
    size_t at = c->i;
    int is_int;
    long v;
    int rc = jnumber(c, &is_int, &v);
    if (rc) {
        c->i = at;
        return jfail(c, "field '%s' must be a year, a string or null", name);
    }
    if (!is_int || v < 1 || v > 9999) {
        c->i = at;
        return jfail(c, "field '%s' must be a whole year", name);
    }
    y->value = (int)v;
    return GP_OK;
}

static int read_list_field(jcur *c, gp_strlist *list, const char *name)
{
    memset(list, 0, sizeof *list);
    if (jnull(c))
        return GP_OK;
    int rc = jexpect(c, '[', "an array");
    if (rc)
        return jfail(c, "field '%s' must be an array of strings", name);
    if (jempty(c, ']'))
        return GP_OK;
    int more;
    do {
        const char *s;
        size_t len;
        jws(c);
        if (c->i >= c->n || c->s[c->i] != '"')
            return jfail(c, "field '%s' must be an array of strings", name);
        if ((rc = jstring(c, &s, &len, 1)))
            return rc;
        if (gp__arena_grow(c->arena, (void **)&list->items, &list->cap, list->len, list->len + 1,
                           sizeof *list->items) != GP_OK)
            return GP_ENOMEM;
        list->items[list->len++] = s;
    } while ((rc = jnext(c, ']', &more)) == GP_OK && more);
    return rc;
}

static int read_fields_object(jcur *c, gp_source *src)
{
    if (jnull(c))
        return GP_OK;
    int rc = jexpect(c, '{', "an object for 'fields'");
    if (rc)
        return rc;
    if (jempty(c, '}'))
        return GP_OK;
    int more;
    do {
        const char *ptr;
        long pos[2] = {0, 0};
        if ((rc = jstring(c, &ptr, NULL, 1)) || (rc = jexpect(c, ':', "':'")) ||
            (rc = jexpect(c, '[', "[line, column]")))
            return rc;
        for (int k = 0; k < 2; k++) {
            int is_int;
            jws(c);
            if ((rc = jnumber(c, &is_int, &pos[k])))
                return rc;
            if (!is_int)
                return jfail(c, "field positions must be whole numbers%s", NULL);
            if (k == 0 && (rc = jexpect(c, ',', "','")))
                return rc;
        }
        if ((rc = jexpect(c, ']', "']'")))
            return rc;
        if (gp__arena_grow(c->arena, (void **)&src->fields, &src->fields_cap, src->nfields,
                           src->nfields + 1, sizeof *src->fields) != GP_OK)
            return GP_ENOMEM;
        src->fields[src->nfields++] = (gp_fieldpos){ptr, pos[0], pos[1]};
    } while ((rc = jnext(c, '}', &more)) == GP_OK && more);
    return rc;
}

static int read_source(jcur *c, gp_record *rec)
{
    int rc = jexpect(c, '{', "an object in 'sources'");
    if (rc)
        return rc;
    if (gp__arena_grow(rec->arena, (void **)&rec->sources, &rec->sources_cap, rec->nsources,
                       rec->nsources + 1, sizeof *rec->sources) != GP_OK)
        return GP_ENOMEM;
    gp_source *src = &rec->sources[rec->nsources++];
    memset(src, 0, sizeof *src);
    if (jempty(c, '}'))
        return GP_OK;
    int more;
    do {
        const char *key;
        size_t klen;
        if ((rc = jkey(c, &key, &klen)) || (rc = jexpect(c, ':', "':'")))
            return rc;
        if (klen == 4 && memcmp(key, "file", 4) == 0) {
            rc = read_string_field(c, &src->file, "sources/file");
        } else if (klen == 6 && memcmp(key, "format", 6) == 0) {
            rc = read_string_field(c, &src->format, "sources/format");
        } else if (klen == 4 && memcmp(key, "line", 4) == 0) {
            int is_int;
            jws(c);
            if (jnull(c)) {
                src->line = 0;
            } else if ((rc = jnumber(c, &is_int, &src->line)) == GP_OK && !is_int) {
                rc = jfail(c, "'line' in 'sources' must be a whole number%s", NULL);
            }
        } else if (klen == 6 && memcmp(key, "fields", 6) == 0) {
            rc = read_fields_object(c, src);
        } else {
            rc = jskip(c);
        }
        if (rc)
            return rc;
    } while ((rc = jnext(c, '}', &more)) == GP_OK && more);
    return rc;
}

static int read_sources(jcur *c, gp_record *rec)
{
    if (jnull(c))
        return GP_OK;
    int rc = jexpect(c, '[', "an array for 'sources'");
    if (rc)
        return rc;
    if (jempty(c, ']'))
        return GP_OK;
    int more;
    do {
        if ((rc = read_source(c, rec)))
            return rc;
    } while ((rc = jnext(c, ']', &more)) == GP_OK && more);
    return rc;
}

static int read_record(jcur *c, gp_record *rec, gp_buf *unknown)
{
    unsigned seen = 0;
    int guess = 0;
    int rc = jexpect(c, '{', "a JSON object");
    if (rc)
        return jfail(c, "expected a JSON object (one record per line)%s", NULL);
    if (jempty(c, '}'))
        goto done;
    int more;
    do {
        const char *key;
        size_t klen;
        size_t key_at;
        jws(c);
        key_at = c->i;
        if ((rc = jkey(c, &key, &klen)))
            return rc;
        /* canonical lines have their keys in field order: try the next one first */
        int f = guess < GP_F_COUNT && field_name_len[guess] == klen &&
                        memcmp(field_names[guess], key, klen) == 0
                    ? guess
                    : gp_field_lookup(key, klen);
        guess = f + 1;
        if (f >= 0) {
            if (seen & (1u << f)) {
                c->i = key_at;
                return jfail(c, "duplicate key '%s'", field_names[f]);
            }
            seen |= 1u << f;
        } else if (unknown) {
            gp_buf_put(unknown, key, klen);
            gp_buf_putc(unknown, '\0');
        }
        if ((rc = jexpect(c, ':', "':'")))
            return rc;
        if (f < 0)
            rc = jskip(c);
        else if (f == GP_F_SOURCES)
            rc = read_sources(c, rec);
        else if (gp_field_is_list((gp_field)f))
            rc = read_list_field(c, gp_record_list(rec, (gp_field)f), field_names[f]);
        else if (gp_field_is_year((gp_field)f))
            rc = read_year_field(c, gp_record_year(rec, (gp_field)f), field_names[f]);
        else
            rc = read_string_field(c, gp_record_slot(rec, (gp_field)f), field_names[f]);
        if (rc)
            return rc;
    } while ((rc = jnext(c, '}', &more)) == GP_OK && more);
    if (rc)
        return rc;
done:
    jws(c);
    if (c->i < c->n)
        return jfail(c, "text after the end of the record%s", NULL);
    return GP_OK;
}

int gp_record_read_json(gp_record *rec, const char *line, size_t len, gp_buf *unknown,
                        gp_json_error *err)
{
    jcur c = {line, len, 0, rec->arena, GP_BUF_INIT, err, 0, 0, 0};
    if (err) {
        err->message[0] = '\0';
        err->column = 0;
    }
    int rc = read_record(&c, rec, unknown);
    if (err) {
        err->nuls = c.nuls;
        err->nul_column = c.nul_column;
    }
    if (rc == GP_OK && c.scratch.oom)
        rc = GP_ENOMEM;
    gp_buf_free(&c.scratch);
    return rc;
}
