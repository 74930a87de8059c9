# Masked denials in every upstream form are restored to 403 with the
# S3-Denial header; other S3 errors keep their status; look-alikes stay as
# they are.  Each block's backend answers the way an application, a Lambda
# integration or S3 itself would.

use Test::Nginx::Socket 'no_plan';

repeat_each(1);
no_shuffle();

add_block_preprocessor(sub {
    my $block = shift;

    if (!defined $block->config && defined $block->backend) {
        my $status = $block->backend_status // 500;
        my $type = $block->backend_type // 'application/json';
        my $body = $block->backend;
        $body =~ s/\n\z//;
        $body =~ s/\\/\\\\/g;
        $body =~ s/'/\\'/g;
        $body =~ s/\$/\${dollar}/g;
        my $http = $block->http_config // '';
        $block->set_value("http_config", $http . "    geo \$dollar { default \"\$\"; }\n");
        $block->set_value("config", <<"CONF");
    location /t {
        s3_unmask on;
        proxy_pass http://127.0.0.1:\$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type $type;
        return $status '$body';
    }
CONF
    }

    if (!defined $block->request) {
        $block->set_value("request", "PUT /t\nhello");
    }
});

run_tests();

__DATA__

=== TEST 1: S3 XML AccessDenied, as S3 sends it
--- backend_status: 403
--- backend_type: application/xml
--- backend
<?xml version="1.0" encoding="UTF-8"?>
<Error><Code>AccessDenied</Code><Message>Access Denied</Message><RequestId>4Y5GQ1WJ8W1XJ0J5</RequestId><HostId>aG9zdC1pZA==</HostId></Error>
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, service=s3, .*upstream-status=403, request-id="4Y5GQ1WJ8W1XJ0J5"
--- no_error_log
[error]



=== TEST 2: S3 XML AccessDenied inside a 500, extra elements and whitespace
--- backend_type: application/xml
--- backend
<Error>
  <Code>AccessDenied</Code>
  <Message>Access Denied</Message>
  <Resource>/corp-app-uploads/test.txt</Resource>
  <RequestId>7C1E9B2D4F6A8031</RequestId>
  <HostId>aWxsdXN0cmF0aXZl</HostId>
</Error>
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*upstream-status=500, request-id="7C1E9B2D4F6A8031"



=== TEST 3: Node aws-sdk v2 error as JSON (the write-up's Lambda)
--- backend
{"message":"Access Denied","code":"AccessDenied","region":null,"time":"2026-11-27T09:14:07.512Z","requestId":"4Y5GQ1WJ8W1XJ0J5","extendedRequestId":"h4Sm9y1bXq0r=","statusCode":403,"retryable":false,"retryDelay":42.7}
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, service=s3, .*upstream-status=500, request-id="4Y5GQ1WJ8W1XJ0J5"



=== TEST 4: Node v3 S3ServiceException in a Lambda payload
--- backend
{"errorType":"AccessDenied","errorMessage":"Access Denied","Code":"AccessDenied","name":"AccessDenied","$fault":"client","$metadata":{"httpStatusCode":403,"requestId":"R3Q5ZK8M2N4P6T8V","extendedRequestId":"eHh4","attempts":1,"totalRetryDelay":0},"RequestId":"R3Q5ZK8M2N4P6T8V","HostId":"eHh4"}
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*request-id="R3Q5ZK8M2N4P6T8V"



=== TEST 5: botocore ClientError text with AWS's detailed message names the layer
--- backend_type: text/plain
--- backend
botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:us-east-1:222233334444:accesspoint/app-uploads/object/test.txt" because no resource-based policy allows the s3:PutObject action
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, service=s3, layer=resource-policy, source=message, .*
--- response_headers
!X-Nothing



=== TEST 6: Java v2 S3Exception has no code but says Status Code 403
--- backend_type: text/plain
--- backend
software.amazon.awssdk.services.s3.model.S3Exception: User: arn:aws:sts::111122223333:assumed-role/worker-role/i-0abc is not authorized to perform: s3:PutObject because no identity-based policy allows the s3:PutObject action (Service: S3, Status Code: 403, Request ID: 2HK7Q9V1N4C8XW6D, Extended Request ID: aWxsdXN0cmF0aXZl)
--- error_code: 403
--- response_headers_like
S3-Denial: .*layer=identity, source=message, .*request-id="2HK7Q9V1N4C8XW6D"



=== TEST 7: Go v2 operation error with an explicit deny in an SCP
--- backend_type: text/plain
--- backend
operation error S3: PutObject, https response error StatusCode: 403, RequestID: 7C1E9B2D4F6A8031, HostID: aWxsdXN0cmF0aXZl, api error AccessDenied: User: arn:aws:iam::111122223333:user/deployer is not authorized to perform: s3:PutObject on resource: "arn:aws:s3:::example-assets/site/index.html" with an explicit deny in a service control policy
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, service=s3, layer=scp, source=message, .*request-id="7C1E9B2D4F6A8031"



=== TEST 8: Lambda Invoke API: 200 with X-Amz-Function-Error is inspected
--- config
    location /t {
        s3_unmask on;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/json;
        add_header X-Amz-Function-Error Unhandled;
        return 200 '{"errorType":"AccessDenied","errorMessage":"Access Denied","trace":["AccessDenied: Access Denied","    at Request.extractError (/var/runtime/node_modules/aws-sdk/lib/services/s3.js:712:35)"]}';
    }
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, .*upstream-status=200.*



=== TEST 9: a 200 without X-Amz-Function-Error is never read, even if it looks denied
--- backend_status: 200
--- backend
{"code":"AccessDenied","statusCode":403,"message":"Access Denied"}
--- error_code: 200
--- response_headers
!S3-Denial
--- response_body chomp
{"code":"AccessDenied","statusCode":403,"message":"Access Denied"}



=== TEST 10: KMS denial during an SSE-KMS upload is an S3 denial with service kms
--- backend_type: text/plain
--- backend
An error occurred (AccessDenied) when calling the PutObject operation: User: arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:us-east-1:222233334444:key/1234abcd-12ab-34cd-56ef-1234567890ab because no resource-based policy allows the kms:GenerateDataKey action
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, service=kms, .*



=== TEST 11: STS AssumeRole denial (the cross-account role pattern)
--- backend_type: text/plain
--- backend
botocore.exceptions.ClientError: An error occurred (AccessDenied) when calling the AssumeRole operation: User: arn:aws:sts::111122223333:assumed-role/lambda-exec-role/upload-fn is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::222233334444:role/CrossAccountS3Writer
--- error_code: 403
--- response_headers_like
S3-Denial: code=AccessDenied, service=sts, .*



=== TEST 12: MySQL's "Access denied for user" stays a 500
--- backend_type: text/plain
--- backend
ERROR 1045 (28000): Access denied for user 'app'@'10.0.0.7' (using password: YES)
--- error_code: 500
--- response_headers
!S3-Denial
--- response_body chomp
ERROR 1045 (28000): Access denied for user 'app'@'10.0.0.7' (using password: YES)



=== TEST 13: DynamoDB AccessDeniedException stays a 500
--- backend
{"__type":"com.amazon.coral.service#AccessDeniedException","Message":"User: arn:aws:sts::111122223333:assumed-role/app/fn is not authorized to perform: dynamodb:PutItem on resource: arn:aws:dynamodb:us-east-1:111122223333:table/t because no identity-based policy allows the dynamodb:PutItem action"}
--- error_code: 500
--- response_headers
!S3-Denial



=== TEST 14: API Gateway's generic body stays a 502
--- backend_status: 502
--- backend
{"message": "Internal server error"}
--- error_code: 502
--- response_headers
!S3-Denial
--- response_body chomp
{"message": "Internal server error"}



=== TEST 15: SignatureDoesNotMatch is an S3 error: status kept, variables set
--- config
    location /t {
        s3_unmask on;
        add_header X-Code "$s3_unmask_code" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><RequestId>ABC</RequestId></Error>';
    }
--- error_code: 500
--- response_headers
X-Code: SignatureDoesNotMatch
!S3-Denial



=== TEST 16: s3_unmask_codes restores a listed S3 error to S3's own status
--- config
    location /t {
        s3_unmask on;
        s3_unmask_codes SignatureDoesNotMatch InvalidAccessKeyId;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/xml;
        return 500 '<Error><Code>SignatureDoesNotMatch</Code><Message>The request signature we calculated does not match the signature you provided.</Message><RequestId>ABC</RequestId></Error>';
    }
--- error_code: 403
--- response_headers_like
S3-Denial: code=SignatureDoesNotMatch, .*



=== TEST 17: NoSuchKey in a Lambda payload is an S3 error, not a denial
--- config
    location /t {
        s3_unmask on;
        add_header X-Code "$s3_unmask_code" always;
        proxy_pass http://127.0.0.1:$TEST_NGINX_SERVER_PORT/backend;
    }
    location /backend {
        default_type application/json;
        return 502 '{"errorMessage":"The specified key does not exist.","errorType":"NoSuchKey","stackTrace":["Request.extractError (/var/runtime/node_modules/aws-sdk/lib/services/s3.js:585:35)"]}';
    }
--- error_code: 502
--- response_headers
X-Code: NoSuchKey
!S3-Denial
