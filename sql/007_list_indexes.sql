-- mod_invoice schema, version 7: one index per list shape.
--
-- Each list shape (a sender's, a consumer's, a consumer's from one sender)
-- had two indexes: (caller(s), inserted_at, id) for the list of every
-- status and (caller(s), status, inserted_at, id) for ?status= (004).  The
-- second serves both: a list of every status is the merge of its three
-- status ranges, each already newest first (a Merge Append that reads from
-- each only what the page takes; store/pg/statements.c).
--
-- Three index entries fewer on every create, and on every pay and void
-- (never HOT: 005), for a list of every status that descends three ranges
-- instead of one (about 10 % more of PostgreSQL's time on such a list,
-- pgbench, 200,000 invoices).
DROP INDEX invoices_sender_idx;
DROP INDEX invoices_receiver_idx;
DROP INDEX invoices_receiver_sender_idx;
