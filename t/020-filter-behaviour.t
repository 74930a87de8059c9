# How the filter behaves around the rewrite: limits, buffers, keepalive,
# HEAD, error pages, filters after us, hostile values, and the failure of
# an upstream while the header is held.

use Test::Nginx::Socket 'no_plan';

repeat_each(1);
no_shuffle();

our $XML = '<Error><Code>AccessDenied</Code><Message>Access Denied</Message>'
         . '<RequestId>4Y5GQ1WJ8W1XJ0J5</RequestId></Error>';

# a body of exactly N bytes: the XML padded with spaces before </Error>
sub padded {
    my $n = shift;
    my $pad = $n - length($XML);
    die "too short" if $pad < 0;
    (my $b = $XML) =~ s{</Error>}{' ' x $pad . '</Error>'}e;
    return $b;
}

our $AT_LIMIT = padded(512);

# a location with a 512-byte limit in front of a backend doing $answer
sub limit_config {
    my $answer = shift;
    return <<'EOT' . "        $answer\n    }\n";
    location /t {
        s3_unmask on;
        s3_unmask_buffer 512;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
EOT
}
our $OVER_LIMIT = padded(513);

run_tests();

__DATA__

=== TEST 1: a body exactly at s3_unmask_buffer is inspected
--- config eval
::limit_config("return 500 '$::AT_LIMIT';")
--- request
GET /t
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*
--- response_body eval
$::AT_LIMIT



=== TEST 2: one byte over s3_unmask_buffer (Content-Length known) passes through untouched
--- config eval
::limit_config("return 500 '$::OVER_LIMIT';")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
Content-Length: 513
--- response_body eval
$::OVER_LIMIT
--- log_level: info
--- error_log
is over the 512-byte s3_unmask_buffer



=== TEST 3: one byte over the limit, chunked in several buffers, passes through byte for byte
--- config eval
::limit_config("echo_status 500; echo -n '" . substr($::OVER_LIMIT, 0, 300)
               . "'; echo_flush; echo -n '" . substr($::OVER_LIMIT, 300) . "';")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body eval
$::OVER_LIMIT
--- log_level: info
--- error_log
is over the 512-byte s3_unmask_buffer



=== TEST 4: a chunked body arriving slowly in pieces is collected and rewritten
--- config
    location /t {
        s3_unmask on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        echo_status 500;
        echo -n "<Error><Code>Access";
        echo_flush;
        echo_sleep 0.1;
        echo -n "Denied</Code><Message>Access Denied</Message>";
        echo_flush;
        echo_sleep 0.1;
        echo -n "<RequestId>SLOW1</RequestId></Error>";
    }
--- request
PUT /t
hello
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*request-id="SLOW1"
--- response_body chomp
<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>SLOW1</RequestId></Error>



=== TEST 5: the same with proxy_buffering off
--- config
    location /t {
        s3_unmask on;
        proxy_buffering off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        echo_status 500;
        echo -n "<Error><Code>Access";
        echo_flush;
        echo_sleep 0.1;
        echo -n "Denied</Code><RequestId>SLOW2</RequestId></Error>";
    }
--- request
PUT /t
hello
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*request-id="SLOW2"
--- response_body chomp
<Error><Code>AccessDenied</Code><RequestId>SLOW2</RequestId></Error>



=== TEST 6: keepalive: denial, success, plain 500, denial on one connection
--- config
    location /t {
        s3_unmask on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend/denied {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><RequestId>KA</RequestId></Error>';
    }
    location /backend/ok {
        return 200 "stored\n";
    }
    location /backend/plain {
        return 500 "boom\n";
    }
--- pipelined_requests eval
["GET /t/denied", "GET /t/ok", "GET /t/plain", "GET /t/denied"]
--- error_code eval
[403, 200, 500, 403]
--- response_body eval
["<Error><Code>AccessDenied</Code><RequestId>KA</RequestId></Error>", "stored\n", "boom\n", "<Error><Code>AccessDenied</Code><RequestId>KA</RequestId></Error>"]



=== TEST 7: HEAD is never held
--- config
    location /t {
        s3_unmask on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code></Error>';
    }
--- request
HEAD /t
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body



=== TEST 8: proxy_intercept_errors with error_page for 500: the error page wins
--- config
    location /t {
        s3_unmask on;
        proxy_intercept_errors on;
        error_page 500 /oops;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location = /oops {
        return 500 "our own error page\n";
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code></Error>';
    }
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body
our own error page



=== TEST 9: proxy_intercept_errors with error_page for other statuses: 500 is still inspected
--- config
    location /t {
        s3_unmask on;
        proxy_intercept_errors on;
        error_page 404 /oops;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location = /oops {
        return 404 "gone\n";
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code></Error>';
    }
--- request
GET /t
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*



=== TEST 10: gzip and add_header run after us and see the new status
--- config
    location /t {
        s3_unmask on;
        gzip on;
        gzip_types *;
        gzip_min_length 1;
        add_header X-Status $status always;
        add_header X-Code $s3_unmask_code always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
    }
--- request
GET /t
--- more_headers
Accept-Encoding: gzip
--- error_code: 403
--- response_headers
X-Status: 403
X-Code: AccessDenied
Content-Encoding: gzip



=== TEST 11: an upstream body that is already compressed passes through
--- config
    location /t {
        s3_unmask on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        add_header Content-Encoding gzip always;
        return 500 '<Error><Code>AccessDenied</Code></Error>';
    }
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- log_level: info
--- error_log
s3_unmask: passed through: body is compressed



=== TEST 12: nginx's own 502 (upstream unreachable) is not inspected
--- config
    location /t {
        s3_unmask on;
        proxy_pass http://127.0.0.1:1/;
    }
--- request
GET /t
--- error_code: 502
--- response_headers
!S3-Denial
--- response_body_like: 502 Bad Gateway



=== TEST 13: the upstream dies while the header is held: the client gets a complete 502
--- config
    location /t {
        s3_unmask on;
        # HTTP/1.1, so that the cut is visible as an unfinished chunked body
        proxy_http_version 1.1;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/mid;
    }
    location /mid {
        proxy_buffering off;
        proxy_read_timeout 300ms;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        echo_status 500;
        echo -n "<Error><Code>AccessDenied</Code>";
        echo_flush;
        echo_sleep 2;
        echo -n "</Error>";
    }
--- request
GET /t
--- error_code: 502
--- response_headers
!S3-Denial
--- response_body_like: 502 Bad Gateway
--- log_level: info
--- error_log
upstream response ended before its body was complete
--- timeout: 5



=== TEST 14: s3_unmask_body problem replaces the body with problem+json of the right length
--- config
    location /t {
        s3_unmask on;
        s3_unmask_body problem;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>PJ1</RequestId></Error>';
    }
--- request
GET /t
--- error_code: 403
--- response_headers
Content-Type: application/problem+json
--- response_body_like: ^\{.*"status":\s*403.*\}$



=== TEST 15: header injection attempts in extracted values never reach the header raw
--- config
    location /t {
        s3_unmask on;
        s3_unmask_expose full;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>X&#13;&#10;Set-Cookie: owned=1</RequestId><HostId>"quoted", evil=1 \\ back</HostId></Error>';
    }
--- request
GET /t
--- error_code: 403
--- response_headers
!Set-Cookie
--- raw_response_headers_unlike: \r\nSet-Cookie
--- response_headers_like
S3-Denial: code=AccessDenied, [^\r\n]*



=== TEST 16: an upstream's own S3-Denial header is replaced by ours
--- config
    location /t {
        s3_unmask on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        add_header S3-Denial "layer=forged" always;
        return 500 '<Error><Code>AccessDenied</Code></Error>';
    }
--- request
GET /t
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*



=== TEST 17: s3_unmask_expose none: status restored, no header
--- config
    location /t {
        s3_unmask on;
        s3_unmask_expose none;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code></Error>';
    }
--- request
GET /t
--- error_code: 403
--- response_headers
!S3-Denial



=== TEST 18: s3_unmask_header renames the header; off removes it
--- config
    location /t {
        s3_unmask on;
        s3_unmask_header X-Upload-Denial;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /off {
        s3_unmask on;
        s3_unmask_header off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code></Error>';
    }
--- request eval
["GET /t", "GET /off"]
--- error_code eval
[403, 403]
--- response_headers_like eval
["X-Upload-Denial: code=AccessDenied, .*\nS3-Denial: ", "S3-Denial: \nX-Upload-Denial: "]



=== TEST 19: variables carry the diagnosis for logs
--- config
    location /t {
        s3_unmask on;
        add_header X-Vars "$s3_unmask_code|$s3_unmask_service|$s3_unmask_layer|$s3_unmask_source|$s3_unmask_upstream_status|$s3_unmask_request_id|$s3_unmask_action" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type text/plain;
        return 500 'An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::corp-app-uploads/a.txt" with an explicit deny in a resource-based policy';
    }
--- request
GET /t
--- error_code: 403
--- response_headers
X-Vars: AccessDenied|s3|resource-policy|message|500||s3:PutObject



=== TEST 20: variables are empty when nothing was found
--- config
    location /t {
        s3_unmask on;
        add_header X-Vars "[$s3_unmask_code|$s3_unmask_layer|$s3_unmask_upstream_status]" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        return 500 "plain failure\n";
    }
--- request
GET /t
--- error_code: 500
--- response_headers
X-Vars: [||]
