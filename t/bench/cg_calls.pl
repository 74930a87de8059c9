#!/usr/bin/perl
# Reads one callgrind dump and prints, tab separated:
#   total Ir, allocator calls, allocator calls made by the module,
#   Ir spent in the module's own code
# The last is the self cost of every function of the module's shared
# object (the glue and the core compiled into it); what it calls in nginx
# or libc is not in it.
# "Allocator" is every function that hands out memory: libc's malloc
# family and nginx's pool and heap allocators; "by the module" counts the
# calls whose direct caller is a function of ngx_http_s3_unmask_module or
# of the core (s3u_*).
use strict;
use warnings;

my %alloc = map { $_ => 1 } qw(
    malloc calloc realloc posix_memalign memalign aligned_alloc valloc
    ngx_alloc ngx_calloc ngx_palloc ngx_pnalloc ngx_pcalloc ngx_pmemalign
    ngx_create_pool ngx_create_temp_buf ngx_alloc_chain_link ngx_calloc_buf
    ngx_array_create ngx_list_create ngx_array_push ngx_list_push
);

my (%names, %objs, $fn, $cfn, $ob, $total, $all, $module, $own, $skip);
$total = 0; $all = 0; $module = 0; $own = 0; $skip = 0;
my $module_ob = qr/ngx_http_s3_unmask_module\.so$/;

sub name_of {
    my ($s) = @_;
    if ($s =~ /^\((\d+)\)\s*(.*)$/) {
        $names{$1} = $2 if length $2;
        return $names{$1} // '';
    }
    return $s;
}

sub obj_of {
    my ($s) = @_;
    if ($s =~ /^\((\d+)\)\s*(.*)$/) {
        $objs{$1} = $2 if length $2;
        return $objs{$1} // '';
    }
    return $s;
}

while (my $line = <>) {
    chomp $line;
    if ($line =~ /^(?:[+-]?\d+|\*) (\d+)$/) {
        # a cost line: the inclusive cost of a call right after calls=,
        # else the function's own cost
        my $ir = $1;
        if ($skip) {
            $skip = 0;
        } elsif (defined $ob && $ob =~ $module_ob) {
            $own += $ir;
        }
    } elsif ($line =~ /^ob=(.*)$/) {
        $ob = obj_of($1);
    } elsif ($line =~ /^cob=(.*)$/) {
        obj_of($1);
    } elsif ($line =~ /^(?:summary|totals):\s*(\d+)/) {
        $total = $1 if $1 > $total;
    } elsif ($line =~ /^fn=(.*)$/) {
        $fn = name_of($1);
    } elsif ($line =~ /^cfn=(.*)$/) {
        $cfn = name_of($1);
    } elsif ($line =~ /^calls=(\d+)/) {
        my $n = $1;
        $skip = 1;
        my $callee = $cfn // '';
        # inlined or renamed copies: malloc@@GLIBC..., 'ngx_palloc'2
        (my $base = $callee) =~ s/['@].*$//;
        if ($alloc{$base}) {
            $all += $n;
            $module += $n if defined $fn
                && $fn =~ /(?:^|:)(?:ngx_http_s3_unmask_|s3u_)/;
        }
    }
}

print join("\t", $total, $all, $module, $own), "\n";
