/* ISO 4217 currency codes, as an invoice's currency: the current list of
 * alphabetic codes, nothing older.  Pure code.
 *
 * The table is ISO 4217 List One ("Current currency & funds") as amended
 * up to Amendment 180 (in force 2026-01-01), cross-checked against the
 * Debian iso-codes 4.15 list and the SIX list of 2025-05-12:
 *   - every national currency (EUR, USD, JPY, GBP, CHF, ...) and every
 *     fund code with a minor unit (BOV, CHE, CHW, CLF, COU, MXV, USN, UYI,
 *     UYW, XAD);
 *   - not the List One codes without a minor unit ("N.A."): the precious
 *     metals XAU XAG XPD XPT, the bond-market units XBA-XBD, XDR, XSU,
 *     XUA, the testing code XTS and XXX ("no currency"), since an invoice's
 *     amount is counted in minor units;
 *   - not the withdrawn ones (List Three), e.g. DEM, FRF, HRK (2023), SLL
 *     (2023), CUC (2025, Amendment 178), ZWL (2024, replaced by ZWG), ANG
 *     (2025, replaced by XCG), BGN (2026-01-01, Amendment 180).
 * 165 codes.  A new amendment is a one-line change to the table in
 * currency.c (kept sorted: the lookup is a binary search). */
#ifndef MOD_INVOICE_CORE_UTIL_CURRENCY_H
#define MOD_INVOICE_CORE_UTIL_CURRENCY_H

#include <stddef.h>

#define INVOICE_CURRENCY_LEN 3

/** 1 when s[0..len) is exactly a listed code: three uppercase ASCII
 *  letters ("EUR"; "eur", "EURO", "EU" and "DEM" are not), else 0. */
int invoice_currency_known(const char *s, size_t len);

/** The number of digits after the decimal point of a listed code (JPY 0,
 *  EUR 2, KWD 3, CLF 4), or -1 when s[0..len) is not listed. */
int invoice_currency_minor_units(const char *s, size_t len);

/** The i-th listed code in ascending order, NULL past the end. */
const char *invoice_currency_at(size_t i);

#endif
