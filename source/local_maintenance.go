package source

import (
	"context"
	"io/fs"
)

// readMaintenance reads tunnel-maintenance.json; a file that cannot be read
// or parsed is kept as the error questions about maintenance get.
func (l *Local) readMaintenance(fsys fs.FS, p, shown string) {
	m, err := loadMaintenance(fsys, p, shown)
	if err != nil {
		l.maintErr = err
		return
	}
	l.maint = m
}

// loadMaintenance reads and parses a tunnel-maintenance.json.
func loadMaintenance(fsys fs.FS, p, shown string) (map[string]Maintenance, error) {
	b, rerr := readSideFile(fsys, p, shown, "read tunnel maintenance")
	if rerr != nil {
		return nil, rerr
	}
	m, err := ParseMaintenanceFile(shown, b)
	if err != nil {
		return nil, &Error{Op: "read tunnel maintenance", Cause: "BadMaintenance", Msg: err.Error() + "; write it as a JSON array of `aws ec2 get-vpn-tunnel-replacement-status` outputs (VpnConnectionId, VpnTunnelOutsideIpAddress, MaintenanceDetails), one per tunnel", Err: err}
	}
	return m, nil
}

// Maintenance implements TunnelMaintenance from the folder's
// tunnel-maintenance.json.
func (l *Local) Maintenance(_ context.Context, vpnConnectionID, tunnelIP string) (*Maintenance, error) {
	// The side files are read by the walk, before the folder is indexed:
	// no need to wait for the index.
	l.mu.RLock()
	byTunnel, merr := l.maint, l.maintErr
	l.mu.RUnlock()
	return maintenanceAnswer(byTunnel, merr, vpnConnectionID, tunnelIP)
}

// maintenanceAnswer is a tunnel's maintenance from a folder's file. A
// tunnel the file does not list, or a folder without the file, has no
// maintenance known: the answer is empty, as AWS's is for a tunnel never
// maintained.
func maintenanceAnswer(byTunnel map[string]Maintenance, err error, vpnConnectionID, tunnelIP string) (*Maintenance, error) {
	if err != nil {
		return nil, err
	}
	m, ok := byTunnel[MaintenanceKey(vpnConnectionID, tunnelIP)]
	if !ok {
		m = Maintenance{TunnelIP: tunnelIP}
	}
	return &m, nil
}

var _ TunnelMaintenance = (*Local)(nil)
