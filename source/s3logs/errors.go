package s3logs

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/vpnlens/vpnlens/source"
)

// PolicyFile is where the least-privilege IAM policy lives; its statement
// VpnlensLogsInS3 grants what --logs-s3 needs.
const PolicyFile = "docs/iam-policy.json"

// apiCode is the S3 error code of err ("" when it is not an S3 answer).
// HEAD answers carry no body: their code is the status's name.
func apiCode(err error) (code, msg string) {
	var ae smithy.APIError
	if errors.As(err, &ae) {
		return ae.ErrorCode(), ae.ErrorMessage()
	}
	return "", ""
}

// redirectRegion is the region S3 says a bucket is in, when a request was
// sent to another (AuthorizationHeaderMalformed, PermanentRedirect,
// IllegalLocationConstraintException): from the x-amz-bucket-region
// header, else from the message ("expecting 'eu-central-1'").
func redirectRegion(err error) string {
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.Response != nil {
		if r := re.Response.Header.Get("x-amz-bucket-region"); r != "" {
			return r
		}
	}
	code, msg := apiCode(err)
	switch code {
	case "AuthorizationHeaderMalformed", "PermanentRedirect", "IllegalLocationConstraintException", "301":
		if m := expectingRegion.FindStringSubmatch(msg); m != nil {
			return m[1]
		}
	}
	return ""
}

var expectingRegion = regexp.MustCompile(`expecting '([a-z0-9-]+)'`)

// listError turns a failed ListObjectsV2 into a *source.Error naming the
// cause and what to do.
func (s *store) listError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	mk := func(cause, msg string) error {
		return &source.Error{Op: "ListObjectsV2", Cause: cause, Msg: msg, Err: err}
	}
	code, msg := apiCode(err)
	where := s.loc.String()
	switch {
	case code == "NoSuchBucket":
		return mk("NoSuchBucket", fmt.Sprintf("S3 bucket %q does not exist (S3 answered NoSuchBucket for %s): check the bucket name in --logs-s3 (aws s3 ls lists the buckets you can see)", s.loc.Bucket, where))
	case code == "AccessDenied" || code == "AccessDeniedException" || code == "AllAccessDisabled":
		return mk("AccessDenied", fmt.Sprintf("AWS denied listing %s (ListObjectsV2): the credentials in use lack s3:ListBucket on arn:aws:s3:::%s (and reading needs s3:GetObject on arn:aws:s3:::%s/%s*); "+
			"add them to their policy (statement VpnlensLogsInS3 of %s in the vpnlens repository) and start again, or pass --profile for other credentials. AWS said: %s",
			where, s.loc.Bucket, s.loc.Bucket, s.loc.listPrefix(), PolicyFile, orCode(msg, code)))
	case redirectRegion(err) != "":
		return mk("RegionMismatch", fmt.Sprintf("S3 bucket %q is in region %s, not %s: pass --region %s. AWS said: %s", s.loc.Bucket, redirectRegion(err), s.region, redirectRegion(err), orCode(msg, code)))
	case isCredentialCode(code):
		return mk("Credentials", fmt.Sprintf("AWS rejected the credentials for listing %s (%s): they are expired or invalid. Refresh them (aws sso login, or new keys for the profile) and start again; pass --profile to use another profile. AWS said: %s", where, code, msg))
	case code != "":
		return mk(code, fmt.Sprintf("listing %s failed: %s: %s", where, code, msg))
	}
	return mk("Unreachable", fmt.Sprintf("listing %s failed: %s; check the network path to S3 (and AWS_ENDPOINT_URL_S3, if set)", where, shortErr(err)))
}

// objectError says why one object could not be read, for the load report
// (which names the object already).
func (s *store) objectError(o *objectInfo, err error) error {
	if errors.Is(err, context.Canceled) {
		return errors.New("the read was given up after the connection sent nothing for " + s.idle.String())
	}
	code, msg := apiCode(err)
	switch {
	case code == "AccessDenied" || code == "AccessDeniedException" || code == "403" && o != nil:
		return fmt.Errorf("AWS denied GetObject: the credentials in use lack s3:GetObject on arn:aws:s3:::%s/%s (statement VpnlensLogsInS3 of %s); the other objects are read. AWS said: %s", s.loc.Bucket, o.key, PolicyFile, orCode(msg, code))
	case code == "NoSuchKey" || code == "NotFound" || code == "404":
		return errors.New("the object was deleted since the prefix was listed; start vpnlens again to list it anew")
	case code == "PreconditionFailed" || code == "412":
		return fmt.Errorf("the object was rewritten since the prefix was listed (its ETag is no longer %s); start vpnlens again to index it anew", o.etag)
	case code == "InvalidObjectState":
		return fmt.Errorf("the object is archived (storage class %s) and cannot be read until it is restored: aws s3api restore-object --bucket %s --key %s --restore-request Days=7", orCode(o.storageClass, "archive"), s.loc.Bucket, o.key)
	case isCredentialCode(code):
		return fmt.Errorf("AWS rejected the credentials (%s): they are expired or invalid; refresh them and start again. AWS said: %s", code, msg)
	case code != "":
		return fmt.Errorf("GetObject failed: %s: %s", code, msg)
	}
	return fmt.Errorf("GetObject failed: %s", shortErr(err))
}

var credentialCodes = map[string]bool{
	"ExpiredToken": true, "InvalidAccessKeyId": true, "SignatureDoesNotMatch": true, "InvalidToken": true,
	"TokenRefreshRequired": true, "RequestTimeTooSkewed": true,
}

func isCredentialCode(code string) bool { return credentialCodes[code] }

func orCode(msg, code string) string {
	if msg == "" {
		return code
	}
	return msg
}

// shortErr is err's last part: the SDK's chain ("operation error S3:
// GetObject, https response error StatusCode: 0, RequestID: , ...") says
// little a user can act on beyond it.
func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ", "); i >= 0 && i+2 < len(s) {
		return s[i+2:]
	}
	return s
}
