# Faults an upstream in the same nginx can produce: bodies at, one under
# and one over s3_unmask_buffer (with a Content-Length and chunked), empty
# bodies, invalid UTF-8, NUL bytes, JSON and XML nested 100,000 deep, a
# 10 MB single-line JSON, a body trickling in one byte at a time, and
# header-injection payloads in every field the detectors extract.
#
# Each block asks for no crash (the runner fails a block whose nginx
# died), a complete response, and where the response passes through, the
# very bytes the upstream sent.  Faults that need a misbehaving TCP peer
# (a close mid-body, more bytes than Content-Length) are in
# t/051-raw-upstream.t.

use Test::Nginx::Socket 'no_plan';
use FindBin ();

repeat_each(1);
no_shuffle();
no_long_string();

our $XML = '<Error><Code>AccessDenied</Code><Message>Access Denied</Message>'
         . '<RequestId>4Y5GQ1WJ8W1XJ0J5</RequestId></Error>';

# the denial padded with spaces before </Error> to exactly $n bytes
sub padded {
    my $n = shift;
    my $pad = $n - length($XML);
    die "too short" if $pad < 0;
    (my $b = $XML) =~ s{</Error>}{' ' x $pad . '</Error>'}e;
    return $b;
}

our $UNDER = padded(511);
our $AT    = padded(512);
our $OVER  = padded(513);

# $body as the text of a single-quoted nginx string: nginx reads \\ and
# \' there as escapes (and $ as a variable: no body here holds one)
sub lit {
    my $body = shift;
    die "a body with \$ needs the geo \$dollar trick" if $body =~ /\$/;
    $body =~ s/\\/\\\\/g;
    $body =~ s/'/\\'/g;
    return $body;
}

# /t in front of /backend, with a buffer of $buffer (512) and $extra
# directives; /backend does $answer
sub front {
    my ($answer, $extra, $buffer) = @_;
    $extra //= '';
    $buffer //= 512;
    my $type = $answer =~ /default_type/ ? '' : 'default_type application/xml;';
    return <<"EOT";
    location /t {
        s3_unmask on;
        s3_unmask_buffer $buffer;
        $extra
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        $type
        $answer
    }
EOT
}

# an answer of echo directives sending $body in pieces cut at @cuts
sub chunked {
    my ($status, $body, @cuts) = @_;
    my ($out, $from) = ("echo_status $status;", 0);
    for my $to (@cuts, length $body) {
        $out .= " echo -n '" . lit(substr($body, $from, $to - $from)) . "'; echo_flush;";
        $from = $to;
    }
    return $out;
}

# /t in front of a backend serving the user file files/$name with $status
sub file_front {
    my ($name, $status, $type, $extra) = @_;
    my $html = html_dir();
    $extra //= '';
    return <<"EOT";
    location /t {
        s3_unmask on;
        s3_unmask_buffer 1m;
        $extra
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        error_page 418 =$status /files/$name;
        return 418;
    }
    location /files/ {
        internal;
        default_type $type;
        root $html;
    }
EOT
}

# bodies with bytes that are not UTF-8: a lone continuation byte, a
# truncated sequence, an overlong '/', a surrogate, 0xFF
our $BAD_UTF8 = "\x80 \xe2\x82 \xc0\xaf \xed\xa0\x80 \xff";
our $XML_BAD_UTF8 = "<Error><Code>AccessDenied</Code><Message>Access $BAD_UTF8 Denied</Message>"
                  . "<RequestId>RID$BAD_UTF8</RequestId><HostId>HID$BAD_UTF8</HostId></Error>";
our $JSON_BAD_UTF8 = qq({"message":"Access Denied $BAD_UTF8","code":"AccessDenied",)
                   . qq("requestId":"RID$BAD_UTF8","statusCode":403,"retryable":false});
our $JSON_BAD_IDS = qq({"message":"Access Denied","code":"AccessDenied",)
                  . qq("requestId":"RID$BAD_UTF8","extendedRequestId":"HID$BAD_UTF8",)
                  . qq("statusCode":403,"retryable":false});
our $PLAIN_BAD_UTF8 = "internal error $BAD_UTF8 \xfe\xfe";

# NUL bytes inside and before a denial
our $XML_NUL = "<Error><Code>AccessDenied</Code><Message>Access\0Denied</Message>"
             . "<RequestId>RID\0\0X</RequestId></Error>";
our $NUL_FIRST = "\0\0\0" . $XML;

# nested 100,000 deep: closed, and never closed
our $DEPTH = 100_000;
our $DEEP_XML = '<Error><Code>AccessDenied</Code><Message>Access Denied</Message>'
              . ('<a>' x $DEPTH) . ('</a>' x $DEPTH) . '</Error>';
our $DEEP_JSON = '{"code":"AccessDenied","message":"Access Denied","x":'
               . ('[' x $DEPTH) . (']' x $DEPTH) . '}';
our $OPEN_XML = '<Error>' . ('<Code>' x $DEPTH);
our $OPEN_JSON = '{"code":"AccessDenied","x":' . ('{"a":' x $DEPTH);

# 10 MB on one line
our $BIG = 10 * 1024 * 1024;
our $BIG_JSON = '{"message":"Access Denied","code":"AccessDenied","requestId":"BIG1","pad":"'
              . ('x' x $BIG) . '"}';

# one RFC 8941 dictionary member: key=token, key="string" or key=integer;
# the whole header must be a list of them, with nothing else in between
our $SF_MEMBER = q{[a-z*][a-z0-9_.*-]*=(?:[A-Za-z*][!#$%&'*+.^_`|~0-9A-Za-z:/-]*|"(?:[\x20\x21\x23-\x5b\x5d-\x7e]|\\\\["\\\\])*"|-?[0-9]{1,15})};
our $SF_DICT = "$SF_MEMBER(?:, $SF_MEMBER)*";

# every variable of the module in one header, for the injection blocks
our $ALL_VARS = join '|', map { "\$s3_unmask_$_" }
    qw(code service layer source decision upstream_status request_id host_id
       principal action resource statement reason);

# header-injection payloads in every field the detectors extract: CR LF
# (as each format escapes them), a NUL, quotes, backslashes, commas,
# semicolons and a forged "layer=" member.  The principal cannot hold a
# space (the message form ends it there), so it gets no CR LF; the
# resource is quoted in AWS's message, so it can.
our $INJ_XML = '<Error><Code>AccessDenied</Code>'
    . '<Message>User: arn:aws:sts::111122223333:assumed-role/r/s",layer=forged\\ '
    . 'is not authorized to perform: s3:PutObject on resource: '
    . '"arn:aws:s3:::bucket/k&#13;&#10;Injected-R: 1\\"," because no resource-based policy '
    . 'allows the s3:PutObject action&#13;&#10;Injected-M: 1</Message>'
    . '<RequestId>R&#13;&#10;Injected-I: 1"; a=b, c</RequestId>'
    . '<HostId>H&#x0d;&#x0a;Injected-H: 1 \\" , layer=forged</HostId></Error>';
our $INJ_JSON = '{"message":"User: arn:aws:sts::111122223333:assumed-role/r/s\\",layer=forged\\\\ '
    . 'is not authorized to perform: s3:PutObject on resource: '
    . '\\"arn:aws:s3:::bucket/k\r\nInjected-R: 1\\\\\\",\\" because no identity-based policy '
    . 'allows the s3:PutObject action\u000d\u000aInjected-M: 1","code":"AccessDenied",'
    . '"requestId":"R\r\nInjected-I: 1\u0000\\"; a=b","extendedRequestId":"H\r\nInjected-H: 1",'
    . '"statusCode":403,"retryable":false}';
# a NUL character reference is no XML: the text reader finds the message
our $INJ_TEXT = '<Error><Code>AccessDenied</Code>'
    . '<Message>User: arn:aws:sts::111122223333:assumed-role/r/s&#13;&#10;Injected-P: 1 '
    . 'is not authorized to perform: s3:PutObject&#10;Injected-A: 1 on resource: '
    . '"arn:aws:s3:::bucket/k&#13;&#10;Injected-R: 1" because no resource-based policy '
    . 'allows the s3:PutObject action&#13;&#10;Injected-M: 1</Message>'
    . '<RequestId>R&#0;&#13;&#10;Injected-I: 1</RequestId></Error>';

# S3-Denial with each extracted field present, and nothing but valid members
our $SF_ALL_FIELDS = '(?=.*\bprincipal=")(?=.*\bresource=")(?=.*\brequest-id=")'
                   . '(?=.*\bhost-id=")(?=.*\baction=)' . $SF_DICT;

our $INJ_CODE = '<Error><Code>AccessDenied&#13;&#10;Injected-C: 1</Code>'
    . '<Message>Access Denied</Message></Error>';

our $KEY = "$FindBin::Bin/fixtures/gateway/keys/gateway.key";

# a response header line that an injection would have made
our $INJECTED = qr/\r\n\s*Injected-/i;

run_tests();

__DATA__

=== TEST 1: one byte under the limit, with a Content-Length: inspected and kept byte for byte
--- config eval
::front("return 500 '" . ::lit($::UNDER) . "';")
--- request
GET /t
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*
Content-Length: 511
--- response_body eval
$::UNDER



=== TEST 2: exactly at the limit, with a Content-Length
--- config eval
::front("return 500 '" . ::lit($::AT) . "';")
--- request
GET /t
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*
Content-Length: 512
--- response_body eval
$::AT



=== TEST 3: one byte over, with a Content-Length: never held, byte for byte
--- config eval
::front("return 500 '" . ::lit($::OVER) . "';")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
Content-Length: 513
--- response_body eval
$::OVER
--- log_level: info
--- error_log
body of 513 bytes is over the 512-byte s3_unmask_buffer



=== TEST 4: one byte under, chunked in three pieces
--- config eval
::front(::chunked(500, $::UNDER, 100, 400))
--- request
GET /t
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*
--- response_body eval
$::UNDER



=== TEST 5: exactly at the limit, chunked, the last piece filling it to the byte
--- config eval
::front(::chunked(500, $::AT, 256, 511))
--- request
GET /t
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*
--- response_body eval
$::AT



=== TEST 6: one byte over, chunked: 512 bytes held, then one more: all 513 pass through
--- config eval
::front(::chunked(500, $::OVER, 512))
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body eval
$::OVER
--- log_level: info
--- error_log
body is over the 512-byte s3_unmask_buffer



=== TEST 7: an empty 500 with Content-Length 0 passes through
--- user_files eval
[["files/empty", ""]]
--- config eval
::file_front("empty", 500, "application/xml")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
Content-Length: 0
--- response_body eval
""



=== TEST 8: an empty chunked 500 is held and released empty
--- config eval
::front("echo_status 500; echo -n '';")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body eval
""



=== TEST 9: an empty chunked 403 stays a bare 403
--- config eval
::front("echo_status 403; echo -n '';")
--- request
GET /t
--- error_code: 403
--- response_headers
!S3-Denial
--- response_body eval
""



=== TEST 10: an empty Lambda function error (200 with X-Amz-Function-Error) stays a 200
--- config eval
::front("add_header X-Amz-Function-Error Unhandled; echo -n '';")
--- request
GET /t
--- error_code: 200
--- response_headers
!S3-Denial
X-Amz-Function-Error: Unhandled
--- response_body eval
""



=== TEST 11: invalid UTF-8 in every field of an XML denial: 403, body kept, header plain ASCII
--- config eval
::front("return 500 '" . ::lit($::XML_BAD_UTF8) . "';", "s3_unmask_expose full;", "16k")
--- request
GET /t
--- error_code: 403
--- response_headers_like eval
"S3-Denial: $::SF_DICT"
--- raw_response_headers_unlike eval
qr/^S3-Denial:[^\r\n]*[^\x20-\x7e\r\n]/mi
--- response_body eval
$::XML_BAD_UTF8



=== TEST 12: invalid UTF-8 in the message of a JSON denial (Node SDK form): not AWS's wording, passes through
--- config eval
::front("default_type application/json; return 500 '" . ::lit($::JSON_BAD_UTF8) . "';",
        "s3_unmask_expose full;", "16k")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body eval
$::JSON_BAD_UTF8



=== TEST 13: invalid UTF-8 in the ids of a JSON denial: 403, body kept, header plain ASCII
--- config eval
::front("default_type application/json; return 500 '" . ::lit($::JSON_BAD_IDS) . "';",
        "s3_unmask_expose full;", "16k")
--- request
GET /t
--- error_code: 403
--- response_headers_like eval
"S3-Denial: $::SF_DICT"
--- raw_response_headers_unlike eval
qr/^S3-Denial:[^\r\n]*[^\x20-\x7e\r\n]/mi
--- response_body eval
$::JSON_BAD_IDS



=== TEST 14: invalid UTF-8 in a plain 500: passes through byte for byte
--- config eval
::front("default_type text/plain; return 500 '" . ::lit($::PLAIN_BAD_UTF8) . "';")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body eval
$::PLAIN_BAD_UTF8



=== TEST 15: NUL bytes inside an XML denial make it no XML: passes through byte for byte
--- user_files eval
[["files/nul.xml", $::XML_NUL]]
--- config eval
::file_front("nul.xml", 500, "application/xml",
             "s3_unmask_expose full; add_header X-Vars \"[$::ALL_VARS]\" always;")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
X-Vars: [||||||||||||]
--- response_body eval
$::XML_NUL
--- log_level: info
--- error_log
s3_unmask: passed through



=== TEST 16: NUL bytes before a denial: the document inside is found, the body kept, no NUL in a header
--- user_files eval
[["files/nul-first.xml", $::NUL_FIRST]]
--- config eval
::file_front("nul-first.xml", 500, "application/xml",
             "s3_unmask_expose full; add_header X-Vars \"$::ALL_VARS\" always;")
--- request
GET /t
--- error_code: 403
--- response_headers_like eval
"S3-Denial: $::SF_DICT\nX-Vars: AccessDenied\\|s3\\|unknown\\|none\\|\\|500\\|4Y5GQ1WJ8W1XJ0J5\\|.*"
--- raw_response_headers_unlike eval
qr/\x00/
--- response_body eval
$::NUL_FIRST



=== TEST 17: XML nested 100,000 deep inside a denial (Content-Length): no crash, bytes kept
--- user_files eval
[["files/deep.xml", $::DEEP_XML]]
--- config eval
::file_front("deep.xml", 500, "application/xml")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body eval
$::DEEP_XML
--- log_level: info
--- error_log
s3_unmask: passed through



=== TEST 18: JSON nested 100,000 deep inside a denial (Content-Length): no crash, bytes kept
--- user_files eval
[["files/deep.json", $::DEEP_JSON]]
--- config eval
::file_front("deep.json", 500, "application/json")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body eval
$::DEEP_JSON
--- log_level: info
--- error_log
s3_unmask: passed through



=== TEST 19: XML opened 100,000 deep and never closed, chunked
--- config eval
::front("echo_status 500; echo -n '<Error>'; echo_flush; echo_duplicate $::DEPTH '<Code>';",
        "", "1m")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body eval
$::OPEN_XML



=== TEST 20: JSON opened 100,000 deep and never closed, chunked
--- config eval
::front("default_type application/json; echo_status 500;"
        . " echo -n '{\"code\":\"AccessDenied\",\"x\":'; echo_flush;"
        . " echo_duplicate $::DEPTH '{\"a\":';",
        "", "1m")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body eval
$::OPEN_JSON



=== TEST 21: a 10 MB single-line JSON denial over the default buffer: passes through byte for byte
--- config eval
::front("default_type application/json; echo_status 500;"
        . " echo -n '{\"message\":\"Access Denied\",\"code\":\"AccessDenied\",\"requestId\":\"BIG1\",\"pad\":\"';"
        . " echo_flush; echo_duplicate $::BIG 'x'; echo -n '\"}';",
        "", "16k")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body eval
$::BIG_JSON
--- timeout: 20



=== TEST 22: the same 10 MB line within a 16m buffer: read whole, judged, kept byte for byte
--- config eval
::front("default_type application/json; echo_status 500;"
        . " echo -n '{\"message\":\"Access Denied\",\"code\":\"AccessDenied\",\"requestId\":\"BIG1\",\"pad\":\"';"
        . " echo_flush; echo_duplicate $::BIG 'x'; echo -n '\"}';",
        "", "16m")
--- request
GET /t
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*request-id="BIG1".*
--- response_body eval
$::BIG_JSON
--- timeout: 20



=== TEST 23: a denial trickling in one byte at a time is collected and rewritten
--- config eval
::front("echo_status 500; "
        . CORE::join(' ', map { "echo -n '$_'; echo_flush; echo_sleep 0.002;" }
               split //, '<Error><Code>AccessDenied</Code><RequestId>BYTE1</RequestId></Error>'))
--- request
GET /t
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*request-id="BYTE1"
--- response_body chomp
<Error><Code>AccessDenied</Code><RequestId>BYTE1</RequestId></Error>
--- timeout: 10



=== TEST 24: injection payloads in every field of an XML denial: one valid S3-Denial, nothing injected
--- config eval
::front("return 500 '" . ::lit($::INJ_XML) . "';",
        "s3_unmask_expose full; add_header X-Vars \"$::ALL_VARS\" always;", "16k")
--- request
GET /t
--- error_code: 403
--- response_headers_like eval
"S3-Denial: $::SF_ALL_FIELDS"
--- raw_response_headers_unlike eval
$::INJECTED
--- response_body eval
$::INJ_XML



=== TEST 25: the same payloads through JSON escapes, with the sealed token and a problem body
--- config eval
::front("default_type application/json; return 500 '" . ::lit($::INJ_JSON) . "';",
        "s3_unmask_expose full; s3_unmask_body problem;"
        . " s3_unmask_token_key $::KEY;"
        . " add_header X-Vars \"$::ALL_VARS\" always;", "16k")
--- request
GET /t
--- error_code: 403
--- response_headers_like eval
"S3-Denial: $::SF_ALL_FIELDS\nS3-Denial-Token: [A-Za-z0-9_.:=+/-]+\nContent-Type: application/problem\\+json"
--- raw_response_headers_unlike eval
$::INJECTED
--- response_body_like: ^\{.*"status":\s*403.*\}$



=== TEST 26: a NUL reference spoils the XML; the message read as text carries the payloads: nothing injected
--- config eval
::front("return 500 '" . ::lit($::INJ_TEXT) . "';",
        "s3_unmask_expose full; add_header X-Vars \"$::ALL_VARS\" always;", "16k")
--- request
GET /t
--- error_code: 403
--- response_headers_like eval
"S3-Denial: (?=.*\\bprincipal=\")$::SF_DICT"
--- raw_response_headers_unlike eval
$::INJECTED
--- response_body eval
$::INJ_TEXT



=== TEST 27: an upstream x-amz-request-id with quotes and commas cannot add a member to S3-Denial
--- config eval
::front("add_header x-amz-request-id '\"q\", layer=forged; a=\\\\' always;"
        . " return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';",
        "s3_unmask_expose full;")
--- request
GET /t
--- error_code: 403
--- response_headers_like eval
"S3-Denial: (?!layer=forged)$::SF_MEMBER(?:, (?!layer=forged)$::SF_MEMBER)*"



=== TEST 28: an injection in the code itself: not a denial, passes through, nothing injected
--- config eval
::front("return 500 '" . ::lit($::INJ_CODE) . "';",
        "s3_unmask_expose full; add_header X-Vars \"[$::ALL_VARS]\" always;")
--- request
GET /t
--- error_code: 500
--- response_headers
!S3-Denial
--- raw_response_headers_unlike eval
$::INJECTED
--- response_body eval
$::INJ_CODE
