# Self-test of the fallback Test::Nginx runner (t/lib/Test/Nginx/).
#
# Runs the fixture scripts t/runner/cases/*.tn as subprocesses with
# "perl -It/lib", so the fallback is used even where CPAN's Test::Nginx is
# installed, and checks their TAP: which assertions pass, which fail, that
# the plan matches what ran, how the script exits and how fast.  nginx
# listens on a free port of 127.0.0.1 and uses a server root of its own,
# so this can run next to other suites.

use strict;
use warnings;

use Test::More;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use File::Path qw(remove_tree);
use File::Spec;
use IO::Socket::INET;
use Time::HiRes qw(time);

my $here = dirname(abs_path($0));
my $top  = abs_path("$here/../..");
my $lib  = "$top/t/lib";
my $cases = "$here/cases";

my $nginx = $ENV{TEST_NGINX_BINARY}
    // (grep { -x } map { "$_/nginx" } File::Spec->path, '/usr/sbin')[0];
plan skip_all => 'no nginx binary (set TEST_NGINX_BINARY or PATH)' unless $nginx;

my $port = free_port() or BAIL_OUT('no free TCP port on 127.0.0.1');
my $servroot = "$top/t/servroot_runner_selftest_$$";

# Only what a fixture sets itself may reach it.
delete @ENV{grep { /^TEST_NGINX_/ } keys %ENV};
$ENV{TEST_NGINX_BINARY} = $nginx;
$ENV{TEST_NGINX_SERVER_PORT} = $port;
$ENV{TEST_NGINX_SERVROOT} = $servroot;

END { remove_tree($servroot) if defined $servroot }

sub free_port {
    my $sock = IO::Socket::INET->new(
        LocalAddr => '127.0.0.1', LocalPort => 0, Proto => 'tcp', Listen => 1)
        or return undef;
    return $sock->sockport;
}

sub port_is_closed {
    return !IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $port,
                                  Proto => 'tcp', Timeout => 1);
}

# Run one fixture; returns its TAP broken down.
sub run_case {
    my ($name, %env) = @_;
    my $script = "t/runner/cases/$name.tn";
    my $stderr = "$servroot.$name.stderr";

    local @ENV{keys %env} = values %env;
    chdir $top or die "chdir $top: $!";
    my $started = time;
    my $stdout = `"$^X" -I"$lib" $script 2>"$stderr"`;
    my $status = $?;
    my $elapsed = time - $started;

    my %run = (stdout => $stdout, status => $status >> 8, signal => $status & 127,
               elapsed => $elapsed, results => [], plan => undef);
    if (open(my $fh, '<', $stderr)) {
        local $/;
        $run{stderr} = <$fh>;
        close $fh;
        unlink $stderr;
    }

    for my $line (split /\n/, $stdout) {
        if ($line =~ /^1\.\.(\d+)/) {
            $run{plan} = $1;
        } elsif ($line =~ /^(not )?ok (\d+)(?: # skip (.*)| - (.*))?$/) {
            push @{ $run{results} },
                { ok => !$1, num => $2, skip => defined $3, desc => $3 // $4 // '' };
        } elsif ($line =~ /^Bail out!\s+(.*)/) {
            $run{bail} = $1;
        }
    }
    $run{failed} = [grep { !$_->{ok} } @{ $run{results} }];
    return \%run;
}

# Every failing assertion is expected and every expected failure
# happened, as often as listed.
sub failures_are {
    my ($run, $expected, $what) = @_;
    my @unmatched = map { $_->{desc} } @{ $run->{failed} };
    my $ok = 1;

    for my $want (@$expected) {
        my ($re, $times) = ref $want eq 'ARRAY' ? @$want : ($want, 1);
        my @hits = grep { $_ =~ $re } @unmatched;
        @unmatched = grep { $_ !~ $re } @unmatched;
        next if @hits == $times;
        $ok = 0;
        diag("expected $times failing assertion(s) like $re, got " . scalar @hits);
    }
    diag("unexpected failure: $_") for @unmatched;
    ok($ok && !@unmatched, $what) or diag($run->{stderr} // '');
}

sub plan_holds {
    my ($run, $planned, $what) = @_;
    is($run->{plan}, $planned, "$what: plan line");
    is(scalar @{ $run->{results} }, $planned, "$what: assertions run match the plan")
        or diag($run->{stderr} // '');
}

subtest 'blocks that must pass do, with the B10 counts' => sub {
    my $run = run_case('pass');
    plan_holds($run, 154, 'pass.tn');
    is($run->{status}, 0, 'exit status 0');
    failures_are($run, [], 'no assertion fails');
    unlike($run->{stderr} // '', qr/WARNING/, 'no warnings about alerts');
    my @skips = map { $_->{desc} } grep { $_->{skip} } @{ $run->{results} };
    is(scalar(grep { /TEST 23: .* - nginx [\d.]+ > 0\.1$/ } @skips), 4,
       'skip_nginx: 2 skips per repetition');
    is(scalar(grep { /TEST 24: skip_eval - skip_eval: / } @skips), 6,
       'skip_eval: 3 skips per repetition');
    is(scalar @skips, 10, 'nothing else skipped');
    ok(port_is_closed(), 'nginx is gone after the run');
};

subtest 'blocks that must fail do, and only where expected' => sub {
    my $run = run_case('fail');
    plan_holds($run, 22, 'fail.tn');
    is($run->{status}, 10, 'exit status is the number of failures');
    failures_are($run, [
        qr/TEST 1: wrong status - status code ok$/,
        qr/TEST 2: wrong body - response_body - response is expected$/,
        qr/TEST 3: missing header - header X-Missing ok$/,
        qr/TEST 4: .* - header X-Present not present in the raw headers$/,
        qr/TEST 5: .* - pattern "this line is never logged" matches a line in error\.log/,
        [qr/TEST 6: .* - pattern "http header: "" should not match any line/, 2],
        qr/TEST 7: must_die on a config that starts - die as expected$/,
        qr/TEST 8: .* - response_body_like - response is expected$/,
        qr/TEST 9: .* - status code ok \(req 1\)$/,
    ], 'exactly the expected assertions fail');
    my @good = grep { $_->{desc} =~ /TEST 10:/ } @{ $run->{results} };
    is(scalar(grep { $_->{ok} } @good), 3, 'the block after the failures passes');
    like($run->{stderr} // '', qr/expected: "expected body\\x\{0a\}"/,
         'body mismatch diagnostics show the expected string');
    ok(port_is_closed(), 'nginx is gone after the run');
};

subtest 'a client timeout and broken chunking add a failing assertion' => sub {
    my $run = run_case('extra');
    is($run->{plan}, 6, 'no_plan: plan line printed at the end');
    is($run->{status}, 3, 'exit status 3');
    failures_are($run, [
        qr/^ERROR: client socket timed out - .*TEST 1:/,
        qr/TEST 1: .* - status code ok$/,
        qr/^ERROR: malformed chunked body: .* - .*TEST 2:/,
    ], 'timeout, missing status and bad chunking fail; the rest passes');
    cmp_ok($run->{elapsed}, '<', 5, 'no long waits');
};

subtest 'nginx failing to start bails out at once' => sub {
    my $run = run_case('bail');
    is($run->{status}, 255, 'exit status 255');
    like($run->{bail} // '', qr/TEST 1: bad directive .* nginx exited with exit code 1/,
         'Bail out! names the block and the failure');
    like($run->{stderr} // '', qr/unknown directive "this_is_no_directive"/,
         "nginx's complaint is shown");
    is(scalar @{ $run->{results} }, 0, 'no block ran');
    cmp_ok($run->{elapsed}, '<', 5, 'without retrying for 30 s');
    ok(port_is_closed(), 'nothing left listening');
};

subtest '--- ONLY selects one block; blocks() counts it alone' => sub {
    my $run = run_case('only');
    plan_holds($run, 6, 'only.tn');
    is($run->{status}, 0, 'exit status 0');
    is(scalar(grep { $_->{ok} && $_->{desc} =~ /TEST 2: the only one/ }
              @{ $run->{results} }), 6, 'only TEST 2 ran, 3 times');
    like($run->{stderr} // '', qr/I found ONLY/, "Test::Base's ONLY notice");
};

subtest 'settings functions, master mode, preprocessor, shutdown log' => sub {
    my $run = run_case('settings');
    plan_holds($run, 11, 'settings.tn');
    is($run->{status}, 0, 'exit status 0');
    failures_are($run, [], 'no assertion fails');
    ok(port_is_closed(), 'master and workers are gone');
};

SKIP: {
    my $echo = '/usr/lib/nginx/modules/ngx_http_echo_module.so';
    skip "no echo module at $echo (libnginx-mod-http-echo)", 1 unless -f $echo;

    subtest 'TEST_NGINX_LOAD_MODULES; --- timeout is an idle time' => sub {
        my $run = run_case('modules', TEST_NGINX_LOAD_MODULES => $echo);
        plan_holds($run, 6, 'modules.tn');
        failures_are($run, [], 'no assertion fails');
        cmp_ok($run->{elapsed}, '>', 0.4, 'the slow body took longer than its timeout');
    };
}

SKIP: {
    my $valgrind = grep { -x "$_/valgrind" } File::Spec->path;
    skip 'valgrind is not installed', 2 unless $valgrind;

    subtest 'valgrind findings fail the block' => sub {
        my $run = run_case('valgrind', TEST_NGINX_USE_VALGRIND => 1,
                           TEST_NGINX_VALGRIND_SUPPRESS => '/dev/null');
        failures_are($run, [qr/TEST 1: .* - valgrind reported \d+ errors$/],
                     "nginx's exit-time leaks are reported as a failure");
        is(scalar @{ $run->{results} }, 3, 'one extra assertion, only because it fails');
        like($run->{stderr} // '', qr/definitely lost/, 'the valgrind report is shown');
    };

    subtest 'valgrind with suppressions passes' => sub {
        my $run = run_case('valgrind', TEST_NGINX_USE_VALGRIND => 1,
            TEST_NGINX_VALGRIND_SUPPRESS => "$cases/nginx-single-process.supp");
        plan_holds($run, 2, 'valgrind.tn');
        is($run->{status}, 0, 'exit status 0');
    };
}

done_testing();
