package fakeaws

import (
	"context"
	"encoding/xml"
	"net/http"
	"net/url"
	"time"
)

// STS speaks the query protocol: a form in (Action=AssumeRole&Version=
// 2011-06-15&...), XML out, errors as <ErrorResponse><Error>.
const stsXMLNS = "https://sts.amazonaws.com/doc/2011-06-15/"

// isSTS reports an STS action.
func isSTS(action string) bool { return action == "AssumeRole" || action == "GetCallerIdentity" }

type stsCredentials struct {
	AccessKeyId     string
	SecretAccessKey string
	SessionToken    string
	Expiration      string // ISO 8601, e.g. 2026-06-12T10:00:00Z
}

type assumeRoleResponse struct {
	XMLName xml.Name `xml:"AssumeRoleResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Credentials     stsCredentials
		AssumedRoleUser struct {
			Arn           string
			AssumedRoleId string
		}
		PackedPolicySize int
	} `xml:"AssumeRoleResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

type getCallerIdentityResponse struct {
	XMLName xml.Name `xml:"GetCallerIdentityResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Result  struct {
		Arn     string
		UserId  string
		Account string
	} `xml:"GetCallerIdentityResult"`
	RequestID string `xml:"ResponseMetadata>RequestId"`
}

type stsErrorResponse struct {
	XMLName xml.Name `xml:"ErrorResponse"`
	Xmlns   string   `xml:"xmlns,attr"`
	Error   struct {
		Type    string
		Code    string
		Message string
	}
	RequestID string `xml:"RequestId"`
}

func writeSTSError(w http.ResponseWriter, e *apiError) {
	r := stsErrorResponse{Xmlns: stsXMLNS, RequestID: "fake-request"}
	r.Error.Type, r.Error.Code, r.Error.Message = "Sender", e.code, e.message
	if e.status >= 500 {
		r.Error.Type = "Receiver"
	}
	w.Header().Set("Content-Type", "text/xml")
	w.WriteHeader(e.status)
	w.Write([]byte(xml.Header))
	xml.NewEncoder(w).Encode(r)
}

func writeXML(w http.ResponseWriter, v any, sp spoil) {
	body, _ := xml.Marshal(v)
	writeSpoiled(w, "text/xml", append([]byte(xml.Header), body...), sp)
}

// serveSTS answers STS on a single fake: GetCallerIdentity names its
// account; AssumeRole needs an Estate (it has the roles).
func (s *Server) serveSTS(ctx context.Context, w http.ResponseWriter, form url.Values) {
	op := form.Get("Action")
	e, sp := s.admit(ctx, op, Call{})
	if e != nil {
		writeSTSError(w, e)
		return
	}
	if ctx.Err() != nil {
		return
	}
	switch op {
	case "GetCallerIdentity":
		sig, _ := ctx.Value(signerKey{}).(signer)
		writeXML(w, callerIdentity(s.opt.Account, "arn:aws:iam::"+s.opt.Account+":user/test", sig.accessKeyID), sp)
	default:
		writeSTSError(w, errorf(400, "InvalidAction", "fakeaws: %s is served by an Estate, which has roles", op))
	}
}

func callerIdentity(account, arn, userID string) *getCallerIdentityResponse {
	r := &getCallerIdentityResponse{Xmlns: stsXMLNS, RequestID: "fake-request"}
	r.Result.Account, r.Result.Arn, r.Result.UserId = account, arn, userID
	return r
}

// isoTime is STS's timestamp form.
func isoTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05Z") }
