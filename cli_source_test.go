package main

import (
	"fmt"
	"strings"
	"testing"
)

// The AWS flags name the estate: regions once each (a list, or all),
// one account per --profile and one per --role-arn, the roles assumed
// with the first profile's credentials and the external id.
func TestAWSFlagsNameTheEstate(t *testing.T) {
	sf := sourceFlags{region: " eu-west-1, us-east-1,eu-west-1,", profiles: []string{"hub", " spoke ", "hub"},
		roleARNs: []string{"arn:aws:iam::222222222222:role/vpnlens-read"}, externalID: "ext-1"}
	cfg, err := sf.estateConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(cfg.Regions, ","); got != "eu-west-1,us-east-1" || cfg.AllRegions {
		t.Errorf("regions %q all=%v", got, cfg.AllRegions)
	}
	var accts []string
	for _, a := range cfg.Accounts {
		accts = append(accts, fmt.Sprintf("%s|%s|%s", a.Profile, a.RoleARN, a.ExternalID))
	}
	if got := strings.Join(accts, " "); got != "hub|| spoke|| hub|arn:aws:iam::222222222222:role/vpnlens-read|ext-1" {
		t.Errorf("accounts %s", got)
	}
	sf = sourceFlags{region: "ALL"}
	if cfg, err = sf.estateConfig(nil); err != nil || !cfg.AllRegions || len(cfg.Regions) > 0 || len(cfg.Accounts) > 0 {
		t.Errorf("--region all: %+v %v", cfg, err)
	}
}
