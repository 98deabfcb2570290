#!/usr/bin/env bash
# The rings of the module (README, "Layout"): includes only point inward.
#
#   mod_invoice.c -> src/httpd/ -> src/identity/, src/store/ -> src/core/
#
# Checked here, for every #include of every file under src/ and of
# mod_invoice.c:
#   - a project include ("...") names a file of the same ring or of an
#     inner one; identity and store never include each other;
#   - inside core, folders are ordered too: util/ < core/ itself (the
#     domain: invoice, routes, render, metrics, filetype, log) < http/ <
#     request/, and an include never climbs that order;
#   - core includes no Apache, mod_dbd or libpq header (it is unit-tested
#     and fuzzed without them); store and identity include no header of
#     src/httpd/ (and store no Apache header at all: it never sees a
#     request);
#   - no file includes itself through others (no include cycle);
# and every core file compiles with only APR's and json-c's headers on the
# include path, every store file with only APR's and libpq's.
# Exit status 1 and one line per violation when the rings are crossed.
set -uo pipefail
cd "$(dirname "$0")/.."

perl -e '
use strict; use warnings;
my %ring_rank = (core => 0, store => 1, identity => 1, httpd => 2, glue => 3);
my %core_rank = (util => 0, domain => 1, http => 2, request => 3);
my @files = (glob("mod_invoice.c"), split /\n/, `find src -name "*.[ch]" -o -name "*.def"`);
my (%edges, @bad);

sub ring { my $f = shift; return "glue" if $f eq "mod_invoice.c";
           return $f =~ m{^src/(core|store|identity|httpd)/} ? $1 : "?"; }
sub core_level { my $f = shift; return $f =~ m{^src/core/(util|http|request)/} ? $1 : "domain"; }
sub resolve { my ($from, $inc) = @_;
    return "src/$inc" if -e "src/$inc";
    return $inc if $from eq "mod_invoice.c" && -e $inc;
    return undef; }

for my $f (@files) {
    open my $fh, "<", $f or die "$f: $!";
    while (my $line = <$fh>) {
        if ($line =~ /^\s*#\s*include\s*<([^>]+)>/) {
            my $h = $1; my $r = ring($f);
            if ($r eq "core" && $h =~ m{^(httpd\.h|http_|ap_|util_|mod_|libpq|apr_dbd)}) {
                push @bad, "$f:$.: core includes <$h> (core never sees httpd or libpq)";
            }
            if ($r eq "store" && $h =~ m{^(httpd\.h|http_|ap_|util_)}) {
                push @bad, "$f:$.: store includes <$h> (the store never sees a request)";
            }
            next;
        }
        next unless $line =~ /^\s*#\s*include\s*"([^"]+)"/;
        my $inc = $1; my $to = resolve($f, $inc);
        if (!defined $to) { push @bad, "$f:$.: \"$inc\" is not a path from src/"; next; }
        push @{$edges{$f}}, $to;
        my ($rf, $rt) = (ring($f), ring($to));
        if ($ring_rank{$rt} > $ring_rank{$rf} || ($rf ne $rt && $ring_rank{$rt} == $ring_rank{$rf})) {
            push @bad, "$f:$.: $rf includes $inc of the $rt ring (arrows point inward only)";
        } elsif ($rf eq "core" && $rt eq "core"
                 && $core_rank{core_level($to)} > $core_rank{core_level($f)}) {
            push @bad, "$f:$.: core/" . core_level($f) . " includes $inc (core order: util < domain < http < request)";
        }
    }
}
# Include cycles, by depth-first search.
my (%state, @stack);
sub visit { my $n = shift; $state{$n} = 1; push @stack, $n;
    for my $m (@{$edges{$n} || []}) {
        if (($state{$m} // 0) == 1) {
            my @cyc = @stack[(grep { $stack[$_] eq $m } 0..$#stack)[0] .. $#stack];
            push @bad, "include cycle: " . join(" -> ", @cyc, $m);
        } elsif (!$state{$m}) { visit($m); }
    }
    pop @stack; $state{$n} = 2; }
visit($_) for grep { !$state{$_} } sort keys %edges;
print "$_\n" for @bad;
exit(@bad ? 1 : 0);
' || { echo "check-layers: the rings are crossed (see above)" >&2; exit 1; }

# Compile checks: core with APR and json-c only, store with APR and libpq.
apr_inc=$(pkg-config --cflags apr-1 2>/dev/null)
json_inc=$(pkg-config --cflags json-c 2>/dev/null)
pg_inc=-I$(pg_config --includedir 2>/dev/null || echo /usr/include/postgresql)
fail=0
for f in $(find src/core -name '*.c'); do
    cc -std=c11 -fsyntax-only -Isrc $apr_inc $json_inc "$f" 2>/dev/null ||
        { echo "$f: does not compile without httpd's headers" >&2; fail=1; }
done
for f in $(find src/store -name '*.c'); do
    cc -std=c11 -fsyntax-only -Isrc $apr_inc $pg_inc "$f" 2>/dev/null ||
        { echo "$f: does not compile with APR and libpq alone" >&2; fail=1; }
done
[ "$fail" = 0 ] || exit 1
echo "check-layers: includes point inward only, no cycles ($(find src -name '*.[ch]' | wc -l) files)"
