# Faults that need a misbehaving TCP upstream, which nginx itself will not
# play: a close in the middle of the body (with a Content-Length, chunked,
# and before the first body byte), more bytes than the Content-Length
# announced, NUL and every other byte value, a 10 MB single-line body
# (with a length, chunked, and delimited by the close), a body trickling
# in until the close, and an upstream that stops sending.
#
# For each: no crash (the error log never says "exited on signal"), no
# hang (every answer within its time limit), a response whose framing is
# complete, and where the response passes through, the very bytes the
# upstream sent (compared whole, or by MD5 for 10 MB).  A close while the
# header is held gives nginx's complete 502 with Connection: close (see
# README, "How it works").
#
# A plain Test::More script: the upstream is RawPeers (t/fixtures/harden),
# the gateway a private nginx from GatewayNginx (t/fixtures/gateway).
# With TEST_NGINX_USE_VALGRIND=1 (as in ./build.sh test) the gateway runs
# under memcheck, master and worker, with the suppressions of
# TEST_NGINX_VALGRIND_SUPPRESS; any error or definite leak fails the run.

use strict;
use warnings;

use FindBin ();
use lib "$FindBin::Bin/fixtures/gateway", "$FindBin::Bin/fixtures/harden";

use Digest::MD5 qw(md5_hex);
use Time::HiRes ();
use Test::More;
use GatewayNginx;
use RawPeers;

my $why = GatewayNginx::unavailable();
plan skip_all => $why if $why;

# --- what the upstream says ------------------------------------------------

my $XML = '<Error><Code>AccessDenied</Code><Message>Access Denied</Message>'
        . '<RequestId>RAW1</RequestId></Error>';
my $XML_NUL = "<Error><Code>AccessDenied</Code><Message>Access\0Denied</Message>"
            . "<RequestId>RAW\0NUL</RequestId></Error>";
my $ALL_BYTES = join '', map { chr } 0 .. 255, reverse 0 .. 255;

my $MB10 = 10 * 1024 * 1024;
my $BIG = '{"message":"Access Denied","code":"AccessDenied","requestId":"BIG2","pad":"'
        . ('y' x $MB10) . '"}';
my $BIG_MD5 = md5_hex($BIG);

sub head {
    my ($status, @fields) = @_;
    my %reason = (200 => 'OK', 403 => 'Forbidden', 500 => 'Internal Server Error');
    return "HTTP/1.1 $status $reason{$status}\r\n"
         . join('', map { "$_\r\n" } @fields) . "\r\n";
}

sub xml_head { head(shift, 'Content-Type: application/xml', @_) }

# $body as chunks of at most $size bytes, with or without the last chunk
sub chunks {
    my ($body, $size, $unfinished) = @_;
    my $out = '';
    for (my $off = 0; $off < length $body; $off += $size) {
        my $piece = substr($body, $off, $size);
        $out .= sprintf("%x\r\n", length $piece) . $piece . "\r\n";
    }
    return $unfinished ? $out : $out . "0\r\n\r\n";
}

my $EXTRA = 'EXTRA BYTES AFTER THE BODY <Error><Code>AccessDenied</Code></Error>';

my %script = (
    # closes mid-body while the header is held
    '/cut/length' => [xml_head(500, 'Content-Length: ' . (length($XML) + 40)),
                      $XML, [close => 1]],
    '/cut/chunked' => [xml_head(500, 'Transfer-Encoding: chunked'),
                       chunks(substr($XML, 0, 50), 20, 1), [close => 1]],
    '/cut/no-body' => [xml_head(500, 'Content-Length: 120'), [close => 1]],
    '/cut/pause' => [xml_head(500, 'Content-Length: ' . (length($XML) + 40)),
                     substr($XML, 0, 30), [sleep => 0.3], substr($XML, 30),
                     [close => 1]],
    # closes mid-body on a response that is never held: nginx's own ways
    '/cut/success' => [head(200, 'Content-Type: text/plain', 'Content-Length: 100'),
                       'x' x 60, [close => 1]],
    # closes after the buffer overflowed: released, then cut
    '/cut/released' => [xml_head(500, 'Transfer-Encoding: chunked'),
                        chunks('<Error><Code>AccessDenied</Code>' . ('z' x 40000), 4096, 1),
                        [close => 1]],

    # more bytes than the Content-Length
    '/more/denial' => [xml_head(500, 'Content-Length: ' . length($XML)), $XML . $EXTRA],
    '/more/plain' => [head(500, 'Content-Type: text/plain', 'Content-Length: 5'),
                      "boom\n" . $EXTRA],
    '/more/success' => [head(200, 'Content-Type: text/plain', 'Content-Length: 6'),
                        "hello\n" . $EXTRA],
    '/more/split' => [xml_head(500, 'Content-Length: ' . length($XML)),
                      substr($XML, 0, 40), [sleep => 0.1], substr($XML, 40) . $EXTRA],

    # NUL bytes, and every byte value
    '/nul/denial' => [xml_head(500, 'Content-Length: ' . length($XML_NUL)), $XML_NUL],
    '/nul/all-bytes' => [head(500, 'Content-Type: application/octet-stream',
                              'Content-Length: ' . length($ALL_BYTES)), $ALL_BYTES],
    '/nul/chunked' => [head(500, 'Content-Type: application/json',
                            'Transfer-Encoding: chunked'), chunks($ALL_BYTES, 100)],

    # 10 MB on one line
    '/big/length' => [head(500, 'Content-Type: application/json',
                           'Content-Length: ' . length($BIG)), $BIG],
    '/big/chunked' => [head(500, 'Content-Type: application/json',
                            'Transfer-Encoding: chunked'), chunks($BIG, 65536)],
    '/big/close' => [head(500, 'Content-Type: application/json', 'Connection: close'), $BIG],

    # a body delimited by the close, trickling in
    '/slow/close' => [xml_head(500, 'Connection: close'),
                      map { (substr($XML, $_ * 25, 25), [sleep => 0.05]) }
                          0 .. int(length($XML) / 25)],

    # the upstream stops sending and never closes (read timeout 500 ms)
    '/stall' => [xml_head(500, 'Content-Length: ' . (length($XML) + 10)),
                 $XML, [sleep => 3]],
);

my $up = RawPeers->upstream(\%script);
my $up_port = $up->port;

# --- the gateway -----------------------------------------------------------

my $gw = GatewayNginx->new(name => 'raw');

# under memcheck everything is slower: time limits grow by this much
my $SLOW = $gw->under_memcheck;
my $VALGRIND = $SLOW > 1;
$gw->write_conf(workers => 1, log_level => 'info', server => <<"EOT");
        s3_unmask on;
        s3_unmask_expose full;
        proxy_read_timeout 500ms;
        location / {
            proxy_pass http://127.0.0.1:$up_port;
        }
        location /unbuffered/ {
            proxy_buffering off;
            proxy_pass http://127.0.0.1:$up_port/;
        }
        location /big16m/ {
            s3_unmask_buffer 16m;
            proxy_pass http://127.0.0.1:$up_port/big/;
        }
EOT

my ($rc, $out) = $gw->test_conf;
is($rc, 0, 'the gateway configuration is valid') or diag($out);
my $master = eval { $gw->start };
ok($master, 'the gateway starts') or BAIL_OUT("nginx did not start: $@");
my $gw_port = $gw->port;

sub fetch {
    my ($path, %opt) = @_;
    my $res = RawPeers::get($gw_port, $path, timeout => ($opt{timeout} // 10) * $SLOW);
    diag("$path: $res->{error}") if $res->{error};
    return $res;
}

# a complete answer within $seconds
sub answered {
    my ($res, $seconds, $name) = @_;
    $seconds *= $SLOW;
    ok(!$res->{error} && $res->{complete} && $res->{seconds} < $seconds,
       "$name: a complete answer within $seconds s")
        or diag(sprintf "error=%s framing=%s complete=%s seconds=%.2f",
                map { $_ // '-' } @$res{qw(error framing complete seconds)});
}

# nginx's complete 502, with nothing of the upstream's body
sub is_502 {
    my ($path, $name) = @_;
    my $res = fetch($path);
    answered($res, 3, $name);
    is($res->{status}, 502, "$name: 502");
    like($res->{body} // '', qr{<title>502 Bad Gateway</title>}, "$name: nginx's 502 page");
    is($res->{headers}{connection}, 'close', "$name: Connection: close");
    ok(!exists $res->{headers}{'s3-denial'}, "$name: no S3-Denial");
    return $res;
}

# --- closes mid-body while the header is held -------------------------------

my $mark = $gw->log_size;
is_502('/cut/length', 'closed before the Content-Length was reached');
is_502('/cut/chunked', 'closed inside a chunked body');
is_502('/cut/no-body', 'closed before the first body byte');
is_502('/cut/pause', 'closed after a pause, short of the Content-Length');
is_502('/unbuffered/cut/length', 'the same with proxy_buffering off');
is_502('/unbuffered/cut/chunked', 'chunked, with proxy_buffering off');
like($gw->log_since($mark),
     qr/s3_unmask: upstream response ended before its body was complete/,
     'the held 502s are logged as the upstream\'s failure');

# a success is never held: nginx passes on what came, then closes
my $res = fetch('/cut/success');
is($res->{status}, 200, 'a success cut short keeps its 200');
is($res->{body}, 'x' x 60, '... with the bytes that came, unchanged');
ok($res->{closed} && !$res->{complete} && $res->{seconds} < 3 * $SLOW,
   '... and the connection closes at once, short of the length, as nginx does');

# released over the buffer, then cut: the 500 and the bytes that came
$res = fetch('/cut/released');
is($res->{status}, 500, 'a body released over the buffer and then cut keeps its 500');
my $sent = '<Error><Code>AccessDenied</Code>' . ('z' x 40000);
ok(length($res->{body} // '') >= 16384
   && substr($sent, 0, length $res->{body}) eq $res->{body},
   '... and the client got a prefix of at least the buffer, byte for byte')
    or diag('got ' . length($res->{body} // '') . ' bytes');
ok($res->{closed} && $res->{seconds} < 3 * $SLOW, '... then the close, at once');

# --- more bytes than the Content-Length ----------------------------------------

for my $prefix ('', '/unbuffered') {
    my $how = $prefix ? ' (proxy_buffering off)' : '';

    $res = fetch("$prefix/more/denial");
    answered($res, 3, "a denial with bytes past its Content-Length$how");
    is($res->{status}, 403, "... is still judged by its Content-Length: 403$how");
    is($res->{body}, $XML, "... with exactly the announced bytes$how");
    like($res->{headers}{'s3-denial'} // '', qr/request-id="RAW1"/,
         "... and the diagnosis$how");

    $res = fetch("$prefix/more/plain");
    answered($res, 3, "a plain 500 with bytes past its Content-Length$how");
    is("$res->{status} $res->{body}", "500 boom\n", "... passes on exactly its 5 bytes$how");

    $res = fetch("$prefix/more/success");
    answered($res, 3, "a success with bytes past its Content-Length$how");
    is("$res->{status} $res->{body}", "200 hello\n", "... passes on exactly its 6 bytes$how");

    $res = fetch("$prefix/more/split");
    answered($res, 3, "the extra bytes arriving after a pause$how");
    is("$res->{status} $res->{body}", "403 $XML", "... change nothing$how");
}

# --- NUL bytes -------------------------------------------------------------------

$res = fetch('/nul/denial');
answered($res, 3, 'NULs inside an XML denial');
is($res->{status}, 500, '... make it no XML document: the 500 stays');
is($res->{body}, $XML_NUL, '... byte for byte');
ok(!exists $res->{headers}{'s3-denial'}, '... without a diagnosis');

$res = fetch('/nul/all-bytes');
answered($res, 3, 'every byte value, twice');
is($res->{status}, 500, '... passes through as a 500');
ok($res->{body} eq $ALL_BYTES, '... byte for byte');

$res = fetch('/nul/chunked');
answered($res, 3, 'every byte value, chunked, labelled JSON');
is($res->{status}, 500, '... passes through as a 500');
ok($res->{body} eq $ALL_BYTES, '... byte for byte');

# --- 10 MB on one line -------------------------------------------------------

for my $case (['/big/length', 'with a Content-Length (never held)'],
              ['/big/chunked', 'chunked (held, released past 16k)'],
              ['/big/close', 'delimited by the close (held, released past 16k)'],
              ['/unbuffered/big/chunked', 'chunked, proxy_buffering off']) {
    my ($path, $how) = @$case;
    $res = fetch($path, timeout => 20);
    answered($res, 20, "a 10 MB single-line denial $how");
    is($res->{status}, 500, '... keeps its 500');
    is(md5_hex($res->{body} // ''), $BIG_MD5, '... and its 10 MB, byte for byte (MD5)');
}

for my $path ('/big16m/length', '/big16m/chunked', '/big16m/close') {
    $res = fetch($path, timeout => 20);
    answered($res, 20, "the 10 MB line within a 16m buffer ($path)");
    is($res->{status}, 403, '... is read whole and judged a denial');
    like($res->{headers}{'s3-denial'} // '', qr/request-id="BIG2"/, '... with its diagnosis');
    is(md5_hex($res->{body} // ''), $BIG_MD5, '... and its 10 MB, byte for byte (MD5)');
}

# --- trickling in until the close; an upstream that stalls --------------------

$res = fetch('/slow/close');
answered($res, 5, 'a denial trickling in until the upstream closes');
is($res->{status}, 403, '... is held to the end and judged');
is($res->{body}, $XML, '... byte for byte');

$res = is_502('/stall', 'an upstream that stops sending (read timeout)');
ok($res->{seconds} < 2 * $SLOW, '... within the 500 ms read timeout, not the upstream\'s 3 s pause');

# --- nothing crashed --------------------------------------------------------

my $log = $gw->log_since(0);
unlike($log, qr/exited on signal/, 'no worker exited on a signal');
unlike($log, qr/\[(alert|crit|emerg)\]/, 'no [alert], [crit] or [emerg] in the error log');
ok(kill(0, $master), 'the master still runs');
is(scalar(my @w = $gw->worker_pids), 1, 'and its worker');

# a graceful stop, however long memcheck takes to write its reports
my @workers = $gw->worker_pids;
kill 'QUIT', $master;
my $deadline = Time::HiRes::time() + 10 * $SLOW;
Time::HiRes::sleep(0.1) while kill(0, $master) && Time::HiRes::time() < $deadline;
ok(!kill(0, $master), 'the gateway stops on QUIT');
$gw->stop;
$up->stop;

if ($VALGRIND) {
    my ($reports, $bad) = $gw->memcheck_reports($master, @workers);
    ok(@$reports == 2 && !@$bad, 'memcheck found nothing in the master and its worker')
        or diag(join "\n", @$bad);
}

done_testing();
