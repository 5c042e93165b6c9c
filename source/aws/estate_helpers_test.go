package aws_test

import (
	"context"
	"fmt"
	"os"
	"sort"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/credentials"

	"github.com/vpnlens/vpnlens/internal/fakeaws"
	awssource "github.com/vpnlens/vpnlens/source/aws"
)

// The test estate: three accounts, three regions each, 20 connections.
// The hub account is reached with its own key (as a profile would), the
// other two through roles the hub assumes (one with an external id).
const (
	hubAccount   = "111111111111"
	spokeAccount = "222222222222"
	labAccount   = "333333333333"
	hubKey       = "AKIDHUB"
	labExternal  = "lab-ext-7"
)

var estateRegions = []string{"eu-central-1", "eu-west-1", "us-east-1"}

// estateFixture is the fake estate and where each connection lives.
type estateFixture struct {
	fake     *fakeaws.Estate
	accounts map[string]*fakeaws.Account
	spokeARN string
	labARN   string
	// where: connection id → "account region"
	where map[string]string
	ids   []string
}

// newEstateFixture builds the estate: every connection replays a day of
// the demo's hq connection (incidents included) under an id of its own.
func newEstateFixture(t testing.TB) *estateFixture {
	t.Helper()
	tmpl := newFake(t, fakeaws.Options{})
	fe := fakeaws.NewEstate()
	t.Cleanup(fe.Close)
	fx := &estateFixture{fake: fe, accounts: map[string]*fakeaws.Account{}, where: map[string]string{}}
	fx.accounts[hubAccount] = fe.AddAccount(hubAccount, hubKey)
	fx.accounts[spokeAccount] = fe.AddAccount(spokeAccount, "")
	fx.accounts[labAccount] = fe.AddAccount(labAccount, "")
	fx.spokeARN = fx.accounts[spokeAccount].AddRole("vpnlens-read", "", hubAccount)
	fx.labARN = fx.accounts[labAccount].AddRole("vpnlens-read", labExternal, hubAccount)
	perPlace := []int{3, 2, 2, 2, 2, 2, 3, 2, 2} // 20
	next := 0
	i := 0
	for _, acct := range []string{hubAccount, spokeAccount, labAccount} {
		for _, region := range estateRegions {
			n := perPlace[i]
			i++
			member := fx.accounts[acct].Region(region) // AWS's page sizes
			ids, err := member.AddFleetFrom(tmpl, hq, next, n, 1)
			if err != nil {
				t.Fatal(err)
			}
			next += n
			for _, id := range ids {
				fx.where[id] = acct + " " + region
				fx.ids = append(fx.ids, id)
			}
		}
	}
	// An opt-in region the spoke account has enabled (no VPN there) and
	// one the lab account has not.
	fx.accounts[spokeAccount].OptInRegion("ap-southeast-3", true)
	fx.accounts[labAccount].OptInRegion("me-south-1", false)
	sort.Strings(fx.ids)
	return fx
}

// accounts is the estate's usual configuration: the hub with its key,
// the other two through their roles.
func (fx *estateFixture) accountConfigs() []awssource.AccountConfig {
	hub := credentials.NewStaticCredentialsProvider(hubKey, "secret", "")
	return []awssource.AccountConfig{
		{Credentials: hub},
		{RoleARN: fx.spokeARN, Credentials: hub},
		{RoleARN: fx.labARN, ExternalID: labExternal, Credentials: hub},
	}
}

// newEstate points a real-SDK estate at the fake, as newSource does for a
// single fake.
func newEstate(t testing.TB, fx *estateFixture, mod func(*awssource.EstateConfig)) *awssource.Estate {
	t.Helper()
	t.Setenv("AWS_EC2_METADATA_DISABLED", "true")
	t.Setenv("AWS_CONFIG_FILE", os.DevNull)
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", os.DevNull)
	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	t.Setenv("AWS_PROFILE", "")
	cfg := awssource.EstateConfig{
		Accounts: fx.accountConfigs(), Regions: estateRegions,
		Member: awssource.Config{Endpoint: fx.fake.URL, MaxAttempts: 3, MaxBackoff: 20 * time.Millisecond,
			PollInitial: 5 * time.Millisecond, PollMax: 20 * time.Millisecond,
			Now: func() time.Time { return now }, Logger: quiet,
			RateLimits: map[string]float64{"FilterLogEvents": 1000, "GetLogEvents": 1000, "DescribeLogStreams": 1000, "StartQuery": 1000,
				"GetQueryResults": 1000, "StopQuery": 1000, "DescribeVpnConnections": 1000,
				"DescribeDeliverySources": 1000, "DescribeDeliveries": 1000, "DescribeDeliveryDestinations": 1000}},
		DiscoveryTimeout: 2 * time.Second,
	}
	if mod != nil {
		mod(&cfg)
	}
	e, err := awssource.NewEstate(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// callCounts renders per-operation counts in a stable order.
func callCounts(m map[string]int) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for _, k := range keys {
		if s != "" {
			s += " "
		}
		s += fmt.Sprintf("%s=%d", k, m[k])
	}
	return s
}
