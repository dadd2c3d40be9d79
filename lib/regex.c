/*
 * lib/regex.c - ICU's uregex on UTF-8 text via UText.
 */
#include "regex.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicode/uregex.h>
#include <unicode/ustring.h>
#include <unicode/utext.h>

#include "internal.h"

struct gp_regex {
    URegularExpression *re;
    UText *ut;
    char *pattern;
    char *literal; /* text every match must contain, or NULL: a quick test before ICU */
};

/*
 * The longest run of plain characters a match of `pattern` must contain ("int/good..."
 * in "\\b\\d+\\s+www\\.issa\\.int/goodpractices"), or NULL when the pattern is too
 * clever to tell (alternatives, case folding). ICU's matcher tries every start position
 * of a pattern that opens with "\\b\\d"; a strstr() first skips most texts.
 */
static char *required_literal(const char *p, int case_insensitive)
{
    if (case_insensitive || strchr(p, '|') || strstr(p, "(?"))
        return NULL;
    char best[128] = "", cur[128] = "";
    size_t nb = 0, nc = 0;
    for (const char *q = p; *q; q++) {
        char add = 0;
        if (*q == '*' || *q == '?' || *q == '{') {
            /* the character before may be absent: it leaves the run */
            if (nc)
                cur[--nc] = '\0';
            if (*q == '{')
                while (q[1] && *q != '}')
                    q++;
        } else if (*q == '[') {
            /* a class: skip it whole */
            q++;
            if (*q == '^')
                q++;
            if (*q == ']')
                q++;
            while (*q && *q != ']') {
                if (*q == '\\' && q[1])
                    q++;
                q++;
            }
            if (!*q)
                break;
        } else if (*q == '\\') {
            q++;
            if (!*q)
                break;
            if (!((*q >= 'a' && *q <= 'z') || (*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9')))
                add = *q; /* an escaped character; \\d, \\s, \\b, \\p{..} are classes */
            else if (*q == 'p' || *q == 'P')
                while (q[1] && *q != '}')
                    q++;
        } else if (!strchr("().^$+", *q) && (unsigned char)*q < 0x80) {
            add = *q;
        }
        /* a quantifier right after this character makes it optional too */
        int optional = add && (q[1] == '*' || q[1] == '?' || q[1] == '{');
        if (add && !optional && nc + 1 < sizeof cur) {
            cur[nc++] = add;
            cur[nc] = '\0';
            if (q[1])
                continue;
        }
        if (nc > nb) {
            memcpy(best, cur, nc + 1);
            nb = nc;
        }
        nc = 0;
        cur[0] = '\0';
    }
    return nb >= 3 ? gp__strdup(best) : NULL;
}

int gp_regex_compile(gp_regex **out, const char *pattern, int case_insensitive, char *err,
                     size_t errlen, long *err_offset)
{
    gp_regex *r = calloc(1, sizeof *r);
    if (!r || !(r->pattern = gp__strdup(pattern))) {
        free(r);
        return GP_ENOMEM;
    }
    UErrorCode st = U_ZERO_ERROR;
    UParseError pe;
    memset(&pe, 0, sizeof pe);
    UText *pt = utext_openUTF8(NULL, pattern, -1, &st);
    if (U_SUCCESS(st))
        r->re = uregex_openUText(pt, case_insensitive ? UREGEX_CASE_INSENSITIVE : 0, &pe, &st);
    utext_close(pt);
    if (U_FAILURE(st)) {
        if (err)
            snprintf(err, errlen, "%s", u_errorName(st));
        if (err_offset)
            *err_offset = pe.offset >= 0 ? pe.offset : 0;
        if (r->re)
            uregex_close(r->re);
        free(r->pattern);
        free(r);
        return st == U_MEMORY_ALLOCATION_ERROR ? GP_ENOMEM : GP_EPARSE;
    }
    r->literal = required_literal(pattern, case_insensitive);
    *out = r;
    return GP_OK;
}

void gp_regex_free(gp_regex *r)
{
    if (!r)
        return;
    uregex_close(r->re);
    utext_close(r->ut);
    free(r->pattern);
    free(r->literal);
    free(r);
}

const char *gp__regex_literal(gp_regex *r)
{
    return r->literal;
}

const char *gp_regex_pattern(const gp_regex *r)
{
    return r->pattern;
}

int gp_regex_match(gp_regex *r, const char *text, size_t len, int whole)
{
    if (r->literal && !gp__find(text, len, r->literal, strlen(r->literal)))
        return 0;
    UErrorCode st = U_ZERO_ERROR;
    r->ut = utext_openUTF8(r->ut, text, (int64_t)len, &st);
    uregex_setUText(r->re, r->ut, &st);
    if (U_FAILURE(st))
        return 0;
    UBool m = whole ? uregex_matches64(r->re, 0, &st) : uregex_find64(r->re, 0, &st);
    return U_SUCCESS(st) && m;
}

int gp_regex_find_next(gp_regex *r)
{
    UErrorCode st = U_ZERO_ERROR;
    UBool m = uregex_findNext(r->re, &st);
    return U_SUCCESS(st) && m;
}

int gp_regex_group(gp_regex *r, const char *name, size_t *start, size_t *end)
{
    UErrorCode st = U_ZERO_ERROR;
    int32_t g = uregex_groupNumberFromCName(r->re, name, -1, &st);
    if (U_FAILURE(st))
        return 0;
    int64_t s = uregex_start64(r->re, g, &st);
    int64_t e = uregex_end64(r->re, g, &st);
    if (U_FAILURE(st) || s < 0)
        return 0;
    *start = (size_t)s;
    *end = (size_t)e;
    return 1;
}

void gp_regex_span(gp_regex *r, size_t *start, size_t *end)
{
    UErrorCode st = U_ZERO_ERROR;
    int64_t s = uregex_start64(r->re, 0, &st);
    int64_t e = uregex_end64(r->re, 0, &st);
    *start = U_SUCCESS(st) && s >= 0 ? (size_t)s : 0;
    *end = U_SUCCESS(st) && e >= 0 ? (size_t)e : 0;
}
