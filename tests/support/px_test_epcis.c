/* Reading an EPCIS query's answer (px_test_epcis.h). */
#include "px_test_epcis.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "px_test.h"

json_t *px_test_event_list(json_t *answer)
{
    json_t *results = json_object_get(json_object_get(answer, "epcisBody"), "queryResults");
    return json_object_get(json_object_get(results, "resultsBody"), "eventList");
}

void px_test_event_ids(json_t *answer, char *out, size_t cap)
{
    json_t *l = px_test_event_list(answer);
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < json_array_size(l) && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s\n",
                              px_test_str(json_array_get(l, i), "eventID"));
}
