/*
 * tests/fuzz/fuzz_profile.c - extraction profiles (YAML, docs/profiles.md) and the
 * XPath extraction they drive. The input is a profile, then optionally a NUL byte and
 * a document to read with it; without a document, a small XML export and an HTML
 * listing are read. Every record is normalised and written (fuzz.h).
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

static const char xml_doc[] =
    "<gp-export xmlns=\"https://www.issa.int/ns/good-practices/export/1\">\n"
    "<practice id=\"p1\"><institution acronym=\"NPS\">National Pension Service</institution>\n"
    "<country code=\"KR\">Korea, Republic of</country><region>Asia and Pacific</region>\n"
    "<award year=\"2018\" level=\"winner\"/><title>A title</title>\n"
    "<priority-areas><area>Digital transformation</area><area>Health</area></priority-areas>\n"
    "<summary><para>One.</para><para>Two.</para></summary></practice>\n"
    "</gp-export>\n";

static const char html_doc[] =
    "<!DOCTYPE html><html><body><ol>\n"
    "<li class=\"gp-result\"><dl><dd class=\"gp-implementation-year\">2019</dd>\n"
    "<dd class=\"gp-award-year\">2021</dd></dl><p><span class=\"gp-institution\">Social\n"
    "Insurance Institution</span> , <span class=\"gp-country\">Poland</span> ,\n"
    "<span class=\"gp-region\">Europe</span></p><div class=\"gp-description\"><p>One.</p>\n"
    "<p>Two &amp; three.</p></div><div class=\"gp-topics\"><ul><li>Health</li></ul></div></li>\n"
    "</ol></body></html>\n";

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    fz_env_get();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz_env *e = fz_env_get();
    const uint8_t *nul = memchr(data, 0, size);
    size_t plen = nul ? (size_t)(nul - data) : size;
    gp_extract_options opts = {GP_FORMAT_AUTO, fz_write_file("profile.yaml", data, plen)};
    gp_extractor *ex;
    if (gp_extractor_new(&ex, e->rules, &opts, &e->sink) != GP_OK)
        return 0;
    if (nul) {
        fz_extract(ex, nul + 1, size - plen - 1);
    } else {
        fz_extract(ex, (const uint8_t *)xml_doc, sizeof xml_doc - 1);
        fz_extract(ex, (const uint8_t *)html_doc, sizeof html_doc - 1);
    }
    gp_extractor_free(ex);
    return 0;
}
