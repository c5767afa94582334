#include "display_name.h"

#include "px_str.h"

px_rc px_display_name_check(const char *name, const char *code, px_err *err)
{
    if (name && px_str_printable(name, PX_NAME_MAX) && !px_str_blank(name))
        return PX_OK;
    return px_err_set_field(err, PX_EINVALID, code, "name",
                            "name must be 1 to %d bytes of text without control characters, "
                            "not only spaces",
                            PX_NAME_MAX);
}

px_rc px_label_check(const char *label, int optional, const char *code, px_err *err)
{
    if ((optional && (!label || !label[0])) ||
        (label && px_str_printable(label, PX_LABEL_MAX) && !px_str_blank(label)))
        return PX_OK;
    return px_err_set_field(err, PX_EINVALID, code, "label",
                            "label must be %s %d bytes of text without control characters, not "
                            "only spaces",
                            optional ? "at most" : "1 to", PX_LABEL_MAX);
}

px_rc px_text_check(const char *v, size_t max, const char *field, px_err *err)
{
    /* Who did what and why: a value a person cannot read (only spaces or invisible characters,
     * or reordered by a bidirectional control) empties the trail it is kept in. */
    if (px_str_printable(v, max) && !px_str_blank(v))
        return PX_OK;
    return px_err_set_field(err, PX_EINVALID, "invalid_value", field,
                            "%s must be 1 to %zu bytes of text without control characters, not "
                            "only spaces",
                            field, max);
}
