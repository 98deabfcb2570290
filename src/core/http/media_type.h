/* Media types on the wire (Content-Type values, multipart part headers):
 * the one matcher of the module.  Media types are case-insensitive (RFC
 * 9110 8.3.1) and may be followed by parameters.  Pure code. */
#ifndef MOD_INVOICE_CORE_HTTP_MEDIA_TYPE_H
#define MOD_INVOICE_CORE_HTTP_MEDIA_TYPE_H

/**
 * Does the header value start with the media type `type` (e.g.
 * "application/json"), in any case, followed by the end of the value,
 * optional whitespace and a ';' (parameters), or whitespace only?
 * @return the rest of the value after the type and any whitespace (""
 *         or ";..."), or NULL when it is another type (or value is NULL)
 */
const char *invoice_media_type_match(const char *value, const char *type);

#endif
