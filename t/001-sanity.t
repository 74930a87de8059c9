# The module loads, passes what it does not rewrite through unchanged, and
# refuses bad arguments at configuration time.

use Test::Nginx::Socket 'no_plan';

repeat_each(2);
no_shuffle();
run_tests();

__DATA__

=== TEST 1: the module loads and a 200 passes through unchanged
--- config
    location /t {
        s3_unmask on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        add_header X-Backend yes;
        return 200 "hello from the backend\n";
    }
--- request
GET /t
--- response_headers
X-Backend: yes
!S3-Denial
--- response_body
hello from the backend
--- no_error_log
[error]



=== TEST 2: a proxied 500 that is not an S3 error passes through unchanged
--- config
    location /t {
        s3_unmask on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        add_header X-Backend yes always;
        default_type application/json;
        return 500 '{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined"}';
    }
--- request
GET /t
--- error_code: 500
--- response_headers
X-Backend: yes
Content-Type: application/json
Content-Length: 78
!S3-Denial
--- response_body chomp
{"errorType":"TypeError","errorMessage":"Cannot read properties of undefined"}
--- no_error_log
[error]



=== TEST 3: s3_unmask off leaves a masked denial alone
--- config
    location /t {
        s3_unmask off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
    }
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body chomp
<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>



=== TEST 4: a bad argument to s3_unmask is refused at start
--- config
    location /t {
        s3_unmask maybe;
        return 200;
    }
--- must_die
--- error_log
invalid value "maybe" in "s3_unmask" directive, it must be "on" or "off"



=== TEST 5: s3_unmask takes exactly one argument
--- config
    location /t {
        s3_unmask on off;
        return 200;
    }
--- must_die
--- error_log
invalid number of arguments in "s3_unmask" directive
