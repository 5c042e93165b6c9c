package source

import (
	"context"
	"time"
)

// Maintenance is what AWS says of a tunnel's endpoint maintenance
// (EC2 GetVpnTunnelReplacementStatus): AWS replaces tunnel endpoints one
// tunnel at a time, and a tunnel being replaced goes down and comes back.
type Maintenance struct {
	TunnelIP string
	// LastApplied is when maintenance was last applied (the tunnel
	// replaced); zero when never.
	LastApplied time.Time
	// Pending describes maintenance not applied yet; AutoAppliedAfter is
	// when AWS applies it by itself.
	Pending          string
	AutoAppliedAfter time.Time
}

// TunnelMaintenance answers "what maintenance did AWS apply or plan on
// this tunnel?".
type TunnelMaintenance interface {
	Maintenance(ctx context.Context, vpnConnectionID, tunnelIP string) (*Maintenance, error)
}
