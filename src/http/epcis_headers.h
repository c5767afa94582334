/* The EPCIS 2.0 REST binding's GS1 request headers and OPTIONS discovery (epcis_headers.c). */
#ifndef PX_EPCIS_HEADERS_H
#define PX_EPCIS_HEADERS_H

#include <stddef.h>

#include "request.h"

typedef struct px_epcis_prefs {
    int xml;    /* the answer is XML (GS1-CBV-XML-Format applies) */
    int epc_dl; /* EPCs as GS1 Digital Link URIs (GS1-EPC-Format: Always_GS1_Digital_Link) */
} px_epcis_prefs;

/* Reads GS1-EPCIS-Min / -Max, GS1-CBV-Min / -Max, GS1-EPC-Format and GS1-CBV-XML-Format
 * into p; 0 after answering the refusal (400 for a malformed value, 406 when packid cannot
 * answer within what the client accepts). */
int px__epcis_prefs(px_req *r, int xml, px_epcis_prefs *p);
/* 1 when none of names (NULL-terminated) is given more than once; else answers 400
 * ValidationException naming it and returns 0. */
int px__epcis_headers_once(px_req *r, const char *const *names);
/* Adds the headers saying what the answer applied (versions, EPC form, CBV form, Vary). */
void px__epcis_applied(px_req *r, const px_epcis_prefs *p);
/* OPTIONS discovery of an /epcis/ path packid serves: answers 204 and returns 1; 0 for
 * any other path. */
int px__epcis_discovery(px_req *r);

/* GS1-EPCIS-Capture-Limit and GS1-EPCIS-Capture-File-Size-Limit (h_epcis_capture.c). */
void px__epcis_capture_limits(px_req *r);

#endif
