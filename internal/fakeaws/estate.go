package fakeaws

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// Estate is several AWS accounts and regions behind one endpoint, as AWS
// tells them apart: the SigV4 credential scope of a request names its
// region, its access key the account (a key of the account's own, or a
// session key that AssumeRole handed out). Each enabled (account, region)
// is a full Server with its own connections, logs, faults and call log;
// the estate answers STS (AssumeRole, GetCallerIdentity) and EC2
// DescribeRegions itself, and refuses a region the account has not
// enabled as AWS does (EC2 AuthFailure, CloudWatch Logs
// UnrecognizedClientException).
type Estate struct {
	*httptest.Server
	// control applies latency, faults and the call log to the estate's
	// own operations (STS, DescribeRegions, refused regions).
	control *Server

	mu       sync.Mutex
	accounts map[string]*Account
	keys     map[string]*credential // by access key id
	seq      int
	now      func() time.Time
}

// credential is an access key the estate accepts.
type credential struct {
	account string
	secret  string
	token   string // a session's (AssumeRole); "" for an account's own key
	arn     string // who it is: a user, or an assumed role's session
}

// Account is one account of an Estate.
type Account struct {
	ID string
	e  *Estate
	// regions are the enabled regions' fakes; status is every region
	// DescribeRegions lists, with its opt-in status.
	regions map[string]*Server
	status  map[string]string
	roles   map[string]*role // by ARN
}

type role struct {
	arn        string
	externalID string
	trusted    []string // account ids allowed to assume it; empty = any account of the estate
}

type accountKey struct{}

// NewEstate starts an empty estate; add accounts with AddAccount.
func NewEstate() *Estate {
	e := &Estate{control: newServer(Options{Region: "global", Account: "-"}), accounts: map[string]*Account{},
		keys: map[string]*credential{}, now: time.Now}
	e.Server = httptest.NewServer(http.HandlerFunc(e.serve))
	return e
}

// Close stops the estate and every member.
func (e *Estate) Close() {
	e.Server.Close()
	e.mu.Lock()
	var members []*Server
	for _, a := range e.accounts {
		for _, s := range a.regions {
			members = append(members, s)
		}
	}
	e.mu.Unlock()
	for _, s := range members {
		s.Close()
	}
}

// AddAccount adds an account whose own access key (a profile's, say) is
// accessKeyID; "" adds one that can only be reached by assuming a role.
func (e *Estate) AddAccount(id, accessKeyID string) *Account {
	e.mu.Lock()
	defer e.mu.Unlock()
	a := &Account{ID: id, e: e, regions: map[string]*Server{}, status: map[string]string{}, roles: map[string]*role{}}
	e.accounts[id] = a
	if accessKeyID != "" {
		e.keys[accessKeyID] = &credential{account: id, secret: "secret", arn: "arn:aws:iam::" + id + ":user/vpnlens"}
	}
	return a
}

// Region is the fake of an enabled region of the account, created (with
// opt-in status opt-in-not-required and opt's settings) on first use.
func (a *Account) Region(name string, opt ...Options) *Server {
	a.e.mu.Lock()
	defer a.e.mu.Unlock()
	if s := a.regions[name]; s != nil {
		return s
	}
	var o Options
	if len(opt) > 0 {
		o = opt[0]
	}
	o.Region, o.Account = name, a.ID
	s := newServer(o)
	a.regions[name] = s
	if a.status[name] == "" {
		a.status[name] = OptInNotRequired
	}
	return s
}

// OptInRegion lists an opt-in region: enabled (opted-in, its fake
// returned) or not (not-opted-in: DescribeRegions lists it with
// AllRegions, and every call there is refused; nil returned).
func (a *Account) OptInRegion(name string, enabled bool) *Server {
	if !enabled {
		a.e.mu.Lock()
		defer a.e.mu.Unlock()
		a.status[name] = NotOptedIn
		delete(a.regions, name)
		return nil
	}
	a.e.mu.Lock()
	a.status[name] = OptedIn
	a.e.mu.Unlock()
	return a.Region(name)
}

// AddRole creates a role in the account that the accounts trusted may
// assume (none named: any account of the estate), with externalID
// required when it is not empty. It returns the role's ARN.
func (a *Account) AddRole(name, externalID string, trusted ...string) string {
	a.e.mu.Lock()
	defer a.e.mu.Unlock()
	arn := "arn:aws:iam::" + a.ID + ":role/" + name
	a.roles[arn] = &role{arn: arn, externalID: externalID, trusted: trusted}
	return arn
}

// AddFault injects a fault into the estate's own operations (AssumeRole,
// GetCallerIdentity, DescribeRegions). Faults of an account's region go
// on its Server (Account.Region(...).AddFault).
func (e *Estate) AddFault(f Fault) *Fault { return e.control.AddFault(f) }

// Calls returns every request the estate answered, its own and its
// members', each with the account and region it was for.
func (e *Estate) Calls() []Call {
	out := e.control.Calls()
	for _, s := range e.members() {
		out = append(out, s.Calls()...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	return out
}

// ResetCalls forgets every recorded request.
func (e *Estate) ResetCalls() {
	e.control.ResetCalls()
	for _, s := range e.members() {
		s.ResetCalls()
	}
}

// Counts returns requests per operation across the estate.
func (e *Estate) Counts() map[string]int {
	out := map[string]int{}
	for _, c := range e.Calls() {
		out[c.Op]++
	}
	return out
}

// Operations lists the distinct operations called, as IAM actions, sorted.
func (e *Estate) Operations() []string {
	seen := map[string]bool{}
	for _, c := range e.Calls() {
		seen[iamAction(c.Op)] = true
	}
	return sortedKeys(seen)
}

func (e *Estate) members() []*Server {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*Server
	for _, id := range sortedKeys(e.accounts) {
		a := e.accounts[id]
		for _, r := range sortedKeys(a.regions) {
			out = append(out, a.regions[r])
		}
	}
	return out
}

// operation names a request's operation and protocol.
func operation(h http.Header, body []byte) (op string, form url.Values, logs bool) {
	if target := h.Get("X-Amz-Target"); target != "" {
		if op, ok := trailOperation(target); ok {
			return op, nil, true
		}
		return strings.TrimPrefix(target, "Logs_20140328."), nil, true
	}
	form, _ = url.ParseQuery(string(body))
	return form.Get("Action"), form, false
}

func (e *Estate) serve(w http.ResponseWriter, r *http.Request) {
	body, ok := readPost(w, r)
	if !ok {
		return
	}
	sig := parseSigner(r.Header.Get("Authorization"))
	ctx := context.WithValue(r.Context(), signerKey{}, sig)
	op, form, logs := operation(r.Header, body)
	cborOp, cbor := cborOperation(r)
	if cbor {
		op, logs = cborOp, true // refused like CloudWatch Logs (a JSON-family service)
	}
	refuse := func(account string, e2 *apiError) {
		fail, _ := e.control.admitAs(context.WithValue(ctx, accountKey{}, account), op, Call{}, e2)
		switch {
		case cbor:
			writeCBORError(w, fail)
		case logs:
			writeJSONError(w, fail)
		case isSTS(op):
			writeSTSError(w, fail)
		default:
			writeEC2Error(w, fail)
		}
	}
	e.mu.Lock()
	cred := e.keys[sig.accessKeyID]
	e.mu.Unlock()
	if cred == nil || cred.token != "" && r.Header.Get("X-Amz-Security-Token") != cred.token {
		switch {
		case logs:
			refuse("", errorf(400, "UnrecognizedClientException", "The security token included in the request is invalid."))
		case isSTS(op):
			refuse("", errorf(403, "InvalidClientTokenId", "The security token included in the request is invalid."))
		default:
			refuse("", errorf(401, "AuthFailure", "AWS was not able to validate the provided access credentials"))
		}
		return
	}
	ctx = context.WithValue(ctx, accountKey{}, cred.account)
	if isSTS(op) || op == "DescribeRegions" {
		e.serveGlobal(ctx, w, op, form, cred)
		return
	}
	e.mu.Lock()
	member := e.accounts[cred.account].regions[sig.region]
	e.mu.Unlock()
	if member == nil {
		// A region the account has not enabled (an opt-in region not
		// opted into) or that does not exist: AWS refuses the credentials.
		if logs {
			refuse(cred.account, errorf(400, "UnrecognizedClientException", "The security token included in the request is invalid."))
		} else {
			refuse(cred.account, errorf(401, "AuthFailure", "AWS was not able to validate the provided access credentials"))
		}
		return
	}
	member.handle(ctx, w, r, body)
}

var roleSessionName = regexp.MustCompile(`^[\w+=,.@-]{2,64}$`)

// serveGlobal answers STS and DescribeRegions for the caller's account.
func (e *Estate) serveGlobal(ctx context.Context, w http.ResponseWriter, op string, form url.Values, cred *credential) {
	var refusal *apiError
	if op == "AssumeRole" {
		refusal = e.checkAssumeRole(form, cred)
	}
	fail, sp := e.control.admitAs(ctx, op, Call{}, refusal)
	if fail != nil {
		if op == "DescribeRegions" {
			writeEC2Error(w, fail)
		} else {
			writeSTSError(w, fail)
		}
		return
	}
	if ctx.Err() != nil {
		return
	}
	sig, _ := ctx.Value(signerKey{}).(signer)
	switch op {
	case "GetCallerIdentity":
		writeXML(w, callerIdentity(cred.account, cred.arn, sig.accessKeyID), sp)
	case "DescribeRegions":
		e.mu.Lock()
		status := map[string]string{}
		for k, v := range e.accounts[cred.account].status {
			status[k] = v
		}
		e.mu.Unlock()
		writeXML(w, describeRegions(status, form), sp)
	case "AssumeRole":
		writeXML(w, e.issueSession(form), sp)
	}
}

// checkAssumeRole checks an AssumeRole request as STS does: the version,
// a valid session name, a role that exists and trusts the caller's
// account, the external id it requires. nil = allowed.
func (e *Estate) checkAssumeRole(form url.Values, cred *credential) *apiError {
	arn, session := form.Get("RoleArn"), form.Get("RoleSessionName")
	if form.Get("Version") != "2011-06-15" {
		return errorf(400, "InvalidAction", "Could not find operation AssumeRole for version %s", form.Get("Version"))
	}
	if len(arn) < 20 {
		return errorf(400, "ValidationError", "1 validation error detected: Value at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20")
	}
	if !roleSessionName.MatchString(session) {
		return errorf(400, "ValidationError", "1 validation error detected: Value '%s' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*", session)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	r, _ := e.role(arn)
	if r == nil || len(r.trusted) > 0 && !contains(r.trusted, cred.account) || r.externalID != "" && form.Get("ExternalId") != r.externalID {
		return errorf(403, "AccessDenied", "User: %s is not authorized to perform: sts:AssumeRole on resource: %s", cred.arn, arn)
	}
	return nil
}

// role finds a role by ARN. Callers hold e.mu.
func (e *Estate) role(arn string) (*role, *Account) {
	for _, a := range e.accounts {
		if r := a.roles[arn]; r != nil {
			return r, a
		}
	}
	return nil, nil
}

// issueSession hands out session credentials (checked by checkAssumeRole)
// that sign for the role's account.
func (e *Estate) issueSession(form url.Values) *assumeRoleResponse {
	arn, session := form.Get("RoleArn"), form.Get("RoleSessionName")
	e.mu.Lock()
	defer e.mu.Unlock()
	_, target := e.role(arn)
	e.seq++
	key := fmt.Sprintf("ASIAFAKE%012d", e.seq)
	name := arn[strings.LastIndexByte(arn, '/')+1:]
	c := &credential{account: target.ID, secret: fmt.Sprintf("session-secret-%d", e.seq), token: fmt.Sprintf("FAKE-SESSION-TOKEN-%d", e.seq),
		arn: "arn:aws:sts::" + target.ID + ":assumed-role/" + name + "/" + session}
	e.keys[key] = c
	resp := &assumeRoleResponse{Xmlns: stsXMLNS, RequestID: "fake-request"}
	resp.Result.Credentials = stsCredentials{AccessKeyId: key, SecretAccessKey: c.secret, SessionToken: c.token, Expiration: isoTime(e.now().Add(time.Hour))}
	resp.Result.AssumedRoleUser.Arn = c.arn
	resp.Result.AssumedRoleUser.AssumedRoleId = fmt.Sprintf("AROAFAKE%08d:%s", e.seq, session)
	return resp
}
