// Package catalog is the catalogue of AWS Site-to-Site VPN log messages: the
// message classes of the interface contract (Category) with their default
// Severity, what each class means, why it happens and what to check on the
// customer gateway (Entry), advice fitted to one case (Advise) and the whole
// catalogue as Markdown (Markdown).
//
// It is data and text only: it knows no log records (package vpnlog reads
// them and classifies each into one of these classes) and imports nothing of
// vpnlens.
package catalog

// Entry explains one message class to an engineer: what it means,
// which side acted, why it happens, what to check on the customer gateway
// and where the protocol behaviour is specified.
type Entry struct {
	Category Category `json:"category"`
	Layer    string   `json:"layer"` // ike | bgp | route | any (from the contract)
	Title    string   `json:"title"`
	Meaning  string   `json:"meaning"` // plain-language meaning for an engineer
	// ActingSide names the side whose behaviour or configuration the record
	// points at first: "aws", "customer_gateway", "either", "none".
	ActingSide   string        `json:"acting_side"`
	Severity     Severity      `json:"-"` // default severity; vpnlog.Classify may raise or lower it per record
	Anomaly      bool          `json:"anomaly"`
	Causes       []string      `json:"causes"`
	Checks       []string      `json:"checks"` // what to check/change on the customer gateway
	GatewayHints []GatewayHint `json:"gateway_hints,omitempty"`
	References   []string      `json:"references"` // RFC sections and AWS documentation
	Messages     []string      `json:"messages"`   // the documented AWS message templates in this class
}

// GatewayHint is a concrete command or setting for one customer gateway
// platform: Cisco IOS, Cisco ASA, Juniper SRX, Palo Alto, FortiGate, strongSwan.
type GatewayHint struct {
	Vendor string `json:"vendor"`
	Hint   string `json:"hint"`
	// ForCause is the cause (category id) a diagnosis gives the hint for,
	// when it gives advice for more than one; empty in the catalogue.
	ForCause string `json:"for_cause,omitempty" jsonschema:"in a diagnosis: the category id of the cause this hint addresses (root cause or what keeps the tunnel down)"`
}

// Entries returns one entry per contract id, in contract order, including
// unknown. The result is a copy; changing it does not change the catalogue.
func Entries() []Entry {
	out := make([]Entry, len(catalogEntries))
	for i := range catalogEntries {
		out[i] = copyEntry(catalogEntries[i])
	}
	return out
}

// Lookup returns the catalogue entry for c.
func Lookup(c Category) (Entry, bool) {
	i, ok := catalogIndex[c]
	if !ok {
		return Entry{}, false
	}
	return copyEntry(catalogEntries[i]), true
}

func copyEntry(e Entry) Entry {
	e.Causes = append([]string(nil), e.Causes...)
	e.Checks = append([]string(nil), e.Checks...)
	e.GatewayHints = append([]GatewayHint(nil), e.GatewayHints...)
	e.References = append([]string(nil), e.References...)
	e.Messages = append([]string(nil), e.Messages...)
	return e
}

// catalogIndex finds an entry by id without scanning (the classifier looks up
// every record's class, through Defaults).
var catalogIndex = func() map[Category]int {
	m := make(map[Category]int, len(catalogEntries))
	for i, e := range catalogEntries {
		m[e.Category] = i
	}
	return m
}()

// Defaults returns c's default severity and whether it marks trouble, without
// copying the entry as Lookup does: the classifier (package vpnlog) calls it
// for every record it reads, and must not allocate.
func Defaults(c Category) (sev Severity, anomaly, ok bool) {
	i, ok := catalogIndex[c]
	if !ok {
		return SevInfo, false, false
	}
	return catalogEntries[i].Severity, catalogEntries[i].Anomaly, true
}
