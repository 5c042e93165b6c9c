package s3logs_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/source"
	"github.com/vpnlens/vpnlens/source/s3logs"
)

const task = "0f4c8a2e-5b1d-4e7a-9c3f-2d6b8e1a7c40"

// A location that cannot be read fails at open with the cause named and
// what to do; nothing half-opened is served.
func TestOpenFailuresNameTheCause(t *testing.T) {
	f := newFake(t)
	if _, err := f.PutExportTask("vpn-logs", "exports", demoDir, task, 0, "expected.json", "README.md"); err != nil {
		t.Fatal(err)
	}
	f.PutBucket("locked-logs", "")
	f.Put("locked-logs", "exports/x.log", []byte("x"), now)
	f.Deny("ListObjectsV2", "locked-logs", "")
	cases := []struct {
		url   string
		cause string
		want  []string
	}{
		{"s3://no-such-bucket/exports", "NoSuchBucket", []string{`"no-such-bucket" does not exist`, "--logs-s3"}},
		{"s3://locked-logs/exports", "AccessDenied", []string{"s3:ListBucket on arn:aws:s3:::locked-logs", "s3:GetObject on arn:aws:s3:::locked-logs/exports/*", "VpnlensLogsInS3", s3logs.PolicyFile}},
		{"s3://vpn-logs/exprots", "Empty", []string{"no objects under s3://vpn-logs/exprots", "aws s3 ls"}},
		{"https://vpn-logs/exports", "BadURL", []string{"not an S3 URL", "s3://BUCKET/PREFIX"}},
		{"s3://Vpn_Logs/exports", "BadURL", []string{"lower-case letters"}},
	}
	for _, tc := range cases {
		_, err := s3logs.Open(context.Background(), config(t, f, tc.url))
		var se *source.Error
		if !errors.As(err, &se) || se.Cause != tc.cause {
			t.Errorf("%s: error %v, want cause %s", tc.url, err, tc.cause)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(se.Msg, w) {
				t.Errorf("%s: %q does not say %q", tc.url, se.Msg, w)
			}
		}
	}
}

// A bucket in another region than the client's is followed: S3 names its
// region in the refusal, and the listing is asked there.
func TestBucketInAnotherRegionIsFollowed(t *testing.T) {
	f := newFake(t)
	f.PutBucket("far-logs", "us-west-2")
	if _, err := f.PutExportTask("far-logs", "exports", demoDir, task, 0, "expected.json", "README.md"); err != nil {
		t.Fatal(err)
	}
	src := open(t, config(t, f, "s3://far-logs/exports"))
	if rep := src.LoadReport(); rep.Report.Records == 0 || rep.Report.SkippedCount != 0 {
		t.Fatalf("load report after following the region: %+v", rep.Report)
	}
	var codes []string
	for _, c := range f.Calls() {
		if c.Op == "ListObjectsV2" {
			codes = append(codes, c.Code)
		}
	}
	if strings.Join(codes, ",") != "AuthorizationHeaderMalformed," {
		t.Errorf("ListObjectsV2 answers %q, want one refusal naming the region, then the listing", codes)
	}
}

// s3://bucket/key of one object reads that object (HeadObject finds it).
func TestURLOfOneObject(t *testing.T) {
	f := newFake(t)
	keys, err := f.PutExportTask("vpn-logs", "exports", demoDir, task, 0, "expected.json", "README.md")
	if err != nil {
		t.Fatal(err)
	}
	var one string
	for _, k := range keys {
		if strings.Contains(k, "203.0.113.20-BGP.log/") {
			one = k
		}
	}
	src := open(t, config(t, f, "s3://vpn-logs/"+one))
	rep := src.LoadReport()
	if rep.Streams != 1 || rep.Report.Files != 1 || rep.Report.Records == 0 {
		t.Errorf("one object: %d streams, %d files, %d records", rep.Streams, rep.Report.Files, rep.Report.Records)
	}
	if f.Count("HeadObject") != 1 {
		t.Errorf("HeadObject calls %d, want 1", f.Count("HeadObject"))
	}
}

// vpnlens only reads: every request any test here makes is one of the
// three read operations, and the policy statement for --logs-s3 grants
// exactly the two IAM actions they need.
func TestOnlyReadOperationsAndThePolicy(t *testing.T) {
	f := newFake(t)
	if _, err := f.PutExportTask("vpn-logs", "exports", demoDir, task, 0, "expected.json", "README.md"); err != nil {
		t.Fatal(err)
	}
	src := open(t, config(t, f, "s3://vpn-logs/exports"))
	c := mcpClient(t, src, src)
	for _, e := range loadExpected(t) {
		callJSON(t, c, "diagnose_tunnel_drop", map[string]any{"vpn_connection_id": e.VPNConnectionID, "at": e.QuestionAt})
	}
	open(t, config(t, f, "s3://vpn-logs/exports/vpn-connections.json"))
	for _, op := range f.Operations() {
		if op != "ListObjectsV2" && op != "GetObject" && op != "HeadObject" {
			t.Errorf("called %s", op)
		}
	}
	b, err := os.ReadFile("../../" + s3logs.PolicyFile)
	if err != nil {
		t.Fatal(err)
	}
	var p struct {
		Statement []struct {
			Sid    string
			Effect string
			Action []string
		}
	}
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, st := range p.Statement {
		if st.Sid != "VpnlensLogsInS3" {
			continue
		}
		found = true
		acts := append([]string(nil), st.Action...)
		sort.Strings(acts)
		if st.Effect != "Allow" || strings.Join(acts, ",") != "s3:GetObject,s3:ListBucket" {
			t.Errorf("statement VpnlensLogsInS3: %s %v, want Allow s3:GetObject, s3:ListBucket", st.Effect, acts)
		}
	}
	if !found {
		t.Errorf("%s has no statement VpnlensLogsInS3", s3logs.PolicyFile)
	}
}
