# What the client is told of an evaluated denial: s3_unmask_expose none,
# layer (the default) and full, in the header and in a problem body.  At
# "layer" no account id and no ARN may reach the client, however much the
# message and the evaluator know.

use Test::Nginx::Socket 'no_plan';
use FindBin ();
use File::Spec ();

$ENV{TEST_NGINX_S3U_ROOT} ||= $ENV{S3U_ROOT}
    || File::Spec->rel2abs(File::Spec->catdir($FindBin::Bin, File::Spec->updir));

repeat_each(1);
no_shuffle();

our $SEED = '{"message":"Access Denied","code":"AccessDenied","region":null,'
          . '"time":"2026-11-27T09:14:07.512Z","requestId":"4Y5GQ1WJ8W1XJ0J5",'
          . '"extendedRequestId":"h4Sm9y1bXq0rVt7pD2eK5nQ8uW3zL6cJ0aF9gH1iY4oE7bN2xM5vR8tS3wU6kP9qZ0lA=",'
          . '"statusCode":403,"retryable":false,"retryDelay":42.7}';

# AWS's detailed message: it names the caller, the bucket and the layer
our $DETAILED = 'botocore.exceptions.ClientError: An error occurred (AccessDenied) '
    . 'when calling the PutObject operation: User: arn:aws:sts::111122223333:'
    . 'assumed-role/lambda-exec-role/upload-fn is not authorized to perform: '
    . 's3:PutObject on resource: "arn:aws:s3:::my-bucket/file.txt" with an '
    . 'explicit deny in a service control policy';

# no 12-digit account id, no ARN anywhere
our $LEAK = qr/\d{12}|arn:/i;

# the seed gateway at expose level $expose (undef: the default), with the
# lines $extra, in front of a backend answering $body with a 500
# (a prefix location and $uri, not a regex: see t/040-policies.t)
sub seed_config {
    my ($expose, $extra, $body) = @_;
    my $level = defined $expose ? "s3_unmask_expose $expose;" : '';
    $extra //= '';
    $body  //= $::SEED;
    return <<"EOT";
    location /object/ {
        s3_unmask            on;
        $level
        s3_unmask_policies   \$TEST_NGINX_S3U_ROOT/policies/seed-incident/broken;
        s3_unmask_principal  arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn;
        s3_unmask_resource   arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads\$uri;
        $extra
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend/;
    }
    location /backend/ {
        default_type application/json;
        return 500 '$body';
    }
EOT
}

run_tests();

__DATA__

=== TEST 1: layer (the default): code, layer, source, decision, ids; nothing that names an account
--- config eval
::seed_config(undef)
--- request
PUT /object/file.txt
hello
--- error_code: 403
--- response_headers
S3-Denial: code=AccessDenied, service=s3, layer=access-point-policy, source=evaluator, decision=implicit-deny, upstream-status=500, request-id="4Y5GQ1WJ8W1XJ0J5"
!S3-Denial-Token
--- raw_response_headers_unlike eval
$::LEAK
--- response_body eval
$::SEED



=== TEST 2: layer, said explicitly, with a message that names the caller and the bucket
--- config eval
::seed_config('layer', '', $::DETAILED)
--- request
PUT /object/file.txt
hello
--- error_code: 403
--- response_headers
S3-Denial: code=AccessDenied, service=s3, layer=scp, source=message, decision=explicit-deny, upstream-status=500
--- raw_response_headers_unlike eval
$::LEAK



=== TEST 3: layer with a problem body: the body leaks nothing either
--- config eval
::seed_config('layer', 's3_unmask_body problem;')
--- request
PUT /object/file.txt
hello
--- error_code: 403
--- response_headers
Content-Type: application/problem+json
--- raw_response_headers_unlike eval
$::LEAK
--- response_body_like eval
qr/^\{"type":"urn:s3-unmask:denial",.*"layer":"access-point-policy","source":"evaluator","decision":"implicit-deny",.*"request_id":"4Y5GQ1WJ8W1XJ0J5".*\}$/
--- response_body_unlike eval
$::LEAK



=== TEST 4: the variables still know everything at layer, for the operator's log
--- config eval
::seed_config('layer', 'add_header X-Principal "$s3_unmask_principal" always; add_header X-Host-Id "$s3_unmask_host_id" always;')
--- request
PUT /object/file.txt
hello
--- error_code: 403
--- response_headers
X-Principal: arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn
X-Host-Id: h4Sm9y1bXq0rVt7pD2eK5nQ8uW3zL6cJ0aF9gH1iY4oE7bN2xM5vR8tS3wU6kP9qZ0lA=



=== TEST 5: none: no header, but the status is restored and the variables are set
--- config eval
::seed_config('none', 'add_header X-Layer "$s3_unmask_layer" always;')
--- request
PUT /object/file.txt
hello
--- error_code: 403
--- response_headers
!S3-Denial
X-Layer: access-point-policy
--- response_body eval
$::SEED



=== TEST 6: none with a problem body: the body carries no diagnosis
--- config eval
::seed_config('none', 's3_unmask_body problem;')
--- request
PUT /object/file.txt
hello
--- error_code: 403
--- response_headers
!S3-Denial
--- response_body_unlike chomp
access-point-policy|evaluator|implicit-deny



=== TEST 7: full: host id, principal, action, resource and the evaluator's reason
--- config eval
::seed_config('full')
--- request
PUT /object/in/a.csv
hello
--- error_code: 403
--- response_headers
S3-Denial: code=AccessDenied, service=s3, layer=access-point-policy, source=evaluator, decision=implicit-deny, upstream-status=500, request-id="4Y5GQ1WJ8W1XJ0J5", host-id="h4Sm9y1bXq0rVt7pD2eK5nQ8uW3zL6cJ0aF9gH1iY4oE7bN2xM5vR8tS3wU6kP9qZ0lA=", principal="arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn", action="s3:PutObject", resource="arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/in/a.csv", reason="the access point policy does not allow arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn to perform s3:PutObject on arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/in/a.csv"



=== TEST 8: full with an explicit deny: the statement (file, line, column, Sid)
--- config
    location /put/ {
        s3_unmask            on;
        s3_unmask_expose     full;
        s3_unmask_policies   $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/acl-required;
        s3_unmask_principal  arn:aws:sts::111122223333:assumed-role/upload-role/s1;
        s3_unmask_resource   arn:aws:s3:::acl-bucket$uri;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>ACL1</RequestId></Error>';
    }
--- request
PUT /put/a.txt
hello
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, service=s3, layer=bucket-policy, source=evaluator, decision=explicit-deny, upstream-status=500, request-id="ACL1", principal="arn:aws:sts::111122223333:assumed-role/upload-role/s1", action="s3:PutObject", resource="arn:aws:s3:::acl-bucket/put/a\.txt", statement="[^"]*/t/fixtures/gateway/acl-required/bucket-policy\.json:4 RequireOwnerFullControl", reason="explicit deny in bucket-policy: statement RequireOwnerFullControl [^"]*"



=== TEST 9: the same at layer: the decision and layer, not the statement
--- config
    location /put/ {
        s3_unmask            on;
        s3_unmask_policies   $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/acl-required;
        s3_unmask_principal  arn:aws:sts::111122223333:assumed-role/upload-role/s1;
        s3_unmask_resource   arn:aws:s3:::acl-bucket$uri;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>ACL1</RequestId></Error>';
    }
--- request
PUT /put/a.txt
hello
--- error_code: 403
--- response_headers
S3-Denial: code=AccessDenied, service=s3, layer=bucket-policy, source=evaluator, decision=explicit-deny, upstream-status=500, request-id="ACL1"
--- raw_response_headers_unlike chomp
RequireOwnerFullControl|statement=|acl-bucket|\d{12}|arn:



=== TEST 10: drift at layer says only unknown; full gives the reason
--- config
    location /layer/ {
        s3_unmask            on;
        s3_unmask_policies   $TEST_NGINX_S3U_ROOT/policies/seed-incident/fixed;
        s3_unmask_principal  arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn;
        s3_unmask_resource   arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/file.txt;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /full/ {
        s3_unmask            on;
        s3_unmask_expose     full;
        s3_unmask_policies   $TEST_NGINX_S3U_ROOT/policies/seed-incident/fixed;
        s3_unmask_principal  arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn;
        s3_unmask_resource   arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/file.txt;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>DRIFT1</RequestId></Error>';
    }
--- request eval
["PUT /layer/x\nhello", "PUT /full/x\nhello"]
--- error_code eval
[403, 403]
--- response_headers_like eval
['S3-Denial: code=AccessDenied, service=s3, layer=unknown, source=evaluator, upstream-status=500, request-id="DRIFT1"',
 'S3-Denial: code=AccessDenied, service=s3, layer=unknown, source=evaluator, upstream-status=500, request-id="DRIFT1", principal="arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn", action="s3:PutObject", resource="[^"]+", reason="drift: the policy set on file allows this request, so the deployed policies differ from it"']



=== TEST 11: the level is inherited, and an inner block can lower it
--- config
    s3_unmask_expose full;
    location /outer/ {
        s3_unmask on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /inner/ {
        s3_unmask on;
        s3_unmask_expose layer;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>User: arn:aws:sts::111122223333:assumed-role/r/s is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::b/k" because no identity-based policy allows the s3:PutObject action</Message><RequestId>INH1</RequestId></Error>';
    }
--- request eval
["PUT /outer/x\nhello", "PUT /inner/x\nhello"]
--- error_code eval
[403, 403]
--- response_headers_like eval
['S3-Denial: .*, layer=identity, .*principal="arn:aws:sts::111122223333:assumed-role/r/s".*',
 'S3-Denial: code=AccessDenied, service=s3, layer=identity, source=message, decision=implicit-deny, upstream-status=500, request-id="INH1"']



=== TEST 12: s3_unmask_header off sends no header even at full
--- config eval
::seed_config('full', 's3_unmask_header off; add_header X-Layer "$s3_unmask_layer" always;')
--- request
PUT /object/file.txt
hello
--- error_code: 403
--- response_headers
!S3-Denial
X-Layer: access-point-policy
--- raw_response_headers_unlike eval
$::LEAK



=== TEST 13: a header of another name carries the same diagnosis
--- config eval
::seed_config(undef, 's3_unmask_header X-Why-Denied;')
--- request
PUT /object/file.txt
hello
--- error_code: 403
--- response_headers
!S3-Denial
X-Why-Denied: code=AccessDenied, service=s3, layer=access-point-policy, source=evaluator, decision=implicit-deny, upstream-status=500, request-id="4Y5GQ1WJ8W1XJ0J5"
