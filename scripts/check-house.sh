#!/usr/bin/env bash
# House rules the compiler does not check:
#   - mod_invoice.c stays glue: under 200 lines;
#   - no function in src/ or mod_invoice.c is longer than 60 lines (from
#     its opening brace to its closing one);
#   - every line the module logs starts with an id, INVLOGNO(nnnnn): each
#     call of ap_log_error/ap_log_rerror/ap_log_perror and of the store's
#     logger carries one, no id is used twice, and every id is explained
#     in docs/logs.md (which lists no id the code no longer has).
# Exit status 1 and one line per violation.
set -uo pipefail
cd "$(dirname "$0")/.."

perl -e '
use strict; use warnings;
my @bad;
my @files = ("mod_invoice.c", sort split /\n/, `find src -name "*.c"`);
my $glue = `wc -l < mod_invoice.c` + 0;
push @bad, "mod_invoice.c has $glue lines: keep it under 200 (module record and hooks)" if $glue >= 200;
my (%ids, %documented);
for my $f (@files) {
    open my $fh, "<", $f or die "$f: $!";
    my @lines = <$fh>;
    my ($start, $name) = (undef, "");
    for my $i (0 .. $#lines) {
        $name = $1 if !defined $start && $lines[$i] =~ /^\S.*?\b(\w+)\s*\(/;
        if ($lines[$i] =~ /^\{\s*$/) { $start = $i; }
        elsif (defined $start && $lines[$i] =~ /^\}/) {
            my $n = $i - $start + 1;
            push @bad, "$f:" . ($start + 1) . ": $name is $n lines long (at most 60)" if $n > 60;
            undef $start;
        }
    }
    my $text = join "", @lines;
    # Each logging call, up to its closing ");".
    while ($text =~ /(?<!void )\b(ap_log_(?:r|p|c)?error|pg_log|invoice_log)\s*\((.*?)\);/gs) {
        my ($fn, $args) = ($1, $2);
        my $line = 1 + (substr($text, 0, $-[0]) =~ tr/\n//);
        next if $args =~ /"%s",\s*line\s*$/;    # an adapter: the id is in line
        if (my @found = $args =~ /INVLOGNO\((\d{5})\)/g) {
            for my $id (@found) {
                push @bad, "$f:$line: INVLOGNO($id) is also used at $ids{$id}" if $ids{$id};
                $ids{$id} = "$f:$line";
            }
        } else {
            push @bad, "$f:$line: $fn without an INVLOGNO(nnnnn) id";
        }
    }
}
open my $doc, "<", "docs/logs.md" or die "docs/logs.md: $!";
while (<$doc>) { $documented{$1} = 1 while /\bINV(\d{5})\b/g; }
for my $id (sort keys %ids) {
    push @bad, "INV$id ($ids{$id}) is not explained in docs/logs.md" unless $documented{$id};
}
for my $id (sort keys %documented) {
    push @bad, "docs/logs.md explains INV$id, which no code logs" unless $ids{$id};
}
print "$_\n" for @bad;
printf "check-house: mod_invoice.c %d lines, functions <= 60 lines, %d log ids documented\n",
       $glue, scalar keys %ids unless @bad;
exit(@bad ? 1 : 0);
'
