package aws

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	sdkaws "github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"

	"github.com/vpnlens/vpnlens/source"
)

// EstateConfig chooses the accounts and regions an Estate reads.
type EstateConfig struct {
	// Accounts are read side by side: one per --profile and one per
	// --role-arn. None = one account, the credentials of Member
	// (Profile, Credentials; else the default chain).
	Accounts []AccountConfig
	// Regions are read in every account (--region a,b). None = each
	// account's own region (AWS_REGION, the profile's). AllRegions reads
	// every region each account has enabled (--region all: EC2
	// DescribeRegions).
	Regions    []string
	AllRegions bool
	// Member is what every (account, region) source starts from: the
	// endpoint, transport, retries, rate limits (per account and region,
	// as AWS's quotas are), TTLs and --log-group. Its Region, Profile,
	// Credentials and AccountID are set per member.
	Member Config
	// Concurrency bounds the accounts and regions read at once (default
	// 8). DiscoveryTimeout bounds the listing of one region (default 30
	// s): a region that does not answer in time is named as missing and
	// the others answer. A part that failed is asked again after
	// RetryFailed (default 1 min), not at every question.
	Concurrency      int
	DiscoveryTimeout time.Duration
	RetryFailed      time.Duration
}

// AccountConfig is one account of an estate: a profile's credentials, or
// a role assumed with them (or with the default chain's) through STS.
type AccountConfig struct {
	Profile string
	// RoleARN is a role to assume (arn:aws:iam::ACCOUNT:role/NAME), with
	// ExternalID when its trust policy asks for one.
	RoleARN    string
	ExternalID string
	// Credentials replace the profile's (tests, a caller's own
	// provider); a role is assumed with them.
	Credentials sdkaws.CredentialsProvider
}

// Estate is the AWS source over several accounts and regions: one Source
// per (account, region), each with its own credentials, region, caches and
// request budget, behind one source.Inventory, source.LogSource,
// source.AnomalyCounter and source.Feeder. Connections are listed in every
// member in parallel and carry their account and region; a question about
// one connection goes to the member that owns it, found by its id alone.
// A member that cannot be read (access denied, a region timing out or not
// enabled) is named in the answer (source.Gap), and the others answer.
// With one account and one region it behaves as a single Source.
type Estate struct {
	cfg    EstateConfig
	logger *slog.Logger
	calls  *callCounter // the estate's own calls: STS, DescribeRegions

	accounts []*account

	mu      sync.Mutex
	members map[memberKey]*member
	byID    map[string]*member
}

type memberKey struct {
	acct   int
	region string
}

// account is one account of the estate and what is known of it.
type account struct {
	idx   int
	cfg   AccountConfig
	label string // how the user named it: "profile prod", "role arn:…", "the default credentials"
	home  string // region for STS and DescribeRegions
	creds sdkaws.CredentialsProvider
	sts   *sts.Client
	ec2   *ec2.Client // in home, for DescribeRegions

	mu       sync.Mutex
	id       string   // account id: from the role ARN, else GetCallerIdentity
	regions  []string // the regions read
	disabled []string // opt-in regions not enabled (AllRegions)
	ready    bool
	err      error
	errAt    time.Time
}

// member is one (account, region) of the estate.
type member struct {
	acct     *account
	region   string
	onDemand bool // read because a question named its region

	mu    sync.Mutex
	src   *Source
	err   error
	errAt time.Time
}

// regionPattern is the form of an AWS region name (eu-central-1,
// us-gov-west-1, ap-southeast-3).
var regionPattern = regexp.MustCompile(`^[a-z]{2}(-[a-z]+)+-[0-9]$`)

// ValidRegion reports whether name has the form of an AWS region.
func ValidRegion(name string) bool { return regionPattern.MatchString(name) }

// roleARNPattern is a role ARN; the account id is its fifth field.
var roleARNPattern = regexp.MustCompile(`^arn:aws[a-z-]*:iam::([0-9]{12}):role/[\w+=,.@/-]+$`)

// NewEstate builds the estate. It loads each account's SDK configuration
// (a profile's, a role's STS client) but makes no call yet: the first
// question lists the connections, and its answer names what failed.
func NewEstate(ctx context.Context, cfg EstateConfig) (*Estate, error) {
	cfg.Member = cfg.Member.withDefaults()
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 8
	}
	if cfg.DiscoveryTimeout <= 0 {
		cfg.DiscoveryTimeout = 30 * time.Second
	}
	if cfg.RetryFailed <= 0 {
		cfg.RetryFailed = time.Minute
	}
	for _, r := range cfg.Regions {
		if !ValidRegion(r) {
			return nil, &source.Error{Op: "load AWS configuration", Cause: "Config",
				Msg: fmt.Sprintf("%q is not an AWS region name: pass regions like eu-central-1 or us-east-1, comma-separated, or all", r)}
		}
	}
	if len(cfg.Accounts) == 0 {
		cfg.Accounts = []AccountConfig{{Profile: cfg.Member.Profile, Credentials: cfg.Member.Credentials}}
	}
	e := &Estate{cfg: cfg, logger: cfg.Member.Logger, calls: &callCounter{n: map[string]int{}},
		members: map[memberKey]*member{}, byID: map[string]*member{}}
	for i, ac := range cfg.Accounts {
		a, err := e.newAccount(ctx, i, ac)
		if err != nil {
			return nil, err
		}
		e.accounts = append(e.accounts, a)
	}
	return e, nil
}

func (e *Estate) newAccount(ctx context.Context, idx int, ac AccountConfig) (*account, error) {
	a := &account{idx: idx, cfg: ac, label: "the default credentials"}
	switch {
	case ac.RoleARN != "":
		a.label = "role " + ac.RoleARN
		m := roleARNPattern.FindStringSubmatch(ac.RoleARN)
		if m == nil {
			return nil, &source.Error{Op: "load AWS configuration", Cause: "Config",
				Msg: fmt.Sprintf("--role-arn %q is not an IAM role ARN: want arn:aws:iam::123456789012:role/NAME", ac.RoleARN)}
		}
		a.id = m[1]
	case ac.Profile != "":
		a.label = "profile " + ac.Profile
	}
	opts := e.cfg.Member.configOptions()
	opts.Region, opts.Profile, opts.Credentials = "", ac.Profile, ac.Credentials
	awsCfg, err := LoadConfig(ctx, opts)
	if err != nil {
		return nil, &source.Error{Op: "load AWS configuration", Cause: "Config", Err: err,
			Msg: fmt.Sprintf("cannot load the AWS configuration of %s: %v; check --profile / AWS_PROFILE and ~/.aws/config", a.label, err)}
	}
	a.home = awsCfg.Region
	if a.home == "" && len(e.cfg.Regions) > 0 {
		a.home = e.cfg.Regions[0]
	}
	if a.home == "" && e.cfg.AllRegions {
		a.home = "us-east-1"
	}
	if a.home == "" {
		return nil, &source.Error{Op: "load AWS configuration", Cause: "NoRegion",
			Msg: "no AWS region: pass --region (the region of your VPN connections, e.g. --region eu-central-1, a comma-separated list, or all) or set AWS_REGION"}
	}
	awsCfg.Region = a.home
	mw := pacing(nil, e.calls)
	endpoint := e.cfg.Member.Endpoint
	a.sts = sts.NewFromConfig(awsCfg, func(o *sts.Options) {
		if endpoint != "" {
			o.BaseEndpoint = sdkaws.String(endpoint)
		}
		o.APIOptions = append(o.APIOptions, mw)
	})
	a.creds = awsCfg.Credentials
	if ac.RoleARN != "" {
		// The role's session is shared by every region of the account
		// and renewed by the cache before it expires.
		a.creds = sdkaws.NewCredentialsCache(stscreds.NewAssumeRoleProvider(a.sts, ac.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "vpnlens"
			if ac.ExternalID != "" {
				o.ExternalID = sdkaws.String(ac.ExternalID)
			}
		}))
		awsCfg.Credentials = a.creds
	}
	a.ec2 = ec2.NewFromConfig(awsCfg, func(o *ec2.Options) {
		if endpoint != "" {
			o.BaseEndpoint = sdkaws.String(endpoint)
		}
		o.APIOptions = append(o.APIOptions, mw)
	})
	return a, nil
}

// Places names what the estate reads: "account 111122223333 (profile
// prod): eu-central-1, us-east-1" per account, as far as known.
func (e *Estate) Places() []string {
	var out []string
	for _, a := range e.accounts {
		a.mu.Lock()
		s := a.display()
		switch {
		case len(a.regions) > 0:
			s += ": " + strings.Join(a.regions, ", ")
		case e.cfg.AllRegions:
			s += ": every enabled region"
		case len(e.cfg.Regions) > 0:
			s += ": " + strings.Join(e.cfg.Regions, ", ")
		default:
			s += ": " + a.home
		}
		a.mu.Unlock()
		out = append(out, s)
	}
	return out
}

// display names an account: its id and how it was given. Callers hold a.mu.
func (a *account) display() string {
	if a.id == "" {
		return a.label
	}
	return "account " + a.id + " (" + a.label + ")"
}

// single reports an estate of one account and one region: its failures
// are the answer, as a single Source's are.
func (e *Estate) single() bool {
	return len(e.accounts) == 1 && !e.cfg.AllRegions && len(e.cfg.Regions) <= 1
}

// prepare learns an account's id (GetCallerIdentity, or the role ARN after
// a first AssumeRole) and the regions to read (DescribeRegions for
// AllRegions). A failure is kept for RetryFailed.
func (e *Estate) prepare(ctx context.Context, a *account) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.ready {
		return nil
	}
	if a.err != nil && time.Since(a.errAt) < e.cfg.RetryFailed {
		return a.err
	}
	err := e.prepareLocked(ctx, a)
	if err != nil {
		if ctx.Err() == nil {
			a.err, a.errAt = err, time.Now()
		}
		return err
	}
	a.ready, a.err = true, nil
	return nil
}

func (e *Estate) prepareLocked(ctx context.Context, a *account) error {
	ctx, cancel := context.WithTimeout(ctx, e.cfg.DiscoveryTimeout)
	defer cancel()
	if a.cfg.RoleARN != "" {
		// Assume the role now: a role that does not trust these
		// credentials is named here, not as a failure of every region.
		if _, err := a.creds.Retrieve(ctx); err != nil {
			return e.accountError(a, "AssumeRole", err)
		}
	} else {
		// Whose credentials these are: the account every answer names.
		out, err := a.sts.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		if err != nil {
			return e.accountError(a, "GetCallerIdentity", err)
		}
		a.id = sdkaws.ToString(out.Account)
	}
	switch {
	case e.cfg.AllRegions:
		out, err := a.ec2.DescribeRegions(ctx, &ec2.DescribeRegionsInput{AllRegions: sdkaws.Bool(true)})
		if err != nil {
			return e.accountError(a, "DescribeRegions", err)
		}
		a.regions, a.disabled = nil, nil
		for _, r := range out.Regions {
			name := sdkaws.ToString(r.RegionName)
			if sdkaws.ToString(r.OptInStatus) == "not-opted-in" {
				a.disabled = append(a.disabled, name)
			} else {
				a.regions = append(a.regions, name)
			}
		}
		sort.Strings(a.regions)
		sort.Strings(a.disabled)
		if len(a.disabled) > 0 {
			e.logger.Info("opt-in regions not enabled are not read", "account", a.display(), "regions", strings.Join(a.disabled, ","))
		}
	case len(e.cfg.Regions) > 0:
		a.regions = slices.Clone(e.cfg.Regions)
	default:
		a.regions = []string{a.home}
	}
	return nil
}

// accountError names an account-wide failure: a role that cannot be
// assumed, credentials that do not work, DescribeRegions denied.
func (e *Estate) accountError(a *account, op string, err error) error {
	if errors.Is(err, context.Canceled) {
		return err
	}
	var ae smithy.APIError
	code, msg := "", ""
	if errors.As(err, &ae) {
		code, msg = ae.ErrorCode(), ae.ErrorMessage()
	}
	if op == "AssumeRole" && code != "" {
		cause := code
		advice := "check the role ARN and that the role exists"
		if code == "AccessDenied" {
			cause = "AccessDenied"
			advice = "the role's trust policy must allow the credentials vpnlens starts from (sts:AssumeRole), with the external id it requires passed as --external-id; docs/iam-trust-policy.json in the vpnlens repository is the trust policy to give it"
		}
		return &source.Error{Op: "AssumeRole", Cause: cause, Err: err,
			Msg: fmt.Sprintf("AWS refused to let vpnlens assume %s (%s): %s. AWS said: %s", a.cfg.RoleARN, code, advice, msg)}
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return &source.Error{Op: op, Cause: "Timeout", Err: err,
			Msg: fmt.Sprintf("AWS %s for %s did not answer within %s: AWS or the network is slow; ask again in a minute", op, a.label, e.cfg.DiscoveryTimeout)}
	}
	mapped := (&Source{cfg: e.cfg.Member, region: a.home}).mapError(callContext{op: op}, err)
	var se *source.Error
	if errors.As(mapped, &se) {
		se.Msg = a.label + ": " + se.Msg
	}
	return mapped
}

// memberFor is the (account, region) member, made on first use.
func (e *Estate) memberFor(a *account, region string, onDemand bool) *member {
	e.mu.Lock()
	defer e.mu.Unlock()
	k := memberKey{a.idx, region}
	m := e.members[k]
	if m == nil {
		m = &member{acct: a, region: region, onDemand: onDemand}
		e.members[k] = m
	}
	if !onDemand {
		m.onDemand = false
	}
	return m
}

// source is the member's Source, built on first use with the account's
// credentials.
func (m *member) source(ctx context.Context, base Config) (*Source, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.src != nil {
		return m.src, nil
	}
	cfg := base
	cfg.Region, cfg.Profile, cfg.Credentials = m.region, m.acct.cfg.Profile, m.acct.creds
	m.acct.mu.Lock()
	cfg.AccountID = m.acct.id
	m.acct.mu.Unlock()
	src, err := New(ctx, cfg)
	if err != nil {
		return nil, err
	}
	m.src = src
	return src, nil
}

// listing is what one member's discovery returned.
type memberListing struct {
	m     *member
	conns []source.Connection
	err   error
}

// list lists a member's connections (the Source caches them for
// InventoryTTL), within DiscoveryTimeout. A failure is kept for
// RetryFailed, so that a region that is down does not slow every
// question.
func (e *Estate) list(ctx context.Context, m *member) ([]source.Connection, error) {
	m.mu.Lock()
	if m.err != nil && time.Since(m.errAt) < e.cfg.RetryFailed {
		err := m.err
		m.mu.Unlock()
		return nil, err
	}
	m.mu.Unlock()
	src, err := m.source(ctx, e.cfg.Member)
	if err != nil {
		return nil, err
	}
	lctx, cancel := context.WithTimeout(ctx, e.cfg.DiscoveryTimeout)
	defer cancel()
	conns, err := src.Connections(lctx)
	var se *source.Error
	if errors.As(err, &se) && se.Cause == "NoConnections" {
		conns, err = nil, nil
	}
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		err = e.memberError(m, err, lctx.Err() != nil)
		m.mu.Lock()
		m.err, m.errAt = err, time.Now()
		m.mu.Unlock()
		return nil, err
	}
	m.mu.Lock()
	m.err = nil
	m.mu.Unlock()
	return conns, nil
}

// memberError words a region's failure for an estate: a listing that ran
// out of time, or credentials that work elsewhere refused in this region
// (an opt-in region not enabled).
func (e *Estate) memberError(m *member, err error, timedOut bool) error {
	var se *source.Error
	isSE := errors.As(err, &se)
	switch {
	case timedOut && (!isSE || se.Cause == "Timeout" || se.Cause == "Unavailable"):
		return &source.Error{Op: "DescribeVpnConnections", Cause: "Timeout", Err: err,
			Msg: fmt.Sprintf("region %s did not list its VPN connections within %s: AWS or the network is slow there; ask again in a minute", m.region, e.cfg.DiscoveryTimeout)}
	case isSE && se.Cause == "Credentials" && !e.single():
		var ae smithy.APIError
		code := se.Cause
		if errors.As(err, &ae) {
			code = ae.ErrorCode()
		}
		return &source.Error{Op: se.Op, Cause: "RegionNotEnabled", Err: err,
			Msg: fmt.Sprintf("AWS refused the account's credentials in region %s (%s) while they work in its other regions: %s is probably an opt-in region not enabled for this account; enable it (AWS console: Account, AWS Regions) or leave it out of --region", m.region, code, m.region)}
	}
	return err
}

// discover lists the connections of every member (region "" ) or of one
// region in every account, in parallel within Concurrency. Gaps name the
// accounts and regions that failed; errs holds their errors, in the same
// order.
func (e *Estate) discover(ctx context.Context, region string) (conns []source.Connection, gaps []source.Gap, errs []error) {
	var wg sync.WaitGroup
	for _, a := range e.accounts {
		wg.Go(func() { e.prepare(ctx, a) })
	}
	wg.Wait()
	var ms []*member
	for _, a := range e.accounts {
		if err := e.prepare(ctx, a); err != nil {
			a.mu.Lock()
			gaps = append(gaps, gapOf(a.id, a.label, region, err))
			a.mu.Unlock()
			errs = append(errs, err)
			continue
		}
		a.mu.Lock()
		regions := a.regions
		a.mu.Unlock()
		if region != "" {
			ms = append(ms, e.memberFor(a, region, !slices.Contains(regions, region)))
			continue
		}
		for _, r := range regions {
			ms = append(ms, e.memberFor(a, r, false))
		}
	}
	results := make([]memberListing, len(ms))
	sem := make(chan struct{}, e.cfg.Concurrency)
	for i, m := range ms {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				results[i] = memberListing{m: m, err: ctx.Err()}
				return
			}
			defer func() { <-sem }()
			c, err := e.list(ctx, m)
			results[i] = memberListing{m: m, conns: c, err: err}
		})
	}
	wg.Wait()
	e.mu.Lock()
	defer e.mu.Unlock()
	for _, r := range results {
		if r.err != nil {
			r.m.acct.mu.Lock()
			gaps = append(gaps, gapOf(r.m.acct.id, r.m.acct.label, r.m.region, r.err))
			r.m.acct.mu.Unlock()
			errs = append(errs, r.err)
			continue
		}
		for _, c := range r.conns {
			e.byID[c.ID] = r.m
		}
		conns = append(conns, r.conns...)
	}
	sort.SliceStable(conns, func(i, j int) bool {
		a, b := &conns[i], &conns[j]
		if a.AccountID != b.AccountID {
			return a.AccountID < b.AccountID
		}
		if a.Region != b.Region {
			return a.Region < b.Region
		}
		return a.ID < b.ID
	})
	return conns, gaps, errs
}

// gapOf names a failed account or region.
func gapOf(accountID, label, region string, err error) source.Gap {
	g := source.Gap{AccountID: accountID, Region: region, Cause: "Error", Message: err.Error()}
	if accountID == "" {
		g.AccountID = label
	}
	var se *source.Error
	if errors.As(err, &se) {
		g.Cause = se.Cause
	}
	if errors.Is(err, context.DeadlineExceeded) {
		g.Cause = "Timeout"
	}
	return g
}

// ConnectionsPartial implements source.PartialInventory: the connections
// of every account and region that answered, sorted by account, region
// and id, and the parts that did not. It fails only when nothing could be
// read: then with the failure itself (one part) or the first one.
func (e *Estate) ConnectionsPartial(ctx context.Context) ([]source.Connection, []source.Gap, error) {
	conns, gaps, errs := e.discover(ctx, "")
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if len(conns) == 0 && len(errs) > 0 && len(errs) == e.placesTried() {
		return nil, nil, errs[0]
	}
	if len(conns) == 0 && len(gaps) == 0 {
		return nil, nil, e.noConnections(ctx)
	}
	return conns, gaps, nil
}

// placesTried counts the members and failed accounts a full discovery
// tries.
func (e *Estate) placesTried() int {
	n := 0
	for _, a := range e.accounts {
		a.mu.Lock()
		if a.ready {
			n += len(a.regions)
		} else {
			n++
		}
		a.mu.Unlock()
	}
	return n
}

// noConnections is the error of an estate with no connection anywhere:
// one Source's own (it says which --region) or the places searched.
func (e *Estate) noConnections(ctx context.Context) error {
	if a := e.accounts[0]; e.single() && len(a.regions) == 1 {
		m := e.memberFor(a, a.regions[0], false)
		if src, err := m.source(ctx, e.cfg.Member); err == nil {
			_, err = src.Connections(ctx)
			if err != nil {
				return err
			}
		}
	}
	return &source.Error{Op: "DescribeVpnConnections", Cause: "NoConnections",
		Msg: fmt.Sprintf("there are no Site-to-Site VPN connections in %s: is the VPN in another region? pass --region (a list, or all); in another account? add --profile or --role-arn", strings.Join(e.Places(), "; "))}
}

// Connections implements source.Inventory (the parts that failed are left
// out: ConnectionsPartial names them).
func (e *Estate) Connections(ctx context.Context) ([]source.Connection, error) {
	conns, gaps, err := e.ConnectionsPartial(ctx)
	for _, g := range gaps {
		e.logger.Warn("part of the AWS estate could not be read", "where", g.Where(), "cause", g.Cause, "err", g.Message)
	}
	return conns, err
}

// RegionConnections implements source.RegionalInventory: the connections
// of one region in every account, read on demand when the region is not
// among those configured (a question that names it).
func (e *Estate) RegionConnections(ctx context.Context, region string) ([]source.Connection, []source.Gap, error) {
	if !ValidRegion(region) {
		return nil, nil, source.NotFoundError("%q is not an AWS region name (e.g. eu-central-1)", region)
	}
	conns, gaps, errs := e.discover(ctx, region)
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	if len(conns) == 0 && len(errs) == len(e.accounts) {
		return nil, nil, errs[0]
	}
	return conns, gaps, nil
}

// route finds the member that owns a connection, listing the estate when
// the id is not known yet.
func (e *Estate) route(ctx context.Context, id string) (*member, error) {
	e.mu.Lock()
	m := e.byID[id]
	e.mu.Unlock()
	if m != nil {
		return m, nil
	}
	_, gaps, errs := e.discover(ctx, "")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	e.mu.Lock()
	m = e.byID[id]
	e.mu.Unlock()
	if m != nil {
		return m, nil
	}
	if a := e.accounts[0]; e.single() {
		if len(errs) > 0 {
			return nil, errs[0]
		}
		// One region: its Source looks the id up directly and says
		// whether the VPN is in another region.
		return e.memberFor(a, a.regions[0], false), nil
	}
	msg := fmt.Sprintf("VPN connection %s is in none of the accounts and regions read (%s): if it is in another region pass region, if in another account add its --profile or --role-arn", id, strings.Join(e.Places(), "; "))
	if len(gaps) > 0 {
		var missing []string
		for _, g := range gaps {
			missing = append(missing, g.Where()+" ("+g.Cause+")")
		}
		msg += "; it may be in a part that could not be read: " + strings.Join(missing, ", ")
	}
	return nil, source.NotFoundError("%s", msg)
}

// sourceOf is the Source of the member that owns a connection.
func (e *Estate) sourceOf(ctx context.Context, id string) (*Source, error) {
	m, err := e.route(ctx, id)
	if err != nil {
		return nil, err
	}
	return m.source(ctx, e.cfg.Member)
}

// Connection finds one connection by id in whichever account and region
// holds it (investigate.ConnectionLookup).
func (e *Estate) Connection(ctx context.Context, id string) (*source.Connection, error) {
	src, err := e.sourceOf(ctx, id)
	if err != nil {
		return nil, err
	}
	return src.Connection(ctx, id)
}

// Logs implements source.LogSource: the connection's own member reads it.
func (e *Estate) Logs(ctx context.Context, q source.LogQuery) (*source.LogResult, error) {
	src, err := e.sourceOf(ctx, q.VPNConnectionID)
	if err != nil {
		return nil, err
	}
	return src.Logs(ctx, q)
}

// Extents implements source.LogSource.
func (e *Estate) Extents(ctx context.Context, vpnConnectionID string) ([]source.Extent, error) {
	src, err := e.sourceOf(ctx, vpnConnectionID)
	if err != nil {
		return nil, err
	}
	return src.Extents(ctx, vpnConnectionID)
}

// AnomalyCounts implements source.AnomalyCounter: each member counts its
// own connections (Logs Insights per account and region, in parallel
// within Concurrency), the rows are merged, and a member that fails is
// named in the notes while the others' counts stand.
func (e *Estate) AnomalyCounts(ctx context.Context, vpnIDs []string, start, end time.Time) (*source.AnomalyCounts, error) {
	type part struct {
		m   *member
		ids []string
	}
	var parts []*part
	var notes []string
	byMember := map[*member]*part{}
	if len(vpnIDs) == 0 {
		_, gaps, _ := e.discover(ctx, "")
		for _, g := range gaps {
			notes = append(notes, g.Note())
		}
		e.mu.Lock()
		for _, m := range e.members {
			m.mu.Lock()
			if !m.onDemand && m.err == nil {
				parts = append(parts, &part{m: m})
			}
			m.mu.Unlock()
		}
		e.mu.Unlock()
	} else {
		for _, id := range vpnIDs {
			m, err := e.route(ctx, id)
			if err != nil {
				if ctx.Err() != nil {
					return nil, ctx.Err()
				}
				notes = append(notes, fmt.Sprintf("INCOMPLETE: %s not counted: %v", id, err))
				continue
			}
			p := byMember[m]
			if p == nil {
				p = &part{m: m}
				byMember[m] = p
				parts = append(parts, p)
			}
			p.ids = append(p.ids, id)
		}
	}
	sort.Slice(parts, func(i, j int) bool {
		if parts[i].m.acct.idx != parts[j].m.acct.idx {
			return parts[i].m.acct.idx < parts[j].m.acct.idx
		}
		return parts[i].m.region < parts[j].m.region
	})
	results := make([]*source.AnomalyCounts, len(parts))
	errs := make([]error, len(parts))
	var wg sync.WaitGroup
	sem := make(chan struct{}, e.cfg.Concurrency)
	for i, p := range parts {
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				errs[i] = ctx.Err()
				return
			}
			defer func() { <-sem }()
			src, err := p.m.source(ctx, e.cfg.Member)
			if err == nil {
				results[i], err = src.AnomalyCounts(ctx, p.ids, start, end)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := &source.AnomalyCounts{Rows: []source.AnomalyCount{}}
	failed := 0
	for i, r := range results {
		if errs[i] != nil {
			failed++
			p := parts[i]
			p.m.acct.mu.Lock()
			g := gapOf(p.m.acct.id, p.m.acct.label, p.m.region, errs[i])
			p.m.acct.mu.Unlock()
			notes = append(notes, g.Note())
			continue
		}
		out.Rows = append(out.Rows, r.Rows...)
		out.Calls += r.Calls
		if out.Path == "" {
			out.Path = r.Path
		}
		out.Notes = append(out.Notes, r.Notes...)
	}
	if failed > 0 && failed == len(parts) {
		return nil, errs[0]
	}
	if out.Path == "" {
		out.Path = PathInsights
	}
	out.Notes = append(notes, out.Notes...)
	return out, nil
}

// Calls returns the API requests of the whole estate, per operation.
func (e *Estate) Calls() map[string]int {
	out := e.calls.snapshot()
	for _, src := range e.sources() {
		for op, n := range src.Calls() {
			out[op] += n
		}
	}
	return out
}

// CallsByPlace returns the API requests per member ("111122223333
// eu-central-1") and, under "estate", the estate's own (STS,
// DescribeRegions).
func (e *Estate) CallsByPlace() map[string]map[string]int {
	out := map[string]map[string]int{"estate": e.calls.snapshot()}
	e.mu.Lock()
	ms := make([]*member, 0, len(e.members))
	for _, m := range e.members {
		ms = append(ms, m)
	}
	e.mu.Unlock()
	for _, m := range ms {
		m.mu.Lock()
		src := m.src
		m.mu.Unlock()
		if src == nil {
			continue
		}
		m.acct.mu.Lock()
		name := m.acct.id
		if name == "" {
			name = m.acct.label
		}
		m.acct.mu.Unlock()
		out[name+" "+m.region] = src.Calls()
	}
	return out
}

// sources lists the members' Sources built so far.
func (e *Estate) sources() []*Source {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*Source
	for _, m := range e.members {
		m.mu.Lock()
		if m.src != nil {
			out = append(out, m.src)
		}
		m.mu.Unlock()
	}
	return out
}

// Forget drops every member's caches and the estate's knowledge of which
// member owns which connection; failures are forgotten too.
func (e *Estate) Forget() {
	for _, src := range e.sources() {
		src.Forget()
	}
	e.mu.Lock()
	e.byID = map[string]*member{}
	for _, m := range e.members {
		m.mu.Lock()
		m.err = nil
		m.mu.Unlock()
	}
	e.mu.Unlock()
	for _, a := range e.accounts {
		a.mu.Lock()
		a.err = nil
		a.mu.Unlock()
	}
}

var (
	_ source.Inventory         = (*Estate)(nil)
	_ source.PartialInventory  = (*Estate)(nil)
	_ source.RegionalInventory = (*Estate)(nil)
	_ source.LogSource         = (*Estate)(nil)
	_ source.AnomalyCounter    = (*Estate)(nil)
)

// TunnelMetrics implements source.TunnelMetrics through the member that
// holds the connection.
func (e *Estate) TunnelMetrics(ctx context.Context, q source.MetricsQuery) (*source.MetricsResult, error) {
	src, err := e.sourceOf(ctx, q.VPNConnectionID)
	if err != nil {
		return nil, err
	}
	return src.TunnelMetrics(ctx, q)
}

// Changes implements source.ChangeHistory through the member that holds
// the connection.
func (e *Estate) Changes(ctx context.Context, q source.ChangeQuery) (*source.ChangesResult, error) {
	src, err := e.sourceOf(ctx, q.VPNConnectionID)
	if err != nil {
		return nil, err
	}
	return src.Changes(ctx, q)
}
