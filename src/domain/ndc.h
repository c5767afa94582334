/* ndc — the US National Drug Code as the catalog takes it and the DSCSA report carries it. */
#ifndef PX_NDC_H
#define PX_NDC_H

/* The 11-digit HIPAA form of an NDC (GS1 US implementation guideline "Integrating NDCs into
 * GTINs"; the FDA_NDC_11 attribute of the DSCSA EPCIS master data): ndc is 11 bare digits, or
 * three hyphen-separated segments of 4-4-2, 5-3-2, 5-4-1 (the 10-digit NDC) or 5-4-2 digits,
 * each padded with leading zeros to 5-4-2. 1 and out written when it is one; 0 otherwise (a
 * 10-digit NDC without its hyphens does not say its layout, so it is not one). */
int px_ndc11(char out[12], const char *ndc);

#endif
