package source

import (
	"context"
	"io/fs"
)

// readActiveStatus reads tunnel-active-status.json; a file that cannot be
// read or parsed is kept as the error questions about it get.
func (l *Local) readActiveStatus(fsys fs.FS, p, shown string) {
	b, rerr := readSideFile(fsys, p, shown, "read negotiated tunnel parameters")
	if rerr != nil {
		l.activeErr = rerr
		return
	}
	m, err := ParseActiveStatusFile(shown, b)
	if err != nil {
		l.activeErr = &Error{Op: "read negotiated tunnel parameters", Cause: "BadActiveStatus", Msg: err.Error() +
			`; write it as {"Tunnels":[{"VpnConnectionId":…,"VpnTunnelOutsideIpAddress":…,"ActiveVpnTunnelStatus":{…}}]}, each ActiveVpnTunnelStatus as ` +
			"`aws ec2 get-active-vpn-tunnel-status` prints it", Err: err}
		return
	}
	l.active = m
}

// ActiveStatus implements ActiveTunnelStatus from the folder's
// tunnel-active-status.json; without one, or for a tunnel it does not
// list, the status is not known (nil, no note: the options answer stands
// without it).
func (l *Local) ActiveStatus(ctx context.Context, vpnConnectionID, tunnelIP string) (*ActiveStatus, error) {
	// The side files are read by the walk, before the folder is indexed:
	// no need to wait for the index.
	l.mu.RLock()
	m, aerr := l.active, l.activeErr
	l.mu.RUnlock()
	if aerr != nil {
		return nil, aerr
	}
	a := m[vpnConnectionID+"/"+tunnelIP]
	if a == nil {
		return nil, nil
	}
	c := *a
	return &c, nil
}

var _ ActiveTunnelStatus = (*Local)(nil)
