# s3_unmask_token_key: which responses carry S3-Denial-Token, in what
# form, and nginx -t for key files that are missing or malformed.  Opening
# the token with s3-unmask decode is t/045-token-decode.t.

use Test::Nginx::Socket 'no_plan';
use FindBin ();
use File::Spec ();
use Digest::SHA ();

$ENV{TEST_NGINX_S3U_ROOT} ||= $ENV{S3U_ROOT}
    || File::Spec->rel2abs(File::Spec->catdir($FindBin::Bin, File::Spec->updir));

repeat_each(1);
no_shuffle();

# the key id of the fixture key, derived as the README says: the first 6
# bytes of SHA-256("s3-unmask token key id v1" || 0x00 || key)
sub key_id {
    my $file = shift;
    open(my $fh, '<', $file) or die "cannot read $file: $!";
    my $hex = do { local $/; <$fh> };
    close $fh;
    $hex =~ s/\s+//g;
    return substr(Digest::SHA::sha256_hex("s3-unmask token key id v1\0"
                                          . pack('H*', $hex)), 0, 12);
}

our $KID = key_id("$ENV{TEST_NGINX_S3U_ROOT}/t/fixtures/gateway/keys/gateway.key");

our $DENIAL = '<Error><Code>AccessDenied</Code><Message>Access Denied</Message>'
            . '<RequestId>TOK1</RequestId></Error>';

run_tests();

__DATA__

=== TEST 1: a rewritten denial carries the token, sealed with the configured key
--- config
    location /t {
        s3_unmask on;
        s3_unmask_token_key $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/keys/gateway.key;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>TOK1</RequestId></Error>';
    }
--- request
PUT /t
hello
--- error_code: 403
--- response_headers_like eval
"S3-Denial: code=AccessDenied, .*request-id=\"TOK1\"
S3-Denial-Token: v1\\.$::KID\\.[A-Za-z0-9_-]{60,}"
--- response_body eval
$::DENIAL
--- no_error_log
[error]



=== TEST 2: the key is inherited from http and read once, at configuration time
--- http_config
    s3_unmask_token_key $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/keys/gateway.key;
--- config
    location /t {
        s3_unmask on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /off {
        s3_unmask on;
        s3_unmask_token_key off;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>TOK1</RequestId></Error>';
    }
--- request eval
["PUT /t\nhello", "PUT /off\nhello"]
--- error_code eval
[403, 403]
--- raw_response_headers_like eval
["\r\nS3-Denial-Token: v1\\.$::KID\\.", "\r\nS3-Denial: code=AccessDenied"]
--- raw_response_headers_unlike eval
["S3-Denial-Token: (?!v1\\.$::KID\\.)", "S3-Denial-Token"]



=== TEST 3: the token is there at expose none too: the operator's channel, not the client's
--- config
    location /t {
        s3_unmask on;
        s3_unmask_expose none;
        s3_unmask_token_key $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/keys/gateway.key;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>TOK1</RequestId></Error>';
    }
--- request
PUT /t
hello
--- error_code: 403
--- response_headers_like eval
"S3-Denial-Token: v1\\.$::KID\\.[A-Za-z0-9_-]+"
--- raw_response_headers_unlike chomp
\r\nS3-Denial:



=== TEST 4: no token when nothing was rewritten: success, a plain 500, an S3 error that keeps its status
--- config
    location /t {
        s3_unmask on;
        s3_unmask_token_key $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/keys/gateway.key;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location = /backend/ok {
        return 200 "fine\n";
    }
    location = /backend/plain {
        return 500 "upstream exploded\n";
    }
    location = /backend/nokey {
        default_type application/xml;
        return 500 '<Error><Code>NoSuchKey</Code><Message>The specified key does not exist.</Message></Error>';
    }
--- request eval
["GET /t/ok", "GET /t/plain", "GET /t/nokey"]
--- error_code eval
[200, 500, 500]
--- response_headers eval
["!S3-Denial-Token", "!S3-Denial-Token", "!S3-Denial-Token"]



=== TEST 5: a token the upstream sent is replaced by ours, never passed on next to it
--- config
    location /t {
        s3_unmask on;
        s3_unmask_token_key $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/keys/gateway.key;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        add_header S3-Denial-Token v1.000000000000.forged always;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>TOK1</RequestId></Error>';
    }
--- request
PUT /t
hello
--- error_code: 403
--- response_headers_like eval
"S3-Denial-Token: v1\\.$::KID\\.[A-Za-z0-9_-]+"
--- raw_response_headers_unlike chomp
forged



=== TEST 6: nginx -t: the key file does not exist
--- config
    location /t {
        s3_unmask on;
        s3_unmask_token_key $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/keys/no-such.key;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*s3_unmask_token_key: cannot open key file "\S+/t/fixtures/gateway/keys/no-such\.key": No such file or directory}



=== TEST 7: nginx -t: the key file holds 31 bytes in hex
--- config
    location /t {
        s3_unmask on;
        s3_unmask_token_key $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/keys/short.key;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*s3_unmask_token_key: key file "\S+/t/fixtures/gateway/keys/short\.key": key is 63 bytes long; expected 32 raw bytes, 64 hex characters or base64 of 32 bytes}



=== TEST 8: nginx -t: an all-zero key is refused
--- config
    location /t {
        s3_unmask on;
        s3_unmask_token_key $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/keys/zero.key;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*s3_unmask_token_key: key file "\S+/t/fixtures/gateway/keys/zero\.key": key is all zero bytes}



=== TEST 9: nginx -t: the key path is a folder
--- config
    location /t {
        s3_unmask on;
        s3_unmask_token_key $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/keys;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*s3_unmask_token_key: cannot read key file "\S+/t/fixtures/gateway/keys": Is a directory}



=== TEST 10: s3_unmask_token_key twice in one block
--- config
    location /t {
        s3_unmask_token_key $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/keys/gateway.key;
        s3_unmask_token_key $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/keys/other.key;
    }
--- must_die
--- error_log
"s3_unmask_token_key" directive is duplicate
