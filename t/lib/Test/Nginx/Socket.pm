package Test::Nginx::Socket;

# Fallback for CPAN's Test::Nginx::Socket (openresty/test-nginx), for
# machines without CPAN.  It implements the subset our t/*.t files use,
# with the same functions, sections and assertion counts, so a .t file
# runs unchanged under either.  Select it only when the real one is
# missing (PERL5LIB=t/lib); see the README for the differences.
#
# Like the real module it is a Test::Base subclass: the block grammar,
# the default filters, eval/chomp/chop, ONLY/SKIP/LAST, blocks() and the
# "use strict; use warnings" injection into the .t file all come from
# Debian's libtest-base-perl.
#
# Test::Base (through Spiffy) filters this file: "sub name {" would get a
# hidden "my $self = shift;", so every function here is written
# "sub name () {", which Spiffy turns into a plain sub taking @_.
# The work is done in Test::Nginx::Fallback and its helpers.

use Test::Base -Base;

use Test::Nginx::Fallback;

our $VERSION = '0.01_fallback';

our @EXPORT = qw(
    run_tests repeat_each no_shuffle log_level no_long_string
    workers master_on master_off worker_connections env_to_nginx
    add_block_preprocessor html_dir server_root server_port
    server_port_for_client timeout bail_out no_root_location
    check_accum_error_log
);

*Config = \%Test::Nginx::Fallback::Config;
our %Config;

sub run_tests () {
    Test::Nginx::Fallback::run_tests(Test::Base::blocks());
}

# Setter with an argument, getter without (plan lines call repeat_each()).
sub repeat_each () {
    $Config{repeat_each} = shift if @_;
    return $Config{repeat_each};
}

sub no_shuffle () {
    $Config{shuffle} = 0;
}

sub log_level () {
    $Config{log_level} = shift if @_;
    return $Config{log_level};
}

sub no_long_string () {
    $Config{no_long_string} = 1;
}

sub workers () {
    $Config{workers} = shift if @_;
    return $Config{workers};
}

sub master_on () {
    $Config{master_process} = 1;
}

sub master_off () {
    $Config{master_process} = 0;
}

sub worker_connections () {
    $Config{worker_connections} = shift if @_;
    return $Config{worker_connections};
}

# Names (or NAME=value) for nginx "env" directives.
sub env_to_nginx () {
    push @{ $Config{env_to_nginx} }, @_;
}

sub add_block_preprocessor () {
    push @Test::Nginx::Fallback::BlockPreprocessors, @_;
}

sub server_root () {
    return $Config{servroot};
}

sub html_dir () {
    return "$Config{servroot}/html";
}

sub server_port () {
    return $Config{port};
}

sub server_port_for_client () {
    return $Config{client_port};
}

# Default for blocks without "--- timeout", in seconds.
sub timeout () {
    $Config{timeout} = shift if @_;
    return Test::Nginx::Fallback::timeout_default();
}

sub bail_out () {
    Test::Nginx::Fallback::bail_out(@_);
}

sub no_root_location () {
    $Config{no_root_location} = 1;
}

sub check_accum_error_log () {
    $Config{check_accum_error_log} = 1;
}
