# S3-Denial-Token end to end: the gateway seals the full diagnosis of the
# seed incident, `s3-unmask decode` opens it with the key file, and refuses
# a token with one byte changed, a token cut short, and the wrong key.
#
# A plain Test::More script: it needs the header of one response handed to
# the s3-unmask command, which a Test::Nginx block cannot do under both
# runners.  It starts its own nginx on 127.0.0.1 at a free port.

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/fixtures/gateway";

use Digest::SHA ();
use JSON::PP ();
use Test::More;
use GatewayNginx;

my $why = GatewayNginx::unavailable();
plan skip_all => $why if $why;

my $root = GatewayNginx::repo_root();
my $keys = "$root/t/fixtures/gateway/keys";
my $KEY = "$keys/gateway.key";
my $OTHER = "$keys/other.key";

my $SEED = '{"message":"Access Denied","code":"AccessDenied","region":null,'
         . '"time":"2026-11-27T09:14:07.512Z","requestId":"4Y5GQ1WJ8W1XJ0J5",'
         . '"extendedRequestId":"h4Sm9y1bXq0rVt7pD2eK5nQ8uW3zL6cJ0aF9gH1iY4oE7bN2xM5vR8tS3wU6kP9qZ0lA=",'
         . '"statusCode":403,"retryable":false,"retryDelay":42.7}';

# the key id as the README defines it: the first 6 bytes of
# SHA-256("s3-unmask token key id v1" || 0x00 || key), in hex
sub key_id_of_hex_file {
    my ($file) = @_;
    my $hex = GatewayNginx::read_file($file);
    $hex =~ s/\s+//g;
    return substr(Digest::SHA::sha256_hex("s3-unmask token key id v1\0"
                                          . pack('H*', $hex)), 0, 12);
}

my $gw = GatewayNginx->new(name => 'token');
my $port = $gw->port;

$gw->write_conf(workers => 2, server => <<"EOT");
        s3_unmask_token_key  $KEY;

        location ~ ^/upload/(?<key>.+)\$ {
            s3_unmask            on;
            s3_unmask_policies   $root/policies/seed-incident/broken;
            s3_unmask_principal  arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn;
            s3_unmask_resource   arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/\$key;
            rewrite ^ /backend break;
            proxy_pass http://127.0.0.1:$port;
        }
        location = /backend {
            default_type application/json;
            return 500 '$SEED';
        }
        location = /plain {
            s3_unmask on;
            proxy_pass http://127.0.0.1:$port/backend-plain;
        }
        location = /backend-plain {
            return 500 'upstream exploded';
        }
EOT

my $master = eval { $gw->start };
ok($master, 'nginx starts with a token key') or BAIL_OUT("nginx did not start: $@");

# --- the token is there, in its documented form --------------------------

my $res = $gw->request('PUT', '/upload/reports/q3.csv', body => 'hello');
is($res->{status}, 403, 'the seed incident is rewritten to 403');

my $token = $res->{headers}{'s3-denial-token'} // '';
my $kid = key_id_of_hex_file($KEY);
like($token, qr/^v1\.[0-9a-f]{12}\.[A-Za-z0-9_-]+$/, 'S3-Denial-Token: v1.<kid>.<base64url>');
is((split /\./, $token)[1] // '', $kid, 'its key id is the one the README derives from the key');

my ($rc, $out, $err) = GatewayNginx::run_cli('decode', '--key', $KEY, '--key-id');
like($out, qr/^\Q$kid\E\s/, 's3-unmask decode --key-id agrees');

# the header at the default expose level names no account; the token does
unlike($res->{headers}{'s3-denial'} // '', qr/arn:|\d{12}/,
       'the S3-Denial header names no ARN at expose=layer');

# --- it opens to the full diagnosis ---------------------------------------

($rc, $out, $err) = GatewayNginx::run_cli('decode', '--key', $KEY, '--raw', $token);
is($rc, 0, 'decode opens the token') or diag($err);

my $diag = eval { JSON::PP->new->decode($out) };
ok($diag, 'to a JSON document') or diag("$@: $out");
$diag ||= {};

my %want = (
    layer           => 'access-point-policy',
    source          => 'evaluator',
    decision        => 'implicit-deny',
    code            => 'AccessDenied',
    service         => 's3',
    request_id      => '4Y5GQ1WJ8W1XJ0J5',
    host_id         => 'h4Sm9y1bXq0rVt7pD2eK5nQ8uW3zL6cJ0aF9gH1iY4oE7bN2xM5vR8tS3wU6kP9qZ0lA=',
    principal       => 'arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn',
    action          => 's3:PutObject',
    resource        => 'arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/reports/q3.csv',
    upstream_status => 500,
    status          => 403,
);
for my $k (sort keys %want) {
    is($diag->{$k}, $want{$k}, "the diagnosis holds $k");
}
like($diag->{reason} // '', qr/^the access point policy does not allow /,
     'and the evaluator\'s reason');

# pretty output, a pasted header line on standard input
my $cmd = join ' ', map { GatewayNginx::shell_quote($_) }
    GatewayNginx::cli(), 'decode', '--key', $KEY, '-';
my $pretty = `printf 'S3-Denial-Token: %s\\r\\n' '$token' | $cmd 2>&1`;
is($? >> 8, 0, 'decode reads a pasted "S3-Denial-Token: ..." line from stdin');
my $again = eval { JSON::PP->new->decode($pretty) } || {};
is_deeply($again, $diag, '... to the same diagnosis');

# --- every token has its own nonce ---------------------------------------

my $second = $gw->request('PUT', '/upload/reports/q3.csv', body => 'hello')
    ->{headers}{'s3-denial-token'} // '';
isnt($second, $token, 'the same denial twice gives two different tokens');
my $nonce = sub { substr((split /\./, $_[0])[2] // '', 0, 16) };
isnt($nonce->($second), $nonce->($token), '... whose nonces differ');
($rc, $out, $err) = GatewayNginx::run_cli('decode', '--key', $KEY, '--raw', $second);
my $diag2 = eval { JSON::PP->new->decode($out) } || {};
is_deeply($diag2, $diag, '... and both open to the same diagnosis');

# --- tampering and the wrong key are refused -----------------------------

# one character of the ciphertext changed, for another base64url character
my $payload_at = length("v1.$kid.");
my $i = $payload_at + int((length($token) - $payload_at) / 2);
my $c = substr($token, $i, 1);
my $flipped = $token;
substr($flipped, $i, 1) = $c eq 'A' ? 'B' : 'A';

($rc, $out, $err) = GatewayNginx::run_cli('decode', '--key', $KEY, $flipped);
is($rc, 1, 'a token with one byte changed is refused');
like($err, qr/token is corrupt or was tampered with \(authentication failed\)/,
     '... as tampered with');
is($out, '', '... and nothing of it is printed');

# the last character of the tag changed
my $tail = $token;
substr($tail, -1, 1) = substr($tail, -1, 1) eq 'A' ? 'Q' : 'A';
($rc, $out, $err) = GatewayNginx::run_cli('decode', '--key', $KEY, $tail);
is($rc, 1, 'a token with its tag changed is refused');

# the key id changed: the token then names a key we do not have
my $other_kid = key_id_of_hex_file($KEY) =~ tr/0-9a-f/1-9a-f0/r;
my $rekeyed = "v1.$other_kid." . (split /\./, $token)[2];
($rc, $out, $err) = GatewayNginx::run_cli('decode', '--key', $KEY, $rekeyed);
is($rc, 1, 'a token whose key id was changed is refused');

# cut short
($rc, $out, $err) = GatewayNginx::run_cli('decode', '--key', $KEY,
                                          substr($token, 0, $payload_at + 20));
is($rc, 1, 'a token cut short is refused');
like($err, qr/truncated/, '... as truncated');

# the wrong key
($rc, $out, $err) = GatewayNginx::run_cli('decode', '--key', $OTHER, $token);
is($rc, 1, 'the wrong key is refused');
like($err, qr/token was sealed with key id \Q$kid\E, this key is [0-9a-f]{12}/,
     '... naming the key id the token needs');

# a rotation: the old and the new key on one command line
($rc, $out, $err) = GatewayNginx::run_cli('decode', '--key', $OTHER, '--key', $KEY,
                                          '--raw', $token);
is($rc, 0, 'with several keys, decode uses the one the token names') or diag($err);

# --- no token where there is no diagnosis --------------------------------

$res = $gw->request('GET', '/plain');
is($res->{status}, 500, 'a 500 that is no S3 error passes through');
ok(!exists $res->{headers}{'s3-denial-token'}, '... without a token');

$gw->stop;
ok(!kill(0, $master), 'nginx stopped');

done_testing();
