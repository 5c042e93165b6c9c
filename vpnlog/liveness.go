package vpnlog

import (
	"strings"

	"github.com/vpnlens/vpnlens/catalog"
)

// The liveness exchange is what a healthy tunnel with dead peer detection
// on logs about every 10 s: an IKEv2 INFORMATIONAL request and its
// response, or an IKEv1 R-U-THERE and its ACK. At that rate it is most of
// a tunnel's log (some 81 MB a month), and one record says nothing the
// next does not, so answers count it rather than list it, and sources may
// count it where the logs are (CloudWatch) instead of fetching it.
//
// LivenessRegex and IsLivenessDetails recognise exactly the same
// messages (a test keeps them so): the regex runs inside CloudWatch Logs
// Insights against the whole message (a JSON object, where the details
// value is between quotes, or a text line, where it is the last field), the function here on a
// record's details. Only the exact shapes count; anything more on the
// line (an error, a notification) makes it an ordinary record.
const LivenessRegex = `(details=|"details": ?")(AWS tunnel (processed|is sending) (request|response) \(id=[0-9]+\) for INFORMATIONAL|AWS tunnel is sending DPD R-U-THERE to peer|AWS tunnel received R-U-THERE-ACK)("|$)`

// IsLiveness reports whether e is a record of the liveness exchange.
func IsLiveness(e *Event) bool {
	return e.Category == catalog.IKENegotiation && e.Stream == StreamIKE && IsLivenessDetails(e.Details)
}

// IsLivenessDetails reports whether details is, exactly, a message of the
// liveness exchange.
func IsLivenessDetails(details string) bool {
	rest, ok := strings.CutPrefix(details, "AWS tunnel ")
	if !ok {
		return false
	}
	switch rest {
	case "is sending DPD R-U-THERE to peer", "received R-U-THERE-ACK":
		return true
	}
	if r, ok := strings.CutPrefix(rest, "processed "); ok {
		rest = r
	} else if r, ok := strings.CutPrefix(rest, "is sending "); ok {
		rest = r
	} else {
		return false
	}
	if r, ok := strings.CutPrefix(rest, "request "); ok {
		rest = r
	} else if r, ok := strings.CutPrefix(rest, "response "); ok {
		rest = r
	} else {
		return false
	}
	rest, ok = strings.CutPrefix(rest, "(id=")
	if !ok {
		return false
	}
	n := 0
	for n < len(rest) && rest[n] >= '0' && rest[n] <= '9' {
		n++
	}
	return n > 0 && rest[n:] == ") for INFORMATIONAL"
}
