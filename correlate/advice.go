package correlate

import (
	"github.com/vpnlens/vpnlens/catalog"
	"github.com/vpnlens/vpnlens/vpnlog"
)

// AdviceContext is what a diagnosis knows beyond a cause's class, so that
// advice fits the case: the cause's record as read (which side sent a
// notification, which IKE phase and version failed), the tunnel's own
// settings and addresses. It is catalog.AdviceContext with the record as a
// vpnlog.Event, since the catalogue knows no log records.
type AdviceContext struct {
	// Record is the cause's first record (direction, IKE phase and
	// version, route attributes); nil when there is none.
	Record *vpnlog.Event
	// Tunnel is the tunnel's options; nil when unknown.
	Tunnel *catalog.TunnelPolicy
	// OutsideIP is the tunnel's AWS outside IP; InsideCIDR its inside /30
	// (AWS's inside address is the first host, the gateway's the second).
	OutsideIP  string
	InsideCIDR string
}

// Advise returns the catalogue's checks and gateway hints for cause c
// (catalog.Advise), fitted to what ctx knows.
func Advise(c catalog.Category, ctx AdviceContext) (catalog.Advice, bool) {
	cc := catalog.AdviceContext{Tunnel: ctx.Tunnel, OutsideIP: ctx.OutsideIP, InsideCIDR: ctx.InsideCIDR}
	if ctx.Record != nil {
		cc.Record = ctx.Record.AdviceRecord()
	}
	return catalog.Advise(c, cc)
}
