# Responses that overlap in one worker: each keeps its own diagnosis.
#
# A worker fills one finding for every response it inspects, and a request
# copies its fields out only when something needs them: a variable read,
# or another response about to reuse the finding while this request still
# lives (README, "How it works").  Here request A's answer is held back by
# limit_rate, so that A is still sending when B (a denial) and C (a 500
# that is no AWS error) are inspected; A's access log line, written when A
# ends, must still carry A's request id, and B's and C's their own.
#
# A plain Test::More script (GatewayNginx, t/fixtures/gateway): one worker,
# the upstream a second server of the same nginx.  With
# TEST_NGINX_USE_VALGRIND=1 (as in ./build.sh test) it runs under memcheck.

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/fixtures/gateway";

use IO::Socket::INET;
use Time::HiRes ();
use Test::More;
use GatewayNginx;

my $why = GatewayNginx::unavailable();
plan skip_all => $why if $why;

my $gw = GatewayNginx->new(name => 'overlap');
my $SLOW = $gw->under_memcheck;
my $up_port = GatewayNginx::free_port();
my $p = $gw->prefix;

$gw->write_conf(workers => 1, log_level => 'info', http => <<"EOT", server => <<"EOT");
    log_format  overlap  '\$arg_id \$s3_unmask_request_id \$s3_unmask_code '
                         '\$s3_unmask_layer \$s3_unmask_upstream_status';

    server {
        listen  127.0.0.1:$up_port;
        access_log  off;

        location /deny {
            default_type  application/json;
            return 500 '{"message":"Access Denied","code":"AccessDenied","requestId":"\$arg_id"}';
        }

        location /oops {
            default_type  text/plain;
            return 500 'oops \$arg_id';
        }
    }
EOT
        s3_unmask on;
        access_log $p/logs/overlap.log overlap;

        location / {
            proxy_pass http://127.0.0.1:$up_port;
        }

        # about 100 bytes a second: the answer takes seconds to send
        location /slow/ {
            limit_rate 100;
            proxy_pass http://127.0.0.1:$up_port/;
        }
EOT

my ($rc, $out) = $gw->test_conf;
is($rc, 0, 'the gateway configuration is valid') or diag($out);
my $master = eval { $gw->start };
ok($master, 'the gateway starts') or BAIL_OUT("nginx did not start: $@");
my @workers = $gw->worker_pids;

# A: sent, and read up to its status line, which comes only after the
# worker decided on A; then A is left sending
my $a = IO::Socket::INET->new(PeerAddr => '127.0.0.1', PeerPort => $gw->port,
                              Proto => 'tcp', Timeout => 5)
    or BAIL_OUT("connect: $!");
print {$a} "GET /slow/deny?id=AAA HTTP/1.0\r\nHost: localhost\r\n\r\n";

my $a_resp = '';
$a->blocking(0);
my $deadline = Time::HiRes::time() + 5 * $SLOW;
while ($a_resp !~ m{^HTTP/1\.1 \d{3}} && Time::HiRes::time() < $deadline) {
    my $n = sysread($a, my $buf, 16);
    $a_resp .= $buf if $n;
    Time::HiRes::sleep(0.01) unless $n;
}
like($a_resp, qr{^HTTP/1\.1 403}, 'A: 403, and still sending');

# B and C while A lives
my $b = $gw->request('GET', '/deny?id=BBB', timeout => 5 * $SLOW);
is($b->{status}, 403, 'B, a denial inspected while A is sent: 403');
like($b->{headers}{'s3-denial'} // '', qr/request-id="BBB"/, 'B: its own request id');

my $c = $gw->request('GET', '/oops?id=CCC', timeout => 5 * $SLOW);
is($c->{status}, 500, 'C, a 500 of no AWS form inspected while A is sent: 500');
is($c->{body}, 'oops CCC', 'C: byte for byte');

# the rest of A
$deadline = Time::HiRes::time() + 30 * $SLOW;
while (Time::HiRes::time() < $deadline) {
    my $n = sysread($a, my $buf, 65536);
    last if defined $n && $n == 0;
    $a_resp .= $buf if $n;
    Time::HiRes::sleep(0.05) unless $n;
}
close $a;
like($a_resp, qr/\r\nS3-Denial: [^\r]*request-id="AAA"/, 'A: its S3-Denial names AAA');
like($a_resp, qr/"requestId":"AAA"\}\z/, 'A: the whole body arrived');

# the access log: lines are written as the requests end, A's last
my $log_file = "$p/logs/overlap.log";
my $log = '';
$deadline = Time::HiRes::time() + 5 * $SLOW;
while (Time::HiRes::time() < $deadline) {
    $log = -f $log_file ? GatewayNginx::read_file($log_file) : '';
    last if $log =~ /^AAA /m;
    Time::HiRes::sleep(0.05);
}
my %line = map { /^(\S+) (.*)$/ ? ($1 => $2) : () } split /\n/, $log;

is($line{AAA}, 'AAA AccessDenied unknown 500',
   "A's variables, read as A ends after B and C were inspected");
is($line{BBB}, 'BBB AccessDenied unknown 500', "B's variables");
is($line{CCC}, '- - - -', 'C made no finding: its variables are empty');
like($log, qr/\ABBB .*\nCCC .*\nAAA /, 'and A was indeed logged last');

my $errors = $gw->log_since(0);
unlike($errors, qr/exited on signal|\[(alert|crit|emerg)\]/,
       'no crash, no [alert], [crit] or [emerg]');

kill 'QUIT', $master;
$deadline = Time::HiRes::time() + 10 * $SLOW;
Time::HiRes::sleep(0.1) while kill(0, $master) && Time::HiRes::time() < $deadline;
ok(!kill(0, $master), 'the gateway stops on QUIT');
$gw->stop;

if ($SLOW > 1) {
    my ($reports, $bad) = $gw->memcheck_reports($master, @workers);
    ok(@$reports == 2 && !@$bad, 'memcheck found nothing in the master and its worker')
        or diag(join "\n", @$bad);
}

done_testing();
