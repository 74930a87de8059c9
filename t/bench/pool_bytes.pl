#!/usr/bin/perl
# Reads an nginx debug log and prints, for each client connection whose
# request line carries "?m=NAME", the bytes that connection took from the
# allocator and did not leave unused:
#   NAME <tab> allocated <tab> unused <tab> used
# nginx logs every pool block ("posix_memalign: ADDR:SIZE"), every large
# or plain allocation ("malloc: ADDR:SIZE") and, when a pool is destroyed,
# the bytes left unused at the end of each block ("free: ADDR, unused: N").
# The module's own pool for an inspected response is reused, not freed; it
# logs the bytes the response took from it ("s3_unmask: response pool: N
# bytes used", its header included), counted here as allocated and used.
# The connection pool itself is created before the connection has a
# number; it is the same for every request and is left out.
use strict;
use warnings;

my (%alloc, %unused, %name);

while (my $line = <>) {
    next unless $line =~ /\*(\d+) (.*)$/;
    my ($c, $msg) = ($1, $2);
    if ($msg =~ /^(?:posix_memalign|malloc): [0-9A-Fa-f]+:(\d+)/) {
        $alloc{$c} += $1;
    } elsif ($msg =~ /^s3_unmask: response pool: (\d+) bytes used/) {
        $alloc{$c} += $1;
    } elsif ($msg =~ /^free: [0-9A-Fa-f]+, unused: (\d+)/) {
        $unused{$c} += $1;
    } elsif ($msg =~ /^http request line: "\S+ \S*[?&]m=([\w-]+)/) {
        ($name{$c} = $1) =~ s/_+-/-/;
    }
}

for my $c (sort { $a <=> $b } keys %name) {
    my $a = $alloc{$c} // 0;
    my $u = $unused{$c} // 0;
    print join("\t", $name{$c}, $a, $u, $a - $u), "\n";
}
