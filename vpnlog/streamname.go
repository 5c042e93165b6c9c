package vpnlog

import (
	"net/netip"
	"strings"
)

// StreamID names one CloudWatch Logs stream: a tunnel's IKE or BGP log.
// AWS names the streams "<vpn-connection-id>_<tunnel-outside-ip>-IKE.log" and
// "...-BGP.log"; the BGP record's resource_id is the same name without the
// suffix, so the three fields below are all a record's origin can tell us.
type StreamID struct {
	VPNConnectionID string
	TunnelIP        string
	Kind            StreamKind
}

// String renders the stream the way AWS names it, without ".log":
// "vpn-0abc_203.0.113.10-IKE". Missing parts are left out.
func (s StreamID) String() string {
	if s.VPNConnectionID == "" && s.TunnelIP == "" {
		if s.Kind == StreamUnknown {
			return ""
		}
		return s.Kind.String()
	}
	var b strings.Builder
	b.Grow(len(s.VPNConnectionID) + len(s.TunnelIP) + 5)
	b.WriteString(s.VPNConnectionID)
	if s.TunnelIP != "" {
		if s.VPNConnectionID != "" {
			b.WriteByte('_')
		}
		b.WriteString(s.TunnelIP)
	}
	if s.Kind != StreamUnknown {
		b.WriteByte('-')
		b.WriteString(s.Kind.String())
	}
	return b.String()
}

// IsZero reports whether nothing is known about the stream.
func (s StreamID) IsZero() bool {
	return s.VPNConnectionID == "" && s.TunnelIP == "" && s.Kind == StreamUnknown
}

// orElse fills what s lacks from o. o only contributes when it names the same
// connection (or s names none): a folder called after another connection
// must not lend its tunnel IP to this file.
func (s StreamID) orElse(o StreamID) StreamID {
	if s.VPNConnectionID == "" {
		if s.TunnelIP == "" {
			s.VPNConnectionID, s.TunnelIP = o.VPNConnectionID, o.TunnelIP
		} else if o.TunnelIP == "" || o.TunnelIP == s.TunnelIP {
			s.VPNConnectionID = o.VPNConnectionID
		}
	} else if o.VPNConnectionID != s.VPNConnectionID && o.VPNConnectionID != "" {
		return s
	}
	if s.TunnelIP == "" {
		s.TunnelIP = o.TunnelIP
	}
	if s.Kind == StreamUnknown {
		s.Kind = o.Kind
	}
	return s
}

// ParseStreamName reads a stream, file or folder name of the form
// "<vpn-id>_<ip>-IKE.log" or "-BGP.log" (also without ".log", with any
// directory prefix, with a ".gz"/".json"/... extension, any case for IKE/BGP),
// and the BGP resource_id "<vpn-id>_<ip>" (Kind unknown). ok is false when the
// name holds no VPN connection id.
func ParseStreamName(name string) (StreamID, bool) {
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	// The id may be preceded by other text ("export-vpn-0abc_..."), but
	// only at a word boundary, so that "myvpn-..." is not taken for one.
	at := -1
	for from := 0; ; {
		i := streamIndexFold(name[from:], "vpn-")
		if i < 0 {
			break
		}
		i += from
		if i == 0 || !recIsAlnum(name[i-1]) {
			at = i
			break
		}
		from = i + 1
	}
	if at < 0 {
		return StreamID{}, false
	}
	rest := name[at+4:]
	n := 0
	for n < len(rest) && recIsHex(rest[n]) {
		n++
	}
	if n == 0 {
		return StreamID{}, false
	}
	var id StreamID
	id.VPNConnectionID = strings.ToLower(name[at : at+4+n])
	rest = rest[n:]
	if rest != "" && recIsAlnum(rest[0]) {
		// "vpn-0abcxyz": not an id after all.
		return StreamID{}, false
	}
	if rest != "" && rest[0] == '_' {
		if ip, after := leadingIP(rest[1:]); ip != "" {
			id.TunnelIP = ip
			rest = after
		} else {
			// "vpn-0abc_something": the id is sound, the rest is not ours.
			return id, true
		}
	}
	if rest != "" && rest[0] == '-' {
		k := 1
		for k < len(rest) && recIsAlnum(rest[k]) {
			k++
		}
		id.Kind = ParseStreamKind(rest[1:k])
		if id.Kind == StreamUnknown && id.TunnelIP == "" {
			// "vpn-cafe-logs": a word, not a connection id.
			return StreamID{}, false
		}
	}
	return id, true
}

// leadingIP returns the longest IPv4 or IPv6 address at the start of s and
// what follows it. IPv4 addresses are followed by ".log" in stream names, so
// the address is cut back at dots and colons until it parses.
func leadingIP(s string) (ip, rest string) {
	n := 0
	for n < len(s) && (recIsHex(s[n]) || s[n] == '.' || s[n] == ':') {
		n++
	}
	cand := s[:n]
	for cand != "" {
		if a, err := netip.ParseAddr(cand); err == nil && !a.Is4In6() && a.Zone() == "" {
			if a.Is4() || strings.Contains(cand, ":") {
				return cand, s[len(cand):]
			}
		}
		i := strings.LastIndexAny(cand, ".:")
		if i < 0 {
			break
		}
		cand = cand[:i]
	}
	return "", s
}

func recIsHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func recIsAlnum(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

// streamIndexFold is an ASCII case-insensitive strings.Index for short needles.
func streamIndexFold(s, needle string) int {
	for i := 0; i+len(needle) <= len(s); i++ {
		if EqualFoldASCII(s[i:i+len(needle)], needle) {
			return i
		}
	}
	return -1
}

// streamNameCache remembers parsed stream names (resource_id,
// logStreamName): every record of a stream repeats its name, and parsing it
// each time would cost more than the rest of a record. A nil cache parses.
type streamNameCache struct {
	last    string // the name asked for last, and its answer
	lastRes streamNameResult
	ids     map[string]streamNameResult
}

type streamNameResult struct {
	id StreamID
	ok bool
}

// maxCachedStreamNames bounds the cache; a corpus with more streams than
// this starts over rather than growing.
const maxCachedStreamNames = 4096

func (c *streamNameCache) parse(name string) (StreamID, bool) {
	if c == nil {
		return ParseStreamName(name)
	}
	if name == c.last && name != "" {
		return c.lastRes.id, c.lastRes.ok
	}
	if r, ok := c.ids[name]; ok {
		c.last, c.lastRes = name, r
		return r.id, r.ok
	}
	id, ok := ParseStreamName(name)
	if c.ids == nil || len(c.ids) >= maxCachedStreamNames {
		c.ids = make(map[string]streamNameResult)
	}
	// The key is cloned: name points into one record's Raw, which the map
	// must not keep alive (last may hold one record's name: that is all).
	// The id's strings are cloned for the same reason.
	id.VPNConnectionID, id.TunnelIP = strings.Clone(id.VPNConnectionID), strings.Clone(id.TunnelIP)
	key := strings.Clone(name)
	c.ids[key] = streamNameResult{id, ok}
	c.last, c.lastRes = key, streamNameResult{id, ok}
	return id, ok
}
