package main

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/vpnlens/vpnlens/internal/fakes3"
)

// `vpnlens diagnose --logs-s3` and `timeline --logs-s3` answer from a
// CloudWatch export in S3 (the fake, through AWS_ENDPOINT_URL_S3 and the
// standard credential variables, as a user's shell would set them), and a
// bucket that is not there, or a URL that is not one, says so with the
// right exit code.
func TestLogsS3Commands(t *testing.T) {
	f := fakes3.New(fakes3.Options{})
	defer f.Close()
	if _, err := f.PutExportTask("vpn-logs", "exports/2026-06-12", "testdata/demo", "0f4c8a2e", 0, "expected.json", "README.md"); err != nil {
		t.Fatal(err)
	}
	t.Setenv("AWS_ENDPOINT_URL_S3", f.URL)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIDFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "secret")
	t.Setenv("AWS_REGION", f.Region())
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("XDG_CACHE_HOME", t.TempDir())

	code, out, errOut := runCLI(t, "diagnose", "--logs-s3", "s3://vpn-logs/exports/2026-06-12", "--vpn", demoVPN, "--tunnel", "2", "--at", "20:25", "--json")
	if code != exitOK {
		t.Fatalf("diagnose --logs-s3: exit %d: %s", code, errOut)
	}
	var ans struct {
		RootCause struct{ Category, At string } `json:"root_cause"`
	}
	if err := json.Unmarshal([]byte(out), &ans); err != nil || ans.RootCause.Category != "ike.cgw_delete_ike_sa" || ans.RootCause.At != "2026-06-12T20:25:12.418Z" {
		t.Errorf("diagnose --logs-s3: %v %+v\n%s", err, ans, out)
	}
	code, out, errOut = runCLI(t, "timeline", "--logs-s3", "s3://vpn-logs/exports/2026-06-12", "--vpn", "hq-datacenter", "--start", "20:15", "--end", "20:40")
	if code != exitOK || !strings.Contains(out, "ike.cgw_delete_ike_sa") {
		t.Errorf("timeline --logs-s3: exit %d\n%s\n%s", code, out, errOut)
	}
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"diagnose", "--logs-s3", "s3://no-such-bucket/x", "--at", "20:25"}, exitFail, `"no-such-bucket" does not exist`},
		{[]string{"diagnose", "--logs-s3", "vpn-logs/exports", "--at", "20:25"}, exitUsage, "not an S3 URL"},
		{[]string{"diagnose", "--logs-s3", "s3://vpn-logs/exports", "--logs-dir", ".", "--at", "20:25"}, exitUsage, "--logs-dir and --logs-s3 exclude each other"},
		{[]string{"watch", "--logs-s3", "s3://vpn-logs/exports"}, exitUsage, "for logs exported to S3 ask diagnose or timeline --logs-s3"},
	} {
		code, _, errOut := runCLI(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) {
			t.Errorf("%q: exit %d, stderr:\n%s\nwant exit %d and %q", tc.args, code, errOut, tc.code, tc.want)
		}
	}
}
