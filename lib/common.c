/*
 * lib/common.c - result codes, exit statuses and the process-wide clean-up.
 */
#include "gpkit/common.h"

#include <libxml/parser.h>
#include <unicode/uclean.h>

const char *gp_strerror(int code)
{
    switch (code) {
    case GP_OK:
        return "success";
    case GP_ENOMEM:
        return "out of memory";
    case GP_EIO:
        return "input or output error";
    case GP_EPARSE:
        return "malformed document";
    case GP_EINVAL:
        return "invalid argument";
    case GP_ERULES:
        return "the rules have errors";
    case GP_EINPUT:
        return "input refused";
    case GP_EPIPE:
        return "broken pipe";
    case GP_EINTERNAL:
        return "internal error";
    case GP_ELIMIT:
        return "size limit exceeded";
    case GP_ESTOP:
        return "stopped";
    default:
        return "unknown error";
    }
}

int gp_exit_status(int code)
{
    switch (code) {
    case GP_OK:
    case GP_EPIPE:
    case GP_ESTOP:
        return GP_EXIT_CLEAN;
    case GP_ENOMEM:
    case GP_EINTERNAL:
        return GP_EXIT_INTERNAL;
    default:
        return GP_EXIT_USAGE;
    }
}

void gp_global_cleanup(void)
{
    xmlCleanupParser();
    u_cleanup();
}
