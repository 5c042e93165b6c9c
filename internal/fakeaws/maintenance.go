package fakeaws

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/url"
	"time"
)

// TunnelMaintenance is the maintenance state of one tunnel, as EC2's
// GetVpnTunnelReplacementStatus reports it (zero times: absent).
type TunnelMaintenance struct {
	LastApplied      time.Time
	Pending          string
	AutoAppliedAfter time.Time
}

// SetMaintenance sets a tunnel's maintenance state.
func (s *Server) SetMaintenance(vpnID, tunnelIP string, m TunnelMaintenance) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.maint == nil {
		s.maint = map[string]TunnelMaintenance{}
	}
	s.maint[vpnID+"/"+tunnelIP] = m
}

type maintenanceDetailsXML struct {
	PendingMaintenance          string `xml:"pendingMaintenance,omitempty"`
	MaintenanceAutoAppliedAfter string `xml:"maintenanceAutoAppliedAfter,omitempty"`
	LastMaintenanceApplied      string `xml:"lastMaintenanceApplied,omitempty"`
}

type getVpnTunnelReplacementStatusResponse struct {
	XMLName                   xml.Name              `xml:"GetVpnTunnelReplacementStatusResponse"`
	Xmlns                     string                `xml:"xmlns,attr"`
	RequestID                 string                `xml:"requestId"`
	VpnConnectionID           string                `xml:"vpnConnectionId"`
	TransitGatewayID          string                `xml:"transitGatewayId,omitempty"`
	CustomerGatewayID         string                `xml:"customerGatewayId,omitempty"`
	VpnGatewayID              string                `xml:"vpnGatewayId,omitempty"`
	VpnTunnelOutsideIPAddress string                `xml:"vpnTunnelOutsideIpAddress"`
	MaintenanceDetails        maintenanceDetailsXML `xml:"maintenanceDetails"`
}

// getVpnTunnelReplacementStatus answers for a known connection and tunnel
// (else InvalidVpnConnectionID.NotFound / InvalidParameterValue, as EC2).
func (s *Server) getVpnTunnelReplacementStatus(form url.Values) (*getVpnTunnelReplacementStatusResponse, *apiError) {
	id, ip := form.Get("VpnConnectionId"), form.Get("VpnTunnelOutsideIpAddress")
	s.mu.Lock()
	defer s.mu.Unlock()
	c, aerr := s.tunnelConnection(id, ip)
	if aerr != nil {
		return nil, aerr
	}
	r := &getVpnTunnelReplacementStatusResponse{Xmlns: "http://ec2.amazonaws.com/doc/2016-11-15/", RequestID: "fake-request",
		VpnConnectionID: id, CustomerGatewayID: c.CustomerGatewayId, VpnGatewayID: c.VpnGatewayId, TransitGatewayID: c.TransitGatewayId, VpnTunnelOutsideIPAddress: ip}
	m := s.maint[id+"/"+ip]
	r.MaintenanceDetails.PendingMaintenance = m.Pending
	if !m.LastApplied.IsZero() {
		r.MaintenanceDetails.LastMaintenanceApplied = m.LastApplied.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	if !m.AutoAppliedAfter.IsZero() {
		r.MaintenanceDetails.MaintenanceAutoAppliedAfter = m.AutoAppliedAfter.UTC().Format("2006-01-02T15:04:05.000Z")
	}
	return r, nil
}

// tunnelConnection is the connection id whose tunnel has outside address
// ip, as the per-tunnel EC2 calls find it (s.mu held): an unknown
// connection is InvalidVpnConnectionID.NotFound, an unknown tunnel
// InvalidParameterValue, as EC2 answers.
func (s *Server) tunnelConnection(id, ip string) (*VpnConnection, *apiError) {
	for i := range s.conns {
		c := &s.conns[i]
		if c.VpnConnectionId != id {
			continue
		}
		if c.Options != nil {
			for _, t := range c.Options.TunnelOptions {
				if t.OutsideIpAddress == ip {
					return c, nil
				}
			}
		}
		return nil, errorf(400, "InvalidParameterValue", "The tunnel outside IP address %s does not belong to %s", ip, id)
	}
	return nil, errorf(400, "InvalidVpnConnectionID.NotFound", "The vpnConnection ID '%s' does not exist", id)
}

// LoadMaintenanceJSON reads a tunnel-maintenance.json: a JSON array of
// GetVpnTunnelReplacementStatus outputs as the CLI prints them (times in
// ISO 8601), one per tunnel.
func (s *Server) LoadMaintenanceJSON(b []byte) error {
	var outs []struct {
		VpnConnectionID           string `json:"VpnConnectionId"`
		VpnTunnelOutsideIPAddress string `json:"VpnTunnelOutsideIpAddress"`
		MaintenanceDetails        struct {
			PendingMaintenance          string
			MaintenanceAutoAppliedAfter *time.Time
			LastMaintenanceApplied      *time.Time
		}
	}
	if err := json.Unmarshal(b, &outs); err != nil {
		return fmt.Errorf("fakeaws: tunnel-maintenance.json: %w", err)
	}
	for i, o := range outs {
		if o.VpnConnectionID == "" || o.VpnTunnelOutsideIPAddress == "" {
			return fmt.Errorf("fakeaws: tunnel-maintenance.json: [%d] names no connection and tunnel", i)
		}
		m := TunnelMaintenance{Pending: o.MaintenanceDetails.PendingMaintenance}
		if t := o.MaintenanceDetails.LastMaintenanceApplied; t != nil {
			m.LastApplied = t.UTC()
		}
		if t := o.MaintenanceDetails.MaintenanceAutoAppliedAfter; t != nil {
			m.AutoAppliedAfter = t.UTC()
		}
		s.SetMaintenance(o.VpnConnectionID, o.VpnTunnelOutsideIPAddress, m)
	}
	return nil
}
