# Unit tests of the fallback runner's HTTP pieces (no nginx needed): the
# bytes a "--- request" becomes, and how replies are split into responses.

use strict;
use warnings;

use Test::More;
use Cwd qw(abs_path);
use File::Basename qw(dirname);
use lib dirname(abs_path($0)) . '/../lib';

use Test::Nginx::FallbackClient;
use Test::Nginx::FallbackServer;

sub build {
    my ($text, $more, $conn) = @_;
    my ($head, $body, $method) = Test::Nginx::FallbackClient::build_request(
        text       => $text,
        headers    => Test::Nginx::FallbackClient::parse_more_headers($more),
        connection => $conn // 'close',
    );
    return ($head . $body, $method);
}

subtest 'request bytes' => sub {
    my ($bytes, $method) = build("GET /t");
    is($bytes, "GET /t HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
       'method, URI, default version, Host, Connection and nothing else');
    is($method, 'GET', 'method reported');

    ($bytes) = build("  # comment\n# another\nHEAD");
    is($bytes, "HEAD / HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
       'comments dropped, URI defaults to /');

    ($bytes) = build("POST /p HTTP/1.0\n  hello world  \n");
    is($bytes, "POST /p HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n"
             . "Content-Length: 11\r\n\r\nhello world",
       'computed Content-Length goes with a trimmed body');

    ($bytes) = build("POST /p\n  raw \n", "Content-Length: 6");
    like($bytes, qr/\r\nContent-Length: 6\r\n\r\n  raw \n\z/,
         'explicit Content-Length: body sent as is, no second length');

    ($bytes) = build("POST /p\n3\r\nabc\r\n0\r\n\r\n", "Transfer-Encoding: chunked");
    unlike($bytes, qr/Content-Length/, 'chunked: no Content-Length');
    like($bytes, qr/\r\n\r\n3\r\nabc\r\n0\r\n\r\n\z/, 'chunked body sent as is');

    ($bytes) = build("GET /", "Host: example.com\nConnection: keep-alive\n# X-Skipped: 1\nX-Bare");
    is($bytes, "GET / HTTP/1.1\r\nHost: example.com\r\nConnection: keep-alive\r\n"
             . "X-Bare: \r\n\r\n",
       'more_headers replace Host/Connection; comments skipped; bare name');

    ($bytes) = build("GET /", undef, 'keep-alive');
    like($bytes, qr/\r\nConnection: keep-alive\r\n/, 'keep-alive for pipelining');
};

subtest 'responses' => sub {
    my $buf = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: 1\r\nx-a: 2\r\n\r\nabcEXTRA";
    my $res = Test::Nginx::FallbackClient::take_response(\$buf, 'GET');
    is($res->{status}, 200, 'status');
    is($res->{body}, 'abc', 'body cut at Content-Length');
    is($buf, 'EXTRA', 'the rest stays for the next response');
    is(Test::Nginx::FallbackClient::header_value($res, 'X-a'), '1, 2',
       'repeated headers joined, looked up case-insensitively');
    is($res->{raw_headers}, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nX-A: 1\r\nx-a: 2\r\n",
       'raw headers end with the CRLF before the empty line');

    $buf = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTrailer: X-T\r\n\r\n"
         . "3;ext=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n";
    $res = Test::Nginx::FallbackClient::take_response(\$buf, 'GET');
    is($res->{body}, 'abcde', 'chunked body decoded, extensions and trailers skipped');
    ok(!defined $res->{error}, 'no framing error');
    like($res->{raw_body}, qr/^3;ext=1\r\n.*X-T: 1\r\n\r\n\z/s, 'raw chunked body kept');
    my $next = Test::Nginx::FallbackClient::take_response(\$buf, 'GET');
    is($next->{status}, 204, 'the next pipelined response follows');
    is($buf, '', 'all consumed');

    $buf = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab";
    $res = Test::Nginx::FallbackClient::take_response(\$buf, 'GET');
    like($res->{error} // '', qr/^malformed chunked body/, 'truncated chunk is an error');

    $buf = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc";
    $res = Test::Nginx::FallbackClient::take_response(\$buf, 'GET');
    is($res->{body}, 'abc', 'short body kept');
    like($res->{warning} // '', qr/truncated/, 'short body only warns');

    $buf = "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n";
    $res = Test::Nginx::FallbackClient::take_response(\$buf, 'HEAD');
    is($res->{body}, '', 'HEAD has no body');

    $buf = "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\n\r\nrest";
    $res = Test::Nginx::FallbackClient::take_response(\$buf, 'POST');
    is($res->{status}, 201, '100 Continue skipped');
    is($res->{body}, 'rest', 'unframed body runs to the end');

    $buf = "HTTP/1.1 200 OK\r\nContent-";
    $res = Test::Nginx::FallbackClient::take_response(\$buf, 'GET');
    ok(!defined $res->{status}, 'incomplete header: no status');
    is($res->{error}, 'incomplete response header', 'and says so');

    $buf = '';
    $res = Test::Nginx::FallbackClient::take_response(\$buf, 'GET');
    is($res->{error}, 'no response', 'nothing received');
};

subtest 'user_files times (touch -t, GMT)' => sub {
    is(Test::Nginx::FallbackServer::touch_time_to_epoch('202001021504.05'), 1577977445,
       'CCYYMMDDhhmm.ss');
    is(Test::Nginx::FallbackServer::touch_time_to_epoch('2001021504'), 1577977440,
       'YYMMDDhhmm');
    ok(!defined Test::Nginx::FallbackServer::touch_time_to_epoch('yesterday'),
       'garbage is rejected');
    ok(!defined Test::Nginx::FallbackServer::touch_time_to_epoch('202013011200'),
       'month 13 is rejected');
};

subtest 'nginx.conf' => sub {
    my $conf = Test::Nginx::FallbackServer->render_conf(
        root => '/r', port => 4242, workers => 1, master_process => 0,
        log_level => 'debug', env => ['A', 'B=x y'], load_modules => ['/m.so'],
        main_config => 'main_x on;', http_config => "proxy_temp_path /elsewhere;\n",
        config => "location /t {}\n", worker_connections => 64,
        no_root_location => 1);
    like($conf, qr/^daemon off;$/m, 'foreground');
    like($conf, qr/^master_process off;$/m, 'single process by default');
    like($conf, qr/^load_module \/m\.so;\nmain_x on;$/m, 'load_module then main_config');
    like($conf, qr/^env "B=x y";$/m, 'env values with spaces quoted');
    like($conf, qr/^\s+listen 127\.0\.0\.1:4242;$/m, 'listens on 127.0.0.1 only');
    unlike($conf, qr/^\s+proxy_temp_path \/r/m, 'a temp path the test sets is not repeated');
    like($conf, qr/^\s+client_body_temp_path \/r\/client_body_temp;$/m, 'other temp paths set');
    unlike($conf, qr/location \/ \{/, 'no_root_location');
    unlike($conf, qr/include\s+mime\.types/, 'no mime.types, as in the real runner');
};

done_testing();
