# Gateway diagnosis: s3_unmask_policies evaluates a denial whose message
# names no layer.  The seed incident (a Lambda's aws-sdk v2 error returned
# as a 500) against the policy sets of policies/seed-incident/, a layer
# named by AWS's message against the evaluator, drift, the request built
# from variables and context keys, and nginx -t failures.

use Test::Nginx::Socket 'no_plan';
use FindBin ();
use File::Spec ();

# the repository, for policy sets and fixtures in the configs
$ENV{TEST_NGINX_S3U_ROOT} ||= $ENV{S3U_ROOT}
    || File::Spec->rel2abs(File::Spec->catdir($FindBin::Bin, File::Spec->updir));

repeat_each(1);
no_shuffle();

# the body the upload Lambda of the write-up returned with its 500
our $SEED = '{"message":"Access Denied","code":"AccessDenied","region":null,'
          . '"time":"2026-11-27T09:14:07.512Z","requestId":"4Y5GQ1WJ8W1XJ0J5",'
          . '"extendedRequestId":"h4Sm9y1bXq0rVt7pD2eK5nQ8uW3zL6cJ0aF9gH1iY4oE7bN2xM5vR8tS3wU6kP9qZ0lA=",'
          . '"statusCode":403,"retryable":false,"retryDelay":42.7}';

# the seed gateway: the upload location of t/demo/nginx.conf in front of a
# backend answering $answer, evaluated against policy set $set.  The object
# key is the URI after /object/: a prefix location and $uri rather than a
# regex capture, because nginx 1.22 leaks a PCRE2 compile context per
# regex, which the valgrind run of the suite would report.
sub seed_config {
    my ($set, $extra, $answer) = @_;
    $extra  //= '';
    $answer //= "return 500 '$::SEED';";
    return <<"EOT";
    location /object/ {
        s3_unmask            on;
        s3_unmask_policies   \$TEST_NGINX_S3U_ROOT/policies/seed-incident/$set;
        s3_unmask_principal  arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn;
        s3_unmask_resource   arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads\$uri;
$extra
        add_header X-Layer "\$s3_unmask_layer" always;
        add_header X-Source "\$s3_unmask_source" always;
        add_header X-Decision "\$s3_unmask_decision" always;
        add_header X-Principal "\$s3_unmask_principal" always;
        add_header X-Action "\$s3_unmask_action" always;
        add_header X-Resource "\$s3_unmask_resource" always;
        add_header X-Reason "\$s3_unmask_reason" always;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend/;
    }
    location /backend/ {
        default_type application/json;
        $answer
    }
EOT
}

run_tests();

__DATA__

=== TEST 1: the seed incident: the 500 reaches the client as a 403 naming the access point policy
--- config eval
::seed_config('broken')
--- request
PUT /object/reports/q3.csv
hello
--- error_code: 403
--- response_headers
S3-Denial: code=AccessDenied, service=s3, layer=access-point-policy, source=evaluator, decision=implicit-deny, upstream-status=500, request-id="4Y5GQ1WJ8W1XJ0J5"
X-Layer: access-point-policy
X-Source: evaluator
X-Decision: ImplicitDeny
X-Principal: arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn
X-Action: s3:PutObject
X-Resource: arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/reports/q3.csv
--- raw_response_headers_like chomp
X-Reason: the access point policy does not allow arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn to perform s3:PutObject on arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/reports/q3\.csv\r\n
--- response_body eval
$::SEED
--- no_error_log
[error]
[warn]



=== TEST 2: the action follows the method: GET is s3:GetObject, which the role's own policy does not allow
--- config eval
::seed_config('broken')
--- request
GET /object/reports/q3.csv
--- error_code: 403
--- response_headers
X-Action: s3:GetObject
X-Layer: identity
X-Source: evaluator
--- no_error_log
[error]



=== TEST 3: the fixed policy set allows the request: drift, not a made-up layer
--- config eval
::seed_config('fixed')
--- request
PUT /object/file.txt
hello
--- error_code: 403
--- response_headers
S3-Denial: code=AccessDenied, service=s3, layer=unknown, source=evaluator, upstream-status=500, request-id="4Y5GQ1WJ8W1XJ0J5"
X-Layer: unknown
X-Source: evaluator
X-Decision:
X-Reason: drift: the policy set on file allows this request, so the deployed policies differ from it
--- error_log
s3_unmask: drift: the policy set allows arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn s3:PutObject on arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/file.txt, which AWS denied
--- no_error_log
[error]



=== TEST 4: the write-up's bucket policy with aws:SourceAccount denies at the bucket policy
--- config eval
::seed_config('sourceaccount')
--- request
PUT /object/file.txt
hello
--- error_code: 403
--- response_headers
X-Layer: bucket-policy
X-Source: evaluator
X-Decision: ImplicitDeny
--- raw_response_headers_like chomp
X-Reason: the bucket policy does not allow \S+ to perform s3:PutObject on arn:aws:s3:::my-bucket/file\.txt\r\n



=== TEST 5: a layer named by AWS's message wins over the evaluator
--- config eval
::seed_config('broken', '', "return 500 'botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/file.txt\" because no identity-based policy allows the s3:PutObject action';")
--- request
PUT /object/file.txt
hello
--- error_code: 403
--- response_headers
S3-Denial: code=AccessDenied, service=s3, layer=identity, source=message, decision=implicit-deny, upstream-status=500
X-Layer: identity
X-Source: message
X-Decision: ImplicitDeny
X-Reason:
--- no_error_log
[error]



=== TEST 6: the principal, action and resource named by the message win over the directives
--- config eval
::seed_config('fixed', '', "return 500 'botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the GetObject operation: User: arn:aws:sts::111122223333:assumed-role/reporting-role/report-job is not authorized to perform: s3:GetObject on resource: \"arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/in/a.csv\"';")
--- request
PUT /object/other.txt
hello
--- error_code: 403
--- response_headers
X-Principal: arn:aws:sts::111122223333:assumed-role/reporting-role/report-job
X-Action: s3:GetObject
X-Resource: arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/in/a.csv
X-Layer: identity
X-Source: evaluator
X-Decision: ImplicitDeny



=== TEST 7: "resource-based policy" in the message is refined to the layer the evaluator names
--- config eval
::seed_config('broken', '', "return 500 'botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn is not authorized to perform: s3:PutObject on resource: \"arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/file.txt\" because no resource-based policy allows the s3:PutObject action';")
--- request
PUT /object/file.txt
hello
--- error_code: 403
--- response_headers
X-Layer: access-point-policy
X-Decision: ImplicitDeny



=== TEST 8: context keys from variables: the ACL header decides between an explicit deny and drift
--- config
    location /put/ {
        s3_unmask            on;
        s3_unmask_expose     full;
        s3_unmask_policies   $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/acl-required;
        s3_unmask_principal  arn:aws:sts::111122223333:assumed-role/upload-role/$http_x_session;
        s3_unmask_resource   arn:aws:s3:::acl-bucket$uri;
        s3_unmask_context    s3:x-amz-acl $http_x_amz_acl;
        add_header X-Layer "$s3_unmask_layer" always;
        add_header X-Decision "$s3_unmask_decision" always;
        add_header X-Principal "$s3_unmask_principal" always;
        add_header X-Statement "$s3_unmask_statement" always;
        add_header X-Reason "$s3_unmask_reason" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>ACL1</RequestId></Error>';
    }
--- request eval
["PUT /put/a.txt\nhello", "PUT /put/b.txt\nhello"]
--- more_headers eval
["X-Session: s1\nX-Amz-Acl: private", "X-Session: s2\nX-Amz-Acl: bucket-owner-full-control"]
--- error_code eval
[403, 403]
--- response_headers eval
["X-Layer: bucket-policy\nX-Decision: ExplicitDeny\nX-Principal: arn:aws:sts::111122223333:assumed-role/upload-role/s1",
 "X-Layer: unknown\nX-Decision: \nX-Principal: arn:aws:sts::111122223333:assumed-role/upload-role/s2\n!X-Statement"]
--- raw_response_headers_like eval
["X-Statement: \\S+/t/fixtures/gateway/acl-required/bucket-policy\\.json:4 RequireOwnerFullControl\r\n",
 "X-Reason: drift: \\S"]



=== TEST 9: without a principal the request is not evaluated, and the response says so plainly
--- config
    location /t {
        s3_unmask            on;
        s3_unmask_policies   $TEST_NGINX_S3U_ROOT/policies/seed-incident/broken;
        add_header X-Layer "$s3_unmask_layer" always;
        add_header X-Source "$s3_unmask_source" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>NOP</RequestId></Error>';
    }
--- request
PUT /t
hello
--- error_code: 403
--- response_headers
S3-Denial: code=AccessDenied, service=s3, layer=unknown, source=none, upstream-status=500, request-id="NOP"
X-Layer: unknown
X-Source: none
--- log_level: info
--- error_log
s3_unmask: not evaluated: the principal is unknown (set s3_unmask_principal)



=== TEST 10: s3_unmask_policies off in an inner block turns the evaluator off there
--- http_config
    s3_unmask_policies $TEST_NGINX_S3U_ROOT/policies/seed-incident/broken;
    s3_unmask_principal arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn;
    s3_unmask_resource arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/file.txt;
--- config
    location /on {
        s3_unmask on;
        add_header X-Layer "$s3_unmask_layer" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /off {
        s3_unmask on;
        s3_unmask_policies off;
        add_header X-Layer "$s3_unmask_layer" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>';
    }
--- request eval
["PUT /on\nx", "PUT /off\nx"]
--- error_code eval
[403, 403]
--- response_headers eval
["X-Layer: access-point-policy", "X-Layer: unknown"]



=== TEST 11: nginx -t: a policy file that is not JSON names file, line and column
--- config
    location /t {
        s3_unmask on;
        s3_unmask_policies $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/bad-json;
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*s3_unmask_policies: \S+/t/fixtures/gateway/bad-json/bucket-policy\.json:6:7: JSON syntax error}



=== TEST 12: nginx -t: an unknown condition operator names file, line and column
--- config
    location /t {
        s3_unmask on;
        s3_unmask_policies $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/bad-operator;
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*s3_unmask_policies: \S+/t/fixtures/gateway/bad-operator/bucket-policy\.json:11:9: unknown condition operator "StringEqualz"}



=== TEST 13: nginx -t: a policy folder that does not exist
--- config
    location /t {
        s3_unmask on;
        s3_unmask_policies $TEST_NGINX_S3U_ROOT/t/fixtures/gateway/no-such-set;
        return 200;
    }
--- must_die
--- error_log eval
qr{\[emerg\] .*s3_unmask_policies: \S+/t/fixtures/gateway/no-such-set: no such policy set}



=== TEST 14: s3_unmask_policies twice in one block
--- config
    location /t {
        s3_unmask_policies $TEST_NGINX_S3U_ROOT/policies/seed-incident/broken;
        s3_unmask_policies $TEST_NGINX_S3U_ROOT/policies/seed-incident/fixed;
        return 200;
    }
--- must_die
--- error_log
"s3_unmask_policies" directive is duplicate



=== TEST 15: s3_unmask_context with something that is not a condition key
--- config
    location /t {
        s3_unmask_context acl $http_x_amz_acl;
        return 200;
    }
--- must_die
--- error_log
invalid condition key "acl" in "s3_unmask_context": expected a key such as aws:SourceIp
