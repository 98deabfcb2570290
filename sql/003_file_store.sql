-- mod_invoice schema, version 3: files outside the database.
-- file_store names where an invoice's file lives: NULL for PostgreSQL
-- (invoice_files, as before), else the store as configured
-- (InvoiceFileStore "file:/var/lib/mod_invoice/files",
-- "s3:https://host/bucket"), the file under the invoice's id.  Rows keep
-- the store they were written to, so a switch keeps old files readable.
-- NULL costs nothing in a row; a name, its length.

ALTER TABLE invoices ADD COLUMN file_store text NULL
    CHECK (file_store IS NULL OR file_store ~ '^(file|s3):.');
