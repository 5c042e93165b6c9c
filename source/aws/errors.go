package aws

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/ratelimit"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	"github.com/aws/smithy-go"

	"github.com/vpnlens/vpnlens/source"
)

// PolicyFile is where the least-privilege IAM policy lives.
const PolicyFile = "docs/iam-policy.json"

// iamAction names the IAM permission an operation needs.
func iamAction(op string) string {
	switch op {
	case "DescribeVpnConnections", "DescribeRegions", "GetVpnTunnelReplacementStatus", "GetActiveVpnTunnelStatus":
		return "ec2:" + op
	case "AssumeRole", "GetCallerIdentity":
		return "sts:" + op
	case "GetMetricData":
		return "cloudwatch:" + op
	case "LookupEvents":
		return "cloudtrail:" + op
	}
	return "logs:" + op
}

var throttleCodes = map[string]bool{
	"Throttling": true, "ThrottlingException": true, "ThrottledException": true, "RequestThrottledException": true,
	"TooManyRequestsException": true, "RequestLimitExceeded": true, "RequestThrottled": true, "SlowDown": true,
	"EC2ThrottledException": true, "BandwidthLimitExceeded": true,
}

var credentialCodes = map[string]bool{
	"ExpiredToken": true, "ExpiredTokenException": true, "RequestExpired": true, "InvalidClientTokenId": true,
	"UnrecognizedClientException": true, "AuthFailure": true, "SignatureDoesNotMatch": true,
	"InvalidSignatureException": true, "IncompleteSignature": true, "MissingAuthenticationToken": true,
	"MissingAuthenticationTokenException": true, "InvalidAccessKeyId": true,
}

// callContext says what a failed call was about, for the message.
type callContext struct {
	op       string // API operation
	group    string // log group, if any
	groupWhy string // where the group name came from
	vpn      string
}

// mapError turns an SDK error into a *source.Error a user can act on.
// Context cancellation passes through unchanged.
func (s *Source) mapError(cc callContext, err error) error {
	if err == nil {
		return nil
	}
	var se *source.Error
	if errors.As(err, &se) {
		return err
	}
	// The attempt timeout (AttemptTimeout) also ends in
	// context.DeadlineExceeded; only the caller's cancellation or deadline
	// passes through, the attempt timeout is explained below. A caller's
	// deadline stops the retries at once, so a deadline after every
	// attempt was used up is the attempts'.
	var maxed *retry.MaxAttemptsError
	clientTimeout := strings.Contains(err.Error(), "Client.Timeout") || errors.As(err, &maxed) && errors.Is(err, context.DeadlineExceeded)
	if !clientTimeout && (errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)) {
		return err
	}
	mk := func(cause, msg string) error {
		return &source.Error{Op: cc.op, Cause: cause, Msg: msg, Err: err}
	}
	var qe ratelimit.QuotaExceededError
	if errors.As(err, &qe) {
		return mk("Throttled", fmt.Sprintf("AWS throttled %s so often that the SDK's retry quota ran out (region %s); the account's CloudWatch Logs quotas are shared with every other tool: wait a minute and ask again, or narrow the window or pick one tunnel", cc.op, s.region))
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		code, msg := ae.ErrorCode(), ae.ErrorMessage()
		switch {
		case code == "AccessDeniedException" || code == "AccessDenied" || code == "UnauthorizedOperation" ||
			strings.HasPrefix(code, "UnauthorizedOperation") || code == "AccessDeniedForDependencyException":
			return mk("AccessDenied", fmt.Sprintf("AWS denied %s: the credentials in use lack the IAM permission %s. Add it to their policy (statement VpnlensReadOnly of %s in the vpnlens repository is the least-privilege policy, read-only actions only) and ask again. AWS said: %s",
				cc.op, iamAction(cc.op), PolicyFile, msg))
		case code == "InvalidVpnConnectionID.NotFound":
			return mk("RegionMismatch", fmt.Sprintf("VPN connection %s does not exist in region %s: is the VPN in another region? pass --region (or set AWS_REGION) to the region the connection was created in. AWS said: %s", cc.vpn, s.region, msg))
		case code == "ResourceNotFoundException" && cc.group != "":
			return mk("LogGroupNotFound", fmt.Sprintf("log group %s (%s) does not exist in region %s: if the VPN logs to another group pass --log-group NAME; if the group was deleted, set the tunnel's log options again (aws ec2 modify-vpn-tunnel-options, one tunnel at a time). AWS said: %s",
				cc.group, cc.groupWhy, s.region, msg))
		case code == "ResourceNotFoundException":
			return mk("NotFound", fmt.Sprintf("%s: not found in region %s: %s", cc.op, s.region, msg))
		case throttleCodes[code] || code == "LimitExceededException":
			what := "the account's request quota"
			if code == "LimitExceededException" {
				what = "the Logs Insights limit of concurrent queries (100 per account and region, dashboards included)"
			}
			return mk("Throttled", fmt.Sprintf("AWS kept throttling %s after %d attempts (%s in %s, shared with every other tool in the account): wait a minute and ask again, or narrow the window or pick one tunnel. AWS said: %s",
				cc.op, s.cfg.MaxAttempts, what, s.region, msg))
		case credentialCodes[code]:
			return mk("Credentials", fmt.Sprintf("AWS rejected the credentials for %s (%s): they are expired or invalid. Refresh them (aws sso login, or new keys for the profile) and ask again; pass --profile to use another profile. AWS said: %s", cc.op, code, msg))
		case code == "ServiceUnavailableException" || code == "ServiceUnavailable" || code == "InternalError" ||
			code == "InternalFailure" || code == "Unavailable" || strings.HasPrefix(code, "5"):
			return mk("Unavailable", fmt.Sprintf("AWS %s failed on its side after %d attempts (%s): try again in a minute. AWS said: %s", cc.op, s.cfg.MaxAttempts, code, msg))
		case code == "InvalidParameterException" || code == "MalformedQueryException" || code == "InvalidParameterValue":
			return mk("BadRequest", fmt.Sprintf("AWS refused vpnlens's %s request (%s): %s; this is a vpnlens bug, please report it", cc.op, code, msg))
		}
		return mk(code, fmt.Sprintf("AWS %s failed: %s: %s", cc.op, code, msg))
	}
	attempts := s.cfg.MaxAttempts
	var me *retry.MaxAttemptsError
	if errors.As(err, &me) {
		attempts = me.Attempt
	}
	var de *smithy.DeserializationError
	if errors.As(err, &de) {
		return mk("BadResponse", fmt.Sprintf("AWS %s answered with a response vpnlens could not read (truncated or invalid) on each of %d attempts: %s; try again in a minute, and check any proxy between vpnlens and AWS", cc.op, attempts, shortErr(err)))
	}
	var te interface{ Timeout() bool }
	if clientTimeout || errors.As(err, &te) && te.Timeout() {
		return mk("Timeout", fmt.Sprintf("AWS %s did not answer within %s on each of %d attempts (region %s): AWS or the network is slow; try again in a minute, or narrow the window or pick one tunnel", cc.op, s.cfg.AttemptTimeout, attempts, s.region))
	}
	if me != nil {
		return mk("Unavailable", fmt.Sprintf("AWS %s kept failing after %d attempts: %v; try again in a minute", cc.op, me.Attempt, me.Err))
	}
	text := err.Error()
	if strings.Contains(text, "credential") || strings.Contains(text, "security token") || strings.Contains(text, "SSO") || strings.Contains(text, "sso") {
		return mk("Credentials", fmt.Sprintf("no usable AWS credentials for %s: %s. Configure credentials (aws configure / aws sso login, AWS_PROFILE or --profile, or an instance role) and ask again", cc.op, shortErr(err)))
	}
	var ne net.Error
	var oe *net.OpError
	if errors.As(err, &ne) || errors.As(err, &oe) || strings.Contains(text, "connection refused") || strings.Contains(text, "no such host") {
		return mk("Unreachable", fmt.Sprintf("cannot reach AWS for %s in region %s: %s; check the network, proxy settings and AWS_ENDPOINT_URL", cc.op, s.region, shortErr(err)))
	}
	return mk("AWSError", fmt.Sprintf("AWS %s failed: %s", cc.op, shortErr(err)))
}

// shortErr keeps the last, most specific part of the SDK's error chain
// ("operation error X: https response error ...: the cause").
func shortErr(err error) string {
	t := err.Error()
	if len(t) > 400 {
		t = t[:400] + "…"
	}
	return t
}
