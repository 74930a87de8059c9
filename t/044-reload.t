# A reload with a broken policy set is refused and the running
# configuration keeps serving; a valid changed set is picked up; the
# metrics survive both.
#
# A plain Test::More script (Test::Nginx's HUP mode is not in the fallback
# runner): it starts its own nginx, master and two workers, on 127.0.0.1
# at a free port, with the module, and stops it whatever happens.

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/fixtures/gateway";

use Test::More;
use Time::HiRes ();
use GatewayNginx;

my $why = GatewayNginx::unavailable();
plan skip_all => $why if $why;

my $root = GatewayNginx::repo_root();
my $seed = "$root/policies/seed-incident";

my $SEED = '{"message":"Access Denied","code":"AccessDenied","region":null,'
         . '"time":"2026-11-27T09:14:07.512Z","requestId":"4Y5GQ1WJ8W1XJ0J5",'
         . '"statusCode":403,"retryable":false}';

my $gw = GatewayNginx->new(name => 'reload');
my $sets = $gw->prefix . '/sets';
my $current = "$sets/current";
my $port = $gw->port;

# the operator's policy folder starts as the incident's: the access point
# policy does not name the Lambda role
GatewayNginx::copy_dir_files("$seed/common", "$sets/common");
GatewayNginx::copy_dir_files("$seed/broken", $current);

$gw->write_conf(workers => 2, server => <<"EOT");
        location ~ ^/upload/(?<key>.+)\$ {
            s3_unmask            on;
            s3_unmask_policies   $current;
            s3_unmask_principal  arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn;
            s3_unmask_resource   arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/\$key;
            add_header X-Worker \$pid always;
            rewrite ^ /backend break;
            proxy_pass http://127.0.0.1:$port;
        }
        location = /backend {
            default_type application/json;
            return 500 '$SEED';
        }
        location = /metrics {
            s3_unmask_metrics;
        }
EOT

my $puts = 0;    # masked denials sent, for the metrics at the end
my %workers;     # worker pids that answered, since the last reset

# the layer and source the gateway names for one upload
sub upload {
    my $res = $gw->request('PUT', '/upload/file.txt', body => 'hello');
    $puts++;
    return 'no response: ' . ($res->{error} // '?') if $res->{error};
    $workers{ $res->{headers}{'x-worker'} // '?' } = 1;
    my $h = $res->{headers}{'s3-denial'} // '';
    my ($layer)  = $h =~ /\blayer=([\w-]+)/;
    my ($source) = $h =~ /\bsource=([\w-]+)/;
    return sprintf '%s layer=%s source=%s', $res->{status} // '-',
        $layer // '-', $source // '-';
}

# the same answer for $n uploads in a row (both workers, most likely)
sub uploads_all {
    my ($n, $want, $name) = @_;
    my @got = map { upload() } 1 .. $n;
    my @bad = grep { $_ ne $want } @got;
    ok(!@bad, $name) or diag("expected '$want' every time, got:\n  "
                             . join("\n  ", @got));
}

my $BEFORE = '403 layer=access-point-policy source=evaluator';
my $AFTER  = '403 layer=unknown source=evaluator';

my ($rc, $out) = $gw->test_conf;
is($rc, 0, 'nginx -t accepts the incident\'s policy set') or diag($out);

my $master = eval { $gw->start };
ok($master, 'nginx starts with a master and two workers')
    or BAIL_OUT("nginx did not start: $@");

uploads_all(6, $BEFORE, 'the incident\'s set names the access point policy');
my %first = map { $_ => 1 } $gw->worker_pids;
is(scalar keys %first, 2, 'two workers run');
my @unknown = grep { !$first{$_} } keys %workers;
ok(!@unknown, 'the uploads were answered by them') or diag("unknown: @unknown");

# --- a broken set: the access point policy loses a comma -----------------

GatewayNginx::write_file("$current/access-point-policy.json", <<'EOT');
{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowLambdaPutFromAccountA"
      "Effect": "Allow",
      "Principal": { "AWS": "arn:aws:iam::111122223333:role/lambda-exec-role" },
      "Action": "s3:PutObject",
      "Resource": "arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/*"
    }
  ]
}
EOT

my $where = qr{s3_unmask_policies: \Q$current\E/access-point-policy\.json:6:7: JSON syntax error};

($rc, $out) = $gw->run_nginx('-s', 'reload');
isnt($rc, 0, 'nginx -s reload refuses the broken set itself');
like($out, qr{\[emerg\] .*$where}, '... and says where the set is broken');

my $mark = $gw->log_size;
$gw->hup;
ok($gw->wait_log($mark, qr{\[emerg\] .*$where}),
   'a SIGHUP to the master is refused, with file, line and column in the error log')
    or diag($gw->log_since($mark));

# the master has given up on the new cycle: nothing new started
Time::HiRes::sleep(0.3);
unlike($gw->log_since($mark), qr/start worker process/,
       'no worker of the refused configuration started');
ok(kill(0, $master), 'the master is still running');
%workers = ();
uploads_all(6, $BEFORE, 'the running configuration keeps serving the old set');
my @strangers = grep { !$first{$_} } keys %workers;
ok(!@strangers, '... from the workers it started with')
    or diag("new workers: @strangers");
is(join(' ', $gw->worker_pids), join(' ', sort { $a <=> $b } keys %first),
   'and those are still its only workers');

# --- a valid, changed set: the fix of the write-up ------------------------

GatewayNginx::copy_dir_files("$seed/fixed", $current);

($rc, $out) = $gw->test_conf;
is($rc, 0, 'nginx -t accepts the fixed set') or diag($out);

$mark = $gw->log_size;
$gw->hup;
ok($gw->wait_log($mark, qr/start worker process/),
   'a SIGHUP with the fixed set starts new workers')
    or diag($gw->log_since($mark));
unlike($gw->log_since($mark), qr/\[emerg\]/, 'without an error');

# old workers may still accept a connection until they have left: wait for
# them to be gone (a loaded machine takes its time), then ask
my $deadline = Time::HiRes::time() + 15;
while (Time::HiRes::time() < $deadline) {
    last unless grep { $first{$_} } $gw->worker_pids;
    Time::HiRes::sleep(0.1);
}
ok(!(grep { $first{$_} } $gw->worker_pids), 'the old workers have left')
    or diag('workers: ' . join(' ', $gw->worker_pids));
my $last = upload();
is($last, $AFTER, 'the new set is picked up: it allows the upload, so it is drift');
%workers = ();
uploads_all(6, $AFTER, 'every worker answers from the new set');
my @old = grep { $first{$_} } keys %workers;
ok(!@old, '... and those are new workers') or diag("old workers: @old");
ok($gw->wait_log($mark, qr/s3_unmask: drift: the policy set allows/),
   'the drift is logged');

# --- the counters live in shared memory and outlived both reloads --------

my $res = $gw->request('GET', '/metrics');
is($res->{status}, 200, 'the metrics location answers');
my ($inspected) = ($res->{body} // '') =~ /^s3_unmask_inspected_total (\d+)$/m;
is($inspected, $puts, "every upload was counted, across reloads and workers ($puts)");
my ($rewritten) = ($res->{body} // '') =~ /^s3_unmask_rewritten_total (\d+)$/m;
is($rewritten, $puts, 'and rewritten');

$gw->stop;
ok(!kill(0, $master), 'nginx stopped');

done_testing();
