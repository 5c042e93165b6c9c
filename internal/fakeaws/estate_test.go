package fakeaws

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/cloudwatchlogs"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

func sdkConfig(t *testing.T, region string, creds sdkaws.CredentialsProvider) sdkaws.Config {
	t.Helper()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	cfg, err := config.LoadDefaultConfig(context.Background(), config.WithRegion(region), config.WithCredentialsProvider(creds),
		config.WithRetryMaxAttempts(1))
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// The estate tells accounts apart by access key and regions by the SigV4
// scope, through the real SDK clients: STS AssumeRole (with and without
// the external id a role requires, from an account it trusts or not),
// GetCallerIdentity, DescribeRegions, and each region's own connections;
// a region the account has not opted into refuses the credentials.
func TestEstateAccountsRegionsAndRoles(t *testing.T) {
	e := NewEstate()
	t.Cleanup(e.Close)
	hub := e.AddAccount("111111111111", "AKIDHUB")
	spoke := e.AddAccount("222222222222", "")
	hub.Region("eu-central-1").AddConnection(VpnConnection{VpnConnectionId: "vpn-0000000000000hub1", State: "available"})
	spoke.Region("us-east-1").AddConnection(VpnConnection{VpnConnectionId: "vpn-0000000000spoke01", State: "available"})
	spoke.Region("eu-west-1").AddConnection(VpnConnection{VpnConnectionId: "vpn-0000000000spoke02", State: "available"})
	spoke.OptInRegion("ap-east-1", false)
	spoke.OptInRegion("me-central-1", true)
	roleARN := spoke.AddRole("vpnlens-read", "ext-42", "111111111111")
	ctx := context.Background()
	endpoint := func(o *sts.Options) { o.BaseEndpoint = sdkaws.String(e.URL) }
	hubCfg := sdkConfig(t, "eu-central-1", credentials.NewStaticCredentialsProvider("AKIDHUB", "secret", ""))
	stsc := sts.NewFromConfig(hubCfg, endpoint)

	id, err := stsc.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil || sdkaws.ToString(id.Account) != "111111111111" {
		t.Fatalf("GetCallerIdentity: %v %+v", err, id)
	}
	_, err = stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: sdkaws.String(roleARN), RoleSessionName: sdkaws.String("vpnlens")})
	var ae smithy.APIError
	if !errors.As(err, &ae) || ae.ErrorCode() != "AccessDenied" || !strings.Contains(ae.ErrorMessage(), roleARN) {
		t.Fatalf("AssumeRole without the external id: %v", err)
	}
	out, err := stsc.AssumeRole(ctx, &sts.AssumeRoleInput{RoleArn: sdkaws.String(roleARN), RoleSessionName: sdkaws.String("vpnlens"), ExternalId: sdkaws.String("ext-42")})
	if err != nil || out.Credentials == nil || out.Credentials.Expiration == nil || out.Credentials.Expiration.Before(time.Now()) ||
		!strings.HasSuffix(sdkaws.ToString(out.AssumedRoleUser.Arn), ":assumed-role/vpnlens-read/vpnlens") {
		t.Fatalf("AssumeRole: %v %+v", err, out)
	}

	// The SDK's own provider, as vpnlens uses it: the session signs for
	// the spoke account in whichever region the client is for.
	roleCreds := sdkaws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(stsc, roleARN, func(o *stscreds.AssumeRoleOptions) {
		o.ExternalID = sdkaws.String("ext-42")
	}))
	for region, want := range map[string]string{"us-east-1": "vpn-0000000000spoke01", "eu-west-1": "vpn-0000000000spoke02", "eu-central-1": ""} {
		c := ec2.NewFromConfig(sdkConfig(t, region, roleCreds), func(o *ec2.Options) { o.BaseEndpoint = sdkaws.String(e.URL) })
		got, err := c.DescribeVpnConnections(ctx, &ec2.DescribeVpnConnectionsInput{})
		if region == "eu-central-1" {
			// The spoke account has no region eu-central-1 here.
			if !errors.As(err, &ae) || ae.ErrorCode() != "AuthFailure" {
				t.Errorf("%s: %v", region, err)
			}
			continue
		}
		if err != nil || len(got.VpnConnections) != 1 || sdkaws.ToString(got.VpnConnections[0].VpnConnectionId) != want {
			t.Errorf("%s: %v %+v", region, err, got)
		}
	}
	spokeEC2 := ec2.NewFromConfig(sdkConfig(t, "us-east-1", roleCreds), func(o *ec2.Options) { o.BaseEndpoint = sdkaws.String(e.URL) })
	regions, err := spokeEC2.DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: sdkaws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	var listed []string
	for _, r := range regions.Regions {
		listed = append(listed, sdkaws.ToString(r.RegionName)+"="+sdkaws.ToString(r.OptInStatus))
	}
	if got := strings.Join(listed, " "); got != "ap-east-1=not-opted-in eu-west-1=opt-in-not-required me-central-1=opted-in us-east-1=opt-in-not-required" {
		t.Errorf("DescribeRegions: %s", got)
	}
	regions, _ = spokeEC2.DescribeRegions(ctx, &ec2.DescribeRegionsInput{})
	if len(regions.Regions) != 3 {
		t.Errorf("enabled regions: %+v", regions.Regions)
	}
	logs := cloudwatchlogs.NewFromConfig(sdkConfig(t, "ap-east-1", roleCreds), func(o *cloudwatchlogs.Options) { o.BaseEndpoint = sdkaws.String(e.URL) })
	_, err = logs.DescribeLogStreams(ctx, &cloudwatchlogs.DescribeLogStreamsInput{LogGroupName: sdkaws.String("g")})
	if !errors.As(err, &ae) || ae.ErrorCode() != "UnrecognizedClientException" {
		t.Errorf("not-opted-in region: %v", err)
	}

	counts := e.Counts()
	if counts["AssumeRole"] != 3 || counts["GetCallerIdentity"] != 1 || counts["DescribeVpnConnections"] != 3 || counts["DescribeRegions"] != 2 {
		t.Errorf("counts %v", counts)
	}
	perAccount := map[string]int{}
	for _, c := range e.Calls() {
		perAccount[c.Account+" "+c.SigningRegion+" "+c.Op+" "+c.Code]++
	}
	for _, want := range []string{"111111111111 eu-central-1 AssumeRole AccessDenied", "222222222222 us-east-1 DescribeVpnConnections ",
		"222222222222 eu-central-1 DescribeVpnConnections AuthFailure", "222222222222 ap-east-1 DescribeLogStreams UnrecognizedClientException"} {
		if perAccount[want] != 1 {
			t.Errorf("no call %q in %v", want, perAccount)
		}
	}
	if got := strings.Join(e.Operations(), ","); got != "ec2:DescribeRegions,ec2:DescribeVpnConnections,logs:DescribeLogStreams,sts:AssumeRole,sts:GetCallerIdentity" {
		t.Errorf("operations %s", got)
	}
}

// A session key is good only with its session token, and an unknown key
// is refused in every protocol.
func TestEstateRefusesUnknownCredentials(t *testing.T) {
	e := NewEstate()
	t.Cleanup(e.Close)
	e.AddAccount("111111111111", "AKIDHUB").Region("eu-central-1")
	send := func(target, body, key string) (int, string) {
		req, _ := http.NewRequest(http.MethodPost, e.URL, strings.NewReader(body))
		if target != "" {
			req.Header.Set("X-Amz-Target", "Logs_20140328."+target)
		}
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential="+key+"/20260612/eu-central-1/x/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var b strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := resp.Body.Read(buf)
			b.Write(buf[:n])
			if err != nil {
				break
			}
		}
		return resp.StatusCode, b.String()
	}
	for _, c := range []struct {
		target, body, key string
		status            int
		code              string
	}{
		{"", url.Values{"Action": {"DescribeVpnConnections"}}.Encode(), "AKIDNOPE", 401, "AuthFailure"},
		{"DescribeLogStreams", `{"logGroupName":"g"}`, "AKIDNOPE", 400, "UnrecognizedClientException"},
		{"", url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}.Encode(), "AKIDNOPE", 403, "<Code>InvalidClientTokenId</Code>"},
		{"", url.Values{"Action": {"GetCallerIdentity"}, "Version": {"2011-06-15"}}.Encode(), "AKIDHUB", 200, "<Account>111111111111</Account>"},
		{"", url.Values{"Action": {"DescribeVpnConnections"}}.Encode(), "AKIDHUB", 200, "<vpnConnectionSet"},
	} {
		status, body := send(c.target, c.body, c.key)
		if status != c.status || !strings.Contains(body, c.code) {
			t.Errorf("%s %s with %s: %d %.200s, want %d %s", c.target, c.body, c.key, status, body, c.status, c.code)
		}
	}
}
