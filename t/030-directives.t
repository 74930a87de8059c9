# Every directive refuses bad arguments at configuration time with a clear
# [emerg] line, and accepts the documented forms.

use Test::Nginx::Socket;

repeat_each(1);
plan tests => blocks() * 2;
no_shuffle();
run_tests();

__DATA__

=== TEST 1: s3_unmask_status outside 400-599
--- config
    location /t { s3_unmask on; s3_unmask_status 500 200; return 200; }
--- must_die
--- error_log
invalid status "200" in "s3_unmask_status": must be between 400 and 599



=== TEST 2: s3_unmask_status not a number
--- config
    location /t { s3_unmask_status 5xx; return 200; }
--- must_die
--- error_log
invalid status "5xx" in "s3_unmask_status"



=== TEST 3: s3_unmask_status twice in one block
--- config
    location /t { s3_unmask_status 500; s3_unmask_status 502; return 200; }
--- must_die
--- error_log
"s3_unmask_status" directive is duplicate



=== TEST 4: s3_unmask_codes with a code S3 does not have
--- config
    location /t { s3_unmask_codes SignatureDoesNotMatch NoSuchThing; return 200; }
--- must_die
--- error_log
unknown S3 error code "NoSuchThing" in "s3_unmask_codes"



=== TEST 5: s3_unmask_buffer too small
--- config
    location /t { s3_unmask_buffer 10; return 200; }
--- must_die
--- error_log
"s3_unmask_buffer" directive must be between 256 and 16m



=== TEST 6: s3_unmask_buffer too large
--- config
    location /t { s3_unmask_buffer 64m; return 200; }
--- must_die
--- error_log
"s3_unmask_buffer" directive must be between 256 and 16m



=== TEST 7: s3_unmask_buffer not a size
--- config
    location /t { s3_unmask_buffer lots; return 200; }
--- must_die
--- error_log
"s3_unmask_buffer" directive invalid value



=== TEST 8: s3_unmask_header with a character that is not allowed in a name
--- config
    location /t { s3_unmask_header "S3 Denial"; return 200; }
--- must_die
--- error_log
invalid header name "S3 Denial" in "s3_unmask_header"



=== TEST 9: s3_unmask_expose with an unknown level
--- config
    location /t { s3_unmask_expose everything; return 200; }
--- must_die
--- error_log
invalid value "everything" in "s3_unmask_expose": must be "none", "layer" or "full"



=== TEST 10: s3_unmask_body with an unknown mode
--- config
    location /t { s3_unmask_body html; return 200; }
--- must_die
--- error_log
invalid value "html" in "s3_unmask_body": must be "keep" or "problem"



=== TEST 11: s3_unmask in a context it does not belong to
--- main_config
    s3_unmask on;
--- config
    location /t { return 200; }
--- must_die
--- error_log
"s3_unmask" directive is not allowed here



=== TEST 12: every directive in its documented form, merged from http to location
--- http_config
    s3_unmask on;
    s3_unmask_status 500 502 503 504 403;
    s3_unmask_codes SignatureDoesNotMatch InvalidAccessKeyId;
    s3_unmask_buffer 64k;
    s3_unmask_header S3-Denial;
    s3_unmask_expose layer;
    s3_unmask_body keep;
--- config
    location /t {
        s3_unmask_expose full;
        return 200 "configured\n";
    }
--- request
GET /t
--- response_body
configured
